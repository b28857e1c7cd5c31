//! Cases (申办, 秒批, 会签, 好差评): submission with verified materials and government-verified
//! fields, instant approval with result licences, the manual route with working-day due dates,
//! co-signing, ratings, the inbox, idempotency and the simulator's case clock. The HTTP contract
//! is the section "Cases" of `docs/platform-api.md`; the handlers are in `case_routes.rs`.
//!
//! Everything lives in one [`Book`] behind its own mutex, locked for the whole of a request's
//! handling (no `.await` inside). Lock order: the book, then the protocol state (revocations),
//! never the other way round.
//!
//! Logging rule as everywhere: static descriptions only; no names, ID numbers, values, case
//! contents, signatures or presentations.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::calendar::{self, Day};
use super::catalogue::{self, Audience, Derive, ServiceItem, SourceOf};
use super::jose;
use super::licences::{self, LicenceRecord, Times};
use super::presentation::{self, Presented, RecordInfo};
use super::state::{unix_now, Shared};
use super::{RatingStats, SimCase};

#[path = "campaigns.rs"]
mod campaigns;
#[path = "envelopes.rs"]
mod envelopes;
#[path = "pledges.rs"]
mod pledges;
#[path = "push.rs"]
mod push;

/// An answer: HTTP status and JSON body.
pub(crate) type Answer = (u16, Value);

fn err(status: u16, code: &'static str) -> Answer {
    tracing::debug!(error = code, "case request refused");
    (status, json!({ "error": code }))
}

fn err_with(status: u16, code: &'static str, key: &str, value: Value) -> Answer {
    tracing::debug!(error = code, "case request refused");
    let mut body = json!({ "error": code });
    body[key] = value;
    (status, body)
}

/// Who makes a case request.
pub(crate) struct CaseCaller {
    /// The identity the call is made as: the person, or the enterprise acted for.
    pub(crate) identity: String,
    /// The person of the token.
    pub(crate) person: String,
    /// Whether the call acts for an enterprise.
    pub(crate) acting_for_enterprise: bool,
    /// The public JWK of the request's DPoP proof.
    pub(crate) jwk: Value,
    /// Its RFC 7638 thumbprint.
    pub(crate) jkt: String,
}

/// A write request kind, for the idempotency wrapper.
pub(crate) enum Write<'a> {
    /// `POST /api/v1/cases`.
    Submit,
    /// `PUT /api/v1/cases/{id}`.
    Amend(&'a str),
    /// `POST /api/v1/cases/{id}/signatures`.
    Sign(&'a str),
    /// `POST /api/v1/cases/{id}/rating`.
    Rate(&'a str),
    /// `POST /api/v1/cases/{id}/pledge`.
    Pledge(&'a str),
    /// `POST /api/v1/cases/{id}/envelopes`.
    Envelope(&'a str),
    /// `POST /api/v1/envelopes/pickups`.
    Pickup,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Approved,
    InReview,
    AwaitingSignatures,
    Declined,
    Expired,
    Rejected,
    AwaitingPledge,
    AwaitingMaterial,
    PledgeBroken,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Approved => "approved",
            Status::InReview => "in_review",
            Status::AwaitingSignatures => "awaiting_signatures",
            Status::Declined => "declined",
            Status::Expired => "expired",
            Status::Rejected => "rejected",
            Status::AwaitingPledge => "awaiting_pledge",
            Status::AwaitingMaterial => "awaiting_material",
            Status::PledgeBroken => "pledge_broken",
        }
    }
    fn finished(self) -> bool {
        matches!(self, Status::Approved | Status::Rejected | Status::Declined | Status::Expired | Status::PledgeBroken)
    }
}

struct Party {
    role: String,
    citizen: String,
    id_number: String,
    name: String,
    signed: bool,
    declined: bool,
}

struct History {
    at: i64,
    status: Status,
    note_zh: String,
    note_en: String,
}

struct Case {
    id: String,
    item: &'static ServiceItem,
    applicant: String,
    applicant_role: String,
    /// The applicant's key at the last submission: result licences are bound to it.
    applicant_jwk: Value,
    status: Status,
    submitted_at: i64,
    deadline: Option<i64>,
    due_date: Option<String>,
    decided_at: Option<i64>,
    parties: Vec<Party>,
    applicant_signed: bool,
    revision: u32,
    fields: BTreeMap<String, String>,
    content: Vec<u8>,
    content_sha256: String,
    /// Instant approval possible once everyone has signed.
    ready: bool,
    history: Vec<History>,
    rating: Option<&'static str>,
    result_licence: Option<String>,
    idempotency_keys: Vec<String>,
    /// The 容缺 pledge for missing materials, if any.
    pledge: Option<pledges::Pledge>,
}

struct InboxItem {
    id: u64,
    at: i64,
    identity: String,
    kind: &'static str,
    /// The case (none for a campaign).
    case_id: Option<String>,
    item_id: String,
    /// The case's status (none for a campaign).
    status: Option<Status>,
    title_zh: String,
    title_en: String,
    /// For envelope events and pledge reminders: the envelope.
    envelope_id: Option<String>,
    /// For policy campaigns: the campaign.
    campaign_id: Option<String>,
}

struct Stored {
    fingerprint: String,
    status: u16,
    body: Vec<u8>,
}

/// All case state.
#[derive(Default)]
pub(crate) struct Book {
    offset_days: i64,
    next_case: u64,
    next_inbox: u64,
    cases: Vec<Case>,
    idempotency: HashMap<(String, String), Stored>,
    inbox: Vec<InboxItem>,
    ratings: RatingStats,
    /// Licences issued by approved cases.
    pub(crate) results: Vec<LicenceRecord>,
    pub(crate) result_counts: HashMap<usize, u32>,
    /// 免跑腿 envelopes.
    envelopes: Vec<envelopes::Envelope>,
    /// Persons who broke a pledge (失信名单): no further pledges.
    dishonest: std::collections::BTreeSet<String>,
    /// Push subscriptions and the simulated carrier's queues.
    carrier: push::Carrier,
    /// Campaigns and next-step statistics published for recommendations.
    published: campaigns::Published,
}

impl Book {
    /// The case clock: real time plus the simulator's offset.
    fn now(&self) -> i64 {
        unix_now().saturating_add(self.offset_days.saturating_mul(86_400))
    }
}

// ----- request bodies -----

#[derive(Deserialize)]
struct SubmitBody {
    #[serde(default)]
    item_id: Option<String>,
    form_version: u32,
    #[serde(default)]
    fields: BTreeMap<String, FieldIn>,
    #[serde(default)]
    materials: Vec<String>,
    #[serde(default)]
    parties: Vec<PartyIn>,
}

#[derive(Deserialize)]
struct FieldIn {
    #[serde(default)]
    value: Value,
    #[serde(default)]
    source: Option<SourceIn>,
}

#[derive(Deserialize)]
struct SourceIn {
    material: usize,
    claim: String,
    #[serde(default)]
    derive: Option<String>,
}

#[derive(Deserialize)]
struct PartyIn {
    role: String,
    id_number: String,
    name: String,
}

#[derive(Deserialize)]
struct SignatureBody {
    signature: String,
}

#[derive(Deserialize)]
struct RatingBody {
    rating: String,
    #[serde(default)]
    comment: Option<String>,
}

#[derive(Deserialize)]
struct DecideBody {
    decision: String,
    #[serde(default)]
    note: Option<String>,
}

/// The exact case content the signers sign.
#[derive(Serialize)]
struct Content<'a> {
    case_id: &'a str,
    item_id: &'a str,
    revision: u32,
    fields: &'a BTreeMap<String, String>,
    parties: Vec<ContentParty<'a>>,
}

#[derive(Serialize)]
struct ContentParty<'a> {
    role: &'a str,
    id_number: &'a str,
    name: &'a str,
}

