//! The service catalogue (政务服务事项, 办事指南): every item the city offers with its standard
//! guide, form schema and materials, and the one-thing bundles (一件事).
//!
//! Owns: syncing the platform's catalogue with conditional requests (ETag → `304 Not Modified`
//! costs one round trip and no parsing), keeping it in the encrypted store, and searching it
//! offline — Chinese included — with SQLite FTS5's trigram tokenizer (queries of three characters
//! or more use the index; one- and two-character queries such as 社保 or 租赁, which a trigram
//! index cannot answer, scan the same table with `LIKE`, fine for a few thousand items).

mod db;
mod error;
mod model;

pub(crate) use db::{decode_item, item_blocking};
#[cfg(not(feature = "test-support"))]
use db::{search_blocking, store_catalogue};
#[cfg(feature = "test-support")]
pub use db::{search_blocking, store_catalogue};
pub use error::CatalogueError;
pub use model::*;

use serde::Serialize;

use crate::api::{self, ApiCall};
use crate::identity::IdentityClient;
use crate::net::NetError;
use crate::store::{Store, StoreError};
use crate::CityKitError;

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct CatalogueSync {
    /// The catalogue's version label.
    pub version: String,
    /// Items stored.
    pub item_count: u32,
    /// Bundles stored.
    pub bundle_count: u32,
    /// False when the platform answered `304 Not Modified`.
    pub changed: bool,
    /// When (Unix seconds).
    pub synced_at: i64,
}

/// An item as a search or a list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct ItemSummary {
    /// Stable id.
    pub id: String,
    /// The city's item code.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// The office.
    pub office: Office,
    /// Whom it is for.
    pub audience: Audience,
    /// May be approved instantly.
    pub instant: bool,
    /// Promised working days.
    pub promised_working_days: u32,
    /// Fee in fen.
    pub fee_fen: u64,
    /// The bundles it belongs to.
    pub bundles: Vec<String>,
}

impl From<&ServiceItem> for ItemSummary {
    fn from(item: &ServiceItem) -> Self {
        Self {
            id: item.id.clone(),
            code: item.code.clone(),
            name_zh: item.name_zh.clone(),
            name_en: item.name_en.clone(),
            office: item.office.clone(),
            audience: item.audience,
            instant: item.instant,
            promised_working_days: item.promised_working_days,
            fee_fen: item.fee.amount_fen,
            bundles: item.bundles.clone(),
        }
    }
}

/// Parses and checks a catalogue document (outside input).
pub fn parse_catalogue(bytes: &[u8]) -> Result<CatalogueDocument, CatalogueError> {
    let doc: CatalogueDocument = serde_json::from_slice(bytes).map_err(|e| CatalogueError::Malformed { details: e.to_string() })?;
    let mut ids = std::collections::HashSet::new();
    for item in &doc.items {
        if item.id.is_empty() || !ids.insert(item.id.as_str()) {
            return Err(CatalogueError::Malformed { details: "an item id is empty or repeated".into() });
        }
        let mut names = std::collections::HashSet::new();
        for field in &item.form.fields {
            if field.name.is_empty() || !names.insert(field.name.as_str()) {
                return Err(CatalogueError::Malformed { details: format!("item {}: a field name is empty or repeated", item.id) });
            }
            if field.field_type == FieldType::Choice && field.options.is_empty() {
                return Err(CatalogueError::Malformed { details: format!("item {}: choice field {} has no options", item.id, field.name) });
            }
        }
    }
    for bundle in &doc.bundles {
        if let Some(missing) = bundle.items.iter().find(|i| !ids.contains(i.as_str())) {
            return Err(CatalogueError::Malformed { details: format!("bundle {} names unknown item {missing}", bundle.id) });
        }
    }
    Ok(doc)
}

/// The catalogue, synced from the platform and searched offline. Cheap to clone.
#[derive(Clone)]
pub struct CatalogueClient {
    identity: IdentityClient,
    store: Store,
}

impl CatalogueClient {
    pub(crate) fn new(identity: IdentityClient, store: Store) -> Self {
        Self { identity, store }
    }

