//! 秒报 auto-fill: a service item's form filled from the holder's licences, with consent.
//!
//! Owns: reading only the claims a form needs, and only after a consent bound to that item
//! (asked through the shell's presence check, recorded in the wallet's access log, revocable);
//! every field's value with its provenance (licence, claim, issuer; government-verified or
//! user-provided, as Singpass Myinfo marks its sources); government-verified values locked
//! unless explicitly overridden (which makes them user-provided); conflicts between licences;
//! missing required fields; licences that satisfy materials attached as electronic materials
//! (材料免交); field validation ([`validate`]); and encrypted drafts, purged when unsubmitted
//! for longer than the configured age (30 days by default).
//!
//! Its SQL (consents, drafts, the usable licences a form reads) is in `db.rs`; what a logout
//! removes is in `forget.rs`.

mod db;
mod derive;
mod error;
pub(crate) mod forget;
pub mod validate;

use std::collections::{BTreeMap, BTreeSet};

pub use derive::{claim_text, derive, split_address, AddressParts};
pub use error::AutofillError;
use serde::{Deserialize, Serialize};
pub use validate::{FieldError, FieldProblem};

use crate::catalogue::{self, CatalogueError, Derivation, FieldType, ServiceItem, SourceHolder};
use crate::identity::{AuthError, IdentityClient, IdentityKind, PresencePurpose};
use crate::privacy::Personal;
use crate::store::{Store, StoreError};
use crate::wallet::access_log::{self, AccessEvent};
use crate::wallet::sd_jwt::SdJwt;
use crate::CityKitError;

/// Unsubmitted drafts older than this are purged, unless the app configures otherwise.
pub const DEFAULT_DRAFT_MAX_AGE_SECS: i64 = 30 * 24 * 3600;

/// Where a field's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum ValueOrigin {
    /// Read from a government-issued licence (政府核验).
    GovernmentVerified,
    /// Typed (or overridden) by the person.
    UserProvided,
    /// No value yet.
    Empty,
}

/// The licence claim a government-verified value was read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct Provenance {
    /// The wallet's id of the licence.
    pub licence_id: String,
    /// The licence type.
    pub vct: String,
    /// The claim.
    pub claim: String,
    /// The issuing office.
    pub issuer: String,
    /// How the value was computed from the claim, if it was.
    pub derive: Option<Derivation>,
}

/// Another licence's different value for the same field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct ConflictingValue {
    /// The other value.
    #[cfg_attr(feature = "wasm", tsify(type = "Personal"))]
    pub value: Personal<String>,
    /// Where it comes from.
    pub provenance: Provenance,
}

/// One field of a filled form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct FilledField {
    /// The field's name.
    pub name: String,
    /// Chinese label.
    pub label_zh: String,
    /// English label.
    pub label_en: String,
    /// Its type.
    pub field_type: FieldType,
    /// Must be filled.
    pub required: bool,
    /// The value (personal data).
    #[cfg_attr(feature = "wasm", tsify(type = "Personal | null"))]
    pub value: Option<Personal<String>>,
    /// Where the value comes from.
    pub origin: ValueOrigin,
    /// For a government-verified value: the licence claim.
    pub provenance: Option<Provenance>,
    /// A government-verified value that may only be changed by an explicit override.
    pub locked: bool,
    /// The person replaced a government-verified value with their own.
    pub overridden: bool,
    /// Different values other licences hold for this field.
    pub conflicts: Vec<ConflictingValue>,
    /// What is wrong with the value, if anything.
    pub error: Option<FieldError>,
}

/// How a material of the guide is covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum MaterialState {
    /// A licence in the wallet satisfies it: handed in electronically (材料免交).
    Attached,
    /// Missing, but the item tolerates that (容缺) for `tolerance_days`.
    Tolerated,
    /// Missing and required: the case cannot be submitted.
    Missing,
    /// Missing and optional.
    NotProvided,
}

