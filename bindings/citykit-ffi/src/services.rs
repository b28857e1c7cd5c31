//! The catalogue, 秒报 auto-fill, drafts and cases over the FFI: typed records that mirror the
//! core's, field values as plain strings (personal data: show, never log).

use std::collections::HashMap;

use citykit_core::autofill as af;
use citykit_core::cases as cs;
use citykit_core::catalogue as cat;

use crate::runtime::run;
use crate::{CityKitClient, CityKitError};

/// What a catalogue sync did.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CatalogueSync {
    /// The catalogue's version label.
    pub version: String,
    /// Items stored.
    pub item_count: u32,
    /// Bundles stored.
    pub bundle_count: u32,
    /// False when the platform answered 304 Not Modified.
    pub changed: bool,
    /// When (Unix seconds).
    pub synced_at: i64,
}

/// A service item in a list or a search result.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ItemSummary {
    /// Stable id.
    pub id: String,
    /// The city's item code.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// The office's id.
    pub office_id: String,
    /// The office's Chinese name.
    pub office_name_zh: String,
    /// The office's English name.
    pub office_name_en: String,
    /// `person` or `enterprise`.
    pub audience: String,
    /// May be approved instantly (秒批).
    pub instant: bool,
    /// Promised working days.
    pub promised_working_days: u32,
    /// Fee in fen.
    pub fee_fen: u64,
    /// Bundles it belongs to.
    pub bundles: Vec<String>,
}

/// A material of an item's guide.
#[derive(Debug, Clone, uniffi::Record)]
pub struct MaterialGuide {
    /// Id within the item.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// The licence type that satisfies it electronically.
    pub satisfied_by: Option<String>,
    /// Needed by the case.
    pub required: bool,
    /// 容缺: may be handed in within this many days.
    pub tolerance_days: Option<u32>,
}

/// A form field's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum FieldType {
    /// Free text.
    Text,
    /// `YYYY-MM-DD`.
    Date,
    /// Resident ID number.
    IdNumber,
    /// Unified social credit code.
    Uscc,
    /// Phone number.
    Phone,
    /// Address.
    Address,
    /// One of the options.
    Choice,
    /// An uploaded file's reference.
    Attachment,
}

impl From<cat::FieldType> for FieldType {
    fn from(t: cat::FieldType) -> Self {
        match t {
            cat::FieldType::Text => Self::Text,
            cat::FieldType::Date => Self::Date,
            cat::FieldType::IdNumber => Self::IdNumber,
            cat::FieldType::Uscc => Self::Uscc,
            cat::FieldType::Phone => Self::Phone,
            cat::FieldType::Address => Self::Address,
            cat::FieldType::Choice => Self::Choice,
            cat::FieldType::Attachment => Self::Attachment,
        }
    }
}

/// An option of a choice field.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ChoiceOption {
    /// The value sent.
    pub value: String,
    /// Chinese label.
    pub label_zh: String,
    /// English label.
    pub label_en: String,
}

/// A field of an item's form.
#[derive(Debug, Clone, uniffi::Record)]
pub struct FormFieldInfo {
    /// Name.
    pub name: String,
    /// Chinese label.
    pub label_zh: String,
    /// English label.
    pub label_en: String,
    /// Kind.
    pub field_type: FieldType,
    /// Must be filled.
    pub required: bool,
    /// Options of a choice field.
    pub options: Vec<ChoiceOption>,
    /// Licence types a value may be read from.
    pub source_vcts: Vec<String>,
}

/// An item with its whole standard guide.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ServiceItemDetail {
    /// The summary.
    pub summary: ItemSummary,
    /// Materials.
    pub materials: Vec<MaterialGuide>,
    /// The form's version.
    pub form_version: u32,
    /// The form's fields.
    pub fields: Vec<FormFieldInfo>,
    /// Co-signing roles (empty when one person applies).
    pub co_signing_roles: Vec<String>,
    /// The licence type a finished case issues.
    pub result_vct: Option<String>,
}

/// A one-thing bundle (一件事).
#[derive(Debug, Clone, uniffi::Record)]
pub struct Bundle {
    /// Id.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Its items, in order.
    pub items: Vec<String>,
}

