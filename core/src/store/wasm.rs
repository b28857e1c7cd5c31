//! The persisted store in the browser (wasm32): the same SQLCipher database, kept in the Origin
//! Private File System through the OPFS sync-access-handle pool VFS of sqlite-wasm-rs
//! (`sqlite-wasm-vfs`, feature `sahpool`).
//!
//! That VFS needs a dedicated Worker (sync access handles exist nowhere else) and is installed
//! once, asynchronously, by the web face (`citykit-wasm`) under the name [`OPFS_VFS_NAME`]
//! before it opens a client; the core only opens databases through it. Where it is not
//! installed (OPFS missing: the main thread, an opaque origin, an old web view) opening is a
//! [`StoreError::Unavailable`]: data is never kept in memory in its place.
//!
//! What differs from the phone: the VFS has no shared memory, so there is one connection (the
//! writer also serves reads) and a rollback journal instead of WAL; `std::fs` does not reach
//! OPFS, so there is no `.keycheck` file: a file that exists and that a key cannot read is a
//! wrong key ([`StoreError::WrongKey`], the file untouched), as on the phone before its first
//! key check was written. Rekey and wipe are not offered here yet.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::{Connection, OpenFlags};

use super::{run_blocking, schema, unlock, KeyProvider, Store, StoreError, StoreKey, STORE_FILE_NAME, STORE_ID};

/// The name the web face registers the OPFS pool VFS under.
pub const OPFS_VFS_NAME: &str = "citykit-opfs";

impl Store {
    /// Opens (or creates) the persisted store named `dir` in the page's OPFS pool with the key
    /// the provider gives for [`STORE_ID`]. The VFS must have been installed (see the module
    /// docs), else [`StoreError::Unavailable`].
    pub async fn open_in_dir(dir: impl Into<PathBuf>, keys: Arc<dyn KeyProvider>) -> Result<Self, StoreError> {
        let dir = dir.into();
        run_blocking(move || {
            let key = keys.store_key(STORE_ID)?;
            open_persisted(&dir, &key)
        })
        .await
    }
}

fn open_persisted(dir: &Path, key: &StoreKey) -> Result<Store, StoreError> {
    let name = dir.to_str().filter(|n| !n.is_empty() && !n.contains(['/', '\\', '\0']) && *n != "." && *n != "..");
    let Some(name) = name else {
        return Err(StoreError::Io { details: "a store name is one non-empty path component".into() });
    };
    let path = PathBuf::from(format!("/{name}/{STORE_FILE_NAME}"));
    let existing = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let (conn, existed) = match Connection::open_with_flags_and_vfs(&path, existing, OPFS_VFS_NAME) {
        Ok(conn) => (conn, true),
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::CannotOpen) => {
            (Connection::open_with_flags_and_vfs(&path, existing | OpenFlags::SQLITE_OPEN_CREATE, OPFS_VFS_NAME)?, false)
        }
        Err(e) if e.to_string().contains("no such vfs") => {
            return Err(StoreError::Unavailable {
                reason: "OPFS is not available here (it needs a dedicated Worker in a secure, non-opaque origin)".into(),
            });
        }
        Err(e) => return Err(e.into()),
    };
    match unlock(&conn, key) {
        Ok(()) => {}
        Err(e) if super::error::is_corruption(&e) && existed => {
            tracing::debug!("the key does not open the store");
            return Err(StoreError::WrongKey);
        }
        Err(e) => return Err(e.into()),
    }
    let mut conn = conn;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    schema::migrate(&mut conn, schema::LATEST_VERSION)?;
    tracing::debug!(existed, "persisted store opened");
    // No reader connections: the VFS does not coordinate locks between connections.
    Ok(Store::with_writer(path, conn, None))
}
