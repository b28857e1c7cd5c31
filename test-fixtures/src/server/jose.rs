//! Just enough JOSE for the simulator, on RustCrypto `p256`/`sha2` (deliberately not `ring`, so
//! that a bug in the core's JOSE code cannot be mirrored here): ES256 JWS signing for ID tokens,
//! licences and status lists, RFC 7638 thumbprints, and RFC 9449 DPoP proof verification.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use serde_json::{json, Map, Value};
use sha2::{Digest as _, Sha256};

/// base64url without padding.
pub(crate) fn b64u(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Strict base64url without padding.
pub(crate) fn b64u_decode(s: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(s).ok()
}

/// base64url(SHA-256(data)).
pub(crate) fn sha256_b64u(data: impl AsRef<[u8]>) -> String {
    b64u(Sha256::digest(data.as_ref()))
}

/// 32 random bytes, base64url: used for tokens, codes, request URIs.
pub(crate) fn random_token() -> String {
    random_b64u::<32>()
}

/// `N` random bytes, base64url.
pub(crate) fn random_b64u<const N: usize>() -> String {
    use rand::RngCore as _;
    let mut bytes = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    b64u(bytes)
}

/// A public P-256 JWK `{kty, crv, x, y}` checked to be a point on the curve; `None` for
/// anything else (including a JWK carrying a private key).
pub(crate) fn public_p256_jwk(jwk: &Value) -> Option<Value> {
    let map = jwk.as_object()?;
    if map.contains_key("d")
        || map.get("kty").and_then(Value::as_str) != Some("EC")
        || map.get("crv").and_then(Value::as_str) != Some("P-256")
    {
        return None;
    }
    let x = b64u_decode(map.get("x")?.as_str()?)?;
    let y = b64u_decode(map.get("y")?.as_str()?)?;
    if x.len() != 32 || y.len() != 32 {
        return None;
    }
    let mut sec1 = Vec::with_capacity(65);
    sec1.push(0x04);
    sec1.extend_from_slice(&x);
    sec1.extend_from_slice(&y);
    VerifyingKey::from_sec1_bytes(&sec1).ok()?;
    Some(json!({"kty": "EC", "crv": "P-256", "x": b64u(&x), "y": b64u(&y)}))
}

/// RFC 7638 JWK SHA-256 thumbprint of a P-256 key given by its base64url coordinates.
pub(crate) fn ec_thumbprint(x: &str, y: &str) -> String {
    // Members in lexicographic order, no whitespace (RFC 7638 §3.2).
    let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    sha256_b64u(canonical.as_bytes())
}

/// An ES256 signing key: the provider's ID-token key, or a licence-issuing office's key.
pub(crate) struct IdTokenSigner {
    key: SigningKey,
    x: String,
    y: String,
    kid: String,
}

impl IdTokenSigner {
    /// A fresh random P-256 key; kid = its RFC 7638 thumbprint.
    pub(crate) fn generate() -> Option<IdTokenSigner> {
        let key = SigningKey::random(&mut rand::rngs::OsRng);
        let point = key.verifying_key().to_encoded_point(false);
        let x = b64u(point.x()?);
        let y = b64u(point.y()?);
        let kid = ec_thumbprint(&x, &y);
        Some(IdTokenSigner { key, x, y, kid })
    }

    /// A fresh random P-256 key named `{prefix}-` and the first 8 characters of its thumbprint
    /// (a short kid keeps a code that carries it small).
    pub(crate) fn generate_named(prefix: &str) -> Option<IdTokenSigner> {
        let mut signer = Self::generate()?;
        signer.kid = format!("{prefix}-{}", signer.kid.get(..8)?);
        Some(signer)
    }

    /// The public JWK as served in the JWKS.
    pub(crate) fn public_jwk(&self) -> Value {
        json!({
            "kty": "EC",
            "crv": "P-256",
            "x": self.x,
            "y": self.y,
            "kid": self.kid,
            "use": "sig",
            "alg": "ES256",
        })
    }

    /// Signs `claims` as a compact JWS with header `{alg: ES256, typ: JWT, kid}`.
    pub(crate) fn sign_jwt(&self, claims: &Value) -> String {
        self.sign_typed("JWT", claims)
    }

    /// Signs `claims` as a compact JWS with header `{alg: ES256, typ, kid}`.
    pub(crate) fn sign_typed(&self, typ: &str, claims: &Value) -> String {
        let header = json!({"alg": "ES256", "typ": typ, "kid": self.kid});
        let input = format!("{}.{}", b64u(header.to_string()), b64u(claims.to_string()));
        let signature: Signature = self.key.sign(input.as_bytes());
        format!("{input}.{}", b64u(signature.to_bytes()))
    }
}

impl IdTokenSigner {
    /// An ES256 signature (`r || s`, 64 bytes) of `bytes` (for COSE).
    pub(crate) fn sign_raw(&self, bytes: &[u8]) -> Vec<u8> {
        let signature: Signature = self.key.sign(bytes);
        signature.to_bytes().to_vec()
    }

    /// The key id (its RFC 7638 thumbprint).
    pub(crate) fn kid(&self) -> &str {
        &self.kid
    }

    /// Verifies an ES256 signature (base64url, 64 bytes) over `signing_input` with this key.
    pub(crate) fn verify(&self, signing_input: &str, signature_b64u: &str) -> bool {
        verify_with(self.key.verifying_key(), signing_input, signature_b64u)
    }
}

fn verify_with(key: &VerifyingKey, signing_input: &str, signature_b64u: &str) -> bool {
    let Some(bytes) = b64u_decode(signature_b64u) else {
        return false;
    };
    if bytes.len() != 64 {
        return false;
    }
    let Ok(sig) = Signature::from_slice(&bytes) else {
        return false;
    };
    key.verify(signing_input.as_bytes(), &sig).is_ok()
}

fn verifying_key(jwk: &Value) -> Option<VerifyingKey> {
    let jwk = public_p256_jwk(jwk)?;
    let x = b64u_decode(jwk.get("x")?.as_str()?)?;
    let y = b64u_decode(jwk.get("y")?.as_str()?)?;
    let mut sec1 = Vec::with_capacity(65);
    sec1.push(0x04);
    sec1.extend_from_slice(&x);
    sec1.extend_from_slice(&y);
    VerifyingKey::from_sec1_bytes(&sec1).ok()
}

/// Verifies an ES256 signature with a public P-256 JWK; false for anything malformed.
pub(crate) fn verify_es256_jwk(jwk: &Value, signing_input: &str, signature_b64u: &str) -> bool {
    verifying_key(jwk).is_some_and(|k| verify_with(&k, signing_input, signature_b64u))
}

/// The RFC 7638 thumbprint of a public P-256 JWK.
pub(crate) fn jwk_thumbprint(jwk: &Value) -> Option<String> {
    let jwk = public_p256_jwk(jwk)?;
    Some(ec_thumbprint(jwk.get("x")?.as_str()?, jwk.get("y")?.as_str()?))
}

/// A compact JWS split into its decoded header and payload objects, the signing input and the
/// encoded signature. Signature not verified.
pub(crate) struct Compact<'a> {
    pub(crate) header: Map<String, Value>,
    pub(crate) payload: Map<String, Value>,
    pub(crate) signing_input: &'a str,
    pub(crate) signature: &'a str,
}

