//! The command line: `serve`, `demo`, `authorize`, `fixtures`, `sim …`, `client …`, `population`
//! and `recommend-eval`.

mod client;
mod demo;
mod label_png;
mod population;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use citykit_sim::{serve_forever, SimConfig};

/// CityKit's simulated city platform, demo journey, and QA client.
#[derive(Debug, Parser)]
#[command(name = "citykit-sim", version, about, long_about = None)]
pub struct Cli {
    /// Log to stderr (-v info, -vv debug, -vvv trace). Logs never contain personal data.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the simulated city platform on loopback until Ctrl-C; prints its URL and CA certificate path.
    Serve(ServeArgs),
    /// Run the scripted citizen journey against an in-process simulator, on an encrypted store.
    Demo(demo::DemoArgs),
    /// Act as the browser in the simulator's test mode: sign in as a fixture citizen and print the redirect URL.
    Authorize(AuthorizeArgs),
    /// List the simulator's fixture citizens and enterprises (who QA can log in as).
    Fixtures {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Control a running simulator (faults, stats, cases, clock, ratings) for test scripts.
    Sim(SimControlArgs),
    /// The QA client: every CityKit capability through the public core API, against any platform.
    Client(Box<client::ClientArgs>),
    /// Write a synthetic population (persons and enterprises with five years of licences, cases,
    /// views and searches; seeded) as JSON lines, see docs/population.md.
    Population(population::PopulationArgs),
    /// Evaluate the recommender on a population file, leave-last-out, against popularity,
    /// first-order transitions and item-kNN (HR@5, HR@10, NDCG@10).
    RecommendEval(population::RecommendEvalArgs),
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// TCP port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8443)]
    port: u16,
    /// Directory for ca.pem (default: a temporary directory).
    #[arg(long)]
    state_dir: Option<PathBuf>,
    /// Access-token lifetime in seconds.
    #[arg(long, default_value_t = 300)]
    access_token_ttl: u64,
    /// Authorization-code lifetime in seconds.
    #[arg(long, default_value_t = 60)]
    code_ttl: u64,
    /// Refuse the non-interactive `test_user` sign-in (only the HTML sign-in page works).
    #[arg(long)]
    no_test_mode: bool,
    /// Demand server-provided DPoP nonces (RFC 9449 §8, §9), as FAPI 2.0 providers may.
    #[arg(long)]
    require_dpop_nonce: bool,
    /// Days before a pledge's deadline at which reminders reach the inbox (comma-separated).
    #[arg(long, value_delimiter = ',', default_values_t = [3u32, 1])]
    pledge_reminder_days: Vec<u32>,
    /// The largest push body (bytes, encrypted) that carries its notice itself; a notice making
    /// a larger one goes by reference.
    #[arg(long, default_value_t = 4096)]
    push_inline_limit: usize,
    /// Also serve this directory as a web page's origin (a second HTTPS port, same CA), with
    /// `citykit-config.json`; the client `citykit-web` logs in from it.
    #[arg(long)]
    web_root: Option<std::path::PathBuf>,
    /// The web page's port (0: any free port).
    #[arg(long, default_value_t = 0)]
    web_port: u16,
    /// Another origin the platform answers CORS for (repeatable).
    #[arg(long = "web-origin")]
    web_origins: Vec<String>,
}

#[derive(Debug, clap::Args)]
struct SimControlArgs {
    /// The simulator's URL (its issuer), printed by `serve`.
    #[arg(long, env = "CITYKIT_ISSUER", global = true)]
    issuer: Option<String>,
    /// The simulator's CA certificate (PEM), printed by `serve`.
    #[arg(long, env = "CITYKIT_CA_FILE", global = true)]
    ca_file: Option<PathBuf>,
    /// Print the simulator's JSON answer instead of a summary (`stats` always prints JSON).
    #[arg(long = "json", id = "json_output", global = true)]
    json_output: bool,
    #[command(subcommand)]
    action: SimAction,
}

#[derive(Debug, Subcommand)]
enum SimAction {
    /// Inject a fault, given as the JSON of `POST /sim/faults` (see docs/platform-api.md),
    /// e.g. '{"delay": {"path": "/api/v1/me", "millis": 3000}}'.
    Fault {
        /// The fault as JSON.
        json: String,
    },
    /// Remove every fault.
    ClearFaults,
    /// Expire every access token issued so far.
    ExpireAccessTokens,
    /// Revoke a holder's licence at its issuer (its status list entry turns to revoked).
    Revoke {
        /// The holder, e.g. citizen-01 or an enterprise id.
        #[arg(long)]
        holder: String,
        /// The licence type, e.g. urn:citykit:vct:resident_id_card.
        #[arg(long)]
        vct: String,
    },
    /// Print request counts, refresh grants and family revocations as JSON.
    Stats,
    /// The service window's decision on a case in review (approval issues its result licence).
    Decide {
        /// The case id, e.g. C20261123-000001.
        case_id: String,
        /// Approve the case.
        #[arg(long, conflicts_with = "reject", required_unless_present = "reject")]
        approve: bool,
        /// Reject the case.
        #[arg(long)]
        reject: bool,
        /// The window's note, shown in the case history.
        #[arg(long)]
        note: Option<String>,
    },
    /// Show the case clock, or move it forward (deadlines, due dates, expiry).
    Clock {
        /// Days to move the clock forward (0 only shows it).
        #[arg(long, default_value_t = 0)]
        advance_days: u32,
    },
    /// List every case with its status and idempotency keys.
    Cases,
    /// Print the ratings (好差评) by office and by item.
    Ratings,
    /// The window's decision on the material in a received envelope.
    Material {
        /// The envelope id.
        envelope_id: String,
        /// Accept the material (the pledge is kept; the case goes to review).
        #[arg(long, conflicts_with = "reject", required_unless_present = "reject")]
        accept: bool,
        /// Reject it (the applicant sends it again before the deadline).
        #[arg(long)]
        reject: bool,
        /// Why it was rejected, shown to the applicant.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Revoke an envelope (windows then refuse its code).
    EnvelopeRevoke {
        /// The envelope id.
        envelope_id: String,
    },
    /// The persons who broke a pledge (失信名单): no further pledges for them.
    DishonestyList,
    /// Publish the anonymous next-step statistics devices rank with (a JSON file: min_contributors,
    /// transitions, popularity, repeats, segments; counts under 20 people are refused).
    NextSteps {
        /// The statistics file.
        file: PathBuf,
    },
    /// Publish a policy campaign (a JSON file: id, title_zh, title_en, item_id, audience, rule as
    /// JsonLogic, until) and broadcast its notice to every identity; devices keep it only where
    /// eligible.
    Campaign {
        /// The campaign file.
        file: PathBuf,
    },
    /// Take the push bodies queued at the simulated carrier for an endpoint (as a phone's shell
    /// receives them), each written to a file in --out-dir (1.bin, 2.bin, … oldest first).
    PushTake {
        /// The subscription's endpoint.
        endpoint: String,
        /// Where to write the bodies.
        #[arg(long)]
        out_dir: PathBuf,
    },
}

#[derive(Debug, clap::Args)]
struct AuthorizeArgs {
    /// The authorization URL `client login-start` printed.
    authorization_url: String,
    /// The fixture citizen who signs in, e.g. citizen-01.
    #[arg(long)]
    user: String,
    /// The simulator's CA certificate (PEM), printed by `serve`.
    #[arg(long)]
    ca_file: PathBuf,
}

/// Parses the command line. A mistake in it exits with status 2; with `--json` anywhere on the
/// line it prints `{"error": {"code": "cli.usage", "message": …, "details": …}}` on stdout like
/// every other failure, otherwise clap's own text on stderr. `--help` and `--version` print as usual.
pub fn parse() -> Result<Cli, ExitCode> {
    let error = match Cli::try_parse() {
        Ok(cli) => return Ok(cli),
        Err(error) => error,
    };
    let wants_json = std::env::args_os().skip(1).any(|a| a == "--json");
    let is_usage_error = !matches!(error.kind(), clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion);
    if !(wants_json && is_usage_error) {
        let _ = error.print();
        return Err(ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2)));
    }
    let text = error.render().to_string();
    let first = text.lines().next().unwrap_or_default();
    let message = first.strip_prefix("error: ").unwrap_or(first).trim();
    let body = serde_json::json!({"error": {"code": "cli.usage", "message": message, "details": text.trim()}});
    println!("{}", serde_json::to_string_pretty(&body).unwrap_or_default());
    Err(ExitCode::from(2))
}

