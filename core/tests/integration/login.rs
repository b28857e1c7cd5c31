//! Login over HTTPS: the happy path and each way a login must fail.

use std::time::Duration;

use citykit_core::identity::{AuthError, IdTokenProblem};
use citykit_core::{CityKitError, IdentityKind};
use citykit_sim::{Fault, IdTokenFault, SimConfig};

use crate::env::{param, with_param, Env, CITIZEN};

#[tokio::test]
async fn a_citizen_logs_in_switches_to_an_enterprise_and_back_and_logs_out() {
    journey(false).await;
}

#[tokio::test]
async fn the_same_journey_works_when_the_provider_demands_dpop_nonces() {
    journey(true).await;
}

async fn journey(require_dpop_nonce: bool) {
    let env = Env::start_with(SimConfig { require_dpop_nonce, ..Default::default() }).await;
    let client = env.client("a").await;
    let request = client.identity().start_login().await.unwrap();
    // PAR: the browser URL carries only the client id and the pushed request's handle.
    assert!(request.authorization_url.contains("request_uri="), "{}", request.authorization_url);
    assert!(!request.authorization_url.contains("code_challenge"));
    let redirect = env.sim.authorize_as(&request.authorization_url, CITIZEN).await.unwrap();
    let account = client.identity().complete_login(&redirect).await.unwrap();
    let fixture = env.sim.fixtures().citizen(CITIZEN).unwrap().clone();
    assert_eq!(account.subject, CITIZEN);
    assert_eq!(account.name.expose(), &fixture.name);

    let identities = client.identity().identities().await.unwrap();
    assert_eq!(identities[0].kind, IdentityKind::Person);
    assert_eq!(identities[0].id, CITIZEN);
    let expected: Vec<String> = env.sim.fixtures().enterprises_for(CITIZEN).iter().map(|(e, _)| e.id.clone()).collect();
    let listed: Vec<String> = identities.iter().filter(|i| i.kind == IdentityKind::Enterprise).map(|i| i.id.clone()).collect();
    assert!(!expected.is_empty(), "the fixture citizen acts for enterprises");
    assert_eq!(listed.len(), expected.len());
    for id in &expected {
        assert!(listed.contains(id), "{id} missing from {listed:?}");
    }

    let enterprise = identities.iter().find(|i| i.kind == IdentityKind::Enterprise).unwrap().clone();
    client.identity().switch_identity(&enterprise.id).await.unwrap();
    let who = client.identity().whoami().await.unwrap();
    assert_eq!(who.acting_as.id, enterprise.id, "the platform sees requests as the enterprise");
    assert_eq!(who.acting_as.kind, IdentityKind::Enterprise);
    assert_eq!(who.person.id, CITIZEN);
    assert_eq!(client.identity().current_identity().await.unwrap().id, enterprise.id);

    // The choice survives a restart of the app.
    drop(client);
    let client = env.client("a").await;
    assert_eq!(client.identity().whoami().await.unwrap().acting_as.id, enterprise.id);

    client.identity().switch_identity(CITIZEN).await.unwrap();
    let who = client.identity().whoami().await.unwrap();
    assert_eq!(who.acting_as.id, CITIZEN);
    assert_eq!(who.acting_as.kind, IdentityKind::Person);

    let outcome = client.identity().logout().await.unwrap();
    assert!(outcome.revoked_at_server);
    assert!(env.sim.stats().requests_to("/revoke") >= 1);
    let err = client.identity().whoami().await.unwrap_err();
    assert_eq!(err.code(), "auth.not_logged_in");
    assert_eq!(client.store().get::<serde_json::Value>("auth", "session").await.unwrap(), None);
    assert_eq!(client.store().get::<serde_json::Value>("auth", "account").await.unwrap(), None);
    assert_eq!(client.store().get::<serde_json::Value>("auth", "identities").await.unwrap(), None);
}

#[tokio::test]
async fn an_enterprise_the_person_does_not_act_for_is_refused() {
    let env = Env::start().await;
    let client = env.logged_in("a", CITIZEN).await;
    let stranger =
        env.sim.fixtures().enterprises().iter().find(|e| env.sim.fixtures().role_of(CITIZEN, &e.id).is_none()).unwrap().id.clone();
    let err = client.identity().switch_identity(&stranger).await.unwrap_err();
    assert_eq!(client.identity().current_identity().await.unwrap().id, CITIZEN, "a refused switch changes nothing");
    assert_eq!(err.code(), "auth.unknown_identity");
}

