//! Errors of the e-licence wallet and of verifier mode. Each reason a presentation or licence
//! is refused is its own variant, so a window officer's app can say exactly why.

use crate::error::{pick, Language};

/// Why the wallet refused a licence or a presentation, or could not do its work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WalletError {
    /// The text is not an SD-JWT (VC) presentation at all.
    #[error("malformed licence or presentation: {details}")]
    Malformed {
        /// What was wrong.
        details: String,
    },
    /// The issuer is not one this verifier trusts (or its keys could not be found).
    #[error("unknown issuer")]
    UnknownIssuer,
    /// The issuer signature does not verify.
    #[error("bad issuer signature")]
    BadIssuerSignature,
    /// A disclosure was altered or belongs to another licence.
    #[error("a disclosure was altered or does not belong to this licence")]
    TamperedDisclosure,
    /// The key-binding JWT is missing, not signed by the licence's holder key, or does not cover these disclosures.
    #[error("bad key binding")]
    BadKeyBinding,
    /// The presentation was made for another audience.
    #[error("the presentation is for another audience")]
    WrongAudience,
    /// This nonce was already used: a replayed presentation.
    #[error("replayed presentation")]
    ReplayedNonce,
    /// The licence has expired, or the presentation is too old.
    #[error("expired")]
    Expired,
    /// The licence is not valid yet.
    #[error("not yet valid")]
    NotYetValid,
    /// The issuer has revoked the licence.
    #[error("revoked")]
    Revoked,
    /// The licence is bound to another device's key.
    #[error("the licence is bound to another device")]
    NotBoundToThisDevice,
    /// No licence with that id is in the wallet.
    #[error("no such licence")]
    UnknownLicence,
    /// The licence has no such claim.
    #[error("the licence has no claim {name}")]
    UnknownClaim {
        /// The claim name asked for.
        name: String,
    },
    /// The presentation does not fit a QR code that phones read reliably: disclose fewer claims.
    #[error("the presentation is too large for a QR code")]
    QrTooLarge,
    /// Every copy of the licence was shown already and no new ones could be fetched (offline):
    /// a copy is never shown twice, so that two verifiers cannot link their presentations.
    #[error("no unused copy of the licence is left")]
    NoFreshCopy,
    /// The issuer's status list could not be fetched or checked, and no cached one is fresh enough.
    #[error("the licence status cannot be checked: {details}")]
    StatusUnavailable {
        /// What failed.
        details: String,
    },
}

impl WalletError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed { .. } => "wallet.malformed",
            Self::UnknownIssuer => "wallet.unknown_issuer",
            Self::BadIssuerSignature => "wallet.bad_issuer_signature",
            Self::TamperedDisclosure => "wallet.tampered_disclosure",
            Self::BadKeyBinding => "wallet.bad_key_binding",
            Self::WrongAudience => "wallet.wrong_audience",
            Self::ReplayedNonce => "wallet.replayed_nonce",
            Self::Expired => "wallet.expired",
            Self::NotYetValid => "wallet.not_yet_valid",
            Self::Revoked => "wallet.revoked",
            Self::NotBoundToThisDevice => "wallet.not_bound_to_device",
            Self::UnknownLicence => "wallet.unknown_licence",
            Self::UnknownClaim { .. } => "wallet.unknown_claim",
            Self::StatusUnavailable { .. } => "wallet.status_unavailable",
            Self::QrTooLarge => "wallet.qr_too_large",
            Self::NoFreshCopy => "wallet.no_fresh_copy",
        }
    }

    /// A default message for people.
    pub fn message(&self, language: Language) -> String {
        pick(
            language,
            match self {
                Self::Malformed { .. } => "无法识别的证照或亮证码。",
                Self::UnknownIssuer => "证照的签发机关不在信任列表中。",
                Self::BadIssuerSignature | Self::TamperedDisclosure => "证照内容被篡改，无法验证。",
                Self::BadKeyBinding | Self::NotBoundToThisDevice => "亮证码不是由持证人的设备生成的。",
                Self::WrongAudience => "该亮证码不是出示给本窗口的。",
                Self::ReplayedNonce => "该亮证码已被使用过。",
                Self::Expired => "证照或亮证码已过期。",
                Self::NotYetValid => "证照尚未生效。",
                Self::Revoked => "证照已被签发机关注销。",
                Self::UnknownLicence => "钱包中没有这本证照。",
                Self::UnknownClaim { .. } => "证照中没有该信息项。",
                Self::StatusUnavailable { .. } => "暂时无法核验证照状态，请联网后重试。",
                Self::QrTooLarge => "亮证信息过多，无法生成二维码，请减少出示的信息项。",
                Self::NoFreshCopy => "这本证照的一次性亮证副本已用完，请联网后重试。",
            },
            match self {
                Self::Malformed { .. } => "This is not a licence or licence code CityKit can read.",
                Self::UnknownIssuer => "The licence's issuing office is not trusted here.",
                Self::BadIssuerSignature | Self::TamperedDisclosure => "The licence was altered and cannot be verified.",
                Self::BadKeyBinding | Self::NotBoundToThisDevice => "The licence code was not made by the holder's device.",
                Self::WrongAudience => "This licence code was shown to someone else.",
                Self::ReplayedNonce => "This licence code was already used.",
                Self::Expired => "The licence or the licence code has expired.",
                Self::NotYetValid => "The licence is not valid yet.",
                Self::Revoked => "The issuing office has revoked the licence.",
                Self::UnknownLicence => "That licence is not in the wallet.",
                Self::UnknownClaim { .. } => "The licence has no such item.",
                Self::StatusUnavailable { .. } => "The licence status cannot be checked now; go online and try again.",
                Self::QrTooLarge => "Too much is disclosed for one QR code; show fewer items.",
                Self::NoFreshCopy => "No unused copy of this licence is left to show; go online to get new ones.",
            },
        )
        .into()
    }
}
