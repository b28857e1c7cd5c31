//! JOSE containers around ring's ES256: compact JWS parsing and building, EC JWKs, RFC 7638
//! thumbprints.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What is wrong with a JWS or JWK.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JoseError {
    /// Not three base64url parts of JSON.
    #[error("malformed JWS: {0}")]
    Malformed(&'static str),
    /// The algorithm is not ES256.
    #[error("unsupported algorithm")]
    UnsupportedAlgorithm,
    /// The key is not a P-256 public key.
    #[error("invalid key: {0}")]
    InvalidKey(&'static str),
    /// The signature does not verify.
    #[error("bad signature")]
    BadSignature,
}

/// A P-256 public key as a JWK (RFC 7517 §6.2): only the public members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EcJwk {
    /// "EC".
    pub kty: String,
    /// "P-256".
    pub crv: String,
    /// The x coordinate, base64url.
    pub x: String,
    /// The y coordinate, base64url.
    pub y: String,
    /// Key id, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// Algorithm, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// Intended use, if given.
    #[serde(rename = "use", default, skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
}

impl EcJwk {
    /// The JWK of an uncompressed SEC1 point (`0x04 || x || y`, 65 bytes).
    pub fn from_uncompressed_point(point: &[u8]) -> Result<Self, JoseError> {
        if point.len() != 65 || point[0] != 0x04 {
            return Err(JoseError::InvalidKey("expected an uncompressed P-256 point"));
        }
        Ok(Self {
            kty: "EC".into(),
            crv: "P-256".into(),
            x: URL_SAFE_NO_PAD.encode(&point[1..33]),
            y: URL_SAFE_NO_PAD.encode(&point[33..65]),
            kid: None,
            alg: None,
            use_: None,
        })
    }

    /// `0x04 || x || y`.
    pub fn uncompressed_point(&self) -> Result<Vec<u8>, JoseError> {
        if self.kty != "EC" || self.crv != "P-256" {
            return Err(JoseError::InvalidKey("not a P-256 key"));
        }
        let x = URL_SAFE_NO_PAD.decode(&self.x).map_err(|_| JoseError::InvalidKey("x is not base64url"))?;
        let y = URL_SAFE_NO_PAD.decode(&self.y).map_err(|_| JoseError::InvalidKey("y is not base64url"))?;
        if x.len() != 32 || y.len() != 32 {
            return Err(JoseError::InvalidKey("coordinates must be 32 bytes"));
        }
        let mut point = Vec::with_capacity(65);
        point.push(0x04);
        point.extend_from_slice(&x);
        point.extend_from_slice(&y);
        Ok(point)
    }

    /// The RFC 7638 thumbprint (SHA-256 over the required members in lexicographic order), base64url.
    pub fn thumbprint(&self) -> String {
        let canonical = format!(r#"{{"crv":"{}","kty":"{}","x":"{}","y":"{}"}}"#, self.crv, self.kty, self.x, self.y);
        super::sha256_b64url(canonical.as_bytes())
    }

    /// The members of the public JWK as a JSON value (no kid/alg/use), for a DPoP header.
    pub fn public_value(&self) -> Value {
        serde_json::json!({"kty": self.kty, "crv": self.crv, "x": self.x, "y": self.y})
    }
}

/// A parsed compact JWS whose signature has not been checked yet.
#[derive(Debug, Clone)]
pub struct CompactJws {
    /// The protected header.
    pub header: Value,
    /// The payload, parsed as JSON.
    pub claims: Value,
    signing_input: String,
    signature: Vec<u8>,
}

impl CompactJws {
    /// Splits and decodes `header.payload.signature`.
    pub fn parse(token: &str) -> Result<Self, JoseError> {
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(JoseError::Malformed("a compact JWS has three parts"));
        };
        let header_bytes = URL_SAFE_NO_PAD.decode(h).map_err(|_| JoseError::Malformed("header is not base64url"))?;
        let payload_bytes = URL_SAFE_NO_PAD.decode(p).map_err(|_| JoseError::Malformed("payload is not base64url"))?;
        let signature = URL_SAFE_NO_PAD.decode(s).map_err(|_| JoseError::Malformed("signature is not base64url"))?;
        let header: Value = serde_json::from_slice(&header_bytes).map_err(|_| JoseError::Malformed("header is not JSON"))?;
        let claims: Value = serde_json::from_slice(&payload_bytes).map_err(|_| JoseError::Malformed("payload is not JSON"))?;
        if !header.is_object() || !claims.is_object() {
            return Err(JoseError::Malformed("header and payload must be JSON objects"));
        }
        // RFC 7515 §4.1.11: a recipient must refuse a JWS whose `crit` names extensions it does
        // not understand, and CityKit understands none.
        if header.get("crit").is_some() {
            return Err(JoseError::Malformed("the header has critical extensions (crit) CityKit does not understand"));
        }
        Ok(Self { header, claims, signing_input: format!("{h}.{p}"), signature })
    }