    /// Brings the stored catalogue up to date: a conditional GET with the stored ETag; a `304`
    /// keeps what is stored. A malformed catalogue is refused and the stored one kept.
    pub async fn sync(&self) -> Result<CatalogueSync, CityKitError> {
        let stored: Option<(Option<String>, String)> = self.store.read(db::stored_version).await?;
        let url = api::url(&self.identity, "/catalogue").await?;
        let mut call = ApiCall::get(&url);
        let etag = stored.as_ref().and_then(|(etag, _)| etag.clone());
        call.if_none_match = etag.as_deref();
        let reply = api::authorized_call(&self.identity, call, false).await?;
        let at = crate::platform::now_unix_secs();
        if reply.status == 304 && stored.is_some() {
            let (item_count, bundle_count, version) = self.store.call(move |conn| db::mark_unchanged(conn, at)).await?;
            tracing::debug!(item_count, "catalogue unchanged");
            return Ok(CatalogueSync { version, item_count, bundle_count, changed: false, synced_at: at });
        }
        if !reply.is_success() {
            return Err(NetError::Status { status: reply.status, error: reply.error_body().map(|b| b.error) }.into());
        }
        let etag = reply.etag.clone();
        let body = reply.body;
        let doc = crate::platform::run_blocking(move || parse_catalogue(&body))
            .await
            .map_err(|e| CityKitError::Internal { details: e.to_string() })??;
        let (version, item_count, bundle_count) = (doc.version.clone(), doc.items.len() as u32, doc.bundles.len() as u32);
        self.store.call(move |conn| store_catalogue(conn, &doc, etag.as_deref(), at)).await?;
        tracing::info!(item_count, bundle_count, "catalogue synced");
        Ok(CatalogueSync { version, item_count, bundle_count, changed: true, synced_at: at })
    }

    /// Imports a catalogue document got otherwise than by [`CatalogueClient::sync`] (a kiosk's
    /// or a web view's bundled copy: the platform's `GET /api/v1/catalogue` body), replacing the
    /// stored one. A malformed document is refused and the stored one kept. The next `sync`
    /// downloads the platform's catalogue in full (an imported copy has no ETag).
    pub async fn import(&self, document: &[u8]) -> Result<CatalogueSync, CityKitError> {
        let document = document.to_vec();
        let doc = crate::platform::run_blocking(move || parse_catalogue(&document))
            .await
            .map_err(|e| CityKitError::Internal { details: e.to_string() })??;
        let (version, item_count, bundle_count) = (doc.version.clone(), doc.items.len() as u32, doc.bundles.len() as u32);
        let at = crate::platform::now_unix_secs();
        self.store.call(move |conn| store_catalogue(conn, &doc, None, at)).await?;
        tracing::info!(item_count, bundle_count, "catalogue imported");
        Ok(CatalogueSync { version, item_count, bundle_count, changed: true, synced_at: at })
    }

    /// Searches the stored catalogue (no network); at most `limit` items, best first.
    pub async fn search(&self, query: &str, limit: u32) -> Result<Vec<ItemSummary>, CityKitError> {
        let query = query.trim().to_owned();
        let limit = limit.clamp(1, 500);
        self.ensure_synced().await?;
        let items = self.store.read(move |conn| search_blocking(conn, &query, limit)).await?;
        Ok(items.iter().map(ItemSummary::from).collect())
    }

    /// One item with its whole guide and form.
    pub async fn item(&self, id: &str) -> Result<ServiceItem, CityKitError> {
        let id_owned = id.to_owned();
        self.ensure_synced().await?;
        self.store
            .read(move |conn| item_blocking(conn, &id_owned))
            .await?
            .ok_or_else(|| CatalogueError::UnknownItem { id: id.to_owned() }.into())
    }

    /// Every item, in catalogue order.
    pub async fn items(&self) -> Result<Vec<ItemSummary>, CityKitError> {
        self.ensure_synced().await?;
        let items: Vec<ServiceItem> = self
            .store
            .read(|conn| {
                let mut stmt = conn.prepare("SELECT body FROM catalogue_items ORDER BY position")?;
                let rows = stmt.query_map([], |r| r.get::<_, Vec<u8>>(0))?.collect::<Result<Vec<_>, _>>()?;
                rows.iter().map(|b| decode_item(b)).collect()
            })
            .await?;
        Ok(items.iter().map(ItemSummary::from).collect())
    }

    /// The one-thing bundles, in catalogue order.
    pub async fn bundles(&self) -> Result<Vec<Bundle>, CityKitError> {
        self.ensure_synced().await?;
        Ok(self
            .store
            .read(|conn| {
                let mut stmt = conn.prepare("SELECT body FROM catalogue_bundles ORDER BY position")?;
                let rows = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
                rows.iter().map(|b| serde_json::from_str(b).map_err(|e| StoreError::Decode { details: e.to_string() })).collect()
            })
            .await?)
    }

    async fn ensure_synced(&self) -> Result<(), CityKitError> {
        let synced: bool =
            self.store.read(|conn| Ok(conn.query_row("SELECT count(*) FROM catalogue_meta", [], |r| r.get::<_, i64>(0))? > 0)).await?;
        if synced {
            Ok(())
        } else {
            Err(CatalogueError::NotSynced.into())
        }
    }
}

#[cfg(test)]
mod tests;
