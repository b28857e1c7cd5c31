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

mod dpop;
mod error;
pub mod id_token;
mod oidc;

use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use error::{AuthError, IdTokenProblem};

use crate::api::{AccessTokens, ApiReply, TokenSource};
use crate::crypto::jose::EcJwk;
use crate::crypto::{random_token, sha256_b64url, DeviceKeys};
use crate::net::{HttpClient, Idempotency, NetError};
use crate::privacy::{Personal, SecretString};
use crate::store::Store;
use crate::CityKitError;
use dpop::DpopSigner;
use oidc::ProviderMetadata;

pub use crate::api::ACTING_FOR_HEADER;
// The catalogue still reaches the city API through `IdentityClient`; other capabilities use
// `crate::api` directly.
pub(crate) use crate::api::ApiCall;

const NS_AUTH: &str = "auth";
const NS_PENDING: &str = "auth.pending";
/// Tokens still to revoke at the provider (kept across a logout until sent).
const NS_REVOKE: &str = "auth.revoke";
const KEY_SESSION: &str = "session";
const KEY_ACCOUNT: &str = "account";
const KEY_IDENTITIES: &str = "identities";
const KEY_ACTING_FOR: &str = "acting_for";
/// How long a started login may wait for its redirect.
const LOGIN_LIFETIME_MS: i64 = 10 * 60 * 1000;

/// Which provider and platform to talk to, and as which app.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PlatformConfig {
    /// The OpenID provider's issuer URL (discovery is fetched from it).
    pub issuer: String,
    /// This app's client id at the provider.
    pub client_id: String,
    /// This app's redirect URI (a private-use scheme or claimed https URL, RFC 8252 §7).
    pub redirect_uri: String,
    /// Scopes to ask for; `openid` is added when missing.
    pub scopes: Vec<String>,
    /// The city API's base URL; None: the provider's `citykit_api_base`, else `{issuer}/api/v1`.
    pub api_base: Option<String>,
    /// The clock skew tolerated when checking token times.
    pub max_clock_skew: Duration,
    /// Extra parameters of the authorization request that a provider needs, for example
    /// `("prompt", "login")`, `("ui_locales", "zh-CN")` or `("acr_values", …)`. They cannot
    /// replace a parameter CityKit sets itself (`state`, `nonce`, PKCE, `scope`, …).
    pub extra_authorization_params: Vec<AuthorizationParam>,
}

/// An extra parameter of the authorization request (see [`PlatformConfig::extra_authorization_params`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AuthorizationParam {
    /// The parameter's name, e.g. `prompt`.
    pub name: String,
    /// Its value, e.g. `login`.
    pub value: String,
}

impl AuthorizationParam {
    /// A parameter `name=value`.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self { name: name.into(), value: value.into() }
    }
}

/// The scopes a city app asks for unless it says otherwise: an ID token (`openid`), the
/// person's name (`profile`), and a refresh token (`offline_access`, OpenID Connect Core §11),
/// which is how providers expect to be asked for one.
pub const DEFAULT_SCOPES: &[&str] = &["openid", "profile", "offline_access"];

/// The clock skew tolerated when checking token times unless the app says otherwise.
pub const DEFAULT_MAX_CLOCK_SKEW: Duration = Duration::from_secs(120);

/// Authorization request parameters CityKit sets itself; an app cannot replace them.
const RESERVED_AUTHORIZATION_PARAMS: &[&str] = &[
    "client_id",
    "response_type",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "dpop_jkt",
    "request_uri",
    "request",
    "response_mode",
];

impl PlatformConfig {
    /// Checks what can be checked without the network: the issuer is an https URL (plain http
    /// only for loopback), the redirect URI and API base are URLs, and a client id is set.
    ///
    /// An empty issuer is allowed: such a client works offline on its store (status, key
    /// rotation) and answers `config.invalid` to anything that needs the platform.
    pub fn validate(&self) -> Result<(), CityKitError> {
        if self.issuer.is_empty() {
            return Ok(());
        }
        let issuer = url::Url::parse(&self.issuer).map_err(|e| CityKitError::Config(format!("the issuer is not a URL: {e}")))?;
        let loopback = matches!(issuer.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        if issuer.scheme() != "https" && !(issuer.scheme() == "http" && loopback) {
            return Err(CityKitError::Config("the issuer must be an https URL".into()));
        }
        url::Url::parse(&self.redirect_uri).map_err(|e| CityKitError::Config(format!("the redirect URI is not a URL: {e}")))?;
        if let Some(base) = &self.api_base {
            url::Url::parse(base).map_err(|e| CityKitError::Config(format!("the API base is not a URL: {e}")))?;
        }
        if self.client_id.trim().is_empty() {
            return Err(CityKitError::Config("the client id is empty".into()));
        }
        for AuthorizationParam { name, .. } in &self.extra_authorization_params {
            if name.trim().is_empty() || RESERVED_AUTHORIZATION_PARAMS.contains(&name.as_str()) {
                return Err(CityKitError::Config(format!("the authorization parameter '{name}' cannot be set by the app")));
            }
        }
        Ok(())
    }

    /// A configuration with the default scopes ([`DEFAULT_SCOPES`]) and skew
    /// ([`DEFAULT_MAX_CLOCK_SKEW`]).
    pub fn new(issuer: impl Into<String>, client_id: impl Into<String>, redirect_uri: impl Into<String>) -> Self {
        Self {
            issuer: issuer.into(),
            client_id: client_id.into(),
            redirect_uri: redirect_uri.into(),
            scopes: DEFAULT_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
            api_base: None,
            max_clock_skew: DEFAULT_MAX_CLOCK_SKEW,
            extra_authorization_params: Vec::new(),
        }
    }
}

/// A started login: open `authorization_url` in the system browser or a custom tab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LoginRequest {
    /// The URL to open.
    pub authorization_url: String,
    /// When the started login stops being accepted (Unix seconds).
    pub expires_at: i64,
}

