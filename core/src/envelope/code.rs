//! The envelope's QR code (see docs/envelope-qr.md): a CWT claims set in a COSE_Sign1 (ES256,
//! `kid`), zlib-compressed, Base45-encoded behind the prefix `CKE1:` — the EU digital COVID
//! certificate's encoding — drawn in QR alphanumeric mode at error correction Q.
//!
//! The code carries no personal data: the platform, the envelope's opaque id, when it was made
//! and its deadline. Everything else (the case, the materials, the window) stays at the platform
//! and is found by the id.

use coset::cwt::{ClaimsSet, ClaimsSetBuilder, Timestamp};
use coset::{iana, CborSerializable, CoseSign1, CoseSign1Builder, HeaderBuilder, TaggedCborSerializable};
use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_FIXED};

use super::EnvelopeError;
use crate::crypto::jose::EcJwk;

/// What precedes the Base45 text (QR alphanumeric characters only).
pub const PREFIX: &str = "CKE1:";
/// The largest decompressed COSE message accepted (a real one is about 100 bytes): a guard
/// against a small code that inflates to gigabytes.
const MAX_INFLATED_BYTES: u64 = 4096;
/// The largest scanned text accepted.
const MAX_TEXT_CHARS: usize = 2048;

/// What an envelope's code says.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct EnvelopeClaims {
    /// The platform that made the envelope (CWT `iss`).
    pub issuer: String,
    /// The envelope's opaque id (CWT `cti`, as lowercase hex).
    pub envelope_id: String,
    /// When it was made (Unix seconds, CWT `iat`).
    pub issued_at: i64,
    /// Its deadline (Unix seconds, CWT `exp`).
    pub expires_at: i64,
}

fn malformed(details: &str) -> EnvelopeError {
    EnvelopeError::Malformed { details: details.to_owned() }
}

/// Makes an envelope's code: `sign` returns the ES256 signature (`r || s`, 64 bytes) of the
/// bytes it is given, with the platform key named `kid`. Used by the platform (the simulator);
/// the phone and the window only open codes.
pub fn seal(
    claims: &EnvelopeClaims,
    kid: &str,
    sign: impl FnOnce(&[u8]) -> Result<Vec<u8>, EnvelopeError>,
) -> Result<String, EnvelopeError> {
    let id = hex::decode(&claims.envelope_id).map_err(|_| malformed("the envelope id is not hex"))?;
    let payload = ClaimsSetBuilder::new()
        .issuer(claims.issuer.clone())
        .issued_at(Timestamp::WholeSeconds(claims.issued_at))
        .expiration_time(Timestamp::WholeSeconds(claims.expires_at))
        .cwt_id(id)
        .build()
        .to_vec()
        .map_err(|_| malformed("the claims cannot be encoded"))?;
    let protected = HeaderBuilder::new().algorithm(iana::Algorithm::ES256).key_id(kid.as_bytes().to_vec()).build();
    let message = CoseSign1Builder::new().protected(protected).payload(payload).try_create_signature(&[], sign)?.build();
    let cbor = message.to_tagged_vec().map_err(|_| malformed("the message cannot be encoded"))?;
    let compressed = deflate(&cbor)?;
    Ok(format!("{PREFIX}{}", base45::encode(&compressed)))
}

