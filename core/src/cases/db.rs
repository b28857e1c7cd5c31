//! The SQL of cases, on the store's connection (run inside `Store::call`): the tables `cases`,
//! `outbox`, `outbox_refusals`, `outbox_dead_letters` and `inbox`, and the drafts a submission
//! takes out of the drafts table or a refusal puts back. What a logout removes is in `forget.rs`.

use rusqlite::{Connection, OptionalExtension};

use super::{decode_err, now, DeadLetter, InboxItem, PendingSubmission, Rating, RefusedWrite, StoredCase, WriteKind};
use crate::privacy::Personal;
use crate::store::StoreError;

/// The stored form of one of `holder`'s cases (on the store's connection).
pub(super) fn stored_case(conn: &Connection, holder: &str, case_id: &str) -> Result<Option<StoredCase>, StoreError> {
    let body: Option<String> =
        conn.query_row("SELECT body FROM cases WHERE id = ?1 AND holder = ?2", [case_id, holder], |r| r.get(0)).optional()?;
    body.map(|b| serde_json::from_str(&b).map_err(decode_err)).transpose()
}

/// Stores a case (replacing an older copy) and, when it answers the outbox entry `sent_key`,
/// removes that entry: one transaction.
pub(super) fn store_case(
    conn: &mut Connection,
    holder: &str,
    id: &str,
    item: &str,
    status: &str,
    body: &str,
    sent_key: Option<&str>,
) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    tx.execute(
        "INSERT OR REPLACE INTO cases (id, holder, item_id, status, body, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        rusqlite::params![id, holder, item, status, body, now()],
    )?;
    if let Some(key) = sent_key {
        tx.execute("DELETE FROM outbox WHERE id = ?1", [key])?;
    }
    tx.commit()?;
    Ok(())
}

/// The bodies of `holder`'s stored cases, newest first.
pub(super) fn case_bodies(conn: &Connection, holder: &str) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare("SELECT body FROM cases WHERE holder = ?1 ORDER BY updated_at DESC, id DESC")?;
    let rows = stmt.query_map([holder], |r| r.get(0))?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Puts a write into the outbox, due now (on the store's connection or transaction).
pub(super) fn enqueue(conn: &Connection, key: &str, holder: &str, kind: &str, refers_to: &str, body: &str) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO outbox (id, holder, kind, case_id, body, attempts, next_attempt_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?6)",
        rusqlite::params![key, holder, kind, refers_to, body, now()],
    )?;
    Ok(())
}

/// Queues a case submission and takes its draft out of the drafts: one transaction.
pub(super) fn enqueue_submission(
    conn: &mut Connection,
    key: &str,
    holder: &str,
    item_id: &str,
    body: &str,
    draft_id: &str,
) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    enqueue(&tx, key, holder, "case", item_id, body)?;
    tx.execute("DELETE FROM drafts WHERE id = ?1", [draft_id])?;
    tx.commit()?;
    Ok(())
}

/// `holder`'s outbox entries as (id, next attempt at), oldest first.
pub(super) fn outbox_schedule(conn: &Connection, holder: &str) -> Result<Vec<(String, i64)>, StoreError> {
    let mut stmt = conn.prepare("SELECT id, next_attempt_at FROM outbox WHERE holder = ?1 ORDER BY created_at, id")?;
    let rows = stmt.query_map([holder], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// One outbox entry as (kind, body, attempts, next attempt at), if it is still there.
pub(super) fn outbox_entry(conn: &Connection, key: &str) -> Result<Option<(String, String, u32, i64)>, StoreError> {
    let sql = "SELECT kind, body, attempts, next_attempt_at FROM outbox WHERE id = ?1";
    Ok(conn.query_row(sql, [key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).optional()?)
}

/// Keeps an entry queued: `attempts` so far, the next not before `next_attempt_at`, and the
/// last attempt's error code.
pub(super) fn reschedule(conn: &Connection, key: &str, attempts: u32, next_attempt_at: i64, code: &str) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE outbox SET attempts = ?1, next_attempt_at = ?2, last_error = ?3 WHERE id = ?4",
        rusqlite::params![attempts, next_attempt_at, code, key],
    )?;
    Ok(())
}

/// Records a delivered rating on the stored case and removes its outbox entry: one transaction.
pub(super) fn rating_delivered(conn: &mut Connection, holder: &str, case_id: &str, rating: Rating, key: &str) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    if let Some(mut stored) = stored_case(&tx, holder, case_id)? {
        stored.case.rating = Some(rating);
        let body = serde_json::to_string(&stored).map_err(decode_err)?;
        tx.execute(
            "UPDATE cases SET body = ?1, updated_at = ?2 WHERE id = ?3 AND holder = ?4",
            rusqlite::params![body, now(), case_id, holder],
        )?;
    }
    tx.execute("DELETE FROM outbox WHERE id = ?1", [key])?;
    tx.commit()?;
    Ok(())
}