/// Where a field's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ValueOrigin {
    /// Read from a government licence.
    GovernmentVerified,
    /// Typed or overridden by the person.
    UserProvided,
    /// No value.
    Empty,
}

/// The licence claim a value was read from.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Provenance {
    /// Wallet id of the licence.
    pub licence_id: String,
    /// Licence type.
    pub vct: String,
    /// Claim.
    pub claim: String,
    /// Issuing office.
    pub issuer: String,
    /// Derivation applied (e.g. `birth_date_from_id_number`).
    pub derive: Option<String>,
}

/// Another licence's different value.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ConflictingValue {
    /// The value.
    pub value: String,
    /// Its source.
    pub provenance: Provenance,
}

/// A validation error naming its field.
#[derive(Debug, Clone, uniffi::Record)]
pub struct FieldError {
    /// The field.
    pub field: String,
    /// `required`, `format`, `check_digit`, `too_long`, `too_short`, `not_an_option`, `bad_date`, `date_in_future`, `date_in_past`.
    pub problem: String,
    /// Chinese message.
    pub message_zh: String,
    /// English message.
    pub message_en: String,
}

/// A field of a filled form.
#[derive(Debug, Clone, uniffi::Record)]
pub struct FilledField {
    /// Name.
    pub name: String,
    /// Chinese label.
    pub label_zh: String,
    /// English label.
    pub label_en: String,
    /// Kind.
    pub field_type: FieldType,
    /// Must be filled.
    pub required: bool,
    /// The value (personal data).
    pub value: Option<String>,
    /// Where it comes from.
    pub origin: ValueOrigin,
    /// The licence claim, for a government-verified value.
    pub provenance: Option<Provenance>,
    /// Locked (change only with an explicit override).
    pub locked: bool,
    /// A licence value the person replaced.
    pub overridden: bool,
    /// Other licences' different values.
    pub conflicts: Vec<ConflictingValue>,
    /// What is wrong, if anything.
    pub error: Option<FieldError>,
}

/// How a material is covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum MaterialState {
    /// A licence satisfies it (材料免交).
    Attached,
    /// Missing but tolerated (容缺).
    Tolerated,
    /// Missing and required.
    Missing,
    /// Missing and optional.
    NotProvided,
}

/// A material and how it is covered.
#[derive(Debug, Clone, uniffi::Record)]
pub struct MaterialStatus {
    /// Id.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Needed.
    pub required: bool,
    /// How it is covered.
    pub state: MaterialState,
    /// The attached licence.
    pub licence_id: Option<String>,
    /// The licence type that satisfies it.
    pub vct: Option<String>,
    /// 容缺 days.
    pub tolerance_days: Option<u32>,
}

/// A co-signer named on a draft.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Party {
    /// Role, e.g. `tenant`.
    pub role: String,
    /// Name (personal data).
    pub name: String,
    /// Resident ID number (personal data).
    pub id_number: String,
}

/// A filled form (a draft).
#[derive(Debug, Clone, uniffi::Record)]
pub struct FilledForm {
    /// Draft id.
    pub draft_id: String,
    /// Item.
    pub item_id: String,
    /// Item's Chinese name.
    pub item_name_zh: String,
    /// Item's English name.
    pub item_name_en: String,
    /// Form version.
    pub form_version: u32,
    /// Fields in form order.
    pub fields: Vec<FilledField>,
    /// Materials.
    pub materials: Vec<MaterialStatus>,
    /// Required fields without a value.
    pub missing_required: Vec<String>,
    /// Fields whose licences disagree.
    pub conflicts: Vec<String>,
    /// Every validation error.
    pub errors: Vec<FieldError>,
    /// Co-signers.
    pub parties: Vec<Party>,
    /// Ready to submit.
    pub complete: bool,
    /// Last edited (Unix seconds).
    pub updated_at: i64,
}

/// A draft in a list.
#[derive(Debug, Clone, uniffi::Record)]
pub struct DraftSummary {
    /// Draft id.
    pub draft_id: String,
    /// Item.
    pub item_id: String,
    /// Item's Chinese name.
    pub item_name_zh: String,
    /// Last edited.
    pub updated_at: i64,
    /// Purged after this unless submitted.
    pub purge_after: i64,
    /// Ready to submit.
    pub complete: bool,
}

