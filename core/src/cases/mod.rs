//! Cases (办件): submitting a filled form, 秒批 results, multi-party co-signing (一事多人),
//! ratings (好差评) and the inbox.
//!
//! Owns: the persisted outbox. A submission gets its idempotency key and is written to the
//! outbox in the same transaction that takes it out of the drafts; only then is it sent. The
//! answer is stored and the outbox entry removed in one transaction. A process killed anywhere in
//! between resends the same key on the next [`CasesClient::retry_pending`], and the platform
//! answers the first result again: nothing is lost and no case is made twice. Licences presented
//! as materials are fresh SD-JWT presentations for every attempt (KB-JWT audience = the
//! platform's case endpoint, nonce = the idempotency key).
//!
//! One policy for every queued write (case, amendment, rating), in `verdict`: the entry stays
//! queued on network errors, 5xx, 401/408/429 and authentication problems (an expired session at
//! start-up loses nothing: log in again and retry), with exponential backoff, no earlier than the
//! platform's `Retry-After` on 429/503, and never more than [`MAX_BACKOFF_SECS`] apart. Only a
//! definite refusal (a 4xx with the platform's error body) drops it; the refusal is stored for
//! the user ([`CasesClient::refusals`]) and a refused case's form goes back into the drafts. An
//! entry this version cannot read moves to the dead letters ([`CasesClient::dead_letters`]) so
//! the others are still sent. Each entry is claimed by the task sending it; no lock is held
//! while the device key signs (the app's callback, maybe a biometric prompt).

mod error;
pub(crate) mod forget;

use std::collections::BTreeMap;

use base64::Engine;
pub use error::CaseError;
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::api::{self, ApiCall, ApiReply};
use crate::autofill::{AutofillClient, AutofillError, FilledForm, MaterialState, Party, ValueOrigin};
use crate::catalogue::Derivation;
use crate::identity::IdentityClient;
use crate::privacy::Personal;
use crate::store::{Store, StoreError};
use crate::wallet::{WalletClient, WalletError};
use crate::CityKitError;

/// The longest rating comment the platform takes.
pub const MAX_COMMENT_CHARS: u32 = 200;
/// The longest wait between two attempts of a queued write: the exponential backoff stops
/// growing there, and a longer `Retry-After` from the platform is cut down to it (so a wrong or
/// hostile header cannot park the outbox for days).
pub const MAX_BACKOFF_SECS: i64 = 3600;

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
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
        }
    }

    /// Finished cases can be rated.
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Approved | Self::Declined | Self::Expired | Self::Rejected)
    }
}

/// 好差评.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
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
pub struct CaseParty {
    /// Their role.
    pub role: String,
    /// Their name (personal data).
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
}

/// The exact content of a case, as its signers review and sign it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CaseContent {
    /// The case.
    pub case_id: String,
    /// The service item.
    pub item_id: String,
    /// Increases with every change.
    pub revision: u32,
    /// Every field's value (personal data).
    pub fields: BTreeMap<String, Personal<String>>,
    /// The signers.
    pub parties: Vec<Party>,
}

/// A case with its content, for review before signing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
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
#[serde(tag = "outcome", rename_all = "snake_case")]
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

/// A write waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PendingSubmission {
    /// Its id (idempotency key).
    pub submission_id: String,
    /// `case`, `amendment` or `rating`.
    pub kind: String,
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

/// What [`CasesClient::retry_pending`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RetryReport {
    /// Cases (and amendments) the platform now has.
    pub accepted: Vec<Case>,
    /// Ratings delivered (case ids).
    pub rated: Vec<String>,
    /// Refused for good: a submission's draft is back, and every refusal is kept in
    /// [`CasesClient::refusals`].
    pub refused: Vec<RefusalNotice>,
    /// Entries that could not be read, moved to [`CasesClient::dead_letters`]; the others were sent.
    pub dead_lettered: Vec<DeadLetterNotice>,
    /// Still queued.
    pub pending: Vec<PendingSubmission>,
}

/// A queued write the platform refused for good during a retry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RefusalNotice {
    /// The outbox entry's id (see [`CasesClient::refusals`]).
    pub submission_id: String,
    /// The error's stable code, e.g. `case.refused`.
    pub code: String,
}

/// An outbox entry that could not be read and was moved to the dead letters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DeadLetterNotice {
    /// The entry's id (its idempotency key).
    pub submission_id: String,
    /// `case`, `amendment` or `rating`.
    pub kind: String,
    /// What was wrong (an error code and where, never the content).
    pub reason: String,
}

/// An outbox entry this version could not read, kept so nothing is lost silently: the app can
/// show it, hand it to support, and delete it ([`CasesClient::delete_dead_letter`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DeadLetter {
    /// The entry's id (its idempotency key).
    pub submission_id: String,
    /// `case`, `amendment` or `rating`.
    pub kind: String,
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
    pub body: Personal<String>,
}

/// A queued write the platform refused for good (or that can never be made, e.g. a licence it
/// presents was revoked): kept for the user to read until dismissed ([`CasesClient::dismiss_refusal`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RefusedWrite {
    /// The write's id (its idempotency key).
    pub submission_id: String,
    /// `case`, `amendment` or `rating`.
    pub kind: String,
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
#[serde(rename_all = "snake_case")]
pub enum InboxKind {
    /// A case of yours changed status.
    CaseStatus,
    /// Someone asks you to co-sign.
    CosignRequest,
}

/// One notice in the inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct InboxItem {
    /// Increasing id.
    pub id: i64,
    /// When (Unix seconds).
    pub at: i64,
    /// What it is about.
    pub kind: InboxKind,
    /// The case.
    pub case_id: String,
    /// The item.
    #[serde(default)]
    pub item_id: String,
    /// The case's status at the time.
    pub status: CaseStatus,
    /// Chinese title.
    #[serde(default)]
    pub title_zh: String,
    /// English title.
    #[serde(default)]
    pub title_en: String,
    /// Read on this device.
    #[serde(default)]
    pub read: bool,
}

/// A government-verified field's source as the outbox keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct QueuedSource {
    licence_id: String,
    holder: String,
    claim: String,
    derive: Option<Derivation>,
}

/// A case submission as the outbox keeps it (until the platform has it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct QueuedCase {
    item_id: String,
    form_version: u32,
    fields: Vec<(String, String, Option<QueuedSource>)>,
    /// Licences attached as materials: (holder, licence id).
    attached: Vec<(String, String)>,
    /// Claims the item's checks read: (holder, licence id, claim).
    #[serde(default)]
    check_disclosures: Vec<(String, String, String)>,
    parties: Vec<Party>,
    /// The draft, restored if the platform refuses the case.
    draft: FilledForm,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct QueuedRating {
    case_id: String,
    rating: Rating,
    comment: Option<String>,
}

/// What an outbox entry asks the platform to do.
enum Write {
    Case(QueuedCase),
    Amendment { case_id: String, queued: QueuedCase },
    Rating(QueuedRating),
}

