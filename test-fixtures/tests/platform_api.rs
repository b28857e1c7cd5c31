//! The simulator against docs/platform-api.md: real HTTPS on loopback, a client trusting only the
//! simulator's CA, DPoP proofs made here with p256.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use citykit_sim::server::{DEMO_CLIENT_ID, DEMO_REDIRECT_URI};
use citykit_sim::{Fault, IdTokenFault, SimConfig, SimHandle, Simulator};
use common::*;
use serde_json::Value;

async fn start() -> (SimHandle, reqwest::Client) {
    start_with(SimConfig::default()).await
}

async fn start_with(config: SimConfig) -> (SimHandle, reqwest::Client) {
    let sim = Simulator::start(config).await.unwrap();
    let http = http(&sim);
    (sim, http)
}

#[tokio::test]
async fn discovery_and_jwks() {
    let (sim, http) = start().await;
    let issuer = sim.issuer();
    assert!(issuer.starts_with("https://127.0.0.1:"));
    assert!(sim.ca_cert_pem().contains("BEGIN CERTIFICATE"));
    assert_eq!(std::fs::read_to_string(sim.ca_cert_path()).unwrap(), sim.ca_cert_pem());
    assert_eq!(sim.spki_pin().len(), 44);

    let res = http.get(format!("{issuer}/.well-known/openid-configuration")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let d: Value = res.json().await.unwrap();
    assert_eq!(d["issuer"], issuer.as_str());
    for (k, path) in [
        ("authorization_endpoint", "/authorize"),
        ("token_endpoint", "/token"),
        ("userinfo_endpoint", "/userinfo"),
        ("jwks_uri", "/jwks"),
        ("pushed_authorization_request_endpoint", "/par"),
        ("revocation_endpoint", "/revoke"),
        ("citykit_api_base", "/api/v1"),
    ] {
        assert_eq!(d[k], format!("{issuer}{path}"), "{k}");
    }
    assert_eq!(d["require_pushed_authorization_requests"], true);
    assert_eq!(d["code_challenge_methods_supported"], serde_json::json!(["S256"]));
    assert_eq!(d["dpop_signing_alg_values_supported"], serde_json::json!(["ES256"]));
    assert_eq!(d["id_token_signing_alg_values_supported"], serde_json::json!(["ES256"]));
    assert_eq!(d["token_endpoint_auth_methods_supported"], serde_json::json!(["none"]));
    assert_eq!(d["authorization_response_iss_parameter_supported"], true);

    let jwks: Value = http.get(format!("{issuer}/jwks")).send().await.unwrap().json().await.unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    let k = &keys[0];
    assert_eq!(k["kty"], "EC");
    assert_eq!(k["crv"], "P-256");
    assert_eq!(k["use"], "sig");
    assert_eq!(k["alg"], "ES256");
    assert!(k.get("d").is_none());
    // kid is the RFC 7638 thumbprint, recomputed here.
    let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#, k["x"].as_str().unwrap(), k["y"].as_str().unwrap());
    use sha2::Digest as _;
    assert_eq!(k["kid"], b64u(sha2::Sha256::digest(canonical.as_bytes())));

    // HTTP/2 is offered by ALPN and served too.
    let mut tls = sim.rustls_client_config().unwrap();
    tls.alpn_protocols = vec![b"h2".to_vec()];
    let h2 = reqwest::Client::builder().tls_backend_preconfigured(tls).build().unwrap();
    let res = h2.get(format!("{issuer}/jwks")).send().await.unwrap();
    assert_eq!(res.version(), reqwest::Version::HTTP_2);
    assert_eq!(res.status(), 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn par_refuses_plain_or_missing_pkce_and_bad_clients() {
    let (sim, http) = start().await;
    let url = format!("{}/par", sim.issuer());
    let pkce = Pkce::new();
    let base = |method: Option<&'static str>| {
        let mut f = vec![
            ("client_id", DEMO_CLIENT_ID.to_owned()),
            ("response_type", "code".to_owned()),
            ("redirect_uri", DEMO_REDIRECT_URI.to_owned()),
            ("scope", "openid".to_owned()),
            ("state", "s".to_owned()),
            ("nonce", "n".to_owned()),
            ("code_challenge", pkce.challenge.clone()),
        ];
        if let Some(m) = method {
            f.push(("code_challenge_method", m.to_owned()));
        }
        f
    };
    // plain
    let res = http.post(&url).form(&base(Some("plain"))).send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(error_code(res).await, "invalid_request");
    // method missing (would default to plain)
    let res = http.post(&url).form(&base(None)).send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(error_code(res).await, "invalid_request");
    // challenge missing
    let mut f = base(Some("S256"));
    f.retain(|(k, _)| *k != "code_challenge");
    let res = http.post(&url).form(&f).send().await.unwrap();
    assert_eq!(res.status(), 400);
    // unknown client
    let mut f = base(Some("S256"));
    f[0].1 = "someone-else".into();
    let res = http.post(&url).form(&f).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(error_code(res).await, "invalid_client");
    // unregistered redirect URI
    let mut f = base(Some("S256"));
    f[2].1 = "https://evil.invalid/cb".into();
    let res = http.post(&url).form(&f).send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(error_code(res).await, "invalid_request");
    // and the good one
    let res = http.post(&url).form(&base(Some("S256"))).send().await.unwrap();
    assert_eq!(res.status(), 201);
    sim.shutdown().await;
}

#[tokio::test]
async fn full_code_flow_with_dpop() {
    let (sim, http) = start().await;
    let issuer = sim.issuer();
    let key = DpopKey::new();

    // The sign-in page lists the citizens as test_user links and does not use up the request.
    let auth = par(&sim, &http, &[]).await;
    let res = http.get(&auth.authorization_url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    for c in sim.fixtures().citizens() {
        assert!(page.contains(&c.name));
        assert!(page.contains(&format!("test_user={}", c.id)));
    }
    let location = sim.authorize_as(&auth.authorization_url, "citizen-01").await.unwrap();
    let params = location_params(&location);
    assert!(location.starts_with(DEMO_REDIRECT_URI));
    assert_eq!(params["state"], auth.state);
    assert_eq!(params["iss"], issuer);
    // A request_uri is single use.
    assert!(sim.authorize_as(&auth.authorization_url, "citizen-01").await.is_err());

    let res = redeem(&sim, &http, &key, &params["code"], &auth.pkce.verifier).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["token_type"], "DPoP");
    assert_eq!(body["expires_in"], 300);
    assert!(body["scope"].as_str().unwrap().contains("openid"));
    let access = body["access_token"].as_str().unwrap();
    assert!(body["refresh_token"].as_str().is_some());

    // The ID token verifies against the JWKS and carries the expected claims.
    let id_token = body["id_token"].as_str().unwrap();
    let jwks: Value = http.get(format!("{issuer}/jwks")).send().await.unwrap().json().await.unwrap();
    let jwk = &jwks["keys"][0];
    assert!(verify_es256(id_token, jwk));
    let header: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, id_token.split('.').next().unwrap()).unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], "ES256");
    assert_eq!(header["kid"], jwk["kid"]);
    let claims = jwt_claims(id_token);
    assert_eq!(claims["iss"], issuer);
    assert_eq!(claims["sub"], "citizen-01");
    assert_eq!(claims["aud"], DEMO_CLIENT_ID);
    assert_eq!(claims["nonce"], auth.nonce);
    let now = now();
    assert!(claims["exp"].as_i64().unwrap() > now);
    assert!((claims["iat"].as_i64().unwrap() - now).abs() < 5);
    assert!(claims["auth_time"].as_i64().is_some());

    let res = get_resource(&sim, &http, &key, "/userinfo", access, None).await;
    assert_eq!(res.status(), 200);
    let info: Value = res.json().await.unwrap();
    assert_eq!(info["sub"], "citizen-01");
    assert_eq!(info["name"], sim.fixtures().citizen("citizen-01").unwrap().name);

    // City API.
    let res = get_resource(&sim, &http, &key, "/api/v1/identities", access, None).await;
    assert_eq!(res.status(), 200);
    let ids: Value = res.json().await.unwrap();
    let ids = ids["identities"].as_array().unwrap();
    assert_eq!(ids[0]["id"], "citizen-01");
    assert_eq!(ids[0]["kind"], "person");
    let roles: Vec<(&str, &str)> = ids[1..]
        .iter()
        .map(|i| {
            assert_eq!(i["kind"], "enterprise");
            assert_eq!(i["uscc"].as_str().unwrap().len(), 18);
            (i["id"].as_str().unwrap(), i["role"].as_str().unwrap())
        })
        .collect();
    assert!(roles.contains(&("enterprise-01", "legal_representative")));
    assert!(roles.contains(&("enterprise-02", "agent")));

    let res = get_resource(&sim, &http, &key, "/api/v1/me", access, None).await;
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["acting_as"]["id"], "citizen-01");
    assert_eq!(me["acting_as"]["kind"], "person");
    assert_eq!(me["person"]["id"], "citizen-01");
    let res = get_resource(&sim, &http, &key, "/api/v1/me", access, Some("enterprise-02")).await;
    assert_eq!(res.status(), 200);
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["acting_as"]["id"], "enterprise-02");
    assert_eq!(me["acting_as"]["kind"], "enterprise");
    assert_eq!(me["acting_as"]["name"], sim.fixtures().enterprise("enterprise-02").unwrap().name);
    assert_eq!(me["person"]["id"], "citizen-01");
    sim.shutdown().await;
}

