//! The service catalogue and the cases API against docs/platform-api.md ("Service catalogue",
//! "Cases"), over real HTTPS on loopback, driven as a client would: DPoP-authorised calls,
//! SD-JWT presentations with key binding and co-signing signatures made here with p256.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod cases_common;
mod common;

use std::collections::BTreeMap;

use cases_common::*;
use citykit_sim::server::VCT_RESIDENT_ID_CARD;
use citykit_sim::{Fault, LicenceValidity, SimConfig, SimHandle, Simulator};
use serde_json::{json, Value};

/// An item decided by a window, with nothing missing (no pledge).
const MANUAL_ITEM: &str = "criminal-record-certificate";

async fn sim() -> SimHandle {
    Simulator::start(SimConfig::default()).await.unwrap()
}

/// Files a case for `item_id` with every field the licences fill, plus `extra` user fields.
async fn file_case(sim: &SimHandle, p: &Person, item_id: &str, acting_for: Option<&str>, extra: &[(&str, &str)], parties: Value) -> Answer {
    let item = sim.catalogue_item(item_id).unwrap();
    let (own, agent) = match acting_for {
        Some(e) => (p.licences(Some(e), false).await, p.licences(None, false).await),
        None => (p.licences(None, true).await, Vec::new()),
    };
    let mut filled = autofill(item, &own, &agent);
    for (k, v) in extra {
        filled.fields.insert((*k).to_owned(), json!({"value": v, "source": null}));
    }
    let key = new_key();
    let body = case_body(p, item, &filled, &key, parties);
    p.call("POST", "/api/v1/cases", acting_for, Some(&key), Some(&body)).await
}

fn verify_result_licence(sim: &SimHandle, p: &Person, licence: &str, vct: &str, office: &str) {
    let l = Licence::parse(licence);
    assert_eq!(l.vct(), vct);
    assert_eq!(l.payload["iss"], format!("{}/issuers/{office}", sim.issuer()).as_str());
    let jwks = sim.issuer_jwks(office).unwrap();
    assert!(common::verify_es256(&l.jwt, &jwks["keys"][0]));
    assert_eq!(l.payload["cnf"]["jwk"], p.key.jwk());
    assert!(l.payload["status"]["status_list"]["idx"].as_u64().is_some());
}

#[tokio::test]
async fn the_catalogue_is_served_with_a_strong_etag() {
    let sim = sim().await;
    let p = Person::login(&sim, "citizen-01").await;
    let a = p.call("GET", "/api/v1/catalogue", None, None, None).await;
    assert_eq!(a.status, 200);
    let etag = a.headers["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"') && !etag.starts_with("W/"));
    let items = a.body["items"].as_array().unwrap();
    assert!(items.len() >= 160, "{}", items.len());
    assert!(a.body["bundles"].as_array().unwrap().len() >= 5);
    assert!(a.body["version"].as_str().is_some());
    // The served document is the typed catalogue, field for field.
    let typed = serde_json::to_value(sim.service_catalogue()).unwrap();
    assert_eq!(a.body, typed);
    let rental = items.iter().find(|i| i["id"] == "rental-registration").unwrap();
    assert_eq!(rental["name_zh"], "房屋租赁登记备案");
    assert_eq!(rental["co_signing"]["roles"], json!(["co_landlord", "tenant"]));
    let addr = rental["form"]["fields"].as_array().unwrap().iter().find(|f| f["name"] == "property_address").unwrap();
    assert_eq!(addr["sources"][0]["vct"], "urn:citykit:vct:real_estate_certificate");
    assert_eq!(addr["sources"][0]["claim"], "property_address");

    // Revalidation: 304 without a body; another tag or none gets the document.
    let a = p.call_with("GET", "/api/v1/catalogue", None, None, None, &[("If-None-Match", &etag)]).await;
    assert_eq!(a.status, 304);
    assert!(a.raw.is_empty());
    assert_eq!(a.headers["etag"].to_str().unwrap(), etag);
    let a = p.call_with("GET", "/api/v1/catalogue", Some("enterprise-01"), None, None, &[("If-None-Match", "\"something-else\"")]).await;
    assert_eq!(a.status, 200, "the same answer for every identity");
    assert_eq!(a.headers["etag"].to_str().unwrap(), etag);

    // Authorised like every API call.
    let res = p.http.get(format!("{}/api/v1/catalogue", sim.issuer())).send().await.unwrap();
    assert_eq!(res.status(), 401);
    sim.shutdown().await;
}

#[tokio::test]
async fn an_instant_case_is_approved_with_a_result_licence_and_writes_are_idempotent() {
    let sim = sim().await;
    // 王建国, born 1958: over 60.
    let p = Person::login(&sim, "citizen-03").await;
    let item = sim.catalogue_item("senior-preferential-card").unwrap();
    let own = p.licences(None, false).await;
    let filled = autofill(item, &own, &[]);
    let key = new_key();
    let body = case_body(&p, item, &filled, &key, json!([]));
    let first = p.call("POST", "/api/v1/cases", None, Some(&key), Some(&body)).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let case = &first.body;
    assert_eq!(case["status"], "approved");
    assert_eq!(case["item_id"], "senior-preferential-card");
    assert_eq!(case["applicant"]["id"], "citizen-03");
    assert!(case["decided_at"].as_i64().is_some());
    let content = content_of(case);
    assert_eq!(content["case_id"], case["id"]);
    assert_eq!(content["revision"], 1);
    assert_eq!(content["fields"]["applicant_name"], sim.fixtures().citizen("citizen-03").unwrap().name.as_str());
    let result = case["result_licence"].as_str().unwrap();
    verify_result_licence(&sim, &p, result, "urn:citykit:vct:senior_preferential_card", "civil-affairs");
    let id = case["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with('C') && id.len() == "C20261123-000001".len(), "{id}");

    // From now on the wallet gets it too.
    let after = p.licences(None, false).await;
    assert_eq!(after.len(), own.len() + 1);
    assert!(after.iter().any(|l| l.vct() == "urn:citykit:vct:senior_preferential_card" && l.claim("case_id") == Some(&json!(id))));
    assert!(sim.licence_types("citizen-03").contains(&"urn:citykit:vct:senior_preferential_card"));

    // A replay gets the very same answer and changes nothing.
    let again = p.call("POST", "/api/v1/cases", None, Some(&key), Some(&body)).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.raw, first.raw);
    assert_eq!(sim.cases().len(), 1);
    assert_eq!(sim.cases()[0].idempotency_keys, vec![key.clone()]);
    // The same key with another body is refused; so is a write without a key.
    let mut other = body.clone();
    other["fields"].as_object_mut().unwrap().insert("emergency_contact".into(), json!({"value": "王小明", "source": null}));
    let reused = p.call("POST", "/api/v1/cases", None, Some(&key), Some(&other)).await;
    assert_eq!((reused.status, reused.error()), (422, "idempotency_key_reused"));
    let missing = p.call("POST", "/api/v1/cases", None, None, Some(&body)).await;
    assert_eq!((missing.status, missing.error()), (400, "idempotency_key_required"));
    let short = p.call("POST", "/api/v1/cases", None, Some("too-short"), Some(&body)).await;
    assert_eq!((short.status, short.error()), (400, "idempotency_key_required"));
    // Keys are per identity: another person may use the same key.
    let q = Person::login(&sim, "citizen-09").await;
    let own_q = q.licences(None, false).await;
    let filled_q = autofill(item, &own_q, &[]);
    let body_q = case_body(&q, item, &filled_q, &key, json!([]));
    let a = q.call("POST", "/api/v1/cases", None, Some(&key), Some(&body_q)).await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.body["status"], "approved");
    assert_eq!(sim.cases().len(), 2);

    // The case is the applicant's: listed, readable; others get 404.
    let list = p.call("GET", "/api/v1/cases", None, None, None).await;
    assert_eq!(list.body["cases"].as_array().unwrap().len(), 1);
    assert!(list.body["cases"][0].get("content").is_none());
    assert_eq!(p.get_case(&id, None).await.status, 200);
    assert_eq!(q.get_case(&id, None).await.status, 404);
    let inbox = p.inbox(0, None).await;
    assert!(inbox.iter().any(|i| i["case_id"] == json!(id) && i["status"] == "approved" && i["kind"] == "case_status"));

    // Someone under 60 goes to the window instead, with a working-day due date.
    let young = Person::login(&sim, "citizen-02").await;
    let a = file_case(&sim, &young, "senior-preferential-card", None, &[], json!([])).await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.body["status"], "in_review");
    assert_eq!(a.body["result_licence"], Value::Null);
    let due = citykit_sim::server::add_working_days(&sim.case_today(), item.promised_working_days);
    assert_eq!(a.body["due_date"].as_str(), due.as_deref());
    sim.shutdown().await;
}

