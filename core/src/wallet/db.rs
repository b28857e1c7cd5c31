//! The SQL of the wallet, on the store's connection (run inside `Store::call` or `Store::read`):
//! licences (`licences`), their copies for presentations with each copy's holder key
//! (`licence_copies`), issuer keys (`issuer_keys`), the status-list cache (`status_lists`) and
//! the verifier's nonces (`verifier_nonces`). The access log keeps its own SQL (`access_log.rs`,
//! written by auto-fill too), and what a logout removes is in `forget.rs`.

use rusqlite::{Connection, OptionalExtension};
use zeroize::Zeroizing;

use super::access_log::{self, AccessEvent};
use super::client::{expiring_soon, now, LicenceStatus, LicenceSummary, LicenceUsability};
use crate::store::StoreError;

/// A licence row as stored.
pub(super) struct StoredLicence {
    pub(super) id: String,
    pub(super) vct: String,
    pub(super) issuer: String,
    pub(super) text: String,
    pub(super) issued_at: Option<i64>,
    pub(super) valid_from: Option<i64>,
    pub(super) expires_at: Option<i64>,
    pub(super) status_uri: Option<String>,
    pub(super) status_idx: Option<i64>,
    pub(super) status: LicenceStatus,
}

impl StoredLicence {
    /// Writes (or replaces) the licence as `holder`'s, checked and fetched `at`.
    fn insert(&self, conn: &Connection, holder: &str, at: i64) -> rusqlite::Result<()> {
        conn.execute(
            "INSERT OR REPLACE INTO licences (id, holder, vct, issuer, sd_jwt, issued_at, valid_from, expires_at,
                 status_uri, status_idx, status, status_checked_at, fetched_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
            rusqlite::params![
                self.id,
                holder,
                self.vct,
                self.issuer,
                self.text,
                self.issued_at,
                self.valid_from,
                self.expires_at,
                self.status_uri,
                self.status_idx,
                self.status.as_str(),
                at
            ],
        )?;
        Ok(())
    }
}

/// A copy of a licence (batch issuance) as stored: its own text, holder key and status index.
pub(super) struct StoredCopy {
    pub(super) licence_id: String,
    pub(super) text: String,
    /// The PKCS#8 document of the copy's holder key.
    pub(super) private_key: Zeroizing<Vec<u8>>,
    pub(super) status_uri: Option<String>,
    pub(super) status_idx: Option<i64>,
}

/// An unused copy taken for a presentation.
pub(super) struct CopyForUse {
    pub(super) row: i64,
    pub(super) text: String,
    pub(super) private_key: Zeroizing<Vec<u8>>,
}

fn insert_copies(conn: &Connection, holder: &str, copies: &[StoredCopy], at: i64) -> rusqlite::Result<usize> {
    let mut added = 0;
    for c in copies {
        added += conn.execute(
            "INSERT INTO licence_copies (licence_id, holder, sd_jwt, private_key, status_uri, status_idx, fetched_at)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS (SELECT 1 FROM licences WHERE id = ?1 AND holder = ?2)",
            rusqlite::params![c.licence_id, holder, c.text, c.private_key.as_slice(), c.status_uri, c.status_idx, at],
        )?;
    }
    Ok(added)
}

/// Replaces `holder`'s licences with `licences` and their copies with `copies` (a copy of no
/// licence among them is dropped), and logs the consent (the types `vcts` and the claim names,
/// read from `counterparty`): one transaction.
pub(super) fn replace_licences(
    conn: &mut Connection,
    holder: &str,
    licences: &[StoredLicence],
    copies: &[StoredCopy],
    vcts: &[String],
    claim_names: &[String],
    counterparty: &str,
) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    let at = now();
    tx.execute("DELETE FROM licences WHERE holder = ?1", [holder])?;
    tx.execute("DELETE FROM licence_copies WHERE holder = ?1", [holder])?;
    for r in licences {
        r.insert(&tx, holder, at)?;
    }
    insert_copies(&tx, holder, copies, at)?;
    let (vcts, claims_json) = (vcts.join(","), serde_json::to_string(&claim_names).unwrap_or_default());
    let event = AccessEvent {
        holder,
        action: "consent",
        licence_id: None,
        vct: Some(&vcts),
        claims_json: &claims_json,
        counterparty: Some(counterparty),
    };
    access_log::record(&tx, at, &event)?;
    tx.commit()?;
    Ok(())
}

