//! The public records and enums of cases: what a face shows (cases, their content for review,
//! submission outcomes, the outbox's pending writes, refusals and dead letters, the inbox).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::autofill::Party;
use crate::privacy::Personal;

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Approved (instantly or by the window).
    Approved,
    /// With a human window, due by `due_date`.
    InReview,
    /// Waiting for co-signers.
    AwaitingSignatures,
    /// A co-signer declined.
    Declined,
    /// Co-signers did not all sign in time.
    Expired,
    /// The window refused it.
    Rejected,
    /// A material the item tolerates (容缺) is missing: waiting for the applicant's signed
    /// pledge ([`CasesClient::review_pledge`](super::CasesClient::review_pledge)).
    AwaitingPledge,
    /// Accepted on the signed pledge, waiting for the missing material by the pledge's deadline
    /// (sent in a 免跑腿 envelope, see [`crate::envelope`]).
    AwaitingMaterial,
    /// The pledge's deadline passed without the material: the case ends and the person may not
    /// pledge again at this platform.
    PledgeBroken,
}

impl CaseStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approved => "approved",
            Self::InReview => "in_review",
            Self::AwaitingSignatures => "awaiting_signatures",
            Self::Declined => "declined",
            Self::Expired => "expired",
            Self::Rejected => "rejected",
            Self::AwaitingPledge => "awaiting_pledge",
            Self::AwaitingMaterial => "awaiting_material",
            Self::PledgeBroken => "pledge_broken",
        }
    }

    /// Finished cases can be rated.
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Approved | Self::Declined | Self::Expired | Self::Rejected | Self::PledgeBroken)
    }
}

/// 好差评.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    /// 好评.
    Good,
    /// 差评.
    Bad,
}

impl Rating {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Good => "good",
            Self::Bad => "bad",
        }
    }
}

/// A co-signer as the case shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct CaseParty {
    /// Their role.
    pub role: String,
    /// Their name (personal data).
    #[cfg_attr(feature = "wasm", tsify(type = "Personal"))]
    pub name: Personal<String>,
    /// Signed the current content.
    #[serde(default)]
    pub signed: bool,
    /// Declined.
    #[serde(default)]
    pub declined: bool,
}

/// One step of a case's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct CaseEvent {
    /// When (Unix seconds).
    pub at: i64,
    /// The status it moved to.
    pub status: CaseStatus,
    /// Chinese note.
    #[serde(default)]
    pub note_zh: String,
    /// English note.
    #[serde(default)]
    pub note_en: String,
}

/// The applicant of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct CaseApplicant {
    /// Their platform id.
    pub id: String,
    /// Their role (e.g. `landlord`, or `applicant`).
    #[serde(default)]
    pub role: String,
}

/// A case as the platform reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct Case {
    /// The platform's case number.
    pub id: String,
    /// The service item.
    pub item_id: String,
    /// Where it stands.
    pub status: CaseStatus,
    /// Submitted at (Unix seconds).
    pub submitted_at: i64,
    /// For a manual case: the promised date (`YYYY-MM-DD`, China time).
    #[serde(default)]
    pub due_date: Option<String>,
    /// Decided at (Unix seconds).
    #[serde(default)]
    pub decided_at: Option<i64>,
    /// Who applied.
    pub applicant: CaseApplicant,
    /// The co-signers.
    #[serde(default)]
    pub parties: Vec<CaseParty>,
    /// Status changes, oldest first.
    #[serde(default)]
    pub history: Vec<CaseEvent>,
    /// The rating given, if any.
    #[serde(default)]
    pub rating: Option<Rating>,
    /// base64url SHA-256 of the case content (what signers sign).
    #[serde(default)]
    pub content_sha256: Option<String>,
    /// The wallet id of the licence the case issued, once stored.
    #[serde(default)]
    pub result_licence_id: Option<String>,
    /// The 容缺 pledge, when a tolerated material is missing (the applicant's view only).
    #[serde(default)]
    pub pledge: Option<CasePledge>,
}

/// Where a case's 容缺 pledge stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct CasePledge {
    /// The day by which the material must reach the window (`YYYY-MM-DD`, China time).
    pub deadline: String,
    /// When the applicant signed it (Unix seconds).
    #[serde(default)]
    pub signed_at: Option<i64>,
    /// The material was received and accepted: the pledge is kept.
    #[serde(default)]
    pub fulfilled: bool,
}