/// Splits a compact JWS whose header and payload are JSON objects.
pub(crate) fn parse_compact(jws: &str) -> Option<Compact<'_>> {
    let mut parts = jws.split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return None;
    };
    let header = segment_json(h).ok()?;
    let payload = segment_json(p).ok()?;
    Some(Compact { header, payload, signing_input: jws.get(..h.len() + 1 + p.len())?, signature: s })
}

/// Flips one bit in the signature part of a compact JWS (for the `tamper_signature` fault).
pub(crate) fn tamper_signature(jws: &str) -> String {
    let Some((input, sig)) = jws.rsplit_once('.') else {
        return jws.to_owned();
    };
    match b64u_decode(sig) {
        Some(mut bytes) if !bytes.is_empty() => {
            let last = bytes.len() - 1;
            bytes[last] ^= 0x01;
            format!("{input}.{}", b64u(bytes))
        }
        _ => format!("{input}.AAAA"),
    }
}

/// A DPoP proof whose signature and claims checked out.
#[derive(Debug, Clone)]
pub(crate) struct VerifiedProof {
    /// RFC 7638 thumbprint of the proof's key.
    pub(crate) jkt: String,
    /// The proof's public key as a JWK `{kty, crv, x, y}`.
    pub(crate) jwk: Value,
    /// The proof's unique id.
    pub(crate) jti: String,
    /// The server-provided nonce the proof carries (RFC 9449 §8), if any.
    pub(crate) nonce: Option<String>,
}

/// What the proof must match.
pub(crate) struct ProofExpectation<'a> {
    /// HTTP method of the request.
    pub(crate) method: &'a str,
    /// `issuer + path` of the request.
    pub(crate) url: &'a str,
    /// Current time, unix seconds.
    pub(crate) now: i64,
    /// The access token presented with the request, if this is a resource request.
    pub(crate) access_token: Option<&'a str>,
}

/// Allowed clock difference for `iat`.
pub(crate) const IAT_WINDOW_SECS: i64 = 60;

fn segment_json(seg: &str) -> Result<Map<String, Value>, &'static str> {
    let bytes = b64u_decode(seg).ok_or("proof segment is not base64url")?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err("proof segment is not a JSON object"),
    }
}

fn normalised_url(s: &str) -> Option<url::Url> {
    let mut u = url::Url::parse(s).ok()?;
    u.set_query(None);
    u.set_fragment(None);
    Some(u)
}

