//! CityKit in the browser: a thin wasm-bindgen face over `citykit-core`.
//!
//! The same shape as every other face: a [`WebClient`] (the core's `Client` on an encrypted
//! store, persisted in OPFS from a dedicated Worker or kept in memory) with the same
//! sub-clients: `identity()` (login with PAR, PKCE and DPoP, identities, logout, login-state
//! callbacks), `wallet()`, `catalogue()`, `autofill()`, `cases()` (with inbox-change callbacks),
//! `recommend()`, `push()`, `verifier(…)` and `envelopeWindow(…)`; plus the form field
//! validators ([`validate_field`]). Each method forwards to the core's method of the same name
//! (camelCase here) and returns a Promise of the core's record.
//!
//! Keys: the page gives the store's raw key (`open`), or lets the core keep it wrapped by a
//! non-extractable WebCrypto key in IndexedDB (`openWrapped`); the device key that signs DPoP
//! proofs is always a non-extractable WebCrypto key (`citykit_core::crypto::web_keys`).
//!
//! Records reach JavaScript as plain objects with the core's field names; every personal value
//! in them is a [`Personal`] whose `toJSON()`/`toString()` print a redaction and whose value is
//! read with `expose()`. Errors are JavaScript `Error`s carrying the core's one error shape:
//! `code` (stable, docs/errors.md), `domain`, `message` (English), `messageZh`, `details`.
//! This crate converts and forwards; every rule lives in the core.

use std::sync::Arc;

use citykit_core::privacy::{to_json_marking_personal, PERSONAL_MARKER, REDACTED};
use citykit_core::store::{KeyProviderError, StoreError, StoreKey};
use citykit_core::wallet::{TrustedIssuer, VerifierSettings};
use citykit_core::{CityKitError, Client, ClientConfig, KeyProvider};
use wasm_bindgen::prelude::*;

mod cases;
mod envelope;
mod identity;
mod recommend;
mod wallet;

pub use cases::{WebAutofillClient, WebCasesClient, WebSubscription};
pub use envelope::WebEnvelopeClient;
pub use identity::WebIdentityClient;
pub use recommend::{WebPushClient, WebRecommendClient};
pub use wallet::WebWalletClient;

/// The core's error as a JavaScript `Error` (see the crate docs).
pub(crate) fn js_error(e: impl Into<CityKitError>) -> JsValue {
    let e: CityKitError = e.into();
    let error = js_sys::Error::new(&e.message(citykit_core::Language::En));
    let domain = format!("{:?}", e.domain()).to_lowercase();
    for (key, value) in [
        ("code", e.code().to_owned()),
        ("domain", domain),
        ("messageZh", e.message(citykit_core::Language::Zh)),
        ("details", e.to_string()),
    ] {
        let _ = js_sys::Reflect::set(&error, &key.into(), &value.into());
    }
    error.into()
}

/// A record as a JavaScript object, each personal value in a [`Personal`].
pub(crate) fn to_js<T: serde::Serialize>(record: &T) -> Result<JsValue, JsValue> {
    let value = to_json_marking_personal(record)
        .map_err(|e| js_error(CityKitError::Internal { details: citykit_core::privacy::json_problem(&e) }))?;
    Ok(json_to_js(value))
}

/// A record from JavaScript (a plain object, read as JSON); one that does not fit is a
/// `config.invalid` error naming only where it failed.
pub(crate) fn from_js<T: serde::de::DeserializeOwned>(value: &JsValue, what: &str) -> Result<T, JsValue> {
    let text = js_sys::JSON::stringify(value).ok().and_then(|t| t.as_string()).unwrap_or_default();
    serde_json::from_str(&text).map_err(|e| js_error(CityKitError::Config(format!("{what}: {}", citykit_core::privacy::json_problem(&e)))))
}

fn json_to_js(value: serde_json::Value) -> JsValue {
    use serde_json::Value;
    match value {
        Value::Null => JsValue::NULL,
        Value::Bool(b) => b.into(),
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN).into(),
        Value::String(s) => s.into(),
        Value::Array(items) => items.into_iter().map(json_to_js).collect::<js_sys::Array>().into(),
        Value::Object(mut map) => {
            if map.len() == 1 {
                if let Some(inner) = map.remove(PERSONAL_MARKER) {
                    return Personal { value: json_to_js(inner) }.into();
                }
            }
            let object = js_sys::Object::new();
            for (key, item) in map {
                let _ = js_sys::Reflect::set(&object, &key.into(), &json_to_js(item));
            }
            object.into()
        }
    }
}