/// Person or enterprise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum IdentityKind {
    /// A natural person (自然人).
    #[default]
    Person,
    /// A legal person (法人) the person acts for.
    Enterprise,
}

/// Someone requests can be made as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Identity {
    /// The platform's id of the person or enterprise.
    pub id: String,
    /// Person or enterprise (a person when the platform leaves it out).
    #[serde(default)]
    pub kind: IdentityKind,
    /// The display name.
    pub name: Personal<String>,
    /// For an enterprise: `legal_representative` or `agent`.
    #[serde(default)]
    pub role: Option<String>,
    /// For an enterprise: its unified social credit code (public registry data).
    #[serde(default)]
    pub uscc: Option<String>,
}

/// The logged-in person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Account {
    /// The provider's subject id.
    pub subject: String,
    /// The person's name.
    pub name: Personal<String>,
}

/// Who the platform says is calling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct WhoAmI {
    /// The identity requests are made as.
    pub acting_as: Identity,
    /// The logged-in person.
    pub person: Identity,
}

/// The result of a logout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LogoutOutcome {
    /// Whether someone was logged in (false: there was no session; local data is wiped anyway).
    pub had_session: bool,
    /// Whether the provider confirmed the revocation (false when offline: the revocation is
    /// queued and sent later, and local data is wiped anyway).
    pub revoked_at_server: bool,
    /// Queued submissions, amendments and ratings that were discarded (only with
    /// [`IdentityClient::logout_discarding_unsent`]).
    pub discarded_unsent: u32,
}

/// Whether someone is logged in, and as which identity: what a login-state listener sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LoginState {
    /// No session.
    LoggedOut,
    /// A session exists.
    LoggedIn {
        /// The person's subject id.
        subject: String,
        /// The enterprise requests act for, if any.
        acting_for: Option<String>,
    },
    /// The platform ended the session (refresh refused or token reuse detected): log in again.
    SessionExpired,
}

/// Why the core asks the person to prove they are present.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(tag = "purpose", rename_all = "snake_case")]
pub enum PresencePurpose {
    /// Before acting for an enterprise (法人): a legal person's business is done only by a present agent.
    ActForEnterprise {
        /// The enterprise's id.
        enterprise_id: String,
    },
    /// Before reading the identity's licences from the issuers (consent to 证照调用).
    ReadLicences {
        /// The identity (person or enterprise) whose licences are read.
        holder_id: String,
    },
    /// Before a form reads licence claims to fill itself (秒报 consent, bound to one item).
    FillForm {
        /// The service item.
        item_id: String,
        /// The claims it reads, as `vct#claim`.
        claims: Vec<String>,
    },
}

/// Why a presence check could not be made.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PresenceError {
    /// The prompt could not be shown (no biometrics enrolled, no window).
    #[error("the presence check is unavailable: {reason}")]
    Unavailable {
        /// What the shell said.
        reason: String,
    },
}

/// The shell's biometric, PIN or face (刷脸) prompt. The core asks; the shell decides how.
///
/// Called on a blocking worker thread: an implementation may wait for the person.
pub trait UserPresence: Send + Sync {
    /// Shows the prompt for `purpose`; true when the person confirmed.
    fn confirm(&self, purpose: &PresencePurpose) -> Result<bool, PresenceError>;
}

#[derive(Serialize, Deserialize)]
struct PendingLogin {
    nonce: SecretString,
    code_verifier: SecretString,
    created_at_ms: i64,
}

/// A token to revoke at the provider once it can be reached (RFC 7009).
#[derive(Serialize, Deserialize)]
struct PendingRevocation {
    token: SecretString,
    hint: String,
}

#[derive(Clone, Serialize, Deserialize)]
struct Session {
    access_token: SecretString,
    refresh_token: Option<SecretString>,
    expires_at_ms: i64,
    refresh_at_ms: i64,
    subject: String,
}

/// A token endpoint answer. The tokens are [`SecretString`]s from the moment they are decoded,
/// so every copy is zeroized when dropped.
#[derive(Deserialize)]
struct TokenResponse {
    access_token: SecretString,
    token_type: String,
    #[serde(default)]
    expires_in: Option<i64>,
    #[serde(default)]
    refresh_token: Option<SecretString>,
    #[serde(default)]
    id_token: Option<SecretString>,
}

#[derive(Deserialize)]
pub(crate) struct OAuthErrorBody {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

impl OAuthErrorBody {
    /// Whether `body` is an OAuth-style error body (`{"error": …}`) with the code `error`.
    pub(crate) fn says(body: &[u8], error: &str) -> bool {
        serde_json::from_slice::<OAuthErrorBody>(body).is_ok_and(|b| b.error == error)
    }
}

/// What the token endpoint said.
enum TokenOutcome {
    Issued(TokenResponse),
    Refused(OAuthErrorBody),
}

/// The query of an authorization response (the app's redirect URI with `code`, `state`, `iss`
/// or `error`), once the URL is known to be this app's redirect URI. Personal: holds the code.
pub struct AuthorizationResponse {
    params: Vec<(String, String)>,
}

impl std::fmt::Debug for AuthorizationResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizationResponse").field("params", &self.params.iter().map(|(k, _)| k).collect::<Vec<_>>()).finish()
    }
}

