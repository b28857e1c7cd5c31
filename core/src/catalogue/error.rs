//! Catalogue errors.

use crate::error::{pick, Language};

/// Why the catalogue could not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    /// The catalogue was never synced on this device: call `sync` while online.
    #[error("the catalogue has not been synced yet")]
    NotSynced,
    /// No item has this id.
    #[error("unknown service item {id}")]
    UnknownItem {
        /// The id asked for (an item id, not personal data).
        id: String,
    },
    /// The platform's catalogue could not be read; the stored one is kept.
    #[error("malformed catalogue: {details}")]
    Malformed {
        /// What was wrong.
        details: String,
    },
}

impl CatalogueError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotSynced => "catalogue.not_synced",
            Self::UnknownItem { .. } => "catalogue.unknown_item",
            Self::Malformed { .. } => "catalogue.malformed",
        }
    }

    /// A default message for people.
    pub fn message(&self, language: Language) -> String {
        match self {
            Self::NotSynced => {
                pick(language, "办事指南尚未下载，请联网后重试。", "The service guide is not downloaded yet; go online and try again.")
            }
            Self::UnknownItem { .. } => pick(language, "没有找到该事项。", "That service item does not exist."),
            Self::Malformed { .. } => {
                pick(language, "办事指南数据有误，已保留原有版本。", "The service guide could not be read; the previous one is kept.")
            }
        }
        .into()
    }
}
