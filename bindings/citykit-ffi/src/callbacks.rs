//! Interfaces the app implements, and their adapters to the core's traits.
//!
//! The core calls them on a blocking worker thread (never the app's main thread), so an
//! implementation may wait for the keystore or the person. They fail with [`CallbackError`]:
//! the core turns it into its own typed error (`store.key_unavailable`, …) carrying `reason`.

use std::sync::Arc;

use citykit_core::cases::InboxChange;
use citykit_core::crypto::{DeviceKeyError, DevicePublicKey};
use citykit_core::identity::PresenceError;
use citykit_core::store::{KeyProviderError, StoreKey};
use citykit_core::{LoginState, PresencePurpose};

/// What an app's callback throws: Kotlin `CallbackException.Unavailable`, Swift
/// `CallbackError.unavailable`, Python `CallbackError.Unavailable`.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum CallbackError {
    /// The keystore, secure element or prompt could not do it. `reason` is kept in the core's
    /// error details: write no personal data into it.
    #[error("unavailable: {reason}")]
    Unavailable {
        /// Why, for logs and bug reports.
        reason: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for CallbackError {
    fn from(_: uniffi::UnexpectedUniFFICallbackError) -> Self {
        // An app callback threw something other than CallbackError. Its text is left out: an
        // exception's message or stack trace may hold anything, personal data included.
        Self::Unavailable { reason: "the app's callback threw an unexpected exception".into() }
    }
}

impl CallbackError {
    fn reason(self) -> String {
        match self {
            Self::Unavailable { reason } => reason,
        }
    }
}

/// The platform keystore (Android Keystore, iOS Keychain): gives the store's raw 32-byte key,
/// creating it on first use. The core never decides where keys live.
#[uniffi::export(with_foreign)]
pub trait KeyProvider: Send + Sync {
    /// The raw key of the store named `store_id`.
    fn store_key(&self, store_id: String) -> Result<Vec<u8>, CallbackError>;
}

/// A hardware-backed P-256 key (Android Keystore/StrongBox, Secure Enclave) that signs and never
/// reveals its private half.
#[uniffi::export(with_foreign)]
pub trait DeviceKeys: Send + Sync {
    /// The public key, uncompressed SEC1 (`0x04 || x || y`, 65 bytes).
    fn public_key(&self) -> Result<Vec<u8>, CallbackError>;
    /// ECDSA P-256 / SHA-256 over `message`, as the 64-byte `r || s`.
    fn sign(&self, message: Vec<u8>) -> Result<Vec<u8>, CallbackError>;
}

/// The shell's biometric, PIN or face (刷脸) prompt.
#[uniffi::export(with_foreign)]
pub trait UserPresence: Send + Sync {
    /// Shows the prompt; true when the person confirmed.
    fn confirm(&self, purpose: PresencePurpose) -> Result<bool, CallbackError>;
}

/// Receives the login state: the current one at once, then every change, in order. It is called
/// on a thread of its own for each subscription (named `citykit-login`), never on one of
/// CityKit's runtime workers and never while CityKit holds a lock, so it may call back into the
/// client. Post to the UI thread yourself.
#[uniffi::export(with_foreign)]
pub trait LoginStateListener: Send + Sync {
    /// The new state.
    fn on_login_state(&self, state: LoginState);
}

/// Receives the inbox's changes: the current state at once, then every change, in order, each
/// with the unread count after it (see the core's `InboxWatch`). Called like
/// [`LoginStateListener`], on a thread of its own for each subscription (named `citykit-inbox`).
#[uniffi::export(with_foreign)]
pub trait InboxListener: Send + Sync {
    /// One change.
    fn on_inbox_change(&self, change: InboxChange);
}

pub(crate) struct KeyProviderAdapter(pub(crate) Arc<dyn KeyProvider>);

impl citykit_core::KeyProvider for KeyProviderAdapter {
    fn store_key(&self, store_id: &str) -> Result<StoreKey, KeyProviderError> {
        let bytes = self.0.store_key(store_id.to_owned()).map_err(|e| KeyProviderError::Unavailable { reason: e.reason() })?;
        StoreKey::from_bytes(&bytes)
    }
}

pub(crate) struct DeviceKeysAdapter(pub(crate) Arc<dyn DeviceKeys>);

impl citykit_core::crypto::DeviceKeys for DeviceKeysAdapter {
    fn public_key(&self) -> Result<DevicePublicKey, DeviceKeyError> {
        self.0.public_key().map(DevicePublicKey).map_err(|e| DeviceKeyError::Unavailable { reason: e.reason() })
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, DeviceKeyError> {
        self.0.sign(message.to_vec()).map_err(|e| DeviceKeyError::SigningFailed { reason: e.reason() })
    }
}

pub(crate) struct UserPresenceAdapter(pub(crate) Arc<dyn UserPresence>);

impl citykit_core::UserPresence for UserPresenceAdapter {
    fn confirm(&self, purpose: &PresencePurpose) -> Result<bool, PresenceError> {
        self.0.confirm(purpose.clone()).map_err(|e| PresenceError::Unavailable { reason: e.reason() })
    }
}

/// The passphrase provider of the core, for QA scripts and tools (apps use their keystore).
pub(crate) struct PassphraseProvider(pub(crate) citykit_core::PassphraseKeyProvider);

impl KeyProvider for PassphraseProvider {
    fn store_key(&self, store_id: String) -> Result<Vec<u8>, CallbackError> {
        use citykit_core::KeyProvider as _;
        let key = self.0.store_key(&store_id).map_err(|e| CallbackError::Unavailable { reason: e.to_string() })?;
        Ok(key.expose_bytes().to_vec())
    }
}
