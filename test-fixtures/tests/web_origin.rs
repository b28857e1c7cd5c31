//! The web page's origin (`SimConfig::web_root`): static files and `citykit-config.json` over
//! HTTPS on a second port, the `citykit-web` client's redirect to it, and CORS on the platform
//! for that origin only. Real HTTPS on loopback.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use citykit_sim::{SimConfig, SimHandle, Simulator};
use common::*;
use serde_json::Value;

async fn start_web() -> (SimHandle, reqwest::Client, tempfile::TempDir, String) {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("index.html"), "<!doctype html><title>page</title>").unwrap();
    std::fs::create_dir_all(root.path().join("pkg")).unwrap();
    std::fs::write(root.path().join("pkg").join("citykit_wasm_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(root.path().join("pkg").join("citykit-web.js"), "export {};").unwrap();
    let config = SimConfig { web_root: Some(root.path().to_path_buf()), ..SimConfig::default() };
    let sim = Simulator::start(config).await.unwrap();
    let http = http(&sim);
    let web = sim.web_url().expect("a web origin");
    (sim, http, root, web)
}

#[tokio::test]
async fn the_web_origin_serves_its_files_with_their_types_and_nothing_outside() {
    let (sim, http, _root, web) = start_web().await;
    assert_ne!(web, sim.issuer(), "another origin than the platform's");
    let get = |path: &str| http.get(format!("{web}{path}")).send();
    let index = get("/").await.unwrap();
    assert_eq!(index.status(), 200);
    assert_eq!(index.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(index.headers()["cache-control"], "no-store");
    assert!(index.text().await.unwrap().contains("<title>page</title>"));
    let wasm = get("/pkg/citykit_wasm_bg.wasm").await.unwrap();
    assert_eq!((wasm.status().as_u16(), wasm.headers()["content-type"].to_str().unwrap()), (200, "application/wasm"));
    let js = get("/pkg/citykit-web.js").await.unwrap();
    assert_eq!(js.headers()["content-type"], "text/javascript; charset=utf-8");
    assert_eq!(get("/missing.js").await.unwrap().status(), 404);
    // Traversal, plain and encoded, sent as is (reqwest would normalise a plain `..`).
    for path in ["/../Cargo.toml", "/pkg/../../etc/passwd", "/%2e%2e/etc/passwd", "/pkg/%2E%2E/index.html"] {
        let status = raw_get_status(&sim, &web, path).await;
        assert_eq!(status, 404, "{path} was served");
    }
    let config: Value = get("/citykit-config.json").await.unwrap().json().await.unwrap();
    assert_eq!(config["issuer"], sim.issuer());
    assert_eq!(config["client_id"], "citykit-web");
    assert_eq!(config["redirect_uri"], format!("{web}/"));
}

/// The status of `GET path` sent byte for byte over TLS (no client-side normalisation).
async fn raw_get_status(sim: &SimHandle, web: &str, path: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let port: u16 = web.rsplit(':').next().unwrap().parse().unwrap();
    let config = std::sync::Arc::new(sim.rustls_client_config().unwrap());
    let connector = tokio_rustls::TlsConnector::from(config);
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let mut tls = connector.connect(name, tcp).await.unwrap();
    tls.write_all(format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n").as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = tls.read_to_end(&mut answer).await;
    let text = String::from_utf8_lossy(&answer);
    text.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test]
async fn the_platform_answers_cors_for_the_web_origin_only() {
    let (sim, http, _root, web) = start_web().await;
    let token = format!("{}/token", sim.issuer());
    let preflight = http
        .request(reqwest::Method::OPTIONS, &token)
        .header("Origin", &web)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "dpop, content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 204);
    let h = preflight.headers();
    assert_eq!(h["access-control-allow-origin"], web.as_str());
    for needed in ["authorization", "dpop", "content-type", "idempotency-key", "citykit-acting-for"] {
        assert!(h["access-control-allow-headers"].to_str().unwrap().contains(needed), "{needed}");
    }
    assert!(h["access-control-allow-methods"].to_str().unwrap().contains("POST"));
    assert!(h.get("access-control-allow-credentials").is_none());
    // An actual answer (an error) to the origin allows it and exposes the DPoP nonce.
    let refused = http.post(&token).header("Origin", &web).form(&[("grant_type", "authorization_code")]).send().await.unwrap();
    assert!(refused.status().is_client_error());
    assert_eq!(refused.headers()["access-control-allow-origin"], web.as_str());
    assert!(refused.headers()["access-control-expose-headers"].to_str().unwrap().contains("dpop-nonce"));
    // Another origin gets nothing.
    let other = http
        .request(reqwest::Method::OPTIONS, &token)
        .header("Origin", "https://evil.example")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
    let api = http.get(format!("{}/api/v1/me", sim.issuer())).header("Origin", "https://evil.example").send().await.unwrap();
    assert!(api.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn the_web_client_is_sent_back_to_the_page_with_a_code() {
    let (sim, http, _root, web) = start_web().await;
    let pkce = Pkce::new();
    let redirect = format!("{web}/");
    let form = [
        ("client_id", "citykit-web"),
        ("response_type", "code"),
        ("redirect_uri", redirect.as_str()),
        ("scope", "openid profile"),
        ("state", "s1"),
        ("nonce", "n1"),
        ("code_challenge", pkce.challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let par: Value = http.post(format!("{}/par", sim.issuer())).form(&form).send().await.unwrap().json().await.unwrap();
    let request_uri = par["request_uri"].as_str().expect("a request_uri");
    let page = http
        .get(format!("{}/authorize", sim.issuer()))
        .query(&[("client_id", "citykit-web"), ("request_uri", request_uri)])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("name=\"viewport\" content=\"width=device-width, initial-scale=1\""), "phone-sized sign-in page");
    let agent = &sim.fixtures().agents()[0];
    let name = sim.fixtures().citizen(&agent.citizen).expect("the agent is a citizen").name.clone();
    assert!(page.contains(&name), "the sign-in page lists the enterprise agent");
    let answer = http
        .get(format!("{}/authorize", sim.issuer()))
        .query(&[("client_id", "citykit-web"), ("request_uri", request_uri), ("test_user", agent.citizen.as_str())])
        .send()
        .await
        .unwrap();
    let location = answer.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(&redirect), "{location}");
    let params = location_params(&location);
    assert!(params.contains_key("code") && params["state"] == "s1" && params["iss"] == sim.issuer(), "{location}");
}