/// A write the platform refused for good, as `outbox_refusals` records it.
pub(super) struct Refusal {
    pub(super) key: String,
    pub(super) holder: String,
    pub(super) kind: &'static str,
    pub(super) refers_to: String,
    /// For a case: its draft to put back, as (id, item, body, created at).
    pub(super) draft: Option<(String, String, String, i64)>,
    pub(super) status: Option<u16>,
    pub(super) reason: String,
    pub(super) field: Option<String>,
}

/// Drops a refused entry, records the refusal and puts a refused case's draft back: one
/// transaction.
pub(super) fn record_refusal(conn: &mut Connection, refusal: &Refusal) -> Result<(), StoreError> {
    let Refusal { key, holder, kind, refers_to, draft, status, reason, field } = refusal;
    let tx = conn.transaction()?;
    let at = now();
    if let Some((id, item, body, created)) = draft {
        tx.execute(
            "INSERT OR REPLACE INTO drafts (id, holder, item_id, body, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            rusqlite::params![id, holder, item, body, created, at],
        )?;
    }
    tx.execute(
        "INSERT OR REPLACE INTO outbox_refusals (id, holder, kind, refers_to, draft_id, status, reason, field, refused_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        rusqlite::params![key, holder, kind, refers_to, draft.as_ref().map(|d| &d.0), status, reason, field, at],
    )?;
    tx.execute("DELETE FROM outbox WHERE id = ?1", [key])?;
    tx.commit()?;
    Ok(())
}

/// Moves an outbox entry to the dead letters: one transaction.
pub(super) fn dead_letter(conn: &mut Connection, key: &str, reason: &str) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    tx.execute(
        "INSERT OR REPLACE INTO outbox_dead_letters (id, holder, kind, refers_to, body, attempts, created_at, failed_at, reason)
                     SELECT id, holder, kind, case_id, body, attempts, created_at, ?2, ?3 FROM outbox WHERE id = ?1",
        rusqlite::params![key, now(), reason],
    )?;
    tx.execute("DELETE FROM outbox WHERE id = ?1", [key])?;
    tx.commit()?;
    Ok(())
}

