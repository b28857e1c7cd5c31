//! The generator's tables, written from the domain (docs/population.md, "The generative model"):
//! the steps of the life-event walks, the follow-ups between services (a first-order, Markov-ish
//! structure: one case makes another likely some days later), and the weights of background
//! cases and browsing.
//!
//! They describe how people plausibly use a city's services; they are not fitted to any
//! recommender. Chances are per occurrence; windows are in days.

use std::sync::OnceLock;

use citykit_core::catalogue::Audience;

use super::generate::{step, Step};

/// A service that often follows another.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FollowUp {
    pub from: &'static str,
    pub to: &'static str,
    pub p: f64,
    pub after: (i64, i64),
}

const fn follow(from: &'static str, to: &'static str, p: f64, lo: i64, hi: i64) -> FollowUp {
    FollowUp { from, to, p, after: (lo, hi) }
}

/// Follow-ups after any case of `from` (also after follow-ups, two levels deep).
pub(crate) const FOLLOW_UPS: &[FollowUp] = &[
    // Travel documents: a passport, then often the Hong Kong / Macao permit; a no-criminal-record
    // certificate is often for a visa.
    follow("passport-application", "hk-macau-permit", 0.30, 7, 60),
    follow("criminal-record-certificate", "passport-application", 0.15, 7, 60),
    // Lost cards.
    follow("resident-id-replacement", "temporary-id-card", 0.25, 0, 2),
    follow("social-security-card-suspension", "social-security-card-replacement", 0.85, 1, 14),
    follow("driving-licence-replacement", "driver-info-change", 0.20, 0, 30),
    // Points piling up send some drivers to the licence review.
    follow("traffic-violation-handling", "driving-licence-review", 0.04, 14, 90),
    // A divorce: proof of status, the home's registration, the household.
    follow("divorce-registration", "marriage-record-certificate", 0.30, 7, 90),
    follow("divorce-registration", "property-change-registration", 0.25, 30, 180),
    follow("divorce-registration", "hukou-move-within-city", 0.15, 30, 180),
    // Health.
    follow("chronic-disease-recognition", "manual-medical-reimbursement", 0.30, 14, 120),
    follow("out-of-area-medical-filing", "manual-medical-reimbursement", 0.40, 30, 150),
    follow("work-injury-determination", "work-capacity-appraisal", 0.40, 60, 180),
    follow("work-injury-determination", "manual-medical-reimbursement", 0.30, 14, 90),
    follow("labour-arbitration", "unemployment-registration", 0.20, 0, 60),
    // Self-employment.
    follow("individual-business-registration", "flexible-employment-insurance", 0.40, 7, 60),
    follow("individual-business-registration", "startup-subsidy", 0.40, 30, 120),
    follow("startup-subsidy", "startup-guaranteed-loan", 0.25, 14, 120),
    // Household registration moves bring their certificates and transfers.
    follow("talent-hukou", "household-register-print", 0.30, 7, 60),
    follow("talent-hukou", "pension-transfer", 0.20, 30, 180),
    follow("talent-hukou", "medical-insurance-transfer", 0.25, 30, 180),
    follow("graduate-hukou", "household-register-print", 0.30, 7, 60),
    follow("hukou-move-within-city", "household-register-print", 0.30, 3, 30),
    follow("hukou-move-within-city", "resident-id-renewal", 0.25, 7, 60),
    follow("name-change", "resident-id-renewal", 0.60, 3, 30),
    follow("name-change", "household-register-print", 0.50, 3, 30),
    follow("pension-transfer", "medical-insurance-transfer", 0.50, 0, 30),
    follow("medical-insurance-transfer", "pension-transfer", 0.30, 0, 30),
    // Support schemes.
    follow("disability-card-application", "disability-subsidies", 0.70, 14, 60),
    follow("disability-card-application", "assistive-device-subsidy", 0.30, 30, 180),
    follow("veteran-info-collection", "veteran-preferential-card", 0.60, 14, 90),
    follow("veteran-preferential-card", "veteran-benefits", 0.40, 30, 180),
    follow("minimum-living-allowance", "temporary-assistance", 0.15, 30, 180),
    follow("minimum-living-allowance", "public-rental-housing", 0.15, 30, 240),
    follow("affordable-housing-waiting-list", "public-rental-housing", 0.20, 30, 240),
    follow("public-rental-housing", "rental-registration", 0.50, 60, 240),
    follow("adoption-registration", "newborn-hukou-registration", 0.60, 7, 60),
    follow("adoption-registration", "newborn-medical-insurance", 0.50, 14, 90),
    follow("retirement-application", "only-child-parent-reward", 0.10, 30, 180),
    // Homes.
    follow("mortgage-cancellation", "property-certificate-print", 0.30, 7, 60),
    follow("inheritance-registration", "property-certificate-print", 0.30, 7, 60),
    follow("house-safety-appraisal", "renovation-filing", 0.30, 14, 90),
    follow("hpf-deposit-certificate", "hpf-loan", 0.15, 14, 90),
    follow("teacher-qualification", "employment-registration", 0.20, 30, 180),
    // Enterprises.
    follow("business-licence-change", "business-licence-replacement", 0.10, 3, 30),
    follow("business-licence-change", "company-seal-engraving", 0.10, 3, 30),
    follow("enterprise-relocation", "business-licence-change", 0.50, 0, 30),
    follow("branch-establishment", "company-seal-engraving", 0.50, 3, 20),
    follow("branch-establishment", "tax-registration-confirmation", 0.50, 7, 30),
    follow("branch-establishment", "enterprise-social-insurance-registration", 0.30, 14, 60),
    follow("vat-general-taxpayer", "invoice-application", 0.50, 3, 30),
    follow("construction-permit", "special-equipment-registration", 0.30, 90, 365),
];

