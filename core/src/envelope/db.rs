//! The SQL of envelopes: each holder's envelopes as the platform last reported them (with
//! their timelines), on the store's connection.

use rusqlite::{params, Connection, OptionalExtension};

/// Stores (or replaces) an envelope's JSON.
pub(super) fn store_envelope(conn: &Connection, holder: &str, id: &str, case_id: &str, body: &str, now: i64) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO envelopes (holder, id, case_id, body, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (holder, id) DO UPDATE SET case_id = excluded.case_id, body = excluded.body, updated_at = excluded.updated_at",
        params![holder, id, case_id, body, now],
    )?;
    Ok(())
}

/// One stored envelope's JSON.
pub(super) fn stored_envelope(conn: &Connection, holder: &str, id: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT body FROM envelopes WHERE holder = ?1 AND id = ?2", params![holder, id], |r| r.get(0)).optional()
}

/// Every stored envelope's JSON, newest first.
pub(super) fn stored_envelopes(conn: &Connection, holder: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT body FROM envelopes WHERE holder = ?1 ORDER BY updated_at DESC, id")?;
    let rows = stmt.query_map([holder], |r| r.get(0))?;
    rows.collect()
}

/// Removes the envelopes of `holders` (inside the logout's transaction).
pub(crate) fn forget_holders(conn: &Connection, holders: &[String]) -> rusqlite::Result<()> {
    for holder in holders {
        conn.execute("DELETE FROM envelopes WHERE holder = ?1", [holder])?;
    }
    Ok(())
}
