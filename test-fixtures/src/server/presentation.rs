//! Verification of the SD-JWT VC presentations a case carries as materials (RFC 9901 with key
//! binding): the office's signature, the disclosures, the key-binding JWT (holder key = the
//! caller's DPoP key, audience, nonce = the request's `Idempotency-Key`, `sd_hash`, fresh `iat`),
//! validity and status. Written against the simulator's own issuance, independently of the core.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::jose::{self, IdTokenSigner};
use super::licences::LICENCE_OFFICES;

/// Allowed distance of the key-binding JWT's `iat` from now.
pub(crate) const KB_IAT_WINDOW_SECS: i64 = 300;

/// What the simulator knows about an issued licence, found by office and status index.
pub(crate) struct RecordInfo {
    /// Citizen or enterprise id.
    pub(crate) holder: String,
    pub(crate) vct: String,
    pub(crate) licence_number: String,
    /// For a birth medical certificate: the parents' ID numbers.
    pub(crate) parent_id_numbers: Vec<String>,
}

/// What a presentation must match.
pub(crate) struct Context<'a> {
    /// The simulator's issuer URL.
    pub(crate) issuer: &'a str,
    /// One key per licence office.
    pub(crate) office_keys: &'a [IdTokenSigner],
    /// Expected `aud` of the key-binding JWT.
    pub(crate) audience: &'a str,
    /// Expected `nonce` of the key-binding JWT.
    pub(crate) nonce: &'a str,
    /// Thumbprint of the caller's DPoP key: the licence must be bound to it.
    pub(crate) holder_jkt: &'a str,
    /// Unix time (real clock).
    pub(crate) now: i64,
    /// The office issuing a result licence type.
    pub(crate) result_office: &'a dyn Fn(&str) -> Option<usize>,
    /// The licence with this office and status index.
    pub(crate) record: &'a dyn Fn(usize, u32) -> Option<RecordInfo>,
    /// Whether the licence with this office and status index is revoked.
    pub(crate) revoked: &'a dyn Fn(usize, u32) -> bool,
}

/// A presentation that verified.
#[derive(Debug, Clone)]
pub(crate) struct Presented {
    pub(crate) vct: String,
    /// Who the licence was issued to.
    pub(crate) holder: String,
    /// For a birth medical certificate: the parents' ID numbers.
    pub(crate) parent_id_numbers: Vec<String>,
    /// The disclosed claims.
    pub(crate) claims: Map<String, Value>,
}

const RESERVED: &[&str] = &["_sd", "_sd_alg", "...", "iss", "iat", "nbf", "exp", "vct", "cnf", "status", "sub"];

fn number(v: Option<&Value>) -> Option<i64> {
    v.and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)))
}

