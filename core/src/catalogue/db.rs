//! The catalogue's SQL: its tables (`catalogue_items`, `catalogue_bundles`, `catalogue_meta`
//! and the FTS5 trigram index `catalogue_search`, created by the store's migrations) and every
//! query on them. Runs on a store connection, inside `Store::call` or `Store::read`.

use rusqlite::OptionalExtension;

use super::{CatalogueDocument, ServiceItem};
use crate::store::StoreError;

/// The text a search matches an item against.
fn search_text(item: &ServiceItem) -> String {
    let mut parts = vec![
        item.name_zh.as_str(),
        item.name_en.as_str(),
        item.code.as_str(),
        item.office.name_zh.as_str(),
        item.office.name_en.as_str(),
        item.theme.as_str(),
    ];
    parts.extend(item.keywords_zh.iter().map(String::as_str));
    parts.join(" \u{1f} ")
}

/// An item as stored: its JSON, zlib-compressed (a guide is repetitive JSON: about a fifth of the
/// size, so a big catalogue costs less to store, encrypt and integrity-check at every open).
fn encode_item(item: &ServiceItem) -> Result<Vec<u8>, StoreError> {
    use std::io::Write as _;
    let json = serde_json::to_vec(item).map_err(|e| StoreError::Decode { details: e.to_string() })?;
    let mut z = flate2::write::ZlibEncoder::new(Vec::with_capacity(json.len() / 4), flate2::Compression::default());
    z.write_all(&json).and_then(|_| z.finish()).map_err(|e| StoreError::Decode { details: e.to_string() })
}

pub(crate) fn decode_item(body: &[u8]) -> Result<ServiceItem, StoreError> {
    use std::io::Read as _;
    let mut json = Vec::with_capacity(body.len() * 5);
    flate2::read::ZlibDecoder::new(body).read_to_end(&mut json).map_err(|e| StoreError::Decode { details: e.to_string() })?;
    serde_json::from_slice(&json).map_err(|e| StoreError::Decode { details: e.to_string() })
}

/// Stores a parsed catalogue, replacing the old one, in one transaction (on the store's
/// connection). [`super::CatalogueClient::sync`] does this after a download,
/// [`super::CatalogueClient::import`] with a document got otherwise.
pub fn store_catalogue(conn: &mut rusqlite::Connection, doc: &CatalogueDocument, etag: Option<&str>, at: i64) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    tx.execute_batch("DELETE FROM catalogue_items; DELETE FROM catalogue_bundles; DELETE FROM catalogue_search;")?;
    {
        let mut insert_item = tx.prepare("INSERT INTO catalogue_items (id, position, body) VALUES (?1, ?2, ?3)")?;
        let mut insert_text = tx.prepare("INSERT INTO catalogue_search (item_id, name, text) VALUES (?1, ?2, ?3)")?;
        for (position, item) in doc.items.iter().enumerate() {
            insert_item.execute(rusqlite::params![item.id, position as i64, encode_item(item)?])?;
            insert_text.execute(rusqlite::params![item.id, format!("{} {}", item.name_zh, item.name_en), search_text(item)])?;
        }
        let mut insert_bundle = tx.prepare("INSERT INTO catalogue_bundles (id, position, body) VALUES (?1, ?2, ?3)")?;
        for (position, bundle) in doc.bundles.iter().enumerate() {
            let body = serde_json::to_string(bundle).map_err(|e| StoreError::Decode { details: e.to_string() })?;
            insert_bundle.execute(rusqlite::params![bundle.id, position as i64, body])?;
        }
    }
    tx.execute(
        "INSERT OR REPLACE INTO catalogue_meta (id, etag, version, synced_at, item_count) VALUES (1, ?1, ?2, ?3, ?4)",
        rusqlite::params![etag, doc.version, at, doc.items.len() as i64],
    )?;
    tx.commit()?;
    Ok(())
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
fn like_pattern(term: &str) -> String {
    let mut out = String::with_capacity(term.len() + 2);
    out.push('%');
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Offline search over the stored catalogue: every whitespace-separated term must match (in a
/// name, the office, the code, the theme or a keyword). Terms of three characters or more use
/// the trigram index; shorter ones a `LIKE` scan. Name matches come first. Runs on a store
/// connection, a reader's normally.
pub fn search_blocking(conn: &rusqlite::Connection, query: &str, limit: u32) -> Result<Vec<ServiceItem>, StoreError> {
    let terms: Vec<&str> = query.split_whitespace().collect();
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let long: Vec<String> = terms.iter().filter(|t| t.chars().count() >= 3).map(|t| format!("\"{}\"", t.replace('"', "\"\""))).collect();
    let short: Vec<String> = terms.iter().filter(|t| t.chars().count() < 3).map(|t| like_pattern(t)).collect();
    let mut sql = String::from("SELECT i.body FROM catalogue_search s JOIN catalogue_items i ON i.id = s.item_id WHERE 1");
    let mut params: Vec<String> = Vec::new();
    if !long.is_empty() {
        sql.push_str(" AND catalogue_search MATCH ?");
        params.push(format!("text : ({})", long.join(" AND ")));
    }
    for pattern in &short {
        sql.push_str(" AND s.text LIKE ? ESCAPE '\\'");
        params.push(pattern.clone());
    }
    // Name hits first (every term in the name), then by relevance or catalogue order.
    let name_terms: Vec<String> = terms.iter().map(|t| like_pattern(t)).collect();
    let name_rank = name_terms.iter().map(|_| "s.name LIKE ? ESCAPE '\\'").collect::<Vec<_>>().join(" AND ");
    // Among name hits the shorter name is the closer match (租赁 → 房屋租赁登记备案 before its 注销).
    sql.push_str(&format!(" ORDER BY CASE WHEN {name_rank} THEN length(s.name) ELSE 1000000 END"));
    params.extend(name_terms);
    if !long.is_empty() {
        sql.push_str(", s.rank");
    }
    sql.push_str(", i.position LIMIT ?");
    params.push(limit.to_string());
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(params.iter()), |r| r.get::<_, Vec<u8>>(0))?.collect::<Result<Vec<_>, _>>()?;
    rows.iter().map(|body| decode_item(body)).collect()
}

/// Loads one stored item (on a store connection).
pub(crate) fn item_blocking(conn: &rusqlite::Connection, id: &str) -> Result<Option<ServiceItem>, StoreError> {
    let body: Option<Vec<u8>> = conn.query_row("SELECT body FROM catalogue_items WHERE id = ?1", [id], |r| r.get(0)).optional()?;
    body.map(|b| decode_item(&b)).transpose()
}

/// The stored catalogue's ETag and version, if one is stored.
pub(crate) fn stored_version(conn: &rusqlite::Connection) -> Result<Option<(Option<String>, String)>, StoreError> {
    Ok(conn.query_row("SELECT etag, version FROM catalogue_meta WHERE id = 1", [], |r| Ok((r.get(0)?, r.get(1)?))).optional()?)
}

/// Records an unchanged sync (`304`) at `at`: the item and bundle counts and the version.
pub(crate) fn mark_unchanged(conn: &mut rusqlite::Connection, at: i64) -> Result<(u32, u32, String), StoreError> {
    conn.execute("UPDATE catalogue_meta SET synced_at = ?1 WHERE id = 1", [at])?;
    Ok(conn.query_row(
        "SELECT (SELECT count(*) FROM catalogue_items), (SELECT count(*) FROM catalogue_bundles), version FROM catalogue_meta WHERE id = 1",
        [],
        |r| Ok((r.get::<_, u32>(0)?, r.get::<_, u32>(1)?, r.get::<_, String>(2)?)),
    )?)
}
