//! The simulated city platform: an OpenID provider with PAR, PKCE and DPoP, the city API, the
//! licence-issuing offices (SD-JWT VC licences and Token Status Lists), the service catalogue and
//! cases (秒批, 会签, 好差评), and the `/sim/*` control endpoints, served over HTTPS on loopback
//! with a throw-away test CA.
//! The HTTP contract is `docs/platform-api.md`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), citykit_sim::server::SimError> {
//! use citykit_sim::server::{SimConfig, Simulator};
//! let sim = Simulator::start(SimConfig::default()).await?;
//! println!("issuer {} trusting {}", sim.issuer(), sim.ca_cert_path().display());
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

mod calendar;
mod case_routes;
mod cases;
pub mod catalogue;
mod jose;
mod licences;
mod presentation;
mod routes;
mod state;
pub mod tls;
pub mod web;

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::fixtures::{FixtureError, Fixtures};
pub use catalogue::{service_catalogue, ServiceCatalogue, ServiceItem};
pub use licences::{
    licence_offices, LicenceOffice, LICENCE_OFFICES, VCT_BIRTH_MEDICAL_CERTIFICATE, VCT_BUSINESS_LICENCE, VCT_DRIVING_LICENCE,
    VCT_HOUSEHOLD_REGISTER, VCT_MARRIAGE_CERTIFICATE, VCT_REAL_ESTATE_CERTIFICATE, VCT_RESIDENT_ID_CARD, VCT_SOCIAL_SECURITY_CARD,
    VCT_VEHICLE_REGISTRATION,
};
pub use routes::ACTING_FOR_HEADER;
use state::Shared;

/// A client registered at the simulated provider (public client, no authentication).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisteredClient {
    /// The `client_id`.
    pub client_id: String,
    /// Redirect URIs, compared by exact string match.
    pub redirect_uris: Vec<String>,
}

impl RegisteredClient {
    /// The demo app's registration: `citykit-demo` with `org.citykit.demo:/oauth2redirect`.
    pub fn demo() -> RegisteredClient {
        RegisteredClient { client_id: DEMO_CLIENT_ID.to_owned(), redirect_uris: vec![DEMO_REDIRECT_URI.to_owned()] }
    }
}

/// The default client id.
pub const DEMO_CLIENT_ID: &str = "citykit-demo";
/// The default client's redirect URI.
pub const DEMO_REDIRECT_URI: &str = "org.citykit.demo:/oauth2redirect";

/// How to run the simulator.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// TCP port on 127.0.0.1; 0 picks any free port.
    pub port: u16,
    /// Lifetime of access tokens (default 300 s).
    pub access_token_ttl: Duration,
    /// Lifetime of authorization codes (default 60 s).
    pub code_ttl: Duration,
    /// Non-interactive test mode: `GET /authorize?...&test_user=<citizen id>` signs in at once
    /// (default true). When false, that shortcut is refused and only the sign-in page's form
    /// (`POST /authorize`) signs in.
    pub test_mode: bool,
    /// Registered clients (default: [`RegisteredClient::demo`]).
    pub clients: Vec<RegisteredClient>,
    /// Where `ca.pem` is written; `None` = a temporary directory owned by the handle.
    pub state_dir: Option<PathBuf>,
    /// Validity (`exp - nbf`) of the licences `GET /api/v1/licences` issues (default 365 days).
    pub licence_ttl: Duration,
    /// How long after issuance those licences become valid (`nbf - iat`, default 0: at once),
    /// e.g. a licence renewed ahead of the old one's expiry.
    pub licence_not_before_delay: Duration,
    /// Demand server-provided DPoP nonces (RFC 9449 §8, §9) at the token endpoint and the
    /// resource servers, as FAPI 2.0 providers may (default false); see [`DpopNonceMode`].
    pub require_dpop_nonce: bool,
    /// Days before a 容缺 pledge's deadline at which the applicant's inbox gets a reminder, on
    /// the case clock (default 3 and 1).
    pub pledge_reminder_days: Vec<u32>,
    /// The largest encrypted push body that carries its inbox item itself; a notice that would
    /// make a larger one is sent by reference (its kind and inbox id) and the device fetches it
    /// from `GET /api/v1/inbox/{id}` (default 4096: push services take at least that, RFC 8030
    /// §7.2).
    pub push_inline_limit: usize,
    /// A directory the simulator also serves as a web page's origin: a second HTTPS listener
    /// (same CA, [`SimConfig::web_port`]) with these static files and `citykit-config.json`;
    /// the client `citykit-web` is registered with that origin's `/` as its redirect URI and
    /// the platform answers CORS for it (default none). See `web.rs`.
    pub web_root: Option<PathBuf>,
    /// The web page listener's port on 127.0.0.1 (0: any free port).
    pub web_port: u16,
    /// Further origins (`https://host:port`) the platform answers CORS for, besides the web
    /// page's own.
    pub web_origins: Vec<String>,
}

