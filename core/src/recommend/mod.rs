//! Personalised recommendations, computed on the device (see ../shared/DOMAIN.md,
//! "Recommendation", "Bundle"): services, one-thing bundles and policy campaigns for the people
//! who need them (千人千面, 千企千面, 惠企政策精准送), without the profile leaving the device.
//!
//! Owns:
//! - the ranking ([`Ranker`], `rank.rs`): a pure, deterministic function of the catalogue, the
//!   platform's anonymous next-step statistics and what the device knows, with a reason per
//!   item in Chinese and English;
//! - the profile facts and life events derived from the wallet (`profile.rs`), and the policy
//!   campaigns matched against them with JsonLogic rules (`campaign.rs`);
//! - the person's views, searches and dismissals (`db.rs`, removed at logout);
//! - [`RecommendClient`] (`client.rs`): what apps call; it fetches only public documents (the
//!   next-step statistics, the campaigns), without a token;
//! - its errors ([`RecommendError`]);
//! - the records ([`ProfileFacts`], [`LifeEvent`], [`HistoryEvent`], [`Recommendation`], …).

pub mod campaign;
mod client;
pub(crate) mod db;
mod error;
mod model;
pub mod profile;
mod rank;

pub use client::{RecommendClient, CAMPAIGNS_PATH, NEXT_STEPS_PATH};
pub use error::RecommendError;
pub use model::*;
pub use rank::{
    RankableItem, Ranker, RankingInput, ALREADY_TAKEN_FACTOR, INTEREST_WEIGHT, LIFE_EVENT_HALF_LIFE_DAYS, LIFE_EVENT_HORIZON_DAYS,
    LIFE_EVENT_WEIGHT, NEXT_STEP_MEMORY, NEXT_STEP_WEIGHT, ONE_OFF_BELOW, POPULAR_WEIGHT, PROFILE_WEIGHT, RECURRING_WEIGHT,
};

/// The licence types profile facts and life events are read from.
pub mod vct {
    /// 居民身份证: age, district.
    pub const RESIDENT_ID_CARD: &str = "urn:citykit:vct:resident_id_card";
    /// 出生医学证明: a birth; a parent's children.
    pub const BIRTH_MEDICAL_CERTIFICATE: &str = "urn:citykit:vct:birth_medical_certificate";
    /// 出生登记证明 (the result of a birth registration): a birth.
    pub const BIRTH_REGISTRATION_CERTIFICATE: &str = "urn:citykit:vct:birth_registration_certificate";
    /// 结婚登记回执 (the result of a marriage registration): a marriage.
    pub const MARRIAGE_REGISTRATION_RECEIPT: &str = "urn:citykit:vct:marriage_registration_receipt";
    /// 结婚证: married.
    pub const MARRIAGE_CERTIFICATE: &str = "urn:citykit:vct:marriage_certificate";
    /// 营业执照: an enterprise's industry, capital, age, district.
    pub const BUSINESS_LICENCE: &str = "urn:citykit:vct:business_licence";
    /// 不动产权证书: owns property.
    pub const REAL_ESTATE_CERTIFICATE: &str = "urn:citykit:vct:real_estate_certificate";
    /// 机动车行驶证: has a vehicle.
    pub const VEHICLE_REGISTRATION: &str = "urn:citykit:vct:vehicle_registration";
}
