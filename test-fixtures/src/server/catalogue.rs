//! The service catalogue (政务服务事项, 办事指南) served at `GET /api/v1/catalogue`: its types
//! (exactly the documented JSON shape), loading and validation of `data/catalogue.json`, the
//! `derive` functions of form sources, and the validation of form values.
//!
//! The data is compiled in (like the other fixtures) and parsed once per process. It is
//! validated against the licences the simulator's offices really issue when a simulator
//! starts ([`validate`]).

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::calendar::{self, Day};
use super::licences;
use crate::fixtures::{gb11643_check_digit, gb32100_check_digit, GB32100_CHARSET};

const CATALOGUE_JSON: &str = include_str!("../../data/catalogue.json");

/// The whole catalogue document, as served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceCatalogue {
    /// Version label, e.g. `2026.11.1`.
    pub version: String,
    /// One-thing bundles (一件事).
    pub bundles: Vec<Bundle>,
    /// Every service item.
    pub items: Vec<ServiceItem>,
}

/// A one-thing bundle: a life event and the items it needs, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    /// Stable id, e.g. `birth`.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Item ids.
    pub items: Vec<String>,
}

/// The office handling an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Office {
    /// Stable id, e.g. `housing`; a licence office's id when it issues licences.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
}

/// Whom an item is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// A natural person.
    Person,
    /// An enterprise, applied for by a person acting for it.
    Enterprise,
}

/// The fee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fee {
    /// In fen (0.01 yuan).
    pub amount_fen: u64,
    /// Chinese note.
    pub note_zh: String,
    /// English note.
    pub note_en: String,
}

/// Co-signing (一事多人) rules of an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoSigning {
    /// Roles of the other signers.
    pub roles: Vec<String>,
    /// Calendar days the signers have.
    pub deadline_days: u32,
}

/// The licence an approved case issues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultLicence {
    /// Its type, e.g. `urn:citykit:vct:rental_registration_certificate`.
    pub vct: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
}

/// A material of the standard guide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Material {
    /// Id within the item.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// The licence type that satisfies it, if any.
    pub satisfied_by: Option<String>,
    /// Whether the case needs it.
    pub required: bool,
    /// 容缺: may be missing and delivered within this many days.
    pub tolerance_days: Option<u32>,
}

/// A licence claim an automatic check reads (of the applicant's licence).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckClaim {
    /// Licence type.
    pub vct: String,
    /// Claim name.
    pub claim: String,
}

/// An item's form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Form {
    /// Version; cases must name the current one.
    pub version: u32,
    /// Fields in display order.
    pub fields: Vec<FormField>,
}

/// The type of a form field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// Free text.
    Text,
    /// `YYYY-MM-DD`.
    Date,
    /// GB 11643 resident ID number.
    IdNumber,
    /// GB 32100 unified social credit code.
    Uscc,
    /// Mobile or landline number.
    Phone,
    /// A postal address (or part of one).
    Address,
    /// One of the options.
    Choice,
    /// A reference to an uploaded file.
    Attachment,
}

/// Extra rules of a field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldRules {
    /// At most this many characters.
    pub max_length: Option<u32>,
    /// At least this many characters.
    pub min_length: Option<u32>,
    /// `postcode` or `mobile`.
    pub format: Option<String>,
    /// A date not after today (China time).
    pub not_future: bool,
    /// A date not before today (China time).
    pub not_past: bool,
}

/// One option of a choice field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChoiceOption {
    /// The value sent.
    pub value: String,
    /// Chinese label.
    pub label_zh: String,
    /// English label.
    pub label_en: String,
}

/// A derivation applied to a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Derive {
    /// `YYYY-MM-DD` from an 18-character ID number.
    BirthDateFromIdNumber,
    /// `男`/`女` from an 18-character ID number.
    SexFromIdNumber,
    /// Province of a one-line address (a municipality for municipalities).
    AddressProvince,
    /// City of a one-line address.
    AddressCity,
    /// District of a one-line address.
    AddressDistrict,
    /// What follows the district.
    AddressDetail,
    /// `YYYYMMDD` of a `YYYY-MM-DD` date.
    DateCompact,
    /// `YYYY年M月D日` of a `YYYY-MM-DD` date.
    DateZh,
}

