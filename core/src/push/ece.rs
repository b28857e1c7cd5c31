//! Web Push message encryption (RFC 8291) in the `aes128gcm` content coding (RFC 8188): what a
//! push body is, so the carrier (FCM, APNs, a browser's push service) never reads it.
//!
//! Nothing here implements a primitive: the receiver's static-key ECDH is the `p256` crate's
//! (ring has ephemeral ECDH only), HKDF-SHA-256 and AES-128-GCM are ring's. This module only
//! follows the RFCs' key schedule and record framing:
//!
//! - header: `salt (16) | rs (u32, big-endian) | idlen (1) | keyid (idlen)`, where `keyid` is the
//!   sender's ephemeral public key (65 bytes, uncompressed);
//! - `PRK_key = HKDF-Extract(auth_secret, ECDH(ua_private, as_public))`,
//!   `IKM = HKDF-Expand(PRK_key, "WebPush: info" 0x00 ua_public as_public, 32)`;
//! - `PRK = HKDF-Extract(salt, IKM)`, `CEK = HKDF-Expand(PRK, "Content-Encoding: aes128gcm" 0x00, 16)`,
//!   `NONCE = HKDF-Expand(PRK, "Content-Encoding: nonce" 0x00, 12)`, XORed with the record number;
//! - each record is `rs` bytes of AES-128-GCM output (the last may be shorter); its plaintext ends
//!   with a delimiter (`0x01`, or `0x02` in the last record) and zero padding.

use p256::elliptic_curve::sec1::ToEncodedPoint;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_128_GCM};
use ring::hkdf::{KeyType, Salt, HKDF_SHA256};
use zeroize::Zeroizing;

use super::PushError;

const SALT_LEN: usize = 16;
const TAG_LEN: usize = 16;
const PUBLIC_KEY_LEN: usize = 65;
const HEADER_LEN: usize = SALT_LEN + 4 + 1 + PUBLIC_KEY_LEN;
/// The record size a sender uses (RFC 8188's default): one record holds a push body of a few KB.
pub const RECORD_SIZE: u32 = 4096;
/// The largest body accepted (push services carry at most about 4 KB; some up to 8 KB).
pub const MAX_BODY_BYTES: usize = 8 * 1024;

struct Len(usize);

impl KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

fn hkdf(salt: &[u8], ikm: &[u8], info: &[&[u8]], len: usize) -> Result<Zeroizing<Vec<u8>>, PushError> {
    let prk = Salt::new(HKDF_SHA256, salt).extract(ikm);
    let mut out = Zeroizing::new(vec![0u8; len]);
    prk.expand(info, Len(len)).and_then(|okm| okm.fill(&mut out)).map_err(|_| PushError::Undecryptable)?;
    Ok(out)
}

/// The content-encryption key and base nonce of one message.
struct Keys {
    cek: Zeroizing<Vec<u8>>,
    nonce: Zeroizing<Vec<u8>>,
}

fn keys(shared: &[u8], auth_secret: &[u8], ua_public: &[u8], as_public: &[u8], salt: &[u8]) -> Result<Keys, PushError> {
    let ikm = hkdf(auth_secret, shared, &[b"WebPush: info\0", ua_public, as_public], 32)?;
    Ok(Keys {
        cek: hkdf(salt, &ikm, &[b"Content-Encoding: aes128gcm\0"], 16)?,
        nonce: hkdf(salt, &ikm, &[b"Content-Encoding: nonce\0"], 12)?,
    })
}

fn record_nonce(base: &[u8], seq: u64) -> Result<Nonce, PushError> {
    let mut bytes = [0u8; 12];
    bytes.copy_from_slice(base);
    for (i, b) in seq.to_be_bytes().iter().enumerate() {
        bytes[4 + i] ^= b;
    }
    Ok(Nonce::assume_unique_for_key(bytes))
}

fn ecdh(private: &p256::SecretKey, public: &[u8]) -> Result<Zeroizing<Vec<u8>>, PushError> {
    let public = p256::PublicKey::from_sec1_bytes(public).map_err(|_| PushError::Malformed { details: "not a P-256 key".into() })?;
    let shared = p256::ecdh::diffie_hellman(private.to_nonzero_scalar(), public.as_affine());
    Ok(Zeroizing::new(shared.raw_secret_bytes().to_vec()))
}

/// The receiver's uncompressed public key (`p256dh`, 65 bytes).
pub fn public_key_bytes(private: &p256::SecretKey) -> Vec<u8> {
    private.public_key().to_encoded_point(false).as_bytes().to_vec()
}

