//! The holder's wallet: fetch licences with consent, verify and keep them encrypted, list and
//! show them offline, check their status, and log every consent without values.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::access_log::{self, AccessEvent};
use super::db::{self, StoredCopy, StoredLicence};
use super::sd_jwt::{SdJwt, SdJwtProblem};
use super::status::{StatusList, StatusListProblem};
use super::status_cache;
use super::WalletError;
use crate::api::{self, ApiCall};
use crate::crypto::copy_key::CopyKey;
use crate::crypto::jose::{self, EcJwk};
use crate::identity::{IdentityClient, PresencePurpose};
use crate::net::{Idempotency, NetError};
use crate::privacy::Personal;
use crate::store::{Store, StoreError};
use crate::CityKitError;

/// A licence whose expiry is closer than this is flagged `expiring_soon`.
pub const EXPIRY_WARNING_SECS: i64 = 30 * 24 * 3600;
/// A cached status list younger than this is trusted offline.
pub const STATUS_MAX_AGE_SECS: i64 = 24 * 3600;
/// Issuer keys older than this are fetched again before they are trusted (1 day).
pub const ISSUER_KEYS_MAX_AGE_SECS: i64 = 24 * 3600;
/// How many copies of each licence one batch asks for (each shown once, to one verifier).
pub(crate) const COPY_BATCH_SIZE: usize = 10;
/// With fewer unused copies than this left after a presentation, the wallet fetches a new batch
/// of that licence's copies at once (when online).
pub(crate) const COPY_REFILL_BELOW: u32 = 3;
/// The `typ` of the key proofs of a batch request (OpenID4VCI proof type `jwt`).
const COPY_PROOF_TYP: &str = "openid4vci-proof+jwt";

/// Whether the issuer still stands behind a licence, as last checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum LicenceStatus {
    /// Valid at the last check.
    Valid,
    /// Revoked by its issuer.
    Revoked,
    /// Never checked (no status list could be had).
    Unknown,
}

impl LicenceStatus {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Revoked => "revoked",
            Self::Unknown => "unknown",
        }
    }

    pub(super) fn parse(text: &str) -> Self {
        match text {
            "valid" => Self::Valid,
            "revoked" => Self::Revoked,
            _ => Self::Unknown,
        }
    }
}

/// Whether a licence can be used (shown, or read by a form) now, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum LicenceUsability {
    /// Within its validity and not known to be revoked.
    Usable,
    /// Its validity has not begun (`nbf` is still ahead): usable from `valid_from`.
    NotYetValid,
    /// Its validity has ended.
    Expired,
    /// Its issuer revoked it.
    Revoked,
}

impl LicenceUsability {
    /// The usability of a licence with these dates and status at `now`.
    pub fn at(valid_from: Option<i64>, expires_at: Option<i64>, status: LicenceStatus, now: i64) -> Self {
        if status == LicenceStatus::Revoked {
            Self::Revoked
        } else if expires_at.is_some_and(|exp| exp <= now) {
            Self::Expired
        } else if valid_from.is_some_and(|nbf| nbf > now) {
            Self::NotYetValid
        } else {
            Self::Usable
        }
    }
}

/// What the wallet shows in a list: no claim values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct LicenceSummary {
    /// The wallet's id of the licence, stable across fetches and copies: 16 hex digits of a
    /// SHA-256 over holder, issuer, type and document number (`licence_number`). Local only:
    /// a verifier computes its own id per copy it sees.
    pub id: String,
    /// The licence type (`vct`), e.g. `urn:citykit:vct:driving_licence`.
    pub vct: String,
    /// The issuing office's identifier.
    pub issuer: String,
    /// The person or enterprise it belongs to.
    pub holder: String,
    /// Issued at (Unix seconds).
    pub issued_at: Option<i64>,
    /// Valid from (Unix seconds).
    pub valid_from: Option<i64>,
    /// Valid until (Unix seconds).
    pub expires_at: Option<i64>,
    /// The status at the last check.
    pub status: LicenceStatus,
    /// When the status was last checked (Unix seconds).
    pub status_checked_at: Option<i64>,
    /// Expires within [`EXPIRY_WARNING_SECS`] (or has expired).
    pub expiring_soon: bool,
    /// Whether it can be shown or read by a form now, and if not, why.
    pub usability: LicenceUsability,
    /// The names of the claims it can disclose.
    pub claim_names: Vec<String>,
}

