//! The outbox: every write to the platform (a case, an amendment, a rating) is queued in the
//! store before it is sent, claimed by one task at a time, and settled by one retry policy
//! ([`verdict`]): kept with backoff, delivered, refused for good (recorded for the user), or moved
//! to the dead letters when this version cannot read it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::wire::WireCase;
use super::{db, decode_err, now, url_segment, CaseError, CasesClient, WriteKind, MAX_COMMENT_CHARS};
use super::{
    Case, CaseStatus, DeadLetter, DeadLetterNotice, PendingSubmission, Rating, RefusalNotice, RefusedWrite, RetryReport, SubmissionOutcome,
};
use crate::api::{self, ApiCall, ApiReply};
use crate::autofill::{FilledForm, Party};
use crate::catalogue::Derivation;
use crate::wallet::WalletError;
use crate::CityKitError;

/// The longest wait between two attempts of a queued write: the exponential backoff stops
/// growing there, and a longer `Retry-After` from the platform is cut down to it (so a wrong or
/// hostile header cannot park the outbox for days).
pub const MAX_BACKOFF_SECS: i64 = 3600;

/// A government-verified field's source as the outbox keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct QueuedSource {
    pub(super) licence_id: String,
    pub(super) holder: String,
    pub(super) claim: String,
    pub(super) derive: Option<Derivation>,
}

/// A case submission as the outbox keeps it (until the platform has it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct QueuedCase {
    pub(super) item_id: String,
    pub(super) form_version: u32,
    pub(super) fields: Vec<(String, String, Option<QueuedSource>)>,
    /// Licences attached as materials: (holder, licence id).
    pub(super) attached: Vec<(String, String)>,
    /// Claims the item's checks read: (holder, licence id, claim).
    #[serde(default)]
    pub(super) check_disclosures: Vec<(String, String, String)>,
    pub(super) parties: Vec<Party>,
    /// The draft, restored if the platform refuses the case.
    pub(super) draft: FilledForm,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct QueuedRating {
    pub(super) case_id: String,
    pub(super) rating: Rating,
    pub(super) comment: Option<String>,
}

/// What an outbox entry asks the platform to do.
pub(super) enum Write {
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
pub(super) struct Entry {
    pub(super) key: String,
    pub(super) holder: String,
    pub(super) attempts: u32,
    pub(super) write: Write,
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
        Write::Case(_) | Write::Amendment { .. } if reason == "pledge_not_allowed" => CaseError::PledgeNotAllowed,
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

fn backoff_secs(attempts: u32) -> i64 {
    (5_i64 << attempts.min(12)).min(MAX_BACKOFF_SECS)
}

/// The wait before the next attempt: the backoff, or longer if the platform asked, at most
/// [`MAX_BACKOFF_SECS`].
fn next_delay_secs(attempts: u32, retry_after: Option<i64>) -> i64 {
    backoff_secs(attempts).max(retry_after.unwrap_or(0)).min(MAX_BACKOFF_SECS)
}

impl CasesClient {
    /// Sends a write just put into the outbox and reports what became of it.
    pub(super) async fn send_new(&self, entry: Entry) -> Result<SubmissionOutcome, CityKitError> {
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
                self.store.call(move |conn| db::rating_delivered(conn, &holder, &case_id, rating, &key)).await?;
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
        self.store.call(move |conn| db::reschedule(conn, &key_db, attempts, next_attempt_at, &code_db)).await?;
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
        let refusal = db::Refusal {
            key: entry.key.clone(),
            holder: entry.holder.clone(),
            kind: entry.write.kind(),
            refers_to,
            draft,
            status,
            reason: reason.to_owned(),
            field,
        };
        self.store.call(move |conn| db::record_refusal(conn, &refusal)).await?;
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
        let rows: Vec<(String, i64)> = self.store.call(move |conn| db::outbox_schedule(conn, &holder)).await?;
        let mut report = RetryReport::default();
        for (key, due) in rows {
            if !force && due > now() {
                continue;
            }
            // Another task is sending it right now.
            let Some(_claim) = self.claims.claim(&key) else { continue };
            // Read it again under the claim: another task may have settled or rescheduled it since the listing.
            let key_db = key.clone();
            let row: Option<(String, String, u32, i64)> = self.store.call(move |conn| db::outbox_entry(conn, &key_db)).await?;
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
                    report.dead_lettered.push(DeadLetterNotice { submission_id: key, kind: WriteKind::parse(&kind), reason });
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
        self.store.call(move |conn| db::dead_letter(conn, &key, &reason)).await?;
        Ok(())
    }

    /// The current identity's outbox entries that could not be read (see
    /// [`RetryReport::dead_lettered`]), oldest first. Nothing is lost silently: show them, and
    /// delete each once dealt with.
    pub async fn dead_letters(&self) -> Result<Vec<DeadLetter>, CityKitError> {
        let (holder, _) = self.autofill.holders().await?;
        Ok(self.store.call(move |conn| db::dead_letters(conn, &holder)).await?)
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
        Ok(self.store.call(move |conn| db::refusals(conn, &holder)).await?)
    }

    /// Forgets a refusal the user has seen ([`CaseError::UnknownSubmission`] if there is none).
    pub async fn dismiss_refusal(&self, submission_id: &str) -> Result<(), CityKitError> {
        self.delete_own("outbox_refusals", submission_id).await
    }

    async fn delete_own(&self, table: &'static str, submission_id: &str) -> Result<(), CityKitError> {
        let (holder, _) = self.autofill.holders().await?;
        let id = submission_id.to_owned();
        let deleted = self.store.call(move |conn| db::delete_own(conn, table, &id, &holder)).await?;
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
        Ok(self.store.call(move |conn| db::pending(conn, &holder)).await?)
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::AuthError;
    use crate::net::NetError;

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
}
