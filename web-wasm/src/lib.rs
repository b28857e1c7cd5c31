//! CityKit in the browser: a thin wasm-bindgen face over `citykit-core`.
//!
//! It exposes the encrypted store (SQLCipher compiled to wasm, in memory), verifier mode, the
//! service catalogue offline (import a catalogue document, search it — Chinese included — and read
//! an item's guide), and the form field validators (GB 11643, GB 32100, phone, postcode, dates);
//! login and the wallet in the browser come with the web issue.
//! Errors reach JavaScript as `Error` objects with a `code` property holding the core's stable
//! code (`store.wrong_key`, …).

use citykit_core::store::{Store, StoreKey};
use wasm_bindgen::prelude::*;

fn js_error(e: citykit_core::CityKitError) -> JsValue {
    let error = js_sys::Error::new(&e.message(citykit_core::Language::En));
    let _ = js_sys::Reflect::set(&error, &"code".into(), &e.code().into());
    error.into()
}

/// An encrypted CityKit store living in the page's memory.
#[wasm_bindgen]
pub struct WebStore {
    store: Store,
}

#[wasm_bindgen]
impl WebStore {
    /// Opens an encrypted in-memory store with a raw 32-byte key given as 64 hex digits.
    #[wasm_bindgen(js_name = openInMemory)]
    pub async fn open_in_memory(key_hex: String) -> Result<WebStore, JsValue> {
        let bytes = decode_hex(&key_hex).ok_or_else(|| JsValue::from(js_sys::Error::new("the key must be 64 hex digits")))?;
        let key = StoreKey::from_bytes(&bytes).map_err(|e| js_error(citykit_core::store::StoreError::from(e).into()))?;
        let store = Store::open_in_memory(key).await.map_err(|e| js_error(e.into()))?;
        Ok(WebStore { store })
    }

    /// Writes a JSON value under `namespace/key`.
    pub async fn put(&self, namespace: String, key: String, json: String) -> Result<(), JsValue> {
        let value: serde_json::Value = serde_json::from_str(&json).map_err(|e| {
            // json_problem names the kind and position only: serde_json's own message may quote the value.
            JsValue::from(js_sys::Error::new(&format!("not JSON: {}", citykit_core::privacy::json_problem(&e))))
        })?;
        self.store.put(&namespace, &key, &value).await.map_err(|e| js_error(e.into()))
    }

    /// Reads the JSON value under `namespace/key` (undefined when absent).
    pub async fn get(&self, namespace: String, key: String) -> Result<Option<String>, JsValue> {
        let value: Option<serde_json::Value> = self.store.get(&namespace, &key).await.map_err(|e| js_error(e.into()))?;
        Ok(value.map(|v| v.to_string()))
    }

    /// The SQLCipher version underneath (proves the store is encrypted).
    #[wasm_bindgen(js_name = cipherVersion)]
    pub async fn cipher_version(&self) -> Result<String, JsValue> {
        self.store.cipher_version().await.map_err(|e| js_error(e.into()))
    }

    /// Imports a catalogue document (the platform's `GET /api/v1/catalogue` body) into the store,
    /// replacing any earlier one; returns the number of items.
    #[wasm_bindgen(js_name = importCatalogue)]
    pub async fn import_catalogue(&self, json: String) -> Result<u32, JsValue> {
        let doc = citykit_core::catalogue::parse_catalogue(json.as_bytes()).map_err(|e| js_error(e.into()))?;
        let count = doc.items.len() as u32;
        let at = (js_sys::Date::now() / 1000.0) as i64;
        self.store
            .call(move |conn| citykit_core::catalogue::store_catalogue(conn, &doc, None, at))
            .await
            .map_err(|e| js_error(e.into()))?;
        Ok(count)
    }

