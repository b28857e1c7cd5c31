//! The e-licence wallet (电子证照, 亮证): signed electronic licences held on the device,
//! verified offline, and shown with selective disclosure.
//!
//! Licences are SD-JWT VCs (RFC 9901 SD-JWT; the IETF SD-JWT VC draft; `typ: dc+sd-jwt`),
//! issued by each city office with its own ES256 key and bound to the device key (`cnf`).
//!
//! What is here so far: [`sd_jwt`], the sans-I/O SD-JWT layer: parsing, the issuer signature,
//! disclosure processing (flat, nested and array elements, decoys) and key-binding JWTs.
//! Fetching, storing, status lists, QR codes and verifier mode are being built on it (see the
//! wallet issue); nothing of the wallet is in the public client API yet.

mod client;
mod error;
mod present;
pub mod sd_jwt;
pub mod status;

pub use client::{issuer_metadata_url, licence_id, AccessLogEntry, Licence, LicenceStatus, LicenceSummary, WalletClient};
pub use error::WalletError;
pub use present::{Presentation, TrustedIssuer, VerifiedPresentation, Verifier, MAX_PRESENTATION_LIFETIME_SECS};
