//! CityKit's UniFFI face: one library (`libcitykit_ffi`) for Kotlin, Swift and Python.
//!
//! Thin by design. The records and enums are the core's own (derived in `citykit-core` behind
//! its `uniffi` feature, so no field can be dropped on the way); this crate holds only:
//!
//! - the objects apps hold: [`CityKitClient`] and its sub-clients, reached as in Rust:
//!   `client.identity()`, `.wallet()`, `.catalogue()`, `.autofill()`, `.cases()`,
//!   `.envelopes()`, `.courier()`, `.envelope_window(…)`, `.push()`, `.recommend()`, `.verifier(…)` ([`IdentityClient`],
//!   [`WalletClient`], [`CatalogueClient`], [`AutofillClient`], [`CasesClient`],
//!   [`EnvelopesClient`], [`CourierClient`], [`WindowClient`], [`PushClient`], [`RecommendClient`],
//!   [`VerifierClient`]);
//! - the one error object, [`CityKitError`] (a stable `code`, a domain, messages in Chinese and
//!   English, `details`);
//! - the callback interfaces the app implements ([`KeyProvider`], [`DeviceKeys`],
//!   [`UserPresence`], [`LoginStateListener`], [`InboxListener`]) and their adapters to the
//!   core's traits;
//! - the one tokio runtime: every async export runs on it by construction
//!   (`#[citykit_ffi_macros::export]`, see `runtime.rs`).
//!
//! Object lifetimes: [`CityKitClient`] is cheap to keep for the whole app process (Kotlin: hold
//! one in the Application; Swift: one per app); sub-clients are cheap views of it;
//! [`TaskHandle`]s stop their subscription when dropped or cancelled.

mod callbacks;
mod cases;
mod catalogue;
mod client;
mod envelope;
mod error;
mod identity;
mod push;
mod recommend;
mod runtime;
mod subscription;
mod wallet;

pub use callbacks::{CallbackError, DeviceKeys, InboxListener, KeyProvider, LoginStateListener, UserPresence};
pub use cases::CasesClient;
pub use cases::INBOX_THREAD_NAME;
pub use catalogue::{AutofillClient, CatalogueClient};
pub use client::{open_client, passphrase_key_provider, wipe_store, CityKitClient};
pub use envelope::{CourierClient, EnvelopesClient, WindowClient};
pub use error::{ApiResult, CityKitError};
pub use identity::{IdentityClient, LISTENER_THREAD_NAME};
pub use push::PushClient;
pub use recommend::RecommendClient;
pub use subscription::TaskHandle;
pub use wallet::{draw_presentation_qr, VerifierClient, WalletClient};

uniffi::setup_scaffolding!();