/// What the provider kept of a pushed authorization request (see [`SimHandle::pushed_request`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedRequest {
    /// The requested scope, as sent.
    pub scope: String,
    /// The optional parameters: `prompt`, `ui_locales`, `acr_values`, `max_age`, `login_hint`.
    pub other: BTreeMap<String, String>,
}

/// Whether the simulator demands server-provided DPoP nonces in proofs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DpopNonceMode {
    /// Proofs need no nonce (and a nonce in one is ignored).
    #[default]
    Off,
    /// Every proof must carry the current nonce (or the one before it). A proof without it is
    /// answered `400 use_dpop_nonce` at the token endpoint and `401` with
    /// `WWW-Authenticate: DPoP error="use_dpop_nonce"` at the API, each with a `DPoP-Nonce`
    /// header; every answer carries the current nonce in `DPoP-Nonce`.
    Required,
    /// A broken server: every proof is answered `use_dpop_nonce`, whatever nonce it carries
    /// (a client must not loop).
    RejectAll,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            port: 0,
            access_token_ttl: Duration::from_secs(300),
            code_ttl: Duration::from_secs(60),
            test_mode: true,
            clients: vec![RegisteredClient::demo()],
            state_dir: None,
            licence_ttl: Duration::from_secs(365 * 24 * 3600),
            licence_not_before_delay: Duration::ZERO,
            require_dpop_nonce: false,
            pledge_reminder_days: vec![3, 1],
            push_inline_limit: 4096,
            web_root: None,
            web_port: 0,
            web_origins: Vec::new(),
        }
    }
}

/// Why the simulator could not start or act.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The fixture data is broken.
    #[error(transparent)]
    Fixtures(#[from] FixtureError),
    /// Binding the port, writing `ca.pem`, ...
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// Certificate or TLS configuration failure.
    #[error("{0}")]
    Tls(String),
    /// Key generation or another internal failure.
    #[error("internal error: {0}")]
    Internal(String),
    /// An HTTP exchange made by the handle (e.g. [`SimHandle::authorize_as`]) failed.
    #[error("HTTP error: {0}")]
    Http(String),
    /// The holder has no licence of that type (or the holder is unknown).
    #[error("no such licence")]
    NoSuchLicence,
    /// A case operation was refused; the documented error code (e.g. `case_not_in_review`).
    #[error("case operation refused: {0}")]
    Case(String),
    /// A holder key is not a public EC P-256 JWK.
    #[error("the holder key is not a public EC P-256 JWK")]
    InvalidHolderKey,
}

/// When a licence issued by [`SimHandle::issue_licence`] is valid, as offsets from now
/// (negative allowed): `nbf = now + not_before_offset_secs`, `exp = now + expires_in_secs`,
/// `iat = min(now, nbf)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LicenceValidity {
    /// Seconds from now to `nbf`.
    pub not_before_offset_secs: i64,
    /// Seconds from now to `exp`.
    pub expires_in_secs: i64,
}

impl Default for LicenceValidity {
    /// Valid from now for 365 days.
    fn default() -> Self {
        LicenceValidity { not_before_offset_secs: 0, expires_in_secs: 365 * 24 * 3600 }
    }
}