impl AuthorizationResponse {
    /// The first value of a query parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Parses a redirect the browser handed back (outside input) and checks it is `redirect_uri`
/// (scheme, host, port and path); a foreign or malformed URL is `auth.invalid_redirect`.
pub fn parse_redirect(redirect_url: &str, redirect_uri: &str) -> Result<AuthorizationResponse, CityKitError> {
    let redirect = url::Url::parse(redirect_url).map_err(|_| AuthError::InvalidRedirect { details: "not a URL".into() })?;
    let expected = url::Url::parse(redirect_uri).map_err(|e| CityKitError::Config(format!("the redirect URI is not a URL: {e}")))?;
    if redirect.scheme() != expected.scheme()
        || redirect.host_str() != expected.host_str()
        || redirect.port_or_known_default() != expected.port_or_known_default()
        || redirect.path() != expected.path()
    {
        return Err(AuthError::InvalidRedirect { details: "not this app's redirect URI".into() }.into());
    }
    Ok(AuthorizationResponse { params: redirect.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect() })
}

#[derive(Deserialize)]
struct UserInfo {
    sub: String,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct IdentitiesBody {
    identities: Vec<Identity>,
}

/// When a refresh is wanted.
enum RefreshWhen {
    /// Now, whatever the token's age.
    Always,
    /// Only if the token is still due for refresh once the lock is held.
    Due,
    /// Only if the platform's refused token is still the current one.
    Rejected(SecretString),
}

/// Login, tokens and identities. Cheap to clone.
#[derive(Clone)]
pub struct IdentityClient {
    inner: Arc<Inner>,
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
        device_keys: Arc<dyn DeviceKeys>,
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

    fn scope(&self) -> String {
        let mut scopes = self.inner.config.scopes.clone();
        if !scopes.iter().any(|s| s == "openid") {
            scopes.insert(0, "openid".into());
        }
        scopes.join(" ")
    }

    /// Starts a login and returns the URL to open in the system browser or a custom tab.
    pub async fn start_login(&self) -> Result<LoginRequest, CityKitError> {
        let metadata = self.metadata().await?.clone();
        let random = |n| random_token(n).map_err(|_| CityKitError::Internal { details: "no secure random source".into() });
        let state = random(32)?;
        let nonce = SecretString::new(random(32)?);
        let verifier = SecretString::new(random(32)?); // 43 characters of [A-Za-z0-9-_]
        let challenge = sha256_b64url(verifier.expose().as_bytes());
        let config = &self.inner.config;
        let scope = self.scope();
        let mut params: Vec<(&str, &str)> = vec![
            ("client_id", &config.client_id),
            ("response_type", "code"),
            ("redirect_uri", &config.redirect_uri),
            ("scope", &scope),
            ("state", &state),
            ("nonce", nonce.expose()),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ];
        // Checked by PlatformConfig::validate: none replaces a parameter set above.
        params.extend(config.extra_authorization_params.iter().map(|p| (p.name.as_str(), p.value.as_str())));
        let jkt = self.inner.dpop.thumbprint();
        let mut authorization_url = url::Url::parse(&metadata.authorization_endpoint)
            .map_err(|e| AuthError::Discovery { details: format!("bad authorization endpoint: {e}") })?;
        if let Some(par) = &metadata.pushed_authorization_request_endpoint {
            let mut form = params.clone();
            form.push(("dpop_jkt", &jkt));
            let http = &self.inner.http;
            let response =
                http.send(Idempotency::NotIdempotent, || async { Ok::<_, CityKitError>(http.reqwest().post(par).form(&form)) }).await?;
            let status = response.status();
            if !status.is_success() {
                let body: Option<OAuthErrorBody> = response.json().await.ok();
                return Err(AuthError::AuthorizationFailed {
                    error: body.map(|b| b.error).unwrap_or_else(|| format!("http_{}", status.as_u16())),
                }
                .into());
            }
            #[derive(Deserialize)]
            struct ParResponse {
                request_uri: String,
            }
            let par: ParResponse =
                response.json().await.map_err(|e| AuthError::Protocol { details: format!("unreadable PAR answer: {e}") })?;
            authorization_url.query_pairs_mut().append_pair("client_id", &config.client_id).append_pair("request_uri", &par.request_uri);
        } else {
            authorization_url.query_pairs_mut().extend_pairs(params.iter()).append_pair("dpop_jkt", &jkt);
        }
        let created_at_ms = now_ms();
        self.purge_stale_logins(created_at_ms).await?;
        self.inner.store.put(NS_PENDING, &state, &PendingLogin { nonce, code_verifier: verifier, created_at_ms }).await?;
        tracing::info!(pushed = metadata.pushed_authorization_request_endpoint.is_some(), "login started");
        self.send_queued_revocations().await;
        Ok(LoginRequest { authorization_url: authorization_url.to_string(), expires_at: (created_at_ms + LOGIN_LIFETIME_MS) / 1000 })
    }

    async fn purge_stale_logins(&self, now: i64) -> Result<(), CityKitError> {
        for state in self.inner.store.keys(NS_PENDING).await? {
            let pending: Option<PendingLogin> = self.inner.store.get(NS_PENDING, &state).await?;
            if pending.is_none_or(|p| now - p.created_at_ms > LOGIN_LIFETIME_MS) {
                self.inner.store.delete(NS_PENDING, &state).await?;
            }
        }
        Ok(())
    }

    /// Finishes a login from the redirect URL the browser handed back to the app.
    ///
    /// Runs to the end even if the caller gives up: the code is single use, so stopping between
    /// the token exchange and saving the tokens would lose the login.
    pub async fn complete_login(&self, redirect_url: &str) -> Result<Account, CityKitError> {
        let (this, redirect_url) = (self.clone(), redirect_url.to_owned());
        crate::platform::detached(async move { this.complete_login_inner(&redirect_url).await })
            .await
            .map_err(|e| CityKitError::Internal { details: e.to_string() })?
    }

