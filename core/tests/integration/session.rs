//! The edges of a session against a compliant provider: DPoP nonces (RFC 9449 §8, §9), a login
//! committed only when every check passed, revocation after a refused refresh (queued while the
//! provider is unreachable), no lock held while the app's device key signs, and the
//! authorization parameters an app may add.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use citykit_core::crypto::{DeviceKeyError, DeviceKeys, DevicePublicKey, SoftwareDeviceKeys};
use citykit_core::identity::AuthorizationParam;
use citykit_core::{Client, LoginState};
use citykit_sim::{DpopNonceMode, Fault, SimConfig};

use crate::env::{Env, CITIZEN};

fn nonce_env(required: bool) -> SimConfig {
    SimConfig { require_dpop_nonce: required, ..Default::default() }
}

#[tokio::test]
async fn a_provider_that_demands_nonces_gets_them_at_login_refresh_and_every_api() {
    let env = Env::start_with(nonce_env(true)).await;
    let client = env.logged_in("a", CITIZEN).await;
    // One challenge at the token endpoint; the nonce from its answers serves the API too.
    assert_eq!(env.sim.stats().dpop_nonce_challenges, 1);
    assert_eq!(client.identity().whoami().await.unwrap().acting_as.id, CITIZEN);
    client.wallet().fetch_licences().await.unwrap();
    client.catalogue().sync().await.unwrap();
    assert_eq!(env.sim.stats().dpop_nonce_challenges, 1, "the latest nonce is learnt from every answer");

    // The server moves on while the app is idle: one challenge, one retry, no error.
    env.sim.rotate_dpop_nonce();
    env.sim.rotate_dpop_nonce();
    assert_eq!(client.identity().whoami().await.unwrap().acting_as.id, CITIZEN);
    assert_eq!(env.sim.stats().dpop_nonce_challenges, 2);
    // A rotation between two calls costs nothing: the previous nonce is still accepted and the
    // answer carries the new one.
    env.sim.rotate_dpop_nonce();
    client.identity().whoami().await.unwrap();
    env.sim.rotate_dpop_nonce();
    client.identity().whoami().await.unwrap();
    assert_eq!(env.sim.stats().dpop_nonce_challenges, 2);

    // Refresh with a stale nonce: the user stays logged in (today's bug logged them out).
    env.sim.rotate_dpop_nonce();
    env.sim.rotate_dpop_nonce();
    let before = env.sim.stats().refresh_grants;
    client.identity().refresh().await.unwrap();
    assert_eq!(env.sim.stats().refresh_grants - before, 2, "refused once for the nonce, then issued");
    assert!(matches!(client.identity().login_state(), LoginState::LoggedIn { .. }));
    env.sim.expire_access_tokens();
    assert_eq!(client.identity().whoami().await.unwrap().acting_as.id, CITIZEN);
    assert!(client.identity().is_logged_in().await);
}

#[tokio::test]
async fn nonces_demanded_only_after_login_are_picked_up_at_refresh_and_at_the_api() {
    let env = Env::start().await;
    let client = env.logged_in("a", CITIZEN).await;
    assert_eq!(env.sim.stats().dpop_nonce_challenges, 0, "no nonce when none is demanded");
    env.sim.set_dpop_nonce_mode(DpopNonceMode::Required);
    assert_eq!(client.identity().whoami().await.unwrap().acting_as.id, CITIZEN);
    assert_eq!(env.sim.stats().dpop_nonce_challenges, 1);
    env.sim.rotate_dpop_nonce();
    env.sim.rotate_dpop_nonce();
    env.sim.expire_access_tokens();
    assert_eq!(client.identity().whoami().await.unwrap().acting_as.id, CITIZEN);
    assert!(client.identity().is_logged_in().await);
}

#[tokio::test]
async fn a_server_that_always_wants_another_nonce_is_not_looped_on() {
    let env = Env::start_with(SimConfig::default()).await;
    // At login: two token requests, then a typed error.
    env.sim.set_dpop_nonce_mode(DpopNonceMode::RejectAll);
    let client = env.client("a").await;
    let redirect = env.browser_redirect(&client, CITIZEN).await;
    let err = client.identity().complete_login(&redirect).await.unwrap_err();
    assert_eq!(err.code(), "auth.dpop_rejected");
    assert_eq!(env.sim.stats().requests_to("/token"), 2);
    assert!(!client.identity().is_logged_in().await);

    // At the API and at refresh: two requests each, a typed error, and the session is kept.
    env.sim.set_dpop_nonce_mode(DpopNonceMode::Off);
    let client = env.logged_in("b", CITIZEN).await;
    env.sim.set_dpop_nonce_mode(DpopNonceMode::RejectAll);
    let me_before = env.sim.stats().requests_to("/api/v1/me");
    assert_eq!(client.identity().whoami().await.unwrap_err().code(), "auth.dpop_rejected");
    assert_eq!(env.sim.stats().requests_to("/api/v1/me") - me_before, 2);
    let token_before = env.sim.stats().requests_to("/token");
    assert_eq!(client.identity().refresh().await.unwrap_err().code(), "auth.dpop_rejected");
    assert_eq!(env.sim.stats().requests_to("/token") - token_before, 2);
    assert!(client.identity().is_logged_in().await, "a nonce problem is not the end of the session");
    assert!(matches!(client.identity().login_state(), LoginState::LoggedIn { .. }));
    env.sim.set_dpop_nonce_mode(DpopNonceMode::Off);
    assert_eq!(client.identity().whoami().await.unwrap().acting_as.id, CITIZEN);
}

