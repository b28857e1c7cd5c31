//! The licence-issuing offices (e-licence wallet): which licences every fixture holder has,
//! their claims, SD-JWT VC issuance (RFC 9901 selective disclosure, SD-JWT VC), and Token Status
//! Lists. The HTTP contract is the section "Licence issuers" of `docs/platform-api.md`.
//!
//! Claim names are English snake_case; values are as on the Chinese documents. Every claim,
//! `licence_number` included, is its own disclosure: a presentation that shows only
//! `age_over_18` hands the verifier no unique document number. What stays visible is what
//! verification needs: issuer, type, dates, the holder's key and the status reference.

use std::collections::{BTreeSet, HashSet};
use std::io::Write as _;

use serde_json::{json, Value};

use super::jose::{self, IdTokenSigner};
use crate::fixtures::{Address, Citizen, Fixtures, Sex};

/// `vct` of the resident ID card (居民身份证).
pub const VCT_RESIDENT_ID_CARD: &str = "urn:citykit:vct:resident_id_card";
/// `vct` of the household register (户口簿).
pub const VCT_HOUSEHOLD_REGISTER: &str = "urn:citykit:vct:household_register";
/// `vct` of the driving licence (驾驶证).
pub const VCT_DRIVING_LICENCE: &str = "urn:citykit:vct:driving_licence";
/// `vct` of the vehicle registration (机动车行驶证).
pub const VCT_VEHICLE_REGISTRATION: &str = "urn:citykit:vct:vehicle_registration";
/// `vct` of the business licence (营业执照), held by an enterprise.
pub const VCT_BUSINESS_LICENCE: &str = "urn:citykit:vct:business_licence";
/// `vct` of the marriage certificate (结婚证).
pub const VCT_MARRIAGE_CERTIFICATE: &str = "urn:citykit:vct:marriage_certificate";
/// `vct` of the birth medical certificate (出生医学证明), held by the child.
pub const VCT_BIRTH_MEDICAL_CERTIFICATE: &str = "urn:citykit:vct:birth_medical_certificate";
/// `vct` of the real-estate certificate (不动产权证书).
pub const VCT_REAL_ESTATE_CERTIFICATE: &str = "urn:citykit:vct:real_estate_certificate";
/// `vct` of the social security card (社会保障卡).
pub const VCT_SOCIAL_SECURITY_CARD: &str = "urn:citykit:vct:social_security_card";

/// An office that issues electronic licences, with its own ES256 key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LicenceOffice {
    /// Office id, the last path segment of its issuer identifier `{issuer}/issuers/{id}`.
    pub id: &'static str,
    /// Chinese name, e.g. `公安局`.
    pub name: &'static str,
    /// The licence types (`vct`) it issues.
    pub vcts: &'static [&'static str],
}

/// The licence-issuing offices, in the order of `docs/platform-api.md`.
pub const LICENCE_OFFICES: &[LicenceOffice] = &[
    LicenceOffice { id: "public-security", name: "公安局", vcts: &[VCT_RESIDENT_ID_CARD, VCT_HOUSEHOLD_REGISTER] },
    LicenceOffice { id: "traffic-police", name: "交警支队", vcts: &[VCT_DRIVING_LICENCE, VCT_VEHICLE_REGISTRATION] },
    LicenceOffice { id: "market-regulation", name: "市场监督管理局", vcts: &[VCT_BUSINESS_LICENCE] },
    LicenceOffice { id: "civil-affairs", name: "民政局", vcts: &[VCT_MARRIAGE_CERTIFICATE] },
    LicenceOffice { id: "health", name: "卫生健康委员会", vcts: &[VCT_BIRTH_MEDICAL_CERTIFICATE] },
    LicenceOffice { id: "housing", name: "住房和建设局", vcts: &[VCT_REAL_ESTATE_CERTIFICATE] },
    LicenceOffice { id: "human-resources", name: "人力资源和社会保障局", vcts: &[VCT_SOCIAL_SECURITY_CARD] },
];

/// The licence-issuing offices (same as [`LICENCE_OFFICES`]).
pub fn licence_offices() -> &'static [LicenceOffice] {
    LICENCE_OFFICES
}

