//! Where the store's key comes from: the [`KeyProvider`] trait and the passphrase provider.

use std::fmt;
use std::path::{Path, PathBuf};

use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

/// Length of a store key in bytes (SQLCipher's raw AES-256 key).
pub const STORE_KEY_LEN: usize = 32;

/// A raw 256-bit store key. It has no `Debug` value and is zeroized when dropped.
#[derive(Clone)]
pub struct StoreKey(Zeroizing<[u8; STORE_KEY_LEN]>);

impl StoreKey {
    /// Wraps 32 raw bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyProviderError> {
        let array: [u8; STORE_KEY_LEN] = bytes
            .try_into()
            .map_err(|_| KeyProviderError::InvalidKey { reason: format!("a store key has {STORE_KEY_LEN} bytes, got {}", bytes.len()) })?;
        Ok(Self(Zeroizing::new(array)))
    }

    /// A fresh random key from the system's secure random source.
    pub fn generate() -> Result<Self, KeyProviderError> {
        let mut bytes = Zeroizing::new([0u8; STORE_KEY_LEN]);
        SystemRandom::new().fill(bytes.as_mut()).map_err(|_| KeyProviderError::Unavailable { reason: "no secure random source".into() })?;
        Ok(Self(bytes))
    }

    /// The raw bytes, for a platform keystore to wrap. Keep them out of logs.
    pub fn expose_bytes(&self) -> &[u8; STORE_KEY_LEN] {
        &self.0
    }

    /// `x'…'`: the SQLCipher raw-key literal (no key derivation at open).
    pub(crate) fn sqlcipher_literal(&self) -> Zeroizing<String> {
        let mut hex = Zeroizing::new(String::with_capacity(STORE_KEY_LEN * 2 + 3));
        hex.push_str("x'");
        for byte in self.0.iter() {
            hex.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
            hex.push(char::from(b"0123456789abcdef"[usize::from(byte & 0x0f)]));
        }
        hex.push('\'');
        hex
    }
}

impl fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StoreKey(‹redacted›)")
    }
}

impl PartialEq for StoreKey {
    fn eq(&self, other: &Self) -> bool {
        subtle::ConstantTimeEq::ct_eq(self.0.as_slice(), other.0.as_slice()).into()
    }
}

/// Why a key provider could not give a key.
#[derive(Debug, Clone, thiserror::Error)]
pub enum KeyProviderError {
    /// The keystore is locked, the user cancelled, or the key is gone.
    #[error("the store key is unavailable: {reason}")]
    Unavailable {
        /// What the platform said (no key material).
        reason: String,
    },
    /// The provider returned something that is not a 32-byte key.
    #[error("the key provider returned an invalid key: {reason}")]
    InvalidKey {
        /// What was wrong with it.
        reason: String,
    },
}

/// The platform's keystore, as the core sees it.
///
/// Android implements it with the Android Keystore (a random key wrapped by a non-exportable
/// keystore key), iOS with the Keychain, the web build with the host page. The core only asks;
/// it never decides where keys live. Calls happen on a blocking worker thread, never on the
/// caller's thread, so an implementation may wait for the keystore.
pub trait KeyProvider: Send + Sync {
    /// The raw key of the store named `store_id`, created on first use.
    fn store_key(&self, store_id: &str) -> Result<StoreKey, KeyProviderError>;
}

/// A fixed key: for apps that manage the key themselves, and for tests.
pub struct StaticKeyProvider(StoreKey);

impl StaticKeyProvider {
    /// Always answers with `key`.
    pub fn new(key: StoreKey) -> Self {
        Self(key)
    }
}

impl KeyProvider for StaticKeyProvider {
    fn store_key(&self, _store_id: &str) -> Result<StoreKey, KeyProviderError> {
        Ok(self.0.clone())
    }
}

/// The PBKDF2 iteration count of new passphrase stores (OWASP's 2023 figure for PBKDF2-HMAC-SHA256).
pub const DEFAULT_PBKDF2_ITERATIONS: u32 = 600_000;

/// The parameters file a [`PassphraseKeyProvider`] keeps next to the store: `<store_id>.kdf.json`.
///
/// ```json
/// {"version":1,"kdf":"PBKDF2-HMAC-SHA256","iterations":600000,"salt_hex":"<32 hex digits>","key_length":32}
/// ```
/// The store key is `PBKDF2-HMAC-SHA256(password = the passphrase's UTF-8 bytes, salt = the 16
/// bytes of salt_hex, iterations, 32 bytes)`, used as SQLCipher's raw key `x'<hex>'`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct KdfParameters {
    /// Format version of this file (1).
    pub version: u32,
    /// Always `PBKDF2-HMAC-SHA256`.
    pub kdf: String,
    /// PBKDF2 iteration count.
    pub iterations: u32,
    /// The salt, lower-case hex.
    pub salt_hex: String,
    /// Derived key length in bytes (32).
    pub key_length: u32,
}

const KDF_NAME: &str = "PBKDF2-HMAC-SHA256";

