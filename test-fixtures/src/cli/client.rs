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
    CityKitError, Client, ClientConfig, IdentityKind, Language, NetConfig, PassphraseKeyProvider, PlatformConfig, TrustConfig,
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
    /// A scope to request (repeat the flag; `openid` is always included; default: the core's,
    /// `openid profile offline_access`).
    #[arg(long = "scope", global = true)]
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
    /// How the scripted person answers consent and presence prompts (刷脸/授权).
    #[arg(long, value_parser = ["accept", "decline"], default_value = "accept", env = "CITYKIT_PRESENCE", global = true)]
    presence: String,
    /// Days an unsubmitted draft is kept.
    #[arg(long, default_value_t = 30, global = true)]
    draft_days: u64,
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
    /// Revoke the session at the platform and remove every record of the person and their
    /// enterprises (refused while submissions, amendments or ratings are queued).
    Logout {
        /// Log out even with queued writes, discarding them.
        #[arg(long)]
        discard_unsent: bool,
    },
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
        /// The nonce this window expects (one from `verifier-nonce`, or shown on its screen).
        #[arg(long)]
        nonce: Option<String>,
        /// The oldest cached status list used when the issuer cannot be reached, in seconds
        /// (default: the core's, 24 hours); with none younger, the status is reported unchecked.
        #[arg(long)]
        max_status_age: Option<u64>,
        /// A cached status list younger than this many seconds is used without asking the
        /// issuer (default: the core's, 5 minutes; 0 always asks when online).
        #[arg(long)]
        status_refresh_after: Option<u64>,
    },
    /// As a verifier (a window): a fresh nonce for the next presentation, kept in this store.
    VerifierNonce {
        /// This verifier's audience.
        #[arg(long)]
        audience: String,
    },
    /// The wallet's access log: what was read or shown, to whom, when (no values).
    AccessLog,
    /// Download the service catalogue (conditional: unchanged → 304).
    CatalogueSync,
    /// Search the catalogue offline (Chinese or English; 1–2 characters work too).
    Search {
        /// The words to look for.
        query: String,
        /// At most this many items.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// One item's standard guide: materials, form fields, promised days, fee.
    Item {
        /// The item id.
        id: String,
    },
    /// The one-thing bundles (一件事).
    Bundles,
    /// 秒报: fill an item's form from the wallet (asks consent once per item) and save a draft.
    Fill {
        /// The item id.
        item: String,
    },
    /// The current identity's drafts.
    Drafts,
    /// One draft with every field, its value and provenance.
    Draft {
        /// The draft id.
        id: String,
    },
    /// Set a field of a draft (a government-verified one only with --override).
    SetField {
        /// The draft id.
        draft: String,
        /// The field name.
        field: String,
        /// The value (empty clears it).
        value: String,
        /// Replace a government-verified value (it becomes user-provided).
        #[arg(long = "override")]
        override_verified: bool,
    },
    /// Submit a draft, or fill and submit an item in one go.
    Submit {
        /// A draft id, or an item id (then the form is filled first).
        target: String,
        /// Set a field before submitting: NAME=VALUE (repeatable).
        #[arg(long = "set")]
        set: Vec<String>,
        /// Replace government-verified values given with --set.
        #[arg(long = "override")]
        override_verified: bool,
        /// A co-signer: ROLE:ID_NUMBER:NAME (repeatable).
        #[arg(long = "party")]
        parties: Vec<String>,
    },
    /// Queued submissions and ratings (not yet delivered).
    Pending,
    /// Queued writes the platform refused for good, with the reason (kept until dismissed).
    Refusals,
    /// Dismiss a refusal once read.
    RefusalDismiss {
        /// The refused write's submission id.
        #[arg(allow_hyphen_values = true)]
        id: String,
    },
    /// Queued writes that could not be read back (moved aside so the others are sent).
    DeadLetters,
    /// Delete a dead letter.
    DeadLetterDelete {
        /// The entry's submission id.
        #[arg(allow_hyphen_values = true)]
        id: String,
    },
    /// Send queued submissions and ratings now.
    Retry {
        /// Also those whose backoff has not elapsed.
        #[arg(long)]
        force: bool,
    },
    /// The identity's cases (applied for or to co-sign).
    Cases,
    /// One case; with --review, its exact content as co-signers sign it.
    Case {
        /// The case id.
        id: String,
        /// Show the content and its digest.
        #[arg(long)]
        review: bool,
    },
    /// Co-sign a case (一事多人): reviews its content and signs exactly that.
    Cosign {
        /// The case id.
        case: String,
        /// Decline instead of signing.
        #[arg(long)]
        decline: bool,
        /// Sign only if the content digest is this one (from `case --review`; base64url, so it
        /// may begin with `-`).
        #[arg(long, allow_hyphen_values = true)]
        expect_sha256: Option<String>,
    },
    /// Change fields of a case you applied for (voids earlier signatures): NAME=VALUE.
    Amend {
        /// The case id.
        case: String,
        /// NAME=VALUE (repeatable).
        #[arg(long = "set", required = true)]
        set: Vec<String>,
    },
    /// Rate a finished case (好差评).
    Rate {
        /// The case id.
        case: String,
        /// good or bad.
        #[arg(value_parser = ["good", "bad"])]
        rating: String,
        /// An optional comment (at most 200 characters; no ID or phone numbers).
        #[arg(long)]
        comment: Option<String>,
    },
    /// Review a case's 容缺 pledge and sign it with the device key (the case is then accepted,
    /// awaiting the material).
    Pledge {
        /// The case id.
        case: String,
        /// Only show the pledge and its digest; sign nothing.
        #[arg(long)]
        review: bool,
        /// Sign only if the pledge's digest is this one (from `pledge --review`; base64url, so it
        /// may begin with `-`).
        #[arg(long, allow_hyphen_values = true)]
        expect_sha256: Option<String>,
    },
    /// Make the 免跑腿 envelope for a case awaiting material. The pickup address is the one the
    /// wallet offers (resident ID card, else household register) unless --address is given;
    /// running this command is the consent to send it to the platform and its courier.
    EnvelopeCreate {
        /// The case id.
        case: String,
        /// The pickup address (default: the wallet's).
        #[arg(long)]
        address: Option<String>,
    },
    /// As the applicant: book the courier by scanning the envelope's code.
    EnvelopePickup {
        /// The scanned code text (`CKE1:…`).
        text: String,
        /// The slot's start (Unix seconds; two-hour slots from 08:00 China time); default: the first free one.
        #[arg(long)]
        slot_start: Option<i64>,
    },
    /// Print an envelope's label for a C6 envelope: SVG (vector, text as text) and/or PNG.
    EnvelopePrint {
        /// The envelope id.
        envelope: String,
        /// Write the label as SVG here.
        #[arg(long)]
        svg: Option<PathBuf>,
        /// Write the label as PNG here (rendered with the system's CJK fonts).
        #[arg(long)]
        png: Option<PathBuf>,
        /// The PNG's resolution (72–1200 dots per inch).
        #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u32).range(72..=1200))]
        dpi: u32,
    },
    /// As the courier: scan an envelope's code (at the door: picked up; at the window's counter:
    /// delivered). Checked offline against the platform's published key first.
    EnvelopeScan {
        /// The scanned code text.
        text: String,
    },
    /// The platform's envelope document (keys and revoked envelopes), for windows to check codes offline.
    EnvelopeTrust {
        /// Write it to this file (it is printed otherwise).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// As the service window: check an envelope's code offline against --trust, then match it to
    /// its case and record the receipt (a repeated scan changes nothing).
    EnvelopeReceive {
        /// The scanned code text.
        text: String,
        /// The platform's envelope document (from `envelope-trust`).
        #[arg(long)]
        trust: PathBuf,
        /// Check as of this time (Unix seconds) instead of now.
        #[arg(long)]
        at: Option<i64>,
        /// Only check the code; record nothing (no network).
        #[arg(long)]
        offline: bool,
    },
    /// An envelope's timeline: every tracking event, oldest first.
    Timeline {
        /// The envelope id.
        envelope: String,
        /// As stored on this device (no network).
        #[arg(long)]
        offline: bool,
    },
    /// Register this device for encrypted push through a carrier endpoint (prints the subscription).
    PushSubscribe {
        /// The carrier's endpoint or token (FCM, APNs, a browser's push service).
        endpoint: String,
    },
    /// This device's push subscription as JSON: endpoint, `p256dh`, `auth` (no network).
    PushSubscription,
    /// Hand a raw push body (a file of the bytes the carrier delivered) to the core: prints what
    /// the shell should do.
    PushReceive {
        /// The file with the body.
        file: PathBuf,
    },
    /// Notices: case status changes, co-signing requests, envelope events, pledge reminders
    /// (pulled from the platform, then listed newest first).
    Inbox {
        /// Only the unread ones.
        #[arg(long)]
        unread: bool,
    },
    /// Mark an inbox item read.
    InboxRead {
        /// The item's id.
        id: i64,
    },
    /// Delete an inbox item from this device.
    InboxDelete {
        /// The item's id.
        id: i64,
    },
    /// Services recommended for the identity acted for, computed on this device, each with its
    /// reason.
    Recommend {
        /// How many.
        #[arg(long, default_value_t = 10)]
        limit: u32,
    },
    /// Never recommend a service again (`--not-for-me`: nor its bundle from a life event).
    RecommendDismiss {
        /// The service item id.
        item: String,
        /// Not for me (rather than just "not now").
        #[arg(long)]
        not_for_me: bool,
    },
    /// Record that a service's guide was opened (an interest, kept on this device).
    RecommendView {
        /// The service item id.
        item: String,
    },
    /// Policy campaigns this identity is eligible for (matched on this device) and why.
    Campaigns,
    /// Standing auto-fill consents.
    Consents,
    /// Withdraw the auto-fill consent for an item.
    ConsentRevoke {
        /// The item id.
        item: String,
    },
    /// Re-encrypt the store under a new passphrase (atomic).
    Rekey {
        /// The new passphrase.
        #[arg(long, env = "CITYKIT_NEW_PASSPHRASE", hide_env_values = true)]
        new_passphrase: String,
    },
    /// Read and check every page of the store (the maintenance check); a damaged store is moved aside.
    StoreCheck,
}

/// Runs one client subcommand.
pub async fn run(args: ClientArgs) -> ExitCode {
    let json = args.json;
    let language = if args.lang == "zh" { Language::Zh } else { Language::En };
    match execute(args).await {
        Ok((value, text)) => {
            if json {
                emit(&serde_json::to_string_pretty(&value).unwrap_or_default());
            } else {
                emit(&text);
            }
            ExitCode::SUCCESS
        }
        Err(Failure::Core(e)) => {
            let details = error_details(&e);
            if json {
                let mut error = json!({"code": e.code(), "message": e.message(language), "details": details});
                if let Some(moved_to) = moved_to(&e) {
                    error["moved_to"] = json!(moved_to.display().to_string());
                }
                emit(&serde_json::to_string_pretty(&json!({"error": error})).unwrap_or_default());
            } else {
                eprintln!("error [{}]: {}\n  details: {details}", e.code(), e.message(language));
            }
            ExitCode::FAILURE
        }
        Err(Failure::Usage(message)) => {
            if json {
                emit(&json!({"error": {"code": "cli.usage", "message": message}}).to_string());
            } else {
                eprintln!("error: {message}");
            }
            ExitCode::from(2)
        }
    }
}

/// Where a damaged store was moved aside (`store.corrupt`), as docs/errors.md promises.
fn moved_to(e: &CityKitError) -> Option<&std::path::Path> {
    match e {
        CityKitError::Store(citykit_core::store::StoreError::Corrupt { moved_to }) => moved_to.as_deref(),
        _ => None,
    }
}

/// An error's debug text for `details`. The core's text for `store.corrupt` prints the path as
/// `Some("…")` (a `Debug` of an `Option`); the QA client says it plainly.
fn error_details(e: &CityKitError) -> String {
    match (e, moved_to(e)) {
        (CityKitError::Store(citykit_core::store::StoreError::Corrupt { .. }), Some(path)) => {
            format!("the store file is damaged and was moved aside to {}", path.display())
        }
        (CityKitError::Store(citykit_core::store::StoreError::Corrupt { .. }), None) => "the store file is damaged".into(),
        _ => e.to_string(),
    }
}

/// Prints a result; a closed pipe (`… | head`) is not an error worth a panic.
fn emit(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}").and_then(|_| out.flush());
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
        roots.push(std::fs::read_to_string(file).map_err(|e| bad_file("--ca-file", file, &e.to_string()))?);
    }
    if roots.is_empty() && !args.public_roots && needs_issuer {
        return Err(Failure::Usage("give --ca-file (the platform's CA) or --public-roots".into()));
    }
    let mut platform = PlatformConfig::new(issuer, args.client_id.clone(), args.redirect_uri.clone());
    if !args.scopes.is_empty() {
        platform.scopes = args.scopes.clone();
    }
    platform.api_base = args.api_base.clone();
    Ok(ClientConfig {
        data_dir: args.data_dir.clone(),
        platform,
        net: NetConfig {
            trust: TrustConfig {
                extra_root_certificates_pem: roots,
                spki_pins: args.pins.clone(),
                use_public_roots: args.public_roots || !needs_issuer,
            },
            request_timeout: Duration::from_secs(args.timeout.max(1)),
            ..NetConfig::default()
        },
    })
}

