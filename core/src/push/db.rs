//! The SQL of push: the device's push key and auth secret (one row), and the message ids seen
//! (carriers deliver twice).

use rusqlite::{params, Connection, OptionalExtension};
use zeroize::Zeroizing;

use crate::store::StoreError;

/// The device's push key and auth secret as stored, with the endpoint they were registered with.
pub(super) struct StoredKeys {
    /// The 32-byte P-256 scalar.
    pub(super) private_key: Zeroizing<Vec<u8>>,
    /// 16 bytes.
    pub(super) auth_secret: Zeroizing<Vec<u8>>,
    pub(super) endpoint: String,
}

/// The stored push key and auth secret, if any.
pub(super) fn keys(conn: &Connection) -> Result<Option<StoredKeys>, StoreError> {
    Ok(conn
        .query_row("SELECT private_key, auth_secret, endpoint FROM push_keys WHERE id = 1", [], |r| {
            Ok(StoredKeys { private_key: Zeroizing::new(r.get(0)?), auth_secret: Zeroizing::new(r.get(1)?), endpoint: r.get(2)? })
        })
        .optional()?)
}

/// Stores a new push key, auth secret and the carrier endpoint they were registered with.
pub(super) fn store_keys(conn: &Connection, private_key: &[u8], auth_secret: &[u8], endpoint: &str, now: i64) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO push_keys (id, private_key, auth_secret, endpoint, created_at) VALUES (1, ?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET private_key = excluded.private_key, auth_secret = excluded.auth_secret,
             endpoint = excluded.endpoint, created_at = excluded.created_at",
        params![private_key, auth_secret, endpoint, now],
    )?;
    Ok(())
}

/// Records a message id; false when it was seen before.
pub(super) fn first_sight(conn: &Connection, message_id: &str, now: i64) -> Result<bool, StoreError> {
    Ok(conn.execute("INSERT OR IGNORE INTO push_seen (message_id, seen_at) VALUES (?1, ?2)", params![message_id, now])? == 1)
}

/// Removes the push key and what was seen (at logout: a new login subscribes afresh).
pub(crate) fn forget(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM push_keys", [])?;
    conn.execute("DELETE FROM push_seen", [])?;
    Ok(())
}
