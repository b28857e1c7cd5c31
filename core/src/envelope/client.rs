//! The envelope's three users, each through the core: the applicant ([`EnvelopeClient`]: make
//! the envelope, book a pickup by scanning its code, follow its timeline, print its label), the
//! courier ([`CourierClient`]: scan at the door and at the window's counter) and the service
//! window ([`WindowClient`]: check a code offline against the platform's published document,
//! then record the receipt, idempotently).

use serde::Deserialize;
use serde_json::{json, Value};

use super::label::{self, LabelText};
use super::model::{CourierScan, Envelope, EnvelopeReceipt, PickupAddressOffer};
use super::trust::{EnvelopeTrust, TRUST_DOCUMENT_PATH};
use super::{db, EnvelopeClaims, EnvelopeError};
use crate::api::{self, ApiCall, ApiReply};
use crate::cases::CaseError;
use crate::identity::IdentityClient;
use crate::net::{HttpClient, Idempotency, NetError};
use crate::privacy::Personal;
use crate::store::{Store, StoreError};
use crate::wallet::{LicenceUsability, WalletClient};
use crate::CityKitError;

/// Licence types whose `address` claim can be offered as the pickup address, in order.
const ADDRESS_SOURCES: [&str; 2] = ["urn:citykit:vct:resident_id_card", "urn:citykit:vct:household_register"];

fn decode_err(e: serde_json::Error) -> CityKitError {
    StoreError::Decode { details: crate::privacy::json_problem(&e) }.into()
}

fn new_key() -> Result<String, CityKitError> {
    crate::crypto::random_id(24).map_err(|_| CityKitError::Internal { details: "no secure random source".into() })
}

/// An envelope id as one URL path segment (32 hex digits).
fn envelope_segment(id: &str) -> Result<&str, CityKitError> {
    if id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(id)
    } else {
        Err(EnvelopeError::UnknownEnvelope.into())
    }
}

/// The platform's refusal of an envelope request, as a typed error.
fn refusal(reply: &ApiReply) -> CityKitError {
    let body = reply.error_body();
    let error = body.as_ref().map(|b| b.error.as_str()).unwrap_or_default();
    match (reply.status, error) {
        (404, _) => EnvelopeError::UnknownEnvelope.into(),
        (409, "envelope_revoked") => EnvelopeError::Revoked.into(),
        (409, "not_awaiting_material") => EnvelopeError::NotAwaitingMaterial.into(),
        (409, "already_picked_up") => EnvelopeError::AlreadyPickedUp.into(),
        (409, "no_pickup_booked") => EnvelopeError::NoPickupBooked.into(),
        (422, "invalid_slot") => EnvelopeError::InvalidSlot.into(),
        (422, "invalid_field") => EnvelopeError::InvalidAddress.into(),
        (422, "invalid_envelope") => {
            let body: Value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
            let reason = body.get("reason").and_then(Value::as_str).unwrap_or_default().to_owned();
            match reason.as_str() {
                "unknown_key" => EnvelopeError::UnknownKey,
                "bad_signature" => EnvelopeError::BadSignature,
                "wrong_issuer" => EnvelopeError::WrongIssuer,
                "expired" => EnvelopeError::Expired,
                _ => EnvelopeError::Malformed { details: "refused by the platform".into() },
            }
            .into()
        }
        (status, _) if status >= 500 => NetError::ServerError { status }.into(),
        (status, "") => EnvelopeError::Refused { reason: format!("http_{status}") }.into(),
        (_, error) => EnvelopeError::Refused { reason: error.to_owned() }.into(),
    }
}

/// Fetches the platform's envelope document (public, no login).
async fn fetch_trust_document(http: &HttpClient, issuer: &str) -> Result<String, CityKitError> {
    let url = format!("{}{TRUST_DOCUMENT_PATH}", issuer.trim_end_matches('/'));
    let text = http.get_public(&url, "envelope document").await?;
    EnvelopeTrust::from_json(&text)?;
    Ok(text)
}

/// How long a fetched envelope document is used before it is fetched again (a code naming a key
/// it lacks fetches it at once; a revocation it misses is refused by the platform online).
const TRUST_CACHE_SECS: i64 = 3600;

