//! The holder's wallet against the simulator's issuers over HTTPS.

use std::collections::BTreeSet;

use citykit_core::wallet::LicenceStatus;
use citykit_core::IdentityKind;

use crate::env::{Env, CITIZEN};

#[tokio::test]
async fn a_citizen_fetches_verified_licences_and_sees_revocation() {
    let env = Env::start().await;
    let client = env.logged_in("a", CITIZEN).await;
    let wallet = client.wallet();
    let fetched = wallet.fetch_licences().await.unwrap();
    let got: BTreeSet<String> = fetched.iter().map(|l| l.vct.clone()).collect();
    let expected: BTreeSet<String> = env.sim.licence_types(CITIZEN).into_iter().map(str::to_owned).collect();
    assert_eq!(got, expected);
    assert!(fetched.iter().all(|l| l.status == LicenceStatus::Valid && l.holder == CITIZEN && !l.expiring_soon));
    let id_card = fetched.iter().find(|l| l.vct == "urn:citykit:vct:resident_id_card").unwrap();
    assert!(id_card.claim_names.contains(&"age_over_18".to_owned()));
    let shown = wallet.licence(&id_card.id).await.unwrap();
    let fixture = env.sim.fixtures().citizen(CITIZEN).unwrap().clone();
    assert_eq!(shown.claims.expose()["name"], fixture.name.as_str());
    assert_eq!(shown.claims.expose()["id_number"], fixture.id_number.as_str());

    // The access log names what was read and for whom, never a value.
    let log = wallet.access_log().await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].action, "consent");
    assert!(log[0].claims.contains(&"id_number".to_owned()));
    let log_text = serde_json::to_string(&log).unwrap();
    assert!(!log_text.contains(&fixture.id_number) && !log_text.contains(&fixture.name));

    // Revocation reaches the wallet through the signed status list.
    let driving = fetched.iter().find(|l| l.vct == "urn:citykit:vct:driving_licence").unwrap().id.clone();
    env.sim.revoke_licence(CITIZEN, "urn:citykit:vct:driving_licence").unwrap();
    let refreshed = wallet.refresh_status().await.unwrap();
    for licence in &refreshed {
        let expected = if licence.id == driving { LicenceStatus::Revoked } else { LicenceStatus::Valid };
        assert_eq!(licence.status, expected, "{}", licence.vct);
    }

    // Offline, the wallet still lists and shows what it holds.
    let Env { sim, dir: _dir } = env;
    sim.shutdown().await;
    assert_eq!(wallet.licences().await.unwrap().len(), fetched.len());
    assert_eq!(wallet.licence(&id_card.id).await.unwrap().claims.expose()["name"], fixture.name.as_str());
    wallet.remove(&id_card.id).await.unwrap();
    assert_eq!(wallet.licence(&id_card.id).await.unwrap_err().code(), "wallet.unknown_licence");
}

#[tokio::test]
async fn acting_for_an_enterprise_fetches_its_business_licence() {
    let env = Env::start().await;
    let client = env.logged_in("a", CITIZEN).await;
    let enterprise = client.identity().identities().await.unwrap().into_iter().find(|i| i.kind == IdentityKind::Enterprise).unwrap();
    client.identity().switch_identity(&enterprise.id).await.unwrap();
    let licences = client.wallet().fetch_licences().await.unwrap();
    assert_eq!(licences.len(), 1);
    assert_eq!(licences[0].vct, "urn:citykit:vct:business_licence");
    assert_eq!(licences[0].holder, enterprise.id);
    let shown = client.wallet().licence(&licences[0].id).await.unwrap();
    assert_eq!(shown.claims.expose()["uscc"], enterprise.uscc.clone().unwrap().as_str());
    // A presentation of the business licence verifies at a window trusting market regulation.
    let shown = client.wallet().present(&licences[0].id, &["name".to_owned(), "uscc".to_owned()], "window-1", None, 30).await.unwrap();
    let jwks = env.sim.issuer_jwks("market-regulation").unwrap();
    let trusted = citykit_core::wallet::TrustedIssuer {
        issuer: env.sim.licence_issuer("market-regulation").unwrap(),
        keys: jwks["keys"].as_array().unwrap().iter().map(|k| serde_json::from_value(k.clone()).unwrap()).collect(),
    };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let verified = citykit_core::wallet::Verifier::new("window-1", vec![trusted]).verify(&shown.text, now, &Default::default()).unwrap();
    assert_eq!(verified.claims.expose()["uscc"], enterprise.uscc.clone().unwrap().as_str());
    // The person's own wallet is separate.
    client.identity().switch_identity(CITIZEN).await.unwrap();
    assert!(client.wallet().licences().await.unwrap().is_empty());
}

