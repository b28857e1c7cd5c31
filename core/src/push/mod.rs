//! Encrypted push (see ../shared/DOMAIN.md, "Inbox, Push"): the platform's notices reach the
//! device through a carrier (FCM, APNs, a browser's push service) that cannot read them.
//!
//! Owns:
//! - the message encryption ([`ece`], RFC 8291 `aes128gcm` with the receiver's static P-256 key
//!   through the `p256` crate and ring's HKDF and AES-128-GCM), checked against the RFC's own
//!   Appendix A message;
//! - the device's push key and auth secret (made on first use, kept in the encrypted store,
//!   removed at logout) and its subscription at the platform ([`PushClient::subscribe`],
//!   [`PushClient::rotate_keys`]);
//! - every raw body the shell hands in ([`PushClient::receive`]): decrypted, the platform's
//!   signature (`citykit-push+jwt`, its key from `/.well-known/citykit-push-keys`) checked, the
//!   recipient checked, the notice stored once in the one inbox (`crate::cases`' table: a pushed
//!   and a pulled copy are one item) and the shell told what to show;
//! - its errors ([`PushError`]) and its SQL (`db.rs`).
//!
//! - when a notice may interrupt ([`PushSettings`]: quiet hours in China time wrapping midnight,
//!   per weekday, and a daily limit; co-signing requests and pledge reminders bypass both): a
//!   held-back notice is still in the inbox.
//!
//! - notices too large for a push (RFC 8030 §7.2: a few KB): the message names the item's kind
//!   and inbox id, and the item is fetched by that reference as the identity it is for;
//! - policy campaigns, broadcast to everyone: kept and shown only when the device finds the
//!   identity eligible ([`crate::recommend`]), else [`HeldBack::NotEligible`].
//!
//! The inbox's change stream is `crate::cases`' ([`crate::cases::InboxWatch`]).

mod client;
pub(crate) mod db;
pub mod ece;
mod error;
mod model;
mod policy;

pub(crate) use client::forget_at_platform;
pub use client::{PushClient, PUSH_KEYS_PATH};
pub use error::PushError;
pub use model::*;
pub use policy::{hold_back, in_quiet_hours, is_urgent, HeldBack, PushSettings, QuietHours};