#[tokio::test]
async fn a_login_whose_userinfo_fails_stores_nothing_and_revokes_the_new_tokens() {
    let env = Env::start().await;
    let client = env.client("a").await;
    let redirect = env.browser_redirect(&client, CITIZEN).await;
    env.sim.set_fault(Fault::FailNext { path: "/userinfo".into(), status: 500, count: 20 });
    let err = client.identity().complete_login(&redirect).await.unwrap_err();
    assert_eq!(err.code(), "net.server_error", "{err:?}");
    env.sim.clear_faults();
    assert!(!client.identity().is_logged_in().await);
    assert_eq!(client.identity().login_state(), LoginState::LoggedOut);
    assert_eq!(client.store().get::<serde_json::Value>("auth", "session").await.unwrap(), None);
    assert_eq!(client.store().get::<serde_json::Value>("auth", "account").await.unwrap(), None);
    assert_eq!(client.identity().whoami().await.unwrap_err().code(), "auth.not_logged_in");
    // The provider was told: the issued tokens are revoked (refresh token first, its family goes).
    assert!(env.sim.stats().requests_to("/revoke") >= 1);
    assert_eq!(env.sim.stats().family_revocations, 1);
}

#[tokio::test]
async fn a_userinfo_naming_another_subject_keeps_no_session() {
    let env = Env::start().await;
    let client = env.client("a").await;
    let redirect = env.browser_redirect(&client, CITIZEN).await;
    env.sim.set_fault(Fault::WrongUserinfoSubject);
    let err = client.identity().complete_login(&redirect).await.unwrap_err();
    assert_eq!(err.code(), "auth.protocol");
    assert!(!client.identity().is_logged_in().await);
    assert_eq!(client.identity().login_state(), LoginState::LoggedOut);
    assert_eq!(client.store().get::<serde_json::Value>("auth", "session").await.unwrap(), None);
    assert_eq!(env.sim.stats().family_revocations, 1, "the tokens issued to the failed login are revoked");
    // A restarted app agrees.
    drop(client);
    let client = env.client("a").await;
    assert!(!client.identity().is_logged_in().await);
    assert_eq!(client.identity().login_state(), LoginState::LoggedOut);
}

#[tokio::test]
async fn a_refused_refresh_revokes_the_refresh_token_at_the_provider() {
    let env = Env::start().await;
    let client = env.logged_in("a", CITIZEN).await;
    // A refusal that is not a revocation: the token would stay valid at the provider.
    env.sim.set_fault(Fault::FailNext { path: "/token".into(), status: 400, count: 1 });
    assert_eq!(client.identity().refresh().await.unwrap_err().code(), "auth.session_expired");
    assert!(!client.identity().is_logged_in().await);
    assert_eq!(client.identity().login_state(), LoginState::SessionExpired);
    assert_eq!(env.sim.stats().requests_to("/revoke"), 1);
    assert_eq!(env.sim.stats().family_revocations, 1);
    assert_eq!(client.identity().queued_revocations().await.unwrap(), 0);
}

#[tokio::test]
async fn a_revocation_that_cannot_be_sent_is_queued_and_sent_at_the_next_login() {
    let env = Env::start().await;
    let client = env.logged_in("a", CITIZEN).await;
    env.sim.set_fault(Fault::FailNext { path: "/token".into(), status: 400, count: 1 });
    env.sim.set_fault(Fault::FailNext { path: "/revoke".into(), status: 503, count: 50 });
    assert_eq!(client.identity().refresh().await.unwrap_err().code(), "auth.session_expired");
    assert_eq!(client.identity().queued_revocations().await.unwrap(), 1);
    assert_eq!(env.sim.stats().family_revocations, 0);
    env.sim.clear_faults();
    // Kept across a restart, sent as soon as the provider is reachable again.
    drop(client);
    let client = env.client("a").await;
    assert_eq!(client.identity().queued_revocations().await.unwrap(), 1);
    client.identity().start_login().await.unwrap();
    assert_eq!(client.identity().queued_revocations().await.unwrap(), 0);
    assert_eq!(env.sim.stats().family_revocations, 1);
}