#[tokio::test]
async fn reading_licences_needs_the_persons_consent() {
    use std::sync::Arc;

    use citykit_core::identity::{PresenceError, PresencePurpose, UserPresence};
    struct Decline;
    impl UserPresence for Decline {
        fn confirm(&self, purpose: &PresencePurpose) -> Result<bool, PresenceError> {
            Ok(!matches!(purpose, PresencePurpose::ReadLicences { .. }))
        }
    }
    let env = Env::start().await;
    let client =
        citykit_core::Client::builder(env.config(&env.data_dir("p")), Env::keys()).user_presence(Arc::new(Decline)).open().await.unwrap();
    let redirect = env.browser_redirect(&client, CITIZEN).await;
    client.identity().complete_login(&redirect).await.unwrap();
    let before = env.sim.stats().requests_to("/api/v1/licences");
    assert_eq!(client.wallet().fetch_licences().await.unwrap_err().code(), "auth.presence_denied");
    assert_eq!(env.sim.stats().requests_to("/api/v1/licences"), before, "nothing is read without consent");
    assert!(client.wallet().access_log().await.unwrap().is_empty());
}

mod verifier {
    use std::collections::HashMap;
    use std::sync::Arc;

    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use citykit_core::crypto::jose::EcJwk;
    use citykit_core::crypto::{DeviceKeyError, DeviceKeys, DevicePublicKey};
    use citykit_core::wallet::sd_jwt::{key_binding_signing_input, SdJwt};
    use citykit_core::wallet::{TrustedIssuer, Verifier};
    use citykit_sim::LicenceValidity;
    use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};

    use crate::env::{Env, CITIZEN};

    /// A device key the test can also use directly (to forge or pre-date key bindings).
    struct TestKey(EcdsaKeyPair);
    impl DeviceKeys for TestKey {
        fn public_key(&self) -> Result<DevicePublicKey, DeviceKeyError> {
            Ok(DevicePublicKey(self.0.public_key().as_ref().to_vec()))
        }
        fn sign(&self, message: &[u8]) -> Result<Vec<u8>, DeviceKeyError> {
            Ok(self.0.sign(&ring::rand::SystemRandom::new(), message).unwrap().as_ref().to_vec())
        }
    }
    fn keypair() -> EcdsaKeyPair {
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap()
    }
    fn trusted(env: &Env, office: &str) -> TrustedIssuer {
        let jwks = env.sim.issuer_jwks(office).unwrap();
        TrustedIssuer {
            issuer: env.sim.licence_issuer(office).unwrap(),
            keys: jwks["keys"].as_array().unwrap().iter().map(|k| serde_json::from_value::<EcJwk>(k.clone()).unwrap()).collect(),
        }
    }
    fn now() -> i64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
    }
    fn none() -> HashMap<String, String> {
        HashMap::new()
    }

    #[tokio::test]
    async fn a_presentation_verifies_and_every_forgery_has_its_reason() {
        let env = Env::start().await;
        let device = Arc::new(TestKey(keypair()));
        let client =
            citykit_core::Client::builder(env.config(&env.data_dir("v")), Env::keys()).device_keys(device.clone()).open().await.unwrap();
        let redirect = env.browser_redirect(&client, CITIZEN).await;
        client.identity().complete_login(&redirect).await.unwrap();
        let wallet = client.wallet();
        let licences = wallet.fetch_licences().await.unwrap();
        let id_card = licences.iter().find(|l| l.vct == "urn:citykit:vct:resident_id_card").unwrap().clone();
        let claims = vec!["name".to_owned(), "age_over_18".to_owned()];
        let shown = wallet.present(&id_card.id, &claims, "window-7", None, 60).await.unwrap();
        let verifier = Verifier::new("window-7", vec![trusted(&env, "public-security")]);
        let ok = verifier.verify(&shown.text, now(), &none()).unwrap();
        let fixture = env.sim.fixtures().citizen(CITIZEN).unwrap().clone();
        assert_eq!(ok.claims.expose()["name"], fixture.name.as_str());
        assert_eq!(ok.claims.expose()["age_over_18"], true);
        assert!(ok.claims.expose().get("id_number").is_none(), "only the chosen claims are disclosed");
        assert!(!shown.text.contains(&URL_SAFE_NO_PAD.encode(fixture.id_number.as_bytes())));
        // Replay.
        assert_eq!(verifier.verify(&shown.text, now(), &none()).unwrap_err().code(), "wallet.replayed_nonce");
        let fresh = || async { wallet.present(&id_card.id, &claims, "window-7", None, 60).await.unwrap().text };
        // Unknown issuer, and a trusted name with other keys.
        let strangers = Verifier::new("window-7", vec![trusted(&env, "traffic-police")]);
        assert_eq!(strangers.verify(&fresh().await, now(), &none()).unwrap_err().code(), "wallet.unknown_issuer");
        let mut impostor = trusted(&env, "traffic-police");
        impostor.issuer = env.sim.licence_issuer("public-security").unwrap();
        assert_eq!(
            Verifier::new("window-7", vec![impostor]).verify(&fresh().await, now(), &none()).unwrap_err().code(),
            "wallet.bad_issuer_signature"
        );
        // Wrong audience.
        assert_eq!(
            Verifier::new("window-9", vec![trusted(&env, "public-security")]).verify(&fresh().await, now(), &none()).unwrap_err().code(),
            "wallet.wrong_audience"
        );
        // A tampered disclosure: the name re-encoded with another value.
        let text = fresh().await;
        let sd = SdJwt::parse(&text).unwrap();
        let name = sd.disclosures.iter().find(|d| d.name.as_deref() == Some("name")).unwrap();
        let forged = URL_SAFE_NO_PAD.encode(serde_json::json!(["salt", "name", "李鬼"]).to_string());
        assert_eq!(
            verifier.verify(&text.replacen(&name.encoded, &forged, 1), now(), &none()).unwrap_err().code(),
            "wallet.tampered_disclosure"
        );
        // A foreign disclosure: the id number from another presentation of another licence.
        let driving = licences.iter().find(|l| l.vct == "urn:citykit:vct:driving_licence").unwrap();
        let other = wallet.present(&driving.id, &["id_number".to_owned()], "window-7", None, 60).await.unwrap().text;
        let foreign = SdJwt::parse(&other).unwrap().disclosures[0].encoded.clone();
        let (prefix, kb) = text.rsplit_once('~').unwrap();
        assert_eq!(verifier.verify(&format!("{prefix}~{foreign}~{kb}"), now(), &none()).unwrap_err().code(), "wallet.tampered_disclosure");
        // Key binding: missing, signed by another key, or covering other disclosures.
        assert_eq!(verifier.verify(&format!("{prefix}~"), now(), &none()).unwrap_err().code(), "wallet.bad_key_binding");
        let thief = keypair();
        let input = key_binding_signing_input(&format!("{prefix}~"), "window-7", "n-thief", now());
        let stolen = format!(
            "{prefix}~{}",
            citykit_core::crypto::jose::assemble(&input, thief.sign(&ring::rand::SystemRandom::new(), input.as_bytes()).unwrap().as_ref())
        );
        assert_eq!(verifier.verify(&stolen, now(), &none()).unwrap_err().code(), "wallet.bad_key_binding");
        // Expired: the same presentation two minutes later.
        assert_eq!(verifier.verify(&fresh().await, now() + 120, &none()).unwrap_err().code(), "wallet.expired");
        // Malformed.
        assert_eq!(verifier.verify("not a presentation", now(), &none()).unwrap_err().code(), "wallet.malformed");
        // Not yet valid / expired licences, signed by the issuer and bound to this device.
        let device_jwk = serde_json::json!({"kty": "EC", "crv": "P-256",
            "x": URL_SAFE_NO_PAD.encode(&device.0.public_key().as_ref()[1..33]), "y": URL_SAFE_NO_PAD.encode(&device.0.public_key().as_ref()[33..65])});
        let hold = |validity: LicenceValidity| {
            let issued = env.sim.issue_licence(CITIZEN, "urn:citykit:vct:resident_id_card", device_jwk.clone(), validity).unwrap();
            let prefix = SdJwt::parse(&issued).unwrap().presentation_prefix(&[]);
            let input = key_binding_signing_input(&prefix, "window-7", &format!("n-{}", issued.len()), now());
            format!(
                "{prefix}{}",
                citykit_core::crypto::jose::assemble(
                    &input,
                    device.0.sign(&ring::rand::SystemRandom::new(), input.as_bytes()).unwrap().as_ref()
                )
            )
        };
        let early = hold(LicenceValidity { not_before_offset_secs: 3600, expires_in_secs: 7200 });
        assert_eq!(verifier.verify(&early, now(), &none()).unwrap_err().code(), "wallet.not_yet_valid");
        let old = hold(LicenceValidity { not_before_offset_secs: -7200, expires_in_secs: -3600 });
        assert_eq!(verifier.verify(&old, now(), &none()).unwrap_err().code(), "wallet.expired");
        // Revoked, through the issuer's signed status list.
        env.sim.revoke_licence(CITIZEN, "urn:citykit:vct:resident_id_card").unwrap();
        let uri = format!("{}/status/public-security", env.sim.issuer());
        let token = env.sim.http_client().get(&uri).send().await.unwrap().text().await.unwrap();
        let lists = HashMap::from([(uri, token)]);
        assert_eq!(verifier.verify(&fresh().await, now(), &lists).unwrap_err().code(), "wallet.revoked");
        // The access log names each presentation, its claims and audience, never values.
        let log = wallet.access_log().await.unwrap();
        let shown_entries: Vec<_> = log.iter().filter(|e| e.action == "presentation").collect();
        assert!(shown_entries.len() >= 8);
        assert!(shown_entries.iter().all(|e| e.counterparty.as_deref() == Some("window-7")));
        assert!(!serde_json::to_string(&log).unwrap().contains(&fixture.name));
    }

    #[tokio::test]
    async fn unknown_claims_and_revoked_licences_are_not_presented() {
        let env = Env::start().await;
        let client = env.logged_in("a", CITIZEN).await;
        let wallet = client.wallet();
        let licences = wallet.fetch_licences().await.unwrap();
        let id = licences[0].id.clone();
        assert_eq!(wallet.present(&id, &["shoe_size".to_owned()], "w", None, 60).await.unwrap_err().code(), "wallet.unknown_claim");
        assert_eq!(wallet.present("0000", &["name".to_owned()], "w", None, 60).await.unwrap_err().code(), "wallet.unknown_licence");
        env.sim.revoke_licence(CITIZEN, &licences[0].vct).unwrap();
        wallet.refresh_status().await.unwrap();
        assert_eq!(wallet.present(&id, &["name".to_owned()], "w", None, 60).await.unwrap_err().code(), "wallet.revoked");
    }
}

