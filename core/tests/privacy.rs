//! No personal data in logs: a whole login journey at TRACE level, every crate's events
//! captured (the core, reqwest, hyper, rustls, and the simulator in the same process), and not
//! one ID number, name, phone number, token, code, or key may appear.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use base64::Engine as _;
use citykit_core::{Client, ClientConfig, IdentityKind, NetConfig, PlatformConfig, StaticKeyProvider, StoreKey, TrustConfig};
use citykit_sim::{Fault, IdTokenFault, SimConfig, Simulator};

use citykit_sim::testing::LogCapture;

#[tokio::test]
async fn a_whole_login_at_trace_level_logs_no_personal_data() {
    let capture = LogCapture::default();
    tracing_subscriber::fmt().with_max_level(tracing::Level::TRACE).with_writer(capture.clone()).with_ansi(false).init();

    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store_key = [0x5au8; 32];
    let mut platform = PlatformConfig::new(sim.issuer(), "citykit-demo", "org.citykit.demo:/oauth2redirect");
    platform.scopes = vec!["openid".into(), "profile".into()];
    let config = ClientConfig {
        data_dir: dir.path().to_path_buf(),
        platform,
        net: NetConfig {
            trust: TrustConfig { extra_root_certificates_pem: vec![sim.ca_cert_pem()], ..Default::default() },
            ..Default::default()
        },
    };
    let keys = Arc::new(StaticKeyProvider::new(StoreKey::from_bytes(&store_key).unwrap()));
    let client = Client::open(config.clone(), keys.clone()).await.unwrap();

    let citizen = sim.fixtures().citizen("citizen-01").unwrap().clone();
    let request = client.identity().start_login().await.unwrap();
    let redirect = sim.authorize_as(&request.authorization_url, &citizen.id).await.unwrap();
    let code = url::Url::parse(&redirect).unwrap().query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();
    let account = client.identity().complete_login(&redirect).await.unwrap();
    assert_eq!(account.name.expose(), &citizen.name);
    let session: serde_json::Value = client.store().get("auth", "session").await.unwrap().unwrap();
    let first_access = session["access_token"].as_str().unwrap().to_owned();
    let first_refresh = session["refresh_token"].as_str().unwrap().to_owned();

    let identities = client.identity().identities().await.unwrap();
    let enterprise = identities.iter().find(|i| i.kind == IdentityKind::Enterprise).unwrap().clone();
    client.identity().switch_identity(&enterprise.id).await.unwrap();
    sim.expire_access_tokens();
    client.identity().whoami().await.unwrap(); // refresh on the way
    client.identity().switch_identity(&citizen.id).await.unwrap();
    let session: serde_json::Value = client.store().get("auth", "session").await.unwrap().unwrap();
    let second_access = session["access_token"].as_str().unwrap().to_owned();
    let second_refresh = session["refresh_token"].as_str().unwrap().to_owned();
    let device_key: Vec<u8> =
        client.store().raw_sql(|c| Ok(c.query_row("SELECT private_key FROM device_keys", [], |r| r.get(0))?)).await.unwrap();

    // Failures log too: a broken ID token and a wrong store key.
    sim.set_fault(Fault::IdToken(IdTokenFault::TamperSignature));
    let other = Client::open(ClientConfig { data_dir: dir.path().join("other"), ..config.clone() }, keys.clone()).await.unwrap();
    let request = other.identity().start_login().await.unwrap();
    let bad = sim.authorize_as(&request.authorization_url, &citizen.id).await.unwrap();
    let err = other.identity().complete_login(&bad).await.unwrap_err();
    let wrong = Arc::new(StaticKeyProvider::new(StoreKey::from_bytes(&[1u8; 32]).unwrap()));
    drop(other);
    let wrong_key_err = Client::open(ClientConfig { data_dir: dir.path().join("other"), ..config.clone() }, wrong).await.err().unwrap();
    client.identity().logout().await.unwrap();

    let logs = capture.text();
    assert!(logs.len() > 10_000, "TRACE capture is suspiciously small ({} bytes): is it on?", logs.len());
    assert!(logs.contains("login completed") && logs.contains("rustls"), "core and dependency events are both captured");
    let errors = format!("{err:?} {err} {wrong_key_err:?} {wrong_key_err}");

    let b64 = base64::engine::general_purpose::STANDARD;
    let mut secrets: Vec<(String, String)> = vec![
        ("name".into(), citizen.name.clone()),
        ("id number".into(), citizen.id_number.clone()),
        ("mobile".into(), citizen.mobile.clone()),
        ("address".into(), citizen.address.detail.clone()),
        ("enterprise name".into(), enterprise.name.expose().clone()),
        ("authorization code".into(), code),
        ("first access token".into(), first_access),
        ("first refresh token".into(), first_refresh),
        ("second access token".into(), second_access),
        ("second refresh token".into(), second_refresh),
        ("store key (hex)".into(), hex::encode(store_key)),
        ("store key (base64)".into(), b64.encode(store_key)),
        ("device key (base64)".into(), b64.encode(&device_key)),
        ("device key (hex)".into(), hex::encode(&device_key)),
    ];
    for other in sim.fixtures().citizens() {
        secrets.push((format!("{} id number", other.id), other.id_number.clone()));
        secrets.push((format!("{} name", other.id), other.name.clone()));
    }
    for (what, value) in &secrets {
        assert!(!logs.contains(value.as_str()), "the logs contain the {what}");
        assert!(!errors.contains(value.as_str()), "an error message contains the {what}");
    }
    sim.shutdown().await;
}
