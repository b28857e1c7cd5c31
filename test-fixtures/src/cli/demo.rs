//! `citykit-sim demo`: the scripted citizen journey. It starts the simulator in-process on
//! loopback, creates an encrypted store, logs a fixture citizen in, lists their identities,
//! acts for an enterprise and back, fetches their e-licences and shows one (亮证) to a verifier,
//! syncs and searches the service catalogue, fills a rental registration from the wallet (秒报),
//! has the co-landlord and the tenant co-sign it on their own simulated phones, receives the
//! instantly approved (秒批) certificate into the wallet, rates the case, has the tenant apply for
//! a residence permit on a signed 容缺 pledge and send the missing paper in a 免跑腿 envelope
//! (courier, window receipt, timeline), logs out, and prints a transcript of each step.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use citykit_core::store::key::DEFAULT_PBKDF2_ITERATIONS;
use citykit_core::store::STORE_FILE_NAME;
use citykit_core::{
    CityKitError, Client, ClientConfig, IdentityKind, Language, NetConfig, PassphraseKeyProvider, PlatformConfig, TrustConfig,
};
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
    let shown: Vec<String> =
        url.query_pairs().map(|(k, v)| if k == "iss" || k == "error" { format!("{k}={v}") } else { format!("{k}=…") }).collect();
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
    let platform = PlatformConfig::new(sim.issuer(), "citykit-demo", "org.citykit.demo:/oauth2redirect");
    let config = ClientConfig {
        data_dir: data_dir.clone(),
        platform,
        net: NetConfig {
            trust: TrustConfig {
                extra_root_certificates_pem: vec![sim.ca_cert_pem()],
                spki_pins: vec![sim.spki_pin()],
                ..Default::default()
            },
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
                format!(
                    "{}; the platform confirms it is called as {} ({:?})",
                    enterprise.name.expose(),
                    who.acting_as.id,
                    who.acting_as.kind
                ),
            );
            identity.switch_identity(&account.subject).await?;
            let who = identity.whoami().await?;
            t.say("Switch back", format!("the platform confirms it is called as {} ({:?})", who.acting_as.id, who.acting_as.kind));
        }
        None => t.say("Act for", format!("{} acts for no enterprise; nothing to switch", args.citizen)),
    }

    services(&mut t, &sim, &client, &args.citizen, &data_dir).await?;

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

/// The co-signers of the demo's rental registration, by the landlord's fixture id.
fn rental_parties(landlord: &str) -> Option<(&'static str, &'static str)> {
    (landlord == "citizen-01").then_some(("citizen-02", "citizen-05"))
}

fn china_date(days_from_today: i64) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let (y, m, d) = citykit_core::autofill::validate::china_today(now + days_from_today * 86_400);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Another person's phone: its own encrypted store and device key, logged in, licences fetched.
async fn other_device(sim: &citykit_sim::SimHandle, base: &std::path::Path, citizen: &str) -> Result<Client, DemoError> {
    let dir = base.join(format!("device-{citizen}"));
    // A prop for the journey: each run starts it afresh (a session from an earlier run belongs to
    // an earlier simulator).
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| DemoError::Other(format!("cannot reset {}: {e}", dir.display())))?;
    }
    let platform = PlatformConfig::new(sim.issuer(), "citykit-demo", "org.citykit.demo:/oauth2redirect");
    let config = ClientConfig {
        data_dir: dir.clone(),
        platform,
        net: NetConfig {
            trust: TrustConfig { extra_root_certificates_pem: vec![sim.ca_cert_pem()], ..Default::default() },
            ..NetConfig::default()
        },
    };
    let client = Client::open(config, Arc::new(PassphraseKeyProvider::new(&dir, format!("{DEMO_PASSPHRASE}-{citizen}")))).await?;
    if !client.identity().is_logged_in().await {
        let request = client.identity().start_login().await?;
        let redirect =
            sim.authorize_as(&request.authorization_url, citizen).await.map_err(|e| DemoError::Other(format!("sign-in failed: {e}")))?;
        client.identity().complete_login(&redirect).await?;
    }
    client.wallet().fetch_licences().await?;
    Ok(client)
}

