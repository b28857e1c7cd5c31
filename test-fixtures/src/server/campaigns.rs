//! Policy campaigns (惠企政策精准送, 免申即享) and the anonymous next-step statistics: what the
//! platform publishes to everyone so that devices recommend and match on their own, without
//! sending a profile. Campaigns carry machine-readable eligibility (JsonLogic over the profile
//! facts' names); publishing one broadcasts a `policy_campaign` notice to every identity's inbox
//! (and so to every push subscription): each device decides for itself whether to keep and show
//! it. Part of `cases.rs` (the same book and lock).

use serde_json::{json, Value};

use super::{err, Answer, Book, InboxItem, Shared};

const CAMPAIGNS_JSON: &str = include_str!("../../data/campaigns.json");

/// The campaigns the platform starts with (`data/campaigns.json`).
pub(super) fn initial_campaigns() -> Vec<Value> {
    serde_json::from_str(CAMPAIGNS_JSON).unwrap_or_else(|e| {
        tracing::error!("campaigns.json does not parse: {e}");
        Vec::new()
    })
}

/// Published data for recommendations.
#[derive(Default)]
pub(super) struct Published {
    /// Campaigns, as `GET /api/v1/campaigns` serves them (empty until first read: then the
    /// initial ones).
    pub(super) campaigns: Option<Vec<Value>>,
    /// The next-step statistics document (`null` until set).
    pub(super) next_steps: Value,
}

impl Published {
    fn campaigns(&mut self) -> &mut Vec<Value> {
        self.campaigns.get_or_insert_with(initial_campaigns)
    }
}

impl Shared {
    /// `GET /api/v1/campaigns`: every running campaign, the same for every caller.
    pub(crate) fn campaigns(&self) -> Answer {
        let mut book = self.lock_cases();
        let campaigns = book.published.campaigns().clone();
        (200, json!({ "campaigns": campaigns }))
    }

    /// `POST /sim/campaigns` (a campaign document): publishes it (replacing one with its id) and
    /// broadcasts a `policy_campaign` notice to every citizen and enterprise.
    pub(crate) fn sim_publish_campaign(&self, body: &[u8]) -> Answer {
        let Ok(campaign) = serde_json::from_slice::<Value>(body) else {
            return err(400, "invalid_request");
        };
        let well_formed =
            ["id", "title_zh", "title_en"].iter().all(|k| campaign.get(k).and_then(Value::as_str).is_some_and(|s| !s.is_empty()))
                && campaign.get("rule").is_some_and(|r| r.is_object() || r.is_boolean())
                && matches!(campaign.get("audience").and_then(Value::as_str), Some("person" | "enterprise"))
                && campaign.get("until").and_then(Value::as_i64).is_some();
        if !well_formed {
            return err(422, "invalid_campaign");
        }
        let id = campaign["id"].as_str().unwrap_or_default().to_owned();
        let mut book = self.lock_cases();
        let list = book.published.campaigns();
        list.retain(|c| c.get("id").and_then(Value::as_str) != Some(id.as_str()));
        list.push(campaign.clone());
        let identities: Vec<String> =
            self.fixtures.citizens().iter().map(|c| c.id.clone()).chain(self.fixtures.enterprises().iter().map(|e| e.id.clone())).collect();
        let title =
            (campaign["title_zh"].as_str().unwrap_or_default().to_owned(), campaign["title_en"].as_str().unwrap_or_default().to_owned());
        let item_id = campaign.get("item_id").and_then(Value::as_str).unwrap_or_default().to_owned();
        for identity in &identities {
            self.push_campaign_notice(&mut book, identity, &id, &item_id, title.clone());
        }
        (201, json!({ "id": id, "notified": identities.len() }))
    }

    fn push_campaign_notice(&self, book: &mut Book, identity: &str, campaign: &str, item_id: &str, title: (String, String)) {
        book.next_inbox += 1;
        let item = InboxItem {
            id: book.next_inbox,
            at: book.now(),
            identity: identity.to_owned(),
            kind: "policy_campaign",
            case_id: None,
            item_id: item_id.to_owned(),
            status: None,
            title_zh: title.0,
            title_en: title.1,
            envelope_id: None,
            campaign_id: Some(campaign.to_owned()),
        };
        let pushed = Self::inbox_json(&item);
        book.inbox.push(item);
        self.push_item(book, identity, &pushed);
    }

    /// `GET /api/v1/recommend/next-steps`: the anonymous next-step statistics (which service
    /// people take after which; every count stands for at least 20 people).
    pub(crate) fn next_steps(&self) -> Answer {
        let book = self.lock_cases();
        if book.published.next_steps.is_null() {
            return (200, json!({"min_contributors": 20, "transitions": [], "popularity": []}));
        }
        (200, book.published.next_steps.clone())
    }

    /// `POST /sim/next-steps` (a statistics document): what `GET /api/v1/recommend/next-steps`
    /// serves from now on.
    pub(crate) fn sim_set_next_steps(&self, body: &[u8]) -> Answer {
        match serde_json::from_slice::<citykit_core::recommend::NextStepStats>(body) {
            Ok(stats) if stats.min_contributors >= 20 && every_count_stands_for_enough_people(&stats) => {
                let mut book = self.lock_cases();
                book.published.next_steps = serde_json::to_value(&stats).unwrap_or(Value::Null);
                (200, json!({"transitions": stats.transitions.len(), "popularity": stats.popularity.len()}))
            }
            Ok(_) => err(422, "counts_below_threshold"),
            Err(_) => err(400, "invalid_request"),
        }
    }
}

/// Whether every count of `stats` (transitions, popularity, repeats, segments) stands for at
/// least `min_contributors` people.
fn every_count_stands_for_enough_people(stats: &citykit_core::recommend::NextStepStats) -> bool {
    let min = stats.min_contributors;
    stats.transitions.iter().all(|t| t.count >= min)
        && stats.popularity.iter().all(|c| c.count >= min)
        && stats.repeats.iter().all(|r| r.people >= min && r.again >= min)
        && stats.segments.iter().all(|c| c.count >= min)
}
