//! What cases keep of a holder, and its removal at logout: the outbox with its dead letters and
//! recorded refusals, cases and the inbox.

use rusqlite::Connection;

/// Queued writes (submissions, amendments, ratings) of `holders` not yet sent.
pub(crate) fn unsent(conn: &Connection, holders: &[String]) -> rusqlite::Result<u32> {
    let mut count = 0u32;
    for holder in holders {
        let n: u32 = conn.query_row("SELECT COUNT(*) FROM outbox WHERE holder = ?1", [holder], |r| r.get(0))?;
        count = count.saturating_add(n);
    }
    Ok(count)
}

/// Removes every queued write, case and inbox item of `holders` (inside the logout's transaction).
pub(crate) fn forget_holders(conn: &Connection, holders: &[String]) -> rusqlite::Result<()> {
    for holder in holders {
        conn.execute("DELETE FROM outbox WHERE holder = ?1", [holder])?;
        conn.execute("DELETE FROM outbox_dead_letters WHERE holder = ?1", [holder])?;
        conn.execute("DELETE FROM outbox_refusals WHERE holder = ?1", [holder])?;
        conn.execute("DELETE FROM cases WHERE holder = ?1", [holder])?;
        conn.execute("DELETE FROM inbox WHERE holder = ?1", [holder])?;
        conn.execute("DELETE FROM inbox_cursor WHERE holder = ?1", [holder])?;
        conn.execute("DELETE FROM inbox_deleted WHERE holder = ?1", [holder])?;
    }
    Ok(())
}