#[tokio::test]
async fn a_manual_case_gets_a_working_day_due_date_and_the_windows_decision() {
    let sim = sim().await;
    let p = Person::login(&sim, "citizen-05").await;
    let item = sim.catalogue_item(MANUAL_ITEM).unwrap();
    assert!(!item.instant && item.materials.iter().all(|m| m.tolerance_days.is_none()));
    let extra = [("applicant_mobile", "13923456789"), ("certificate_use", "employment")];
    let a = file_case(&sim, &p, MANUAL_ITEM, None, &extra, json!([])).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let case = a.body.clone();
    assert_eq!(case["status"], "in_review");
    let today = sim.case_today();
    let due = citykit_sim::server::add_working_days(&today, item.promised_working_days).unwrap();
    assert_eq!(case["due_date"], due.as_str());
    assert!(due.as_str() > today.as_str());
    assert_eq!(case["pledge"], Value::Null, "nothing is missing: no pledge");
    let history = case["history"].as_array().unwrap();
    assert!(history.iter().all(|h| h["status"] == "in_review"));
    let id = case["id"].as_str().unwrap().to_owned();

    // Rating before the decision is refused.
    let r = p
        .call("POST", &format!("/api/v1/cases/{id}/rating"), None, Some(&new_key()), Some(&json!({"rating": "good", "comment": null})))
        .await;
    assert_eq!((r.status, r.error()), (409, "case_not_finished"));

    // The window approves: the result licence is issued to the applicant's key.
    let decided = sim.decide_case(&id, true, Some("材料齐全")).unwrap();
    assert_eq!(decided["status"], "approved");
    let case = p.get_case(&id, None).await.body;
    assert_eq!(case["status"], "approved");
    assert_eq!(case["due_date"], due.as_str());
    verify_result_licence(
        &sim,
        &p,
        case["result_licence"].as_str().unwrap(),
        "urn:citykit:vct:no_criminal_record_certificate",
        "public-security",
    );
    assert!(p.licences(None, false).await.iter().any(|l| l.vct() == "urn:citykit:vct:no_criminal_record_certificate"));
    // Deciding twice is refused, over HTTP as well.
    let again = p.http.post(format!("{}/sim/cases/{id}/decide", sim.issuer())).json(&json!({"decision": "reject"})).send().await.unwrap();
    assert_eq!(again.status(), 409);

    // A second case, rejected over HTTP.
    let a = file_case(&sim, &p, MANUAL_ITEM, None, &extra, json!([])).await;
    let id2 = a.body["id"].as_str().unwrap().to_owned();
    let res = p
        .http
        .post(format!("{}/sim/cases/{id2}/decide", sim.issuer()))
        .json(&json!({"decision": "reject", "note": "用途不符"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let case = p.get_case(&id2, None).await.body;
    assert_eq!(case["status"], "rejected");
    assert_eq!(case["result_licence"], Value::Null);
    let statuses: Vec<String> =
        p.inbox(0, None).await.iter().filter(|i| i["case_id"] == json!(id2)).map(|i| i["status"].as_str().unwrap().to_owned()).collect();
    assert_eq!(statuses.last().map(String::as_str), Some("rejected"));
    sim.shutdown().await;
}

#[tokio::test]
async fn government_verified_values_are_recomputed_and_materials_verified() {
    let sim = sim().await;
    let p = Person::login(&sim, "citizen-03").await;
    let item = sim.catalogue_item("senior-preferential-card").unwrap();
    let own = p.licences(None, false).await;
    let id_card = own.iter().find(|l| l.vct() == VCT_RESIDENT_ID_CARD).unwrap();
    let post = |body: Value, key: String| {
        let p = &p;
        async move { p.call("POST", "/api/v1/cases", None, Some(&key), Some(&body)).await }
    };

    // An altered government-verified value.
    let mut filled = autofill(item, &own, &[]);
    filled.fields["applicant_name"]["value"] = json!("王建民");
    let key = new_key();
    let a = post(case_body(&p, item, &filled, &key, json!([])), key).await;
    assert_eq!((a.status, a.error()), (422, "field_mismatch"), "{}", a.body);
    assert_eq!(a.body["field"], "applicant_name");
    // A derived value altered: the district of the address.
    let mut filled = autofill(item, &own, &[]);
    filled.fields["applicant_address_district"]["value"] = json!("海淀区");
    let key = new_key();
    let a = post(case_body(&p, item, &filled, &key, json!([])), key).await;
    assert_eq!(a.body["field"], "applicant_address_district");
    // A source the field does not declare.
    let mut filled = autofill(item, &own, &[]);
    filled.fields["applicant_name"]["source"]["claim"] = json!("issuing_authority");
    let key = new_key();
    let a = post(case_body(&p, item, &filled, &key, json!([])), key).await;
    assert_eq!((a.status, a.error()), (422, "field_mismatch"));
    // The same value typed in by hand is accepted, but then the case is not instant.
    let mut filled = autofill(item, &own, &[]);
    filled.fields["applicant_name"]["source"] = Value::Null;
    let key = new_key();
    let a = post(case_body(&p, item, &filled, &key, json!([])), key).await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.body["status"], "in_review");

    // Field rules.
    let mut filled = autofill(item, &own, &[]);
    filled.fields.remove("applicant_id_number");
    let key = new_key();
    let a = post(case_body(&p, item, &filled, &key, json!([])), key).await;
    assert_eq!(a.body, json!({"error": "invalid_field", "field": "applicant_id_number", "reason": "required"}));
    let mut filled = autofill(item, &own, &[]);
    filled.fields.insert("emergency_phone".into(), json!({"value": "12345", "source": null}));
    let key = new_key();
    let a = post(case_body(&p, item, &filled, &key, json!([])), key).await;
    assert_eq!((a.body["field"].as_str(), a.body["reason"].as_str()), (Some("emergency_phone"), Some("format")));
    let mut filled = autofill(item, &own, &[]);
    let mut wrong_digit = filled.fields["applicant_id_number"]["value"].as_str().unwrap().to_owned();
    let last = if wrong_digit.ends_with('1') { "2" } else { "1" };
    wrong_digit.replace_range(17.., last);
    filled.fields["applicant_id_number"] = json!({"value": wrong_digit, "source": null});
    let key = new_key();
    let a = post(case_body(&p, item, &filled, &key, json!([])), key).await;
    assert_eq!(a.body["reason"], "check_digit");
    let mut filled = autofill(item, &own, &[]);
    filled.fields.insert("delivery_method".into(), json!({"value": "pigeon", "source": null}));
    let key = new_key();
    let a = post(case_body(&p, item, &filled, &key, json!([])), key).await;
    assert_eq!(a.body["reason"], "choice");
    let mut filled = autofill(item, &own, &[]);
    filled.fields.insert("shoe_size".into(), json!({"value": "42", "source": null}));
    let key = new_key();
    let a = post(case_body(&p, item, &filled, &key, json!([])), key).await;
    assert_eq!((a.status, a.error()), (422, "invalid_field"));

    // Forged or misused presentations.
    let filled = autofill(item, &own, &[]);
    let forged = id_card.with_forged("name", json!("王建民"));
    assert_ne!(forged.disclosures[0].encoded, id_card.disclosures[0].encoded);
    let key = new_key();
    let mut body = case_body(&p, item, &filled, &key, json!([]));
    body["materials"][0] = json!(p.present(&forged, &key));
    let a = post(body, key).await;
    assert_eq!(a.body, json!({"error": "invalid_material", "material": 0}));
    // Key binding to another nonce, audience or a stale time.
    for (nonce, aud, iat) in [
        (new_key(), format!("{}/api/v1/cases", sim.issuer()), common::now()),
        (String::new(), "https://elsewhere.example/api/v1/cases".to_owned(), common::now()),
        (String::new(), format!("{}/api/v1/cases", sim.issuer()), common::now() - 3600),
    ] {
        let key = new_key();
        let nonce = if nonce.is_empty() { key.clone() } else { nonce };
        let mut body = case_body(&p, item, &filled, &key, json!([]));
        body["materials"][0] = json!(p.present_to(id_card, &nonce, &aud, iat));
        let a = post(body, key).await;
        assert_eq!(a.body, json!({"error": "invalid_material", "material": 0}));
    }
    // Someone else's licence, even bound to this device's key.
    let theirs = sim.issue_licence("citizen-09", VCT_RESIDENT_ID_CARD, p.key.jwk(), LicenceValidity::default()).unwrap();
    let key = new_key();
    let mut body = case_body(&p, item, &filled, &key, json!([]));
    body["materials"][0] = json!(p.present(&Licence::parse(&theirs), &key));
    let a = post(body, key).await;
    assert_eq!(a.error(), "invalid_material");
    // The applicant's licence bound to another key; an expired one; a revoked one.
    let other_key = common::DpopKey::new();
    for (jwk, validity) in [
        (other_key.jwk(), LicenceValidity::default()),
        (p.key.jwk(), LicenceValidity { not_before_offset_secs: -7200, expires_in_secs: -3600 }),
    ] {
        let l = sim.issue_licence("citizen-03", VCT_RESIDENT_ID_CARD, jwk, validity).unwrap();
        let key = new_key();
        let mut body = case_body(&p, item, &filled, &key, json!([]));
        body["materials"][0] = json!(p.present(&Licence::parse(&l), &key));
        let a = post(body, key).await;
        assert_eq!(a.error(), "invalid_material");
    }
    sim.revoke_licence("citizen-03", VCT_RESIDENT_ID_CARD).unwrap();
    let key = new_key();
    let a = post(case_body(&p, item, &filled, &key, json!([])), key).await;
    assert_eq!(a.body, json!({"error": "invalid_material", "material": 0}));

    // Unknown item, old form, a person filing an enterprise item.
    let key = new_key();
    let a = post(json!({"item_id": "no-such-item", "form_version": 1, "fields": {}, "materials": [], "parties": []}), key).await;
    assert_eq!((a.status, a.error()), (404, "unknown_item"));
    let key = new_key();
    let a =
        post(json!({"item_id": "senior-preferential-card", "form_version": 0, "fields": {}, "materials": [], "parties": []}), key).await;
    assert_eq!((a.status, a.error()), (409, "form_outdated"));
    let key = new_key();
    let a = post(json!({"item_id": "annual-report", "form_version": 1, "fields": {}, "materials": [], "parties": []}), key).await;
    assert_eq!((a.status, a.error()), (422, "wrong_audience"));
    sim.shutdown().await;
}

#[tokio::test]
async fn a_missing_material_without_tolerance_is_refused() {
    let sim = sim().await;
    let p = Person::login(&sim, "citizen-03").await;
    let item = sim.catalogue_item("senior-preferential-card").unwrap();
    let own = p.licences(None, false).await;
    let mut filled = autofill(item, &own, &[]);
    // Type everything in by hand and present nothing.
    for v in filled.fields.values_mut() {
        v["source"] = Value::Null;
    }
    filled.materials.clear();
    let key = new_key();
    let body = case_body(&p, item, &filled, &key, json!([]));
    let a = p.call("POST", "/api/v1/cases", None, Some(&key), Some(&body)).await;
    assert_eq!(a.body, json!({"error": "material_missing", "material": "id-card"}));
    sim.shutdown().await;
}

#[tokio::test]
async fn enterprise_and_parent_cases_are_instant() {
    let sim = sim().await;
    let p = Person::login(&sim, "citizen-01").await;
    // Acting for enterprise-01 (legal representative): the business licence and the agent's ID card.
    let a = file_case(&sim, &p, "business-licence-change", Some("enterprise-01"), &[], json!([])).await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.body["status"], "approved");
    assert_eq!(a.body["applicant"]["id"], "enterprise-01");
    let licence = Licence::parse(a.body["result_licence"].as_str().unwrap());
    assert_eq!(licence.vct(), "urn:citykit:vct:registration_change_notice");
    assert_eq!(licence.claim("holder_uscc").unwrap(), sim.fixtures().enterprise("enterprise-01").unwrap().uscc.as_str());
    assert_eq!(licence.claim("agent_name").unwrap(), sim.fixtures().citizen("citizen-01").unwrap().name.as_str());
    // The enterprise's cases and inbox, not the person's.
    let cases = p.call("GET", "/api/v1/cases", Some("enterprise-01"), None, None).await;
    assert_eq!(cases.body["cases"].as_array().unwrap().len(), 1);
    let mine = p.call("GET", "/api/v1/cases", None, None, None).await;
    assert_eq!(mine.body["cases"].as_array().unwrap().len(), 0);
    assert!(!p.inbox(0, Some("enterprise-01")).await.is_empty());
    assert!(p.inbox(0, None).await.is_empty());
    // The enterprise's wallet now holds the notice too.
    assert!(p.licences(Some("enterprise-01"), false).await.iter().any(|l| l.vct() == "urn:citykit:vct:registration_change_notice"));
    // An agent's ID card presented as the enterprise's own is refused.
    let item = sim.catalogue_item("business-licence-change").unwrap();
    let own = p.licences(Some("enterprise-01"), false).await;
    let agent = p.licences(None, false).await;
    let mut filled = autofill(item, &own, &agent);
    let agent_idx = filled.fields["agent_name"]["source"]["material"].as_u64().unwrap();
    filled.fields["enterprise_name"]["source"]["material"] = json!(agent_idx);
    let key = new_key();
    let body = case_body(&p, item, &filled, &key, json!([]));
    let a = p.call("POST", "/api/v1/cases", Some("enterprise-01"), Some(&key), Some(&body)).await;
    assert_eq!((a.error(), a.body["field"].as_str()), ("field_mismatch", Some("enterprise_name")));

    // A parent presents their child's birth medical certificate (GET /licences?include=children).
    let children = p.licences(None, true).await;
    assert_eq!(children.len(), p.licences(None, false).await.len() + 1);
    let a = file_case(&sim, &p, "birth-registration", None, &[], json!([])).await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.body["status"], "approved");
    assert_eq!(Licence::parse(a.body["result_licence"].as_str().unwrap()).vct(), "urn:citykit:vct:birth_registration_certificate");
    // Someone who is not a parent of that child may not present the certificate.
    let q = Person::login(&sim, "citizen-05").await;
    let cert =
        sim.issue_licence("citizen-25", "urn:citykit:vct:birth_medical_certificate", q.key.jwk(), LicenceValidity::default()).unwrap();
    let item = sim.catalogue_item("birth-registration").unwrap();
    let mut own = q.licences(None, true).await;
    own.push(Licence::parse(&cert));
    let filled = autofill(item, &own, &[]);
    let key = new_key();
    let body = case_body(&q, item, &filled, &key, json!([]));
    let a = q.call("POST", "/api/v1/cases", None, Some(&key), Some(&body)).await;
    assert_eq!(a.error(), "invalid_material");
    sim.shutdown().await;
}

