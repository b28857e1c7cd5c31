//! Co-signing (一事多人): reviewing a case's exact content, then signing it with the device key or
//! declining; a change of the content voids earlier signatures.

use base64::Engine;
use serde_json::json;

use super::wire::{WireCase, WireContent};
use super::{new_key, now, url_segment, CaseError, CasesClient};
use super::{Case, CaseContent, CaseReview};
use crate::api::{self, ApiCall};
use crate::autofill::Party;
use crate::privacy::Personal;
use crate::CityKitError;

impl CasesClient {
    /// A case with its exact content, decoded for review before signing.
    pub async fn review(&self, case_id: &str) -> Result<CaseReview, CityKitError> {
        let (case, content) = self.fetch_case(case_id).await?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(content.unwrap_or_default())
            .map_err(|_| CaseError::Malformed { details: "content is not base64url".into() })?;
        let digest = crate::crypto::sha256_b64url(&bytes);
        if case.content_sha256.as_deref().is_some_and(|d| d != digest) {
            return Err(CaseError::Malformed { details: "the content does not match its digest".into() }.into());
        }
        let wire: WireContent =
            serde_json::from_slice(&bytes).map_err(|e| CaseError::Malformed { details: crate::privacy::json_problem(&e) })?;
        let content = CaseContent {
            case_id: wire.case_id,
            item_id: wire.item_id,
            revision: wire.revision,
            fields: wire.fields.into_iter().map(|(k, v)| (k, Personal::new(v))).collect(),
            parties: wire
                .parties
                .into_iter()
                .map(|p| Party { role: p.role, name: Personal::new(p.name), id_number: Personal::new(p.id_number) })
                .collect(),
        };
        if content.case_id != case.id {
            return Err(CaseError::Malformed { details: "the content belongs to another case".into() }.into());
        }
        Ok(CaseReview { case, content, content_sha256: digest })
    }

    /// Signs the case's content as reviewed: `reviewed_sha256` is [`CaseReview::content_sha256`];
    /// if the content changed since, nothing is signed ([`CaseError::ContentChanged`]).
    pub async fn sign(&self, case_id: &str, reviewed_sha256: &str) -> Result<Case, CityKitError> {
        self.decide(case_id, reviewed_sha256, "sign").await
    }

    /// Declines to sign: the case ends as declined.
    pub async fn decline(&self, case_id: &str, reviewed_sha256: &str) -> Result<Case, CityKitError> {
        self.decide(case_id, reviewed_sha256, "decline").await
    }

    async fn decide(&self, case_id: &str, reviewed_sha256: &str, decision: &str) -> Result<Case, CityKitError> {
        let review = self.review(case_id).await?;
        if review.content_sha256 != reviewed_sha256 {
            return Err(CaseError::ContentChanged.into());
        }
        self.send_signature(case_id, &review.content_sha256, decision).await
    }

    /// Signs whatever the case holds now (the applicant, right after submitting it).
    pub(super) async fn sign_current(&self, case_id: &str, decision: &str) -> Result<Case, CityKitError> {
        let review = self.review(case_id).await?;
        self.send_signature(case_id, &review.content_sha256, decision).await
    }

    async fn send_signature(&self, case_id: &str, digest: &str, decision: &str) -> Result<Case, CityKitError> {
        let claims = json!({"case_id": case_id, "content_sha256": digest, "decision": decision, "iat": now()});
        let case = self.post_device_signed(case_id, "signatures", "citykit-cosign+jwt", &claims).await?;
        tracing::info!(decision, "signature sent");
        Ok(case)
    }

    /// Signs `claims` with the device key as a JWS of type `typ`, posts it to the case's
    /// `/cases/{id}/{what}` (co-signatures, pledges) and stores the case the platform answers.
    pub(super) async fn post_device_signed(
        &self,
        case_id: &str,
        what: &str,
        typ: &str,
        claims: &serde_json::Value,
    ) -> Result<Case, CityKitError> {
        let jws = self.identity.device_signed_jws(typ, claims).await?;
        let url = api::url(&self.identity, &format!("/cases/{}/{what}", url_segment(case_id)?)).await?;
        let key = new_key()?;
        let body = json!({"signature": jws});
        let reply = api::authorized_call(&self.identity, ApiCall::write(reqwest::Method::POST, &url, &body, &key), true).await?;
        match (reply.status, reply.error_body().map(|b| b.error).as_deref()) {
            (200..=299, _) => {
                let (holder, _) = self.autofill.holders().await?;
                let wire: WireCase = reply.into_json()?;
                self.store_case(&holder, wire, None, None).await
            }
            (409, Some("content_changed")) => Err(CaseError::ContentChanged.into()),
            (409, Some("case_closed")) => Err(CaseError::CaseClosed.into()),
            (409, Some("no_pledge")) => Err(CaseError::NoPledge.into()),
            (404, _) => Err(CaseError::UnknownCase.into()),
            (status, error) => {
                Err(CaseError::Refused { reason: error.map_or_else(|| format!("http_{status}"), str::to_owned), field: None }.into())
            }
        }
    }
}
