//! UniFFI support (feature `uniffi`, turned on only by `bindings/citykit-ffi`).
//!
//! The core's public records and enums carry `cfg_attr` derives (`uniffi::Record`,
//! `uniffi::Enum`) next to their definitions, so a field added here reaches Kotlin, Swift and
//! Python without touching a face. This module holds what those derives need besides:
//!
//! - custom types for what has no UniFFI form of its own: [`Personal`] values (a foreign
//!   `Personal` whose `toString`/`description`/`repr` prints a redaction; see
//!   `core/uniffi.toml`), JSON documents, file paths and a case's fields;
//! - [`client_config`] and [`verifier_settings`]: every default a face offers comes from here.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use crate::privacy::{json_problem, Personal};

/// Personal text (a name, an ID number, an address): a string on the wire, a redacting
/// `Personal` in every language, read with `expose()`.
pub type PersonalString = Personal<String>;

uniffi::custom_type!(PersonalString, String, {
    lower: |value| value.into_inner(),
    try_lift: |text| Ok(Personal::new(text)),
});

/// Personal JSON (a licence's claims): JSON text in a redacting `Personal`.
pub type PersonalJson = Personal<serde_json::Value>;

uniffi::custom_type!(PersonalJson, String, {
    lower: |value| value.expose().to_string(),
    try_lift: |text| serde_json::from_str(&text)
        .map(Personal::new)
        .map_err(|e| uniffi::deps::anyhow::anyhow!("not JSON: {}", json_problem(&e))),
});

/// A file path (the app's data directory): a string in every language.
pub type FilePath = PathBuf;

uniffi::custom_type!(FilePath, String, {
    remote,
    lower: |path| path.to_string_lossy().into_owned(),
    try_lift: |text| Ok(PathBuf::from(text)),
});

/// A case's field values by name (personal data): a map of `Personal` strings.
pub type CaseFieldValues = BTreeMap<String, Personal<String>>;

uniffi::custom_type!(CaseFieldValues, HashMap<String, PersonalString>, {
    remote,
    lower: |fields| fields.into_iter().collect(),
    try_lift: |fields| Ok(fields.into_iter().collect()),
});

/// The client configuration with every default of the core: the scopes, timeouts, retries,
/// clock skew and trust settings (only the platform's own roots). Change what the app needs and
/// hand it to `open_client`.
#[uniffi::export]
pub fn client_config(data_dir: String, issuer: String, client_id: String, redirect_uri: String) -> crate::ClientConfig {
    crate::ClientConfig::new(data_dir, issuer, client_id, redirect_uri)
}

/// The verifier's default status-list settings (refetch after 5 minutes online, use a cached
/// list up to 24 hours offline).
#[uniffi::export]
pub fn verifier_settings() -> crate::wallet::VerifierSettings {
    crate::wallet::VerifierSettings::default()
}