/// Keeps one licence as `holder`'s (a licence a case issued), checked and fetched now.
pub(super) fn store_licence(conn: &Connection, licence: &StoredLicence, holder: &str) -> Result<(), StoreError> {
    Ok(licence.insert(conn, holder, now())?)
}

/// `holder`'s licences with their SD-JWT text, by type.
pub(super) fn licences(conn: &Connection, holder: &str) -> Result<Vec<(LicenceSummary, String)>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, vct, issuer, holder, issued_at, valid_from, expires_at, status, status_checked_at, sd_jwt
                     FROM licences WHERE holder = ?1 ORDER BY vct, id",
    )?;
    let rows = stmt.query_map([holder], |r| Ok((summary_from_row(r)?, r.get::<_, String>(9)?)))?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// One of `holder`'s licences with its SD-JWT text.
pub(super) fn licence(conn: &Connection, holder: &str, id: &str) -> Result<Option<(LicenceSummary, String)>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT id, vct, issuer, holder, issued_at, valid_from, expires_at, status, status_checked_at, sd_jwt
                         FROM licences WHERE id = ?1 AND holder = ?2",
            rusqlite::params![id, holder],
            |r| Ok((summary_from_row(r)?, r.get::<_, String>(9)?)),
        )
        .optional()?)
}

/// Records a licence's status, checked now.
pub(super) fn set_status(conn: &Connection, id: &str, status: LicenceStatus) -> Result<(), StoreError> {
    conn.execute("UPDATE licences SET status = ?1, status_checked_at = ?2 WHERE id = ?3", rusqlite::params![status.as_str(), now(), id])?;
    Ok(())
}

/// Removes a licence and its copies (with their keys).
pub(super) fn delete_licence(conn: &mut Connection, id: &str) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    tx.execute("DELETE FROM licence_copies WHERE licence_id = ?1", [id])?;
    tx.execute("DELETE FROM licences WHERE id = ?1", [id])?;
    tx.commit()?;
    Ok(())
}

/// Adds copies to `holder`'s licences (a refill; copies of a licence not held are dropped).
/// Returns how many were kept.
pub(super) fn add_copies(conn: &mut Connection, holder: &str, copies: &[StoredCopy]) -> Result<usize, StoreError> {
    let tx = conn.transaction()?;
    let added = insert_copies(&tx, holder, copies, now())?;
    tx.commit()?;
    Ok(added)
}

/// The oldest copy of `holder`'s licence `id` never shown.
pub(super) fn unused_copy(conn: &Connection, holder: &str, id: &str) -> Result<Option<CopyForUse>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT id, sd_jwt, private_key FROM licence_copies
             WHERE holder = ?1 AND licence_id = ?2 AND used_at IS NULL AND private_key IS NOT NULL ORDER BY id LIMIT 1",
            [holder, id],
            |r| Ok(CopyForUse { row: r.get(0)?, text: r.get(1)?, private_key: Zeroizing::new(r.get::<_, Vec<u8>>(2)?) }),
        )
        .optional()?)
}

/// How many copies of `holder`'s licence `id` were never shown.
pub(super) fn unused_copies(conn: &Connection, holder: &str, id: &str) -> Result<u32, StoreError> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM licence_copies WHERE holder = ?1 AND licence_id = ?2 AND used_at IS NULL AND private_key IS NOT NULL",
        [holder, id],
        |r| r.get(0),
    )?)
}