/// A standing auto-fill consent.
#[derive(Debug, Clone, uniffi::Record)]
pub struct AutofillConsent {
    /// Item.
    pub item_id: String,
    /// Claims (`vct#claim`).
    pub claims: Vec<String>,
    /// Granted at.
    pub granted_at: i64,
}

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CaseStatus {
    /// Approved.
    Approved,
    /// With a window.
    InReview,
    /// Waiting for co-signers.
    AwaitingSignatures,
    /// A co-signer declined.
    Declined,
    /// Co-signers ran out of time.
    Expired,
    /// Refused by the window.
    Rejected,
}

impl From<cs::CaseStatus> for CaseStatus {
    fn from(s: cs::CaseStatus) -> Self {
        match s {
            cs::CaseStatus::Approved => Self::Approved,
            cs::CaseStatus::InReview => Self::InReview,
            cs::CaseStatus::AwaitingSignatures => Self::AwaitingSignatures,
            cs::CaseStatus::Declined => Self::Declined,
            cs::CaseStatus::Expired => Self::Expired,
            cs::CaseStatus::Rejected => Self::Rejected,
        }
    }
}

/// 好差评.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Rating {
    /// 好评.
    Good,
    /// 差评.
    Bad,
}

/// A co-signer on a case.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CaseParty {
    /// Role.
    pub role: String,
    /// Name (personal data).
    pub name: String,
    /// Signed the current content.
    pub signed: bool,
    /// Declined.
    pub declined: bool,
}

/// A step of a case's history.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CaseEvent {
    /// When.
    pub at: i64,
    /// Status it moved to.
    pub status: CaseStatus,
    /// Chinese note.
    pub note_zh: String,
    /// English note.
    pub note_en: String,
}

/// A case.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Case {
    /// Case number.
    pub id: String,
    /// Item.
    pub item_id: String,
    /// Status.
    pub status: CaseStatus,
    /// Submitted at.
    pub submitted_at: i64,
    /// Promised date for a manual case.
    pub due_date: Option<String>,
    /// Decided at.
    pub decided_at: Option<i64>,
    /// Applicant's id.
    pub applicant_id: String,
    /// Co-signers.
    pub parties: Vec<CaseParty>,
    /// History, oldest first.
    pub history: Vec<CaseEvent>,
    /// Rating given.
    pub rating: Option<Rating>,
    /// Digest of the content signers sign.
    pub content_sha256: Option<String>,
    /// The issued licence in the wallet.
    pub result_licence_id: Option<String>,
}

/// A case's exact content for review before signing.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CaseReview {
    /// The case.
    pub case: Case,
    /// Content revision.
    pub revision: u32,
    /// Field values (personal data).
    pub fields: HashMap<String, String>,
    /// Signers.
    pub parties: Vec<Party>,
    /// Pass this to `sign_case` / `decline_case`.
    pub content_sha256: String,
}

/// What happened to a submission (a case, an amendment or a rating).
#[derive(Debug, Clone, uniffi::Enum)]
pub enum SubmissionOutcome {
    /// The platform has it.
    Accepted {
        /// The case.
        case: Case,
    },
    /// Queued for `retry_pending`.
    Queued {
        /// Its id (idempotency key).
        submission_id: String,
        /// Attempts so far.
        attempts: u32,
        /// The last error code.
        last_error: Option<String>,
    },
}

/// A queued write.
#[derive(Debug, Clone, uniffi::Record)]
pub struct PendingSubmission {
    /// Id.
    pub submission_id: String,
    /// `case`, `amendment` or `rating`.
    pub kind: String,
    /// Item, for a case.
    pub item_id: Option<String>,
    /// Case, for an amendment or rating.
    pub case_id: Option<String>,
    /// Attempts.
    pub attempts: u32,
    /// Not before (Unix seconds).
    pub next_attempt_at: i64,
    /// Last error code.
    pub last_error: Option<String>,
}

/// A submission refused for good.
#[derive(Debug, Clone, uniffi::Record)]
pub struct RefusedSubmission {
    /// Id.
    pub submission_id: String,
    /// Error code.
    pub code: String,
}

