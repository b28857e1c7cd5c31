//! `CityKitClient`: the object apps hold, and how it is opened.

use std::sync::Arc;

use citykit_core::store::StoreCheck;
use citykit_core::wallet::{TrustedIssuer, VerifierSettings};
use citykit_core::ClientConfig;
use citykit_ffi_macros::export;

use crate::callbacks::{
    DeviceKeys, DeviceKeysAdapter, KeyProvider, KeyProviderAdapter, PassphraseProvider, UserPresence, UserPresenceAdapter,
};
use crate::error::{api, ApiResult};
use crate::{AutofillClient, CasesClient, CatalogueClient, IdentityClient, VerifierClient, WalletClient};

/// Opens the client: the encrypted store (key from `key_provider`) and any saved session.
/// Touches no network. `config`: start from `client_config(…)`, which holds every default of the
/// core. `device_keys`: a hardware key, or None for the core's software key kept in the store.
/// `user_presence`: the shell's biometric/PIN/face prompt, or None for no checks.
#[export]
pub async fn open_client(
    config: ClientConfig,
    key_provider: Arc<dyn KeyProvider>,
    device_keys: Option<Arc<dyn DeviceKeys>>,
    user_presence: Option<Arc<dyn UserPresence>>,
) -> ApiResult<Arc<CityKitClient>> {
    let mut builder = citykit_core::Client::builder(config, Arc::new(KeyProviderAdapter(key_provider)));
    if let Some(keys) = device_keys {
        builder = builder.device_keys(Arc::new(DeviceKeysAdapter(keys)));
    }
    if let Some(presence) = user_presence {
        builder = builder.user_presence(Arc::new(UserPresenceAdapter(presence)));
    }
    Ok(Arc::new(CityKitClient { inner: builder.open().await? }))
}

/// A key provider deriving the store key from a passphrase (PBKDF2-HMAC-SHA256, salt kept in
/// `data_dir`), for QA scripts and tools. Apps use their platform keystore instead.
#[export]
pub fn passphrase_key_provider(data_dir: String, passphrase: String) -> Arc<dyn KeyProvider> {
    Arc::new(PassphraseProvider(citykit_core::PassphraseKeyProvider::new(data_dir, passphrase)))
}

/// Deletes the encrypted store in `data_dir` without opening it: for when its key is gone for
/// good (the keystore lost it). Close every client on that directory first.
#[export]
pub async fn wipe_store(data_dir: String) -> ApiResult<()> {
    let path = std::path::Path::new(&data_dir).join(citykit_core::store::STORE_FILE_NAME);
    Ok(citykit_core::store::wipe_files(path).await?)
}

/// The CityKit client. Keep one per app process; its sub-clients are cheap views of it.
#[derive(uniffi::Object)]
pub struct CityKitClient {
    pub(crate) inner: citykit_core::Client,
}

#[export]
impl CityKitClient {
    /// Login, tokens, identities and logout.
    pub fn identity(&self) -> Arc<IdentityClient> {
        Arc::new(IdentityClient { inner: self.inner.identity().clone() })
    }

    /// The e-licence wallet of the current identity.
    pub fn wallet(&self) -> Arc<WalletClient> {
        Arc::new(WalletClient { inner: self.inner.wallet() })
    }

    /// The service catalogue (synced, searched offline).
    pub fn catalogue(&self) -> Arc<CatalogueClient> {
        Arc::new(CatalogueClient { inner: self.inner.catalogue() })
    }

    /// 秒报: forms filled from the wallet, and drafts.
    pub fn autofill(&self) -> Arc<AutofillClient> {
        Arc::new(AutofillClient { inner: self.inner.autofill() })
    }

    /// Cases: submission, the outbox, co-signing, ratings, the inbox.
    pub fn cases(&self) -> Arc<CasesClient> {
        Arc::new(CasesClient { inner: self.inner.cases() })
    }

    /// 免跑腿 envelopes of the current identity's cases.
    pub fn envelopes(&self) -> Arc<crate::EnvelopesClient> {
        Arc::new(crate::EnvelopesClient { inner: self.inner.envelopes() })
    }

    /// Encrypted push: this device's subscription and the bodies the shell receives.
    pub fn push(&self) -> Arc<crate::PushClient> {
        Arc::new(crate::PushClient { inner: self.inner.push() })
    }

    /// Recommendations and policy campaigns, computed on the device.
    pub fn recommend(&self) -> Arc<crate::RecommendClient> {
        Arc::new(crate::RecommendClient { inner: self.inner.recommend() })
    }

    /// The courier's side of envelopes (no login needed).
    pub fn courier(&self) -> Arc<crate::CourierClient> {
        Arc::new(crate::CourierClient { inner: self.inner.courier() })
    }

    /// The service window's side of envelopes: codes checked offline against `trust_document`,
    /// the platform's published envelope document (`envelopes().fetch_trust()`, or a file).
    pub fn envelope_window(&self, trust_document: String) -> ApiResult<Arc<crate::WindowClient>> {
        Ok(Arc::new(crate::WindowClient { inner: api(self.inner.envelope_window(&trust_document))? }))
    }

    /// Verifier mode (a service window, a kiosk): checks presentations shown to `audience`
    /// against the issuers in `trusted_issuer_metadata` (issuer metadata
    /// `{"issuer": …, "jwks": {"keys": […]}}`, a bare JWKS, or an array of either, as JSON),
    /// with status lists fetched and cached in the store (`settings`: start from
    /// `verifier_settings()`) and nonces remembered across restarts.
    pub fn verifier(
        &self,
        audience: String,
        trusted_issuer_metadata: Vec<String>,
        settings: VerifierSettings,
    ) -> ApiResult<Arc<VerifierClient>> {
        let mut trusted = Vec::new();
        for metadata in &trusted_issuer_metadata {
            trusted.extend(api(TrustedIssuer::parse_list(metadata))?);
        }
        Ok(Arc::new(VerifierClient { inner: Arc::new(self.inner.verifier(audience, trusted, settings)) }))
    }

    /// The store's maintenance check: reads and checks every page (opening does not, so that it
    /// costs the same however large the store grows). Schedule it when the device is idle.
    /// A damaged store is closed and moved aside (`store.corrupt`): open a new client to start a
    /// fresh store.
    pub async fn check_store(&self) -> ApiResult<StoreCheck> {
        self.inner.check_store().await
    }
}

#[cfg(feature = "test-hooks")]
#[export]
impl CityKitClient {
    /// Test hook (built only with the `test-hooks` feature): panics inside the core's runtime,
    /// to prove a panic reaches the app as an `internal` error, never as a crash.
    pub async fn debug_panic(&self) -> ApiResult<()> {
        #[allow(clippy::panic)]
        if std::hint::black_box(true) {
            panic!("a deliberate test panic");
        }
        Ok(())
    }
}