/// Opens a scanned envelope code offline: the prefix, Base45, zlib, the COSE_Sign1 (tagged or
/// untagged), its ES256 signature by one of `keys` (found by `kid`), the issuer and the deadline.
pub fn open(scanned: &str, expected_issuer: &str, keys: &[EcJwk], now: i64) -> Result<EnvelopeClaims, EnvelopeError> {
    let text = scanned.trim();
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(malformed("too long"));
    }
    let body = text.strip_prefix(PREFIX).ok_or_else(|| malformed("no CKE1: prefix"))?;
    let compressed = base45::decode(body).map_err(|_| malformed("not Base45"))?;
    let cbor = inflate(&compressed)?;
    let message =
        CoseSign1::from_tagged_slice(&cbor).or_else(|_| CoseSign1::from_slice(&cbor)).map_err(|_| malformed("not a COSE_Sign1"))?;
    let alg = message.protected.header.alg.as_ref();
    if alg != Some(&coset::RegisteredLabelWithPrivate::Assigned(iana::Algorithm::ES256)) {
        return Err(malformed("not ES256"));
    }
    let kid = String::from_utf8(message.protected.header.key_id.clone()).map_err(|_| malformed("the kid is not text"))?;
    let key = keys.iter().find(|k| k.kid.as_deref() == Some(kid.as_str())).ok_or(EnvelopeError::UnknownKey)?;
    let point = key.uncompressed_point().map_err(|_| EnvelopeError::UnknownKey)?;
    message
        .verify_signature(&[], |signature, data| UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &point).verify(data, signature))
        .map_err(|_| EnvelopeError::BadSignature)?;
    let payload = message.payload.as_deref().ok_or_else(|| malformed("no payload"))?;
    let claims = ClaimsSet::from_slice(payload).map_err(|_| malformed("not a CWT claims set"))?;
    let seconds = |t: &Option<Timestamp>| match t {
        Some(Timestamp::WholeSeconds(s)) => Some(*s),
        _ => None,
    };
    let issuer = claims.issuer.ok_or_else(|| malformed("no iss"))?;
    if issuer != expected_issuer {
        return Err(EnvelopeError::WrongIssuer);
    }
    let expires_at = seconds(&claims.expiration_time).ok_or_else(|| malformed("no exp"))?;
    let issued_at = seconds(&claims.issued_at).ok_or_else(|| malformed("no iat"))?;
    let id = claims.cwt_id.filter(|id| !id.is_empty()).ok_or_else(|| malformed("no cti"))?;
    if expires_at <= now {
        return Err(EnvelopeError::Expired);
    }
    Ok(EnvelopeClaims { issuer, envelope_id: hex::encode(id), issued_at, expires_at })
}

fn deflate(bytes: &[u8]) -> Result<Vec<u8>, EnvelopeError> {
    use std::io::Write as _;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(bytes).and_then(|_| z.finish()).map_err(|_| malformed("cannot compress"))
}