/// A licence with its claims (personal data).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct Licence {
    /// The summary.
    #[serde(flatten)]
    pub summary: LicenceSummary,
    /// Every disclosed claim and the clear ones, as JSON.
    #[cfg_attr(feature = "wasm", tsify(type = "Personal"))]
    pub claims: Personal<Value>,
}

/// One entry of the value-free access log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct AccessLogEntry {
    /// When (Unix seconds).
    pub at: i64,
    /// `consent` (licences read from the issuers) or `presentation` (a licence shown).
    pub action: String,
    /// The licence, for a presentation.
    pub licence_id: Option<String>,
    /// The licence type(s).
    pub vct: Option<String>,
    /// The claim names involved, never their values.
    pub claims: Vec<String>,
    /// To whom (the audience of a presentation, the platform for a consent).
    pub counterparty: Option<String>,
}

#[derive(Deserialize)]
struct LicencesBody {
    licences: Vec<String>,
}

#[derive(Deserialize)]
struct CopyNonceBody {
    c_nonce: String,
}

#[derive(Deserialize)]
struct CopiesBody {
    licences: Vec<LicenceCopies>,
}

#[derive(Deserialize)]
struct LicenceCopies {
    copies: Vec<String>,
}

#[derive(Deserialize)]
struct IssuerMetadata {
    issuer: String,
    jwks: JwkSet,
}

#[derive(Deserialize, Serialize)]
struct JwkSet {
    keys: Vec<Value>,
}

/// A licence that passed every check on its way into the wallet.
struct VerifiedLicence {
    text: String,
    sd: SdJwt,
    status_ref: Option<(String, u64)>,
    status: LicenceStatus,
}

impl VerifiedLicence {
    /// The row of `holder`'s licence.
    fn stored(&self, holder: &str) -> StoredLicence {
        let v = self;
        let claims = &v.sd.jws.claims;
        let text = |name: &str| claims.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
        StoredLicence {
            id: wallet_licence_id(holder, &v.sd),
            vct: text("vct"),
            issuer: text("iss"),
            text: v.text.clone(),
            issued_at: claims.get("iat").and_then(Value::as_i64),
            valid_from: claims.get("nbf").and_then(Value::as_i64),
            expires_at: claims.get("exp").and_then(Value::as_i64),
            status_uri: v.status_ref.as_ref().map(|(uri, _)| uri.clone()),
            status_idx: v.status_ref.as_ref().and_then(|(_, idx)| i64::try_from(*idx).ok()),
            status: v.status,
        }
    }
}

/// The holder's e-licence wallet. Cheap to clone.
#[derive(Clone)]
pub struct WalletClient {
    identity: IdentityClient,
    pub(super) store: Store,
}

pub(crate) fn now() -> i64 {
    crate::platform::now_unix_secs()
}

/// The id of one issued licence text (a verifier's id of what it was shown): the first 16 hex
/// digits of SHA-256 of its issuer-signed JWT. Every copy has its own.
pub fn licence_id(issuer_jwt: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, issuer_jwt.as_bytes());
    hex::encode(&digest.as_ref()[..8])
}