impl Write {
    /// The outbox's name for the kind.
    fn kind(&self) -> &'static str {
        match self {
            Self::Case(_) => "case",
            Self::Amendment { .. } => "amendment",
            Self::Rating(_) => "rating",
        }
    }

    /// Reads an entry's body; `Ok(None)` for a kind this version does not know.
    fn decode(kind: &str, body: &str) -> Result<Option<Self>, serde_json::Error> {
        Ok(Some(match kind {
            "case" => Self::Case(serde_json::from_str(body)?),
            "amendment" => {
                let (case_id, queued) = serde_json::from_str(body)?;
                Self::Amendment { case_id, queued }
            }
            "rating" => Self::Rating(serde_json::from_str(body)?),
            _ => return Ok(None),
        }))
    }
}

/// One outbox entry, claimed for sending.
struct Entry {
    key: String,
    holder: String,
    attempts: u32,
    write: Write,
}

/// What one attempt at an outbox entry came to.
enum Sent {
    /// A case or an amendment the platform now has.
    Accepted(Case),
    /// A rating delivered (the case id).
    Rated(String),
    /// Still queued.
    Queued(SubmissionOutcome),
    /// Refused for good: the entry is gone, the refusal recorded.
    Refused(CityKitError),
}

/// The outbox's one policy, for every kind of write: what to do after an attempt.
enum Verdict {
    /// The platform has it.
    Delivered(ApiReply),
    /// Keep the entry and try again later: no network, a timeout, 5xx, 401/408/429, an
    /// authentication problem (not logged in, session expired, token or DPoP proof refused, the
    /// device key), anything not known to be final. `retry_after` in seconds, from the
    /// platform's `Retry-After` on a 429 or 503.
    Keep { code: String, retry_after: Option<i64> },
    /// Drop the entry and record why: a 4xx with the platform's error body (other than 401, 408
    /// and 429), or a write this device can never make (a presented licence is gone, revoked or
    /// expired; the error is then `local`).
    Refuse { status: Option<u16>, reason: String, field: Option<String>, local: Option<CityKitError> },
}

/// Applies the policy to one attempt's result (`now` in Unix seconds, to read an HTTP-date).
fn verdict(attempt: Result<ApiReply, CityKitError>, now: i64) -> Verdict {
    match attempt {
        Ok(reply) if reply.is_success() => Verdict::Delivered(reply),
        Ok(reply) => {
            let status = reply.status;
            match (status, reply.error_body().filter(|b| !b.error.is_empty())) {
                (400..=499, Some(body)) if !matches!(status, 401 | 408 | 429) => {
                    Verdict::Refuse { status: Some(status), reason: body.error, field: body.field, local: None }
                }
                _ => {
                    let retry_after = match status {
                        429 | 503 => reply.retry_after.as_deref().and_then(|v| crate::net::retry_after_secs(v, now)),
                        _ => None,
                    };
                    Verdict::Keep { code: format!("net.http_{status}"), retry_after }
                }
            }
        }
        Err(CityKitError::Wallet(
            e @ (WalletError::UnknownLicence
            | WalletError::Revoked
            | WalletError::Expired
            | WalletError::NotYetValid
            | WalletError::UnknownClaim { .. }
            | WalletError::NotBoundToThisDevice),
        )) => Verdict::Refuse { status: None, reason: e.code().to_owned(), field: None, local: Some(e.into()) },
        Err(e) => Verdict::Keep { code: e.code().to_owned(), retry_after: None },
    }
}

/// The error a refusal of `write` is reported as.
fn refusal_error(write: &Write, status: u16, reason: &str, field: Option<String>) -> CityKitError {
    let refused = || CaseError::Refused { reason: reason.to_owned(), field: field.clone() };
    match write {
        Write::Case(_) => refused(),
        Write::Amendment { .. } => match (status, reason) {
            (404, _) => CaseError::UnknownCase,
            (409, "case_closed") => CaseError::CaseClosed,
            (403, _) => CaseError::NotApplicant,
            _ => refused(),
        },
        Write::Rating(_) => match reason {
            "case_not_finished" => CaseError::NotFinished,
            "already_rated" => CaseError::AlreadyRated,
            "comment_too_long" => CaseError::CommentTooLong { max: MAX_COMMENT_CHARS },
            _ if status == 404 => CaseError::UnknownCase,
            _ => refused(),
        },
    }
    .into()
}

/// The outbox entries being sent right now: each entry is sent by one task at a time. The lock
/// is held only to add or remove a key, never across an await, so no app callback (the device
/// key signing presentations and DPoP proofs, maybe behind a biometric prompt) runs under it.
#[derive(Default)]
pub(crate) struct OutboxClaims(std::sync::Mutex<std::collections::HashSet<String>>);

impl OutboxClaims {
    /// Claims `key`; `None` when another task holds it. The claim ends when dropped.
    fn claim(self: &std::sync::Arc<Self>, key: &str) -> Option<Claim> {
        let mut set = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        set.insert(key.to_owned()).then(|| Claim { claims: self.clone(), key: key.to_owned() })
    }
}

/// A claimed outbox entry.
struct Claim {
    claims: std::sync::Arc<OutboxClaims>,
    key: String,
}

impl Drop for Claim {
    fn drop(&mut self) {
        self.claims.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&self.key);
    }
}

/// A case as the store keeps it: the case and, for the applicant, what was submitted.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredCase {
    case: Case,
    submission: Option<QueuedCase>,
}

/// The case as the platform sends it.
#[derive(Debug, Clone, Deserialize)]
struct WireCase {
    #[serde(flatten)]
    case: Case,
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    result_licence: Option<String>,
}

#[derive(Deserialize)]
struct WireCases {
    cases: Vec<WireCase>,
}

#[derive(Deserialize)]
struct WireInbox {
    items: Vec<InboxItem>,
}

#[derive(Deserialize)]
struct WireContent {
    case_id: String,
    item_id: String,
    revision: u32,
    fields: BTreeMap<String, String>,
    #[serde(default)]
    parties: Vec<WireParty>,
}

#[derive(Deserialize)]
struct WireParty {
    role: String,
    id_number: String,
    name: String,
}

fn now() -> i64 {
    crate::platform::now_unix_secs()
}

fn decode_err(e: serde_json::Error) -> StoreError {
    StoreError::Decode { details: crate::privacy::json_problem(&e) }
}

/// The stored form of one of `holder`'s cases (on the store's connection).
fn stored_blocking(conn: &rusqlite::Connection, holder: &str, case_id: &str) -> Result<Option<StoredCase>, StoreError> {
    let body: Option<String> =
        conn.query_row("SELECT body FROM cases WHERE id = ?1 AND holder = ?2", [case_id, holder], |r| r.get(0)).optional()?;
    body.map(|b| serde_json::from_str(&b).map_err(decode_err)).transpose()
}

/// Puts a write into the outbox, due now (on the store's connection or transaction).
fn enqueue_blocking(
    conn: &rusqlite::Connection,
    key: &str,
    holder: &str,
    kind: &str,
    refers_to: &str,
    body: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO outbox (id, holder, kind, case_id, body, attempts, next_attempt_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?6)",
        rusqlite::params![key, holder, kind, refers_to, body, now()],
    )?;
    Ok(())
}

fn new_key() -> Result<String, CityKitError> {
    crate::crypto::random_token(24).map_err(|_| CityKitError::Internal { details: "no secure random source".into() })
}

fn backoff_secs(attempts: u32) -> i64 {
    (5_i64 << attempts.min(12)).min(MAX_BACKOFF_SECS)
}

