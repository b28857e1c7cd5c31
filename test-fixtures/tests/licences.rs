//! The licence issuers against docs/platform-api.md ("Licence issuers"): real HTTPS on loopback,
//! DPoP proofs and SD-JWT / status-list checks made here with p256, sha2 and flate2.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::Read as _;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use citykit_sim::server::{
    VCT_BIRTH_MEDICAL_CERTIFICATE, VCT_BUSINESS_LICENCE, VCT_DRIVING_LICENCE, VCT_HOUSEHOLD_REGISTER, VCT_MARRIAGE_CERTIFICATE,
    VCT_REAL_ESTATE_CERTIFICATE, VCT_RESIDENT_ID_CARD, VCT_SOCIAL_SECURITY_CARD, VCT_VEHICLE_REGISTRATION,
};
use citykit_sim::{LicenceValidity, SimConfig, SimError, SimHandle, Simulator};
use common::*;
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

const YEAR: i64 = 365 * 24 * 3600;

/// The documented claim names of each licence type (all disclosable).
fn expected_claims(vct: &str) -> Vec<&'static str> {
    match vct {
        VCT_RESIDENT_ID_CARD => vec![
            "name",
            "sex",
            "ethnicity",
            "birth_date",
            "address",
            "id_number",
            "issuing_authority",
            "valid_from",
            "valid_until",
            "age_over_18",
            "age_over_60",
        ],
        VCT_HOUSEHOLD_REGISTER => vec![
            "household_number",
            "household_type",
            "head_name",
            "relation_to_head",
            "address",
            "name",
            "sex",
            "ethnicity",
            "birth_date",
            "birthplace",
            "id_number",
            "registration_date",
            "issuing_authority",
        ],
        VCT_DRIVING_LICENCE => vec![
            "name",
            "sex",
            "nationality",
            "address",
            "birth_date",
            "id_number",
            "first_issue_date",
            "licence_class",
            "valid_from",
            "valid_until",
            "file_number",
            "issuing_authority",
        ],
        VCT_VEHICLE_REGISTRATION => vec![
            "vehicle_plate",
            "vehicle_type",
            "owner_name",
            "address",
            "use_character",
            "brand_model",
            "vin",
            "engine_number",
            "registration_date",
            "issue_date",
            "issuing_authority",
        ],
        VCT_MARRIAGE_CERTIFICATE => vec![
            "name",
            "sex",
            "nationality",
            "birth_date",
            "id_number",
            "spouse_name",
            "spouse_sex",
            "spouse_nationality",
            "spouse_birth_date",
            "spouse_id_number",
            "registration_date",
            "issuing_authority",
        ],
        VCT_BIRTH_MEDICAL_CERTIFICATE => vec![
            "name",
            "sex",
            "birth_date",
            "birth_time",
            "birthplace",
            "birth_institution",
            "gestational_weeks",
            "birth_weight_g",
            "birth_length_cm",
            "mother_name",
            "mother_nationality",
            "mother_ethnicity",
            "mother_id_number",
            "father_name",
            "father_nationality",
            "father_ethnicity",
            "father_id_number",
            "issue_date",
            "issuing_authority",
        ],
        VCT_REAL_ESTATE_CERTIFICATE => vec![
            "owner_name",
            "owner_id_number",
            "co_ownership",
            "co_owners",
            "property_address",
            "unit_number",
            "right_type",
            "right_nature",
            "usage",
            "unit_area_m2",
            "land_use_until",
            "registration_date",
            "issuing_authority",
        ],
        VCT_SOCIAL_SECURITY_CARD => vec!["name", "sex", "birth_date", "id_number", "issuing_authority", "issue_date", "valid_until"],
        // registered_capital for companies, composition_form for individual businesses.
        VCT_BUSINESS_LICENCE => vec![
            "name",
            "uscc",
            "entity_type",
            "legal_representative",
            "established_date",
            "business_term_until",
            "address",
            "business_scope",
            "issuing_authority",
        ],
        other => panic!("unexpected vct {other}"),
    }
}

fn office_of(vct: &str) -> &'static str {
    citykit_sim::LICENCE_OFFICES.iter().find(|o| o.vcts.contains(&vct)).map(|o| o.id).unwrap()
}

fn b64_json(s: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(s).unwrap()).unwrap()
}

/// A parsed SD-JWT: the issuer-signed JWT, its header and payload, and the disclosures as
/// (encoded, decoded array).
struct SdJwt {
    jwt: String,
    header: Value,
    payload: Value,
    disclosures: Vec<(String, Value)>,
}

impl SdJwt {
    fn parse(s: &str) -> SdJwt {
        assert!(s.ends_with('~'), "an SD-JWT without key binding ends with ~");
        let mut parts: Vec<&str> = s.split('~').collect();
        assert_eq!(parts.pop(), Some(""));
        let jwt = parts.remove(0).to_owned();
        let mut segs = jwt.split('.');
        let header = b64_json(segs.next().unwrap());
        let payload = b64_json(segs.next().unwrap());
        let disclosures = parts.into_iter().map(|d| (d.to_owned(), b64_json(d))).collect();
        SdJwt { jwt, header, payload, disclosures }
    }