#[tokio::test]
async fn three_people_co_sign_a_rental_registration() {
    let sim = sim().await;
    let landlord = Person::login(&sim, "citizen-01").await;
    let co_landlord = Person::login(&sim, "citizen-02").await;
    let tenant = Person::login(&sim, "citizen-05").await;
    let f = sim.fixtures();
    let party = |role: &str, id: &str| {
        let c = f.citizen(id).unwrap();
        json!({"role": role, "id_number": c.id_number, "name": c.name})
    };
    let parties = json!([party("co_landlord", "citizen-02"), party("tenant", "citizen-05")]);
    let rent = [("monthly_rent", "4500"), ("lease_start", "2026-12-01"), ("lease_end", "2027-11-30")];
    let a = file_case(&sim, &landlord, "rental-registration", None, &rent, parties.clone()).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let case = a.body.clone();
    let id = case["id"].as_str().unwrap().to_owned();
    assert_eq!(case["status"], "awaiting_signatures");
    assert_eq!(case["applicant"]["role"], "landlord");
    assert_eq!(case["due_date"], Value::Null);
    let content = content_of(&case);
    assert_eq!(content["fields"]["monthly_rent"], "4500");
    assert_eq!(content["parties"][1]["role"], "tenant");
    assert_eq!(content["parties"][1]["id_number"], f.citizen("citizen-05").unwrap().id_number.as_str());
    // Every party is asked; the case is visible to them, and to nobody else.
    for p in [&co_landlord, &tenant] {
        let inbox = p.inbox(0, None).await;
        assert!(inbox.iter().any(|i| i["kind"] == "cosign_request" && i["case_id"] == json!(id)));
        let seen = p.get_case(&id, None).await;
        assert_eq!(seen.status, 200);
        assert_eq!(seen.body["content"], case["content"]);
        assert_eq!(seen.body["result_licence"], Value::Null);
    }
    let stranger = Person::login(&sim, "citizen-09").await;
    assert_eq!(stranger.get_case(&id, None).await.status, 404);
    assert_eq!(stranger.sign_case(&case, "sign").await.status, 404);

    // A signature by another key than the caller's DPoP key is refused.
    let sig = landlord.cosign(&id, case["content_sha256"].as_str().unwrap(), "sign");
    let a = co_landlord
        .call("POST", &format!("/api/v1/cases/{id}/signatures"), None, Some(&new_key()), Some(&json!({ "signature": sig })))
        .await;
    assert_eq!((a.status, a.error()), (403, "wrong_signing_key"));

    // The co-landlord signs; then the landlord changes the rent: signatures are void.
    let a = co_landlord.sign_case(&case, "sign").await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["parties"][0]["signed"], true);
    let item = sim.catalogue_item("rental-registration").unwrap();
    let own = landlord.licences(None, false).await;
    let mut filled = autofill(item, &own, &[]);
    for (k, v) in [("monthly_rent", "4800"), ("lease_start", "2026-12-01"), ("lease_end", "2027-11-30")] {
        filled.fields.insert(k.into(), json!({"value": v, "source": null}));
    }
    let key = new_key();
    let mut body = case_body(&landlord, item, &filled, &key, parties.clone());
    body.as_object_mut().unwrap().remove("item_id");
    let a = landlord.call("PUT", &format!("/api/v1/cases/{id}"), None, Some(&key), Some(&body)).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let amended = a.body.clone();
    assert_eq!(content_of(&amended)["revision"], 2);
    assert_eq!(content_of(&amended)["fields"]["monthly_rent"], "4800");
    assert_ne!(amended["content_sha256"], case["content_sha256"]);
    assert_eq!(amended["parties"][0]["signed"], false);
    // Parties cannot amend; a signature over the old content is refused.
    let a = tenant.call("PUT", &format!("/api/v1/cases/{id}"), None, Some(&new_key()), Some(&body)).await;
    assert_eq!(a.status, 403);
    let a = tenant.sign_case(&case, "sign").await;
    assert_eq!((a.status, a.error()), (409, "content_changed"));
    let requests = co_landlord.inbox(0, None).await.into_iter().filter(|i| i["kind"] == "cosign_request").count();
    assert_eq!(requests, 2, "asked again after the change");

    // All three sign the new content: approved at once, the certificate to the landlord.
    for p in [&tenant, &co_landlord] {
        let a = p.sign_case(&amended, "sign").await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!(a.body["status"], "awaiting_signatures");
    }
    let a = landlord.sign_case(&amended, "sign").await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["status"], "approved", "{}", a.body);
    verify_result_licence(
        &sim,
        &landlord,
        a.body["result_licence"].as_str().unwrap(),
        "urn:citykit:vct:rental_registration_certificate",
        "housing",
    );
    let cert = Licence::parse(a.body["result_licence"].as_str().unwrap());
    assert_eq!(cert.claim("monthly_rent"), Some(&json!("4800")));
    assert_eq!(tenant.get_case(&id, None).await.body["result_licence"], Value::Null);
    assert!(tenant.inbox(0, None).await.iter().any(|i| i["case_id"] == json!(id) && i["status"] == "approved"));
    let a = tenant.sign_case(&amended, "sign").await;
    assert_eq!((a.status, a.error()), (409, "case_closed"));

    // Ratings: the applicant only, once, short comments.
    async fn rate_case(p: &Person, id: &str, rating: &str, comment: Value) -> Answer {
        let body = json!({"rating": rating, "comment": comment});
        let path = format!("/api/v1/cases/{id}/rating");
        p.call("POST", &path, None, Some(&new_key()), Some(&body)).await
    }
    let rate = |p, rating, comment| rate_case(p, &id, rating, comment);
    assert_eq!(rate(&tenant, "good", Value::Null).await.status, 403);
    let long = "很".repeat(201);
    assert_eq!(rate(&landlord, "good", json!(long)).await.error(), "comment_too_long");
    let a = rate(&landlord, "good", json!("全程网办，不用跑腿")).await;
    assert_eq!((a.status, &a.body), (200, &json!({"case_id": id, "rating": "good"})));
    assert_eq!(rate(&landlord, "good", Value::Null).await.status, 200);
    let a = rate(&landlord, "bad", Value::Null).await;
    assert_eq!((a.status, a.error()), (409, "already_rated"));
    assert_eq!(landlord.get_case(&id, None).await.body["rating"], "good");
    let stats = sim.ratings();
    assert_eq!(stats.by_office["housing"].good, 1);
    assert_eq!(stats.by_item["rental-registration"].good, 1);
    assert_eq!(stats.comments, 1);
    let over_http: Value = landlord.http.get(format!("{}/sim/ratings", sim.issuer())).send().await.unwrap().json().await.unwrap();
    assert_eq!(over_http["by_office"]["housing"]["good"], 1);
    assert_eq!(over_http["comments"], 1);

    // A co-landlord who owns nothing: everyone signs, but the case goes to the window.
    let wrong = json!([party("co_landlord", "citizen-05"), party("tenant", "citizen-09")]);
    let a = file_case(&sim, &landlord, "rental-registration", None, &rent, wrong).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let case2 = a.body.clone();
    for p in [&tenant, &stranger, &landlord] {
        let a = p.sign_case(&case2, "sign").await;
        assert_eq!(a.status, 200, "{}", a.body);
    }
    let after = landlord.get_case(case2["id"].as_str().unwrap(), None).await.body;
    assert_eq!(after["status"], "in_review");
    assert!(after["due_date"].as_str().is_some());

    // Unknown parties are refused.
    let nobody = json!([{"role": "tenant", "id_number": "11010519491231002X", "name": "张三"}]);
    let a = file_case(&sim, &landlord, "rental-registration", None, &rent, nobody).await;
    assert_eq!((a.status, a.error()), (422, "unknown_party"));
    let bad_role = json!([{"role": "guarantor", "id_number": f.citizen("citizen-05").unwrap().id_number, "name": f.citizen("citizen-05").unwrap().name}]);
    let a = file_case(&sim, &landlord, "rental-registration", None, &rent, bad_role).await;
    assert_eq!(a.error(), "unknown_party");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_decline_ends_a_co_signed_case_and_the_clock_expires_another() {
    let sim = sim().await;
    let landlord = Person::login(&sim, "citizen-01").await;
    let tenant = Person::login(&sim, "citizen-05").await;
    let f = sim.fixtures();
    let t = f.citizen("citizen-05").unwrap();
    let parties = json!([{"role": "tenant", "id_number": t.id_number, "name": t.name}]);
    let a = file_case(&sim, &landlord, "rental-registration", None, &[], parties.clone()).await;
    let case = a.body.clone();
    let id = case["id"].as_str().unwrap().to_owned();
    let a = tenant.sign_case(&case, "decline").await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["status"], "declined");
    assert_eq!(a.body["parties"][0]["declined"], true);
    let a = landlord.sign_case(&case, "sign").await;
    assert_eq!((a.status, a.error()), (409, "case_closed"));
    assert!(landlord.inbox(0, None).await.iter().any(|i| i["case_id"] == json!(id) && i["status"] == "declined"));
    // A declined case may be rated.
    let a = landlord
        .call("POST", &format!("/api/v1/cases/{id}/rating"), None, Some(&new_key()), Some(&json!({"rating": "bad", "comment": null})))
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(sim.ratings().by_item["rental-registration"].bad, 1);

    // Seven days to sign: after eight days on the simulator clock the case has expired.
    let a = file_case(&sim, &landlord, "rental-registration", None, &[], parties).await;
    let case = a.body.clone();
    let id = case["id"].as_str().unwrap().to_owned();
    let today = sim.case_today();
    assert_eq!(Some(sim.advance_clock_days(6)), citykit_sim::server::add_days(&today, 6));
    assert_eq!(landlord.get_case(&id, None).await.body["status"], "awaiting_signatures");
    let clock: Value = landlord
        .http
        .post(format!("{}/sim/clock", sim.issuer()))
        .json(&json!({"advance_days": 2}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(clock["offset_days"], 8);
    let after = landlord.get_case(&id, None).await.body;
    assert_eq!(after["status"], "expired");
    assert!(after["decided_at"].as_i64().unwrap() > case["submitted_at"].as_i64().unwrap());
    let a = tenant.sign_case(&case, "sign").await;
    assert_eq!((a.status, a.error()), (409, "case_closed"));
    assert!(tenant.inbox(0, None).await.iter().any(|i| i["case_id"] == json!(id) && i["status"] == "expired"));
    // Cases filed now carry the moved clock's date.
    let a = file_case(
        &sim,
        &landlord,
        MANUAL_ITEM,
        None,
        &[("applicant_mobile", "13923456789"), ("certificate_use", "study_abroad")],
        json!([]),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let moved = sim.case_today();
    assert!(a.body["id"].as_str().unwrap().starts_with(&format!("C{}", moved.replace('-', ""))));
    let days = sim.catalogue_item(MANUAL_ITEM).unwrap().promised_working_days;
    assert_eq!(a.body["due_date"].as_str(), citykit_sim::server::add_working_days(&moved, days).as_deref());
    sim.shutdown().await;
}

#[tokio::test]
async fn a_lost_answer_is_recovered_by_retrying_with_the_same_key() {
    let sim = sim().await;
    let p = Person::login(&sim, "citizen-03").await;
    let item = sim.catalogue_item("senior-preferential-card").unwrap();
    let own = p.licences(None, false).await;
    let filled = autofill(item, &own, &[]);
    let key = new_key();
    let body = case_body(&p, item, &filled, &key, json!([]));
    sim.set_fault(Fault::LoseResponse { path: "/api/v1/cases".into(), count: 1 });
    let lost = p.call("POST", "/api/v1/cases", None, Some(&key), Some(&body)).await;
    assert_eq!(lost.status, 502);
    // It happened nevertheless.
    let cases = sim.cases();
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].idempotency_keys, vec![key.clone()]);
    assert_eq!(cases[0].status, "approved");
    // The retry gets the answer, and no second case.
    let retry = p.call("POST", "/api/v1/cases", None, Some(&key), Some(&body)).await;
    assert_eq!(retry.status, 201);
    assert_eq!(retry.body["id"], cases[0].id.as_str());
    assert_eq!(sim.cases().len(), 1);
    let listed: Value = p.http.get(format!("{}/sim/cases", sim.issuer())).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["cases"][0]["idempotency_keys"], json!([key]));
    assert_eq!(listed["cases"][0]["applicant"], "citizen-03");
    // Over the fault endpoint too.
    let res = p
        .http
        .post(format!("{}/sim/faults", sim.issuer()))
        .json(&Fault::LoseResponse { path: "/api/v1/me".into(), count: 1 }.to_json())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(p.call("GET", "/api/v1/me", None, None, None).await.status, 502);
    assert_eq!(p.call("GET", "/api/v1/me", None, None, None).await.status, 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn the_inbox_is_ordered_and_paged() {
    let sim = sim().await;
    let p = Person::login(&sim, "citizen-02").await;
    for _ in 0..3 {
        let a = file_case(&sim, &p, "insurance-record-print", None, &[], json!([])).await;
        assert_eq!(a.body["status"], "approved", "{}", a.body);
    }
    let all = p.inbox(0, None).await;
    assert!(all.len() >= 3);
    let ids: Vec<u64> = all.iter().map(|i| i["id"].as_u64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    let rest = p.inbox(ids[0], None).await;
    assert_eq!(rest.len(), all.len() - 1);
    assert!(p.inbox(*ids.last().unwrap(), None).await.is_empty());
    for i in &all {
        for k in ["id", "at", "kind", "case_id", "item_id", "status", "title_zh", "title_en"] {
            assert!(!i[k].is_null(), "{k}");
        }
    }
    sim.shutdown().await;
}

/// Every item of the catalogue accepts a form filled from the licences (and typed values where
/// no licence helps): instant items are approved unless a check fails, co-signing ones wait for
/// signatures, the rest go to the window. Only a missing licence without 容缺 is refused.
#[tokio::test]
async fn every_item_accepts_a_filled_form() {
    let sim = sim().await;
    let p = Person::login(&sim, "citizen-01").await;
    let person_own = p.licences(None, true).await;
    let ent_own = p.licences(Some("enterprise-01"), false).await;
    let today = sim.case_today();
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    for item in &sim.service_catalogue().items {
        let enterprise = item.audience == citykit_sim::server::catalogue::Audience::Enterprise;
        let (own, agent, acting) =
            if enterprise { (&ent_own[..], &person_own[..], Some("enterprise-01")) } else { (&person_own[..], &[][..], None) };
        let mut filled = autofill(item, own, agent);
        for f in &item.form.fields {
            if f.required && !filled.fields.contains_key(&f.name) {
                assert!(!item.instant, "{}: {} not filled", item.id, f.name);
                filled.fields.insert(f.name.clone(), typed_value(item, &f.name, &today));
            }
        }
        let key = new_key();
        let body = case_body(&p, item, &filled, &key, json!([]));
        let a = p.call("POST", "/api/v1/cases", acting, Some(&key), Some(&body)).await;
        let outcome = if a.status == 201 {
            a.body["status"].as_str().unwrap().to_owned()
        } else {
            assert_eq!(a.error(), "material_missing", "{}: {}", item.id, a.body);
            let m = item.materials.iter().find(|m| a.body["material"] == m.id.as_str()).unwrap();
            let vct = m.satisfied_by.as_deref().unwrap();
            assert!(!own.iter().any(|l| l.vct() == vct), "{}", item.id);
            "refused".to_owned()
        };
        let tolerated = item.materials.iter().any(|m| m.required && m.satisfied_by.is_none() && m.tolerance_days.is_some());
        let expected = if item.co_signing.is_some() {
            "awaiting_signatures"
        } else if tolerated {
            // A material only paper can give is missing: the case waits for the pledge (容缺).
            "awaiting_pledge"
        } else if item.instant && !item.checks.iter().any(|c| c == "age_over_60") {
            "approved"
        } else if outcome == "refused" {
            "refused"
        } else {
            "in_review"
        };
        assert_eq!(outcome, expected, "{}: {}", item.id, a.body);
        if item.instant && outcome == "approved" {
            assert_eq!(a.body["result_licence"].is_string(), item.result.is_some(), "{}", item.id);
        }
        *outcomes.entry(outcome).or_default() += 1;
    }
    assert!(outcomes["approved"] >= 30, "{outcomes:?}");
    assert!(outcomes["in_review"] >= 40 && outcomes["awaiting_pledge"] >= 40, "{outcomes:?}");
    assert!(outcomes.get("refused").copied().unwrap_or(0) <= 5, "{outcomes:?}");
    sim.shutdown().await;
}

#[test]
fn working_days_skip_weekends_and_holidays_and_count_make_up_days() {
    use citykit_sim::server::add_working_days as due;
    assert_eq!(due("2026-11-20", 1).as_deref(), Some("2026-11-23"));
    assert_eq!(due("2026-09-30", 3).as_deref(), Some("2026-10-10"));
    assert_eq!(due("2026-02-13", 2).as_deref(), Some("2026-02-24"));
    assert_eq!(due("2026-13-01", 2), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sim_subcommands_control_cases() {
    let sim = sim().await;
    let p = Person::login(&sim, "citizen-05").await;
    let extra = [("applicant_mobile", "13923456789"), ("certificate_use", "other")];
    let a = file_case(&sim, &p, MANUAL_ITEM, None, &extra, json!([])).await;
    let id = a.body["id"].as_str().unwrap().to_owned();
    let bin = env!("CARGO_BIN_EXE_citykit-sim");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(bin)
            .arg("sim")
            .args(args)
            .args(["--issuer", &sim.issuer(), "--ca-file"])
            .arg(sim.ca_cert_path())
            .output()
            .unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let (ok, out) = run(&["cases", "--json"]);
    assert!(ok);
    let listed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(listed["cases"][0]["id"], id.as_str());
    assert_eq!(listed["cases"][0]["status"], "in_review");
    let (ok, out) = run(&["cases"]);
    assert!(ok && out.contains(&id) && out.contains("in_review"), "{out}");
    let (ok, out) = run(&["decide", &id, "--approve", "--note", "材料齐全", "--json"]);
    assert!(ok, "{out}");
    let decided: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(decided["status"], "approved");
    assert!(decided["result_licence"].is_string());
    let (ok, _) = run(&["decide", &id, "--reject"]);
    assert!(!ok, "a decided case cannot be decided again");
    let (ok, out) = run(&["clock", "--advance-days", "3"]);
    assert!(ok && out.contains("offset 3 days"), "{out}");
    let (ok, out) = run(&["clock", "--json"]);
    assert!(ok);
    let clock: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(clock["offset_days"], 3);
    assert_eq!(clock["today"], sim.case_today().as_str());
    let r = p
        .call("POST", &format!("/api/v1/cases/{id}/rating"), None, Some(&new_key()), Some(&json!({"rating": "good", "comment": "很快"})))
        .await;
    assert_eq!(r.status, 200);
    let (ok, out) = run(&["ratings", "--json"]);
    assert!(ok);
    let ratings: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(ratings["by_office"]["public-security"]["good"], 1);
    assert_eq!(ratings["by_item"][MANUAL_ITEM]["good"], 1);
    assert_eq!(ratings["comments"], 1);
    let (ok, out) = run(&["ratings"]);
    assert!(ok && out.contains(MANUAL_ITEM) && out.contains("comments: 1"), "{out}");
    sim.shutdown().await;
}

#[tokio::test]
async fn an_answer_fault_throttles_or_refuses_without_handling_the_request() {
    let sim = sim().await;
    let p = Person::login(&sim, "citizen-03").await;
    let item = sim.catalogue_item("senior-preferential-card").unwrap();
    let own = p.licences(None, false).await;
    let filled = autofill(item, &own, &[]);
    let key = new_key();
    let body = case_body(&p, item, &filled, &key, json!([]));
    // Over the fault endpoint: a 429 with an HTTP-date, then a 503 with delta-seconds.
    for fault in [
        Fault::Answer {
            path: "/api/v1/cases".into(),
            status: 429,
            error: "too_many_requests".into(),
            retry_after: Some("Wed, 21 Oct 2037 07:28:00 GMT".into()),
            count: 1,
        },
        Fault::Answer {
            path: "/api/v1/cases".into(),
            status: 503,
            error: "temporarily_unavailable".into(),
            retry_after: Some("120".into()),
            count: 1,
        },
    ] {
        let res = p.http.post(format!("{}/sim/faults", sim.issuer())).json(&fault.to_json()).send().await.unwrap();
        assert_eq!(res.status(), 204);
    }
    let first = p.call("POST", "/api/v1/cases", None, Some(&key), Some(&body)).await;
    assert_eq!((first.status, first.error()), (429, "too_many_requests"));
    assert_eq!(first.headers["retry-after"], "Wed, 21 Oct 2037 07:28:00 GMT");
    let second = p.call("POST", "/api/v1/cases", None, Some(&key), Some(&body)).await;
    assert_eq!((second.status, second.error()), (503, "temporarily_unavailable"));
    assert_eq!(second.headers["retry-after"], "120");
    assert!(sim.cases().is_empty(), "not handled");
    // A definite refusal: a 4xx with the platform's error body, no Retry-After.
    sim.set_fault(Fault::Answer {
        path: "/api/v1/cases".into(),
        status: 422,
        error: "invalid_material".into(),
        retry_after: None,
        count: 1,
    });
    let refused = p.call("POST", "/api/v1/cases", None, Some(&key), Some(&body)).await;
    assert_eq!((refused.status, refused.error()), (422, "invalid_material"));
    assert!(refused.headers.get("retry-after").is_none());
    // Used up: the same key now makes the case, once.
    let made = p.call("POST", "/api/v1/cases", None, Some(&key), Some(&body)).await;
    assert_eq!(made.status, 201);
    assert_eq!(sim.cases().len(), 1);
    sim.shutdown().await;
}
