//! Auto-fill and draft errors.

use super::validate::FieldError;
use crate::error::{pick, Language};

/// Why a form could not be filled, edited or submitted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AutofillError {
    /// The person declined to let the form read their licences.
    #[error("consent to read licences for this item was refused")]
    ConsentRefused,
    /// No draft has this id (it was submitted, deleted or purged).
    #[error("unknown draft")]
    UnknownDraft,
    /// The form has no such field.
    #[error("the form has no field {field}")]
    UnknownField {
        /// The field name.
        field: String,
    },
    /// The field holds a government-verified value: edit it only as an explicit override.
    #[error("field {field} is government-verified and locked")]
    FieldLocked {
        /// The field name.
        field: String,
    },
    /// The form has errors; every one names its field.
    #[error("the form is not valid: {}", .errors.iter().map(|e| format!("{} {}", e.field, e.problem.as_str())).collect::<Vec<_>>().join(", "))]
    InvalidForm {
        /// One per field.
        errors: Vec<FieldError>,
    },
    /// A required material is neither attached nor tolerated (容缺).
    #[error("required material {material} is missing")]
    MaterialMissing {
        /// The material's id.
        material: String,
    },
    /// The item needs co-signers and the draft names none, or names a role the item has not.
    #[error("the signers are missing or wrong: {details}")]
    BadParties {
        /// What is wrong (roles, never names).
        details: String,
    },
}

impl AutofillError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::ConsentRefused => "autofill.consent_refused",
            Self::UnknownDraft => "autofill.unknown_draft",
            Self::UnknownField { .. } => "autofill.unknown_field",
            Self::FieldLocked { .. } => "autofill.field_locked",
            Self::InvalidForm { .. } => "autofill.invalid_form",
            Self::MaterialMissing { .. } => "autofill.material_missing",
            Self::BadParties { .. } => "autofill.bad_parties",
        }
    }

    /// A default message for people (for `InvalidForm`, the first field's message).
    pub fn message(&self, language: Language) -> String {
        match self {
            Self::InvalidForm { errors } if !errors.is_empty() => {
                let first = &errors[0];
                let text = match language {
                    Language::Zh => first.message_zh.clone(),
                    Language::En => first.message_en.clone(),
                };
                if errors.len() > 1 {
                    match language {
                        Language::Zh => format!("{text}（另有{}项需修改）", errors.len() - 1),
                        Language::En => format!("{text} ({} more to fix)", errors.len() - 1),
                    }
                } else {
                    text
                }
            }
            _ => pick(
                language,
                match self {
                    Self::ConsentRefused => "未获授权读取证照，表单未自动填写。",
                    Self::UnknownDraft => "草稿不存在或已过期。",
                    Self::UnknownField { .. } => "表单中没有该项。",
                    Self::FieldLocked { .. } => "该项来自政府证照，已锁定；如需修改请确认改为自行填写。",
                    Self::InvalidForm { .. } => "表单有误，请修改后再提交。",
                    Self::MaterialMissing { .. } => "缺少必需的材料。",
                    Self::BadParties { .. } => "请正确填写需要共同签署的人员。",
                },
                match self {
                    Self::ConsentRefused => "Reading licences was not allowed; the form was not filled.",
                    Self::UnknownDraft => "The draft does not exist or has expired.",
                    Self::UnknownField { .. } => "The form has no such field.",
                    Self::FieldLocked { .. } => {
                        "This value comes from a government licence and is locked; confirm to enter your own instead."
                    }
                    Self::InvalidForm { .. } => "The form has errors; fix them and submit again.",
                    Self::MaterialMissing { .. } => "A required material is missing.",
                    Self::BadParties { .. } => "Name the people who must co-sign correctly.",
                },
            )
            .into(),
        }
    }
}