async fn services(
    t: &mut Transcript,
    sim: &citykit_sim::SimHandle,
    client: &Client,
    citizen: &str,
    data_dir: &std::path::Path,
) -> Result<(), DemoError> {
    use citykit_core::autofill::{Party, ValueOrigin};
    use citykit_core::cases::{CaseStatus, Rating, SubmissionOutcome};

    let wallet = client.wallet();
    let licences = wallet.fetch_licences().await?;
    t.say(
        "Wallet",
        format!(
            "{} licences fetched with consent, each verified (issuer signature, disclosures, device binding, status):\n{}",
            licences.len(),
            licences.iter().map(|l| l.vct.trim_start_matches("urn:citykit:vct:").to_owned()).collect::<Vec<_>>().join(", ")
        ),
    );
    if let Some(id_card) = licences.iter().find(|l| l.vct.ends_with(":resident_id_card")) {
        let audience = "https://window.example/verifier";
        let shown = wallet.present(&id_card.id, &["age_over_18".to_owned()], audience, None, 60).await?;
        let trusted = citykit_core::wallet::TrustedIssuer::parse_list(
            &sim.issuer_jwks("public-security").map(|k| json_issuer(&id_card.issuer, k)).unwrap_or_default(),
        )
        .map_err(CityKitError::from)?;
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        let verified = citykit_core::wallet::Verifier::new(audience, trusted)
            .verify(&shown.qr_payload, now, &std::collections::HashMap::new())
            .map_err(CityKitError::from)?;
        t.say(
            "亮证",
            format!(
                "resident ID card shown as a QR code (version {}, {} characters) disclosing only {:?};\nthe verifier checked it offline: {}",
                shown.qr_version,
                shown.qr_payload.len(),
                shown.claims,
                verified.claims.expose()
            ),
        );
    }

    let catalogue = client.catalogue();
    let sync = catalogue.sync().await?;
    let again = catalogue.sync().await?;
    t.say(
        "Catalogue",
        format!(
            "{} items, {} bundles (version {}); a second sync: {}",
            sync.item_count,
            sync.bundle_count,
            sync.version,
            if again.changed { "changed" } else { "304 Not Modified" }
        ),
    );
    let mut found = Vec::new();
    for query in ["社保", "租赁"] {
        let hits = catalogue.search(query, 3).await?;
        found.push(format!("{query} → {}", hits.iter().map(|h| h.name_zh.as_str()).collect::<Vec<_>>().join("、")));
    }
    t.say("Search", format!("offline, FTS5 trigram (LIKE for 1–2 characters):\n{}", found.join("\n")));

    let Some((co_landlord, tenant)) = rental_parties(citizen) else {
        t.say("秒报", format!("{citizen} has no rental to register in the fixtures; skipped"));
        return Ok(());
    };
    let autofill = client.autofill();
    let form = autofill.fill("rental-registration").await?;
    let verified = form.fields.iter().filter(|f| f.origin == ValueOrigin::GovernmentVerified).count();
    t.say(
        "秒报",
        format!(
            "房屋租赁登记备案: {} of {} fields filled from licences (locked, with their source), materials attached: {}",
            verified,
            form.fields.len(),
            form.materials.iter().filter(|m| m.state == citykit_core::autofill::MaterialState::Attached).count()
        ),
    );
    autofill.set_field(&form.draft_id, "monthly_rent", Some("4500".into()), false).await?;
    autofill.set_field(&form.draft_id, "lease_start", Some(china_date(1)), false).await?;
    autofill.set_field(&form.draft_id, "lease_end", Some(china_date(366)), false).await?;
    let person = |id: &str| sim.fixtures().citizen(id).cloned().ok_or_else(|| DemoError::Other(format!("no fixture {id}")));
    let (co, ten) = (person(co_landlord)?, person(tenant)?);
    autofill
        .set_parties(
            &form.draft_id,
            vec![
                Party { role: "co_landlord".into(), name: co.name.clone().into(), id_number: co.id_number.clone().into() },
                Party { role: "tenant".into(), name: ten.name.clone().into(), id_number: ten.id_number.clone().into() },
            ],
        )
        .await?;
    let case = match client.cases().submit(&form.draft_id).await? {
        SubmissionOutcome::Accepted { case } => case,
        SubmissionOutcome::Queued { .. } => return Err(DemoError::Other("the case was queued: the platform is unreachable".into())),
    };
    t.say(
        "Submit",
        format!("case {}: {} (the landlord signed; waiting for {} co-signers)", case.id, case.status.as_str(), case.parties.len()),
    );

    for (role, who) in [("co-landlord", co_landlord), ("tenant", tenant)] {
        let device = other_device(sim, data_dir, who).await?;
        let inbox = device.cases().inbox().await?;
        let review = device.cases().review(&case.id).await?;
        let signed = device.cases().sign(&case.id, &review.content_sha256).await?;
        t.say(
            "Co-sign",
            format!(
                "the {role} ({who}) found the request in the inbox ({} notice(s)), reviewed revision {} and signed it with their own device key → {}",
                inbox.len(),
                review.content.revision,
                signed.status.as_str()
            ),
        );
        device.store().close().await.map_err(CityKitError::from)?;
    }
    let done = client.cases().case(&case.id).await?;
    if done.status != CaseStatus::Approved {
        return Err(DemoError::Other(format!("the co-signed case is {}, not approved", done.status.as_str())));
    }
    let certificate = done.result_licence_id.clone().unwrap_or_default();
    t.say("秒批", format!("approved instantly once all had signed; the registration certificate is in the wallet ({certificate})"));
    match client.cases().rate(&case.id, Rating::Good, Some("全程网办，没跑一次腿".into())).await? {
        SubmissionOutcome::Accepted { .. } => t.say("好差评", "rated good"),
        SubmissionOutcome::Queued { .. } => t.say("好差评", "rating queued; it is sent when online"),
    }
    envelope_episode(t, sim, data_dir, tenant).await?;
    let log = wallet.access_log().await?;
    t.say(
        "Access log",
        format!("{} entries, claim names only (no values), e.g. {}", log.len(), log.last().map(|e| e.action.as_str()).unwrap_or("")),
    );
    Ok(())
}

