//! Errors of login, tokens and identities.

use crate::error::{pick, Language};

/// What is wrong with an ID token (OpenID Connect Core §3.1.3.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdTokenProblem {
    /// Not a compact JWS of JSON.
    Malformed,
    /// Not signed with ES256.
    UnsupportedAlgorithm,
    /// Signed with a key the provider's JWKS does not have.
    UnknownKey,
    /// The signature does not verify.
    BadSignature,
    /// `iss` is not the configured issuer.
    WrongIssuer,
    /// `aud` does not name this client (or `azp` is wrong).
    WrongAudience,
    /// `exp` has passed (beyond the allowed clock skew).
    Expired,
    /// `iat` is in the future (beyond the allowed clock skew) or implausibly old.
    BadIssueTime,
    /// `nonce` is not the one this login sent.
    NonceMismatch,
    /// A required claim is missing.
    MissingClaim,
}

impl IdTokenProblem {
    /// A short name for logs and error details.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::UnsupportedAlgorithm => "unsupported_algorithm",
            Self::UnknownKey => "unknown_key",
            Self::BadSignature => "bad_signature",
            Self::WrongIssuer => "wrong_issuer",
            Self::WrongAudience => "wrong_audience",
            Self::Expired => "expired",
            Self::BadIssueTime => "bad_issue_time",
            Self::NonceMismatch => "nonce_mismatch",
            Self::MissingClaim => "missing_claim",
        }
    }
}

/// Why login, a token operation or an identity operation failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AuthError {
    /// No one is logged in.
    #[error("not logged in")]
    NotLoggedIn,
    /// The redirect's `state` is missing or belongs to no login started here (a forged or replayed redirect).
    #[error("the login response does not belong to a login started on this device")]
    InvalidState,
    /// The redirect URL is not this app's redirect URI, or lacks the code.
    #[error("the login response is invalid: {details}")]
    InvalidRedirect {
        /// What was wrong.
        details: String,
    },
    /// The login was started too long ago; start again.
    #[error("the login took too long; start again")]
    LoginExpired,
    /// The person declined at the provider.
    #[error("the login was declined")]
    AccessDenied,
    /// The provider answered the authorization request with an error.
    #[error("the provider refused the login: {error}")]
    AuthorizationFailed {
        /// The OAuth `error` code.
        error: String,
    },
    /// The response names another issuer (RFC 9207: a mix-up attack or a misconfiguration).
    #[error("the login response comes from another issuer")]
    IssuerMismatch,
    /// The token endpoint refused the authorization code (expired, already used, PKCE mismatch).
    #[error("the provider refused the authorization code: {error}")]
    CodeRejected {
        /// The OAuth `error` code.
        error: String,
        /// The provider's description, if any.
        description: Option<String>,
    },
    /// The ID token failed verification.
    #[error("the ID token is invalid: {}", problem.as_str())]
    IdTokenInvalid {
        /// What was wrong.
        problem: IdTokenProblem,
    },
    /// The platform refused the DPoP proof (the device key does not match the token's binding).
    #[error("the platform refused the device proof: {details}")]
    DpopRejected {
        /// The platform's description.
        details: String,
    },
    /// The session ended at the platform (refresh refused, revoked, or token reuse detected); log in again.
    #[error("the session has ended; log in again")]
    SessionExpired,
    /// The platform refused the access token even after a refresh.
    #[error("the platform refused the access token")]
    TokenRejected,
    /// The identity is not one this person may act as.
    #[error("unknown identity")]
    UnknownIdentity,
    /// The platform says this person may not act for that enterprise.
    #[error("not an agent of that enterprise")]
    NotAnAgent,
    /// Provider discovery failed or its metadata is unusable.
    #[error("provider discovery failed: {details}")]
    Discovery {
        /// What was wrong.
        details: String,
    },
    /// The person did not confirm their presence (biometric/PIN/face check declined).
    #[error("the presence check was declined")]
    PresenceDenied,
    /// The presence check could not be shown.
    #[error("the presence check is unavailable: {details}")]
    PresenceUnavailable {
        /// What the shell said.
        details: String,
    },
    /// The device key could not sign.
    #[error("the device key failed: {details}")]
    DeviceKey {
        /// What the key said.
        details: String,
    },
    /// The provider answered outside the protocol.
    #[error("the provider's answer breaks the protocol: {details}")]
    Protocol {
        /// What was wrong.
        details: String,
    },
    /// Logout was refused: submissions, amendments or ratings are still queued and would be
    /// lost. Send them first (retry when online), or log out discarding them.
    #[error("{count} queued submissions, amendments or ratings have not been sent")]
    UnsentWork {
        /// How many queued writes would be lost.
        count: u32,
    },
}

