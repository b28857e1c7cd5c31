//! Civil dates in China Standard Time and working days: weekends, the public holidays of
//! `data/holidays.json`, and the make-up working days (调休) that turn a weekend day into a
//! working day. Due dates of cases are counted here.

use std::collections::HashSet;

use serde::Deserialize;

const HOLIDAYS_JSON: &str = include_str!("../../data/holidays.json");

/// A civil date as days since 1970-01-01.
pub(crate) type Day = i64;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days-from-civil).
pub(crate) fn days_from_civil(y: i32, m: u32, d: u32) -> Day {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day) of days since 1970-01-01.
pub(crate) fn civil_from_days(days: Day) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (i32::try_from(y).unwrap_or(i32::MAX), u32::try_from(m).unwrap_or(1), u32::try_from(d).unwrap_or(1))
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Parses a strict `YYYY-MM-DD` calendar date.
pub(crate) fn parse_date(s: &str) -> Option<Day> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let y = i32::try_from(digits(0..4)?).ok()?;
    let m = digits(5..7)?;
    let d = digits(8..10)?;
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// `YYYY-MM-DD`.
pub(crate) fn format_date(day: Day) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The civil day of a unix time in China Standard Time (UTC+8).
pub(crate) fn china_day(unix: i64) -> Day {
    (unix + 8 * 3600).div_euclid(86_400)
}

/// Day of the week, 0 = Monday … 6 = Sunday.
pub(crate) fn weekday(day: Day) -> i64 {
    // 1970-01-01 was a Thursday.
    (day + 3).rem_euclid(7)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HolidayFile {
    #[allow(dead_code)]
    description: String,
    years: Vec<HolidayYear>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HolidayYear {
    year: i32,
    #[allow(dead_code)]
    published: bool,
    #[allow(dead_code)]
    source: String,
    holidays: Vec<HolidayDay>,
    make_up_workdays: Vec<HolidayDay>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HolidayDay {
    date: String,
    #[allow(dead_code)]
    name_zh: String,
    #[allow(dead_code)]
    name_en: String,
}

/// Which days are working days.
#[derive(Debug, Clone)]
pub(crate) struct WorkCalendar {
    holidays: HashSet<Day>,
    make_up: HashSet<Day>,
}

impl WorkCalendar {
    /// The compiled-in table (`data/holidays.json`), validated: calendar dates of the year they
    /// are listed under, no day both a holiday and a make-up day, make-up days on weekends.
    pub(crate) fn load() -> Result<WorkCalendar, String> {
        let file: HolidayFile = serde_json::from_str(HOLIDAYS_JSON).map_err(|e| format!("holidays.json does not parse: {e}"))?;
        let mut holidays = HashSet::new();
        let mut make_up = HashSet::new();
        for y in &file.years {
            let in_year = |d: &HolidayDay| -> Result<Day, String> {
                let day = parse_date(&d.date).ok_or_else(|| format!("holidays.json: {} is not a date", d.date))?;
                if civil_from_days(day).0 != y.year {
                    return Err(format!("holidays.json: {} is not in {}", d.date, y.year));
                }
                Ok(day)
            };
            for d in &y.holidays {
                holidays.insert(in_year(d)?);
            }
            for d in &y.make_up_workdays {
                let day = in_year(d)?;
                if weekday(day) < 5 {
                    return Err(format!("holidays.json: make-up day {} is not a weekend day", d.date));
                }
                make_up.insert(day);
            }
        }
        if let Some(d) = holidays.intersection(&make_up).next() {
            return Err(format!("holidays.json: {} is both a holiday and a working day", format_date(*d)));
        }
        Ok(WorkCalendar { holidays, make_up })
    }

    /// Whether the day is a working day: a make-up day, or a weekday that is not a holiday.
    pub(crate) fn is_working_day(&self, day: Day) -> bool {
        self.make_up.contains(&day) || (weekday(day) < 5 && !self.holidays.contains(&day))
    }

    /// The `n`-th working day after `day` (`day` itself when `n` is 0).
    pub(crate) fn add_working_days(&self, day: Day, n: u32) -> Day {
        let mut d = day;
        let mut left = n;
        while left > 0 {
            d += 1;
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cal() -> WorkCalendar {
        match WorkCalendar::load() {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        }
    }

    fn due(from: &str, n: u32) -> String {
        let Some(d) = parse_date(from) else { panic!("{from}") };
        format_date(cal().add_working_days(d, n))
    }

    #[test]
    fn dates_round_trip() {
        for s in ["1970-01-01", "2000-02-29", "2026-11-23", "2027-12-31", "1948-06-18"] {
            let Some(d) = parse_date(s) else { panic!("{s}") };
            assert_eq!(format_date(d), s);
        }
        assert_eq!(parse_date("2026-02-29"), None);
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("2026-1-01"), None);
        assert_eq!(parse_date("２026-01-01"), None);
        assert_eq!(weekday(parse_date("2026-11-23").unwrap_or(0)), 0, "a Monday");
        assert_eq!(china_day(1_795_363_200 - 1), parse_date("2026-11-22").unwrap_or(0));
        assert_eq!(china_day(1_795_363_200), parse_date("2026-11-23").unwrap_or(0));
    }

    #[test]
    fn weekends_are_skipped() {
        // Friday 20 November 2026 + 1 working day = Monday the 23rd.
        assert_eq!(due("2026-11-20", 1), "2026-11-23");
        // Saturday + 1 = Monday; Monday + 5 = next Monday.
        assert_eq!(due("2026-11-21", 1), "2026-11-23");
        assert_eq!(due("2026-11-23", 5), "2026-11-30");
        assert_eq!(due("2026-11-23", 0), "2026-11-23");
    }

    #[test]
    fn holidays_are_skipped_and_make_up_days_count() {
        // National Day 1–7 October 2026; Saturday 10 October is a make-up working day.
        assert_eq!(due("2026-09-30", 1), "2026-10-08");
        assert_eq!(due("2026-09-30", 3), "2026-10-10");
        assert_eq!(due("2026-09-30", 4), "2026-10-12");
        // Sunday 20 September is a make-up day: Friday 18th + 1 = Sunday 20th.
        assert_eq!(due("2026-09-18", 1), "2026-09-20");
        // Spring Festival 15–23 February 2026; Saturday the 14th works.
        assert_eq!(due("2026-02-13", 1), "2026-02-14");
        assert_eq!(due("2026-02-13", 2), "2026-02-24");
        // Labour Day 1–5 May; Saturday 9 May works.
        assert_eq!(due("2026-04-30", 3), "2026-05-08");
        assert_eq!(due("2026-04-30", 4), "2026-05-09");
        // New Year 2027 (Friday 1 January): Thursday 31 December + 1 = Monday 4 January.
        assert_eq!(due("2026-12-31", 1), "2027-01-04");
        let c = cal();
        assert!(!c.is_working_day(parse_date("2026-10-01").unwrap_or(0)));
        assert!(c.is_working_day(parse_date("2026-01-04").unwrap_or(0)));
        assert!(!c.is_working_day(parse_date("2026-11-22").unwrap_or(0)));
    }
}