    /// Disclosed claims by name.
    fn claims(&self) -> HashMap<String, Value> {
        self.disclosures.iter().map(|(_, a)| (a[1].as_str().unwrap().to_owned(), a[2].clone())).collect()
    }
}

/// Fetches (and caches) the issuer metadata for `iss` the SD-JWT VC way: `/.well-known/
/// jwt-vc-issuer` inserted between the host and the path.
async fn issuer_key(http: &reqwest::Client, cache: &mut HashMap<String, Value>, iss: &str) -> Value {
    if let Some(k) = cache.get(iss) {
        return k.clone();
    }
    let url = url::Url::parse(iss).unwrap();
    let meta_url = format!(
        "{}://{}/.well-known/jwt-vc-issuer{}",
        url.scheme(),
        url.host_str().zip(url.port()).map(|(h, p)| format!("{h}:{p}")).unwrap(),
        url.path()
    );
    let res = http.get(&meta_url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let meta: Value = res.json().await.unwrap();
    assert_eq!(meta["issuer"], iss);
    let keys = meta["jwks"]["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    let k = keys[0].clone();
    assert_eq!(k["kty"], "EC");
    assert_eq!(k["crv"], "P-256");
    assert_eq!(k["alg"], "ES256");
    assert!(k.get("d").is_none());
    assert!(k["kid"].as_str().is_some_and(|s| !s.is_empty()));
    cache.insert(iss.to_owned(), k.clone());
    k
}

/// Every check of the contract on one licence. Returns the parsed licence.
async fn check_licence(
    sim: &SimHandle,
    http: &reqwest::Client,
    cache: &mut HashMap<String, Value>,
    licence: &str,
    holder_jwk: &Value,
) -> SdJwt {
    let sd = SdJwt::parse(licence);
    let (h, p) = (&sd.header, &sd.payload);
    assert_eq!(h["alg"], "ES256");
    assert_eq!(h["typ"], "dc+sd-jwt");
    let vct = p["vct"].as_str().unwrap();
    let office = office_of(vct);
    let iss = format!("{}/issuers/{office}", sim.issuer());
    assert_eq!(p["iss"], iss.as_str());
    let key = issuer_key(http, cache, &iss).await;
    assert_eq!(h["kid"], key["kid"]);
    assert!(verify_es256(&sd.jwt, &key), "signature of {vct}");
    // The in-process JWKS is the same key.
    assert_eq!(sim.issuer_jwks(office).unwrap()["keys"][0], key);

    // Times.
    let (iat, nbf, exp) = (p["iat"].as_i64().unwrap(), p["nbf"].as_i64().unwrap(), p["exp"].as_i64().unwrap());
    assert!((iat - now()).abs() < 60);
    assert_eq!(nbf, iat);
    assert_eq!(exp - iat, YEAR);

    // Binding and status.
    assert_eq!(p["cnf"]["jwk"], *holder_jwk);
    let status = &p["status"]["status_list"];
    assert_eq!(status["uri"], format!("{}/status/{office}", sim.issuer()));
    assert!(status["idx"].as_u64().is_some());
    // The document number is a disclosure like every personal claim, never in the clear.
    assert!(p.get("licence_number").is_none(), "licence_number is not a plain claim");

    // Selective disclosure.
    assert_eq!(p["_sd_alg"], "sha-256");
    let sd_digests: Vec<&str> = p["_sd"].as_array().unwrap().iter().map(|d| d.as_str().unwrap()).collect();
    let mut sorted = sd_digests.clone();
    sorted.sort();
    assert_eq!(sd_digests, sorted, "_sd is sorted");
    let sd_set: HashSet<&str> = sd_digests.iter().copied().collect();
    assert_eq!(sd_set.len(), sd_digests.len());
    let mut names = Vec::new();
    for (encoded, array) in &sd.disclosures {
        let digest = b64u(Sha256::digest(encoded.as_bytes()));
        assert!(sd_set.contains(digest.as_str()), "digest of a disclosure in _sd");
        let a = array.as_array().unwrap();
        assert_eq!(a.len(), 3);
        let salt = URL_SAFE_NO_PAD.decode(a[0].as_str().unwrap()).unwrap();
        assert_eq!(salt.len(), 16);
        names.push(a[1].as_str().unwrap().to_owned());
    }
    let decoys = sd_digests.len() - sd.disclosures.len();
    assert!((2..=4).contains(&decoys), "{decoys} decoys");
    let salts: HashSet<&str> = sd.disclosures.iter().map(|(_, a)| a[0].as_str().unwrap()).collect();
    assert_eq!(salts.len(), sd.disclosures.len(), "salts are unique");

    // Claim names: the documented ones, each once, none also in clear.
    let name_set: BTreeSet<&str> = names.iter().map(String::as_str).collect();
    assert_eq!(name_set.len(), names.len(), "a claim disclosed twice");
    let mut expected: BTreeSet<&str> = expected_claims(vct).into_iter().collect();
    // Every licence carries its document number, as a disclosure.
    expected.insert("licence_number");
    if vct == VCT_BUSINESS_LICENCE {
        expected.insert(if name_set.contains("registered_capital") { "registered_capital" } else { "composition_form" });
    }
    assert_eq!(name_set, expected, "claims of {vct}");
    for n in &names {
        assert!(p.get(n.as_str()).is_none(), "{n} in clear");
    }
    for clear in ["name", "id_number", "address"] {
        assert!(p.get(clear).is_none());
    }
    sd
}

async fn licences_of(sim: &SimHandle, http: &reqwest::Client, key: &DpopKey, token: &str, acting_for: Option<&str>) -> Vec<String> {
    let res = get_resource(sim, http, key, "/api/v1/licences", token, acting_for).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
    let body: Value = res.json().await.unwrap();
    body["licences"].as_array().unwrap().iter().map(|l| l.as_str().unwrap().to_owned()).collect()
}

fn age_on(birth: &str, (y, m, d): (i32, u32, u32)) -> i32 {
    let by: i32 = birth[..4].parse().unwrap();
    let bm: u32 = birth[5..7].parse().unwrap();
    let bd: u32 = birth[8..10].parse().unwrap();
    y - by - i32::from((m, d) < (bm, bd))
}

/// Today in China (UTC+8), from the system clock.
fn today_in_china() -> (i32, u32, u32) {
    let days = (now() + 8 * 3600).div_euclid(86_400);
    let date = time_from_days(days);
    (date.0, date.1, date.2)
}

fn time_from_days(days: i64) -> (i32, u32, u32) {
    // Walk years and months (slow but obviously right).
    let mut y = 1970i32;
    let mut left = days;
    let leap = |y: i32| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    loop {
        let n = if leap(y) { 366 } else { 365 };
        if left < n {
            break;
        }
        left -= n;
        y += 1;
    }
    let lengths = [31, if leap(y) { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut m = 0usize;
    while left >= lengths[m] {
        left -= lengths[m];
        m += 1;
    }
    (y, m as u32 + 1, left as u32 + 1)
}

#[tokio::test]
async fn every_citizen_gets_the_documented_licences() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let http = http(&sim);
    let fixtures = sim.fixtures().clone();
    let mut cache = HashMap::new();
    let today = today_in_china();
    let mut seen_types = HashSet::new();
    let mut status_slots = HashSet::new();

    for c in fixtures.citizens() {
        let key = DpopKey::new();
        let t = login(&sim, &http, &key, &c.id).await;
        let licences = licences_of(&sim, &http, &key, &t.access, None).await;
        let mut types = Vec::new();
        for l in &licences {
            let sd = check_licence(&sim, &http, &mut cache, l, &key.jwk()).await;
            let vct = sd.payload["vct"].as_str().unwrap().to_owned();
            let claims = sd.claims();
            let idx = sd.payload["status"]["status_list"]["idx"].as_u64().unwrap();
            assert!(status_slots.insert((office_of(&vct), idx)), "status idx reused");
            match vct.as_str() {
                VCT_RESIDENT_ID_CARD => {
                    assert_eq!(claims["name"], c.name.as_str());
                    assert_eq!(claims["id_number"], c.id_number.as_str());
                    assert_eq!(claims["birth_date"], c.birth_date.as_str());
                    assert_eq!(claims["sex"], if c.sex == citykit_sim::fixtures::Sex::Male { "男" } else { "女" });
                    let age = age_on(&c.birth_date, today);
                    assert_eq!(claims["age_over_18"], json!(age >= 18), "{}", c.id);
                    assert_eq!(claims["age_over_60"], json!(age >= 60), "{}", c.id);
                }
                VCT_HOUSEHOLD_REGISTER | VCT_SOCIAL_SECURITY_CARD => {
                    assert_eq!(claims["id_number"], c.id_number.as_str());
                }
                VCT_REAL_ESTATE_CERTIFICATE => {
                    assert_eq!(claims["owner_name"], c.name.as_str());
                    assert!(claims["property_address"].as_str().is_some_and(|a| a.contains('市')));
                    assert!(claims["unit_area_m2"].as_f64().is_some_and(|a| a > 10.0));
                }
                _ => {}
            }
            types.push(vct);
        }
        for required in [VCT_RESIDENT_ID_CARD, VCT_HOUSEHOLD_REGISTER, VCT_SOCIAL_SECURITY_CARD] {
            assert!(types.iter().any(|t| t == required), "{} lacks {required}", c.id);
        }
        assert!(!types.iter().any(|t| t == VCT_BUSINESS_LICENCE));
        assert_eq!(types, sim.licence_types(&c.id).into_iter().map(str::to_owned).collect::<Vec<_>>());
        seen_types.extend(types);
    }
    // Across the fixtures every personal licence type occurs.
    for office in citykit_sim::LICENCE_OFFICES {
        for vct in office.vcts {
            if *vct != VCT_BUSINESS_LICENCE {
                assert!(seen_types.contains(*vct), "no citizen has {vct}");
            }
        }
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn families_and_owners_are_consistent() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let http = http(&sim);
    let mut cache = HashMap::new();
    let key = DpopKey::new();
    let jwk = key.jwk();
    let claims_of = |holder: &str, vct: &str| {
        let l = sim.issue_licence(holder, vct, jwk.clone(), LicenceValidity::default()).unwrap();
        SdJwt::parse(&l).claims()
    };
    let f = sim.fixtures();
    let name = |id: &str| f.citizen(id).unwrap().name.clone();

    // The married pair with a son.
    let husband = claims_of("citizen-01", VCT_MARRIAGE_CERTIFICATE);
    let wife = claims_of("citizen-02", VCT_MARRIAGE_CERTIFICATE);
    assert_eq!(husband["spouse_name"], name("citizen-02").as_str());
    assert_eq!(wife["spouse_name"], name("citizen-01").as_str());
    assert_eq!(husband["registration_date"], wife["registration_date"]);
    let birth = claims_of("citizen-25", VCT_BIRTH_MEDICAL_CERTIFICATE);
    assert_eq!(birth["father_name"], name("citizen-01").as_str());
    assert_eq!(birth["mother_name"], name("citizen-02").as_str());
    let son = claims_of("citizen-25", VCT_HOUSEHOLD_REGISTER);
    assert_eq!(son["head_name"], name("citizen-01").as_str());
    assert_eq!(son["relation_to_head"], "子");
    let head = claims_of("citizen-01", VCT_HOUSEHOLD_REGISTER);
    assert_eq!(head["household_number"], son["household_number"]);
    let id = claims_of("citizen-25", VCT_RESIDENT_ID_CARD);
    assert_eq!(id["age_over_18"], false);
    assert_eq!(id["age_over_60"], false);
    assert_eq!(claims_of("citizen-24", VCT_RESIDENT_ID_CARD)["age_over_60"], true);
    assert!(sim.licence_types("citizen-25").len() >= 4);

    // Co-owners each hold a certificate naming the other; a landlord owns a flat elsewhere.
    let p1 = claims_of("citizen-01", VCT_REAL_ESTATE_CERTIFICATE);
    let p2 = claims_of("citizen-02", VCT_REAL_ESTATE_CERTIFICATE);
    assert_eq!(p1["property_address"], p2["property_address"]);
    assert_eq!(p1["co_ownership"], "共同共有");
    assert_eq!(p1["co_owners"], json!([name("citizen-02")]));
    let landlord = claims_of("citizen-03", VCT_REAL_ESTATE_CERTIFICATE);
    assert_eq!(landlord["co_owners"], json!([]));
    assert!(landlord["property_address"].as_str().unwrap().starts_with("广东省深圳市福田区"));
    let owners = f.citizens().iter().filter(|c| sim.licence_types(&c.id).contains(&VCT_REAL_ESTATE_CERTIFICATE)).count();
    assert!(owners >= 2);
    let drivers = f.citizens().iter().filter(|c| sim.licence_types(&c.id).contains(&VCT_DRIVING_LICENCE)).count();
    assert!(drivers * 2 >= f.citizens().len());

    // A vehicle registration names its owner and a valid VIN.
    let v = claims_of("citizen-01", VCT_VEHICLE_REGISTRATION);
    assert_eq!(v["owner_name"], name("citizen-01").as_str());
    assert!(citykit_sim::fixtures::is_valid_vin(v["vin"].as_str().unwrap()));

    // And each verifies.
    let l = sim.issue_licence("citizen-25", VCT_BIRTH_MEDICAL_CERTIFICATE, jwk.clone(), LicenceValidity::default()).unwrap();
    check_licence(&sim, &http, &mut cache, &l, &jwk).await;
    sim.shutdown().await;
}

#[tokio::test]
async fn an_enterprise_identity_gets_its_business_licence() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let http = http(&sim);
    let mut cache = HashMap::new();

    // Every enterprise, through its legal representative.
    for e in sim.fixtures().enterprises().to_vec() {
        let key = DpopKey::new();
        let t = login(&sim, &http, &key, &e.legal_representative).await;
        let licences = licences_of(&sim, &http, &key, &t.access, Some(&e.id)).await;
        assert_eq!(licences.len(), 1, "{}", e.id);
        let sd = check_licence(&sim, &http, &mut cache, &licences[0], &key.jwk()).await;
        assert_eq!(sd.payload["vct"], VCT_BUSINESS_LICENCE);
        assert!(sd.payload.get("licence_number").is_none());
        let claims = sd.claims();
        assert_eq!(claims["licence_number"], e.uscc.as_str());
        assert_eq!(claims["name"], e.name.as_str());
        assert_eq!(claims["uscc"], e.uscc.as_str());
        let rep = sim.fixtures().citizen(&e.legal_representative).unwrap();
        assert_eq!(claims["legal_representative"], rep.name.as_str());
        assert_eq!(sim.licence_types(&e.id), vec![VCT_BUSINESS_LICENCE]);
    }

    // An agent gets the enterprise's licence too; the same person alone gets their own.
    let key = DpopKey::new();
    let t = login(&sim, &http, &key, "citizen-02").await;
    let as_agent = licences_of(&sim, &http, &key, &t.access, Some("enterprise-01")).await;
    assert_eq!(as_agent.len(), 1);
    let sd = SdJwt::parse(&as_agent[0]);
    assert_eq!(sd.payload["vct"], VCT_BUSINESS_LICENCE);
    let own = licences_of(&sim, &http, &key, &t.access, None).await;
    assert!(own.len() >= 3);
    assert!(own.iter().all(|l| SdJwt::parse(l).payload["vct"] != VCT_BUSINESS_LICENCE));

    // Not an agent of enterprise-05: 403 not_an_agent.
    let res = get_resource(&sim, &http, &key, "/api/v1/licences", &t.access, Some("enterprise-05")).await;
    assert_eq!(res.status(), 403);
    assert_eq!(error_code(res).await, "not_an_agent");
    sim.shutdown().await;
}

#[tokio::test]
async fn licences_are_authorised_like_every_api_call() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let http = http(&sim);
    let key = DpopKey::new();
    let t = login(&sim, &http, &key, "citizen-05").await;
    let url = format!("{}/api/v1/licences", sim.issuer());

    // No token.
    let res = http.get(&url).send().await.unwrap();
    assert_eq!(res.status(), 401);
    // A proof from another key.
    let other = DpopKey::new();
    let res = get_resource(&sim, &http, &other, "/api/v1/licences", &t.access, None).await;
    assert_eq!(res.status(), 401);
    assert!(www_authenticate(&res).contains("invalid_dpop_proof"));
    // A replayed proof.
    let proof = key.proof("GET", &url, Some(&t.access));
    let send = |p: String| http.get(&url).header("Authorization", format!("DPoP {}", t.access)).header("DPoP", p).send();
    assert_eq!(send(proof.clone()).await.unwrap().status(), 200);
    assert_eq!(send(proof).await.unwrap().status(), 401);
    // Expired access token.
    sim.expire_access_tokens();
    let res = get_resource(&sim, &http, &key, "/api/v1/licences", &t.access, None).await;
    assert_eq!(res.status(), 401);
    assert!(www_authenticate(&res).contains("invalid_token"));
    sim.shutdown().await;
}

/// Decodes a status list JWT after checking it against the office's metadata key.
async fn status_bits(sim: &SimHandle, http: &reqwest::Client, office: &str) -> Vec<u8> {
    let uri = format!("{}/status/{office}", sim.issuer());
    let res = http.get(&uri).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("application/statuslist+jwt"));
    let jwt = res.text().await.unwrap();
    let mut cache = HashMap::new();
    let key = issuer_key(http, &mut cache, &format!("{}/issuers/{office}", sim.issuer())).await;
    assert!(verify_es256(&jwt, &key));
    let header = b64_json(jwt.split('.').next().unwrap());
    assert_eq!(header["typ"], "statuslist+jwt");
    assert_eq!(header["alg"], "ES256");
    assert_eq!(header["kid"], key["kid"]);
    let p = jwt_claims(&jwt);
    assert_eq!(p["sub"], uri.as_str());
    let iat = p["iat"].as_i64().unwrap();
    assert!((iat - now()).abs() < 60);
    assert_eq!(p["exp"].as_i64().unwrap(), iat + 86_400);
    assert_eq!(p["ttl"], 300);
    assert_eq!(p["status_list"]["bits"], 1);
    let lst = p["status_list"]["lst"].as_str().unwrap();
    assert!(!lst.contains('='));
    let compressed = URL_SAFE_NO_PAD.decode(lst).unwrap();
    let mut bytes = Vec::new();
    flate2::read::ZlibDecoder::new(&compressed[..]).read_to_end(&mut bytes).unwrap();
    assert!(bytes.len() >= 128);
    bytes
}

fn bit(bytes: &[u8], idx: u64) -> u8 {
    (bytes[(idx / 8) as usize] >> (idx % 8)) & 1
}

#[tokio::test]
async fn status_list_bit_flips_after_revocation() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let http = http(&sim);
    let key = DpopKey::new();
    let jwk = key.jwk();
    let idx_of = |holder: &str, vct: &str| {
        let l = sim.issue_licence(holder, vct, jwk.clone(), LicenceValidity::default()).unwrap();
        SdJwt::parse(&l).payload["status"]["status_list"]["idx"].as_u64().unwrap()
    };
    let driving = idx_of("citizen-01", VCT_DRIVING_LICENCE);
    let vehicle = idx_of("citizen-01", VCT_VEHICLE_REGISTRATION);
    let other = idx_of("citizen-02", VCT_DRIVING_LICENCE);
    // Stable: the same index on every issuance.
    assert_eq!(driving, idx_of("citizen-01", VCT_DRIVING_LICENCE));

    let before = status_bits(&sim, &http, "traffic-police").await;
    assert!(before.iter().all(|b| *b == 0));

    let revoke = |body: Value| http.post(format!("{}/sim/revoke", sim.issuer())).json(&body).send();
    let res = revoke(json!({"holder": "citizen-01", "vct": VCT_DRIVING_LICENCE})).await.unwrap();
    assert_eq!(res.status(), 204);
    let after = status_bits(&sim, &http, "traffic-police").await;
    assert_eq!(bit(&after, driving), 1);
    assert_eq!(bit(&after, vehicle), 0);
    assert_eq!(bit(&after, other), 0);
    assert_eq!(after.iter().map(|b| b.count_ones()).sum::<u32>(), 1);
    // Other offices are untouched.
    let ps = status_bits(&sim, &http, "public-security").await;
    assert!(ps.iter().all(|b| *b == 0));

    // Unknown licence: 404; malformed body: 400.
    let res = revoke(json!({"holder": "citizen-08", "vct": VCT_DRIVING_LICENCE})).await.unwrap();
    assert_eq!(res.status(), 404);
    let res = revoke(json!({"holder": "citizen-01"})).await.unwrap();
    assert_eq!(res.status(), 400);

    // In process.
    sim.revoke_licence("citizen-01", VCT_VEHICLE_REGISTRATION).unwrap();
    assert!(matches!(sim.revoke_licence("enterprise-01", VCT_DRIVING_LICENCE), Err(SimError::NoSuchLicence)));
    let after = status_bits(&sim, &http, "traffic-police").await;
    assert_eq!(bit(&after, vehicle), 1);
    assert_eq!(bit(&after, driving), 1);
    assert_eq!(bit(&after, other), 0);

    // Unknown office.
    let res = http.get(format!("{}/status/nowhere", sim.issuer())).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let res = http.get(format!("{}/.well-known/jwt-vc-issuer/issuers/nowhere", sim.issuer())).send().await.unwrap();
    assert_eq!(res.status(), 404);
    sim.shutdown().await;
}

