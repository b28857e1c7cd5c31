//! # CityKit core
//!
//! The shared Rust core of a city super-app: one identity for every city service, an
//! e-licence wallet with verifier mode, the service catalogue, 秒报 form auto-fill, cases
//! (submission, co-signing, 容缺 pledges, ratings, the inbox), 免跑腿 envelopes and encrypted push,
//! all on an encrypted local store. Platform faces
//! (UniFFI for Kotlin, Swift and Python; wasm for web views) are thin wrappers around [`Client`]
//! and its sub-clients; the records and enums they show are this crate's own (feature `uniffi`:
//! UniFFI derives, `ffi.rs`; feature `wasm`: TypeScript declarations).
//!
//! ```text
//! Client ──┬── identity()   login (OIDC + PKCE + PAR + DPoP), identities, logout
//!          ├── wallet()     SD-JWT VC licences, status, 亮证 presentations, access log
//!          ├── verifier(…)  verifier mode: status lists and nonces kept in the store
//!          ├── catalogue()  service items and bundles, ETag sync, offline search
//!          ├── autofill()   秒报: forms filled from the wallet with consent, drafts
//!          ├── cases()      outbox, 秒批 results, co-signing, 容缺 pledges, ratings, the inbox
//!          ├── envelopes()  免跑腿 envelopes: create, courier pickup, timeline, label
//!          ├── courier()    the courier's scans;  envelope_window(doc): the window's offline check
//!          ├── push()       Web Push subscription, encrypted bodies into the inbox, quiet hours
//!          └── store()      SQLCipher store, key from the platform's KeyProvider
//! ```
//!
//! Capabilities call the platform through one call layer, `api` (DPoP-bound calls, the nonce
//! retry, one refresh), which the identity's session feeds with tokens; each capability keeps
//! its SQL in its own `db.rs`.
//!
//! Every operation that touches the disk or the network is `async`; the core never creates a
//! runtime (the faces own one) and keeps SQLite and key-store calls on blocking worker threads.
//! Errors are one type, [`CityKitError`], with a stable code per variant and a domain.

mod api;
pub mod autofill;
pub mod cases;
pub mod catalogue;
pub mod crypto;
pub mod envelope;
pub mod error;
#[cfg(feature = "uniffi")]
pub mod ffi;
// The records and enums derived for UniFFI live in the `citykit_core` component (see ffi.rs).
#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();
pub mod identity;
pub mod net;
mod personal_data;
mod platform;
pub mod privacy;
pub mod push;
pub mod recommend;
pub mod store;
pub mod wallet;

use std::path::PathBuf;
use std::sync::Arc;

pub use error::{CityKitError, ErrorDomain, Language, Result};
pub use identity::{
    Account, Identity, IdentityClient, IdentityKind, LoginRequest, LoginState, LogoutOutcome, PlatformConfig, PresencePurpose,
    UserPresence, WhoAmI,
};
pub use net::{NetConfig, TrustConfig};
pub use privacy::Personal;
pub use store::{KeyProvider, PassphraseKeyProvider, StaticKeyProvider, Store, StoreKey};

#[cfg(not(target_arch = "wasm32"))]
use crypto::SoftwareDeviceKeys;
use crypto::{DeviceKeys, DeviceSigner};
use net::HttpClient;

/// Everything a [`Client`] needs to start.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ClientConfig {
    /// The app's private data directory; the store lives here.
    pub data_dir: PathBuf,
    /// The provider and platform.
    pub platform: PlatformConfig,
    /// Network and trust settings.
    pub net: NetConfig,
}

impl ClientConfig {
    /// A configuration with every default of the core ([`PlatformConfig::new`],
    /// [`NetConfig::default`]): what every face starts from.
    pub fn new(
        data_dir: impl Into<PathBuf>,
        issuer: impl Into<String>,
        client_id: impl Into<String>,
        redirect_uri: impl Into<String>,
    ) -> Self {
        Self { data_dir: data_dir.into(), platform: PlatformConfig::new(issuer, client_id, redirect_uri), net: NetConfig::default() }
    }
}

