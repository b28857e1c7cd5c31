//! 免跑腿 envelopes (see ../shared/DOMAIN.md, "Envelope"): the missing material of a case
//! accepted on a 容缺 pledge travels by courier in an envelope whose QR code calls the courier
//! and is scanned by the service window on arrival.
//!
//! Owns today: the envelope's QR code ([`code`]): sealed by the platform, opened offline by the
//! courier's and the window's apps with the platform's published envelope key, refused with a
//! typed reason ([`EnvelopeError`]) when forged, changed, foreign, unknown or expired (the format
//! is specified in docs/envelope-qr.md); and its label ([`label`]): SVG for a C6 envelope, text as
//! text, and the code alone for a screen. The pledge, the envelope's creation, pickup, tracking and
//! receipt come with the rest of the envelope issue.

pub mod code;
mod error;
pub mod label;

pub use code::EnvelopeClaims;
pub use error::EnvelopeError;
pub use label::LabelText;
