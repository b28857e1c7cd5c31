//! `Retry-After` (RFC 9110 §10.2.3): delta-seconds or an HTTP-date (IMF-fixdate, and the
//! obsolete RFC 850 and asctime forms that recipients must still accept, §5.6.7).

use time::{Date, Month};

/// How many seconds from `now` (Unix seconds) a `Retry-After` value asks to wait: `None` when
/// the value is unreadable, 0 for a date in the past.
pub fn retry_after_secs(value: &str, now: i64) -> Option<i64> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // A delta too long for i64 is still "very long": the caller caps it.
        return Some(value.parse::<i64>().unwrap_or(i64::MAX));
    }
    http_date(value).map(|at| at.saturating_sub(now).max(0))
}

const MONTHS: [(&str, Month); 12] = [
    ("Jan", Month::January),
    ("Feb", Month::February),
    ("Mar", Month::March),
    ("Apr", Month::April),
    ("May", Month::May),
    ("Jun", Month::June),
    ("Jul", Month::July),
    ("Aug", Month::August),
    ("Sep", Month::September),
    ("Oct", Month::October),
    ("Nov", Month::November),
    ("Dec", Month::December),
];

/// An HTTP-date as Unix seconds.
fn http_date(value: &str) -> Option<i64> {
    let tokens: Vec<&str> = value.split([' ', ',', '-']).filter(|t| !t.is_empty()).collect();
    let (day, month, year, time) = match tokens.as_slice() {
        // IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT" and RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT".
        [_, day, month, year, time, "GMT"] => (*day, *month, *year, *time),
        // asctime "Sun Nov  6 08:49:37 1994".
        [_, month, day, time, year] => (*day, *month, *year, *time),
        _ => return None,
    };
    let day: i64 = day.parse().ok().filter(|d| (1..=31).contains(d))?;
    let month = MONTHS.iter().find(|(name, _)| *name == month)?.1;
    let mut year: i32 = year.parse().ok()?;
    if year < 100 {
        // RFC 850's two-digit year: the nearest century that is not far in the future.
        year += if year < 70 { 2000 } else { 1900 };
    }
    let hms: Vec<i64> = time.split(':').map(|p| p.parse().ok()).collect::<Option<Vec<_>>>()?;
    let [h, m, s] = hms.as_slice() else {
        return None;
    };
    if *h > 23 || *m > 59 || *s > 60 {
        return None;
    }
    // `time` knows years -9999 to 9999 (the grammar's four digits); a larger year is unreadable.
    // The day is counted from the first of the month, so a day past the month's end
    // (31 Feb) runs on into the next month, and a leap second (:60) into the next minute.
    let first = Date::from_calendar_date(year, month, 1).ok()?.midnight().assume_utc().unix_timestamp();
    Some(first + (day - 1) * 86_400 + h * 3600 + m * 60 + s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 1994-11-06T08:49:37Z, RFC 9110's example.
    const EXAMPLE: i64 = 784_111_777;

    #[test]
    fn delta_seconds() {
        assert_eq!(retry_after_secs("120", 0), Some(120));
        assert_eq!(retry_after_secs(" 0 ", 0), Some(0));
        assert_eq!(retry_after_secs("99999999999999999999999", 0), Some(i64::MAX));
        assert_eq!(retry_after_secs("-5", 0), None);
        assert_eq!(retry_after_secs("soon", 0), None);
        assert_eq!(retry_after_secs("", 0), None);
    }

    #[test]
    fn the_three_date_forms() {
        assert_eq!(retry_after_secs("Sun, 06 Nov 1994 08:49:37 GMT", EXAMPLE - 60), Some(60));
        assert_eq!(retry_after_secs("Sunday, 06-Nov-94 08:49:37 GMT", EXAMPLE - 60), Some(60));
        assert_eq!(retry_after_secs("Sun Nov  6 08:49:37 1994", EXAMPLE - 60), Some(60));
        assert_eq!(retry_after_secs("Sun, 06 Nov 1994 08:49:37 GMT", EXAMPLE + 10), Some(0), "a date in the past");
        assert_eq!(retry_after_secs("Thu, 01 Jan 1970 00:00:00 GMT", 0), Some(0));
        assert_eq!(retry_after_secs("Wed, 02 Dec 2026 07:00:00 GMT", 1_796_194_800 - 3600), Some(3600));
    }

    #[test]
    fn broken_dates_are_unreadable() {
        assert_eq!(retry_after_secs("Sun, 06 Nov 1994 08:49:37 CET", 0), None);
        assert_eq!(retry_after_secs("Sun, 32 Nov 1994 08:49:37 GMT", 0), None);
        assert_eq!(retry_after_secs("Sun, 06 Foo 1994 08:49:37 GMT", 0), None);
        assert_eq!(retry_after_secs("Sun, 06 Nov 1994 25:49:37 GMT", 0), None);
        assert_eq!(retry_after_secs("Sun, 00 Nov 1994 08:49:37 GMT", 0), None);
        assert_eq!(retry_after_secs("Sun, 06 Nov 10000 08:49:37 GMT", 0), None, "five digits: not an HTTP-date");
        assert_eq!(retry_after_secs("Sun, 06 Nov 99999999999999999 08:49:37 GMT", 0), None, "no overflow");
    }

    #[test]
    fn leap_years() {
        assert_eq!(retry_after_secs("Thu, 29 Feb 2024 00:00:00 GMT", 1_709_164_800 - 1), Some(1));
        assert_eq!(retry_after_secs("Tue, 29 Feb 2000 00:00:00 GMT", 951_782_400 - 1), Some(1));
        assert_eq!(retry_after_secs("Mon, 01 Mar 2100 00:00:00 GMT", 4_107_542_400 - 1), Some(1));
        assert_eq!(retry_after_secs("Wed, 31 Dec 1969 00:00:00 GMT", -86_400 - 1), Some(1));
        assert_eq!(retry_after_secs("Sun, 06 Nov 1994 08:49:60 GMT", EXAMPLE), Some(23), "a leap second");
    }
}
