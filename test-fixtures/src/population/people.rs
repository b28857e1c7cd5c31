//! How a synthetic person lives through the five years (docs/population.md, "Persons").
//!
//! A person is drawn at the window's start (age, district, household, home, car, work, habits),
//! then lived month by month: life events arrive by monthly hazards that depend on the state
//! (marriage → births → a home; a car), and each one walks its services in their order with
//! delays, steps skipped by chance; the profile brings its recurring needs (a car: inspections
//! and violations; children: subsidies and school places at the right ages; age: retirement and
//! elderly care; renting: moves and provident-fund withdrawals; work: the yearly tax
//! reconciliation); documents wear out; background cases and browsing come on top.

use citykit_core::catalogue::Audience;
use citykit_core::recommend::{vct, AgeBand, ProfileFacts};

use super::format::{EventType, PopulationRecord, RecordKind, DAY, YEAR};
use super::generate::{step, Life, Step, WINDOW_START};
use super::tables::{self, AFTER_DEATH, BIRTH_AFTER, EMPLOYMENT, HOME_AFTER_TITLE, HOME_PROOFS, MARRIAGE_AFTER, RETIREMENT, UNEMPLOYMENT};

/// Shenzhen's districts, weighted by resident population (roughly).
pub(crate) const DISTRICTS: &[(&str, f64)] = &[
    ("futian", 15.0),
    ("luohu", 11.0),
    ("nanshan", 16.0),
    ("yantian", 2.0),
    ("baoan", 25.0),
    ("longgang", 23.0),
    ("longhua", 15.0),
    ("pingshan", 3.0),
    ("guangming", 6.0),
    ("dapeng", 1.0),
];

struct Person {
    age0: u32,
    /// The day of the year their birthday falls on (for age-triggered events).
    birthday: i64,
    district: &'static str,
    local: bool,
    married: bool,
    married_day: Option<i64>,
    /// Birth days of their children (days from the window start; negative: before it).
    children: Vec<i64>,
    disabled_child: bool,
    /// The day the current vehicle was registered.
    vehicle: Option<i64>,
    drives: bool,
    driving_expiry: Option<i64>,
    owns: bool,
    renting: bool,
    employed: bool,
    freelancer: bool,
    retired: bool,
    retirement_age: u32,
    reemployed_on: Option<i64>,
    graduates_in: Option<u32>,
    tax_filer: bool,
    permit_holder: bool,
    hpf_rent_per_year: u32,
    senior_card: bool,
    /// The month the home-care subsidy is renewed, once granted.
    home_care: Option<usize>,
    last_assessment: Option<i64>,
    violation_rate: f64,
    disabled: bool,
    veteran: bool,
    low_income: bool,
    dog: bool,
    e_bike: bool,
    profession: Option<&'static str>,
    newcomer: bool,
    id_expiry: Option<i64>,
    background_rate: f64,
    browse_rate: f64,
    /// Until when a recent marriage or birth makes a home (and a car) likelier.
    nesting_until: i64,
    /// Months of the year for yearly errands: permit, provident fund, pension, disability,
    /// veteran, allowance, dog, self-employed insurance.
    months: [usize; 8],
}

pub(crate) fn generate(mut life: Life, id: String) -> PopulationRecord {
    let mut person = Person::draw(&mut life);
    let profile = person.profile();
    person.live(&mut life);
    PopulationRecord { id, kind: RecordKind::Person, since: WINDOW_START, profile, events: life.finish() }
}

