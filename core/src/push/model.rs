//! The push capability's public records.

use serde::Serialize;

use crate::cases::InboxItem;

/// This device's Web Push subscription, as the platform needs it (RFC 8030/8291): the carrier's
/// endpoint (or token) and the device's public key and auth secret, base64url.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct PushSubscription {
    /// The carrier's endpoint or token the shell handed in.
    pub endpoint: String,
    /// The device's P-256 public key, uncompressed, base64url (`keys.p256dh`).
    pub p256dh: String,
    /// The 16-byte auth secret, base64url (`keys.auth`).
    pub auth: String,
}

/// What the shell should do with a push it handed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum PushAction {
    /// Show a notification.
    Show {
        /// Its title, in the language asked for.
        title: String,
        /// Its text.
        body: String,
        /// Where a tap leads (`citykit://case/{id}`, `citykit://envelope/{id}`).
        deep_link: String,
    },
    /// Show nothing now: the notice is new and in the inbox, but held back (quiet hours, the
    /// daily limit).
    Silent {
        /// Why.
        reason: super::HeldBack,
    },
    /// Show nothing: the notice was delivered before (a carrier's duplicate); it is in the inbox.
    Duplicate,
}

/// A push handed in: the inbox item it carried (stored) and what the shell should do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct PushOutcome {
    /// The notice, as now in the inbox.
    pub item: InboxItem,
    /// Show it or not.
    pub action: PushAction,
}
