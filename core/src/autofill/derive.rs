//! Values derived from licence claims: birth date and sex from an ID number, the parts of a
//! one-line Chinese address, and date formats.

use serde_json::Value;

use super::validate::parse_date;
use crate::catalogue::Derivation;

/// A claim value as form text: strings as they are, numbers in decimal, lists joined by `、`.
pub fn claim_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "是" } else { "否" }.to_owned()),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(claim_text).collect();
            Some(parts.join("、"))
        }
        _ => None,
    }
}

/// Applies `derivation` to a claim's text; None when the claim does not have the needed shape.
pub fn derive(derivation: Option<Derivation>, text: &str) -> Option<String> {
    let Some(derivation) = derivation else { return Some(text.to_owned()) };
    match derivation {
        // Both read a resident ID number's fields only when it has the GB 11643 shape (17 ASCII
        // digits and a check character), so the slices fall on characters and nothing else is read
        // as one.
        Derivation::BirthDateFromIdNumber => {
            let digits = id_number_shape(text)?.get(6..14)?;
            let date = format!("{}-{}-{}", &digits[..4], &digits[4..6], &digits[6..]);
            parse_date(&date).is_some().then_some(date)
        }
        Derivation::SexFromIdNumber => {
            let digit = *id_number_shape(text)?.as_bytes().get(16)?;
            Some(if (digit - b'0') % 2 == 1 { "男" } else { "女" }.to_owned())
        }
        Derivation::AddressProvince => split_address(text).map(|a| a.province),
        Derivation::AddressCity => split_address(text).map(|a| a.city),
        Derivation::AddressDistrict => split_address(text).map(|a| a.district),
        Derivation::AddressDetail => split_address(text).map(|a| a.detail),
        Derivation::DateCompact => parse_date(text).map(|(y, m, d)| format!("{y:04}{m:02}{d:02}")),
        Derivation::DateZh => parse_date(text).map(|(y, m, d)| format!("{y}年{m}月{d}日")),
    }
}

/// `text` when it has the shape of an 18-character resident ID number.
fn id_number_shape(text: &str) -> Option<&str> {
    let b = text.as_bytes();
    (b.len() == 18 && b[..17].iter().all(u8::is_ascii_digit) && (b[17].is_ascii_digit() || b[17].eq_ignore_ascii_case(&b'x')))
        .then_some(text)
}

/// A one-line Chinese address split into its administrative parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressParts {
    /// 省 / 自治区 / 直辖市.
    pub province: String,
    /// 市 / 自治州 / 地区 / 盟 (the municipality again for 直辖市).
    pub city: String,
    /// 区 / 县 / 县级市 / 旗.
    pub district: String,
    /// The rest: street, number, building, room.
    pub detail: String,
}

const MUNICIPALITIES: [&str; 4] = ["北京市", "上海市", "天津市", "重庆市"];

/// Takes the shortest prefix of `text` ending in one of `suffixes`.
fn take_until<'a>(text: &'a str, suffixes: &[&str]) -> Option<(&'a str, &'a str)> {
    let end = suffixes.iter().filter_map(|s| text.find(s).map(|i| i + s.len())).min()?;
    Some(text.split_at(end))
}

