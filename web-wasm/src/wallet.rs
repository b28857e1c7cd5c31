//! `client.wallet()`: the core's `WalletClient` (licences, 亮证, the access log).

use citykit_core::wallet::WalletClient;
use wasm_bindgen::prelude::*;

use crate::{js_error, to_js};

/// The e-licence wallet of the current identity, as `client.wallet()` on every face.
#[wasm_bindgen]
pub struct WebWalletClient {
    inner: WalletClient,
}

impl WebWalletClient {
    pub(crate) fn new(inner: WalletClient) -> Self {
        Self { inner }
    }
}

#[wasm_bindgen]
impl WebWalletClient {
    /// Fetches the identity's licences from their issuers, verifies and stores them.
    #[wasm_bindgen(js_name = fetchLicences, unchecked_return_type = "LicenceSummary[]")]
    pub async fn fetch_licences(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.fetch_licences().await.map_err(js_error)?)
    }

    /// The stored licences (offline).
    #[wasm_bindgen(unchecked_return_type = "LicenceSummary[]")]
    pub async fn licences(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.licences().await.map_err(js_error)?)
    }

    /// One licence with its claims (a `Personal`).
    #[wasm_bindgen(unchecked_return_type = "Licence")]
    pub async fn licence(&self, id: String) -> Result<JsValue, JsValue> {
        to_js(&self.inner.licence(&id).await.map_err(js_error)?)
    }

    /// Rechecks every licence's status at its issuer.
    #[wasm_bindgen(js_name = refreshStatus, unchecked_return_type = "LicenceSummary[]")]
    pub async fn refresh_status(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.refresh_status().await.map_err(js_error)?)
    }

    /// Removes a licence from the wallet.
    pub async fn remove(&self, id: String) -> Result<(), JsValue> {
        self.inner.remove(&id).await.map_err(js_error)
    }

    /// Shows a licence (亮证) disclosing only `claims`, for `audience`, answering `nonce`
    /// (a fresh one when undefined), accepted for `lifetimeSecs` (at most 60).
    #[wasm_bindgen(unchecked_return_type = "Presentation")]
    pub async fn present(
        &self,
        id: String,
        claims: Vec<String>,
        audience: String,
        nonce: Option<String>,
        lifetime_secs: i32,
    ) -> Result<JsValue, JsValue> {
        to_js(&self.inner.present(&id, &claims, &audience, nonce, lifetime_secs.into()).await.map_err(js_error)?)
    }

    /// The wallet's value-free access log, newest first.
    #[wasm_bindgen(js_name = accessLog, unchecked_return_type = "AccessLogEntry[]")]
    pub async fn access_log(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.access_log().await.map_err(js_error)?)
    }
}
