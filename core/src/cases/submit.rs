//! Submitting a draft (into the outbox, then sent), amending a submitted case, and following
//! cases: the platform's list and one case, stored for offline use with the licence a case issued.

use super::outbox::{Entry, QueuedCase, QueuedSource, Write};
use super::wire::{WireCase, WireCases};
use super::{db, decode_err, new_key, now, url_segment, CaseError, CasesClient, StoredCase};
use super::{Case, SubmissionOutcome};
use crate::api::{self, ApiCall};
use crate::autofill::{AutofillError, MaterialState, ValueOrigin};
use crate::CityKitError;

impl CasesClient {
    /// Submits a draft. It must be complete (no field errors, no missing required field or
    /// material; signers named for a co-signing item). The draft moves into the outbox and is
    /// sent; when the platform cannot be reached it stays queued (see [`Self::retry_pending`]).
    /// Runs to the end even if the caller gives up.
    pub async fn submit(&self, draft_id: &str) -> Result<SubmissionOutcome, CityKitError> {
        let this = self.clone();
        let draft_id = draft_id.to_owned();
        crate::platform::detached(async move { this.submit_inner(&draft_id).await })
            .await
            .map_err(|e| CityKitError::Internal { details: e.to_string() })?
    }

    async fn submit_inner(&self, draft_id: &str) -> Result<SubmissionOutcome, CityKitError> {
        let (applicant, agent) = self.autofill.holders().await?;
        let form = self.autofill.draft(draft_id).await?;
        let item = self.autofill.item(&form.item_id).await?;
        if !form.errors.is_empty() {
            return Err(AutofillError::InvalidForm { errors: form.errors.clone() }.into());
        }
        if let Some(m) = form.materials.iter().find(|m| m.state == MaterialState::Missing) {
            return Err(AutofillError::MaterialMissing { material: m.id.clone() }.into());
        }
        if let Some(rule) = &item.co_signing {
            if form.parties.is_empty() {
                return Err(AutofillError::BadParties { details: format!("name the signers ({})", rule.roles.join(", ")) }.into());
            }
        }
        let mut fields = Vec::new();
        for f in &form.fields {
            let Some(value) = &f.value else { continue };
            let source = match (&f.origin, &f.provenance) {
                (ValueOrigin::GovernmentVerified, Some(p)) => {
                    let of_agent = item
                        .field(&f.name)
                        .map(|s| {
                            s.sources
                                .iter()
                                .any(|src| src.vct == p.vct && src.claim == p.claim && src.of == crate::catalogue::SourceHolder::Agent)
                        })
                        .unwrap_or(false);
                    let holder = match (&agent, of_agent) {
                        (Some(agent), true) => agent.clone(),
                        _ => applicant.clone(),
                    };
                    Some(QueuedSource { licence_id: p.licence_id.clone(), holder, claim: p.claim.clone(), derive: p.derive })
                }
                _ => None,
            };
            fields.push((f.name.clone(), value.expose().clone(), source));
        }
        let attached = form
            .materials
            .iter()
            .filter(|m| m.state == MaterialState::Attached)
            .filter_map(|m| {
                let holder = match (&agent, m.held_by) {
                    (Some(agent), crate::catalogue::SourceHolder::Agent) => agent.clone(),
                    _ => applicant.clone(),
                };
                m.licence_id.clone().map(|id| (holder, id))
            })
            .collect();
        let check_disclosures = form.check_disclosures.iter().map(|p| (applicant.clone(), p.licence_id.clone(), p.claim.clone())).collect();
        let queued = QueuedCase {
            item_id: form.item_id.clone(),
            form_version: form.form_version,
            fields,
            attached,
            check_disclosures,
            parties: form.parties.clone(),
            draft: form,
        };
        let key = new_key()?;
        let body = serde_json::to_string(&queued).map_err(decode_err)?;
        let (key_db, holder_db, draft_db, item_db) = (key.clone(), applicant.clone(), draft_id.to_owned(), queued.item_id.clone());
        self.store.call(move |conn| db::enqueue_submission(conn, &key_db, &holder_db, &item_db, &body, &draft_db)).await?;
        tracing::info!("case queued for submission");
        self.send_new(Entry { key, holder: applicant, attempts: 0, write: Write::Case(queued) }).await
    }

