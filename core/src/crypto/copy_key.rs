//! Holder keys of licence copies (batch issuance): one fresh software P-256 key per copy, so
//! that no two presentations share a holder key. A hardware [`super::DeviceKeys`] cannot mint
//! keys by the dozen, so these are ring keys whose PKCS#8 document is kept only in the
//! encrypted store (table `licence_copies`) and zeroized in memory; they have no `Debug` and
//! are never logged. The device key still authenticates the wallet to the platform (DPoP).

use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use zeroize::Zeroizing;

use super::jose::EcJwk;

/// Why a copy key could not be made, read or used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum CopyKeyError {
    /// ring could not generate a key (no secure random source).
    #[error("could not generate a copy key")]
    Generate,
    /// The stored PKCS#8 document is not a P-256 key.
    #[error("the stored copy key is unreadable")]
    Unreadable,
    /// ring refused to sign.
    #[error("signing with the copy key failed")]
    Sign,
}

/// One copy's holder key.
pub(crate) struct CopyKey {
    pair: EcdsaKeyPair,
    pkcs8: Zeroizing<Vec<u8>>,
    rng: SystemRandom,
}

impl CopyKey {
    /// A fresh key.
    pub(crate) fn generate() -> Result<Self, CopyKeyError> {
        let rng = SystemRandom::new();
        let document = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).map_err(|_| CopyKeyError::Generate)?;
        Self::from_pkcs8(document.as_ref())
    }

    /// The key kept as this PKCS#8 document.
    pub(crate) fn from_pkcs8(pkcs8: &[u8]) -> Result<Self, CopyKeyError> {
        let rng = SystemRandom::new();
        let pkcs8 = Zeroizing::new(pkcs8.to_vec());
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &pkcs8, &rng).map_err(|_| CopyKeyError::Unreadable)?;
        Ok(Self { pair, pkcs8, rng })
    }

    /// The PKCS#8 document, to keep in the encrypted store.
    pub(crate) fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The public key as a JWK.
    pub(crate) fn jwk(&self) -> Result<EcJwk, CopyKeyError> {
        EcJwk::from_uncompressed_point(self.pair.public_key().as_ref()).map_err(|_| CopyKeyError::Unreadable)
    }

    /// An ES256 signature (`r || s`) over `message`.
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CopyKeyError> {
        self.pair.sign(&self.rng, message).map(|s| s.as_ref().to_vec()).map_err(|_| CopyKeyError::Sign)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::jose::{self, CompactJws};

    #[test]
    fn a_copy_key_survives_the_store_and_signs_es256() {
        let key = CopyKey::generate().unwrap();
        let again = CopyKey::from_pkcs8(key.pkcs8()).unwrap();
        assert_eq!(key.jwk().unwrap(), again.jwk().unwrap());
        let input = jose::signing_input(&serde_json::json!({"alg": "ES256"}), &serde_json::json!({"x": 1}));
        let jws = jose::assemble(&input, &again.sign(input.as_bytes()).unwrap());
        assert_eq!(CompactJws::parse(&jws).unwrap().verify_es256(&key.jwk().unwrap()), Ok(()));
        assert_ne!(CopyKey::generate().unwrap().jwk().unwrap(), key.jwk().unwrap(), "every key is fresh");
        assert!(CopyKey::from_pkcs8(b"not a key").is_err());
    }
}
