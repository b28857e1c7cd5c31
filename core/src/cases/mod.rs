//! Cases (办件): submitting a filled form, 秒批 results, multi-party co-signing (一事多人),
//! 容缺 pledges, ratings (好差评) and the inbox.
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
//!
//! ## Layout
//! - `model.rs`: the public records and enums ([`Case`], [`SubmissionOutcome`], [`RetryReport`], …).
//! - `wire.rs`: the platform's JSON shapes as received.
//! - `outbox.rs`: the queue, its one retry policy, claims, refusals and dead letters.
//! - `submit.rs`: submitting and amending, and following cases (list, one case, stored copies).
//! - `cosign.rs`: review, sign and decline.
//! - `pledge.rs`: 容缺 pledges, reviewed and signed with the device key.
//! - `ratings.rs`: 好差评 (the comment screened by [`crate::privacy::personal_data_in`]).
//! - `inbox.rs`: the platform's notices.
//! - `feed.rs`: the inbox's change feed ([`InboxWatch`]), which the faces turn into streams.
//! - `db.rs`: the SQL of the capability's tables (the outbox, refusals, dead letters, cases, the
//!   inbox), run on the store's connection.
//! - `forget.rs`: what a logout removes.

mod cosign;
mod db;
mod error;
mod feed;
pub(crate) mod forget;
mod inbox;
mod model;
mod outbox;
mod pledge;
mod ratings;
mod submit;
mod wire;

// Comment screening lives in `crate::privacy`; re-exported so `cases::personal_data_in` keeps working.
pub use crate::privacy::personal_data_in;
pub(crate) use db::insert_inbox_item;
pub use error::CaseError;
pub(crate) use feed::InboxFeed;
pub use feed::{InboxChange, InboxChangeKind, InboxWatch, FEED_CAPACITY};
pub use model::*;
pub(crate) use outbox::OutboxClaims;
pub use outbox::MAX_BACKOFF_SECS;
pub use ratings::MAX_COMMENT_CHARS;

use serde::{Deserialize, Serialize};

use crate::autofill::AutofillClient;
use crate::identity::IdentityClient;
use crate::store::{Store, StoreError};
use crate::wallet::WalletClient;
use crate::CityKitError;
use outbox::QueuedCase;

/// A case as the store keeps it: the case and, for the applicant, what was submitted.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredCase {
    case: Case,
    submission: Option<QueuedCase>,
}

fn now() -> i64 {
    crate::platform::now_unix_secs()
}

fn decode_err(e: serde_json::Error) -> StoreError {
    StoreError::Decode { details: crate::privacy::json_problem(&e) }
}

fn new_key() -> Result<String, CityKitError> {
    crate::crypto::random_id(24).map_err(|_| CityKitError::Internal { details: "no secure random source".into() })
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
    /// Announces every change of the stored inbox.
    feed: InboxFeed,
}

impl CasesClient {
    pub(crate) fn new(
        identity: IdentityClient,
        store: Store,
        wallet: WalletClient,
        autofill: AutofillClient,
        claims: std::sync::Arc<OutboxClaims>,
        feed: InboxFeed,
    ) -> Self {
        Self { identity, store, wallet, autofill, claims, feed }
    }
}

/// A case id as one URL path segment.
pub(crate) fn url_segment(id: &str) -> Result<&str, CityKitError> {
    if !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        Ok(id)
    } else {
        Err(CaseError::UnknownCase.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_ids_are_path_safe() {
        assert!(url_segment("C20261123-000042").is_ok());
        assert!(url_segment("../sim/faults").is_err());
        assert!(url_segment("").is_err());
    }
}