    async fn complete_login_inner(&self, redirect_url: &str) -> Result<Account, CityKitError> {
        let config = &self.inner.config;
        let response = parse_redirect(redirect_url, &config.redirect_uri)?;
        let param = |name: &str| response.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let state = param("state").ok_or(AuthError::InvalidState)?;
        // Single use: the pending login is consumed whatever happens next.
        let pending: PendingLogin = self.inner.store.take(NS_PENDING, &state).await?.ok_or(AuthError::InvalidState)?;
        if now_ms() - pending.created_at_ms > LOGIN_LIFETIME_MS {
            return Err(AuthError::LoginExpired.into());
        }
        let metadata = self.metadata().await?.clone();
        match param("iss") {
            Some(iss) if iss.trim_end_matches('/') != metadata.issuer.trim_end_matches('/') => return Err(AuthError::IssuerMismatch.into()),
            None if metadata.authorization_response_iss_parameter_supported => return Err(AuthError::IssuerMismatch.into()),
            _ => {}
        }
        if let Some(error) = param("error") {
            return Err(if error == "access_denied" { AuthError::AccessDenied } else { AuthError::AuthorizationFailed { error } }.into());
        }
        let code = SecretString::new(param("code").ok_or(AuthError::InvalidRedirect { details: "no code".into() })?);
        // Borrowed, never copied: the code and the verifier stay in zeroized strings.
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code.expose()),
            ("redirect_uri", config.redirect_uri.as_str()),
            ("client_id", config.client_id.as_str()),
            ("code_verifier", pending.code_verifier.expose()),
        ];
        let tokens = match self.token_request(&metadata, &form).await? {
            TokenOutcome::Issued(tokens) => tokens,
            TokenOutcome::Refused(body) if body.error == "invalid_dpop_proof" => {
                return Err(AuthError::DpopRejected { details: body.error_description.unwrap_or_default() }.into())
            }
            TokenOutcome::Refused(body) => {
                tracing::info!(error = %body.error, "authorization code refused");
                return Err(AuthError::CodeRejected { error: body.error, description: body.error_description }.into());
            }
        };
        // From here on the provider has issued tokens: a failed check revokes them, and nothing
        // is committed to the store or memory until every check has passed.
        let issued: Vec<(SecretString, &'static str)> = std::iter::once((tokens.access_token.clone(), "access_token"))
            .chain(tokens.refresh_token.clone().map(|t| (t, "refresh_token")))
            .collect();
        match self.check_and_commit_login(&metadata, tokens, pending.nonce.expose()).await {
            Ok(account) => {
                tracing::info!("login completed");
                self.send_queued_revocations().await;
                Ok(account)
            }
            Err(e) => {
                tracing::warn!(code = e.code(), "login refused after the token exchange; revoking the new tokens");
                self.revoke_or_queue(issued).await;
                Err(e)
            }
        }
    }

