//! `client.envelopes()`: the core's `EnvelopeClient` (the applicant's 免跑腿 envelopes).

use citykit_core::envelope::EnvelopeClient;
use citykit_core::Personal;
use wasm_bindgen::prelude::*;

use crate::{js_error, to_js};

/// The applicant's QR-coded envelopes (免跑腿), as `client.envelopes()` on every face.
#[wasm_bindgen]
pub struct WebEnvelopeClient {
    inner: EnvelopeClient,
}

impl WebEnvelopeClient {
    pub(crate) fn new(inner: EnvelopeClient) -> Self {
        Self { inner }
    }
}

#[wasm_bindgen]
impl WebEnvelopeClient {
    /// The pickup address the wallet offers (with its source), or null.
    #[wasm_bindgen(js_name = pickupAddressFromWallet, unchecked_return_type = "PickupAddressOffer | null")]
    pub async fn pickup_address_from_wallet(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.pickup_address_from_wallet().await.map_err(js_error)?)
    }

    /// Makes the envelope of a case accepted on a pledge, to be picked up at `pickupAddress`.
    #[wasm_bindgen(unchecked_return_type = "Envelope")]
    pub async fn create(&self, case_id: String, pickup_address: String) -> Result<JsValue, JsValue> {
        to_js(&self.inner.create(&case_id, Personal::new(pickup_address)).await.map_err(js_error)?)
    }

    /// An envelope, fetched.
    #[wasm_bindgen(unchecked_return_type = "Envelope")]
    pub async fn envelope(&self, envelope_id: String) -> Result<JsValue, JsValue> {
        to_js(&self.inner.envelope(&envelope_id).await.map_err(js_error)?)
    }

    /// An envelope's tracking events, oldest first.
    #[wasm_bindgen(unchecked_return_type = "EnvelopeEvent[]")]
    pub async fn timeline(&self, envelope_id: String) -> Result<JsValue, JsValue> {
        to_js(&self.inner.timeline(&envelope_id).await.map_err(js_error)?)
    }

    /// A stored envelope (offline).
    #[wasm_bindgen(js_name = storedEnvelope, unchecked_return_type = "Envelope")]
    pub async fn stored_envelope(&self, envelope_id: String) -> Result<JsValue, JsValue> {
        to_js(&self.inner.stored_envelope(&envelope_id).await.map_err(js_error)?)
    }

    /// Every stored envelope (offline).
    #[wasm_bindgen(js_name = storedEnvelopes, unchecked_return_type = "Envelope[]")]
    pub async fn stored_envelopes(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.stored_envelopes().await.map_err(js_error)?)
    }

    /// Calls a courier for a scanned envelope code, optionally for a slot (Unix seconds).
    #[wasm_bindgen(js_name = requestPickup, unchecked_return_type = "Envelope")]
    pub async fn request_pickup(&self, scanned: String, slot_start: Option<f64>) -> Result<JsValue, JsValue> {
        to_js(&self.inner.request_pickup(&scanned, slot_start.map(|s| s as i64)).await.map_err(js_error)?)
    }

    /// The envelope's printable label (SVG).
    #[wasm_bindgen(js_name = labelSvg)]
    pub async fn label_svg(&self, envelope_id: String) -> Result<String, JsValue> {
        self.inner.label_svg(&envelope_id).await.map_err(js_error)
    }

    /// The envelope's code for a screen, `sidePx` wide (SVG).
    #[wasm_bindgen(js_name = screenSvg)]
    pub async fn screen_svg(&self, envelope_id: String, side_px: u32) -> Result<String, JsValue> {
        self.inner.screen_svg(&envelope_id, side_px).await.map_err(js_error)
    }
}