/// The status references of the copies of `holder`'s licence `id` never shown.
pub(super) fn unused_copy_status_refs(conn: &Connection, holder: &str, id: &str) -> Result<Vec<(String, i64)>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT status_uri, status_idx FROM licence_copies
         WHERE holder = ?1 AND licence_id = ?2 AND used_at IS NULL AND status_uri IS NOT NULL AND status_idx IS NOT NULL",
    )?;
    let rows = stmt.query_map([holder, id], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Marks copy `row` shown to `audience` and logs the presentation, in one transaction. The
/// copy keeps only when and to whom: its key is wiped (it never signs again) and so is its text
/// (the licence's claims are in the licence). False, with nothing written, when the copy was
/// taken meanwhile.
pub(super) fn use_copy(conn: &mut Connection, row: i64, audience: &str, event: &AccessEvent<'_>) -> Result<bool, StoreError> {
    let tx = conn.transaction()?;
    let at = now();
    let marked = tx.execute(
        "UPDATE licence_copies SET used_at = ?1, used_for = ?2, private_key = NULL, sd_jwt = '' WHERE id = ?3 AND used_at IS NULL",
        rusqlite::params![at, audience, row],
    )?;
    if marked != 1 {
        return Ok(false);
    }
    access_log::record(&tx, at, event)?;
    tx.commit()?;
    Ok(true)
}

fn summary_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<LicenceSummary> {
    let (valid_from, expires_at): (Option<i64>, Option<i64>) = (r.get(5)?, r.get(6)?);
    let status = LicenceStatus::parse(&r.get::<_, String>(7)?);
    let now = now();
    Ok(LicenceSummary {
        id: r.get(0)?,
        vct: r.get(1)?,
        issuer: r.get(2)?,
        holder: r.get(3)?,
        issued_at: r.get(4)?,
        valid_from,
        expires_at,
        status,
        status_checked_at: r.get(8)?,
        expiring_soon: expiring_soon(expires_at, now),
        usability: LicenceUsability::at(valid_from, expires_at, status, now),
        claim_names: Vec::new(),
    })
}

/// The issuer's stored key set and when it was fetched.
pub(super) fn issuer_keys(conn: &Connection, issuer: &str) -> Result<Option<(String, i64)>, StoreError> {
    Ok(conn.query_row("SELECT jwks, fetched_at FROM issuer_keys WHERE issuer = ?1", [issuer], |r| Ok((r.get(0)?, r.get(1)?))).optional()?)
}

/// Stores the issuer's key set (replacing the old one), fetched now.
pub(super) fn store_issuer_keys(conn: &Connection, issuer: &str, jwks: &str) -> Result<(), StoreError> {
    conn.execute(
        "INSERT OR REPLACE INTO issuer_keys (issuer, jwks, fetched_at) VALUES (?1, ?2, ?3)",
        rusqlite::params![issuer, jwks, now()],
    )?;
    Ok(())
}

/// The cached status list at `uri` and when it was fetched.
pub(super) fn status_list(conn: &Connection, uri: &str) -> Result<Option<(String, i64)>, StoreError> {
    Ok(conn.query_row("SELECT token, fetched_at FROM status_lists WHERE uri = ?1", [uri], |r| Ok((r.get(0)?, r.get(1)?))).optional()?)
}

/// Caches the status list at `uri` (replacing an older one), fetched at `fetched_at`.
pub(super) fn store_status_list(conn: &Connection, uri: &str, token: &str, fetched_at: i64) -> Result<(), StoreError> {
    conn.execute(
        "INSERT OR REPLACE INTO status_lists (uri, token, fetched_at) VALUES (?1, ?2, ?3)",
        rusqlite::params![uri, token, fetched_at],
    )?;
    Ok(())
}

/// Remembers a nonce the verifier issued for `audience` at `issued_at`.
pub(super) fn remember_issued_nonce(conn: &Connection, audience: &str, nonce: &str, issued_at: i64) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO verifier_nonces (audience, nonce, issued_at, seen_at) VALUES (?1, ?2, ?3, NULL)",
        rusqlite::params![audience, nonce, issued_at],
    )?;
    Ok(())
}

/// Accepts `nonce` for `audience` once: false when it was seen before; else it is marked seen
/// `now`. First forgets issued nonces older than `issued_before` and seen ones older than
/// `seen_before`. One transaction.
pub(super) fn accept_nonce(
    conn: &mut Connection,
    audience: &str,
    nonce: &str,
    now: i64,
    issued_before: i64,
    seen_before: i64,
) -> Result<bool, StoreError> {
    let tx = conn.transaction()?;
    tx.execute(
        "DELETE FROM verifier_nonces WHERE (seen_at IS NULL AND issued_at < ?1) OR seen_at < ?2",
        rusqlite::params![issued_before, seen_before],
    )?;
    let seen: Option<Option<i64>> = tx
        .query_row("SELECT seen_at FROM verifier_nonces WHERE audience = ?1 AND nonce = ?2", [audience, nonce], |r| r.get(0))
        .optional()?;
    if matches!(seen, Some(Some(_))) {
        return Ok(false);
    }
    tx.execute(
        "INSERT INTO verifier_nonces (audience, nonce, issued_at, seen_at) VALUES (?1, ?2, NULL, ?3)
                     ON CONFLICT (audience, nonce) DO UPDATE SET seen_at = excluded.seen_at",
        rusqlite::params![audience, nonce, now],
    )?;
    tx.commit()?;
    Ok(true)
}
