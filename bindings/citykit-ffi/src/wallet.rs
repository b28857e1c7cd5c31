//! The wallet over the FFI: records for licences, presentations and the access log, and
//! verifier mode as a free function. Claims cross as JSON text (personal data: show, never log).

use std::collections::HashMap;

use crate::runtime::run;
use crate::{CityKitClient, CityKitError};

/// A licence in a list (no claim values).
#[derive(Debug, Clone, uniffi::Record)]
pub struct LicenceSummary {
    /// The wallet's id of the licence.
    pub id: String,
    /// The licence type (`vct`).
    pub vct: String,
    /// The issuing office.
    pub issuer: String,
    /// The person or enterprise it belongs to.
    pub holder: String,
    /// Valid until (Unix seconds).
    pub expires_at: Option<i64>,
    /// `valid`, `revoked` or `unknown` at the last check.
    pub status: String,
    /// When the status was last checked (Unix seconds).
    pub status_checked_at: Option<i64>,
    /// Expires within 30 days (or has expired).
    pub expiring_soon: bool,
    /// The claims it can disclose.
    pub claim_names: Vec<String>,
}

/// A presentation ready to be shown; `text` is what the QR code carries.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Presentation {
    /// The presentation text.
    pub text: String,
    /// The licence shown.
    pub licence_id: String,
    /// The claims disclosed.
    pub claims: Vec<String>,
    /// Who it is for.
    pub audience: String,
    /// The nonce it answers.
    pub nonce: String,
    /// When the verifier stops accepting it (Unix seconds).
    pub expires_at: i64,
    /// What the QR code carries (packed; a verifier accepts it like `text`).
    pub qr_payload: String,
    /// The QR version it needs (at most 30, error correction L).
    pub qr_version: i16,
}

/// A drawn QR code.
#[derive(Debug, Clone, uniffi::Record)]
pub struct QrImage {
    /// What it carries.
    pub payload: String,
    /// The QR version.
    pub version: i16,
    /// SVG text.
    pub svg: String,
    /// PNG bytes.
    pub png: Vec<u8>,
}

/// Draws a presentation's QR code (SVG and PNG) for the screen.
#[uniffi::export]
pub fn draw_presentation_qr(text: String) -> Result<QrImage, CityKitError> {
    citykit_core::wallet::qr::draw(&text)
        .map(|q| QrImage { payload: q.payload, version: q.version, svg: q.svg, png: q.png })
        .map_err(|e| citykit_core::CityKitError::from(e).into())
}

/// What a verifier learns from a good presentation.
#[derive(Debug, Clone, uniffi::Record)]
pub struct VerifiedPresentation {
    /// The licence type.
    pub vct: String,
    /// The issuing office.
    pub issuer: String,
    /// The disclosed claims as JSON (personal data).
    pub claims_json: String,
    /// Licence validity end (Unix seconds).
    pub expires_at: Option<i64>,
}

/// One entry of the value-free access log.
#[derive(Debug, Clone, uniffi::Record)]
pub struct AccessLogEntry {
    /// When (Unix seconds).
    pub at: i64,
    /// `consent` or `presentation`.
    pub action: String,
    /// The licence type(s).
    pub vct: Option<String>,
    /// Claim names, never values.
    pub claims: Vec<String>,
    /// To whom.
    pub counterparty: Option<String>,
}

fn summary(l: citykit_core::wallet::LicenceSummary) -> LicenceSummary {
    LicenceSummary {
        id: l.id,
        vct: l.vct,
        issuer: l.issuer,
        holder: l.holder,
        expires_at: l.expires_at,
        status: serde_json::to_value(l.status).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
        status_checked_at: l.status_checked_at,
        expiring_soon: l.expiring_soon,
        claim_names: l.claim_names,
    }
}

#[uniffi::export]
impl CityKitClient {
    /// Reads the current identity's licences from the issuers (asks the presence check first) and keeps them.
    pub async fn fetch_licences(&self) -> Result<Vec<LicenceSummary>, CityKitError> {
        let client = self.inner.clone();
        run(async move { client.wallet().fetch_licences().await }).await.map(|l| l.into_iter().map(summary).collect())
    }