/// Opens a scanned code offline against the platform's envelope document, kept in the store:
/// a courier scanning a round of envelopes fetches it once, not once per scan.
async fn open_with_platform_document(
    http: &HttpClient,
    issuer: &str,
    store: &Store,
    scanned: &str,
) -> Result<EnvelopeClaims, CityKitError> {
    let now = crate::platform::now_unix_secs();
    let cached: Option<Value> = store.get("envelope", "trust").await?;
    if let Some(cached) = cached {
        let fresh = cached.get("fetched_at").and_then(Value::as_i64).is_some_and(|at| now - at < TRUST_CACHE_SECS && at <= now);
        if let (true, Some(Ok(trust))) = (fresh, cached.get("document").and_then(Value::as_str).map(EnvelopeTrust::from_json)) {
            match trust.open(scanned, now) {
                Err(EnvelopeError::UnknownKey) => {}
                other => return Ok(other?),
            }
        }
    }
    let document = fetch_trust_document(http, issuer).await?;
    store.put("envelope", "trust", &json!({"document": document, "fetched_at": now})).await?;
    Ok(EnvelopeTrust::from_json(&document)?.open(scanned, now)?)
}

/// POSTs JSON to a public endpoint of the platform (the courier's and the window's APIs).
async fn post_public(http: &HttpClient, url: &str, body: &Value, idempotency: Idempotency) -> Result<ApiReply, CityKitError> {
    let response = http.send(idempotency, || async { Ok::<_, CityKitError>(http.reqwest().post(url).json(body)) }).await?;
    let status = response.status().as_u16();
    let body =
        response.bytes().await.map_err(|e| NetError::InvalidResponse { details: format!("unreadable answer: {}", e.without_url()) })?;
    Ok(ApiReply { status, etag: None, body, retry_after: None })
}

/// The platform's receipt as it sends it.
#[derive(Deserialize)]
struct WireReceipt {
    envelope_id: String,
    case_id: String,
    item_id: String,
    #[serde(default)]
    materials: Vec<crate::cases::PledgedMaterial>,
    destination: super::model::ServiceWindow,
    received_at: i64,
    already_received: bool,
}

/// The applicant's envelopes. Cheap to clone.
#[derive(Clone)]
pub struct EnvelopeClient {
    identity: IdentityClient,
    store: Store,
    wallet: WalletClient,
    autofill: crate::autofill::AutofillClient,
}

impl EnvelopeClient {
    pub(crate) fn new(identity: IdentityClient, store: Store, wallet: WalletClient, autofill: crate::autofill::AutofillClient) -> Self {
        Self { identity, store, wallet, autofill }
    }

    /// The pickup address the wallet can offer (the resident ID card's, else the household
    /// register's `address`), with its source; `None` when no usable licence has one. Nothing
    /// is sent: the user confirms or edits it, then [`Self::create`] sends what they chose.
    pub async fn pickup_address_from_wallet(&self) -> Result<Option<PickupAddressOffer>, CityKitError> {
        let licences = self.wallet.licences().await?;
        for vct in ADDRESS_SOURCES {
            let usable = licences
                .iter()
                .filter(|l| l.vct == vct && l.usability == LicenceUsability::Usable && l.claim_names.iter().any(|c| c == "address"));
            for summary in usable {
                let licence = self.wallet.licence(&summary.id).await?;
                if let Some(address) = licence.claims.expose().get("address").and_then(Value::as_str).filter(|a| !a.trim().is_empty()) {
                    return Ok(Some(PickupAddressOffer {
                        address: Personal::new(address.to_owned()),
                        licence_id: summary.id.clone(),
                        vct: vct.to_owned(),
                        claim: "address".into(),
                    }));
                }
            }
        }
        Ok(None)
    }

