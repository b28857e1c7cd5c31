//! The generator's engine: the seed, the calendar of the five simulated years, and `Life`, the
//! trajectory one person or enterprise is written into (cases with the looks and searches before
//! them, the licence the catalogue says they issue, and their follow-ups; licences; browsing).
//!
//! Behaviour lives elsewhere: `people.rs` (persons), `enterprises.rs` (enterprises) and
//! `tables.rs` (follow-ups and background weights). The model is described in
//! docs/population.md.
//!
//! Determinism: every record draws from its own ChaCha8 stream of the seed (stream = its index;
//! enterprises from 2^32 on), so a record does not depend on how many others are generated, and
//! the same seed gives the same bytes. No hash-map order reaches the output.

use std::io::Write;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::format::{write_record, Event, EventType, PopulationError, PopulationRecord, DAY};
use super::tables::{result_licence, FOLLOW_UPS};
use super::{enterprises, people};

/// The default seed.
pub const DEFAULT_SEED: u64 = 20_210_101;
/// The default number of persons.
pub const DEFAULT_PEOPLE: usize = 10_000;
/// The default number of enterprises.
pub const DEFAULT_ENTERPRISES: usize = 1_000;
/// The simulated window starts on 2021-01-01 00:00 China time (Unix seconds).
pub const WINDOW_START: i64 = 1_609_430_400;
/// It lasts five calendar years (2021–2025).
pub const WINDOW_YEARS: usize = 5;

/// Chance that a case is preceded by a look at the item's guide on an earlier occasion (within
/// 14 days), and by a search that found it (within 3 days).
pub(crate) const VIEW_BEFORE_CASE: f64 = 0.25;
pub(crate) const SEARCH_BEFORE_CASE: f64 = 0.10;
/// How deep follow-ups of follow-ups go.
const FOLLOW_UP_DEPTH: u32 = 2;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GeneratorConfig {
    /// The seed.
    pub seed: u64,
    /// How many persons.
    pub people: usize,
    /// How many enterprises.
    pub enterprises: usize,
}

impl Default for GeneratorConfig {
    fn default() -> Self {
        Self { seed: DEFAULT_SEED, people: DEFAULT_PEOPLE, enterprises: DEFAULT_ENTERPRISES }
    }
}

/// What was written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct GeneratedSummary {
    /// Person records.
    pub people: usize,
    /// Enterprise records.
    pub enterprises: usize,
    /// Events of every type.
    pub events: usize,
    /// Case events.
    pub cases: usize,
    /// Licence events.
    pub licences: usize,
    /// Bytes written.
    pub bytes: u64,
}

/// The record of person `index` (0-based).
pub fn person(seed: u64, index: usize) -> PopulationRecord {
    people::generate(Life::new(seed, index as u64), format!("P{:06}", index + 1))
}

/// The record of enterprise `index` (0-based).
pub fn enterprise(seed: u64, index: usize) -> PopulationRecord {
    enterprises::generate(Life::new(seed, (1u64 << 32) + index as u64), format!("E{:05}", index + 1))
}

/// Every record of `config`: persons first, then enterprises.
pub fn records(config: &GeneratorConfig) -> impl Iterator<Item = PopulationRecord> + '_ {
    let people = (0..config.people).map(|i| person(config.seed, i));
    let enterprises = (0..config.enterprises).map(|i| enterprise(config.seed, i));
    people.chain(enterprises)
}

/// Writes the population of `config` to `out`, one record a line.
pub fn write_population(config: &GeneratorConfig, out: &mut impl Write) -> Result<GeneratedSummary, PopulationError> {
    let mut counter = CountingWriter { inner: out, bytes: 0 };
    let mut summary = GeneratedSummary::default();
    for record in records(config) {
        match record.kind {
            super::RecordKind::Person => summary.people += 1,
            super::RecordKind::Enterprise => summary.enterprises += 1,
        }
        summary.events += record.events.len();
        summary.cases += record.events.iter().filter(|e| e.kind == EventType::Case).count();
        summary.licences += record.events.iter().filter(|e| e.kind == EventType::Licence).count();
        write_record(&mut counter, &record)?;
    }
    counter.flush()?;
    summary.bytes = counter.bytes;
    Ok(summary)
}

struct CountingWriter<'a, W: Write> {
    inner: &'a mut W,
    bytes: u64,
}

impl<W: Write> Write for CountingWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The calendar of the window: the first day (counted from [`WINDOW_START`]) of each month, and
/// one past the end.
pub(crate) fn month_starts() -> Vec<i64> {
    let mut starts = Vec::with_capacity(WINDOW_YEARS * 12 + 1);
    let mut day = 0;
    for year in 2021..2021 + WINDOW_YEARS as i64 {
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        for len in [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] {
            starts.push(day);
            day += len;
        }
    }
    starts.push(day);
    starts
}

/// One trajectory being written: its random stream and its events.
pub(crate) struct Life {
    pub rng: ChaCha8Rng,
    /// Month starts (days from the window start) and the end.
    pub months: Vec<i64>,
    events: Vec<Event>,
}

impl Life {
    fn new(seed: u64, stream: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(stream);
        Self { rng, months: month_starts(), events: Vec::new() }
    }