/// The wallet's id of `holder`'s licence, the same for every copy and every fetch: the first 16
/// hex digits of SHA-256 over the JSON array `[holder, iss, vct, licence_number]` (the document
/// number read from the wallet's own disclosures, empty when there is none). Not the issuer
/// signature, which differs per copy; never sent anywhere.
pub(crate) fn wallet_licence_id(holder: &str, sd: &SdJwt) -> String {
    let claims = &sd.jws.claims;
    let text = |name: &str| claims.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
    let number = sd
        .disclosures
        .iter()
        .find(|d| d.name.as_deref() == Some("licence_number"))
        .map(|d| match &d.value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .unwrap_or_default();
    let input = serde_json::json!([holder, text("iss"), text("vct"), number]).to_string();
    let digest = ring::digest::digest(&ring::digest::SHA256, input.as_bytes());
    hex::encode(&digest.as_ref()[..8])
}

fn problem(p: SdJwtProblem) -> WalletError {
    match p {
        SdJwtProblem::BadIssuerSignature => WalletError::BadIssuerSignature,
        SdJwtProblem::TamperedDisclosure | SdJwtProblem::DuplicateDisclosure | SdJwtProblem::ClaimCollision => {
            WalletError::TamperedDisclosure
        }
        SdJwtProblem::Malformed | SdJwtProblem::UnsupportedDigestAlgorithm => WalletError::Malformed { details: p.as_str().into() },
    }
}

/// The SD-JWT VC issuer-metadata URL of an issuer identifier: `/.well-known/jwt-vc-issuer`
/// inserted between the host and the path.
pub fn issuer_metadata_url(issuer: &str) -> Result<String, WalletError> {
    let url = url::Url::parse(issuer).map_err(|_| WalletError::Malformed { details: "the issuer is not a URL".into() })?;
    if url.scheme() != "https" {
        return Err(WalletError::UnknownIssuer);
    }
    let host = url.host_str().ok_or(WalletError::UnknownIssuer)?;
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    let path = url.path().trim_end_matches('/');
    Ok(format!("https://{host}{port}/.well-known/jwt-vc-issuer{path}"))
}

impl WalletClient {
    pub(crate) fn new(identity: IdentityClient, store: Store) -> Self {
        Self { identity, store }
    }

    /// Reads the current identity's licences from the issuers, after the person consents (the
    /// shell's presence check, when configured). Each is verified (issuer signature, every
    /// disclosure, type, validity dates, binding to this device, status) before it replaces
    /// the identity's stored licences, together with a batch of copies of each (one per fresh
    /// holder key, each verified the same way and bound to its own key) for presentations. The
    /// consent is logged without values.
    pub async fn fetch_licences(&self) -> Result<Vec<LicenceSummary>, CityKitError> {
        let holder = self.identity.current_identity().await?.id;
        self.identity.confirm_presence(PresencePurpose::ReadLicences { holder_id: holder.clone() }).await?;
        let body: LicencesBody = api::get(&self.identity, "/licences", true).await?;
        let mut rows = Vec::new();
        for text in &body.licences {
            rows.push(self.verify_own_licence(text).await?);
        }
        let copies = self.fetch_copies(&holder, None, COPY_BATCH_SIZE).await?;
        let holder_for_store = holder.clone();
        let stored: Vec<StoredLicence> = rows.iter().map(|v| v.stored(&holder)).collect();
        let claim_names: Vec<String> = rows
            .iter()
            .flat_map(|v| v.sd.disclosures.iter().filter_map(|d| d.name.clone()))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let vcts: Vec<String> = stored.iter().map(|r| r.vct.clone()).collect();
        let counterparty = self.identity_platform();
        let copy_count = copies.len();
        self.store
            .call(move |conn| db::replace_licences(conn, &holder_for_store, &stored, &copies, &vcts, &claim_names, &counterparty))
            .await?;
        tracing::info!(count = rows.len(), copies = copy_count, "licences fetched");
        self.licences().await
    }

    /// Verifies a licence the platform just issued to this device (a case's result) and keeps
    /// it in `holder`'s wallet.
    pub(crate) async fn store_issued(&self, holder: &str, text: &str) -> Result<LicenceSummary, CityKitError> {
        let verified = self.verify_own_licence(text).await?;
        let r = verified.stored(holder);
        let (holder, id) = (holder.to_owned(), r.id.clone());
        let holder_for_load = holder.clone();
        self.store.call(move |conn| db::store_licence(conn, &r, &holder)).await?;
        tracing::info!("issued licence stored");
        let (summary, text) = self.load_for(&holder_for_load, &id).await?;
        Ok(with_claim_names(summary, &text))
    }

    pub(crate) async fn identity_sign(&self, message: Vec<u8>) -> Result<Vec<u8>, CityKitError> {
        self.identity.sign_with_device_key(message).await
    }

    pub(crate) async fn log_presentation(
        &self,
        holder: &str,
        licence_id: &str,
        vct: &str,
        claims: &[String],
        audience: &str,
    ) -> Result<(), CityKitError> {
        let (holder, licence_id, vct, audience) = (holder.to_owned(), licence_id.to_owned(), vct.to_owned(), audience.to_owned());
        let claims = serde_json::to_string(claims).unwrap_or_default();
        self.store
            .call(move |conn| {
                let event = AccessEvent {
                    holder: &holder,
                    action: "presentation",
                    licence_id: Some(&licence_id),
                    vct: Some(&vct),
                    claims_json: &claims,
                    counterparty: Some(&audience),
                };
                Ok(access_log::record(conn, now(), &event)?)
            })
            .await?;
        Ok(())
    }

    fn identity_platform(&self) -> String {
        self.identity.issuer().to_owned()
    }

    /// Fetches a batch of `count` copies of `holder`'s licences (of type `vct` only, when
    /// given): one fresh holder key per copy, a nonce from the platform, one key proof per key
    /// (`POST /licences/nonce`, `POST /licences/batch`, docs/platform-api.md). Every copy is
    /// verified like a licence, bound to its own key, before it is returned with that key.
    pub(super) async fn fetch_copies(&self, holder: &str, vct: Option<&str>, count: usize) -> Result<Vec<StoredCopy>, CityKitError> {
        let internal = |e: crate::crypto::copy_key::CopyKeyError| CityKitError::Internal { details: e.to_string() };
        let nonce_url = api::url(&self.identity, "/licences/nonce").await?;
        let empty = serde_json::json!({});
        let call =
            ApiCall { method: reqwest::Method::POST, url: &nonce_url, body: Some(&empty), idempotency_key: None, if_none_match: None };
        let nonce: CopyNonceBody = api::authorized_call(&self.identity, call, true).await?.into_json()?;
        let keys: Vec<CopyKey> = (0..count).map(|_| CopyKey::generate()).collect::<Result<_, _>>().map_err(internal)?;
        let audience = self.identity_platform();
        let mut proofs = Vec::with_capacity(keys.len());
        for key in &keys {
            let header = serde_json::json!({"typ": COPY_PROOF_TYP, "alg": "ES256", "jwk": key.jwk().map_err(internal)?.public_value()});
            let claims = serde_json::json!({"aud": audience, "iat": now(), "nonce": nonce.c_nonce});
            let input = jose::signing_input(&header, &claims);
            proofs.push(jose::assemble(&input, &key.sign(input.as_bytes()).map_err(internal)?));
        }
        let mut body = serde_json::json!({"proofs": proofs});
        if let Some(vct) = vct {
            body["vct"] = Value::String(vct.to_owned());
        }
        let batch_url = api::url(&self.identity, "/licences/batch").await?;
        let call =
            ApiCall { method: reqwest::Method::POST, url: &batch_url, body: Some(&body), idempotency_key: None, if_none_match: None };
        let answer: CopiesBody = api::authorized_call(&self.identity, call, true).await?.into_json()?;
        let mut copies = Vec::new();
        for licence in answer.licences {
            if licence.copies.len() != keys.len() {
                return Err(WalletError::Malformed { details: "the batch does not have one copy per key".into() }.into());
            }
            // The platform answers the copies in the order of the proofs.
            for (text, key) in licence.copies.iter().zip(&keys) {
                let thumbprint = key.jwk().map_err(internal)?.thumbprint();
                let verified = self.verify_licence(text, &thumbprint, false).await?;
                let (status_uri, status_idx) = match verified.status_ref {
                    Some((uri, idx)) => (Some(uri), i64::try_from(idx).ok()),
                    None => (None, None),
                };
                copies.push(StoredCopy {
                    licence_id: wallet_licence_id(holder, &verified.sd),
                    text: text.clone(),
                    private_key: zeroize::Zeroizing::new(key.pkcs8().to_vec()),
                    status_uri,
                    status_idx,
                });
            }
        }
        Ok(copies)
    }

    /// Fetches a new batch of copies of `holder`'s licence `summary` and keeps them; returns
    /// how many were kept. No new consent: the wallet already holds this licence.
    pub(super) async fn refill_copies(&self, holder: &str, summary: &LicenceSummary) -> Result<usize, CityKitError> {
        let copies = self.fetch_copies(holder, Some(&summary.vct), COPY_BATCH_SIZE).await?;
        let holder = holder.to_owned();
        let added = self.store.call(move |conn| db::add_copies(conn, &holder, &copies)).await?;
        tracing::info!(copies = added, "licence copies refilled");
        Ok(added)
    }

    /// Verifies a licence issued to this device; returns its text, parsed form, status reference and status.
    async fn verify_own_licence(&self, text: &str) -> Result<VerifiedLicence, CityKitError> {
        let device = self.identity.device_key_thumbprint();
        self.verify_licence(text, &device, true).await
    }

    /// Verifies a licence bound to the key with thumbprint `bound_to`; its status is checked
    /// when `with_status` (else left unknown).
    async fn verify_licence(&self, text: &str, bound_to: &str, with_status: bool) -> Result<VerifiedLicence, CityKitError> {
        let sd = SdJwt::parse(text).map_err(problem)?;
        if !sd.is_sd_jwt_vc() {
            return Err(WalletError::Malformed { details: "not an SD-JWT VC (typ)".into() }.into());
        }
        let issuer =
            sd.jws.claims.get("iss").and_then(Value::as_str).ok_or(WalletError::Malformed { details: "no iss".into() })?.to_owned();
        let keys = self.issuer_keys(&issuer, false).await?;
        if sd.verify_issuer_signature(&keys).is_err() {
            // The issuer may have rotated its key: look once more.
            let fresh = self.issuer_keys(&issuer, true).await?;
            sd.verify_issuer_signature(&fresh).map_err(problem)?;
        }
        sd.disclosed_claims().map_err(problem)?;
        if sd.jws.claims.get("vct").and_then(Value::as_str).is_none_or(str::is_empty) {
            return Err(WalletError::Malformed { details: "no vct".into() }.into());
        }
        let bound = sd.holder_key().map(|k| k.thumbprint());
        if bound.as_deref() != Some(bound_to) {
            return Err(WalletError::NotBoundToThisDevice.into());
        }
        let status_ref = status_reference(&sd.jws.claims);
        let status = match &status_ref {
            Some(_) if !with_status => LicenceStatus::Unknown,
            Some((uri, idx)) => match self.check_status(&issuer, uri, *idx, false).await {
                Ok(status) => status,
                Err(e) => {
                    tracing::warn!(code = e.code(), "licence status could not be checked");
                    LicenceStatus::Unknown
                }
            },
            None => LicenceStatus::Unknown,
        };
        Ok(VerifiedLicence { text: text.to_owned(), sd, status_ref, status })
    }

    /// The issuer's keys: from the store while younger than [`ISSUER_KEYS_MAX_AGE_SECS`], else
    /// fetched from its metadata (and stored, replacing the old set: a key the issuer rotated out
    /// stops being trusted). Offline, an older set is still used rather than none.
    async fn issuer_keys(&self, issuer: &str, force: bool) -> Result<Vec<EcJwk>, CityKitError> {
        let cached: Option<(String, i64)> = {
            let issuer = issuer.to_owned();
            self.store.read(move |conn| db::issuer_keys(conn, &issuer)).await?
        };
        let usable = cached.as_ref().filter(|(_, at)| !force && now().saturating_sub(*at) < ISSUER_KEYS_MAX_AGE_SECS);
        let jwks = match usable {
            Some((jwks, _)) => jwks.clone(),
            None => match self.fetch_issuer_keys(issuer).await {
                Ok(jwks) => jwks,
                Err(e) if !force && matches!(&e, CityKitError::Net(n) if n.is_retryable()) && cached.is_some() => {
                    tracing::info!("issuer unreachable; using its keys fetched earlier");
                    cached.map(|(jwks, _)| jwks).unwrap_or_default()
                }
                Err(e) => return Err(e),
            },
        };
        let set: JwkSet = serde_json::from_str(&jwks).map_err(|e| StoreError::Decode { details: e.to_string() })?;
        Ok(set.keys.into_iter().filter_map(|k| serde_json::from_value(k).ok()).collect())
    }

    /// Fetches the issuer's metadata and stores its key set (replacing the old one).
    async fn fetch_issuer_keys(&self, issuer: &str) -> Result<String, CityKitError> {
        let url = issuer_metadata_url(issuer)?;
        let http = self.identity.http();
        let response = http.send(Idempotency::Idempotent, || async { Ok::<_, CityKitError>(http.reqwest().get(&url)) }).await?;
        if !response.status().is_success() {
            return Err(WalletError::UnknownIssuer.into());
        }
        let metadata: IssuerMetadata = response
            .json()
            .await
            .map_err(|e| NetError::InvalidResponse { details: format!("unreadable issuer metadata: {}", e.without_url()) })?;
        if metadata.issuer != issuer {
            return Err(WalletError::UnknownIssuer.into());
        }
        let jwks = serde_json::to_string(&metadata.jwks).map_err(|e| StoreError::Decode { details: e.to_string() })?;
        let (issuer, stored) = (issuer.to_owned(), jwks.clone());
        self.store.call(move |conn| db::store_issuer_keys(conn, &issuer, &stored)).await?;
        Ok(jwks)
    }

    /// The status of bit `idx` in the list at `uri`: a cached list younger than
    /// [`STATUS_MAX_AGE_SECS`] unless `force`, else a fresh one (then cached).
    async fn check_status(&self, issuer: &str, uri: &str, idx: u64, force: bool) -> Result<LicenceStatus, CityKitError> {
        let keys = self.issuer_keys(issuer, false).await?;
        // Online: a list younger than STATUS_MAX_AGE_SECS, else a fresh one; the holder's own
        // status is never judged on a list older than that.
        let token = status_cache::status_list(
            &self.store,
            self.identity.http(),
            uri,
            if force { 0 } else { STATUS_MAX_AGE_SECS },
            STATUS_MAX_AGE_SECS,
            force,
        )
        .await?
        .token;
        let list =
            StatusList::verify(&token, uri, &keys, now()).map_err(|p| WalletError::StatusUnavailable { details: format!("{p:?}") })?;
        match list.status(idx) {
            Ok(0) => Ok(LicenceStatus::Valid),
            Ok(_) => Ok(LicenceStatus::Revoked),
            Err(StatusListProblem::IndexOutOfRange) => Err(WalletError::StatusUnavailable { details: "index out of range".into() }.into()),
            Err(p) => Err(WalletError::StatusUnavailable { details: format!("{p:?}") }.into()),
        }
    }

    /// The current identity's licences, from the store (no network).
    pub async fn licences(&self) -> Result<Vec<LicenceSummary>, CityKitError> {
        let holder = self.identity.current_identity().await?.id;
        let rows = self.store.read(move |conn| db::licences(conn, &holder)).await?;
        Ok(rows.into_iter().map(|(summary, text)| with_claim_names(summary, &text)).collect())
    }

    /// One licence with its claims (personal data: show it to its holder only).
    pub async fn licence(&self, id: &str) -> Result<Licence, CityKitError> {
        let (summary, text) = self.load(id).await?;
        let sd = SdJwt::parse(&text).map_err(problem)?;
        let claims = sd.disclosed_claims().map_err(problem)?;
        Ok(Licence { summary: with_claim_names(summary, &text), claims: Personal::new(claims) })
    }

    pub(crate) async fn load(&self, id: &str) -> Result<(LicenceSummary, String), CityKitError> {
        let holder = self.current_holder().await?;
        self.load_for(&holder, id).await
    }

    /// The id of the identity the wallet shows (the current identity).
    pub(crate) async fn current_holder(&self) -> Result<String, CityKitError> {
        Ok(self.identity.current_identity().await?.id)
    }

    /// A licence of `holder` (the current identity, or the person acting for it).
    pub(crate) async fn load_for(&self, holder: &str, id: &str) -> Result<(LicenceSummary, String), CityKitError> {
        let (holder, id) = (holder.to_owned(), id.to_owned());
        self.store.read(move |conn| db::licence(conn, &holder, &id)).await?.ok_or_else(|| WalletError::UnknownLicence.into())
    }

    /// Re-checks every stored licence's status with fresh status lists (and fresh issuer keys):
    /// the licence's own index and that of every copy not shown yet (a licence with a revoked
    /// copy counts as revoked).
    pub async fn refresh_status(&self) -> Result<Vec<LicenceSummary>, CityKitError> {
        let licences = self.licences().await?;
        let holder = self.current_holder().await?;
        for summary in &licences {
            let (_, text) = self.load(&summary.id).await?;
            let sd = SdJwt::parse(&text).map_err(problem)?;
            let Some((uri, idx)) = status_reference(&sd.jws.claims) else { continue };
            let mut status = self.check_status(&summary.issuer, &uri, idx, true).await?;
            let (h, id) = (holder.clone(), summary.id.clone());
            let copies = self.store.read(move |conn| db::unused_copy_status_refs(conn, &h, &id)).await?;
            for (copy_uri, copy_idx) in copies {
                if status == LicenceStatus::Revoked {
                    break;
                }
                let Ok(copy_idx) = u64::try_from(copy_idx) else { continue };
                // The list just fetched (or another one, fetched now) is in the cache.
                let force = copy_uri != uri;
                if self.check_status(&summary.issuer, &copy_uri, copy_idx, force).await? == LicenceStatus::Revoked {
                    status = LicenceStatus::Revoked;
                }
            }
            let id = summary.id.clone();
            self.store.call(move |conn| db::set_status(conn, &id, status)).await?;
        }
        self.licences().await
    }

    /// Removes a licence from the wallet, with its copies and their keys.
    pub async fn remove(&self, id: &str) -> Result<(), CityKitError> {
        self.load(id).await?;
        let id = id.to_owned();
        self.store.call(move |conn| db::delete_licence(conn, &id)).await?;
        Ok(())
    }

    /// The current identity's access log, newest first: what was read or shown, to whom and
    /// when, never values.
    pub async fn access_log(&self) -> Result<Vec<AccessLogEntry>, CityKitError> {
        let holder = self.current_holder().await?;
        Ok(self.store.read(move |conn| Ok(access_log::list(conn, &holder)?)).await?)
    }
}

fn status_reference(claims: &Value) -> Option<(String, u64)> {
    let list = claims.get("status")?.get("status_list")?;
    Some((list.get("uri")?.as_str()?.to_owned(), list.get("idx")?.as_u64()?))
}

/// Whether a licence expiring at `expires_at` (an issuer's claim) is within the warning period.
pub(super) fn expiring_soon(expires_at: Option<i64>, now: i64) -> bool {
    expires_at.is_some_and(|exp| exp.saturating_sub(now) < EXPIRY_WARNING_SECS)
}

fn with_claim_names(mut summary: LicenceSummary, text: &str) -> LicenceSummary {
    if let Ok(sd) = SdJwt::parse(text) {
        summary.claim_names = sd.top_level_disclosures().iter().map(|(n, _)| (*n).to_owned()).collect();
        summary.claim_names.sort();
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seen beside the fuzz findings (same arithmetic on an issuer's `exp`): i64::MIN overflowed.
    #[test]
    fn expiry_warnings_take_any_expiry_date() {
        let now = 1_800_000_000;
        assert!(expiring_soon(Some(i64::MIN), now));
        assert!(!expiring_soon(Some(i64::MAX), now));
        assert!(!expiring_soon(None, now));
        assert!(expiring_soon(Some(now + EXPIRY_WARNING_SECS - 1), now));
        assert!(!expiring_soon(Some(now + EXPIRY_WARNING_SECS), now));
    }
}
