//! When a notice may interrupt: quiet hours (China time, wrapping midnight, on chosen weekdays)
//! and a daily limit, both bypassed by kinds that must not wait. A notice held back is still in
//! the inbox; only the notification is not shown.

use serde::{Deserialize, Serialize};

use crate::cases::InboxKind;

const CHINA_OFFSET_SECS: i64 = 8 * 3600;

/// A quiet period: from `start_minute` to `end_minute` (minutes after midnight, China time; a
/// start after the end wraps midnight), on the `weekdays` it starts (1 = Monday … 7 = Sunday;
/// empty = every day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct QuietHours {
    /// Start, minutes after midnight (0–1439).
    pub start_minute: u32,
    /// End, minutes after midnight (0–1439), exclusive.
    pub end_minute: u32,
    /// The weekdays a quiet period starts on (1 = Monday … 7 = Sunday); empty: every day.
    #[serde(default)]
    pub weekdays: Vec<u32>,
}

/// The user's push settings, kept in the store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct PushSettings {
    /// No notification then (urgent kinds excepted).
    #[serde(default)]
    pub quiet_hours: Option<QuietHours>,
    /// At most this many notifications a day (China time; urgent kinds excepted and not counted).
    #[serde(default)]
    pub daily_limit: Option<u32>,
}

/// Why a notice was not shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum HeldBack {
    /// Inside the quiet hours.
    QuietHours,
    /// The day's limit was reached.
    DailyLimit,
    /// A campaign broadcast to everyone that this identity is not eligible for (decided on the
    /// device): not kept in the inbox.
    NotEligible,
}

/// Kinds that must not wait: someone waits for this person's signature, or a pledge's deadline is near.
pub fn is_urgent(kind: InboxKind) -> bool {
    matches!(kind, InboxKind::CosignRequest | InboxKind::PledgeReminder)
}

/// The China-time day number of `unix` (days since 1970-01-01).
pub(crate) fn china_day(unix: i64) -> i64 {
    (unix + CHINA_OFFSET_SECS).div_euclid(86_400)
}

/// 1 = Monday … 7 = Sunday (1970-01-01 was a Thursday).
fn weekday(day: i64) -> u32 {
    u32::try_from((day + 3).rem_euclid(7) + 1).unwrap_or(1)
}

/// Whether `unix` falls in the quiet hours.
pub fn in_quiet_hours(quiet: &QuietHours, unix: i64) -> bool {
    let (start, end) = (quiet.start_minute.min(1439), quiet.end_minute.min(1439));
    if start == end {
        return false;
    }
    let day = china_day(unix);
    let minute = ((unix + CHINA_OFFSET_SECS).rem_euclid(86_400) / 60) as u32;
    let starts_on = |day: i64| quiet.weekdays.is_empty() || quiet.weekdays.contains(&weekday(day));
    if start < end {
        (start..end).contains(&minute) && starts_on(day)
    } else if minute >= start {
        starts_on(day)
    } else if minute < end {
        // The period that started yesterday evening.
        starts_on(day - 1)
    } else {
        false
    }
}

/// Whether a new notice of `kind` is shown at `unix`, given how many were shown today.
pub fn hold_back(kind: InboxKind, settings: &PushSettings, unix: i64, shown_today: u32) -> Option<HeldBack> {
    if is_urgent(kind) {
        return None;
    }
    if settings.quiet_hours.as_ref().is_some_and(|q| in_quiet_hours(q, unix)) {
        return Some(HeldBack::QuietHours);
    }
    if settings.daily_limit.is_some_and(|limit| shown_today >= limit) {
        return Some(HeldBack::DailyLimit);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-04 (a Friday) at hh:mm China time.
    fn friday(hh: i64, mm: i64) -> i64 {
        // 2026-12-04 00:00 China time = 2026-12-03 16:00 UTC.
        1_796_313_600 + hh * 3600 + mm * 60
    }

    #[test]
    fn the_reference_day_is_a_friday() {
        assert_eq!(weekday(china_day(friday(12, 0))), 5);
        assert_eq!(weekday(0), 4, "1970-01-01 was a Thursday");
    }

    #[test]
    fn quiet_hours_wrap_midnight() {
        let night = QuietHours { start_minute: 22 * 60, end_minute: 7 * 60, weekdays: vec![] };
        assert!(in_quiet_hours(&night, friday(23, 30)));
        assert!(in_quiet_hours(&night, friday(6, 59)));
        assert!(in_quiet_hours(&night, friday(0, 0)));
        assert!(!in_quiet_hours(&night, friday(7, 0)));
        assert!(!in_quiet_hours(&night, friday(21, 59)));
        let lunch = QuietHours { start_minute: 12 * 60, end_minute: 13 * 60 + 30, weekdays: vec![] };
        assert!(in_quiet_hours(&lunch, friday(12, 45)) && !in_quiet_hours(&lunch, friday(13, 30)));
        assert!(!in_quiet_hours(&QuietHours { start_minute: 600, end_minute: 600, weekdays: vec![] }, friday(10, 0)));
    }

    #[test]
    fn quiet_hours_belong_to_the_weekday_they_start() {
        // Friday and Saturday nights only.
        let weekend = QuietHours { start_minute: 23 * 60, end_minute: 9 * 60, weekdays: vec![5, 6] };
        assert!(in_quiet_hours(&weekend, friday(23, 30)));
        assert!(in_quiet_hours(&weekend, friday(24 + 8, 0)), "Saturday 08:00 ends Friday's night");
        assert!(in_quiet_hours(&weekend, friday(48 + 8, 0)), "Sunday 08:00 ends Saturday's night");
        assert!(!in_quiet_hours(&weekend, friday(72 + 8, 0)), "Monday 08:00: Sunday night is not quiet");
        assert!(!in_quiet_hours(&weekend, friday(8, 0)), "Friday 08:00: Thursday night is not quiet");
        assert!(!in_quiet_hours(&weekend, friday(-24 + 23, 30)), "Thursday 23:30");
    }

    #[test]
    fn urgent_kinds_bypass_quiet_hours_and_the_daily_limit() {
        let settings = PushSettings {
            quiet_hours: Some(QuietHours { start_minute: 22 * 60, end_minute: 7 * 60, weekdays: vec![] }),
            daily_limit: Some(2),
        };
        assert_eq!(hold_back(InboxKind::CaseStatus, &settings, friday(23, 0), 0), Some(HeldBack::QuietHours));
        assert_eq!(hold_back(InboxKind::CosignRequest, &settings, friday(23, 0), 5), None);
        assert_eq!(hold_back(InboxKind::PledgeReminder, &settings, friday(3, 0), 5), None);
        assert_eq!(hold_back(InboxKind::EnvelopeEvent, &settings, friday(12, 0), 1), None);
        assert_eq!(hold_back(InboxKind::EnvelopeEvent, &settings, friday(12, 0), 2), Some(HeldBack::DailyLimit));
        assert_eq!(hold_back(InboxKind::CaseStatus, &PushSettings::default(), friday(23, 0), 99), None);
    }
}