#[tokio::test]
async fn logout_offline_queues_the_revocation() {
    let env = Env::start().await;
    let client = env.logged_in("a", CITIZEN).await;
    env.sim.set_fault(Fault::FailNext { path: "/revoke".into(), status: 503, count: 50 });
    let outcome = client.identity().logout().await.unwrap();
    assert!(outcome.had_session && !outcome.revoked_at_server);
    assert_eq!(client.identity().queued_revocations().await.unwrap(), 2, "refresh and access token");
    env.sim.clear_faults();
    client.identity().start_login().await.unwrap();
    assert_eq!(client.identity().queued_revocations().await.unwrap(), 0);
    assert_eq!(env.sim.stats().family_revocations, 1);
}

/// A device key whose signing can be held, like a hardware key waiting for a biometric prompt.
struct SlowKey {
    inner: Arc<SoftwareDeviceKeys>,
    hold: Mutex<Option<(mpsc::Sender<()>, mpsc::Receiver<()>)>>,
}

impl DeviceKeys for SlowKey {
    fn public_key(&self) -> Result<DevicePublicKey, DeviceKeyError> {
        self.inner.public_key()
    }
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, DeviceKeyError> {
        let held = self.hold.lock().unwrap().take();
        if let Some((entered, release)) = held {
            entered.send(()).unwrap();
            release.recv_timeout(Duration::from_secs(20)).unwrap();
        }
        self.inner.sign(message)
    }
}

#[tokio::test]
async fn the_session_lock_is_not_held_while_the_device_key_signs_a_refresh() {
    let env = Env::start().await;
    let dir = env.data_dir("a");
    let store_keys = Env::keys();
    // The software key of this data directory, wrapped so that one signature can be held.
    let software = {
        let plain = Client::open(env.config(&dir), store_keys.clone()).await.unwrap();
        let key = SoftwareDeviceKeys::load_or_create(plain.store()).await.unwrap();
        plain.store().close().await.unwrap();
        key
    };
    let key = Arc::new(SlowKey { inner: software, hold: Mutex::new(None) });
    let client = Client::open_with_device_keys(env.config(&dir), store_keys, Some(key.clone())).await.unwrap();
    let redirect = env.browser_redirect(&client, CITIZEN).await;
    client.identity().complete_login(&redirect).await.unwrap();

    let (entered_tx, entered_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel();
    *key.hold.lock().unwrap() = Some((entered_tx, release_rx));
    let refreshing = tokio::spawn({
        let client = client.clone();
        async move { client.identity().refresh().await }
    });
    tokio::task::spawn_blocking(move || entered_rx.recv_timeout(Duration::from_secs(20)).unwrap()).await.unwrap();
    // The key is "showing its prompt": the session can still be read, and a logout need not wait.
    let logged_in = tokio::time::timeout(Duration::from_secs(5), client.identity().is_logged_in()).await;
    assert_eq!(logged_in, Ok(true), "is_logged_in waited for the device key");
    assert!(matches!(client.identity().login_state(), LoginState::LoggedIn { .. }));
    release_tx.send(()).unwrap();
    refreshing.await.unwrap().unwrap();
    assert_eq!(client.identity().whoami().await.unwrap().acting_as.id, CITIZEN);
}

#[tokio::test]
async fn an_app_asks_for_extra_authorization_parameters_and_a_refresh_token_by_default() {
    let env = Env::start().await;
    let dir = env.data_dir("a");
    let mut config = env.config(&dir);
    config.platform.scopes = citykit_core::identity::DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect();
    config.platform.extra_authorization_params =
        vec![AuthorizationParam::new("prompt", "login"), AuthorizationParam::new("ui_locales", "zh-CN")];
    let client = Client::open(config.clone(), Env::keys()).await.unwrap();
    let request = client.identity().start_login().await.unwrap();
    let pushed = env.sim.pushed_request(&request.authorization_url).expect("the pushed request");
    assert!(pushed.scope.split(' ').any(|s| s == "offline_access"), "{}", pushed.scope);
    assert_eq!(pushed.other.get("prompt").map(String::as_str), Some("login"));
    assert_eq!(pushed.other.get("ui_locales").map(String::as_str), Some("zh-CN"));
    let redirect = env.sim.authorize_as(&request.authorization_url, CITIZEN).await.unwrap();
    client.identity().complete_login(&redirect).await.unwrap();
    client.identity().refresh().await.unwrap();

    // The defaults ask for a refresh token the way providers expect.
    let defaults = citykit_core::PlatformConfig::new("https://id.example", "app", "org.example.app:/cb");
    assert!(defaults.scopes.iter().any(|s| s == "offline_access"));
    // A parameter CityKit sets itself cannot be replaced.
    drop(client);
    config.platform.extra_authorization_params = vec![AuthorizationParam::new("code_challenge_method", "plain")];
    let err = Client::open(config, Env::keys()).await.err().expect("refused");
    assert_eq!(err.code(), "config.invalid");
}
