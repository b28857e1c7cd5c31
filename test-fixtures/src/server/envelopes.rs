//! 免跑腿 envelopes: made for a case accepted on a pledge, with a QR code the platform signs
//! (citykit_core's `envelope::code`, the format of docs/envelope-qr.md), a pickup booked with a
//! time slot by scanning the code, the courier's scans (picked up and in transit, delivered to
//! the window), the window's receipt (matched to the case, idempotent) and the window's decision
//! on the material. Every step is an event of the envelope's timeline and an inbox item for the
//! applicant. Part of `cases.rs` (the same book and lock).
//!
//! The envelope key is published with the revoked envelope ids at
//! `GET /.well-known/citykit-envelope-keys`, for windows and couriers to verify codes offline.

use serde::Deserialize;
use serde_json::{json, Value};

use citykit_core::envelope::{self as core_envelope, EnvelopeClaims, EnvelopeError};

use super::pledges::window_of;
use super::{calendar, err, err_with, Answer, Book, CaseCaller, Shared, Status};

/// Pickup slots: two hours, starting on even hours from 08:00 to 18:00 China time, booked at
/// least an hour ahead and at most seven days ahead.
const SLOT_SECS: i64 = 2 * 3600;
const FIRST_SLOT_HOUR: i64 = 8;
const LAST_SLOT_HOUR: i64 = 18;
const CHINA_OFFSET_SECS: i64 = 8 * 3600;
const MAX_ADDRESS_CHARS: usize = 200;

/// One step of an envelope's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    Created,
    PickupScheduled,
    PickedUp,
    InTransit,
    Delivered,
    Received,
    MaterialAccepted,
    MaterialRejected,
    Revoked,
}

impl Step {
    fn as_str(self) -> &'static str {
        match self {
            Step::Created => "created",
            Step::PickupScheduled => "pickup_scheduled",
            Step::PickedUp => "picked_up",
            Step::InTransit => "in_transit",
            Step::Delivered => "delivered",
            Step::Received => "received",
            Step::MaterialAccepted => "material_accepted",
            Step::MaterialRejected => "material_rejected",
            Step::Revoked => "revoked",
        }
    }
}

pub(super) struct Event {
    at: i64,
    step: Step,
    note_zh: String,
    note_en: String,
    reason: Option<String>,
}

pub(super) struct Envelope {
    /// 16 random bytes, lowercase hex (the code's `cti`).
    id: String,
    case: usize,
    created_at: i64,
    expires_at: i64,
    code: String,
    pickup_address: String,
    slot: Option<(i64, i64)>,
    events: Vec<Event>,
}

impl Envelope {
    fn step(&self) -> Step {
        self.events.last().map_or(Step::Created, |e| e.step)
    }
    fn closed(&self) -> bool {
        matches!(self.step(), Step::Revoked | Step::MaterialAccepted | Step::MaterialRejected)
    }
}

#[derive(Deserialize)]
struct CreateBody {
    pickup_address: String,
}

#[derive(Deserialize)]
struct CodeBody {
    code: String,
    #[serde(default)]
    slot_start: Option<i64>,
}

#[derive(Deserialize)]
struct MaterialBody {
    decision: String,
    #[serde(default)]
    reason: Option<String>,
}

/// Why a scanned code was refused, as the platform's error body says it.
fn refused(e: &EnvelopeError) -> Answer {
    let reason = e.code().trim_start_matches("envelope.");
    tracing::debug!(reason, "envelope code refused");
    err_with(422, "invalid_envelope", "reason", json!(reason))
}

/// The first second after a day (China time), in Unix seconds: a CWT `exp` (RFC 8392: not
/// accepted on or after it) that lets the whole deadline day count.
fn after_day(day: calendar::Day) -> i64 {
    (day + 1) * 86_400 - CHINA_OFFSET_SECS
}

impl Shared {
    /// The platform's envelope key as a JWK (kid included).
    fn envelope_jwk(&self) -> Value {
        self.envelope_key.public_jwk()
    }

