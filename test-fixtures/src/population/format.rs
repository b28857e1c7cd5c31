//! The population file format (docs/population.md): JSON lines, one person or enterprise a line,
//! with its profile facts and its time-stamped events.
//!
//! ```text
//! {"id":"P000001","kind":"person","since":1609430400,"profile":{"audience":"person","age":34,…},
//!  "events":[{"at":1612345678,"type":"licence","vct":"urn:citykit:vct:marriage_certificate"},
//!            {"at":1612400000,"type":"case","item":"spouse-hukou-transfer"}, …]}
//! ```
//!
//! - `profile` holds the core's [`ProfileFacts`] field names, as they stood at `since`; a licence
//!   arriving later changes them as the wallet would (see [`facts_at`]); ages count on.
//! - `events` may come in any order; readers sort them by `at` (a stable sort, so equal times keep
//!   the file's order).
//!
//! Reading is strict: every problem is a [`PopulationError::Line`] naming the line (1-based) and
//! what is wrong with it. Blank lines are allowed and skipped.

use std::collections::HashMap;
use std::io::{BufRead, Write};

use citykit_core::catalogue::Audience;
use citykit_core::recommend::{vct, AgeBand, ProfileFacts};
use serde::{Deserialize, Serialize};

/// Seconds in a day.
pub const DAY: i64 = 86_400;
/// Seconds in an average year (365.25 days), for counting ages on.
pub const YEAR: i64 = 31_557_600;

/// Whom a record describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// A natural person.
    Person,
    /// An enterprise (its agent acts for it).
    Enterprise,
}

impl RecordKind {
    /// `person` or `enterprise`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Person => "person",
            Self::Enterprise => "enterprise",
        }
    }

    /// The catalogue audience of this kind.
    pub fn audience(self) -> Audience {
        match self {
            Self::Person => Audience::Person,
            Self::Enterprise => Audience::Enterprise,
        }
    }
}

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    /// A licence arrived in the wallet (`vct` names its type).
    Licence,
    /// A service was applied for (`item`).
    Case,
    /// A service's guide was opened (`item`).
    View,
    /// A search found a service (`item`).
    Search,
}

impl EventType {
    /// The name used in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Licence => "licence",
            Self::Case => "case",
            Self::View => "view",
            Self::Search => "search",
        }
    }
}

/// One time-stamped event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// When (Unix seconds).
    pub at: i64,
    /// What.
    #[serde(rename = "type")]
    pub kind: EventType,
    /// The service item (cases, views, searches).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// The licence type (licences).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vct: Option<String>,
}

impl Event {
    /// A licence of type `vct` arriving at `at`.
    pub fn licence(at: i64, vct: &str) -> Self {
        Self { at, kind: EventType::Licence, item: None, vct: Some(vct.to_owned()) }
    }

    /// A case, view or search of `item` at `at`.
    pub fn on_item(at: i64, kind: EventType, item: &str) -> Self {
        Self { at, kind, item: Some(item.to_owned()), vct: None }
    }

    /// What is wrong with the event's shape, if anything.
    fn problem(&self) -> Option<&'static str> {
        match (self.kind, &self.item, &self.vct) {
            (EventType::Licence, None, Some(_)) => None,
            (EventType::Licence, _, None) => Some("a licence event needs a `vct`"),
            (EventType::Licence, Some(_), _) => Some("a licence event has no `item`"),
            (_, Some(_), None) => None,
            (_, None, _) => Some("a case, view or search event needs an `item`"),
            (_, Some(_), Some(_)) => Some("a case, view or search event has no `vct`"),
        }
    }
}

/// One line of a population file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationRecord {
    /// A unique id in the file, e.g. `P000001`, `E00001`.
    pub id: String,
    /// Person or enterprise.
    pub kind: RecordKind,
    /// When the record starts (Unix seconds): the time `profile` describes.
    pub since: i64,
    /// The profile facts at `since` (the core's `ProfileFacts` names).
    pub profile: ProfileFacts,
    /// The events, any order.
    pub events: Vec<Event>,
}

impl PopulationRecord {
    /// The events sorted by time (stable: equal times keep the file's order).
    pub fn sorted_events(&self) -> Vec<&Event> {
        let mut events: Vec<&Event> = self.events.iter().collect();
        events.sort_by_key(|e| e.at);
        events
    }
}