    /// Days in the window.
    pub fn days(&self) -> i64 {
        self.months.last().copied().unwrap_or(0)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.rng.gen_bool(p.min(1.0))
    }

    /// True with the monthly share of an `annual` rate.
    pub fn monthly(&mut self, annual: f64) -> bool {
        self.chance(annual / 12.0)
    }

    /// A number in `0.0..1.0`.
    pub fn unit(&mut self) -> f64 {
        self.rng.gen()
    }

    /// A whole number in `lo..=hi`.
    pub fn between(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            lo
        } else {
            self.rng.gen_range(lo..=hi)
        }
    }

    /// How many events of a Poisson process with `rate` happen (Knuth's method; small rates).
    pub fn poisson(&mut self, rate: f64) -> u32 {
        let limit = (-rate).exp();
        let mut product: f64 = self.rng.gen();
        let mut n = 0;
        while product > limit && n < 100 {
            product *= self.rng.gen::<f64>();
            n += 1;
        }
        n
    }

    /// One of `choices` by weight.
    pub fn pick<T: Copy>(&mut self, choices: &[(T, f64)]) -> T {
        let total: f64 = choices.iter().map(|c| c.1).sum();
        let mut x = self.rng.gen::<f64>() * total;
        for &(value, weight) in choices {
            if x < weight {
                return value;
            }
            x -= weight;
        }
        choices[choices.len() - 1].0
    }

    /// A time on `day` between 08:00 and 22:00 China time.
    pub fn time_on(&mut self, day: i64) -> i64 {
        super::generate::WINDOW_START + day * DAY + 8 * 3600 + self.rng.gen_range(0..14 * 3600)
    }

    fn inside(&self, day: i64) -> bool {
        (0..self.days()).contains(&day)
    }

    /// A case of `item` on `day` when the day is inside the window: perhaps a look at its guide
    /// and a search before it, then its follow-ups. Its time, if it was written.
    pub fn case(&mut self, day: i64, item: &'static str) -> Option<i64> {
        self.case_at_depth(day, item, 0)
    }

    /// A case with probability `p` (see [`Life::case`]).
    pub fn maybe_case(&mut self, p: f64, day: i64, item: &'static str) -> Option<i64> {
        if self.chance(p) {
            self.case(day, item)
        } else {
            None
        }
    }

    fn case_at_depth(&mut self, day: i64, item: &'static str, depth: u32) -> Option<i64> {
        if !self.inside(day) {
            return None;
        }
        let at = self.time_on(day);
        self.events.push(Event::on_item(at, EventType::Case, item));
        if let Some(vct) = result_licence(item) {
            let issued = at + self.between(3600, 3 * 3600);
            self.licence(issued, vct);
        }
        if self.chance(VIEW_BEFORE_CASE) {
            let before = self.between(3600, 14 * DAY);
            self.look(at - before, EventType::View, item);
        }
        if self.chance(SEARCH_BEFORE_CASE) {
            let before = self.between(600, 3 * DAY);
            self.look(at - before, EventType::Search, item);
        }
        if depth < FOLLOW_UP_DEPTH {
            for follow in FOLLOW_UPS.iter().filter(|f| f.from == item) {
                if self.chance(follow.p) {
                    let next = day + self.between(follow.after.0, follow.after.1);
                    self.case_at_depth(next, follow.to, depth + 1);
                }
            }
        }
        Some(at)
    }

    /// A view or search of `item` at `at` (kept only inside the window).
    pub fn look(&mut self, at: i64, kind: EventType, item: &'static str) {
        let start = super::generate::WINDOW_START;
        if (start..start + self.days() * DAY).contains(&at) {
            self.events.push(Event::on_item(at, kind, item));
        }
    }

    /// A licence of type `vct` arriving at `at` (kept only inside the window).
    pub fn licence(&mut self, at: i64, vct: &str) {
        let start = super::generate::WINDOW_START;
        if (start..start + self.days() * DAY).contains(&at) {
            self.events.push(Event::licence(at, vct));
        }
    }

    /// The licence a case results in: an hour or three after the case, or on `day` when the
    /// case was not made through the app.
    pub fn licence_after(&mut self, case_at: Option<i64>, day: i64, vct: &str) {
        let at = match case_at {
            Some(at) => at + self.between(3600, 3 * 3600),
            None => self.time_on(day),
        };
        self.licence(at, vct);
    }

    /// Walks a bundle-like sequence of steps from `day`: each step is taken with its chance, on a
    /// day drawn from its window (days after `day`). Returns the times of the steps taken.
    pub fn walk(&mut self, day: i64, steps: &[Step]) -> Vec<Option<i64>> {
        steps
            .iter()
            .map(|step| {
                let on = day + self.between(step.after.0, step.after.1);
                self.maybe_case(step.p, on, step.item)
            })
            .collect()
    }

    /// The finished events, sorted by time (stable).
    pub fn finish(mut self) -> Vec<Event> {
        self.events.sort_by_key(|e| e.at);
        self.events
    }
}

/// One step of a walk: a service, the chance it is taken, and its window in days after the
/// walk's start.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Step {
    pub item: &'static str,
    pub p: f64,
    pub after: (i64, i64),
}

/// A step (shorthand for the tables).
pub(crate) const fn step(item: &'static str, p: f64, from: i64, to: i64) -> Step {
    Step { item, p, after: (from, to) }
}