/// Decrypts a push body for the receiver `ua_private` with its `auth_secret`.
pub fn decrypt(body: &[u8], ua_private: &p256::SecretKey, auth_secret: &[u8]) -> Result<Vec<u8>, PushError> {
    let malformed = |details: &str| PushError::Malformed { details: details.to_owned() };
    if body.len() > MAX_BODY_BYTES {
        return Err(malformed("larger than a push body"));
    }
    if body.len() < HEADER_LEN + TAG_LEN + 1 {
        return Err(malformed("shorter than a header and one record"));
    }
    let (salt, rest) = body.split_at(SALT_LEN);
    let rs = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
    let idlen = rest[4] as usize;
    if idlen != PUBLIC_KEY_LEN {
        return Err(malformed("the key id is not a P-256 public key"));
    }
    if rs < TAG_LEN + 2 {
        return Err(malformed("record size too small"));
    }
    let as_public = &rest[5..5 + PUBLIC_KEY_LEN];
    let ciphertext = &rest[5 + PUBLIC_KEY_LEN..];
    let shared = ecdh(ua_private, as_public)?;
    let ua_public = public_key_bytes(ua_private);
    let keys = keys(&shared, auth_secret, &ua_public, as_public, salt)?;
    let key = LessSafeKey::new(UnboundKey::new(&AES_128_GCM, &keys.cek).map_err(|_| PushError::Undecryptable)?);
    let records: Vec<&[u8]> = ciphertext.chunks(rs).collect();
    let mut plaintext = Vec::with_capacity(ciphertext.len());
    for (seq, record) in records.iter().enumerate() {
        let last = seq + 1 == records.len();
        if record.len() <= TAG_LEN {
            return Err(malformed("a record without content"));
        }
        let mut buf = record.to_vec();
        let opened =
            key.open_in_place(record_nonce(&keys.nonce, seq as u64)?, Aad::empty(), &mut buf).map_err(|_| PushError::Undecryptable)?;
        // Padding: zeros after the delimiter, which says whether this is the last record.
        let end = opened.iter().rposition(|b| *b != 0).ok_or_else(|| malformed("a record of padding only"))?;
        match (opened[end], last) {
            (2, true) | (1, false) => plaintext.extend_from_slice(&opened[..end]),
            _ => return Err(malformed("a record's delimiter does not match its place")),
        }
    }
    Ok(plaintext)
}

/// Encrypts `plaintext` for the receiver's `ua_public` and `auth_secret` with the sender's
/// ephemeral `as_private` and `salt` (the platform's side; both fresh for every message). One
/// record of at most [`RECORD_SIZE`].
pub fn encrypt(
    plaintext: &[u8],
    ua_public: &[u8],
    auth_secret: &[u8],
    as_private: &p256::SecretKey,
    salt: &[u8; 16],
) -> Result<Vec<u8>, PushError> {
    if plaintext.len() + 1 + TAG_LEN > RECORD_SIZE as usize {
        return Err(PushError::Malformed { details: "too long for one record".into() });
    }
    let as_public = public_key_bytes(as_private);
    let shared = ecdh(as_private, ua_public)?;
    let keys = keys(&shared, auth_secret, ua_public, &as_public, salt)?;
    let key = LessSafeKey::new(UnboundKey::new(&AES_128_GCM, &keys.cek).map_err(|_| PushError::Undecryptable)?);
    let mut record = plaintext.to_vec();
    record.push(2);
    key.seal_in_place_append_tag(record_nonce(&keys.nonce, 0)?, Aad::empty(), &mut record).map_err(|_| PushError::Undecryptable)?;
    let mut body = Vec::with_capacity(HEADER_LEN + record.len());
    body.extend_from_slice(salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(PUBLIC_KEY_LEN as u8);
    body.extend_from_slice(&as_public);
    body.extend_from_slice(&record);
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    fn b64(s: &str) -> Vec<u8> {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s).unwrap()
    }

    // RFC 8291, Appendix A.
    const PLAINTEXT: &str = "When I grow up, I want to be a watermelon";
    const UA_PRIVATE: &str = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
    const UA_PUBLIC: &str = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    const AS_PRIVATE: &str = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
    const AUTH_SECRET: &str = "BTBZMqHH6r4Tts7J_aSIgg";
    const SALT: &str = "DGv6ra1nlYgDCS1FRnbzlw";
    const BODY: &str = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";

    fn ua() -> p256::SecretKey {
        p256::SecretKey::from_slice(&b64(UA_PRIVATE)).unwrap()
    }

    #[test]
    fn the_rfc_8291_appendix_a_message_decrypts_to_its_plaintext() {
        assert_eq!(public_key_bytes(&ua()), b64(UA_PUBLIC));
        assert_eq!(decrypt(&b64(BODY), &ua(), &b64(AUTH_SECRET)).unwrap(), PLAINTEXT.as_bytes());
    }

    #[test]
    fn encrypting_with_the_appendix_a_inputs_gives_its_body_byte_for_byte() {
        let sender = p256::SecretKey::from_slice(&b64(AS_PRIVATE)).unwrap();
        let salt: [u8; 16] = b64(SALT).try_into().unwrap();
        let body = encrypt(PLAINTEXT.as_bytes(), &b64(UA_PUBLIC), &b64(AUTH_SECRET), &sender, &salt).unwrap();
        assert_eq!(body, b64(BODY));
    }

    #[test]
    fn tampered_truncated_or_foreign_bodies_are_refused() {
        let body = b64(BODY);
        let auth = b64(AUTH_SECRET);
        for i in [0, 20, 30, HEADER_LEN, body.len() - 1] {
            let mut tampered = body.clone();
            tampered[i] ^= 1;
            assert!(decrypt(&tampered, &ua(), &auth).is_err(), "byte {i}");
        }
        assert!(matches!(decrypt(&body[..body.len() - 1], &ua(), &auth), Err(PushError::Undecryptable)));
        assert!(matches!(decrypt(&body[..40], &ua(), &auth), Err(PushError::Malformed { .. })));
        // Another device's key, or another auth secret.
        let other = p256::SecretKey::random(&mut rand::rngs::OsRng);
        assert!(matches!(decrypt(&body, &other, &auth), Err(PushError::Undecryptable)));
        assert!(matches!(decrypt(&body, &ua(), &[7u8; 16]), Err(PushError::Undecryptable)));
        assert!(matches!(decrypt(&vec![0u8; MAX_BODY_BYTES + 1], &ua(), &auth), Err(PushError::Malformed { .. })));
    }
}