    /// Verifies the ID token and the userinfo subject, then commits the new session and account
    /// to the store in one transaction and only then to memory.
    async fn check_and_commit_login(
        &self,
        metadata: &ProviderMetadata,
        tokens: TokenResponse,
        nonce: &str,
    ) -> Result<Account, CityKitError> {
        let id_token = tokens.id_token.as_ref().ok_or(AuthError::IdTokenInvalid { problem: IdTokenProblem::MissingClaim })?;
        let verified = self.verify_id_token(metadata, id_token.expose(), nonce).await?;
        let session = self.session_from(tokens, verified.subject.clone(), None)?;
        let info: UserInfo = match &metadata.userinfo_endpoint {
            Some(endpoint) => {
                crate::api::authorized_call_with(self, ApiCall::get(endpoint), None, TokenSource::Given(&session.access_token))
                    .await?
                    .into_json()?
            }
            None => UserInfo { sub: verified.subject.clone(), name: None },
        };
        if info.sub != verified.subject {
            return Err(AuthError::Protocol { details: "userinfo names another subject than the ID token".into() }.into());
        }
        let account = Account { subject: verified.subject, name: Personal::new(info.name.unwrap_or_default()) };
        let mut guard = self.inner.session.lock().await;
        let records = [(KEY_SESSION, serde_json::to_vec(&session)), (KEY_ACCOUNT, serde_json::to_vec(&account))];
        let records = records
            .into_iter()
            .map(|(k, v)| v.map(|v| (k, v)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| CityKitError::Internal { details: format!("cannot encode the session: {e}") })?;
        // One transaction: the previous login's records go, the new session and account come.
        self.inner
            .store
            .call(move |conn| {
                let tx = conn.transaction()?;
                tx.execute("DELETE FROM records WHERE namespace = ?1", [NS_AUTH])?;
                for (key, value) in &records {
                    tx.execute(
                        "INSERT INTO records (namespace, key, value, updated_at) VALUES (?1, ?2, ?3, ?4)",
                        (NS_AUTH, key, value, crate::platform::now_unix_secs()),
                    )?;
                }
                tx.commit()?;
                Ok(())
            })
            .await?;
        *guard = Some(session);
        if let Ok(mut acting) = self.inner.acting_for.lock() {
            *acting = None;
        }
        drop(guard);
        self.publish(LoginState::LoggedIn { subject: account.subject.clone(), acting_for: None });
        Ok(account)
    }

    async fn verify_id_token(
        &self,
        metadata: &ProviderMetadata,
        token: &str,
        nonce: &str,
    ) -> Result<id_token::VerifiedIdToken, CityKitError> {
        let kid = id_token::key_id(token).map_err(|problem| AuthError::IdTokenInvalid { problem })?;
        let known = {
            let keys = self.inner.jwks.read().await;
            !keys.is_empty() && kid.as_ref().is_none_or(|kid| keys.iter().any(|k| k.kid.as_ref() == Some(kid)))
        };
        if !known {
            // First use, or the provider rotated its keys.
            let fresh = oidc::fetch_jwks(&self.inner.http, &metadata.jwks_uri).await?;
            *self.inner.jwks.write().await = fresh;
        }
        let keys = self.inner.jwks.read().await;
        let expect = id_token::Expectations {
            issuer: &metadata.issuer,
            client_id: &self.inner.config.client_id,
            nonce,
            now: crate::platform::now_unix_secs(),
            max_skew: self.inner.config.max_clock_skew.as_secs() as i64,
        };
        id_token::verify(token, &keys, &expect).map_err(|problem| {
            tracing::warn!(problem = problem.as_str(), "ID token refused");
            AuthError::IdTokenInvalid { problem }.into()
        })
    }

    fn session_from(
        &self,
        tokens: TokenResponse,
        subject: String,
        previous_refresh: Option<SecretString>,
    ) -> Result<Session, CityKitError> {
        if !tokens.token_type.eq_ignore_ascii_case("DPoP") {
            return Err(AuthError::Protocol { details: format!("expected a DPoP-bound token, got {}", tokens.token_type) }.into());
        }
        let (expires_at_ms, refresh_at_ms) = token_times(now_ms(), tokens.expires_in);
        Ok(Session {
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token.or(previous_refresh),
            expires_at_ms,
            refresh_at_ms,
            subject,
        })
    }

    /// One token request with a DPoP proof. A provider that demands a nonce (`400
    /// use_dpop_nonce` with a `DPoP-Nonce` header, RFC 9449 §8) gets the request once more with
    /// its nonce; asked again, CityKit gives up rather than loop.
    async fn token_request(&self, metadata: &ProviderMetadata, form: &[(&str, &str)]) -> Result<TokenOutcome, CityKitError> {
        let endpoint = &metadata.token_endpoint;
        let http = &self.inner.http;
        for attempt in 0..2 {
            let proof = self.inner.dpop.proof("POST", endpoint, None).await?;
            let response = http
                .send(Idempotency::NotIdempotent, || async {
                    Ok::<_, CityKitError>(http.reqwest().post(endpoint).header("DPoP", &proof).form(form))
                })
                .await?;
            let fresh_nonce = self.inner.dpop.remember_nonce(endpoint, response.headers());
            let status = response.status();
            if status.is_success() {
                let tokens: TokenResponse = response
                    .json()
                    .await
                    .map_err(|e| NetError::InvalidResponse { details: format!("unreadable token answer: {}", e.without_url()) })?;
                return Ok(TokenOutcome::Issued(tokens));
            }
            match response.json::<OAuthErrorBody>().await {
                Ok(body) if status.as_u16() == 400 && body.error == "use_dpop_nonce" => {
                    if attempt == 0 && fresh_nonce {
                        tracing::debug!("the provider wants a DPoP nonce; retrying with it");
                        continue;
                    }
                    return Err(AuthError::DpopRejected { details: "the provider keeps asking for a new DPoP nonce".into() }.into());
                }
                Ok(body) if status.is_client_error() => return Ok(TokenOutcome::Refused(body)),
                _ => return Err(NetError::Status { status: status.as_u16(), error: None }.into()),
            }
        }
        Err(AuthError::DpopRejected { details: "the provider keeps asking for a new DPoP nonce".into() }.into())
    }

    /// Whether a session is saved (it may still have ended at the provider).
    pub async fn is_logged_in(&self) -> bool {
        self.inner.session.lock().await.is_some()
    }

    /// The logged-in person, from the store.
    pub async fn account(&self) -> Result<Option<Account>, CityKitError> {
        Ok(self.inner.store.get(NS_AUTH, KEY_ACCOUNT).await?)
    }

    /// Refreshes the tokens now (rotating the refresh token).
    pub async fn refresh(&self) -> Result<(), CityKitError> {
        self.refresh_detached(RefreshWhen::Always).await.map(|_| ())
    }

    /// Refreshes in a task of its own. Concurrent callers queue on the refresh gate and find the
    /// fresh token when their turn comes (single flight). The session lock is held only to read
    /// the session and to commit the new one, never while the request is out or the device key
    /// (an app callback, possibly a biometric prompt) signs. A caller that gives up (a cancelled
    /// coroutine) cannot stop the task between the provider rotating the refresh token and the
    /// store saving the new one, which would leave the old token to be reused and the whole
    /// session revoked.
    async fn refresh_detached(&self, when: RefreshWhen) -> Result<SecretString, CityKitError> {
        let this = self.clone();
        crate::platform::detached(async move {
            let _flight = this.inner.refresh_gate.lock().await;
            let session = {
                let guard = this.inner.session.lock().await;
                let session = guard.as_ref().ok_or(match when {
                    RefreshWhen::Rejected(_) => AuthError::SessionExpired,
                    _ => AuthError::NotLoggedIn,
                })?;
                match &when {
                    RefreshWhen::Due if now_ms() < session.refresh_at_ms => return Ok(session.access_token.clone()),
                    RefreshWhen::Rejected(rejected) if session.access_token != *rejected => return Ok(session.access_token.clone()),
                    _ => {}
                }
                session.clone()
            };
            this.refresh_session(session).await
        })
        .await
        .map_err(|e| CityKitError::Internal { details: e.to_string() })?
    }

    /// Exchanges the refresh token of `session`, then commits the result if `session` is still
    /// the current one (a logout or another login may have happened meanwhile).
    async fn refresh_session(&self, session: Session) -> Result<SecretString, CityKitError> {
        let refresh_token = session.refresh_token.clone().ok_or(AuthError::SessionExpired)?;
        let metadata = self.metadata().await?.clone();
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose()),
            ("client_id", self.inner.config.client_id.as_str()),
        ];
        tracing::debug!("refreshing the access token");
        let is_current = |current: &Option<Session>| current.as_ref().is_some_and(|c| c.refresh_token == session.refresh_token);
        match self.token_request(&metadata, &form).await? {
            TokenOutcome::Issued(tokens) => {
                let fresh = self.session_from(tokens, session.subject.clone(), Some(refresh_token))?;
                let mut guard = self.inner.session.lock().await;
                if !is_current(&guard) {
                    drop(guard);
                    tracing::info!("the session ended while it was being refreshed; revoking the new tokens");
                    let orphans = std::iter::once((fresh.access_token.clone(), "access_token"))
                        .chain(fresh.refresh_token.clone().map(|t| (t, "refresh_token")))
                        .collect();
                    self.revoke_or_queue(orphans).await;
                    return Err(AuthError::NotLoggedIn.into());
                }
                self.inner.store.put(NS_AUTH, KEY_SESSION, &fresh).await?;
                let token = fresh.access_token.clone();
                *guard = Some(fresh);
                drop(guard);
                self.send_queued_revocations().await;
                Ok(token)
            }
            TokenOutcome::Refused(body) if body.error == "invalid_dpop_proof" => {
                Err(AuthError::DpopRejected { details: body.error_description.unwrap_or_default() }.into())
            }
            TokenOutcome::Refused(body) => {
                tracing::warn!(error = %body.error, "refresh refused; the session has ended");
                let mut guard = self.inner.session.lock().await;
                if is_current(&guard) {
                    self.inner.store.delete(NS_AUTH, KEY_SESSION).await?;
                    *guard = None;
                    drop(guard);
                    self.publish(LoginState::SessionExpired);
                }
                // The provider may still hold the token valid (a refusal is not always a
                // revocation): revoke it, now or once the provider can be reached.
                self.revoke_or_queue(vec![(refresh_token, "refresh_token")]).await;
                Err(AuthError::SessionExpired.into())
            }
        }
    }