/// A fault to inject; see `POST /sim/faults`. Faults add up and stay until cleared, except
/// `FailNext`, which is used up after `count` requests. [`Fault::to_json`] gives the wire form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// The next `count` requests to exactly `path` (any method) answer `status` without
    /// reaching the handler.
    FailNext {
        /// Exact request path, e.g. `/userinfo`.
        path: String,
        /// HTTP status to answer.
        status: u16,
        /// How many requests.
        count: u32,
    },
    /// Every request to exactly `path` waits `millis` before it is handled.
    Delay {
        /// Exact request path.
        path: String,
        /// Milliseconds.
        millis: u64,
    },
    /// ID tokens issued from now on are broken this way.
    IdToken(IdTokenFault),
    /// Authorizations end with `error=access_denied` instead of a code.
    DenyAuthorization,
    /// `/userinfo` names another subject than the access token's (a mixed-up provider).
    WrongUserinfoSubject,
    /// The next `count` requests to exactly `path` are handled, then answered with `502`
    /// instead of their answer (a lost answer: the client cannot tell whether it happened).
    LoseResponse {
        /// Exact request path, e.g. `/api/v1/cases`.
        path: String,
        /// How many requests.
        count: u32,
    },
    /// The next `count` requests to exactly `path` (any method) answer `status` with the
    /// platform's error body `{"error": error}` and, when given, a `Retry-After` header sent
    /// as is (delta-seconds or an HTTP-date), without reaching the handler: a throttle
    /// (`429`/`503` + `Retry-After`) or a definite refusal (a `4xx` with an error code).
    Answer {
        /// Exact request path.
        path: String,
        /// HTTP status to answer.
        status: u16,
        /// The `error` code of the body.
        error: String,
        /// The `Retry-After` header's value.
        retry_after: Option<String>,
        /// How many requests.
        count: u32,
    },
}

impl Fault {
    /// The JSON body of `POST /sim/faults` that sets this fault.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Fault::FailNext { path, status, count } => {
                serde_json::json!({"fail_next": {"path": path, "status": status, "count": count}})
            }
            Fault::Delay { path, millis } => {
                serde_json::json!({"delay": {"path": path, "millis": millis}})
            }
            Fault::IdToken(f) => serde_json::json!({"id_token": f.as_str()}),
            Fault::DenyAuthorization => serde_json::json!({"deny_authorization": true}),
            Fault::WrongUserinfoSubject => serde_json::json!({"wrong_userinfo_subject": true}),
            Fault::LoseResponse { path, count } => {
                serde_json::json!({"lose_response": {"path": path, "count": count}})
            }
            Fault::Answer { path, status, error, retry_after, count } => serde_json::json!({"answer": {
                "path": path, "status": status, "error": error, "retry_after": retry_after, "count": count
            }}),
        }
    }
}

/// Ways to break an ID token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdTokenFault {
    /// One bit of the signature is flipped after signing.
    TamperSignature,
    /// `aud` names another client.
    WrongAudience,
    /// `iat` and `exp` lie an hour in the past.
    Expired,
    /// `nonce` is not the one sent at PAR.
    WrongNonce,
    /// `iss` is not the issuer.
    WrongIssuer,
}

impl IdTokenFault {
    /// The wire name, e.g. `tamper_signature`.
    pub fn as_str(self) -> &'static str {
        match self {
            IdTokenFault::TamperSignature => "tamper_signature",
            IdTokenFault::WrongAudience => "wrong_audience",
            IdTokenFault::Expired => "expired",
            IdTokenFault::WrongNonce => "wrong_nonce",
            IdTokenFault::WrongIssuer => "wrong_issuer",
        }
    }
}

/// Counters, as served by `GET /sim/stats`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimStats {
    /// Requests per path (no query), counting every request that reached the router,
    /// including failed, faulted and unknown-path ones.
    pub requests: BTreeMap<String, u64>,
    /// Token requests with `grant_type=refresh_token` (attempts, successful or not).
    pub refresh_grants: u64,
    /// Token families revoked (refresh-token reuse, code replay, or revocation of a refresh
    /// token); a family is counted once.
    pub family_revocations: u64,
    /// Proofs answered `use_dpop_nonce` (no nonce, a stale one, or [`DpopNonceMode::RejectAll`]).
    #[serde(default)]
    pub dpop_nonce_challenges: u64,
    /// Licence copies issued by `POST /api/v1/licences/batch` (one per proof and licence).
    #[serde(default)]
    pub licence_copies_issued: u64,
}