/// A submission that passed validation.
struct Evaluated {
    fields: BTreeMap<String, String>,
    parties: Vec<Party>,
    /// Materials accepted on a pledge (容缺): (material index, due day).
    pledges: Vec<(usize, Day)>,
    ready: bool,
}

/// Which of the caller's licences a presentation is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Holder {
    Applicant,
    Agent,
}

const MAX_COMMENT_CHARS: usize = 200;
const SIGNATURE_IAT_WINDOW_SECS: i64 = 300;

fn is_idempotency_key(k: &str) -> bool {
    (16..=64).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Checks an `Idempotency-Key` header value.
pub(crate) fn valid_idempotency_key(k: &str) -> bool {
    is_idempotency_key(k)
}

fn compact_date(day: Day) -> String {
    calendar::format_date(day).replace('-', "")
}

impl Shared {
    fn today(&self, book: &Book) -> Day {
        calendar::china_day(book.now())
    }

    fn applicant_name(&self, identity: &str) -> String {
        if let Some(c) = self.fixtures.citizen(identity) {
            return c.name.clone();
        }
        self.fixtures.enterprise(identity).map(|e| e.name.clone()).unwrap_or_default()
    }

    /// Whether the licence with this office and status index is revoked.
    fn is_revoked(&self, office: usize, idx: u32) -> bool {
        self.revoked_contains(office, idx)
    }

    fn push_inbox(&self, book: &mut Book, identity: &str, kind: &'static str, case: usize, title: (String, String)) {
        self.push_inbox_about(book, identity, kind, case, None, title);
    }

    fn push_inbox_about(
        &self,
        book: &mut Book,
        identity: &str,
        kind: &'static str,
        case: usize,
        envelope_id: Option<String>,
        title: (String, String),
    ) {
        let Some(c) = book.cases.get(case) else {
            return;
        };
        book.next_inbox += 1;
        let item = InboxItem {
            id: book.next_inbox,
            at: book.now(),
            identity: identity.to_owned(),
            kind,
            case_id: Some(c.id.clone()),
            item_id: c.item.id.clone(),
            status: Some(c.status),
            title_zh: title.0,
            title_en: title.1,
            envelope_id,
            campaign_id: None,
        };
        let pushed = Self::inbox_json(&item);
        book.inbox.push(item);
        self.push_item(book, identity, &pushed);
    }

    /// Records a status change: history, and an inbox item for the applicant and every party.
    fn change_status(&self, book: &mut Book, case: usize, status: Status, note: (String, String)) {
        let now = book.now();
        let Some(c) = book.cases.get_mut(case) else {
            return;
        };
        c.status = status;
        if status.finished() && c.decided_at.is_none() {
            c.decided_at = Some(now);
        }
        c.history.push(History { at: now, status, note_zh: note.0, note_en: note.1 });
        let (zh, en) = (c.item.name_zh.clone(), c.item.name_en.clone());
        let title = match status {
            Status::Approved => (format!("「{zh}」已办结"), format!("'{en}' was approved")),
            Status::Rejected => (format!("「{zh}」未予批准"), format!("'{en}' was rejected")),
            Status::InReview => (format!("「{zh}」已受理，办理中"), format!("'{en}' was accepted and is being reviewed")),
            Status::AwaitingSignatures => (format!("「{zh}」已提交，等待各方签名"), format!("'{en}' was submitted and awaits signatures")),
            Status::Declined => (format!("「{zh}」已被拒签，办理终止"), format!("'{en}' was declined by a signer")),
            Status::Expired => (format!("「{zh}」签名逾期，已失效"), format!("'{en}' expired: not everyone signed in time")),
            Status::AwaitingPledge => {
                (format!("「{zh}」缺少材料：请阅读并签署容缺承诺书"), format!("'{en}' lacks a material: please read and sign the pledge"))
            }
            Status::AwaitingMaterial => {
                (format!("「{zh}」已容缺受理，请按期补交材料"), format!("'{en}' was accepted on your pledge: hand in the material in time"))
            }
            Status::PledgeBroken => {
                (format!("「{zh}」未按承诺补交材料，承诺失信"), format!("'{en}': the pledge was not kept, the material never arrived"))
            }
        };
        let mut to = vec![c.applicant.clone()];
        if status != Status::AwaitingSignatures {
            to.extend(c.parties.iter().map(|p| p.citizen.clone()));
        }
        for identity in to {
            self.push_inbox(book, &identity, "case_status", case, title.clone());
        }
    }

    /// Expires cases whose signers missed the deadline on the case clock; reminds and breaks
    /// pledges.
    fn tick(&self, book: &mut Book) {
        self.tick_pledges(book);
        let now = book.now();
        let due: Vec<usize> = book
            .cases
            .iter()
            .enumerate()
            .filter(|(_, c)| c.status == Status::AwaitingSignatures && c.deadline.is_some_and(|d| now >= d))
            .map(|(i, _)| i)
            .collect();
        for i in due {
            self.change_status(
                book,
                i,
                Status::Expired,
                ("会签期限届满，未全部签名，申请失效".into(), "The signing deadline passed before everyone signed".into()),
            );
        }
    }

    fn find_case(book: &Book, id: &str) -> Option<usize> {
        book.cases.iter().position(|c| c.id == id)
    }

    /// The index of case `id` when `identity` applied for it; `404 not_found` otherwise (a case
    /// someone else applied for is not shown to exist).
    fn applicants_case(book: &Book, identity: &str, id: &str) -> Result<usize, Answer> {
        Self::find_case(book, id)
            .filter(|&i| book.cases.get(i).is_some_and(|c| c.applicant == identity))
            .ok_or_else(|| err(404, "not_found"))
    }

    fn visible(case: &Case, identity: &str) -> bool {
        case.applicant == identity || case.parties.iter().any(|p| p.citizen == identity)
    }

    fn case_view(case: &Case, viewer: &str, with_content: bool) -> Value {
        let mut v = json!({
            "id": case.id,
            "item_id": case.item.id,
            "status": case.status.as_str(),
            "submitted_at": case.submitted_at,
            "due_date": case.due_date,
            "decided_at": case.decided_at,
            "applicant": {"id": case.applicant, "role": case.applicant_role},
            "parties": case.parties.iter().map(|p| json!({
                "role": p.role, "name": p.name, "signed": p.signed, "declined": p.declined,
            })).collect::<Vec<_>>(),
            "history": case.history.iter().map(|h| json!({
                "at": h.at, "status": h.status.as_str(), "note_zh": h.note_zh, "note_en": h.note_en,
            })).collect::<Vec<_>>(),
            "content": jose::b64u(&case.content),
            "content_sha256": case.content_sha256,
            "rating": case.rating,
            "result_licence": if case.applicant == viewer { json!(case.result_licence) } else { Value::Null },
            "pledge": case.pledge.as_ref().filter(|_| case.applicant == viewer).map(pledges::Pledge::view),
        });
        if !with_content {
            if let Some(m) = v.as_object_mut() {
                m.remove("content");
            }
        }
        v
    }

    // ----- the idempotent write wrapper -----

    /// What "the same body" means for a retried write (docs/platform-api.md): the JSON without
    /// its `materials` (fresh proofs on every attempt), and for a signature only its payload's
    /// `case_id`, `content_sha256` and `decision`. A body that is not JSON counts as it is.
    fn idempotency_view(body: &[u8]) -> Vec<u8> {
        let Ok(mut value) = serde_json::from_slice::<Value>(body) else {
            return body.to_vec();
        };
        if let Some(map) = value.as_object_mut() {
            map.remove("materials");
            if let Some(signature) = map.get("signature").and_then(Value::as_str) {
                let payload = signature
                    .split('.')
                    .nth(1)
                    .and_then(jose::b64u_decode)
                    .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
                    .map(|p| json!({"case_id": p["case_id"], "content_sha256": p["content_sha256"], "decision": p["decision"]}));
                if let Some(payload) = payload {
                    map.insert("signature".into(), payload);
                }
            }
        }
        serde_json::to_vec(&value).unwrap_or_else(|_| body.to_vec())
    }

    /// Handles a write request once per identity and `Idempotency-Key`: a replay with the same
    /// body gets the stored answer; the same key with another body is refused. Returns the status
    /// and the exact body bytes.
    pub(crate) fn case_write(
        &self,
        caller: &CaseCaller,
        key: &str,
        method: &str,
        path: &str,
        body: &[u8],
        write: Write<'_>,
    ) -> (u16, Vec<u8>) {
        let mut fp = Vec::with_capacity(body.len() + path.len() + 8);
        fp.extend_from_slice(method.as_bytes());
        fp.push(b' ');
        fp.extend_from_slice(path.as_bytes());
        fp.push(b'\n');
        fp.extend_from_slice(&Self::idempotency_view(body));
        let fingerprint = jose::sha256_b64u(&fp);
        let mut guard = self.lock_cases();
        let book = &mut *guard;
        let slot = (caller.identity.clone(), key.to_owned());
        if let Some(stored) = book.idempotency.get(&slot) {
            if stored.fingerprint == fingerprint {
                tracing::debug!("idempotent replay");
                return (stored.status, stored.body.clone());
            }
            let (s, b) = err(422, "idempotency_key_reused");
            return (s, serde_json::to_vec(&b).unwrap_or_default());
        }
        self.tick(book);
        let (answer, case_id) = match write {
            Write::Submit => self.submit(book, caller, key, body),
            Write::Amend(id) => (self.amend(book, caller, key, id, body), Some(id.to_owned())),
            Write::Sign(id) => (self.sign(book, caller, id, body), Some(id.to_owned())),
            Write::Rate(id) => (self.rate(book, caller, id, body), Some(id.to_owned())),
            Write::Pledge(id) => (self.sign_pledge(book, caller, id, body), Some(id.to_owned())),
            Write::Envelope(id) => (self.create_envelope(book, caller, id, body), Some(id.to_owned())),
            Write::Pickup => (self.request_pickup(book, caller, body), None),
        };
        let (status, value) = answer;
        if (200..300).contains(&status) {
            if let Some(c) = case_id.as_deref().and_then(|id| Self::find_case(book, id)).and_then(|i| book.cases.get_mut(i)) {
                c.idempotency_keys.push(key.to_owned());
            }
        }
        let bytes = serde_json::to_vec(&value).unwrap_or_default();
        book.idempotency.insert(slot, Stored { fingerprint, status, body: bytes.clone() });
        (status, bytes)
    }

    // ----- submission -----

    fn parse_submission(body: &[u8]) -> Result<SubmitBody, Answer> {
        serde_json::from_slice(body).map_err(|_| err(400, "invalid_request"))
    }

    /// Verifies materials, fields, parties and checks of a submission (new or amended).
    fn evaluate(
        &self,
        book: &Book,
        caller: &CaseCaller,
        item: &'static ServiceItem,
        body: &SubmitBody,
        nonce: &str,
    ) -> Result<Evaluated, Answer> {
        let today = self.today(book);
        let applicant_id_number = self.fixtures.citizen(&caller.identity).map(|c| c.id_number.clone());

        // Materials: verified presentations, each the applicant's (or the agent's) licence.
        let audience = format!("{}/api/v1/cases", self.issuer);
        let result_office = |vct: &str| catalogue::result_office(self.services, vct);
        let record = |office: usize, idx: u32| -> Option<RecordInfo> {
            // A copy from batch issuance stands for the licence it copies.
            let (office, idx) = self.licence_slot(office, idx);
            let r = self
                .catalogue
                .find_by_status(office, idx)
                .or_else(|| book.results.iter().find(|r| r.office == office && r.status_idx == idx))?;
            let parents = ["mother_id_number", "father_id_number"]
                .iter()
                .filter_map(|n| r.claim(n).and_then(Value::as_str).map(str::to_owned))
                .collect();
            Some(RecordInfo {
                holder: r.holder.clone(),
                vct: r.vct.to_owned(),
                licence_number: r.licence_number.clone(),
                parent_id_numbers: if r.vct == licences::VCT_BIRTH_MEDICAL_CERTIFICATE { parents } else { Vec::new() },
            })
        };
        let revoked = |office: usize, idx: u32| self.is_revoked(office, idx);
        let cx = presentation::Context {
            issuer: &self.issuer,
            office_keys: &self.office_keys,
            audience: &audience,
            nonce,
            holder_jkt: &caller.jkt,
            now: unix_now(),
            result_office: &result_office,
            record: &record,
            revoked: &revoked,
        };
        let mut presented: Vec<(Presented, Holder)> = Vec::with_capacity(body.materials.len());
        for (n, text) in body.materials.iter().enumerate() {
            let invalid = || err_with(422, "invalid_material", "material", json!(n));
            let p = match presentation::verify(text, &cx) {
                Ok(p) => p,
                Err(why) => {
                    tracing::debug!(reason = why, "presentation refused");
                    return Err(invalid());
                }
            };
            let holder = if p.holder == caller.identity {
                Holder::Applicant
            } else if caller.acting_for_enterprise && p.holder == caller.person {
                Holder::Agent
            } else if p.vct == licences::VCT_BIRTH_MEDICAL_CERTIFICATE
                && applicant_id_number.as_ref().is_some_and(|id| p.parent_id_numbers.contains(id))
            {
                // Parents keep their child's birth medical certificate.
                Holder::Applicant
            } else {
                tracing::debug!("presentation of someone else's licence refused");
                return Err(invalid());
            };
            presented.push((p, holder));
        }

        // Fields.
        for name in body.fields.keys() {
            if item.field(name).is_none() {
                return Err(err_field(name, "unknown"));
            }
        }
        let mut fields = BTreeMap::new();
        let mut all_required_verified = true;
        for f in &item.form.fields {
            let entry = body.fields.get(&f.name);
            let value = match entry.map(|e| &e.value) {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) if s.trim().is_empty() => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => return Err(err_field(&f.name, "format")),
            };
            let Some(value) = value else {
                if f.required {
                    return Err(err_field(&f.name, "required"));
                }
                continue;
            };
            if let Err(reason) = catalogue::check_value(f, &value, Some(today)) {
                return Err(err_field(&f.name, reason.as_str()));
            }
            let mut verified = false;
            if let Some(src) = entry.and_then(|e| e.source.as_ref()) {
                let mismatch = || err_with(422, "field_mismatch", "field", json!(f.name));
                let (p, holder) = presented.get(src.material).ok_or_else(mismatch)?;
                let derive = match src.derive.as_deref() {
                    None => None,
                    Some(d) => Some(Derive::parse(d).ok_or_else(mismatch)?),
                };
                let declared = f.sources.iter().any(|s| {
                    s.vct == p.vct
                        && s.claim == src.claim
                        && s.derive == derive
                        && match s.of {
                            SourceOf::Applicant => *holder == Holder::Applicant,
                            SourceOf::Agent => *holder == Holder::Agent,
                        }
                });
                if !declared {
                    return Err(mismatch());
                }
                let claim = p.claims.get(&src.claim).ok_or_else(mismatch)?;
                let derived = catalogue::derive_value(derive, claim).ok_or_else(mismatch)?;
                let same = derived == value
                    || (claim.is_number() && matches!((derived.parse::<f64>(), value.parse::<f64>()), (Ok(a), Ok(b)) if a == b));
                if !same {
                    return Err(mismatch());
                }
                verified = true;
            }
            if f.required && !verified {
                all_required_verified = false;
            }
            fields.insert(f.name.clone(), value);
        }

        // Materials handed in, or accepted on a pledge (容缺).
        let mut pledges = Vec::new();
        for (n, m) in item.materials.iter().enumerate() {
            let handed_in = m.satisfied_by.as_deref().is_some_and(|v| presented.iter().any(|(p, _)| p.vct == v));
            if handed_in || !m.required {
                continue;
            }
            match m.tolerance_days {
                Some(days) => pledges.push((n, today + i64::from(days))),
                None => {
                    return Err(err_with(422, "material_missing", "material", json!(m.id)));
                }
            }
            if book.dishonest.contains(&caller.person) {
                return Err(err_with(422, "pledge_not_allowed", "material", json!(m.id)));
            }
        }

        // Parties.
        let roles: &[String] = item.co_signing.as_ref().map(|c| c.roles.as_slice()).unwrap_or(&[]);
        let mut parties = Vec::with_capacity(body.parties.len());
        let mut seen = HashSet::new();
        for (n, p) in body.parties.iter().enumerate() {
            let unknown = || err_with(422, "unknown_party", "party", json!(n));
            if !roles.contains(&p.role) {
                return Err(unknown());
            }
            let Some(c) = self.fixtures.citizen_by_id_number(p.id_number.trim()) else {
                return Err(unknown());
            };
            if c.name != p.name.trim() || c.id == caller.identity || !seen.insert(c.id.clone()) {
                return Err(unknown());
            }
            parties.push(Party {
                role: p.role.clone(),
                citizen: c.id.clone(),
                id_number: c.id_number.clone(),
                name: c.name.clone(),
                signed: false,
                declined: false,
            });
        }

        // Automatic checks (秒批).
        let checks_pass =
            item.checks.iter().all(|c| self.run_check(c, &presented, &fields, &parties, applicant_id_number.as_deref(), today));
        let ready = item.instant && all_required_verified && pledges.is_empty() && checks_pass;
        Ok(Evaluated { fields, parties, pledges, ready })
    }

    fn run_check(
        &self,
        check: &str,
        presented: &[(Presented, Holder)],
        fields: &BTreeMap<String, String>,
        parties: &[Party],
        applicant_id_number: Option<&str>,
        today: Day,
    ) -> bool {
        let own = |vct: &'static str| presented.iter().filter(move |(p, h)| p.vct == vct && *h == Holder::Applicant).map(|(p, _)| p);
        let text = |p: &Presented, claim: &str| p.claims.get(claim).and_then(Value::as_str).map(str::to_owned);
        let result = match check {
            "property_owned_by_applicant" => own(licences::VCT_REAL_ESTATE_CERTIFICATE).any(|p| {
                applicant_id_number.is_some()
                    && text(p, "owner_id_number").as_deref() == applicant_id_number
                    && text(p, "property_address").as_ref() == fields.get("property_address")
            }),
            "co_landlords_are_owners" => {
                let co: Vec<&Party> = parties.iter().filter(|p| p.role == "co_landlord").collect();
                co.is_empty()
                    || own(licences::VCT_REAL_ESTATE_CERTIFICATE).any(|p| {
                        let owners: Vec<&str> = p
                            .claims
                            .get("co_owners")
                            .and_then(Value::as_array)
                            .map(|a| a.iter().filter_map(Value::as_str).collect())
                            .unwrap_or_default();
                        co.iter().all(|c| owners.contains(&c.name.as_str()))
                    })
            }
            "age_over_60" => own(licences::VCT_RESIDENT_ID_CARD).any(|p| p.claims.get("age_over_60") == Some(&Value::Bool(true))),
            "applicant_is_parent" => own(licences::VCT_BIRTH_MEDICAL_CERTIFICATE).any(|p| {
                applicant_id_number.is_some()
                    && ["mother_id_number", "father_id_number"].iter().any(|n| text(p, n).as_deref() == applicant_id_number)
            }),
            "enterprise_active" => own(licences::VCT_BUSINESS_LICENCE).any(|p| match text(p, "business_term_until").as_deref() {
                Some("长期") => true,
                Some(d) => calendar::parse_date(d).is_some_and(|end| end >= today),
                None => false,
            }),
            _ => false,
        };
        if !result {
            tracing::debug!(check, "automatic check did not pass");
        }
        result
    }

    fn content_of(
        case_id: &str,
        item: &ServiceItem,
        revision: u32,
        fields: &BTreeMap<String, String>,
        parties: &[Party],
    ) -> (Vec<u8>, String) {
        let content = Content {
            case_id,
            item_id: &item.id,
            revision,
            fields,
            parties: parties.iter().map(|p| ContentParty { role: &p.role, id_number: &p.id_number, name: &p.name }).collect(),
        };
        let bytes = serde_json::to_vec(&content).unwrap_or_default();
        let sha = jose::sha256_b64u(&bytes);
        (bytes, sha)
    }

    fn submit(&self, book: &mut Book, caller: &CaseCaller, key: &str, body: &[u8]) -> (Answer, Option<String>) {
        let parsed = match Self::parse_submission(body) {
            Ok(b) => b,
            Err(a) => return (a, None),
        };
        let Some(item) = parsed.item_id.as_deref().and_then(|id| self.services.item(id)) else {
            return (err(404, "unknown_item"), None);
        };
        let audience_ok = match item.audience {
            Audience::Person => !caller.acting_for_enterprise,
            Audience::Enterprise => caller.acting_for_enterprise,
        };
        if !audience_ok {
            return (err(422, "wrong_audience"), None);
        }
        if parsed.form_version != item.form.version {
            return (err(409, "form_outdated"), None);
        }
        let ev = match self.evaluate(book, caller, item, &parsed, key) {
            Ok(e) => e,
            Err(a) => return (a, None),
        };
        let now = book.now();
        book.next_case += 1;
        let id = format!("C{}-{:06}", compact_date(calendar::china_day(now)), book.next_case);
        let (content, content_sha256) = Self::content_of(&id, item, 1, &ev.fields, &ev.parties);
        let applicant_role = match &item.co_signing {
            Some(cs) => cs.roles.iter().find_map(|r| r.strip_prefix("co_")).unwrap_or("applicant").to_owned(),
            None => "applicant".to_owned(),
        };
        book.cases.push(Case {
            id: id.clone(),
            item,
            applicant: caller.identity.clone(),
            applicant_role,
            applicant_jwk: caller.jwk.clone(),
            status: Status::InReview,
            submitted_at: now,
            deadline: None,
            due_date: None,
            decided_at: None,
            parties: ev.parties,
            applicant_signed: false,
            revision: 1,
            fields: ev.fields,
            content,
            content_sha256,
            ready: ev.ready,
            history: Vec::new(),
            rating: None,
            result_licence: None,
            idempotency_keys: Vec::new(),
            pledge: None,
        });
        let idx = book.cases.len() - 1;
        self.set_pledge(book, idx, &ev.pledges);
        if let Some(cs) = &item.co_signing {
            if let Some(c) = book.cases.get_mut(idx) {
                c.deadline = Some(now + i64::from(cs.deadline_days) * 86_400);
            }
            self.change_status(
                book,
                idx,
                Status::AwaitingSignatures,
                (
                    format!("已提交，等待各方在{}日内签名", cs.deadline_days),
                    format!("Submitted; every signer has {} days to sign", cs.deadline_days),
                ),
            );
            self.request_signatures(book, idx, false);
        } else {
            self.complete(book, idx);
        }
        tracing::debug!("case created");
        let view = book.cases.get(idx).map(|c| Self::case_view(c, &caller.identity, true)).unwrap_or(Value::Null);
        ((201, view), Some(id))
    }

    fn request_signatures(&self, book: &mut Book, idx: usize, again: bool) {
        let Some(c) = book.cases.get(idx) else {
            return;
        };
        let (zh, en) = (c.item.name_zh.clone(), c.item.name_en.clone());
        let title = if again {
            (format!("「{zh}」内容已修改，请重新核对并签名"), format!("'{en}' was changed: please check and sign again"))
        } else {
            (format!("请核对并签署「{zh}」"), format!("Please check and sign '{en}'"))
        };
        let parties: Vec<String> = c.parties.iter().map(|p| p.citizen.clone()).collect();
        for p in parties {
            self.push_inbox(book, &p, "cosign_request", idx, title.clone());
        }
    }

    /// A complete case (every signature in, or none needed): approved at once when it qualifies
    /// for 秒批, else to the window with a due date.
    fn complete(&self, book: &mut Book, idx: usize) {
        let Some(c) = book.cases.get(idx) else {
            return;
        };
        if let Some(p) = &c.pledge {
            if p.signed_at.is_none() {
                self.change_status(
                    book,
                    idx,
                    Status::AwaitingPledge,
                    ("缺少材料，待申请人签署容缺承诺书".into(), "A material is missing: waiting for the applicant's signed pledge".into()),
                );
                return;
            }
            if !p.fulfilled {
                let date = calendar::format_date(p.deadline);
                self.change_status(
                    book,
                    idx,
                    Status::AwaitingMaterial,
                    (
                        format!("已签署容缺承诺，容缺受理，请于{date}前补交材料"),
                        format!("Accepted on a signed pledge: hand in the material by {date}"),
                    ),
                );
                return;
            }
        }
        let Some(c) = book.cases.get(idx) else {
            return;
        };
        if c.ready {
            self.approve(
                book,
                idx,
                ("材料和信息经自动核验，即时办结（秒批）".into(), "Data and materials verified automatically: approved at once".into()),
            );
        } else {
            let days = c.item.promised_working_days;
            let due = self.calendar.add_working_days(self.today(book), days);
            if let Some(c) = book.cases.get_mut(idx) {
                c.due_date = Some(calendar::format_date(due));
            }
            self.change_status(
                book,
                idx,
                Status::InReview,
                (format!("已受理，承诺{days}个工作日内办结"), format!("Accepted; to be decided within {days} working days")),
            );
        }
    }

    fn approve(&self, book: &mut Book, idx: usize, note: (String, String)) {
        self.issue_result(book, idx);
        self.change_status(book, idx, Status::Approved, note);
    }

    /// Issues the item's result licence to the applicant, bound to the applicant's key.
    fn issue_result(&self, book: &mut Book, idx: usize) {
        let Some(c) = book.cases.get(idx) else {
            return;
        };
        let item = c.item;
        let Some(result) = &item.result else {
            return;
        };
        let Some(office) = licences::office_index(&item.office.id) else {
            tracing::error!("result licence of an office that issues none");
            return;
        };
        let Some(key) = self.office_keys.get(office) else {
            return;
        };
        let approved_on = calendar::format_date(self.today(book));
        let mut claims: Vec<(&'static str, Value)> = vec![("holder_name", Value::String(self.applicant_name(&c.applicant)))];
        if let Some(person) = self.fixtures.citizen(&c.applicant) {
            claims.push(("holder_id_number", Value::String(person.id_number.clone())));
        } else if let Some(e) = self.fixtures.enterprise(&c.applicant) {
            claims.push(("holder_uscc", Value::String(e.uscc.clone())));
        }
        let reserved = ["holder_name", "holder_id_number", "holder_uscc", "case_id", "item_id", "approval_date", "issuing_authority"];
        claims.extend([
            ("case_id", Value::String(c.id.clone())),
            ("item_id", Value::String(item.id.clone())),
            ("approval_date", Value::String(approved_on)),
            ("issuing_authority", Value::String(format!("深圳市{}", item.office.name_zh))),
        ]);
        for f in &item.form.fields {
            if f.field_type == catalogue::FieldType::Attachment || reserved.contains(&f.name.as_str()) {
                continue;
            }
            if let Some(v) = c.fields.get(&f.name) {
                claims.push((f.name.as_str(), Value::String(v.clone())));
            }
        }
        let n = self.catalogue.count_of_office(office).saturating_add(book.result_counts.get(&office).copied().unwrap_or(0));
        // Copies (batch issuance) take their indices from the other end of the list.
        if n.saturating_add(self.copies_of_office(office)) >= licences::STATUS_LIST_SIZE {
            tracing::error!("status list full");
            return;
        }
        *book.result_counts.entry(office).or_insert(0) += 1;
        let record = LicenceRecord::issued_by_case(
            &c.applicant,
            result.vct.as_str(),
            office,
            licences::status_index(n),
            format!("{}-{}", item.code, c.id),
            claims,
        );
        let now = unix_now();
        let ttl = i64::try_from(self.config.licence_ttl.as_secs()).unwrap_or(i64::MAX / 2);
        let times = Times { iat: now, nbf: now, exp: now.saturating_add(ttl) };
        let licence = licences::issue(&record, key, &self.issuer, &c.applicant_jwk, times);
        if let Some(c) = book.cases.get_mut(idx) {
            c.result_licence = Some(licence);
        }
        book.results.push(record);
        tracing::debug!("result licence issued");
    }

    // ----- amendment, signatures, rating -----

    fn amend(&self, book: &mut Book, caller: &CaseCaller, key: &str, id: &str, body: &[u8]) -> Answer {
        let Some(idx) = Self::find_case(book, id) else {
            return err(404, "not_found");
        };
        let Some(case) = book.cases.get(idx) else {
            return err(404, "not_found");
        };
        if !Self::visible(case, &caller.identity) {
            return err(404, "not_found");
        }
        if case.applicant != caller.identity {
            return err(403, "not_applicant");
        }
        if case.status != Status::AwaitingSignatures {
            return err(409, "case_closed");
        }
        let item = case.item;
        let parsed = match Self::parse_submission(body) {
            Ok(b) => b,
            Err(a) => return a,
        };
        if parsed.item_id.as_deref().is_some_and(|i| i != item.id) {
            return err(400, "invalid_request");
        }
        if parsed.form_version != item.form.version {
            return err(409, "form_outdated");
        }
        let ev = match self.evaluate(book, caller, item, &parsed, key) {
            Ok(e) => e,
            Err(a) => return a,
        };
        let Some(case) = book.cases.get_mut(idx) else {
            return err(404, "not_found");
        };
        case.revision += 1;
        let (content, sha) = Self::content_of(&case.id, item, case.revision, &ev.fields, &ev.parties);
        case.fields = ev.fields;
        case.parties = ev.parties;
        case.content = content;
        case.content_sha256 = sha;
        case.applicant_signed = false;
        case.ready = ev.ready;
        case.applicant_jwk = caller.jwk.clone();
        let revision = case.revision;
        let now = book.now();
        if let Some(c) = book.cases.get_mut(idx) {
            c.history.push(History {
                at: now,
                status: Status::AwaitingSignatures,
                note_zh: format!("申请内容已修改（第{revision}版），此前的签名作废"),
                note_en: format!("The content was changed (revision {revision}); earlier signatures are void"),
            });
        }
        self.set_pledge(book, idx, &ev.pledges);
        self.request_signatures(book, idx, true);
        tracing::debug!("case amended");
        book.cases.get(idx).map(|c| (200, Self::case_view(c, &caller.identity, true))).unwrap_or_else(|| err(404, "not_found"))
    }

    fn sign(&self, book: &mut Book, caller: &CaseCaller, id: &str, body: &[u8]) -> Answer {
        let Some(idx) = Self::find_case(book, id) else {
            return err(404, "not_found");
        };
        let Some(case) = book.cases.get(idx) else {
            return err(404, "not_found");
        };
        if !Self::visible(case, &caller.identity) {
            return err(404, "not_found");
        }
        let p = match device_signed(body, "citykit-cosign+jwt", id, caller) {
            Ok(payload) => payload,
            Err(a) => return a,
        };
        let p = &p;
        let decision = p.get("decision").and_then(Value::as_str);
        if !matches!(decision, Some("sign" | "decline")) {
            return err(422, "invalid_signature");
        }
        if case.status != Status::AwaitingSignatures {
            return err(409, "case_closed");
        }
        if p.get("content_sha256").and_then(Value::as_str) != Some(case.content_sha256.as_str()) {
            return err(409, "content_changed");
        }
        let is_applicant = case.applicant == caller.identity;
        let party = case.parties.iter().position(|p| p.citizen == caller.identity);
        let role = if is_applicant {
            case.applicant_role.clone()
        } else {
            party.and_then(|i| case.parties.get(i)).map(|p| p.role.clone()).unwrap_or_default()
        };
        let now = book.now();
        if decision == Some("decline") {
            if let Some(p) = party.and_then(|i| book.cases.get_mut(idx)?.parties.get_mut(i)) {
                p.declined = true;
            }
            self.change_status(
                book,
                idx,
                Status::Declined,
                (format!("签署人（{role}）拒绝签名，申请终止"), format!("A signer ({role}) declined; the case ends")),
            );
            tracing::debug!("case declined");
        } else {
            let Some(c) = book.cases.get_mut(idx) else {
                return err(404, "not_found");
            };
            if is_applicant {
                c.applicant_signed = true;
            } else if let Some(p) = party.and_then(|i| c.parties.get_mut(i)) {
                p.signed = true;
            }
            c.history.push(History {
                at: now,
                status: Status::AwaitingSignatures,
                note_zh: format!("签署人（{role}）已签名"),
                note_en: format!("A signer ({role}) signed"),
            });
            let all = c.applicant_signed && c.parties.iter().all(|p| p.signed);
            tracing::debug!("case signed");
            if all {
                self.complete(book, idx);
            }
        }
        book.cases.get(idx).map(|c| (200, Self::case_view(c, &caller.identity, true))).unwrap_or_else(|| err(404, "not_found"))
    }

    fn rate(&self, book: &mut Book, caller: &CaseCaller, id: &str, body: &[u8]) -> Answer {
        let Some(idx) = Self::find_case(book, id) else {
            return err(404, "not_found");
        };
        let Some(case) = book.cases.get(idx) else {
            return err(404, "not_found");
        };
        if !Self::visible(case, &caller.identity) {
            return err(404, "not_found");
        }
        if case.applicant != caller.identity {
            return err(403, "not_applicant");
        }
        let Ok(parsed) = serde_json::from_slice::<RatingBody>(body) else {
            return err(400, "invalid_request");
        };
        let rating: &'static str = match parsed.rating.as_str() {
            "good" => "good",
            "bad" => "bad",
            _ => return err(400, "invalid_request"),
        };
        let comment = parsed.comment.filter(|c| !c.trim().is_empty());
        if comment.as_ref().is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS) {
            return err(422, "comment_too_long");
        }
        if !case.status.finished() {
            return err(409, "case_not_finished");
        }
        match case.rating {
            Some(r) if r == rating => {
                return (200, json!({"case_id": id, "rating": rating}));
            }
            Some(_) => return err(409, "already_rated"),
            None => {}
        }
        let (office, item) = (case.item.office.id.clone(), case.item.id.clone());
        if let Some(c) = book.cases.get_mut(idx) {
            c.rating = Some(rating);
        }
        let r = &mut book.ratings;
        for counts in [r.by_office.entry(office).or_default(), r.by_item.entry(item).or_default()] {
            if rating == "good" {
                counts.good += 1;
            } else {
                counts.bad += 1;
            }
        }
        if comment.is_some() {
            r.comments += 1;
        }
        tracing::debug!("case rated");
        (200, json!({"case_id": id, "rating": rating}))
    }

    // ----- reads -----

    /// `GET /api/v1/cases/{id}`.
    pub(crate) fn case_get(&self, identity: &str, id: &str) -> Answer {
        let mut book = self.lock_cases();
        self.tick(&mut book);
        match Self::find_case(&book, id).and_then(|i| book.cases.get(i)) {
            Some(c) if Self::visible(c, identity) => (200, Self::case_view(c, identity, true)),
            _ => err(404, "not_found"),
        }
    }

    /// `GET /api/v1/cases`.
    pub(crate) fn case_list(&self, identity: &str) -> Answer {
        let mut book = self.lock_cases();
        self.tick(&mut book);
        let cases: Vec<Value> =
            book.cases.iter().filter(|c| Self::visible(c, identity)).map(|c| Self::case_view(c, identity, false)).collect();
        (200, json!({ "cases": cases }))
    }

    /// An inbox item as `GET /api/v1/inbox` and push messages carry it.
    fn inbox_json(i: &InboxItem) -> Value {
        json!({
            "id": i.id, "at": i.at, "kind": i.kind, "case_id": i.case_id,
            "item_id": i.item_id, "status": i.status.map(Status::as_str),
            "title_zh": i.title_zh, "title_en": i.title_en, "envelope_id": i.envelope_id, "campaign_id": i.campaign_id,
        })
    }

    /// `GET /api/v1/inbox?after=`.
    pub(crate) fn inbox(&self, identity: &str, after: u64) -> Answer {
        let mut book = self.lock_cases();
        self.tick(&mut book);
        let items: Vec<Value> = book.inbox.iter().filter(|i| i.identity == identity && i.id > after).map(Self::inbox_json).collect();
        (200, json!({ "items": items }))
    }

    /// `GET /api/v1/inbox/{id}`: one of the caller's inbox items (a push sent by reference).
    pub(crate) fn inbox_item(&self, identity: &str, id: u64) -> Answer {
        let mut book = self.lock_cases();
        self.tick(&mut book);
        match book.inbox.iter().find(|i| i.identity == identity && i.id == id) {
            Some(item) => (200, Self::inbox_json(item)),
            None => err(404, "not_found"),
        }
    }

    /// Result licences of a holder, for `GET /api/v1/licences`.
    pub(crate) fn result_records(&self, holder: &str) -> Vec<LicenceRecord> {
        self.lock_cases().results.iter().filter(|r| r.holder == holder).cloned().collect()
    }

    /// The office and status index of a holder's result licence of this type.
    pub(crate) fn result_slot(&self, holder: &str, vct: &str) -> Option<(usize, u32)> {
        self.lock_cases().results.iter().rev().find(|r| r.holder == holder && r.vct == vct).map(|r| (r.office, r.status_idx))
    }

    // ----- simulator control -----

    /// `POST /sim/cases/{id}/decide`.
    pub(crate) fn sim_decide(&self, id: &str, body: &[u8]) -> Answer {
        let Ok(parsed) = serde_json::from_slice::<DecideBody>(body) else {
            return err(400, "invalid_request");
        };
        let approve = match parsed.decision.as_str() {
            "approve" => true,
            "reject" => false,
            _ => return err(400, "invalid_request"),
        };
        self.decide(id, approve, parsed.note.as_deref())
    }

    /// The window's decision on an `in_review` case.
    pub(crate) fn decide(&self, id: &str, approve: bool, note: Option<&str>) -> Answer {
        let mut guard = self.lock_cases();
        let book = &mut *guard;
        self.tick(book);
        let Some(idx) = Self::find_case(book, id) else {
            return err(404, "not_found");
        };
        if book.cases.get(idx).map(|c| c.status) != Some(Status::InReview) {
            return err(409, "case_not_in_review");
        }
        let note = |zh: &str, en: &str| match note.filter(|n| !n.trim().is_empty()) {
            Some(n) => (format!("{zh}：{n}"), format!("{en}: {n}")),
            None => (zh.to_owned(), en.to_owned()),
        };
        if approve {
            self.approve(book, idx, note("窗口审核通过", "Approved by the service window"));
        } else {
            self.change_status(book, idx, Status::Rejected, note("窗口审核不予通过", "Rejected by the service window"));
        }
        tracing::debug!(approve, "case decided");
        match book.cases.get(idx) {
            Some(c) => (200, Self::case_view(c, &c.applicant, true)),
            None => err(404, "not_found"),
        }
    }

    /// Moves the case clock forward; returns the offset in days and today's date (China time).
    pub(crate) fn advance_clock(&self, days: i64) -> (i64, String) {
        let mut guard = self.lock_cases();
        let book = &mut *guard;
        book.offset_days = book.offset_days.saturating_add(days.max(0));
        self.tick(book);
        (book.offset_days, calendar::format_date(self.today(book)))
    }

    /// `GET /sim/clock`: offset, case-clock time and date.
    pub(crate) fn clock(&self) -> Value {
        let book = self.lock_cases();
        json!({
            "offset_days": book.offset_days,
            "now": book.now(),
            "today": calendar::format_date(calendar::china_day(book.now())),
        })
    }

    /// Every case with its idempotency keys.
    pub(crate) fn sim_cases(&self) -> Vec<SimCase> {
        let mut guard = self.lock_cases();
        self.tick(&mut guard);
        guard
            .cases
            .iter()
            .map(|c| SimCase {
                id: c.id.clone(),
                item_id: c.item.id.clone(),
                applicant: c.applicant.clone(),
                status: c.status.as_str().to_owned(),
                idempotency_keys: c.idempotency_keys.clone(),
            })
            .collect()
    }

    /// Ratings by office and item.
    pub(crate) fn sim_ratings(&self) -> RatingStats {
        self.lock_cases().ratings.clone()
    }
}

