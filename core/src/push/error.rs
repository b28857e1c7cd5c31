//! The push capability's errors: why a push body was refused.

use crate::error::{pick, Language};

/// Why a push body was refused (codes `push.*`, docs/errors.md). A refused body changes
/// nothing: the inbox keeps everything it had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushError {
    /// Not an `aes128gcm` push body (RFC 8188/8291): too short, too large, a bad header or record.
    #[error("not a push body: {details}")]
    Malformed {
        /// What was wrong (never the body).
        details: String,
    },
    /// The body does not decrypt with this device's push key: changed in transit, or meant for
    /// another device.
    #[error("the push body does not decrypt with this device's key")]
    Undecryptable,
    /// The decrypted message is not a platform-signed `citykit-push+jwt`.
    #[error("the push message is not signed by the platform")]
    Unsigned,
    /// The message's signature does not verify with the platform's push key (or another
    /// platform signed it).
    #[error("the push message's signature does not verify")]
    BadSignature,
    /// The message is addressed to another subscription or an identity not logged in here.
    #[error("the push message is addressed to someone else")]
    WrongRecipient,
    /// This device has no push subscription yet.
    #[error("no push subscription on this device")]
    NotSubscribed,
    /// The carrier endpoint is empty or longer than 512 characters.
    #[error("invalid push endpoint")]
    InvalidEndpoint,
}

impl PushError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed { .. } => "push.malformed",
            Self::Undecryptable => "push.undecryptable",
            Self::Unsigned => "push.unsigned",
            Self::BadSignature => "push.bad_signature",
            Self::WrongRecipient => "push.wrong_recipient",
            Self::NotSubscribed => "push.not_subscribed",
            Self::InvalidEndpoint => "push.invalid_endpoint",
        }
    }

    /// A default message for people.
    pub fn message(&self, language: Language) -> String {
        match self {
            Self::Malformed { .. } => {
                pick(language, "收到的推送格式不正确，已忽略。", "A push message was not in the expected format and was ignored.")
            }
            Self::Undecryptable => pick(
                language,
                "推送无法解密（可能被篡改或不属于本设备），已忽略。",
                "A push message could not be decrypted (changed, or for another device) and was ignored.",
            ),
            Self::Unsigned => {
                pick(language, "推送未经平台签名，已忽略。", "A push message was not signed by the platform and was ignored.")
            }
            Self::BadSignature => pick(language, "推送签名无效，已忽略。", "A push message's signature did not verify; it was ignored."),
            Self::WrongRecipient => pick(
                language,
                "推送不是发给本设备或当前账号的，已忽略。",
                "A push message was for another device or account and was ignored.",
            ),
            Self::NotSubscribed => pick(language, "本设备尚未开通推送。", "Push is not set up on this device."),
            Self::InvalidEndpoint => pick(language, "推送通道地址无效。", "The push endpoint is not valid."),
        }
        .into()
    }
}
