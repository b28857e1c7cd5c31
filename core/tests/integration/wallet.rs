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
    let trusted = env.trusted_issuer("market-regulation");
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
    use citykit_core::crypto::{DeviceKeyError, DeviceKeys, DevicePublicKey};
    use citykit_core::wallet::sd_jwt::{key_binding_signing_input, SdJwt};
    use citykit_core::wallet::Verifier;
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
        let verifier = Verifier::new("window-7", vec![env.trusted_issuer("public-security")]);
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
        let strangers = Verifier::new("window-7", vec![env.trusted_issuer("traffic-police")]);
        assert_eq!(strangers.verify(&fresh().await, now(), &none()).unwrap_err().code(), "wallet.unknown_issuer");
        let mut impostor = env.trusted_issuer("traffic-police");
        impostor.issuer = env.sim.licence_issuer("public-security").unwrap();
        assert_eq!(
            Verifier::new("window-7", vec![impostor]).verify(&fresh().await, now(), &none()).unwrap_err().code(),
            "wallet.bad_issuer_signature"
        );
        // Wrong audience.
        assert_eq!(
            Verifier::new("window-9", vec![env.trusted_issuer("public-security")])
                .verify(&fresh().await, now(), &none())
                .unwrap_err()
                .code(),
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
        let office = if vct.contains("driving") { "traffic-police" } else { "public-security" };
        let trusted = env.trusted_issuer(office);
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        citykit_core::wallet::Verifier::new("window-7", vec![trusted]).verify(&shown.qr_payload, now, &Default::default()).unwrap();
    }
}

/// Batch issuance: each presentation shows a copy of the licence never shown before, with its
/// own issuer signature, holder key, salts and digests, so two verifiers cannot link what they
/// were shown; revocation still reaches every copy.
mod copies {
    use std::collections::HashSet;

    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use citykit_core::crypto::jose::EcJwk;
    use citykit_core::wallet::sd_jwt::SdJwt;
    use citykit_core::Client;

    use crate::env::{strict_status, Env, CITIZEN};

    const ID_CARD: &str = "urn:citykit:vct:resident_id_card";

    /// What a presentation reveals that could link it to another: the issuer signature, the
    /// holder key, the disclosure salts and every digest (`_sd` and of the disclosures).
    struct Linkable {
        signature: String,
        holder_key: String,
        status_idx: u64,
        salts: HashSet<String>,
        digests: HashSet<String>,
    }