    /// `GET /.well-known/citykit-envelope-keys`: the keys and the revoked envelope ids.
    pub(crate) fn envelope_trust(&self) -> Value {
        let book = self.lock_cases();
        let revoked: Vec<&str> = book.envelopes.iter().filter(|e| e.step() == Step::Revoked).map(|e| e.id.as_str()).collect();
        json!({
            "issuer": self.issuer,
            "keys": [self.envelope_jwk()],
            "revoked": revoked,
            "published_at": book.now(),
        })
    }

    fn open_code(&self, book: &Book, text: &str) -> Result<usize, Answer> {
        let keys: Vec<citykit_core::crypto::jose::EcJwk> = serde_json::from_value(json!([self.envelope_jwk()])).unwrap_or_default();
        let claims = core_envelope::code::open(text, &self.issuer, &keys, book.now()).map_err(|e| refused(&e))?;
        book.envelopes.iter().position(|e| e.id == claims.envelope_id).ok_or_else(|| err(404, "unknown_envelope"))
    }

    /// The envelope whose code a courier's or window's request `{"code"}` carries (the clock
    /// ticked first).
    fn scanned(&self, book: &mut Book, body: &[u8]) -> Result<usize, Answer> {
        let parsed = serde_json::from_slice::<CodeBody>(body).map_err(|_| err(400, "invalid_request"))?;
        self.tick(book);
        self.open_code(book, &parsed.code)
    }

    fn envelope_view(&self, book: &Book, e: &Envelope) -> Value {
        let case = book.cases.get(e.case);
        let item = case.map(|c| c.item);
        let materials: Vec<Value> = match (case.and_then(|c| c.pledge.as_ref()), item) {
            (Some(p), Some(item)) => p
                .materials
                .iter()
                .filter_map(|m| item.materials.get(*m))
                .map(|m| json!({"id": m.id, "name_zh": m.name_zh, "name_en": m.name_en}))
                .collect(),
            _ => Vec::new(),
        };
        let window = item.map(window_of).unwrap_or_default();
        json!({
            "id": e.id,
            "case_id": case.map(|c| c.id.clone()),
            "item_id": item.map(|i| i.id.clone()),
            "materials": materials,
            "destination": {"id": window.0, "name_zh": window.1, "name_en": window.2},
            "deadline": case.and_then(|c| c.pledge.as_ref()).map(|p| calendar::format_date(p.deadline)),
            "created_at": e.created_at,
            "expires_at": e.expires_at,
            "code": e.code,
            "pickup_address": e.pickup_address,
            "pickup": e.slot.map(|(s, end)| json!({"slot_start": s, "slot_end": end})),
            "status": e.step().as_str(),
            "events": e.events.iter().map(|ev| json!({
                "at": ev.at, "kind": ev.step.as_str(), "note_zh": ev.note_zh, "note_en": ev.note_en, "reason": ev.reason,
            })).collect::<Vec<_>>(),
        })
    }

    /// Adds an event to an envelope's timeline and an inbox item for the applicant.
    fn envelope_event(&self, book: &mut Book, env: usize, step: Step, note: (String, String), reason: Option<String>) {
        let now = book.now();
        let Some(e) = book.envelopes.get_mut(env) else {
            return;
        };
        e.events.push(Event { at: now, step, note_zh: note.0.clone(), note_en: note.1.clone(), reason });
        let (case, id) = (e.case, e.id.clone());
        let Some(applicant) = book.cases.get(case).map(|c| c.applicant.clone()) else {
            return;
        };
        self.push_inbox_about(book, &applicant, "envelope_event", case, Some(id), note);
    }

    /// The case's envelope still under way, if any.
    pub(super) fn open_envelope_of(&self, book: &Book, case: usize) -> Option<String> {
        book.envelopes.iter().rev().find(|e| e.case == case && !e.closed()).map(|e| e.id.clone())
    }

    /// Revokes every envelope of a case still under way (a broken pledge, a replacement).
    pub(super) fn revoke_envelopes_of(&self, book: &mut Book, case: usize) {
        let open: Vec<usize> = book.envelopes.iter().enumerate().filter(|(_, e)| e.case == case && !e.closed()).map(|(i, _)| i).collect();
        for i in open {
            self.envelope_event(book, i, Step::Revoked, ("信封已作废".into(), "The envelope was revoked".into()), None);
        }
    }