/// 容缺 and 免跑腿: the tenant applies for a residence permit without the proof of residence,
/// signs the pledge, and the paper travels by courier in an envelope to the window.
async fn envelope_episode(
    t: &mut Transcript,
    sim: &citykit_sim::SimHandle,
    data_dir: &std::path::Path,
    tenant: &str,
) -> Result<(), DemoError> {
    use citykit_core::cases::{CaseStatus, InboxKind, SubmissionOutcome};
    const ITEM: &str = "residence-permit";
    let device = other_device(sim, data_dir, tenant).await?;
    device.catalogue().sync().await?;
    let autofill = device.autofill();
    let mut form = autofill.fill(ITEM).await?;
    let since = china_date(-400);
    let typed = [
        ("applicant_mobile", "13800138000"),
        ("residence_address", "广东省深圳市福田区福中三路1号"),
        ("residence_since", since.as_str()),
        ("residence_reason", "employment"),
        ("housing_type", "rented"),
        ("photo", "upload://photo.jpg"),
        ("delivery_method", "post"),
    ];
    for (name, value) in typed {
        if form.field(name).is_some_and(|f| f.value.is_none()) {
            form = autofill.set_field(&form.draft_id, name, Some(value.to_owned()), false).await?;
        }
    }
    let case = match device.cases().submit(&form.draft_id).await? {
        SubmissionOutcome::Accepted { case } => case,
        SubmissionOutcome::Queued { .. } => return Err(DemoError::Other("the case was queued: the platform is unreachable".into())),
    };
    let review = device.cases().review_pledge(&case.id).await?;
    let pledged = device.cases().sign_pledge(&case.id, &review.pledge_sha256).await?;
    let missing: Vec<&str> = review.materials.iter().map(|m| m.name_zh.as_str()).collect();
    t.say(
        "容缺",
        format!(
            "the tenant applied for a residence permit without {}: {} → pledge reviewed (by {}) and signed with the device key → {}",
            missing.join("、"),
            case.status.as_str(),
            review.deadline,
            pledged.status.as_str()
        ),
    );
    let envelopes = device.envelopes();
    let offer =
        envelopes.pickup_address_from_wallet().await?.ok_or_else(|| DemoError::Other("the wallet offers no pickup address".into()))?;
    let envelope = envelopes.create(&case.id, offer.address).await?;
    t.say(
        "免跑腿",
        format!(
            "envelope {} to {}: its QR code is {} characters of signed, opaque reference (no personal data); the pickup address came from the ID card, sent with the tenant's consent",
            envelope.id,
            envelope.destination.name_zh,
            envelope.code.len()
        ),
    );
    let booked = envelopes.request_pickup(&envelope.code, None).await?;
    let courier = device.courier();
    let door = courier.scan(&envelope.code).await?;
    let counter = courier.scan(&envelope.code).await?;
    let now_secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let slot =
        booked.pickup.map(|p| format!("two hours from {:.1} h from now", (p.slot_start - now_secs) as f64 / 3600.0)).unwrap_or_default();
    t.say(
        "Courier",
        format!(
            "booked by scanning the code (slot {slot}); the courier's app scanned it at the door ({:?}) and at the window's counter ({:?})",
            door.status, counter.status
        ),
    );
    let window = device.envelope_window(&envelopes.fetch_trust().await?)?;
    let receipt = window.receive(&envelope.code, None).await?;
    sim.decide_material(&envelope.id, true, None).map_err(|e| DemoError::Other(format!("the window's decision failed: {e}")))?;
    let now = device.cases().case(&case.id).await?;
    if now.status != CaseStatus::InReview {
        return Err(DemoError::Other(format!("after the material the case is {}, not in review", now.status.as_str())));
    }
    let timeline = envelopes.timeline(&envelope.id).await?;
    let notices = device.cases().inbox().await?.iter().filter(|i| i.kind == InboxKind::EnvelopeEvent).count();
    t.say(
        "Window",
        format!(
            "checked the code offline against the platform's envelope key, matched it to case {} and received it; material accepted → {}; timeline of {} events, {} inbox notices",
            receipt.case_id,
            now.status.as_str(),
            timeline.len(),
            notices
        ),
    );
    device.store().close().await.map_err(CityKitError::from)?;
    Ok(())
}

/// Issuer metadata JSON for the demo's verifier trust list.
fn json_issuer(issuer: &str, jwks: serde_json::Value) -> String {
    serde_json::json!({"issuer": issuer, "jwks": jwks}).to_string()
}
