//! Test helpers: an independent DPoP client (p256), PKCE, and a login helper.
#![allow(dead_code, missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use citykit_sim::server::{DEMO_CLIENT_ID, DEMO_REDIRECT_URI};
use citykit_sim::SimHandle;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use rand::RngCore as _;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::CertificateDer;
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

pub fn b64u(b: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(b)
}

pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

pub fn random_b64u() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b64u(b)
}

/// A device key that makes DPoP proofs.
pub struct DpopKey {
    sk: SigningKey,
    pub x: String,
    pub y: String,
}

impl DpopKey {
    pub fn new() -> DpopKey {
        let sk = SigningKey::random(&mut rand::rngs::OsRng);
        let p = sk.verifying_key().to_encoded_point(false);
        let x = b64u(p.x().unwrap());
        let y = b64u(p.y().unwrap());
        DpopKey { sk, x, y }
    }

    pub fn jkt(&self) -> String {
        let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#, self.x, self.y);
        b64u(Sha256::digest(canonical.as_bytes()))
    }

    pub fn jwk(&self) -> Value {
        json!({"kty": "EC", "crv": "P-256", "x": self.x, "y": self.y})
    }

    pub fn sign(&self, header: &Value, claims: &Value) -> String {
        let input = format!("{}.{}", b64u(header.to_string()), b64u(claims.to_string()));
        let sig: Signature = self.sk.sign(input.as_bytes());
        format!("{input}.{}", b64u(sig.to_bytes()))
    }

    pub fn proof_with(&self, method: &str, url: &str, token: Option<&str>, jti: &str, iat: i64) -> String {
        let header = json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": self.jwk()});
        let mut claims = json!({"jti": jti, "htm": method, "htu": url, "iat": iat});
        if let Some(t) = token {
            claims["ath"] = json!(b64u(Sha256::digest(t.as_bytes())));
        }
        self.sign(&header, &claims)
    }

    pub fn proof(&self, method: &str, url: &str, token: Option<&str>) -> String {
        self.proof_with(method, url, token, &random_b64u(), now())
    }
}

pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

impl Pkce {
    pub fn new() -> Pkce {
        let verifier = random_b64u();
        let challenge = b64u(Sha256::digest(verifier.as_bytes()));
        Pkce { verifier, challenge }
    }
}