/// Number of entries (bits) of every office's status list: room for the licences and for many
/// batches of copies (each copy takes its own index), 8 KiB before compression.
pub(crate) const STATUS_LIST_SIZE: u32 = 1 << 16;
/// `ttl` of a status list token (seconds).
pub(crate) const STATUS_LIST_TTL_SECS: i64 = 300;
/// Lifetime of a status list token (seconds).
pub(crate) const STATUS_LIST_LIFETIME_SECS: i64 = 86_400;

/// The index of the office issuing `vct`.
pub(crate) fn office_of_vct(vct: &str) -> Option<usize> {
    LICENCE_OFFICES.iter().position(|o| o.vcts.contains(&vct))
}

/// The index of the office with this id.
pub(crate) fn office_index(id: &str) -> Option<usize> {
    LICENCE_OFFICES.iter().position(|o| o.id == id)
}

/// One licence a holder has: everything but the per-issuance parts (salts, key, times).
#[derive(Debug, Clone)]
pub(crate) struct LicenceRecord {
    /// Citizen or enterprise id.
    pub(crate) holder: String,
    pub(crate) vct: &'static str,
    /// Index into [`LICENCE_OFFICES`].
    pub(crate) office: usize,
    /// Stable index in the office's status list.
    pub(crate) status_idx: u32,
    pub(crate) licence_number: String,
    /// Disclosable claims, in display order.
    pub(crate) claims: Vec<(&'static str, Value)>,
    /// Birth date of the holder, for the age predicates of the resident ID card.
    age_of: Option<Citizen>,
}

/// Every licence of every fixture holder.
#[derive(Debug)]
pub(crate) struct Catalogue {
    records: Vec<LicenceRecord>,
}

fn sex_zh(sex: Sex) -> &'static str {
    match sex {
        Sex::Male => "男",
        Sex::Female => "女",
    }
}

fn line(a: &Address) -> Value {
    Value::String(a.one_line())
}

fn s(v: &str) -> Value {
    Value::String(v.to_owned())
}

const NATIONALITY: &str = "中国";

impl Catalogue {
    /// Derives every licence from the fixture data. Fails on inconsistent data (validated
    /// fixtures do not fail).
    pub(crate) fn build(f: &Fixtures) -> Result<Catalogue, String> {
        let mut records = Vec::new();
        let facts = f.licence_facts();
        let citizen = |id: &str| f.citizen(id).ok_or_else(|| format!("licence facts name an unknown citizen {id}"));
        let ethnicity = |id: &str| f.person_facts(id).map(|p| s(&p.ethnicity)).ok_or_else(|| format!("no person facts for {id}"));
        let mut push =
            |holder: &str, vct: &'static str, licence_number: &str, claims: Vec<(&'static str, Value)>, age_of: Option<Citizen>| {
                records.push(LicenceRecord {
                    holder: holder.to_owned(),
                    vct,
                    office: 0,
                    status_idx: 0,
                    licence_number: licence_number.to_owned(),
                    claims,
                    age_of,
                });
            };