/// A piece of personal data (a name, an ID number, a licence's claims): `toJSON()` and
/// `toString()` print a redaction, so logging or serialising a record never shows it; read it
/// with `expose()` where it is shown to its owner.
#[wasm_bindgen]
pub struct Personal {
    value: JsValue,
}

#[wasm_bindgen]
impl Personal {
    /// The value itself.
    pub fn expose(&self) -> JsValue {
        self.value.clone()
    }

    /// What `JSON.stringify` writes: the redaction.
    #[wasm_bindgen(js_name = toJSON)]
    pub fn to_json(&self) -> String {
        REDACTED.to_owned()
    }

    /// What string conversion gives: the redaction.
    #[wasm_bindgen(js_name = toString)]
    pub fn to_js_string(&self) -> String {
        REDACTED.to_owned()
    }
}

/// The page's store key, handed to the core as a key provider would.
struct PageKey(StoreKey);

impl KeyProvider for PageKey {
    fn store_key(&self, _store_id: &str) -> Result<StoreKey, KeyProviderError> {
        Ok(self.0.clone())
    }
}

/// The CityKit client of a page: the core's client on an encrypted store, persisted in the
/// origin's OPFS ([`WebClient::open`], in a dedicated Worker) or in memory.
#[wasm_bindgen]
pub struct WebClient {
    inner: Client,
}

#[wasm_bindgen]
impl WebClient {
    /// Opens a client on an encrypted in-memory store with a raw 32-byte key given as 64 hex
    /// digits. No platform session: the catalogue is imported, presentations verified.
    ///
    /// `platform` (optional) is the provider: `{issuer, client_id, redirect_uri}` (the page's
    /// own URL, registered at the provider), as the simulator's `citykit-config.json` gives it.
    #[wasm_bindgen(js_name = openInMemory)]
    pub async fn open_in_memory(key_hex: String, platform: Option<WebPlatform>) -> Result<WebClient, JsValue> {
        let key = parse_key(&key_hex)?;
        let config = client_config("", platform)?;
        let inner = Client::builder(config, Arc::new(PageKey(key))).open_in_memory().await.map_err(js_error)?;
        Ok(WebClient { inner })
    }

    /// Opens (or creates) the persisted store `name` — the same SQLCipher store as on the
    /// phone, kept in the origin's OPFS — with a raw 32-byte key given as 64 hex digits. Only in
    /// a dedicated Worker (`js/citykit-worker.js` runs it there for a page): elsewhere, or where
    /// OPFS is missing, a `store.unavailable` error (nothing is kept in memory instead); a key
    /// that does not open the store is `store.wrong_key`.
    /// `platform` as for `openInMemory`.
    pub async fn open(name: String, key_hex: String, platform: Option<WebPlatform>) -> Result<WebClient, JsValue> {
        let key = parse_key(&key_hex)?;
        Self::open_with(name, key, platform).await
    }

    /// Opens (or creates) the persisted store `name` like `open`, with a key the SDK keeps
    /// itself: created on first use and kept in the origin's IndexedDB only wrapped by a
    /// non-extractable WebCrypto key, so no script can read it. Where IndexedDB is missing,
    /// `store.key_unavailable`.
    #[wasm_bindgen(js_name = openWrapped)]
    pub async fn open_wrapped(name: String, platform: Option<WebPlatform>) -> Result<WebClient, JsValue> {
        install_opfs().await.map_err(js_error)?;
        let key = citykit_core::crypto::web_keys::wrapped_store_key(&name).await.map_err(|e| js_error(StoreError::from(e)))?;
        Self::open_with(name, key, platform).await
    }

    async fn open_with(name: String, key: StoreKey, platform: Option<WebPlatform>) -> Result<WebClient, JsValue> {
        install_opfs().await.map_err(js_error)?;
        let config = client_config(&name, platform)?;
        let inner = Client::builder(config, Arc::new(PageKey(key))).open().await.map_err(js_error)?;
        Ok(WebClient { inner })
    }