    /// Makes the envelope for a case accepted on a pledge, to be picked up at `pickup_address`
    /// (sent to the platform and its courier with the user's consent: this call is it). The
    /// case's envelope still under way comes back if there is one.
    pub async fn create(&self, case_id: &str, pickup_address: Personal<String>) -> Result<Envelope, CityKitError> {
        let address = pickup_address.expose().trim();
        if address.is_empty() || address.chars().count() > 200 {
            return Err(EnvelopeError::InvalidAddress.into());
        }
        let segment = crate::cases::url_segment(case_id)?;
        let url = api::url(&self.identity, &format!("/cases/{segment}/envelopes")).await?;
        let body = json!({"pickup_address": address});
        let key = new_key()?;
        let reply = api::authorized_call(&self.identity, ApiCall::write(reqwest::Method::POST, &url, &body, &key), true).await?;
        if !reply.is_success() {
            return Err(match (reply.status, reply.error_body().map(|b| b.error).as_deref()) {
                (404, _) => CaseError::UnknownCase.into(),
                _ => refusal(&reply),
            });
        }
        tracing::info!("envelope created");
        self.keep(reply).await
    }

    /// The envelope as the platform reports it now (stored for offline use).
    pub async fn envelope(&self, envelope_id: &str) -> Result<Envelope, CityKitError> {
        let url = api::url(&self.identity, &format!("/envelopes/{}", envelope_segment(envelope_id)?)).await?;
        let reply = api::authorized_call(&self.identity, ApiCall::get(&url), true).await?;
        if !reply.is_success() {
            return Err(refusal(&reply));
        }
        self.keep(reply).await
    }

    /// The envelope's timeline (oldest first), fetched and stored.
    pub async fn timeline(&self, envelope_id: &str) -> Result<Vec<super::EnvelopeEvent>, CityKitError> {
        Ok(self.envelope(envelope_id).await?.events)
    }

    /// The envelope as last stored on this device (no network).
    pub async fn stored_envelope(&self, envelope_id: &str) -> Result<Envelope, CityKitError> {
        let (holder, _) = self.autofill.holders().await?;
        let id = envelope_id.to_owned();
        let body = self.store.call(move |conn| Ok(db::stored_envelope(conn, &holder, &id)?)).await?;
        let body = body.ok_or(EnvelopeError::UnknownEnvelope)?;
        serde_json::from_str(&body).map_err(decode_err)
    }

    /// Every envelope stored on this device for the current identity, most recently updated first.
    pub async fn stored_envelopes(&self) -> Result<Vec<Envelope>, CityKitError> {
        let (holder, _) = self.autofill.holders().await?;
        let bodies = self.store.call(move |conn| Ok(db::stored_envelopes(conn, &holder)?)).await?;
        bodies.iter().map(|b| serde_json::from_str(b).map_err(decode_err)).collect()
    }

    /// Books the courier by scanning the envelope's code: the code is checked offline against
    /// the platform's published envelope key first (a forged one goes nowhere), then the pickup
    /// is booked for `slot_start` (Unix seconds; `None` = the first free slot). Sent with an
    /// idempotency key, so a failure of the courier's side is retried with the same key.
    pub async fn request_pickup(&self, scanned: &str, slot_start: Option<i64>) -> Result<Envelope, CityKitError> {
        open_with_platform_document(self.identity.http(), self.identity.issuer(), &self.store, scanned).await?;
        let url = api::url(&self.identity, "/envelopes/pickups").await?;
        let body = json!({"code": scanned.trim(), "slot_start": slot_start});
        let key = new_key()?;
        let reply = api::authorized_call(&self.identity, ApiCall::write(reqwest::Method::POST, &url, &body, &key), true).await?;
        if !reply.is_success() {
            return Err(refusal(&reply));
        }
        tracing::info!("pickup booked");
        self.keep(reply).await
    }

    /// The envelope's label for a C6 envelope, as SVG (see [`label::label_svg`]).
    pub async fn label_svg(&self, envelope_id: &str) -> Result<String, CityKitError> {
        let envelope = self.stored_envelope(envelope_id).await?;
        let text = LabelText {
            case_number: envelope.case_id.clone(),
            destination_zh: envelope.destination.name_zh.clone(),
            destination_en: envelope.destination.name_en.clone(),
            deadline: envelope.deadline.clone(),
        };
        Ok(label::label_svg(&envelope.code, &text)?)
    }