        for c in f.citizens() {
            let p = f.person_facts(&c.id).ok_or_else(|| format!("no person facts for {}", c.id))?;
            let (home, member) = f.household_of(&c.id).ok_or_else(|| format!("no household for {}", c.id))?;
            let id = &p.resident_id_card;
            push(
                &c.id,
                VCT_RESIDENT_ID_CARD,
                &id.licence_number,
                vec![
                    ("name", s(&c.name)),
                    ("sex", s(sex_zh(c.sex))),
                    ("ethnicity", s(&p.ethnicity)),
                    ("birth_date", s(&c.birth_date)),
                    ("address", line(&home.address)),
                    ("id_number", s(&c.id_number)),
                    ("issuing_authority", s(&id.issuing_authority)),
                    ("valid_from", s(&id.valid_from)),
                    ("valid_until", s(&id.valid_until)),
                ],
                Some(c.clone()),
            );
            let head = home
                .members
                .first()
                .map(|m| citizen(&m.citizen))
                .transpose()?
                .ok_or_else(|| format!("household of {} has no head", c.id))?;
            push(
                &c.id,
                VCT_HOUSEHOLD_REGISTER,
                &member.licence_number,
                vec![
                    ("household_number", s(&home.number)),
                    ("household_type", s(&home.kind)),
                    ("head_name", s(&head.name)),
                    ("relation_to_head", s(&member.relation)),
                    ("address", line(&home.address)),
                    ("name", s(&c.name)),
                    ("sex", s(sex_zh(c.sex))),
                    ("ethnicity", s(&p.ethnicity)),
                    ("birth_date", s(&c.birth_date)),
                    ("birthplace", s(&member.birthplace)),
                    ("id_number", s(&c.id_number)),
                    ("registration_date", s(&member.registration_date)),
                    ("issuing_authority", s(&home.issuing_authority)),
                ],
                None,
            );
            if let Some(d) = facts.driving_licences.iter().find(|d| d.holder == c.id) {
                push(
                    &c.id,
                    VCT_DRIVING_LICENCE,
                    &d.licence_number,
                    vec![
                        ("name", s(&c.name)),
                        ("sex", s(sex_zh(c.sex))),
                        ("nationality", s(NATIONALITY)),
                        ("address", line(&c.address)),
                        ("birth_date", s(&c.birth_date)),
                        ("id_number", s(&c.id_number)),
                        ("first_issue_date", s(&d.first_issue_date)),
                        ("licence_class", s(&d.licence_class)),
                        ("valid_from", s(&d.valid_from)),
                        ("valid_until", s(&d.valid_until)),
                        ("file_number", s(&d.file_number)),
                        ("issuing_authority", s(&d.issuing_authority)),
                    ],
                    None,
                );
            }
            if let Some(v) = facts.vehicle_registrations.iter().find(|v| v.holder == c.id) {
                push(
                    &c.id,
                    VCT_VEHICLE_REGISTRATION,
                    &v.licence_number,
                    vec![
                        ("vehicle_plate", s(&v.vehicle_plate)),
                        ("vehicle_type", s(&v.vehicle_type)),
                        ("owner_name", s(&c.name)),
                        ("address", line(&c.address)),
                        ("use_character", s(&v.use_character)),
                        ("brand_model", s(&v.brand_model)),
                        ("vin", s(&v.vin)),
                        ("engine_number", s(&v.engine_number)),
                        ("registration_date", s(&v.registration_date)),
                        ("issue_date", s(&v.issue_date)),
                        ("issuing_authority", s(&v.issuing_authority)),
                    ],
                    None,
                );
            }
            if let Some(m) = facts.marriages.iter().find(|m| m.husband == c.id || m.wife == c.id) {
                let spouse = citizen(if m.husband == c.id { &m.wife } else { &m.husband })?;
                push(
                    &c.id,
                    VCT_MARRIAGE_CERTIFICATE,
                    &m.licence_number,
                    vec![
                        ("name", s(&c.name)),
                        ("sex", s(sex_zh(c.sex))),
                        ("nationality", s(NATIONALITY)),
                        ("birth_date", s(&c.birth_date)),
                        ("id_number", s(&c.id_number)),
                        ("spouse_name", s(&spouse.name)),
                        ("spouse_sex", s(sex_zh(spouse.sex))),
                        ("spouse_nationality", s(NATIONALITY)),
                        ("spouse_birth_date", s(&spouse.birth_date)),
                        ("spouse_id_number", s(&spouse.id_number)),
                        ("registration_date", s(&m.registration_date)),
                        ("issuing_authority", s(&m.issuing_authority)),
                    ],
                    None,
                );
            }
            if let Some(b) = facts.births.iter().find(|b| b.child == c.id) {
                let (father, mother) = (citizen(&b.father)?, citizen(&b.mother)?);
                push(
                    &c.id,
                    VCT_BIRTH_MEDICAL_CERTIFICATE,
                    &b.licence_number,
                    vec![
                        ("name", s(&c.name)),
                        ("sex", s(sex_zh(c.sex))),
                        ("birth_date", s(&c.birth_date)),
                        ("birth_time", s(&b.birth_time)),
                        ("birthplace", s(&b.birthplace)),
                        ("birth_institution", s(&b.birth_institution)),
                        ("gestational_weeks", json!(b.gestational_weeks)),
                        ("birth_weight_g", json!(b.birth_weight_g)),
                        ("birth_length_cm", json!(b.birth_length_cm)),
                        ("mother_name", s(&mother.name)),
                        ("mother_nationality", s(NATIONALITY)),
                        ("mother_ethnicity", ethnicity(&mother.id)?),
                        ("mother_id_number", s(&mother.id_number)),
                        ("father_name", s(&father.name)),
                        ("father_nationality", s(NATIONALITY)),
                        ("father_ethnicity", ethnicity(&father.id)?),
                        ("father_id_number", s(&father.id_number)),
                        ("issue_date", s(&b.issue_date)),
                        ("issuing_authority", s(&b.issuing_authority)),
                    ],
                    None,
                );
            }
            if let Some((prop, own)) = facts.properties.iter().find_map(|p| p.owners.iter().find(|o| o.citizen == c.id).map(|o| (p, o))) {
                let co_owners = prop
                    .owners
                    .iter()
                    .filter(|o| o.citizen != c.id)
                    .map(|o| citizen(&o.citizen).map(|x| s(&x.name)))
                    .collect::<Result<Vec<_>, _>>()?;
                push(
                    &c.id,
                    VCT_REAL_ESTATE_CERTIFICATE,
                    &own.licence_number,
                    vec![
                        ("owner_name", s(&c.name)),
                        ("owner_id_number", s(&c.id_number)),
                        ("co_ownership", s(&prop.co_ownership)),
                        ("co_owners", Value::Array(co_owners)),
                        ("property_address", line(&prop.address)),
                        ("unit_number", s(&prop.unit_number)),
                        ("right_type", s(&prop.right_type)),
                        ("right_nature", s(&prop.right_nature)),
                        ("usage", s(&prop.usage)),
                        ("unit_area_m2", json!(prop.unit_area_m2)),
                        ("land_use_until", s(&prop.land_use_until)),
                        ("registration_date", s(&prop.registration_date)),
                        ("issuing_authority", s(&prop.issuing_authority)),
                    ],
                    None,
                );
            }
            let ss = &p.social_security_card;
            push(
                &c.id,
                VCT_SOCIAL_SECURITY_CARD,
                &ss.licence_number,
                vec![
                    ("name", s(&c.name)),
                    ("sex", s(sex_zh(c.sex))),
                    ("birth_date", s(&c.birth_date)),
                    ("id_number", s(&c.id_number)),
                    ("issuing_authority", s(&ss.issuing_authority)),
                    ("issue_date", s(&ss.issue_date)),
                    ("valid_until", s(&ss.valid_until)),
                ],
                None,
            );
        }