#[tokio::test]
async fn acting_for_an_enterprise_one_is_not_agent_of_is_forbidden() {
    let (sim, http) = start().await;
    let key = DpopKey::new();
    let t = login(&sim, &http, &key, "citizen-01").await;
    for path in ["/api/v1/me", "/api/v1/identities"] {
        let res = get_resource(&sim, &http, &key, path, &t.access, Some("enterprise-03")).await;
        assert_eq!(res.status(), 403);
        assert_eq!(error_code(res).await, "not_an_agent");
    }
    let res = get_resource(&sim, &http, &key, "/api/v1/me", &t.access, Some("enterprise-99")).await;
    assert_eq!(res.status(), 403);
    // A citizen who acts for nobody.
    let key2 = DpopKey::new();
    let t2 = login(&sim, &http, &key2, "citizen-03").await;
    let res = get_resource(&sim, &http, &key2, "/api/v1/me", &t2.access, Some("enterprise-02")).await;
    assert_eq!(res.status(), 403);
    sim.shutdown().await;
}

#[tokio::test]
async fn pkce_mismatch_is_invalid_grant() {
    let (sim, http) = start().await;
    let key = DpopKey::new();
    let (_auth, code) = code_for(&sim, &http, "citizen-02").await;
    let wrong = Pkce::new();
    let res = redeem(&sim, &http, &key, &code, &wrong.verifier).await;
    assert_eq!(res.status(), 400);
    assert_eq!(error_code(res).await, "invalid_grant");
    sim.shutdown().await;
}

