//! The envelope capability's errors: why an envelope's QR code was refused.

use crate::error::{pick, Language};

/// Why an envelope code was refused (codes `envelope.*`, docs/errors.md).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// Not an envelope code: wrong prefix, not Base45, not zlib, not a COSE_Sign1 or CWT.
    #[error("not an envelope code: {details}")]
    Malformed {
        /// What was wrong (never the scanned text).
        details: String,
    },
    /// Signed with a key the verifier does not have (another platform's, or a rotated-out one).
    #[error("the envelope is signed with an unknown key")]
    UnknownKey,
    /// The signature does not verify: the code was forged or changed.
    #[error("the envelope's signature does not verify")]
    BadSignature,
    /// Issued by another platform than the one the verifier serves.
    #[error("the envelope comes from another platform")]
    WrongIssuer,
    /// Past its deadline.
    #[error("the envelope has expired")]
    Expired,
}

impl EnvelopeError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed { .. } => "envelope.malformed",
            Self::UnknownKey => "envelope.unknown_key",
            Self::BadSignature => "envelope.bad_signature",
            Self::WrongIssuer => "envelope.wrong_issuer",
            Self::Expired => "envelope.expired",
        }
    }

    /// A default message for people.
    pub fn message(&self, language: Language) -> String {
        match self {
            Self::Malformed { .. } => pick(language, "这不是免跑腿信封的二维码。", "This is not an envelope code."),
            Self::UnknownKey => pick(language, "无法确认该信封的签发方。", "The envelope's issuer cannot be confirmed."),
            Self::BadSignature => pick(language, "信封二维码已被篡改或伪造。", "The envelope code was changed or forged."),
            Self::WrongIssuer => pick(language, "该信封不属于本平台。", "The envelope belongs to another platform."),
            Self::Expired => pick(language, "该信封已过期限。", "The envelope is past its deadline."),
        }
        .into()
    }
}
