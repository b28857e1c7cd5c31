//! ID tokens (compact JWS) and the key sets they are checked with (a provider's JWKS, a wallet
//! issuer's metadata or bare JWKS), as they arrive from the network.
//!
//! Input: lines `token`, `keys JSON`, then optionally `issuer`, `client_id`, `nonce` and `now`
//! (the expectations), so a seed holding a real token and its key set starts on the path where
//! the signature verifies. Each line is also tried on its own as a JWS and as a key set.
//! A token line that is a JSON object is claims the harness signs (`common/signing.rs`) with a key
//! it adds to the key set, so the claim checks after the signature are fuzzed too.
//! Never panics; a key's SEC1 point makes the same JWK again; only a signed token with the
//! expected issuer, audience and nonce verifies.
#![no_main]

#[path = "common/signing.rs"]
mod signing;

use std::sync::OnceLock;

use citykit_core::crypto::jose::{CompactJws, EcJwk};
use citykit_core::identity::id_token::{self, Expectations};
use citykit_core::wallet::TrustedIssuer;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use signing::Signer;

fn provider() -> Option<&'static Signer> {
    static SIGNER: OnceLock<Option<Signer>> = OnceLock::new();
    SIGNER.get_or_init(|| Signer::new(Some("fuzz-op"))).as_ref()
}

/// Keys from JSON text: a JWKS (`{"keys": […]}`), issuer metadata (`{"jwks": {"keys": […]}}`),
/// an array of JWKs, or one JWK. Members that are not P-256 JWKs are skipped, as the core does.
fn keys_of(text: &str) -> Vec<EcJwk> {
    let Ok(value) = serde_json::from_str::<Value>(text) else { return Vec::new() };
    let list = value
        .get("keys")
        .or_else(|| value.get("jwks").and_then(|j| j.get("keys")))
        .and_then(Value::as_array)
        .cloned()
        .or_else(|| value.as_array().cloned())
        .unwrap_or_else(|| vec![value.clone()]);
    list.into_iter().filter_map(|k| serde_json::from_value(k).ok()).collect()
}

fn check_key(key: &EcJwk) {
    let _ = key.thumbprint();
    let _ = key.public_value();
    if let Ok(point) = key.uncompressed_point() {
        assert_eq!(point.len(), 65);
        let again = EcJwk::from_uncompressed_point(&point);
        assert_eq!(again.as_ref().map(|k| (k.x.as_str(), k.y.as_str())).ok(), Some((key.x.as_str(), key.y.as_str())), "x/y do not round-trip");
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut lines = text.split('\n');
    let token = lines.next().unwrap_or_default().trim();
    let keys_text = lines.next().unwrap_or_default();
    let issuer = lines.next().unwrap_or("https://127.0.0.1:8443").trim();
    let client_id = lines.next().unwrap_or("citykit-demo").trim();
    let nonce = lines.next().unwrap_or_default().trim();
    let now = lines.next().and_then(|n| n.trim().parse::<i64>().ok()).unwrap_or(1_800_000_000);

    for part in text.split('\n') {
        if let Ok(jws) = CompactJws::parse(part.trim()) {
            let _ = (jws.alg(), jws.kid());
        }
        let _ = TrustedIssuer::parse_list(part);
    }
    if let Ok(list) = TrustedIssuer::parse_list(text) {
        list.iter().flat_map(|t| &t.keys).for_each(check_key);
    }

    let mut keys = keys_of(keys_text);
    keys.iter().for_each(check_key);
    let signed;
    let token = match (serde_json::from_str::<Value>(token), provider()) {
        (Ok(claims @ Value::Object(_)), Some(signer)) => {
            keys.push(signer.jwk.clone());
            signed = signer.sign(&json!({"alg": "ES256", "kid": "fuzz-op", "typ": "JWT"}), &claims);
            signed.as_str()
        }
        _ => token,
    };
    let _ = id_token::key_id(token);
    let expect = Expectations { issuer, client_id, nonce, now, max_skew: 60 };
    let verified = id_token::verify(token, &keys, &expect);
    if let (Ok(verified), Ok(jws)) = (&verified, CompactJws::parse(token)) {
        assert!(!verified.subject.is_empty());
        assert_eq!(jws.claims.get("nonce").and_then(Value::as_str), Some(nonce));
        // Only an ES256 token signed by one of the keys, for this client, with these claims, passes.
        assert_eq!(jws.alg(), Some("ES256"));
        assert!(keys.iter().any(|k| jws.verify_es256(k).is_ok()), "verified without a key that signs it");
        assert_eq!(jws.claims.get("iss").and_then(Value::as_str), Some(issuer));
    }
});
