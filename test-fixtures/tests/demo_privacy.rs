//! The complete demo journey (login, identities, wallet, 亮证, catalogue, 秒报, co-signing on three
//! devices, 秒批, rating, logout) at TRACE level: the logs of every crate, core and simulator,
//! must hold no personal data (names, ID numbers, mobiles, addresses), no token, licence or key.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

#[test]
fn the_whole_demo_at_trace_leaks_no_personal_data_into_logs() {
    let dir = tempfile::tempdir().unwrap();
    let passphrase = "demo-privacy-passphrase-4711";
    let out = Command::new(env!("CARGO_BIN_EXE_citykit-sim"))
        .args(["demo", "--passphrase", passphrase, "--data-dir"])
        .arg(dir.path())
        .env("RUST_LOG", "trace")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let logs = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the demo failed:\n{stdout}\n{}", logs.lines().rev().take(30).collect::<Vec<_>>().join("\n"));
    // The journey really ran through every capability (the transcript on stdout).
    for step in ["Logged in", "Wallet", "亮证", "Catalogue", "秒报", "Co-sign", "秒批", "好差评", "Logout"] {
        assert!(stdout.contains(step), "the transcript has no {step} step:\n{stdout}");
    }
    assert!(logs.lines().count() > 200, "TRACE logging was not on ({} lines)", logs.lines().count());

    let fixtures = citykit_sim::fixtures::Fixtures::load().unwrap();
    let mut forbidden: Vec<(String, String)> = Vec::new();
    for id in ["citizen-01", "citizen-02", "citizen-05"] {
        let c = fixtures.citizen(id).unwrap();
        forbidden.push((format!("{id} name"), c.name.clone()));
        forbidden.push((format!("{id} ID number"), c.id_number.clone()));
        forbidden.push((format!("{id} mobile"), c.mobile.clone()));
        forbidden.push((format!("{id} address"), c.address.detail.clone()));
    }
    for e in fixtures.enterprises() {
        forbidden.push((format!("{} name", e.id), e.name.clone()));
    }
    forbidden.push(("the store passphrase".into(), passphrase.into()));
    for (what, value) in &forbidden {
        assert!(!logs.contains(value.as_str()), "the logs contain {what}");
    }
    // JWTs (access, refresh and ID tokens, DPoP proofs, licences, presentations, signatures)
    // all start with a base64url JSON header.
    assert!(!logs.contains("eyJ"), "the logs contain a JWT");
    assert!(!logs.contains("CK1:"), "the logs contain a packed presentation");
}
