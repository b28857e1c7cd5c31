//! Encrypted push (`client.push()`): this device's subscription and the raw bodies the shell
//! receives from its carrier.

use citykit_core::push::{PushOutcome, PushSettings, PushSubscription};
use citykit_core::Language;
use citykit_ffi_macros::export;

use crate::error::ApiResult;

/// Push on this device: `client.push()`.
#[derive(uniffi::Object)]
pub struct PushClient {
    pub(crate) inner: citykit_core::push::PushClient,
}

#[export]
impl PushClient {
    /// Registers this device for pushes through the carrier's `endpoint` (FCM/APNs token or a
    /// browser push URL); the key and auth secret are made on first use and kept in the store.
    pub async fn subscribe(&self, endpoint: String) -> ApiResult<PushSubscription> {
        self.inner.subscribe(&endpoint).await
    }

    /// New push keys for the same endpoint.
    pub async fn rotate_keys(&self) -> ApiResult<PushSubscription> {
        self.inner.rotate_keys().await
    }

    /// This device's subscription as stored, if any.
    pub async fn subscription(&self) -> ApiResult<Option<PushSubscription>> {
        self.inner.subscription().await
    }

    /// The push settings (quiet hours, daily limit).
    pub async fn settings(&self) -> ApiResult<PushSettings> {
        self.inner.settings().await
    }

    /// Keeps new push settings.
    pub async fn set_settings(&self, settings: PushSettings) -> ApiResult<()> {
        self.inner.set_settings(settings).await
    }

    /// Hands one raw push body to the core: decrypted, checked, stored once in the inbox; says
    /// what to show, in `language`.
    pub async fn receive(&self, body: Vec<u8>, language: Language) -> ApiResult<PushOutcome> {
        self.inner.receive(&body, language).await
    }
}