/// Typical presentations fit the QR codes the core draws (at most version 30, level L), and the
/// QR payload verifies like the plain text; the sizes are printed for the QR design.
#[tokio::test]
async fn typical_presentation_sizes() {
    let env = Env::start().await;
    let client = env.logged_in("a", CITIZEN).await;
    let wallet = client.wallet();
    let licences = wallet.fetch_licences().await.unwrap();
    for (vct, claims) in [
        ("urn:citykit:vct:resident_id_card", vec!["name", "age_over_18"]),
        ("urn:citykit:vct:resident_id_card", vec!["name", "id_number", "address", "birth_date", "sex"]),
        ("urn:citykit:vct:driving_licence", vec!["name", "licence_class", "valid_until"]),
    ] {
        let id = &licences.iter().find(|l| l.vct == vct).unwrap().id;
        let claims: Vec<String> = claims.into_iter().map(str::to_owned).collect();
        let shown = wallet.present(id, &claims, "window-7", None, 60).await.unwrap();
        println!(
            "presentation {vct} {:?}: {} bytes, QR payload {} characters, QR version {} (level L)",
            claims,
            shown.text.len(),
            shown.qr_payload.len(),
            shown.qr_version
        );
        assert!(shown.qr_version <= citykit_core::wallet::qr::MAX_QR_VERSION);
        // The QR payload is what a verifier scans: it verifies like the plain text.
        let jwks = env.sim.issuer_jwks(if vct.contains("driving") { "traffic-police" } else { "public-security" }).unwrap();
        let office = if vct.contains("driving") { "traffic-police" } else { "public-security" };
        let trusted = citykit_core::wallet::TrustedIssuer {
            issuer: env.sim.licence_issuer(office).unwrap(),
            keys: jwks["keys"].as_array().unwrap().iter().map(|k| serde_json::from_value(k.clone()).unwrap()).collect(),
        };
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        citykit_core::wallet::Verifier::new("window-7", vec![trusted]).verify(&shown.qr_payload, now, &Default::default()).unwrap();
    }
}
