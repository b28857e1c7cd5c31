//! 容缺 pledges (诚信承诺): a case that lacks a material the catalogue tolerates waits for the
//! applicant's pledge, signed with the device key (as co-signing is), to hand it in by the
//! deadline the catalogue's tolerance gives; it is then "accepted, awaiting material". Reminders
//! reach the inbox at the configured offsets before the deadline; a deadline passed without the
//! material accepted breaks the pledge and puts the person on the dishonesty list (失信名单),
//! which refuses their further pledges. Part of `cases.rs` (the same book and lock).

use serde_json::{json, Value};

use super::super::catalogue;
use super::{calendar, device_signed, err, jose, Answer, Book, CaseCaller, Day, Shared, Status};

/// The catalogue's standard pledge (告知承诺书), filled with the materials and the deadline.
const PLEDGE_TEXT_ZH: &str = "本人承诺：本次申请所缺材料「{materials}」真实有效，将于{deadline}前（含当日）补交至{window}。\
如未按期补交，本人同意本次申请按承诺未履行处理，并记入失信名单，今后不再适用容缺受理。";
const PLEDGE_TEXT_EN: &str = "I pledge that the missing material ({materials}) is genuine and that I will hand it in to the \
{window_en} by {deadline} (inclusive). If I do not, I accept that this case is treated as a broken pledge and that I am \
put on the dishonesty list, with no further acceptance on a pledge.";

/// A case's pledge.
pub(super) struct Pledge {
    /// The tolerated materials: their indices in the item's list.
    pub(super) materials: Vec<usize>,
    /// The day by which they must be accepted (China time).
    pub(super) deadline: Day,
    pub(super) text_zh: String,
    pub(super) text_en: String,
    /// The exact bytes the applicant signs (JSON), and their base64url SHA-256.
    pub(super) content: Vec<u8>,
    pub(super) sha256: String,
    pub(super) signed_at: Option<i64>,
    /// The person who signed (for the dishonesty list).
    pub(super) signer: Option<String>,
    /// The material was received and accepted by the window.
    pub(super) fulfilled: bool,
    /// Reminder offsets (days before the deadline) already sent.
    pub(super) reminded: Vec<u32>,
}

impl Pledge {
    /// The pledge as the applicant's case view shows it.
    pub(super) fn view(&self) -> Value {
        json!({
            "deadline": calendar::format_date(self.deadline),
            "text_zh": self.text_zh,
            "text_en": self.text_en,
            "content": jose::b64u(&self.content),
            "sha256": self.sha256,
            "signed_at": self.signed_at,
            "fulfilled": self.fulfilled,
        })
    }
}

/// The destination service window of an item's materials: the office's window.
pub(super) fn window_of(item: &catalogue::ServiceItem) -> (String, String, String) {
    (
        format!("{}-window", item.office.id),
        format!("{}政务服务窗口", item.office.name_zh),
        format!("{} service window", item.office.name_en),
    )
}

impl Shared {
    /// Puts the pledge the tolerated materials need on the case (or none).
    pub(super) fn set_pledge(&self, book: &mut Book, idx: usize, pledges: &[(usize, Day)]) {
        let Some(c) = book.cases.get_mut(idx) else {
            return;
        };
        let Some(deadline) = pledges.iter().map(|(_, d)| *d).min() else {
            c.pledge = None;
            return;
        };
        let item = c.item;
        let names = |en: bool| -> Vec<String> {
            pledges
                .iter()
                .filter_map(|(m, _)| item.materials.get(*m))
                .map(|m| if en { m.name_en.clone() } else { m.name_zh.clone() })
                .collect()
        };
        let (_, window_zh, window_en) = window_of(item);
        let date = calendar::format_date(deadline);
        let text_zh =
            PLEDGE_TEXT_ZH.replace("{materials}", &names(false).join("」「")).replace("{deadline}", &date).replace("{window}", &window_zh);
        let text_en =
            PLEDGE_TEXT_EN.replace("{materials}", &names(true).join("; ")).replace("{deadline}", &date).replace("{window_en}", &window_en);
        let materials: Vec<Value> = pledges
            .iter()
            .filter_map(|(m, _)| item.materials.get(*m))
            .map(|m| json!({"id": m.id, "name_zh": m.name_zh, "name_en": m.name_en}))
            .collect();
        let content = serde_json::to_vec(&json!({
            "case_id": c.id,
            "revision": c.revision,
            "materials": materials,
            "deadline": date,
            "text_zh": text_zh,
            "text_en": text_en,
        }))
        .unwrap_or_default();
        let sha256 = jose::sha256_b64u(&content);
        c.pledge = Some(Pledge {
            materials: pledges.iter().map(|(m, _)| *m).collect(),
            deadline,
            text_zh,
            text_en,
            content,
            sha256,
            signed_at: None,
            signer: None,
            fulfilled: false,
            reminded: Vec::new(),
        });
    }