#[tokio::test]
async fn a_wrong_state_is_refused() {
    let env = Env::start().await;
    let client = env.client("a").await;
    let redirect = env.browser_redirect(&client, CITIZEN).await;
    let forged = with_param(&redirect, "state", "not-the-state");
    let err = client.identity().complete_login(&forged).await.unwrap_err();
    assert_eq!(err.code(), "auth.invalid_state");
    let err = client.identity().complete_login(&with_param(&redirect, "x", "y").replace("state=", "stat=")).await.unwrap_err();
    assert_eq!(err.code(), "auth.invalid_state");
}

#[tokio::test]
async fn a_redirect_to_another_uri_is_refused() {
    let env = Env::start().await;
    let client = env.client("a").await;
    let redirect = env.browser_redirect(&client, CITIZEN).await;
    let other = redirect.replacen("org.citykit.demo:/oauth2redirect", "https://evil.example/cb", 1);
    assert_eq!(client.identity().complete_login(&other).await.unwrap_err().code(), "auth.invalid_redirect");
    assert_eq!(client.identity().complete_login("not a url").await.unwrap_err().code(), "auth.invalid_redirect");
}

#[tokio::test]
async fn a_replayed_redirect_is_refused() {
    let env = Env::start().await;
    let client = env.client("a").await;
    let redirect = env.browser_redirect(&client, CITIZEN).await;
    client.identity().complete_login(&redirect).await.unwrap();
    let err = client.identity().complete_login(&redirect).await.unwrap_err();
    assert_eq!(err.code(), "auth.invalid_state");
}

#[tokio::test]
async fn a_code_issued_for_another_pkce_challenge_is_refused() {
    // Code injection: the attacker's code (bound to their verifier) arrives with our state.
    // Both run on copies of one store, so they share the device key: only PKCE tells them apart
    // (with different keys the DPoP binding of the code already refuses it).
    let env = Env::start().await;
    let victim = env.client("victim").await;
    victim.store().close().await.unwrap();
    drop(victim);
    crate::refresh::copy_dir(&env.data_dir("victim"), &env.data_dir("attacker"));
    let victim = env.client("victim").await;
    let attacker = env.client("attacker").await;
    let ours = env.browser_redirect(&victim, CITIZEN).await;
    let theirs = env.browser_redirect(&attacker, "citizen-02").await;
    let injected = with_param(&ours, "code", &param(&theirs, "code").unwrap());
    let err = victim.identity().complete_login(&injected).await.unwrap_err();
    assert_eq!(err.code(), "auth.code_rejected");
    assert!(matches!(err, CityKitError::Auth(AuthError::CodeRejected { ref error, .. }) if error == "invalid_grant"), "{err:?}");
}

#[tokio::test]
async fn an_expired_code_is_refused() {
    let env = Env::start_with(SimConfig { code_ttl: Duration::from_millis(300), ..Default::default() }).await;
    let client = env.client("a").await;
    let redirect = env.browser_redirect(&client, CITIZEN).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let err = client.identity().complete_login(&redirect).await.unwrap_err();
    assert_eq!(err.code(), "auth.code_rejected");
}

#[tokio::test]
async fn every_broken_id_token_is_refused() {
    let cases = [
        (IdTokenFault::TamperSignature, IdTokenProblem::BadSignature),
        (IdTokenFault::WrongAudience, IdTokenProblem::WrongAudience),
        (IdTokenFault::Expired, IdTokenProblem::Expired),
        (IdTokenFault::WrongNonce, IdTokenProblem::NonceMismatch),
        (IdTokenFault::WrongIssuer, IdTokenProblem::WrongIssuer),
    ];
    let env = Env::start().await;
    for (i, (fault, problem)) in cases.into_iter().enumerate() {
        env.sim.clear_faults();
        env.sim.set_fault(Fault::IdToken(fault));
        let client = env.client(&format!("c{i}")).await;
        let redirect = env.browser_redirect(&client, CITIZEN).await;
        let err = client.identity().complete_login(&redirect).await.unwrap_err();
        assert_eq!(err.code(), "auth.id_token_invalid", "{fault:?}");
        assert!(matches!(err, CityKitError::Auth(AuthError::IdTokenInvalid { problem: p }) if p == problem), "{fault:?}: {err:?}");
        assert!(!client.identity().is_logged_in().await, "{fault:?}: no session may be kept");
    }
}

