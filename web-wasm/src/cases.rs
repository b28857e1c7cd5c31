//! `client.autofill()` and `client.cases()`: the core's `AutofillClient` (秒报 drafts) and
//! `CasesClient` (submission, co-signing, ratings, the inbox and its changes), and the
//! subscriptions their callbacks run in.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::future::Future;
use std::rc::Rc;

use citykit_core::autofill::{AutofillClient, Party};
use citykit_core::cases::{CasesClient, Rating};
use wasm_bindgen::prelude::*;

use crate::{from_js, js_error, to_js};

/// A running callback subscription (`watchLoginState`, `watchInbox`): `cancel()` (or `free()`)
/// ends it; the listener is never called after that.
#[wasm_bindgen]
pub struct WebSubscription {
    cancelled: Rc<Cell<bool>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

#[wasm_bindgen]
impl WebSubscription {
    /// Ends the subscription.
    pub fn cancel(&mut self) {
        self.cancelled.set(true);
        self.stop.take();
    }
}

/// Runs `run` as a task of its own on the page's event loop, handing it a `deliver` that calls
/// `listener` with a record (false once the subscription is cancelled); the task ends when it
/// is cancelled or dropped. The listener runs in that task, never under a lock of the core;
/// an exception it throws is reported on the console and does not end the subscription.
pub(crate) fn subscribe<T, F, Fut>(listener: js_sys::Function, run: F) -> WebSubscription
where
    T: serde::Serialize + 'static,
    F: FnOnce(Rc<dyn Fn(&T) -> bool>) -> Fut,
    Fut: Future<Output = ()> + 'static,
{
    let cancelled = Rc::new(Cell::new(false));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let flag = cancelled.clone();
    let deliver: Rc<dyn Fn(&T) -> bool> = Rc::new(move |value: &T| {
        if flag.get() {
            return false;
        }
        match to_js(value) {
            Ok(value) => {
                if let Err(e) = listener.call1(&JsValue::NULL, &value) {
                    web_sys_console_error(&e);
                }
            }
            Err(e) => web_sys_console_error(&e),
        }
        !flag.get()
    });
    let task = run(deliver);
    wasm_bindgen_futures::spawn_local(async move {
        tokio::select! {
            biased;
            _ = stopped => {}
            _ = task => {}
        }
    });
    WebSubscription { cancelled, stop: Some(stop) }
}

fn web_sys_console_error(error: &JsValue) {
    let console = js_sys::Reflect::get(&js_sys::global(), &"console".into()).ok();
    if let Some(error_fn) = console.as_ref().and_then(|c| js_sys::Reflect::get(c, &"error".into()).ok()) {
        if let Ok(error_fn) = error_fn.dyn_into::<js_sys::Function>() {
            let _ = error_fn.call2(console.as_ref().unwrap_or(&JsValue::NULL), &"a CityKit listener threw:".into(), error);
        }
    }
}

/// Auto-filled forms (秒报), as `client.autofill()` on every face.
#[wasm_bindgen]
pub struct WebAutofillClient {
    inner: AutofillClient,
}

impl WebAutofillClient {
    pub(crate) fn new(inner: AutofillClient) -> Self {
        Self { inner }
    }
}

#[wasm_bindgen]
impl WebAutofillClient {
    /// Fills the item's form from the wallet (asking consent once per item): a draft whose
    /// every field says where its value comes from.
    #[wasm_bindgen(unchecked_return_type = "FilledForm")]
    pub async fn fill(&self, item_id: String) -> Result<JsValue, JsValue> {
        to_js(&self.inner.fill(&item_id).await.map_err(js_error)?)
    }

    /// A stored draft.
    #[wasm_bindgen(unchecked_return_type = "FilledForm")]
    pub async fn draft(&self, draft_id: String) -> Result<JsValue, JsValue> {
        to_js(&self.inner.draft(&draft_id).await.map_err(js_error)?)
    }

    /// Every stored draft of the identity.
    #[wasm_bindgen(unchecked_return_type = "DraftSummary[]")]
    pub async fn drafts(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.drafts().await.map_err(js_error)?)
    }

    /// Sets (or clears, with null) a field typed by the user; a government-verified value is
    /// only replaced with `overrideVerified`.
    #[wasm_bindgen(js_name = setField, unchecked_return_type = "FilledForm")]
    pub async fn set_field(
        &self,
        draft_id: String,
        field: String,
        value: Option<String>,
        override_verified: bool,
    ) -> Result<JsValue, JsValue> {
        to_js(&self.inner.set_field(&draft_id, &field, value, override_verified).await.map_err(js_error)?)
    }