/// The wait before the next attempt: the backoff, or longer if the platform asked, at most
/// [`MAX_BACKOFF_SECS`].
fn next_delay_secs(attempts: u32, retry_after: Option<i64>) -> i64 {
    backoff_secs(attempts).max(retry_after.unwrap_or(0)).min(MAX_BACKOFF_SECS)
}

/// The kinds of personal data a free-text comment seems to contain: an 18-character ID number
/// (with a valid check digit) or a mobile number.
pub fn personal_data_in(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut kinds = Vec::new();
    let is_id_char = |c: char| c.is_ascii_digit() || c == 'X' || c == 'x';
    let found_id = chars
        .windows(18)
        .any(|w| w.iter().all(|c| is_id_char(*c)) && crate::autofill::validate::check_id_number(&w.iter().collect::<String>()).is_ok());
    if found_id {
        kinds.push("id_number".to_owned());
    }
    let found_mobile = chars.windows(11).enumerate().any(|(i, w)| {
        let before = i.checked_sub(1).and_then(|j| chars.get(j)).is_some_and(|c| c.is_ascii_digit());
        let after = chars.get(i + 11).is_some_and(|c| c.is_ascii_digit());
        !before && !after && crate::autofill::validate::check_mobile(&w.iter().collect::<String>()).is_ok()
    });
    if found_mobile {
        kinds.push("mobile".to_owned());
    }
    kinds
}

/// Submitting, following, co-signing and rating cases. Cheap to clone.
#[derive(Clone)]
pub struct CasesClient {
    identity: IdentityClient,
    store: Store,
    wallet: WalletClient,
    autofill: AutofillClient,
    /// The entries being sent, so an outbox entry is never sent twice concurrently.
    claims: std::sync::Arc<OutboxClaims>,
}

impl CasesClient {
    pub(crate) fn new(
        identity: IdentityClient,
        store: Store,
        wallet: WalletClient,
        autofill: AutofillClient,
        claims: std::sync::Arc<OutboxClaims>,
    ) -> Self {
        Self { identity, store, wallet, autofill, claims }
    }

    /// Submits a draft. It must be complete (no field errors, no missing required field or
    /// material; signers named for a co-signing item). The draft moves into the outbox and is
    /// sent; when the platform cannot be reached it stays queued (see [`Self::retry_pending`]).
    /// Runs to the end even if the caller gives up.
    pub async fn submit(&self, draft_id: &str) -> Result<SubmissionOutcome, CityKitError> {
        let this = self.clone();
        let draft_id = draft_id.to_owned();
        crate::platform::detached(async move { this.submit_inner(&draft_id).await })
            .await
            .map_err(|e| CityKitError::Internal { details: e.to_string() })?
    }

    async fn submit_inner(&self, draft_id: &str) -> Result<SubmissionOutcome, CityKitError> {
        let (applicant, agent) = self.autofill.holders().await?;
        let form = self.autofill.draft(draft_id).await?;
        let item = self.autofill.item(&form.item_id).await?;
        if !form.errors.is_empty() {
            return Err(AutofillError::InvalidForm { errors: form.errors.clone() }.into());
        }
        if let Some(m) = form.materials.iter().find(|m| m.state == MaterialState::Missing) {
            return Err(AutofillError::MaterialMissing { material: m.id.clone() }.into());
        }
        if let Some(rule) = &item.co_signing {
            if form.parties.is_empty() {
                return Err(AutofillError::BadParties { details: format!("name the signers ({})", rule.roles.join(", ")) }.into());
            }
        }
        let mut fields = Vec::new();
        for f in &form.fields {
            let Some(value) = &f.value else { continue };
            let source = match (&f.origin, &f.provenance) {
                (ValueOrigin::GovernmentVerified, Some(p)) => {
                    let of_agent = item
                        .field(&f.name)
                        .map(|s| {
                            s.sources
                                .iter()
                                .any(|src| src.vct == p.vct && src.claim == p.claim && src.of == crate::catalogue::SourceHolder::Agent)
                        })
                        .unwrap_or(false);
                    let holder = match (&agent, of_agent) {
                        (Some(agent), true) => agent.clone(),
                        _ => applicant.clone(),
                    };
                    Some(QueuedSource { licence_id: p.licence_id.clone(), holder, claim: p.claim.clone(), derive: p.derive })
                }
                _ => None,
            };
            fields.push((f.name.clone(), value.expose().clone(), source));
        }
        let attached = form
            .materials
            .iter()
            .filter(|m| m.state == MaterialState::Attached)
            .filter_map(|m| m.licence_id.clone().map(|id| (applicant.clone(), id)))
            .collect();
        let check_disclosures = form.check_disclosures.iter().map(|p| (applicant.clone(), p.licence_id.clone(), p.claim.clone())).collect();
        let queued = QueuedCase {
            item_id: form.item_id.clone(),
            form_version: form.form_version,
            fields,
            attached,
            check_disclosures,
            parties: form.parties.clone(),
            draft: form,
        };
        let key = new_key()?;
        let body = serde_json::to_string(&queued).map_err(decode_err)?;
        let (key_db, holder_db, draft_db, item_db) = (key.clone(), applicant.clone(), draft_id.to_owned(), queued.item_id.clone());
        self.store
            .call(move |conn| {
                let tx = conn.transaction()?;
                enqueue_blocking(&tx, &key_db, &holder_db, "case", &item_db, &body)?;
                tx.execute("DELETE FROM drafts WHERE id = ?1", [draft_db])?;
                tx.commit()?;
                Ok(())
            })
            .await?;
        tracing::info!("case queued for submission");
        self.send_new(Entry { key, holder: applicant, attempts: 0, write: Write::Case(queued) }).await
    }

    /// Sends a write just put into the outbox and reports what became of it.
    async fn send_new(&self, entry: Entry) -> Result<SubmissionOutcome, CityKitError> {
        let Some(_claim) = self.claims.claim(&entry.key) else {
            // Only a retry running right now can hold a key this fresh: it sends the entry.
            return self.queued_outcome(entry.holder, entry.key).await;
        };
        match self.send_entry(&entry).await? {
            Sent::Accepted(case) => Ok(SubmissionOutcome::Accepted { case }),
            Sent::Rated(case_id) => Ok(SubmissionOutcome::Accepted { case: self.load_stored(&entry.holder, &case_id).await?.case }),
            Sent::Queued(outcome) => Ok(outcome),
            Sent::Refused(e) => Err(e),
        }
    }

    /// One attempt at a claimed outbox entry, settled by the outbox's one policy ([`verdict`]).
    async fn send_entry(&self, entry: &Entry) -> Result<Sent, CityKitError> {
        let attempt = self.deliver(entry).await;
        match verdict(attempt, now()) {
            Verdict::Delivered(reply) => self.delivered(entry, reply).await,
            Verdict::Keep { code, retry_after } => Ok(Sent::Queued(self.keep_queued(entry, &code, retry_after).await?)),
            Verdict::Refuse { status, reason, field, local } => {
                let error = match local {
                    Some(e) => e,
                    None => refusal_error(&entry.write, status.unwrap_or_default(), &reason, field.clone()),
                };
                self.record_refusal(entry, status, &reason, field).await?;
                tracing::info!(kind = entry.write.kind(), code = error.code(), "queued write refused for good; refusal recorded");
                Ok(Sent::Refused(error))
            }
        }
    }

