//! SD-JWT licences and presentations (RFC 9901) as they arrive from issuers and from a scanned
//! QR code: parsing, disclosure processing, the holder key, key binding, status lists, and
//! verifier mode. Never panics; a parsed SD-JWT re-serialises to what it was parsed from; a
//! presentation is accepted once (a replay is refused) and never an hour later.
//!
//! Trust: the RFC 9901 example issuer, the simulator's offices as they were when the seeds were
//! made (`fuzz/trust/simulator.json`: keys and status lists), and the harness's own issuer. The
//! verifier takes its audience and time from the key-binding JWT, so a genuine seed passes every
//! check and mutations start from the end of the path rather than at the first refusal.
//!
//! Shorthand (signed by the harness, see `common/signing.rs`): an input whose first `~` part is
//! JSON is an SD-JWT the harness issues: that JSON is the payload (`cnf` added when missing; a
//! string `#N` becomes the digest of disclosure N, also inside earlier disclosures), a part
//! starting with `[` is a disclosure's JSON, and a last part starting with `{` is the key-binding JWT's claims (`sd_hash` added when
//! missing), signed with the holder key.
#![no_main]

#[path = "common/signing.rs"]
mod signing;

use std::collections::HashMap;
use std::sync::OnceLock;

use citykit_core::crypto::jose::{CompactJws, EcJwk};
use citykit_core::wallet::qr;
use citykit_core::wallet::sd_jwt::SdJwt;
use citykit_core::wallet::status::StatusList;
use citykit_core::wallet::{TrustedIssuer, Verifier};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use signing::Signer;

/// The RFC 9901 §5.2 key-binding JWT's `iat` and audience.
const KB_IAT: i64 = 1_748_537_244;
const RFC_AUDIENCE: &str = "https://verifier.example.org";
/// The RFC 9901 Appendix A.5 issuer key (test-fixtures/vectors/rfc9901/issuer-key.json).
const RFC_ISSUER_KEY: &str = r#"{"kty": "EC", "crv": "P-256", "x": "b28d4MwZMjw8-00CG4xfnn9SLMVMM19SlqZpVb_uNtQ", "y": "Xv5zWwuoaTgdS6hV43yI6gBwTnjukmFQQnJ_kCxzqk8"}"#;
const SIMULATOR: &str = include_str!("../trust/simulator.json");
/// The harness issuer's identifier.
const FUZZ_ISSUER: &str = "https://fuzz.example";
/// Times outside this are not a clock a caller has (the year 2100).
const LATEST: i64 = 4_102_444_800;

struct Trust {
    issuers: Vec<TrustedIssuer>,
    status_lists: HashMap<String, String>,
    all_keys: Vec<EcJwk>,
    issuer: Option<Signer>,
    holder: Option<Signer>,
}