/// The profile facts of `record` at `now`: its `profile`, with the licences that arrived in
/// `events` before `now` applied (a vehicle registration: `has_vehicle`; a real-estate
/// certificate: `owns_property`; a marriage certificate: `married`; a birth medical
/// certificate: one more child) and ages counted on from `since` (a person's age and band, an
/// enterprise's years).
pub fn facts_at(record: &PopulationRecord, events: &[&Event], now: i64) -> ProfileFacts {
    let mut facts = record.profile.clone();
    facts.audience = Some(record.kind.audience());
    let years = u32::try_from((now - record.since).max(0) / YEAR).unwrap_or(0);
    if let Some(age) = facts.age {
        facts.age = Some(age + years);
        facts.age_band = Some(AgeBand::of(age + years));
    }
    if let Some(age) = facts.enterprise_age_years {
        facts.enterprise_age_years = Some(age + years);
    }
    for event in events.iter().filter(|e| e.kind == EventType::Licence && e.at < now) {
        match event.vct.as_deref() {
            Some(vct::VEHICLE_REGISTRATION) => facts.has_vehicle = true,
            Some(vct::REAL_ESTATE_CERTIFICATE) => facts.owns_property = true,
            Some(vct::MARRIAGE_CERTIFICATE) => facts.married = true,
            Some(vct::BIRTH_MEDICAL_CERTIFICATE) => facts.children += 1,
            _ => {}
        }
    }
    facts
}

/// Why a population file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PopulationError {
    /// The file could not be read or written.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A line is not a valid record.
    #[error("line {line}: {problem}")]
    Line {
        /// The line, counted from 1.
        line: usize,
        /// What is wrong with it.
        problem: LineProblem,
    },
    /// The catalogue given to rank against is unusable.
    #[error("the catalogue: {0}")]
    Catalogue(String),
}

impl PopulationError {
    /// A stable code: `population.io`, `population.line`, `population.catalogue`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Io(_) => "population.io",
            Self::Line { .. } => "population.line",
            Self::Catalogue(_) => "population.catalogue",
        }
    }

    /// The line at fault, if a line is.
    pub fn line(&self) -> Option<usize> {
        match self {
            Self::Line { line, .. } => Some(*line),
            _ => None,
        }
    }
}

/// What is wrong with one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineProblem {
    /// Not JSON, or not a record's shape (serde's message, with its column).
    #[error("not a population record: {0}")]
    Malformed(String),
    /// An event has the wrong fields for its type.
    #[error("event {index}: {what}")]
    BadEvent {
        /// The event's position in `events`, from 0.
        index: usize,
        /// What is wrong.
        what: &'static str,
    },
    /// The id was used by an earlier line.
    #[error("the id {id} is already used on line {first_line}")]
    DuplicateId {
        /// The id.
        id: String,
        /// Where it was first used.
        first_line: usize,
    },
    /// `kind` and `profile.audience` disagree.
    #[error("the kind is {kind} but the profile's audience is not")]
    AudienceMismatch {
        /// The record's kind.
        kind: &'static str,
    },
    /// An event names a service the catalogue does not list.
    #[error("event {index} names the service {item}, which the catalogue does not list")]
    UnknownItem {
        /// The event's position in `events`, from 0.
        index: usize,
        /// The unknown id.
        item: String,
    },
}

/// Reads a population file, checking each line (and, when `known_items` is given, that every
/// service named is in it). Blank lines are skipped.
pub fn read_population(reader: impl BufRead, known_items: Option<&dyn Fn(&str) -> bool>) -> Result<Vec<PopulationRecord>, PopulationError> {
    let mut records = Vec::new();
    let mut ids: HashMap<String, usize> = HashMap::new();
    for (n, line) in reader.lines().enumerate() {
        let line_no = n + 1;
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let fail = |problem| PopulationError::Line { line: line_no, problem };
        let record: PopulationRecord = serde_json::from_str(&line).map_err(|e| fail(LineProblem::Malformed(e.to_string())))?;
        if let Some((index, what)) = record.events.iter().enumerate().find_map(|(i, e)| e.problem().map(|w| (i, w))) {
            return Err(fail(LineProblem::BadEvent { index, what }));
        }
        if record.profile.audience.is_some_and(|a| a != record.kind.audience()) {
            return Err(fail(LineProblem::AudienceMismatch { kind: record.kind.as_str() }));
        }
        if let Some(known) = known_items {
            let unknown = record.events.iter().enumerate().find_map(|(i, e)| e.item.as_deref().filter(|item| !known(item)).map(|s| (i, s)));
            if let Some((index, item)) = unknown {
                return Err(fail(LineProblem::UnknownItem { index, item: item.to_owned() }));
            }
        }
        if let Some(&first_line) = ids.get(&record.id) {
            return Err(fail(LineProblem::DuplicateId { id: record.id, first_line }));
        }
        ids.insert(record.id.clone(), line_no);
        records.push(record);
    }
    Ok(records)
}

/// Writes one record as one line.
pub fn write_record(out: &mut impl Write, record: &PopulationRecord) -> Result<(), PopulationError> {
    serde_json::to_writer(&mut *out, record).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    Ok(())
}
