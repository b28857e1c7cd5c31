//! How a synthetic enterprise lives through the five years (docs/population.md, "Enterprises").
//!
//! A quarter are founded inside the window: the establishment case, the business licence, then
//! the opening-a-business bundle in its order and their industry's licences. Every enterprise
//! then files its annual report each spring, enrols the people it hires, obtains invoices, takes
//! the yearly employer schemes it qualifies for, renews its industry's permits when they expire,
//! changes its registration now and then, and may close (tax clearance, then deregistration).

use citykit_core::catalogue::Audience;
use citykit_core::recommend::{vct, ProfileFacts};

use super::format::{EventType, PopulationRecord, RecordKind, DAY};
use super::generate::{Life, WINDOW_START};
use super::people::DISTRICTS;
use super::tables::{self, OPENING_A_BUSINESS};

/// Industries (the core's names), weighted.
const INDUSTRIES: &[(&str, f64)] =
    &[("technology", 25.0), ("catering", 15.0), ("retail", 20.0), ("manufacturing", 15.0), ("services", 25.0)];

struct Enterprise {
    industry: &'static str,
    capital: u32,
    /// Whole years since establishment at `since`.
    age0: u32,
    /// The day (from the window start) its business licence is issued, when inside the window.
    founded: Option<i64>,
    district: &'static str,
    employer_registered: bool,
    hpf_registered: bool,
    vat: bool,
    pharmacy: bool,
    health_permit: bool,
    individual: bool,
    cross_region: bool,
    hires_per_year: f64,
    invoices_per_year: f64,
    /// Days its food / drug / health permits expire (renewed in the 90 days before).
    food_renewal: Option<i64>,
    drug_renewal: Option<i64>,
    health_renewal: Option<i64>,
}

pub(crate) fn generate(mut life: Life, id: String) -> PopulationRecord {
    let mut enterprise = Enterprise::draw(&mut life);
    let since = match enterprise.founded {
        Some(day) => WINDOW_START + (day - 30) * DAY,
        None => WINDOW_START,
    };
    let profile = enterprise.profile();
    enterprise.live(&mut life);
    PopulationRecord { id, kind: RecordKind::Enterprise, since, profile, events: life.finish() }
}

impl Enterprise {
    fn draw(life: &mut Life) -> Self {
        let industry = life.pick(INDUSTRIES);
        let capital = match industry {
            "technology" | "manufacturing" => life.pick(&[(10u32, 0.1), (50, 0.2), (100, 0.25), (500, 0.25), (1000, 0.12), (5000, 0.08)]),
            _ => life.pick(&[(10, 0.35), (50, 0.3), (100, 0.2), (500, 0.1), (1000, 0.04), (5000, 0.01)]),
        };
        let days = life.days();
        let founded = life.chance(0.25).then(|| life.between(30, days - 60));
        let age0 = if founded.is_some() { 0 } else { life.between(1, 20) as u32 };
        let size = match capital {
            0..=10 => 0.5,
            11..=50 => 1.0,
            51..=100 => 1.5,
            101..=500 => 3.0,
            501..=1000 => 4.0,
            _ => 6.0,
        };
        let invoices = match industry {
            "retail" | "catering" | "services" => 1.5,
            _ => 1.0,
        } * (0.7 + 0.8 * life.unit());
        let pharmacy = industry == "retail" && life.chance(0.15);
        let health_permit = industry == "catering" && life.chance(0.6);
        // Permits of an existing firm expire somewhere in their validity; a new firm's after it.
        let mut renewal = |has: bool, years: i64| has.then(|| if founded.is_some() { i64::MAX } else { life.between(0, years * 365) });
        let food_renewal = renewal(industry == "catering", 5);
        let drug_renewal = renewal(pharmacy, 5);
        let health_renewal = renewal(health_permit, 4);
        Self {
            industry,
            capital,
            age0,
            founded,
            district: life.pick(DISTRICTS),
            employer_registered: founded.is_none() && life.chance(0.9),
            hpf_registered: founded.is_none() && life.chance(0.6),
            vat: founded.is_none() && industry != "catering" && capital >= 100 && life.chance(0.6),
            pharmacy,
            health_permit,
            individual: matches!(industry, "catering" | "retail") && capital <= 10 && life.chance(0.6),
            cross_region: matches!(industry, "manufacturing" | "services") && life.chance(0.3),
            hires_per_year: size,
            invoices_per_year: invoices,
            food_renewal,
            drug_renewal,
            health_renewal,
        }
    }