impl AuthError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotLoggedIn => "auth.not_logged_in",
            Self::InvalidState => "auth.invalid_state",
            Self::InvalidRedirect { .. } => "auth.invalid_redirect",
            Self::LoginExpired => "auth.login_expired",
            Self::AccessDenied => "auth.access_denied",
            Self::AuthorizationFailed { .. } => "auth.authorization_failed",
            Self::IssuerMismatch => "auth.issuer_mismatch",
            Self::CodeRejected { .. } => "auth.code_rejected",
            Self::IdTokenInvalid { .. } => "auth.id_token_invalid",
            Self::DpopRejected { .. } => "auth.dpop_rejected",
            Self::SessionExpired => "auth.session_expired",
            Self::TokenRejected => "auth.token_rejected",
            Self::UnknownIdentity => "auth.unknown_identity",
            Self::NotAnAgent => "auth.not_an_agent",
            Self::Discovery { .. } => "auth.discovery",
            Self::PresenceDenied => "auth.presence_denied",
            Self::PresenceUnavailable { .. } => "auth.presence_unavailable",
            Self::DeviceKey { .. } => "auth.device_key",
            Self::Protocol { .. } => "auth.protocol",
            Self::UnsentWork { .. } => "auth.unsent_work",
        }
    }

    /// A default message for people.
    pub fn message(&self, language: Language) -> String {
        if let Self::UnsentWork { count } = self {
            return match language {
                Language::Zh => format!("还有 {count} 项办件、补正或评价尚未发送，退出登录会丢失它们。请联网后重试发送，或确认放弃后再退出。"),
                Language::En => format!(
                    "{count} submissions, amendments or ratings have not been sent yet and logging out would lose them. Send them when online, or log out discarding them."
                ),
            };
        }
        pick(
            language,
            match self {
                Self::NotLoggedIn => "请先登录。",
                Self::SessionExpired | Self::TokenRejected => "登录已失效，请重新登录。",
                Self::AccessDenied => "您已取消登录。",
                Self::LoginExpired => "登录超时，请重新登录。",
                Self::UnknownIdentity | Self::NotAnAgent => "您无权以该身份办理。",
                Self::PresenceDenied => "未通过本人确认。",
                Self::PresenceUnavailable { .. } => "无法进行本人确认（刷脸或指纹），请检查设备设置。",
                Self::InvalidState | Self::InvalidRedirect { .. } | Self::IssuerMismatch => "登录结果无效，请重新登录。",
                Self::DeviceKey { .. } | Self::DpopRejected { .. } => "设备验证失败，请重新登录。",
                _ => "登录失败，请稍后重试。",
            },
            match self {
                Self::NotLoggedIn => "Please log in first.",
                Self::SessionExpired | Self::TokenRejected => "Your session has ended; please log in again.",
                Self::AccessDenied => "You cancelled the login.",
                Self::LoginExpired => "The login took too long; please start again.",
                Self::UnknownIdentity | Self::NotAnAgent => "You may not act as that identity.",
                Self::PresenceDenied => "You did not confirm it is you.",
                Self::PresenceUnavailable { .. } => "The identity check (face or fingerprint) is unavailable; check the device settings.",
                Self::InvalidState | Self::InvalidRedirect { .. } | Self::IssuerMismatch => {
                    "The login response is invalid; please log in again."
                }
                Self::DeviceKey { .. } | Self::DpopRejected { .. } => "This device could not be verified; please log in again.",
                _ => "Login failed; please try again later.",
            },
        )
        .into()
    }
}
