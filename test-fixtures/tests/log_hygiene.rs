//! The simulator must never log personal data, tokens, codes or proofs, even at TRACE.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use citykit_sim::{Fault, SimConfig, Simulator};
use common::*;
use serde_json::Value;

use citykit_sim::testing::LogCapture;

// current_thread: the server runs on this thread, so the thread-local subscriber sees it all.
#[tokio::test(flavor = "current_thread")]
async fn no_secrets_or_personal_data_in_trace_logs() {
    let capture = LogCapture::default();
    let subscriber = tracing_subscriber::fmt().with_max_level(tracing::Level::TRACE).with_writer(capture.clone()).with_ansi(false).finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let http = http(&sim);
    let key = DpopKey::new();
    let mut secrets: Vec<String> = Vec::new();

    let (auth, code) = code_for(&sim, &http, "citizen-01").await;
    secrets.push(code.clone());
    secrets.push(auth.pkce.verifier.clone());
    secrets.push(auth.nonce.clone());
    let res = redeem(&sim, &http, &key, &code, &auth.pkce.verifier).await;
    let body: Value = res.json().await.unwrap();
    let access = body["access_token"].as_str().unwrap().to_owned();
    let refresh_token = body["refresh_token"].as_str().unwrap().to_owned();
    secrets.extend([access.clone(), refresh_token.clone(), body["id_token"].as_str().unwrap().to_owned()]);

    for path in ["/userinfo", "/api/v1/identities", "/api/v1/me"] {
        assert_eq!(get_resource(&sim, &http, &key, path, &access, None).await.status(), 200);
    }
    // Failures log too: wrong key, unknown enterprise, code replay, refresh reuse.
    let other = DpopKey::new();
    assert_eq!(get_resource(&sim, &http, &other, "/userinfo", &access, None).await.status(), 401);
    assert_eq!(get_resource(&sim, &http, &key, "/api/v1/me", &access, Some("enterprise-03")).await.status(), 403);
    let body: Value = refresh(&sim, &http, &key, &refresh_token).await.json().await.unwrap();
    secrets.push(body["refresh_token"].as_str().unwrap().to_owned());
    secrets.push(body["access_token"].as_str().unwrap().to_owned());
    assert_eq!(refresh(&sim, &http, &key, &refresh_token).await.status(), 400);
    assert_eq!(redeem(&sim, &http, &key, &code, &auth.pkce.verifier).await.status(), 400);
    sim.set_fault(Fault::FailNext { path: "/userinfo".into(), status: 500, count: 1 });
    assert_eq!(get_resource(&sim, &http, &key, "/userinfo", &access, None).await.status(), 500);
    secrets.push(key.x.clone());
    secrets.push(key.jkt());
    sim.shutdown().await;

    let logs = capture.text();
    if std::env::var_os("SIM_DUMP_LOGS").is_some() {
        eprintln!("{logs}");
    }
    assert!(logs.contains("/userinfo"), "debug request logging is expected");
    let fixtures = citykit_sim::Fixtures::load().unwrap();
    for c in fixtures.citizens() {
        for needle in [&c.name, &c.id_number, &c.mobile, &c.address.detail, &c.id] {
            assert!(!logs.contains(needle.as_str()), "logs contain personal data of {}", c.id);
        }
    }
    for e in fixtures.enterprises() {
        assert!(!logs.contains(&e.name) && !logs.contains(&e.uscc) && !logs.contains(&e.id));
    }
    for s in &secrets {
        assert!(!logs.contains(s.as_str()), "logs contain a secret");
    }
}