    /// The envelope's code alone, for a screen, `side_px` wide.
    pub async fn screen_svg(&self, envelope_id: &str, side_px: u32) -> Result<String, CityKitError> {
        Ok(label::screen_svg(&self.stored_envelope(envelope_id).await?.code, side_px)?)
    }

    /// The platform's envelope document (JSON), to keep for checking codes offline.
    pub async fn fetch_trust(&self) -> Result<String, CityKitError> {
        fetch_trust_document(self.identity.http(), self.identity.issuer()).await
    }

    async fn keep(&self, reply: ApiReply) -> Result<Envelope, CityKitError> {
        let envelope: Envelope = reply.into_json()?;
        let (holder, _) = self.autofill.holders().await?;
        let body = serde_json::to_string(&envelope).map_err(decode_err)?;
        let (id, case_id, now) = (envelope.id.clone(), envelope.case_id.clone(), crate::platform::now_unix_secs());
        self.store.call(move |conn| Ok(db::store_envelope(conn, &holder, &id, &case_id, &body, now)?)).await?;
        Ok(envelope)
    }
}

/// The courier's app: scans an envelope's code at the door (picked up) and at the window's
/// counter (delivered). Needs no login.
#[derive(Clone)]
pub struct CourierClient {
    http: HttpClient,
    issuer: String,
    store: Store,
}

impl CourierClient {
    pub(crate) fn new(http: HttpClient, issuer: String, store: Store) -> Self {
        Self { http, issuer, store }
    }

    /// Checks the code offline against the platform's published key (its document kept for an
    /// hour), then reports the scan.
    pub async fn scan(&self, scanned: &str) -> Result<CourierScan, CityKitError> {
        open_with_platform_document(&self.http, &self.issuer, &self.store, scanned).await?;
        let url = format!("{}/courier/v1/scans", self.issuer.trim_end_matches('/'));
        // A scan moves the envelope on: sent once, never repeated by the network layer.
        let reply = post_public(&self.http, &url, &json!({"code": scanned.trim()}), Idempotency::NotIdempotent).await?;
        if !reply.is_success() {
            return Err(refusal(&reply));
        }
        tracing::info!("courier scan reported");
        reply.into_json()
    }
}

/// The service window: checks envelope codes offline against the platform's published document
/// and records each receipt at the platform (a repeated scan changes nothing).
#[derive(Clone)]
pub struct WindowClient {
    http: HttpClient,
    trust: EnvelopeTrust,
}

impl WindowClient {
    pub(crate) fn new(http: HttpClient, trust: EnvelopeTrust) -> Self {
        Self { http, trust }
    }

    /// Checks a scanned code offline at `at` (Unix seconds; `None` = now): signature, key,
    /// issuer, deadline and the revoked list of the document.
    pub fn verify(&self, scanned: &str, at: Option<i64>) -> Result<EnvelopeClaims, CityKitError> {
        Ok(self.trust.open(scanned, at.unwrap_or_else(crate::platform::now_unix_secs))?)
    }

    /// Checks the code offline (as [`Self::verify`]), then matches it to its case at the
    /// platform and records the receipt; a repeated scan answers `already_received`.
    pub async fn receive(&self, scanned: &str, at: Option<i64>) -> Result<EnvelopeReceipt, CityKitError> {
        self.verify(scanned, at)?;
        let url = format!("{}/window/v1/receipts", self.trust.issuer().trim_end_matches('/'));
        // Recording a receipt twice changes nothing: safe to retry.
        let reply = post_public(&self.http, &url, &json!({"code": scanned.trim()}), Idempotency::Idempotent).await?;
        if !reply.is_success() {
            return Err(refusal(&reply));
        }
        let wire: WireReceipt = reply.into_json()?;
        tracing::info!(already = wire.already_received, "envelope receipt recorded");
        Ok(EnvelopeReceipt {
            envelope_id: wire.envelope_id,
            case_id: wire.case_id,
            item_id: wire.item_id,
            materials: wire.materials,
            destination: wire.destination,
            received_at: wire.received_at,
            already_received: wire.already_received,
        })
    }
}
