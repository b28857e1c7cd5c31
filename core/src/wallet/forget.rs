//! What the wallet keeps of a holder, and its removal at logout: licences (with their claims),
//! their copies with each copy's holder key, and the access log. Issuer keys and status lists
//! are public and stay.

use rusqlite::Connection;

/// Removes every licence, licence copy (and its key) and access-log entry of `holders` (inside
/// the logout's transaction).
pub(crate) fn forget_holders(conn: &Connection, holders: &[String]) -> rusqlite::Result<()> {
    for holder in holders {
        conn.execute("DELETE FROM licence_copies WHERE holder = ?1", [holder])?;
        conn.execute("DELETE FROM licences WHERE holder = ?1", [holder])?;
    }
    super::access_log::forget(conn, holders)
}