/// `holder`'s dead letters, oldest first.
pub(super) fn dead_letters(conn: &Connection, holder: &str) -> Result<Vec<DeadLetter>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, kind, refers_to, reason, attempts, created_at, failed_at, body FROM outbox_dead_letters WHERE holder = ?1 ORDER BY failed_at, id",
    )?;
    let rows = stmt
        .query_map([holder], |r| {
            Ok(DeadLetter {
                submission_id: r.get(0)?,
                kind: WriteKind::parse(&r.get::<_, String>(1)?),
                refers_to: r.get(2)?,
                reason: r.get(3)?,
                attempts: r.get(4)?,
                created_at: r.get(5)?,
                failed_at: r.get(6)?,
                body: Personal::new(r.get(7)?),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// `holder`'s recorded refusals, newest first.
pub(super) fn refusals(conn: &Connection, holder: &str) -> Result<Vec<RefusedWrite>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, kind, refers_to, draft_id, status, reason, field, refused_at FROM outbox_refusals WHERE holder = ?1 ORDER BY refused_at DESC, id",
    )?;
    let rows = stmt
        .query_map([holder], |r| {
            let kind = WriteKind::parse(&r.get::<_, String>(1)?);
            let (item_id, case_id) = item_or_case(kind, r.get(2)?);
            Ok(RefusedWrite {
                submission_id: r.get(0)?,
                kind,
                case_id,
                item_id,
                draft_id: r.get(3)?,
                status: r.get(4)?,
                reason: r.get(5)?,
                field: r.get(6)?,
                refused_at: r.get(7)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Deletes `holder`'s row `id` of `table` (a dead letter or a refusal); how many rows went.
pub(super) fn delete_own(conn: &Connection, table: &'static str, id: &str, holder: &str) -> Result<usize, StoreError> {
    Ok(conn.execute(&format!("DELETE FROM {table} WHERE id = ?1 AND holder = ?2"), rusqlite::params![id, holder])?)
}

/// `holder`'s queued writes, oldest first.
pub(super) fn pending(conn: &Connection, holder: &str) -> Result<Vec<PendingSubmission>, StoreError> {
    let mut stmt = conn
        .prepare("SELECT id, kind, case_id, attempts, next_attempt_at, last_error FROM outbox WHERE holder = ?1 ORDER BY created_at, id")?;
    let rows = stmt
        .query_map([holder], |r| {
            let kind = WriteKind::parse(&r.get::<_, String>(1)?);
            let (item_id, case_id) = item_or_case(kind, r.get(2)?);
            Ok(PendingSubmission {
                submission_id: r.get(0)?,
                kind,
                item_id,
                case_id,
                attempts: r.get(3)?,
                next_attempt_at: r.get(4)?,
                last_error: r.get(5)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// An outbox row's reference as (item, case): a queued case refers to its item, an amendment or a
/// rating to its case.
fn item_or_case(kind: WriteKind, refers_to: Option<String>) -> (Option<String>, Option<String>) {
    if kind == WriteKind::Case {
        (refers_to, None)
    } else {
        (None, refers_to)
    }
}

/// The id of the newest inbox item stored for `holder` (0 when none is).
pub(super) fn last_inbox_id(conn: &Connection, holder: &str) -> Result<i64, StoreError> {
    // The pull cursor, not the newest stored id: a pushed item may arrive before older ones
    // are pulled.
    Ok(conn.query_row("SELECT coalesce(max(pulled_after), 0) FROM inbox_cursor WHERE holder = ?1", [holder], |r| r.get(0))?)
}

/// Stores pulled inbox items of `holder` (one already stored, by push or an earlier pull, is
/// kept as it is) and moves the pull cursor to `pulled_to` (the newest id pulled, kept or not):
/// one transaction. Returns the ids of the items that were new.
pub(super) fn store_inbox(
    conn: &mut Connection,
    holder: &str,
    items: &[InboxItem],
    pulled_to: Option<i64>,
) -> Result<Vec<i64>, StoreError> {
    let tx = conn.transaction()?;
    let mut added = Vec::new();
    for item in items {
        if insert_inbox_item(&tx, holder, item)? {
            added.push(item.id);
        }
    }
    if let Some(last) = pulled_to {
        tx.execute(
            "INSERT INTO inbox_cursor (holder, pulled_after) VALUES (?1, ?2)
             ON CONFLICT (holder) DO UPDATE SET pulled_after = max(pulled_after, excluded.pulled_after)",
            rusqlite::params![holder, last],
        )?;
    }
    tx.commit()?;
    Ok(added)
}

/// Stores one inbox item unless one with its id is there or was deleted on this device; false
/// when it was.
pub(crate) fn insert_inbox_item(conn: &Connection, holder: &str, item: &InboxItem) -> Result<bool, StoreError> {
    let body = serde_json::to_string(item).map_err(decode_err)?;
    let inserted = conn.execute(
        "INSERT OR IGNORE INTO inbox (holder, id, body)
         SELECT ?1, ?2, ?3 WHERE NOT EXISTS (SELECT 1 FROM inbox_deleted WHERE holder = ?1 AND id = ?2)",
        rusqlite::params![holder, item.id, body],
    )?;
    Ok(inserted == 1)
}

/// `holder`'s inbox as (body, read), newest first.
pub(super) fn inbox_rows(conn: &Connection, holder: &str) -> Result<Vec<(String, bool)>, StoreError> {
    let mut stmt = conn.prepare("SELECT body, read FROM inbox WHERE holder = ?1 ORDER BY id DESC")?;
    let rows = stmt.query_map([holder], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// A page of `holder`'s inbox as (body, read), newest first: at most `limit` items with ids below
/// `before` (all when `None`), only unread ones when `unread_only`.
pub(super) fn inbox_page(
    conn: &Connection,
    holder: &str,
    before: Option<i64>,
    limit: u32,
    unread_only: bool,
) -> Result<Vec<(String, bool)>, StoreError> {
    let mut stmt =
        conn.prepare("SELECT body, read FROM inbox WHERE holder = ?1 AND id < ?2 AND (?3 = 0 OR read = 0) ORDER BY id DESC LIMIT ?4")?;
    let rows = stmt
        .query_map(rusqlite::params![holder, before.unwrap_or(i64::MAX), unread_only, limit], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// How many of `holder`'s inbox items are unread.
pub(super) fn unread_count(conn: &Connection, holder: &str) -> Result<u32, StoreError> {
    Ok(conn.query_row("SELECT count(*) FROM inbox WHERE holder = ?1 AND read = 0", [holder], |r| r.get(0))?)
}

/// Deletes one of `holder`'s inbox items and remembers it, so neither a pull nor a repeated
/// push brings it back; how many rows went. One transaction.
pub(super) fn delete_inbox_item(conn: &mut Connection, holder: &str, inbox_id: i64) -> Result<usize, StoreError> {
    let tx = conn.transaction()?;
    let deleted = tx.execute("DELETE FROM inbox WHERE holder = ?1 AND id = ?2", rusqlite::params![holder, inbox_id])?;
    if deleted > 0 {
        tx.execute("INSERT OR IGNORE INTO inbox_deleted (holder, id) VALUES (?1, ?2)", rusqlite::params![holder, inbox_id])?;
    }
    tx.commit()?;
    Ok(deleted)
}

/// What marking an inbox item read did.
pub(super) enum MarkRead {
    /// There is no such item.
    Unknown,
    /// It was read before.
    AlreadyRead,
    /// It is read now.
    Marked,
}

/// Marks one of `holder`'s inbox items read.
pub(super) fn mark_read(conn: &Connection, holder: &str, inbox_id: i64) -> Result<MarkRead, StoreError> {
    if conn.execute("UPDATE inbox SET read = 1 WHERE holder = ?1 AND id = ?2 AND read = 0", rusqlite::params![holder, inbox_id])? == 1 {
        return Ok(MarkRead::Marked);
    }
    let exists: bool =
        conn.query_row("SELECT EXISTS (SELECT 1 FROM inbox WHERE holder = ?1 AND id = ?2)", rusqlite::params![holder, inbox_id], |r| {
            r.get(0)
        })?;
    Ok(if exists { MarkRead::AlreadyRead } else { MarkRead::Unknown })
}
