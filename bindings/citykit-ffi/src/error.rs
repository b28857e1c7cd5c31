//! The one error object every language sees: Kotlin `CityKitException`, Swift `CityKitError`,
//! Python `CityKitError`. Read it without a `when`/`switch` over domains: `code()` is the stable
//! machine code (docs/errors.md lists them all), `domain()` the part of CityKit it comes from,
//! `message(language)` a default message for people, `details()` debug text for logs and bug
//! reports. None of them carries personal data.

use std::sync::Arc;

use citykit_core::{ErrorDomain, Language};

/// The result of every fallible export.
pub type ApiResult<T> = Result<T, Arc<CityKitError>>;

/// CityKit's error (see the module docs).
#[derive(Debug, thiserror::Error, uniffi::Object)]
#[uniffi::export(Debug, Display)]
#[error("{code}: {message_en}")]
pub struct CityKitError {
    code: &'static str,
    domain: ErrorDomain,
    message_en: String,
    message_zh: String,
    details: String,
}

#[uniffi::export]
impl CityKitError {
    /// The stable machine code, e.g. `store.wrong_key` (never renumbered or reused).
    pub fn code(&self) -> String {
        self.code.to_owned()
    }

    /// Which part of CityKit the error comes from (the code's first part).
    pub fn domain(&self) -> ErrorDomain {
        self.domain
    }

    /// A default message for people, in `language`.
    pub fn message(&self, language: Language) -> String {
        match language {
            Language::En => self.message_en.clone(),
            Language::Zh => self.message_zh.clone(),
        }
    }

    /// Debug text for logs and bug reports; never shown to people.
    pub fn details(&self) -> String {
        self.details.clone()
    }
}

impl CityKitError {
    /// An internal error (a bug) with debug details.
    pub(crate) fn internal(details: impl Into<String>) -> Arc<Self> {
        Self::from_core(citykit_core::CityKitError::Internal { details: details.into() })
    }

    /// The face's error for a core error.
    pub(crate) fn from_core(e: citykit_core::CityKitError) -> Arc<Self> {
        Arc::new(Self {
            code: e.code(),
            domain: e.domain(),
            message_en: e.message(Language::En),
            message_zh: e.message(Language::Zh),
            details: e.to_string(),
        })
    }
}

/// Converts a core result for a synchronous export (async ones are converted by the runtime).
pub(crate) fn api<T, E: Into<citykit_core::CityKitError>>(result: Result<T, E>) -> ApiResult<T> {
    result.map_err(|e| CityKitError::from_core(e.into()))
}
