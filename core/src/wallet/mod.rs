//! The e-licence wallet (电子证照, 亮证): signed electronic licences held on the device,
//! verified offline, and shown with selective disclosure.
//!
//! Licences are SD-JWT VCs (RFC 9901 SD-JWT; the IETF SD-JWT VC draft; `typ: dc+sd-jwt`),
//! issued by each city office with its own ES256 key and bound to the device key (`cnf`).
//!
//! - [`WalletClient`] (`client.wallet()`): fetch the current identity's licences after consent
//!   (the shell's presence check), verify each (issuer signature against the issuer's published
//!   keys, every disclosure digest, `vct`, binding to this device's key, dates, the issuer's signed
//!   status list), keep them in the encrypted store, list/show/remove them offline (with the time
//!   of the last status check and an expiry warning), and log every consent and presentation
//!   without values.
//! - [`WalletClient::present`] (亮证): only the chosen disclosures plus a key-binding JWT signed by
//!   the device key for one audience and nonce, accepted for at most 60 s.
//! - [`Verifier`] (sans-I/O) and [`VerifierClient`] (`client.verifier(…)`, for a window
//!   officer's app or a kiosk): verify a presentation against trusted issuers and answer the
//!   claims or a typed [`WalletError`] per reason (unknown issuer, bad signature, tampered or
//!   foreign disclosure, bad key binding, wrong audience, replayed nonce, expired, not yet
//!   valid, revoked, malformed). The client also fetches and caches the issuers' status lists
//!   and remembers nonces in the store, across restarts.
//! - [`qr`]: presentations packed (`CK1:`, docs/qr-packing.md) and drawn as QR codes a camera
//!   reads off a phone screen.

pub(crate) mod access_log;
mod client;
mod error;
pub(crate) mod forget;
mod present;
pub mod qr;
pub mod sd_jwt;
pub mod status;
pub(crate) mod status_cache;
mod verifier;

pub use client::{issuer_metadata_url, licence_id, AccessLogEntry, Licence, LicenceStatus, LicenceSummary, LicenceUsability, WalletClient};
pub use error::WalletError;
pub use present::{Presentation, TrustedIssuer, VerifiedPresentation, Verifier, MAX_PRESENTATION_LIFETIME_SECS};
pub use verifier::{VerifierClient, VerifierSettings};