    fn acting_for(&self) -> Option<String> {
        self.inner.acting_for.lock().ok().and_then(|g| g.clone())
    }

    /// GET a path of the city API (for example `/identities`) as the current identity.
    pub async fn api_get<T: DeserializeOwned>(&self, path: &str) -> Result<T, CityKitError> {
        crate::api::get(self, path, true).await
    }

    /// The absolute URL of a path of the city API (for the catalogue; see [`crate::api::url`]).
    pub(crate) async fn api_url(&self, path: &str) -> Result<String, CityKitError> {
        crate::api::url(self, path).await
    }

    /// One authorised call to the city API (for the catalogue; see [`crate::api::authorized_call`]).
    pub(crate) async fn authorized_call(&self, call: ApiCall<'_>, as_current_identity: bool) -> Result<ApiReply, CityKitError> {
        crate::api::authorized_call(self, call, as_current_identity).await
    }

    /// The identities this person may act as: themself first, then each enterprise they are
    /// an agent or legal representative of. Fetched from the platform and saved for offline use.
    pub async fn identities(&self) -> Result<Vec<Identity>, CityKitError> {
        let body: IdentitiesBody = crate::api::get(self, "/identities", false).await?;
        self.inner.store.put(NS_AUTH, KEY_IDENTITIES, &body.identities).await?;
        Ok(body.identities)
    }

    /// The logged-in person's own identity (also while acting for an enterprise).
    pub(crate) async fn person_identity(&self) -> Result<Identity, CityKitError> {
        if !self.is_logged_in().await {
            return Err(AuthError::NotLoggedIn.into());
        }
        self.known_identities().await?.into_iter().find(|i| i.kind == IdentityKind::Person).ok_or_else(|| AuthError::UnknownIdentity.into())
    }

    async fn known_identities(&self) -> Result<Vec<Identity>, CityKitError> {
        match self.inner.store.get::<Vec<Identity>>(NS_AUTH, KEY_IDENTITIES).await? {
            Some(list) => Ok(list),
            None => self.identities().await,
        }
    }

    /// The identity requests are made as now.
    pub async fn current_identity(&self) -> Result<Identity, CityKitError> {
        if !self.is_logged_in().await {
            return Err(AuthError::NotLoggedIn.into());
        }
        let list = self.known_identities().await?;
        let wanted = self.acting_for();
        list.into_iter()
            .find(|i| match &wanted {
                Some(id) => &i.id == id,
                None => i.kind == IdentityKind::Person,
            })
            .ok_or_else(|| AuthError::UnknownIdentity.into())
    }

    /// Makes every later request as `identity_id`: the person's own id, or an enterprise from
    /// [`Self::identities`].
    /// Runs to the end even if the caller gives up, so the saved and the in-use identity never
    /// disagree.
    pub async fn switch_identity(&self, identity_id: &str) -> Result<Identity, CityKitError> {
        let (this, identity_id) = (self.clone(), identity_id.to_owned());
        crate::platform::detached(async move { this.switch_identity_inner(&identity_id).await })
            .await
            .map_err(|e| CityKitError::Internal { details: e.to_string() })?
    }

