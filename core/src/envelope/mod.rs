//! 免跑腿 envelopes (see ../shared/DOMAIN.md, "Envelope"): the missing material of a case
//! accepted on a 容缺 pledge ([`crate::cases::CasesClient::sign_pledge`]) travels by courier in an
//! envelope whose QR code calls the courier and is scanned by the service window on arrival.
//!
//! Owns:
//! - the envelope's QR code ([`code`]): sealed by the platform, opened offline with the
//!   platform's published envelope key, refused with a typed reason ([`EnvelopeError`]) when
//!   forged, changed, foreign, unknown, expired or revoked (docs/envelope-qr.md);
//! - what a window or courier trusts ([`EnvelopeTrust`]): the platform's published document
//!   (keys and revoked envelopes), kept as a file for offline checks;
//! - its label ([`label`]): SVG for a C6 envelope, text as text, and the code alone for a screen;
//! - the three users' clients ([`EnvelopeClient`] for the applicant: create with the pickup
//!   address the user confirmed, book the courier by scanning, follow the timeline, print;
//!   [`CourierClient`]: scans; [`WindowClient`]: offline check and idempotent receipt);
//! - its SQL (`db.rs`: each holder's envelopes with their timelines, removed at logout).
//!
//! Tracking events also reach the inbox ([`crate::cases::InboxKind::EnvelopeEvent`]) with the
//! envelope's id; [`EnvelopeClient::timeline`] fetches and stores the whole timeline.

mod client;
pub mod code;
pub(crate) mod db;
mod error;
pub mod label;
mod model;
mod trust;

pub use client::{CourierClient, EnvelopeClient, WindowClient};
pub use code::EnvelopeClaims;
pub use error::EnvelopeError;
pub use label::LabelText;
pub use model::*;
pub use trust::{EnvelopeTrust, TRUST_DOCUMENT_PATH};
