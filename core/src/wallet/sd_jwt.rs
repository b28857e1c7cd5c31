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

/// The `typ` of an SD-JWT VC's issuer JWT (SD-JWT VC draft 08 and later).
pub const SD_JWT_VC_TYPE: &str = "dc+sd-jwt";
/// The `typ` earlier drafts used, still accepted.
pub const LEGACY_SD_JWT_VC_TYPE: &str = "vc+sd-jwt";

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

    /// Whether the issuer JWT says it is an SD-JWT VC: `typ` `dc+sd-jwt`, or the older
    /// `vc+sd-jwt` that issuers still send (SD-JWT VC draft 06 and earlier). Anything else, or
    /// none, is another kind of token that must not pass for a licence.
    pub fn is_sd_jwt_vc(&self) -> bool {
        matches!(self.jws.header.get("typ").and_then(Value::as_str), Some(SD_JWT_VC_TYPE | LEGACY_SD_JWT_VC_TYPE))
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
        let top: HashSet<&str> =
            self.jws.claims.get("_sd").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        self.disclosures.iter().filter(|d| top.contains(d.digest.as_str())).filter_map(|d| d.name.as_deref().map(|n| (n, d))).collect()
    }
}

/// The claims of a verified key-binding JWT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyBinding {
    /// Who the presentation is for.
    pub audience: String,
    /// The verifier's nonce.
    pub nonce: String,
    /// When the holder signed it (Unix seconds).
    pub issued_at: i64,
    /// When the holder said it stops being valid (`exp`, Unix seconds), if it said so.
    pub expires_at: Option<i64>,
}

/// Why a key-binding JWT is not acceptable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyBindingProblem {
    /// There is none, or it is not a `kb+jwt` of JSON.
    Missing,
    /// Not signed by the key the issuer bound the licence to (`cnf.jwk`), or `sd_hash` does not
    /// cover exactly these disclosures.
    BadSignature,
    /// `iat` is outside the accepted window.
    Stale,
}

impl SdJwt {
    /// The holder's key the issuer bound this licence to (`cnf.jwk`).
    pub fn holder_key(&self) -> Option<EcJwk> {
        serde_json::from_value(self.jws.claims.get("cnf")?.get("jwk")?.clone()).ok()
    }

    /// A presentation of `chosen` disclosures, without its key-binding JWT: `<jwt>~<d>~…~`.
    pub fn presentation_prefix(&self, chosen: &[&Disclosure]) -> String {
        let mut text = self.issuer_jwt.clone();
        text.push('~');
        for d in chosen {
            text.push_str(&d.encoded);
            text.push('~');
        }
        text
    }

    /// Verifies the key-binding JWT: signed by `cnf.jwk`, `typ: kb+jwt`, `sd_hash` over exactly
    /// this presentation, `iat` within `max_age_secs` of `now` (and not in the future beyond `skew`).
    pub fn verify_key_binding(&self, now: i64, max_age_secs: i64, skew: i64) -> Result<KeyBinding, KeyBindingProblem> {
        let kb = self.key_binding_jwt.as_deref().ok_or(KeyBindingProblem::Missing)?;
        let jws = CompactJws::parse(kb).map_err(|_| KeyBindingProblem::Missing)?;
        if jws.header.get("typ").and_then(Value::as_str) != Some("kb+jwt") {
            return Err(KeyBindingProblem::Missing);
        }
        let key = self.holder_key().ok_or(KeyBindingProblem::BadSignature)?;
        jws.verify_es256(&key).map_err(|_| KeyBindingProblem::BadSignature)?;
        let expected_hash = sha256_b64url(self.without_key_binding().as_bytes());
        if jws.claims.get("sd_hash").and_then(Value::as_str) != Some(expected_hash.as_str()) {
            return Err(KeyBindingProblem::BadSignature);
        }
        let issued_at = jws.claims.get("iat").and_then(Value::as_i64).ok_or(KeyBindingProblem::Missing)?;
        if issued_at > now + skew || issued_at + max_age_secs < now {
            return Err(KeyBindingProblem::Stale);
        }
        let text = |name: &str| jws.claims.get(name).and_then(Value::as_str).map(str::to_owned).ok_or(KeyBindingProblem::Missing);
        let expires_at = match jws.claims.get("exp") {
            None => None,
            Some(exp) => Some(exp.as_i64().ok_or(KeyBindingProblem::Missing)?),
        };
        Ok(KeyBinding { audience: text("aud")?, nonce: text("nonce")?, issued_at, expires_at })
    }
}

