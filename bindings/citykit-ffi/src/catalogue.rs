//! The catalogue (`client.catalogue()`) and 秒报 auto-fill with drafts (`client.autofill()`).

use citykit_core::autofill::{AutofillConsent, DraftSummary, FilledForm, Party};
use citykit_core::catalogue::{Bundle, CatalogueSync, ItemSummary, ServiceItem};
use citykit_ffi_macros::export;

use crate::error::ApiResult;

/// The service catalogue, synced from the platform and searched offline: `client.catalogue()`.
#[derive(uniffi::Object)]
pub struct CatalogueClient {
    pub(crate) inner: citykit_core::catalogue::CatalogueClient,
}

#[export]
impl CatalogueClient {
    /// Downloads the service catalogue (a conditional request: unchanged costs one round trip).
    pub async fn sync(&self) -> ApiResult<CatalogueSync> {
        self.inner.sync().await
    }

    /// Searches the catalogue offline (Chinese or English; one or two characters work too).
    pub async fn search(&self, query: String, limit: u32) -> ApiResult<Vec<ItemSummary>> {
        self.inner.search(&query, limit).await
    }

    /// One item with its whole standard guide (materials, form, co-signing, result licence).
    pub async fn item(&self, id: String) -> ApiResult<ServiceItem> {
        self.inner.item(&id).await
    }

    /// Every item, as summaries.
    pub async fn items(&self) -> ApiResult<Vec<ItemSummary>> {
        self.inner.items().await
    }

    /// The one-thing bundles (一件事).
    pub async fn bundles(&self) -> ApiResult<Vec<Bundle>> {
        self.inner.bundles().await
    }
}

/// 秒报: forms that fill themselves from the wallet with consent, and drafts: `client.autofill()`.
#[derive(uniffi::Object)]
pub struct AutofillClient {
    pub(crate) inner: citykit_core::autofill::AutofillClient,
}

#[export]
impl AutofillClient {
    /// Fills the form of `item_id` from the wallet (asks for consent first) and saves it as a draft.
    pub async fn fill(&self, item_id: String) -> ApiResult<FilledForm> {
        self.inner.fill(&item_id).await
    }

    /// A saved draft.
    pub async fn draft(&self, draft_id: String) -> ApiResult<FilledForm> {
        self.inner.draft(&draft_id).await
    }

    /// The current identity's drafts, newest first.
    pub async fn drafts(&self) -> ApiResult<Vec<DraftSummary>> {
        self.inner.drafts().await
    }

    /// Sets a field's value (None or empty clears it). A government-verified value is locked:
    /// it changes only with `override_verified`, and then becomes user-provided.
    pub async fn set_field(
        &self,
        draft_id: String,
        field: String,
        value: Option<String>,
        override_verified: bool,
    ) -> ApiResult<FilledForm> {
        self.inner.set_field(&draft_id, &field, value, override_verified).await
    }

    /// Names the other signers of a co-signing item.
    pub async fn set_parties(&self, draft_id: String, parties: Vec<Party>) -> ApiResult<FilledForm> {
        self.inner.set_parties(&draft_id, parties).await
    }

    /// Deletes a draft.
    pub async fn delete_draft(&self, draft_id: String) -> ApiResult<()> {
        self.inner.delete_draft(&draft_id).await
    }

    /// Deletes drafts left unedited longer than the client's draft age; returns how many.
    pub async fn purge_expired_drafts(&self) -> ApiResult<u32> {
        self.inner.purge_expired_drafts().await
    }

    /// The standing consents to fill forms from licences.
    pub async fn consents(&self) -> ApiResult<Vec<AutofillConsent>> {
        self.inner.consents().await
    }

    /// Withdraws the consent for `item_id`; true when there was one.
    pub async fn revoke_consent(&self, item_id: String) -> ApiResult<bool> {
        self.inner.revoke_consent(&item_id).await
    }
}
