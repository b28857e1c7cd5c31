//! The catalogue populations are generated from and ranked against: the simulator's own
//! (`data/catalogue.json`, compiled in) or any file in the platform's published shape
//! (`GET /api/v1/catalogue`, the core's [`CatalogueDocument`]).

use std::path::Path;
use std::sync::OnceLock;

use citykit_core::catalogue::CatalogueDocument;

use super::format::PopulationError;

const CATALOGUE_JSON: &str = include_str!("../../data/catalogue.json");

/// The simulator's catalogue, parsed once.
pub fn builtin() -> Result<&'static CatalogueDocument, PopulationError> {
    static CATALOGUE: OnceLock<Result<CatalogueDocument, String>> = OnceLock::new();
    CATALOGUE
        .get_or_init(|| serde_json::from_str(CATALOGUE_JSON).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| PopulationError::Catalogue(e.clone()))
}

/// A catalogue file in the platform's published shape.
pub fn load(path: &Path) -> Result<CatalogueDocument, PopulationError> {
    let text = std::fs::read_to_string(path).map_err(|e| PopulationError::Catalogue(format!("cannot read {}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| PopulationError::Catalogue(format!("{} is not a catalogue: {e}", path.display())))
}