impl Derive {
    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Derive> {
        serde_json::from_value(Value::String(s.to_owned())).ok()
    }
}

/// Whose licence a source reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceOf {
    /// The identity the case is made as.
    Applicant,
    /// The person acting for an enterprise.
    Agent,
}

/// Where a field's value may be read.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSource {
    /// Licence type.
    pub vct: String,
    /// Claim name.
    pub claim: String,
    /// Derivation, or `None` for the claim as it is.
    pub derive: Option<Derive>,
    /// Whose licence.
    pub of: SourceOf,
}

/// One form field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormField {
    /// Name, unique in the form.
    pub name: String,
    /// Chinese label.
    pub label_zh: String,
    /// English label.
    pub label_en: String,
    /// Type.
    #[serde(rename = "type")]
    pub field_type: FieldType,
    /// Must be filled.
    pub required: bool,
    /// Extra rules.
    pub rules: FieldRules,
    /// Options of a choice field.
    pub options: Vec<ChoiceOption>,
    /// Where the value may be read, best first.
    pub sources: Vec<FieldSource>,
}

/// One service item with its standard guide and form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceItem {
    /// Stable slug.
    pub id: String,
    /// The city's item code.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Handling office.
    pub office: Office,
    /// Browsing topic.
    pub theme: String,
    /// Person or enterprise.
    pub audience: Audience,
    /// Chinese search words.
    pub keywords_zh: Vec<String>,
    /// 承诺时限 in working days.
    pub promised_working_days: u32,
    /// Fee.
    pub fee: Fee,
    /// May be approved instantly (秒批).
    pub instant: bool,
    /// Automatic checks for instant approval.
    pub checks: Vec<String>,
    /// The licence claims those checks read beyond the form's own sources.
    pub check_claims: Vec<CheckClaim>,
    /// Co-signing rules, if any.
    pub co_signing: Option<CoSigning>,
    /// Result licence, if any.
    pub result: Option<ResultLicence>,
    /// Bundles it belongs to.
    pub bundles: Vec<String>,
    /// Materials.
    pub materials: Vec<Material>,
    /// The form.
    pub form: Form,
}

impl ServiceItem {
    /// The field named `name`.
    pub fn field(&self, name: &str) -> Option<&FormField> {
        self.form.fields.iter().find(|f| f.name == name)
    }
}

impl ServiceCatalogue {
    /// The item with this id.
    pub fn item(&self, id: &str) -> Option<&ServiceItem> {
        self.items.iter().find(|i| i.id == id)
    }
}

/// The automatic checks the simulator implements.
pub const CHECKS: &[&str] =
    &["property_owned_by_applicant", "co_landlords_are_owners", "age_over_60", "applicant_is_parent", "enterprise_active"];

/// The licence claims (type, claim) a check reads.
pub(crate) fn check_reads(check: &str) -> &'static [(&'static str, &'static str)] {
    match check {
        "property_owned_by_applicant" => {
            &[(licences::VCT_REAL_ESTATE_CERTIFICATE, "owner_id_number"), (licences::VCT_REAL_ESTATE_CERTIFICATE, "property_address")]
        }
        "co_landlords_are_owners" => &[(licences::VCT_REAL_ESTATE_CERTIFICATE, "co_owners")],
        "age_over_60" => &[(licences::VCT_RESIDENT_ID_CARD, "age_over_60")],
        "applicant_is_parent" => {
            &[(licences::VCT_BIRTH_MEDICAL_CERTIFICATE, "mother_id_number"), (licences::VCT_BIRTH_MEDICAL_CERTIFICATE, "father_id_number")]
        }
        "enterprise_active" => &[(licences::VCT_BUSINESS_LICENCE, "business_term_until")],
        _ => &[],
    }
}

/// The compiled-in catalogue, parsed once (shape only; [`validate`] checks its meaning).
pub fn service_catalogue() -> Result<&'static ServiceCatalogue, String> {
    static CATALOGUE: OnceLock<Result<ServiceCatalogue, String>> = OnceLock::new();
    CATALOGUE
        .get_or_init(|| serde_json::from_str(CATALOGUE_JSON).map_err(|e| format!("catalogue.json does not parse: {e}")))
        .as_ref()
        .map_err(Clone::clone)
}

