//! The SQL of auto-fill, on the store's connection (run inside `Store::call`): the consents
//! (`autofill_consents`, each logged in the wallet's access log), the drafts (`drafts`), and the
//! read of the usable licences a form is filled from (the wallet's `licences`). What a logout
//! removes is in `forget.rs`.

use std::collections::BTreeSet;

use rusqlite::{Connection, OptionalExtension};

use super::now;
use crate::catalogue::SourceHolder;
use crate::store::StoreError;
use crate::wallet::access_log::{self, AccessEvent};

/// The claims `holder` consented to for `item_id` (a JSON array), if any.
pub(super) fn consented_claims(conn: &Connection, holder: &str, item_id: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row("SELECT claims FROM autofill_consents WHERE holder = ?1 AND item_id = ?2", [holder, item_id], |r| r.get(0))
        .optional()?)
}

/// Records `holder`'s consent to `item_id` reading `claims_json` (of the types `vcts`) and logs
/// it: one transaction.
pub(super) fn grant_consent(conn: &mut Connection, holder: &str, item_id: &str, claims_json: &str, vcts: &str) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    let at = now();
    tx.execute(
        "INSERT OR REPLACE INTO autofill_consents (holder, item_id, claims, granted_at) VALUES (?1, ?2, ?3, ?4)",
        rusqlite::params![holder, item_id, claims_json, at],
    )?;
    let counterparty = format!("item:{item_id}");
    let event = AccessEvent {
        holder,
        action: "autofill_consent",
        licence_id: None,
        vct: Some(vcts),
        claims_json,
        counterparty: Some(&counterparty),
    };
    access_log::record(&tx, at, &event)?;
    tx.commit()?;
    Ok(())
}

/// `holder`'s standing consents as (item, claims JSON, granted at), newest first.
pub(super) fn consents(conn: &Connection, holder: &str) -> Result<Vec<(String, String, i64)>, StoreError> {
    let mut stmt =
        conn.prepare("SELECT item_id, claims, granted_at FROM autofill_consents WHERE holder = ?1 ORDER BY granted_at DESC, item_id")?;
    let rows = stmt.query_map([holder], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Withdraws `holder`'s consent for `item_id` and logs it: one transaction. False when there
/// was none.
pub(super) fn revoke_consent(conn: &mut Connection, holder: &str, item_id: &str) -> Result<bool, StoreError> {
    let tx = conn.transaction()?;
    let claims: Option<String> = tx
        .query_row("SELECT claims FROM autofill_consents WHERE holder = ?1 AND item_id = ?2", [holder, item_id], |r| r.get(0))
        .optional()?;
    let Some(claims) = claims else { return Ok(false) };
    tx.execute("DELETE FROM autofill_consents WHERE holder = ?1 AND item_id = ?2", [holder, item_id])?;
    let counterparty = format!("item:{item_id}");
    let event = AccessEvent {
        holder,
        action: "autofill_consent_revoked",
        licence_id: None,
        vct: None,
        claims_json: &claims,
        counterparty: Some(&counterparty),
    };
    access_log::record(&tx, now(), &event)?;
    tx.commit()?;
    Ok(true)
}

/// A stored licence a form may read: (whose, id, vct, issuer, SD-JWT).
pub(super) type LicenceRow = (SourceHolder, String, String, String, String);

/// The holders' usable licences (not revoked, valid now) of the wanted types, newest first per
/// type.
pub(super) fn usable_licences(
    conn: &Connection,
    holders: &[(SourceHolder, String)],
    wanted_vcts: &BTreeSet<(SourceHolder, String)>,
) -> Result<Vec<LicenceRow>, StoreError> {
    let mut out = Vec::new();
    let mut stmt = conn.prepare(
        "SELECT id, vct, issuer, sd_jwt FROM licences
                     WHERE holder = ?1 AND vct = ?2 AND status != 'revoked' AND (expires_at IS NULL OR expires_at > ?3)
                       AND (valid_from IS NULL OR valid_from <= ?3)
                     ORDER BY issued_at DESC, id",
    )?;
    for (of, holder) in holders {
        for (want_of, vct) in wanted_vcts {
            if want_of != of {
                continue;
            }
            let rows = stmt.query_map(rusqlite::params![holder, vct, now()], |r| Ok((*of, r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
            for row in rows {
                out.push(row?);
            }
        }
    }
    Ok(out)
}

/// Saves a new draft.
pub(super) fn insert_draft(
    conn: &Connection,
    id: &str,
    holder: &str,
    item_id: &str,
    body: &str,
    created: i64,
    updated: i64,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO drafts (id, holder, item_id, body, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        rusqlite::params![id, holder, item_id, body, created, updated],
    )?;
    Ok(())
}

/// Saves a changed draft of `holder`; how many rows changed (0: no such draft).
pub(super) fn update_draft(conn: &Connection, id: &str, holder: &str, body: &str, updated: i64) -> Result<usize, StoreError> {
    Ok(conn.execute(
        "UPDATE drafts SET body = ?1, updated_at = ?2 WHERE id = ?3 AND holder = ?4",
        rusqlite::params![body, updated, id, holder],
    )?)
}

/// One of `holder`'s drafts (its JSON body).
pub(super) fn draft_body(conn: &Connection, id: &str, holder: &str) -> Result<Option<String>, StoreError> {
    Ok(conn.query_row("SELECT body FROM drafts WHERE id = ?1 AND holder = ?2", [id, holder], |r| r.get(0)).optional()?)
}

/// `holder`'s drafts (JSON bodies), newest first.
pub(super) fn draft_bodies(conn: &Connection, holder: &str) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare("SELECT body FROM drafts WHERE holder = ?1 ORDER BY updated_at DESC, id")?;
    let rows = stmt.query_map([holder], |r| r.get(0))?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Deletes one of `holder`'s drafts; how many rows went.
pub(super) fn delete_draft(conn: &Connection, id: &str, holder: &str) -> Result<usize, StoreError> {
    Ok(conn.execute("DELETE FROM drafts WHERE id = ?1 AND holder = ?2", [id, holder])?)
}

/// Deletes every draft (of any holder) last edited before `cutoff`; how many went.
pub(super) fn purge_drafts(conn: &Connection, cutoff: i64) -> Result<usize, StoreError> {
    Ok(conn.execute("DELETE FROM drafts WHERE updated_at < ?1", [cutoff])?)
}