/// Builds a [`Client`] with optional platform parts.
pub struct ClientBuilder {
    config: ClientConfig,
    keys: Arc<dyn KeyProvider>,
    device_keys: Option<Arc<dyn DeviceKeys>>,
    presence: Option<Arc<dyn UserPresence>>,
    draft_max_age: std::time::Duration,
}

impl ClientBuilder {
    /// How long an unsubmitted draft is kept after its last edit (30 days by default).
    pub fn draft_max_age(mut self, age: std::time::Duration) -> Self {
        self.draft_max_age = age;
        self
    }

    /// A hardware-backed device key instead of the software one kept in the store.
    pub fn device_keys(mut self, device_keys: Arc<dyn DeviceKeys>) -> Self {
        self.device_keys = Some(device_keys);
        self
    }

    /// The shell's presence check (biometric, PIN, face), asked before sensitive actions.
    pub fn user_presence(mut self, presence: Arc<dyn UserPresence>) -> Self {
        self.presence = Some(presence);
        self
    }

    /// Opens the store and restores any saved session. Touches no network.
    pub async fn open(self) -> Result<Client> {
        self.config.platform.validate()?;
        let store = Store::open_in_dir(&self.config.data_dir, self.keys.clone()).await?;
        self.open_on(store, true).await
    }

    /// Opens the client on an encrypted store that lives only in memory (`data_dir` is not
    /// used): for a browser page without persistent storage, and for tests. Everything is gone
    /// when the client is.
    pub async fn open_in_memory(self) -> Result<Client> {
        self.config.platform.validate()?;
        let key = self.keys.store_key(store::STORE_ID).map_err(store::StoreError::from)?;
        let store = Store::open_in_memory(key).await?;
        self.open_on(store, false).await
    }

    async fn open_on(self, store: Store, persisted: bool) -> Result<Client> {
        let http = HttpClient::new(self.config.net.clone())?;
        let device_keys = match self.device_keys {
            Some(keys) => DeviceSigner::Keys(keys),
            None => Self::default_device_key(&store, &self.config, persisted).await?,
        };
        let identity = IdentityClient::new(self.config.platform.clone(), http, store.clone(), device_keys, self.presence).await?;
        let draft_max_age_secs = i64::try_from(self.draft_max_age.as_secs()).unwrap_or(i64::MAX);
        Ok(Client { store, identity, draft_max_age_secs, sending: Arc::default(), inbox_feed: cases::InboxFeed::default() })
    }
}

impl ClientBuilder {
    /// The device key when the platform gives none: the software key kept in the store.
    #[cfg(not(target_arch = "wasm32"))]
    async fn default_device_key(store: &Store, _config: &ClientConfig, _persisted: bool) -> Result<DeviceSigner> {
        Ok(DeviceSigner::Keys(SoftwareDeviceKeys::load_or_create(store).await?))
    }

    /// The device key when the page gives none: a non-extractable WebCrypto key, kept in the
    /// origin's IndexedDB for a persisted store (by its name), for the page's life otherwise.
    #[cfg(target_arch = "wasm32")]
    async fn default_device_key(_store: &Store, config: &ClientConfig, persisted: bool) -> Result<DeviceSigner> {
        let name = persisted.then(|| config.data_dir.to_string_lossy().into_owned());
        let key = crypto::web_keys::WebDeviceKey::load_or_create(name)
            .await
            .map_err(|e| identity::AuthError::DeviceKey { details: e.to_string() })?;
        Ok(DeviceSigner::WebCrypto(key))
    }
}

/// The CityKit client: one per app process. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    store: Store,
    identity: IdentityClient,
    draft_max_age_secs: i64,
    sending: Arc<cases::OutboxClaims>,
    inbox_feed: cases::InboxFeed,
}

impl Client {
    /// Opens the store (asking `keys` for its key) and restores any saved session. Touches no
    /// network. The device key is the default software key kept in the store; no presence
    /// checks are made. Use [`Client::builder`] for platform device keys and presence checks.
    pub async fn open(config: ClientConfig, keys: Arc<dyn KeyProvider>) -> Result<Self> {
        Self::builder(config, keys).open().await
    }

