//! The network layer against the simulator: pins, trust, server errors, retries, offline.

use std::time::Duration;

use base64::Engine as _;
use citykit_core::{Client, NetConfig, TrustConfig};
use citykit_sim::Fault;

use crate::env::{Env, CITIZEN};

#[tokio::test]
async fn a_pin_mismatch_fails_before_any_request_reaches_the_server() {
    let env = Env::start().await;
    let mut config = env.config(&env.data_dir("a"));
    let wrong_pin = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
    config.net.trust.spki_pins = vec![wrong_pin];
    let client = Client::open(config, Env::keys()).await.unwrap();
    let err = client.identity().start_login().await.unwrap_err();
    assert_eq!(err.code(), "net.pin_mismatch", "{err:?}");
    assert_eq!(env.sim.stats().requests.values().sum::<u64>(), 0, "no request may reach the server");
}

#[tokio::test]
async fn the_right_pin_is_accepted() {
    let env = Env::start().await;
    let mut config = env.config(&env.data_dir("a"));
    config.net.trust.spki_pins = vec![env.sim.spki_pin()];
    let client = Client::open(config, Env::keys()).await.unwrap();
    let redirect = env.browser_redirect(&client, CITIZEN).await;
    client.identity().complete_login(&redirect).await.unwrap();
}

#[tokio::test]
async fn a_server_outside_the_trusted_roots_is_refused() {
    let env = Env::start().await;
    let mut config = env.config(&env.data_dir("a"));
    config.net.trust = TrustConfig { use_public_roots: true, ..Default::default() };
    let client = Client::open(config, Env::keys()).await.unwrap();
    let err = client.identity().start_login().await.unwrap_err();
    assert_eq!(err.code(), "net.tls", "{err:?}");
}

#[tokio::test]
async fn a_500_from_the_token_endpoint_is_typed_and_not_retried() {
    let env = Env::start().await;
    let client = env.client("a").await;
    let redirect = env.browser_redirect(&client, CITIZEN).await;
    env.sim.set_fault(Fault::FailNext { path: "/token".into(), status: 500, count: 1 });
    let err = client.identity().complete_login(&redirect).await.unwrap_err();
    assert_eq!(err.code(), "net.server_error");
    assert_eq!(env.sim.stats().requests_to("/token"), 1, "a POST is never retried");
}

#[tokio::test]
async fn idempotent_requests_are_retried_with_backoff() {
    let env = Env::start().await;
    let client = env.logged_in("a", CITIZEN).await;
    let path = "/api/v1/me";
    env.sim.set_fault(Fault::FailNext { path: path.into(), status: 503, count: 2 });
    let before = env.sim.stats().requests_to(path);
    client.identity().whoami().await.unwrap();
    assert_eq!(env.sim.stats().requests_to(path) - before, 3, "two failures, then success");
    env.sim.set_fault(Fault::FailNext { path: path.into(), status: 500, count: 10 });
    let err = client.identity().whoami().await.unwrap_err();
    assert_eq!(err.code(), "net.server_error");
}

#[tokio::test]
async fn an_unreachable_platform_is_offline() {
    let env = Env::start().await;
    let mut config = env.config(&env.data_dir("a"));
    // A port nothing listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    config.platform.issuer = format!("https://127.0.0.1:{port}");
    let client = Client::open(config, Env::keys()).await.unwrap();
    let err = client.identity().start_login().await.unwrap_err();
    assert_eq!(err.code(), "net.offline", "{err:?}");
}

#[tokio::test]
async fn a_platform_that_goes_away_mid_session_is_offline_and_the_session_is_kept() {
    let env = Env::start().await;
    let client = env.logged_in("a", CITIZEN).await;
    let Env { sim, dir: _dir } = env;
    sim.shutdown().await;
    let err = client.identity().whoami().await.unwrap_err();
    assert_eq!(err.code(), "net.offline", "{err:?}");
    assert!(client.identity().is_logged_in().await, "going offline must not lose the session");
    // Logging out offline still wipes local data.
    let outcome = client.identity().logout().await.unwrap();
    assert!(!outcome.revoked_at_server);
    assert!(!client.identity().is_logged_in().await);
}

#[tokio::test]
async fn a_slow_platform_times_out() {
    let env = Env::start().await;
    let mut config = env.config(&env.data_dir("a"));
    config.net = NetConfig { request_timeout: Duration::from_millis(300), max_retries: 0, ..config.net };
    let client = Client::open(config, Env::keys()).await.unwrap();
    let redirect = env.browser_redirect(&client, CITIZEN).await;
    client.identity().complete_login(&redirect).await.unwrap();
    env.sim.set_fault(Fault::Delay { path: "/api/v1/me".into(), millis: 2000 });
    let err = client.identity().whoami().await.unwrap_err();
    assert_eq!(err.code(), "net.timeout", "{err:?}");
}
