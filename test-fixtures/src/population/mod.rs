//! Synthetic populations for evaluating recommendations offline (docs/population.md).
//!
//! * [`format`]: the file format — JSON lines, one person or enterprise a line with its
//!   profile facts and time-stamped events (licences, cases, views, searches) — its strict,
//!   line-numbered reader and its writer.
//! * [`generate`] (with `people.rs`, `enterprises.rs`, `tables.rs`): the seeded generator of
//!   multi-year trajectories (`citykit-sim population`).
//! * [`eval`]: the leave-last-out evaluation of the core's recommender against popularity,
//!   first-order transitions and item-kNN (`citykit-sim recommend-eval`).
//! * [`catalogue`]: the catalogue both rank against.

pub mod catalogue;
pub mod eval;
pub mod format;
pub mod generate;

mod enterprises;
mod people;
mod tables;

use std::io::BufRead;

use citykit_core::catalogue::CatalogueDocument;

pub use eval::{evaluate, EvalReport, GroupScores, MethodScores, Published, METHODS, MIN_CONTRIBUTORS};
pub use format::{facts_at, read_population, Event, EventType, LineProblem, PopulationError, PopulationRecord, RecordKind};
pub use generate::{write_population, GeneratedSummary, GeneratorConfig, DEFAULT_ENTERPRISES, DEFAULT_PEOPLE, DEFAULT_SEED};

/// Reads a population file checked against `catalogue` (a service it does not list is a
/// line's error) and evaluates it.
pub fn evaluate_reader(reader: impl BufRead, catalogue: &CatalogueDocument) -> Result<EvalReport, PopulationError> {
    let ids: std::collections::HashSet<&str> = catalogue.items.iter().map(|i| i.id.as_str()).collect();
    let known = |item: &str| ids.contains(item);
    let records = read_population(reader, Some(&known))?;
    Ok(evaluate(&records, catalogue))
}
