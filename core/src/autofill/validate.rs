//! Field validators: GB 11643 resident ID numbers, GB 32100 unified social credit codes,
//! mobile and landline numbers, postcodes, dates, lengths and choices. Each problem names its
//! field and has a Chinese and an English message; none repeats the value.

use serde::{Deserialize, Serialize};
use time::{Date, Month, OffsetDateTime};

use crate::catalogue::{FieldType, FormField};

/// What is wrong with a field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum FieldProblem {
    /// A required field is empty.
    Required,
    /// The value does not have the field's format.
    Format,
    /// An ID number or credit code whose check digit is wrong.
    CheckDigit,
    /// Longer than allowed.
    TooLong,
    /// Shorter than allowed.
    TooShort,
    /// Not one of the field's options.
    NotAnOption,
    /// Not a calendar date (`YYYY-MM-DD`).
    BadDate,
    /// A date after today where that is not allowed.
    DateInFuture,
    /// A date before today where that is not allowed.
    DateInPast,
}

impl FieldProblem {
    /// The stable code, e.g. `check_digit`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::Format => "format",
            Self::CheckDigit => "check_digit",
            Self::TooLong => "too_long",
            Self::TooShort => "too_short",
            Self::NotAnOption => "not_an_option",
            Self::BadDate => "bad_date",
            Self::DateInFuture => "date_in_future",
            Self::DateInPast => "date_in_past",
        }
    }
}

/// A validation error of one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct FieldError {
    /// The field's name.
    pub field: String,
    /// What is wrong.
    pub problem: FieldProblem,
    /// A message for people, in Chinese (names the field by its label).
    pub message_zh: String,
    /// The same in English.
    pub message_en: String,
}

fn error(field: &FormField, problem: FieldProblem) -> FieldError {
    let (zh, en) = match (problem, field.field_type) {
        (FieldProblem::Required, _) => ("为必填项".to_owned(), "is required".to_owned()),
        (FieldProblem::CheckDigit, FieldType::IdNumber) => {
            ("不是有效的身份证号码（校验位错误）".into(), "is not a valid resident ID number (wrong check digit)".into())
        }
        (FieldProblem::CheckDigit, _) => {
            ("不是有效的统一社会信用代码（校验位错误）".into(), "is not a valid unified social credit code (wrong check digit)".into())
        }
        (FieldProblem::Format, FieldType::IdNumber) => ("应为18位身份证号码".into(), "must be an 18-character resident ID number".into()),
        (FieldProblem::Format, FieldType::Uscc) => {
            ("应为18位统一社会信用代码".into(), "must be an 18-character unified social credit code".into())
        }
        (FieldProblem::Format, FieldType::Phone) => ("不是有效的电话号码".into(), "is not a valid phone number".into()),
        (FieldProblem::Format, _) if field.rules.format.as_deref() == Some("postcode") => {
            ("应为6位邮政编码".into(), "must be a 6-digit postcode".into())
        }
        (FieldProblem::Format, _) if field.rules.format.as_deref() == Some("mobile") => {
            ("不是有效的手机号码".into(), "is not a valid mobile number".into())
        }
        (FieldProblem::Format, _) => ("格式不正确".into(), "has the wrong format".into()),
        (FieldProblem::TooLong, _) => (
            format!("不能超过{}个字", field.rules.max_length.unwrap_or_default()),
            format!("must be at most {} characters", field.rules.max_length.unwrap_or_default()),
        ),
        (FieldProblem::TooShort, _) => (
            format!("不能少于{}个字", field.rules.min_length.unwrap_or_default()),
            format!("must be at least {} characters", field.rules.min_length.unwrap_or_default()),
        ),
        (FieldProblem::NotAnOption, _) => ("不是可选的选项".into(), "is not one of the options".into()),
        (FieldProblem::BadDate, _) => ("不是有效日期（年-月-日）".into(), "is not a valid date (YYYY-MM-DD)".into()),
        (FieldProblem::DateInFuture, _) => ("不能晚于今天".into(), "cannot be after today".into()),
        (FieldProblem::DateInPast, _) => ("不能早于今天".into(), "cannot be before today".into()),
    };
    FieldError {
        field: field.name.clone(),
        problem,
        message_zh: format!("“{}”{zh}", field.label_zh),
        message_en: format!("{} {en}", field.label_en),
    }
}

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";