#[tokio::test]
async fn test_helpers_issue_expired_and_future_licences() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let http = http(&sim);
    let mut cache = HashMap::new();
    let key = DpopKey::new();

    // Offices.
    let offices = SimHandle::licence_offices();
    assert_eq!(offices.len(), 7);
    assert_eq!(offices.iter().map(|o| o.vcts.len()).sum::<usize>(), 9);
    assert_eq!(citykit_sim::licence_offices(), offices);
    for o in offices {
        let jwks = sim.issuer_jwks(o.id).unwrap();
        assert_eq!(jwks["keys"].as_array().unwrap().len(), 1);
        assert_eq!(sim.licence_issuer(o.id).unwrap(), format!("{}/issuers/{}", sim.issuer(), o.id));
    }
    let kids: HashSet<String> = offices.iter().map(|o| sim.issuer_jwks(o.id).unwrap()["keys"][0]["kid"].to_string()).collect();
    assert_eq!(kids.len(), 7, "one key per office");
    assert!(sim.issuer_jwks("nowhere").is_none());

    // Expired.
    let expired = sim
        .issue_licence(
            "citizen-03",
            VCT_RESIDENT_ID_CARD,
            key.jwk(),
            LicenceValidity { not_before_offset_secs: -2 * 86_400, expires_in_secs: -86_400 },
        )
        .unwrap();
    let sd = SdJwt::parse(&expired);
    let n = now();
    assert!(sd.payload["exp"].as_i64().unwrap() < n);
    assert!(sd.payload["nbf"].as_i64().unwrap() < sd.payload["exp"].as_i64().unwrap());
    assert!(sd.payload["iat"].as_i64().unwrap() <= sd.payload["nbf"].as_i64().unwrap());
    let k = issuer_key(&http, &mut cache, sd.payload["iss"].as_str().unwrap()).await;
    assert!(verify_es256(&sd.jwt, &k));
    // Not yet valid.
    let future = sim
        .issue_licence(
            "citizen-03",
            VCT_RESIDENT_ID_CARD,
            key.jwk(),
            LicenceValidity { not_before_offset_secs: 3_600, expires_in_secs: 7_200 },
        )
        .unwrap();
    let p = SdJwt::parse(&future).payload;
    assert!(p["nbf"].as_i64().unwrap() > n + 3_000);
    assert_eq!(p["cnf"]["jwk"], key.jwk());

    // A JWK with extra members is bound by its public part only.
    let mut jwk = key.jwk();
    jwk["kid"] = json!("device-1");
    let l = sim.issue_licence("citizen-03", VCT_SOCIAL_SECURITY_CARD, jwk, LicenceValidity::default()).unwrap();
    check_licence(&sim, &http, &mut cache, &l, &key.jwk()).await;

    // Refusals.
    assert!(matches!(
        sim.issue_licence("citizen-08", VCT_DRIVING_LICENCE, key.jwk(), LicenceValidity::default()),
        Err(SimError::NoSuchLicence)
    ));
    assert!(matches!(
        sim.issue_licence("citizen-01", "urn:citykit:vct:nothing", key.jwk(), LicenceValidity::default()),
        Err(SimError::NoSuchLicence)
    ));
    for bad in [
        json!({"kty": "EC", "crv": "P-256", "x": key.x, "y": key.x}),
        json!({"kty": "RSA", "n": "AQAB", "e": "AQAB"}),
        json!({"kty": "EC", "crv": "P-256", "x": key.x, "y": key.y, "d": key.x}),
        json!("not a jwk"),
    ] {
        assert!(matches!(
            sim.issue_licence("citizen-01", VCT_RESIDENT_ID_CARD, bad, LicenceValidity::default()),
            Err(SimError::InvalidHolderKey)
        ));
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn licence_ttl_is_configurable() {
    let sim = Simulator::start(SimConfig { licence_ttl: Duration::from_secs(3_600), ..SimConfig::default() }).await.unwrap();
    let http = http(&sim);
    let key = DpopKey::new();
    let t = login(&sim, &http, &key, "citizen-07").await;
    let licences = licences_of(&sim, &http, &key, &t.access, None).await;
    assert!(!licences.is_empty());
    for l in &licences {
        let p = SdJwt::parse(l).payload;
        assert_eq!(p["exp"].as_i64().unwrap() - p["iat"].as_i64().unwrap(), 3_600);
    }
    sim.shutdown().await;
}

/// A POST to the city API with `Authorization: DPoP` and a proof made by `key`.
async fn post_resource(sim: &SimHandle, http: &reqwest::Client, key: &DpopKey, path: &str, token: &str, body: &Value) -> reqwest::Response {
    let url = format!("{}{}", sim.issuer(), path);
    http.post(&url)
        .header("Authorization", format!("DPoP {token}"))
        .header("DPoP", key.proof("POST", &url, Some(token)))
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn copy_nonce(sim: &SimHandle, http: &reqwest::Client, key: &DpopKey, token: &str) -> String {
    let res = post_resource(sim, http, key, "/api/v1/licences/nonce", token, &json!({})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
    let body: Value = res.json().await.unwrap();
    assert!(body["c_nonce_expires_in"].as_i64().unwrap() > 0);
    body["c_nonce"].as_str().unwrap().to_owned()
}

/// An OpenID4VCI key proof made by `key` for the platform, answering `nonce`.
fn key_proof(sim: &SimHandle, key: &DpopKey, nonce: &str) -> String {
    key.sign(
        &json!({"typ": "openid4vci-proof+jwt", "alg": "ES256", "jwk": key.jwk()}),
        &json!({"aud": sim.issuer(), "iat": now(), "nonce": nonce}),
    )
}

#[tokio::test]
async fn batch_issuance_binds_each_copy_to_its_own_key_with_its_own_salts_and_status_index() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let http = http(&sim);
    let dpop = DpopKey::new();
    let t = login(&sim, &http, &dpop, "citizen-01").await;
    let keys: Vec<DpopKey> = (0..3).map(|_| DpopKey::new()).collect();
    let nonce = copy_nonce(&sim, &http, &dpop, &t.access).await;
    let proofs: Vec<String> = keys.iter().map(|k| key_proof(&sim, k, &nonce)).collect();
    let res = post_resource(&sim, &http, &dpop, "/api/v1/licences/batch", &t.access, &json!({"proofs": proofs})).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let licences = body["licences"].as_array().unwrap();
    let vcts: Vec<&str> = licences.iter().map(|l| l["vct"].as_str().unwrap()).collect();
    assert_eq!(vcts, sim.licence_types("citizen-01"), "one entry per licence, in the order of GET /api/v1/licences");
    let mut cache = HashMap::new();
    let (mut slots, mut salts, mut digests, mut signatures) = (HashSet::new(), HashSet::new(), HashSet::new(), HashSet::new());
    let mut driving_idx = Vec::new();
    for licence in licences {
        let copies = licence["copies"].as_array().unwrap();
        assert_eq!(copies.len(), keys.len(), "one copy per proof");
        let mut numbers = HashSet::new();
        for (copy, key) in copies.iter().zip(&keys) {
            // Every contract check of a licence, bound to the proof's key.
            let sd = check_licence(&sim, &http, &mut cache, copy.as_str().unwrap(), &key.jwk()).await;
            numbers.insert(sd.claims()["licence_number"].clone());
            let status = &sd.payload["status"]["status_list"];
            assert!(slots.insert((status["uri"].as_str().unwrap().to_owned(), status["idx"].as_u64().unwrap())), "a status index per copy");
            if licence["vct"] == VCT_DRIVING_LICENCE {
                driving_idx.push(status["idx"].as_u64().unwrap());
            }
            assert!(signatures.insert(sd.jwt.rsplit('.').next().unwrap().to_owned()));
            for (_, array) in &sd.disclosures {
                assert!(salts.insert(array[0].as_str().unwrap().to_owned()), "a salt is never reused");
            }
            for d in sd.payload["_sd"].as_array().unwrap() {
                assert!(digests.insert(d.as_str().unwrap().to_owned()), "a digest is never reused");
            }
        }
        assert_eq!(numbers.len(), 1, "copies of one licence");
    }
    assert_eq!(sim.stats().licence_copies_issued, (licences.len() * keys.len()) as u64);

    // The status list covers every copy: revoking the licence sets each copy's bit.
    let licence_idx = SdJwt::parse(&sim.issue_licence("citizen-01", VCT_DRIVING_LICENCE, dpop.jwk(), LicenceValidity::default()).unwrap())
        .payload["status"]["status_list"]["idx"]
        .as_u64()
        .unwrap();
    assert!(!driving_idx.contains(&licence_idx));
    let before = status_bits(&sim, &http, "traffic-police").await;
    assert!(driving_idx.iter().all(|i| bit(&before, *i) == 0));
    sim.revoke_licence("citizen-01", VCT_DRIVING_LICENCE).unwrap();
    let after = status_bits(&sim, &http, "traffic-police").await;
    assert_eq!(bit(&after, licence_idx), 1);
    assert!(driving_idx.iter().all(|i| bit(&after, *i) == 1), "every copy's bit");
    assert_eq!(after.iter().map(|b| b.count_ones()).sum::<u32>(), 1 + driving_idx.len() as u32, "and nothing else");

    // A type filter: copies of that licence only.
    let nonce = copy_nonce(&sim, &http, &dpop, &t.access).await;
    let res = post_resource(
        &sim,
        &http,
        &dpop,
        "/api/v1/licences/batch",
        &t.access,
        &json!({"vct": VCT_RESIDENT_ID_CARD, "proofs": [key_proof(&sim, &DpopKey::new(), &nonce)]}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["licences"].as_array().unwrap().len(), 1);
    assert_eq!(body["licences"][0]["vct"], VCT_RESIDENT_ID_CARD);
    sim.shutdown().await;
}

#[tokio::test]
async fn batch_issuance_refuses_bad_proofs_nonces_reused_keys_and_big_batches() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let http = http(&sim);
    let dpop = DpopKey::new();
    let t = login(&sim, &http, &dpop, "citizen-02").await;
    let batch = |proofs: Vec<String>| {
        let (sim, http, dpop, access) = (&sim, &http, &dpop, t.access.clone());
        async move {
            let res = post_resource(sim, http, dpop, "/api/v1/licences/batch", &access, &json!({"proofs": proofs})).await;
            let status = res.status().as_u16();
            (status, error_code(res).await)
        }
    };
    let nonce = || copy_nonce(&sim, &http, &dpop, &t.access);

    // Authorised like every API call.
    let res = http.post(format!("{}/api/v1/licences/nonce", sim.issuer())).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let res = http.post(format!("{}/api/v1/licences/batch", sim.issuer())).json(&json!({"proofs": []})).send().await.unwrap();
    assert_eq!(res.status(), 401);

    // A bad signature: the proof's header names another key than the one that signed.
    let (signer, named) = (DpopKey::new(), DpopKey::new());
    let n = nonce().await;
    let forged = signer.sign(
        &json!({"typ": "openid4vci-proof+jwt", "alg": "ES256", "jwk": named.jwk()}),
        &json!({"aud": sim.issuer(), "iat": now(), "nonce": n}),
    );
    assert_eq!(batch(vec![forged]).await, (400, "invalid_proof".to_owned()));
    // Wrong typ, audience or time.
    let k = DpopKey::new();
    for (header, claims) in [
        (json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": k.jwk()}), json!({"aud": sim.issuer(), "iat": now(), "nonce": n})),
        (
            json!({"typ": "openid4vci-proof+jwt", "alg": "ES256", "jwk": k.jwk()}),
            json!({"aud": "https://elsewhere", "iat": now(), "nonce": n}),
        ),
        (
            json!({"typ": "openid4vci-proof+jwt", "alg": "ES256", "jwk": k.jwk()}),
            json!({"aud": sim.issuer(), "iat": now() - 3600, "nonce": n}),
        ),
    ] {
        assert_eq!(batch(vec![k.sign(&header, &claims)]).await, (400, "invalid_proof".to_owned()), "{header} {claims}");
    }
    // Nonces: unknown, none, used once already, or not the same in every proof.
    assert_eq!(batch(vec![key_proof(&sim, &DpopKey::new(), "not-a-nonce")]).await, (400, "invalid_nonce".to_owned()));
    let no_nonce =
        k.sign(&json!({"typ": "openid4vci-proof+jwt", "alg": "ES256", "jwk": k.jwk()}), &json!({"aud": sim.issuer(), "iat": now()}));
    assert_eq!(batch(vec![no_nonce]).await, (400, "invalid_nonce".to_owned()));
    let n = nonce().await;
    assert_eq!(batch(vec![key_proof(&sim, &DpopKey::new(), &n)]).await.0, 200);
    assert_eq!(batch(vec![key_proof(&sim, &DpopKey::new(), &n)]).await, (400, "invalid_nonce".to_owned()), "a nonce is used once");
    let (a, b) = (nonce().await, nonce().await);
    assert_eq!(
        batch(vec![key_proof(&sim, &DpopKey::new(), &a), key_proof(&sim, &DpopKey::new(), &b)]).await,
        (400, "invalid_nonce".to_owned())
    );
    // Another person's nonce.
    let other_key = DpopKey::new();
    let other = login(&sim, &http, &other_key, "citizen-03").await;
    let theirs = copy_nonce(&sim, &http, &other_key, &other.access).await;
    assert_eq!(batch(vec![key_proof(&sim, &DpopKey::new(), &theirs)]).await, (400, "invalid_nonce".to_owned()));
    // Reused keys: twice in one batch, or bound to a copy before.
    let reused = DpopKey::new();
    let n = nonce().await;
    assert_eq!(batch(vec![key_proof(&sim, &reused, &n), key_proof(&sim, &reused, &n)]).await, (400, "key_reused".to_owned()));
    let n = nonce().await;
    assert_eq!(batch(vec![key_proof(&sim, &reused, &n)]).await.0, 200);
    let n = nonce().await;
    assert_eq!(batch(vec![key_proof(&sim, &reused, &n)]).await, (400, "key_reused".to_owned()));
    // Too many proofs, or none.
    let n = nonce().await;
    assert_eq!(batch((0..21).map(|_| key_proof(&sim, &DpopKey::new(), &n)).collect()).await, (400, "batch_too_large".to_owned()));
    assert_eq!(batch(Vec::new()).await, (400, "invalid_request".to_owned()));
    let n = nonce().await;
    assert_eq!(batch((0..20).map(|_| key_proof(&sim, &DpopKey::new(), &n)).collect()).await.0, 200, "20 is the most");
    sim.shutdown().await;
}