/// A reqwest client that trusts only the CA read back from `ca.pem` on disk.
pub fn http(sim: &SimHandle) -> reqwest::Client {
    let ca = CertificateDer::from_pem_file(sim.ca_cert_path()).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder().tls_backend_preconfigured(config).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

pub struct Authorization {
    pub pkce: Pkce,
    pub state: String,
    pub nonce: String,
    pub authorization_url: String,
}

/// Pushes an authorization request with S256 PKCE and returns the authorization URL.
pub async fn par(sim: &SimHandle, http: &reqwest::Client, extra: &[(&str, &str)]) -> Authorization {
    let pkce = Pkce::new();
    let state = random_b64u();
    let nonce = random_b64u();
    let mut form = vec![
        ("client_id", DEMO_CLIENT_ID),
        ("response_type", "code"),
        ("redirect_uri", DEMO_REDIRECT_URI),
        ("scope", "openid profile"),
        ("state", state.as_str()),
        ("nonce", nonce.as_str()),
        ("code_challenge", pkce.challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    form.extend_from_slice(extra);
    let res = http.post(format!("{}/par", sim.issuer())).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    let request_uri = body["request_uri"].as_str().unwrap().to_owned();
    assert!(body["expires_in"].as_u64().unwrap() > 0);
    let mut url = url::Url::parse(&format!("{}/authorize", sim.issuer())).unwrap();
    url.query_pairs_mut().append_pair("client_id", DEMO_CLIENT_ID).append_pair("request_uri", &request_uri);
    Authorization { pkce, state, nonce, authorization_url: url.to_string() }
}

/// Query parameters of a redirect Location.
pub fn location_params(location: &str) -> std::collections::HashMap<String, String> {
    url::Url::parse(location).unwrap().query_pairs().into_owned().collect()
}

/// Signs `citizen` in and returns (authorization, code).
pub async fn code_for(sim: &SimHandle, http: &reqwest::Client, citizen: &str) -> (Authorization, String) {
    let auth = par(sim, http, &[]).await;
    let location = sim.authorize_as(&auth.authorization_url, citizen).await.unwrap();
    assert!(location.starts_with(DEMO_REDIRECT_URI), "{location}");
    let params = location_params(&location);
    assert_eq!(params.get("state"), Some(&auth.state));
    assert_eq!(params.get("iss"), Some(&sim.issuer()));
    let code = params.get("code").unwrap().clone();
    (auth, code)
}

pub async fn token_request(sim: &SimHandle, http: &reqwest::Client, proof: Option<String>, form: &[(&str, &str)]) -> reqwest::Response {
    let mut req = http.post(format!("{}/token", sim.issuer())).form(form);
    if let Some(p) = proof {
        req = req.header("DPoP", p);
    }
    req.send().await.unwrap()
}

pub async fn redeem(sim: &SimHandle, http: &reqwest::Client, key: &DpopKey, code: &str, verifier: &str) -> reqwest::Response {
    let proof = key.proof("POST", &format!("{}/token", sim.issuer()), None);
    token_request(
        sim,
        http,
        Some(proof),
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", DEMO_REDIRECT_URI),
            ("client_id", DEMO_CLIENT_ID),
            ("code_verifier", verifier),
        ],
    )
    .await
}

pub async fn refresh(sim: &SimHandle, http: &reqwest::Client, key: &DpopKey, refresh_token: &str) -> reqwest::Response {
    let proof = key.proof("POST", &format!("{}/token", sim.issuer()), None);
    token_request(
        sim,
        http,
        Some(proof),
        &[("grant_type", "refresh_token"), ("refresh_token", refresh_token), ("client_id", DEMO_CLIENT_ID)],
    )
    .await
}

pub struct Tokens {
    pub access: String,
    pub refresh: String,
    pub id_token: String,
    pub nonce: String,
}

/// The whole code flow for `citizen`, bound to `key`.
pub async fn login(sim: &SimHandle, http: &reqwest::Client, key: &DpopKey, citizen: &str) -> Tokens {
    let (auth, code) = code_for(sim, http, citizen).await;
    let res = redeem(sim, http, key, &code, &auth.pkce.verifier).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    Tokens {
        access: body["access_token"].as_str().unwrap().to_owned(),
        refresh: body["refresh_token"].as_str().unwrap().to_owned(),
        id_token: body["id_token"].as_str().unwrap_or_default().to_owned(),
        nonce: auth.nonce,
    }
}

/// A resource request with `Authorization: DPoP` and a proof made by `key` (with `ath`).
pub async fn get_resource(
    sim: &SimHandle,
    http: &reqwest::Client,
    key: &DpopKey,
    path: &str,
    token: &str,
    acting_for: Option<&str>,
) -> reqwest::Response {
    let url = format!("{}{}", sim.issuer(), path);
    let mut req = http.get(&url).header("Authorization", format!("DPoP {token}")).header("DPoP", key.proof("GET", &url, Some(token)));
    if let Some(e) = acting_for {
        req = req.header("CityKit-Acting-For", e);
    }
    req.send().await.unwrap()
}

pub fn www_authenticate(res: &reqwest::Response) -> String {
    res.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

pub async fn error_code(res: reqwest::Response) -> String {
    let body: Value = res.json().await.unwrap();
    body["error"].as_str().unwrap_or_default().to_owned()
}

/// Decodes the claims of a compact JWS without verifying it.
pub fn jwt_claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// Verifies an ES256 compact JWS against a JWK (x, y).
pub fn verify_es256(jwt: &str, jwk: &Value) -> bool {
    use p256::ecdsa::signature::Verifier as _;
    let x = URL_SAFE_NO_PAD.decode(jwk["x"].as_str().unwrap()).unwrap();
    let y = URL_SAFE_NO_PAD.decode(jwk["y"].as_str().unwrap()).unwrap();
    let mut sec1 = vec![4u8];
    sec1.extend(x);
    sec1.extend(y);
    let vk = p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1).unwrap();
    let (input, sig) = jwt.rsplit_once('.').unwrap();
    let Ok(sig) = Signature::from_slice(&URL_SAFE_NO_PAD.decode(sig).unwrap()) else {
        return false;
    };
    vk.verify(input.as_bytes(), &sig).is_ok()
}