    /// The current identity's licences, offline.
    pub async fn licences(&self) -> Result<Vec<LicenceSummary>, CityKitError> {
        let client = self.inner.clone();
        run(async move { client.wallet().licences().await }).await.map(|l| l.into_iter().map(summary).collect())
    }

    /// Re-checks every licence's status with fresh status lists.
    pub async fn refresh_licence_status(&self) -> Result<Vec<LicenceSummary>, CityKitError> {
        let client = self.inner.clone();
        run(async move { client.wallet().refresh_status().await }).await.map(|l| l.into_iter().map(summary).collect())
    }

    /// Removes a licence from the wallet.
    pub async fn remove_licence(&self, id: String) -> Result<(), CityKitError> {
        let client = self.inner.clone();
        run(async move { client.wallet().remove(&id).await }).await
    }

    /// One licence's claims as JSON (personal data).
    pub async fn licence_claims_json(&self, id: String) -> Result<String, CityKitError> {
        let client = self.inner.clone();
        run(async move { client.wallet().licence(&id).await }).await.map(|l| l.claims.expose().to_string())
    }

    /// Shows a licence (亮证) disclosing only `claims`, for `audience`.
    pub async fn present(
        &self,
        id: String,
        claims: Vec<String>,
        audience: String,
        nonce: Option<String>,
        lifetime_secs: i64,
    ) -> Result<Presentation, CityKitError> {
        let client = self.inner.clone();
        run(async move { client.wallet().present(&id, &claims, &audience, nonce, lifetime_secs).await }).await.map(|p| Presentation {
            text: p.text,
            licence_id: p.licence_id,
            claims: p.claims,
            audience: p.audience,
            nonce: p.nonce,
            expires_at: p.expires_at,
            qr_payload: p.qr_payload,
            qr_version: p.qr_version,
        })
    }

    /// The wallet's access log, newest first.
    pub async fn access_log(&self) -> Result<Vec<AccessLogEntry>, CityKitError> {
        let client = self.inner.clone();
        run(async move { client.wallet().access_log().await }).await.map(|log| {
            log.into_iter()
                .map(|e| AccessLogEntry { at: e.at, action: e.action, vct: e.vct, claims: e.claims, counterparty: e.counterparty })
                .collect()
        })
    }
}

/// Verifier mode (a window officer's app, a kiosk): checks presentations made out to one
/// audience against trusted issuers, offline, and remembers nonces to refuse replays. Keep one
/// per verifying screen.
#[derive(uniffi::Object)]
pub struct PresentationVerifier {
    inner: citykit_core::wallet::Verifier,
}

#[uniffi::export]
impl PresentationVerifier {
    /// A verifier for `audience` trusting the issuers given as JSON: issuer metadata
    /// (`{"issuer": …, "jwks": {"keys": […]}}`), a bare JWKS, or an array of either.
    #[uniffi::constructor]
    pub fn new(audience: String, trusted_issuer_metadata: Vec<String>) -> Result<std::sync::Arc<Self>, CityKitError> {
        let mut trusted = Vec::new();
        for metadata in &trusted_issuer_metadata {
            trusted.extend(citykit_core::wallet::TrustedIssuer::parse_list(metadata).map_err(citykit_core::CityKitError::from)?);
        }
        Ok(std::sync::Arc::new(Self { inner: citykit_core::wallet::Verifier::new(audience, trusted) }))
    }

    /// Verifies scanned text now: the verified claims, or `CityKitError.Wallet` with the reason's code.
    pub fn verify(&self, text: String) -> Result<VerifiedPresentation, CityKitError> {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        self.inner
            .verify(&text, now, &HashMap::new())
            .map(|v| VerifiedPresentation {
                vct: v.vct,
                issuer: v.issuer,
                claims_json: v.claims.expose().to_string(),
                expires_at: v.expires_at,
            })
            .map_err(|e| citykit_core::CityKitError::from(e).into())
    }
}
