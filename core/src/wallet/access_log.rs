//! The access log: what was read or shown, to whom and when — claim names, never values.
//!
//! One writer: the wallet (licences fetched, licences shown) and auto-fill (consents, forms
//! filled) record through [`record`]. Every row belongs to the holder (person or enterprise)
//! whose licences were read, so a second person on the same phone never sees the first one's
//! log, and a logout removes exactly that holder's rows ([`forget`]).

use rusqlite::Connection;

use super::AccessLogEntry;

/// One access, as recorded.
pub(crate) struct AccessEvent<'a> {
    /// Whose licences were read or shown.
    pub holder: &'a str,
    /// `consent`, `presentation`, `autofill_consent`, `autofill`, `autofill_consent_revoked`.
    pub action: &'a str,
    /// The licence, for a presentation.
    pub licence_id: Option<&'a str>,
    /// The licence type(s), comma-separated.
    pub vct: Option<&'a str>,
    /// The claim names as a JSON array.
    pub claims_json: &'a str,
    /// To whom: an audience, the platform, `item:<id>`.
    pub counterparty: Option<&'a str>,
}

/// Appends one entry.
pub(crate) fn record(conn: &Connection, at: i64, event: &AccessEvent<'_>) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO access_log (holder, at, action, licence_id, vct, claims, counterparty) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        rusqlite::params![event.holder, at, event.action, event.licence_id, event.vct, event.claims_json, event.counterparty],
    )?;
    Ok(())
}

/// `holder`'s entries, newest first.
pub(crate) fn list(conn: &Connection, holder: &str) -> rusqlite::Result<Vec<AccessLogEntry>> {
    let mut stmt =
        conn.prepare("SELECT at, action, licence_id, vct, claims, counterparty FROM access_log WHERE holder = ?1 ORDER BY id DESC")?;
    let rows = stmt
        .query_map([holder], |r| {
            let claims: String = r.get(4)?;
            Ok(AccessLogEntry {
                at: r.get(0)?,
                action: r.get(1)?,
                licence_id: r.get(2)?,
                vct: r.get(3)?,
                claims: serde_json::from_str(&claims).unwrap_or_default(),
                counterparty: r.get(5)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Removes the entries of `holders`, and those written before entries had a holder (their
/// owner is unknown, so the first logout after the upgrade removes them).
pub(crate) fn forget(conn: &Connection, holders: &[String]) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM access_log WHERE holder = ''", [])?;
    for holder in holders {
        conn.execute("DELETE FROM access_log WHERE holder = ?1", [holder])?;
    }
    Ok(())
}