impl SimStats {
    /// Requests counted for `path`.
    pub fn requests_to(&self, path: &str) -> u64 {
        self.requests.get(path).copied().unwrap_or(0)
    }
}

/// A request as the platform received it (see [`SimHandle::record_requests`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// The method.
    pub method: String,
    /// The path and query.
    pub uri: String,
    /// Every header, as text (lossy).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// Everything the request carried, as one text to search.
    pub fn as_text(&self) -> String {
        let headers: Vec<String> = self.headers.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        format!("{} {}\n{}\n\n{}", self.method, self.uri, headers.join("\n"), String::from_utf8_lossy(&self.body))
    }
}

/// A case as `GET /sim/cases` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimCase {
    /// Case id, e.g. `C20261123-000001`.
    pub id: String,
    /// The service item.
    pub item_id: String,
    /// The identity that applied (citizen or enterprise id).
    pub applicant: String,
    /// `approved`, `in_review`, `awaiting_signatures`, `declined`, `expired` or `rejected`.
    pub status: String,
    /// Every `Idempotency-Key` of a successful write to the case, oldest first.
    pub idempotency_keys: Vec<String>,
}

/// Good and bad ratings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingCounts {
    /// 好评.
    pub good: u64,
    /// 差评.
    pub bad: u64,
}

/// The ratings (好差评) as `GET /sim/ratings` reports them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingStats {
    /// By office id.
    pub by_office: BTreeMap<String, RatingCounts>,
    /// By item id.
    pub by_item: BTreeMap<String, RatingCounts>,
    /// Ratings that came with a comment.
    pub comments: u64,
}

/// The `n`-th working day after `date` (`YYYY-MM-DD`), counting weekends, China's public
/// holidays and make-up working days as the simulator does for due dates; `None` if `date` is
/// not a date or the holiday table is broken.
pub fn add_working_days(date: &str, n: u32) -> Option<String> {
    let cal = calendar::WorkCalendar::load().ok()?;
    let day = calendar::parse_date(date)?;
    Some(calendar::format_date(cal.add_working_days(day, n)))
}

/// `date` (`YYYY-MM-DD`) plus `n` calendar days; `None` if `date` is not a date.
pub fn add_days(date: &str, n: i64) -> Option<String> {
    calendar::parse_date(date).map(|d| calendar::format_date(d + n))
}

/// Starts simulators.
pub struct Simulator;