/// The licence office issuing a result licence of `vct`: the office of the item that names it.
pub(crate) fn result_office(cat: &ServiceCatalogue, vct: &str) -> Option<usize> {
    cat.items.iter().find(|i| i.result.as_ref().is_some_and(|r| r.vct == vct)).and_then(|i| licences::office_index(&i.office.id))
}

fn is_slug(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Checks the catalogue's meaning against the licences the offices issue: unique ids and codes,
/// bundles and items agree, sources name real licence types and claims with derivations that
/// fit them (and give valid values for every fixture holder's licence), instant items have every
/// required field sourced and every required material electronic, checks are known and have what
/// they need, results are issued by licence offices. Messages name items and fields, never
/// personal data.
pub(crate) fn validate(cat: &ServiceCatalogue, lic: &licences::Catalogue) -> Result<(), String> {
    let mut ids = HashSet::new();
    let mut codes = HashSet::new();
    let mut result_vcts = HashSet::new();
    let bundles: HashMap<&str, &Bundle> = cat.bundles.iter().map(|b| (b.id.as_str(), b)).collect();
    if bundles.len() != cat.bundles.len() {
        return Err("two bundles share an id".into());
    }
    for item in &cat.items {
        if !is_slug(&item.id) || !ids.insert(item.id.as_str()) {
            return Err(format!("item id {:?} is not a unique slug", item.id));
        }
        if !codes.insert(item.code.as_str()) {
            return Err(format!("{}: code is not unique", item.id));
        }
        if let Some(r) = &item.result {
            if licences::office_index(&item.office.id).is_none() {
                return Err(format!("{}: a result licence needs a licence-issuing office", item.id));
            }
            if licences::office_of_vct(&r.vct).is_some() || !result_vcts.insert(r.vct.as_str()) {
                return Err(format!("{}: result vct is not a new, unique type", item.id));
            }
        }
    }
    for b in &cat.bundles {
        if !is_slug(&b.id) {
            return Err(format!("bundle id {:?} is not a slug", b.id));
        }
        for i in &b.items {
            let Some(item) = cat.item(i) else {
                return Err(format!("bundle {}: unknown item {i}", b.id));
            };
            if !item.bundles.contains(&b.id) {
                return Err(format!("bundle {}: item {i} does not name it", b.id));
            }
        }
    }
    let known_vct = |v: &str| licences::office_of_vct(v).is_some() || result_vcts.contains(v);
    for item in &cat.items {
        let at = |what: String| format!("{}: {what}", item.id);
        for b in &item.bundles {
            match bundles.get(b.as_str()) {
                Some(bundle) if bundle.items.contains(&item.id) => {}
                _ => return Err(at(format!("bundle {b} does not list the item"))),
            }
        }
        for c in &item.checks {
            if !CHECKS.contains(&c.as_str()) {
                return Err(at(format!("unknown check {c}")));
            }
        }
        if let Some(cs) = &item.co_signing {
            if cs.roles.is_empty() || cs.deadline_days == 0 {
                return Err(at("co-signing needs roles and a deadline".into()));
            }
            if cs.roles.iter().any(|r| !is_role(r)) {
                return Err(at("co-signing role is not snake_case".into()));
            }
        }
        let mut materials = HashSet::new();
        for m in &item.materials {
            if !is_slug(&m.id) || !materials.insert(m.id.as_str()) {
                return Err(at(format!("material {:?} is not a unique slug", m.id)));
            }
            if let Some(v) = &m.satisfied_by {
                if !known_vct(v) {
                    return Err(at(format!("material {} names an unknown vct", m.id)));
                }
            }
            if m.required && m.satisfied_by.is_none() && m.tolerance_days.is_none() {
                return Err(at(format!("required material {} can be neither presented nor delivered later", m.id)));
            }
            if item.instant && m.required && m.satisfied_by.is_none() {
                return Err(at(format!("instant item needs material {} to be electronic", m.id)));
            }
        }
        // check_claims: exactly what the checks read that no form source reads already.
        let read_by_form: HashSet<(&str, &str)> = item
            .form
            .fields
            .iter()
            .flat_map(|f| f.sources.iter())
            .filter(|s| s.of == SourceOf::Applicant)
            .map(|s| (s.vct.as_str(), s.claim.as_str()))
            .collect();
        let mut expected: Vec<(&str, &str)> = Vec::new();
        for c in &item.checks {
            for r in check_reads(c) {
                if !read_by_form.contains(r) && !expected.contains(r) {
                    expected.push(*r);
                }
            }
        }
        let listed: Vec<(&str, &str)> = item.check_claims.iter().map(|c| (c.vct.as_str(), c.claim.as_str())).collect();
        if listed != expected {
            return Err(at("check_claims are not what the checks read beyond the form".into()));
        }
        let n = item.form.fields.len();
        if !(1..=60).contains(&n) {
            return Err(at(format!("{n} form fields")));
        }
        let mut names = HashSet::new();
        for f in &item.form.fields {
            validate_field(item, f, lic, &mut names).map_err(|e| at(format!("{}: {e}", f.name)))?;
        }
        let needs_material = |vct: &str| item.materials.iter().any(|m| m.satisfied_by.as_deref() == Some(vct));
        for c in &item.checks {
            let ok = match c.as_str() {
                "property_owned_by_applicant" => {
                    needs_material(licences::VCT_REAL_ESTATE_CERTIFICATE) && item.field("property_address").is_some()
                }
                "co_landlords_are_owners" => {
                    needs_material(licences::VCT_REAL_ESTATE_CERTIFICATE)
                        && item.co_signing.as_ref().is_some_and(|cs| cs.roles.iter().any(|r| r == "co_landlord"))
                }
                "age_over_60" => needs_material(licences::VCT_RESIDENT_ID_CARD),
                "applicant_is_parent" => needs_material(licences::VCT_BIRTH_MEDICAL_CERTIFICATE),
                "enterprise_active" => needs_material(licences::VCT_BUSINESS_LICENCE) && item.audience == Audience::Enterprise,
                _ => false,
            };
            if !ok {
                return Err(at(format!("check {c} lacks the material or field it reads")));
            }
        }
    }
    Ok(())
}

fn is_role(r: &str) -> bool {
    !r.is_empty() && r.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
}

fn validate_field(item: &ServiceItem, f: &FormField, lic: &licences::Catalogue, names: &mut HashSet<String>) -> Result<(), String> {
    if f.name.is_empty()
        || !f.name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        || !names.insert(f.name.clone())
    {
        return Err("name is not a unique snake_case name".into());
    }
    if (f.field_type == FieldType::Choice) == f.options.is_empty() {
        return Err("options belong to choice fields, and choice fields need them".into());
    }
    let mut values = HashSet::new();
    if f.options.iter().any(|o| !values.insert(o.value.as_str())) {
        return Err("option values are not unique".into());
    }
    match f.rules.format.as_deref() {
        None | Some("postcode") | Some("mobile") => {}
        Some(other) => return Err(format!("unknown format {other}")),
    }
    if let (Some(min), Some(max)) = (f.rules.min_length, f.rules.max_length) {
        if min > max {
            return Err("min_length exceeds max_length".into());
        }
    }
    if f.field_type != FieldType::Date && (f.rules.not_future || f.rules.not_past) {
        return Err("not_future/not_past apply to dates".into());
    }
    if item.instant && f.required && f.sources.is_empty() {
        return Err("required field of an instant item has no source".into());
    }
    if item.instant && f.required && f.field_type == FieldType::Phone {
        return Err("phone numbers are in no licence: optional on instant items".into());
    }
    for s in &f.sources {
        let claims = lic.claim_names(&s.vct);
        if claims.is_empty() {
            return Err(format!("source names {} which no office issues", s.vct));
        }
        if !claims.contains(s.claim.as_str()) {
            return Err(format!("{} has no claim {}", s.vct, s.claim));
        }
        if s.of == SourceOf::Agent && item.audience != Audience::Enterprise {
            return Err("agent sources belong to enterprise items".into());
        }
        let fits = match s.derive {
            None => true,
            Some(Derive::BirthDateFromIdNumber | Derive::SexFromIdNumber) => s.claim.ends_with("id_number"),
            Some(Derive::AddressProvince | Derive::AddressCity | Derive::AddressDistrict | Derive::AddressDetail) => {
                s.claim.ends_with("address")
            }
            Some(Derive::DateCompact | Derive::DateZh) => s.claim.ends_with("date"),
        };
        if !fits {
            return Err(format!("derivation does not fit claim {}", s.claim));
        }
        // Every fixture holder's licence gives a value the field accepts.
        for value in lic.claim_values(&s.vct, &s.claim) {
            let derived = derive_value(s.derive, value).ok_or_else(|| format!("source {}/{} cannot be derived", s.vct, s.claim))?;
            if let Err(reason) = check_value(f, &derived, None) {
                return Err(format!("a value from {}/{} fails the field's rules ({})", s.vct, s.claim, reason.as_str()));
            }
        }
    }
    Ok(())
}

// ----- derivations -----

/// Text of a claim value for comparison: strings as they are, numbers and booleans as JSON.
pub(crate) fn claim_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Applies `derive` to a claim value; `None` when it does not apply to that value.
pub(crate) fn derive_value(derive: Option<Derive>, value: &Value) -> Option<String> {
    let Some(d) = derive else {
        return claim_text(value);
    };
    let s = value.as_str()?;
    match d {
        Derive::BirthDateFromIdNumber => {
            let digits = id_number_digits(s)?;
            let date = format!("{}-{}-{}", &digits[6..10], &digits[10..12], &digits[12..14]);
            calendar::parse_date(&date).map(|_| date)
        }
        Derive::SexFromIdNumber => {
            let digits = id_number_digits(s)?;
            let n = digits.as_bytes().get(16)?.checked_sub(b'0')?;
            Some(if n % 2 == 1 { "男" } else { "女" }.to_owned())
        }
        Derive::AddressProvince => split_address(s).map(|a| a.0),
        Derive::AddressCity => split_address(s).map(|a| a.1),
        Derive::AddressDistrict => split_address(s).map(|a| a.2),
        Derive::AddressDetail => split_address(s).map(|a| a.3),
        Derive::DateCompact => {
            calendar::parse_date(s)?;
            Some(s.replace('-', ""))
        }
        Derive::DateZh => {
            let day = calendar::parse_date(s)?;
            let (y, m, d) = calendar::civil_from_days(day);
            Some(format!("{y}年{m}月{d}日"))
        }
    }
}

fn id_number_digits(s: &str) -> Option<&str> {
    (s.len() == 18 && s.is_ascii() && s[..17].bytes().all(|b| b.is_ascii_digit())).then_some(s)
}

const MUNICIPALITIES: &[&str] = &["北京市", "上海市", "天津市", "重庆市"];

/// Splits a one-line Chinese address into (province, city, district, detail). Municipalities
/// give the same value for province and city.
pub(crate) fn split_address(s: &str) -> Option<(String, String, String, String)> {
    fn take_through<'a>(s: &'a str, ends: &[&str]) -> Option<(&'a str, &'a str)> {
        let cut = ends.iter().filter_map(|e| s.find(e).map(|i| i + e.len())).min()?;
        // A unit of at least one character before the suffix.
        if s[..cut].chars().count() < 2 {
            return None;
        }
        Some(s.split_at(cut))
    }
    let (province, city, rest) = if let Some(m) = MUNICIPALITIES.iter().find(|m| s.starts_with(*m)) {
        (m.to_string(), m.to_string(), &s[m.len()..])
    } else {
        let (p, rest) = take_through(s, &["省", "自治区", "特别行政区"])?;
        let (c, rest) = take_through(rest, &["市", "自治州", "地区", "盟"])?;
        (p.to_owned(), c.to_owned(), rest)
    };
    let (district, detail) = take_through(rest, &["区", "县", "市", "旗"])?;
    if detail.is_empty() {
        return None;
    }
    Some((province, city, district.to_owned(), detail.to_owned()))
}