/// Marriage (the certificate arrives with the registration): the steps after it.
pub(crate) const MARRIAGE_AFTER: &[Step] = &[step("household-register-print", 0.35, 7, 120), step("spouse-hukou-transfer", 0.30, 14, 180)];

/// A birth (the birth medical certificate arrives with its case, or from the hospital): the
/// newborn bundle in its order, each step in a later window.
pub(crate) const BIRTH_AFTER: &[Step] = &[
    step("birth-registration", 0.70, 0, 20),
    step("newborn-hukou-registration", 0.0, 10, 40), // the chance depends on the household (people.rs)
    step("newborn-medical-insurance", 0.80, 15, 60),
    step("social-security-card-application", 0.50, 20, 90),
    step("vaccination-certificate", 0.50, 30, 150),
    step("childcare-subsidy", 0.60, 30, 180),
    step("maternity-allowance", 0.50, 42, 150),
    step("maternity-medical-reimbursement", 0.35, 20, 90),
];

/// Buying a new home, from the contract (the real-estate certificate arrives with the title
/// registration, see people.rs).
pub(crate) const NEW_HOME_BEFORE_TITLE: &[Step] =
    &[step("advance-notice-registration", 0.30, 1, 20), step("hpf-loan", 0.45, 7, 40), step("deed-tax-declaration", 0.80, 20, 80)];

/// Buying a resale home, from the contract.
pub(crate) const RESALE_BEFORE_TITLE: &[Step] = &[step("hpf-loan", 0.35, 5, 30), step("deed-tax-declaration", 0.85, 10, 40)];

/// After the title registration of a bought home.
pub(crate) const HOME_AFTER_TITLE: &[Step] = &[
    step("mortgage-registration", 0.55, 0, 30),
    step("hpf-withdrawal-purchase", 0.45, 3, 90),
    step("renovation-filing", 0.35, 30, 180),
    step("property-certificate-print", 0.10, 30, 365),
];

/// Before a contract: proofs buyers are asked for.
pub(crate) const HOME_PROOFS: &[Step] = &[
    step("insurance-record-print", 0.30, -60, -20),
    step("no-property-certificate", 0.25, -45, -10),
    step("marriage-record-certificate", 0.10, -45, -10),
    step("hpf-deposit-certificate", 0.20, -40, -5),
];

/// Starting a job.
pub(crate) const EMPLOYMENT: &[Step] = &[
    step("employment-registration", 0.50, 0, 14),
    step("social-insurance-enrolment", 0.55, 3, 40),
    step("hpf-account-opening", 0.30, 10, 60),
    step("social-security-card-application", 0.10, 14, 90),
];

/// Losing a job.
pub(crate) const UNEMPLOYMENT: &[Step] = &[
    step("unemployment-registration", 0.80, 0, 30),
    step("unemployment-benefit", 0.75, 20, 50),
    step("flexible-employment-insurance", 0.25, 30, 90),
    step("employment-hardship-recognition", 0.15, 40, 120),
    step("skill-upgrade-subsidy", 0.20, 40, 180),
];

/// Retiring (from the retirement date).
pub(crate) const RETIREMENT: &[Step] = &[
    step("retirement-application", 0.85, -45, 0),
    step("pension-qualification-certification", 0.75, 30, 120),
    step("hpf-withdrawal-retirement", 0.60, 20, 150),
];