fn key_provider(args: &ClientArgs) -> Result<PassphraseKeyProvider, Failure> {
    let passphrase = args.passphrase.clone().ok_or_else(|| Failure::Usage("--passphrase (or CITYKIT_PASSPHRASE) is required".into()))?;
    Ok(PassphraseKeyProvider::new(&args.data_dir, passphrase))
}

/// A file a flag names cannot be read or is not what the flag expects: `config.invalid` (exit 1),
/// not a usage error, since the command line itself was right.
fn bad_file(flag: &str, file: &std::path::Path, problem: &str) -> Failure {
    Failure::Core(CityKitError::Config(format!("{flag} {}: {problem}", file.display())))
}

/// Verifier mode needs no store and no login: trusted issuers come from files.
/// The trusted issuers of `--trust` files (read before the store opens: a bad file is
/// `config.invalid` whatever else is wrong).
fn trust_list(trust: &[PathBuf]) -> Result<Vec<citykit_core::wallet::TrustedIssuer>, Failure> {
    let mut trusted = Vec::new();
    for file in trust {
        let raw = std::fs::read_to_string(file).map_err(|e| bad_file("--trust", file, &e.to_string()))?;
        trusted.extend(citykit_core::wallet::TrustedIssuer::parse_list(&raw).map_err(|e| bad_file("--trust", file, &e.to_string()))?);
    }
    Ok(trusted)
}

