//! SD-JWT (RFC 9901): parsing, the issuer signature, disclosure processing, and presentations
//! with a key-binding JWT. Sans-I/O: keys and time come in as arguments.
//!
//! Serialisation: `<issuer-signed JWT>~<disclosure>~…~<KB-JWT or empty>`. A disclosure is the
//! base64url of a JSON array `[salt, name, value]` (object property) or `[salt, value]` (array
//! element); its digest is base64url(SHA-256(the ASCII of that base64url text)), and the digest
//! must appear exactly once in an `_sd` array or an array element `{"...": digest}` of the
//! payload or of another disclosed value.

use std::collections::{HashMap, HashSet};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{Map, Value};

use crate::crypto::jose::{CompactJws, EcJwk};
use crate::crypto::sha256_b64url;

/// Why an SD-JWT is not acceptable (before any policy such as time or status).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SdJwtProblem {
    /// Not an SD-JWT at all (structure, base64url, JSON).
    Malformed,
    /// The issuer signature does not verify with the issuer's keys (or is not ES256).
    BadIssuerSignature,
    /// A disclosure's digest is not in the signed payload: altered, or from another SD-JWT.
    TamperedDisclosure,
    /// A disclosure appears twice, or a digest is referenced twice.
    DuplicateDisclosure,
    /// `_sd_alg` is not `sha-256`.
    UnsupportedDigestAlgorithm,
    /// A disclosed claim would overwrite a claim already in the payload, or uses a reserved name.
    ClaimCollision,
}

impl SdJwtProblem {
    /// A short name for logs and error details.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::BadIssuerSignature => "bad_issuer_signature",
            Self::TamperedDisclosure => "tampered_disclosure",
            Self::DuplicateDisclosure => "duplicate_disclosure",
            Self::UnsupportedDigestAlgorithm => "unsupported_digest_algorithm",
            Self::ClaimCollision => "claim_collision",
        }
    }
}

/// One disclosure.
#[derive(Debug, Clone, PartialEq)]
pub struct Disclosure {
    /// The base64url text as it travels.
    pub encoded: String,
    /// Its digest (base64url SHA-256 of `encoded`).
    pub digest: String,
    /// The claim name (None for an array element).
    pub name: Option<String>,
    /// The disclosed value.
    pub value: Value,
}

impl Disclosure {
    /// Decodes one disclosure.
    pub fn parse(encoded: &str) -> Result<Self, SdJwtProblem> {
        let bytes = URL_SAFE_NO_PAD.decode(encoded).map_err(|_| SdJwtProblem::Malformed)?;
        let array: Vec<Value> = serde_json::from_slice(&bytes).map_err(|_| SdJwtProblem::Malformed)?;
        let (name, value) = match array.as_slice() {
            [Value::String(_salt), Value::String(name), value] => (Some(name.clone()), value.clone()),
            [Value::String(_salt), value] => (None, value.clone()),
            _ => return Err(SdJwtProblem::Malformed),
        };
        if matches!(name.as_deref(), Some("_sd" | "...")) {
            return Err(SdJwtProblem::ClaimCollision);
        }
        Ok(Self { encoded: encoded.to_owned(), digest: sha256_b64url(encoded.as_bytes()), name, value })
    }
}

/// A parsed SD-JWT (with or without a key-binding JWT).
#[derive(Debug, Clone)]
pub struct SdJwt {
    /// The issuer-signed JWT, as it travels.
    pub issuer_jwt: String,
    /// Its parsed form.
    pub jws: CompactJws,
    /// The disclosures, in order.
    pub disclosures: Vec<Disclosure>,
    /// The key-binding JWT, if the text ended with one.
    pub key_binding_jwt: Option<String>,
}

impl SdJwt {
    /// Parses `<jwt>~<d1>~…~[<kb-jwt>]`.
    pub fn parse(text: &str) -> Result<Self, SdJwtProblem> {
        let text = text.trim();
        let mut parts: Vec<&str> = text.split('~').collect();
        if parts.len() < 2 {
            return Err(SdJwtProblem::Malformed);
        }
        let last = parts.pop().unwrap_or_default();
        let key_binding_jwt = (!last.is_empty()).then(|| last.to_owned());
        let issuer_jwt = parts.first().copied().unwrap_or_default().to_owned();
        let jws = CompactJws::parse(&issuer_jwt).map_err(|_| SdJwtProblem::Malformed)?;
        let mut seen = HashSet::new();
        let mut disclosures = Vec::new();
        for encoded in parts.iter().skip(1) {
            let disclosure = Disclosure::parse(encoded)?;
            if !seen.insert(disclosure.digest.clone()) {
                return Err(SdJwtProblem::DuplicateDisclosure);
            }
            disclosures.push(disclosure);
        }
        Ok(Self { issuer_jwt, jws, disclosures, key_binding_jwt })
    }