    /// `POST /api/v1/cases/{id}/envelopes`: an envelope for the case's pledged materials. The
    /// case's envelope still under way is answered again; one whose material was refused is
    /// replaced.
    pub(super) fn create_envelope(&self, book: &mut Book, caller: &CaseCaller, id: &str, body: &[u8]) -> Answer {
        let idx = match Self::applicants_case(book, &caller.identity, id) {
            Ok(i) => i,
            Err(a) => return a,
        };
        let Some(case) = book.cases.get(idx) else {
            return err(404, "not_found");
        };
        let Ok(parsed) = serde_json::from_slice::<CreateBody>(body) else {
            return err(400, "invalid_request");
        };
        let address = parsed.pickup_address.trim().to_owned();
        if address.is_empty() || address.chars().count() > MAX_ADDRESS_CHARS {
            return err_with(422, "invalid_field", "field", json!("pickup_address"));
        }
        if case.status != Status::AwaitingMaterial {
            return err(409, "not_awaiting_material");
        }
        let Some(deadline) = case.pledge.as_ref().map(|p| p.deadline) else {
            return err(409, "not_awaiting_material");
        };
        if let Some(open) = book.envelopes.iter().find(|e| e.case == idx && !e.closed()) {
            return (200, self.envelope_view(book, open));
        }
        let now = book.now();
        let id_bytes: [u8; 16] = rand::random();
        let claims = EnvelopeClaims {
            issuer: self.issuer.clone(),
            envelope_id: hex::encode(id_bytes),
            issued_at: now,
            expires_at: after_day(deadline),
        };
        let code = match core_envelope::code::seal(&claims, self.envelope_key.kid(), |bytes| Ok(self.envelope_key.sign_raw(bytes))) {
            Ok(code) => code,
            Err(_) => return err(500, "server_error"),
        };
        book.envelopes.push(Envelope {
            id: claims.envelope_id,
            case: idx,
            created_at: now,
            expires_at: claims.expires_at,
            code,
            pickup_address: address,
            slot: None,
            events: Vec::new(),
        });
        let env = book.envelopes.len() - 1;
        self.envelope_event(
            book,
            env,
            Step::Created,
            (
                "免跑腿信封已生成：请装入材料，扫码预约上门收件".into(),
                "Envelope made: put the material in and scan its code to book a pickup".into(),
            ),
            None,
        );
        tracing::debug!("envelope created");
        book.envelopes.get(env).map(|e| (201, self.envelope_view(book, e))).unwrap_or_else(|| err(500, "server_error"))
    }

    /// `GET /api/v1/envelopes/{id}` (the applicant's).
    pub(crate) fn envelope_get(&self, identity: &str, id: &str) -> Answer {
        let mut guard = self.lock_cases();
        self.tick(&mut guard);
        let book = &*guard;
        match book.envelopes.iter().find(|e| e.id == id) {
            Some(e) if book.cases.get(e.case).is_some_and(|c| c.applicant == identity) => (200, self.envelope_view(book, e)),
            _ => err(404, "not_found"),
        }
    }