/// One material of the guide and how it is covered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct MaterialStatus {
    /// The material's id.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Needed by the case.
    pub required: bool,
    /// How it is covered.
    pub state: MaterialState,
    /// The licence attached, when attached.
    pub licence_id: Option<String>,
    /// Whose licence it is: the applicant's, or (acting for an enterprise) the agent's own.
    #[serde(default)]
    pub held_by: SourceHolder,
    /// The licence type that satisfies it.
    pub vct: Option<String>,
    /// Days allowed to hand it in later (容缺).
    pub tolerance_days: Option<u32>,
}

/// Someone else who must sign a multi-party case (一事多人).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct Party {
    /// One of the item's co-signing roles, e.g. `tenant`.
    pub role: String,
    /// Their name (personal data).
    #[cfg_attr(feature = "wasm", tsify(type = "Personal"))]
    pub name: Personal<String>,
    /// Their resident ID number (personal data).
    #[cfg_attr(feature = "wasm", tsify(type = "Personal"))]
    pub id_number: Personal<String>,
}

/// A filled form: a draft, saved encrypted as it is edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct FilledForm {
    /// The draft's id.
    pub draft_id: String,
    /// The service item.
    pub item_id: String,
    /// Its Chinese name.
    pub item_name_zh: String,
    /// Its English name.
    pub item_name_en: String,
    /// The form version it was filled on.
    pub form_version: u32,
    /// Every field, in form order.
    pub fields: Vec<FilledField>,
    /// Every material of the guide.
    pub materials: Vec<MaterialStatus>,
    /// Names of required fields without a value.
    pub missing_required: Vec<String>,
    /// Names of fields whose licences disagree.
    pub conflicts: Vec<String>,
    /// Every validation error.
    pub errors: Vec<FieldError>,
    /// Other signers, for a co-signing item.
    pub parties: Vec<Party>,
    /// The licence claims read for it (`vct#claim`), as consented.
    pub claims_read: Vec<String>,
    /// The licence claims the item's automatic checks read, and the licence each comes from:
    /// disclosed with the case so that 秒批 can run.
    #[serde(default)]
    pub check_disclosures: Vec<Provenance>,
    /// Created (Unix seconds).
    pub created_at: i64,
    /// Last edited (Unix seconds).
    pub updated_at: i64,
}

impl FilledForm {
    /// The field named `name`.
    pub fn field(&self, name: &str) -> Option<&FilledField> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// True when it can be submitted: no errors, no missing required field or material.
    pub fn is_complete(&self) -> bool {
        self.errors.is_empty() && self.missing_required.is_empty() && !self.materials.iter().any(|m| m.state == MaterialState::Missing)
    }

    /// Recomputes errors, missing fields and conflicts after a change.
    fn revalidate(&mut self, item: &ServiceItem, now: i64) {
        let today = validate::china_today(now);
        self.errors.clear();
        self.missing_required.clear();
        self.conflicts.clear();
        for field in &mut self.fields {
            let Some(schema) = item.field(&field.name) else { continue };
            field.error = validate::validate_field(schema, field.value.as_ref().map(|v| v.expose().as_str()), today);
            if let Some(e) = &field.error {
                if e.problem == FieldProblem::Required {
                    self.missing_required.push(field.name.clone());
                }
                self.errors.push(e.clone());
            }
            if !field.conflicts.is_empty() {
                self.conflicts.push(field.name.clone());
            }
        }
        self.updated_at = now;
    }
}

/// A draft in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct DraftSummary {
    /// The draft's id.
    pub draft_id: String,
    /// The item.
    pub item_id: String,
    /// The item's Chinese name.
    pub item_name_zh: String,
    /// Last edited.
    pub updated_at: i64,
    /// Purged after this unless submitted.
    pub purge_after: i64,
    /// Ready to submit.
    pub complete: bool,
}

/// A standing consent for one item to read some claims.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct AutofillConsent {
    /// The item.
    pub item_id: String,
    /// The claims (`vct#claim`).
    pub claims: Vec<String>,
    /// Granted at.
    pub granted_at: i64,
}

