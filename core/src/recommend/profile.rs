//! Profile facts and life events, derived from the wallet's licences on the device.

use serde_json::Value;

use super::model::{AgeBand, LifeEvent, LifeEventKind, ProfileFacts};
use super::vct;
use crate::catalogue::Audience;

/// A licence as the derivation reads it: its type, when it was issued, its claims.
pub struct LicenceFacts<'a> {
    /// The licence type.
    pub vct: &'a str,
    /// When it was issued (Unix seconds).
    pub issued_at: Option<i64>,
    /// Its disclosed claims.
    pub claims: &'a Value,
}

/// Life events count only when their licence was issued within this many days.
pub const LIFE_EVENT_WINDOW_DAYS: i64 = 730;

/// The profile facts of the identity holding `licences`, at `now`.
pub fn profile_from(audience: Audience, licences: &[LicenceFacts<'_>], now: i64) -> ProfileFacts {
    let claim = |l: &LicenceFacts<'_>, name: &str| l.claims.get(name).and_then(Value::as_str).map(str::to_owned);
    let find = |t: &str| licences.iter().find(|l| l.vct == t);
    let today = crate::autofill::validate::china_today(now);
    let mut facts = ProfileFacts { audience: Some(audience), ..ProfileFacts::default() };
    match audience {
        Audience::Person => {
            let id_card = find(vct::RESIDENT_ID_CARD);
            facts.age = id_card.and_then(|l| claim(l, "birth_date")).and_then(|b| years_between(&b, today));
            facts.age_band = facts.age.map(AgeBand::of);
            facts.district = id_card.and_then(|l| l.claims.get("address")).and_then(district_of);
            facts.has_vehicle = find(vct::VEHICLE_REGISTRATION).is_some();
            facts.owns_property = find(vct::REAL_ESTATE_CERTIFICATE).is_some();
            facts.married = find(vct::MARRIAGE_CERTIFICATE).is_some();
            let own_id = id_card.and_then(|l| claim(l, "id_number"));
            facts.children = licences
                .iter()
                .filter(|l| l.vct == vct::BIRTH_MEDICAL_CERTIFICATE)
                .filter(|l| own_id.is_some() && [claim(l, "mother_id_number"), claim(l, "father_id_number")].iter().any(|p| p == &own_id))
                .count()
                .try_into()
                .unwrap_or(u32::MAX);
        }
        Audience::Enterprise => {
            if let Some(l) = find(vct::BUSINESS_LICENCE) {
                facts.industry = claim(l, "business_scope").map(|s| industry_of(&s).to_owned());
                facts.registered_capital_wan = claim(l, "registered_capital").and_then(|c| capital_wan(&c));
                facts.enterprise_age_years = claim(l, "established_date").and_then(|d| years_between(&d, today));
                facts.district = l.claims.get("address").and_then(district_of);
            }
        }
    }
    facts
}

/// Life events from the licences, dated by the event the licence records (a birth date, a
/// marriage's or a property's registration, a business's establishment, a registration's
/// approval) or else by the licence's issue, within [`LIFE_EVENT_WINDOW_DAYS`] before `now`; oldest first.
pub fn life_events_from(licences: &[LicenceFacts<'_>], now: i64) -> Vec<LifeEvent> {
    let mut events: Vec<LifeEvent> = licences
        .iter()
        .filter_map(|l| {
            let kind = LifeEventKind::of_vct(l.vct)?;
            let dated_by = match l.vct {
                vct::BIRTH_MEDICAL_CERTIFICATE => "birth_date",
                vct::BUSINESS_LICENCE => "established_date",
                // A case's result licence: the day the platform approved the registration.
                vct::BIRTH_REGISTRATION_CERTIFICATE | vct::MARRIAGE_REGISTRATION_RECEIPT => "approval_date",
                _ => "registration_date",
            };
            let at = l.claims.get(dated_by).and_then(Value::as_str).and_then(china_midnight).or(l.issued_at)?;
            (at <= now && now - at <= LIFE_EVENT_WINDOW_DAYS * 86_400).then_some(LifeEvent { kind, at })
        })
        .collect();
    events.sort_by_key(|e| (e.at, e.kind));
    events
}

/// Unix seconds of midnight, China time, starting a `YYYY-MM-DD` day.
fn china_midnight(date: &str) -> Option<i64> {
    let (y, m, d) = crate::autofill::validate::parse_date(date)?;
    let month = time::Month::try_from(u8::try_from(m).ok()?).ok()?;
    let day = time::Date::from_calendar_date(y, month, u8::try_from(d).ok()?).ok()?;
    let days = i64::from(day.to_julian_day()) - 2_440_588;
    Some(days * 86_400 - 8 * 3600)
}

/// The profile facts as JsonLogic's data: the field names of [`ProfileFacts`].
pub fn facts_as_json(facts: &ProfileFacts) -> Value {
    serde_json::to_value(facts).unwrap_or(Value::Null)
}

/// Whole years from a `YYYY-MM-DD` date to `today` (year, month, day).
fn years_between(from: &str, today: (i32, u32, u32)) -> Option<u32> {
    let (fy, fm, fd) = crate::autofill::validate::parse_date(from)?;
    let (ty, tm, td) = today;
    let mut years = ty - fy;
    if (tm, td) < (fm, fd) {
        years -= 1;
    }
    u32::try_from(years).ok()
}

/// The district (区/县) of an address claim: an object with `district`, or a line containing one.
fn district_of(address: &Value) -> Option<String> {
    if let Some(d) = address.get("district").and_then(Value::as_str) {
        return Some(d.to_owned());
    }
    let line = address.as_str()?;
    let end = line.char_indices().find(|(_, c)| *c == '区' || *c == '县').map(|(i, c)| i + c.len_utf8())?;
    let start = line[..end].rfind('市').map_or(0, |i| i + '市'.len_utf8());
    Some(line[start..end].to_owned()).filter(|d| !d.is_empty())
}

/// The industry of a business scope (经营范围), by its first matching keyword.
fn industry_of(scope: &str) -> &'static str {
    const INDUSTRIES: [(&str, &[&str]); 4] = [
        ("catering", &["餐饮", "食品经营", "饮品"]),
        ("technology", &["技术开发", "软件", "信息技术", "物联网", "集成电路"]),
        ("manufacturing", &["制造", "生产", "加工"]),
        ("retail", &["销售", "零售", "批发"]),
    ];
    INDUSTRIES.iter().find(|(_, words)| words.iter().any(|w| scope.contains(w))).map_or("services", |(name, _)| name)
}

/// Registered capital in 10,000 yuan, from text like `1000万元人民币`.
fn capital_wan(text: &str) -> Option<u32> {
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    let amount: u32 = digits.parse().ok()?;
    text[digits.len()..].starts_with('万').then_some(amount)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_795_000_000; // 2026-11-18

    #[test]
    fn a_person_is_described_by_their_licences() {
        let id = json!({"birth_date": "1960-12-01", "id_number": "P1", "address": "广东省深圳市福田区福华三路88号"});
        let child = json!({"mother_id_number": "P1", "father_id_number": "X"});
        let other = json!({"mother_id_number": "Y", "father_id_number": "Z"});
        let empty = json!({});
        let licences = [
            LicenceFacts { vct: vct::RESIDENT_ID_CARD, issued_at: Some(0), claims: &id },
            LicenceFacts { vct: vct::VEHICLE_REGISTRATION, issued_at: Some(NOW - 10 * 86_400), claims: &empty },
            LicenceFacts { vct: vct::BIRTH_MEDICAL_CERTIFICATE, issued_at: Some(NOW - 86_400), claims: &child },
            LicenceFacts { vct: vct::BIRTH_MEDICAL_CERTIFICATE, issued_at: Some(NOW - 86_400), claims: &other },
        ];
        let facts = profile_from(Audience::Person, &licences, NOW);
        assert_eq!(facts.age, Some(65), "the birthday in December has not come yet");
        assert_eq!(facts.age_band, Some(AgeBand::Senior));
        assert_eq!(facts.district.as_deref(), Some("福田区"));
        assert!(facts.has_vehicle && !facts.married && !facts.owns_property);
        assert_eq!(facts.children, 1, "only the certificate naming them as a parent");
        assert!(!format!("{facts:?}").contains("65"), "Debug prints no value");
        let events = life_events_from(&licences, NOW);
        assert_eq!(
            events.iter().map(|e| e.kind).collect::<Vec<_>>(),
            [LifeEventKind::VehicleBought, LifeEventKind::Birth, LifeEventKind::Birth]
        );
    }

    #[test]
    fn an_enterprise_is_described_by_its_business_licence() {
        let licence = json!({
            "business_scope": "计算机软硬件、物联网技术的技术开发；电子产品销售。",
            "registered_capital": "1000万元人民币",
            "established_date": "2025-05-12",
            "address": {"district": "南山区"},
        });
        let licences = [LicenceFacts { vct: vct::BUSINESS_LICENCE, issued_at: Some(NOW), claims: &licence }];
        let facts = profile_from(Audience::Enterprise, &licences, NOW);
        assert_eq!(facts.industry.as_deref(), Some("technology"));
        assert_eq!(facts.registered_capital_wan, Some(1000));
        assert_eq!(facts.enterprise_age_years, Some(1));
        assert_eq!(facts.district.as_deref(), Some("南山区"));
        let events = life_events_from(&licences, NOW);
        assert_eq!(
            (events[0].kind, crate::recommend::rank::china_date(events[0].at)),
            (LifeEventKind::BusinessOpened, "2025-05-12".to_owned())
        );
        // Older than the window: no event.
        assert!(life_events_from(&licences, NOW + 400 * 86_400).is_empty());
    }
}