/// GB 11643-1999: 17 digits (with a valid birth date) and a mod 11-2 check character.
pub fn check_id_number(value: &str) -> Result<(), FieldProblem> {
    let bytes = value.as_bytes();
    if bytes.len() != 18 || !bytes[..17].iter().all(u8::is_ascii_digit) {
        return Err(FieldProblem::Format);
    }
    let birth = &value[6..14];
    if parse_date(&format!("{}-{}-{}", &birth[..4], &birth[4..6], &birth[6..])).is_none() {
        return Err(FieldProblem::Format);
    }
    let sum: u32 = bytes[..17].iter().zip(ID_WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
    let expected = ID_CHECK[(sum % 11) as usize];
    if bytes[17].to_ascii_uppercase() == expected {
        Ok(())
    } else if bytes[17].is_ascii_digit() || bytes[17].eq_ignore_ascii_case(&b'x') {
        Err(FieldProblem::CheckDigit)
    } else {
        Err(FieldProblem::Format)
    }
}

const USCC_CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// GB 32100-2015: 18 characters of the code set (no I, O, S, V, Z) with a mod 31 check character.
pub fn check_uscc(value: &str) -> Result<(), FieldProblem> {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() != 18 {
        return Err(FieldProblem::Format);
    }
    let mut codes = Vec::with_capacity(18);
    for c in &chars {
        match USCC_CHARS.find(*c) {
            Some(i) => codes.push(i as u32),
            None => return Err(FieldProblem::Format),
        }
    }
    let sum: u32 = codes[..17].iter().zip(USCC_WEIGHTS).map(|(c, w)| c * w).sum();
    let expected = (31 - sum % 31) % 31;
    if codes[17] == expected {
        Ok(())
    } else {
        Err(FieldProblem::CheckDigit)
    }
}

/// A mainland mobile number: 11 digits starting 1[3-9].
pub fn check_mobile(value: &str) -> Result<(), FieldProblem> {
    let b = value.as_bytes();
    if b.len() == 11 && b.iter().all(u8::is_ascii_digit) && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) {
        Ok(())
    } else {
        Err(FieldProblem::Format)
    }
}

/// A mobile number, or a landline `0` + 2–3 digit area code, optional `-`, 7–8 digits.
pub fn check_phone(value: &str) -> Result<(), FieldProblem> {
    if check_mobile(value).is_ok() {
        return Ok(());
    }
    let (area, number) = match value.split_once('-') {
        Some((a, n)) => (a, n),
        None if value.len() >= 10 => {
            // Without a dash, try both area-code lengths (a split inside a character is no match).
            let ok = [3usize, 4].iter().any(|&n| value.split_at_checked(n).is_some_and(|(a, rest)| is_area(a) && is_local(rest)));
            return if ok { Ok(()) } else { Err(FieldProblem::Format) };
        }
        None => return Err(FieldProblem::Format),
    };
    if is_area(area) && is_local(number) {
        Ok(())
    } else {
        Err(FieldProblem::Format)
    }
}

fn is_area(a: &str) -> bool {
    (3..=4).contains(&a.len()) && a.starts_with('0') && a.bytes().all(|b| b.is_ascii_digit())
}

fn is_local(n: &str) -> bool {
    (7..=8).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()) && !n.starts_with('0')
}

/// A six-digit postcode.
pub fn check_postcode(value: &str) -> Result<(), FieldProblem> {
    if value.len() == 6 && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(FieldProblem::Format)
    }
}