    fn linkable(text: &str) -> Linkable {
        let sd = SdJwt::parse(text).unwrap();
        let salts = sd
            .disclosures
            .iter()
            .map(|d| {
                let array: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&d.encoded).unwrap()).unwrap();
                array[0].as_str().unwrap().to_owned()
            })
            .collect();
        let mut digests: HashSet<String> =
            sd.jws.claims["_sd"].as_array().unwrap().iter().map(|d| d.as_str().unwrap().to_owned()).collect();
        digests.extend(sd.disclosures.iter().map(|d| d.digest.clone()));
        Linkable {
            signature: sd.issuer_jwt.rsplit('.').next().unwrap().to_owned(),
            holder_key: sd.holder_key().unwrap().thumbprint(),
            status_idx: sd.jws.claims["status"]["status_list"]["idx"].as_u64().unwrap(),
            salts,
            digests,
        }
    }

    /// Rows of the copies table of licence `id`: (all, used).
    async fn copies_of(client: &Client, id: &str) -> (i64, i64) {
        let id = id.to_owned();
        client
            .store()
            .raw_sql(move |conn| {
                Ok(conn.query_row("SELECT COUNT(*), COUNT(used_at) FROM licence_copies WHERE licence_id = ?1", [id], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?)
            })
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn two_verifiers_shown_the_same_claims_share_no_signature_key_salt_or_digest() {
        let env = Env::start().await;
        let holder = env.logged_in("holder", CITIZEN).await;
        let wallet = holder.wallet();
        let id_card = wallet.fetch_licences().await.unwrap().into_iter().find(|l| l.vct == ID_CARD).unwrap();
        // The licence itself is bound to the device key; the copies are not.
        let device_key = serde_json::from_value::<EcJwk>(wallet.licence(&id_card.id).await.unwrap().claims.expose()["cnf"]["jwk"].clone())
            .unwrap()
            .thumbprint();
        let claims = vec!["name".to_owned(), "age_over_18".to_owned()];
        let window_a = env.client("window-a").await;
        let window_b = env.client("window-b").await;
        let verifier_a = window_a.verifier("window-a", vec![env.trusted_issuer("public-security")], strict_status());
        let verifier_b = window_b.verifier("window-b", vec![env.trusted_issuer("public-security")], strict_status());

        let shown_a = wallet.present(&id_card.id, &claims, "window-a", None, 60).await.unwrap();
        let shown_b = wallet.present(&id_card.id, &claims, "window-b", None, 60).await.unwrap();
        // The same licence and claims for the holder …
        assert_eq!((shown_a.licence_id.as_str(), &shown_a.claims), (id_card.id.as_str(), &shown_b.claims));
        assert_eq!(shown_b.licence_id, id_card.id);
        // … and nothing in common for the verifiers.
        let (a, b) = (linkable(&shown_a.text), linkable(&shown_b.text));
        assert_ne!(a.signature, b.signature, "issuer signature");
        assert_ne!(a.holder_key, b.holder_key, "holder key");
        assert!(a.holder_key != device_key && b.holder_key != device_key, "the device key is never shown");
        assert_ne!(a.status_idx, b.status_idx, "status index");
        assert_eq!(a.salts.len(), 2);
        assert!(a.salts.is_disjoint(&b.salts), "disclosure salts");
        assert!(a.digests.len() > 10);
        assert!(a.digests.is_disjoint(&b.digests), "_sd and disclosure digests");

        // Both verify, each at its window, with the status checked on the copy's own index.
        let ok_a = verifier_a.verify(&shown_a.text, None).await.unwrap();
        let ok_b = verifier_b.verify(&shown_b.text, None).await.unwrap();
        assert!(ok_a.status_checked && ok_b.status_checked);
        assert_eq!(ok_a.claims.expose()["name"], ok_b.claims.expose()["name"]);
        assert_eq!(ok_a.claims.expose()["age_over_18"], true);
        assert_ne!(ok_a.licence_id, ok_b.licence_id, "the verifiers' ids of what they saw differ too");
        assert_eq!(copies_of(&holder, &id_card.id).await.1, 2, "each copy is marked used");
        let used_for: Vec<String> = {
            let id = id_card.id.clone();
            holder
                .store()
                .raw_sql(move |conn| {
                    let mut stmt = conn.prepare(
                        "SELECT used_for FROM licence_copies WHERE licence_id = ?1 AND used_at IS NOT NULL ORDER BY used_at, id",
                    )?;
                    let rows = stmt.query_map([id], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
                    Ok(rows)
                })
                .await
                .unwrap()
        };
        assert_eq!(used_for, ["window-a", "window-b"]);

        // Revoked at the issuer: a copy not shown before is refused by the window through its
        // own status bit, and once the wallet has refreshed, the wallet refuses to show it.
        env.sim.revoke_licence(CITIZEN, ID_CARD).unwrap();
        let unaware = wallet.present(&id_card.id, &claims, "window-a", None, 60).await.unwrap();
        assert_eq!(verifier_a.verify(&unaware.text, None).await.unwrap_err().code(), "wallet.revoked");
        let refreshed = wallet.refresh_status().await.unwrap();
        assert_eq!(refreshed.iter().find(|l| l.id == id_card.id).unwrap().status, citykit_core::wallet::LicenceStatus::Revoked);
        assert_eq!(wallet.present(&id_card.id, &claims, "window-b", None, 60).await.unwrap_err().code(), "wallet.revoked");
    }

    #[tokio::test]
    async fn copies_running_low_are_refetched_and_offline_exhaustion_is_refused_not_reused() {
        let env = Env::start().await;
        let holder = env.logged_in("holder", CITIZEN).await;
        let wallet = holder.wallet();
        let licences = wallet.fetch_licences().await.unwrap();
        let id_card = licences.iter().find(|l| l.vct == ID_CARD).unwrap().clone();
        let batch_path = "/api/v1/licences/batch";
        assert_eq!(env.sim.stats().requests_to(batch_path), 1, "one batch request for every licence");
        let (total, used) = copies_of(&holder, &id_card.id).await;
        assert!(total >= 3, "a batch of copies: {total}");
        assert_eq!(used, 0);
        let batch_size = total;
        // The copies of the other licences are there too.
        for l in &licences {
            assert_eq!(copies_of(&holder, &l.id).await, (batch_size, 0), "{}", l.vct);
        }

        // More presentations than one batch holds: each shows a copy never shown before, and
        // the wallet fetches a new batch while online when few are left.
        let claims = vec!["age_over_18".to_owned()];
        let mut signatures = HashSet::new();
        let shows = batch_size + 3;
        for n in 0..shows {
            let shown = wallet.present(&id_card.id, &claims, &format!("window-{n}"), None, 60).await.unwrap();
            assert!(signatures.insert(linkable(&shown.text).signature), "presentation {n} reused a copy");
        }
        let refetches = env.sim.stats().requests_to(batch_path) - 1;
        assert!(refetches >= 1, "the wallet refetched when the batch ran low");
        let (total, used) = copies_of(&holder, &id_card.id).await;
        assert_eq!(used, shows);
        assert_eq!(total, batch_size * (1 + refetches as i64));
        // A used copy's key is wiped (it can never sign again), and so is its text.
        let kept: i64 = {
            let id = id_card.id.clone();
            holder
                .store()
                .raw_sql(move |conn| {
                    Ok(conn.query_row(
                        "SELECT COUNT(*) FROM licence_copies WHERE licence_id = ?1 AND used_at IS NOT NULL
                             AND (private_key IS NOT NULL OR sd_jwt != '')",
                        [id],
                        |r| r.get(0),
                    )?)
                })
                .await
                .unwrap()
        };
        assert_eq!(kept, 0);

        // Offline: the unused copies are shown, then the wallet refuses rather than reuse one.
        let unused = total - used;
        let Env { sim, dir: _dir } = env;
        sim.shutdown().await;
        for n in 0..unused {
            let shown = wallet.present(&id_card.id, &claims, &format!("offline-{n}"), None, 60).await.unwrap();
            assert!(signatures.insert(linkable(&shown.text).signature));
        }
        assert_eq!(wallet.present(&id_card.id, &claims, "offline-last", None, 60).await.unwrap_err().code(), "wallet.no_fresh_copy");
        assert_eq!(copies_of(&holder, &id_card.id).await, (total, total), "every copy shown exactly once");
        // The access log has one entry per presentation, none for the refusal.
        let log = wallet.access_log().await.unwrap();
        assert_eq!(log.iter().filter(|e| e.action == "presentation").count() as i64, total);
        // Other licences still have their copies.
        let driving = licences.iter().find(|l| l.vct == "urn:citykit:vct:driving_licence").unwrap();
        wallet.present(&driving.id, &["licence_class".to_owned()], "offline-window", None, 60).await.unwrap();
    }
}