    /// Names the other parties of a co-signed item (`[{role, name, id_number}]`).
    #[wasm_bindgen(js_name = setParties, unchecked_return_type = "FilledForm")]
    pub async fn set_parties(
        &self,
        draft_id: String,
        #[wasm_bindgen(unchecked_param_type = "Party[]")] parties: JsValue,
    ) -> Result<JsValue, JsValue> {
        let parties: Vec<Party> = from_js(&parties, "the parties")?;
        to_js(&self.inner.set_parties(&draft_id, parties).await.map_err(js_error)?)
    }

    /// Deletes a draft.
    #[wasm_bindgen(js_name = deleteDraft)]
    pub async fn delete_draft(&self, draft_id: String) -> Result<(), JsValue> {
        self.inner.delete_draft(&draft_id).await.map_err(js_error)
    }

    /// Deletes drafts older than the core's draft lifetime; how many.
    #[wasm_bindgen(js_name = purgeExpiredDrafts)]
    pub async fn purge_expired_drafts(&self) -> Result<u32, JsValue> {
        self.inner.purge_expired_drafts().await.map_err(js_error)
    }

    /// The consents given to auto-fill items.
    #[wasm_bindgen(unchecked_return_type = "AutofillConsent[]")]
    pub async fn consents(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.consents().await.map_err(js_error)?)
    }

    /// Withdraws the consent for an item; whether there was one.
    #[wasm_bindgen(js_name = revokeConsent)]
    pub async fn revoke_consent(&self, item_id: String) -> Result<bool, JsValue> {
        self.inner.revoke_consent(&item_id).await.map_err(js_error)
    }
}

/// Cases and the inbox, as `client.cases()` on every face.
#[wasm_bindgen]
pub struct WebCasesClient {
    inner: CasesClient,
}

impl WebCasesClient {
    pub(crate) fn new(inner: CasesClient) -> Self {
        Self { inner }
    }
}

fn inbox_id(id: f64) -> i64 {
    id as i64
}

#[wasm_bindgen]
impl WebCasesClient {
    /// Submits a draft (queued and retried by the core's one outbox policy when offline).
    #[wasm_bindgen(unchecked_return_type = "SubmissionOutcome")]
    pub async fn submit(&self, draft_id: String) -> Result<JsValue, JsValue> {
        to_js(&self.inner.submit(&draft_id).await.map_err(js_error)?)
    }