    /// Changes fields of a case the current identity applied for (a changed value becomes
    /// user-provided). Every earlier signature is void; the applicant signs the new content.
    pub async fn amend(&self, case_id: &str, changes: Vec<(String, String)>) -> Result<SubmissionOutcome, CityKitError> {
        let (applicant, _) = self.autofill.holders().await?;
        let stored = self.load_stored(&applicant, case_id).await?;
        let mut queued = stored.submission.ok_or(CaseError::NotApplicant)?;
        let item = self.autofill.item(&queued.item_id).await?;
        let today = crate::autofill::validate::china_today(now());
        let mut errors = Vec::new();
        for (name, value) in changes {
            let schema = item.field(&name).ok_or_else(|| AutofillError::UnknownField { field: name.clone() })?;
            if let Some(e) = crate::autofill::validate::validate_field(schema, Some(&value), today) {
                errors.push(e);
            }
            match queued.fields.iter_mut().find(|(n, _, _)| *n == name) {
                Some(slot) => {
                    slot.1 = value;
                    slot.2 = None;
                }
                None => queued.fields.push((name, value, None)),
            }
        }
        if !errors.is_empty() {
            return Err(AutofillError::InvalidForm { errors }.into());
        }
        let key = new_key()?;
        let body = serde_json::to_string(&(case_id, &queued)).map_err(decode_err)?;
        let (key_db, holder_db, case_db) = (key.clone(), applicant.clone(), case_id.to_owned());
        self.store.call(move |conn| db::enqueue(conn, &key_db, &holder_db, "amendment", &case_db, &body)).await?;
        self.send_new(Entry { key, holder: applicant, attempts: 0, write: Write::Amendment { case_id: case_id.to_owned(), queued } }).await
    }

    /// Stores a case from the platform (and the licence it issued, into the wallet).
    pub(super) async fn store_case(
        &self,
        holder: &str,
        wire: WireCase,
        submission: Option<QueuedCase>,
        sent_key: Option<String>,
    ) -> Result<Case, CityKitError> {
        let mut case = wire.case;
        // Keep what this device submitted; the platform's answer does not repeat it.
        let (holder_db, id_db) = (holder.to_owned(), case.id.clone());
        let previous: Option<StoredCase> =
            self.store.call(move |conn| Ok(db::stored_case(conn, &holder_db, &id_db).ok().flatten())).await?;
        let submission = submission.or_else(|| previous.as_ref().and_then(|p| p.submission.clone()));
        case.result_licence_id = previous.as_ref().and_then(|p| p.case.result_licence_id.clone());
        if let (Some(text), None) = (&wire.result_licence, &case.result_licence_id) {
            if case.applicant.id == holder {
                match self.wallet.store_issued(holder, text).await {
                    Ok(summary) => case.result_licence_id = Some(summary.id),
                    Err(e) => tracing::warn!(code = e.code(), "the issued licence could not be stored"),
                }
            }
        }
        let stored = StoredCase { case: case.clone(), submission };
        let body = serde_json::to_string(&stored).map_err(decode_err)?;
        let (holder, id, item, status) = (holder.to_owned(), case.id.clone(), case.item_id.clone(), case.status.as_str());
        self.store.call(move |conn| db::store_case(conn, &holder, &id, &item, status, &body, sent_key.as_deref())).await?;
        Ok(case)
    }

    /// The identity's cases (applied for or to co-sign), from the platform; stored for offline use.
    pub async fn cases(&self) -> Result<Vec<Case>, CityKitError> {
        let (holder, _) = self.autofill.holders().await?;
        let url = api::url(&self.identity, "/cases").await?;
        let wire: WireCases = api::authorized_call(&self.identity, ApiCall::get(&url), true).await?.into_json()?;
        let mut out = Vec::new();
        for c in wire.cases {
            out.push(self.store_case(&holder, c, None, None).await?);
        }
        Ok(out)
    }

    /// The cases stored on this device, newest first (no network).
    pub async fn stored_cases(&self) -> Result<Vec<Case>, CityKitError> {
        let (holder, _) = self.autofill.holders().await?;
        let bodies: Vec<String> = self.store.call(move |conn| db::case_bodies(conn, &holder)).await?;
        bodies.iter().map(|b| Ok(serde_json::from_str::<StoredCase>(b).map_err(decode_err)?.case)).collect()
    }

    /// One case, fresh from the platform (and stored).
    pub async fn case(&self, case_id: &str) -> Result<Case, CityKitError> {
        Ok(self.fetch_case(case_id).await?.0)
    }

    pub(super) async fn fetch_case(&self, case_id: &str) -> Result<(Case, Option<String>), CityKitError> {
        let (holder, _) = self.autofill.holders().await?;
        let url = api::url(&self.identity, &format!("/cases/{}", url_segment(case_id)?)).await?;
        let reply = api::authorized_call(&self.identity, ApiCall::get(&url), true).await?;
        if reply.status == 404 {
            return Err(CaseError::UnknownCase.into());
        }
        let wire: WireCase = reply.into_json()?;
        let content = wire.content.clone();
        let case = self.store_case(&holder, wire, None, None).await?;
        Ok((case, content))
    }

    /// One of `holder`'s cases as stored on this device.
    pub(super) async fn load_stored(&self, holder: &str, case_id: &str) -> Result<StoredCase, CityKitError> {
        let (holder, id) = (holder.to_owned(), case_id.to_owned());
        self.store.call(move |conn| db::stored_case(conn, &holder, &id)).await?.ok_or_else(|| CaseError::UnknownCase.into())
    }
}