impl Simulator {
    /// Generates the CA, leaf certificate and signing key, binds 127.0.0.1, writes `ca.pem` and
    /// starts serving in the background on the current tokio runtime.
    pub async fn start(config: SimConfig) -> Result<SimHandle, SimError> {
        let fixtures = Fixtures::load()?;
        let material = tls::generate()?;
        let signer = jose::IdTokenSigner::generate().ok_or_else(|| SimError::Internal("signing key generation failed".into()))?;
        let office_keys = LICENCE_OFFICES
            .iter()
            .map(|_| jose::IdTokenSigner::generate())
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| SimError::Internal("office key generation failed".into()))?;
        let envelope_key =
            jose::IdTokenSigner::generate_named("envelope").ok_or_else(|| SimError::Internal("envelope key generation failed".into()))?;
        let push_key =
            jose::IdTokenSigner::generate_named("push").ok_or_else(|| SimError::Internal("push key generation failed".into()))?;
        let catalogue = licences::Catalogue::build(&fixtures)
            .map_err(|e| SimError::Fixtures(FixtureError::Invalid(format!("licence catalogue: {e}"))))?;
        let invalid = |e: String| SimError::Fixtures(FixtureError::Invalid(e));
        let services = catalogue::service_catalogue().map_err(invalid)?;
        catalogue::validate(services, &catalogue).map_err(|e| invalid(format!("service catalogue: {e}")))?;
        let services = state::Services {
            catalogue: services,
            served: catalogue::serve(services).map_err(invalid)?,
            calendar: calendar::WorkCalendar::load().map_err(invalid)?,
        };

        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, config.port))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let issuer = format!("https://127.0.0.1:{}", addr.port());

        let (temp_dir, dir) = match &config.state_dir {
            Some(dir) => (None, dir.clone()),
            None => {
                let t = tempfile::Builder::new().prefix("citykit-sim-").tempdir()?;
                let p = t.path().to_path_buf();
                (Some(t), p)
            }
        };
        tokio::fs::create_dir_all(&dir).await?;
        let ca_path = dir.join("ca.pem");
        tokio::fs::write(&ca_path, material.ca_pem.as_bytes()).await?;

        let mut config = config;
        let web = match config.web_root.clone() {
            Some(root) => {
                let web_listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, config.web_port))?;
                web_listener.set_nonblocking(true)?;
                let web_origin = format!("https://127.0.0.1:{}", web_listener.local_addr()?.port());
                config
                    .clients
                    .push(RegisteredClient { client_id: web::WEB_CLIENT_ID.to_owned(), redirect_uris: vec![format!("{web_origin}/")] });
                config.web_origins.push(web_origin.clone());
                Some((web_listener, web::router(root, &issuer, &web_origin), web_origin))
            }
            None => None,
        };

        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls::client_config(&material.ca_der)?)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| SimError::Http(e.to_string()))?;

        let shared = Arc::new(Shared::new(
            issuer,
            config,
            fixtures,
            state::SigningKeys { signer, office_keys, envelope_key, push_key },
            catalogue,
            services,
        ));
        let router = routes::router(shared.clone());
        let server_handle = axum_server::Handle::new();
        let rustls_config = axum_server::tls_rustls::RustlsConfig::from_config(material.server_config.clone());
        let server = axum_server::from_tcp_rustls(listener, rustls_config).handle(server_handle.clone());
        let web_origin = web.as_ref().map(|(_, _, origin)| origin.clone());
        let web_server = match web {
            Some((web_listener, web_router, _)) => {
                let web_tls = axum_server::tls_rustls::RustlsConfig::from_config(material.server_config.clone());
                Some((axum_server::from_tcp_rustls(web_listener, web_tls).handle(server_handle.clone()), web_router))
            }
            None => None,
        };
        let task = tokio::spawn(async move {
            let platform = server.serve(router.into_make_service());
            let result = match web_server {
                Some((web_server, web_router)) => {
                    let page = web_server.serve(web_router.into_make_service());
                    tokio::try_join!(platform, page).map(|_| ())
                }
                None => platform.await,
            };
            if let Err(e) = result {
                tracing::error!(error = %e, "simulator server stopped with an error");
            }
        });
        tracing::debug!(port = addr.port(), "simulator listening");

        Ok(SimHandle {
            shared,
            addr,
            ca_pem: material.ca_pem,
            ca_der: material.ca_der,
            leaf_der: material.leaf_der,
            ca_path,
            spki_pin: material.spki_pin,
            server_handle,
            task: Some(task),
            client,
            web_origin,
            _temp_dir: temp_dir,
        })
    }
}

/// Starts a simulator, calls `on_ready` (where the CLI prints the issuer and CA path), and
/// serves until Ctrl-C. Prints nothing itself.
pub async fn serve_forever<F>(config: SimConfig, on_ready: F) -> Result<(), SimError>
where
    F: FnOnce(&SimHandle),
{
    let handle = Simulator::start(config).await?;
    on_ready(&handle);
    let waited = tokio::signal::ctrl_c().await;
    handle.shutdown().await;
    waited.map_err(SimError::Io)
}

/// A running simulator. Dropping it stops the server (abruptly); prefer [`SimHandle::shutdown`].
pub struct SimHandle {
    shared: Arc<Shared>,
    addr: SocketAddr,
    ca_pem: String,
    ca_der: rustls::pki_types::CertificateDer<'static>,
    leaf_der: rustls::pki_types::CertificateDer<'static>,
    ca_path: PathBuf,
    spki_pin: String,
    server_handle: axum_server::Handle,
    task: Option<tokio::task::JoinHandle<()>>,
    client: reqwest::Client,
    web_origin: Option<String>,
    _temp_dir: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for SimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimHandle").field("addr", &self.addr).finish_non_exhaustive()
    }
}