fn verified_text(verified: &citykit_core::wallet::VerifiedPresentation) -> String {
    let status = match (verified.status_checked, verified.status_list_age_secs) {
        (true, Some(age)) => format!("status checked (list {age} s old)"),
        (true, None) => "status checked".to_owned(),
        (false, _) => "STATUS NOT CHECKED (no status list could be had)".to_owned(),
    };
    format!(
        "VALID {} from {}; {status}\n{}",
        verified.vct,
        verified.issuer,
        serde_json::to_string_pretty(verified.claims.expose()).unwrap_or_default()
    )
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

/// The scripted person's answer to every presence prompt.
struct ScriptedPresence {
    accept: bool,
}

impl citykit_core::UserPresence for ScriptedPresence {
    fn confirm(&self, _purpose: &citykit_core::PresencePurpose) -> Result<bool, citykit_core::identity::PresenceError> {
        Ok(self.accept)
    }
}

fn item_text(item: &citykit_core::catalogue::ServiceItem) -> String {
    let mut lines = vec![
        format!("{}  {} / {}", item.id, item.name_zh, item.name_en),
        format!(
            "office: {}   promised: {} working days   fee: {}   instant: {}",
            item.office.name_zh,
            item.promised_working_days,
            if item.fee.amount_fen == 0 { "free".to_owned() } else { format!("{:.2} yuan", item.fee.amount_fen as f64 / 100.0) },
            item.instant
        ),
        "materials:".into(),
    ];
    for m in &item.materials {
        lines.push(format!(
            "  {} {}{}{}",
            if m.required { "*" } else { " " },
            m.name_zh,
            m.satisfied_by.as_deref().map(|v| format!("  ← {v}")).unwrap_or_default(),
            m.tolerance_days.map(|d| format!("  (容缺 {d} days)")).unwrap_or_default()
        ));
    }
    lines.push(format!("form v{}:", item.form.version));
    for f in &item.form.fields {
        lines.push(format!("  {} {:<28} {:?}  {}", if f.required { "*" } else { " " }, f.name, f.field_type, f.label_zh));
    }
    lines.join("\n")
}

fn form_text(form: &citykit_core::autofill::FilledForm) -> String {
    use citykit_core::autofill::ValueOrigin;
    let mut lines = vec![format!("draft {}  {} / {}", form.draft_id, form.item_name_zh, form.item_name_en)];
    for f in &form.fields {
        let source = match (&f.origin, &f.provenance) {
            (ValueOrigin::GovernmentVerified, Some(p)) => {
                format!("government-verified: {}#{}{}", p.vct, p.claim, p.derive.map(|d| format!(" ({})", d.as_str())).unwrap_or_default())
            }
            (ValueOrigin::UserProvided, _) if f.overridden => "user-provided (overrode a licence value)".into(),
            (ValueOrigin::UserProvided, _) => "user-provided".into(),
            _ => "empty".into(),
        };
        lines.push(format!(
            "  {}{:<28} {:<30} [{}]{}{}",
            if f.locked { "🔒" } else { "  " },
            f.name,
            f.value.as_ref().map(|v| v.expose().as_str()).unwrap_or("—"),
            source,
            if f.conflicts.is_empty() { String::new() } else { format!("  CONFLICT with {} other value(s)", f.conflicts.len()) },
            f.error.as_ref().map(|e| format!("  ✗ {}", e.message_en)).unwrap_or_default()
        ));
    }
    for m in &form.materials {
        lines.push(format!("  material {:<24} {:?}", m.id, m.state));
    }
    lines.push(if form.is_complete() {
        "complete: ready to submit".into()
    } else {
        format!("missing: {}", form.missing_required.join(", "))
    });
    lines.join("\n")
}

fn case_line(case: &citykit_core::cases::Case) -> String {
    format!(
        "{}  {:<20} {:<32} {}",
        case.id,
        case.status.as_str(),
        case.item_id,
        case.due_date.as_deref().map(|d| format!("due {d}")).unwrap_or_default()
    )
}

fn case_detail(case: &citykit_core::cases::Case) -> String {
    let mut lines = vec![case_line(case)];
    for p in &case.parties {
        lines.push(format!(
            "  {:<12} {}",
            p.role,
            if p.declined {
                "declined"
            } else if p.signed {
                "signed"
            } else {
                "waiting"
            }
        ));
    }
    for e in &case.history {
        lines.push(format!("  {}  {:<20} {}", e.at, e.status.as_str(), e.note_en));
    }
    if let Some(id) = &case.result_licence_id {
        lines.push(format!("  result licence in the wallet: {id}"));
    }
    lines.join("\n")
}

fn step_name(step: citykit_core::envelope::EnvelopeStep) -> String {
    serde_json::to_value(step).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// An envelope in a few lines (the pickup address is left out: it is in `--json`).
fn envelope_text(e: &citykit_core::envelope::Envelope) -> String {
    let mut text = format!(
        "Envelope {} for case {} → {} ({}), by {}: {}\n  code: {}",
        e.id,
        e.case_id,
        e.destination.name_zh,
        e.destination.name_en,
        e.deadline,
        step_name(e.status),
        e.code
    );
    if let Some(slot) = &e.pickup {
        text.push_str(&format!("\n  pickup: {} – {}", slot.slot_start, slot.slot_end));
    }
    text
}

fn outcome_text(outcome: &citykit_core::cases::SubmissionOutcome) -> String {
    match outcome {
        citykit_core::cases::SubmissionOutcome::Accepted { case } => case_detail(case),
        citykit_core::cases::SubmissionOutcome::Queued { submission_id, attempts, last_error } => format!(
            "Queued ({submission_id}) after {attempts} attempt(s){}; run `client retry` when online.",
            last_error.as_deref().map(|e| format!(" [{e}]")).unwrap_or_default()
        ),
    }
}

async fn execute(args: ClientArgs) -> Result<(Value, String), Failure> {
    let language = if args.lang == "zh" { Language::Zh } else { Language::En };
    let trusted = match &args.op {
        Op::Verify { trust, .. } => trust_list(trust)?,
        _ => Vec::new(),
    };
    let needs_issuer = !matches!(
        args.op,
        Op::Verify { .. }
            | Op::PushSubscription
            | Op::InboxRead { .. }
            | Op::InboxDelete { .. }
            | Op::EnvelopeReceive { .. }
            | Op::EnvelopePrint { .. }
            | Op::Timeline { offline: true, .. }
            | Op::VerifierNonce { .. }
            | Op::Status
            | Op::Rekey { .. }
            | Op::StoreCheck
            | Op::Licences
            | Op::Licence { .. }
            | Op::AccessLog
            | Op::Search { .. }
            | Op::Item { .. }
            | Op::Bundles
            | Op::Fill { .. }
            | Op::Drafts
            | Op::Draft { .. }
            | Op::SetField { .. }
            | Op::Consents
            | Op::ConsentRevoke { .. }
            | Op::Pending
            | Op::Refusals
            | Op::RefusalDismiss { .. }
            | Op::DeadLetters
            | Op::DeadLetterDelete { .. }
    );
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
    let mut builder = Client::builder(config, Arc::new(keys)).draft_max_age(Duration::from_secs(args.draft_days.saturating_mul(86_400)));
    if args.presence == "decline" {
        builder = builder.user_presence(Arc::new(ScriptedPresence { accept: false }));
    }
    let client = builder.open().await?;
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
        Op::Logout { discard_unsent } => {
            let outcome = if *discard_unsent { identity.logout_discarding_unsent().await? } else { identity.logout().await? };
            let mut text = if outcome.revoked_at_server {
                "Logged out: the session was revoked at the platform and local data wiped.".to_string()
            } else if !outcome.had_session {
                "Not logged in: there was no session to revoke; local data wiped.".to_string()
            } else {
                "Logged out locally; the platform could not be reached, so the revocation is queued and sent at the next login.".to_string()
            };
            if outcome.discarded_unsent > 0 {
                text.push_str(&format!(" {} queued writes were discarded.", outcome.discarded_unsent));
            }
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
            let text = format!(
                "{}  {}\n{}",
                licence.summary.id,
                licence.summary.vct,
                serde_json::to_string_pretty(licence.claims.expose()).unwrap_or_default()
            );
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
                .map(|e| {
                    format!(
                        "{}  {:<12} {}  [{}]  → {}",
                        e.at,
                        e.action,
                        e.vct.as_deref().unwrap_or(""),
                        e.claims.join(","),
                        e.counterparty.as_deref().unwrap_or("")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            (json!({"access_log": log}), text)
        }
        Op::CatalogueSync => {
            let sync = client.catalogue().sync().await?;
            let text = format!(
                "Catalogue {}: {} items, {} bundles ({}).",
                sync.version,
                sync.item_count,
                sync.bundle_count,
                if sync.changed { "updated" } else { "unchanged" }
            );
            (serde_json::to_value(&sync).unwrap_or_default(), text)
        }
        Op::Search { query, limit } => {
            let hits = client.catalogue().search(query, *limit).await?;
            let text = hits
                .iter()
                .map(|h| format!("{:<36} {}  {}{}", h.id, h.name_zh, h.name_en, if h.instant { "  [秒批]" } else { "" }))
                .collect::<Vec<_>>()
                .join("\n");
            (json!({"items": hits}), if text.is_empty() { "No items found.".into() } else { text })
        }
        Op::Item { id } => {
            let item = client.catalogue().item(id).await?;
            let text = item_text(&item);
            (serde_json::to_value(&item).unwrap_or_default(), text)
        }
        Op::Bundles => {
            let bundles = client.catalogue().bundles().await?;
            let text =
                bundles.iter().map(|b| format!("{:<20} {}  ({})", b.id, b.name_zh, b.items.join(", "))).collect::<Vec<_>>().join("\n");
            (json!({"bundles": bundles}), text)
        }
        Op::Fill { item } => {
            let form = client.autofill().fill(item).await?;
            (serde_json::to_value(&form).unwrap_or_default(), form_text(&form))
        }
        Op::Drafts => {
            let drafts = client.autofill().drafts().await?;
            let text = drafts
                .iter()
                .map(|d| format!("{}  {:<32} {}{}", d.draft_id, d.item_id, d.item_name_zh, if d.complete { "  (complete)" } else { "" }))
                .collect::<Vec<_>>()
                .join("\n");
            (json!({"drafts": drafts}), if text.is_empty() { "No drafts.".into() } else { text })
        }
        Op::Draft { id } => {
            let form = client.autofill().draft(id).await?;
            (serde_json::to_value(&form).unwrap_or_default(), form_text(&form))
        }
        Op::SetField { draft, field, value, override_verified } => {
            let form = client.autofill().set_field(draft, field, Some(value.clone()), *override_verified).await?;
            (serde_json::to_value(&form).unwrap_or_default(), form_text(&form))
        }
        Op::Submit { target, set, override_verified, parties } => {
            let autofill = client.autofill();
            let draft_id = match autofill.draft(target).await {
                Ok(form) => form.draft_id,
                Err(CityKitError::Autofill(citykit_core::autofill::AutofillError::UnknownDraft)) => autofill.fill(target).await?.draft_id,
                Err(e) => return Err(e.into()),
            };
            for assignment in set {
                let (name, value) = assignment.split_once('=').ok_or_else(|| Failure::Usage("--set wants NAME=VALUE".into()))?;
                autofill.set_field(&draft_id, name, Some(value.to_owned()), *override_verified).await?;
            }
            if !parties.is_empty() {
                let mut list = Vec::new();
                for p in parties {
                    let mut parts = p.splitn(3, ':');
                    match (parts.next(), parts.next(), parts.next()) {
                        (Some(role), Some(id_number), Some(name)) => list.push(citykit_core::autofill::Party {
                            role: role.to_owned(),
                            id_number: id_number.to_owned().into(),
                            name: name.to_owned().into(),
                        }),
                        _ => return Err(Failure::Usage("--party wants ROLE:ID_NUMBER:NAME".into())),
                    }
                }
                autofill.set_parties(&draft_id, list).await?;
            }
            let outcome = client.cases().submit(&draft_id).await?;
            let text = outcome_text(&outcome);
            (serde_json::to_value(&outcome).unwrap_or_default(), text)
        }
        Op::Pending => {
            let pending = client.cases().pending().await?;
            let text = pending
                .iter()
                .map(|p| {
                    format!(
                        "{}  {:<10} attempts {}  {}",
                        p.submission_id,
                        p.kind.as_str(),
                        p.attempts,
                        p.last_error.as_deref().unwrap_or("")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            (json!({"pending": pending}), if text.is_empty() { "Nothing queued.".into() } else { text })
        }
        Op::Refusals => {
            let refusals = client.cases().refusals().await?;
            let text = refusals
                .iter()
                .map(|r| {
                    let about = r.case_id.as_deref().or(r.item_id.as_deref()).unwrap_or("");
                    let field = r.field.as_deref().map(|f| format!(" (field {f})")).unwrap_or_default();
                    format!("{}  {:<10} {about}  {}{field}", r.submission_id, r.kind.as_str(), r.reason)
                })
                .collect::<Vec<_>>()
                .join("\n");
            (json!({"refusals": refusals}), if text.is_empty() { "No refusals.".into() } else { text })
        }
        Op::RefusalDismiss { id } => {
            client.cases().dismiss_refusal(id).await?;
            (json!({"dismissed": id}), format!("Refusal {id} dismissed."))
        }
        Op::DeadLetters => {
            let letters = client.cases().dead_letters().await?;
            let text = letters
                .iter()
                .map(|d| format!("{}  {:<10} {}  {}", d.submission_id, d.kind.as_str(), d.refers_to.as_deref().unwrap_or(""), d.reason))
                .collect::<Vec<_>>()
                .join("\n");
            (json!({"dead_letters": letters}), if text.is_empty() { "No dead letters.".into() } else { text })
        }
        Op::DeadLetterDelete { id } => {
            client.cases().delete_dead_letter(id).await?;
            (json!({"deleted": id}), format!("Dead letter {id} deleted."))
        }
        Op::Retry { force } => {
            let report = client.cases().retry_pending(*force).await?;
            let text = format!(
                "accepted {}, rated {}, refused {}, still queued {}",
                report.accepted.len(),
                report.rated.len(),
                report.refused.len(),
                report.pending.len()
            );
            (serde_json::to_value(&report).unwrap_or_default(), text)
        }
        Op::Cases => {
            let cases = client.cases().cases().await?;
            let text = cases.iter().map(case_line).collect::<Vec<_>>().join("\n");
            (json!({"cases": cases}), if text.is_empty() { "No cases.".into() } else { text })
        }
        Op::Case { id, review } => {
            if *review {
                let review = client.cases().review(id).await?;
                let text = format!(
                    "{}\ncontent (revision {}), sha256 {}:\n{}",
                    case_line(&review.case),
                    review.content.revision,
                    review.content_sha256,
                    serde_json::to_string_pretty(&review.content).unwrap_or_default()
                );
                (serde_json::to_value(&review).unwrap_or_default(), text)
            } else {
                let case = client.cases().case(id).await?;
                let text = case_detail(&case);
                (serde_json::to_value(&case).unwrap_or_default(), text)
            }
        }
        Op::PushSubscribe { endpoint } => {
            let subscription = client.push().subscribe(endpoint).await?;
            let text = format!("Subscribed through {}.", subscription.endpoint);
            (serde_json::to_value(&subscription).unwrap_or_default(), text)
        }
        Op::PushSubscription => {
            let subscription = client.push().subscription().await?;
            let value = serde_json::to_value(&subscription).unwrap_or_default();
            let text = match &subscription {
                Some(_) => serde_json::to_string_pretty(&value).unwrap_or_default(),
                None => "No push subscription on this device.".to_owned(),
            };
            (value, text)
        }
        Op::PushReceive { file } => {
            let body = std::fs::read(file).map_err(|e| Failure::Usage(format!("cannot read {}: {e}", file.display())))?;
            let outcome = client.push().receive(&body, language).await?;
            let text = match &outcome.action {
                citykit_core::push::PushAction::Show { title, body, deep_link } => format!("Show: {title} — {body} ({deep_link})"),
                citykit_core::push::PushAction::Silent { reason } => {
                    format!("Silent ({reason:?}): inbox item {} is in the inbox", outcome.item.id)
                }
                citykit_core::push::PushAction::Duplicate => format!("Silent: inbox item {} was delivered before", outcome.item.id),
            };
            (serde_json::to_value(&outcome).unwrap_or_default(), text)
        }
        Op::Pledge { case, review, expect_sha256 } => {
            let cases = client.cases();
            let pledge = cases.review_pledge(case).await?;
            if *review {
                let text = format!(
                    "Pledge for case {} (sign by digest {}):\n  missing: {}\n  by: {}\n  {}\n  {}",
                    pledge.case_id,
                    pledge.pledge_sha256,
                    pledge.materials.iter().map(|m| format!("{} / {}", m.name_zh, m.name_en)).collect::<Vec<_>>().join(", "),
                    pledge.deadline,
                    pledge.text_zh,
                    pledge.text_en
                );
                (serde_json::to_value(&pledge).unwrap_or_default(), text)
            } else {
                let digest = expect_sha256.clone().unwrap_or(pledge.pledge_sha256.clone());
                let done = cases.sign_pledge(case, &digest).await?;
                (serde_json::to_value(&done).unwrap_or_default(), case_detail(&done))
            }
        }
        Op::EnvelopeCreate { case, address } => {
            let envelopes = client.envelopes();
            let address = match address {
                Some(a) => a.clone(),
                None => match envelopes.pickup_address_from_wallet().await? {
                    Some(offer) => offer.address.expose().clone(),
                    None => return Err(Failure::Usage("the wallet holds no address: give --address".into())),
                },
            };
            let envelope = envelopes.create(case, citykit_core::Personal::new(address)).await?;
            (serde_json::to_value(&envelope).unwrap_or_default(), envelope_text(&envelope))
        }
        Op::EnvelopePickup { text, slot_start } => {
            let envelope = client.envelopes().request_pickup(text, *slot_start).await?;
            (serde_json::to_value(&envelope).unwrap_or_default(), envelope_text(&envelope))
        }
        Op::EnvelopePrint { envelope, svg, png, dpi } => {
            let label = client.envelopes().label_svg(envelope).await?;
            let write = |path: &PathBuf, bytes: &[u8]| {
                std::fs::write(path, bytes).map_err(|e| Failure::Usage(format!("cannot write {}: {e}", path.display())))
            };
            if let Some(path) = svg {
                write(path, label.as_bytes())?;
            }
            if let Some(path) = png {
                let image = super::label_png::render(&label, *dpi as f32).map_err(Failure::Usage)?;
                write(path, &image)?;
            }
            let files: Vec<String> = [svg, png].into_iter().flatten().map(|p| p.display().to_string()).collect();
            (
                json!({"envelope_id": envelope, "files": files, "dpi": dpi}),
                format!("Label of envelope {envelope} written: {}", files.join(", ")),
            )
        }
        Op::EnvelopeScan { text } => {
            let scan = client.courier().scan(text).await?;
            let line = format!("Envelope {}: {}", scan.envelope_id, step_name(scan.status));
            (serde_json::to_value(&scan).unwrap_or_default(), line)
        }
        Op::EnvelopeTrust { out } => {
            let document = client.envelopes().fetch_trust().await?;
            let value: Value = serde_json::from_str(&document).unwrap_or_default();
            let text = match out {
                Some(path) => {
                    std::fs::write(path, &document).map_err(|e| Failure::Usage(format!("cannot write {}: {e}", path.display())))?;
                    format!("The envelope document was written to {}.", path.display())
                }
                None => document,
            };
            (value, text)
        }
        Op::EnvelopeReceive { text, trust, at, offline } => {
            let document = std::fs::read_to_string(trust).map_err(|e| Failure::Usage(format!("cannot read {}: {e}", trust.display())))?;
            let window = client.envelope_window(&document)?;
            if *offline {
                let claims = window.verify(text, *at)?;
                let line =
                    format!("Envelope {} is genuine (from {}, valid until {}).", claims.envelope_id, claims.issuer, claims.expires_at);
                (serde_json::to_value(&claims).unwrap_or_default(), line)
            } else {
                let receipt = window.receive(text, *at).await?;
                let line = format!(
                    "Envelope {} {} for case {} ({}): {}",
                    receipt.envelope_id,
                    if receipt.already_received { "was already received" } else { "received" },
                    receipt.case_id,
                    receipt.item_id,
                    receipt.materials.iter().map(|m| m.name_zh.as_str()).collect::<Vec<_>>().join("、")
                );
                (serde_json::to_value(&receipt).unwrap_or_default(), line)
            }
        }
        Op::Timeline { envelope, offline } => {
            let envelopes = client.envelopes();
            let envelope = if *offline { envelopes.stored_envelope(envelope).await? } else { envelopes.envelope(envelope).await? };
            let text =
                envelope.events.iter().map(|e| format!("{}  {:<18} {}", e.at, step_name(e.kind), e.note_zh)).collect::<Vec<_>>().join("\n");
            (serde_json::to_value(&envelope.events).unwrap_or_default(), text)
        }
        Op::Cosign { case, decline, expect_sha256 } => {
            let cases = client.cases();
            let review = cases.review(case).await?;
            let digest = expect_sha256.clone().unwrap_or(review.content_sha256.clone());
            let done = if *decline { cases.decline(case, &digest).await? } else { cases.sign(case, &digest).await? };
            (serde_json::to_value(&done).unwrap_or_default(), case_detail(&done))
        }
        Op::Amend { case, set } => {
            let mut changes = Vec::new();
            for assignment in set {
                let (name, value) = assignment.split_once('=').ok_or_else(|| Failure::Usage("--set wants NAME=VALUE".into()))?;
                changes.push((name.to_owned(), value.to_owned()));
            }
            let outcome = client.cases().amend(case, changes).await?;
            let text = outcome_text(&outcome);
            (serde_json::to_value(&outcome).unwrap_or_default(), text)
        }
        Op::Rate { case, rating, comment } => {
            let rating = if rating == "good" { citykit_core::cases::Rating::Good } else { citykit_core::cases::Rating::Bad };
            let outcome = client.cases().rate(case, rating, comment.clone()).await?;
            let text = match &outcome {
                citykit_core::cases::SubmissionOutcome::Accepted { case } => format!("Rated case {}.", case.id),
                citykit_core::cases::SubmissionOutcome::Queued { submission_id, .. } => {
                    format!("Rating queued ({submission_id}); it is sent once when online.")
                }
            };
            (serde_json::to_value(&outcome).unwrap_or_default(), text)
        }
        Op::InboxRead { id } => {
            client.cases().mark_read(*id).await?;
            (json!({"read": id, "unread": client.cases().unread_count().await?}), format!("Item {id} marked read."))
        }
        Op::InboxDelete { id } => {
            client.cases().delete_inbox_item(*id).await?;
            (json!({"deleted": id}), format!("Item {id} deleted."))
        }
        Op::Inbox { unread } => {
            client.cases().inbox().await?;
            let items = client.cases().inbox_page(None, 500, *unread).await?;
            let text = items
                .iter()
                .map(|i| {
                    let (status, about) = match (&i.status, &i.case_id, &i.campaign_id) {
                        (Some(status), Some(case), _) => (status.as_str(), case.as_str()),
                        (_, _, Some(campaign)) => ("policy_campaign", campaign.as_str()),
                        _ => ("", ""),
                    };
                    format!("{:>4} {}  {:<15} {}  {}", i.id, if i.read { " " } else { "*" }, status, about, i.title_zh)
                })
                .collect::<Vec<_>>()
                .join("\n");
            let unread_count = client.cases().unread_count().await?;
            (json!({"items": items, "unread": unread_count}), if text.is_empty() { "The inbox is empty.".into() } else { text })
        }
        Op::Recommend { limit } => {
            let list = client.recommend().recommend(*limit).await?;
            let text = list
                .iter()
                .enumerate()
                .map(|(n, r)| {
                    let (name, reason) = match language {
                        Language::Zh => (&r.name_zh, &r.reason_zh),
                        Language::En => (&r.name_en, &r.reason_en),
                    };
                    format!("{:>2}. {} ({})\n    {reason}", n + 1, name, r.item_id)
                })
                .collect::<Vec<_>>()
                .join("\n");
            (json!({"recommendations": list}), if text.is_empty() { "Nothing to recommend.".into() } else { text })
        }
        Op::RecommendDismiss { item, not_for_me } => {
            let how = if *not_for_me { citykit_core::recommend::Dismissal::NotForMe } else { citykit_core::recommend::Dismissal::Dismiss };
            client.recommend().dismiss(item, how).await?;
            (json!({"dismissed": item, "how": how}), format!("{item} will not be recommended again."))
        }
        Op::RecommendView { item } => {
            client.recommend().record_view(item).await?;
            (json!({"viewed": item}), format!("Recorded a view of {item} (kept on this device)."))
        }
        Op::Campaigns => {
            let matches = client.recommend().campaigns().await?;
            let text = matches
                .iter()
                .map(|m| {
                    let facts: Vec<String> = m.because.iter().map(|f| format!("{} = {}", f.fact, f.value.expose())).collect();
                    let title = if language == Language::Zh { &m.title_zh } else { &m.title_en };
                    format!("{} ({})\n    because {}", title, m.campaign_id, facts.join(", "))
                })
                .collect::<Vec<_>>()
                .join("\n");
            // The facts' values are shown to their owner here; with --json they are in the output too.
            let json_matches: Vec<Value> = matches
                .iter()
                .map(|m| {
                    json!({
                        "campaign_id": m.campaign_id, "title_zh": m.title_zh, "title_en": m.title_en, "item_id": m.item_id, "until": m.until,
                        "because": m.because.iter().map(|f| json!({"fact": f.fact, "value": f.value.expose()})).collect::<Vec<_>>(),
                    })
                })
                .collect();
            (json!({"campaigns": json_matches}), if text.is_empty() { "No campaign applies.".into() } else { text })
        }
        Op::Consents => {
            let consents = client.autofill().consents().await?;
            let text = consents.iter().map(|c| format!("{:<36} {}", c.item_id, c.claims.join(", "))).collect::<Vec<_>>().join("\n");
            (json!({"consents": consents}), if text.is_empty() { "No consents.".into() } else { text })
        }
        Op::ConsentRevoke { item } => {
            let revoked = client.autofill().revoke_consent(item).await?;
            (
                json!({"revoked": revoked}),
                if revoked { format!("Consent for {item} withdrawn.") } else { format!("There was no consent for {item}.") },
            )
        }
        Op::Verify { text, audience, nonce, max_status_age, status_refresh_after, .. } => {
            let mut settings = citykit_core::wallet::VerifierSettings::default();
            if let Some(secs) = max_status_age {
                settings.max_status_age = Duration::from_secs(*secs);
            }
            if let Some(secs) = status_refresh_after {
                settings.status_refresh_after = Duration::from_secs(*secs);
            }
            let verified = client.verifier(audience.clone(), trusted, settings).verify(text.trim(), nonce.as_deref()).await?;
            let human = verified_text(&verified);
            (serde_json::to_value(&verified).unwrap_or_default(), human)
        }
        Op::VerifierNonce { audience } => {
            let verifier = client.verifier(audience.clone(), Vec::new(), citykit_core::wallet::VerifierSettings::default());
            let nonce = verifier.new_nonce().await?;
            (json!({"nonce": nonce, "audience": audience}), nonce)
        }
        Op::Rekey { .. } => {
            if let Some((old, new)) = rekey_keys {
                client.store().rekey(old, new).await.map_err(CityKitError::from)?;
            }
            client.store().close().await.map_err(CityKitError::from)?;
            (json!({"rekeyed": true}), "The store is now encrypted under the new passphrase.".into())
        }
        Op::StoreCheck => {
            let check = client.check_store().await?;
            (json!({"sound": true, "pages": check.pages}), format!("The store is sound: {} pages checked.", check.pages))
        }
    };
    Ok(result)
}
