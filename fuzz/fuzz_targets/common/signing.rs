//! Signing inside the harness, so the fuzzer can reach what comes after a signature check:
//! a target turns plain-JSON shorthand in its input into tokens signed with a key it made at
//! start-up and trusts. (The fuzzer cannot forge signatures; without this, only the claims of the
//! genuine seeds would get past the first check.)
#![allow(dead_code)] // each target uses what it needs

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use citykit_core::crypto::jose::{self, EcJwk};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use serde_json::Value;

/// A P-256 key the harness signs with.
pub struct Signer {
    pair: EcdsaKeyPair,
    rng: SystemRandom,
    /// Its public JWK.
    pub jwk: EcJwk,
}

impl Signer {
    /// A fresh key (None only when the system has no random source).
    pub fn new(kid: Option<&str>) -> Option<Self> {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).ok()?;
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).ok()?;
        let mut jwk = EcJwk::from_uncompressed_point(pair.public_key().as_ref()).ok()?;
        jwk.kid = kid.map(str::to_owned);
        Some(Self { pair, rng, jwk })
    }

    /// The compact JWS of `claims` under `header`.
    pub fn sign(&self, header: &Value, claims: &Value) -> String {
        let input = jose::signing_input(header, claims);
        match self.pair.sign(&self.rng, input.as_bytes()) {
            Ok(signature) => jose::assemble(&input, signature.as_ref()),
            Err(_) => input,
        }
    }
}

/// base64url (no padding) of `text`.
pub fn b64(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(text)
}

/// base64url(SHA-256(text)): an SD-JWT disclosure digest and a key-binding `sd_hash`.
pub fn digest(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(ring::digest::digest(&ring::digest::SHA256, text.as_bytes()))
}