    fn profile(&self) -> ProfileFacts {
        ProfileFacts {
            audience: Some(Audience::Enterprise),
            age: None,
            age_band: None,
            has_vehicle: false,
            owns_property: false,
            married: false,
            children: 0,
            industry: Some(self.industry.to_owned()),
            registered_capital_wan: Some(self.capital),
            enterprise_age_years: Some(self.age0),
            district: Some(self.district.to_owned()),
        }
    }

    fn live(&mut self, life: &mut Life) {
        let months = life.months.clone();
        let first_month = match self.founded {
            Some(day) => {
                self.open(life, day);
                months.iter().rposition(|&m| m <= day).unwrap_or(0) + 1
            }
            None => 0,
        };
        for m in first_month..months.len() - 1 {
            let (d0, d1) = (months[m], months[m + 1]);
            let moy = m % 12;
            let year_start = months[m - moy];
            let existed_last_year = self.founded.is_none_or(|f| f < year_start);
            let any = |life: &mut Life| life.between(d0, d1 - 1);

            // The annual report on the year before, from January to June.
            if moy == 0 && existed_last_year && life.chance(0.92) {
                let on = d0 + life.between(1, 180);
                life.case(on, "annual-report");
            }
            for _ in 0..life.poisson(self.hires_per_year / 12.0) {
                let t = any(life);
                life.case(t, "enterprise-employee-enrolment");
            }
            for _ in 0..life.poisson(self.invoices_per_year / 12.0) {
                let t = any(life);
                life.case(t, "invoice-application");
            }
            if self.cross_region {
                for _ in 0..life.poisson(2.0 / 12.0) {
                    let t = any(life);
                    life.case(t, "cross-region-tax-report");
                }
            }
            if moy == 5 && self.employer_registered && existed_last_year && life.chance(0.45) {
                let on = d0 + life.between(0, 110);
                life.case(on, "job-retention-refund");
            }
            if moy == 3 && self.capital <= 100 && existed_last_year && life.chance(0.3) {
                let on = d0 + life.between(0, 80);
                life.case(on, "disability-employment-levy-exemption");
            }
            if !self.employer_registered && life.monthly(0.05) {
                let t = any(life);
                life.case(t, "enterprise-social-insurance-registration");
                let on = t + life.between(0, 20);
                life.maybe_case(0.8, on, "enterprise-medical-insurance-registration");
                self.employer_registered = true;
            }
            if !self.hpf_registered && life.monthly(0.03) {
                let t = any(life);
                life.case(t, "enterprise-hpf-registration");
                self.hpf_registered = true;
            }
            if !self.vat && matches!(self.industry, "technology" | "manufacturing" | "retail") && life.monthly(0.04) {
                let t = any(life);
                life.case(t, "vat-general-taxpayer");
                self.vat = true;
            }
            let equipment = match self.industry {
                "manufacturing" => 0.4,
                "catering" => 0.08,
                _ => 0.0,
            };
            if life.monthly(equipment) {
                let t = any(life);
                life.case(t, "special-equipment-registration");
            }
            for (renewal, item, years) in [
                (&mut self.food_renewal, "food-business-licence", 5),
                (&mut self.drug_renewal, "drug-business-licence", 5),
                (&mut self.health_renewal, "public-place-health-permit", 4),
            ] {
                if let Some(due) = renewal.filter(|d| (d0..d1).contains(d)) {
                    let on = due - life.between(0, 90);
                    life.maybe_case(0.85, on, item);
                    *renewal = Some(due + years * 365);
                }
            }
            if self.industry == "catering" && life.monthly(0.08) {
                let t = any(life);
                life.case(t, "food-licence-change");
            }
            if self.individual && life.monthly(0.05) {
                let t = any(life);
                life.case(t, "individual-business-change");
            }
            let mut changes = vec![
                ("business-licence-change", 0.06),
                ("enterprise-relocation", 0.03),
                ("business-licence-replacement", 0.005),
                ("company-seal-engraving", 0.01),
            ];
            if self.capital >= 500 {
                changes.push(("branch-establishment", 0.02));
            }
            if self.industry == "technology" {
                changes.push(("equity-pledge-registration", 0.015));
            }
            if self.industry == "manufacturing" && self.capital >= 1000 {
                changes.push(("construction-permit", 0.01));
            }
            for (item, rate) in changes {
                if life.monthly(rate) {
                    let t = any(life);
                    life.case(t, item);
                }
            }

            // Background cases and browsing.
            let background = tables::background(Audience::Enterprise);
            if life.monthly(0.4) {
                let t = any(life);
                let item = life.pick(background);
                life.case(t, item);
            }
            if life.monthly(0.5) {
                let t = any(life);
                let (item, at) = (life.pick(background), life.time_on(t));
                life.look(at, EventType::View, item);
            }

            // Closing: tax clearance, then deregistration; nothing after.
            let age_years = self.age0 as i64 + (d0 - self.founded.unwrap_or(0)).max(0) / 365;
            if life.monthly(if age_years < 3 { 0.06 } else { 0.03 }) {
                let t = any(life);
                life.maybe_case(0.85, t, "tax-clearance");
                let on = t + life.between(10, 60);
                life.maybe_case(0.9, on, "enterprise-deregistration");
                break;
            }
        }
    }

