//! The recommendation capability's SQL: the person's history (views, searches) and dismissals,
//! per holder; removed at logout.

use rusqlite::Connection;

use super::model::{Dismissal, HistoryEvent, HistoryKind};
use crate::store::StoreError;

fn kind_text(kind: HistoryKind) -> &'static str {
    match kind {
        HistoryKind::Case => "case",
        HistoryKind::View => "view",
        HistoryKind::Search => "search",
    }
}

/// Keeps one history event of `holder`.
pub(super) fn record(conn: &Connection, holder: &str, event: &HistoryEvent) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO recommend_history (holder, at, kind, item_id) VALUES (?1, ?2, ?3, ?4)",
        rusqlite::params![holder, event.at, kind_text(event.kind), event.item_id],
    )?;
    // The history is bounded: the newest 1,000 events per holder.
    conn.execute(
        "DELETE FROM recommend_history WHERE holder = ?1 AND rowid NOT IN
           (SELECT rowid FROM recommend_history WHERE holder = ?1 ORDER BY at DESC, rowid DESC LIMIT 1000)",
        [holder],
    )?;
    Ok(())
}

/// `holder`'s views and searches, oldest first.
pub(super) fn history(conn: &Connection, holder: &str) -> Result<Vec<HistoryEvent>, StoreError> {
    let mut stmt = conn.prepare("SELECT at, kind, item_id FROM recommend_history WHERE holder = ?1 ORDER BY at, rowid")?;
    let rows = stmt
        .query_map([holder], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows
        .into_iter()
        .filter_map(|(at, kind, item_id)| {
            let kind = match kind.as_str() {
                "case" => HistoryKind::Case,
                "view" => HistoryKind::View,
                "search" => HistoryKind::Search,
                _ => return None,
            };
            Some(HistoryEvent { kind, item_id, at })
        })
        .collect())
}

/// Remembers that `holder` turned `item_id` down.
pub(super) fn dismiss(conn: &Connection, holder: &str, item_id: &str, how: Dismissal, at: i64) -> Result<(), StoreError> {
    let how = match how {
        Dismissal::Dismiss => "dismiss",
        Dismissal::NotForMe => "not_for_me",
    };
    conn.execute(
        "INSERT INTO recommend_dismissed (holder, item_id, how, at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (holder, item_id) DO UPDATE SET how = excluded.how, at = excluded.at",
        rusqlite::params![holder, item_id, how, at],
    )?;
    Ok(())
}

/// What `holder` turned down.
pub(super) fn dismissed(conn: &Connection, holder: &str) -> Result<Vec<(String, Dismissal)>, StoreError> {
    let mut stmt = conn.prepare("SELECT item_id, how FROM recommend_dismissed WHERE holder = ?1 ORDER BY item_id")?;
    let rows = stmt.query_map([holder], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows.into_iter().map(|(item, how)| (item, if how == "not_for_me" { Dismissal::NotForMe } else { Dismissal::Dismiss })).collect())
}

/// Removes the history and dismissals of `holders` (inside the logout's transaction).
pub(crate) fn forget_holders(conn: &Connection, holders: &[String]) -> rusqlite::Result<()> {
    for holder in holders {
        conn.execute("DELETE FROM recommend_history WHERE holder = ?1", [holder])?;
        conn.execute("DELETE FROM recommend_dismissed WHERE holder = ?1", [holder])?;
    }
    Ok(())
}
