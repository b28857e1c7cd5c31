//! Cases (`client.cases()`): submission through the outbox, refusals and dead letters,
//! co-signing, amendments, ratings and the inbox.

use std::collections::HashMap;
use std::sync::Arc;

use citykit_core::cases::{
    Case, CaseReview, DeadLetter, InboxItem, PendingSubmission, PledgeReview, Rating, RefusedWrite, RetryReport, SubmissionOutcome,
};
use citykit_ffi_macros::export;

use crate::callbacks::InboxListener;
use crate::error::ApiResult;
use crate::subscription::{listen, TaskHandle};

/// The name of the thread each inbox subscription calls its listener on.
pub const INBOX_THREAD_NAME: &str = "citykit-inbox";

/// Cases: `client.cases()`.
#[derive(uniffi::Object)]
pub struct CasesClient {
    pub(crate) inner: citykit_core::cases::CasesClient,
}

#[export]
impl CasesClient {
    /// Submits a draft (queued and retried when offline; the same submission is never made twice).
    pub async fn submit(&self, draft_id: String) -> ApiResult<SubmissionOutcome> {
        self.inner.submit(&draft_id).await
    }

    /// Writes still queued (submissions, amendments, ratings).
    pub async fn pending(&self) -> ApiResult<Vec<PendingSubmission>> {
        self.inner.pending().await
    }

    /// Sends the queued writes that are due (all of them with `force`).
    pub async fn retry_pending(&self, force: bool) -> ApiResult<RetryReport> {
        self.inner.retry_pending(force).await
    }

    /// Queued writes the platform refused for good, with the reason.
    pub async fn refusals(&self) -> ApiResult<Vec<RefusedWrite>> {
        self.inner.refusals().await
    }

    /// Forgets a refusal once the person has seen it.
    pub async fn dismiss_refusal(&self, submission_id: String) -> ApiResult<()> {
        self.inner.dismiss_refusal(&submission_id).await
    }

    /// Queued writes that could not be read back (kept for a bug report, never sent).
    pub async fn dead_letters(&self) -> ApiResult<Vec<DeadLetter>> {
        self.inner.dead_letters().await
    }

    /// Deletes a dead letter.
    pub async fn delete_dead_letter(&self, submission_id: String) -> ApiResult<()> {
        self.inner.delete_dead_letter(&submission_id).await
    }

    /// The current identity's cases, from the platform (kept for offline use).
    pub async fn cases(&self) -> ApiResult<Vec<Case>> {
        self.inner.cases().await
    }

    /// The cases kept on this device (offline).
    pub async fn stored_cases(&self) -> ApiResult<Vec<Case>> {
        self.inner.stored_cases().await
    }

    /// One case, from the platform.
    pub async fn get_case(&self, case_id: String) -> ApiResult<Case> {
        self.inner.case(&case_id).await
    }

    /// The case's 容缺 pledge, decoded for review, with the digest to sign it by.
    pub async fn review_pledge(&self, case_id: String) -> ApiResult<PledgeReview> {
        self.inner.review_pledge(&case_id).await
    }

    /// Signs the reviewed pledge with the device key: the case is accepted, awaiting material.
    pub async fn sign_pledge(&self, case_id: String, reviewed_sha256: String) -> ApiResult<Case> {
        self.inner.sign_pledge(&case_id, &reviewed_sha256).await
    }

    /// What a co-signer is asked to sign, with the digest to sign it by.
    pub async fn review(&self, case_id: String) -> ApiResult<CaseReview> {
        self.inner.review(&case_id).await
    }

    /// Signs a reviewed case with the device key.
    pub async fn sign(&self, case_id: String, reviewed_sha256: String) -> ApiResult<Case> {
        self.inner.sign(&case_id, &reviewed_sha256).await
    }

    /// Declines to sign a reviewed case.
    pub async fn decline(&self, case_id: String, reviewed_sha256: String) -> ApiResult<Case> {
        self.inner.decline(&case_id, &reviewed_sha256).await
    }

    /// Amends a case sent back for changes (field name to new value).
    pub async fn amend(&self, case_id: String, changes: HashMap<String, String>) -> ApiResult<SubmissionOutcome> {
        self.inner.amend(&case_id, changes.into_iter().collect()).await
    }

    /// Rates a finished case (好差评); the comment may not hold an ID or mobile number.
    pub async fn rate(&self, case_id: String, rating: Rating, comment: Option<String>) -> ApiResult<SubmissionOutcome> {
        self.inner.rate(&case_id, rating, comment).await
    }

    /// The inbox, from the platform (kept for offline use).
    pub async fn inbox(&self) -> ApiResult<Vec<InboxItem>> {
        self.inner.inbox().await
    }

    /// The inbox kept on this device (offline).
    pub async fn stored_inbox(&self) -> ApiResult<Vec<InboxItem>> {
        self.inner.stored_inbox().await
    }

    /// A page of the stored inbox, newest first (`before`: the last id of the previous page).
    pub async fn inbox_page(&self, before: Option<i64>, limit: u32, unread_only: bool) -> ApiResult<Vec<InboxItem>> {
        self.inner.inbox_page(before, limit, unread_only).await
    }

    /// How many inbox items are unread.
    pub async fn unread_count(&self) -> ApiResult<u32> {
        self.inner.unread_count().await
    }

    /// Deletes an inbox item from this device.
    pub async fn delete_inbox_item(&self, inbox_id: i64) -> ApiResult<()> {
        self.inner.delete_inbox_item(inbox_id).await
    }

    /// Calls `listener` with the inbox as it is now, then on every change (a pull or a push
    /// added notices, one was read or deleted, another identity was switched to, logout), until
    /// the returned handle is cancelled or dropped. Called on a thread of its own
    /// (`citykit-inbox`), never under a lock.
    pub fn subscribe_inbox(&self, listener: Arc<dyn InboxListener>) -> ApiResult<Arc<TaskHandle>> {
        let mut watch = self.inner.watch_inbox();
        listen(
            INBOX_THREAD_NAME,
            move |change| listener.on_inbox_change(change),
            move |deliver| async move {
                while let Some(change) = watch.next().await {
                    if deliver.send(change).is_err() {
                        break;
                    }
                }
            },
        )
    }

    /// Marks an inbox item read.
    pub async fn mark_read(&self, inbox_id: i64) -> ApiResult<()> {
        self.inner.mark_read(inbox_id).await
    }
}