/// What `retry_pending` did.
#[derive(Debug, Clone, uniffi::Record)]
pub struct RetryReport {
    /// Cases now at the platform.
    pub accepted: Vec<Case>,
    /// Cases whose rating was delivered.
    pub rated: Vec<String>,
    /// Refused for good (their drafts are back).
    pub refused: Vec<RefusedSubmission>,
    /// Still queued.
    pub pending: Vec<PendingSubmission>,
}

/// Inbox item kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum InboxKind {
    /// A case changed status.
    CaseStatus,
    /// A co-signing request.
    CosignRequest,
}

/// A notice.
#[derive(Debug, Clone, uniffi::Record)]
pub struct InboxItem {
    /// Id.
    pub id: i64,
    /// When.
    pub at: i64,
    /// Kind.
    pub kind: InboxKind,
    /// Case.
    pub case_id: String,
    /// Item.
    pub item_id: String,
    /// Case status then.
    pub status: CaseStatus,
    /// Chinese title.
    pub title_zh: String,
    /// English title.
    pub title_en: String,
    /// Read here.
    pub read: bool,
}

fn item_summary(i: cat::ItemSummary) -> ItemSummary {
    ItemSummary {
        id: i.id,
        code: i.code,
        name_zh: i.name_zh,
        name_en: i.name_en,
        office_id: i.office.id,
        office_name_zh: i.office.name_zh,
        office_name_en: i.office.name_en,
        audience: match i.audience {
            cat::Audience::Person => "person".into(),
            cat::Audience::Enterprise => "enterprise".into(),
        },
        instant: i.instant,
        promised_working_days: i.promised_working_days,
        fee_fen: i.fee_fen,
        bundles: i.bundles,
    }
}

fn provenance(p: af::Provenance) -> Provenance {
    Provenance { licence_id: p.licence_id, vct: p.vct, claim: p.claim, issuer: p.issuer, derive: p.derive.map(|d| d.as_str().to_owned()) }
}

fn field_error(e: af::FieldError) -> FieldError {
    FieldError { field: e.field, problem: e.problem.as_str().to_owned(), message_zh: e.message_zh, message_en: e.message_en }
}

fn party_out(p: af::Party) -> Party {
    Party { role: p.role, name: p.name.into_inner(), id_number: p.id_number.into_inner() }
}

fn filled_form(f: af::FilledForm) -> FilledForm {
    let complete = f.is_complete();
    FilledForm {
        draft_id: f.draft_id,
        item_id: f.item_id,
        item_name_zh: f.item_name_zh,
        item_name_en: f.item_name_en,
        form_version: f.form_version,
        fields: f
            .fields
            .into_iter()
            .map(|x| FilledField {
                name: x.name,
                label_zh: x.label_zh,
                label_en: x.label_en,
                field_type: x.field_type.into(),
                required: x.required,
                value: x.value.map(|v| v.into_inner()),
                origin: match x.origin {
                    af::ValueOrigin::GovernmentVerified => ValueOrigin::GovernmentVerified,
                    af::ValueOrigin::UserProvided => ValueOrigin::UserProvided,
                    af::ValueOrigin::Empty => ValueOrigin::Empty,
                },
                provenance: x.provenance.map(provenance),
                locked: x.locked,
                overridden: x.overridden,
                conflicts: x
                    .conflicts
                    .into_iter()
                    .map(|c| ConflictingValue { value: c.value.into_inner(), provenance: provenance(c.provenance) })
                    .collect(),
                error: x.error.map(field_error),
            })
            .collect(),
        materials: f
            .materials
            .into_iter()
            .map(|m| MaterialStatus {
                id: m.id,
                name_zh: m.name_zh,
                name_en: m.name_en,
                required: m.required,
                state: match m.state {
                    af::MaterialState::Attached => MaterialState::Attached,
                    af::MaterialState::Tolerated => MaterialState::Tolerated,
                    af::MaterialState::Missing => MaterialState::Missing,
                    af::MaterialState::NotProvided => MaterialState::NotProvided,
                },
                licence_id: m.licence_id,
                vct: m.vct,
                tolerance_days: m.tolerance_days,
            })
            .collect(),
        missing_required: f.missing_required,
        conflicts: f.conflicts,
        errors: f.errors.into_iter().map(field_error).collect(),
        parties: f.parties.into_iter().map(party_out).collect(),
        complete,
        updated_at: f.updated_at,
    }
}