/// Derives the store key from a passphrase (PBKDF2-HMAC-SHA256 from ring, with a random salt kept
/// in a parameters file next to the store). For the CLI, the simulator and QA; phone apps use
/// their platform keystore instead.
pub struct PassphraseKeyProvider {
    dir: PathBuf,
    passphrase: Zeroizing<String>,
    iterations: u32,
}

impl PassphraseKeyProvider {
    /// A provider for stores in `dir`, with [`DEFAULT_PBKDF2_ITERATIONS`] for new stores.
    pub fn new(dir: impl Into<PathBuf>, passphrase: impl Into<String>) -> Self {
        Self { dir: dir.into(), passphrase: Zeroizing::new(passphrase.into()), iterations: DEFAULT_PBKDF2_ITERATIONS }
    }

    /// Uses another iteration count for stores created from now on (existing stores keep theirs).
    pub fn with_iterations(mut self, iterations: u32) -> Self {
        self.iterations = iterations.max(1);
        self
    }

    /// The parameters file of `store_id`.
    pub fn parameters_path(&self, store_id: &str) -> PathBuf {
        self.dir.join(format!("{store_id}.kdf.json"))
    }

    fn load_or_create_parameters(&self, store_id: &str) -> Result<KdfParameters, KeyProviderError> {
        let path = self.parameters_path(store_id);
        match std::fs::read(&path) {
            Ok(bytes) => {
                let parameters: KdfParameters = serde_json::from_slice(&bytes).map_err(|e| KeyProviderError::Unavailable {
                    reason: format!("the key parameters file {} is unreadable: {e}", path.display()),
                })?;
                if parameters.kdf != KDF_NAME || parameters.key_length as usize != STORE_KEY_LEN || parameters.iterations == 0 {
                    return Err(KeyProviderError::Unavailable { reason: format!("unsupported key parameters in {}", path.display()) });
                }
                Ok(parameters)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut salt = [0u8; 16];
                SystemRandom::new()
                    .fill(&mut salt)
                    .map_err(|_| KeyProviderError::Unavailable { reason: "no secure random source".into() })?;
                let parameters = KdfParameters {
                    version: 1,
                    kdf: KDF_NAME.into(),
                    iterations: self.iterations,
                    salt_hex: hex::encode(salt),
                    key_length: STORE_KEY_LEN as u32,
                };
                let json = serde_json::to_vec_pretty(&parameters)
                    .map_err(|e| KeyProviderError::Unavailable { reason: format!("cannot encode key parameters: {e}") })?;
                write_atomically(&path, &json)
                    .map_err(|e| KeyProviderError::Unavailable { reason: format!("cannot write {}: {e}", path.display()) })?;
                Ok(parameters)
            }
            Err(e) => Err(KeyProviderError::Unavailable { reason: format!("cannot read {}: {e}", path.display()) }),
        }
    }
}

impl PassphraseKeyProvider {
    /// The key `new_passphrase` gives with this store's saved salt and iteration count: the
    /// `new_key` for [`crate::store::Store::rekey`] when the user changes the passphrase.
    pub fn key_for_new_passphrase(&self, store_id: &str, new_passphrase: &str) -> Result<StoreKey, KeyProviderError> {
        let parameters = self.load_or_create_parameters(store_id)?;
        let salt = hex::decode(&parameters.salt_hex)
            .map_err(|_| KeyProviderError::Unavailable { reason: "the salt in the key parameters file is not hex".into() })?;
        derive_store_key(new_passphrase, &salt, parameters.iterations)
    }
}

/// `PBKDF2-HMAC-SHA256(passphrase, salt, iterations)` → a 32-byte store key.
pub fn derive_store_key(passphrase: &str, salt: &[u8], iterations: u32) -> Result<StoreKey, KeyProviderError> {
    let iterations = std::num::NonZeroU32::new(iterations)
        .ok_or_else(|| KeyProviderError::InvalidKey { reason: "PBKDF2 needs at least one iteration".into() })?;
    let mut out = Zeroizing::new([0u8; STORE_KEY_LEN]);
    ring::pbkdf2::derive(ring::pbkdf2::PBKDF2_HMAC_SHA256, iterations, salt, passphrase.as_bytes(), out.as_mut());
    let key = StoreKey::from_bytes(out.as_ref());
    out.zeroize();
    key
}

impl KeyProvider for PassphraseKeyProvider {
    fn store_key(&self, store_id: &str) -> Result<StoreKey, KeyProviderError> {
        let parameters = self.load_or_create_parameters(store_id)?;
        let salt = hex::decode(&parameters.salt_hex)
            .map_err(|_| KeyProviderError::Unavailable { reason: "the salt in the key parameters file is not hex".into() })?;
        derive_store_key(&self.passphrase, &salt, parameters.iterations)
    }
}

/// Writes `bytes` to `path` through a temporary file, fsync and rename, so a crash leaves the old
/// or the new content, never a mix.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp-write");
    let tmp = std::path::PathBuf::from(tmp);
    {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    sync_parent_dir(path);
    Ok(())
}

/// Makes a rename durable. Best effort: some platforms cannot open directories.
pub(crate) fn sync_parent_dir(path: &Path) {
    if let Some(parent) = path.parent() {
        if let Ok(dir) = std::fs::File::open(parent) {
            let _ = dir.sync_all();
        }
    }
}