    /// The `alg` header.
    pub fn alg(&self) -> Option<&str> {
        self.header.get("alg").and_then(Value::as_str)
    }

    /// The `kid` header.
    pub fn kid(&self) -> Option<&str> {
        self.header.get("kid").and_then(Value::as_str)
    }

    /// Checks an ES256 signature against `key`.
    pub fn verify_es256(&self, key: &EcJwk) -> Result<(), JoseError> {
        if self.alg() != Some("ES256") {
            return Err(JoseError::UnsupportedAlgorithm);
        }
        let point = key.uncompressed_point()?;
        ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_FIXED, point)
            .verify(self.signing_input.as_bytes(), &self.signature)
            .map_err(|_| JoseError::BadSignature)
    }
}

/// `base64url(header).base64url(claims)`: the input an ES256 signer signs.
pub fn signing_input(header: &Value, claims: &Value) -> String {
    format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()))
}

/// Appends a raw `r || s` signature to a signing input.
pub fn assemble(signing_input: &str, signature: &[u8]) -> String {
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_with_critical_extensions_is_refused() {
        let claims = serde_json::json!({"sub": "x"});
        let plain = format!("{}.AAAA", signing_input(&serde_json::json!({"alg": "ES256"}), &claims));
        assert!(CompactJws::parse(&plain).is_ok());
        for crit in [serde_json::json!(["exp"]), serde_json::json!(["b64"]), serde_json::json!([])] {
            let token =
                format!("{}.AAAA", signing_input(&serde_json::json!({"alg": "ES256", "crit": crit, "exp": 1, "b64": false}), &claims));
            assert!(matches!(CompactJws::parse(&token), Err(JoseError::Malformed(_))), "{crit}");
        }
    }

    /// RFC 7638 §3.1 gives an RSA example; for EC we check against the RFC 7515 A.3 key's known thumbprint shape
    /// and against an independent computation of the canonical form.
    #[test]
    fn thumbprint_uses_the_canonical_member_order() {
        let jwk = EcJwk {
            kty: "EC".into(),
            crv: "P-256".into(),
            x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU".into(),
            y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0".into(),
            kid: Some("ignored".into()),
            alg: None,
            use_: None,
        };
        let expected = crate::crypto::sha256_b64url(
            br#"{"crv":"P-256","kty":"EC","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#,
        );
        assert_eq!(jwk.thumbprint(), expected);
    }

    /// RFC 7515 Appendix A.3: a published ES256 JWS verifies with its published key, and any
    /// changed byte is rejected.
    #[test]
    fn rfc7515_a3_es256_example_verifies() {
        let jws = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
        let key = EcJwk {
            kty: "EC".into(),
            crv: "P-256".into(),
            x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU".into(),
            y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0".into(),
            kid: None,
            alg: None,
            use_: None,
        };
        let parsed = CompactJws::parse(jws).expect("parses");
        assert_eq!(parsed.verify_es256(&key), Ok(()));
        assert_eq!(parsed.claims["iss"], "joe");
        // Flip one character in the payload and in the signature.
        let mut tampered = jws.to_string();
        tampered.replace_range(40..41, if &jws[40..41] == "A" { "B" } else { "A" });
        let result = CompactJws::parse(&tampered).and_then(|j| j.verify_es256(&key));
        assert!(result.is_err());
        let mut bad_sig = jws.to_string();
        let last = bad_sig.len() - 2;
        bad_sig.replace_range(last..last + 1, if &jws[last..last + 1] == "A" { "B" } else { "A" });
        assert_eq!(CompactJws::parse(&bad_sig).and_then(|j| j.verify_es256(&key)), Err(JoseError::BadSignature));
    }

    #[test]
    fn malformed_tokens_are_typed_errors() {
        for bad in ["", "a.b", "a.b.c.d", "!!!.e30.AA", "e30.!!!.AA", "bm90IGpzb24.e30.AA"] {
            assert!(matches!(CompactJws::parse(bad), Err(JoseError::Malformed(_))), "{bad}");
        }
    }
}