    /// `POST /api/v1/envelopes/pickups`: the applicant scanned the envelope's code to call the
    /// courier; the platform books the slot with its courier.
    pub(super) fn request_pickup(&self, book: &mut Book, caller: &CaseCaller, body: &[u8]) -> Answer {
        let Ok(parsed) = serde_json::from_slice::<CodeBody>(body) else {
            return err(400, "invalid_request");
        };
        let env = match self.open_code(book, &parsed.code) {
            Ok(i) => i,
            Err(a) => return a,
        };
        let Some(e) = book.envelopes.get(env) else {
            return err(404, "unknown_envelope");
        };
        if book.cases.get(e.case).is_none_or(|c| c.applicant != caller.identity) {
            return err(404, "unknown_envelope");
        }
        match e.step() {
            Step::Revoked => return err(409, "envelope_revoked"),
            Step::Created | Step::PickupScheduled => {}
            _ => return err(409, "already_picked_up"),
        }
        let now = book.now();
        let slot = match parsed.slot_start {
            Some(start) => {
                let local = start + CHINA_OFFSET_SECS;
                let hour = local.rem_euclid(86_400) / 3600;
                let aligned = local.rem_euclid(SLOT_SECS) == 0 && (FIRST_SLOT_HOUR..=LAST_SLOT_HOUR).contains(&hour);
                if !aligned || start < now + 3600 || start > now + 7 * 86_400 {
                    return err(422, "invalid_slot");
                }
                start
            }
            None => next_slot(now),
        };
        if let Some(e) = book.envelopes.get_mut(env) {
            e.slot = Some((slot, slot + SLOT_SECS));
        }
        let when = slot_text(slot);
        self.envelope_event(
            book,
            env,
            Step::PickupScheduled,
            (format!("已预约上门收件：{when}"), format!("Pickup booked: {when} (China time)")),
            None,
        );
        tracing::debug!("pickup booked");
        book.envelopes.get(env).map(|e| (200, self.envelope_view(book, e))).unwrap_or_else(|| err(500, "server_error"))
    }

    /// `POST /courier/v1/scans`: the courier's app scanned the code, at the door (picked up, then
    /// in transit) or at the window's counter (delivered). A scan that changes nothing is answered
    /// with the envelope's step.
    pub(crate) fn courier_scan(&self, body: &[u8]) -> Answer {
        let mut guard = self.lock_cases();
        let book = &mut *guard;
        let env = match self.scanned(book, body) {
            Ok(i) => i,
            Err(a) => return a,
        };
        let step = book.envelopes.get(env).map(Envelope::step);
        match step {
            Some(Step::Revoked) => return err(409, "envelope_revoked"),
            Some(Step::Created) => return err(409, "no_pickup_booked"),
            Some(Step::PickupScheduled) => {
                self.envelope_event(book, env, Step::PickedUp, ("快递员已上门收件".into(), "Picked up by the courier".into()), None);
                self.envelope_event(book, env, Step::InTransit, ("运送中".into(), "In transit".into()), None);
            }
            Some(Step::PickedUp | Step::InTransit) => {
                self.envelope_event(book, env, Step::Delivered, ("已送达服务窗口".into(), "Delivered to the service window".into()), None);
            }
            Some(_) => {}
            None => return err(404, "unknown_envelope"),
        }
        tracing::debug!("courier scan");
        match book.envelopes.get(env) {
            Some(e) => (200, json!({"envelope_id": e.id, "status": e.step().as_str()})),
            None => err(404, "unknown_envelope"),
        }
    }

    /// `POST /window/v1/receipts`: the service window scanned an arriving envelope (verified
    /// offline by its app); the platform matches it to the case and records the receipt once.
    pub(crate) fn window_receipt(&self, body: &[u8]) -> Answer {
        let mut guard = self.lock_cases();
        let book = &mut *guard;
        let env = match self.scanned(book, body) {
            Ok(i) => i,
            Err(a) => return a,
        };
        let Some(e) = book.envelopes.get(env) else {
            return err(404, "unknown_envelope");
        };
        let already = e.events.iter().any(|ev| ev.step == Step::Received);
        if e.step() == Step::Revoked {
            return err(409, "envelope_revoked");
        }
        if !already {
            let case_id = book.cases.get(e.case).map(|c| c.id.clone()).unwrap_or_default();
            self.envelope_event(
                book,
                env,
                Step::Received,
                (format!("服务窗口已签收，并与办件{case_id}匹配"), format!("Received at the service window and matched to case {case_id}")),
                None,
            );
            tracing::debug!("envelope received");
        }
        let Some(e) = book.envelopes.get(env) else {
            return err(404, "unknown_envelope");
        };
        let view = self.envelope_view(book, e);
        let received_at = e.events.iter().find(|ev| ev.step == Step::Received).map(|ev| ev.at);
        (
            200,
            json!({
                "envelope_id": e.id,
                "case_id": view["case_id"],
                "item_id": view["item_id"],
                "materials": view["materials"],
                "destination": view["destination"],
                "received_at": received_at,
                "already_received": already,
            }),
        )
    }

