//! CityKit's UniFFI face: one library (`libcitykit_ffi`) for Kotlin, Swift and Python.
//!
//! Thin by design: it converts types, maps errors to [`CityKitError`] with the core's stable
//! codes, owns the one tokio runtime every call runs on, and adapts the app's callback
//! interfaces ([`KeyProvider`], [`DeviceKeys`], [`UserPresence`], [`LoginStateListener`]) to the
//! core's traits. No business logic lives here.
//!
//! Object lifetimes: [`CityKitClient`] is cheap to keep for the whole app process (Kotlin: hold
//! one in the Application; Swift: one per app); [`TaskHandle`]s stop their subscription when
//! dropped or cancelled.

mod callbacks;
mod client;
mod error;
mod runtime;
mod services;
mod types;
mod wallet;

pub use callbacks::{DeviceKeys, KeyProvider, LoginStateListener, UserPresence};
pub use client::{open_client, passphrase_key_provider, wipe_store, CityKitClient, TaskHandle};
pub use error::CityKitError;
pub use services::*;
pub use types::*;
pub use wallet::{draw_presentation_qr, AccessLogEntry, LicenceSummary, Presentation, PresentationVerifier, QrImage, VerifiedPresentation};

uniffi::setup_scaffolding!();
