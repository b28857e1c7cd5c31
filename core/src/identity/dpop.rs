//! DPoP proofs (RFC 9449 §4): a fresh JWT per request, signed by the device key, that binds the
//! request (method, URL, access token) to this device.
//!
//! Server-provided nonces (RFC 9449 §8 for the authorization server, §9 for resource servers):
//! a server may demand that proofs carry a nonce it chose. The signer remembers the latest
//! nonce each server (origin) handed out in a `DPoP-Nonce` header, from any answer, and puts it
//! in every later proof to that server. The callers retry a request refused with
//! `use_dpop_nonce` once, with the fresh nonce, and never more.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::json;

use super::AuthError;
use crate::crypto::jose::{self, EcJwk};
use crate::crypto::{random_token, sha256_b64url, DeviceSigner};

/// Makes DPoP proofs with one device key.
#[derive(Clone)]
pub(crate) struct DpopSigner {
    keys: DeviceSigner,
    jwk: EcJwk,
    /// The latest `DPoP-Nonce` of each server, by origin (`https://host:port`).
    nonces: Arc<Mutex<HashMap<String, String>>>,
}

/// The most nonces kept (one per server; a city app talks to a handful).
const MAX_SERVERS: usize = 64;
/// The longest nonce accepted from a server.
const MAX_NONCE_LEN: usize = 512;

/// The origin a nonce belongs to: scheme, host and port of `url`.
fn origin(url: &str) -> Option<String> {
    url::Url::parse(url).ok().map(|u| u.origin().ascii_serialization())
}

impl DpopSigner {
    pub(crate) fn new(keys: DeviceSigner) -> Result<Self, AuthError> {
        let jwk = keys.public_key().and_then(|pk| pk.jwk()).map_err(|e| AuthError::DeviceKey { details: e.to_string() })?;
        Ok(Self { keys, jwk, nonces: Arc::new(Mutex::new(HashMap::new())) })
    }

    /// Remembers the nonce a server handed out in a `DPoP-Nonce` header of an answer to a
    /// request to `url`. True when the answer carried a usable nonce.
    pub(crate) fn remember_nonce(&self, url: &str, headers: &reqwest::header::HeaderMap) -> bool {
        let Some(nonce) = headers.get("DPoP-Nonce").and_then(|v| v.to_str().ok()) else { return false };
        // RFC 9449 §8.1: nonce = 1*NQCHAR (printable ASCII without the double quote).
        let usable = !nonce.is_empty() && nonce.len() <= MAX_NONCE_LEN && nonce.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b'"');
        let (true, Some(origin)) = (usable, origin(url)) else { return false };
        if let Ok(mut nonces) = self.nonces.lock() {
            if nonces.len() >= MAX_SERVERS && !nonces.contains_key(&origin) {
                nonces.clear();
            }
            nonces.insert(origin, nonce.to_owned());
        }
        true
    }

    /// The nonce to put in a proof for `url`, if its server handed one out.
    fn nonce_for(&self, url: &str) -> Option<String> {
        let origin = origin(url)?;
        self.nonces.lock().ok().and_then(|n| n.get(&origin).cloned())
    }

    /// The RFC 7638 thumbprint tokens are bound to (`cnf.jkt`, and `dpop_jkt` at PAR).
    pub(crate) fn thumbprint(&self) -> String {
        self.jwk.thumbprint()
    }

    /// Signs `message` with the device key (ES256 `r || s`) on a blocking worker.
    pub(crate) async fn sign(&self, message: Vec<u8>) -> Result<Vec<u8>, AuthError> {
        let signature = self.keys.sign(message).await.map_err(|e| AuthError::DeviceKey { details: e.to_string() })?;
        if signature.len() != 64 {
            return Err(AuthError::DeviceKey { details: format!("an ES256 signature has 64 bytes, got {}", signature.len()) });
        }
        Ok(signature)
    }

    /// A compact ES256 JWS over `claims` with header `{typ, alg, jwk}` (the device's public key).
    pub(crate) async fn jws(&self, typ: &str, claims: &serde_json::Value) -> Result<String, AuthError> {
        let header = json!({"typ": typ, "alg": "ES256", "jwk": self.jwk.public_value()});
        let input = jose::signing_input(&header, claims);
        let signature = self.sign(input.as_bytes().to_vec()).await?;
        Ok(jose::assemble(&input, &signature))
    }

    /// A proof for `method url`, with `ath` when an access token is presented.
    pub(crate) async fn proof(&self, method: &str, url: &str, access_token: Option<&str>) -> Result<String, AuthError> {
        let htu = htu(url)?;
        let mut claims = json!({
            "jti": random_token(16).map_err(|_| AuthError::DeviceKey { details: "no secure random source".into() })?,
            "htm": method,
            "htu": htu,
            "iat": crate::platform::now_unix_secs(),
        });
        if let Some(token) = access_token {
            claims["ath"] = json!(sha256_b64url(token.as_bytes()));
        }
        if let Some(nonce) = self.nonce_for(url) {
            claims["nonce"] = json!(nonce);
        }
        let header = json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": self.jwk.public_value()});
        let input = jose::signing_input(&header, &claims);
        let signature = self.sign(input.as_bytes().to_vec()).await?;
        Ok(jose::assemble(&input, &signature))
    }
}