/// A material the case lacks and the pledge promises.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct PledgedMaterial {
    /// The catalogue's material id.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
}

/// A pledge to review before signing it: exactly what the platform will hold the applicant to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct PledgeReview {
    /// The case.
    pub case_id: String,
    /// The missing materials.
    pub materials: Vec<PledgedMaterial>,
    /// By when (`YYYY-MM-DD`, China time, inclusive).
    pub deadline: String,
    /// The pledge's text, in Chinese (the catalogue's standard pledge).
    pub text_zh: String,
    /// The pledge's text, in English.
    pub text_en: String,
    /// base64url SHA-256 of the pledge's bytes, computed here; pass it to sign.
    pub pledge_sha256: String,
}

/// The exact content of a case, as its signers review and sign it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct CaseContent {
    /// The case.
    pub case_id: String,
    /// The service item.
    pub item_id: String,
    /// Increases with every change.
    pub revision: u32,
    /// Every field's value (personal data).
    #[cfg_attr(feature = "wasm", tsify(type = "Record<string, Personal>"))]
    pub fields: BTreeMap<String, Personal<String>>,
    /// The signers.
    pub parties: Vec<Party>,
}

/// A case with its content, for review before signing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct CaseReview {
    /// The case.
    pub case: Case,
    /// What would be signed.
    pub content: CaseContent,
    /// base64url SHA-256 of the content bytes, computed here; pass it to sign.
    pub content_sha256: String,
}

/// What happened to a submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(tag = "outcome", rename_all = "snake_case")]
// Returned once per submission, never kept in bulk; boxing the case would not cross UniFFI.
#[allow(clippy::large_enum_variant)]
pub enum SubmissionOutcome {
    /// The platform has the case.
    Accepted {
        /// The case.
        case: Case,
    },
    /// Not sent yet (offline, or the platform failed): kept in the outbox and retried.
    Queued {
        /// The submission's id (its idempotency key).
        submission_id: String,
        /// Attempts so far.
        attempts: u32,
        /// Why the last attempt failed.
        last_error: Option<String>,
    },
}

/// What a queued write is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum WriteKind {
    /// A case submission (its reference is the service item).
    Case,
    /// An amendment of a case sent back for changes.
    Amendment,
    /// A rating (好差评) of a finished case.
    Rating,
    /// A kind this version does not know (an entry written by a newer CityKit).
    Unknown,
}

impl WriteKind {
    /// The name stored in the outbox's `kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Case => "case",
            Self::Amendment => "amendment",
            Self::Rating => "rating",
            Self::Unknown => "unknown",
        }
    }

    /// The kind of a stored name.
    pub fn parse(name: &str) -> Self {
        match name {
            "case" => Self::Case,
            "amendment" => Self::Amendment,
            "rating" => Self::Rating,
            _ => Self::Unknown,
        }
    }
}

/// A write waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct PendingSubmission {
    /// Its id (idempotency key).
    pub submission_id: String,
    /// A case, an amendment or a rating.
    pub kind: WriteKind,
    /// The item (for a case) .
    pub item_id: Option<String>,
    /// The case (for an amendment or a rating).
    pub case_id: Option<String>,
    /// Attempts so far.
    pub attempts: u32,
    /// Next attempt not before (Unix seconds).
    pub next_attempt_at: i64,
    /// Why the last attempt failed (an error code).
    pub last_error: Option<String>,
}

/// What [`CasesClient::retry_pending`](super::CasesClient::retry_pending) did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct RetryReport {
    /// Cases (and amendments) the platform now has.
    pub accepted: Vec<Case>,
    /// Ratings delivered (case ids).
    pub rated: Vec<String>,
    /// Refused for good: a submission's draft is back, and every refusal is kept in
    /// [`CasesClient::refusals`](super::CasesClient::refusals).
    pub refused: Vec<RefusalNotice>,
    /// Entries that could not be read, moved to
    /// [`CasesClient::dead_letters`](super::CasesClient::dead_letters); the others were sent.
    pub dead_lettered: Vec<DeadLetterNotice>,
    /// Still queued.
    pub pending: Vec<PendingSubmission>,
}

