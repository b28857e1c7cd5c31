//! `citykit-sim client …`: each capability of the public core API as its own subcommand.
//!
//! State lives in `--data-dir` (the encrypted store, opened with `--passphrase`), so a login
//! started by one invocation is completed by the next. Every result prints as text, or as JSON
//! with `--json`; errors print their stable code (`{"error": {"code": …}}` with `--json`) and
//! exit with status 1.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use citykit_core::store::{KeyProvider, STORE_ID};
use citykit_core::{
    CityKitError, Client, ClientConfig, IdentityKind, Language, NetConfig, PassphraseKeyProvider, PlatformConfig,
    TrustConfig,
};
use serde_json::{json, Value};

/// Settings shared by every client subcommand; each is also read from a `CITYKIT_*` variable.
#[derive(Debug, clap::Args)]
pub struct ClientArgs {
    /// The app data directory (holds the encrypted store).
    #[arg(long, env = "CITYKIT_DATA_DIR", default_value = "citykit-data", global = true)]
    data_dir: PathBuf,
    /// The store passphrase (PBKDF2-HMAC-SHA256, see README "Opening the store yourself").
    #[arg(long, env = "CITYKIT_PASSPHRASE", global = true, hide_env_values = true)]
    passphrase: Option<String>,
    /// The OpenID provider's issuer URL (the platform); discovery is fetched from it.
    #[arg(long, env = "CITYKIT_ISSUER", global = true)]
    issuer: Option<String>,
    /// This app's client id at the provider.
    #[arg(long, env = "CITYKIT_CLIENT_ID", default_value = "citykit-demo", global = true)]
    client_id: String,
    /// This app's redirect URI.
    #[arg(long, env = "CITYKIT_REDIRECT_URI", default_value = "org.citykit.demo:/oauth2redirect", global = true)]
    redirect_uri: String,
    /// A scope to request (repeat the flag; `openid` is always included).
    #[arg(long = "scope", default_values = ["openid", "profile"], global = true)]
    scopes: Vec<String>,
    /// The city API base URL (default: from discovery, else {issuer}/api/v1).
    #[arg(long, env = "CITYKIT_API_BASE", global = true)]
    api_base: Option<String>,
    /// A root certificate (PEM) to trust, e.g. the simulator's ca.pem (repeatable).
    #[arg(long = "ca-file", env = "CITYKIT_CA_FILE", global = true)]
    ca_files: Vec<PathBuf>,
    /// An SPKI pin: base64 SHA-256 of a SubjectPublicKeyInfo in the server's chain (repeatable).
    #[arg(long = "pin", global = true)]
    pins: Vec<String>,
    /// Also trust the public web PKI roots.
    #[arg(long, global = true)]
    public_roots: bool,
    /// Whole-request timeout in seconds.
    #[arg(long, default_value_t = 30, global = true)]
    timeout: u64,
    /// Print results (and errors) as JSON.
    #[arg(long, global = true)]
    json: bool,
    /// Language of error messages.
    #[arg(long, value_parser = ["en", "zh"], default_value = "en", global = true)]
    lang: String,
    #[command(subcommand)]
    op: Op,
}