/// Logs go to stderr, so `--json` output on stdout stays clean.
pub fn init_logging(verbose: u8) {
    // RUST_LOG, when set, wins; otherwise -v / -vv / -vvv; otherwise no logs.
    let level = match verbose {
        0 => None,
        1 => Some("info"),
        2 => Some("debug"),
        _ => Some("trace"),
    };
    let filter = match (tracing_subscriber::EnvFilter::try_from_default_env(), level) {
        (Ok(filter), _) => filter,
        (Err(_), Some(level)) => tracing_subscriber::EnvFilter::new(level),
        (Err(_), None) => return,
    };
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

/// Runs the parsed command.
pub async fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Demo(args) => demo::run(args).await,
        Command::Authorize(args) => authorize(args).await,
        Command::Fixtures { json } => fixtures(json),
        Command::Sim(args) => sim_control(args).await,
        Command::Client(args) => client::run(*args).await,
        Command::Population(args) => population::generate(args),
        Command::RecommendEval(args) => population::evaluate(args),
    }
}

async fn serve(args: ServeArgs) -> ExitCode {
    let config = SimConfig {
        port: args.port,
        state_dir: args.state_dir,
        access_token_ttl: std::time::Duration::from_secs(args.access_token_ttl),
        code_ttl: std::time::Duration::from_secs(args.code_ttl),
        test_mode: !args.no_test_mode,
        require_dpop_nonce: args.require_dpop_nonce,
        pledge_reminder_days: args.pledge_reminder_days,
        push_inline_limit: args.push_inline_limit,
        web_root: args.web_root,
        web_port: args.web_port,
        web_origins: args.web_origins,
        ..SimConfig::default()
    };
    let result = serve_forever(config, |sim| {
        println!("CityKit simulator listening at {}", sim.issuer());
        println!("issuer:      {}", sim.issuer());
        println!("ca-file:     {}", sim.ca_cert_path().display());
        println!("spki-pin:    {}", sim.spki_pin());
        println!("client-id:   citykit-demo   redirect-uri: org.citykit.demo:/oauth2redirect");
        if let Some(web) = sim.web_url() {
            println!("web page:    {web}/");
            println!("client-id:   {}    redirect-uri: {web}/", citykit_sim::server::web::WEB_CLIENT_ID);
        }
        println!("Press Ctrl-C to stop.");
    })
    .await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: the simulator failed: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn authorize(args: AuthorizeArgs) -> ExitCode {
    match authorize_inner(&args).await {
        Ok(location) => {
            println!("{location}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn sim_control(args: SimControlArgs) -> ExitCode {
    let result = async {
        let (Some(issuer), Some(ca_file)) = (&args.issuer, &args.ca_file) else {
            return Err("--issuer and --ca-file (or CITYKIT_ISSUER and CITYKIT_CA_FILE) are required".to_string());
        };
        let http = http_trusting(ca_file)?;
        let base = issuer.trim_end_matches('/');
        let request = match &args.action {
            SimAction::Fault { json } => {
                let body: serde_json::Value = serde_json::from_str(json).map_err(|e| format!("the fault is not JSON: {e}"))?;
                http.post(format!("{base}/sim/faults")).json(&body)
            }
            SimAction::ClearFaults => http.delete(format!("{base}/sim/faults")),
            SimAction::ExpireAccessTokens => http.post(format!("{base}/sim/expire-access-tokens")),
            SimAction::Revoke { holder, vct } => {
                http.post(format!("{base}/sim/revoke")).json(&serde_json::json!({"holder": holder, "vct": vct}))
            }
            SimAction::Stats => http.get(format!("{base}/sim/stats")),
            SimAction::Decide { case_id, approve, note, .. } => {
                let decision = if *approve { "approve" } else { "reject" };
                let id: String = url::form_urlencoded::byte_serialize(case_id.as_bytes()).collect();
                http.post(format!("{base}/sim/cases/{id}/decide")).json(&serde_json::json!({"decision": decision, "note": note}))
            }
            SimAction::Clock { advance_days: 0 } => http.get(format!("{base}/sim/clock")),
            SimAction::Clock { advance_days } => {
                http.post(format!("{base}/sim/clock")).json(&serde_json::json!({"advance_days": advance_days}))
            }
            SimAction::Cases => http.get(format!("{base}/sim/cases")),
            SimAction::Ratings => http.get(format!("{base}/sim/ratings")),
            SimAction::Material { envelope_id, accept, reason, .. } => {
                let decision = if *accept { "accept" } else { "reject" };
                let id: String = url::form_urlencoded::byte_serialize(envelope_id.as_bytes()).collect();
                http.post(format!("{base}/sim/envelopes/{id}/material")).json(&serde_json::json!({"decision": decision, "reason": reason}))
            }
            SimAction::EnvelopeRevoke { envelope_id } => {
                let id: String = url::form_urlencoded::byte_serialize(envelope_id.as_bytes()).collect();
                http.post(format!("{base}/sim/envelopes/{id}/revoke"))
            }
            SimAction::DishonestyList => http.get(format!("{base}/sim/dishonesty-list")),
            SimAction::PushTake { endpoint, .. } => {
                http.post(format!("{base}/sim/push/take")).json(&serde_json::json!({"endpoint": endpoint}))
            }
            SimAction::NextSteps { file } => {
                let body = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
                http.post(format!("{base}/sim/next-steps")).header("content-type", "application/json").body(body)
            }
            SimAction::Campaign { file } => {
                let body = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
                http.post(format!("{base}/sim/campaigns")).header("content-type", "application/json").body(body)
            }
        };
        let response = request.send().await.map_err(|e| format!("the simulator cannot be reached: {}", e.without_url()))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if status.is_success() {
            if let SimAction::PushTake { out_dir, .. } = &args.action {
                write_push_bodies(out_dir, &text)?;
            }
            Ok(sim_summary(&args.action, args.json_output, text))
        } else {
            Err(format!("the simulator answered HTTP {status}: {text}"))
        }
    }
    .await;
    match result {
        Ok(text) => {
            if !text.is_empty() {
                println!("{text}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// What `sim` prints: the simulator's JSON with `--json` (and for the older subcommands), else a
/// short summary of the case controls' answers.
/// Writes the bodies of a `/sim/push/take` answer to `out_dir` as 1.bin, 2.bin, … (oldest first).
fn write_push_bodies(out_dir: &std::path::Path, answer: &str) -> Result<(), String> {
    use base64::Engine as _;
    let value: serde_json::Value = serde_json::from_str(answer).map_err(|e| format!("unreadable answer: {e}"))?;
    std::fs::create_dir_all(out_dir).map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    for (n, body) in value["bodies"].as_array().into_iter().flatten().enumerate() {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(body.as_str().unwrap_or_default())
            .map_err(|_| "a body is not base64url".to_owned())?;
        let path = out_dir.join(format!("{}.bin", n + 1));
        std::fs::write(&path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

fn sim_summary(action: &SimAction, json: bool, text: String) -> String {
    let value: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) if !json => v,
        _ => return text,
    };
    let s = |v: &serde_json::Value| v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string());
    match action {
        SimAction::Decide { .. } => {
            let mut line = format!("{}: {}", s(&value["id"]), s(&value["status"]));
            if value["result_licence"].is_string() {
                line.push_str(" (result licence issued)");
            }
            line
        }
        SimAction::Clock { .. } => format!("case clock: {} (offset {} days)", s(&value["today"]), value["offset_days"]),
        SimAction::Material { .. } | SimAction::EnvelopeRevoke { .. } => {
            let id = value["id"].as_str().or(value["envelope_id"].as_str()).unwrap_or_default();
            format!("envelope {id}: {}", s(&value["status"]))
        }
        SimAction::PushTake { out_dir, .. } => {
            let count = value["bodies"].as_array().map_or(0, Vec::len);
            format!("{count} push bodies written to {}", out_dir.display())
        }
        SimAction::NextSteps { .. } => {
            format!("published: {} transitions, {} popularity counts", value["transitions"], value["popularity"])
        }
        SimAction::Campaign { .. } => format!("campaign {} published to {} identities", s(&value["id"]), value["notified"]),
        SimAction::DishonestyList => {
            let persons: Vec<String> = value["persons"].as_array().map(|a| a.iter().map(s).collect()).unwrap_or_default();
            if persons.is_empty() {
                "nobody broke a pledge".to_owned()
            } else {
                persons.join("\n")
            }
        }
        SimAction::Cases => {
            let cases = value["cases"].as_array().cloned().unwrap_or_default();
            if cases.is_empty() {
                return "no cases".to_owned();
            }
            cases
                .iter()
                .map(|c| {
                    let keys = c["idempotency_keys"].as_array().map_or(0, Vec::len);
                    format!(
                        "{}  {:<22} {:<40} {}  ({keys} idempotency keys)",
                        s(&c["id"]),
                        s(&c["status"]),
                        s(&c["item_id"]),
                        s(&c["applicant"])
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        }
        SimAction::Ratings => {
            let mut lines = Vec::new();
            for (title, key) in [("by office", "by_office"), ("by item", "by_item")] {
                lines.push(format!("{title}:"));
                if let Some(map) = value[key].as_object() {
                    for (k, v) in map {
                        lines.push(format!("  {k:<40} good {}  bad {}", v["good"], v["bad"]));
                    }
                }
            }
            lines.push(format!("comments: {}", value["comments"]));
            lines.join("\n")
        }
        _ => text,
    }
}

/// A reqwest client that trusts only the CA in `ca_file` and follows no redirects.
fn http_trusting(ca_file: &std::path::Path) -> Result<reqwest::Client, String> {
    let pem = std::fs::read(ca_file).map_err(|e| format!("cannot read {}: {e}", ca_file.display()))?;
    let mut roots = rustls::RootCertStore::empty();
    let mut found = false;
    for cert in rustls::pki_types::pem::PemObject::pem_slice_iter(&pem) {
        let cert: rustls::pki_types::CertificateDer<'static> = cert.map_err(|e| format!("bad certificate: {e}"))?;
        roots.add(cert).map_err(|e| format!("unusable certificate: {e}"))?;
        found = true;
    }
    if !found {
        return Err(format!("{} holds no PEM certificate", ca_file.display()));
    }
    let tls = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder().tls_backend_preconfigured(tls).redirect(reqwest::redirect::Policy::none()).build().map_err(|e| e.to_string())
}

/// The simulator's test-mode sign-in, done over HTTPS like a browser would (no redirect followed).
async fn authorize_inner(args: &AuthorizeArgs) -> Result<String, String> {
    let http = http_trusting(&args.ca_file)?;
    let mut url = url::Url::parse(&args.authorization_url).map_err(|e| format!("not a URL: {e}"))?;
    url.query_pairs_mut().append_pair("test_user", &args.user);
    let response = http.get(url).send().await.map_err(|e| format!("the sign-in request failed: {}", e.without_url()))?;
    let status = response.status();
    let location = response.headers().get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
    match location {
        Some(location) if status.is_redirection() => Ok(location),
        _ => Err(format!("the provider answered HTTP {status} instead of a redirect: {}", response.text().await.unwrap_or_default())),
    }
}

fn fixtures(json: bool) -> ExitCode {
    let fixtures = match citykit_sim::Fixtures::load() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: the fixture data is broken: {e}");
            return ExitCode::FAILURE;
        }
    };
    if json {
        let value = serde_json::json!({
            "citizens": fixtures.citizens(),
            "enterprises": fixtures.enterprises(),
            "agents": fixtures.agents(),
        });
        println!("{}", serde_json::to_string_pretty(&value).unwrap_or_default());
        return ExitCode::SUCCESS;
    }
    // Write through a handle that tolerates a closed pipe (`citykit-sim fixtures | head`).
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "Citizens (log in with `authorize --user <id>`):");
    for citizen in fixtures.citizens() {
        let acts_for: Vec<String> =
            fixtures.enterprises_for(&citizen.id).iter().map(|(e, role)| format!("{} as {}", e.id, role.as_str())).collect();
        let _ = writeln!(out, "  {:<12} {}  born {}  {}", citizen.id, citizen.name, citizen.birth_date, acts_for.join(", "));
    }
    let _ = writeln!(out, "Enterprises:");
    for enterprise in fixtures.enterprises() {
        let _ = writeln!(out, "  {:<14} {}  {}", enterprise.id, enterprise.uscc, enterprise.name);
    }
    ExitCode::SUCCESS
}