#[tokio::test]
async fn a_declined_login_is_typed() {
    let env = Env::start().await;
    env.sim.set_fault(Fault::DenyAuthorization);
    let client = env.client("a").await;
    let redirect = env.browser_redirect(&client, CITIZEN).await;
    assert_eq!(client.identity().complete_login(&redirect).await.unwrap_err().code(), "auth.access_denied");
}

#[tokio::test]
async fn a_response_from_another_issuer_is_refused() {
    let env = Env::start().await;
    let client = env.client("a").await;
    let redirect = env.browser_redirect(&client, CITIZEN).await;
    let mixed_up = with_param(&redirect, "iss", "https://other-idp.example");
    assert_eq!(client.identity().complete_login(&mixed_up).await.unwrap_err().code(), "auth.issuer_mismatch");
}

#[tokio::test]
async fn tokens_are_bound_to_the_device_key() {
    use citykit_core::crypto::{DeviceKeyError, DeviceKeys, DevicePublicKey};
    use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};

    struct OtherKey(EcdsaKeyPair);
    impl DeviceKeys for OtherKey {
        fn public_key(&self) -> Result<DevicePublicKey, DeviceKeyError> {
            Ok(DevicePublicKey(self.0.public_key().as_ref().to_vec()))
        }
        fn sign(&self, message: &[u8]) -> Result<Vec<u8>, DeviceKeyError> {
            Ok(self.0.sign(&ring::rand::SystemRandom::new(), message).unwrap().as_ref().to_vec())
        }
    }
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let other = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();

    let env = Env::start().await;
    let client = env.logged_in("a", CITIZEN).await;
    client.identity().whoami().await.unwrap();
    drop(client);
    // The same stored tokens, presented with proofs from another key (a copied token store).
    let thief = citykit_core::Client::open_with_device_keys(
        env.config(&env.data_dir("a")),
        Env::keys(),
        Some(std::sync::Arc::new(OtherKey(other))),
    )
    .await
    .unwrap();
    let err = thief.identity().whoami().await.unwrap_err();
    assert_eq!(err.code(), "auth.dpop_rejected", "{err:?}");
}

#[tokio::test]
async fn a_forged_dpop_proof_is_refused_at_the_token_endpoint() {
    use citykit_core::crypto::{DeviceKeyError, DeviceKeys, DevicePublicKey};
    use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};

    /// Claims one public key but signs with another: a forged proof.
    struct Forger {
        claimed: EcdsaKeyPair,
        signer: EcdsaKeyPair,
    }
    impl DeviceKeys for Forger {
        fn public_key(&self) -> Result<DevicePublicKey, DeviceKeyError> {
            Ok(DevicePublicKey(self.claimed.public_key().as_ref().to_vec()))
        }
        fn sign(&self, message: &[u8]) -> Result<Vec<u8>, DeviceKeyError> {
            Ok(self.signer.sign(&ring::rand::SystemRandom::new(), message).unwrap().as_ref().to_vec())
        }
    }
    let rng = ring::rand::SystemRandom::new();
    let pair = || {
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap()
    };
    let env = Env::start().await;
    let client = citykit_core::Client::open_with_device_keys(
        env.config(&env.data_dir("f")),
        Env::keys(),
        Some(std::sync::Arc::new(Forger { claimed: pair(), signer: pair() })),
    )
    .await
    .unwrap();
    let redirect = env.browser_redirect(&client, CITIZEN).await;
    let err = client.identity().complete_login(&redirect).await.unwrap_err();
    assert_eq!(err.code(), "auth.dpop_rejected", "{err:?}");
}

