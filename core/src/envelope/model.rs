//! The envelope capability's public records: an envelope with its timeline, a pickup slot, a
//! courier's scan and a window's receipt, and the pickup address offered from the wallet.

use serde::{Deserialize, Serialize};

use crate::cases::PledgedMaterial;
use crate::privacy::Personal;

/// A step of an envelope's life; the last one is where it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum EnvelopeStep {
    /// Made for the case; the material goes in, then scan the code to book a pickup.
    Created,
    /// A courier pickup is booked for a time slot.
    PickupScheduled,
    /// The courier picked it up at the door.
    PickedUp,
    /// On its way to the window.
    InTransit,
    /// The courier delivered it to the service window.
    Delivered,
    /// The window scanned it and matched it to the case.
    Received,
    /// The window accepted the material: the pledge is kept.
    MaterialAccepted,
    /// The window rejected the material (see the event's reason); send it again in time.
    MaterialRejected,
    /// The platform revoked the envelope (a broken pledge, a replacement): windows refuse it.
    Revoked,
}

/// One step of an envelope's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct EnvelopeEvent {
    /// When (Unix seconds, the platform's clock).
    pub at: i64,
    /// The step.
    pub kind: EnvelopeStep,
    /// Chinese note.
    #[serde(default)]
    pub note_zh: String,
    /// English note.
    #[serde(default)]
    pub note_en: String,
    /// Why the material was rejected.
    #[serde(default)]
    pub reason: Option<String>,
}

/// The service window an envelope goes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct ServiceWindow {
    /// The window's id.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
}

/// A booked pickup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct PickupSlot {
    /// The slot's start (Unix seconds).
    pub slot_start: i64,
    /// Its end (Unix seconds).
    pub slot_end: i64,
}

/// A 免跑腿 envelope for a case accepted on a pledge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct Envelope {
    /// Its opaque id (the code's `cti`, lowercase hex).
    pub id: String,
    /// The case it belongs to.
    pub case_id: String,
    /// The case's service item.
    pub item_id: String,
    /// The materials that go in it.
    pub materials: Vec<PledgedMaterial>,
    /// Where it goes.
    pub destination: ServiceWindow,
    /// The pledge's deadline (`YYYY-MM-DD`, China time): the window must have it by then.
    pub deadline: String,
    /// Made at (Unix seconds).
    pub created_at: i64,
    /// The code's expiry (Unix seconds, CWT `exp`: refused from then on): midnight (China time)
    /// after the deadline day.
    pub expires_at: i64,
    /// The QR code's text (`CKE1:…`, no personal data).
    pub code: String,
    /// Where the courier picks it up (personal data).
    #[cfg_attr(feature = "wasm", tsify(type = "Personal"))]
    pub pickup_address: Personal<String>,
    /// The booked pickup, if any.
    #[serde(default)]
    pub pickup: Option<PickupSlot>,
    /// Where it stands (the last event's step).
    pub status: EnvelopeStep,
    /// Its timeline, oldest first.
    pub events: Vec<EnvelopeEvent>,
}

/// A pickup address offered from the wallet, with where it comes from; nothing leaves the
/// device until the user confirms it in [`EnvelopeClient::create`](super::EnvelopeClient::create).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct PickupAddressOffer {
    /// The address (personal data).
    #[cfg_attr(feature = "wasm", tsify(type = "Personal"))]
    pub address: Personal<String>,
    /// The wallet licence it was read from.
    pub licence_id: String,
    /// That licence's type.
    pub vct: String,
    /// The claim read (`address`).
    pub claim: String,
}

/// What a courier's scan did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct CourierScan {
    /// The envelope.
    pub envelope_id: String,
    /// Where it stands now.
    pub status: EnvelopeStep,
}

/// The window's receipt of an envelope, matched to its case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct EnvelopeReceipt {
    /// The envelope.
    pub envelope_id: String,
    /// The case it is matched to.
    pub case_id: String,
    /// The case's service item.
    pub item_id: String,
    /// The materials it should hold.
    pub materials: Vec<PledgedMaterial>,
    /// The window it was meant for.
    pub destination: ServiceWindow,
    /// When it was first received (Unix seconds).
    pub received_at: i64,
    /// This scan repeated an earlier one (nothing changed).
    pub already_received: bool,
}