/// A queued write the platform refused for good during a retry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct RefusalNotice {
    /// The outbox entry's id (see [`CasesClient::refusals`](super::CasesClient::refusals)).
    pub submission_id: String,
    /// The error's stable code, e.g. `case.refused`.
    pub code: String,
}

/// An outbox entry that could not be read and was moved to the dead letters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct DeadLetterNotice {
    /// The entry's id (its idempotency key).
    pub submission_id: String,
    /// A case, an amendment or a rating.
    pub kind: WriteKind,
    /// What was wrong (an error code and where, never the content).
    pub reason: String,
}

/// An outbox entry this version could not read, kept so nothing is lost silently: the app can
/// show it, hand it to support, and delete it
/// ([`CasesClient::delete_dead_letter`](super::CasesClient::delete_dead_letter)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct DeadLetter {
    /// The entry's id (its idempotency key).
    pub submission_id: String,
    /// A case, an amendment or a rating.
    pub kind: WriteKind,
    /// The item (for a case) or the case (for an amendment or a rating).
    pub refers_to: Option<String>,
    /// What was wrong (an error code and where, never the content).
    pub reason: String,
    /// Attempts made before.
    pub attempts: u32,
    /// Queued at (Unix seconds).
    pub created_at: i64,
    /// Moved here at (Unix seconds).
    pub failed_at: i64,
    /// The entry as stored (may hold personal data: show it to its owner only).
    #[cfg_attr(feature = "wasm", tsify(type = "Personal"))]
    pub body: Personal<String>,
}

/// A queued write the platform refused for good (or that can never be made, e.g. a licence it
/// presents was revoked): kept for the user to read until dismissed
/// ([`CasesClient::dismiss_refusal`](super::CasesClient::dismiss_refusal)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct RefusedWrite {
    /// The write's id (its idempotency key).
    pub submission_id: String,
    /// A case, an amendment or a rating.
    pub kind: WriteKind,
    /// The case (for an amendment or a rating).
    pub case_id: Option<String>,
    /// The item (for a case).
    pub item_id: Option<String>,
    /// For a case: the draft that was put back.
    pub draft_id: Option<String>,
    /// The platform's HTTP status; `None` when the write could not be made on this device.
    pub status: Option<u16>,
    /// The platform's error code (`invalid_field`, `case_closed`, `already_rated`, …) or, for a
    /// write that could not be made here, CityKit's error code (`wallet.revoked`, …).
    pub reason: String,
    /// The field the platform named, if any.
    pub field: Option<String>,
    /// When (Unix seconds).
    pub refused_at: i64,
}

/// The kinds of inbox items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum InboxKind {
    /// A case of yours changed status.
    CaseStatus,
    /// Someone asks you to co-sign.
    CosignRequest,
    /// A step of one of your envelopes (pickup booked, picked up, delivered, received, the
    /// material accepted or rejected).
    EnvelopeEvent,
    /// A pledge's deadline is near.
    PledgeReminder,
    /// A policy campaign this identity is eligible for (matched on the device; the platform
    /// broadcasts every campaign to everyone and the device keeps only those that apply).
    PolicyCampaign,
}

/// One notice in the inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct InboxItem {
    /// Increasing id.
    pub id: i64,
    /// When (Unix seconds).
    pub at: i64,
    /// What it is about.
    pub kind: InboxKind,
    /// The case (none for a campaign).
    #[serde(default)]
    pub case_id: Option<String>,
    /// The service item (a campaign's, if it has one; else empty).
    #[serde(default)]
    pub item_id: String,
    /// The case's status at the time (none for a campaign).
    #[serde(default)]
    pub status: Option<CaseStatus>,
    /// Chinese title.
    #[serde(default)]
    pub title_zh: String,
    /// English title.
    #[serde(default)]
    pub title_en: String,
    /// The envelope it is about (envelope events, pledge reminders).
    #[serde(default)]
    pub envelope_id: Option<String>,
    /// The campaign it is about (policy campaigns).
    #[serde(default)]
    pub campaign_id: Option<String>,
    /// Read on this device.
    #[serde(default)]
    pub read: bool,
}
