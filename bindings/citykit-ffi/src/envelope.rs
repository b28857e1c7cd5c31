//! 免跑腿 envelopes: the applicant's side (`client.envelopes()`), the courier's
//! (`client.courier()`) and the service window's (`client.envelopeWindow(trustDocument)`).

use citykit_core::envelope::{CourierScan, Envelope, EnvelopeClaims, EnvelopeEvent, EnvelopeReceipt, PickupAddressOffer};
use citykit_core::Personal;
use citykit_ffi_macros::export;

use crate::error::ApiResult;

/// The applicant's envelopes: `client.envelopes()`.
#[derive(uniffi::Object)]
pub struct EnvelopesClient {
    pub(crate) inner: citykit_core::envelope::EnvelopeClient,
}

#[export]
impl EnvelopesClient {
    /// The pickup address the wallet can offer, with its source (nothing is sent).
    pub async fn pickup_address_from_wallet(&self) -> ApiResult<Option<PickupAddressOffer>> {
        self.inner.pickup_address_from_wallet().await
    }

    /// Makes the envelope for a case accepted on a pledge, picked up at the address the user
    /// confirmed.
    pub async fn create(&self, case_id: String, pickup_address: Personal<String>) -> ApiResult<Envelope> {
        self.inner.create(&case_id, pickup_address).await
    }

    /// The envelope as the platform reports it now (stored for offline use).
    pub async fn envelope(&self, envelope_id: String) -> ApiResult<Envelope> {
        self.inner.envelope(&envelope_id).await
    }

    /// The envelope's timeline, oldest first (fetched and stored).
    pub async fn timeline(&self, envelope_id: String) -> ApiResult<Vec<EnvelopeEvent>> {
        self.inner.timeline(&envelope_id).await
    }

    /// The envelope as stored on this device (offline).
    pub async fn stored_envelope(&self, envelope_id: String) -> ApiResult<Envelope> {
        self.inner.stored_envelope(&envelope_id).await
    }

    /// Every envelope stored on this device for the current identity.
    pub async fn stored_envelopes(&self) -> ApiResult<Vec<Envelope>> {
        self.inner.stored_envelopes().await
    }

    /// Books the courier by scanning the envelope's code (`slot_start` in Unix seconds, or the
    /// first free slot).
    #[uniffi::method(default(slot_start = None))]
    pub async fn request_pickup(&self, scanned: String, slot_start: Option<i64>) -> ApiResult<Envelope> {
        self.inner.request_pickup(&scanned, slot_start).await
    }

    /// The label for a C6 envelope, as SVG.
    pub async fn label_svg(&self, envelope_id: String) -> ApiResult<String> {
        self.inner.label_svg(&envelope_id).await
    }

    /// The code alone, for a screen, as SVG.
    pub async fn screen_svg(&self, envelope_id: String, side_px: u32) -> ApiResult<String> {
        self.inner.screen_svg(&envelope_id, side_px).await
    }

    /// The platform's envelope document (JSON), for checking codes offline.
    pub async fn fetch_trust(&self) -> ApiResult<String> {
        self.inner.fetch_trust().await
    }
}

/// The courier's app: `client.courier()`.
#[derive(uniffi::Object)]
pub struct CourierClient {
    pub(crate) inner: citykit_core::envelope::CourierClient,
}

#[export]
impl CourierClient {
    /// Checks the code offline, then reports the scan (at the door: picked up; at the window's
    /// counter: delivered).
    pub async fn scan(&self, scanned: String) -> ApiResult<CourierScan> {
        self.inner.scan(&scanned).await
    }
}

/// The service window: `client.envelopeWindow(trustDocument)`.
#[derive(uniffi::Object)]
pub struct WindowClient {
    pub(crate) inner: citykit_core::envelope::WindowClient,
}

#[export]
impl WindowClient {
    /// Checks a code offline at `at` (Unix seconds, or now).
    #[uniffi::method(default(at = None))]
    pub fn verify(&self, scanned: String, at: Option<i64>) -> ApiResult<EnvelopeClaims> {
        crate::error::api(self.inner.verify(&scanned, at))
    }

    /// Checks the code offline, then records the receipt (a repeated scan changes nothing).
    #[uniffi::method(default(at = None))]
    pub async fn receive(&self, scanned: String, at: Option<i64>) -> ApiResult<EnvelopeReceipt> {
        self.inner.receive(&scanned, at).await
    }
}
