//! `client.recommend()`: the ranked list, dismissals, the person's views and searches, and the
//! policy campaigns matched on the device. Only public documents are fetched (the platform's
//! next-step statistics and its campaigns, the same for everyone, without a token); the profile,
//! the history and the matches stay in the encrypted store.

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use super::campaign::evaluate;
use super::model::{Campaign, CampaignMatch, Dismissal, HistoryEvent, HistoryKind, LifeEvent, NextStepStats, ProfileFacts, Recommendation};
use super::profile::{life_events_from, profile_from, LicenceFacts};
use super::rank::{RankableItem, Ranker, RankingInput};
use super::{db, vct, RecommendError};
use crate::api;
use crate::cases::CasesClient;
use crate::catalogue::{Audience, CatalogueClient};
use crate::identity::{IdentityClient, IdentityKind};
use crate::store::Store;
use crate::wallet::WalletClient;
use crate::CityKitError;

const NS: &str = "recommend";
/// The statistics are fetched again when older than a day.
const NEXT_STEPS_MAX_AGE_SECS: i64 = 24 * 3600;
/// The campaigns are fetched again when older than an hour (or when a notice names one unknown).
const CAMPAIGNS_MAX_AGE_SECS: i64 = 3600;
/// Where the platform publishes them (under the city API).
pub const NEXT_STEPS_PATH: &str = "/recommend/next-steps";
/// Where the platform publishes its campaigns (under the city API).
pub const CAMPAIGNS_PATH: &str = "/campaigns";

/// Recommendations for the identity acted for. Cheap to clone.
#[derive(Clone)]
pub struct RecommendClient {
    identity: IdentityClient,
    store: Store,
    wallet: WalletClient,
    catalogue: CatalogueClient,
    cases: CasesClient,
}

impl RecommendClient {
    pub(crate) fn new(
        identity: IdentityClient,
        store: Store,
        wallet: WalletClient,
        catalogue: CatalogueClient,
        cases: CasesClient,
    ) -> Self {
        Self { identity, store, wallet, catalogue, cases }
    }

    /// What the device knows about the identity acted for, from its wallet (never sent).
    pub async fn profile(&self) -> Result<ProfileFacts, CityKitError> {
        Ok(self.profile_and_events().await?.0)
    }

    async fn profile_and_events(&self) -> Result<(ProfileFacts, Vec<LifeEvent>), CityKitError> {
        let audience = match self.identity.current_identity().await?.kind {
            IdentityKind::Person => Audience::Person,
            IdentityKind::Enterprise => Audience::Enterprise,
        };
        let wanted = [
            vct::RESIDENT_ID_CARD,
            vct::BIRTH_MEDICAL_CERTIFICATE,
            vct::BIRTH_REGISTRATION_CERTIFICATE,
            vct::MARRIAGE_CERTIFICATE,
            vct::MARRIAGE_REGISTRATION_RECEIPT,
            vct::BUSINESS_LICENCE,
            vct::REAL_ESTATE_CERTIFICATE,
            vct::VEHICLE_REGISTRATION,
        ];
        let mut read = Vec::new();
        for summary in self.wallet.licences().await? {
            if wanted.contains(&summary.vct.as_str()) {
                let licence = self.wallet.licence(&summary.id).await?;
                read.push((summary.vct, summary.issued_at, licence.claims.into_inner()));
            }
        }
        let facts: Vec<LicenceFacts<'_>> =
            read.iter().map(|(vct, issued_at, claims)| LicenceFacts { vct, issued_at: *issued_at, claims }).collect();
        let now = crate::platform::now_unix_secs();
        Ok((profile_from(audience, &facts, now), life_events_from(&facts, now)))
    }

    /// The `limit` services most worth suggesting now, best first, each with its reason; never
    /// a dismissed one. Computed on the device from the synced catalogue, the platform's
    /// published next-step statistics (fetched when older than a day), the wallet and the
    /// history kept here.
    pub async fn recommend(&self, limit: u32) -> Result<Vec<Recommendation>, CityKitError> {
        let holder = self.identity.current_identity().await?.id;
        let items: Vec<RankableItem> = self.catalogue.items().await?.iter().map(RankableItem::from).collect();
        let bundles = self.catalogue.bundles().await?;
        let stats: NextStepStats = self.published(NEXT_STEPS_PATH, "next_steps", NEXT_STEPS_MAX_AGE_SECS, false).await?;
        let (profile, life_events) = self.profile_and_events().await?;
        let mut history: Vec<HistoryEvent> = self
            .cases
            .stored_cases()
            .await?
            .into_iter()
            .map(|c| HistoryEvent { kind: HistoryKind::Case, item_id: c.item_id, at: c.submitted_at })
            .collect();
        let (holder_db, holder_dismissed) = (holder.clone(), holder);
        history.extend(self.store.read(move |conn| db::history(conn, &holder_db)).await?);
        let dismissed: HashMap<String, Dismissal> =
            self.store.read(move |conn| db::dismissed(conn, &holder_dismissed)).await?.into_iter().collect();
        let ranker = Ranker::new(items, &bundles, &stats);
        let input = RankingInput {
            profile: &profile,
            life_events: &life_events,
            history: &history,
            dismissed: &dismissed,
            now: crate::platform::now_unix_secs(),
        };
        let limit = usize::try_from(limit.clamp(1, 500)).unwrap_or(500);
        Ok(ranker.rank(&input, limit))
    }

