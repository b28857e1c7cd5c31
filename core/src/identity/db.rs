//! The SQL of identity: the login's records (`auth` namespace of the store's `records` table),
//! replaced in one transaction when a login is committed. Everything else identity keeps goes
//! through the store's record API (`Store::get`/`put`/`take`/`delete`).

use rusqlite::Connection;

use super::NS_AUTH;
use crate::store::StoreError;

/// Replaces every record of the `auth` namespace with `records` (key, JSON value): one
/// transaction, so the previous login's records go and the new session and account come
/// together.
pub(super) fn replace_auth_records(conn: &mut Connection, records: &[(&str, Vec<u8>)]) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    tx.execute("DELETE FROM records WHERE namespace = ?1", [NS_AUTH])?;
    for (key, value) in records {
        tx.execute(
            "INSERT INTO records (namespace, key, value, updated_at) VALUES (?1, ?2, ?3, ?4)",
            (NS_AUTH, key, value, crate::platform::now_unix_secs()),
        )?;
    }
    tx.commit()?;
    Ok(())
}