/// The payload of a signature made with the caller's device key (the key of its DPoP proofs):
/// a compact ES256 JWS of type `typ` in `{"signature": …}`, with the `jwk` it verifies with in its
/// header, for `case_id`, made within [`SIGNATURE_IAT_WINDOW_SECS`] (co-signing, pledges).
fn device_signed(body: &[u8], typ: &str, case_id: &str, caller: &CaseCaller) -> Result<serde_json::Map<String, Value>, Answer> {
    let parsed = serde_json::from_slice::<SignatureBody>(body).map_err(|_| err(400, "invalid_request"))?;
    let invalid = || err(422, "invalid_signature");
    let jws = jose::parse_compact(&parsed.signature).ok_or_else(invalid)?;
    if jws.header.get("alg").and_then(Value::as_str) != Some("ES256") || jws.header.get("typ").and_then(Value::as_str) != Some(typ) {
        return Err(invalid());
    }
    let jwk = jws.header.get("jwk").ok_or_else(invalid)?;
    let jkt = jose::jwk_thumbprint(jwk).ok_or_else(invalid)?;
    if jkt != caller.jkt {
        return Err(err(403, "wrong_signing_key"));
    }
    if !jose::verify_es256_jwk(jwk, jws.signing_input, jws.signature) {
        return Err(invalid());
    }
    let p = jws.payload;
    let iat = p.get("iat").and_then(Value::as_i64);
    if p.get("case_id").and_then(Value::as_str) != Some(case_id) || iat.is_none_or(|t| (t - unix_now()).abs() > SIGNATURE_IAT_WINDOW_SECS) {
        return Err(invalid());
    }
    Ok(p)
}

fn err_field(name: &str, reason: &str) -> Answer {
    tracing::debug!(error = "invalid_field", reason, "case request refused");
    (422, json!({"error": "invalid_field", "field": name, "reason": reason}))
}