        for e in f.enterprises() {
            let b = facts
                .business_licences
                .iter()
                .find(|b| b.enterprise == e.id)
                .ok_or_else(|| format!("no business licence facts for {}", e.id))?;
            let rep = citizen(&e.legal_representative)?;
            let mut claims = vec![
                ("name", s(&e.name)),
                ("uscc", s(&e.uscc)),
                ("entity_type", s(&b.entity_type)),
                ("legal_representative", s(&rep.name)),
            ];
            if let Some(capital) = &b.registered_capital {
                claims.push(("registered_capital", s(capital)));
            }
            if let Some(form) = &b.composition_form {
                claims.push(("composition_form", s(form)));
            }
            claims.extend([
                ("established_date", s(&b.established_date)),
                ("business_term_until", s(&b.business_term_until)),
                ("address", line(&e.address)),
                ("business_scope", s(&b.business_scope)),
                ("issuing_authority", s(&b.issuing_authority)),
            ]);
            push(&e.id, VCT_BUSINESS_LICENCE, &e.uscc, claims, None);
        }

        // Offices and status indices: each office numbers its licences in catalogue order and
        // spreads them over its list by an odd multiplier (a bijection modulo 2^16), so that
        // neighbouring indices do not belong to the same holder.
        let mut counters = [0u32; LICENCE_OFFICES.len()];
        let mut seen = HashSet::new();
        for r in &mut records {
            r.office = office_of_vct(r.vct).ok_or("a vct without an office")?;
            let n = counters.get_mut(r.office).ok_or("office index out of range")?;
            if *n >= STATUS_LIST_SIZE {
                return Err("too many licences for one status list".into());
            }
            r.status_idx = status_index(*n);
            *n += 1;
            if !seen.insert((r.holder.clone(), r.vct)) {
                return Err(format!("{} has two licences of one type", r.holder));
            }
        }
        Ok(Catalogue { records })
    }

    /// The claim names licences of this type carry (every holder's), with the resident ID
    /// card's age predicates; empty for a type no office issues.
    pub(crate) fn claim_names(&self, vct: &str) -> BTreeSet<&'static str> {
        let mut names: BTreeSet<&'static str> =
            self.records.iter().filter(|r| r.vct == vct).flat_map(|r| r.claims.iter().map(|(n, _)| *n)).collect();
        if vct == VCT_RESIDENT_ID_CARD && !names.is_empty() {
            names.extend(["age_over_18", "age_over_60"]);
        }
        names
    }

    /// Every fixture holder's value of this claim in licences of this type.
    pub(crate) fn claim_values<'a>(&'a self, vct: &'a str, claim: &'a str) -> Vec<&'a Value> {
        self.records.iter().filter(|r| r.vct == vct).filter_map(|r| r.claims.iter().find(|(n, _)| *n == claim).map(|(_, v)| v)).collect()
    }

    /// How many licences the office issues to fixture holders (status indices in use).
    pub(crate) fn count_of_office(&self, office: usize) -> u32 {
        let n = self.records.iter().filter(|r| r.office == office).count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// The licence with this office and status index.
    pub(crate) fn find_by_status(&self, office: usize, idx: u32) -> Option<&LicenceRecord> {
        self.records.iter().find(|r| r.office == office && r.status_idx == idx)
    }

    /// The holder's licence of this type.
    pub(crate) fn find(&self, holder: &str, vct: &str) -> Option<&LicenceRecord> {
        self.records.iter().find(|r| r.holder == holder && r.vct == vct)
    }

    /// The holder's licences, in catalogue order.
    pub(crate) fn of_holder<'a>(&'a self, holder: &'a str) -> impl Iterator<Item = &'a LicenceRecord> + 'a {
        self.records.iter().filter(move |r| r.holder == holder)
    }
}

