//! Text typed or handed over from outside: the OAuth redirect the browser returns to the app,
//! a free-text comment searched for personal data, and the field checkers (GB 11643 ID numbers,
//! GB 32100 credit codes, phone numbers, dates). Never panics; checker verdicts agree with each
//! other (a valid ID number holds a valid birth date).
#![no_main]

use citykit_core::autofill::validate::{check_id_number, check_phone, check_uscc, parse_date};
use citykit_core::cases::personal_data_in;
use citykit_core::identity::parse_redirect;
use libfuzzer_sys::fuzz_target;

const REDIRECT_URI: &str = "org.citykit.demo:/oauth2redirect";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(response) = parse_redirect(text, REDIRECT_URI) {
        let _ = (response.param("code"), response.param("state"), response.param("iss"), response.param("error"));
    }
    let kinds = personal_data_in(text);
    assert!(kinds.iter().all(|k| k == "id_number" || k == "mobile"));
    for line in text.split('\n') {
        let _ = check_uscc(line);
        let _ = check_phone(line);
        if let Some((y, m, d)) = parse_date(line) {
            assert!((1..=12).contains(&m) && (1..=31).contains(&d) && y >= 1900);
            assert_eq!(format!("{y:04}-{m:02}-{d:02}"), line, "a parsed date is its own canonical form");
        }
        if check_id_number(line).is_ok() {
            assert!(parse_date(&format!("{}-{}-{}", &line[6..10], &line[10..12], &line[12..14])).is_some());
            assert_eq!(personal_data_in(line), vec!["id_number".to_owned()]);
        }
    }
});
