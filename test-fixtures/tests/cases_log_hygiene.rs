//! Cases (filing, verification failures, co-signing, decisions, ratings, the inbox) must not log
//! personal data, form values, presentations, signatures, case contents or keys, even at TRACE.
//! (Its own test binary: a thread-local subscriber does not mix with tests running in parallel.)
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod cases_common;
mod common;

use cases_common::*;
use citykit_sim::testing::LogCapture;
use citykit_sim::{SimConfig, Simulator};
use serde_json::{json, Value};

// current_thread: the server runs on this thread, so the thread-local subscriber sees it all.
#[tokio::test(flavor = "current_thread")]
async fn case_traffic_logs_no_personal_data() {
    let capture = LogCapture::default();
    let subscriber = tracing_subscriber::fmt().with_max_level(tracing::Level::TRACE).with_writer(capture.clone()).with_ansi(false).finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let mut secrets: Vec<String> = Vec::new();
    let landlord = Person::login(&sim, "citizen-01").await;
    let co_landlord = Person::login(&sim, "citizen-02").await;
    let tenant = Person::login(&sim, "citizen-05").await;
    for p in [&landlord, &co_landlord, &tenant] {
        secrets.extend([p.token.clone(), p.key.x.clone()]);
    }
    let f = sim.fixtures().clone();
    let party = |role: &str, id: &str| {
        let c = f.citizen(id).unwrap();
        json!({"role": role, "id_number": c.id_number, "name": c.name})
    };

    // A co-signed rental registration with distinctive user values.
    let item = sim.catalogue_item("rental-registration").unwrap();
    let own = landlord.licences(None, false).await;
    let mut filled = autofill(item, &own, &[]);
    // Not digits alone: a run of digits can turn up in a log timestamp by chance.
    let rent = "玖仟捌佰元整";
    filled.fields.insert("monthly_rent".into(), json!({"value": rent, "source": null}));
    let key = new_key();
    let body = case_body(&landlord, item, &filled, &key, json!([party("co_landlord", "citizen-02"), party("tenant", "citizen-05")]));
    for m in body["materials"].as_array().unwrap() {
        secrets.push(m.as_str().unwrap().to_owned());
    }
    let a = landlord.call("POST", "/api/v1/cases", None, Some(&key), Some(&body)).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let case = a.body.clone();
    secrets.push(case["content"].as_str().unwrap().to_owned());
    // A refused signature, a refused field, then everyone signs.
    let sig = landlord.cosign(case["id"].as_str().unwrap(), case["content_sha256"].as_str().unwrap(), "sign");
    secrets.push(sig.clone());
    let a = tenant
        .call(
            "POST",
            &format!("/api/v1/cases/{}/signatures", case["id"].as_str().unwrap()),
            None,
            Some(&new_key()),
            Some(&json!({ "signature": sig })),
        )
        .await;
    assert_eq!(a.status, 403);
    let mut bad = autofill(item, &own, &[]);
    bad.fields["landlord_name"]["value"] = json!("陈志强");
    let key2 = new_key();
    let a = landlord.call("POST", "/api/v1/cases", None, Some(&key2), Some(&case_body(&landlord, item, &bad, &key2, json!([])))).await;
    assert_eq!(a.error(), "field_mismatch");
    for p in [&co_landlord, &tenant, &landlord] {
        let a = p.sign_case(&case, "sign").await;
        assert_eq!(a.status, 200, "{}", a.body);
    }
    let done = landlord.get_case(case["id"].as_str().unwrap(), None).await.body;
    assert_eq!(done["status"], "approved");
    let result = done["result_licence"].as_str().unwrap().to_owned();
    secrets.push(result.split('~').next().unwrap().to_owned());
    let a = landlord
        .call(
            "POST",
            &format!("/api/v1/cases/{}/rating", case["id"].as_str().unwrap()),
            None,
            Some(&new_key()),
            Some(&json!({"rating": "good", "comment": "出租登记真方便"})),
        )
        .await;
    assert_eq!(a.status, 200);
    // A manual case decided by the window, and the inbox.
    let permit = sim.catalogue_item("residence-permit").unwrap();
    let own_t = tenant.licences(None, false).await;
    let mut filled = autofill(permit, &own_t, &[]);
    for (k, v) in [
        ("applicant_mobile", "13923456789"),
        ("residence_address", "广东省深圳市南山区粤海街道测试路99号"),
        ("residence_since", "2025-09-01"),
        ("residence_reason", "employment"),
        ("housing_type", "rented"),
        ("photo", "upload://photo-0001.jpg"),
        ("delivery_method", "post"),
    ] {
        filled.fields.insert(k.into(), json!({"value": v, "source": null}));
    }
    let key3 = new_key();
    let a = tenant.call("POST", "/api/v1/cases", None, Some(&key3), Some(&case_body(&tenant, permit, &filled, &key3, json!([])))).await;
    assert_eq!(a.status, 201, "{}", a.body);
    // The proof of residence is missing: the pledge, an envelope with a pickup address, the
    // courier and the window.
    assert_eq!(a.body["status"], "awaiting_pledge");
    let pledged = tenant.sign_pledge(&a.body).await;
    assert_eq!(pledged.body["status"], "awaiting_material", "{}", pledged.body);
    let id = a.body["id"].as_str().unwrap();
    let pickup = json!({"pickup_address": "广东省深圳市南山区粤海街道测试路99号"});
    let e = tenant.call("POST", &format!("/api/v1/cases/{id}/envelopes"), None, Some(&new_key()), Some(&pickup)).await;
    assert_eq!(e.status, 201, "{}", e.body);
    let code = json!({"code": e.body["code"]});
    assert_eq!(tenant.call("POST", "/api/v1/envelopes/pickups", None, Some(&new_key()), Some(&code)).await.status, 200);
    for path in ["/courier/v1/scans", "/courier/v1/scans", "/window/v1/receipts"] {
        assert_eq!(tenant.http.post(format!("{}{path}", sim.issuer())).json(&code).send().await.unwrap().status(), 200);
    }
    let envelope = e.body["id"].as_str().unwrap();
    let m = tenant.http.post(format!("{}/sim/envelopes/{envelope}/material", sim.issuer())).json(&json!({"decision": "accept"}));
    assert_eq!(m.send().await.unwrap().status(), 200);
    assert_eq!(tenant.get_case(id, None).await.body["status"], "in_review");
    sim.decide_case(id, true, None).unwrap();
    assert!(!tenant.inbox(0, None).await.is_empty());
    let _ = landlord.call("GET", "/api/v1/catalogue", None, None, None).await;
    sim.shutdown().await;

    let logs = capture.text();
    if std::env::var_os("SIM_DUMP_LOGS").is_some() {
        eprintln!("{logs}");
    }
    assert!(logs.contains("/api/v1/cases"), "request logging is expected");
    assert!(logs.contains("case created"), "case logging is expected");
    assert!(logs.contains("envelope received"), "envelope logging is expected");
    for c in f.citizens() {
        for needle in [&c.name, &c.id_number, &c.mobile, &c.address.detail, &c.id] {
            assert!(!logs.contains(needle.as_str()), "logs contain personal data of {}", c.id);
        }
    }
    for e in f.enterprises() {
        assert!(!logs.contains(&e.name) && !logs.contains(&e.uscc) && !logs.contains(&e.id));
    }
    for v in [rent, "测试路99号", "13923456789", "陈志强", "出租登记真方便"] {
        assert!(!logs.contains(v), "logs contain a form value or comment");
    }
    for s in &secrets {
        assert!(!logs.contains(s.as_str()), "logs contain a secret");
    }
    let v: Value = serde_json::from_str(&String::from_utf8_lossy(&base64_decode(case["content"].as_str().unwrap()))).unwrap();
    assert!(!logs.contains(v["fields"]["property_address"].as_str().unwrap()));
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s).unwrap()
}