/// The `htu` of a URL: without query and fragment (RFC 9449 §4.2).
fn htu(url: &str) -> Result<String, AuthError> {
    let mut parsed = url::Url::parse(url).map_err(|e| AuthError::Protocol { details: format!("bad endpoint URL: {e}") })?;
    parsed.set_query(None);
    parsed.set_fragment(None);
    Ok(parsed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{DeviceKeyError, DeviceKeys, DevicePublicKey};
    use reqwest::header::{HeaderMap, HeaderValue};
    use ring::rand::SystemRandom;
    use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};

    struct TestKey(EcdsaKeyPair);

    impl DeviceKeys for TestKey {
        fn public_key(&self) -> Result<DevicePublicKey, DeviceKeyError> {
            Ok(DevicePublicKey(self.0.public_key().as_ref().to_vec()))
        }
        fn sign(&self, message: &[u8]) -> Result<Vec<u8>, DeviceKeyError> {
            let signature = self.0.sign(&SystemRandom::new(), message).expect("signs");
            Ok(signature.as_ref().to_vec())
        }
    }

    fn signer() -> DpopSigner {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).expect("a key");
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).expect("a key pair");
        DpopSigner::new(DeviceSigner::Keys(Arc::new(TestKey(pair)))).expect("a signer")
    }

    fn claims_of(proof: &str) -> serde_json::Value {
        use base64::Engine;
        let payload = proof.split('.').nth(1).expect("a payload");
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).expect("base64url");
        serde_json::from_slice(&bytes).expect("JSON")
    }

    fn nonce_header(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("DPoP-Nonce", HeaderValue::from_str(value).expect("a header value"));
        headers
    }

    #[tokio::test]
    async fn nonces_are_remembered_per_server_and_the_latest_wins() {
        let signer = signer();
        let proof = signer.proof("POST", "https://id.example/token", None).await.expect("a proof");
        assert!(claims_of(&proof).get("nonce").is_none(), "no nonce before a server gave one");

        assert!(signer.remember_nonce("https://id.example/token", &nonce_header("n-1")));
        assert!(signer.remember_nonce("https://id.example/token", &nonce_header("n-2")));
        let proof = signer.proof("GET", "https://id.example/api/v1/me?x=1", Some("at")).await.expect("a proof");
        assert_eq!(claims_of(&proof)["nonce"], "n-2", "the latest nonce of the same origin");

        let other = signer.proof("GET", "https://api.other.example/me", Some("at")).await.expect("a proof");
        assert!(claims_of(&other).get("nonce").is_none(), "a nonce belongs to its server only");
        let other_port = signer.proof("GET", "https://id.example:8443/me", Some("at")).await.expect("a proof");
        assert!(claims_of(&other_port).get("nonce").is_none(), "another port is another server");
    }

    #[test]
    fn unusable_nonces_are_ignored() {
        let signer = signer();
        assert!(!signer.remember_nonce("https://id.example/token", &HeaderMap::new()));
        assert!(!signer.remember_nonce("https://id.example/token", &nonce_header("")));
        assert!(!signer.remember_nonce("https://id.example/token", &nonce_header("with space")));
        assert!(!signer.remember_nonce("https://id.example/token", &nonce_header("a\"quote")));
        assert!(!signer.remember_nonce("https://id.example/token", &nonce_header(&"x".repeat(MAX_NONCE_LEN + 1))));
        assert!(!signer.remember_nonce("not a url", &nonce_header("n")));
        assert!(signer.nonce_for("https://id.example/token").is_none());
    }
}
