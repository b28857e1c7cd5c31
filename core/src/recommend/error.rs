//! The recommendation capability's errors.

use crate::error::{pick, Language};

/// Why a recommendation call failed (codes `recommend.*`, docs/errors.md).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecommendError {
    /// The service named is not in the synced catalogue.
    #[error("no such service in the catalogue")]
    UnknownItem,
    /// The platform's next-step statistics or campaigns could not be read.
    #[error("unreadable published data: {details}")]
    UnreadablePublication {
        /// What was wrong (never personal data: the documents are public).
        details: String,
    },
}

impl RecommendError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownItem => "recommend.unknown_item",
            Self::UnreadablePublication { .. } => "recommend.unreadable_publication",
        }
    }

    /// A default message for people.
    pub fn message(&self, language: Language) -> String {
        match self {
            Self::UnknownItem => pick(language, "服务目录中没有该事项。", "There is no such service in the catalogue."),
            Self::UnreadablePublication { .. } => pick(
                language,
                "暂时无法读取平台发布的推荐数据，请稍后再试。",
                "The platform's recommendation data could not be read; try again later.",
            ),
        }
        .into()
    }
}
