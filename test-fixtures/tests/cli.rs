//! The QA client and the demo, driven as a QA engineer would: the real binary, as a child
//! process, against a simulator over HTTPS.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;
use std::process::{Command, Output};

use citykit_sim::{SimConfig, Simulator};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_citykit-sim");

fn client(issuer: &str, ca: &Path, data_dir: &Path, passphrase: &str, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("client")
        .args(args)
        .args(["--json", "--issuer", issuer, "--data-dir"])
        .arg(data_dir)
        .arg("--ca-file")
        .arg(ca)
        .env("CITYKIT_PASSPHRASE", passphrase)
        .output()
        .unwrap()
}

fn ok_json(out: &Output) -> Value {
    assert!(out.status.success(), "failed: {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

fn error_code(out: &Output) -> String {
    assert!(!out.status.success());
    let body: Value = serde_json::from_slice(&out.stdout).unwrap();
    body["error"]["code"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_qa_client_runs_the_whole_identity_journey() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let issuer = sim.issuer();
    let ca = sim.ca_cert_path();
    let data = dir.path().join("data");
    let pass = "qa passphrase";
    let run = |args: &[&str]| client(&issuer, &ca, &data, pass, args);

    let started = ok_json(&run(&["login-start"]));
    let url = started["authorization_url"].as_str().unwrap().to_owned();
    // The CLI's own test-mode browser.
    let out = Command::new(BIN).args(["authorize", &url, "--user", "citizen-01", "--ca-file"]).arg(&ca).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let redirect = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(redirect.starts_with("org.citykit.demo:/oauth2redirect?"), "{redirect}");

    let account = ok_json(&run(&["login-complete", &redirect]));
    assert_eq!(account["subject"], "citizen-01");
    assert_eq!(account["name"], sim.fixtures().citizen("citizen-01").unwrap().name.as_str());
    assert_eq!(error_code(&run(&["login-complete", &redirect])), "auth.invalid_state");

    let status = ok_json(&run(&["status"]));
    assert_eq!(status["logged_in"], true);

    let listed = ok_json(&run(&["identities"]));
    let enterprise =
        listed["identities"].as_array().unwrap().iter().find(|i| i["kind"] == "enterprise").unwrap()["id"].as_str().unwrap().to_owned();
    assert_eq!(listed["current"], "citizen-01");
    ok_json(&run(&["switch", &enterprise]));
    assert_eq!(ok_json(&run(&["whoami"]))["acting_as"]["id"], enterprise.as_str());
    assert_eq!(error_code(&run(&["switch", "enterprise-999"])), "auth.unknown_identity");
    ok_json(&run(&["switch", "citizen-01"]));
    assert_eq!(ok_json(&run(&["whoami"]))["acting_as"]["id"], "citizen-01");
    ok_json(&run(&["refresh"]));
    assert_eq!(sim.stats().refresh_grants, 1);

    // A wrong passphrase is a typed error and changes nothing.
    assert_eq!(error_code(&client(&issuer, &ca, &data, "wrong", &["status"])), "store.wrong_key");
    // Key rotation: the old passphrase stops working, the new one opens the same data.
    let out = Command::new(BIN)
        .args(["client", "rekey", "--json", "--data-dir"])
        .arg(&data)
        .env("CITYKIT_PASSPHRASE", pass)
        .env("CITYKIT_NEW_PASSPHRASE", "new qa passphrase")
        .output()
        .unwrap();
    assert_eq!(ok_json(&out)["rekeyed"], true);
    assert_eq!(error_code(&run(&["status"])), "store.wrong_key");
    let run = |args: &[&str]| client(&issuer, &ca, &data, "new qa passphrase", args);
    assert_eq!(ok_json(&run(&["whoami"]))["acting_as"]["id"], "citizen-01");

    let out = ok_json(&run(&["logout"]));
    assert_eq!(out["revoked_at_server"], true);
    assert_eq!(error_code(&run(&["whoami"])), "auth.not_logged_in");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_and_a_pin_mismatch_are_reported_with_codes() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["client", "whoami", "--json", "--data-dir"])
        .arg(dir.path())
        .env("CITYKIT_PASSPHRASE", "p")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(error_code(&out), "cli.usage");
    let out = Command::new(BIN)
        .args([
            "client",
            "login-start",
            "--json",
            "--issuer",
            &sim.issuer(),
            "--pin",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            "--data-dir",
        ])
        .arg(dir.path())
        .arg("--ca-file")
        .arg(sim.ca_cert_path())
        .env("CITYKIT_PASSPHRASE", "p")
        .output()
        .unwrap();
    assert_eq!(error_code(&out), "net.pin_mismatch");
    sim.shutdown().await;
}

#[test]
fn the_demo_journey_runs_and_prints_its_transcript() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN).args(["demo", "--data-dir"]).arg(dir.path()).args(["--passphrase", "demo test"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    for step in ["Logged in", "Identities", "Act for", "Switch back", "Logout", "encrypted"] {
        assert!(text.contains(step), "the transcript lacks {step:?}:\n{text}");
    }
    let db = std::fs::read(dir.path().join("citykit.db")).unwrap();
    assert!(!db.starts_with(b"SQLite format 3"));
    // Running it again on the same store works (the store is reopened, not recreated).
    let again = Command::new(BIN).args(["demo", "--data-dir"]).arg(dir.path()).args(["--passphrase", "demo test"]).output().unwrap();
    assert!(again.status.success());
    let wrong = Command::new(BIN).args(["demo", "--data-dir"]).arg(dir.path()).args(["--passphrase", "other"]).output().unwrap();
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("store.wrong_key"));
}

#[test]
fn serve_prints_its_url_and_ca_file() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .args(["serve", "--port", "0", "--state-dir"])
        .arg(dir.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(first.contains("https://127.0.0.1:"), "{first}");
    assert!(dir.path().join("ca.pem").exists());
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_control_injects_faults_and_reports_stats() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let ca = sim.ca_cert_path();
    let control =
        |args: &[&str]| Command::new(BIN).arg("sim").args(args).args(["--issuer", &sim.issuer(), "--ca-file"]).arg(&ca).output().unwrap();
    let out = control(&["fault", r#"{"fail_next": {"path": "/.well-known/openid-configuration", "status": 503, "count": 9}}"#]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(error_code(&client(&sim.issuer(), &ca, dir.path(), "p", &["login-start"])), "net.server_error");
    let stats: Value = serde_json::from_slice(&control(&["stats"]).stdout).unwrap();
    assert_eq!(stats["requests"]["/.well-known/openid-configuration"], 3, "one attempt and two retries: {stats}");
    assert!(control(&["clear-faults"]).status.success());
    ok_json(&client(&sim.issuer(), &ca, dir.path(), "p", &["login-start"]));
    assert!(!control(&["fault", "not json"]).status.success());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_qa_client_fetches_presents_and_verifies_licences() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (issuer, ca, data) = (sim.issuer(), sim.ca_cert_path(), dir.path().join("data"));
    let run = |args: &[&str]| client(&issuer, &ca, &data, "p", args);
    let url = ok_json(&run(&["login-start"]))["authorization_url"].as_str().unwrap().to_owned();
    let redirect = sim.authorize_as(&url, "citizen-01").await.unwrap();
    ok_json(&run(&["login-complete", &redirect]));

    let fetched = ok_json(&run(&["licence-fetch"]));
    let licences = fetched["licences"].as_array().unwrap();
    assert_eq!(licences.len(), sim.licence_types("citizen-01").len());
    let id_card = licences.iter().find(|l| l["vct"] == "urn:citykit:vct:resident_id_card").unwrap()["id"].as_str().unwrap().to_owned();
    assert_eq!(ok_json(&run(&["licences"]))["licences"].as_array().unwrap().len(), licences.len());
    let shown = ok_json(&run(&["licence", &id_card]));
    assert_eq!(shown["claims"]["name"], sim.fixtures().citizen("citizen-01").unwrap().name.as_str());

    let png = dir.path().join("qr.png");
    let svg = dir.path().join("qr.svg");
    let presented = ok_json(&run(&[
        "present",
        &id_card,
        "--claims",
        "name,age_over_18",
        "--audience",
        "window-3",
        "--qr-png",
        png.to_str().unwrap(),
        "--qr-svg",
        svg.to_str().unwrap(),
    ]));
    let text = presented["text"].as_str().unwrap().to_owned();
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));
    assert!(presented["qr_version"].as_i64().unwrap() <= 30);
    // The verifier trusts the public-security office, from its published metadata.
    let metadata = sim
        .http_client()
        .get(format!("{}/.well-known/jwt-vc-issuer/issuers/public-security", sim.issuer()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let trust = dir.path().join("trust.json");
    std::fs::write(&trust, metadata).unwrap();
    // The window is a device of its own, with its own store.
    let window = dir.path().join("window");
    let as_window = |args: &[&str]| client(&issuer, &ca, &window, "w", args);
    let trust_arg = trust.to_str().unwrap();
    let verify = |text: &str, audience: &str| as_window(&["verify", text, "--audience", audience, "--trust", trust_arg]);
    assert_eq!(error_code(&verify(&text, "window-9")), "wallet.wrong_audience");
    let verified = ok_json(&verify(&text, "window-3"));
    assert_eq!(verified["vct"], "urn:citykit:vct:resident_id_card");
    assert_eq!(verified["claims"]["age_over_18"], true);
    assert!(verified["claims"].get("id_number").is_none());
    assert_eq!(verified["status_checked"], true, "{verified}");
    // Each verify is a new process: the store remembers the nonce, so a replay is refused.
    assert_eq!(error_code(&verify(&text, "window-3")), "wallet.replayed_nonce");
    // The nonce the window expects.
    let nonce = ok_json(&as_window(&["verifier-nonce", "--audience", "window-3"]))["nonce"].as_str().unwrap().to_owned();
    let answering = ok_json(&run(&["present", &id_card, "--claims", "age_over_18", "--audience", "window-3", "--nonce", &nonce]))["text"]
        .as_str()
        .unwrap()
        .to_owned();
    let other =
        ok_json(&run(&["present", &id_card, "--claims", "age_over_18", "--audience", "window-3"]))["text"].as_str().unwrap().to_owned();
    assert_eq!(
        error_code(&as_window(&["verify", &other, "--audience", "window-3", "--trust", trust_arg, "--nonce", &nonce])),
        "wallet.replayed_nonce"
    );
    ok_json(&as_window(&["verify", &answering, "--audience", "window-3", "--trust", trust_arg, "--nonce", &nonce]));
    // A bare JWKS file works too (the keys decide; the issuer name is not needed).
    let jwks = dir.path().join("jwks.json");
    std::fs::write(&jwks, sim.issuer_jwks("public-security").unwrap().to_string()).unwrap();
    let fresh = ok_json(&run(&["present", &id_card, "--claims", "name", "--audience", "window-3"]))["text"].as_str().unwrap().to_owned();
    let out = as_window(&["verify", &fresh, "--audience", "window-3", "--trust", jwks.to_str().unwrap()]);
    assert_eq!(ok_json(&out)["vct"], "urn:citykit:vct:resident_id_card");
    let other = dir.path().join("other.json");
    std::fs::write(&other, sim.issuer_jwks("traffic-police").unwrap().to_string()).unwrap();
    let fresh = ok_json(&run(&["present", &id_card, "--claims", "name", "--audience", "window-3"]))["text"].as_str().unwrap().to_owned();
    let out = as_window(&["verify", &fresh, "--audience", "window-3", "--trust", other.to_str().unwrap()]);
    assert_eq!(error_code(&out), "wallet.unknown_issuer");
    // Revoked at the issuer (by the QA client's `sim revoke`): the window sees it through the status list.
    let ca = sim.ca_cert_path();
    let revoked = Command::new(BIN)
        .args(["sim", "revoke", "--holder", "citizen-01", "--vct", "urn:citykit:vct:resident_id_card", "--issuer", &sim.issuer()])
        .arg("--ca-file")
        .arg(&ca)
        .output()
        .unwrap();
    assert!(revoked.status.success(), "{}", String::from_utf8_lossy(&revoked.stderr));
    let after =
        ok_json(&run(&["present", &id_card, "--claims", "age_over_18", "--audience", "window-3"]))["text"].as_str().unwrap().to_owned();
    assert_eq!(
        error_code(&as_window(&["verify", &after, "--audience", "window-3", "--trust", trust_arg, "--status-refresh-after", "0"])),
        "wallet.revoked"
    );
    let log = ok_json(&run(&["access-log"]));
    assert_eq!(ok_json(&run(&["licence-remove", &id_card]))["removed"], id_card.as_str());
    assert_eq!(error_code(&run(&["licence", &id_card])), "wallet.unknown_licence");
    let actions: Vec<&str> = log["access_log"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    // Every showing (six presentations) and the consent to fetch, newest first.
    assert_eq!(actions, vec!["presentation", "presentation", "presentation", "presentation", "presentation", "presentation", "consent"]);
    sim.shutdown().await;
}

/// Logs `citizen` in on `data` through the CLI and fetches their licences.
async fn cli_login(sim: &citykit_sim::SimHandle, data: &Path, citizen: &str) {
    let (issuer, ca) = (sim.issuer(), sim.ca_cert_path());
    let url = ok_json(&client(&issuer, &ca, data, "p", &["login-start"]))["authorization_url"].as_str().unwrap().to_owned();
    let redirect = sim.authorize_as(&url, citizen).await.unwrap();
    ok_json(&client(&issuer, &ca, data, "p", &["login-complete", &redirect]));
    ok_json(&client(&issuer, &ca, data, "p", &["licence-fetch"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_qa_client_searches_fills_submits_and_rates() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (issuer, ca, data) = (sim.issuer(), sim.ca_cert_path(), dir.path().join("senior"));
    let run = |args: &[&str]| client(&issuer, &ca, &data, "p", args);
    cli_login(&sim, &data, "citizen-03").await;

    assert_eq!(error_code(&run(&["search", "社保"])), "catalogue.not_synced");
    let synced = ok_json(&run(&["catalogue-sync"]));
    assert!(synced["item_count"].as_u64().unwrap() >= 150 && synced["changed"] == true);
    assert_eq!(ok_json(&run(&["catalogue-sync"]))["changed"], false);
    let hits = ok_json(&run(&["search", "社保"]));
    assert!(hits["items"].as_array().unwrap().iter().any(|i| i["id"] == "social-security-card-application"), "{hits}");
    let guide = ok_json(&run(&["item", "senior-preferential-card"]));
    assert_eq!(guide["instant"], true);

    // fill --json: every field with its value and provenance.
    let form = ok_json(&run(&["fill", "senior-preferential-card"]));
    let draft = form["draft_id"].as_str().unwrap().to_owned();
    let fixture = sim.fixtures().citizen("citizen-03").unwrap().clone();
    let id_field = form["fields"].as_array().unwrap().iter().find(|f| f["name"] == "applicant_id_number").unwrap();
    assert_eq!(id_field["value"], fixture.id_number.as_str());
    assert_eq!(id_field["origin"], "government_verified");
    assert_eq!(id_field["locked"], true);
    assert_eq!(id_field["provenance"]["vct"], "urn:citykit:vct:resident_id_card");
    assert!(id_field["provenance"]["issuer"].as_str().unwrap().ends_with("/issuers/public-security"));
    assert!(form["fields"].as_array().unwrap().iter().any(|f| f["provenance"]["derive"] == "address_district"));
    assert_eq!(ok_json(&run(&["drafts"]))["drafts"].as_array().unwrap().len(), 1);
    assert_eq!(ok_json(&run(&["consents"]))["consents"][0]["item_id"], "senior-preferential-card");

    // A locked field, then a bad phone that names its field.
    assert_eq!(error_code(&run(&["set-field", &draft, "applicant_name", "别人"])), "autofill.field_locked");
    let bad = ok_json(&run(&["set-field", &draft, "applicant_mobile", "12345"]));
    assert_eq!(bad["errors"][0]["field"], "applicant_mobile");
    assert_eq!(error_code(&run(&["submit", &draft])), "autofill.invalid_form");
    ok_json(&run(&["set-field", &draft, "applicant_mobile", "13800138000"]));

    let submitted = ok_json(&run(&["submit", &draft]));
    assert_eq!(submitted["outcome"], "accepted");
    let case_id = submitted["case"]["id"].as_str().unwrap().to_owned();
    assert_eq!(submitted["case"]["status"], "approved");
    assert!(submitted["case"]["result_licence_id"].is_string());
    let cases = ok_json(&run(&["cases"]));
    assert!(cases["cases"].as_array().unwrap().iter().any(|c| c["id"] == case_id.as_str()));
    assert_eq!(ok_json(&run(&["case", &case_id]))["status"], "approved");
    let rated = ok_json(&run(&["rate", &case_id, "good", "--comment", "很快"]));
    assert_eq!(rated["outcome"], "accepted");
    assert_eq!(error_code(&run(&["rate", &case_id, "bad"])), "case.already_rated");
    assert_eq!(
        error_code(&run(&["rate", &case_id, "bad", "--comment", &format!("打我电话{}", fixture.mobile)])),
        "case.comment_personal_data"
    );
    assert!(ok_json(&run(&["inbox"]))["items"].is_array());

    // A whole submission in one command (fill + submit), and consent withdrawn then refused.
    let again = ok_json(&run(&["submit", "senior-preferential-card", "--set", "applicant_mobile=13800138000"]));
    assert_eq!(again["case"]["status"], "approved");
    assert_eq!(ok_json(&run(&["consent-revoke", "senior-preferential-card"]))["revoked"], true);
    assert_eq!(error_code(&run(&["fill", "senior-preferential-card", "--presence", "decline"])), "autofill.consent_refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_qa_clients_cosign_a_rental_registration() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (issuer, ca) = (sim.issuer(), sim.ca_cert_path());
    let dirs: Vec<_> = ["landlord", "co", "tenant"].iter().map(|d| dir.path().join(d)).collect();
    for (data, citizen) in dirs.iter().zip(["citizen-01", "citizen-02", "citizen-05"]) {
        cli_login(&sim, data, citizen).await;
        ok_json(&client(&issuer, &ca, data, "p", &["catalogue-sync"]));
    }
    let as_ = |i: usize, args: &[&str]| client(&issuer, &ca, &dirs[i], "p", args);
    let person = |id: &str| sim.fixtures().citizen(id).unwrap().clone();
    let (co, tenant) = (person("citizen-02"), person("citizen-05"));
    let co_party = format!("co_landlord:{}:{}", co.id_number, co.name);
    let tenant_party = format!("tenant:{}:{}", tenant.id_number, tenant.name);
    let submitted = ok_json(&as_(
        0,
        &[
            "submit",
            "rental-registration",
            "--set",
            "monthly_rent=4500",
            "--set",
            "lease_start=2030-01-01",
            "--set",
            "lease_end=2030-12-31",
            "--party",
            &co_party,
            "--party",
            &tenant_party,
        ],
    ));
    assert_eq!(submitted["case"]["status"], "awaiting_signatures", "{submitted}");
    let case_id = submitted["case"]["id"].as_str().unwrap().to_owned();

    let inbox = ok_json(&as_(1, &["inbox"]));
    assert!(inbox["items"].as_array().unwrap().iter().any(|i| i["kind"] == "cosign_request" && i["case_id"] == case_id.as_str()));
    let review = ok_json(&as_(1, &["case", &case_id, "--review"]));
    assert_eq!(review["content"]["fields"]["monthly_rent"], "4500");
    let digest = review["content_sha256"].as_str().unwrap().to_owned();
    assert_eq!(error_code(&as_(1, &["cosign", &case_id, "--expect-sha256", "not-the-digest"])), "case.content_changed");
    // A base64url digest may begin with '-' (one in 64 does): still a digest, not a flag.
    assert_eq!(error_code(&as_(1, &["cosign", &case_id, "--expect-sha256", "-Nnot-the-digest"])), "case.content_changed");
    ok_json(&as_(1, &["cosign", &case_id, "--expect-sha256", &digest]));
    let done = ok_json(&as_(2, &["cosign", &case_id]));
    assert_eq!(done["status"], "approved", "{done}");
    assert!(ok_json(&as_(0, &["case", &case_id]))["result_licence_id"].is_string());
}

/// The JSON error body a failing `--json` command printed on stdout.
fn error_body(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not a JSON error ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn a_bad_trust_file_is_config_invalid_with_status_1() {
    let dir = tempfile::tempdir().unwrap();
    let not_json = dir.path().join("trust.json");
    std::fs::write(&not_json, "this is not a trust list").unwrap();
    let missing = dir.path().join("no-such-file.json");
    for trust in [&not_json, &missing] {
        let out = Command::new(BIN)
            .args(["client", "verify", "eyJ.presentation", "--json", "--audience", "window-3", "--trust"])
            .arg(trust)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
        let body = error_body(&out);
        assert_eq!(body["error"]["code"], "config.invalid", "{body}");
        assert!(body["error"]["details"].as_str().unwrap().contains("--trust"), "{body}");
        assert!(
            !body["error"]["details"].as_str().unwrap().contains("this is not a trust list"),
            "the file's content is not quoted: {body}"
        );
        // The code is one docs/errors.md lists.
        let documented = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/errors.md")).unwrap();
        assert!(documented.contains("| `config.invalid` |"));
    }
}

#[test]
fn a_corrupt_store_reports_where_it_was_moved_in_json() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let status =
        || Command::new(BIN).args(["client", "status", "--json", "--data-dir"]).arg(&data).env("CITYKIT_PASSPHRASE", "p").output().unwrap();
    ok_json(&status());
    // Damage the first page: SQLCipher cannot read it, and the key check says the key is right.
    let store = data.join(citykit_core::store::STORE_FILE_NAME);
    let mut bytes = std::fs::read(&store).unwrap();
    for b in bytes.iter_mut().take(4096).skip(16) {
        *b ^= 0x5a;
    }
    std::fs::write(&store, &bytes).unwrap();
    let out = status();
    assert_eq!(out.status.code(), Some(1));
    let body = error_body(&out);
    assert_eq!(body["error"]["code"], "store.corrupt", "{body}");
    let moved_to = body["error"]["moved_to"].as_str().unwrap_or_else(|| panic!("no moved_to string: {body}"));
    assert_eq!(std::fs::read(moved_to).unwrap(), bytes, "the damaged file is kept as it was at {moved_to}");
    assert_ne!(Path::new(moved_to), store.as_path());
    let details = body["error"]["details"].as_str().unwrap();
    assert!(!details.contains("Some("), "details print the path plainly: {details}");
    assert!(details.contains(moved_to), "{details}");
}

#[test]
fn argument_errors_are_json_under_json() {
    for args in [
        &["client", "whoami", "--json", "--no-such-flag"][..],
        &["client", "--json"],
        &["client", "present", "lic-1", "--json"],
        &["sim", "stats", "--json", "--bogus"],
    ] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let body = error_body(&out);
        assert_eq!(body["error"]["code"], "cli.usage", "{args:?}: {body}");
        assert!(!body["error"]["message"].as_str().unwrap().is_empty(), "{body}");
    }
    // Without --json, clap's text on stderr as before, nothing on stdout.
    let out = Command::new(BIN).args(["client", "whoami", "--no-such-flag"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--no-such-flag"));
    // --help is not an error.
    let out = Command::new(BIN).args(["client", "--help", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_without_a_session_does_not_blame_the_platform() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let text = Command::new(BIN)
        .args(["client", "logout", "--issuer", &sim.issuer(), "--data-dir"])
        .arg(&data)
        .arg("--ca-file")
        .arg(sim.ca_cert_path())
        .env("CITYKIT_PASSPHRASE", "p")
        .output()
        .unwrap();
    assert!(text.status.success(), "{}", String::from_utf8_lossy(&text.stderr));
    let printed = String::from_utf8_lossy(&text.stdout);
    assert!(!printed.contains("could not be reached"), "{printed}");
    assert!(printed.contains("Not logged in"), "{printed}");
    let out = ok_json(&client(&sim.issuer(), &sim.ca_cert_path(), &data, "p", &["logout"]));
    assert_eq!(out["had_session"], false, "{out}");
    assert_eq!(out["revoked_at_server"], false, "{out}");

    // With a session the platform revokes it, and the JSON says there was one.
    cli_login(&sim, &data, "citizen-01").await;
    let out = ok_json(&client(&sim.issuer(), &sim.ca_cert_path(), &data, "p", &["logout"]));
    assert_eq!(out["had_session"], true, "{out}");
    assert_eq!(out["revoked_at_server"], true, "{out}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_with_a_queued_submission_is_refused_unless_discarded() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (issuer, ca, data) = (sim.issuer(), sim.ca_cert_path(), dir.path().join("senior"));
    let run = |args: &[&str]| client(&issuer, &ca, &data, "p", args);
    cli_login(&sim, &data, "citizen-03").await;
    ok_json(&run(&["catalogue-sync"]));
    sim.set_fault(citykit_sim::Fault::FailNext { path: "/api/v1/cases".into(), status: 503, count: 20 });
    let queued = ok_json(&run(&["submit", "senior-preferential-card", "--set", "applicant_mobile=13800138000"]));
    assert_eq!(queued["outcome"], "queued", "{queued}");
    let refused = run(&["logout"]);
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(error_code(&refused), "auth.unsent_work");
    assert_eq!(ok_json(&run(&["status"]))["logged_in"], true, "a refused logout changes nothing");
    let out = ok_json(&run(&["logout", "--discard-unsent"]));
    assert_eq!(out["discarded_unsent"], 1, "{out}");
    assert_eq!(out["had_session"], true, "{out}");
    assert_eq!(ok_json(&run(&["status"]))["logged_in"], false);
    // Logged in again, the discarded submission is gone for good, and nothing reached the platform.
    cli_login(&sim, &data, "citizen-03").await;
    assert_eq!(ok_json(&run(&["pending"]))["pending"].as_array().unwrap().len(), 0);
    assert!(sim.cases().is_empty());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_definite_refusal_is_listed_until_dismissed_and_dead_letters_are_listed() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (issuer, ca, data) = (sim.issuer(), sim.ca_cert_path(), dir.path().join("senior"));
    let run = |args: &[&str]| client(&issuer, &ca, &data, "p", args);
    cli_login(&sim, &data, "citizen-03").await;
    ok_json(&run(&["catalogue-sync"]));
    assert_eq!(ok_json(&run(&["refusals"]))["refusals"].as_array().unwrap().len(), 0);
    sim.set_fault(citykit_sim::Fault::Answer {
        path: "/api/v1/cases".into(),
        status: 422,
        error: "invalid_form".into(),
        retry_after: None,
        count: 1,
    });
    assert_eq!(error_code(&run(&["submit", "senior-preferential-card", "--set", "applicant_mobile=13800138000"])), "case.refused");
    let refusals = ok_json(&run(&["refusals"]));
    let listed = refusals["refusals"].as_array().unwrap();
    assert_eq!(listed.len(), 1, "{refusals}");
    assert_eq!(listed[0]["kind"], "case");
    assert_eq!(listed[0]["item_id"], "senior-preferential-card");
    assert_eq!(listed[0]["status"], 422);
    let id = listed[0]["submission_id"].as_str().unwrap().to_owned();
    assert_eq!(ok_json(&run(&["refusal-dismiss", &id]))["dismissed"], id.as_str());
    // Ids are hex now; one written by an older version may start with '-' and is still an id.
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    assert_eq!(error_code(&run(&["refusal-dismiss", "-j0AbCdEfGhIjKlMn"])), "case.unknown_submission");
    assert_eq!(error_code(&run(&["dead-letter-delete", "-j0AbCdEfGhIjKlMn"])), "case.unknown_submission");
    assert!(ok_json(&run(&["refusals"]))["refusals"].as_array().unwrap().is_empty());
    assert!(ok_json(&run(&["dead-letters"]))["dead_letters"].as_array().unwrap().is_empty());
    sim.shutdown().await;
}

/// Runs `citykit-sim sim …` against `sim`.
fn sim_control(sim: &citykit_sim::SimHandle, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("sim")
        .args(args)
        .args(["--json", "--issuer", &sim.issuer(), "--ca-file"])
        .arg(sim.ca_cert_path())
        .output()
        .unwrap()
}

/// Reads a PNG as 8-bit greyscale (width, height, pixels).
fn greyscale_png(bytes: &[u8]) -> (usize, usize, Vec<u8>) {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let grey = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|p| if channels >= 3 { ((p[0] as u32 + p[1] as u32 + p[2] as u32) / 3) as u8 } else { p[0] })
        .collect();
    (info.width as usize, info.height as usize, grey)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_qa_client_pledges_prints_and_tracks_an_envelope_to_the_window() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (issuer, ca) = (sim.issuer(), sim.ca_cert_path());
    let data = dir.path().join("citizen");
    let run = |args: &[&str]| client(&issuer, &ca, &data, "p", args);
    let courier = |args: &[&str]| client(&issuer, &ca, &dir.path().join("courier"), "c", args);
    let window = |args: &[&str]| client(&issuer, &ca, &dir.path().join("window"), "w", args);
    cli_login(&sim, &data, "citizen-05").await;
    ok_json(&run(&["catalogue-sync"]));

    // The proof of residence is missing: the case waits for the pledge.
    let sets = [
        "applicant_mobile=13800138000",
        "residence_address=广东省深圳市南山区粤海街道科苑南路3099号",
        "residence_since=2025-09-01",
        "residence_reason=employment",
        "housing_type=rented",
        "photo=upload://photo.jpg",
        "delivery_method=post",
    ];
    let mut submit = vec!["submit", "residence-permit"];
    for s in &sets {
        submit.extend(["--set", s]);
    }
    let submitted = ok_json(&run(&submit));
    assert_eq!(submitted["case"]["status"], "awaiting_pledge", "{submitted}");
    let case = submitted["case"]["id"].as_str().unwrap().to_owned();
    let review = ok_json(&run(&["pledge", &case, "--review"]));
    assert_eq!(review["materials"][0]["id"], "residence-proof");
    assert_eq!(error_code(&run(&["pledge", &case, "--expect-sha256", "something-else"])), "case.content_changed");
    let pledged = ok_json(&run(&["pledge", &case, "--expect-sha256", review["pledge_sha256"].as_str().unwrap()]));
    assert_eq!(pledged["status"], "awaiting_material");

    // The envelope, with the wallet's address, printed as SVG and as a 300 dpi PNG.
    let envelope = ok_json(&run(&["envelope-create", &case]));
    let (id, code) = (envelope["id"].as_str().unwrap().to_owned(), envelope["code"].as_str().unwrap().to_owned());
    assert_eq!((envelope["status"].as_str(), envelope["deadline"].as_str()), (Some("created"), review["deadline"].as_str()));
    let (svg, png_file) = (dir.path().join("label.svg"), dir.path().join("label.png"));
    let printed = ok_json(&run(&["envelope-print", &id, "--svg", svg.to_str().unwrap(), "--png", png_file.to_str().unwrap()]));
    assert_eq!(printed["dpi"], 300);
    assert!(std::fs::read_to_string(&svg).unwrap().contains(&case));
    let (width, height, grey) = greyscale_png(&std::fs::read(&png_file).unwrap());
    // C6, 162 × 114 mm, at 300 dpi.
    assert_eq!((width, height), (1914, 1347));
    // An independent decoder (rqrr) reads the printed code back to the same text.
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| grey[y * width + x]);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1);
    let (meta, decoded) = grids[0].decode().unwrap();
    assert_eq!(decoded, code);
    assert_eq!(meta.ecc_level, 3, "error correction Q (rqrr's ecc_level 3)");
    // A code of about 250 characters (the simulator's issuer URL carries its port) fits version 11.
    assert!(code.len() < 260 && meta.version.0 <= 11, "{} characters, version {}", code.len(), meta.version.0);
    // The Chinese text was drawn with a CJK font from the system: the band of the label's
    // Chinese-only instruction (baseline 70 mm, 4 mm high, right of the code) has ink.
    let px = |mm: f64| (mm * 300.0 / 25.4) as usize;
    let ink =
        (px(66.0)..px(71.0)).flat_map(|y| (px(78.0)..px(160.0)).map(move |x| (x, y))).filter(|&(x, y)| grey[y * width + x] < 128).count();
    assert!(ink > 2_000, "{ink} dark pixels where the Chinese instruction is printed");
    let blank =
        (px(100.0)..px(105.0)).flat_map(|y| (px(78.0)..px(160.0)).map(move |x| (x, y))).filter(|&(x, y)| grey[y * width + x] < 128).count();
    assert_eq!(blank, 0, "no ink below the text");

    // The applicant books the courier by scanning; the courier scans at the door and at the counter.
    assert_eq!(error_code(&courier(&["envelope-scan", &code])), "envelope.no_pickup_booked");
    assert_eq!(ok_json(&run(&["envelope-pickup", &code]))["status"], "pickup_scheduled");
    assert_eq!(ok_json(&courier(&["envelope-scan", &code]))["status"], "in_transit");
    assert_eq!(ok_json(&courier(&["envelope-scan", &code]))["status"], "delivered");

    // The window: the published document to a file, then offline checks and the receipt.
    let trust = dir.path().join("envelope-trust.json");
    ok_json(&window(&["envelope-trust", "--out", trust.to_str().unwrap()]));
    let t = trust.to_str().unwrap();
    assert_eq!(ok_json(&window(&["envelope-receive", &code, "--trust", t, "--offline"]))["envelope_id"], id.as_str());
    let mut forged = code.clone();
    forged.replace_range(10..11, if &code[10..11] == "A" { "B" } else { "A" });
    assert!(error_code(&window(&["envelope-receive", &forged, "--trust", t])).starts_with("envelope."));
    let expired_at = (envelope["expires_at"].as_i64().unwrap() + 1).to_string();
    assert_eq!(error_code(&window(&["envelope-receive", &code, "--trust", t, "--at", &expired_at])), "envelope.expired");
    let receipt = ok_json(&window(&["envelope-receive", &code, "--trust", t]));
    assert_eq!((receipt["case_id"].as_str(), receipt["already_received"].as_bool()), (Some(case.as_str()), Some(false)));
    assert_eq!(ok_json(&window(&["envelope-receive", &code, "--trust", t]))["already_received"], true);

    // The window accepts the material (simulator control); the timeline and the inbox show every step.
    let decided: Value = serde_json::from_slice(&sim_control(&sim, &["material", &id, "--accept"]).stdout).unwrap();
    assert_eq!(decided["status"], "material_accepted");
    let timeline = ok_json(&run(&["timeline", &id]));
    let kinds: Vec<&str> = timeline.as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["created", "pickup_scheduled", "picked_up", "in_transit", "delivered", "received", "material_accepted"]);
    assert_eq!(ok_json(&run(&["timeline", &id, "--offline"])), timeline);
    let inbox = ok_json(&run(&["inbox"]));
    let events =
        inbox["items"].as_array().unwrap().iter().filter(|i| i["kind"] == "envelope_event" && i["envelope_id"] == id.as_str()).count();
    assert_eq!(events, kinds.len());
    assert_eq!(ok_json(&run(&["case", &case]))["status"], "in_review");
    let list: Value = serde_json::from_slice(&sim_control(&sim, &["dishonesty-list"]).stdout).unwrap();
    assert_eq!(list["persons"], serde_json::json!([]));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_qa_client_subscribes_to_push_and_hands_bodies_in_as_a_shell_would() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (issuer, ca, data) = (sim.issuer(), sim.ca_cert_path(), dir.path().join("citizen"));
    let run = |args: &[&str]| client(&issuer, &ca, &data, "p", args);
    cli_login(&sim, &data, "citizen-03").await;
    ok_json(&run(&["catalogue-sync"]));
    assert_eq!(ok_json(&run(&["push-subscription"])), Value::Null);
    let endpoint = "https://carrier.example/qa-device";
    let subscription = ok_json(&run(&["push-subscribe", endpoint]));
    assert_eq!(subscription["endpoint"], endpoint);
    assert_eq!(ok_json(&run(&["push-subscription"])), subscription);

    let submitted = ok_json(&run(&[
        "submit",
        "criminal-record-certificate",
        "--set",
        "applicant_mobile=13800138000",
        "--set",
        "certificate_use=employment",
    ]));
    assert_eq!(submitted["case"]["status"], "in_review");
    let bodies = dir.path().join("pushes");
    let take = sim_control(&sim, &["push-take", endpoint, "--out-dir", bodies.to_str().unwrap()]);
    assert!(take.status.success(), "{}", String::from_utf8_lossy(&take.stderr));
    let body = bodies.join("1.bin");
    let shown = ok_json(&run(&["push-receive", body.to_str().unwrap()]));
    assert_eq!(shown["action"]["action"], "show", "{shown}");
    assert_eq!(shown["item"]["case_id"], submitted["case"]["id"]);
    assert_eq!(ok_json(&run(&["push-receive", body.to_str().unwrap()]))["action"]["action"], "duplicate");
    // The pushed notice and the pulled one are one item; read it, then delete it.
    let unread = ok_json(&run(&["inbox", "--unread"]));
    let id = shown["item"]["id"].as_i64().unwrap();
    assert_eq!(unread["items"].as_array().unwrap().iter().filter(|i| i["id"] == id).count(), 1, "{unread}");
    let count = unread["unread"].as_u64().unwrap();
    assert_eq!(ok_json(&run(&["inbox-read", &id.to_string()]))["unread"].as_u64(), Some(count - 1));
    assert!(ok_json(&run(&["inbox", "--unread"]))["items"].as_array().unwrap().iter().all(|i| i["id"] != id));
    ok_json(&run(&["inbox-delete", &id.to_string()]));
    assert!(ok_json(&run(&["inbox"]))["items"].as_array().unwrap().iter().all(|i| i["id"] != id), "a deleted item stays deleted");
    assert_eq!(error_code(&run(&["inbox-read", &id.to_string()])), "case.unknown_inbox_item");
    let garbage = dir.path().join("garbage.bin");
    std::fs::write(&garbage, b"not a push body at all").unwrap();
    assert_eq!(error_code(&run(&["push-receive", garbage.to_str().unwrap()])), "push.malformed");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_qa_client_recommends_dismisses_and_matches_campaigns_on_the_device() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let stats = citykit_core::recommend::NextStepStats {
        min_contributors: 20,
        transitions: vec![],
        popularity: vec![
            citykit_core::recommend::ItemCount { item: "passport-application".into(), count: 400 },
            citykit_core::recommend::ItemCount { item: "hk-macau-permit".into(), count: 300 },
        ],
        repeats: vec![],
        segments: vec![],
    };
    let dir = tempfile::tempdir().unwrap();
    // Published through the QA client's simulator control; a count under 20 people is refused.
    let stats_file = dir.path().join("next-steps.json");
    std::fs::write(&stats_file, serde_json::to_vec(&stats).unwrap()).unwrap();
    assert!(sim_control(&sim, &["next-steps", stats_file.to_str().unwrap()]).status.success());
    let mut thin = stats.clone();
    thin.popularity[0].count = 3;
    thin.transitions = vec![citykit_core::recommend::Transition { from: "a".into(), to: "b".into(), count: 3 }];
    std::fs::write(&stats_file, serde_json::to_vec(&thin).unwrap()).unwrap();
    assert!(!sim_control(&sim, &["next-steps", stats_file.to_str().unwrap()]).status.success());
    let (issuer, ca, data) = (sim.issuer(), sim.ca_cert_path(), dir.path().join("citizen"));
    let run = |args: &[&str]| client(&issuer, &ca, &data, "p", args);
    cli_login(&sim, &data, "citizen-03").await;
    ok_json(&run(&["catalogue-sync"]));

    let listed = ok_json(&run(&["recommend", "--limit", "30"]));
    let list = listed["recommendations"].as_array().unwrap();
    assert!(list.len() > 5, "{}", list.len());
    assert!(list.iter().all(|r| !r["reason_zh"].as_str().unwrap().is_empty() && !r["reason_en"].as_str().unwrap().is_empty()));
    let passport = list.iter().find(|r| r["item_id"] == "passport-application").expect("the most popular service");
    assert_eq!(passport["reason"], "popular");
    // Text output names each service and its reason.
    let text = Command::new(BIN)
        .args(["client", "recommend", "--limit", "30", "--lang", "en", "--issuer", &issuer, "--data-dir"])
        .arg(&data)
        .arg("--ca-file")
        .arg(&ca)
        .env("CITYKIT_PASSPHRASE", "p")
        .output()
        .unwrap();
    assert!(text.status.success());
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("(passport-application)") && text.contains("many people use it"), "{text}");

    assert_eq!(ok_json(&run(&["recommend-dismiss", "passport-application", "--not-for-me"]))["how"], "not_for_me");
    let after = ok_json(&run(&["recommend", "--limit", "50"]));
    assert!(!after["recommendations"].as_array().unwrap().iter().any(|r| r["item_id"] == "passport-application"));
    assert_eq!(error_code(&run(&["recommend-dismiss", "no-such-service"])), "recommend.unknown_item");
    ok_json(&run(&["recommend-view", "dog-registration"]));
    let viewed = ok_json(&run(&["recommend", "--limit", "50"]));
    let dog = viewed["recommendations"].as_array().unwrap().iter().find(|r| r["item_id"] == "dog-registration").cloned().unwrap();
    assert_eq!(dog["reason"], "interest");

    let campaigns = ok_json(&run(&["campaigns"]));
    let campaigns = campaigns["campaigns"].as_array().unwrap();
    let senior = campaigns.iter().find(|c| c["campaign_id"] == "senior-transport-allowance-2026").expect("over 65");
    assert_eq!(senior["because"][0]["fact"], "age");
    let age: u32 = senior["because"][0]["value"].as_str().unwrap().parse().unwrap();
    assert!(age >= 65, "{age}");
    assert_eq!(senior["because"].as_array().unwrap().len(), 1);

    // A campaign broadcast through the simulator control reaches this inbox (eligible).
    let campaign_file = dir.path().join("campaign.json");
    let campaign = serde_json::json!({"id": "qa-heating", "title_zh": "取暖补贴", "title_en": "Heating allowance", "item_id": null,
        "audience": "person", "rule": {">=": [{"var": "age"}, 60]}, "until": 2_000_000_000});
    std::fs::write(&campaign_file, campaign.to_string()).unwrap();
    assert!(sim_control(&sim, &["campaign", campaign_file.to_str().unwrap()]).status.success());
    let inbox = ok_json(&run(&["inbox"]));
    assert!(
        inbox["items"].as_array().unwrap().iter().any(|i| i["kind"] == "policy_campaign" && i["campaign_id"] == "qa-heating"),
        "{inbox}"
    );
    sim.shutdown().await;
}