    /// The SD-JWT part a key-binding JWT covers: `<jwt>~<d1>~…~` (RFC 9901 §4.3.1).
    pub fn without_key_binding(&self) -> String {
        let mut text = self.issuer_jwt.clone();
        text.push('~');
        for d in &self.disclosures {
            text.push_str(&d.encoded);
            text.push('~');
        }
        text
    }

    /// Checks the issuer signature against any of `keys` (matching `kid` when both have one).
    pub fn verify_issuer_signature(&self, keys: &[EcJwk]) -> Result<(), SdJwtProblem> {
        let kid = self.jws.kid();
        let candidates = keys.iter().filter(|k| kid.is_none() || k.kid.is_none() || k.kid.as_deref() == kid);
        for key in candidates {
            if self.jws.verify_es256(key).is_ok() {
                return Ok(());
            }
        }
        Err(SdJwtProblem::BadIssuerSignature)
    }

    /// The payload with every disclosure put in place and the SD bookkeeping removed
    /// (RFC 9901 §7.1). Every disclosure must be referenced exactly once.
    pub fn disclosed_claims(&self) -> Result<Value, SdJwtProblem> {
        let payload = &self.jws.claims;
        match payload.get("_sd_alg") {
            None => {}
            Some(Value::String(alg)) if alg == "sha-256" => {}
            Some(_) => return Err(SdJwtProblem::UnsupportedDigestAlgorithm),
        }
        let by_digest: HashMap<&str, &Disclosure> = self.disclosures.iter().map(|d| (d.digest.as_str(), d)).collect();
        let mut used = HashSet::new();
        let mut result = resolve(payload, &by_digest, &mut used)?;
        if let Value::Object(map) = &mut result {
            map.remove("_sd_alg");
        }
        if used.len() != self.disclosures.len() {
            return Err(SdJwtProblem::TamperedDisclosure);
        }
        Ok(result)
    }

    /// The names of the top-level claims each disclosure reveals, mapped to the disclosure.
    pub fn top_level_disclosures(&self) -> Vec<(&str, &Disclosure)> {
        let top: HashSet<&str> = self
            .jws
            .claims
            .get("_sd")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        self.disclosures
            .iter()
            .filter(|d| top.contains(d.digest.as_str()))
            .filter_map(|d| d.name.as_deref().map(|n| (n, d)))
            .collect()
    }
}

fn resolve<'a>(value: &Value, by_digest: &HashMap<&str, &'a Disclosure>, used: &mut HashSet<&'a str>) -> Result<Value, SdJwtProblem> {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                if k == "_sd" {
                    continue;
                }
                out.insert(k.clone(), resolve(v, by_digest, used)?);
            }
            if let Some(sd) = map.get("_sd") {
                let digests = sd.as_array().ok_or(SdJwtProblem::Malformed)?;
                for digest in digests {
                    let digest = digest.as_str().ok_or(SdJwtProblem::Malformed)?;
                    let Some(disclosure) = by_digest.get(digest) else { continue }; // a decoy, or not disclosed
                    let name = disclosure.name.as_deref().ok_or(SdJwtProblem::Malformed)?;
                    if !used.insert(disclosure.digest.as_str()) {
                        return Err(SdJwtProblem::DuplicateDisclosure);
                    }
                    if out.contains_key(name) {
                        return Err(SdJwtProblem::ClaimCollision);
                    }
                    out.insert(name.to_owned(), resolve(&disclosure.value, by_digest, used)?);
                }
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => {
            let mut out = Vec::new();
            for item in items {
                if let Some(digest) = item.as_object().filter(|o| o.len() == 1).and_then(|o| o.get("...")) {
                    let digest = digest.as_str().ok_or(SdJwtProblem::Malformed)?;
                    if let Some(disclosure) = by_digest.get(digest) {
                        if disclosure.name.is_some() {
                            return Err(SdJwtProblem::Malformed);
                        }
                        if !used.insert(disclosure.digest.as_str()) {
                            return Err(SdJwtProblem::DuplicateDisclosure);
                        }
                        out.push(resolve(&disclosure.value, by_digest, used)?);
                    }
                    continue;
                }
                out.push(resolve(item, by_digest, used)?);
            }
            Ok(Value::Array(out))
        }
        other => Ok(other.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disclosures_decode_as_the_spec_describes() {
        // RFC 9901 §4.2.1: ["_26bc4LT-ac6q2KI6cBW5es", "family_name", "Möbius"].
        let encoded = "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0";
        let d = Disclosure::parse(encoded).unwrap();
        assert_eq!(d.name.as_deref(), Some("family_name"));
        assert_eq!(d.value, Value::String("Möbius".into()));
        // The digest RFC 9901 §4.2.3 gives for it.
        assert_eq!(d.digest, "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0");
        assert_eq!(Disclosure::parse("bm90IGFuIGFycmF5"), Err(SdJwtProblem::Malformed));
        assert_eq!(Disclosure::parse("!!"), Err(SdJwtProblem::Malformed));
    }
}
