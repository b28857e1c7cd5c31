//! Records and enums that cross the boundary, converted from the core's types.

/// The core's default settings, for the faces' builders: a face never writes a default of its
/// own, it takes it from here, so Kotlin, Swift, Python and Rust always agree.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CoreDefaults {
    /// Whether the public web PKI roots are trusted (false: only the platform's own roots).
    pub use_public_roots: bool,
    /// The scopes asked for when the app names none.
    pub scopes: Vec<String>,
    /// TCP + TLS connect timeout, milliseconds.
    pub connect_timeout_ms: u64,
    /// Whole-request timeout, milliseconds (what `ClientConfig.request_timeout_ms = 0` means).
    pub request_timeout_ms: u64,
    /// Retries after the first attempt, for idempotent requests only.
    pub max_retries: u32,
    /// The first retry backoff, milliseconds (doubled on each retry).
    pub initial_backoff_ms: u64,
    /// The clock skew tolerated when checking token times, seconds.
    pub max_clock_skew_secs: u64,
    /// How long an unsubmitted draft is kept after its last edit, seconds.
    pub draft_max_age_secs: u64,
}

/// The core's default settings (see [`CoreDefaults`]).
#[uniffi::export]
pub fn core_defaults() -> CoreDefaults {
    let net = citykit_core::NetConfig::default();
    let platform = citykit_core::PlatformConfig::new("", "", "");
    let millis = |d: std::time::Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    CoreDefaults {
        use_public_roots: net.trust.use_public_roots,
        scopes: platform.scopes,
        connect_timeout_ms: millis(net.connect_timeout),
        request_timeout_ms: millis(net.request_timeout),
        max_retries: net.max_retries,
        initial_backoff_ms: millis(net.initial_backoff),
        max_clock_skew_secs: platform.max_clock_skew.as_secs(),
        draft_max_age_secs: u64::try_from(citykit_core::autofill::DEFAULT_DRAFT_MAX_AGE_SECS).unwrap_or(0),
    }
}

/// Everything the client needs to start. See `citykit_core::ClientConfig`; [`core_defaults`]
/// gives the values a face should offer as defaults.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ClientConfig {
    /// The app's private data directory (the encrypted store lives here).
    pub data_dir: String,
    /// The OpenID provider's issuer URL.
    pub issuer: String,
    /// The app's client id.
    pub client_id: String,
    /// The app's redirect URI (a private-use scheme or claimed https link).
    pub redirect_uri: String,
    /// Scopes; `openid` is added when missing.
    pub scopes: Vec<String>,
    /// The city API base URL; None: from discovery.
    pub api_base: Option<String>,
    /// Extra trusted root certificates (PEM).
    pub extra_root_certificates_pem: Vec<String>,
    /// SPKI pins (base64 SHA-256).
    pub spki_pins: Vec<String>,
    /// Also trust the public web PKI roots (the core's default: `core_defaults().use_public_roots`, false).
    pub use_public_roots: bool,
    /// Whole-request timeout in milliseconds (0: the core's default, `core_defaults().request_timeout_ms`).
    pub request_timeout_ms: u64,
}

impl From<ClientConfig> for citykit_core::ClientConfig {
    fn from(c: ClientConfig) -> Self {
        let mut platform = citykit_core::PlatformConfig::new(c.issuer, c.client_id, c.redirect_uri);
        if !c.scopes.is_empty() {
            platform.scopes = c.scopes;
        }
        platform.api_base = c.api_base;
        let mut net = citykit_core::NetConfig {
            trust: citykit_core::TrustConfig {
                extra_root_certificates_pem: c.extra_root_certificates_pem,
                spki_pins: c.spki_pins,
                use_public_roots: c.use_public_roots,
            },
            ..Default::default()
        };
        if c.request_timeout_ms > 0 {
            net.request_timeout = std::time::Duration::from_millis(c.request_timeout_ms);
        }
        citykit_core::ClientConfig { data_dir: c.data_dir.into(), platform, net }
    }
}

/// A started login.
#[derive(Debug, Clone, uniffi::Record)]
pub struct LoginRequest {
    /// Open it in the system browser or a custom tab (never an embedded web view).
    pub authorization_url: String,
    /// When the login stops being accepted (Unix seconds).
    pub expires_at: i64,
}

/// Person or enterprise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum IdentityKind {
    /// A natural person.
    Person,
    /// An enterprise the person acts for.
    Enterprise,
}