    /// Like [`Client::open`], with a platform device key (Android Keystore/StrongBox, Secure
    /// Enclave) instead of the software one when `device_keys` is given.
    pub async fn open_with_device_keys(
        config: ClientConfig,
        keys: Arc<dyn KeyProvider>,
        device_keys: Option<Arc<dyn DeviceKeys>>,
    ) -> Result<Self> {
        let mut builder = Self::builder(config, keys);
        builder.device_keys = device_keys;
        builder.open().await
    }

    /// A builder for the optional platform parts.
    pub fn builder(config: ClientConfig, keys: Arc<dyn KeyProvider>) -> ClientBuilder {
        ClientBuilder {
            config,
            keys,
            device_keys: None,
            presence: None,
            draft_max_age: std::time::Duration::from_secs(autofill::DEFAULT_DRAFT_MAX_AGE_SECS as u64),
        }
    }

    /// Login, tokens and identities.
    pub fn identity(&self) -> &IdentityClient {
        &self.identity
    }

    /// The e-licence wallet of the current identity.
    pub fn wallet(&self) -> wallet::WalletClient {
        wallet::WalletClient::new(self.identity.clone(), self.store.clone())
    }

    /// The service catalogue (synced, searched offline).
    pub fn catalogue(&self) -> catalogue::CatalogueClient {
        catalogue::CatalogueClient::new(self.identity.clone(), self.store.clone())
    }

    /// 秒报: forms filled from the wallet, and drafts.
    pub fn autofill(&self) -> autofill::AutofillClient {
        autofill::AutofillClient::new(self.identity.clone(), self.store.clone(), self.draft_max_age_secs)
    }

    /// Cases: submission, co-signing, ratings, the inbox.
    pub fn cases(&self) -> cases::CasesClient {
        cases::CasesClient::new(
            self.identity.clone(),
            self.store.clone(),
            self.wallet(),
            self.autofill(),
            self.sending.clone(),
            self.inbox_feed.clone(),
        )
    }

    /// 免跑腿 envelopes of the current identity's cases.
    pub fn envelopes(&self) -> envelope::EnvelopeClient {
        envelope::EnvelopeClient::new(self.identity.clone(), self.store.clone(), self.wallet(), self.autofill())
    }

    /// Encrypted push: this device's subscription and the bodies the shell hands in.
    pub fn push(&self) -> push::PushClient {
        push::PushClient::new(self.identity.clone(), self.store.clone(), self.autofill(), self.cases())
    }

    /// Personalised recommendations and policy campaigns, computed on the device.
    pub fn recommend(&self) -> recommend::RecommendClient {
        recommend::RecommendClient::new(self.identity.clone(), self.store.clone(), self.wallet(), self.catalogue(), self.cases())
    }

    /// The courier's side of envelopes (no login needed).
    pub fn courier(&self) -> envelope::CourierClient {
        envelope::CourierClient::new(self.identity.http().clone(), self.identity.issuer().to_owned(), self.store.clone())
    }

    /// The service window's side of envelopes: codes checked offline against `trust_document`
    /// (the platform's published envelope document, see [`envelope::EnvelopeTrust`]).
    pub fn envelope_window(&self, trust_document: &str) -> Result<envelope::WindowClient> {
        let trust = envelope::EnvelopeTrust::from_json(trust_document)?;
        Ok(envelope::WindowClient::new(self.identity.http().clone(), trust))
    }

    /// Verifier mode (a service window, a kiosk): checks presentations shown to `audience`
    /// against `trusted` issuers, with their status lists and replay protection kept in the store.
    pub fn verifier(
        &self,
        audience: impl Into<String>,
        trusted: Vec<wallet::TrustedIssuer>,
        settings: wallet::VerifierSettings,
    ) -> wallet::VerifierClient {
        wallet::VerifierClient::new(audience.into(), trusted, settings, self.store.clone(), self.identity.http().clone())
    }

    /// The encrypted store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The store's maintenance check: reads every page of the store and checks it (opening
    /// checks only the key, the schema and the last page, so that it costs the same however
    /// large the store grows). Run it now and then, say when the device is idle and charging.
    /// A damaged store is closed and moved aside ([`store::StoreError::Corrupt`], code
    /// `store.corrupt`); open the client again to start a fresh one.
    pub async fn check_store(&self) -> Result<store::StoreCheck> {
        Ok(self.store.check_integrity().await?)
    }
}