    /// Searches the imported catalogue; returns a JSON array of item summaries, best first.
    #[wasm_bindgen(js_name = searchCatalogue)]
    pub async fn search_catalogue(&self, query: String, limit: u32) -> Result<String, JsValue> {
        let limit = limit.clamp(1, 500);
        let items = self
            .store
            .call(move |conn| citykit_core::catalogue::search_blocking(conn, query.trim(), limit))
            .await
            .map_err(|e| js_error(e.into()))?;
        let summaries: Vec<citykit_core::catalogue::ItemSummary> = items.iter().map(Into::into).collect();
        Ok(serde_json::to_string(&summaries).unwrap_or_default())
    }

    /// One imported item with its whole guide and form, as JSON (undefined when unknown).
    #[wasm_bindgen(js_name = catalogueItem)]
    pub async fn catalogue_item(&self, id: String) -> Result<Option<String>, JsValue> {
        let item = self.store.call(move |conn| citykit_core::catalogue::item_blocking(conn, &id)).await.map_err(|e| js_error(e.into()))?;
        Ok(item.map(|i| serde_json::to_string(&i).unwrap_or_default()))
    }

    /// The store's schema version.
    #[wasm_bindgen(js_name = schemaVersion)]
    pub async fn schema_version(&self) -> Result<u32, JsValue> {
        self.store.schema_version().await.map_err(|e| js_error(e.into()))
    }
}

/// Verifier mode in the browser (a kiosk or a window officer's web view): checks licence
/// presentations made out to one audience against trusted issuers, offline, refusing replays.
#[wasm_bindgen]
pub struct WebVerifier {
    inner: citykit_core::wallet::Verifier,
}

#[wasm_bindgen]
impl WebVerifier {
    /// `trusted_issuer_metadata`: JSON texts: issuer metadata, a bare JWKS, or an array of either.
    #[wasm_bindgen(constructor)]
    pub fn new(audience: String, trusted_issuer_metadata: Vec<String>) -> Result<WebVerifier, JsValue> {
        let mut trusted = Vec::new();
        for metadata in &trusted_issuer_metadata {
            trusted.extend(citykit_core::wallet::TrustedIssuer::parse_list(metadata).map_err(|e| js_error(e.into()))?);
        }
        Ok(WebVerifier { inner: citykit_core::wallet::Verifier::new(audience, trusted) })
    }

    /// Verifies scanned text now; returns `{vct, issuer, claims, expires_at}` as JSON text, or
    /// throws an `Error` whose `code` is the reason (`wallet.wrong_audience`, …).
    pub fn verify(&self, text: String) -> Result<String, JsValue> {
        let now = (js_sys::Date::now() / 1000.0) as i64;
        let verified = self
            .inner
            .verify(&text, now, &std::collections::HashMap::new())
            .map_err(|e| js_error(e.into()))?;
        Ok(serde_json::json!({
            "vct": verified.vct,
            "issuer": verified.issuer,
            "claims": verified.claims.expose(),
            "expires_at": verified.expires_at,
        })
        .to_string())
    }
}

/// Validates one value for a form field (the field as JSON, from an item's `form.fields`):
/// `null` when it is fine, else `{field, problem, message_zh, message_en}` as JSON text.
#[wasm_bindgen(js_name = validateField)]
pub fn validate_field(field_json: String, value: Option<String>) -> Result<Option<String>, JsValue> {
    let field: citykit_core::catalogue::FormField =
        serde_json::from_str(&field_json).map_err(|e| js_error(citykit_core::catalogue::CatalogueError::Malformed { details: e.to_string() }.into()))?;
    let today = citykit_core::autofill::validate::china_today((js_sys::Date::now() / 1000.0) as i64);
    Ok(citykit_core::autofill::validate::validate_field(&field, value.as_deref(), today).map(|e| serde_json::to_string(&e).unwrap_or_default()))
}

/// The newest store schema version this build knows (a fresh store is migrated to it).
#[wasm_bindgen(js_name = latestSchemaVersion)]
pub fn latest_schema_version() -> u32 {
    citykit_core::store::schema::LATEST_VERSION
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}
