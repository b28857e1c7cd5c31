//! The e-licence wallet (电子证照, 亮证): signed electronic licences fetched with consent,
//! verified on the way in, kept encrypted on the device, and shown offline with selective
//! disclosure; and verifier mode, which checks what is shown.
//!
//! Licences are SD-JWT VCs (RFC 9901 SD-JWT; the IETF SD-JWT VC draft; `typ: dc+sd-jwt`),
//! issued by each city office with its own ES256 key and bound to the device key (`cnf`), with
//! copies bound to one-use keys for presentations (below).
//! Revocation is the IETF Token Status List draft.
//!
//! - [`WalletClient`] (`client.wallet()`): fetch the current identity's licences from the platform
//!   after consent (the shell's presence check), verify each (issuer signature against the keys in
//!   the issuer's `/.well-known/jwt-vc-issuer` metadata, fetched and kept a day, an older set used
//!   offline; every disclosure digest, `vct`, binding to this device's key, the issuer's signed
//!   status list, status unknown when none can be had), keep them in the encrypted store (also a
//!   licence a case issues), list/show/remove them offline with the last status check, an expiry
//!   warning and a [`LicenceUsability`] (usable, not yet valid, expired, revoked), re-check status
//!   on request (`refresh_status`), and log every consent and presentation without values
//!   (`access_log`; a logout forgets the holder's licences and log, `forget`).
//! - [`WalletClient::present`] (亮证): a usable licence only; the chosen disclosures of a copy
//!   of the licence never shown before plus a key-binding JWT signed by that copy's key for one
//!   audience and nonce, accepted for at most 60 s, drawn as a QR code.
//! - Copies (batch issuance, after OpenID4VCI's nonce endpoint, `jwt` key proofs and batch
//!   issuance; docs/platform-api.md): one licence shown twice would carry the same issuer
//!   signature, holder key, salts and digests, so two verifiers could link the showings. So
//!   `fetch_licences` also fetches a batch of copies of each licence (10,
//!   `COPY_BATCH_SIZE`), each bound to its own fresh software P-256 key (`crypto::copy_key`: a
//!   hardware device key cannot mint keys by the dozen; the private key lives only in the
//!   encrypted store, table `licence_copies`, and is zeroized in memory), with its own salts,
//!   signature and status index. `present` shows each copy once and wipes its key in the same
//!   transaction as the access-log entry; with fewer than 3 (`COPY_REFILL_BELOW`) unused
//!   copies left it fetches a new batch of that licence at once when online (a failure is only
//!   logged; the refill needs no new consent and logs none: nothing new is read), and with none
//!   left and no network it refuses with `wallet.no_fresh_copy` rather than show one twice.
//!   `refresh_status` checks the licence's index and every unused copy's (the status list
//!   covers every copy). The licence itself stays bound to the device key: the platform's own
//!   requests (case materials) use it, since the platform requires its binding to the DPoP key.
//!   The wallet's licence id is stable across fetches and copies: 16 hex digits of SHA-256 over
//!   `[holder, iss, vct, licence_number]` (never sent; a verifier's `licence_id` is per copy).
//! - [`Verifier`] (sans-I/O) and [`VerifierClient`] (`client.verifier(…)`, `verifier.rs`, for a
//!   window officer's app or a kiosk): verify a presentation against trusted issuers and answer
//!   the claims or a typed [`WalletError`] per reason (unknown issuer, bad signature, tampered or
//!   foreign disclosure, bad key binding, wrong audience, replayed nonce, expired, not yet valid,
//!   revoked, malformed). The client also fetches status lists and remembers nonces in the
//!   store, across restarts.
//! - [`sd_jwt`] and [`status`]: parsing and checking SD-JWTs and status lists, sans-I/O;
//!   `status_cache`: the one store cache of status lists the wallet (a day old at most) and the
//!   verifier (its own [`VerifierSettings`]) share, used offline up to the caller's age.
//! - [`qr`]: presentations packed (`CK1:`, docs/qr-packing.md) and drawn as QR codes a camera
//!   reads off a phone screen.
//! - `db`: the SQL of the wallet's tables (licences, their copies, issuer keys, the status-list
//!   cache, the verifier's nonces); the access log keeps its own (`access_log`).

pub(crate) mod access_log;
mod client;
mod db;
mod error;
pub(crate) mod forget;
mod present;
pub mod qr;
pub mod sd_jwt;
pub mod status;
pub(crate) mod status_cache;
mod verifier;

pub use client::{
    issuer_metadata_url, licence_id, AccessLogEntry, Licence, LicenceStatus, LicenceSummary, LicenceUsability, WalletClient,
    EXPIRY_WARNING_SECS,
};
pub use error::WalletError;
pub use present::{Presentation, TrustedIssuer, VerifiedPresentation, Verifier, MAX_PRESENTATION_LIFETIME_SECS};
pub use verifier::{VerifierClient, VerifierSettings};