impl Person {
    fn draw(life: &mut Life) -> Self {
        let band = life.pick(&[(0u8, 0.25), (1, 0.35), (2, 0.25), (3, 0.15)]);
        let age0 = match band {
            0 => life.between(18, 29),
            1 => life.between(30, 44),
            2 => life.between(45, 59),
            _ if life.chance(0.7) => life.between(60, 74),
            _ => life.between(75, 90),
        } as u32;
        let local = life.chance(if age0 < 45 { 0.4 } else { 0.6 });
        let married = life.chance(match age0 {
            0..=24 => 0.1,
            25..=29 => 0.4,
            30..=44 => 0.8,
            _ => 0.88,
        });
        let mut children = Vec::new();
        if married {
            let n = match age0 {
                0..=29 => life.pick(&[(0u32, 0.6), (1, 0.35), (2, 0.05)]),
                30..=44 => life.pick(&[(0, 0.2), (1, 0.5), (2, 0.3)]),
                _ => life.pick(&[(0, 0.1), (1, 0.5), (2, 0.4)]),
            };
            let mut child_age = i64::from(age0) - life.between(23, 36);
            for _ in 0..n {
                let age = child_age.max(0);
                children.push(-(age * 365 + life.between(0, 364)));
                child_age -= life.between(2, 6);
                if child_age < 0 {
                    break;
                }
            }
        }
        let vehicle = life
            .chance(match age0 {
                0..=29 => 0.15,
                30..=59 => 0.45,
                _ => 0.2,
            })
            .then(|| -life.between(0, 10 * 365));
        let drives = vehicle.is_some() || (age0 <= 75 && life.chance(0.3));
        let owns = life.chance(match age0 {
            0..=29 => 0.1,
            30..=44 => 0.45,
            45..=59 => 0.65,
            _ => 0.7,
        });
        let renting = !owns && life.chance(0.85);
        let retirement_age = life.pick(&[(60u32, 0.6), (55, 0.25), (50, 0.15)]);
        let retired = age0 >= retirement_age;
        let graduates_in = (age0 <= 23 && life.chance(0.5)).then(|| 23u32.saturating_sub(age0));
        let employed = !retired && graduates_in.is_none() && life.chance(0.85);
        let freelancer = !retired && !employed && graduates_in.is_none() && life.chance(0.35);
        let mut months = [0usize; 8];
        for m in &mut months {
            *m = life.between(0, 11) as usize;
        }
        Self {
            age0,
            birthday: life.between(0, 364),
            district: life.pick(DISTRICTS),
            local,
            married,
            married_day: None,
            children,
            disabled_child: life.chance(0.005),
            vehicle,
            drives,
            driving_expiry: drives.then(|| life.between(0, 8 * 365)),
            owns,
            renting,
            employed,
            freelancer,
            retired,
            retirement_age,
            reemployed_on: None,
            graduates_in,
            tax_filer: life.chance(0.4),
            permit_holder: !local && life.chance(0.6),
            hpf_rent_per_year: if renting { life.pick(&[(0u32, 0.55), (1, 0.3), (4, 0.15)]) } else { 0 },
            senior_card: age0 >= 60 && life.chance(0.8),
            home_care: None,
            last_assessment: None,
            violation_rate: life.pick(&[(0.3, 0.4), (1.0, 0.4), (2.5, 0.2)]),
            disabled: life.chance(0.02),
            veteran: life.chance(0.015),
            low_income: life.chance(if age0 >= 60 { 0.08 } else { 0.04 }),
            dog: life.chance(0.05),
            e_bike: false,
            profession: if employed {
                life.pick(&[
                    (None, 0.96),
                    (Some("teacher-qualification"), 0.02),
                    (Some("physician-registration"), 0.01),
                    (Some("nurse-registration"), 0.01),
                ])
            } else {
                None
            },
            newcomer: !local && life.chance(0.1),
            id_expiry: match age0 {
                0..=25 => Some(life.between(0, 10 * 365)),
                26..=45 => Some(life.between(0, 20 * 365)),
                _ => None,
            },
            background_rate: life.pick(&[(0.2, 1.0), (0.5, 1.0), (1.2, 1.0)]),
            browse_rate: life.pick(&[(0.3, 1.0), (1.0, 1.0), (2.5, 1.0)]),
            nesting_until: i64::MIN,
            months,
        }
    }

    fn profile(&self) -> ProfileFacts {
        ProfileFacts {
            audience: Some(Audience::Person),
            age: Some(self.age0),
            age_band: Some(AgeBand::of(self.age0)),
            has_vehicle: self.vehicle.is_some(),
            owns_property: self.owns,
            married: self.married,
            children: self.children.len() as u32,
            industry: None,
            registered_capital_wan: None,
            enterprise_age_years: None,
            district: Some(self.district.to_owned()),
        }
    }

