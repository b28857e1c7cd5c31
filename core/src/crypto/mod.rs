//! Cryptography the core needs, all of it through ring: JOSE (JWS compact ES256, JWK
//! thumbprints), random values, the device key, and the software keys of licence copies
//! (`copy_key`).
//!
//! Nothing here implements a primitive: signatures, digests, HMAC and randomness are ring's.
//! This module only encodes and decodes the JOSE containers around them (RFC 7515, 7517, 7638).

pub(crate) mod copy_key;
pub mod device_key;
pub mod jose;
#[cfg(target_arch = "wasm32")]
pub mod web_keys;

pub(crate) use device_key::DeviceSigner;
pub use device_key::{DeviceKeyError, DeviceKeys, DevicePublicKey, SoftwareDeviceKeys};

use base64::Engine as _;
use ring::rand::{SecureRandom, SystemRandom};

/// `n` random bytes, base64url without padding (state, nonce, PKCE verifier, jti).
pub(crate) fn random_token(n: usize) -> Result<String, ring::error::Unspecified> {
    let mut bytes = vec![0u8; n];
    SystemRandom::new().fill(&mut bytes)?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// `n` random bytes as lowercase hex: ids people pass on a command line (drafts, submissions), which
/// must never start with `-` as a base64url id may.
pub(crate) fn random_id(n: usize) -> Result<String, ring::error::Unspecified> {
    let mut bytes = vec![0u8; n];
    SystemRandom::new().fill(&mut bytes)?;
    Ok(hex::encode(bytes))
}

/// base64url(SHA-256(input)), no padding: PKCE S256 challenges and DPoP `ath`.
pub(crate) fn sha256_b64url(input: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(ring::digest::digest(&ring::digest::SHA256, input))
}