    /// `POST /api/v1/cases/{id}/pledge`: the applicant's device-signed pledge.
    pub(super) fn sign_pledge(&self, book: &mut Book, caller: &CaseCaller, id: &str, body: &[u8]) -> Answer {
        let idx = match Self::applicants_case(book, &caller.identity, id) {
            Ok(i) => i,
            Err(a) => return a,
        };
        let Some(case) = book.cases.get(idx) else {
            return err(404, "not_found");
        };
        let p = match device_signed(body, "citykit-pledge+jwt", id, caller) {
            Ok(payload) => payload,
            Err(a) => return a,
        };
        let Some(pledge) = &case.pledge else {
            return err(409, "no_pledge");
        };
        if pledge.signed_at.is_some() {
            // Signed already: the same answer again.
            return (200, Self::case_view(case, &caller.identity, true));
        }
        if case.status != Status::AwaitingPledge {
            return err(409, "case_closed");
        }
        if p.get("pledge_sha256").and_then(Value::as_str) != Some(pledge.sha256.as_str()) {
            return err(409, "content_changed");
        }
        let now = book.now();
        if let Some(pledge) = book.cases.get_mut(idx).and_then(|c| c.pledge.as_mut()) {
            pledge.signed_at = Some(now);
            pledge.signer = Some(caller.person.clone());
        }
        tracing::debug!("pledge signed");
        self.complete(book, idx);
        book.cases.get(idx).map(|c| (200, Self::case_view(c, &caller.identity, true))).unwrap_or_else(|| err(404, "not_found"))
    }

    /// Reminders at the configured offsets before a pledge's deadline, and broken pledges once
    /// it has passed (on the case clock).
    pub(super) fn tick_pledges(&self, book: &mut Book) {
        let today = self.today(book);
        let offsets = self.config.pledge_reminder_days.clone();
        let mut reminders = Vec::new();
        let mut broken = Vec::new();
        for (i, c) in book.cases.iter_mut().enumerate() {
            if c.status != Status::AwaitingMaterial {
                continue;
            }
            let Some(p) = c.pledge.as_mut().filter(|p| !p.fulfilled) else { continue };
            if today > p.deadline {
                broken.push((i, p.signer.clone()));
                continue;
            }
            // Only the nearest offset due is sent (no burst of stale reminders after a jump).
            let due: Vec<u32> =
                offsets.iter().copied().filter(|d| today >= p.deadline - i64::from(*d) && !p.reminded.contains(d)).collect();
            if let Some(nearest) = due.iter().min().copied() {
                p.reminded.extend(due);
                let date = calendar::format_date(p.deadline);
                let left = p.deadline - today;
                reminders.push((
                    i,
                    c.applicant.clone(),
                    (
                        format!("容缺承诺提醒：请于{date}前补交「{}」所缺材料（还剩{left}天）", c.item.name_zh),
                        format!("Pledge reminder: hand in the missing material of '{}' by {date} ({left} days left)", c.item.name_en),
                    ),
                    nearest,
                ));
            }
        }
        for (i, applicant, title, _) in reminders {
            let envelope = self.open_envelope_of(book, i);
            self.push_inbox_about(book, &applicant, "pledge_reminder", i, envelope, title);
        }
        for (i, signer) in broken {
            if let Some(person) = signer {
                book.dishonest.insert(person);
            }
            self.revoke_envelopes_of(book, i);
            self.change_status(
                book,
                i,
                Status::PledgeBroken,
                ("承诺期限届满，材料未补交，承诺失信".into(), "The pledge's deadline passed without the material".into()),
            );
        }
    }

    /// `GET /sim/dishonesty-list`.
    pub(crate) fn sim_dishonesty_list(&self) -> Value {
        let mut guard = self.lock_cases();
        self.tick(&mut guard);
        json!({ "persons": guard.dishonest.iter().collect::<Vec<_>>() })
    }
}
