//! The wallet (`client.wallet()`), the presentation QR code, and verifier mode
//! (`client.verifier(…)`).

use std::sync::Arc;

use citykit_core::wallet::qr::QrImage;
use citykit_core::wallet::{AccessLogEntry, Licence, LicenceSummary, Presentation, VerifiedPresentation};
use citykit_ffi_macros::export;

use crate::error::{api, ApiResult};

/// The e-licence wallet of the current identity: `client.wallet()`.
#[derive(uniffi::Object)]
pub struct WalletClient {
    pub(crate) inner: citykit_core::wallet::WalletClient,
}

#[export]
impl WalletClient {
    /// Reads the current identity's licences from the issuers (asks the presence check first) and keeps them.
    pub async fn fetch_licences(&self) -> ApiResult<Vec<LicenceSummary>> {
        self.inner.fetch_licences().await
    }

    /// The current identity's licences, offline.
    pub async fn licences(&self) -> ApiResult<Vec<LicenceSummary>> {
        self.inner.licences().await
    }

    /// One licence with its claims (personal data, in a redacting `Personal`).
    pub async fn licence(&self, id: String) -> ApiResult<Licence> {
        self.inner.licence(&id).await
    }

    /// Re-checks every licence's status with fresh status lists.
    pub async fn refresh_status(&self) -> ApiResult<Vec<LicenceSummary>> {
        self.inner.refresh_status().await
    }

    /// Removes a licence from the wallet.
    pub async fn remove(&self, id: String) -> ApiResult<()> {
        self.inner.remove(&id).await
    }

    /// Shows a licence (亮证) disclosing only `claims`, for `audience`, answering the verifier's
    /// `nonce` (a fresh one when None), accepted for `lifetime_secs` (at most 60).
    pub async fn present(
        &self,
        id: String,
        claims: Vec<String>,
        audience: String,
        nonce: Option<String>,
        lifetime_secs: i64,
    ) -> ApiResult<Presentation> {
        self.inner.present(&id, &claims, &audience, nonce, lifetime_secs).await
    }

    /// The wallet's value-free access log, newest first.
    pub async fn access_log(&self) -> ApiResult<Vec<AccessLogEntry>> {
        self.inner.access_log().await
    }
}

/// Draws a presentation's QR code (SVG and PNG) for the screen.
#[export]
pub fn draw_presentation_qr(text: String) -> ApiResult<QrImage> {
    api(citykit_core::wallet::qr::draw(&text))
}

/// Verifier mode (a window officer's app, a kiosk): `client.verifier(…)`. Checks presentations
/// made out to its audience against trusted issuers, with each issuer's status list (fetched
/// when online, cached in the store, used offline up to the settings' age) and nonces kept in
/// the store, so a presentation is accepted once, across restarts.
#[derive(uniffi::Object)]
pub struct VerifierClient {
    pub(crate) inner: Arc<citykit_core::wallet::VerifierClient>,
}

#[export]
impl VerifierClient {
    /// A fresh nonce for the next presentation (show it to the holder, then pass it to `verify`).
    pub async fn new_nonce(&self) -> ApiResult<String> {
        self.inner.new_nonce().await
    }

    /// Verifies scanned text (a presentation or its `CK1:` QR payload): the verified claims and
    /// whether, and with how old a list, the status was checked; or a `wallet.*` error with the
    /// reason's code (`wallet.revoked`, `wallet.replayed_nonce`, …). `expected_nonce`: the nonce this
    /// verifier issued for it, accepted once.
    pub async fn verify(&self, scanned: String, expected_nonce: Option<String>) -> ApiResult<VerifiedPresentation> {
        self.inner.verify(&scanned, expected_nonce.as_deref()).await
    }
}