/// Parses `YYYY-MM-DD` into (year, month, day) when it is a calendar date.
pub fn parse_date(value: &str) -> Option<(i32, u32, u32)> {
    let b = value.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year: i32 = value[..4].parse().ok()?;
    let month: u32 = value[5..7].parse().ok()?;
    let day: u32 = value[8..].parse().ok()?;
    if !value[..4].bytes().chain(value[5..7].bytes()).chain(value[8..].bytes()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let calendar_month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    Date::from_calendar_date(year, calendar_month, u8::try_from(day).ok()?).ok()?;
    (year >= 1900).then_some((year, month, day))
}

/// Today's date in China (UTC+8) at `unix_secs`; before year -9999 or after 9999 (which `time`
/// does not represent), the first or last day it does.
pub fn china_today(unix_secs: i64) -> (i32, u32, u32) {
    let date = match OffsetDateTime::from_unix_timestamp(unix_secs.saturating_add(8 * 3600)) {
        Ok(at) => at.date(),
        Err(_) if unix_secs < 0 => Date::MIN,
        Err(_) => Date::MAX,
    };
    (date.year(), u32::from(u8::from(date.month())), u32::from(date.day()))
}

/// Every problem of `value` for `field` (empty when it is fine). `today` is the China date.
pub fn validate_field(field: &FormField, value: Option<&str>, today: (i32, u32, u32)) -> Option<FieldError> {
    let value = value.map(str::trim).filter(|v| !v.is_empty());
    let Some(value) = value else {
        return field.required.then(|| error(field, FieldProblem::Required));
    };
    let length = value.chars().count() as u32;
    if field.rules.max_length.is_some_and(|max| length > max) {
        return Some(error(field, FieldProblem::TooLong));
    }
    if field.rules.min_length.is_some_and(|min| length < min) {
        return Some(error(field, FieldProblem::TooShort));
    }
    let typed = match field.field_type {
        FieldType::IdNumber => check_id_number(value),
        FieldType::Uscc => check_uscc(value),
        FieldType::Phone => check_phone(value),
        FieldType::Choice if !field.options.iter().any(|o| o.value == value) => Err(FieldProblem::NotAnOption),
        FieldType::Date => match parse_date(value) {
            None => Err(FieldProblem::BadDate),
            Some(date) if field.rules.not_future && date > today => Err(FieldProblem::DateInFuture),
            Some(date) if field.rules.not_past && date < today => Err(FieldProblem::DateInPast),
            Some(_) => Ok(()),
        },
        _ => Ok(()),
    };
    if let Err(problem) = typed {
        return Some(error(field, problem));
    }
    let format = match field.rules.format.as_deref() {
        Some("postcode") => check_postcode(value),
        Some("mobile") => check_mobile(value),
        _ => Ok(()),
    };
    format.err().map(|problem| error(field, problem))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::FieldRules;

    fn field(field_type: FieldType, required: bool, rules: FieldRules) -> FormField {
        FormField {
            name: "f".into(),
            label_zh: "字段".into(),
            label_en: "Field".into(),
            field_type,
            required,
            rules,
            options: vec![],
            sources: vec![],
        }
    }

    #[test]
    fn id_numbers() {
        // Published GB 11643 examples.
        assert_eq!(check_id_number("11010519491231002X"), Ok(()));
        assert_eq!(check_id_number("440304198207146235"), Ok(()));
        assert_eq!(check_id_number("440524188001010014"), Err(FieldProblem::Format), "born before 1900");
        assert_eq!(check_id_number("11010519491231002x"), Ok(()));
        assert_eq!(check_id_number("110105194912310021"), Err(FieldProblem::CheckDigit));
        assert_eq!(check_id_number("11010519491331002X"), Err(FieldProblem::Format), "month 13");
        assert_eq!(check_id_number("1101051949123100"), Err(FieldProblem::Format));
        assert_eq!(check_id_number("11010519491231002Y"), Err(FieldProblem::Format));
        assert_eq!(check_id_number("１１０１０５１９４９１２３１００２Ｘ"), Err(FieldProblem::Format), "full-width digits");
    }

    #[test]
    fn credit_codes() {
        // A published GB 32100 example.
        assert_eq!(check_uscc("91350100M000100Y43"), Ok(()));
        assert_eq!(check_uscc("91350100M000100Y44"), Err(FieldProblem::CheckDigit));
        assert_eq!(check_uscc("91350100M000100YI3"), Err(FieldProblem::Format), "I is not in the code set");
        assert_eq!(check_uscc("91350100M000100Y4"), Err(FieldProblem::Format));
    }

    #[test]
    fn phones_postcodes_dates() {
        assert_eq!(check_mobile("13800138000"), Ok(()));
        assert_eq!(check_mobile("12800138000"), Err(FieldProblem::Format));
        assert_eq!(check_phone("0755-83210000"), Ok(()));
        assert_eq!(check_phone("01088886666"), Ok(()));
        assert_eq!(check_phone("0755-0321000"), Err(FieldProblem::Format));
        assert_eq!(check_postcode("518048"), Ok(()));
        assert_eq!(check_postcode("51804"), Err(FieldProblem::Format));
        assert_eq!(parse_date("2024-02-29"), Some((2024, 2, 29)));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2023-2-28"), None);
        assert_eq!(china_today(0), (1970, 1, 1));
        assert_eq!(china_today(16 * 3600), (1970, 1, 2), "midnight in China is 16:00 UTC");
        assert_eq!(china_today(1_795_392_000), (2026, 11, 23), "00:00 UTC is 08:00 in China");
    }

    #[test]
    fn leap_days_and_impossible_dates() {
        assert_eq!(parse_date("2000-02-29"), Some((2000, 2, 29)), "a century divisible by 400 is a leap year");
        assert_eq!(parse_date("1900-02-29"), None, "1900 is not a leap year");
        assert_eq!(parse_date("2100-02-29"), None, "nor is 2100");
        assert_eq!(parse_date("2026-04-31"), None);
        assert_eq!(parse_date("2026-12-31"), Some((2026, 12, 31)));
        assert_eq!(parse_date("2026-00-10"), None);
        assert_eq!(parse_date("2026-13-10"), None);
        assert_eq!(parse_date("2026-01-00"), None);
        assert_eq!(parse_date("1899-12-31"), None, "before 1900");
        assert_eq!(parse_date("+026-01-01"), None);
        assert_eq!(parse_date("2026-+1-01"), None);
        assert_eq!(check_id_number("11010519000229002X"), Err(FieldProblem::Format), "born on 29 Feb 1900");
        assert_eq!(china_today(1_709_164_800 - 8 * 3600), (2024, 2, 29), "00:00 in China on a leap day");
        assert_eq!(china_today(1_709_164_800 - 8 * 3600 - 1), (2024, 2, 28));
        assert_eq!(china_today(951_782_400 + 16 * 3600), (2000, 3, 1));
        assert_eq!(china_today(-1), (1970, 1, 1), "07:59:59 in China");
        assert_eq!(china_today(-8 * 3600 - 1), (1969, 12, 31));
        // Beyond the years `time` knows, the nearest day it does (never a panic).
        assert_eq!(china_today(i64::MAX), (9999, 12, 31));
        assert_eq!(china_today(i64::MIN), (-9999, 1, 1));
    }

    /// Found by the `redirect_url` fuzz target: a dashless value of 10+ bytes whose 4th byte is
    /// inside a character panicked (`split_at` off a char boundary).
    #[test]
    fn a_phone_check_never_splits_inside_a_character() {
        assert_eq!(check_phone("2z:\u{71c}2:/,\0\t\0"), Err(FieldProblem::Format));
        assert_eq!(check_phone("075\u{4e2d}83210000"), Err(FieldProblem::Format));
        assert_eq!(check_phone("\u{4e2d}\u{6587}\u{7535}\u{8bdd}"), Err(FieldProblem::Format));
        assert_eq!(check_phone("07558321000"), Ok(()), "dashless landlines still pass");
    }

    #[test]
    fn field_rules_name_the_field_and_hide_the_value() {
        let today = (2026, 11, 23);
        let required = field(FieldType::Text, true, FieldRules::default());
        let e = validate_field(&required, Some("  "), today).unwrap();
        assert_eq!(e.problem, FieldProblem::Required);
        assert_eq!(e.field, "f");
        assert!(e.message_zh.contains("字段") && e.message_en.contains("Field"));
        let id = field(FieldType::IdNumber, true, FieldRules::default());
        let e = validate_field(&id, Some("110105194912310021"), today).unwrap();
        assert_eq!(e.problem, FieldProblem::CheckDigit);
        assert!(!e.message_en.contains("110105") && !e.message_zh.contains("110105"));
        let date = field(FieldType::Date, false, FieldRules { not_future: true, ..Default::default() });
        assert_eq!(validate_field(&date, Some("2026-11-24"), today).unwrap().problem, FieldProblem::DateInFuture);
        assert!(validate_field(&date, Some("2026-11-23"), today).is_none());
        assert!(validate_field(&date, None, today).is_none(), "optional and empty");
        let postcode = field(FieldType::Text, false, FieldRules { format: Some("postcode".into()), ..Default::default() });
        assert_eq!(validate_field(&postcode, Some("5180"), today).unwrap().problem, FieldProblem::Format);
        let short = field(FieldType::Text, false, FieldRules { max_length: Some(2), ..Default::default() });
        assert_eq!(validate_field(&short, Some("三个字"), today).unwrap().problem, FieldProblem::TooLong);
        assert!(validate_field(&short, Some("两字"), today).is_none(), "characters, not bytes");
    }
}