impl SimHandle {
    /// The issuer and base URL, `https://127.0.0.1:PORT`.
    pub fn issuer(&self) -> String {
        self.shared.issuer.clone()
    }

    /// The city API base, `{issuer}/api/v1`.
    pub fn api_base(&self) -> String {
        format!("{}/api/v1", self.shared.issuer)
    }

    /// The socket address served.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The test CA certificate, PEM.
    pub fn ca_cert_pem(&self) -> String {
        self.ca_pem.clone()
    }

    /// The test CA certificate, DER.
    pub fn ca_cert_der(&self) -> Vec<u8> {
        self.ca_der.to_vec()
    }

    /// The server's leaf certificate, DER.
    pub fn leaf_cert_der(&self) -> Vec<u8> {
        self.leaf_der.to_vec()
    }

    /// The web page's origin (`https://127.0.0.1:PORT`) when [`SimConfig::web_root`] is set.
    pub fn web_url(&self) -> Option<String> {
        self.web_origin.clone()
    }

    /// Where `ca.pem` was written.
    pub fn ca_cert_path(&self) -> PathBuf {
        self.ca_path.clone()
    }

    /// base64 (standard, padded) SHA-256 of the leaf certificate's SubjectPublicKeyInfo DER.
    pub fn spki_pin(&self) -> String {
        self.spki_pin.clone()
    }

    /// The fixture data the simulator serves.
    pub fn fixtures(&self) -> &Fixtures {
        &self.shared.fixtures
    }

    /// A rustls client configuration (ring provider) that trusts only the simulator's CA.
    pub fn rustls_client_config(&self) -> Result<rustls::ClientConfig, SimError> {
        tls::client_config(&self.ca_der)
    }

    /// A reqwest client that trusts only the simulator's CA and follows no redirects.
    pub fn http_client(&self) -> reqwest::Client {
        self.client.clone()
    }

    /// Injects a fault, as `POST /sim/faults` does.
    pub fn set_fault(&self, fault: Fault) {
        self.shared.set_fault(fault);
    }

    /// Clears all faults, as `DELETE /sim/faults` does.
    pub fn clear_faults(&self) {
        self.shared.clear_faults();
    }

    /// Starts or stops demanding DPoP nonces, as `POST /sim/dpop-nonce {"mode": …}` does.
    pub fn set_dpop_nonce_mode(&self, mode: DpopNonceMode) {
        self.shared.set_dpop_nonce_mode(mode);
    }

    /// Issues a new DPoP nonce (the previous one stays accepted, older ones stop being), as
    /// `POST /sim/dpop-nonce {"rotate": true}` does.
    pub fn rotate_dpop_nonce(&self) {
        self.shared.rotate_dpop_nonce();
    }

    /// The scope and the optional parameters (`prompt`, `ui_locales`, …) of a pushed
    /// authorization request that has not been used yet, by the authorization URL that names it.
    pub fn pushed_request(&self, authorization_url: &str) -> Option<PushedRequest> {
        let url = url::Url::parse(authorization_url).ok()?;
        let get = |name: &str| url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
        let entry = self.shared.peek_par(&get("client_id")?, &get("request_uri")?).ok()?;
        Some(PushedRequest { scope: entry.scope, other: entry.other })
    }

    /// Makes every access token issued so far expired.
    pub fn expire_access_tokens(&self) {
        self.shared.expire_access_tokens();
    }

    /// The counters.
    pub fn stats(&self) -> SimStats {
        self.shared.stats()
    }

    /// Keeps every request the platform receives from now on (method, path with query, headers,
    /// body), for tests that check what a device sends.
    pub fn record_requests(&self) {
        self.shared.start_recording();
    }

    /// The requests kept since [`Self::record_requests`].
    pub fn recorded_requests(&self) -> Vec<RecordedRequest> {
        self.shared.recorded()
    }