// ----- form values -----

/// Why a form value is refused (`invalid_field` reasons).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reason {
    Required,
    Format,
    CheckDigit,
    Length,
    Choice,
    Date,
}

impl Reason {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Reason::Required => "required",
            Reason::Format => "format",
            Reason::CheckDigit => "check_digit",
            Reason::Length => "length",
            Reason::Choice => "choice",
            Reason::Date => "date",
        }
    }
}

fn is_mobile(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) && b.iter().all(u8::is_ascii_digit)
}

fn is_landline(s: &str) -> bool {
    // 0\d{2,3}-?\d{7,8}
    let Some(rest) = s.strip_prefix('0') else {
        return false;
    };
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    for area in [2usize, 3] {
        let Some(code) = rest.get(..area) else {
            continue;
        };
        if !digits(code) {
            continue;
        }
        let tail = &rest[area..];
        let tail = tail.strip_prefix('-').unwrap_or(tail);
        if (7..=8).contains(&tail.len()) && digits(tail) {
            return true;
        }
    }
    false
}

/// Checks a non-empty value against its field's type and rules. `today` (China time) enables the
/// `not_future`/`not_past` rules; `None` skips them.
pub(crate) fn check_value(f: &FormField, value: &str, today: Option<Day>) -> Result<(), Reason> {
    if value.trim().is_empty() {
        return Err(Reason::Required);
    }
    match f.field_type {
        FieldType::Text | FieldType::Address | FieldType::Attachment => {}
        FieldType::Date => {
            let day = calendar::parse_date(value).ok_or(Reason::Date)?;
            if let Some(t) = today {
                if (f.rules.not_future && day > t) || (f.rules.not_past && day < t) {
                    return Err(Reason::Date);
                }
            }
        }
        FieldType::IdNumber => {
            let b = value.as_bytes();
            let shape = b.len() == 18 && b[..17].iter().all(u8::is_ascii_digit) && (b[17].is_ascii_digit() || b[17] == b'X');
            if !shape {
                return Err(Reason::Format);
            }
            let date = format!("{}-{}-{}", &value[6..10], &value[10..12], &value[12..14]);
            if calendar::parse_date(&date).is_none() {
                return Err(Reason::Format);
            }
            if gb11643_check_digit(&value[..17]) != Some(char::from(b[17])) {
                return Err(Reason::CheckDigit);
            }
        }
        FieldType::Uscc => {
            if value.len() != 18 || !value.chars().all(|c| GB32100_CHARSET.contains(c)) {
                return Err(Reason::Format);
            }
            if gb32100_check_digit(&value[..17]).map(String::from).as_deref() != Some(&value[17..]) {
                return Err(Reason::CheckDigit);
            }
        }
        FieldType::Phone => {
            if !is_mobile(value) && !is_landline(value) {
                return Err(Reason::Format);
            }
        }
        FieldType::Choice => {
            if !f.options.iter().any(|o| o.value == value) {
                return Err(Reason::Choice);
            }
        }
    }
    match f.rules.format.as_deref() {
        Some("mobile") if !is_mobile(value) => return Err(Reason::Format),
        Some("postcode") if !(value.len() == 6 && value.bytes().all(|b| b.is_ascii_digit())) => return Err(Reason::Format),
        _ => {}
    }
    let n = u32::try_from(value.chars().count()).unwrap_or(u32::MAX);
    if f.rules.max_length.is_some_and(|m| n > m) || f.rules.min_length.is_some_and(|m| n < m) {
        return Err(Reason::Length);
    }
    Ok(())
}