/// The status index of an office's `n`-th licence: licences are spread over the list by an odd
/// multiplier (a bijection modulo the list size, a power of two), so neighbouring indices do not
/// belong to one holder. Copies (batch issuance) take `n` from the top of the range.
pub(crate) fn status_index(n: u32) -> u32 {
    (n.wrapping_mul(5779).wrapping_add(1237)) % STATUS_LIST_SIZE
}

impl LicenceRecord {
    /// A licence issued by a case (a result licence): its claims are given in full.
    pub(crate) fn issued_by_case(
        holder: &str,
        vct: &'static str,
        office: usize,
        status_idx: u32,
        licence_number: String,
        claims: Vec<(&'static str, Value)>,
    ) -> LicenceRecord {
        LicenceRecord { holder: holder.to_owned(), vct, office, status_idx, licence_number, claims, age_of: None }
    }

    /// A disclosable claim's value.
    pub(crate) fn claim(&self, name: &str) -> Option<&Value> {
        self.claims.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
}

/// Times of one issuance (unix seconds).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Times {
    pub(crate) iat: i64,
    pub(crate) nbf: i64,
    pub(crate) exp: i64,
}

/// The civil date (year, month, day) of a unix time in China Standard Time (UTC+8).
pub(crate) fn china_date(unix: i64) -> (i32, u32, u32) {
    super::calendar::civil_from_days(super::calendar::china_day(unix))
}

/// One disclosure: (the base64url disclosure, its digest).
fn disclosure(name: &str, value: &Value) -> (String, String) {
    let salt = jose::random_b64u::<16>();
    let encoded = jose::b64u(json!([salt, name, value]).to_string());
    let digest = jose::sha256_b64u(encoded.as_bytes());
    (encoded, digest)
}

/// Issues `record` as an SD-JWT VC: `<issuer-signed JWT>~<disclosure>~…~`.
pub(crate) fn issue(record: &LicenceRecord, key: &IdTokenSigner, issuer: &str, holder_jwk: &Value, times: Times) -> String {
    use rand::Rng as _;
    let office = LICENCE_OFFICES.get(record.office).map_or("", |o| o.id);
    let mut claims = record.claims.clone();
    claims.push(("licence_number", Value::String(record.licence_number.clone())));
    if let Some(person) = &record.age_of {
        let (y, m, d) = china_date(times.iat);
        let age = person.age_on(y, m, d).unwrap_or(0);
        claims.push(("age_over_18", Value::Bool(age >= 18)));
        claims.push(("age_over_60", Value::Bool(age >= 60)));
    }
    let mut disclosures = Vec::with_capacity(claims.len());
    let mut digests = Vec::with_capacity(claims.len() + 4);
    for (name, value) in &claims {
        let (d, h) = disclosure(name, value);
        disclosures.push(d);
        digests.push(h);
    }
    let decoys = rand::rngs::OsRng.gen_range(2..=4);
    for _ in 0..decoys {
        digests.push(jose::sha256_b64u(jose::random_token().as_bytes()));
    }
    digests.sort();
    let payload = json!({
        "iss": format!("{issuer}/issuers/{office}"),
        "iat": times.iat,
        "nbf": times.nbf,
        "exp": times.exp,
        "vct": record.vct,
        "cnf": {"jwk": holder_jwk},
        "status": {"status_list": {
            "idx": record.status_idx,
            "uri": format!("{issuer}/status/{office}"),
        }},
        "_sd_alg": "sha-256",
        "_sd": digests,
    });
    let jwt = key.sign_typed("dc+sd-jwt", &payload);
    let mut out = jwt;
    out.push('~');
    for d in &disclosures {
        out.push_str(d);
        out.push('~');
    }
    out
}

/// The Token Status List JWT of an office: bit `idx` (LSB first within each byte) is 1 when
/// the licence with that index is revoked.
pub(crate) fn status_list_jwt(key: &IdTokenSigner, uri: &str, revoked: impl IntoIterator<Item = u32>, now: i64) -> std::io::Result<String> {
    let mut bytes = vec![0u8; (STATUS_LIST_SIZE / 8) as usize];
    for idx in revoked {
        if let Some(b) = bytes.get_mut((idx / 8) as usize) {
            *b |= 1 << (idx % 8);
        }
    }
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&bytes)?;
    let compressed = encoder.finish()?;
    let payload = json!({
        "sub": uri,
        "iat": now,
        "exp": now + STATUS_LIST_LIFETIME_SECS,
        "ttl": STATUS_LIST_TTL_SECS,
        "status_list": {"bits": 1, "lst": jose::b64u(compressed)},
    });
    Ok(key.sign_typed("statuslist+jwt", &payload))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn china_dates() {
        assert_eq!(china_date(0), (1970, 1, 1));
        // 2026-11-22T16:00:00Z is already the 23rd in Beijing.
        assert_eq!(china_date(1_795_363_200 - 1), (2026, 11, 22));
        assert_eq!(china_date(1_795_363_200), (2026, 11, 23));
        assert_eq!(china_date(951_782_400), (2000, 2, 29));
    }

    #[test]
    fn catalogue_is_complete_and_indices_unique() {
        let Ok(f) = Fixtures::load() else { panic!("fixtures") };
        let Ok(cat) = Catalogue::build(&f) else { panic!("catalogue") };
        for c in f.citizens() {
            assert!(cat.find(&c.id, VCT_RESIDENT_ID_CARD).is_some());
            assert!(cat.find(&c.id, VCT_HOUSEHOLD_REGISTER).is_some());
            assert!(cat.find(&c.id, VCT_SOCIAL_SECURITY_CARD).is_some());
        }
        for e in f.enterprises() {
            assert_eq!(cat.of_holder(&e.id).count(), 1);
        }
        let mut seen = HashSet::new();
        for r in &cat.records {
            assert!(r.status_idx < STATUS_LIST_SIZE);
            assert!(seen.insert((r.office, r.status_idx)));
            assert!(r.claims.iter().all(|(n, _)| *n != "licence_number"));
        }
    }
}