    /// Login, tokens and identities.
    pub fn identity(&self) -> WebIdentityClient {
        WebIdentityClient::new(self.inner.identity().clone())
    }

    /// The e-licence wallet of the current identity.
    pub fn wallet(&self) -> WebWalletClient {
        WebWalletClient::new(self.inner.wallet())
    }

    /// Auto-filled forms (秒报): drafts, fields with their sources, consents.
    pub fn autofill(&self) -> WebAutofillClient {
        WebAutofillClient::new(self.inner.autofill())
    }

    /// Cases, their co-signing and ratings, and the inbox.
    pub fn cases(&self) -> WebCasesClient {
        WebCasesClient::new(self.inner.cases())
    }

    /// Recommendations ranked on the device, and policy campaigns matched there.
    pub fn recommend(&self) -> WebRecommendClient {
        WebRecommendClient::new(self.inner.recommend())
    }

    /// The applicant's 免跑腿 envelopes.
    pub fn envelopes(&self) -> WebEnvelopeClient {
        WebEnvelopeClient::new(self.inner.envelopes())
    }

    /// The encrypted push subscription and the handling of push bodies.
    pub fn push(&self) -> WebPushClient {
        WebPushClient::new(self.inner.push())
    }

    /// The service catalogue.
    pub fn catalogue(&self) -> WebCatalogueClient {
        WebCatalogueClient { inner: self.inner.catalogue() }
    }

    /// Verifier mode for presentations made out to `audience`, trusting the issuers in
    /// `trusted_issuer_metadata` (JSON texts: issuer metadata, a bare JWKS, or an array of
    /// either). Status lists are refetched once older than `status_refresh_after_secs` and used
    /// offline up to `max_status_age_secs` (undefined: the core's defaults).
    pub fn verifier(
        &self,
        audience: String,
        trusted_issuer_metadata: Vec<String>,
        status_refresh_after_secs: Option<u32>,
        max_status_age_secs: Option<u32>,
    ) -> Result<WebVerifierClient, JsValue> {
        let mut trusted = Vec::new();
        for metadata in &trusted_issuer_metadata {
            trusted.extend(TrustedIssuer::parse_list(metadata).map_err(js_error)?);
        }
        let mut settings = VerifierSettings::default();
        if let Some(secs) = status_refresh_after_secs {
            settings.status_refresh_after = std::time::Duration::from_secs(secs.into());
        }
        if let Some(secs) = max_status_age_secs {
            settings.max_status_age = std::time::Duration::from_secs(secs.into());
        }
        Ok(WebVerifierClient { inner: self.inner.verifier(audience, trusted, settings) })
    }

    /// The service window's offline check of 免跑腿 envelope codes against `trust_document`, the
    /// platform's published envelope document (keys and revoked envelopes, as JSON).
    #[wasm_bindgen(js_name = envelopeWindow)]
    pub fn envelope_window(&self, trust_document: String) -> Result<WebEnvelopeWindow, JsValue> {
        Ok(WebEnvelopeWindow { inner: self.inner.envelope_window(&trust_document).map_err(js_error)? })
    }

    /// Writes a JSON value under `namespace/key` in the store.
    pub async fn put(&self, namespace: String, key: String, json: String) -> Result<(), JsValue> {
        let value: serde_json::Value = serde_json::from_str(&json).map_err(|e| {
            // json_problem names the kind and position only: serde_json's own message may quote the value.
            JsValue::from(js_sys::Error::new(&format!("not JSON: {}", citykit_core::privacy::json_problem(&e))))
        })?;
        self.inner.store().put(&namespace, &key, &value).await.map_err(js_error)
    }

    /// Reads the JSON value under `namespace/key` (undefined when absent).
    pub async fn get(&self, namespace: String, key: String) -> Result<Option<String>, JsValue> {
        let value: Option<serde_json::Value> = self.inner.store().get(&namespace, &key).await.map_err(js_error)?;
        Ok(value.map(|v| v.to_string()))
    }

    /// The SQLCipher version underneath (proves the store is encrypted).
    #[wasm_bindgen(js_name = cipherVersion)]
    pub async fn cipher_version(&self) -> Result<String, JsValue> {
        self.inner.store().cipher_version().await.map_err(js_error)
    }

