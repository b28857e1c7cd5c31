//! Licence issuance, status lists and revocation must not log personal data, licence contents,
//! tokens or keys, even at TRACE. (Its own test binary: a thread-local subscriber does not mix
//! well with other tests running in parallel in the same process.)
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use citykit_sim::server::VCT_DRIVING_LICENCE;
use citykit_sim::{SimConfig, Simulator};
use common::*;
use serde_json::{json, Value};

use citykit_sim::testing::LogCapture;

// current_thread: the server runs on this thread, so the thread-local subscriber sees it all.
#[tokio::test(flavor = "current_thread")]
async fn licence_traffic_logs_no_personal_data() {
    let capture = LogCapture::default();
    let subscriber = tracing_subscriber::fmt().with_max_level(tracing::Level::TRACE).with_writer(capture.clone()).with_ansi(false).finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let http = http(&sim);
    let mut secrets: Vec<String> = Vec::new();
    let mut values: Vec<String> = Vec::new();

    for (citizen, acting_for) in [("citizen-01", None), ("citizen-25", None), ("citizen-01", Some("enterprise-01"))] {
        let key = DpopKey::new();
        let t = login(&sim, &http, &key, citizen).await;
        secrets.push(t.access.clone());
        secrets.push(key.x.clone());
        let res = get_resource(&sim, &http, &key, "/api/v1/licences", &t.access, acting_for).await;
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        for l in body["licences"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()) {
            let mut parts: Vec<&str> = l.split('~').filter(|p| !p.is_empty()).collect();
            let jwt = parts.remove(0);
            secrets.push(jwt.to_owned());
            // The licence number travels as a disclosure: collected below with the others.
            assert!(jwt_claims(jwt).get("licence_number").is_none());
            for encoded in parts {
                let array: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(encoded).unwrap()).unwrap();
                secrets.push(encoded.to_owned());
                if let Some(v) = array[2].as_str() {
                    // Chinese values, and long codes (not dates, which timestamps may repeat).
                    let chinese = !v.is_ascii() && v.chars().count() >= 2;
                    if chinese || (v.len() >= 8 && !v.contains('-')) {
                        values.push(v.to_owned());
                    }
                }
            }
        }
        // A refused call too.
        let other = DpopKey::new();
        let res = get_resource(&sim, &http, &other, "/api/v1/licences", &t.access, None).await;
        assert_eq!(res.status(), 401);
    }
    for o in citykit_sim::LICENCE_OFFICES {
        for path in [format!("/status/{}", o.id), format!("/.well-known/jwt-vc-issuer/issuers/{}", o.id)] {
            let res = http.get(format!("{}{path}", sim.issuer())).send().await.unwrap();
            assert_eq!(res.status(), 200);
        }
    }
    let res = http
        .post(format!("{}/sim/revoke", sim.issuer()))
        .json(&json!({"holder": "citizen-01", "vct": VCT_DRIVING_LICENCE}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let res = http
        .post(format!("{}/sim/revoke", sim.issuer()))
        .json(&json!({"holder": "citizen-08", "vct": VCT_DRIVING_LICENCE}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    sim.shutdown().await;

    let logs = capture.text();
    if std::env::var_os("SIM_DUMP_LOGS").is_some() {
        eprintln!("{logs}");
    }
    assert!(logs.contains("/api/v1/licences"), "request logging is expected");
    let fixtures = citykit_sim::Fixtures::load().unwrap();
    for c in fixtures.citizens() {
        for needle in [&c.name, &c.id_number, &c.mobile, &c.address.detail, &c.id] {
            assert!(!logs.contains(needle.as_str()), "logs contain personal data of {}", c.id);
        }
    }
    for e in fixtures.enterprises() {
        assert!(!logs.contains(&e.name) && !logs.contains(&e.uscc) && !logs.contains(&e.id));
    }
    for v in &values {
        assert!(!logs.contains(v.as_str()), "logs contain a licence claim value");
    }
    for s in &secrets {
        assert!(!logs.contains(s.as_str()), "logs contain a secret");
    }
}
