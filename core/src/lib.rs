//! # CityKit core
//!
//! The shared Rust core of a city super-app: one identity for every city service, an
//! e-licence wallet, 秒报 form auto-fill, QR-coded 免跑腿 envelopes, personalised
//! recommendations, all on an encrypted local store. Platform faces (UniFFI for Kotlin, Swift
//! and Python; wasm for web views) are thin wrappers around [`Client`].
//!
//! ```text
//! Client ──┬── identity()  login (OIDC + PKCE + PAR + DPoP), identities, logout
//!          ├── store()     SQLCipher store, key from the platform's KeyProvider
//!          └── (wallet, autofill, envelope, recommend, push: later capabilities)
//! ```
//!
//! Every operation that touches the disk or the network is `async`; the core never creates a
//! runtime (the faces own one) and keeps SQLite and key-store calls on blocking worker threads.
//! Errors are one type, [`CityKitError`], with a stable code per variant.

pub mod crypto;
pub mod error;
pub mod identity;
pub mod net;
pub mod privacy;
pub mod store;

use std::path::PathBuf;
use std::sync::Arc;

pub use error::{CityKitError, Language, Result};
pub use identity::{Account, Identity, IdentityClient, IdentityKind, LoginRequest, LogoutOutcome, PlatformConfig, WhoAmI};
pub use net::{NetConfig, TrustConfig};
pub use privacy::Personal;
pub use store::{KeyProvider, PassphraseKeyProvider, StaticKeyProvider, Store, StoreKey};

use crypto::{DeviceKeys, SoftwareDeviceKeys};
use net::HttpClient;

/// Everything a [`Client`] needs to start.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The app's private data directory; the store lives here.
    pub data_dir: PathBuf,
    /// The provider and platform.
    pub platform: PlatformConfig,
    /// Network and trust settings.
    pub net: NetConfig,
}

/// The CityKit client: one per app process. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    store: Store,
    identity: IdentityClient,
}

impl Client {
    /// Opens the store (asking `keys` for its key) and restores any saved session. Touches no
    /// network. The device key is the default software key kept in the store.
    pub async fn open(config: ClientConfig, keys: Arc<dyn KeyProvider>) -> Result<Self> {
        Self::open_with_device_keys(config, keys, None).await
    }

    /// Like [`Client::open`], with a platform device key (Android Keystore/StrongBox, Secure
    /// Enclave) instead of the software one.
    pub async fn open_with_device_keys(
        config: ClientConfig,
        keys: Arc<dyn KeyProvider>,
        device_keys: Option<Arc<dyn DeviceKeys>>,
    ) -> Result<Self> {
        let http = HttpClient::new(config.net.clone())?;
        let store = Store::open_in_dir(&config.data_dir, keys).await?;
        let device_keys: Arc<dyn DeviceKeys> = match device_keys {
            Some(keys) => keys,
            None => SoftwareDeviceKeys::load_or_create(&store).await?,
        };
        let identity = IdentityClient::new(config.platform.clone(), http, store.clone(), device_keys).await?;
        Ok(Self { store, identity })
    }

    /// Login, tokens and identities.
    pub fn identity(&self) -> &IdentityClient {
        &self.identity
    }

    /// The encrypted store.
    pub fn store(&self) -> &Store {
        &self.store
    }
}
