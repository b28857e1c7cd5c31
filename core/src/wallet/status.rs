//! Token Status List (IETF OAuth Status List draft): is a licence revoked?
//!
//! The issuer publishes a JWT (`typ: statuslist+jwt`) whose `status_list.lst` is a zlib-deflated
//! bit string; a licence's `status.status_list.idx` names its bit (least significant bit first
//! within each byte), and 1 means revoked. Sans-I/O: the caller fetches and caches the token.

use std::io::Read as _;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::Value;

use crate::crypto::jose::{CompactJws, EcJwk};

/// Why a status list cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusListProblem {
    /// Not a status list token.
    Malformed,
    /// Not signed by the issuer's key.
    BadSignature,
    /// Its `sub` is not the URI the licence points to.
    WrongSubject,
    /// It has expired (`exp`).
    Expired,
    /// The index is outside the list.
    IndexOutOfRange,
}

/// A verified, decompressed status list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusList {
    bits: u8,
    bytes: Vec<u8>,
    /// When the issuer made it (Unix seconds).
    pub issued_at: i64,
    /// When it stops being valid, if set.
    pub expires_at: Option<i64>,
}

impl StatusList {
    /// Verifies `token` for `uri` with the issuer's keys at time `now`.
    pub fn verify(token: &str, uri: &str, keys: &[EcJwk], now: i64) -> Result<Self, StatusListProblem> {
        let jws = CompactJws::parse(token).map_err(|_| StatusListProblem::Malformed)?;
        if jws.header.get("typ").and_then(Value::as_str) != Some("statuslist+jwt") {
            return Err(StatusListProblem::Malformed);
        }
        let kid = jws.kid();
        if !keys.iter().filter(|k| kid.is_none() || k.kid.is_none() || k.kid.as_deref() == kid).any(|k| jws.verify_es256(k).is_ok()) {
            return Err(StatusListProblem::BadSignature);
        }
        if jws.claims.get("sub").and_then(Value::as_str) != Some(uri) {
            return Err(StatusListProblem::WrongSubject);
        }
        let expires_at = jws.claims.get("exp").and_then(Value::as_i64);
        if expires_at.is_some_and(|exp| exp < now) {
            return Err(StatusListProblem::Expired);
        }
        let list = jws.claims.get("status_list").ok_or(StatusListProblem::Malformed)?;
        let bits =
            list.get("bits").and_then(Value::as_u64).filter(|b| matches!(b, 1 | 2 | 4 | 8)).ok_or(StatusListProblem::Malformed)? as u8;
        let compressed =
            list.get("lst").and_then(Value::as_str).and_then(|l| URL_SAFE_NO_PAD.decode(l).ok()).ok_or(StatusListProblem::Malformed)?;
        let mut bytes = Vec::new();
        // Bounded: a status list of a million licences at 8 bits is 1 MB.
        flate2::read::ZlibDecoder::new(compressed.as_slice())
            .take(16 * 1024 * 1024)
            .read_to_end(&mut bytes)
            .map_err(|_| StatusListProblem::Malformed)?;
        let issued_at = jws.claims.get("iat").and_then(Value::as_i64).unwrap_or(0);
        Ok(Self { bits, bytes, issued_at, expires_at })
    }

    /// The status value at `index` (0 valid, 1 revoked, others issuer-defined).
    pub fn status(&self, index: u64) -> Result<u8, StatusListProblem> {
        let per_byte = 8 / u64::from(self.bits);
        let byte = usize::try_from(index / per_byte).map_err(|_| StatusListProblem::IndexOutOfRange)?;
        let shift = (index % per_byte) * u64::from(self.bits);
        let value = self.bytes.get(byte).ok_or(StatusListProblem::IndexOutOfRange)?;
        let mask = if self.bits == 8 { 0xff } else { (1u8 << self.bits) - 1 };
        Ok((value >> shift) & mask)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    use ring::rand::SystemRandom;
    use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
    use serde_json::json;

    fn token(bytes: &[u8], sub: &str, exp: i64) -> (String, EcJwk) {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
        let jwk = EcJwk::from_uncompressed_point(pair.public_key().as_ref()).unwrap();
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(bytes).unwrap();
        let lst = URL_SAFE_NO_PAD.encode(z.finish().unwrap());
        let input = crate::crypto::jose::signing_input(
            &json!({"alg": "ES256", "typ": "statuslist+jwt"}),
            &json!({"sub": sub, "iat": 1_800_000_000, "exp": exp, "status_list": {"bits": 1, "lst": lst}}),
        );
        let sig = pair.sign(&rng, input.as_bytes()).unwrap();
        (crate::crypto::jose::assemble(&input, sig.as_ref()), jwk)
    }

    #[test]
    fn bits_are_read_least_significant_first() {
        // The status list draft's example: bytes b9 a3 → index 0 = 1, 1 = 0, 3 = 1, 8 = 1, 9 = 1.
        let (t, key) = token(&[0xb9, 0xa3], "https://s.example/1", 1_900_000_000);
        let list = StatusList::verify(&t, "https://s.example/1", &[key], 1_800_000_100).unwrap();
        let got: Vec<u8> = (0..16).map(|i| list.status(i).unwrap()).collect();
        assert_eq!(got, vec![1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]);
        assert_eq!(list.status(16), Err(StatusListProblem::IndexOutOfRange));
    }

    #[test]
    fn a_foreign_expired_or_misaddressed_list_is_refused() {
        let (t, key) = token(&[0], "https://s.example/1", 1_900_000_000);
        let (_, other) = token(&[0], "https://s.example/1", 1_900_000_000);
        assert_eq!(StatusList::verify(&t, "https://s.example/1", &[other], 1_800_000_100), Err(StatusListProblem::BadSignature));
        assert_eq!(
            StatusList::verify(&t, "https://s.example/2", std::slice::from_ref(&key), 1_800_000_100),
            Err(StatusListProblem::WrongSubject)
        );
        assert_eq!(StatusList::verify(&t, "https://s.example/1", &[key], 1_950_000_000), Err(StatusListProblem::Expired));
    }
}