/// Splits `广东省深圳市福田区福田街道…` into 广东省 / 深圳市 / 福田区 / 福田街道…; a municipality
/// (`北京市朝阳区…`) is both province and city.
pub fn split_address(text: &str) -> Option<AddressParts> {
    let text = text.trim();
    let (province, rest) = match MUNICIPALITIES.iter().find(|m| text.starts_with(*m)) {
        Some(m) => (m.to_string(), &text[m.len()..]),
        None => {
            let (p, r) = take_until(text, &["省", "自治区", "特别行政区"])?;
            (p.to_owned(), r)
        }
    };
    let (city, rest) = if MUNICIPALITIES.contains(&province.as_str()) {
        (province.clone(), rest)
    } else {
        let (c, r) = take_until(rest, &["自治州", "地区", "盟", "市"])?;
        (c.to_owned(), r)
    };
    let (district, detail) = take_until(rest, &["区", "县", "旗", "市"])?;
    if district.chars().count() < 2 || detail.is_empty() {
        return None;
    }
    Some(AddressParts { province, city, district: district.to_owned(), detail: detail.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn id_number_derivations() {
        assert_eq!(derive(Some(Derivation::BirthDateFromIdNumber), "440304198207146235").as_deref(), Some("1982-07-14"));
        assert_eq!(derive(Some(Derivation::SexFromIdNumber), "440304198207146235").as_deref(), Some("男"));
        assert_eq!(derive(Some(Derivation::SexFromIdNumber), "440304199003222667").as_deref(), Some("女"));
        assert_eq!(derive(Some(Derivation::BirthDateFromIdNumber), "4403041982"), None);
        assert_eq!(derive(Some(Derivation::BirthDateFromIdNumber), "440304198213146235"), None, "month 13");
        assert_eq!(derive(Some(Derivation::SexFromIdNumber), "abcdefghijklmnop1x"), None, "not an ID number");
        assert_eq!(derive(Some(Derivation::SexFromIdNumber), "11010519491231002X").as_deref(), Some("女"), "an X check character");
    }

    /// Found by the `catalogue` fuzz target: bytes 6..14 on character boundaries but not all
    /// ASCII made the date slices below them panic (off a char boundary).
    #[test]
    fn id_number_derivations_never_slice_inside_a_character() {
        let cases = ["\u{fffd}\u{fffd}\u{fffd}\u{fffd}\0\u{8}", "4403041\u{4e2d}\u{6587}x6235", "440304\u{4e2d}\u{6587}19821462"];
        for text in cases {
            assert_eq!(derive(Some(Derivation::BirthDateFromIdNumber), text), None, "{text:?}");
            let _ = derive(Some(Derivation::SexFromIdNumber), text); // reads byte 16 only: no slicing
        }
    }

    #[test]
    fn addresses() {
        let a = split_address("广东省深圳市福田区福田街道福华三路88号鹏程花园3栋1201室").unwrap();
        assert_eq!((a.province.as_str(), a.city.as_str(), a.district.as_str()), ("广东省", "深圳市", "福田区"));
        assert_eq!(a.detail, "福田街道福华三路88号鹏程花园3栋1201室");
        let b = split_address("北京市朝阳区建国路1号").unwrap();
        assert_eq!(
            (b.province.as_str(), b.city.as_str(), b.district.as_str(), b.detail.as_str()),
            ("北京市", "北京市", "朝阳区", "建国路1号")
        );
        let c = split_address("新疆维吾尔自治区乌鲁木齐市天山区解放北路1号").unwrap();
        assert_eq!((c.province.as_str(), c.city.as_str(), c.district.as_str()), ("新疆维吾尔自治区", "乌鲁木齐市", "天山区"));
        let d = split_address("广东省佛山市禅城区祖庙街道1号").unwrap();
        assert_eq!(d.district, "禅城区");
        assert_eq!(split_address("somewhere"), None);
        assert_eq!(derive(Some(Derivation::AddressCity), "广东省深圳市福田区福华路1号").as_deref(), Some("深圳市"));
    }

    #[test]
    fn dates_and_claims() {
        assert_eq!(derive(Some(Derivation::DateCompact), "2026-01-05").as_deref(), Some("20260105"));
        assert_eq!(derive(Some(Derivation::DateZh), "2026-01-05").as_deref(), Some("2026年1月5日"));
        assert_eq!(derive(None, "x").as_deref(), Some("x"));
        assert_eq!(claim_text(&json!(118.46)).as_deref(), Some("118.46"));
        assert_eq!(claim_text(&json!(["甲", "乙"])).as_deref(), Some("甲、乙"));
        assert_eq!(claim_text(&json!({"a": 1})), None);
    }
}
