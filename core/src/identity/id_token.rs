//! ID token verification (OpenID Connect Core §3.1.3.7) with ring's ES256.

use serde_json::Value;

use super::IdTokenProblem;
use crate::crypto::jose::{CompactJws, EcJwk, JoseError};

/// What the ID token must say.
#[derive(Debug, Clone, Copy)]
pub struct Expectations<'a> {
    /// The provider's issuer identifier.
    pub issuer: &'a str,
    /// This app's client id (the audience).
    pub client_id: &'a str,
    /// The nonce sent with the authorization request.
    pub nonce: &'a str,
    /// Now (Unix seconds).
    pub now: i64,
    /// Allowed clock skew (seconds).
    pub max_skew: i64,
}

/// The claims CityKit keeps from a verified ID token.
#[derive(Debug, Clone)]
pub struct VerifiedIdToken {
    /// `sub`.
    pub subject: String,
}

/// The `kid` of an ID token, to pick the JWKS key (None when malformed or absent).
pub fn key_id(token: &str) -> Result<Option<String>, IdTokenProblem> {
    let jws = CompactJws::parse(token).map_err(|_| IdTokenProblem::Malformed)?;
    Ok(jws.kid().map(str::to_owned))
}

/// Verifies signature and claims against `keys` (the provider's JWKS).
pub fn verify(token: &str, keys: &[EcJwk], expect: &Expectations<'_>) -> Result<VerifiedIdToken, IdTokenProblem> {
    let jws = CompactJws::parse(token).map_err(|_| IdTokenProblem::Malformed)?;
    if jws.alg() != Some("ES256") {
        return Err(IdTokenProblem::UnsupportedAlgorithm);
    }
    let candidates: Vec<&EcJwk> = match jws.kid() {
        Some(kid) => keys.iter().filter(|k| k.kid.as_deref() == Some(kid)).collect(),
        None => keys.iter().collect(),
    };
    if candidates.is_empty() {
        return Err(IdTokenProblem::UnknownKey);
    }
    let signed = candidates.iter().any(|key| match jws.verify_es256(key) {
        Ok(()) => true,
        Err(JoseError::BadSignature | JoseError::InvalidKey(_) | JoseError::UnsupportedAlgorithm | JoseError::Malformed(_)) => false,
    });
    if !signed {
        return Err(IdTokenProblem::BadSignature);
    }
    let claims = &jws.claims;
    let iss = claims.get("iss").and_then(Value::as_str).ok_or(IdTokenProblem::MissingClaim)?;
    if iss != expect.issuer {
        return Err(IdTokenProblem::WrongIssuer);
    }
    let audience_ok = match claims.get("aud") {
        Some(Value::String(aud)) => aud == expect.client_id,
        Some(Value::Array(auds)) => {
            let named = auds.iter().any(|a| a.as_str() == Some(expect.client_id));
            let azp_ok = auds.len() == 1 || claims.get("azp").and_then(Value::as_str) == Some(expect.client_id);
            named && azp_ok
        }
        _ => return Err(IdTokenProblem::MissingClaim),
    };
    if !audience_ok {
        return Err(IdTokenProblem::WrongAudience);
    }
    let exp = claims.get("exp").and_then(Value::as_i64).ok_or(IdTokenProblem::MissingClaim)?;
    // Saturating: the claims are outside input, and i64::MAX (never expires) must not overflow.
    if exp.saturating_add(expect.max_skew) < expect.now {
        return Err(IdTokenProblem::Expired);
    }
    let iat = claims.get("iat").and_then(Value::as_i64).ok_or(IdTokenProblem::MissingClaim)?;
    // Issued in the future, or so long ago that it cannot belong to a login that just happened.
    if iat.saturating_sub(expect.max_skew) > expect.now || iat.saturating_add(24 * 3600) < expect.now {
        return Err(IdTokenProblem::BadIssueTime);
    }
    let nonce = claims.get("nonce").and_then(Value::as_str).ok_or(IdTokenProblem::NonceMismatch)?;
    if !bool::from(subtle::ConstantTimeEq::ct_eq(nonce.as_bytes(), expect.nonce.as_bytes())) {
        return Err(IdTokenProblem::NonceMismatch);
    }
    let subject = claims.get("sub").and_then(Value::as_str).ok_or(IdTokenProblem::MissingClaim)?;
    if subject.is_empty() {
        return Err(IdTokenProblem::MissingClaim);
    }
    Ok(VerifiedIdToken { subject: subject.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::jose;
    use ring::rand::SystemRandom;
    use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
    use serde_json::json;

    struct Signer {
        pair: EcdsaKeyPair,
        jwk: EcJwk,
    }

    fn signer(kid: &str) -> Signer {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
        let mut jwk = EcJwk::from_uncompressed_point(pair.public_key().as_ref()).unwrap();
        jwk.kid = Some(kid.into());
        Signer { pair, jwk }
    }

    fn sign(s: &Signer, claims: Value) -> String {
        let input = jose::signing_input(&json!({"alg": "ES256", "kid": s.jwk.kid}), &claims);
        let sig = s.pair.sign(&SystemRandom::new(), input.as_bytes()).unwrap();
        jose::assemble(&input, sig.as_ref())
    }

    fn expect(now: i64) -> Expectations<'static> {
        Expectations { issuer: "https://idp.example", client_id: "app", nonce: "n-1", now, max_skew: 120 }
    }

    fn good_claims(now: i64) -> Value {
        json!({"iss": "https://idp.example", "aud": "app", "sub": "s-1", "exp": now + 600, "iat": now, "nonce": "n-1"})
    }

    #[test]
    fn each_claim_is_checked() {
        let s = signer("k1");
        let now = 1_800_000_000;
        let keys = vec![s.jwk.clone()];
        assert_eq!(verify(&sign(&s, good_claims(now)), &keys, &expect(now)).map(|v| v.subject), Ok("s-1".into()));
        let cases: Vec<(Value, IdTokenProblem)> = vec![
            (json!({"iss": "https://evil.example"}), IdTokenProblem::WrongIssuer),
            (json!({"aud": "other"}), IdTokenProblem::WrongAudience),
            (json!({"aud": ["app", "other"]}), IdTokenProblem::WrongAudience),
            (json!({"exp": now - 121}), IdTokenProblem::Expired),
            (json!({"iat": now + 121}), IdTokenProblem::BadIssueTime),
            (json!({"nonce": "n-2"}), IdTokenProblem::NonceMismatch),
        ];
        for (patch, problem) in cases {
            let mut claims = good_claims(now);
            for (k, v) in patch.as_object().unwrap() {
                claims[k] = v.clone();
            }
            assert_eq!(verify(&sign(&s, claims), &keys, &expect(now)).map(|v| v.subject), Err(problem));
        }
        // Within the skew is fine.
        let mut claims = good_claims(now);
        claims["exp"] = json!(now - 60);
        assert!(verify(&sign(&s, claims), &keys, &expect(now)).is_ok());
    }

    /// Found by the `id_token_jwks` fuzz target (claims signed in the harness): an `exp` or
    /// `iat` at the ends of i64 overflowed the skew arithmetic (a panic with overflow checks).
    #[test]
    fn extreme_times_are_judged_without_overflow() {
        let s = signer("k1");
        let now = 1_800_000_000;
        let keys = vec![s.jwk.clone()];
        let with = |name: &str, value: i64| {
            let mut claims = good_claims(now);
            claims[name] = json!(value);
            verify(&sign(&s, claims), &keys, &expect(now)).map(|v| v.subject)
        };
        assert_eq!(with("exp", i64::MAX), Ok("s-1".into()), "never expires");
        assert_eq!(with("exp", i64::MIN), Err(IdTokenProblem::Expired));
        assert_eq!(with("iat", i64::MIN), Err(IdTokenProblem::BadIssueTime));
        assert_eq!(with("iat", i64::MAX), Err(IdTokenProblem::BadIssueTime));
    }

    #[test]
    fn a_key_outside_the_jwks_is_refused() {
        let s = signer("k1");
        let other = signer("k1");
        let now = 1_800_000_000;
        assert_eq!(
            verify(&sign(&other, good_claims(now)), std::slice::from_ref(&s.jwk), &expect(now)).map(|v| v.subject),
            Err(IdTokenProblem::BadSignature)
        );
        let stranger = signer("k9");
        assert_eq!(
            verify(&sign(&stranger, good_claims(now)), std::slice::from_ref(&s.jwk), &expect(now)).map(|v| v.subject),
            Err(IdTokenProblem::UnknownKey)
        );
    }
}
