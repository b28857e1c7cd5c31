//! A simulator, a data directory and clients configured to trust the simulator's test CA.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use citykit_core::crypto::jose::EcJwk;
use citykit_core::wallet::{TrustedIssuer, VerifierSettings};
use citykit_core::{Client, ClientConfig, NetConfig, PlatformConfig, StaticKeyProvider, StoreKey, TrustConfig};
use citykit_sim::{SimConfig, SimHandle, Simulator};

pub const CITIZEN: &str = "citizen-01";

pub struct Env {
    pub sim: SimHandle,
    pub dir: tempfile::TempDir,
}

impl Env {
    pub async fn start() -> Self {
        Self::start_with(SimConfig::default()).await
    }

    pub async fn start_with(config: SimConfig) -> Self {
        let sim = Simulator::start(config).await.expect("simulator starts");
        Self { sim, dir: tempfile::tempdir().unwrap() }
    }

    pub fn data_dir(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn config(&self, data_dir: &Path) -> ClientConfig {
        Self::config_for(&self.sim.issuer(), &self.sim.ca_cert_pem(), data_dir)
    }

    /// The configuration for a platform at `issuer` whose CA is `ca_pem` (for child processes).
    pub fn config_for(issuer: &str, ca_pem: &str, data_dir: &Path) -> ClientConfig {
        let mut platform = PlatformConfig::new(issuer, "citykit-demo", "org.citykit.demo:/oauth2redirect");
        platform.scopes = vec!["openid".into(), "profile".into()];
        ClientConfig {
            data_dir: data_dir.to_path_buf(),
            platform,
            net: NetConfig {
                trust: TrustConfig { extra_root_certificates_pem: vec![ca_pem.to_owned()], ..Default::default() },
                request_timeout: Duration::from_secs(10),
                initial_backoff: Duration::from_millis(20),
                ..Default::default()
            },
        }
    }

    /// The simulator's licence office `office` as a verifier trusts it: its issuer identifier
    /// and its published keys.
    pub fn trusted_issuer(&self, office: &str) -> TrustedIssuer {
        let jwks = self.sim.issuer_jwks(office).unwrap();
        TrustedIssuer {
            issuer: self.sim.licence_issuer(office).unwrap(),
            keys: jwks["keys"].as_array().unwrap().iter().map(|k| serde_json::from_value::<EcJwk>(k.clone()).unwrap()).collect(),
        }
    }

    pub fn keys() -> Arc<StaticKeyProvider> {
        Arc::new(StaticKeyProvider::new(StoreKey::from_bytes(&[42u8; 32]).unwrap()))
    }

    /// A client on its own data directory `name`.
    pub async fn client(&self, name: &str) -> Client {
        Client::open(self.config(&self.data_dir(name)), Self::keys()).await.expect("client opens")
    }

    /// The redirect the browser would hand back after `citizen` signs in.
    pub async fn browser_redirect(&self, client: &Client, citizen: &str) -> String {
        let request = client.identity().start_login().await.expect("login starts");
        self.sim.authorize_as(&request.authorization_url, citizen).await.expect("simulated sign-in")
    }

    pub async fn logged_in(&self, name: &str, citizen: &str) -> Client {
        let client = self.client(name).await;
        let redirect = self.browser_redirect(&client, citizen).await;
        client.identity().complete_login(&redirect).await.expect("login completes");
        client
    }

    /// A logged-in client with its licences fetched and the catalogue synced.
    pub async fn ready(&self, name: &str, citizen: &str) -> Client {
        let client = self.logged_in(name, citizen).await;
        client.wallet().fetch_licences().await.unwrap();
        client.catalogue().sync().await.unwrap();
        client
    }
}

/// Replaces (or adds) a query parameter of a URL.
/// Verifier settings that always ask the issuer when online and never use a cached list offline.
pub fn strict_status() -> VerifierSettings {
    VerifierSettings { status_refresh_after: Duration::ZERO, max_status_age: Duration::ZERO }
}

pub fn with_param(url: &str, name: &str, value: &str) -> String {
    let mut parsed = url::Url::parse(url).unwrap();
    let pairs: Vec<(String, String)> =
        parsed.query_pairs().filter(|(k, _)| k != name).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    parsed.query_pairs_mut().clear().extend_pairs(pairs).append_pair(name, value);
    parsed.to_string()
}

pub fn param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url).unwrap().query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}