    /// Never suggest `item_id` again (`Dismiss`), or also nothing more of its bundles from a
    /// life event (`NotForMe`). Remembered in the store.
    pub async fn dismiss(&self, item_id: &str, how: Dismissal) -> Result<(), CityKitError> {
        self.known_item(item_id).await?;
        let holder = self.identity.current_identity().await?.id;
        let (item, now) = (item_id.to_owned(), crate::platform::now_unix_secs());
        Ok(self.store.call(move |conn| db::dismiss(conn, &holder, &item, how, now)).await?)
    }

    /// Records that the person opened a service's guide (kept on the device).
    pub async fn record_view(&self, item_id: &str) -> Result<(), CityKitError> {
        self.known_item(item_id).await?;
        self.record(HistoryKind::View, item_id.to_owned()).await
    }

    /// Records a search: its first three results count as an interest (kept on the device;
    /// the query itself is not kept).
    pub async fn record_search(&self, query: &str) -> Result<(), CityKitError> {
        for hit in self.catalogue.search(query, 3).await? {
            self.record(HistoryKind::Search, hit.id).await?;
        }
        Ok(())
    }

    async fn record(&self, kind: HistoryKind, item_id: String) -> Result<(), CityKitError> {
        let holder = self.identity.current_identity().await?.id;
        let event = HistoryEvent { kind, item_id, at: crate::platform::now_unix_secs() };
        Ok(self.store.call(move |conn| db::record(conn, &holder, &event)).await?)
    }

    async fn known_item(&self, item_id: &str) -> Result<(), CityKitError> {
        match self.catalogue.item(item_id).await {
            Ok(_) => Ok(()),
            Err(CityKitError::Catalogue(crate::catalogue::CatalogueError::UnknownItem { .. })) => Err(RecommendError::UnknownItem.into()),
            Err(e) => Err(e),
        }
    }

    /// The running campaigns this identity is eligible for, each with the facts that made it
    /// so; evaluated here, never sent. The campaigns are fetched when older than an hour.
    pub async fn campaigns(&self) -> Result<Vec<CampaignMatch>, CityKitError> {
        let campaigns = self.all_campaigns(false).await?;
        let (profile, _) = self.profile_and_events().await?;
        let now = crate::platform::now_unix_secs();
        Ok(campaigns.iter().filter_map(|c| evaluate(c, &profile, now)).collect())
    }

    /// Whether the identity is eligible for campaign `id` (fetching the campaigns again once if
    /// it is unknown); `None` when it is not (or there is no such campaign).
    pub(crate) async fn match_campaign(&self, id: &str) -> Result<Option<CampaignMatch>, CityKitError> {
        let mut campaigns = self.all_campaigns(false).await?;
        if !campaigns.iter().any(|c| c.id == id) {
            campaigns = self.all_campaigns(true).await?;
        }
        let Some(campaign) = campaigns.iter().find(|c| c.id == id) else { return Ok(None) };
        let (profile, _) = self.profile_and_events().await?;
        Ok(evaluate(campaign, &profile, crate::platform::now_unix_secs()))
    }

    async fn all_campaigns(&self, fresh: bool) -> Result<Vec<Campaign>, CityKitError> {
        #[derive(serde::Deserialize)]
        struct Document {
            campaigns: Vec<Value>,
        }
        let document: Document = self.published(CAMPAIGNS_PATH, "campaigns", CAMPAIGNS_MAX_AGE_SECS, fresh).await?;
        // A campaign this version cannot read is skipped, not a failure of the others.
        Ok(document.campaigns.into_iter().filter_map(|c| serde_json::from_value(c).ok()).collect())
    }

    /// A public document of the platform (no token: nothing says who asks), kept in the store
    /// and fetched again when older than `max_age_secs` or when `fresh`.
    async fn published<T: DeserializeOwned>(
        &self,
        path: &str,
        key: &'static str,
        max_age_secs: i64,
        fresh: bool,
    ) -> Result<T, CityKitError> {
        let now = crate::platform::now_unix_secs();
        let cached: Option<Value> = self.store.get(NS, key).await?;
        if let Some(cached) = cached.filter(|_| !fresh) {
            let at = cached.get("fetched_at").and_then(Value::as_i64).unwrap_or(0);
            if now - at <= max_age_secs {
                if let Some(Ok(document)) = cached.get("document").map(|d| serde_json::from_value(d.clone())) {
                    return Ok(document);
                }
            }
        }
        let url = api::url(&self.identity, path).await?;
        let text = self.identity.http().get_public(&url, key).await?;
        let value: Value =
            serde_json::from_str(&text).map_err(|e| RecommendError::UnreadablePublication { details: crate::privacy::json_problem(&e) })?;
        let document: T = serde_json::from_value(value.clone())
            .map_err(|e| RecommendError::UnreadablePublication { details: crate::privacy::json_problem(&e) })?;
        self.store.put(NS, key, &json!({"fetched_at": now, "document": value})).await?;
        Ok(document)
    }
}