/// The signing input of a key-binding JWT for `sd_part` (`<jwt>~<d>~…~`).
pub fn key_binding_signing_input(sd_part: &str, audience: &str, nonce: &str, issued_at: i64) -> String {
    key_binding_signing_input_until(sd_part, audience, nonce, issued_at, None)
}

/// [`key_binding_signing_input`] with the holder's own end of validity (`exp`): a verifier
/// refuses the presentation after it, even within its own maximum age.
pub fn key_binding_signing_input_until(sd_part: &str, audience: &str, nonce: &str, issued_at: i64, expires_at: Option<i64>) -> String {
    let header = serde_json::json!({"typ": "kb+jwt", "alg": "ES256"});
    let mut claims = serde_json::json!({"iat": issued_at, "aud": audience, "nonce": nonce, "sd_hash": sha256_b64url(sd_part.as_bytes())});
    if let Some(exp) = expires_at {
        claims["exp"] = serde_json::json!(exp);
    }
    crate::crypto::jose::signing_input(&header, &claims)
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
    use ring::rand::SystemRandom;
    use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
    use serde_json::json;

    fn keypair() -> (EcdsaKeyPair, EcJwk) {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
        let jwk = EcJwk::from_uncompressed_point(pair.public_key().as_ref()).unwrap();
        (pair, jwk)
    }

    fn sign(pair: &EcdsaKeyPair, input: &str) -> String {
        crate::crypto::jose::assemble(input, pair.sign(&SystemRandom::new(), input.as_bytes()).unwrap().as_ref())
    }

    fn disclose(salt: &str, name: Option<&str>, value: Value) -> String {
        let array = match name {
            Some(n) => json!([salt, n, value]),
            None => json!([salt, value]),
        };
        URL_SAFE_NO_PAD.encode(array.to_string())
    }

    /// An SD-JWT with flat, nested (recursive) and array-element disclosures and a decoy.
    fn issue(issuer: &EcdsaKeyPair, holder: &EcJwk) -> (String, Vec<String>) {
        let name = disclose("s1", Some("name"), json!("王小明"));
        let street = disclose("s2", Some("street"), json!("福华路1号"));
        let address = disclose("s3", Some("address"), json!({"city": "深圳市", "_sd": [sha256_b64url(street.as_bytes())]}));
        let nationality = disclose("s4", None, json!("CN"));
        let decoy = sha256_b64url(b"decoy");
        let mut sd = vec![sha256_b64url(name.as_bytes()), sha256_b64url(address.as_bytes()), decoy];
        sd.sort();
        let claims = json!({
            "iss": "https://issuer.example", "vct": "urn:test", "iat": 1_800_000_000, "_sd_alg": "sha-256", "_sd": sd,
            "nationalities": [{"...": sha256_b64url(nationality.as_bytes())}, "HK"],
            "cnf": {"jwk": holder.public_value()},
        });
        let jwt = sign(issuer, &crate::crypto::jose::signing_input(&json!({"alg": "ES256", "typ": "dc+sd-jwt"}), &claims));
        let disclosures = vec![name, address, street, nationality];
        (format!("{jwt}~{}~", disclosures.join("~")), disclosures)
    }

    #[test]
    fn every_kind_of_disclosure_is_put_in_place() {
        let (issuer, issuer_jwk) = keypair();
        let (_, holder) = keypair();
        let (text, _) = issue(&issuer, &holder);
        let sd = SdJwt::parse(&text).unwrap();
        sd.verify_issuer_signature(std::slice::from_ref(&issuer_jwk)).unwrap();
        let claims = sd.disclosed_claims().unwrap();
        assert_eq!(claims["name"], "王小明");
        assert_eq!(claims["address"], json!({"city": "深圳市", "street": "福华路1号"}));
        assert_eq!(claims["nationalities"], json!(["CN", "HK"]));
        assert!(claims.get("_sd").is_none() && claims.get("_sd_alg").is_none());
        let top: Vec<&str> = sd.top_level_disclosures().iter().map(|(n, _)| *n).collect();
        assert_eq!(top.len(), 2);
    }

    #[test]
    fn altered_foreign_or_repeated_disclosures_are_refused() {
        let (issuer, issuer_jwk) = keypair();
        let (_, holder) = keypair();
        let (text, disclosures) = issue(&issuer, &holder);
        // A disclosure with one changed value (re-encoded): its digest is not in the payload.
        let forged = disclose("s1", Some("name"), json!("李四"));
        let altered = text.replacen(&disclosures[0], &forged, 1);
        assert_eq!(SdJwt::parse(&altered).unwrap().disclosed_claims(), Err(SdJwtProblem::TamperedDisclosure));
        // A disclosure that belongs to no digest of this SD-JWT (carried over from another one).
        let foreign = format!("{text}{}~", disclose("zz", Some("name"), json!("x")));
        assert_eq!(SdJwt::parse(&foreign).unwrap().disclosed_claims(), Err(SdJwtProblem::TamperedDisclosure));
        // The same disclosure twice.
        let twice = format!("{text}{}~", disclosures[0]);
        assert_eq!(SdJwt::parse(&twice).map(|_| ()), Err(SdJwtProblem::DuplicateDisclosure));
        // A changed signed payload.
        let (_, other_issuer) = keypair();
        assert_eq!(SdJwt::parse(&text).unwrap().verify_issuer_signature(&[other_issuer]), Err(SdJwtProblem::BadIssuerSignature));
        // Any single changed byte of the issuer JWT breaks the signature or the parse.
        let jwt_len = text.find('~').unwrap();
        for i in (0..jwt_len).step_by(7) {
            let mut bytes = text.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let Ok(mutated) = String::from_utf8(bytes) else { continue };
            if mutated == text {
                continue;
            }
            let ok = SdJwt::parse(&mutated)
                .and_then(|sd| sd.verify_issuer_signature(std::slice::from_ref(&issuer_jwk)).and_then(|_| sd.disclosed_claims()));
            assert!(ok.is_err(), "byte {i} changed and it still verifies");
        }
    }

    #[test]
    fn a_key_binding_jwt_binds_the_holder_key_the_audience_and_exactly_these_disclosures() {
        let (issuer, _) = keypair();
        let (holder_pair, holder) = keypair();
        let (text, _) = issue(&issuer, &holder);
        let sd = SdJwt::parse(&text).unwrap();
        let chosen: Vec<&Disclosure> = sd.disclosures.iter().take(1).collect();
        let prefix = sd.presentation_prefix(&chosen);
        let kb = sign(&holder_pair, &key_binding_signing_input(&prefix, "window-7", "n-1", 1_800_000_100));
        let presented = SdJwt::parse(&format!("{prefix}{kb}")).unwrap();
        let binding = presented.verify_key_binding(1_800_000_110, 60, 30).unwrap();
        assert_eq!(binding, KeyBinding { audience: "window-7".into(), nonce: "n-1".into(), issued_at: 1_800_000_100, expires_at: None });
        assert_eq!(presented.disclosed_claims().unwrap()["name"], "王小明");
        assert!(presented.disclosed_claims().unwrap().get("address").is_none());
        // Too old, or another disclosure added after signing, or signed by another key.
        assert_eq!(presented.verify_key_binding(1_800_000_200, 60, 30), Err(KeyBindingProblem::Stale));
        let added = SdJwt::parse(&format!("{prefix}{}~{kb}", sd.disclosures[1].encoded)).unwrap();
        assert_eq!(added.verify_key_binding(1_800_000_110, 60, 30), Err(KeyBindingProblem::BadSignature));
        let (thief, _) = keypair();
        let stolen =
            SdJwt::parse(&format!("{prefix}{}", sign(&thief, &key_binding_signing_input(&prefix, "window-7", "n-1", 1_800_000_100))))
                .unwrap();
        assert_eq!(stolen.verify_key_binding(1_800_000_110, 60, 30), Err(KeyBindingProblem::BadSignature));
        assert_eq!(sd.verify_key_binding(1_800_000_110, 60, 30), Err(KeyBindingProblem::Missing));
    }

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

/// The examples RFC 9901 publishes (test-fixtures/vectors/rfc9901).
#[cfg(test)]
mod rfc9901 {
    use super::*;

    const ISSUANCE: &str = include_str!("../../../test-fixtures/vectors/rfc9901/issuance-5.1.txt");
    const PRESENTATION: &str = include_str!("../../../test-fixtures/vectors/rfc9901/presentation-5.2.txt");
    const ISSUER_KEY: &str = include_str!("../../../test-fixtures/vectors/rfc9901/issuer-key.json");
    /// The §5.2 key-binding JWT's `iat`.
    const KB_IAT: i64 = 1_748_537_244;

    fn issuer_key() -> EcJwk {
        serde_json::from_str(ISSUER_KEY).expect("the vector key parses")
    }

    fn accepted(text: &str) -> Result<(Value, KeyBinding), String> {
        let sd = SdJwt::parse(text).map_err(|p| p.as_str().to_owned())?;
        sd.verify_issuer_signature(&[issuer_key()]).map_err(|p| p.as_str().to_owned())?;
        let claims = sd.disclosed_claims().map_err(|p| p.as_str().to_owned())?;
        let binding = sd.verify_key_binding(KB_IAT, 60, 30).map_err(|p| format!("{p:?}"))?;
        Ok((claims, binding))
    }

    #[test]
    fn the_section_5_1_sd_jwt_verifies_and_yields_the_processed_payload() {
        let sd = SdJwt::parse(ISSUANCE).unwrap();
        assert_eq!(sd.disclosures.len(), 10);
        sd.verify_issuer_signature(&[issuer_key()]).unwrap();
        let claims = sd.disclosed_claims().unwrap();
        assert_eq!(claims["sub"], "user_42");
        assert_eq!(claims["given_name"], "John");
        assert_eq!(claims["family_name"], "Doe");
        assert_eq!(claims["email"], "johndoe@example.com");
        assert_eq!(claims["phone_number"], "+1-202-555-0101");
        assert_eq!(claims["phone_number_verified"], true);
        assert_eq!(claims["address"]["locality"], "Anytown");
        assert_eq!(claims["birthdate"], "1940-01-01");
        assert_eq!(claims["updated_at"], 1_570_000_000);
        assert_eq!(claims["nationalities"], serde_json::json!(["US", "DE"]));
        assert!(claims.get("_sd").is_none() && claims.get("_sd_alg").is_none());
        // The digests §5.1 prints for its first and last disclosures.
        assert_eq!(sd.disclosures[0].digest, "jsu9yVulwQQlhFlM_3JlzMaSFzglhQG0DpfayQwLUK4");
        assert_eq!(sd.disclosures[9].digest, "7Cf6JkPudry3lcbwHgeZ8khAv1U1OSlerP0VkBJrWZ0");
    }

    #[test]
    fn the_section_5_2_presentation_verifies_with_its_key_binding() {
        let (claims, binding) = accepted(PRESENTATION).unwrap();
        assert_eq!(binding.audience, "https://verifier.example.org");
        assert_eq!(binding.nonce, "1234567890");
        assert_eq!(claims["given_name"], "John");
        assert_eq!(claims["family_name"], "Doe");
        assert_eq!(claims["nationalities"], serde_json::json!(["US"]));
        assert!(claims.get("email").is_none(), "undisclosed claims stay hidden");
    }

    #[test]
    fn altering_any_byte_of_the_presentation_is_rejected() {
        let text = PRESENTATION.trim();
        let bytes = text.as_bytes();
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for i in 0..bytes.len() {
            let mut mutated = bytes.to_vec();
            // Another base64url character (or a separator swapped for one).
            let current = mutated[i];
            mutated[i] = *alphabet.iter().find(|c| **c != current && (**c ^ current) & 0x01 == 1).unwrap_or(&b'A');
            let Ok(mutated) = String::from_utf8(mutated) else { continue };
            assert!(accepted(&mutated).is_err(), "changing byte {i} ({}) was not noticed", current as char);
        }
    }
}