/// After a relative's death.
pub(crate) const AFTER_DEATH: &[Step] = &[
    step("death-hukou-cancellation", 0.70, 0, 30),
    step("funeral-subsidy", 0.50, 7, 60),
    step("inheritance-registration", 0.0, 60, 365), // only where there is a home (people.rs)
];

/// Opening a business, from the business licence.
pub(crate) const OPENING_A_BUSINESS: &[Step] = &[
    step("company-seal-engraving", 0.85, 0, 7),
    step("tax-registration-confirmation", 0.90, 3, 20),
    step("invoice-application", 0.80, 7, 35),
    step("enterprise-social-insurance-registration", 0.75, 10, 50),
    step("enterprise-medical-insurance-registration", 0.70, 12, 55),
    step("enterprise-hpf-registration", 0.50, 20, 90),
];

/// Background cases of persons ("things the model does not explain": errands for relatives,
/// one-off proofs), weighted by how commonly a city's residents use each service. Items not
/// listed weigh [`OTHER_PERSON_WEIGHT`].
pub(crate) const PERSON_BACKGROUND: &[(&str, f64)] = &[
    ("insurance-record-print", 8.0),
    ("hk-macau-permit", 8.0),
    ("medical-insurance-certificate-print", 4.0),
    ("hpf-deposit-certificate", 4.0),
    ("household-certificate-issuance", 4.0),
    ("passport-application", 4.0),
    ("resident-id-replacement", 3.0),
    ("tax-payment-certificate", 3.0),
    ("criminal-record-certificate", 3.0),
    ("e-bike-registration", 3.0),
    ("manual-medical-reimbursement", 3.0),
    ("social-security-card-replacement", 2.0),
    ("out-of-area-medical-filing", 2.0),
    ("family-account-sharing", 2.0),
    ("no-property-certificate", 2.0),
    ("marriage-record-certificate", 2.0),
    ("household-register-print", 2.0),
    ("rental-registration", 2.0),
    ("residence-permit", 2.0),
    ("vaccination-certificate", 2.0),
    ("individual-invoice-issuance", 1.5),
    ("dog-registration", 1.5),
    ("driver-info-change", 1.5),
    ("individual-income-tax-reconciliation", 1.5),
];
/// The weight of every other person service in the background.
pub(crate) const OTHER_PERSON_WEIGHT: f64 = 0.3;

/// Background cases of enterprises.
pub(crate) const ENTERPRISE_BACKGROUND: &[(&str, f64)] = &[
    ("invoice-application", 4.0),
    ("enterprise-employee-enrolment", 3.0),
    ("business-licence-change", 2.0),
    ("cross-region-tax-report", 1.0),
    ("company-seal-engraving", 1.0),
    ("business-licence-replacement", 1.0),
];
/// The weight of every other enterprise service in the background.
pub(crate) const OTHER_ENTERPRISE_WEIGHT: f64 = 0.3;

/// The background weights of every service of `audience` in the catalogue (catalogue order).
pub(crate) fn background(audience: Audience) -> &'static [(&'static str, f64)] {
    static PERSON: OnceLock<Vec<(&'static str, f64)>> = OnceLock::new();
    static ENTERPRISE: OnceLock<Vec<(&'static str, f64)>> = OnceLock::new();
    let (cell, listed, other) = match audience {
        Audience::Person => (&PERSON, PERSON_BACKGROUND, OTHER_PERSON_WEIGHT),
        Audience::Enterprise => (&ENTERPRISE, ENTERPRISE_BACKGROUND, OTHER_ENTERPRISE_WEIGHT),
    };
    cell.get_or_init(|| match super::catalogue::builtin() {
        Ok(catalogue) => catalogue
            .items
            .iter()
            .filter(|item| item.audience == audience)
            .map(|item| {
                let id = item.id.as_str();
                (id, listed.iter().find(|(listed, _)| *listed == id).map_or(other, |(_, w)| *w))
            })
            .collect(),
        Err(_) => listed.to_vec(),
    })
}

/// The licence the catalogue says a finished case of `item` issues (its `result`), if any.
pub(crate) fn result_licence(item: &str) -> Option<&'static str> {
    static RESULTS: OnceLock<Vec<(&'static str, &'static str)>> = OnceLock::new();
    RESULTS
        .get_or_init(|| match super::catalogue::builtin() {
            Ok(catalogue) => catalogue.items.iter().filter_map(|i| i.result.as_ref().map(|r| (i.id.as_str(), r.vct.as_str()))).collect(),
            Err(_) => Vec::new(),
        })
        .iter()
        .find(|(id, _)| *id == item)
        .map(|(_, vct)| *vct)
}