#[tokio::test]
async fn expired_code_is_invalid_grant() {
    let config = SimConfig { code_ttl: Duration::from_millis(50), ..SimConfig::default() };
    let (sim, http) = start_with(config).await;
    let key = DpopKey::new();
    let (auth, code) = code_for(&sim, &http, "citizen-02").await;
    tokio::time::sleep(Duration::from_millis(120)).await;
    let res = redeem(&sim, &http, &key, &code, &auth.pkce.verifier).await;
    assert_eq!(res.status(), 400);
    assert_eq!(error_code(res).await, "invalid_grant");
    sim.shutdown().await;
}

#[tokio::test]
async fn replayed_code_fails_and_revokes_what_it_issued() {
    let (sim, http) = start().await;
    let key = DpopKey::new();
    let (auth, code) = code_for(&sim, &http, "citizen-04").await;
    let res = redeem(&sim, &http, &key, &code, &auth.pkce.verifier).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let access = body["access_token"].as_str().unwrap().to_owned();
    let refresh_token = body["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(get_resource(&sim, &http, &key, "/userinfo", &access, None).await.status(), 200);

    let res = redeem(&sim, &http, &key, &code, &auth.pkce.verifier).await;
    assert_eq!(res.status(), 400);
    assert_eq!(error_code(res).await, "invalid_grant");

    let res = get_resource(&sim, &http, &key, "/userinfo", &access, None).await;
    assert_eq!(res.status(), 401);
    assert!(www_authenticate(&res).contains("error=\"invalid_token\""));
    let res = refresh(&sim, &http, &key, &refresh_token).await;
    assert_eq!(res.status(), 400);
    assert_eq!(sim.stats().family_revocations, 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn dpop_proofs_are_required_and_checked() {
    let (sim, http) = start().await;
    let issuer = sim.issuer();
    let key = DpopKey::new();
    let (auth, code) = code_for(&sim, &http, "citizen-05").await;
    let code_form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", DEMO_REDIRECT_URI),
        ("client_id", DEMO_CLIENT_ID),
        ("code_verifier", auth.pkce.verifier.as_str()),
    ];
    let token_url = format!("{issuer}/token");
    // Missing proof at the token endpoint (the code is not used up by it).
    let res = token_request(&sim, &http, None, &code_form).await;
    assert_eq!(res.status(), 400);
    assert_eq!(error_code(res).await, "invalid_dpop_proof");
    // Wrong htm, wrong htu, stale iat, typ missing, private key in header.
    let bad_proofs = [
        key.proof("GET", &token_url, None),
        key.proof("POST", &format!("{issuer}/par"), None),
        key.proof("POST", "https://localhost:1/token", None),
        key.proof_with("POST", &token_url, None, "stale", now() - 300),
        key.sign(
            &serde_json::json!({"alg": "ES256", "jwk": key.jwk()}),
            &serde_json::json!({"jti": "x", "htm": "POST", "htu": token_url, "iat": now()}),
        ),
        key.sign(
            &serde_json::json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": {"kty": "EC", "crv": "P-256", "x": key.x, "y": key.y, "d": "AAAA"}}),
            &serde_json::json!({"jti": "y", "htm": "POST", "htu": token_url, "iat": now()}),
        ),
        // Signed by another key than the one in the header.
        {
            let other = DpopKey::new();
            let p = other.proof("POST", &token_url, None);
            let mut parts: Vec<String> = p.split('.').map(str::to_owned).collect();
            parts[0] = key.proof("POST", &token_url, None).split('.').next().unwrap().to_owned();
            parts.join(".")
        },
    ];
    for (i, proof) in bad_proofs.into_iter().enumerate() {
        let res = token_request(&sim, &http, Some(proof), &code_form).await;
        assert_eq!(res.status(), 400, "bad proof {i}");
        assert_eq!(error_code(res).await, "invalid_dpop_proof", "bad proof {i}");
    }
    // A query string on htu is ignored.
    let ok = key.proof("POST", &format!("{token_url}?x=1"), None);
    let res = token_request(&sim, &http, Some(ok), &code_form).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let access = body["access_token"].as_str().unwrap().to_owned();
    let userinfo = format!("{issuer}/userinfo");

    // Missing proof on a resource request.
    let res = http.get(&userinfo).header("Authorization", format!("DPoP {access}")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert!(www_authenticate(&res).contains("error=\"invalid_dpop_proof\""));
    // Proof by a different key than the token is bound to.
    let other = DpopKey::new();
    let res = get_resource(&sim, &http, &other, "/userinfo", &access, None).await;
    assert_eq!(res.status(), 401);
    assert!(www_authenticate(&res).contains("error=\"invalid_dpop_proof\""));
    // Proof without ath.
    let res = http
        .get(&userinfo)
        .header("Authorization", format!("DPoP {access}"))
        .header("DPoP", key.proof("GET", &userinfo, None))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    // Bearer scheme for a DPoP-bound token.
    let res = http
        .get(&userinfo)
        .header("Authorization", format!("Bearer {access}"))
        .header("DPoP", key.proof("GET", &userinfo, Some(&access)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert!(www_authenticate(&res).contains("invalid_token"));
    // Replayed jti: the same proof twice.
    let proof = key.proof("GET", &userinfo, Some(&access));
    let send = |p: String| http.get(&userinfo).header("Authorization", format!("DPoP {access}")).header("DPoP", p).send();
    assert_eq!(send(proof.clone()).await.unwrap().status(), 200);
    let res = send(proof).await.unwrap();
    assert_eq!(res.status(), 401);
    assert!(www_authenticate(&res).contains("error=\"invalid_dpop_proof\""));
    // Unknown token.
    let res = get_resource(&sim, &http, &key, "/userinfo", "not-a-token", None).await;
    assert_eq!(res.status(), 401);
    assert!(www_authenticate(&res).contains("error=\"invalid_token\""));
    sim.shutdown().await;
}

#[tokio::test]
async fn replayed_jti_at_token_endpoint_is_refused() {
    let (sim, http) = start().await;
    let key = DpopKey::new();
    let t = login(&sim, &http, &key, "citizen-06").await;
    let proof = key.proof("POST", &format!("{}/token", sim.issuer()), None);
    let form = [("grant_type", "refresh_token"), ("refresh_token", t.refresh.as_str()), ("client_id", DEMO_CLIENT_ID)];
    let res = token_request(&sim, &http, Some(proof.clone()), &form).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let new_refresh = body["refresh_token"].as_str().unwrap();
    let form = [("grant_type", "refresh_token"), ("refresh_token", new_refresh), ("client_id", DEMO_CLIENT_ID)];
    let res = token_request(&sim, &http, Some(proof), &form).await;
    assert_eq!(res.status(), 400);
    assert_eq!(error_code(res).await, "invalid_dpop_proof");
    // The refused replay did not use up the new refresh token.
    assert_eq!(refresh(&sim, &http, &key, new_refresh).await.status(), 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn dpop_jkt_at_par_binds_the_code() {
    let (sim, http) = start().await;
    let key = DpopKey::new();
    let other = DpopKey::new();
    let jkt = key.jkt();
    let auth = par(&sim, &http, &[("dpop_jkt", jkt.as_str())]).await;
    let location = sim.authorize_as(&auth.authorization_url, "citizen-07").await.unwrap();
    let code = location_params(&location)["code"].clone();
    let res = redeem(&sim, &http, &other, &code, &auth.pkce.verifier).await;
    assert_eq!(res.status(), 400);
    assert_eq!(error_code(res).await, "invalid_dpop_proof");
    let res = redeem(&sim, &http, &key, &code, &auth.pkce.verifier).await;
    assert_eq!(res.status(), 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let (sim, http) = start().await;
    let key = DpopKey::new();
    let t = login(&sim, &http, &key, "citizen-08").await;

    let res = refresh(&sim, &http, &key, &t.refresh).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = res.json().await.unwrap();
    assert!(body.get("id_token").is_none());
    assert_eq!(body["token_type"], "DPoP");
    let access2 = body["access_token"].as_str().unwrap().to_owned();
    let refresh2 = body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(refresh2, t.refresh);
    assert_eq!(get_resource(&sim, &http, &key, "/userinfo", &access2, None).await.status(), 200);

    // A refresh token bound to one key cannot be used with another.
    let other = DpopKey::new();
    let res = refresh(&sim, &http, &other, &refresh2).await;
    assert_eq!(res.status(), 400);
    assert_eq!(error_code(res).await, "invalid_dpop_proof");

    // Reuse of the rotated token: theft. The whole family dies.
    let res = refresh(&sim, &http, &key, &t.refresh).await;
    assert_eq!(res.status(), 400);
    assert_eq!(error_code(res).await, "invalid_grant");
    let res = refresh(&sim, &http, &key, &refresh2).await;
    assert_eq!(res.status(), 400);
    assert_eq!(error_code(res).await, "invalid_grant");
    assert_eq!(get_resource(&sim, &http, &key, "/userinfo", &access2, None).await.status(), 401);
    assert_eq!(get_resource(&sim, &http, &key, "/userinfo", &t.access, None).await.status(), 401);

    let stats = sim.stats();
    assert_eq!(stats.family_revocations, 1);
    assert_eq!(stats.refresh_grants, 4);
    sim.shutdown().await;
}

#[tokio::test]
async fn expired_access_tokens_are_refused_and_refresh_recovers() {
    let (sim, http) = start().await;
    let key = DpopKey::new();
    let t = login(&sim, &http, &key, "citizen-09").await;
    assert_eq!(get_resource(&sim, &http, &key, "/userinfo", &t.access, None).await.status(), 200);
    let res = http.post(format!("{}/sim/expire-access-tokens", sim.issuer())).send().await.unwrap();
    assert!(res.status().is_success());
    let res = get_resource(&sim, &http, &key, "/userinfo", &t.access, None).await;
    assert_eq!(res.status(), 401);
    assert!(www_authenticate(&res).contains("error=\"invalid_token\""));
    let body: Value = refresh(&sim, &http, &key, &t.refresh).await.json().await.unwrap();
    let access = body["access_token"].as_str().unwrap();
    assert_eq!(get_resource(&sim, &http, &key, "/userinfo", access, None).await.status(), 200);
    sim.expire_access_tokens();
    assert_eq!(get_resource(&sim, &http, &key, "/userinfo", access, None).await.status(), 401);
    sim.shutdown().await;
}

#[tokio::test]
async fn short_access_token_ttl() {
    let config = SimConfig { access_token_ttl: Duration::from_secs(1), ..SimConfig::default() };
    let (sim, http) = start_with(config).await;
    let key = DpopKey::new();
    let t = login(&sim, &http, &key, "citizen-10").await;
    assert_eq!(get_resource(&sim, &http, &key, "/userinfo", &t.access, None).await.status(), 200);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(get_resource(&sim, &http, &key, "/userinfo", &t.access, None).await.status(), 401);
    sim.shutdown().await;
}

#[tokio::test]
async fn revoke_access_and_refresh_tokens() {
    let (sim, http) = start().await;
    let key = DpopKey::new();
    let revoke = |token: String, hint: &'static str| {
        http.post(format!("{}/revoke", sim.issuer()))
            .form(&[("token", token.as_str()), ("token_type_hint", hint), ("client_id", DEMO_CLIENT_ID)])
            .send()
    };
    let t = login(&sim, &http, &key, "citizen-11").await;
    assert_eq!(revoke(t.access.clone(), "access_token").await.unwrap().status(), 200);
    assert_eq!(get_resource(&sim, &http, &key, "/userinfo", &t.access, None).await.status(), 401);
    // Refresh still works after revoking only the access token.
    let body: Value = refresh(&sim, &http, &key, &t.refresh).await.json().await.unwrap();
    let access2 = body["access_token"].as_str().unwrap().to_owned();
    let refresh2 = body["refresh_token"].as_str().unwrap().to_owned();
    // Revoking the refresh token revokes the family and its access tokens.
    assert_eq!(revoke(refresh2.clone(), "refresh_token").await.unwrap().status(), 200);
    assert_eq!(refresh(&sim, &http, &key, &refresh2).await.status(), 400);
    assert_eq!(get_resource(&sim, &http, &key, "/userinfo", &access2, None).await.status(), 401);
    // Unknown tokens: still 200.
    assert_eq!(revoke("nonsense".into(), "refresh_token").await.unwrap().status(), 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn fail_next_answers_exactly_n_times_and_stats_count() {
    let (sim, http) = start().await;
    let issuer = sim.issuer();
    let discovery = format!("{issuer}/.well-known/openid-configuration");
    let res = http
        .post(format!("{issuer}/sim/faults"))
        .json(&serde_json::json!({"fail_next": {"path": "/.well-known/openid-configuration", "status": 500, "count": 2}}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(http.get(&discovery).send().await.unwrap().status().as_u16());
    }
    assert_eq!(statuses, [500, 500, 200, 200]);

    // In-process, any method, and faults add up.
    sim.set_fault(Fault::FailNext { path: "/jwks".into(), status: 503, count: 1 });
    sim.set_fault(Fault::FailNext { path: "/jwks".into(), status: 502, count: 1 });
    let jwks = format!("{issuer}/jwks");
    assert_eq!(http.post(&jwks).send().await.unwrap().status(), 503);
    assert_eq!(http.get(&jwks).send().await.unwrap().status(), 502);
    assert_eq!(http.get(&jwks).send().await.unwrap().status(), 200);

    // Clearing removes pending failures.
    sim.set_fault(Fault::FailNext { path: "/jwks".into(), status: 500, count: 5 });
    let res = http.delete(format!("{issuer}/sim/faults")).send().await.unwrap();
    assert!(res.status().is_success());
    assert_eq!(http.get(&jwks).send().await.unwrap().status(), 200);

    let stats: Value = http.get(format!("{issuer}/sim/stats")).send().await.unwrap().json().await.unwrap();
    assert_eq!(stats["requests"]["/.well-known/openid-configuration"], 4);
    assert_eq!(stats["requests"]["/jwks"], 4);
    assert_eq!(stats["requests"]["/sim/faults"], 2);
    assert_eq!(stats["requests"]["/sim/stats"], 1);
    assert_eq!(stats["refresh_grants"], 0);
    assert_eq!(stats["family_revocations"], 0);
    let _ = http.get(format!("{issuer}/nowhere?x=1")).send().await.unwrap();
    let s = sim.stats();
    assert_eq!(s.requests_to("/sim/stats"), 1);
    assert_eq!(s.requests_to("/nowhere"), 1);
    assert_eq!(s.requests_to("/jwks"), 4);

    // Bad fault bodies are refused.
    let res = http.post(format!("{issuer}/sim/faults")).json(&serde_json::json!({"bogus": 1})).send().await.unwrap();
    assert_eq!(res.status(), 400);
    sim.shutdown().await;
}

#[tokio::test]
async fn delay_fault_delays_the_path() {
    let (sim, http) = start().await;
    let issuer = sim.issuer();
    let res =
        http.post(format!("{issuer}/sim/faults")).json(&Fault::Delay { path: "/jwks".into(), millis: 300 }.to_json()).send().await.unwrap();
    assert!(res.status().is_success());
    let t0 = Instant::now();
    assert_eq!(http.get(format!("{issuer}/jwks")).send().await.unwrap().status(), 200);
    assert!(t0.elapsed() >= Duration::from_millis(300));
    let t0 = Instant::now();
    assert_eq!(http.get(format!("{issuer}/.well-known/openid-configuration")).send().await.unwrap().status(), 200);
    assert!(t0.elapsed() < Duration::from_millis(300));
    sim.clear_faults();
    sim.shutdown().await;
}

#[tokio::test]
async fn id_token_faults() {
    let (sim, http) = start().await;
    let jwks: Value = http.get(format!("{}/jwks", sim.issuer())).send().await.unwrap().json().await.unwrap();
    let jwk = jwks["keys"][0].clone();
    for fault in [
        IdTokenFault::TamperSignature,
        IdTokenFault::WrongAudience,
        IdTokenFault::Expired,
        IdTokenFault::WrongNonce,
        IdTokenFault::WrongIssuer,
    ] {
        sim.clear_faults();
        let res = http.post(format!("{}/sim/faults", sim.issuer())).json(&Fault::IdToken(fault).to_json()).send().await.unwrap();
        assert!(res.status().is_success());
        let key = DpopKey::new();
        let t = login(&sim, &http, &key, "citizen-12").await;
        let claims = jwt_claims(&t.id_token);
        let now = now();
        assert_eq!(verify_es256(&t.id_token, &jwk), fault != IdTokenFault::TamperSignature, "{fault:?}");
        assert_eq!(claims["aud"] == DEMO_CLIENT_ID, fault != IdTokenFault::WrongAudience, "{fault:?}");
        assert_eq!(claims["iss"] == sim.issuer().as_str(), fault != IdTokenFault::WrongIssuer, "{fault:?}");
        assert_eq!(claims["nonce"] == t.nonce.as_str(), fault != IdTokenFault::WrongNonce, "{fault:?}");
        assert_eq!(claims["exp"].as_i64().unwrap() > now, fault != IdTokenFault::Expired, "{fault:?}");
        if fault == IdTokenFault::Expired {
            assert!(claims["iat"].as_i64().unwrap() < now - 3600);
        }
    }
    sim.clear_faults();
    let key = DpopKey::new();
    let t = login(&sim, &http, &key, "citizen-12").await;
    assert!(verify_es256(&t.id_token, &jwk));
    sim.shutdown().await;
}

#[tokio::test]
async fn deny_authorization_redirects_with_access_denied() {
    let (sim, http) = start().await;
    let res =
        http.post(format!("{}/sim/faults", sim.issuer())).json(&serde_json::json!({"deny_authorization": true})).send().await.unwrap();
    assert!(res.status().is_success());
    let auth = par(&sim, &http, &[]).await;
    let location = sim.authorize_as(&auth.authorization_url, "citizen-13").await.unwrap();
    let params = location_params(&location);
    assert_eq!(params["error"], "access_denied");
    assert_eq!(params["state"], auth.state);
    assert_eq!(params["iss"], sim.issuer());
    assert!(!params.contains_key("code"));
    sim.clear_faults();
    let (_auth, _code) = code_for(&sim, &http, "citizen-13").await;
    sim.shutdown().await;
}

#[tokio::test]
async fn authorize_rejects_unknown_request_and_user() {
    let (sim, http) = start().await;
    let auth = par(&sim, &http, &[]).await;
    assert!(sim.authorize_as(&auth.authorization_url, "citizen-99").await.is_err());
    // The unknown user did not use up the request.
    assert!(sim.authorize_as(&auth.authorization_url, "citizen-14").await.is_ok());
    let res = http.get(format!("{}/authorize?client_id={DEMO_CLIENT_ID}&request_uri=urn%3Ax", sim.issuer())).send().await.unwrap();
    assert_eq!(res.status(), 400);
    sim.shutdown().await;
}

#[tokio::test]
async fn test_mode_off_requires_the_form() {
    let config = SimConfig { test_mode: false, ..SimConfig::default() };
    let (sim, http) = start_with(config).await;
    let auth = par(&sim, &http, &[]).await;
    assert!(sim.authorize_as(&auth.authorization_url, "citizen-15").await.is_err());
    let page = http.get(&auth.authorization_url).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("method=\"post\""));
    let q = location_params(&auth.authorization_url);
    let res = http
        .post(format!("{}/authorize", sim.issuer()))
        .form(&[("client_id", q["client_id"].as_str()), ("request_uri", q["request_uri"].as_str()), ("user", "citizen-15")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    let location = res.headers()["location"].to_str().unwrap();
    assert!(location_params(location).contains_key("code"));
    sim.shutdown().await;
}

#[tokio::test]
async fn state_dir_and_fixed_port() {
    let dir = tempfile::tempdir().unwrap();
    let config = SimConfig { state_dir: Some(dir.path().join("sim")), ..SimConfig::default() };
    let (sim, http) = start_with(config).await;
    assert_eq!(sim.ca_cert_path(), dir.path().join("sim").join("ca.pem"));
    assert!(sim.ca_cert_path().exists());
    let port = sim.local_addr().port();
    sim.shutdown().await;
    drop(http);
    // The port is free again after shutdown.
    let config = SimConfig { port, ..SimConfig::default() };
    let sim = Simulator::start(config).await.unwrap();
    assert_eq!(sim.issuer(), format!("https://127.0.0.1:{port}"));
    sim.shutdown().await;
}
