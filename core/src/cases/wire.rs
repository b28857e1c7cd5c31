//! The platform's JSON shapes for cases, the inbox and a case's signed content, as received.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{Case, InboxItem};

/// The case as the platform sends it.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct WireCase {
    #[serde(flatten)]
    pub(super) case: Case,
    #[serde(default)]
    pub(super) content: Option<String>,
    #[serde(default)]
    pub(super) result_licence: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct WireCases {
    pub(super) cases: Vec<WireCase>,
}

#[derive(Deserialize)]
pub(super) struct WireInbox {
    pub(super) items: Vec<InboxItem>,
}

#[derive(Deserialize)]
pub(super) struct WireContent {
    pub(super) case_id: String,
    pub(super) item_id: String,
    pub(super) revision: u32,
    pub(super) fields: BTreeMap<String, String>,
    #[serde(default)]
    pub(super) parties: Vec<WireParty>,
}

#[derive(Deserialize)]
pub(super) struct WireParty {
    pub(super) role: String,
    pub(super) id_number: String,
    pub(super) name: String,
}