    /// The store's schema version.
    #[wasm_bindgen(js_name = schemaVersion)]
    pub async fn schema_version(&self) -> Result<u32, JsValue> {
        self.inner.store().schema_version().await.map_err(js_error)
    }
}

/// The service catalogue, as `client.catalogue()` on every face.
#[wasm_bindgen]
pub struct WebCatalogueClient {
    inner: citykit_core::catalogue::CatalogueClient,
}

#[wasm_bindgen]
impl WebCatalogueClient {
    /// Imports a catalogue document (the platform's `GET /api/v1/catalogue` body), replacing
    /// any earlier one: `{version, item_count, bundle_count, changed, synced_at}`.
    #[wasm_bindgen(unchecked_return_type = "CatalogueSync")]
    pub async fn import(&self, json: String) -> Result<JsValue, JsValue> {
        to_js(&self.inner.import(json.as_bytes()).await.map_err(js_error)?)
    }

    /// Fetches the platform's catalogue when it changed and stores it.
    #[wasm_bindgen(unchecked_return_type = "CatalogueSync")]
    pub async fn sync(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.sync().await.map_err(js_error)?)
    }

    /// Searches the catalogue offline: item summaries, best first.
    #[wasm_bindgen(unchecked_return_type = "ItemSummary[]")]
    pub async fn search(&self, query: String, limit: u32) -> Result<JsValue, JsValue> {
        to_js(&self.inner.search(&query, limit).await.map_err(js_error)?)
    }

    /// One item with its whole guide and form (a `catalogue.unknown_item` error when unknown).
    #[wasm_bindgen(unchecked_return_type = "ServiceItem")]
    pub async fn item(&self, id: String) -> Result<JsValue, JsValue> {
        to_js(&self.inner.item(&id).await.map_err(js_error)?)
    }

    /// Every item, as summaries.
    #[wasm_bindgen(unchecked_return_type = "ItemSummary[]")]
    pub async fn items(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.items().await.map_err(js_error)?)
    }

    /// The one-thing bundles.
    #[wasm_bindgen(unchecked_return_type = "Bundle[]")]
    pub async fn bundles(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.bundles().await.map_err(js_error)?)
    }
}

/// Verifier mode, as `client.verifier(…)` on every face.
#[wasm_bindgen]
pub struct WebVerifierClient {
    inner: citykit_core::wallet::VerifierClient,
}

#[wasm_bindgen]
impl WebVerifierClient {
    /// A fresh nonce for the next presentation.
    #[wasm_bindgen(js_name = newNonce)]
    pub async fn new_nonce(&self) -> Result<String, JsValue> {
        self.inner.new_nonce().await.map_err(js_error)
    }

    /// Verifies scanned text (a presentation or its `CK1:` QR payload), answering
    /// `expected_nonce` when given: `{vct, issuer, licence_id, claims (a Personal), expires_at,
    /// status_checked, status_list_age_secs}`, or an `Error` whose `code` is the reason.
    #[wasm_bindgen(unchecked_return_type = "VerifiedPresentation")]
    pub async fn verify(&self, scanned: String, expected_nonce: Option<String>) -> Result<JsValue, JsValue> {
        to_js(&self.inner.verify(&scanned, expected_nonce.as_deref()).await.map_err(js_error)?)
    }
}

/// The window's side of envelopes, as `client.envelope_window(…)` on every face (the offline
/// check; a page records receipts through its platform's own API).
#[wasm_bindgen]
pub struct WebEnvelopeWindow {
    inner: citykit_core::envelope::WindowClient,
}

#[wasm_bindgen]
impl WebEnvelopeWindow {
    /// Checks a scanned envelope code offline as of `at` (Unix seconds; undefined: now):
    /// `{issuer, envelope_id, issued_at, expires_at}`, or an `Error` whose `code` is the reason
    /// (`envelope.bad_signature`, `envelope.expired`, `envelope.revoked`, …).
    #[wasm_bindgen(unchecked_return_type = "EnvelopeClaims")]
    pub fn verify(&self, scanned: String, at: Option<f64>) -> Result<JsValue, JsValue> {
        let at = at.map(|secs| secs as i64).or_else(|| Some((js_sys::Date::now() / 1000.0) as i64));
        to_js(&self.inner.verify(&scanned, at).map_err(js_error)?)
    }
}

