//! Recommendations (`client.recommend()`): the ranked list computed on the device, dismissals,
//! the person's views and searches, and the policy campaigns matched on the device.

use citykit_core::recommend::{CampaignMatch, Dismissal, Recommendation};
use citykit_ffi_macros::export;

use crate::error::ApiResult;

/// Recommendations for the identity acted for: `client.recommend()`.
#[derive(uniffi::Object)]
pub struct RecommendClient {
    pub(crate) inner: citykit_core::recommend::RecommendClient,
}

#[export]
impl RecommendClient {
    /// The `limit` services most worth suggesting now, best first, each with its reason in
    /// Chinese and English; never a dismissed one.
    pub async fn recommend(&self, limit: u32) -> ApiResult<Vec<Recommendation>> {
        self.inner.recommend(limit).await
    }

    /// Never suggest `item_id` again (`Dismiss`), or nothing of its bundles either (`NotForMe`).
    pub async fn dismiss(&self, item_id: String, how: Dismissal) -> ApiResult<()> {
        self.inner.dismiss(&item_id, how).await
    }

    /// The person opened a service's guide (kept on the device).
    pub async fn record_view(&self, item_id: String) -> ApiResult<()> {
        self.inner.record_view(&item_id).await
    }

    /// The person searched the catalogue (its first results count as an interest; the query is
    /// not kept).
    pub async fn record_search(&self, query: String) -> ApiResult<()> {
        self.inner.record_search(&query).await
    }

    /// The running policy campaigns this identity is eligible for, with the facts that made it so.
    pub async fn campaigns(&self) -> ApiResult<Vec<CampaignMatch>> {
        self.inner.campaigns().await
    }
}