    /// Builds an entry's request (fresh presentations for a case or an amendment) and sends it.
    async fn deliver(&self, entry: &Entry) -> Result<ApiReply, CityKitError> {
        let key = entry.key.as_str();
        match &entry.write {
            Write::Case(queued) => {
                let url = api::url(&self.identity, "/cases").await?;
                let body = self.build_case_body(queued, key, &url).await?;
                api::authorized_call(&self.identity, ApiCall::write(reqwest::Method::POST, &url, &body, key), true).await
            }
            Write::Amendment { case_id, queued } => {
                let url = api::url(&self.identity, &format!("/cases/{}", url_segment(case_id)?)).await?;
                let cases_url = api::url(&self.identity, "/cases").await?;
                let mut body = self.build_case_body(queued, key, &cases_url).await?;
                if let Some(map) = body.as_object_mut() {
                    map.remove("item_id");
                }
                api::authorized_call(&self.identity, ApiCall::write(reqwest::Method::PUT, &url, &body, key), true).await
            }
            Write::Rating(queued) => {
                let url = api::url(&self.identity, &format!("/cases/{}/rating", url_segment(&queued.case_id)?)).await?;
                let body = json!({"rating": queued.rating.as_str(), "comment": queued.comment});
                api::authorized_call(&self.identity, ApiCall::write(reqwest::Method::POST, &url, &body, key), true).await
            }
        }
    }

    /// Stores the platform's answer to a delivered entry and removes the entry, in one transaction.
    async fn delivered(&self, entry: &Entry, reply: ApiReply) -> Result<Sent, CityKitError> {
        let queued = match &entry.write {
            Write::Rating(queued) => {
                let (holder, case_id, rating, key) = (entry.holder.clone(), queued.case_id.clone(), queued.rating, entry.key.clone());
                self.store
                    .call(move |conn| {
                        let tx = conn.transaction()?;
                        if let Some(mut stored) = stored_blocking(&tx, &holder, &case_id)? {
                            stored.case.rating = Some(rating);
                            let body = serde_json::to_string(&stored).map_err(decode_err)?;
                            tx.execute(
                                "UPDATE cases SET body = ?1, updated_at = ?2 WHERE id = ?3 AND holder = ?4",
                                rusqlite::params![body, now(), case_id, holder],
                            )?;
                        }
                        tx.execute("DELETE FROM outbox WHERE id = ?1", [key])?;
                        tx.commit()?;
                        Ok(())
                    })
                    .await?;
                tracing::info!("rating delivered");
                return Ok(Sent::Rated(queued.case_id.clone()));
            }
            Write::Case(queued) | Write::Amendment { queued, .. } => queued,
        };
        let wire: WireCase = match reply.into_json() {
            Ok(wire) => wire,
            // An answer this version cannot read: the same key gets the same answer next time.
            Err(e) => return Ok(Sent::Queued(self.keep_queued(entry, e.code(), None).await?)),
        };
        let case = self.store_case(&entry.holder, wire, Some(queued.clone()), Some(entry.key.clone())).await?;
        tracing::info!(kind = entry.write.kind(), status = case.status.as_str(), "case accepted");
        if case.status == CaseStatus::AwaitingSignatures {
            if let Err(e) = self.sign_current(&case.id, "sign").await {
                tracing::warn!(code = e.code(), "the applicant's own signature could not be sent yet");
            }
            return Ok(Sent::Accepted(self.case(&case.id).await.unwrap_or(case)));
        }
        Ok(Sent::Accepted(case))
    }

    /// Keeps an entry queued: one more attempt, the next one after the backoff or the
    /// platform's `Retry-After` (at most [`MAX_BACKOFF_SECS`]).
    async fn keep_queued(&self, entry: &Entry, code: &str, retry_after: Option<i64>) -> Result<SubmissionOutcome, CityKitError> {
        let attempts = entry.attempts + 1;
        let next_attempt_at = now().saturating_add(next_delay_secs(attempts, retry_after));
        let (key_db, code_db) = (entry.key.clone(), code.to_owned());
        self.store
            .call(move |conn| {
                conn.execute(
                    "UPDATE outbox SET attempts = ?1, next_attempt_at = ?2, last_error = ?3 WHERE id = ?4",
                    rusqlite::params![attempts, next_attempt_at, code_db, key_db],
                )?;
                Ok(())
            })
            .await?;
        tracing::info!(kind = entry.write.kind(), attempts, code, "write kept in the outbox");
        Ok(SubmissionOutcome::Queued { submission_id: entry.key.clone(), attempts, last_error: Some(code.to_owned()) })
    }

    /// Drops a refused entry and records the refusal where the user can read it
    /// ([`Self::refusals`]); a refused case's draft comes back. One transaction.
    async fn record_refusal(&self, entry: &Entry, status: Option<u16>, reason: &str, field: Option<String>) -> Result<(), CityKitError> {
        let (refers_to, draft) = match &entry.write {
            Write::Case(queued) => {
                let d = &queued.draft;
                let body = serde_json::to_string(d).map_err(decode_err)?;
                (queued.item_id.clone(), Some((d.draft_id.clone(), d.item_id.clone(), body, d.created_at)))
            }
            Write::Amendment { case_id, .. } => (case_id.clone(), None),
            Write::Rating(queued) => (queued.case_id.clone(), None),
        };
        let (key, holder, kind, reason) = (entry.key.clone(), entry.holder.clone(), entry.write.kind(), reason.to_owned());
        self.store
            .call(move |conn| {
                let tx = conn.transaction()?;
                let at = now();
                if let Some((id, item, body, created)) = &draft {
                    tx.execute(
                        "INSERT OR REPLACE INTO drafts (id, holder, item_id, body, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        rusqlite::params![id, holder, item, body, created, at],
                    )?;
                }
                tx.execute(
                    "INSERT OR REPLACE INTO outbox_refusals (id, holder, kind, refers_to, draft_id, status, reason, field, refused_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    rusqlite::params![key, holder, kind, refers_to, draft.as_ref().map(|d| &d.0), status, reason, field, at],
                )?;
                tx.execute("DELETE FROM outbox WHERE id = ?1", [&key])?;
                tx.commit()?;
                Ok(())
            })
            .await?;
        Ok(())
    }