    async fn switch_identity_inner(&self, identity_id: &str) -> Result<Identity, CityKitError> {
        if !self.is_logged_in().await {
            return Err(AuthError::NotLoggedIn.into());
        }
        let mut list = self.known_identities().await?;
        if !list.iter().any(|i| i.id == identity_id) {
            // The person may have become an agent since the list was saved.
            list = self.identities().await?;
        }
        let identity = list.into_iter().find(|i| i.id == identity_id).ok_or(AuthError::UnknownIdentity)?;
        let acting_for = (identity.kind == IdentityKind::Enterprise).then(|| identity.id.clone());
        if let Some(enterprise_id) = &acting_for {
            self.confirm_presence(PresencePurpose::ActForEnterprise { enterprise_id: enterprise_id.clone() }).await?;
        }
        match &acting_for {
            Some(id) => self.inner.store.put(NS_AUTH, KEY_ACTING_FOR, id).await?,
            None => self.inner.store.delete(NS_AUTH, KEY_ACTING_FOR).await?,
        }
        if let Ok(mut guard) = self.inner.acting_for.lock() {
            *guard = acting_for.clone();
        }
        if let Some(session) = self.inner.session.lock().await.as_ref() {
            self.publish(LoginState::LoggedIn { subject: session.subject.clone(), acting_for });
        }
        tracing::info!(kind = ?identity.kind, "identity switched");
        Ok(identity)
    }

    /// Asks the platform who it thinks is calling (the current identity and the person).
    pub async fn whoami(&self) -> Result<WhoAmI, CityKitError> {
        self.api_get("/me").await
    }

    /// Revokes the session at the provider and removes every record of the person and the
    /// enterprises they act for from the store, in one transaction: login records, licences,
    /// consents, drafts, cases, the outbox, the inbox, the access log. Local data is removed
    /// even when the provider cannot be reached (the revocation is then queued and sent by a
    /// later login), and even if the caller gives up half-way.
    ///
    /// Refused with [`AuthError::UnsentWork`] while submissions, amendments or ratings are still
    /// queued (they would be lost); [`Self::logout_discarding_unsent`] discards them.
    pub async fn logout(&self) -> Result<LogoutOutcome, CityKitError> {
        self.logout_detached(false).await
    }

    /// Logs out like [`Self::logout`], discarding queued submissions, amendments and ratings
    /// (how many is in [`LogoutOutcome::discarded_unsent`]).
    pub async fn logout_discarding_unsent(&self) -> Result<LogoutOutcome, CityKitError> {
        self.logout_detached(true).await
    }

    async fn logout_detached(&self, discard_unsent: bool) -> Result<LogoutOutcome, CityKitError> {
        let this = self.clone();
        crate::platform::detached(async move { this.logout_inner(discard_unsent).await })
            .await
            .map_err(|e| CityKitError::Internal { details: e.to_string() })?
    }

    /// The person and every enterprise they were seen acting for: whose records a logout removes.
    async fn holders(&self) -> Result<Vec<String>, CityKitError> {
        let known: Vec<Identity> = self.inner.store.get(NS_AUTH, KEY_IDENTITIES).await?.unwrap_or_default();
        let mut holders: Vec<String> = known.into_iter().map(|i| i.id).collect();
        if let Some(account) = self.account().await? {
            holders.push(account.subject);
        }
        if let Some(session) = self.inner.session.lock().await.as_ref() {
            holders.push(session.subject.clone());
        }
        holders.extend(self.acting_for());
        holders.sort();
        holders.dedup();
        Ok(holders)
    }

    async fn logout_inner(&self, discard_unsent: bool) -> Result<LogoutOutcome, CityKitError> {
        let holders = self.holders().await?;
        let unsent = crate::personal_data::unsent_work(&self.inner.store, holders.clone()).await?;
        if unsent > 0 && !discard_unsent {
            return Err(AuthError::UnsentWork { count: unsent }.into());
        }
        let session = {
            let mut guard = self.inner.session.lock().await;
            crate::personal_data::forget(&self.inner.store, holders, vec![NS_AUTH, NS_PENDING]).await?;
            guard.take()
        };
        if let Ok(mut acting) = self.inner.acting_for.lock() {
            *acting = None;
        }
        self.publish(LoginState::LoggedOut);
        let mut revoked_at_server = false;
        if let Some(session) = &session {
            let mut tokens = vec![(session.access_token.clone(), "access_token")];
            if let Some(refresh) = &session.refresh_token {
                tokens.insert(0, (refresh.clone(), "refresh_token"));
            }
            revoked_at_server = self.revoke_or_queue(tokens).await;
            if revoked_at_server {
                self.send_queued_revocations().await;
            }
        }
        tracing::info!(revoked_at_server, "logged out");
        Ok(LogoutOutcome { had_session: session.is_some(), revoked_at_server, discarded_unsent: if discard_unsent { unsent } else { 0 } })
    }

