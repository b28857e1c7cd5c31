//! Login: one identity for every city service.
//!
//! ## Flow (OpenID Connect authorization code + PKCE, RFC 8252 for native apps)
//! 1. [`IdentityClient::start_login`] discovers the provider (OpenID Connect Discovery 1.0),
//!    makes `state`, `nonce` and a PKCE S256 verifier (RFC 7636), pushes the authorization
//!    request (PAR, RFC 9126) with the device key's thumbprint as `dpop_jkt`, keeps the secrets
//!    in the encrypted store (so a login survives the app being killed while the browser is
//!    open) and returns the URL to open in the **system browser or a custom tab**, never an
//!    embedded web view.
//! 2. The provider redirects to the app's redirect URI. [`IdentityClient::complete_login`]
//!    checks it is this app's redirect, that `state` belongs to a login started here (single
//!    use), that `iss` is the provider (RFC 9207), exchanges the code with the verifier and a
//!    DPoP proof (RFC 9449) signed by the device key, and verifies the ID token: ES256
//!    signature against the JWKS, `iss`, `aud`, `exp`, `iat` within a bounded clock skew, and
//!    `nonce`.
//! 3. Tokens are DPoP-bound to the device key and kept only in the encrypted store. The client
//!    is the token source of the city-API call layer (`crate::api`), whose every call carries a
//!    fresh proof with `ath`. An expired access token is refreshed once for all concurrent
//!    callers (single flight); refresh tokens rotate, and a refused refresh ends the session
//!    ([`AuthError::SessionExpired`]).
//! 4. A person may act for enterprises as their agent (经办人): [`IdentityClient::identities`]
//!    lists them, [`IdentityClient::switch_identity`] picks one, and every later request is made
//!    as that identity (header `CityKit-Acting-For`).
//! 5. [`IdentityClient::logout`] revokes the refresh token at the provider (RFC 7009) and wipes
//!    tokens and personal data from the store.
//!
//! Nothing here is specific to the simulator: issuer, client id, redirect URI and scopes are
//! configuration ([`PlatformConfig`]) and endpoints come from discovery. The platform API the
//! identity calls use is documented in `docs/platform-api.md`.
//!
//! ## Layout
//! - `types.rs`: configuration ([`PlatformConfig`]) and the public records and enums
//!   ([`Account`], [`Identity`], [`LoginState`], [`PresencePurpose`], …).
//! - `login.rs`: starting and completing a login ([`parse_redirect`] included).
//! - `session.rs`: the session, the token endpoint, the single-flight refresh, and the
//!   `AccessTokens` source the city-API call layer (`crate::api`) is fed by.
//! - `identities.rs`: the identities a person may act as, switching, `whoami`.
//! - `logout.rs`: logout and token revocation (queued while the provider cannot be reached).
//! - `dpop.rs`, `oidc.rs`, `id_token.rs`: DPoP proofs, discovery and JWKS, ID-token checks.
//! - `db.rs`: the one transaction that commits a login's records.

mod db;
mod dpop;
mod error;
pub mod id_token;
mod identities;
mod login;
mod logout;
mod oidc;
mod session;
mod types;

use std::sync::Arc;

use serde::de::DeserializeOwned;

pub use error::{AuthError, IdTokenProblem};
pub use login::{parse_redirect, AuthorizationResponse};
pub(crate) use session::OAuthErrorBody;
pub use types::{
    Account, AuthorizationParam, Identity, IdentityKind, LoginRequest, LoginState, LogoutOutcome, PlatformConfig, PresenceError,
    PresencePurpose, UserPresence, WhoAmI, DEFAULT_MAX_CLOCK_SKEW, DEFAULT_SCOPES,
};

use crate::crypto::jose::EcJwk;
use crate::crypto::DeviceSigner;
use crate::net::HttpClient;
use crate::store::Store;
use crate::CityKitError;
use dpop::DpopSigner;
use oidc::ProviderMetadata;
use session::Session;

pub use crate::api::ACTING_FOR_HEADER;

const NS_AUTH: &str = "auth";
const NS_PENDING: &str = "auth.pending";
const KEY_SESSION: &str = "session";
const KEY_ACCOUNT: &str = "account";
const KEY_IDENTITIES: &str = "identities";
const KEY_ACTING_FOR: &str = "acting_for";

/// Login, tokens and identities. Cheap to clone.
#[derive(Clone)]
pub struct IdentityClient {
    inner: Arc<Inner>,
}

/// An [`IdentityClient`] that does not keep the client alive (for watchers that must end when
/// the app drops the client).
#[derive(Clone)]
pub(crate) struct WeakIdentityClient(std::sync::Weak<Inner>);

impl WeakIdentityClient {
    /// The client, while the app still holds it.
    pub(crate) fn upgrade(&self) -> Option<IdentityClient> {
        self.0.upgrade().map(|inner| IdentityClient { inner })
    }
}