    /// The request body of a queued case, with fresh presentations for this attempt.
    async fn build_case_body(&self, queued: &QueuedCase, key: &str, url: &str) -> Result<Value, CityKitError> {
        // One presentation per licence, disclosing the claims the fields use from it.
        let mut order: Vec<(String, String)> = Vec::new();
        let mut claims: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        for (_, _, source) in &queued.fields {
            if let Some(s) = source {
                let id = (s.holder.clone(), s.licence_id.clone());
                if !order.contains(&id) {
                    order.push(id.clone());
                }
                let list = claims.entry(id).or_default();
                if !list.contains(&s.claim) {
                    list.push(s.claim.clone());
                }
            }
        }
        for (holder, licence, claim) in &queued.check_disclosures {
            let id = (holder.clone(), licence.clone());
            if !order.contains(&id) {
                order.push(id.clone());
            }
            let list = claims.entry(id).or_default();
            if !list.contains(claim) {
                list.push(claim.clone());
            }
        }
        for id in &queued.attached {
            if !order.contains(id) {
                order.push(id.clone());
            }
        }
        let mut materials = Vec::new();
        for id in &order {
            let chosen = claims.get(id).cloned().unwrap_or_default();
            materials.push(self.wallet.presentation_for_request(&id.0, &id.1, &chosen, url, key).await?);
        }
        let mut fields = serde_json::Map::new();
        for (name, value, source) in &queued.fields {
            let source = match source {
                Some(s) => {
                    let index = order.iter().position(|o| o.0 == s.holder && o.1 == s.licence_id).unwrap_or_default();
                    json!({"material": index, "claim": s.claim, "derive": s.derive.map(Derivation::as_str)})
                }
                None => Value::Null,
            };
            fields.insert(name.clone(), json!({"value": value, "source": source}));
        }
        let parties: Vec<Value> =
            queued.parties.iter().map(|p| json!({"role": p.role, "id_number": p.id_number.expose(), "name": p.name.expose()})).collect();
        Ok(json!({
            "item_id": queued.item_id,
            "form_version": queued.form_version,
            "fields": fields,
            "materials": materials,
            "parties": parties,
        }))
    }

    /// Stores a case from the platform (and the licence it issued, into the wallet).
    async fn store_case(
        &self,
        holder: &str,
        wire: WireCase,
        submission: Option<QueuedCase>,
        sent_key: Option<String>,
    ) -> Result<Case, CityKitError> {
        let mut case = wire.case;
        // Keep what this device submitted; the platform's answer does not repeat it.
        let (holder_db, id_db) = (holder.to_owned(), case.id.clone());
        let previous: Option<StoredCase> =
            self.store.call(move |conn| Ok(stored_blocking(conn, &holder_db, &id_db).ok().flatten())).await?;
        let submission = submission.or_else(|| previous.as_ref().and_then(|p| p.submission.clone()));
        case.result_licence_id = previous.as_ref().and_then(|p| p.case.result_licence_id.clone());
        if let (Some(text), None) = (&wire.result_licence, &case.result_licence_id) {
            if case.applicant.id == holder {
                match self.wallet.store_issued(holder, text).await {
                    Ok(summary) => case.result_licence_id = Some(summary.id),
                    Err(e) => tracing::warn!(code = e.code(), "the issued licence could not be stored"),
                }
            }
        }
        let stored = StoredCase { case: case.clone(), submission };
        let body = serde_json::to_string(&stored).map_err(decode_err)?;
        let (holder, id, item, status) = (holder.to_owned(), case.id.clone(), case.item_id.clone(), case.status.as_str());
        self.store
            .call(move |conn| {
                let tx = conn.transaction()?;
                tx.execute(
                    "INSERT OR REPLACE INTO cases (id, holder, item_id, status, body, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    rusqlite::params![id, holder, item, status, body, now()],
                )?;
                if let Some(key) = sent_key {
                    tx.execute("DELETE FROM outbox WHERE id = ?1", [key])?;
                }
                tx.commit()?;
                Ok(())
            })
            .await?;
        Ok(case)
    }

    /// Sends every queued write of the current identity that is due (all of them when `force`).
    /// Call it at start-up and when the network comes back.
    pub async fn retry_pending(&self, force: bool) -> Result<RetryReport, CityKitError> {
        let this = self.clone();
        crate::platform::detached(async move { this.retry_inner(force).await })
            .await
            .map_err(|e| CityKitError::Internal { details: e.to_string() })?
    }