#[tokio::test]
async fn the_login_state_follows_login_switches_and_logout() {
    use citykit_core::LoginState;
    let env = Env::start().await;
    let client = env.client("a").await;
    let mut states = client.identity().watch_login_state();
    assert_eq!(*states.borrow_and_update(), LoginState::LoggedOut);
    let redirect = env.browser_redirect(&client, CITIZEN).await;
    client.identity().complete_login(&redirect).await.unwrap();
    states.changed().await.unwrap();
    assert_eq!(*states.borrow_and_update(), LoginState::LoggedIn { subject: CITIZEN.into(), acting_for: None });
    let enterprise = env.sim.fixtures().enterprises_for(CITIZEN)[0].0.id.clone();
    client.identity().switch_identity(&enterprise).await.unwrap();
    states.changed().await.unwrap();
    assert_eq!(*states.borrow_and_update(), LoginState::LoggedIn { subject: CITIZEN.into(), acting_for: Some(enterprise.clone()) });
    // A restarted app starts from the saved state.
    let restarted = env.client("a").await;
    assert_eq!(restarted.identity().login_state(), LoginState::LoggedIn { subject: CITIZEN.into(), acting_for: Some(enterprise) });
    client.identity().logout().await.unwrap();
    states.changed().await.unwrap();
    assert_eq!(*states.borrow_and_update(), LoginState::LoggedOut);
}

#[tokio::test]
async fn acting_for_an_enterprise_asks_for_the_persons_presence() {
    use std::sync::{Arc, Mutex};

    use citykit_core::identity::{PresenceError, PresencePurpose, UserPresence};

    struct Prompt {
        answer: bool,
        asked: Mutex<Vec<PresencePurpose>>,
    }
    impl UserPresence for Prompt {
        fn confirm(&self, purpose: &PresencePurpose) -> Result<bool, PresenceError> {
            self.asked.lock().unwrap().push(purpose.clone());
            Ok(self.answer)
        }
    }
    let env = Env::start().await;
    let enterprise = env.sim.fixtures().enterprises_for(CITIZEN)[0].0.id.clone();
    for answer in [false, true] {
        let prompt = Arc::new(Prompt { answer, asked: Mutex::new(Vec::new()) });
        let dir = env.data_dir(&format!("p{answer}"));
        let client = citykit_core::Client::builder(env.config(&dir), Env::keys()).user_presence(prompt.clone()).open().await.unwrap();
        let redirect = env.browser_redirect(&client, CITIZEN).await;
        client.identity().complete_login(&redirect).await.unwrap();
        let result = client.identity().switch_identity(&enterprise).await;
        assert_eq!(*prompt.asked.lock().unwrap(), vec![PresencePurpose::ActForEnterprise { enterprise_id: enterprise.clone() }]);
        if answer {
            result.unwrap();
            assert_eq!(client.identity().whoami().await.unwrap().acting_as.id, enterprise);
            client.identity().switch_identity(CITIZEN).await.unwrap();
            assert_eq!(prompt.asked.lock().unwrap().len(), 1, "acting as oneself needs no check");
        } else {
            assert_eq!(result.unwrap_err().code(), "auth.presence_denied");
            assert_eq!(client.identity().whoami().await.unwrap().acting_as.id, CITIZEN, "a declined check changes nothing");
        }
    }
}

#[tokio::test]
async fn an_unusable_configuration_is_refused_at_open() {
    let env = Env::start().await;
    for (issuer, redirect) in [
        ("not a url", "org.citykit.demo:/oauth2redirect"),
        ("http://city.example", "org.citykit.demo:/cb"),
        (env.sim.issuer().as_str(), "no redirect"),
    ] {
        let mut config = env.config(&env.data_dir("cfg"));
        config.platform.issuer = issuer.to_owned();
        config.platform.redirect_uri = redirect.to_owned();
        let err = citykit_core::Client::open(config, Env::keys()).await.err().unwrap();
        assert_eq!(err.code(), "config.invalid", "{issuer} {redirect}");
    }
}

#[tokio::test]
async fn a_store_whose_key_is_lost_can_be_wiped_without_opening_it() {
    let env = Env::start().await;
    let client = env.logged_in("lost", CITIZEN).await;
    client.store().close().await.unwrap();
    drop(client);
    let path = env.data_dir("lost").join(citykit_core::store::STORE_FILE_NAME);
    citykit_core::store::wipe_files(&path).await.unwrap();
    for file in citykit_core::store::store_files(&path) {
        assert!(!file.exists(), "{} survived", file.display());
    }
    // A fresh store opens with any key.
    let other = std::sync::Arc::new(citykit_core::StaticKeyProvider::new(citykit_core::StoreKey::from_bytes(&[9u8; 32]).unwrap()));
    citykit_core::Client::open(env.config(&env.data_dir("lost")), other).await.unwrap();
}