/// Verifies one presentation `<issuer JWT>~<disclosure>~…~<KB-JWT>`. Errors are short static
/// descriptions, safe to log.
pub(crate) fn verify(text: &str, cx: &Context<'_>) -> Result<Presented, &'static str> {
    let last = text.rfind('~').ok_or("not an SD-JWT")?;
    let (sd_part, kb) = text.split_at(last + 1);
    if kb.is_empty() {
        return Err("no key-binding JWT");
    }
    let mut parts: Vec<&str> = sd_part.split('~').collect();
    // sd_part ends with '~': the last element is empty.
    parts.pop();
    if parts.is_empty() {
        return Err("not an SD-JWT");
    }
    let jwt = parts.remove(0);

    // The issuer-signed JWT.
    let issued = jose::parse_compact(jwt).ok_or("issuer JWT is malformed")?;
    if issued.header.get("alg").and_then(Value::as_str) != Some("ES256")
        || issued.header.get("typ").and_then(Value::as_str) != Some("dc+sd-jwt")
    {
        return Err("issuer JWT header is not ES256 dc+sd-jwt");
    }
    let p = &issued.payload;
    let iss = p.get("iss").and_then(Value::as_str).ok_or("no iss")?;
    let office_id =
        iss.strip_prefix(cx.issuer).and_then(|r| r.strip_prefix("/issuers/")).ok_or("iss is not a licence office of this platform")?;
    let office = LICENCE_OFFICES.iter().position(|o| o.id == office_id).ok_or("iss is not a licence office of this platform")?;
    let vct = p.get("vct").and_then(Value::as_str).ok_or("no vct")?;
    let issues_it = LICENCE_OFFICES.get(office).is_some_and(|o| o.vcts.contains(&vct)) || (cx.result_office)(vct) == Some(office);
    if !issues_it {
        return Err("the office does not issue this vct");
    }
    let key = cx.office_keys.get(office).ok_or("no office key")?;
    if issued.header.get("kid").and_then(Value::as_str) != Some(key.kid()) {
        return Err("issuer JWT kid is not the office's key");
    }
    if !key.verify(issued.signing_input, issued.signature) {
        return Err("issuer signature does not verify");
    }
    let nbf = number(p.get("nbf")).ok_or("no nbf")?;
    let exp = number(p.get("exp")).ok_or("no exp")?;
    if cx.now < nbf || cx.now >= exp {
        return Err("licence is not valid now");
    }
    if p.get("_sd_alg").and_then(Value::as_str) != Some("sha-256") {
        return Err("_sd_alg is not sha-256");
    }
    let cnf = p.get("cnf").and_then(|c| c.get("jwk")).ok_or("no cnf.jwk")?;
    if jose::jwk_thumbprint(cnf).as_deref() != Some(cx.holder_jkt) {
        return Err("licence is not bound to the caller's key");
    }
    let status = p.get("status").and_then(|s| s.get("status_list")).ok_or("no status")?;
    let idx = number(status.get("idx")).and_then(|i| u32::try_from(i).ok()).ok_or("status idx malformed")?;
    let expected_uri = format!("{}/status/{}", cx.issuer, office_id);
    if status.get("uri").and_then(Value::as_str) != Some(expected_uri.as_str()) {
        return Err("status uri is not the office's list");
    }
    // The licence is found by its status reference; its number is a disclosure like any other.
    let record = (cx.record)(office, idx).ok_or("unknown licence")?;
    if record.vct != vct {
        return Err("unknown licence");
    }
    if (cx.revoked)(office, idx) {
        return Err("licence is revoked");
    }

    // Disclosures.
    let digests: HashSet<&str> = p.get("_sd").and_then(Value::as_array).ok_or("no _sd")?.iter().filter_map(Value::as_str).collect();
    let mut seen = HashSet::new();
    let mut claims = Map::new();
    for d in parts {
        let digest = jose::sha256_b64u(d.as_bytes());
        if !digests.contains(digest.as_str()) || !seen.insert(digest) {
            return Err("a disclosure is not in _sd or repeats");
        }
        let bytes = jose::b64u_decode(d).ok_or("a disclosure is not base64url")?;
        let Ok(Value::Array(a)) = serde_json::from_slice::<Value>(&bytes) else {
            return Err("a disclosure is not a JSON array");
        };
        let (Some(Value::String(_salt)), Some(Value::String(name)), Some(value), 3) = (a.first(), a.get(1), a.get(2), a.len()) else {
            return Err("a disclosure is not [salt, name, value]");
        };
        if RESERVED.contains(&name.as_str()) || p.contains_key(name) || claims.contains_key(name) {
            return Err("a disclosure names a reserved or repeated claim");
        }
        claims.insert(name.clone(), value.clone());
    }
    // A disclosed number must be the record's.
    if claims.get("licence_number").is_some_and(|n| n.as_str() != Some(record.licence_number.as_str())) {
        return Err("unknown licence");
    }

    // Key binding.
    let kbj = jose::parse_compact(kb).ok_or("key-binding JWT is malformed")?;
    if kbj.header.get("typ").and_then(Value::as_str) != Some("kb+jwt") || kbj.header.get("alg").and_then(Value::as_str) != Some("ES256") {
        return Err("key-binding JWT header is not ES256 kb+jwt");
    }
    if !jose::verify_es256_jwk(cnf, kbj.signing_input, kbj.signature) {
        return Err("key-binding signature does not verify");
    }
    let k = &kbj.payload;
    if k.get("aud").and_then(Value::as_str) != Some(cx.audience) {
        return Err("key-binding aud is wrong");
    }
    if k.get("nonce").and_then(Value::as_str) != Some(cx.nonce) {
        return Err("key-binding nonce is not the Idempotency-Key");
    }
    if k.get("sd_hash").and_then(Value::as_str) != Some(jose::sha256_b64u(sd_part).as_str()) {
        return Err("key-binding sd_hash does not cover the presentation");
    }
    let iat = number(k.get("iat")).ok_or("key-binding iat missing")?;
    if (iat - cx.now).abs() > KB_IAT_WINDOW_SECS {
        return Err("key-binding iat is not fresh");
    }
    Ok(Presented { vct: vct.to_owned(), holder: record.holder, parent_id_numbers: record.parent_id_numbers, claims })
}