    /// Founding: the establishment case, the business licence, the opening-a-business bundle,
    /// and the industry's own licences.
    fn open(&mut self, life: &mut Life, day: i64) {
        let applied = day - life.between(1, 10);
        life.maybe_case(0.9, applied, "enterprise-establishment");
        let issued = life.time_on(day);
        life.licence(issued, vct::BUSINESS_LICENCE);
        let taken = life.walk(day, OPENING_A_BUSINESS);
        self.employer_registered = taken[3].is_some();
        self.hpf_registered = taken[5].is_some();
        let mut extra: Vec<(&'static str, f64, i64, i64)> = Vec::new();
        match self.industry {
            "catering" => {
                extra.push(("food-business-licence", 0.9, 7, 40));
                if self.health_permit {
                    extra.push(("public-place-health-permit", 0.8, 14, 60));
                }
            }
            "retail" if self.pharmacy => extra.push(("drug-business-licence", 0.9, 7, 60)),
            "manufacturing" => extra.push(("special-equipment-registration", 0.4, 30, 120)),
            "technology" => extra.push(("vat-general-taxpayer", 0.3, 30, 180)),
            "services" => {
                let niche = life.pick(&[
                    (None, 0.9),
                    (Some("nursery-filing"), 0.03),
                    (Some("medical-institution-registration"), 0.04),
                    (Some("private-school-licence"), 0.03),
                ]);
                if let Some(item) = niche {
                    extra.push((item, 0.9, 20, 120));
                }
            }
            _ => {}
        }
        for (item, p, lo, hi) in extra {
            let on = day + life.between(lo, hi);
            if life.maybe_case(p, on, item).is_some() && item == "vat-general-taxpayer" {
                self.vat = true;
            }
        }
        for renewal in [&mut self.food_renewal, &mut self.drug_renewal, &mut self.health_renewal] {
            if renewal.is_some() {
                *renewal = Some(day + 5 * 365);
            }
        }
    }
}
