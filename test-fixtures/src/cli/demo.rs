//! `citykit-sim demo`: the scripted citizen journey. It starts the simulator in-process on
//! loopback, creates an encrypted store, logs a fixture citizen in, lists their identities,
//! acts for an enterprise and back, logs out, and prints a transcript of each step.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use citykit_core::store::key::DEFAULT_PBKDF2_ITERATIONS;
use citykit_core::store::STORE_FILE_NAME;
use citykit_core::{CityKitError, Client, ClientConfig, IdentityKind, Language, NetConfig, PassphraseKeyProvider, PlatformConfig, TrustConfig};
use citykit_sim::{SimConfig, Simulator};

/// The passphrase the demo uses when none is given.
pub const DEMO_PASSPHRASE: &str = "citykit-demo-passphrase";

/// Flags of `demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Where the encrypted store is created (default: a new temporary directory, removed afterwards).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// The store passphrase.
    #[arg(long, default_value = DEMO_PASSPHRASE, hide_default_value = true)]
    passphrase: String,
    /// The fixture citizen who logs in (see `citykit-sim fixtures`).
    #[arg(long, default_value = "citizen-01")]
    citizen: String,
}

struct Transcript {
    step: u32,
    started: Instant,
}

impl Transcript {
    fn say(&mut self, title: &str, text: impl AsRef<str>) {
        self.step += 1;
        let mut lines = text.as_ref().lines();
        println!("{:>2}. {:<13}{}", self.step, title, lines.next().unwrap_or_default());
        for line in lines {
            println!("{:17}{}", "", line);
        }
    }
}

/// Runs the journey; any failure prints its typed error and exits 1.
pub async fn run(args: DemoArgs) -> ExitCode {
    println!("CityKit demo: one citizen's journey against the simulated city platform\n");
    match journey(args).await {
        Ok(elapsed) => {
            println!("\nDone in {:.2} s.", elapsed);
            ExitCode::SUCCESS
        }
        Err(DemoError::Core(e)) => {
            eprintln!("\nThe journey failed [{}]: {}\n  details: {e}", e.code(), e.message(Language::En));
            ExitCode::FAILURE
        }
        Err(DemoError::Other(message)) => {
            eprintln!("\nThe journey failed: {message}");
            ExitCode::FAILURE
        }
    }
}

enum DemoError {
    Core(CityKitError),
    Other(String),
}

impl From<CityKitError> for DemoError {
    fn from(e: CityKitError) -> Self {
        Self::Core(e)
    }
}

/// The redirect with its code and state elided: they are one-time secrets.
fn mask(redirect: &str) -> String {
    let Ok(url) = url::Url::parse(redirect) else { return "(unparseable)".into() };
    let shown: Vec<String> = url
        .query_pairs()
        .map(|(k, v)| if k == "iss" || k == "error" { format!("{k}={v}") } else { format!("{k}=…") })
        .collect();
    let base = redirect.split('?').next().unwrap_or_default();
    format!("{base}?{}", shown.join("&"))
}

async fn journey(args: DemoArgs) -> Result<f64, DemoError> {
    let mut t = Transcript { step: 0, started: Instant::now() };
    let sim = Simulator::start(SimConfig::default()).await.map_err(|e| DemoError::Other(format!("the simulator did not start: {e}")))?;
    t.say("Simulator", format!("{} (HTTPS, test CA {})", sim.issuer(), sim.ca_cert_path().display()));

    let temp;
    let data_dir = match args.data_dir {
        Some(dir) => dir,
        None => {
            temp = tempfile::tempdir().map_err(|e| DemoError::Other(format!("no temporary directory: {e}")))?;
            temp.path().to_path_buf()
        }
    };
    let mut platform = PlatformConfig::new(sim.issuer(), "citykit-demo", "org.citykit.demo:/oauth2redirect");
    platform.scopes = vec!["openid".into(), "profile".into()];
    let config = ClientConfig {
        data_dir: data_dir.clone(),
        platform,
        net: NetConfig {
            trust: TrustConfig { extra_root_certificates_pem: vec![sim.ca_cert_pem()], spki_pins: vec![sim.spki_pin()], ..Default::default() },
            ..NetConfig::default()
        },
    };
    let keys = Arc::new(PassphraseKeyProvider::new(&data_dir, args.passphrase.clone()));
    let client = Client::open(config, keys).await?;
    t.say(
        "Store",
        format!(
            "{} (SQLCipher; key = PBKDF2-HMAC-SHA256 of the passphrase, {} iterations)",
            data_dir.join(STORE_FILE_NAME).display(),
            DEFAULT_PBKDF2_ITERATIONS
        ),
    );

    let identity = client.identity();
    if identity.is_logged_in().await {
        identity.logout().await?;
        t.say("Old session", "a session from an earlier run was logged out first");
    }
    let request = identity.start_login().await?;
    t.say("Login start", format!("PKCE S256 + PAR; open in the system browser:\n{}", request.authorization_url));

    let redirect = sim
        .authorize_as(&request.authorization_url, &args.citizen)
        .await
        .map_err(|e| DemoError::Other(format!("the simulated sign-in failed: {e}")))?;
    t.say("Browser", format!("{} signs in (simulator test mode); redirect:\n{}", args.citizen, mask(&redirect)));

    let account = identity.complete_login(&redirect).await?;
    t.say(
        "Logged in",
        format!(
            "{} (subject {})\nID token verified (ES256, iss, aud, exp, iat, nonce); tokens bound to the device key (DPoP)",
            account.name.expose(),
            account.subject
        ),
    );

    let identities = identity.identities().await?;
    let listing: Vec<String> = identities
        .iter()
        .map(|i| match i.kind {
            IdentityKind::Person => format!("person      {}  {}", i.id, i.name.expose()),
            IdentityKind::Enterprise => {
                format!("enterprise  {}  {}  as {}", i.id, i.name.expose(), i.role.as_deref().unwrap_or("agent"))
            }
        })
        .collect();
    t.say("Identities", listing.join("\n"));

    match identities.iter().find(|i| i.kind == IdentityKind::Enterprise) {
        Some(enterprise) => {
            identity.switch_identity(&enterprise.id).await?;
            let who = identity.whoami().await?;
            t.say(
                "Act for",
                format!("{}; the platform confirms it is called as {} ({:?})", enterprise.name.expose(), who.acting_as.id, who.acting_as.kind),
            );
            identity.switch_identity(&account.subject).await?;
            let who = identity.whoami().await?;
            t.say("Switch back", format!("the platform confirms it is called as {} ({:?})", who.acting_as.id, who.acting_as.kind));
        }
        None => t.say("Act for", format!("{} acts for no enterprise; nothing to switch", args.citizen)),
    }

    let outcome = identity.logout().await?;
    t.say(
        "Logout",
        format!(
            "session revoked at the platform: {}; tokens and personal data wiped from the store",
            if outcome.revoked_at_server { "yes" } else { "no (offline)" }
        ),
    );
    client.store().close().await.map_err(CityKitError::from)?;

    let header = std::fs::read(data_dir.join(STORE_FILE_NAME))
        .map(|b| b.iter().take(16).copied().collect::<Vec<u8>>())
        .map_err(|e| DemoError::Other(format!("cannot read the store file: {e}")))?;
    if header.starts_with(b"SQLite format 3") {
        return Err(DemoError::Other("the store file is plaintext SQLite".into()));
    }
    t.say("Check", "the store file on disk is encrypted (no \"SQLite format 3\" header)");
    let elapsed = t.started.elapsed().as_secs_f64();
    sim.shutdown().await;
    Ok(elapsed)
}