/// The served body and its strong entity tag.
pub(crate) struct Served {
    pub(crate) body: axum::body::Bytes,
    pub(crate) etag: String,
}

/// Serialises the catalogue (the documented shape exactly: the typed model re-serialised).
pub(crate) fn serve(cat: &ServiceCatalogue) -> Result<Served, String> {
    let body = serde_json::to_vec(cat).map_err(|e| format!("catalogue does not serialise: {e}"))?;
    let etag = format!("\"{}\"", super::jose::sha256_b64u(&body));
    Ok(Served { body: body.into(), etag })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::Fixtures;

    fn loaded() -> (&'static ServiceCatalogue, licences::Catalogue) {
        let cat = match service_catalogue() {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        let Ok(f) = Fixtures::load() else { panic!("fixtures") };
        let Ok(lic) = licences::Catalogue::build(&f) else { panic!("licences") };
        (cat, lic)
    }

    #[test]
    fn the_catalogue_validates() {
        let (cat, lic) = loaded();
        if let Err(e) = validate(cat, &lic) {
            panic!("{e}");
        }
        assert!(cat.items.len() >= 160);
        assert!(cat.items.iter().filter(|i| i.instant).count() >= 20);
        for id in [
            "rental-registration",
            "senior-preferential-card",
            "birth-registration",
            "birth-medical-certificate",
            "social-security-card-application",
            "household-register-print",
            "property-certificate-print",
            "enterprise-establishment",
            "company-seal-engraving",
            "business-licence-change",
            "medical-insurance-enrolment",
            "disability-card-application",
            "residence-permit",
        ] {
            assert!(cat.item(id).is_some(), "{id}");
        }
        let rental = cat.item("rental-registration").map(|i| i.code.as_str());
        assert_eq!(rental, Some("440304-ZJ-0012"));
        assert!(result_office(cat, "urn:citykit:vct:rental_registration_certificate").is_some());
    }

    #[test]
    fn validation_catches_broken_data() {
        let (cat, lic) = loaded();
        let broken = |edit: &dyn Fn(&mut ServiceCatalogue)| {
            let mut c = cat.clone();
            edit(&mut c);
            validate(&c, &lic).is_err()
        };
        let item = |c: &mut ServiceCatalogue, id: &str| -> usize { c.items.iter().position(|i| i.id == id).unwrap_or(0) };
        assert!(broken(&|c| {
            let x = c.items[0].clone();
            c.items.push(x);
        }));
        assert!(broken(&|c| c.bundles[0].items.push("no-such-item".into())));
        assert!(broken(&|c| {
            let i = item(c, "rental-registration");
            c.items[i].form.fields[0].sources[0].claim = "no_such_claim".into();
        }));
        assert!(broken(&|c| {
            let i = item(c, "rental-registration");
            c.items[i].form.fields[0].sources[0].vct = "urn:citykit:vct:nothing".into();
        }));
        assert!(broken(&|c| {
            let i = item(c, "senior-preferential-card");
            c.items[i].form.fields[0].sources.clear();
        }));
        assert!(broken(&|c| {
            let i = item(c, "senior-preferential-card");
            c.items[i].checks.push("moon_is_full".into());
        }));
        assert!(broken(&|c| {
            let i = item(c, "senior-preferential-card");
            c.items[i].check_claims.clear();
        }));
        // A derivation that does not fit its claim.
        assert!(broken(&|c| {
            let i = item(c, "rental-registration");
            c.items[i].form.fields[0].sources[0].derive = Some(Derive::SexFromIdNumber);
        }));
        // Sex read into a field whose options do not hold the values.
        assert!(broken(&|c| {
            let i = item(c, "senior-preferential-card");
            if let Some(f) = c.items[i].form.fields.iter_mut().find(|f| f.field_type == FieldType::Choice && !f.sources.is_empty()) {
                f.options.retain(|o| o.value != "女");
            }
        }));
    }

    #[test]
    fn derivations() {
        let v = |s: &str| Value::String(s.to_owned());
        assert_eq!(derive_value(Some(Derive::BirthDateFromIdNumber), &v("11010519491231002X")), Some("1949-12-31".into()));
        assert_eq!(derive_value(Some(Derive::SexFromIdNumber), &v("11010519491231002X")), Some("女".into()));
        assert_eq!(derive_value(Some(Derive::SexFromIdNumber), &v("440524188001010014")), Some("男".into()));
        let a = v("广东省深圳市福田区福田街道福华三路88号");
        assert_eq!(derive_value(Some(Derive::AddressProvince), &a), Some("广东省".into()));
        assert_eq!(derive_value(Some(Derive::AddressCity), &a), Some("深圳市".into()));
        assert_eq!(derive_value(Some(Derive::AddressDistrict), &a), Some("福田区".into()));
        assert_eq!(derive_value(Some(Derive::AddressDetail), &a), Some("福田街道福华三路88号".into()));
        let b = v("上海市浦东新区陆家嘴街道浦城路210弄6号902室");
        assert_eq!(derive_value(Some(Derive::AddressProvince), &b), Some("上海市".into()));
        assert_eq!(derive_value(Some(Derive::AddressCity), &b), Some("上海市".into()));
        assert_eq!(derive_value(Some(Derive::AddressDistrict), &b), Some("浦东新区".into()));
        assert_eq!(derive_value(Some(Derive::DateCompact), &v("2026-03-05")), Some("20260305".into()));
        assert_eq!(derive_value(Some(Derive::DateZh), &v("2026-03-05")), Some("2026年3月5日".into()));
        assert_eq!(derive_value(Some(Derive::DateZh), &v("长期")), None);
        assert_eq!(derive_value(None, &serde_json::json!(89.12)), Some("89.12".into()));
        assert_eq!(Derive::parse("date_zh"), Some(Derive::DateZh));
        assert_eq!(Derive::parse("nope"), None);
    }

    #[test]
    fn form_values() {
        let field = |t: FieldType| FormField {
            name: "x".into(),
            label_zh: "x".into(),
            label_en: "x".into(),
            field_type: t,
            required: true,
            rules: FieldRules { max_length: None, min_length: None, format: None, not_future: false, not_past: false },
            options: vec![],
            sources: vec![],
        };
        let id = field(FieldType::IdNumber);
        assert_eq!(check_value(&id, "11010519491231002X", None), Ok(()));
        assert_eq!(check_value(&id, "110105194912310021", None), Err(Reason::CheckDigit));
        assert_eq!(check_value(&id, "11010519491331002X", None), Err(Reason::Format));
        assert_eq!(check_value(&id, "1101051949123100", None), Err(Reason::Format));
        let uscc = field(FieldType::Uscc);
        assert_eq!(check_value(&uscc, "91350100M000100Y43", None), Ok(()));
        assert_eq!(check_value(&uscc, "91350100M000100Y44", None), Err(Reason::CheckDigit));
        assert_eq!(check_value(&uscc, "91350100M000100I43", None), Err(Reason::Format));
        let phone = field(FieldType::Phone);
        for ok in ["13812345678", "0755-83512345", "07558351234", "010-6512345"] {
            assert_eq!(check_value(&phone, ok, None), Ok(()), "{ok}");
        }
        for bad in ["12812345678", "1381234567", "755-83512345", "0755-835123"] {
            assert_eq!(check_value(&phone, bad, None), Err(Reason::Format), "{bad}");
        }
        let mut mobile = field(FieldType::Phone);
        mobile.rules.format = Some("mobile".into());
        assert_eq!(check_value(&mobile, "0755-83512345", None), Err(Reason::Format));
        let mut post = field(FieldType::Text);
        post.rules.format = Some("postcode".into());
        assert_eq!(check_value(&post, "518048", None), Ok(()));
        assert_eq!(check_value(&post, "51804", None), Err(Reason::Format));
        let mut date = field(FieldType::Date);
        date.rules.not_future = true;
        let today = calendar::parse_date("2026-11-23");
        assert_eq!(check_value(&date, "2026-11-23", today), Ok(()));
        assert_eq!(check_value(&date, "2026-11-24", today), Err(Reason::Date));
        assert_eq!(check_value(&date, "2026/11/24", today), Err(Reason::Date));
        let mut text = field(FieldType::Text);
        text.rules.max_length = Some(3);
        assert_eq!(check_value(&text, "租金四千", None), Err(Reason::Length));
        assert_eq!(check_value(&text, "四千元", None), Ok(()));
        assert_eq!(check_value(&text, "  ", None), Err(Reason::Required));
        let mut choice = field(FieldType::Choice);
        choice.options.push(ChoiceOption { value: "男".into(), label_zh: "男".into(), label_en: "Male".into() });
        assert_eq!(check_value(&choice, "男", None), Ok(()));
        assert_eq!(check_value(&choice, "M", None), Err(Reason::Choice));
    }
}
