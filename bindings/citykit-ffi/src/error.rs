//! The one error type every language sees: a variant per domain, each with the core's stable
//! `code` (see docs/errors.md), default messages in English and Chinese, and debug `details`.
//! None of the fields carries personal data.

use citykit_core::Language;

/// CityKit's error: Kotlin `CityKitException`, Swift `CityKitError`, Python `CityKitError`.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum CityKitError {
    /// The encrypted store failed (`store.*`).
    #[error("{code}: {message_en}")]
    Store {
        /// Stable machine code, e.g. `store.wrong_key`.
        code: String,
        /// Default message in English.
        message_en: String,
        /// Default message in Chinese.
        message_zh: String,
        /// Debug text for logs and bug reports.
        details: String,
    },
    /// The network failed (`net.*`).
    #[error("{code}: {message_en}")]
    Net {
        /// Stable machine code.
        code: String,
        /// Default message in English.
        message_en: String,
        /// Default message in Chinese.
        message_zh: String,
        /// Debug text.
        details: String,
    },
    /// Login, tokens or identities failed (`auth.*`).
    #[error("{code}: {message_en}")]
    Auth {
        /// Stable machine code.
        code: String,
        /// Default message in English.
        message_en: String,
        /// Default message in Chinese.
        message_zh: String,
        /// Debug text.
        details: String,
    },
    /// The e-licence wallet refused a licence or presentation, or could not do its work (`wallet.*`).
    #[error("{code}: {message_en}")]
    Wallet {
        /// Stable machine code.
        code: String,
        /// Default message in English.
        message_en: String,
        /// Default message in Chinese.
        message_zh: String,
        /// Debug text.
        details: String,
    },
    /// The service catalogue is missing, unknown or unreadable (`catalogue.*`).
    #[error("{code}: {message_en}")]
    Catalogue {
        /// Stable machine code.
        code: String,
        /// Default message in English.
        message_en: String,
        /// Default message in Chinese.
        message_zh: String,
        /// Debug text.
        details: String,
    },
    /// A form could not be filled, edited or submitted (`autofill.*`); a draft's `errors` list every field problem.
    #[error("{code}: {message_en}")]
    Autofill {
        /// Stable machine code.
        code: String,
        /// Default message in English.
        message_en: String,
        /// Default message in Chinese.
        message_zh: String,
        /// Debug text.
        details: String,
    },
    /// The platform refused a case, signature or rating, or a case is unknown (`case.*`).
    #[error("{code}: {message_en}")]
    Case {
        /// Stable machine code.
        code: String,
        /// Default message in English.
        message_en: String,
        /// Default message in Chinese.
        message_zh: String,
        /// Debug text.
        details: String,
    },
    /// The configuration is unusable (`config.invalid`).
    #[error("{code}: {message_en}")]
    Config {
        /// Stable machine code.
        code: String,
        /// Default message in English.
        message_en: String,
        /// Default message in Chinese.
        message_zh: String,
        /// Debug text.
        details: String,
    },
    /// A bug: a panic inside CityKit or an app callback that threw unexpectedly (`internal`).
    #[error("{code}: {message_en}")]
    Internal {
        /// Stable machine code.
        code: String,
        /// Default message in English.
        message_en: String,
        /// Default message in Chinese.
        message_zh: String,
        /// Debug text.
        details: String,
    },
}

impl CityKitError {
    /// An internal error with debug details.
    pub(crate) fn internal(details: impl Into<String>) -> Self {
        citykit_core::CityKitError::Internal { details: details.into() }.into()
    }

    /// The stable code of any variant.
    pub fn code(&self) -> &str {
        match self {
            Self::Store { code, .. }
            | Self::Net { code, .. }
            | Self::Auth { code, .. }
            | Self::Wallet { code, .. }
            | Self::Catalogue { code, .. }
            | Self::Autofill { code, .. }
            | Self::Case { code, .. }
            | Self::Config { code, .. }
            | Self::Internal { code, .. } => code,
        }
    }
}

impl From<citykit_core::CityKitError> for CityKitError {
    fn from(e: citykit_core::CityKitError) -> Self {
        let code = e.code().to_owned();
        let message_en = e.message(Language::En);
        let message_zh = e.message(Language::Zh);
        let details = e.to_string();
        match e {
            citykit_core::CityKitError::Store(_) => Self::Store { code, message_en, message_zh, details },
            citykit_core::CityKitError::Net(_) => Self::Net { code, message_en, message_zh, details },
            citykit_core::CityKitError::Auth(_) => Self::Auth { code, message_en, message_zh, details },
            citykit_core::CityKitError::Wallet(_) => Self::Wallet { code, message_en, message_zh, details },
            citykit_core::CityKitError::Catalogue(_) => Self::Catalogue { code, message_en, message_zh, details },
            citykit_core::CityKitError::Autofill(_) => Self::Autofill { code, message_en, message_zh, details },
            citykit_core::CityKitError::Case(_) => Self::Case { code, message_en, message_zh, details },
            citykit_core::CityKitError::Config(_) => Self::Config { code, message_en, message_zh, details },
            citykit_core::CityKitError::Internal { .. } => Self::Internal { code, message_en, message_zh, details },
        }
    }
}

impl From<uniffi::UnexpectedUniFFICallbackError> for CityKitError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        // An app callback threw something other than CityKitError.
        Self::internal(format!("an app callback failed unexpectedly: {}", e.reason))
    }
}