    /// The licence-issuing offices (same as [`LICENCE_OFFICES`]).
    pub fn licence_offices() -> &'static [LicenceOffice] {
        LICENCE_OFFICES
    }

    /// The issuer identifier of an office, `{issuer}/issuers/{office}`.
    pub fn licence_issuer(&self, office: &str) -> Option<String> {
        licences::office_index(office).and_then(|i| self.shared.office_issuer(i))
    }

    /// The public keys of an office, `{"keys": [ES256 JWK with kid]}`, as in its issuer
    /// metadata.
    pub fn issuer_jwks(&self, office: &str) -> Option<serde_json::Value> {
        licences::office_index(office).and_then(|i| self.shared.office_jwks(i))
    }

    /// The licence types (`vct`) the holder (citizen or enterprise id) has, in the order
    /// `GET /api/v1/licences` issues them (result licences of approved cases last).
    pub fn licence_types(&self, holder: &str) -> Vec<&'static str> {
        let mut types: Vec<&'static str> = self.shared.catalogue.of_holder(holder).map(|r| r.vct).collect();
        types.extend(self.shared.result_records(holder).iter().map(|r| r.vct));
        types
    }

    /// Issues the holder's licence of type `vct` (as `GET /api/v1/licences` would, same status
    /// index), bound to `holder_jwk` (a public EC P-256 JWK), valid as `validity` says.
    pub fn issue_licence(
        &self,
        holder: &str,
        vct: &str,
        holder_jwk: serde_json::Value,
        validity: LicenceValidity,
    ) -> Result<String, SimError> {
        let record = self.shared.catalogue.find(holder, vct).ok_or(SimError::NoSuchLicence)?;
        let jwk = jose::public_p256_jwk(&holder_jwk).ok_or(SimError::InvalidHolderKey)?;
        let now = state::unix_now();
        let nbf = now.saturating_add(validity.not_before_offset_secs);
        let times = licences::Times { iat: now.min(nbf), nbf, exp: now.saturating_add(validity.expires_in_secs) };
        self.shared.issue_licence(record, &jwk, times).ok_or_else(|| SimError::Internal("no key for the office".into()))
    }

    /// Revokes the holder's licence of type `vct`, as `POST /sim/revoke` does: its bit in the
    /// office's status list becomes 1.
    pub fn revoke_licence(&self, holder: &str, vct: &str) -> Result<(), SimError> {
        if self.shared.revoke_licence(holder, vct) {
            Ok(())
        } else {
            Err(SimError::NoSuchLicence)
        }
    }

    /// The service catalogue served at `GET /api/v1/catalogue`.
    pub fn service_catalogue(&self) -> &'static ServiceCatalogue {
        self.shared.services
    }

    /// The service item with this id.
    pub fn catalogue_item(&self, id: &str) -> Option<&'static ServiceItem> {
        self.shared.services.item(id)
    }

    /// The window's decision on an `in_review` case, as `POST /sim/cases/{id}/decide` makes it:
    /// approval issues the result licence. Returns the case as its applicant sees it.
    pub fn decide_case(&self, case_id: &str, approve: bool, note: Option<&str>) -> Result<serde_json::Value, SimError> {
        let (status, body) = self.shared.decide(case_id, approve, note);
        if status == 200 {
            Ok(body)
        } else {
            Err(SimError::Case(body["error"].as_str().unwrap_or("refused").to_owned()))
        }
    }

    /// The window's decision on the material in a received envelope, as
    /// `POST /sim/envelopes/{id}/material` makes it: accepted, or rejected with `reason`.
    pub fn decide_material(&self, envelope_id: &str, accept: bool, reason: Option<&str>) -> Result<serde_json::Value, SimError> {
        let body = serde_json::json!({"decision": if accept { "accept" } else { "reject" }, "reason": reason});
        let (status, body) = self.shared.sim_material(envelope_id, body.to_string().as_bytes());
        if status == 200 {
            Ok(body)
        } else {
            Err(SimError::Case(body["error"].as_str().unwrap_or("refused").to_owned()))
        }
    }

    /// Takes the push bodies queued at the simulated carrier for `endpoint`, oldest first, as
    /// `POST /sim/push/take` does (a phone's shell receiving them).
    pub fn take_pushes(&self, endpoint: &str) -> Vec<Vec<u8>> {
        let (_, body) = self.shared.sim_push_take(serde_json::json!({"endpoint": endpoint}).to_string().as_bytes());
        body["bodies"].as_array().map(|a| a.iter().filter_map(|b| b.as_str().and_then(jose::b64u_decode)).collect()).unwrap_or_default()
    }

    /// The endpoints of every registered push subscription.
    pub fn push_endpoints(&self) -> Vec<String> {
        self.shared.push_endpoints()
    }

    /// Revokes an envelope, as `POST /sim/envelopes/{id}/revoke` does.
    pub fn revoke_envelope(&self, envelope_id: &str) -> Result<(), SimError> {
        match self.shared.sim_revoke_envelope(envelope_id) {
            (200, _) => Ok(()),
            (_, body) => Err(SimError::Case(body["error"].as_str().unwrap_or("refused").to_owned())),
        }
    }

    /// Publishes the anonymous next-step statistics, as `POST /sim/next-steps` does (counts
    /// under 20 people are refused).
    pub fn publish_next_steps(&self, stats: &citykit_core::recommend::NextStepStats) -> Result<(), SimError> {
        let body = serde_json::to_vec(stats).map_err(|e| SimError::Internal(e.to_string()))?;
        match self.shared.sim_set_next_steps(&body) {
            (200, _) => Ok(()),
            (_, body) => Err(SimError::Case(body["error"].as_str().unwrap_or("refused").to_owned())),
        }
    }

    /// Publishes a policy campaign and broadcasts its notice to every identity, as
    /// `POST /sim/campaigns` does.
    pub fn publish_campaign(&self, campaign: &serde_json::Value) -> Result<(), SimError> {
        match self.shared.sim_publish_campaign(campaign.to_string().as_bytes()) {
            (201, _) => Ok(()),
            (_, body) => Err(SimError::Case(body["error"].as_str().unwrap_or("refused").to_owned())),
        }
    }

    /// The persons on the dishonesty list (broken pledges), as `GET /sim/dishonesty-list`.
    pub fn dishonest_persons(&self) -> Vec<String> {
        let list = self.shared.sim_dishonesty_list();
        list["persons"].as_array().map(|a| a.iter().filter_map(|p| p.as_str().map(str::to_owned)).collect()).unwrap_or_default()
    }

    /// Moves the simulator's case clock forward by `days` (deadlines, due dates, expiry), as
    /// `POST /sim/clock` does. Returns the case clock's date (China time), `YYYY-MM-DD`.
    pub fn advance_clock_days(&self, days: u32) -> String {
        self.shared.advance_clock(i64::from(days)).1
    }

    /// Today on the case clock (China time), `YYYY-MM-DD`.
    pub fn case_today(&self) -> String {
        self.shared.clock()["today"].as_str().unwrap_or_default().to_owned()
    }

    /// Every case with its idempotency keys, as `GET /sim/cases` lists them.
    pub fn cases(&self) -> Vec<SimCase> {
        self.shared.sim_cases()
    }

    /// The ratings, as `GET /sim/ratings` reports them.
    pub fn ratings(&self) -> RatingStats {
        self.shared.sim_ratings()
    }

    /// Acts as the browser in test mode: GETs `authorization_url` with `test_user=citizen_id`
    /// added, follows no redirect, and returns the `Location` it answers (the redirect URI with
    /// `code`, `state` and `iss`, or with `error`).
    pub async fn authorize_as(&self, authorization_url: &str, citizen_id: &str) -> Result<String, SimError> {
        let mut url = url::Url::parse(authorization_url).map_err(|_| SimError::Http("authorization URL does not parse".into()))?;
        url.query_pairs_mut().append_pair("test_user", citizen_id);
        let response = self.client.get(url).send().await.map_err(|e| SimError::Http(format!("authorization request failed: {e}")))?;
        let status = response.status();
        if !status.is_redirection() {
            return Err(SimError::Http(format!("authorization answered {status}, not a redirect")));
        }
        response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .ok_or_else(|| SimError::Http("authorization redirect has no Location".into()))
    }

    /// Stops accepting connections, lets open requests finish (up to a second) and waits for
    /// the server task.
    pub async fn shutdown(mut self) {
        self.server_handle.graceful_shutdown(Some(Duration::from_secs(1)));
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        if self.task.is_some() {
            self.server_handle.shutdown();
        }
    }
}
