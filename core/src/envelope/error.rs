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
    /// The platform revoked it (a broken pledge, a replacement).
    #[error("the envelope was revoked")]
    Revoked,
    /// The platform has no such envelope (or it is not yours).
    #[error("unknown envelope")]
    UnknownEnvelope,
    /// The platform's envelope document cannot be read.
    #[error("unreadable envelope trust document: {details}")]
    TrustDocument {
        /// What was wrong.
        details: String,
    },
    /// No envelope can be made for the case: it does not wait for a material.
    #[error("the case does not wait for a material")]
    NotAwaitingMaterial,
    /// The pickup address is empty or too long.
    #[error("invalid pickup address")]
    InvalidAddress,
    /// The pickup slot is not one the courier offers (two hours, 08:00–20:00 China time, from an
    /// hour to seven days ahead).
    #[error("invalid pickup slot")]
    InvalidSlot,
    /// The envelope already left: its pickup cannot change.
    #[error("already picked up")]
    AlreadyPickedUp,
    /// The courier scanned an envelope with no pickup booked.
    #[error("no pickup is booked for this envelope")]
    NoPickupBooked,
    /// The platform refused for another reason (its error code).
    #[error("the platform refused: {reason}")]
    Refused {
        /// The platform's error code.
        reason: String,
    },
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
            Self::Revoked => "envelope.revoked",
            Self::UnknownEnvelope => "envelope.unknown_envelope",
            Self::TrustDocument { .. } => "envelope.trust_document",
            Self::NotAwaitingMaterial => "envelope.not_awaiting_material",
            Self::InvalidAddress => "envelope.invalid_address",
            Self::InvalidSlot => "envelope.invalid_slot",
            Self::AlreadyPickedUp => "envelope.already_picked_up",
            Self::NoPickupBooked => "envelope.no_pickup_booked",
            Self::Refused { .. } => "envelope.refused",
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
            Self::Revoked => pick(language, "该信封已作废。", "The envelope was revoked."),
            Self::UnknownEnvelope => pick(language, "没有找到该信封。", "That envelope does not exist."),
            Self::TrustDocument { .. } => {
                pick(language, "无法读取平台的信封密钥文件。", "The platform's envelope key document cannot be read.")
            }
            Self::NotAwaitingMaterial => pick(language, "该办件不需要补交材料。", "This case does not wait for a material."),
            Self::InvalidAddress => pick(language, "请填写有效的上门收件地址。", "Enter a valid pickup address."),
            Self::InvalidSlot => pick(language, "请选择可预约的收件时段。", "Choose a pickup slot the courier offers."),
            Self::AlreadyPickedUp => pick(language, "信封已被取走，不能再改约。", "The envelope was already picked up."),
            Self::NoPickupBooked => pick(language, "该信封尚未预约上门收件。", "No pickup is booked for this envelope."),
            Self::Refused { .. } => pick(language, "平台未能处理该信封。", "The platform refused the envelope request."),
        }
        .into()
    }
}
