//! The service catalogue the platform publishes (`GET /api/v1/catalogue`), and what the core
//! does with its items: auto-fill (with and without licences), field validation and the
//! derivations (dates and sex from ID numbers, address parts).
//!
//! Input: a catalogue document (JSON), optionally followed by a NUL byte and lines of values.
//! The values, and the document's own string values, are fed to every field's validation and
//! to every derivation, and put in licences as the claims the form reads.
//! Never panics; a filled form has one field per form field, in form order.
#![no_main]

use std::collections::BTreeMap;

use citykit_core::autofill::{self, validate, LicenceClaims};
use citykit_core::catalogue::{self, Derivation};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const DERIVATIONS: [Derivation; 8] = [
    Derivation::BirthDateFromIdNumber,
    Derivation::SexFromIdNumber,
    Derivation::AddressProvince,
    Derivation::AddressCity,
    Derivation::AddressDistrict,
    Derivation::AddressDetail,
    Derivation::DateCompact,
    Derivation::DateZh,
];
/// Bounds on the work one input makes (a big catalogue times many values is slow, not wrong).
const MAX_VALUES: usize = 12;
const MAX_ITEMS: usize = 8;

fn strings_in(value: &Value, out: &mut Vec<String>) {
    if out.len() >= MAX_VALUES {
        return;
    }
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings_in(v, out)),
        Value::Object(map) => map.values().for_each(|v| strings_in(v, out)),
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let (doc, extra) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let mut values: Vec<String> = String::from_utf8_lossy(extra).split('\n').take(MAX_VALUES).map(str::to_owned).collect();
    if let Ok(json) = serde_json::from_slice::<Value>(doc) {
        strings_in(&json, &mut values);
    }
    for value in &values {
        let _ = autofill::split_address(value);
        for derivation in DERIVATIONS {
            let _ = autofill::derive(Some(derivation), value);
        }
        assert_eq!(autofill::derive(None, value).as_deref(), Some(value.as_str()));
    }

    let Ok(doc) = catalogue::parse_catalogue(doc) else { return };
    let today = validate::china_today(1_800_000_000);
    for item in doc.items.iter().take(MAX_ITEMS) {
        let form = autofill::fill_form(item, &[], "d".into(), 0);
        assert_eq!(form.fields.len(), item.form.fields.len());
        assert!(form.fields.iter().all(|f| f.value.is_none()), "filled without licences");
        for field in &item.form.fields {
            let _ = validate::validate_field(field, None, today);
            for value in &values {
                let _ = validate::validate_field(field, Some(value), today);
            }
        }
        // Licences holding the input's values as the claims the form reads, for the applicant
        // and the agent: the derivations and conflict detection run on them.
        let licences: Vec<LicenceClaims> = item
            .form
            .fields
            .iter()
            .flat_map(|f| &f.sources)
            .zip(values.iter().cycle())
            .enumerate()
            .map(|(i, (source, value))| LicenceClaims {
                id: format!("l{i}"),
                vct: source.vct.clone(),
                issuer: "https://issuer.example".into(),
                of: source.of,
                claims: BTreeMap::from([(source.claim.clone(), Value::String(value.clone()))]),
            })
            .collect();
        let filled = autofill::fill_form(item, &licences, "d".into(), 1_800_000_000);
        assert_eq!(filled.fields.len(), item.form.fields.len());
        for (field, schema) in filled.fields.iter().zip(&item.form.fields) {
            assert_eq!(field.name, schema.name, "fields out of form order");
        }
    }
});