    /// `POST /sim/envelopes/{id}/material`: the window's decision on the material received.
    pub(crate) fn sim_material(&self, id: &str, body: &[u8]) -> Answer {
        let Ok(parsed) = serde_json::from_slice::<MaterialBody>(body) else {
            return err(400, "invalid_request");
        };
        let accept = match parsed.decision.as_str() {
            "accept" => true,
            "reject" => false,
            _ => return err(400, "invalid_request"),
        };
        let mut guard = self.lock_cases();
        let book = &mut *guard;
        self.tick(book);
        let Some(env) = book.envelopes.iter().position(|e| e.id == id) else {
            return err(404, "unknown_envelope");
        };
        let Some(e) = book.envelopes.get(env) else {
            return err(404, "unknown_envelope");
        };
        if e.step() != Step::Received {
            return err(409, "not_received");
        }
        let case = e.case;
        if accept {
            self.envelope_event(book, env, Step::MaterialAccepted, ("材料已审核通过".into(), "The material was accepted".into()), None);
            if let Some(p) = book.cases.get_mut(case).and_then(|c| c.pledge.as_mut()) {
                p.fulfilled = true;
            }
            if book.cases.get(case).is_some_and(|c| c.status == Status::AwaitingMaterial) {
                self.complete(book, case);
            }
        } else {
            let reason = parsed.reason.filter(|r| !r.trim().is_empty()).unwrap_or_else(|| "unreadable".into());
            self.envelope_event(
                book,
                env,
                Step::MaterialRejected,
                (
                    format!("材料未通过审核：{reason}，请在期限内重新寄送"),
                    format!("The material was rejected: {reason}; send it again in time"),
                ),
                Some(reason),
            );
        }
        tracing::debug!(accept, "material decided");
        match book.envelopes.get(env) {
            Some(e) => (200, self.envelope_view(book, e)),
            None => err(404, "unknown_envelope"),
        }
    }

    /// `POST /sim/envelopes/{id}/revoke`: the platform revokes an envelope (lost, replaced).
    pub(crate) fn sim_revoke_envelope(&self, id: &str) -> Answer {
        let mut guard = self.lock_cases();
        let book = &mut *guard;
        let Some(env) = book.envelopes.iter().position(|e| e.id == id) else {
            return err(404, "unknown_envelope");
        };
        if book.envelopes.get(env).is_some_and(|e| e.step() != Step::Revoked) {
            self.envelope_event(book, env, Step::Revoked, ("信封已作废".into(), "The envelope was revoked".into()), None);
        }
        (200, json!({"envelope_id": id, "status": "revoked"}))
    }
}

/// The first slot starting at least an hour from `now`.
fn next_slot(now: i64) -> i64 {
    let mut start = (now + 3600 + SLOT_SECS - 1).div_euclid(SLOT_SECS) * SLOT_SECS;
    loop {
        let hour = (start + CHINA_OFFSET_SECS).rem_euclid(86_400) / 3600;
        if (FIRST_SLOT_HOUR..=LAST_SLOT_HOUR).contains(&hour) {
            return start;
        }
        start += SLOT_SECS;
    }
}

fn slot_text(start: i64) -> String {
    let local = start + CHINA_OFFSET_SECS;
    let day = calendar::china_day(start);
    let hour = local.rem_euclid(86_400) / 3600;
    format!("{} {hour:02}:00–{:02}:00", calendar::format_date(day), hour + 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_two_hours_in_the_daytime_china_time() {
        // 2026-12-02 00:00 UTC = 08:00 in China.
        let t = 1_796_169_600;
        assert_eq!(slot_text(next_slot(t)), "2026-12-02 10:00–12:00");
        // 11:30 UTC = 19:30 in China: tomorrow morning.
        assert_eq!(slot_text(next_slot(t + 11 * 3600 + 1800)), "2026-12-03 08:00–10:00");
        assert_eq!(after_day(calendar::china_day(t)), t + 16 * 3600);
    }
}