fn rating_out(r: cs::Rating) -> Rating {
    match r {
        cs::Rating::Good => Rating::Good,
        cs::Rating::Bad => Rating::Bad,
    }
}

fn case_out(c: cs::Case) -> Case {
    Case {
        id: c.id,
        item_id: c.item_id,
        status: c.status.into(),
        submitted_at: c.submitted_at,
        due_date: c.due_date,
        decided_at: c.decided_at,
        applicant_id: c.applicant.id,
        parties: c
            .parties
            .into_iter()
            .map(|p| CaseParty { role: p.role, name: p.name.into_inner(), signed: p.signed, declined: p.declined })
            .collect(),
        history: c
            .history
            .into_iter()
            .map(|e| CaseEvent { at: e.at, status: e.status.into(), note_zh: e.note_zh, note_en: e.note_en })
            .collect(),
        rating: c.rating.map(rating_out),
        content_sha256: c.content_sha256,
        result_licence_id: c.result_licence_id,
    }
}

fn outcome_out(o: cs::SubmissionOutcome) -> SubmissionOutcome {
    match o {
        cs::SubmissionOutcome::Accepted { case } => SubmissionOutcome::Accepted { case: case_out(case) },
        cs::SubmissionOutcome::Queued { submission_id, attempts, last_error } => {
            SubmissionOutcome::Queued { submission_id, attempts, last_error }
        }
    }
}

fn pending_out(p: cs::PendingSubmission) -> PendingSubmission {
    PendingSubmission {
        submission_id: p.submission_id,
        kind: p.kind,
        item_id: p.item_id,
        case_id: p.case_id,
        attempts: p.attempts,
        next_attempt_at: p.next_attempt_at,
        last_error: p.last_error,
    }
}

#[uniffi::export]
impl CityKitClient {
    /// Downloads the service catalogue (a conditional request: unchanged costs one round trip).
    pub async fn sync_catalogue(&self) -> Result<CatalogueSync, CityKitError> {
        let client = self.inner.clone();
        run(async move { client.catalogue().sync().await }).await.map(|s| CatalogueSync {
            version: s.version,
            item_count: s.item_count,
            bundle_count: s.bundle_count,
            changed: s.changed,
            synced_at: s.synced_at,
        })
    }

    /// Searches the catalogue offline (Chinese or English; one or two characters work too).
    pub async fn search_catalogue(&self, query: String, limit: u32) -> Result<Vec<ItemSummary>, CityKitError> {
        let client = self.inner.clone();
        run(async move { client.catalogue().search(&query, limit).await }).await.map(|l| l.into_iter().map(item_summary).collect())
    }

    /// One item's standard guide.
    pub async fn catalogue_item(&self, id: String) -> Result<ServiceItemDetail, CityKitError> {
        let client = self.inner.clone();
        run(async move { client.catalogue().item(&id).await }).await.map(|item| ServiceItemDetail {
            summary: item_summary(cat::ItemSummary::from(&item)),
            materials: item
                .materials
                .iter()
                .map(|m| MaterialGuide {
                    id: m.id.clone(),
                    name_zh: m.name_zh.clone(),
                    name_en: m.name_en.clone(),
                    satisfied_by: m.satisfied_by.clone(),
                    required: m.required,
                    tolerance_days: m.tolerance_days,
                })
                .collect(),
            form_version: item.form.version,
            fields: item
                .form
                .fields
                .iter()
                .map(|f| FormFieldInfo {
                    name: f.name.clone(),
                    label_zh: f.label_zh.clone(),
                    label_en: f.label_en.clone(),
                    field_type: f.field_type.into(),
                    required: f.required,
                    options: f
                        .options
                        .iter()
                        .map(|o| ChoiceOption { value: o.value.clone(), label_zh: o.label_zh.clone(), label_en: o.label_en.clone() })
                        .collect(),
                    source_vcts: f.sources.iter().map(|s| s.vct.clone()).collect(),
                })
                .collect(),
            co_signing_roles: item.co_signing.as_ref().map(|c| c.roles.clone()).unwrap_or_default(),
            result_vct: item.result.as_ref().map(|r| r.vct.clone()),
        })
    }