/// Verifies a DPoP proof JWT (RFC 9449 §4.3) except for `jti` replay and key binding, which
/// need the server's state. Errors are short static descriptions safe to log and return.
pub(crate) fn verify_dpop_proof(proof: &str, expect: &ProofExpectation<'_>) -> Result<VerifiedProof, &'static str> {
    let mut parts = proof.split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err("proof is not a compact JWS");
    };
    let header = segment_json(h)?;
    if header.get("typ").and_then(Value::as_str) != Some("dpop+jwt") {
        return Err("proof typ is not dpop+jwt");
    }
    if header.get("alg").and_then(Value::as_str) != Some("ES256") {
        return Err("proof alg is not ES256");
    }
    let Some(Value::Object(jwk)) = header.get("jwk") else {
        return Err("proof header has no jwk");
    };
    if jwk.contains_key("d") {
        return Err("proof jwk contains a private key");
    }
    if jwk.get("kty").and_then(Value::as_str) != Some("EC") || jwk.get("crv").and_then(Value::as_str) != Some("P-256") {
        return Err("proof jwk is not an EC P-256 key");
    }
    let (Some(x), Some(y)) = (jwk.get("x").and_then(Value::as_str), jwk.get("y").and_then(Value::as_str)) else {
        return Err("proof jwk lacks x or y");
    };
    let (Some(xb), Some(yb)) = (b64u_decode(x), b64u_decode(y)) else {
        return Err("proof jwk coordinates are not base64url");
    };
    if xb.len() != 32 || yb.len() != 32 {
        return Err("proof jwk coordinates are not 32 bytes");
    }
    let mut sec1 = Vec::with_capacity(65);
    sec1.push(0x04);
    sec1.extend_from_slice(&xb);
    sec1.extend_from_slice(&yb);
    let key = VerifyingKey::from_sec1_bytes(&sec1).map_err(|_| "proof jwk is not a curve point")?;
    let sig_bytes = b64u_decode(s).ok_or("proof signature is not base64url")?;
    if sig_bytes.len() != 64 {
        return Err("proof signature is not 64 bytes");
    }
    let signature = Signature::from_slice(&sig_bytes).map_err(|_| "proof signature is malformed")?;
    let signing_input = &proof[..h.len() + 1 + p.len()];
    key.verify(signing_input.as_bytes(), &signature).map_err(|_| "proof signature does not verify")?;

    let claims = segment_json(p)?;
    let jti = match claims.get("jti").and_then(Value::as_str) {
        Some(j) if !j.is_empty() && j.len() <= 256 => j.to_owned(),
        _ => return Err("proof jti missing"),
    };
    if claims.get("htm").and_then(Value::as_str) != Some(expect.method) {
        return Err("proof htm does not match the request method");
    }
    let htu = claims.get("htu").and_then(Value::as_str).ok_or("proof htu missing")?;
    match (normalised_url(htu), normalised_url(expect.url)) {
        (Some(a), Some(b)) if a == b => {}
        _ => return Err("proof htu does not match the request URL"),
    }
    let iat = match claims.get("iat") {
        Some(v) => v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)),
        None => None,
    }
    .ok_or("proof iat missing")?;
    if (iat - expect.now).abs() > IAT_WINDOW_SECS {
        return Err("proof iat outside the allowed window");
    }
    match (expect.access_token, claims.get("ath")) {
        (Some(token), Some(Value::String(ath))) => {
            if *ath != sha256_b64u(token.as_bytes()) {
                return Err("proof ath does not match the access token");
            }
        }
        (Some(_), _) => return Err("proof ath missing"),
        (None, _) => {}
    }
    let (x, y) = (b64u(&xb), b64u(&yb));
    Ok(VerifiedProof {
        jkt: ec_thumbprint(&x, &y),
        jwk: json!({"kty": "EC", "crv": "P-256", "x": x, "y": y}),
        jti,
        nonce: claims.get("nonce").and_then(Value::as_str).map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7638_example_shape() {
        // Thumbprint is a 43-character base64url string.
        assert_eq!(ec_thumbprint("a", "b").len(), 43);
    }

    #[test]
    fn signed_jwt_verifies_with_public_key() {
        let Some(signer) = IdTokenSigner::generate() else { panic!("no key") };
        let jwt = signer.sign_jwt(&json!({"sub": "x"}));
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let point = signer.key.verifying_key();
        let Some(sig) = b64u_decode(parts[2]) else { panic!("sig") };
        let Ok(sig) = Signature::from_slice(&sig) else { panic!("sig") };
        let input = format!("{}.{}", parts[0], parts[1]);
        assert!(point.verify(input.as_bytes(), &sig).is_ok());
        let tampered = tamper_signature(&jwt);
        let Some(sig2) = tampered.rsplit('.').next().and_then(b64u_decode) else { panic!() };
        let bad = Signature::from_slice(&sig2).map(|s| point.verify(input.as_bytes(), &s).is_ok());
        assert!(!matches!(bad, Ok(true)));
    }
}