/// Validates one value for a form field (the field as JSON, from an item's `form.fields`):
/// undefined when it is fine, else `{field, problem, message_zh, message_en}`.
#[wasm_bindgen(js_name = validateField, unchecked_return_type = "FieldError | undefined")]
pub fn validate_field(field_json: String, value: Option<String>) -> Result<JsValue, JsValue> {
    let field: citykit_core::catalogue::FormField = serde_json::from_str(&field_json)
        .map_err(|e| js_error(citykit_core::catalogue::CatalogueError::Malformed { details: citykit_core::privacy::json_problem(&e) }))?;
    let today = citykit_core::autofill::validate::china_today((js_sys::Date::now() / 1000.0) as i64);
    match citykit_core::autofill::validate::validate_field(&field, value.as_deref(), today) {
        Some(problem) => to_js(&problem),
        None => Ok(JsValue::UNDEFINED),
    }
}

/// The newest store schema version this build knows (a fresh store is migrated to it).
#[wasm_bindgen(js_name = latestSchemaVersion)]
pub fn latest_schema_version() -> u32 {
    citykit_core::store::schema::LATEST_VERSION
}

#[wasm_bindgen(typescript_custom_section)]
const WEB_PLATFORM: &'static str = r#"
/** The provider a page logs in with (the simulator serves it as `citykit-config.json`). */
export interface WebPlatform { issuer: string; client_id: string; redirect_uri: string }
"#;

#[wasm_bindgen]
extern "C" {
    /// `{issuer, client_id, redirect_uri}`.
    #[wasm_bindgen(typescript_type = "WebPlatform")]
    pub type WebPlatform;
}

#[derive(serde::Deserialize)]
struct PlatformFields {
    issuer: String,
    client_id: String,
    redirect_uri: String,
}

/// The core's configuration with every default, for the store `name` and the page's provider.
fn client_config(name: &str, platform: Option<WebPlatform>) -> Result<ClientConfig, JsValue> {
    let platform: Option<PlatformFields> = platform.map(|p| from_js(&p, "the platform")).transpose()?;
    Ok(match platform {
        Some(p) => ClientConfig::new(name, p.issuer, p.client_id, p.redirect_uri),
        None => ClientConfig::new(name, "", "", ""),
    })
}

fn parse_key(key_hex: &str) -> Result<StoreKey, JsValue> {
    let bytes = decode_hex(key_hex)
        .ok_or_else(|| js_error(StoreError::from(KeyProviderError::InvalidKey { reason: "the key must be 64 hex digits".into() })))?;
    StoreKey::from_bytes(&bytes).map_err(|e| js_error(StoreError::from(e)))
}

/// Installs the OPFS sync-access-handle pool VFS once (asynchronously: it opens the pool's
/// access handles), under the name the core opens persisted stores with. Its absence, or an
/// OPFS that refuses the pool, is `store.unavailable`.
async fn install_opfs() -> Result<(), StoreError> {
    use citykit_core::store::wasm::OPFS_VFS_NAME;
    use sqlite_wasm_vfs::sahpool::{install, OpfsSAHError, OpfsSAHPoolCfgBuilder};
    // A second call reuses the installed pool.
    let config = OpfsSAHPoolCfgBuilder::new().vfs_name(OPFS_VFS_NAME).directory(".citykit").build();
    match install::<sqlite_wasm_rs::WasmOsCallback>(&config, false).await {
        Ok(_pool) => Ok(()),
        Err(OpfsSAHError::NotSupported) => {
            Err(StoreError::Unavailable { reason: "OPFS sync access handles need a dedicated Worker in a secure context".into() })
        }
        // The browser's error text may name the origin's files: only the operation is kept.
        // Another Worker (a second tab) holds the pool's access handles.
        Err(OpfsSAHError::Opfs { value, .. })
            if js_sys::Reflect::get(&value, &"name".into()).ok().and_then(|n| n.as_string()).as_deref()
                == Some("NoModificationAllowedError") =>
        {
            Err(StoreError::InUse)
        }
        Err(OpfsSAHError::Opfs { operation, .. }) => {
            Err(StoreError::Unavailable { reason: format!("OPFS refused the store's pool ({operation})") })
        }
        Err(e) => Err(StoreError::Io { details: e.to_string() }),
    }
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}
