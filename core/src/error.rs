//! The one public error type, [`CityKitError`], with a stable machine code per variant.
//!
//! Apps match on [`CityKitError::code`] (for example `store.wrong_key`, `net.pin_mismatch`,
//! `auth.invalid_state`) and map it to their own wording; [`CityKitError::message`] gives a
//! default message in Chinese or English. Codes are never renumbered or reused: the full table is
//! in `docs/errors.md`. No variant carries personal data: an error may be logged as it is.

use crate::autofill::AutofillError;
use crate::cases::CaseError;
use crate::catalogue::CatalogueError;
use crate::envelope::EnvelopeError;
use crate::identity::AuthError;
use crate::net::NetError;
use crate::push::PushError;
use crate::recommend::RecommendError;
use crate::store::StoreError;
use crate::wallet::WalletError;

/// The language of a default error message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Language {
    /// 简体中文.
    Zh,
    /// English.
    En,
}

/// Every error the core's public API returns.
#[derive(Debug, thiserror::Error)]
pub enum CityKitError {
    /// The encrypted store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The network or the platform's HTTP layer failed.
    #[error(transparent)]
    Net(#[from] NetError),
    /// Login, tokens or identities failed.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The e-licence wallet refused a licence or presentation, or could not do its work.
    #[error(transparent)]
    Wallet(#[from] WalletError),
    /// The service catalogue is missing, unknown or unreadable.
    #[error(transparent)]
    Catalogue(#[from] CatalogueError),
    /// A form could not be filled, edited or submitted.
    #[error(transparent)]
    Autofill(#[from] AutofillError),
    /// The platform refused a case, a signature or a rating, or a case is unknown.
    #[error(transparent)]
    Case(#[from] CaseError),
    /// An envelope's QR code was refused.
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    /// A push body was refused.
    #[error(transparent)]
    Push(#[from] PushError),
    /// Recommendations and campaigns.
    #[error(transparent)]
    Recommend(#[from] RecommendError),
    /// The configuration given to the client is unusable.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A bug inside CityKit (a panic or a broken invariant); `details` is for the bug report.
    #[error("internal error: {details}")]
    Internal {
        /// Debug text for logs and bug reports; never shown to users.
        details: String,
    },
}

/// Which part of CityKit an error comes from: the first part of its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ErrorDomain {
    /// The encrypted store (`store.*`).
    Store,
    /// The network or the platform's HTTP layer (`net.*`).
    Net,
    /// Login, tokens and identities (`auth.*`).
    Auth,
    /// The e-licence wallet and verifier mode (`wallet.*`).
    Wallet,
    /// The service catalogue (`catalogue.*`).
    Catalogue,
    /// Forms, drafts and 秒报 (`autofill.*`).
    Autofill,
    /// Cases, co-signing, ratings and the outbox (`case.*`).
    Case,
    /// 免跑腿 envelopes and their QR codes (`envelope.*`).
    Envelope,
    /// Encrypted push messages (`push.*`).
    Push,
    /// Recommendations and policy campaigns (`recommend.*`).
    Recommend,
    /// The app's configuration (`config.invalid`).
    Config,
    /// A bug inside CityKit (`internal`).
    Internal,
}

/// The result type of the public API.
pub type Result<T, E = CityKitError> = std::result::Result<T, E>;

impl CityKitError {
    /// The stable machine code of this error, for example `store.wrong_key`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Store(e) => e.code(),
            Self::Net(e) => e.code(),
            Self::Auth(e) => e.code(),
            Self::Wallet(e) => e.code(),
            Self::Catalogue(e) => e.code(),
            Self::Autofill(e) => e.code(),
            Self::Case(e) => e.code(),
            Self::Envelope(e) => e.code(),
            Self::Push(e) => e.code(),
            Self::Recommend(e) => e.code(),
            Self::Config(_) => "config.invalid",
            Self::Internal { .. } => "internal",
        }
    }

    /// Which part of CityKit the error comes from.
    pub fn domain(&self) -> ErrorDomain {
        match self {
            Self::Store(_) => ErrorDomain::Store,
            Self::Net(_) => ErrorDomain::Net,
            Self::Auth(_) => ErrorDomain::Auth,
            Self::Wallet(_) => ErrorDomain::Wallet,
            Self::Catalogue(_) => ErrorDomain::Catalogue,
            Self::Autofill(_) => ErrorDomain::Autofill,
            Self::Case(_) => ErrorDomain::Case,
            Self::Envelope(_) => ErrorDomain::Envelope,
            Self::Push(_) => ErrorDomain::Push,
            Self::Recommend(_) => ErrorDomain::Recommend,
            Self::Config(_) => ErrorDomain::Config,
            Self::Internal { .. } => ErrorDomain::Internal,
        }
    }

    /// A default message for people, in the given language. It never contains personal data.
    pub fn message(&self, language: Language) -> String {
        match self {
            Self::Store(e) => e.message(language),
            Self::Net(e) => e.message(language),
            Self::Auth(e) => e.message(language),
            Self::Wallet(e) => e.message(language),
            Self::Catalogue(e) => e.message(language),
            Self::Autofill(e) => e.message(language),
            Self::Case(e) => e.message(language),
            Self::Envelope(e) => e.message(language),
            Self::Push(e) => e.message(language),
            Self::Recommend(e) => e.message(language),
            Self::Config(_) => {
                pick(language, "应用配置有误，请联系应用开发者。", "The app is misconfigured; please contact its developer.").into()
            }
            Self::Internal { .. } => {
                pick(language, "应用内部出错，请稍后再试。", "Something went wrong inside the app; please try again later.").into()
            }
        }
    }
}

/// Chooses the message for a language.
pub(crate) fn pick(language: Language, zh: &'static str, en: &'static str) -> &'static str {
    match language {
        Language::Zh => zh,
        Language::En => en,
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl From<tokio::task::JoinError> for CityKitError {
    fn from(e: tokio::task::JoinError) -> Self {
        if e.is_panic() {
            // The panic message may hold anything: keep it out of the error.
            return Self::Internal { details: "a background task panicked".into() };
        }
        Self::Internal { details: format!("background task failed: {e}") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domain_name(domain: ErrorDomain) -> &'static str {
        match domain {
            ErrorDomain::Store => "store",
            ErrorDomain::Net => "net",
            ErrorDomain::Auth => "auth",
            ErrorDomain::Wallet => "wallet",
            ErrorDomain::Catalogue => "catalogue",
            ErrorDomain::Autofill => "autofill",
            ErrorDomain::Case => "case",
            ErrorDomain::Envelope => "envelope",
            ErrorDomain::Push => "push",
            ErrorDomain::Recommend => "recommend",
            ErrorDomain::Config => "config",
            ErrorDomain::Internal => "internal",
        }
    }

    #[test]
    fn an_errors_domain_is_the_first_part_of_its_code() {
        let samples: Vec<CityKitError> = vec![
            StoreError::Closed.into(),
            NetError::Offline { details: String::new() }.into(),
            AuthError::NotLoggedIn.into(),
            WalletError::Revoked.into(),
            CatalogueError::UnknownItem { id: "x".into() }.into(),
            AutofillError::ConsentRefused.into(),
            CaseError::AlreadyRated.into(),
            EnvelopeError::Expired.into(),
            PushError::Undecryptable.into(),
            RecommendError::UnknownItem.into(),
            CityKitError::Config("x".into()),
            CityKitError::Internal { details: String::new() },
        ];
        for e in &samples {
            let prefix = e.code().split('.').next().unwrap_or_default();
            assert_eq!(prefix, domain_name(e.domain()), "{}", e.code());
        }
    }

    #[test]
    fn every_documented_code_starts_with_a_domain() {
        let doc = include_str!("../../docs/errors.md");
        // `cli.*` codes belong to the QA client (citykit-sim), not to the core.
        let domains = [
            "store",
            "net",
            "auth",
            "wallet",
            "catalogue",
            "autofill",
            "case",
            "envelope",
            "push",
            "recommend",
            "config",
            "internal",
            "cli",
        ];
        let codes: Vec<&str> = doc.lines().filter_map(|l| l.strip_prefix("| `")).filter_map(|l| l.split('`').next()).collect();
        assert!(codes.len() > 40, "{} codes found", codes.len());
        for code in codes {
            let prefix = code.split('.').next().unwrap_or_default();
            assert!(domains.contains(&prefix), "{code}");
        }
    }
}