    /// The one-thing bundles.
    pub async fn catalogue_bundles(&self) -> Result<Vec<Bundle>, CityKitError> {
        let client = self.inner.clone();
        run(async move { client.catalogue().bundles().await })
            .await
            .map(|l| l.into_iter().map(|b| Bundle { id: b.id, name_zh: b.name_zh, name_en: b.name_en, items: b.items }).collect())
    }

    /// 秒报: fills an item's form from the wallet (asks consent once per item) as a new draft.
    pub async fn fill_form(&self, item_id: String) -> Result<FilledForm, CityKitError> {
        let client = self.inner.clone();
        run(async move { client.autofill().fill(&item_id).await }).await.map(filled_form)
    }

    /// One draft.
    pub async fn draft(&self, draft_id: String) -> Result<FilledForm, CityKitError> {
        let client = self.inner.clone();
        run(async move { client.autofill().draft(&draft_id).await }).await.map(filled_form)
    }

    /// The current identity's drafts.
    pub async fn drafts(&self) -> Result<Vec<DraftSummary>, CityKitError> {
        let client = self.inner.clone();
        run(async move { client.autofill().drafts().await }).await.map(|l| {
            l.into_iter()
                .map(|d| DraftSummary {
                    draft_id: d.draft_id,
                    item_id: d.item_id,
                    item_name_zh: d.item_name_zh,
                    updated_at: d.updated_at,
                    purge_after: d.purge_after,
                    complete: d.complete,
                })
                .collect()
        })
    }

    /// Sets a field (None clears it); a government-verified one only with `override_verified`.
    pub async fn set_field(
        &self,
        draft_id: String,
        field: String,
        value: Option<String>,
        override_verified: bool,
    ) -> Result<FilledForm, CityKitError> {
        let client = self.inner.clone();
        run(async move { client.autofill().set_field(&draft_id, &field, value, override_verified).await }).await.map(filled_form)
    }

    /// Names the co-signers of a draft.
    pub async fn set_parties(&self, draft_id: String, parties: Vec<Party>) -> Result<FilledForm, CityKitError> {
        let client = self.inner.clone();
        let parties = parties.into_iter().map(|p| af::Party { role: p.role, name: p.name.into(), id_number: p.id_number.into() }).collect();
        run(async move { client.autofill().set_parties(&draft_id, parties).await }).await.map(filled_form)
    }

    /// Deletes a draft.
    pub async fn delete_draft(&self, draft_id: String) -> Result<(), CityKitError> {
        let client = self.inner.clone();
        run(async move { client.autofill().delete_draft(&draft_id).await }).await
    }

    /// Standing auto-fill consents.
    pub async fn autofill_consents(&self) -> Result<Vec<AutofillConsent>, CityKitError> {
        let client = self.inner.clone();
        run(async move { client.autofill().consents().await })
            .await
            .map(|l| l.into_iter().map(|c| AutofillConsent { item_id: c.item_id, claims: c.claims, granted_at: c.granted_at }).collect())
    }

    /// Withdraws an item's auto-fill consent; true when there was one.
    pub async fn revoke_autofill_consent(&self, item_id: String) -> Result<bool, CityKitError> {
        let client = self.inner.clone();
        run(async move { client.autofill().revoke_consent(&item_id).await }).await
    }

    /// Submits a complete draft (queued when offline; see `retry_pending`).
    pub async fn submit(&self, draft_id: String) -> Result<SubmissionOutcome, CityKitError> {
        let client = self.inner.clone();
        run(async move { client.cases().submit(&draft_id).await }).await.map(outcome_out)
    }

    /// Queued writes.
    pub async fn pending_submissions(&self) -> Result<Vec<PendingSubmission>, CityKitError> {
        let client = self.inner.clone();
        run(async move { client.cases().pending().await }).await.map(|l| l.into_iter().map(pending_out).collect())
    }

