//! Token refresh: single flight, rotation, reuse detection.

use std::time::Duration;

use citykit_sim::SimConfig;
use futures::future::join_all;

use crate::env::{Env, CITIZEN};

#[tokio::test]
async fn an_access_token_expired_at_the_server_is_refreshed_once_for_100_concurrent_calls() {
    expired_at_the_server(false).await;
}

#[tokio::test]
async fn with_dpop_nonces_an_access_token_expired_at_the_server_is_refreshed_once_for_100_concurrent_calls() {
    expired_at_the_server(true).await;
}

async fn expired_at_the_server(require_dpop_nonce: bool) {
    let env = Env::start_with(SimConfig { require_dpop_nonce, ..Default::default() }).await;
    let client = env.logged_in("a", CITIZEN).await;
    client.identity().whoami().await.unwrap();
    let before = env.sim.stats().refresh_grants;
    env.sim.expire_access_tokens();
    let results = join_all((0..100).map(|_| {
        let client = client.clone();
        async move { client.identity().whoami().await }
    }))
    .await;
    for result in results {
        assert_eq!(result.unwrap().acting_as.id, CITIZEN);
    }
    assert_eq!(env.sim.stats().refresh_grants - before, 1, "exactly one refresh");
    assert!(env.sim.stats().dpop_nonce_challenges <= 1, "the nonce from the token endpoint serves the API");
}

#[tokio::test]
async fn an_access_token_expired_on_the_clock_is_refreshed_once_for_100_concurrent_calls() {
    expired_on_the_clock(false).await;
}

#[tokio::test]
async fn with_dpop_nonces_an_access_token_expired_on_the_clock_is_refreshed_once_for_100_concurrent_calls() {
    expired_on_the_clock(true).await;
}

async fn expired_on_the_clock(require_dpop_nonce: bool) {
    let env = Env::start_with(SimConfig { access_token_ttl: Duration::from_secs(1), require_dpop_nonce, ..Default::default() }).await;
    let client = env.logged_in("a", CITIZEN).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let before = env.sim.stats().refresh_grants;
    let results = join_all((0..100).map(|_| {
        let client = client.clone();
        async move { client.identity().whoami().await }
    }))
    .await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(env.sim.stats().refresh_grants - before, 1, "exactly one refresh");
    // The refreshed session was saved: a restarted app uses it without refreshing again.
    drop(client);
    let client = env.client("a").await;
    client.identity().whoami().await.unwrap();
    assert_eq!(env.sim.stats().refresh_grants - before, 1);
}

pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[tokio::test]
async fn reusing_a_rotated_refresh_token_ends_the_whole_session() {
    let env = Env::start().await;
    let client = env.logged_in("a", CITIZEN).await;
    client.store().close().await.unwrap();
    drop(client);
    // A cloned device: the same store, the same tokens and device key.
    copy_dir(&env.data_dir("a"), &env.data_dir("clone"));
    let original = env.client("a").await;
    let clone = env.client("clone").await;

    original.identity().refresh().await.unwrap(); // rotates the refresh token
    original.identity().whoami().await.unwrap();
    let err = clone.identity().refresh().await.unwrap_err(); // presents the rotated one
    assert_eq!(err.code(), "auth.session_expired");
    assert_eq!(env.sim.stats().family_revocations, 1);
    // The whole family is revoked: the original's tokens stop working too.
    let err = original.identity().whoami().await.unwrap_err();
    assert_eq!(err.code(), "auth.session_expired", "{err:?}");
    assert!(!original.identity().is_logged_in().await);
    assert_eq!(original.identity().login_state(), citykit_core::LoginState::SessionExpired);
}

#[tokio::test]
async fn a_caller_that_gives_up_mid_refresh_does_not_lose_the_rotated_token() {
    use citykit_sim::Fault;
    let env = Env::start().await;
    let client = env.logged_in("a", CITIZEN).await;
    env.sim.expire_access_tokens();
    env.sim.set_fault(Fault::Delay { path: "/token".into(), millis: 400 });
    // The caller gives up while the refresh is on the wire (a cancelled coroutine or Task).
    let gave_up = tokio::time::timeout(Duration::from_millis(100), client.identity().whoami()).await;
    assert!(gave_up.is_err(), "the call should still be waiting");
    tokio::time::sleep(Duration::from_millis(800)).await;
    env.sim.clear_faults();
    assert_eq!(env.sim.stats().refresh_grants, 1, "the refresh finished in the background");
    // The rotated refresh token was saved: the next calls neither refresh again nor trip reuse detection.
    assert_eq!(client.identity().whoami().await.unwrap().acting_as.id, CITIZEN);
    client.identity().refresh().await.unwrap();
    assert_eq!(env.sim.stats().family_revocations, 0);
    assert_eq!(env.sim.stats().refresh_grants, 2);
}