#[derive(Debug, clap::Subcommand)]
enum Op {
    /// Start a login: prints the authorization URL to open in a browser.
    LoginStart,
    /// Finish a login with the redirect URL the browser was sent to.
    LoginComplete {
        /// The full redirect URL (with code, state and iss).
        redirect_url: String,
    },
    /// Ask the platform who it thinks is calling.
    Whoami,
    /// List the identities this person may act as (themself and enterprises).
    Identities,
    /// Act as another identity from `identities` (an enterprise id, or the person's own id).
    Switch {
        /// The identity id.
        id: String,
    },
    /// Refresh the tokens now (rotating the refresh token).
    Refresh,
    /// What is saved locally, without the network.
    Status,
    /// Revoke the session at the platform and wipe tokens and personal data.
    Logout,
    /// Read the current identity's licences from the issuers (asks for consent) and keep them.
    LicenceFetch,
    /// List the current identity's licences (offline; no claim values).
    Licences,
    /// Show one licence with its claims.
    Licence {
        /// The licence id (from `licences`).
        id: String,
    },
    /// Re-check every licence's status with fresh status lists.
    LicenceStatus,
    /// Remove a licence from the wallet.
    LicenceRemove {
        /// The licence id.
        id: String,
    },
    /// Show a licence (亮证): print the presentation text a QR code carries.
    Present {
        /// The licence id.
        id: String,
        /// Claims to disclose, comma-separated (e.g. name,age_over_18).
        #[arg(long, value_delimiter = ',', required = true)]
        claims: Vec<String>,
        /// Who the presentation is for (the verifier's audience).
        #[arg(long)]
        audience: String,
        /// The verifier's nonce (default: a fresh random one).
        #[arg(long)]
        nonce: Option<String>,
        /// Seconds the verifier accepts it (at most 60).
        #[arg(long, default_value_t = 60)]
        lifetime: i64,
        /// Also write the QR code as PNG to this file.
        #[arg(long)]
        qr_png: Option<PathBuf>,
        /// Also write the QR code as SVG to this file.
        #[arg(long)]
        qr_svg: Option<PathBuf>,
    },
    /// Verifier mode: check a presentation against trusted issuers (offline).
    Verify {
        /// The scanned presentation text.
        text: String,
        /// Trusted issuers: issuer metadata (`{"issuer": …, "jwks": {"keys": […]}}`, as served at
        /// `/.well-known/jwt-vc-issuer/…`), a bare JWKS (`{"keys": […]}`), or a JSON array of
        /// them (repeatable).
        #[arg(long = "trust", required = true)]
        trust: Vec<PathBuf>,
        /// This verifier's audience.
        #[arg(long)]
        audience: String,
    },
    /// The wallet's access log: what was read or shown, to whom, when (no values).
    AccessLog,
    /// Re-encrypt the store under a new passphrase (atomic).
    Rekey {
        /// The new passphrase.
        #[arg(long, env = "CITYKIT_NEW_PASSPHRASE", hide_env_values = true)]
        new_passphrase: String,
    },
}

/// Runs one client subcommand.
pub async fn run(args: ClientArgs) -> ExitCode {
    let json = args.json;
    let language = if args.lang == "zh" { Language::Zh } else { Language::En };
    match execute(args).await {
        Ok((value, text)) => {
            if json {
                println!("{}", serde_json::to_string_pretty(&value).unwrap_or_default());
            } else {
                println!("{text}");
            }
            ExitCode::SUCCESS
        }
        Err(Failure::Core(e)) => {
            if json {
                let body = json!({"error": {"code": e.code(), "message": e.message(language), "details": e.to_string()}});
                println!("{}", serde_json::to_string_pretty(&body).unwrap_or_default());
            } else {
                eprintln!("error [{}]: {}\n  details: {e}", e.code(), e.message(language));
            }
            ExitCode::FAILURE
        }
        Err(Failure::Usage(message)) => {
            if json {
                println!("{}", json!({"error": {"code": "cli.usage", "message": message}}));
            } else {
                eprintln!("error: {message}");
            }
            ExitCode::from(2)
        }
    }
}

enum Failure {
    Core(CityKitError),
    Usage(String),
}

impl From<CityKitError> for Failure {
    fn from(e: CityKitError) -> Self {
        Self::Core(e)
    }
}

fn config(args: &ClientArgs, needs_issuer: bool) -> Result<ClientConfig, Failure> {
    let issuer = match (&args.issuer, needs_issuer) {
        (Some(issuer), _) => issuer.clone(),
        (None, true) => return Err(Failure::Usage("--issuer (or CITYKIT_ISSUER) is required for this command".into())),
        (None, false) => String::new(),
    };
    let mut roots = Vec::new();
    for file in &args.ca_files {
        roots.push(
            std::fs::read_to_string(file).map_err(|e| Failure::Usage(format!("cannot read --ca-file {}: {e}", file.display())))?,
        );
    }
    if roots.is_empty() && !args.public_roots && needs_issuer {
        return Err(Failure::Usage("give --ca-file (the platform's CA) or --public-roots".into()));
    }
    let mut platform = PlatformConfig::new(issuer, args.client_id.clone(), args.redirect_uri.clone());
    platform.scopes = args.scopes.clone();
    platform.api_base = args.api_base.clone();
    Ok(ClientConfig {
        data_dir: args.data_dir.clone(),
        platform,
        net: NetConfig {
            trust: TrustConfig { extra_root_certificates_pem: roots, spki_pins: args.pins.clone(), use_public_roots: args.public_roots || !needs_issuer },
            request_timeout: Duration::from_secs(args.timeout.max(1)),
            ..NetConfig::default()
        },
    })
}