    /// Sends queued writes that are due (all with `force`).
    pub async fn retry_pending(&self, force: bool) -> Result<RetryReport, CityKitError> {
        let client = self.inner.clone();
        run(async move { client.cases().retry_pending(force).await }).await.map(|r| RetryReport {
            accepted: r.accepted.into_iter().map(case_out).collect(),
            rated: r.rated,
            refused: r.refused.into_iter().map(|(submission_id, code)| RefusedSubmission { submission_id, code }).collect(),
            pending: r.pending.into_iter().map(pending_out).collect(),
        })
    }

    /// The identity's cases, from the platform.
    pub async fn cases(&self) -> Result<Vec<Case>, CityKitError> {
        let client = self.inner.clone();
        run(async move { client.cases().cases().await }).await.map(|l| l.into_iter().map(case_out).collect())
    }

    /// The cases stored here (offline).
    pub async fn stored_cases(&self) -> Result<Vec<Case>, CityKitError> {
        let client = self.inner.clone();
        run(async move { client.cases().stored_cases().await }).await.map(|l| l.into_iter().map(case_out).collect())
    }

    /// One case, fresh from the platform.
    pub async fn get_case(&self, case_id: String) -> Result<Case, CityKitError> {
        let client = self.inner.clone();
        run(async move { client.cases().case(&case_id).await }).await.map(case_out)
    }

    /// A case's exact content, for review before signing.
    pub async fn review_case(&self, case_id: String) -> Result<CaseReview, CityKitError> {
        let client = self.inner.clone();
        run(async move { client.cases().review(&case_id).await }).await.map(|r| CaseReview {
            case: case_out(r.case),
            revision: r.content.revision,
            fields: r.content.fields.into_iter().map(|(k, v)| (k, v.into_inner())).collect(),
            parties: r.content.parties.into_iter().map(party_out).collect(),
            content_sha256: r.content_sha256,
        })
    }

    /// Signs the reviewed content (refused with `case.content_changed` if it changed since).
    pub async fn sign_case(&self, case_id: String, reviewed_sha256: String) -> Result<Case, CityKitError> {
        let client = self.inner.clone();
        run(async move { client.cases().sign(&case_id, &reviewed_sha256).await }).await.map(case_out)
    }

    /// Declines to sign.
    pub async fn decline_case(&self, case_id: String, reviewed_sha256: String) -> Result<Case, CityKitError> {
        let client = self.inner.clone();
        run(async move { client.cases().decline(&case_id, &reviewed_sha256).await }).await.map(case_out)
    }

    /// Changes fields of a case you applied for (voids earlier signatures).
    pub async fn amend_case(&self, case_id: String, changes: HashMap<String, String>) -> Result<SubmissionOutcome, CityKitError> {
        let client = self.inner.clone();
        run(async move { client.cases().amend(&case_id, changes.into_iter().collect()).await }).await.map(outcome_out)
    }

    /// Rates a finished case (queued when offline, sent once).
    pub async fn rate_case(&self, case_id: String, rating: Rating, comment: Option<String>) -> Result<SubmissionOutcome, CityKitError> {
        let client = self.inner.clone();
        let rating = match rating {
            Rating::Good => cs::Rating::Good,
            Rating::Bad => cs::Rating::Bad,
        };
        run(async move { client.cases().rate(&case_id, rating, comment).await }).await.map(outcome_out)
    }

    /// New notices from the platform; the whole inbox, newest first.
    pub async fn inbox(&self) -> Result<Vec<InboxItem>, CityKitError> {
        let client = self.inner.clone();
        run(async move { client.cases().inbox().await }).await.map(|l| {
            l.into_iter()
                .map(|i| InboxItem {
                    id: i.id,
                    at: i.at,
                    kind: match i.kind {
                        cs::InboxKind::CaseStatus => InboxKind::CaseStatus,
                        cs::InboxKind::CosignRequest => InboxKind::CosignRequest,
                    },
                    case_id: i.case_id,
                    item_id: i.item_id,
                    status: i.status.into(),
                    title_zh: i.title_zh,
                    title_en: i.title_en,
                    read: i.read,
                })
                .collect()
        })
    }

    /// Marks an inbox item read.
    pub async fn mark_inbox_read(&self, inbox_id: i64) -> Result<(), CityKitError> {
        let client = self.inner.clone();
        run(async move { client.cases().mark_read(inbox_id).await }).await
    }
}
