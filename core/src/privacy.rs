//! Personal data that must never reach a log line, an error message or a panic.
//!
//! [`Personal`] wraps a value (a name, an ID number, a phone number) so that `Debug` and
//! `Display` print a fixed marker instead of the value. Reading it back is an explicit call to
//! [`Personal::expose`], which makes every place that shows personal data easy to find in review.
//! Serialisation is transparent: the value is stored and sent as itself, because the store is
//! encrypted and the platform is the data's owner.
//!
//! Free text a person types for others to read (a rating's comment) is screened with
//! [`personal_data_in`] for ID and mobile numbers before it is accepted.

use serde::{Deserialize, Serialize};
use std::fmt;
use zeroize::Zeroize;

/// What `Debug` and `Display` print instead of personal data.
pub const REDACTED: &str = "‹redacted›";

/// A piece of personal data. See the module docs.
#[derive(Clone, PartialEq, Eq, Hash, Default, Deserialize)]
#[serde(transparent)]
pub struct Personal<T>(T);

/// The key of the one-entry object a [`Personal`] value becomes in [`to_json_marking_personal`].
pub const PERSONAL_MARKER: &str = "\u{2039}personal\u{203a}";

thread_local! {
    /// Set while [`to_json_marking_personal`] runs on this thread.
    static MARKING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Serialisation is transparent (the value as itself), except inside
/// [`to_json_marking_personal`].
impl<T: Serialize> Serialize for Personal<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if MARKING.with(std::cell::Cell::get) {
            use serde::ser::SerializeMap as _;
            let mut map = serializer.serialize_map(Some(1))?;
            map.serialize_entry(PERSONAL_MARKER, &self.0)?;
            map.end()
        } else {
            self.0.serialize(serializer)
        }
    }
}

/// A record as JSON with every [`Personal`] value inside it wrapped as
/// `{"‹personal›": value}`, so that a face without typed records (the web face) can put each
/// one in its own redacting wrapper. Everywhere else (the store, the wire, the CLI's `--json`)
/// personal values serialise as themselves.
pub fn to_json_marking_personal<T: Serialize>(value: &T) -> Result<serde_json::Value, serde_json::Error> {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            MARKING.with(|m| m.set(self.0));
        }
    }
    let _reset = Reset(MARKING.with(|m| m.replace(true)));
    serde_json::to_value(value)
}

impl<T> Personal<T> {
    /// Wraps a value.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The value itself: call this only where the value is shown to its owner or sent to the platform.
    pub fn expose(&self) -> &T {
        &self.0
    }

    /// Unwraps the value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> From<T> for Personal<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

impl<T> fmt::Debug for Personal<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<T> fmt::Display for Personal<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// A secret string (a token, a code, a PKCE verifier): redacted like [`Personal`] and zeroized on drop.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, to put on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Drop for SecretString {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// Describes a JSON decoding failure without the text being decoded. serde_json's own message
/// quotes the offending value (`invalid type: string "张伟", expected u32`), so it must not reach
/// an error or a log when the JSON may hold personal data (answers, drafts, cases, the store).
pub fn json_problem(e: &serde_json::Error) -> String {
    let kind = match e.classify() {
        serde_json::error::Category::Io => "I/O",
        serde_json::error::Category::Syntax => "syntax",
        serde_json::error::Category::Data => "unexpected data",
        serde_json::error::Category::Eof => "truncated",
    };
    format!("JSON {kind} error at line {} column {}", e.line(), e.column())
}

/// The kinds of personal data a free-text comment seems to contain: an 18-character ID number
/// (with a valid check digit) or a mobile number.
pub fn personal_data_in(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut kinds = Vec::new();
    let is_id_char = |c: char| c.is_ascii_digit() || c == 'X' || c == 'x';
    let found_id = chars
        .windows(18)
        .any(|w| w.iter().all(|c| is_id_char(*c)) && crate::autofill::validate::check_id_number(&w.iter().collect::<String>()).is_ok());
    if found_id {
        kinds.push("id_number".to_owned());
    }
    let found_mobile = chars.windows(11).enumerate().any(|(i, w)| {
        let before = i.checked_sub(1).and_then(|j| chars.get(j)).is_some_and(|c| c.is_ascii_digit());
        let after = chars.get(i + 11).is_some_and(|c| c.is_ascii_digit());
        !before && !after && crate::autofill::validate::check_mobile(&w.iter().collect::<String>()).is_ok()
    });
    if found_mobile {
        kinds.push("mobile".to_owned());
    }
    kinds
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_with_personal_data_are_caught() {
        assert!(personal_data_in("办事很快，窗口服务好").is_empty());
        assert_eq!(personal_data_in("我的身份证440304198207146235办不了"), vec!["id_number"]);
        assert_eq!(personal_data_in("请回电18845309902"), vec!["mobile"]);
        assert!(personal_data_in("订单号 123456789012345").is_empty(), "a long number that is not a mobile");
        assert!(personal_data_in("等了 3 天").is_empty());
    }

    #[test]
    fn json_problems_never_quote_the_value() {
        let e = serde_json::from_str::<u32>("\"张伟\"").unwrap_err();
        assert!(e.to_string().contains("张伟"), "serde_json quotes it");
        let described = json_problem(&e);
        assert!(!described.contains("张伟"), "{described}");
        assert!(described.contains("unexpected data") && described.contains("line 1"), "{described}");
    }

    #[test]
    fn personal_values_are_marked_only_when_asked() {
        #[derive(Serialize)]
        struct Form {
            name: Personal<String>,
            age: u32,
            ids: Vec<Personal<String>>,
        }
        let form = Form { name: Personal::new("张伟".into()), age: 30, ids: vec![Personal::new("110101199003074514".into())] };
        let plain = serde_json::to_value(&form).unwrap();
        assert_eq!(plain, serde_json::json!({"name": "张伟", "age": 30, "ids": ["110101199003074514"]}));
        let marked = to_json_marking_personal(&form).unwrap();
        assert_eq!(
            marked,
            serde_json::json!({"name": {PERSONAL_MARKER: "张伟"}, "age": 30, "ids": [{PERSONAL_MARKER: "110101199003074514"}]})
        );
        // Marking ends with the call.
        assert_eq!(serde_json::to_value(&form).unwrap(), plain);
    }

    #[test]
    fn debug_and_display_never_print_the_value() {
        let name = Personal::new("张伟".to_string());
        assert_eq!(format!("{name:?}"), REDACTED);
        assert_eq!(format!("{name}"), REDACTED);
        assert_eq!(name.expose(), "张伟");
        let token = SecretString::new("eyJ-secret");
        assert!(!format!("{token:?}").contains("secret"));
    }

    #[test]
    fn serialises_transparently() {
        let name = Personal::new("李娜".to_string());
        let json = serde_json::to_string(&name).unwrap_or_default();
        assert_eq!(json, "\"李娜\"");
    }
}