    /// Age on `day`, counted as the evaluator counts it (whole years since the window start).
    fn age_on(&self, day: i64) -> u32 {
        self.age0 + u32::try_from(day.max(0) * DAY / YEAR).unwrap_or(0)
    }

    /// The day in year `k` of the window on which something tied to the birthday happens.
    fn birthday_in_year(&self, life: &Life, k: u32) -> Option<i64> {
        let k = k as usize;
        (k < life.months.len() / 12).then(|| life.months[k * 12] + self.birthday)
    }

    fn child_age_on(birth: i64, day: i64) -> i64 {
        (day - birth).div_euclid(365)
    }

    fn live(&mut self, life: &mut Life) {
        let months = life.months.clone();
        let retire_on = self.retirement_age.checked_sub(self.age0).filter(|_| !self.retired).and_then(|k| self.birthday_in_year(life, k));
        let turns_60 = 60u32.checked_sub(self.age0).filter(|&k| k > 0).and_then(|k| self.birthday_in_year(life, k));
        let turns_80 = 80u32.checked_sub(self.age0).filter(|&k| k > 0).and_then(|k| self.birthday_in_year(life, k));
        let graduation = self.graduates_in.and_then(|k| (k as usize * 12 + 5 < months.len() - 1).then(|| months[k as usize * 12 + 5]));
        for m in 0..months.len() - 1 {
            let (d0, d1) = (months[m], months[m + 1]);
            let in_month = |day: Option<i64>| day.is_some_and(|d| (d0..d1).contains(&d));
            let moy = m % 12;
            let year_start = months[m - moy];
            let age = self.age_on(d0);
            let any = |life: &mut Life| life.between(d0, d1 - 1);

            // Life events.
            if !self.married && (((22..=40).contains(&age) && life.monthly(0.08)) || ((41..=55).contains(&age) && life.monthly(0.02))) {
                let t = any(life);
                self.marry(life, t);
            }
            if life.monthly(self.birth_rate(age, d0)) {
                let t = any(life);
                self.give_birth(life, t);
            }
            let nesting = if d0 < self.nesting_until { 2.5 } else { 1.0 };
            let home_rate = match (self.owns, age) {
                (false, 25..=55) => 0.05 * nesting,
                (true, 30..=60) => 0.01,
                _ => 0.0,
            };
            if life.monthly(home_rate) {
                let t = any(life);
                self.buy_home(life, t);
            }
            if self.owns && life.monthly(0.01) {
                let t = any(life);
                life.maybe_case(0.6, t, "resale-contract-filing");
                let later = t + life.between(20, 90);
                life.maybe_case(0.5, later, "mortgage-cancellation");
            }
            if self.vehicle.is_none() && (20..=65).contains(&age) && life.monthly(0.055 * if nesting > 1.0 { 1.5 } else { 1.0 }) {
                let t = any(life);
                self.buy_car(life, t);
            }
            if self.renting && life.monthly(0.15) {
                let t = any(life);
                self.move_house(life, t);
            }
            if self.married && life.monthly(0.006) {
                let t = any(life);
                life.maybe_case(0.9, t, "divorce-registration");
                self.married = false;
            }
            let bereavement = match age {
                30..=44 => 0.005,
                45..=59 => 0.015,
                60.. => 0.03,
                _ => 0.0,
            };
            if life.monthly(bereavement) {
                let t = any(life);
                let steps: Vec<Step> =
                    AFTER_DEATH.iter().map(|s| if s.item == "inheritance-registration" { Step { p: 0.35, ..*s } } else { *s }).collect();
                life.walk(t, &steps);
            }

            // Work.
            if in_month(graduation) {
                let t = any(life);
                life.maybe_case(0.4, t, "graduate-job-subsidy");
                if !self.local && life.chance(0.3) {
                    let on = t + life.between(14, 60);
                    if life.case(on, "graduate-hukou").is_some() {
                        self.local = true;
                    }
                }
                let start = t + life.between(14, 90);
                life.walk(start, EMPLOYMENT);
                self.employed = true;
            }
            if self.employed && age < self.retirement_age {
                if life.monthly(0.12) {
                    let t = any(life);
                    life.walk(t, EMPLOYMENT);
                }
                if age + 2 < self.retirement_age && life.monthly(0.03) {
                    let t = any(life);
                    life.walk(t, UNEMPLOYMENT);
                    self.employed = false;
                    if life.chance(0.05) {
                        let on = t + life.between(30, 120);
                        life.case(on, "individual-business-registration");
                        self.freelancer = true;
                    } else {
                        self.reemployed_on = Some(t + life.between(60, 300));
                    }
                }
                if !self.local && (25..=40).contains(&age) && life.monthly(0.015) {
                    let t = any(life);
                    if life.case(t, "talent-hukou").is_some() {
                        self.local = true;
                    }
                }
            }
            if in_month(self.reemployed_on) {
                let t = self.reemployed_on.unwrap_or(d0);
                life.walk(t, EMPLOYMENT);
                self.employed = true;
                self.reemployed_on = None;
            }
            if !self.employed && !self.retired && !self.freelancer && (25..=55).contains(&age) && life.monthly(0.01) {
                let t = any(life);
                life.case(t, "individual-business-registration");
                self.freelancer = true;
            }
            if in_month(retire_on) {
                let t = retire_on.unwrap_or(d0);
                life.walk(t, RETIREMENT);
                self.retired = true;
                self.employed = false;
                self.freelancer = false;
            }

            // Age.
            if in_month(turns_60) && !self.senior_card {
                let on = turns_60.unwrap_or(d0) + life.between(0, 120);
                if life.maybe_case(0.7, on, "senior-preferential-card").is_some() {
                    self.senior_card = true;
                }
            } else if age >= 60 && !self.senior_card && life.monthly(0.03) {
                let t = any(life);
                life.case(t, "senior-preferential-card");
                self.senior_card = true;
            }
            if in_month(turns_80) {
                let on = turns_80.unwrap_or(d0) + life.between(0, 90);
                life.maybe_case(0.8, on, "longevity-allowance");
            }
            let assessment = match age {
                70..=79 => 0.04,
                80.. => 0.10,
                _ => 0.0,
            };
            if self.last_assessment.is_none_or(|last| d0 - last > 3 * 365) && life.monthly(assessment) {
                let t = any(life);
                if life.case(t, "elderly-capability-assessment").is_some() {
                    self.last_assessment = Some(t);
                    let on = t + life.between(14, 60);
                    if life.maybe_case(0.6, on, "home-care-subsidy").is_some() {
                        self.home_care = Some((moy + 1) % 12);
                    }
                }
            } else if self.home_care == Some(moy) && life.chance(0.7) {
                let t = any(life);
                life.case(t, "home-care-subsidy");
            }
            if self.retired && moy == self.months[2] && life.chance(0.85) {
                let t = any(life);
                life.case(t, "pension-qualification-certification");
            }
            let chronic = match age {
                45..=64 => 0.02,
                65.. => 0.05,
                _ => 0.0,
            };
            if life.monthly(chronic) {
                let t = any(life);
                life.case(t, "chronic-disease-recognition");
            }
            if life.monthly(if age >= 60 { 0.04 } else { 0.01 }) {
                let t = any(life);
                life.case(t, "out-of-area-medical-filing");
            }
            if life.monthly(0.02) {
                let t = any(life);
                life.case(t, "family-account-sharing");
            }

            // A car and driving.
            if let Some(registered) = self.vehicle {
                let vehicle_age = (d0 - registered) / 365;
                for k in [2, 4, 6, 10] {
                    let due = registered + k * 365;
                    if (d0..d1).contains(&due) {
                        let on = due - life.between(0, 30);
                        life.maybe_case(0.85, on, "vehicle-inspection-sticker");
                    }
                }
                for _ in 0..life.poisson(self.violation_rate / 12.0) {
                    let t = any(life);
                    life.case(t, "traffic-violation-handling");
                }
                if life.monthly(0.005) {
                    let t = any(life);
                    life.case(t, "plate-replacement");
                }
                if life.monthly(0.005) {
                    let t = any(life);
                    life.case(t, "vehicle-licence-replacement");
                }
                if life.monthly(0.04 + if vehicle_age > 8 { 0.06 } else { 0.0 }) {
                    let t = any(life);
                    if vehicle_age < 10 {
                        life.maybe_case(0.7, t, "vehicle-transfer");
                    } else {
                        life.maybe_case(0.8, t, "vehicle-deregistration");
                    }
                    self.vehicle = None;
                    if life.chance(0.4) {
                        let next = t + life.between(0, 90);
                        self.buy_car(life, next);
                    }
                }
            }
            if self.drives {
                if let Some(expiry) = self.driving_expiry.filter(|e| (d0..d1).contains(e)) {
                    let on = expiry - life.between(0, 60);
                    life.maybe_case(0.85, on, "driving-licence-renewal");
                }
                if life.monthly(0.01) {
                    let t = any(life);
                    life.case(t, "driving-licence-replacement");
                }
                if life.monthly(0.015) {
                    let t = any(life);
                    life.case(t, "driver-info-change");
                }
                if age >= 70 && moy == self.months[2] && life.chance(0.7) {
                    let t = any(life);
                    life.case(t, "driving-licence-review");
                }
            }

            // Children.
            let children = self.children.clone();
            for &birth in &children {
                for k in [1, 2] {
                    let due = birth + k * 365;
                    if (d0..d1).contains(&due) {
                        let on = due + life.between(30, 90);
                        life.maybe_case(0.6, on, "childcare-subsidy");
                    }
                }
                let age_by_august = Self::child_age_on(birth, year_start + 242);
                if moy == 8 && (3..=5).contains(&Self::child_age_on(birth, d0)) {
                    let on = d0 + life.between(0, 45);
                    life.maybe_case(0.6, on, "preschool-subsidy");
                }
                if moy == 2 && age_by_august == 6 {
                    self.school_place(life, d0);
                }
                if moy == 4 && age_by_august == 12 {
                    if !self.local {
                        let on = d0 + life.between(0, 20);
                        life.maybe_case(0.3, on, "insurance-record-print");
                    }
                    let on = d0 + life.between(10, 55);
                    life.maybe_case(0.85, on, "junior-secondary-enrolment");
                }
                if self.low_income && Self::child_age_on(birth, d0) < 18 && life.monthly(0.3) {
                    let t = any(life);
                    life.case(t, "child-welfare-allowance");
                }
                if self.disabled_child && Self::child_age_on(birth, d0) < 14 && moy == self.months[3] && life.chance(0.7) {
                    let t = any(life);
                    life.case(t, "disability-rehabilitation-aid");
                }
            }
            if self.married && self.children.is_empty() && (25..=45).contains(&age) && life.monthly(0.002) {
                let t = any(life);
                life.case(t, "adoption-registration");
            }

            // Yearly errands.
            let earns = self.employed || self.freelancer || (self.retired && retire_on.is_some_and(|r| r >= year_start));
            if moy == 2 && self.tax_filer && earns && life.chance(0.9) {
                let on = d0 + life.between(0, 121);
                life.case(on, "individual-income-tax-reconciliation");
            }
            if !self.local {
                if self.permit_holder && moy == self.months[0] && life.chance(0.85) {
                    let t = any(life);
                    life.case(t, "residence-permit-endorsement");
                } else if !self.permit_holder && life.monthly(0.05) {
                    let t = any(life);
                    life.case(t, "residence-permit");
                    self.permit_holder = true;
                    self.months[0] = moy;
                }
            }
            if self.renting && self.employed {
                let due = match self.hpf_rent_per_year {
                    1 => moy == self.months[1],
                    4 => moy % 3 == self.months[1] % 3,
                    _ => false,
                };
                if due && life.chance(0.85) {
                    let t = any(life);
                    life.case(t, "hpf-withdrawal-rent");
                }
            }
            if moy == 8 && !self.employed && !self.retired && !self.freelancer && age < 60 && life.chance(0.5) {
                let on = d0 + life.between(0, 100);
                life.case(on, "medical-insurance-enrolment");
            }
            if self.freelancer {
                if moy == self.months[7] && life.chance(0.6) {
                    let t = any(life);
                    life.case(t, "flexible-employment-insurance");
                }
                for _ in 0..life.poisson(3.0 / 12.0) {
                    let t = any(life);
                    life.case(t, "individual-invoice-issuance");
                }
                if life.monthly(0.2) {
                    let t = any(life);
                    life.case(t, "tax-payment-certificate");
                }
            }
            if self.disabled {
                if moy == self.months[3] && life.chance(0.8) {
                    let t = any(life);
                    life.case(t, "disability-subsidies");
                }
                if life.monthly(0.15) {
                    let t = any(life);
                    life.case(t, "assistive-device-subsidy");
                }
                if life.monthly(0.1) {
                    let t = any(life);
                    life.case(t, "disability-card-renewal");
                }
            } else if life.monthly(0.002) {
                let t = any(life);
                life.case(t, "disability-card-application");
                self.disabled = true;
            }
            if self.veteran {
                if m == 3 {
                    let on = d0 + life.between(0, 60);
                    life.maybe_case(0.6, on, "veteran-info-collection");
                } else if m >= 12 && moy == self.months[4] && life.chance(0.5) {
                    let t = any(life);
                    life.case(t, "veteran-benefits");
                }
            }
            if self.low_income {
                if moy == self.months[5] && life.chance(0.6) {
                    let t = any(life);
                    life.case(t, "minimum-living-allowance");
                }
                if life.monthly(0.15) {
                    let t = any(life);
                    life.case(t, "temporary-assistance");
                }
                if age >= 65 && life.monthly(0.05) {
                    let t = any(life);
                    life.case(t, "extreme-poverty-support");
                }
            }
            if self.renting {
                let (subsidy, public, waiting) = if self.low_income { (0.2, 0.05, 0.03) } else { (0.0, 0.01, 0.01) };
                let subsidy = subsidy + if self.employed && (22..=35).contains(&age) { 0.03 } else { 0.0 };
                if life.monthly(subsidy) {
                    let t = any(life);
                    life.case(t, "rental-subsidy");
                }
                if life.monthly(public) {
                    let t = any(life);
                    life.case(t, "public-rental-housing");
                }
                if self.local && life.monthly(waiting) {
                    let t = any(life);
                    life.case(t, "affordable-housing-waiting-list");
                }
            }
            if self.dog {
                if moy == self.months[6] && life.chance(0.6) {
                    let t = any(life);
                    life.case(t, "dog-registration");
                }
            } else if life.monthly(0.01) {
                let t = any(life);
                life.case(t, "dog-registration");
                self.dog = true;
                self.months[6] = moy;
            }
            match self.profession {
                Some("teacher-qualification") if life.monthly(0.2) => {
                    let t = any(life);
                    life.case(t, "teacher-qualification");
                    self.profession = None;
                }
                Some(item @ ("physician-registration" | "nurse-registration")) if life.monthly(0.08) => {
                    let t = any(life);
                    life.case(t, item);
                }
                _ => {}
            }
            if self.newcomer && m == self.months[7] {
                let t = any(life);
                life.maybe_case(0.5, t, "pension-transfer");
                let t = any(life);
                life.maybe_case(0.5, t, "medical-insurance-transfer");
            }

            // Documents and proofs.
            if let Some(expiry) = self.id_expiry.filter(|e| (d0..d1).contains(e)) {
                let on = expiry - life.between(0, 90);
                life.maybe_case(0.9, on, "resident-id-renewal");
            }
            let adult = |lo: u32, hi: u32| (lo..=hi).contains(&age);
            let hazards: [(&'static str, f64); 19] = [
                ("resident-id-replacement", 0.015),
                ("social-security-card-suspension", 0.012),
                ("passport-application", if adult(18, 70) { 0.03 } else { 0.0 }),
                ("hk-macau-permit", if adult(18, 75) { 0.10 } else { 0.0 }),
                ("taiwan-permit", 0.008),
                ("criminal-record-certificate", if adult(18, 50) { 0.02 } else { 0.0 }),
                ("household-certificate-issuance", if self.local { 0.03 } else { 0.0 }),
                ("household-register-print", if self.local { 0.01 } else { 0.0 }),
                ("name-change", 0.001),
                ("marriage-certificate-replacement", if self.married { 0.003 } else { 0.0 }),
                ("marriage-record-certificate", 0.01),
                ("tax-residency-certificate", 0.002),
                ("tax-payment-certificate", 0.01),
                ("insurance-record-print", if self.employed { 0.06 } else { 0.02 }),
                ("medical-insurance-certificate-print", 0.02),
                ("hpf-deposit-certificate", if self.employed { 0.02 } else { 0.0 }),
                ("work-injury-determination", if self.employed { 0.003 } else { 0.0 }),
                ("labour-arbitration", if self.employed { 0.005 } else { 0.0 }),
                ("individual-business-registration", if self.employed { 0.003 } else { 0.0 }),
            ];
            for (item, rate) in hazards {
                if life.monthly(rate) {
                    let t = any(life);
                    life.case(t, item);
                }
            }
            if self.owns {
                for (item, rate) in [
                    ("property-certificate-print", 0.01),
                    ("property-certificate-reissue", 0.002),
                    ("property-correction", 0.001),
                    ("property-change-registration", 0.004),
                    ("house-safety-appraisal", 0.002),
                    ("mortgage-cancellation", 0.015),
                ] {
                    if life.monthly(rate) {
                        let t = any(life);
                        life.case(t, item);
                    }
                }
            }
            if self.vehicle.is_none() && !self.e_bike && adult(18, 60) && life.monthly(0.03) {
                let t = any(life);
                life.case(t, "e-bike-registration");
                self.e_bike = true;
            }

            // Background cases and browsing.
            let background = tables::background(Audience::Person);
            if life.monthly(self.background_rate) {
                let t = any(life);
                let item = life.pick(background);
                life.case(t, item);
            }
            if life.monthly(self.browse_rate) {
                let t = any(life);
                let (item, at) = (life.pick(background), life.time_on(t));
                life.look(at, EventType::View, item);
            }
            if life.monthly(self.browse_rate * 0.3) {
                let t = any(life);
                let (item, at) = (life.pick(background), life.time_on(t));
                life.look(at, EventType::Search, item);
            }
        }
    }

    fn birth_rate(&self, age: u32, day: i64) -> f64 {
        if !self.married || !(22..=44).contains(&age) || self.married_day.is_some_and(|m| day - m < 270) {
            return 0.0;
        }
        let youngest = self.children.iter().max().copied();
        let rate = match (self.children.len(), youngest) {
            (0, _) => 0.15,
            (1, Some(b)) if day - b > 2 * 365 => 0.07,
            (2, Some(b)) if day - b > 2 * 365 => 0.005,
            _ => 0.0,
        };
        if age >= 40 {
            rate * 0.5
        } else {
            rate
        }
    }

    fn marry(&mut self, life: &mut Life, t: i64) {
        let check = t - life.between(5, 35);
        life.maybe_case(0.45, check, "premarital-check");
        let at = life.maybe_case(0.9, t, "marriage-registration");
        life.licence_after(at, t, vct::MARRIAGE_CERTIFICATE);
        life.walk(t, MARRIAGE_AFTER);
        self.married = true;
        self.married_day = Some(t);
        self.nesting_until = t + 365;
        if self.renting && life.chance(0.3) {
            let on = t + life.between(30, 120);
            self.move_house(life, on);
        }
    }

    fn give_birth(&mut self, life: &mut Life, t: i64) {
        let on = t + life.between(1, 5);
        let at = life.maybe_case(0.75, on, "birth-medical-certificate");
        life.licence_after(at, t + 2, vct::BIRTH_MEDICAL_CERTIFICATE);
        let hukou = if self.local { 0.85 } else { 0.35 };
        let steps: Vec<Step> =
            BIRTH_AFTER.iter().map(|s| if s.item == "newborn-hukou-registration" { Step { p: hukou, ..*s } } else { *s }).collect();
        life.walk(t, &steps);
        self.children.push(t);
        self.nesting_until = t + 365;
    }

    fn buy_home(&mut self, life: &mut Life, t: i64) {
        life.walk(t, HOME_PROOFS);
        let title_day = if life.chance(0.6) {
            life.maybe_case(0.85, t, "new-home-contract-filing");
            life.walk(t, tables::NEW_HOME_BEFORE_TITLE);
            let title_day = t + life.between(60, 150);
            let at = life.maybe_case(0.85, title_day, "new-home-first-registration");
            life.licence_after(at, title_day, vct::REAL_ESTATE_CERTIFICATE);
            title_day
        } else {
            life.maybe_case(0.85, t, "resale-contract-filing");
            life.walk(t, tables::RESALE_BEFORE_TITLE);
            let title_day = t + life.between(20, 60);
            let at = life.maybe_case(0.9, title_day, "property-transfer-registration");
            life.licence_after(at, title_day, vct::REAL_ESTATE_CERTIFICATE);
            title_day
        };
        life.walk(title_day, HOME_AFTER_TITLE);
        if self.local && life.chance(0.25) {
            let on = title_day + life.between(30, 365);
            life.case(on, "hukou-move-within-city");
        }
        if self.renting {
            let on = title_day + life.between(30, 120);
            life.maybe_case(0.4, on, "rental-registration-cancellation");
            self.renting = false;
        }
        self.owns = true;
    }

    fn buy_car(&mut self, life: &mut Life, t: i64) {
        let before = t - life.between(1, 10);
        life.maybe_case(0.3, before, "temporary-plate");
        let at = life.maybe_case(0.85, t, "vehicle-registration");
        life.licence_after(at, t, vct::VEHICLE_REGISTRATION);
        let after = t + life.between(0, 14);
        life.maybe_case(0.25, after, "vehicle-mortgage-registration");
        self.vehicle = Some(t);
        self.drives = true;
    }

    fn move_house(&mut self, life: &mut Life, t: i64) {
        let out = t - life.between(0, 7);
        life.maybe_case(0.3, out, "rental-registration-cancellation");
        let on = t + life.between(0, 14);
        life.maybe_case(0.6, on, "rental-registration");
        if self.local {
            let on = t + life.between(14, 90);
            life.maybe_case(0.1, on, "hukou-move-within-city");
        } else if !self.permit_holder {
            let on = t + life.between(7, 60);
            if life.maybe_case(0.35, on, "residence-permit").is_some() {
                self.permit_holder = true;
            }
        }
        if self.employed {
            let on = t + life.between(14, 90);
            life.maybe_case(0.2, on, "hpf-withdrawal-rent");
        }
        for birth in self.children.clone() {
            if (7..=14).contains(&Self::child_age_on(birth, t)) {
                let on = t + life.between(7, 60);
                life.maybe_case(0.4, on, "school-transfer");
            }
        }
    }

    /// A child's first school place: proofs in March, the application in April and May.
    fn school_place(&mut self, life: &mut Life, march: i64) {
        if !self.local {
            let on = march + life.between(0, 30);
            life.maybe_case(0.5, on, "insurance-record-print");
            if !self.permit_holder {
                let on = march + life.between(0, 30);
                if life.maybe_case(0.4, on, "residence-permit").is_some() {
                    self.permit_holder = true;
                }
            }
        }
        let on = march + life.between(10, 50);
        life.maybe_case(0.5, on, "vaccination-certificate");
        let steps = [step("primary-school-enrolment", 0.9, 45, 91)];
        life.walk(march, &steps);
    }
}