    /// Revokes each token at the provider (RFC 7009); one that cannot be revoked now (offline,
    /// a 5xx) is queued in the store and sent by a later login, refresh or logout. True when the
    /// provider confirmed every revocation.
    async fn revoke_or_queue(&self, tokens: Vec<(SecretString, &'static str)>) -> bool {
        let mut all = true;
        for (token, hint) in tokens {
            let Err(e) = self.revoke_token(&token, hint).await else { continue };
            all = false;
            if !is_worth_retrying(&e) {
                tracing::warn!(code = e.code(), "the provider refused a revocation");
                continue;
            }
            tracing::warn!(code = e.code(), "could not revoke at the provider; queued");
            let queued = PendingRevocation { token, hint: hint.to_owned() };
            let key = random_token(16).unwrap_or_else(|_| now_ms().to_string());
            if let Err(e) = self.inner.store.put(NS_REVOKE, &key, &queued).await {
                tracing::warn!(code = e.code(), "could not queue a revocation");
            }
        }
        all
    }

    /// Sends the queued revocations, oldest first; stops at the first that still cannot be sent.
    /// Best effort: never fails the operation that triggered it.
    async fn send_queued_revocations(&self) {
        let Ok(keys) = self.inner.store.keys(NS_REVOKE).await else { return };
        for key in keys {
            let Ok(Some(queued)) = self.inner.store.get::<PendingRevocation>(NS_REVOKE, &key).await else { continue };
            match self.revoke_token(&queued.token, &queued.hint).await {
                Err(e) if is_worth_retrying(&e) => return,
                Err(e) => tracing::warn!(code = e.code(), "the provider refused a queued revocation; dropped"),
                Ok(()) => tracing::debug!("a queued revocation was sent"),
            }
            if let Err(e) = self.inner.store.delete(NS_REVOKE, &key).await {
                tracing::warn!(code = e.code(), "could not remove a sent revocation");
            }
        }
    }

    /// How many token revocations wait for the provider to be reachable.
    pub async fn queued_revocations(&self) -> Result<usize, CityKitError> {
        Ok(self.inner.store.keys(NS_REVOKE).await?.len())
    }

    async fn revoke_token(&self, token: &SecretString, hint: &str) -> Result<(), CityKitError> {
        let metadata = self.metadata().await?.clone();
        let endpoint = metadata
            .revocation_endpoint
            .as_ref()
            .ok_or_else(|| AuthError::Discovery { details: "the provider has no revocation endpoint".into() })?;
        let http = &self.inner.http;
        let form = [("token", token.expose()), ("token_type_hint", hint), ("client_id", &self.inner.config.client_id)];
        let response =
            http.send(Idempotency::Idempotent, || async { Ok::<_, CityKitError>(http.reqwest().post(endpoint).form(&form)) }).await?;
        if !response.status().is_success() {
            return Err(NetError::Status { status: response.status().as_u16(), error: None }.into());
        }
        Ok(())
    }
}

/// The session feeds the city-API call layer ([`crate::api`]).
impl AccessTokens for IdentityClient {
    fn http(&self) -> &HttpClient {
        &self.inner.http
    }

    async fn api_base(&self) -> Result<String, CityKitError> {
        let metadata = self.metadata().await?;
        let base = self
            .inner
            .config
            .api_base
            .clone()
            .or_else(|| metadata.citykit_api_base.clone())
            .unwrap_or_else(|| format!("{}/api/v1", self.inner.config.issuer.trim_end_matches('/')));
        Ok(base.trim_end_matches('/').to_owned())
    }

    fn acting_for(&self) -> Option<String> {
        IdentityClient::acting_for(self)
    }

    /// A valid access token, refreshed first when it is about to expire (one refresh for all
    /// concurrent callers).
    async fn access_token(&self) -> Result<SecretString, CityKitError> {
        {
            let guard = self.inner.session.lock().await;
            let session = guard.as_ref().ok_or(AuthError::NotLoggedIn)?;
            if now_ms() < session.refresh_at_ms {
                return Ok(session.access_token.clone());
            }
        }
        self.refresh_detached(RefreshWhen::Due).await
    }

    /// After the platform refused `rejected`: refresh, unless another caller already has.
    async fn refresh_after_rejection(&self, rejected: &SecretString) -> Result<SecretString, CityKitError> {
        self.refresh_detached(RefreshWhen::Rejected(rejected.clone())).await
    }

    async fn dpop_proof(&self, method: &str, url: &str, access_token: &str) -> Result<String, CityKitError> {
        Ok(self.inner.dpop.proof(method, url, Some(access_token)).await?)
    }

    fn remember_dpop_nonce(&self, url: &str, headers: &reqwest::header::HeaderMap) -> bool {
        self.inner.dpop.remember_nonce(url, headers)
    }
}

/// When a token issued at `now_ms` with the provider's `expires_in` (seconds, outside input: any
/// i64, or none for 5 minutes) expires, and when to refresh it: at 3/4 of its lifetime or 30 s
/// before expiry, whichever is later. Saturating: no `expires_in` can overflow.
fn token_times(now_ms: i64, expires_in: Option<i64>) -> (i64, i64) {
    let lifetime_ms = expires_in.unwrap_or(300).max(0).saturating_mul(1000);
    let early = lifetime_ms.saturating_sub(30_000).max(lifetime_ms / 4 * 3);
    (now_ms.saturating_add(lifetime_ms), now_ms.saturating_add(early))
}

/// Whether a failed call may succeed later unchanged: the network, a timeout, a 5xx or 429.
fn is_worth_retrying(e: &CityKitError) -> bool {
    match e {
        CityKitError::Net(n) => n.is_retryable() || matches!(n, NetError::Status { status, .. } if *status >= 500 || *status == 429),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::token_times;

    #[test]
    fn token_lifetimes_from_a_provider_never_overflow() {
        let now = 1_800_000_000_000;
        assert_eq!(token_times(now, Some(300)), (now + 300_000, now + 270_000));
        assert_eq!(token_times(now, Some(3600)), (now + 3_600_000, now + 3_570_000));
        assert_eq!(token_times(now, Some(60)), (now + 60_000, now + 45_000), "3/4 of a short lifetime");
        assert_eq!(token_times(now, None), (now + 300_000, now + 270_000));
        assert_eq!(token_times(now, Some(i64::MAX)), (i64::MAX, i64::MAX));
        assert_eq!(token_times(now, Some(i64::MAX / 1000 + 1)), (i64::MAX, i64::MAX));
        assert_eq!(token_times(now, Some(-5)), (now, now), "a negative lifetime is an expired token");
        assert_eq!(token_times(now, Some(i64::MIN)), (now, now));
        assert_eq!(token_times(i64::MAX - 10, Some(3600)), (i64::MAX, i64::MAX));
    }
}
