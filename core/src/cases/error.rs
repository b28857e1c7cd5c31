//! Case, signature and rating errors.

use crate::error::{pick, Language};

/// Why a case, a signature or a rating did not go through.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    /// The platform refused the submission; `reason` is its error code (`field_mismatch`,
    /// `invalid_field`, `invalid_material`, `material_missing`, `unknown_party`, `form_outdated`,
    /// …) and `field` the field it names. The draft is kept so nothing is lost.
    #[error("the platform refused the case: {reason}{}", .field.as_ref().map(|f| format!(" (field {f})")).unwrap_or_default())]
    Refused {
        /// The platform's error code.
        reason: String,
        /// The field concerned, if any.
        field: Option<String>,
    },
    /// No such case for this identity.
    #[error("unknown case")]
    UnknownCase,
    /// The case changed since it was reviewed: review it again before signing.
    #[error("the case content changed since it was reviewed")]
    ContentChanged,
    /// The case no longer waits for signatures.
    #[error("the case is closed")]
    CaseClosed,
    /// Only finished cases can be rated.
    #[error("the case is not finished")]
    NotFinished,
    /// The case was already rated differently.
    #[error("the case is already rated")]
    AlreadyRated,
    /// The rating comment is longer than allowed.
    #[error("the comment is longer than {max} characters")]
    CommentTooLong {
        /// The limit.
        max: u32,
    },
    /// The rating comment seems to contain personal data (which kinds, never the data).
    #[error("the comment seems to contain personal data: {}", .kinds.join(", "))]
    CommentHasPersonalData {
        /// `id_number`, `mobile`.
        kinds: Vec<String>,
    },
    /// Only the applicant may do this.
    #[error("only the applicant may do this")]
    NotApplicant,
    /// The case's content could not be read.
    #[error("malformed case: {details}")]
    Malformed {
        /// What was wrong.
        details: String,
    },
    /// No queued submission has this id.
    #[error("unknown submission")]
    UnknownSubmission,
    /// The case has no pledge to sign (nothing is missing, or the pledge was signed).
    #[error("the case has no pledge to sign")]
    NoPledge,
    /// This person broke a pledge before: the platform accepts no further pledges from them.
    #[error("no further pledges are accepted from this person")]
    PledgeNotAllowed,
    /// No inbox item has this id on this device.
    #[error("unknown inbox item")]
    UnknownInboxItem,
}

impl CaseError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Refused { .. } => "case.refused",
            Self::UnknownCase => "case.unknown_case",
            Self::ContentChanged => "case.content_changed",
            Self::CaseClosed => "case.closed",
            Self::NotFinished => "case.not_finished",
            Self::AlreadyRated => "case.already_rated",
            Self::CommentTooLong { .. } => "case.comment_too_long",
            Self::CommentHasPersonalData { .. } => "case.comment_personal_data",
            Self::NotApplicant => "case.not_applicant",
            Self::Malformed { .. } => "case.malformed",
            Self::UnknownSubmission => "case.unknown_submission",
            Self::NoPledge => "case.no_pledge",
            Self::PledgeNotAllowed => "case.pledge_not_allowed",
            Self::UnknownInboxItem => "case.unknown_inbox_item",
        }
    }

    /// A default message for people.
    pub fn message(&self, language: Language) -> String {
        pick(
            language,
            match self {
                Self::Refused { .. } => "办件未被受理，请按提示修改后重新提交，草稿已保留。",
                Self::UnknownCase => "没有找到该办件。",
                Self::ContentChanged => "办件内容已变更，请重新核对后再签署。",
                Self::CaseClosed => "该办件已结束，无需再签署。",
                Self::NotFinished => "办件办结后才能评价。",
                Self::AlreadyRated => "该办件已评价过。",
                Self::CommentTooLong { .. } => "评价内容过长。",
                Self::CommentHasPersonalData { .. } => "评价内容中似乎有身份证号或手机号等个人信息，请删除后再提交。",
                Self::NotApplicant => "只有申请人可以进行此操作。",
                Self::Malformed { .. } => "无法读取办件内容。",
                Self::UnknownSubmission => "没有找到该待发送的申请。",
                Self::NoPledge => "该办件没有待签署的容缺承诺。",
                Self::PledgeNotAllowed => "您曾未履行容缺承诺，暂不能容缺受理，请备齐材料后再申请。",
                Self::UnknownInboxItem => "没有找到该消息。",
            },
            match self {
                Self::Refused { .. } => "The case was not accepted; fix what is shown and submit again. The draft is kept.",
                Self::UnknownCase => "That case does not exist.",
                Self::ContentChanged => "The case changed; review it again before signing.",
                Self::CaseClosed => "The case is closed; no signature is needed.",
                Self::NotFinished => "A case can be rated once it is finished.",
                Self::AlreadyRated => "This case has already been rated.",
                Self::CommentTooLong { .. } => "The comment is too long.",
                Self::CommentHasPersonalData { .. } => "The comment seems to contain an ID or phone number; remove it and try again.",
                Self::NotApplicant => "Only the applicant can do this.",
                Self::Malformed { .. } => "The case could not be read.",
                Self::UnknownSubmission => "No queued submission has that id.",
                Self::NoPledge => "This case has no pledge to sign.",
                Self::PledgeNotAllowed => "A pledge was not kept before: bring every material and apply again.",
                Self::UnknownInboxItem => "No such notice in the inbox.",
            },
        )
        .into()
    }
}
