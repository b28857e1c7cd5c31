//! The identity capability's configuration and public records: what a face builds and shows.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::privacy::Personal;
use crate::CityKitError;

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
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct LoginRequest {
    /// The URL to open.
    pub authorization_url: String,
    /// When the started login stops being accepted (Unix seconds).
    pub expires_at: i64,
}

/// Person or enterprise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
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
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct Identity {
    /// The platform's id of the person or enterprise.
    pub id: String,
    /// Person or enterprise (a person when the platform leaves it out).
    #[serde(default)]
    pub kind: IdentityKind,
    /// The display name.
    #[cfg_attr(feature = "wasm", tsify(type = "Personal"))]
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
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct Account {
    /// The provider's subject id.
    pub subject: String,
    /// The person's name.
    #[cfg_attr(feature = "wasm", tsify(type = "Personal"))]
    pub name: Personal<String>,
}

/// Who the platform says is calling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct WhoAmI {
    /// The identity requests are made as.
    pub acting_as: Identity,
    /// The logged-in person.
    pub person: Identity,
}

/// The result of a logout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct LogoutOutcome {
    /// Whether someone was logged in (false: there was no session; local data is wiped anyway).
    pub had_session: bool,
    /// Whether the provider confirmed the revocation (false when offline: the revocation is
    /// queued and sent later, and local data is wiped anyway).
    pub revoked_at_server: bool,
    /// Queued submissions, amendments and ratings that were discarded (only with
    /// [`IdentityClient::logout_discarding_unsent`](super::IdentityClient::logout_discarding_unsent)).
    pub discarded_unsent: u32,
}

/// Whether someone is logged in, and as which identity: what a login-state listener sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
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
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
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