/// A licence held in the wallet, with only the claims a form needs (personal data: its Debug
/// output names the claims, never their values).
#[derive(Clone)]
pub struct LicenceClaims {
    /// The wallet's id of the licence.
    pub id: String,
    /// Its type.
    pub vct: String,
    /// Its issuer.
    pub issuer: String,
    /// Whose it is, relative to the case.
    pub of: SourceHolder,
    /// The claims read (only those the form needs).
    pub claims: BTreeMap<String, serde_json::Value>,
}

impl std::fmt::Debug for LicenceClaims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LicenceClaims")
            .field("id", &self.id)
            .field("vct", &self.vct)
            .field("claims", &self.claims.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// Forms, auto-fill and drafts. Cheap to clone.
#[derive(Clone)]
pub struct AutofillClient {
    identity: IdentityClient,
    store: Store,
    draft_max_age_secs: i64,
}

fn now() -> i64 {
    crate::platform::now_unix_secs()
}

fn decode_err(e: serde_json::Error) -> StoreError {
    StoreError::Decode { details: crate::privacy::json_problem(&e) }
}

impl AutofillClient {
    pub(crate) fn new(identity: IdentityClient, store: Store, draft_max_age_secs: i64) -> Self {
        Self { identity, store, draft_max_age_secs }
    }

    pub(crate) async fn item(&self, item_id: &str) -> Result<ServiceItem, CityKitError> {
        let id = item_id.to_owned();
        self.store
            .call(move |conn| catalogue::item_blocking(conn, &id))
            .await?
            .ok_or_else(|| CatalogueError::UnknownItem { id: item_id.to_owned() }.into())
    }

    /// The ids of the applicant (current identity) and, when acting for an enterprise, of the
    /// person acting (the agent).
    pub(crate) async fn holders(&self) -> Result<(String, Option<String>), CityKitError> {
        let current = self.identity.current_identity().await?;
        if current.kind == IdentityKind::Enterprise {
            let person = self.identity.person_identity().await?;
            Ok((current.id, Some(person.id)))
        } else {
            Ok((current.id, None))
        }
    }

    /// Fills `item_id`'s form for the current identity from the wallet's licences and saves it
    /// as a new draft. Reads only the claims the form names, after the person consents (once per
    /// item, until revoked). Never touches the network.
    pub async fn fill(&self, item_id: &str) -> Result<FilledForm, CityKitError> {
        self.purge_expired_drafts().await?;
        let item = self.item(item_id).await?;
        let (applicant, agent) = self.holders().await?;
        let needed: BTreeSet<(SourceHolder, String, String)> = item
            .form
            .fields
            .iter()
            .flat_map(|f| f.sources.iter())
            .filter(|s| s.of == SourceHolder::Applicant || agent.is_some())
            .map(|s| (s.of, s.vct.clone(), s.claim.clone()))
            .chain(item.check_claims.iter().map(|c| (SourceHolder::Applicant, c.vct.clone(), c.claim.clone())))
            .collect();
        let claim_names: Vec<String> =
            needed.iter().map(|(_, vct, claim)| format!("{vct}#{claim}")).collect::<BTreeSet<_>>().into_iter().collect();
        self.ensure_consent(&applicant, &item, &claim_names).await?;
        let licences = self.read_claims(&applicant, agent.as_deref(), &item, &needed).await?;
        let at = now();
        let draft_id = crate::crypto::random_id(12).map_err(|_| CityKitError::Internal { details: "no secure random source".into() })?;
        let mut form = fill_form(&item, &licences, draft_id, at);
        form.claims_read = claim_names.clone();
        self.log_read(&applicant, &item.id, &licences, &claim_names).await?;
        self.save_draft(&applicant, &form, true).await?;
        tracing::info!(
            fields = form.fields.len(),
            verified = form.fields.iter().filter(|f| f.origin == ValueOrigin::GovernmentVerified).count(),
            "form filled"
        );
        Ok(form)
    }

    async fn ensure_consent(&self, applicant: &str, item: &ServiceItem, claims: &[String]) -> Result<(), CityKitError> {
        if claims.is_empty() {
            return Ok(());
        }
        let (holder, item_id) = (applicant.to_owned(), item.id.clone());
        let granted: Option<String> = self.store.call(move |conn| db::consented_claims(conn, &holder, &item_id)).await?;
        let granted: BTreeSet<String> = granted.and_then(|g| serde_json::from_str(&g).ok()).unwrap_or_default();
        if claims.iter().all(|c| granted.contains(c)) {
            return Ok(());
        }
        let purpose = PresencePurpose::FillForm { item_id: item.id.clone(), claims: claims.to_vec() };
        match self.identity.confirm_presence(purpose).await {
            Ok(()) => {}
            Err(CityKitError::Auth(AuthError::PresenceDenied)) => {
                tracing::info!("auto-fill consent refused");
                return Err(AutofillError::ConsentRefused.into());
            }
            Err(e) => return Err(e),
        }
        let (holder, item_id, claims_json) = (applicant.to_owned(), item.id.clone(), serde_json::to_string(claims).map_err(decode_err)?);
        let vcts: BTreeSet<&str> = claims.iter().filter_map(|c| c.split('#').next()).collect();
        let vcts = vcts.into_iter().collect::<Vec<_>>().join(",");
        self.store.call(move |conn| db::grant_consent(conn, &holder, &item_id, &claims_json, &vcts)).await?;
        Ok(())
    }

    /// Reads the needed claims of the holders' usable licences (not revoked, not expired).
    async fn read_claims(
        &self,
        applicant: &str,
        agent: Option<&str>,
        item: &ServiceItem,
        needed: &BTreeSet<(SourceHolder, String, String)>,
    ) -> Result<Vec<LicenceClaims>, CityKitError> {
        let mut wanted_vcts: BTreeSet<(SourceHolder, String)> = needed.iter().map(|(of, vct, _)| (*of, vct.clone())).collect();
        for material in &item.materials {
            if let Some(vct) = &material.satisfied_by {
                // A material may be the applicant's licence or, acting for an enterprise, the
                // agent's own (经办人居民身份证), as the platform accepts either.
                wanted_vcts.insert((SourceHolder::Applicant, vct.clone()));
                if agent.is_some() {
                    wanted_vcts.insert((SourceHolder::Agent, vct.clone()));
                }
            }
        }
        let holders: Vec<(SourceHolder, String)> = std::iter::once((SourceHolder::Applicant, applicant.to_owned()))
            .chain(agent.map(|a| (SourceHolder::Agent, a.to_owned())))
            .collect();
        let rows: Vec<(SourceHolder, String, String, String, String)> =
            self.store.call(move |conn| db::usable_licences(conn, &holders, &wanted_vcts)).await?;
        let mut licences = Vec::new();
        for (of, id, vct, issuer, text) in rows {
            let Ok(sd) = SdJwt::parse(&text) else {
                tracing::warn!("a stored licence could not be parsed; skipped");
                continue;
            };
            let mut claims = BTreeMap::new();
            for (name, disclosure) in sd.top_level_disclosures() {
                if needed.contains(&(of, vct.clone(), name.to_owned())) {
                    claims.insert(name.to_owned(), disclosure.value.clone());
                }
            }
            licences.push(LicenceClaims { id, vct, issuer, of, claims });
        }
        Ok(licences)
    }

    async fn log_read(&self, holder: &str, item_id: &str, licences: &[LicenceClaims], claims: &[String]) -> Result<(), CityKitError> {
        if claims.is_empty() {
            return Ok(());
        }
        let vcts = licences.iter().map(|l| l.vct.as_str()).collect::<BTreeSet<_>>().into_iter().collect::<Vec<_>>().join(",");
        let claims = serde_json::to_string(claims).map_err(decode_err)?;
        let (holder, counterparty) = (holder.to_owned(), format!("item:{item_id}"));
        self.store
            .call(move |conn| {
                let event = AccessEvent {
                    holder: &holder,
                    action: "autofill",
                    licence_id: None,
                    vct: Some(&vcts),
                    claims_json: &claims,
                    counterparty: Some(&counterparty),
                };
                Ok(access_log::record(conn, now(), &event)?)
            })
            .await?;
        Ok(())
    }

    async fn save_draft(&self, holder: &str, form: &FilledForm, insert: bool) -> Result<(), CityKitError> {
        let body = serde_json::to_string(form).map_err(decode_err)?;
        let (holder, id, item_id, created, updated) =
            (holder.to_owned(), form.draft_id.clone(), form.item_id.clone(), form.created_at, form.updated_at);
        let changed = self
            .store
            .call(move |conn| {
                if insert {
                    db::insert_draft(conn, &id, &holder, &item_id, &body, created, updated)?;
                    Ok(1)
                } else {
                    db::update_draft(conn, &id, &holder, &body, updated)
                }
            })
            .await?;
        if changed == 0 {
            return Err(AutofillError::UnknownDraft.into());
        }
        Ok(())
    }

    /// One draft of the current identity.
    pub async fn draft(&self, draft_id: &str) -> Result<FilledForm, CityKitError> {
        let (holder, _) = self.holders().await?;
        let id = draft_id.to_owned();
        let body: Option<String> = self.store.call(move |conn| db::draft_body(conn, &id, &holder)).await?;
        let body = body.ok_or(AutofillError::UnknownDraft)?;
        Ok(serde_json::from_str(&body).map_err(decode_err)?)
    }

    /// The current identity's drafts, newest first (expired ones are purged first).
    pub async fn drafts(&self) -> Result<Vec<DraftSummary>, CityKitError> {
        self.purge_expired_drafts().await?;
        let (holder, _) = self.holders().await?;
        let bodies: Vec<String> = self.store.call(move |conn| db::draft_bodies(conn, &holder)).await?;
        let max_age = self.draft_max_age_secs;
        bodies
            .iter()
            .map(|b| {
                let form: FilledForm = serde_json::from_str(b).map_err(decode_err)?;
                Ok(DraftSummary {
                    complete: form.is_complete(),
                    draft_id: form.draft_id,
                    item_id: form.item_id,
                    item_name_zh: form.item_name_zh,
                    updated_at: form.updated_at,
                    purge_after: form.updated_at + max_age,
                })
            })
            .collect()
    }

    /// Sets a field's value (None or empty clears it). A government-verified value is locked:
    /// it changes only when `override_verified` is true, and then becomes user-provided.
    pub async fn set_field(
        &self,
        draft_id: &str,
        field: &str,
        value: Option<String>,
        override_verified: bool,
    ) -> Result<FilledForm, CityKitError> {
        let (holder, _) = self.holders().await?;
        let mut form = self.draft(draft_id).await?;
        let item = self.item(&form.item_id).await?;
        let slot =
            form.fields.iter_mut().find(|f| f.name == field).ok_or_else(|| AutofillError::UnknownField { field: field.to_owned() })?;
        if slot.locked && !override_verified {
            return Err(AutofillError::FieldLocked { field: field.to_owned() }.into());
        }
        let value = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        if slot.origin == ValueOrigin::GovernmentVerified {
            slot.overridden = true;
        }
        slot.locked = false;
        slot.provenance = None;
        slot.conflicts.clear();
        slot.origin = if value.is_some() { ValueOrigin::UserProvided } else { ValueOrigin::Empty };
        slot.value = value.map(Personal::new);
        form.revalidate(&item, now());
        self.save_draft(&holder, &form, false).await?;
        Ok(form)
    }

    /// Names the other signers of a co-signing item.
    pub async fn set_parties(&self, draft_id: &str, parties: Vec<Party>) -> Result<FilledForm, CityKitError> {
        let (holder, _) = self.holders().await?;
        let mut form = self.draft(draft_id).await?;
        let item = self.item(&form.item_id).await?;
        let roles = item.co_signing.as_ref().map(|c| c.roles.clone()).unwrap_or_default();
        if let Some(bad) = parties.iter().find(|p| !roles.contains(&p.role)) {
            return Err(AutofillError::BadParties { details: format!("the item has no role {}", bad.role) }.into());
        }
        if let Some(bad) = parties.iter().find(|p| validate::check_id_number(p.id_number.expose()).is_err()) {
            return Err(AutofillError::BadParties { details: format!("the {} has no valid resident ID number", bad.role) }.into());
        }
        form.parties = parties;
        form.revalidate(&item, now());
        self.save_draft(&holder, &form, false).await?;
        Ok(form)
    }

    /// Deletes a draft.
    pub async fn delete_draft(&self, draft_id: &str) -> Result<(), CityKitError> {
        let (holder, _) = self.holders().await?;
        let id = draft_id.to_owned();
        let n = self.store.call(move |conn| db::delete_draft(conn, &id, &holder)).await?;
        if n == 0 {
            return Err(AutofillError::UnknownDraft.into());
        }
        Ok(())
    }

    /// Deletes every draft (of any identity) not edited for longer than the configured age.
    pub async fn purge_expired_drafts(&self) -> Result<u32, CityKitError> {
        let cutoff = now() - self.draft_max_age_secs;
        let n = self.store.call(move |conn| db::purge_drafts(conn, cutoff)).await?;
        if n > 0 {
            tracing::info!(purged = n, "expired drafts purged");
        }
        Ok(n as u32)
    }

    /// The current identity's standing auto-fill consents.
    pub async fn consents(&self) -> Result<Vec<AutofillConsent>, CityKitError> {
        let (holder, _) = self.holders().await?;
        let rows: Vec<(String, String, i64)> = self.store.call(move |conn| db::consents(conn, &holder)).await?;
        Ok(rows
            .into_iter()
            .map(|(item_id, claims, granted_at)| AutofillConsent {
                item_id,
                claims: serde_json::from_str(&claims).unwrap_or_default(),
                granted_at,
            })
            .collect())
    }

    /// Withdraws the consent for an item: the next fill asks again. Logged. True when there was one.
    pub async fn revoke_consent(&self, item_id: &str) -> Result<bool, CityKitError> {
        let (holder, _) = self.holders().await?;
        let item_id = item_id.to_owned();
        Ok(self.store.call(move |conn| db::revoke_consent(conn, &holder, &item_id)).await?)
    }
}

/// Fills `item`'s form from licence claims (pure: no I/O, no consent — the caller has read the
/// claims with consent). What [`AutofillClient::fill`] does after reading the wallet.
pub fn fill_form(item: &ServiceItem, licences: &[LicenceClaims], draft_id: String, at: i64) -> FilledForm {
    let mut fields = Vec::with_capacity(item.form.fields.len());
    for schema in &item.form.fields {
        let mut candidates: Vec<(String, Provenance)> = Vec::new();
        for source in &schema.sources {
            for licence in licences.iter().filter(|l| l.of == source.of && l.vct == source.vct) {
                let Some(raw) = licence.claims.get(&source.claim) else { continue };
                let Some(text) = claim_text(raw) else { continue };
                let Some(value) = derive(source.derive, &text) else { continue };
                candidates.push((
                    value,
                    Provenance {
                        licence_id: licence.id.clone(),
                        vct: licence.vct.clone(),
                        claim: source.claim.clone(),
                        issuer: licence.issuer.clone(),
                        derive: source.derive,
                    },
                ));
            }
        }
        let mut candidates = candidates.into_iter();
        let field = match candidates.next() {
            Some((value, provenance)) => {
                let mut conflicts: Vec<ConflictingValue> = Vec::new();
                for (other, p) in candidates {
                    if other != value && !conflicts.iter().any(|c| *c.value.expose() == other) {
                        conflicts.push(ConflictingValue { value: Personal::new(other), provenance: p });
                    }
                }
                FilledField {
                    name: schema.name.clone(),
                    label_zh: schema.label_zh.clone(),
                    label_en: schema.label_en.clone(),
                    field_type: schema.field_type,
                    required: schema.required,
                    value: Some(Personal::new(value)),
                    origin: ValueOrigin::GovernmentVerified,
                    provenance: Some(provenance),
                    locked: true,
                    overridden: false,
                    conflicts,
                    error: None,
                }
            }
            None => FilledField {
                name: schema.name.clone(),
                label_zh: schema.label_zh.clone(),
                label_en: schema.label_en.clone(),
                field_type: schema.field_type,
                required: schema.required,
                value: None,
                origin: ValueOrigin::Empty,
                provenance: None,
                locked: false,
                overridden: false,
                conflicts: Vec::new(),
                error: None,
            },
        };
        fields.push(field);
    }
    let materials = item
        .materials
        .iter()
        .map(|m| {
            // The applicant's own licence first, else the agent's.
            let licence = m.satisfied_by.as_ref().and_then(|vct| {
                [SourceHolder::Applicant, SourceHolder::Agent]
                    .into_iter()
                    .find_map(|of| licences.iter().find(|l| l.of == of && &l.vct == vct))
            });
            let state = match (licence, m.required, m.tolerance_days) {
                (Some(_), _, _) => MaterialState::Attached,
                (None, true, Some(_)) => MaterialState::Tolerated,
                (None, true, None) => MaterialState::Missing,
                (None, false, _) => MaterialState::NotProvided,
            };
            MaterialStatus {
                id: m.id.clone(),
                name_zh: m.name_zh.clone(),
                name_en: m.name_en.clone(),
                required: m.required,
                state,
                licence_id: licence.map(|l| l.id.clone()),
                held_by: licence.map(|l| l.of).unwrap_or_default(),
                vct: m.satisfied_by.clone(),
                tolerance_days: m.tolerance_days,
            }
        })
        .collect();
    let mut form = FilledForm {
        draft_id,
        item_id: item.id.clone(),
        item_name_zh: item.name_zh.clone(),
        item_name_en: item.name_en.clone(),
        form_version: item.form.version,
        fields,
        materials,
        missing_required: Vec::new(),
        conflicts: Vec::new(),
        errors: Vec::new(),
        parties: Vec::new(),
        claims_read: Vec::new(),
        check_disclosures: item
            .check_claims
            .iter()
            .filter_map(|c| {
                let licence =
                    licences.iter().find(|l| l.of == SourceHolder::Applicant && l.vct == c.vct && l.claims.contains_key(&c.claim))?;
                Some(Provenance {
                    licence_id: licence.id.clone(),
                    vct: licence.vct.clone(),
                    claim: c.claim.clone(),
                    issuer: licence.issuer.clone(),
                    derive: None,
                })
            })
            .collect(),
        created_at: at,
        updated_at: at,
    };
    form.revalidate(item, at);
    form
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn item() -> ServiceItem {
        serde_json::from_value(json!({
            "id": "t", "name_zh": "测试事项", "name_en": "Test item",
            "office": {"id": "o", "name_zh": "局", "name_en": "Office"},
            "audience": "person", "promised_working_days": 3, "fee": {"amount_fen": 0}, "instant": true,
            "materials": [
                {"id": "idc", "name_zh": "身份证", "name_en": "ID card", "satisfied_by": "urn:citykit:vct:resident_id_card", "required": true},
                {"id": "hr", "name_zh": "户口簿", "name_en": "Household register", "satisfied_by": "urn:citykit:vct:household_register", "required": true, "tolerance_days": 30},
                {"id": "dl", "name_zh": "驾驶证", "name_en": "Driving licence", "satisfied_by": "urn:citykit:vct:driving_licence", "required": true},
                {"id": "photo", "name_zh": "照片", "name_en": "Photo", "required": false}
            ],
            "form": {"version": 2, "fields": [
                {"name": "name", "label_zh": "姓名", "label_en": "Name", "type": "text", "required": true,
                 "sources": [{"vct": "urn:citykit:vct:resident_id_card", "claim": "name"}, {"vct": "urn:citykit:vct:social_security_card", "claim": "name"}]},
                {"name": "birth", "label_zh": "出生日期", "label_en": "Birth date", "type": "date", "required": true,
                 "sources": [{"vct": "urn:citykit:vct:resident_id_card", "claim": "id_number", "derive": "birth_date_from_id_number"}]},
                {"name": "district", "label_zh": "区", "label_en": "District", "type": "text", "required": true,
                 "sources": [{"vct": "urn:citykit:vct:resident_id_card", "claim": "address", "derive": "address_district"}]},
                {"name": "mobile", "label_zh": "手机", "label_en": "Mobile", "type": "phone", "required": true},
                {"name": "note", "label_zh": "备注", "label_en": "Note", "type": "text", "required": false}
            ]}
        }))
        .unwrap()
    }

    fn licence(id: &str, vct: &str, claims: serde_json::Value) -> LicenceClaims {
        LicenceClaims {
            id: id.into(),
            vct: vct.into(),
            issuer: "https://issuer.example/issuers/x".into(),
            of: SourceHolder::Applicant,
            claims: serde_json::from_value(claims).unwrap(),
        }
    }

    #[test]
    fn fields_carry_values_provenance_conflicts_and_materials() {
        let licences = vec![
            licence(
                "id1",
                "urn:citykit:vct:resident_id_card",
                json!({"name": "陈志明", "id_number": "440304198207146235", "address": "广东省深圳市福田区福华三路88号"}),
            ),
            licence("ss1", "urn:citykit:vct:social_security_card", json!({"name": "陈智明"})),
        ];
        let form = fill_form(&item(), &licences, "d1".into(), 1_795_392_000);
        let name = form.field("name").unwrap();
        assert_eq!(name.value.as_ref().unwrap().expose(), "陈志明");
        assert_eq!(name.origin, ValueOrigin::GovernmentVerified);
        assert!(name.locked);
        let p = name.provenance.as_ref().unwrap();
        assert_eq!((p.licence_id.as_str(), p.claim.as_str(), p.derive), ("id1", "name", None));
        assert_eq!(name.conflicts.len(), 1, "the social security card spells it differently");
        assert_eq!(name.conflicts[0].provenance.licence_id, "ss1");
        assert_eq!(form.conflicts, vec!["name"]);
        let birth = form.field("birth").unwrap();
        assert_eq!(birth.value.as_ref().unwrap().expose(), "1982-07-14");
        assert_eq!(birth.provenance.as_ref().unwrap().derive, Some(Derivation::BirthDateFromIdNumber));
        assert_eq!(form.field("district").unwrap().value.as_ref().unwrap().expose(), "福田区");
        let mobile = form.field("mobile").unwrap();
        assert_eq!((mobile.origin, mobile.locked), (ValueOrigin::Empty, false));
        assert_eq!(form.missing_required, vec!["mobile"]);
        assert_eq!(form.errors.len(), 1);
        let state = |id: &str| form.materials.iter().find(|m| m.id == id).unwrap().state;
        assert_eq!(state("idc"), MaterialState::Attached);
        assert_eq!(state("hr"), MaterialState::Tolerated);
        assert_eq!(state("dl"), MaterialState::Missing);
        assert_eq!(state("photo"), MaterialState::NotProvided);
        assert!(!form.is_complete());
        assert_eq!(form.form_version, 2);
        // Personal values never show in Debug output.
        assert!(!format!("{form:?}").contains("陈志明"));
    }

    #[test]
    fn without_licences_everything_is_user_provided() {
        let form = fill_form(&item(), &[], "d2".into(), 1_795_392_000);
        assert!(form.fields.iter().all(|f| f.origin == ValueOrigin::Empty && !f.locked));
        assert_eq!(form.missing_required, vec!["name", "birth", "district", "mobile"]);
        assert_eq!(form.materials.iter().filter(|m| m.state == MaterialState::Missing).count(), 2);
    }
}