fn inflate(bytes: &[u8]) -> Result<Vec<u8>, EnvelopeError> {
    use std::io::Read as _;
    let mut out = Vec::new();
    let mut reader = flate2::read::ZlibDecoder::new(bytes).take(MAX_INFLATED_BYTES + 1);
    reader.read_to_end(&mut out).map_err(|_| malformed("not zlib"))?;
    if out.len() as u64 > MAX_INFLATED_BYTES {
        return Err(malformed("too large when inflated"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;
    use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};

    struct PlatformKey {
        pair: EcdsaKeyPair,
        jwk: EcJwk,
    }

    fn platform_key(kid: &str) -> PlatformKey {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
        let mut jwk = EcJwk::from_uncompressed_point(pair.public_key().as_ref()).unwrap();
        jwk.kid = Some(kid.to_owned());
        PlatformKey { pair, jwk }
    }

    fn claims() -> EnvelopeClaims {
        EnvelopeClaims {
            issuer: "https://city.example".into(),
            envelope_id: "00112233445566778899aabbccddeeff".into(),
            issued_at: 1_800_000_000,
            expires_at: 1_800_000_000 + 14 * 86_400,
        }
    }

    fn seal_with(key: &PlatformKey, claims: &EnvelopeClaims) -> String {
        seal(claims, key.jwk.kid.as_deref().unwrap(), |data| Ok(key.pair.sign(&SystemRandom::new(), data).unwrap().as_ref().to_vec()))
            .unwrap()
    }

    #[test]
    fn a_sealed_code_opens_offline_and_is_qr_alphanumeric() {
        let key = platform_key("envelope-2026");
        let text = seal_with(&key, &claims());
        assert!(text.starts_with(PREFIX));
        let alphanumeric = |c: char| c.is_ascii_digit() || c.is_ascii_uppercase() || " $%*+-./:".contains(c);
        assert!(text.chars().all(alphanumeric), "{text}");
        assert_eq!(open(&text, "https://city.example", std::slice::from_ref(&key.jwk), 1_800_000_100).unwrap(), claims());
        // Drawn at error correction Q in alphanumeric mode: about 240 characters fit version 11
        // (251 alphanumeric characters at Q); in byte mode they would need version 15 or more.
        assert!(text.len() <= 251, "{} chars", text.len());
        let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::Q).unwrap();
        assert!(matches!(code.version(), qrcode::Version::Normal(v) if v <= 11), "{:?} for {} chars", code.version(), text.len());
    }

    #[test]
    fn untagged_messages_are_accepted_too() {
        let key = platform_key("k1");
        let text = seal_with(&key, &claims());
        let cbor = inflate(&base45::decode(&text[PREFIX.len()..]).unwrap()).unwrap();
        let untagged = CoseSign1::from_tagged_slice(&cbor).unwrap().to_vec().unwrap();
        let other = format!("{PREFIX}{}", base45::encode(deflate(&untagged).unwrap()));
        assert_eq!(open(&other, "https://city.example", &[key.jwk], 1_800_000_100).unwrap(), claims());
    }

    #[test]
    fn forgeries_are_refused_with_their_reason() {
        let key = platform_key("k1");
        let keys = [key.jwk.clone()];
        let text = seal_with(&key, &claims());
        let iss = "https://city.example";
        // Another key under the same kid: a forgery.
        let forger = platform_key("k1");
        assert_eq!(open(&seal_with(&forger, &claims()), iss, &keys, 1_800_000_100), Err(EnvelopeError::BadSignature));
        // A key the window does not know.
        assert_eq!(open(&seal_with(&platform_key("k9"), &claims()), iss, &keys, 1_800_000_100), Err(EnvelopeError::UnknownKey));
        // Claims changed after signing (the payload swapped inside a validly shaped message).
        let cbor = inflate(&base45::decode(&text[PREFIX.len()..]).unwrap()).unwrap();
        let mut message = CoseSign1::from_tagged_slice(&cbor).unwrap();
        let mut changed = claims();
        changed.expires_at += 365 * 86_400;
        message.payload = Some(
            ClaimsSetBuilder::new()
                .issuer(changed.issuer.clone())
                .issued_at(Timestamp::WholeSeconds(changed.issued_at))
                .expiration_time(Timestamp::WholeSeconds(changed.expires_at))
                .cwt_id(hex::decode(&changed.envelope_id).unwrap())
                .build()
                .to_vec()
                .unwrap(),
        );
        let tampered = format!("{PREFIX}{}", base45::encode(deflate(&message.to_tagged_vec().unwrap()).unwrap()));
        assert_eq!(open(&tampered, iss, &keys, 1_800_000_100), Err(EnvelopeError::BadSignature));
        // Another platform's envelope, an expired one.
        assert_eq!(open(&text, "https://other-city.example", &keys, 1_800_000_100), Err(EnvelopeError::WrongIssuer));
        assert_eq!(open(&text, iss, &keys, claims().expires_at), Err(EnvelopeError::Expired));
        // Not an envelope code at all.
        for bad in ["", "HC1:6BFOXN", "CKE1:not base45 ~", "CKE1:", &format!("{PREFIX}{}", base45::encode(b"not zlib"))] {
            assert!(matches!(open(bad, iss, &keys, 1_800_000_100), Err(EnvelopeError::Malformed { .. })), "{bad}");
        }
    }

    /// The worked example of docs/envelope-qr.md opens to the claims the document gives.
    #[test]
    fn the_documented_example_opens() {
        let doc = include_str!("../../../docs/envelope-qr.md");
        let line = |prefix: &str| {
            doc.lines().find_map(|l| l.trim().strip_prefix(prefix)).map(str::trim).unwrap_or_else(|| panic!("no {prefix} line"))
        };
        let jwk: EcJwk = serde_json::from_str(line("key:")).unwrap();
        let text = line("code:");
        let claims = open(text, "https://city.example", &[jwk], 1_795_000_100).unwrap();
        assert_eq!(
            claims,
            EnvelopeClaims {
                issuer: "https://city.example".into(),
                envelope_id: "5f3c9a0e2b7d41c6a8e1f0b2c4d6e8fa".into(),
                issued_at: 1_795_000_000,
                expires_at: 1_796_209_600,
            }
        );
        // The document's intermediate forms are the code's.
        let zlib = hex::decode(line("zlib:")).unwrap();
        assert_eq!(base45::encode(&zlib), &text[PREFIX.len()..]);
        assert_eq!(inflate(&zlib).unwrap(), hex::decode(line("cose:")).unwrap());
    }

    #[test]
    fn a_code_that_inflates_past_the_limit_is_refused() {
        let bomb = deflate(&vec![0u8; 1 << 20]).unwrap();
        let text = format!("{PREFIX}{}", base45::encode(&bomb));
        assert!(text.len() < MAX_TEXT_CHARS, "{}", text.len());
        assert_eq!(
            open(&text, "https://city.example", &[], 0),
            Err(EnvelopeError::Malformed { details: "too large when inflated".into() })
        );
    }
}
