//! `client.recommend()` and `client.push()`: the core's `RecommendClient` (ranked on the
//! device) and `PushClient` (the encrypted push subscription and push bodies).

use citykit_core::push::{PushClient, PushSettings};
use citykit_core::recommend::{Dismissal, RecommendClient};
use citykit_core::Language;
use wasm_bindgen::prelude::*;

use crate::{from_js, js_error, to_js};

/// Recommendations and policy campaigns, as `client.recommend()` on every face.
#[wasm_bindgen]
pub struct WebRecommendClient {
    inner: RecommendClient,
}

impl WebRecommendClient {
    pub(crate) fn new(inner: RecommendClient) -> Self {
        Self { inner }
    }
}

#[wasm_bindgen]
impl WebRecommendClient {
    /// At most `limit` services and bundles for the current identity, best first, each with
    /// its reasons in zh and en (ranked on the device; the profile never leaves it).
    #[wasm_bindgen(unchecked_return_type = "Recommendation[]")]
    pub async fn recommend(&self, limit: u32) -> Result<JsValue, JsValue> {
        to_js(&self.inner.recommend(limit).await.map_err(js_error)?)
    }

    /// Never recommends the item again (`"dismiss"`), or also not its kind (`"not_for_me"`).
    pub async fn dismiss(&self, item_id: String, #[wasm_bindgen(unchecked_param_type = "Dismissal")] how: JsValue) -> Result<(), JsValue> {
        let how: Dismissal = from_js(&how, "the dismissal")?;
        self.inner.dismiss(&item_id, how).await.map_err(js_error)
    }

    /// Records that the item's guide was looked at (kept on the device).
    #[wasm_bindgen(js_name = recordView)]
    pub async fn record_view(&self, item_id: String) -> Result<(), JsValue> {
        self.inner.record_view(&item_id).await.map_err(js_error)
    }

    /// Records a search by its first hits (the query itself is not kept).
    #[wasm_bindgen(js_name = recordSearch)]
    pub async fn record_search(&self, query: String) -> Result<(), JsValue> {
        self.inner.record_search(&query).await.map_err(js_error)
    }

    /// The published policy campaigns this identity is eligible for, with the facts that made it.
    #[wasm_bindgen(unchecked_return_type = "CampaignMatch[]")]
    pub async fn campaigns(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.campaigns().await.map_err(js_error)?)
    }
}

/// Encrypted push (RFC 8291), as `client.push()` on every face.
#[wasm_bindgen]
pub struct WebPushClient {
    inner: PushClient,
}

impl WebPushClient {
    pub(crate) fn new(inner: PushClient) -> Self {
        Self { inner }
    }
}

fn language(tag: &str) -> Language {
    if tag.to_ascii_lowercase().starts_with("zh") {
        Language::Zh
    } else {
        Language::En
    }
}

#[wasm_bindgen]
impl WebPushClient {
    /// Registers the browser's push endpoint with a fresh device push key: `{endpoint, p256dh, auth}`.
    #[wasm_bindgen(unchecked_return_type = "PushSubscription")]
    pub async fn subscribe(&self, endpoint: String) -> Result<JsValue, JsValue> {
        to_js(&self.inner.subscribe(&endpoint).await.map_err(js_error)?)
    }

    /// Replaces the push key and renews the subscription.
    #[wasm_bindgen(js_name = rotateKeys, unchecked_return_type = "PushSubscription")]
    pub async fn rotate_keys(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.rotate_keys().await.map_err(js_error)?)
    }

    /// The current subscription, or null.
    #[wasm_bindgen(unchecked_return_type = "PushSubscription | null")]
    pub async fn subscription(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.subscription().await.map_err(js_error)?)
    }

    /// The notification settings (daily limit, quiet hours).
    #[wasm_bindgen(unchecked_return_type = "PushSettings")]
    pub async fn settings(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.settings().await.map_err(js_error)?)
    }

    /// Replaces the notification settings.
    #[wasm_bindgen(js_name = setSettings)]
    pub async fn set_settings(&self, #[wasm_bindgen(unchecked_param_type = "PushSettings")] settings: JsValue) -> Result<(), JsValue> {
        let settings: PushSettings = from_js(&settings, "the push settings")?;
        self.inner.set_settings(settings).await.map_err(js_error)
    }

    /// Hands in a raw push body (as the push event's `data.arrayBuffer()` gives it): what to
    /// show, in `language` ("zh" or "en"), or why to stay silent; refused bodies are typed errors.
    #[wasm_bindgen(unchecked_return_type = "PushOutcome")]
    pub async fn receive(&self, body: Vec<u8>, language_tag: String) -> Result<JsValue, JsValue> {
        to_js(&self.inner.receive(&body, language(&language_tag)).await.map_err(js_error)?)
    }
}