    async fn retry_inner(&self, force: bool) -> Result<RetryReport, CityKitError> {
        let (applicant, _) = self.autofill.holders().await?;
        let holder = applicant.clone();
        let rows: Vec<(String, i64)> = self
            .store
            .call(move |conn| {
                let mut stmt = conn.prepare("SELECT id, next_attempt_at FROM outbox WHERE holder = ?1 ORDER BY created_at, id")?;
                let rows = stmt.query_map([holder], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<Vec<_>, _>>()?;
                Ok(rows)
            })
            .await?;
        let mut report = RetryReport::default();
        for (key, due) in rows {
            if !force && due > now() {
                continue;
            }
            // Another task is sending it right now.
            let Some(_claim) = self.claims.claim(&key) else { continue };
            // Read it again under the claim: another task may have settled or rescheduled it since the listing.
            let key_db = key.clone();
            let row: Option<(String, String, u32, i64)> = self
                .store
                .call(move |conn| {
                    let sql = "SELECT kind, body, attempts, next_attempt_at FROM outbox WHERE id = ?1";
                    Ok(conn.query_row(sql, [key_db], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).optional()?)
                })
                .await?;
            let Some((kind, body, attempts, due)) = row else { continue };
            if !force && due > now() {
                continue;
            }
            let write = match Write::decode(&kind, &body) {
                Ok(Some(write)) => write,
                Ok(None) => {
                    tracing::warn!("unknown outbox entry kind; left alone");
                    continue;
                }
                Err(e) => {
                    // One unreadable entry must not stop the others: it goes to the dead letters.
                    let reason = format!("store.decode: {}", crate::privacy::json_problem(&e));
                    self.dead_letter(&key, &reason).await?;
                    tracing::warn!(kind = kind.as_str(), "unreadable outbox entry moved to the dead letters");
                    report.dead_lettered.push(DeadLetterNotice { submission_id: key, kind, reason });
                    continue;
                }
            };
            let entry = Entry { key, holder: applicant.clone(), attempts, write };
            match self.send_entry(&entry).await? {
                Sent::Accepted(case) => report.accepted.push(case),
                Sent::Rated(case_id) => report.rated.push(case_id),
                Sent::Queued(_) => {}
                Sent::Refused(e) => report.refused.push(RefusalNotice { submission_id: entry.key, code: e.code().to_owned() }),
            }
        }
        report.pending = self.pending_of(applicant).await?;
        Ok(report)
    }

    /// Moves an outbox entry to the dead letters (one transaction).
    async fn dead_letter(&self, key: &str, reason: &str) -> Result<(), CityKitError> {
        let (key, reason) = (key.to_owned(), reason.to_owned());
        self.store
            .call(move |conn| {
                let tx = conn.transaction()?;
                tx.execute(
                    "INSERT OR REPLACE INTO outbox_dead_letters (id, holder, kind, refers_to, body, attempts, created_at, failed_at, reason)
                     SELECT id, holder, kind, case_id, body, attempts, created_at, ?2, ?3 FROM outbox WHERE id = ?1",
                    rusqlite::params![key, now(), reason],
                )?;
                tx.execute("DELETE FROM outbox WHERE id = ?1", [&key])?;
                tx.commit()?;
                Ok(())
            })
            .await?;
        Ok(())
    }

    /// The current identity's outbox entries that could not be read (see
    /// [`RetryReport::dead_lettered`]), oldest first. Nothing is lost silently: show them, and
    /// delete each once dealt with.
    pub async fn dead_letters(&self) -> Result<Vec<DeadLetter>, CityKitError> {
        let (holder, _) = self.autofill.holders().await?;
        Ok(self
            .store
            .call(move |conn| {
                let mut stmt = conn.prepare(
                    "SELECT id, kind, refers_to, reason, attempts, created_at, failed_at, body FROM outbox_dead_letters WHERE holder = ?1 ORDER BY failed_at, id",
                )?;
                let rows = stmt
                    .query_map([holder], |r| {
                        Ok(DeadLetter {
                            submission_id: r.get(0)?,
                            kind: r.get(1)?,
                            refers_to: r.get(2)?,
                            reason: r.get(3)?,
                            attempts: r.get(4)?,
                            created_at: r.get(5)?,
                            failed_at: r.get(6)?,
                            body: Personal::new(r.get(7)?),
                        })
                    })?
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(rows)
            })
            .await?)
    }

    /// Deletes one of the current identity's dead letters ([`CaseError::UnknownSubmission`] if
    /// there is none with that id).
    pub async fn delete_dead_letter(&self, submission_id: &str) -> Result<(), CityKitError> {
        self.delete_own("outbox_dead_letters", submission_id).await
    }

    /// The current identity's queued writes the platform refused for good, newest first: for a
    /// case the draft is back (`draft_id`); for an amendment or a rating, `case_id` names the
    /// case. Kept until dismissed.
    pub async fn refusals(&self) -> Result<Vec<RefusedWrite>, CityKitError> {
        let (holder, _) = self.autofill.holders().await?;
        Ok(self
            .store
            .call(move |conn| {
                let mut stmt = conn.prepare(
                    "SELECT id, kind, refers_to, draft_id, status, reason, field, refused_at FROM outbox_refusals WHERE holder = ?1 ORDER BY refused_at DESC, id",
                )?;
                let rows = stmt
                    .query_map([holder], |r| {
                        let kind: String = r.get(1)?;
                        let (item_id, case_id) = item_or_case(&kind, r.get(2)?);
                        Ok(RefusedWrite {
                            submission_id: r.get(0)?,
                            kind,
                            case_id,
                            item_id,
                            draft_id: r.get(3)?,
                            status: r.get(4)?,
                            reason: r.get(5)?,
                            field: r.get(6)?,
                            refused_at: r.get(7)?,
                        })
                    })?
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(rows)
            })
            .await?)
    }

    /// Forgets a refusal the user has seen ([`CaseError::UnknownSubmission`] if there is none).
    pub async fn dismiss_refusal(&self, submission_id: &str) -> Result<(), CityKitError> {
        self.delete_own("outbox_refusals", submission_id).await
    }

    async fn delete_own(&self, table: &'static str, submission_id: &str) -> Result<(), CityKitError> {
        let (holder, _) = self.autofill.holders().await?;
        let id = submission_id.to_owned();
        let deleted = self
            .store
            .call(move |conn| {
                Ok(conn.execute(&format!("DELETE FROM {table} WHERE id = ?1 AND holder = ?2"), rusqlite::params![id, holder])?)
            })
            .await?;
        if deleted == 0 {
            return Err(CaseError::UnknownSubmission.into());
        }
        Ok(())
    }

    /// The current identity's queued writes.
    pub async fn pending(&self) -> Result<Vec<PendingSubmission>, CityKitError> {
        let (holder, _) = self.autofill.holders().await?;
        self.pending_of(holder).await
    }

    /// `holder`'s queued writes (also once the session has ended during a retry).
    async fn pending_of(&self, holder: String) -> Result<Vec<PendingSubmission>, CityKitError> {
        Ok(self
            .store
            .call(move |conn| {
                let mut stmt = conn.prepare(
                    "SELECT id, kind, case_id, attempts, next_attempt_at, last_error FROM outbox WHERE holder = ?1 ORDER BY created_at, id",
                )?;
                let rows = stmt
                    .query_map([holder], |r| {
                        let kind: String = r.get(1)?;
                        let (item_id, case_id) = item_or_case(&kind, r.get(2)?);
                        Ok(PendingSubmission {
                            submission_id: r.get(0)?,
                            kind,
                            item_id,
                            case_id,
                            attempts: r.get(3)?,
                            next_attempt_at: r.get(4)?,
                            last_error: r.get(5)?,
                        })
                    })?
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(rows)
            })
            .await?)
    }

    /// The identity's cases (applied for or to co-sign), from the platform; stored for offline use.
    pub async fn cases(&self) -> Result<Vec<Case>, CityKitError> {
        let (holder, _) = self.autofill.holders().await?;
        let url = api::url(&self.identity, "/cases").await?;
        let wire: WireCases = api::authorized_call(&self.identity, ApiCall::get(&url), true).await?.into_json()?;
        let mut out = Vec::new();
        for c in wire.cases {
            out.push(self.store_case(&holder, c, None, None).await?);
        }
        Ok(out)
    }

    /// The cases stored on this device, newest first (no network).
    pub async fn stored_cases(&self) -> Result<Vec<Case>, CityKitError> {
        let (holder, _) = self.autofill.holders().await?;
        let bodies: Vec<String> = self
            .store
            .call(move |conn| {
                let mut stmt = conn.prepare("SELECT body FROM cases WHERE holder = ?1 ORDER BY updated_at DESC, id DESC")?;
                let rows = stmt.query_map([holder], |r| r.get(0))?.collect::<Result<Vec<_>, _>>()?;
                Ok(rows)
            })
            .await?;
        bodies.iter().map(|b| Ok(serde_json::from_str::<StoredCase>(b).map_err(decode_err)?.case)).collect()
    }

    /// One case, fresh from the platform (and stored).
    pub async fn case(&self, case_id: &str) -> Result<Case, CityKitError> {
        Ok(self.fetch_case(case_id).await?.0)
    }

    async fn fetch_case(&self, case_id: &str) -> Result<(Case, Option<String>), CityKitError> {
        let (holder, _) = self.autofill.holders().await?;
        let url = api::url(&self.identity, &format!("/cases/{}", url_segment(case_id)?)).await?;
        let reply = api::authorized_call(&self.identity, ApiCall::get(&url), true).await?;
        if reply.status == 404 {
            return Err(CaseError::UnknownCase.into());
        }
        let wire: WireCase = reply.into_json()?;
        let content = wire.content.clone();
        let case = self.store_case(&holder, wire, None, None).await?;
        Ok((case, content))
    }

    /// A case with its exact content, decoded for review before signing.
    pub async fn review(&self, case_id: &str) -> Result<CaseReview, CityKitError> {
        let (case, content) = self.fetch_case(case_id).await?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(content.unwrap_or_default())
            .map_err(|_| CaseError::Malformed { details: "content is not base64url".into() })?;
        let digest = crate::crypto::sha256_b64url(&bytes);
        if case.content_sha256.as_deref().is_some_and(|d| d != digest) {
            return Err(CaseError::Malformed { details: "the content does not match its digest".into() }.into());
        }
        let wire: WireContent =
            serde_json::from_slice(&bytes).map_err(|e| CaseError::Malformed { details: crate::privacy::json_problem(&e) })?;
        let content = CaseContent {
            case_id: wire.case_id,
            item_id: wire.item_id,
            revision: wire.revision,
            fields: wire.fields.into_iter().map(|(k, v)| (k, Personal::new(v))).collect(),
            parties: wire
                .parties
                .into_iter()
                .map(|p| Party { role: p.role, name: Personal::new(p.name), id_number: Personal::new(p.id_number) })
                .collect(),
        };
        if content.case_id != case.id {
            return Err(CaseError::Malformed { details: "the content belongs to another case".into() }.into());
        }
        Ok(CaseReview { case, content, content_sha256: digest })
    }

    /// Signs the case's content as reviewed: `reviewed_sha256` is [`CaseReview::content_sha256`];
    /// if the content changed since, nothing is signed ([`CaseError::ContentChanged`]).
    pub async fn sign(&self, case_id: &str, reviewed_sha256: &str) -> Result<Case, CityKitError> {
        self.decide(case_id, reviewed_sha256, "sign").await
    }

    /// Declines to sign: the case ends as declined.
    pub async fn decline(&self, case_id: &str, reviewed_sha256: &str) -> Result<Case, CityKitError> {
        self.decide(case_id, reviewed_sha256, "decline").await
    }

    async fn decide(&self, case_id: &str, reviewed_sha256: &str, decision: &str) -> Result<Case, CityKitError> {
        let review = self.review(case_id).await?;
        if review.content_sha256 != reviewed_sha256 {
            return Err(CaseError::ContentChanged.into());
        }
        self.send_signature(case_id, &review.content_sha256, decision).await
    }

    /// Signs whatever the case holds now (the applicant, right after submitting it).
    async fn sign_current(&self, case_id: &str, decision: &str) -> Result<Case, CityKitError> {
        let review = self.review(case_id).await?;
        self.send_signature(case_id, &review.content_sha256, decision).await
    }

    async fn send_signature(&self, case_id: &str, digest: &str, decision: &str) -> Result<Case, CityKitError> {
        let claims = json!({"case_id": case_id, "content_sha256": digest, "decision": decision, "iat": now()});
        let jws = self.identity.device_signed_jws("citykit-cosign+jwt", &claims).await?;
        let url = api::url(&self.identity, &format!("/cases/{}/signatures", url_segment(case_id)?)).await?;
        let key = new_key()?;
        let body = json!({"signature": jws});
        let reply = api::authorized_call(&self.identity, ApiCall::write(reqwest::Method::POST, &url, &body, &key), true).await?;
        match (reply.status, reply.error_body().map(|b| b.error).as_deref()) {
            (200..=299, _) => {
                let (holder, _) = self.autofill.holders().await?;
                let wire: WireCase = reply.into_json()?;
                tracing::info!(decision, "signature sent");
                self.store_case(&holder, wire, None, None).await
            }
            (409, Some("content_changed")) => Err(CaseError::ContentChanged.into()),
            (409, Some("case_closed")) => Err(CaseError::CaseClosed.into()),
            (404, _) => Err(CaseError::UnknownCase.into()),
            (status, error) => {
                Err(CaseError::Refused { reason: error.map_or_else(|| format!("http_{status}"), str::to_owned), field: None }.into())
            }
        }
    }

    /// Changes fields of a case the current identity applied for (a changed value becomes
    /// user-provided). Every earlier signature is void; the applicant signs the new content.
    pub async fn amend(&self, case_id: &str, changes: Vec<(String, String)>) -> Result<SubmissionOutcome, CityKitError> {
        let (applicant, _) = self.autofill.holders().await?;
        let stored = self.load_stored(&applicant, case_id).await?;
        let mut queued = stored.submission.ok_or(CaseError::NotApplicant)?;
        let item = self.autofill.item(&queued.item_id).await?;
        let today = crate::autofill::validate::china_today(now());
        let mut errors = Vec::new();
        for (name, value) in changes {
            let schema = item.field(&name).ok_or_else(|| AutofillError::UnknownField { field: name.clone() })?;
            if let Some(e) = crate::autofill::validate::validate_field(schema, Some(&value), today) {
                errors.push(e);
            }
            match queued.fields.iter_mut().find(|(n, _, _)| *n == name) {
                Some(slot) => {
                    slot.1 = value;
                    slot.2 = None;
                }
                None => queued.fields.push((name, value, None)),
            }
        }
        if !errors.is_empty() {
            return Err(AutofillError::InvalidForm { errors }.into());
        }
        let key = new_key()?;
        let body = serde_json::to_string(&(case_id, &queued)).map_err(decode_err)?;
        let (key_db, holder_db, case_db) = (key.clone(), applicant.clone(), case_id.to_owned());
        self.store.call(move |conn| enqueue_blocking(conn, &key_db, &holder_db, "amendment", &case_db, &body)).await?;
        self.send_new(Entry { key, holder: applicant, attempts: 0, write: Write::Amendment { case_id: case_id.to_owned(), queued } }).await
    }

    /// Rates a finished case (好差评). The comment is checked first: at most
    /// [`MAX_COMMENT_CHARS`] characters and no ID or mobile number. Made offline, the rating is
    /// queued and sent once.
    pub async fn rate(&self, case_id: &str, rating: Rating, comment: Option<String>) -> Result<SubmissionOutcome, CityKitError> {
        let comment = comment.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
        if let Some(c) = &comment {
            if c.chars().count() as u32 > MAX_COMMENT_CHARS {
                return Err(CaseError::CommentTooLong { max: MAX_COMMENT_CHARS }.into());
            }
            let kinds = personal_data_in(c);
            if !kinds.is_empty() {
                return Err(CaseError::CommentHasPersonalData { kinds }.into());
            }
        }
        let (applicant, _) = self.autofill.holders().await?;
        let stored = self.load_stored(&applicant, case_id).await?;
        if stored.case.applicant.id != applicant {
            return Err(CaseError::NotApplicant.into());
        }
        if !stored.case.status.is_finished() {
            return Err(CaseError::NotFinished.into());
        }
        let queued = QueuedRating { case_id: case_id.to_owned(), rating, comment };
        let key = new_key()?;
        let body = serde_json::to_string(&queued).map_err(decode_err)?;
        let (key_db, holder_db, case_db) = (key.clone(), applicant.clone(), case_id.to_owned());
        self.store.call(move |conn| enqueue_blocking(conn, &key_db, &holder_db, "rating", &case_db, &body)).await?;
        self.send_new(Entry { key, holder: applicant, attempts: 0, write: Write::Rating(queued) }).await
    }

    /// One of `holder`'s cases as stored on this device.
    async fn load_stored(&self, holder: &str, case_id: &str) -> Result<StoredCase, CityKitError> {
        let (holder, id) = (holder.to_owned(), case_id.to_owned());
        self.store.call(move |conn| stored_blocking(conn, &holder, &id)).await?.ok_or_else(|| CaseError::UnknownCase.into())
    }

    /// What a write still in the outbox reports.
    async fn queued_outcome(&self, holder: String, key: String) -> Result<SubmissionOutcome, CityKitError> {
        let pending = self.pending_of(holder).await?.into_iter().find(|p| p.submission_id == key);
        Ok(SubmissionOutcome::Queued {
            submission_id: key,
            attempts: pending.as_ref().map_or(1, |p| p.attempts),
            last_error: pending.and_then(|p| p.last_error),
        })
    }

    /// New notices from the platform, stored; returns the whole inbox, newest first.
    pub async fn inbox(&self) -> Result<Vec<InboxItem>, CityKitError> {
        let (holder, _) = self.autofill.holders().await?;
        let holder_db = holder.clone();
        let last: i64 = self
            .store
            .call(move |conn| Ok(conn.query_row("SELECT coalesce(max(id), 0) FROM inbox WHERE holder = ?1", [holder_db], |r| r.get(0))?))
            .await?;
        let url = api::url(&self.identity, &format!("/inbox?after={last}")).await?;
        let wire: WireInbox = api::authorized_call(&self.identity, ApiCall::get(&url), true).await?.into_json()?;
        let holder_db = holder.clone();
        let items = wire.items;
        self.store
            .call(move |conn| {
                let tx = conn.transaction()?;
                for item in &items {
                    let body = serde_json::to_string(item).map_err(decode_err)?;
                    tx.execute(
                        "INSERT OR IGNORE INTO inbox (holder, id, body) VALUES (?1, ?2, ?3)",
                        rusqlite::params![holder_db, item.id, body],
                    )?;
                }
                tx.commit()?;
                Ok(())
            })
            .await?;
        self.stored_inbox().await
    }

    /// The inbox as stored on this device, newest first (no network).
    pub async fn stored_inbox(&self) -> Result<Vec<InboxItem>, CityKitError> {
        let (holder, _) = self.autofill.holders().await?;
        let rows: Vec<(String, bool)> = self
            .store
            .call(move |conn| {
                let mut stmt = conn.prepare("SELECT body, read FROM inbox WHERE holder = ?1 ORDER BY id DESC")?;
                let rows = stmt.query_map([holder], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<Vec<_>, _>>()?;
                Ok(rows)
            })
            .await?;
        rows.iter()
            .map(|(b, read)| {
                let mut item: InboxItem = serde_json::from_str(b).map_err(decode_err)?;
                item.read = *read;
                Ok(item)
            })
            .collect()
    }

    /// Marks an inbox item read.
    pub async fn mark_read(&self, inbox_id: i64) -> Result<(), CityKitError> {
        let (holder, _) = self.autofill.holders().await?;
        self.store
            .call(move |conn| {
                Ok(conn.execute("UPDATE inbox SET read = 1 WHERE holder = ?1 AND id = ?2", rusqlite::params![holder, inbox_id])?)
            })
            .await?;
        Ok(())
    }
}

/// A case id as one URL path segment.
fn url_segment(id: &str) -> Result<&str, CityKitError> {
    if !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        Ok(id)
    } else {
        Err(CaseError::UnknownCase.into())
    }
}

/// An outbox row's reference as (item, case): a queued case refers to its item, an amendment or a
/// rating to its case.
fn item_or_case(kind: &str, refers_to: Option<String>) -> (Option<String>, Option<String>) {
    if kind == "case" {
        (refers_to, None)
    } else {
        (None, refers_to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::AuthError;
    use crate::net::NetError;

    #[test]
    fn comments_with_personal_data_are_caught() {
        assert!(personal_data_in("办事很快，窗口服务好").is_empty());
        assert_eq!(personal_data_in("我的身份证440304198207146235办不了"), vec!["id_number"]);
        assert_eq!(personal_data_in("请回电18845309902"), vec!["mobile"]);
        assert!(personal_data_in("订单号 123456789012345").is_empty(), "a long number that is not a mobile");
        assert!(personal_data_in("等了 3 天").is_empty());
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff_secs(1), 10);
        assert_eq!(backoff_secs(2), 20);
        assert_eq!(backoff_secs(30), MAX_BACKOFF_SECS);
    }

    fn reply(status: u16, body: &str, retry_after: Option<&str>) -> Result<ApiReply, CityKitError> {
        Ok(ApiReply { status, etag: None, body: body.as_bytes().to_vec(), retry_after: retry_after.map(str::to_owned) })
    }

    /// (kept?, code or reason, retry_after)
    fn judged(attempt: Result<ApiReply, CityKitError>) -> (bool, String, Option<i64>) {
        match verdict(attempt, 1_000) {
            Verdict::Delivered(r) => (true, format!("delivered {}", r.status), None),
            Verdict::Keep { code, retry_after } => (true, code, retry_after),
            Verdict::Refuse { status, reason, .. } => (false, format!("{status:?} {reason}"), None),
        }
    }

    #[test]
    fn one_policy_keeps_everything_but_a_definite_refusal() {
        let platform = r#"{"error": "invalid_field", "field": "age"}"#;
        assert_eq!(judged(reply(201, "{}", None)), (true, "delivered 201".into(), None));
        // Kept: the platform failed, throttled, timed out, or the request never got an answer.
        for status in [500, 502, 503, 504, 401, 408, 429] {
            assert_eq!(judged(reply(status, platform, None)), (true, format!("net.http_{status}"), None), "{status}");
        }
        assert!(judged(reply(404, "<html>not here</html>", None)).0, "a 4xx without the platform's error body");
        assert!(judged(reply(400, r#"{"error": ""}"#, None)).0);
        // Retry-After on 429 and 503 only, in both forms.
        assert_eq!(judged(reply(429, "", Some("30"))).2, Some(30));
        assert_eq!(judged(reply(503, "", Some("Thu, 01 Jan 1970 00:20:00 GMT"))).2, Some(200));
        assert_eq!(judged(reply(500, "", Some("30"))).2, None);
        for e in [
            CityKitError::from(NetError::Offline { details: "down".into() }),
            NetError::Timeout.into(),
            NetError::InvalidResponse { details: "garbled".into() }.into(),
            AuthError::NotLoggedIn.into(),
            AuthError::SessionExpired.into(),
            AuthError::TokenRejected.into(),
            AuthError::DpopRejected { details: "proof".into() }.into(),
            AuthError::DeviceKey { details: "prompt cancelled".into() }.into(),
            WalletError::StatusUnavailable { details: "offline".into() }.into(),
        ] {
            let code = e.code().to_owned();
            assert_eq!(judged(Err(e)), (true, code.clone(), None), "{code}");
        }
        // Dropped: the platform said no, with its error body.
        for status in [400, 403, 404, 409, 410, 422] {
            assert_eq!(judged(reply(status, platform, None)), (false, format!("Some({status}) invalid_field"), None));
        }
        // Or the write can never be made on this device.
        assert_eq!(judged(Err(WalletError::Revoked.into())), (false, "None wallet.revoked".into(), None));
        assert_eq!(judged(Err(WalletError::UnknownLicence.into())), (false, "None wallet.unknown_licence".into(), None));
    }

    #[test]
    fn the_next_attempt_honours_retry_after_up_to_the_cap() {
        assert_eq!(next_delay_secs(1, None), 10);
        assert_eq!(next_delay_secs(1, Some(120)), 120);
        assert_eq!(next_delay_secs(6, Some(1)), 320, "never sooner than the backoff");
        assert_eq!(next_delay_secs(1, Some(86_400)), MAX_BACKOFF_SECS);
        assert_eq!(next_delay_secs(1, Some(i64::MAX)), MAX_BACKOFF_SECS);
        assert_eq!(next_delay_secs(40, None), MAX_BACKOFF_SECS);
    }

    #[test]
    fn an_entry_is_claimed_by_one_task_at_a_time() {
        let claims = std::sync::Arc::new(OutboxClaims::default());
        let first = claims.claim("k1").unwrap();
        assert!(claims.claim("k1").is_none());
        assert!(claims.claim("k2").is_some());
        drop(first);
        assert!(claims.claim("k1").is_some(), "released when the claim is dropped");
    }

    #[test]
    fn case_ids_are_path_safe() {
        assert!(url_segment("C20261123-000042").is_ok());
        assert!(url_segment("../sim/faults").is_err());
        assert!(url_segment("").is_err());
    }
}