/// Someone requests can be made as.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Identity {
    /// The platform's id.
    pub id: String,
    /// Person or enterprise.
    pub kind: IdentityKind,
    /// Display name (personal data: show it, never log it).
    pub name: String,
    /// For an enterprise: `legal_representative` or `agent`.
    pub role: Option<String>,
    /// For an enterprise: its unified social credit code.
    pub uscc: Option<String>,
}

/// The logged-in person.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Account {
    /// The provider's subject id.
    pub subject: String,
    /// The person's name (personal data).
    pub name: String,
}

/// Who the platform says is calling.
#[derive(Debug, Clone, uniffi::Record)]
pub struct WhoAmI {
    /// The identity requests are made as.
    pub acting_as: Identity,
    /// The logged-in person.
    pub person: Identity,
}

/// The result of a logout.
#[derive(Debug, Clone, uniffi::Record)]
pub struct LogoutOutcome {
    /// Whether someone was logged in.
    pub had_session: bool,
    /// Whether the provider confirmed the revocation (false offline: it is queued).
    pub revoked_at_server: bool,
    /// Queued writes discarded (only when logging out with `discard_unsent`).
    pub discarded_unsent: u32,
}

/// The login state a listener sees.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
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
    /// The platform ended the session: log in again.
    SessionExpired,
}

/// Why the core asks for the person's presence.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum PresencePurpose {
    /// Before acting for an enterprise.
    ActForEnterprise {
        /// The enterprise's id.
        enterprise_id: String,
    },
    /// Before reading the identity's licences from the issuers.
    ReadLicences {
        /// The person or enterprise whose licences are read.
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

impl From<citykit_core::LoginRequest> for LoginRequest {
    fn from(r: citykit_core::LoginRequest) -> Self {
        Self { authorization_url: r.authorization_url, expires_at: r.expires_at }
    }
}

impl From<citykit_core::Identity> for Identity {
    fn from(i: citykit_core::Identity) -> Self {
        Self {
            id: i.id,
            kind: match i.kind {
                citykit_core::IdentityKind::Person => IdentityKind::Person,
                citykit_core::IdentityKind::Enterprise => IdentityKind::Enterprise,
            },
            name: i.name.into_inner(),
            role: i.role,
            uscc: i.uscc,
        }
    }
}

impl From<citykit_core::Account> for Account {
    fn from(a: citykit_core::Account) -> Self {
        Self { subject: a.subject, name: a.name.into_inner() }
    }
}

impl From<citykit_core::WhoAmI> for WhoAmI {
    fn from(w: citykit_core::WhoAmI) -> Self {
        Self { acting_as: w.acting_as.into(), person: w.person.into() }
    }
}

impl From<citykit_core::LogoutOutcome> for LogoutOutcome {
    fn from(o: citykit_core::LogoutOutcome) -> Self {
        Self { had_session: o.had_session, revoked_at_server: o.revoked_at_server, discarded_unsent: o.discarded_unsent }
    }
}

impl From<citykit_core::LoginState> for LoginState {
    fn from(s: citykit_core::LoginState) -> Self {
        match s {
            citykit_core::LoginState::LoggedOut => Self::LoggedOut,
            citykit_core::LoginState::LoggedIn { subject, acting_for } => Self::LoggedIn { subject, acting_for },
            citykit_core::LoginState::SessionExpired => Self::SessionExpired,
        }
    }
}

impl From<&citykit_core::PresencePurpose> for PresencePurpose {
    fn from(p: &citykit_core::PresencePurpose) -> Self {
        match p {
            citykit_core::PresencePurpose::ActForEnterprise { enterprise_id } => {
                Self::ActForEnterprise { enterprise_id: enterprise_id.clone() }
            }
            citykit_core::PresencePurpose::ReadLicences { holder_id } => Self::ReadLicences { holder_id: holder_id.clone() },
            citykit_core::PresencePurpose::FillForm { item_id, claims } => {
                Self::FillForm { item_id: item_id.clone(), claims: claims.clone() }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_the_cores() {
        let defaults = core_defaults();
        let net = citykit_core::NetConfig::default();
        assert_eq!(defaults.use_public_roots, net.trust.use_public_roots);
        assert!(!defaults.use_public_roots, "the core trusts only the platform's roots by default");
        assert_eq!(defaults.request_timeout_ms, net.request_timeout.as_millis() as u64);
        assert_eq!(defaults.scopes, citykit_core::PlatformConfig::new("", "", "").scopes);
        assert_eq!(defaults.draft_max_age_secs as i64, citykit_core::autofill::DEFAULT_DRAFT_MAX_AGE_SECS);
    }
}