fn key_provider(args: &ClientArgs) -> Result<PassphraseKeyProvider, Failure> {
    let passphrase = args
        .passphrase
        .clone()
        .ok_or_else(|| Failure::Usage("--passphrase (or CITYKIT_PASSPHRASE) is required".into()))?;
    Ok(PassphraseKeyProvider::new(&args.data_dir, passphrase))
}

/// Verifier mode needs no store and no login: trusted issuers come from files.
fn verify(text: &str, trust: &[PathBuf], audience: &str) -> Result<(Value, String), Failure> {
    use citykit_core::wallet::{TrustedIssuer, Verifier};
    let mut trusted = Vec::new();
    for file in trust {
        let raw = std::fs::read_to_string(file).map_err(|e| Failure::Usage(format!("cannot read --trust {}: {e}", file.display())))?;
        trusted.extend(TrustedIssuer::parse_list(&raw).map_err(|e| Failure::Usage(format!("--trust {}: {e}", file.display())))?);
    }
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let verified = Verifier::new(audience, trusted)
        .verify(text.trim(), now, &std::collections::HashMap::new())
        .map_err(|e| Failure::Core(e.into()))?;
    let human = format!("VALID {} from {}\n{}", verified.vct, verified.issuer, serde_json::to_string_pretty(verified.claims.expose()).unwrap_or_default());
    Ok((serde_json::to_value(&verified).unwrap_or_default(), human))
}

fn identity_text(identity: &citykit_core::Identity) -> String {
    match identity.kind {
        IdentityKind::Person => format!("person      {}  {}", identity.id, identity.name.expose()),
        IdentityKind::Enterprise => format!(
            "enterprise  {}  {}  ({}{})",
            identity.id,
            identity.name.expose(),
            identity.role.as_deref().unwrap_or("agent"),
            identity.uscc.as_deref().map(|u| format!(", USCC {u}")).unwrap_or_default()
        ),
    }
}

