//! 容缺 pledges: a case that lacks a material the item tolerates waits for the applicant's
//! pledge to hand it in by a deadline. The applicant reviews the pledge's exact text and
//! deadline (the catalogue's standard pledge, filled in by the platform) and signs it with the
//! device key, as co-signers sign a case; the case is then "accepted, awaiting material".

use base64::Engine;
use serde::Deserialize;
use serde_json::json;

use super::wire::WireCase;
use super::{now, url_segment, CaseError, CasesClient};
use super::{Case, PledgeReview, PledgedMaterial};
use crate::api::{self, ApiCall};
use crate::CityKitError;

/// The pledge as the platform's case view carries it.
#[derive(Deserialize)]
struct WirePledgeOf {
    #[serde(default)]
    pledge: Option<WirePledge>,
}

#[derive(Deserialize)]
struct WirePledge {
    content: String,
    #[serde(default)]
    sha256: Option<String>,
}

/// The exact bytes the applicant signs.
#[derive(Deserialize)]
struct PledgeContent {
    case_id: String,
    materials: Vec<PledgedMaterial>,
    deadline: String,
    text_zh: String,
    text_en: String,
}

fn malformed(details: &str) -> CityKitError {
    CaseError::Malformed { details: details.to_owned() }.into()
}

impl CasesClient {
    /// The case's pledge, decoded for review before signing ([`CaseError::NoPledge`] if the
    /// case needs none).
    pub async fn review_pledge(&self, case_id: &str) -> Result<PledgeReview, CityKitError> {
        let (holder, _) = self.autofill.holders().await?;
        let url = api::url(&self.identity, &format!("/cases/{}", url_segment(case_id)?)).await?;
        let reply = api::authorized_call(&self.identity, ApiCall::get(&url), true).await?;
        if reply.status == 404 {
            return Err(CaseError::UnknownCase.into());
        }
        let pledge: WirePledgeOf =
            serde_json::from_slice(&reply.body).map_err(|e| CaseError::Malformed { details: crate::privacy::json_problem(&e) })?;
        let wire: WireCase = reply.into_json()?;
        let case = self.store_case(&holder, wire, None, None).await?;
        let Some(pledge) = pledge.pledge else {
            return Err(CaseError::NoPledge.into());
        };
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(pledge.content)
            .map_err(|_| malformed("the pledge is not base64url"))?;
        let digest = crate::crypto::sha256_b64url(&bytes);
        if pledge.sha256.as_deref().is_some_and(|d| d != digest) {
            return Err(malformed("the pledge does not match its digest"));
        }
        let content: PledgeContent =
            serde_json::from_slice(&bytes).map_err(|e| CaseError::Malformed { details: crate::privacy::json_problem(&e) })?;
        if content.case_id != case.id {
            return Err(malformed("the pledge belongs to another case"));
        }
        Ok(PledgeReview {
            case_id: content.case_id,
            materials: content.materials,
            deadline: content.deadline,
            text_zh: content.text_zh,
            text_en: content.text_en,
            pledge_sha256: digest,
        })
    }

    /// Signs the pledge as reviewed, with the device key: `reviewed_sha256` is
    /// [`PledgeReview::pledge_sha256`]; if the pledge changed since, nothing is signed
    /// ([`CaseError::ContentChanged`]). The case comes back "accepted, awaiting material".
    pub async fn sign_pledge(&self, case_id: &str, reviewed_sha256: &str) -> Result<Case, CityKitError> {
        let review = self.review_pledge(case_id).await?;
        if review.pledge_sha256 != reviewed_sha256 {
            return Err(CaseError::ContentChanged.into());
        }
        let claims = json!({"case_id": case_id, "pledge_sha256": review.pledge_sha256, "iat": now()});
        let case = self.post_device_signed(case_id, "pledge", "citykit-pledge+jwt", &claims).await?;
        tracing::info!("pledge signed");
        Ok(case)
    }
}
