//! The e-licence wallet (电子证照, 亮证): signed electronic licences held on the device,
//! verified offline, and shown with selective disclosure.
//!
//! Licences are SD-JWT VCs (RFC 9901 SD-JWT; the IETF SD-JWT VC draft; `typ: dc+sd-jwt`),
//! issued by each city office with its own ES256 key and bound to the device key (`cnf`).
//!
//! What is here so far: [`sd_jwt`], the sans-I/O SD-JWT layer (parsing, the issuer signature,
//! disclosure processing). Fetching, storing, status lists, presentations with key binding,
//! QR codes and verifier mode are being built on it (see the wallet issue).

pub mod sd_jwt;
