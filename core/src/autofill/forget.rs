//! What auto-fill keeps of a holder, and its removal at logout: consents and drafts.

use rusqlite::Connection;

/// Removes every consent and draft of `holders` (inside the logout's transaction).
pub(crate) fn forget_holders(conn: &Connection, holders: &[String]) -> rusqlite::Result<()> {
    for holder in holders {
        conn.execute("DELETE FROM autofill_consents WHERE holder = ?1", [holder])?;
        conn.execute("DELETE FROM drafts WHERE holder = ?1", [holder])?;
    }
    Ok(())
}