struct Inner {
    config: PlatformConfig,
    http: HttpClient,
    store: Store,
    dpop: DpopSigner,
    metadata: tokio::sync::OnceCell<ProviderMetadata>,
    jwks: tokio::sync::RwLock<Vec<EcJwk>>,
    /// The session in memory. Held only to read it and to commit a change to the store, never
    /// across the network or the device key (an app's key may show a biometric prompt).
    session: tokio::sync::Mutex<Option<Session>>,
    /// Refreshes queue here, so concurrent callers wait for one refresh (single flight) instead
    /// of starting many; nothing else takes it.
    refresh_gate: tokio::sync::Mutex<()>,
    acting_for: std::sync::Mutex<Option<String>>,
    state: tokio::sync::watch::Sender<LoginState>,
    presence: Option<Arc<dyn UserPresence>>,
}

fn now_ms() -> i64 {
    crate::platform::now_unix_ms()
}

impl IdentityClient {
    /// Loads any saved session. Touches no network.
    pub(crate) async fn new(
        config: PlatformConfig,
        http: HttpClient,
        store: Store,
        device_keys: DeviceSigner,
        presence: Option<Arc<dyn UserPresence>>,
    ) -> Result<Self, CityKitError> {
        let dpop = DpopSigner::new(device_keys)?;
        let session: Option<Session> = store.get(NS_AUTH, KEY_SESSION).await?;
        let acting_for: Option<String> = store.get(NS_AUTH, KEY_ACTING_FOR).await?;
        let initial = match &session {
            Some(s) => LoginState::LoggedIn { subject: s.subject.clone(), acting_for: acting_for.clone() },
            None => LoginState::LoggedOut,
        };
        let (state, _) = tokio::sync::watch::channel(initial);
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                http,
                store,
                dpop,
                metadata: tokio::sync::OnceCell::new(),
                jwks: tokio::sync::RwLock::new(Vec::new()),
                session: tokio::sync::Mutex::new(session),
                refresh_gate: tokio::sync::Mutex::new(()),
                acting_for: std::sync::Mutex::new(acting_for),
                state,
                presence,
            }),
        })
    }

    /// The login state now.
    pub fn login_state(&self) -> LoginState {
        self.inner.state.borrow().clone()
    }

    /// A handle that does not keep this client alive.
    pub(crate) fn downgrade(&self) -> WeakIdentityClient {
        WeakIdentityClient(Arc::downgrade(&self.inner))
    }

    /// A receiver that sees the current login state, then every change.
    pub fn watch_login_state(&self) -> tokio::sync::watch::Receiver<LoginState> {
        self.inner.state.subscribe()
    }

    /// The configured issuer (the platform).
    pub(crate) fn issuer(&self) -> &str {
        &self.inner.config.issuer
    }

    /// The shared HTTPS client.
    pub(crate) fn http(&self) -> &HttpClient {
        &self.inner.http
    }

    /// The JWK thumbprint of the device key tokens and licences are bound to.
    pub(crate) fn device_key_thumbprint(&self) -> String {
        self.inner.dpop.thumbprint()
    }

    /// Signs `message` with the device key (ES256, `r || s`), off the async threads.
    pub(crate) async fn sign_with_device_key(&self, message: Vec<u8>) -> Result<Vec<u8>, CityKitError> {
        self.inner.dpop.sign(message).await.map_err(Into::into)
    }

    /// A compact JWS over `claims`, signed by the device key, its public key in the header.
    pub(crate) async fn device_signed_jws(&self, typ: &str, claims: &serde_json::Value) -> Result<String, CityKitError> {
        self.inner.dpop.jws(typ, claims).await.map_err(Into::into)
    }

    /// Asks the shell's presence check (if the app configured one); Ok when confirmed.
    pub(crate) async fn confirm_presence(&self, purpose: PresencePurpose) -> Result<(), CityKitError> {
        let Some(presence) = self.inner.presence.clone() else { return Ok(()) };
        let confirmed = crate::platform::run_blocking(move || presence.confirm(&purpose))
            .await
            .map_err(|e| CityKitError::Internal { details: e.to_string() })?
            .map_err(|e| AuthError::PresenceUnavailable { details: e.to_string() })?;
        if confirmed {
            Ok(())
        } else {
            Err(AuthError::PresenceDenied.into())
        }
    }

    fn publish(&self, state: LoginState) {
        self.inner.state.send_if_modified(|current| {
            let changed = *current != state;
            *current = state;
            changed
        });
    }

    async fn metadata(&self) -> Result<&ProviderMetadata, CityKitError> {
        if self.inner.config.issuer.is_empty() {
            return Err(CityKitError::Config("no issuer is configured".into()));
        }
        self.inner.metadata.get_or_try_init(|| oidc::discover(&self.inner.http, &self.inner.config.issuer)).await
    }

    /// GET a path of the city API (for example `/identities`) as the current identity.
    pub async fn api_get<T: DeserializeOwned>(&self, path: &str) -> Result<T, CityKitError> {
        crate::api::get(self, path, true).await
    }
}