fn trust() -> &'static Trust {
    static TRUST: OnceLock<Trust> = OnceLock::new();
    TRUST.get_or_init(|| {
        let sim: Value = serde_json::from_str(SIMULATOR).unwrap_or_default();
        let mut issuers = TrustedIssuer::parse_list(&format!(r#"{{"keys":[{RFC_ISSUER_KEY}]}}"#)).unwrap_or_default();
        issuers.extend(TrustedIssuer::parse_list(&sim["issuers"].to_string()).unwrap_or_default());
        let issuer = Signer::new(Some("fuzz-issuer"));
        if let Some(signer) = &issuer {
            issuers.push(TrustedIssuer { issuer: FUZZ_ISSUER.into(), keys: vec![signer.jwk.clone()] });
        }
        let status_lists = serde_json::from_value(sim["status_lists"].clone()).unwrap_or_default();
        let all_keys = issuers.iter().flat_map(|t| t.keys.clone()).collect();
        Trust { issuers, status_lists, all_keys, issuer, holder: Signer::new(None) }
    })
}

/// Replaces every string `#N` in `value` with `digests[N]`, when that is known.
fn fill_digests(value: &mut Value, digests: &[Option<String>]) {
    match value {
        Value::String(s) => {
            if let Some(d) = s.strip_prefix('#').and_then(|n| n.parse::<usize>().ok()).and_then(|n| digests.get(n)).and_then(Option::as_ref) {
                *s = d.clone();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| fill_digests(v, digests)),
        Value::Object(map) => map.values_mut().for_each(|v| fill_digests(v, digests)),
        _ => {}
    }
}

/// The SD-JWT the shorthand in `text` describes, signed; None when `text` is not shorthand.
fn issue(text: &str, trust: &Trust) -> Option<String> {
    let (issuer, holder) = (trust.issuer.as_ref()?, trust.holder.as_ref()?);
    let parts: Vec<&str> = text.split('~').collect();
    let (first, rest) = parts.split_first()?;
    let (last, middle) = rest.split_last()?;
    let mut payload: Value = serde_json::from_str(first).ok()?;
    // Last first, so a disclosure can name the digests of those after it (nested disclosures).
    let mut disclosures = vec![String::new(); middle.len()];
    let mut digests: Vec<Option<String>> = vec![None; middle.len()];
    for (i, part) in middle.iter().enumerate().rev() {
        disclosures[i] = match serde_json::from_str::<Value>(part) {
            Ok(mut array @ Value::Array(_)) => {
                fill_digests(&mut array, &digests);
                signing::b64(&array.to_string())
            }
            _ if part.starts_with('[') => signing::b64(part),
            _ => (*part).to_owned(),
        };
        digests[i] = Some(signing::digest(&disclosures[i]));
    }
    fill_digests(&mut payload, &digests);
    payload.as_object_mut()?.entry("cnf").or_insert_with(|| json!({ "jwk": holder.jwk.public_value() }));
    let mut sd = issuer.sign(&json!({"alg": "ES256", "typ": "dc+sd-jwt", "kid": "fuzz-issuer"}), &payload);
    sd.push('~');
    for d in &disclosures {
        sd.push_str(d);
        sd.push('~');
    }
    match serde_json::from_str::<Value>(last) {
        Ok(Value::Object(mut kb)) => {
            kb.entry("sd_hash").or_insert_with(|| Value::String(signing::digest(&sd)));
            let kb_jwt = holder.sign(&json!({"typ": "kb+jwt", "alg": "ES256"}), &Value::Object(kb));
            sd.push_str(&kb_jwt);
        }
        _ => sd.push_str(last),
    }
    Some(sd)
}

fn check(text: &str, trust: &Trust) {
    // Time and audience from the key-binding JWT (the RFC's when there is none).
    let presented = qr::unpack(text).unwrap_or_default();
    let kb = presented.rsplit('~').next().and_then(|kb| CompactJws::parse(kb).ok());
    let claim = |name: &str| kb.as_ref().and_then(|k| k.claims.get(name).cloned());
    let now = claim("iat").and_then(|v| v.as_i64()).filter(|t| (0..=LATEST).contains(t)).unwrap_or(KB_IAT);
    let audience = claim("aud").and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_else(|| RFC_AUDIENCE.to_owned());

    if let Ok(sd) = SdJwt::parse(text) {
        let _ = sd.disclosed_claims();
        let _ = sd.top_level_disclosures();
        let _ = sd.holder_key();
        let _ = sd.verify_key_binding(now, 60, 30);
        let _ = sd.verify_issuer_signature(&trust.all_keys);
        // The SD part re-serialises to what was parsed, and parses again to the same disclosures.
        let sd_part = sd.without_key_binding();
        let all: Vec<_> = sd.disclosures.iter().collect();
        assert_eq!(sd.presentation_prefix(&all), sd_part);
        let again = SdJwt::parse(&sd_part).ok();
        let again = again.as_ref().map(|s| (s.disclosures.as_slice(), s.key_binding_jwt.as_deref()));
        assert_eq!(again, Some((sd.disclosures.as_slice(), None)), "re-parsing the SD part changed it");
    }

    // A status-list token (statuslist+jwt), checked for the URI it names, and lookups in it.
    if let Ok(jws) = CompactJws::parse(text.trim()) {
        let uri = jws.claims.get("sub").and_then(Value::as_str).unwrap_or_default();
        let at = jws.claims.get("iat").and_then(Value::as_i64).filter(|t| (0..=LATEST).contains(t)).unwrap_or(KB_IAT);
        if let Ok(list) = StatusList::verify(text.trim(), uri, &trust.all_keys, at) {
            for index in [0, 1, 7, 8, 1237, u64::from(text.len() as u32) * 3, u64::MAX] {
                let _ = list.status(index);
            }
            // Two days on, a list that says when it expires has expired.
            let late = at + 48 * 3600;
            assert!(list.expires_at.map_or(true, |exp| exp >= late) || StatusList::verify(text.trim(), uri, &trust.all_keys, late).is_err());
        }
    }

    // Verifier mode: trusting no one (refused, but parsed first), and trusting the issuers above
    // with their status lists.
    let _ = Verifier::new(audience.as_str(), vec![]).verify(text, now, &HashMap::new());
    let verifier = Verifier::new(audience.as_str(), trust.issuers.clone());
    if verifier.verify(text, now, &trust.status_lists).is_ok() {
        assert!(verifier.verify(text, now, &trust.status_lists).is_err(), "a replayed presentation was accepted");
    }
    let late = Verifier::new(audience.as_str(), trust.issuers.clone()).verify(text, now + 3600, &trust.status_lists);
    assert!(late.is_err(), "a presentation an hour old was accepted");
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let trust = trust();
    check(text, trust);
    if let Some(issued) = issue(text, trust) {
        check(&issued, trust);
    }
});
