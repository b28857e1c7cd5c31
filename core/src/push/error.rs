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
}

impl PushError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed { .. } => "push.malformed",
            Self::Undecryptable => "push.undecryptable",
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
        }
        .into()
    }
}
