//! Encrypted push (see ../shared/DOMAIN.md, "Inbox, Push"): the platform's notices reach the
//! device through a carrier (FCM, APNs, a browser's push service) that cannot read them.
//!
//! Owns today: the message encryption ([`ece`], RFC 8291 `aes128gcm` with the receiver's
//! static P-256 key through the `p256` crate and ring's HKDF and AES-128-GCM), checked against
//! the RFC's own Appendix A message, and its errors ([`PushError`]). The per-device push key and
//! subscription, the platform's signed messages inside, de-duplication, quiet hours and the one
//! inbox come with the rest of the push issue.

pub mod ece;
mod error;

pub use error::PushError;