async fn execute(args: ClientArgs) -> Result<(Value, String), Failure> {
    if let Op::Verify { text, trust, audience } = &args.op {
        return verify(text, trust, audience);
    }
    let needs_issuer = !matches!(args.op, Op::Status | Op::Rekey { .. } | Op::Licences | Op::Licence { .. } | Op::AccessLog);
    let config = config(&args, needs_issuer)?;
    let keys = key_provider(&args)?;
    // A rekey needs both keys before the store opens: the passphrase provider only knows the old one.
    let rekey_keys = match &args.op {
        Op::Rekey { new_passphrase } => {
            let to_error = |e| Failure::Core(citykit_core::store::StoreError::from(e).into());
            Some((keys.store_key(STORE_ID).map_err(to_error)?, keys.key_for_new_passphrase(STORE_ID, new_passphrase).map_err(to_error)?))
        }
        _ => None,
    };
    let client = Client::open(config, Arc::new(keys)).await?;
    let identity = client.identity();
    let result = match &args.op {
        Op::LoginStart => {
            let request = identity.start_login().await?;
            let text = format!(
                "Open this URL in a browser and sign in, then run `client login-complete <redirect-url>`:\n{}",
                request.authorization_url
            );
            (serde_json::to_value(&request).unwrap_or_default(), text)
        }
        Op::LoginComplete { redirect_url } => {
            let account = identity.complete_login(redirect_url).await?;
            let text = format!("Logged in as {} (subject {}).", account.name.expose(), account.subject);
            (serde_json::to_value(&account).unwrap_or_default(), text)
        }
        Op::Whoami => {
            let who = identity.whoami().await?;
            let text = format!("acting as: {}\nperson:    {}", identity_text(&who.acting_as), identity_text(&who.person));
            (serde_json::to_value(&who).unwrap_or_default(), text)
        }
        Op::Identities => {
            let list = identity.identities().await?;
            let current = identity.current_identity().await.ok().map(|i| i.id);
            let text = list
                .iter()
                .map(|i| format!("{} {}", if Some(&i.id) == current.as_ref() { "*" } else { " " }, identity_text(i)))
                .collect::<Vec<_>>()
                .join("\n");
            (json!({"identities": list, "current": current}), text)
        }
        Op::Switch { id } => {
            let chosen = identity.switch_identity(id).await?;
            let text = format!("Now acting as {}", identity_text(&chosen));
            (serde_json::to_value(&chosen).unwrap_or_default(), text)
        }
        Op::Refresh => {
            identity.refresh().await?;
            (json!({"refreshed": true}), "Tokens refreshed.".into())
        }
        Op::Status => {
            let logged_in = identity.is_logged_in().await;
            let account = identity.account().await?;
            let text = match &account {
                Some(a) if logged_in => format!("Logged in as {} (subject {}).", a.name.expose(), a.subject),
                _ => "Not logged in.".into(),
            };
            (json!({"logged_in": logged_in, "account": account}), text)
        }
        Op::Logout => {
            let outcome = identity.logout().await?;
            let text = if outcome.revoked_at_server {
                "Logged out: the session was revoked at the platform and local data wiped.".to_string()
            } else {
                "Logged out locally (the platform could not be reached to revoke the session).".to_string()
            };
            (serde_json::to_value(outcome).unwrap_or_default(), text)
        }
        Op::LicenceFetch | Op::Licences | Op::LicenceStatus => {
            let wallet = client.wallet();
            let list = match &args.op {
                Op::LicenceFetch => wallet.fetch_licences().await?,
                Op::LicenceStatus => wallet.refresh_status().await?,
                _ => wallet.licences().await?,
            };
            let text = list
                .iter()
                .map(|l| format!("{}  {:<44} {:?}{}", l.id, l.vct, l.status, if l.expiring_soon { "  (expires soon)" } else { "" }))
                .collect::<Vec<_>>()
                .join("\n");
            (json!({"licences": list}), if text.is_empty() { "No licences.".into() } else { text })
        }
        Op::LicenceRemove { id } => {
            client.wallet().remove(id).await?;
            (json!({"removed": id}), format!("Removed licence {id}."))
        }
        Op::Licence { id } => {
            let licence = client.wallet().licence(id).await?;
            let text = format!("{}  {}\n{}", licence.summary.id, licence.summary.vct, serde_json::to_string_pretty(licence.claims.expose()).unwrap_or_default());
            (serde_json::to_value(&licence).unwrap_or_default(), text)
        }
        Op::Present { id, claims, audience, nonce, lifetime, qr_png, qr_svg } => {
            let shown = client.wallet().present(id, claims, audience, nonce.clone(), *lifetime).await?;
            if qr_png.is_some() || qr_svg.is_some() {
                let image = citykit_core::wallet::qr::draw(&shown.text).map_err(|e| Failure::Core(e.into()))?;
                for (path, bytes) in [(qr_png, image.png.as_slice()), (qr_svg, image.svg.as_bytes())] {
                    if let Some(path) = path {
                        std::fs::write(path, bytes).map_err(|e| Failure::Usage(format!("cannot write {}: {e}", path.display())))?;
                    }
                }
            }
            let text = shown.text.clone();
            (serde_json::to_value(&shown).unwrap_or_default(), text)
        }
        Op::AccessLog => {
            let log = client.wallet().access_log().await?;
            let text = log
                .iter()
                .map(|e| format!("{}  {:<12} {}  [{}]  → {}", e.at, e.action, e.vct.as_deref().unwrap_or(""), e.claims.join(","), e.counterparty.as_deref().unwrap_or("")))
                .collect::<Vec<_>>()
                .join("\n");
            (json!({"access_log": log}), text)
        }
        Op::Verify { .. } => return Err(Failure::Usage("verify runs without a store".into())),
        Op::Rekey { .. } => {
            if let Some((old, new)) = rekey_keys {
                client.store().rekey(old, new).await.map_err(CityKitError::from)?;
            }
            client.store().close().await.map_err(CityKitError::from)?;
            (json!({"rekeyed": true}), "The store is now encrypted under the new passphrase.".into())
        }
    };
    Ok(result)
}