    /// Writes waiting in the outbox.
    #[wasm_bindgen(unchecked_return_type = "PendingSubmission[]")]
    pub async fn pending(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.pending().await.map_err(js_error)?)
    }

    /// Sends the outbox now (`force`: also those waiting for their retry time).
    #[wasm_bindgen(js_name = retryPending, unchecked_return_type = "RetryReport")]
    pub async fn retry_pending(&self, force: bool) -> Result<JsValue, JsValue> {
        to_js(&self.inner.retry_pending(force).await.map_err(js_error)?)
    }

    /// Writes the platform refused.
    #[wasm_bindgen(unchecked_return_type = "RefusedWrite[]")]
    pub async fn refusals(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.refusals().await.map_err(js_error)?)
    }

    /// The identity's cases, fetched (and stored).
    #[wasm_bindgen(unchecked_return_type = "Case[]")]
    pub async fn cases(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.cases().await.map_err(js_error)?)
    }

    /// The stored cases (offline).
    #[wasm_bindgen(js_name = storedCases, unchecked_return_type = "Case[]")]
    pub async fn stored_cases(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.stored_cases().await.map_err(js_error)?)
    }

    /// One case, fetched.
    #[wasm_bindgen(js_name = getCase, unchecked_return_type = "Case")]
    pub async fn get_case(&self, case_id: String) -> Result<JsValue, JsValue> {
        to_js(&self.inner.case(&case_id).await.map_err(js_error)?)
    }

    /// What a 容缺 pledge says, to show before signing it.
    #[wasm_bindgen(js_name = reviewPledge, unchecked_return_type = "PledgeReview")]
    pub async fn review_pledge(&self, case_id: String) -> Result<JsValue, JsValue> {
        to_js(&self.inner.review_pledge(&case_id).await.map_err(js_error)?)
    }

    /// Signs the reviewed pledge.
    #[wasm_bindgen(js_name = signPledge, unchecked_return_type = "Case")]
    pub async fn sign_pledge(&self, case_id: String, reviewed_sha256: String) -> Result<JsValue, JsValue> {
        to_js(&self.inner.sign_pledge(&case_id, &reviewed_sha256).await.map_err(js_error)?)
    }

    /// What a co-signing request says, to show before signing.
    #[wasm_bindgen(unchecked_return_type = "CaseReview")]
    pub async fn review(&self, case_id: String) -> Result<JsValue, JsValue> {
        to_js(&self.inner.review(&case_id).await.map_err(js_error)?)
    }

    /// Co-signs the reviewed case.
    #[wasm_bindgen(unchecked_return_type = "Case")]
    pub async fn sign(&self, case_id: String, reviewed_sha256: String) -> Result<JsValue, JsValue> {
        to_js(&self.inner.sign(&case_id, &reviewed_sha256).await.map_err(js_error)?)
    }

    /// Declines to co-sign the reviewed case.
    #[wasm_bindgen(unchecked_return_type = "Case")]
    pub async fn decline(&self, case_id: String, reviewed_sha256: String) -> Result<JsValue, JsValue> {
        to_js(&self.inner.decline(&case_id, &reviewed_sha256).await.map_err(js_error)?)
    }

    /// Amends a case the office sent back (`{field: value}`).
    #[wasm_bindgen(unchecked_return_type = "SubmissionOutcome")]
    pub async fn amend(
        &self,
        case_id: String,
        #[wasm_bindgen(unchecked_param_type = "Record<string, string>")] changes: JsValue,
    ) -> Result<JsValue, JsValue> {
        let changes: BTreeMap<String, String> = from_js(&changes, "the changes")?;
        to_js(&self.inner.amend(&case_id, changes.into_iter().collect()).await.map_err(js_error)?)
    }

    /// Rates a finished case (好差评): `rating` is one of the core's `Rating` values.
    #[wasm_bindgen(unchecked_return_type = "SubmissionOutcome")]
    pub async fn rate(
        &self,
        case_id: String,
        #[wasm_bindgen(unchecked_param_type = "Rating")] rating: JsValue,
        comment: Option<String>,
    ) -> Result<JsValue, JsValue> {
        let rating: Rating = from_js(&rating, "the rating")?;
        to_js(&self.inner.rate(&case_id, rating, comment).await.map_err(js_error)?)
    }

    /// Pulls the inbox from the platform into the stored one and returns it.
    #[wasm_bindgen(unchecked_return_type = "InboxItem[]")]
    pub async fn inbox(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.inbox().await.map_err(js_error)?)
    }

    /// The stored inbox (offline).
    #[wasm_bindgen(js_name = storedInbox, unchecked_return_type = "InboxItem[]")]
    pub async fn stored_inbox(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.stored_inbox().await.map_err(js_error)?)
    }

    /// A page of the stored inbox, newest first, before the item id `before`.
    #[wasm_bindgen(js_name = inboxPage, unchecked_return_type = "InboxItem[]")]
    pub async fn inbox_page(&self, before: Option<f64>, limit: u32, unread_only: bool) -> Result<JsValue, JsValue> {
        to_js(&self.inner.inbox_page(before.map(inbox_id), limit, unread_only).await.map_err(js_error)?)
    }

    /// Unread items in the stored inbox.
    #[wasm_bindgen(js_name = unreadCount)]
    pub async fn unread_count(&self) -> Result<u32, JsValue> {
        self.inner.unread_count().await.map_err(js_error)
    }

    /// Marks an inbox item read.
    #[wasm_bindgen(js_name = markRead)]
    pub async fn mark_read(&self, inbox_id: f64) -> Result<(), JsValue> {
        self.inner.mark_read(self::inbox_id(inbox_id)).await.map_err(js_error)
    }

    /// Deletes an inbox item.
    #[wasm_bindgen(js_name = deleteInboxItem)]
    pub async fn delete_inbox_item(&self, inbox_id: f64) -> Result<(), JsValue> {
        self.inner.delete_inbox_item(self::inbox_id(inbox_id)).await.map_err(js_error)
    }

    /// Calls `listener(change)` with the inbox's current state, then with every change
    /// (`InboxChange`: kind, item ids, unread count after it), until the subscription is
    /// cancelled or the client is freed.
    #[wasm_bindgen(js_name = watchInbox)]
    pub fn watch_inbox(&self, listener: js_sys::Function) -> WebSubscription {
        let mut watch = self.inner.watch_inbox();
        subscribe(listener, move |deliver| async move {
            while let Some(change) = watch.next().await {
                if !deliver(&change) {
                    return;
                }
            }
        })
    }
}
