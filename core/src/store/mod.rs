//! Encrypted local storage: one SQLCipher database per app, opened with a raw 256-bit key.
//!
//! What it owns:
//! - opening the database with a key from the platform's [`KeyProvider`] (`PRAGMA key = "x'…'"`,
//!   so opening costs no key derivation), and telling a wrong key ([`StoreError::WrongKey`], the
//!   file untouched) from a damaged file ([`StoreError::Corrupt`], the file moved aside);
//! - forward-only schema migrations ([`schema`]);
//! - atomic key rotation ([`Store::rekey`]): the data is exported into a new file under the new
//!   key, which then replaces the old one with a single `rename`, so a crash leaves a store that
//!   opens with the old key or with the new one;
//! - [`Store::wipe`], which deletes the database with its `-wal` and `-shm` files;
//! - a small record API (namespace, key → JSON) for the capabilities, which may also run their
//!   own SQL through [`Store::call`].
//!
//! Every SQLite call runs on tokio's blocking pool ([`tokio::task::spawn_blocking`]), never on
//! the async executor's threads.
//!
//! ## Telling a wrong key from a damaged file
//! SQLCipher answers both with "file is not a database". Next to the database, the store keeps
//! `<name>.keycheck`: HMAC-SHA256 tags of a fixed text under each key the file may be encrypted
//! with (one; two while a rotation is under way). A key whose tag is there but which cannot read
//! the file means the file is damaged; any other failing key is a wrong key. The tag reveals no
//! more about the key than the database's own page HMACs do.

mod error;
pub mod key;
pub mod schema;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use error::StoreError;
pub use key::{KeyProvider, KeyProviderError, PassphraseKeyProvider, StaticKeyProvider, StoreKey};

/// The file name of CityKit's store inside the app's data directory.
pub const STORE_FILE_NAME: &str = "citykit.db";
/// The id a [`KeyProvider`] is asked for.
pub const STORE_ID: &str = "citykit";

const KEYCHECK_TEXT: &[u8] = b"CityKit store key check v1";

/// The encrypted store. Cheap to clone; every clone shares one connection.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    conn: Mutex<Option<Connection>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.inner.path).finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (or creates) the store at `path` with `key`, migrating it to the latest schema.
    pub async fn open(path: impl Into<PathBuf>, key: StoreKey) -> Result<Self, StoreError> {
        let path = path.into();
        run_blocking(move || Self::open_blocking(path, &key, schema::LATEST_VERSION)).await
    }

    /// Opens the store `STORE_FILE_NAME` in `dir` with the key the provider gives for [`STORE_ID`].
    pub async fn open_in_dir(dir: impl Into<PathBuf>, keys: Arc<dyn KeyProvider>) -> Result<Self, StoreError> {
        let dir = dir.into();
        run_blocking(move || {
            std::fs::create_dir_all(&dir)?;
            let key = keys.store_key(STORE_ID)?;
            Self::open_blocking(dir.join(STORE_FILE_NAME), &key, schema::LATEST_VERSION)
        })
        .await
    }

    /// An encrypted store that lives only in memory (the browser smoke test; caches).
    pub async fn open_in_memory(key: StoreKey) -> Result<Self, StoreError> {
        run_blocking(move || {
            let mut conn = open_connection(Path::new(":memory:"), &key)?;
            schema::migrate(&mut conn, schema::LATEST_VERSION)?;
            Ok(Self { inner: Arc::new(Inner { path: PathBuf::from(":memory:"), conn: Mutex::new(Some(conn)) }) })
        })
        .await
    }

    /// The SQLCipher version the store runs on (empty for plain SQLite).
    pub async fn cipher_version(&self) -> Result<String, StoreError> {
        self.call(|conn| {
            let version: Option<String> = conn.query_row("PRAGMA cipher_version", [], |row| row.get(0)).optional()?;
            Ok(version.unwrap_or_default())
        })
        .await
    }

    pub(crate) fn open_blocking(path: PathBuf, key: &StoreKey, target_version: u32) -> Result<Self, StoreError> {
        remove_if_exists(&rekey_tmp_path(&path))?;
        remove_if_exists(&journal_path(&rekey_tmp_path(&path)))?;
        let existed = std::fs::metadata(&path).map(|m| m.len() > 0).unwrap_or(false);
        let conn = match open_connection(&path, key) {
            Ok(conn) => conn,
            Err(e) if is_unreadable(&e) && existed => return Err(classify_unreadable(&path, key)),
            Err(e) => return Err(e.into()),
        };
        let mut conn = conn;
        if existed && !cipher_pages_intact(&conn)? {
            drop(conn);
            tracing::warn!("a page of the store fails its HMAC; moving the file aside");
            return Err(StoreError::Corrupt { moved_to: Some(move_aside(&path)?) });
        }
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        match schema::migrate(&mut conn, target_version) {
            Ok(()) => {}
            Err(StoreError::Corrupt { .. }) => {
                drop(conn);
                return Err(StoreError::Corrupt { moved_to: Some(move_aside(&path)?) });
            }
            Err(e) => return Err(e),
        }
        write_keycheck(&path, &[key])?;
        tracing::debug!(version = target_version, "store opened");
        Ok(Self { inner: Arc::new(Inner { path, conn: Mutex::new(Some(conn)) }) })
    }

    /// The database file's path.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` with the connection on the blocking pool. A damaged file found on the way is
    /// moved aside and the store closes ([`StoreError::Corrupt`] says where the file went).
    pub async fn call<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<R, StoreError> + Send + 'static,
    {
        let inner = self.inner.clone();
        run_blocking(move || {
            let mut guard = inner.conn.lock().map_err(|_| StoreError::Closed)?;
            let conn = guard.as_mut().ok_or(StoreError::Closed)?;
            match f(conn) {
                Err(StoreError::Corrupt { .. }) => {
                    tracing::warn!("the store file is damaged; moving it aside");
                    drop(guard.take());
                    Err(StoreError::Corrupt { moved_to: Some(move_aside(&inner.path)?) })
                }
                other => other,
            }
        })
        .await
    }

    /// Reads the record `namespace/key`.
    pub async fn get<T: DeserializeOwned + Send + 'static>(&self, namespace: &str, key: &str) -> Result<Option<T>, StoreError> {
        let (namespace, key) = (namespace.to_owned(), key.to_owned());
        self.call(move |conn| {
            let bytes: Option<Vec<u8>> = conn
                .query_row("SELECT value FROM records WHERE namespace = ?1 AND key = ?2", (&namespace, &key), |row| row.get(0))
                .optional()?;
            bytes
                .map(|b| serde_json::from_slice(&b).map_err(|e| StoreError::Decode { details: format!("{namespace}/{key}: {}", crate::privacy::json_problem(&e)) }))
                .transpose()
        })
        .await
    }

    /// Writes the record `namespace/key`.
    pub async fn put<T: Serialize>(&self, namespace: &str, key: &str, value: &T) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(value).map_err(|e| StoreError::Decode { details: e.to_string() })?;
        let (namespace, key) = (namespace.to_owned(), key.to_owned());
        self.call(move |conn| {
            conn.execute(
                "INSERT INTO records (namespace, key, value, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                (&namespace, &key, &bytes, crate::platform::now_unix_secs()),
            )?;
            Ok(())
        })
        .await
    }

    /// Reads and removes the record `namespace/key` in one transaction (single-use values).
    pub async fn take<T: DeserializeOwned + Send + 'static>(&self, namespace: &str, key: &str) -> Result<Option<T>, StoreError> {
        let (namespace, key) = (namespace.to_owned(), key.to_owned());
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let bytes: Option<Vec<u8>> = tx
                .query_row("SELECT value FROM records WHERE namespace = ?1 AND key = ?2", (&namespace, &key), |row| row.get(0))
                .optional()?;
            tx.execute("DELETE FROM records WHERE namespace = ?1 AND key = ?2", (&namespace, &key))?;
            tx.commit()?;
            bytes
                .map(|b| serde_json::from_slice(&b).map_err(|e| StoreError::Decode { details: format!("{namespace}/{key}: {}", crate::privacy::json_problem(&e)) }))
                .transpose()
        })
        .await
    }

    /// Removes the record `namespace/key`.
    pub async fn delete(&self, namespace: &str, key: &str) -> Result<(), StoreError> {
        let (namespace, key) = (namespace.to_owned(), key.to_owned());
        self.call(move |conn| {
            conn.execute("DELETE FROM records WHERE namespace = ?1 AND key = ?2", (&namespace, &key))?;
            Ok(())
        })
        .await
    }

    /// Removes every record of the given namespaces in one transaction.
    pub async fn delete_namespaces(&self, namespaces: &[&str]) -> Result<(), StoreError> {
        let namespaces: Vec<String> = namespaces.iter().map(|s| (*s).to_owned()).collect();
        self.call(move |conn| {
            let tx = conn.transaction()?;
            for namespace in &namespaces {
                tx.execute("DELETE FROM records WHERE namespace = ?1", [namespace])?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    /// The keys of every record in `namespace`.
    pub async fn keys(&self, namespace: &str) -> Result<Vec<String>, StoreError> {
        let namespace = namespace.to_owned();
        self.call(move |conn| {
            let mut stmt = conn.prepare("SELECT key FROM records WHERE namespace = ?1 ORDER BY key")?;
            let keys = stmt.query_map([&namespace], |row| row.get(0))?.collect::<Result<Vec<String>, _>>()?;
            Ok(keys)
        })
        .await
    }

    /// The store's schema version.
    pub async fn schema_version(&self) -> Result<u32, StoreError> {
        self.call(|conn| schema::version(conn)).await
    }

    /// Re-encrypts the store under `new_key`, atomically: a crash at any point leaves a store that
    /// opens with `old_key` or with `new_key`. The caller saves `new_key` in its keystore after
    /// this returns, and should keep the old key until then.
    pub async fn rekey(&self, old_key: StoreKey, new_key: StoreKey) -> Result<(), StoreError> {
        let inner = self.inner.clone();
        run_blocking(move || {
            let mut guard = inner.conn.lock().map_err(|_| StoreError::Closed)?;
            let conn = guard.take().ok_or(StoreError::Closed)?;
            match rekey_blocking(&inner.path, conn, &old_key, &new_key) {
                Ok(conn) => {
                    *guard = Some(conn);
                    tracing::info!("store key rotated");
                    Ok(())
                }
                Err((conn, e)) => {
                    // Whatever failed, the old file is still the store: keep serving it.
                    *guard = conn.or_else(|| open_connection(&inner.path, &old_key).ok());
                    Err(e)
                }
            }
        })
        .await
    }

    /// Closes the store and deletes its database, `-wal`, `-shm` and key-check files.
    pub async fn wipe(self) -> Result<(), StoreError> {
        let inner = self.inner.clone();
        run_blocking(move || {
            if let Ok(mut guard) = inner.conn.lock() {
                drop(guard.take());
            }
            for path in store_files(&inner.path) {
                remove_if_exists(&path)?;
            }
            tracing::info!("store wiped");
            Ok(())
        })
        .await
    }

    /// Closes the connection (it checkpoints the WAL). Later calls answer [`StoreError::Closed`].
    pub async fn close(&self) -> Result<(), StoreError> {
        let inner = self.inner.clone();
        run_blocking(move || {
            let mut guard = inner.conn.lock().map_err(|_| StoreError::Closed)?;
            if let Some(conn) = guard.take() {
                conn.close().map_err(|(_, e)| StoreError::from(e))?;
            }
            Ok(())
        })
        .await
    }
}

/// Deletes the store at `path` with its `-wal`, `-shm` and key-check files without opening it:
/// the way out when its key is gone for good (the keystore lost it). Nothing else is touched.
pub async fn wipe_files(path: impl Into<PathBuf>) -> Result<(), StoreError> {
    let path = path.into();
    run_blocking(move || {
        for file in store_files(&path) {
            remove_if_exists(&file)?;
        }
        tracing::info!("store files wiped");
        Ok(())
    })
    .await
}

/// Every file that belongs to the store at `path`.
pub fn store_files(path: &Path) -> Vec<PathBuf> {
    vec![
        path.to_path_buf(),
        sidecar(path, "-wal"),
        sidecar(path, "-shm"),
        sidecar(path, "-journal"),
        keycheck_path(path),
        rekey_tmp_path(path),
        journal_path(&rekey_tmp_path(path)),
    ]
}

async fn run_blocking<R, F>(f: F) -> Result<R, StoreError>
where
    R: Send + 'static,
    F: FnOnce() -> Result<R, StoreError> + Send + 'static,
{
    crate::platform::run_blocking(f)
        .await
        .map_err(|e| StoreError::Database { details: format!("store worker failed: {e}") })?
}

fn open_connection(path: &Path, key: &StoreKey) -> Result<Connection, rusqlite::Error> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    // SQLCipher would otherwise print HMAC failures (wrong key) to stderr.
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    let statement = zeroize::Zeroizing::new(format!("PRAGMA key = \"{}\";", key.sqlcipher_literal().as_str()));
    conn.execute_batch(&statement)?;
    // PRAGMA key never fails by itself: the first read tells whether the key fits.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get::<_, i64>(0))?;
    Ok(conn)
}

/// Checks every page's HMAC (`PRAGMA cipher_integrity_check`). SQLCipher answers a failed page
/// read with a zeroed page rather than an error, so damage must be found before data is read.
fn cipher_pages_intact(conn: &Connection) -> Result<bool, StoreError> {
    let mut stmt = conn.prepare("PRAGMA cipher_integrity_check")?;
    let mut rows = stmt.query([])?;
    Ok(rows.next()?.is_none())
}

fn is_unreadable(e: &rusqlite::Error) -> bool {
    error::is_corruption(e)
}

/// The file cannot be read with `key`: a wrong key, or a damaged file (moved aside).
fn classify_unreadable(path: &Path, key: &StoreKey) -> StoreError {
    let tags = read_keycheck(path);
    let tag = keycheck_tag(key);
    let damaged = match &tags {
        // The key is the store's only key, yet it cannot read the file.
        Some(tags) if tags.len() == 1 => tags[0] == tag,
        // A rotation was under way: the file is under the other key.
        Some(_) => false,
        // No key check: only a size that no SQLCipher file can have proves damage.
        None => std::fs::metadata(path).map(|m| m.len() % 512 != 0 || m.len() < 512).unwrap_or(false),
    };
    if damaged {
        tracing::warn!("the store file is damaged; moving it aside");
        match move_aside(path) {
            Ok(moved_to) => StoreError::Corrupt { moved_to: Some(moved_to) },
            Err(e) => e,
        }
    } else {
        tracing::debug!("the key does not open the store");
        StoreError::WrongKey
    }
}

// The error carries the connection back when it is still usable; the size does not matter on this cold path.
#[allow(clippy::result_large_err)]
fn rekey_blocking(
    path: &Path,
    conn: Connection,
    old_key: &StoreKey,
    new_key: &StoreKey,
) -> Result<Connection, (Option<Connection>, StoreError)> {
    let tmp = rekey_tmp_path(path);
    let export = || -> Result<(), StoreError> {
        remove_if_exists(&tmp)?;
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        let version = schema::version(&conn)?;
        let tmp_str = tmp.to_str().ok_or_else(|| StoreError::Io { details: "the store path is not UTF-8".into() })?;
        let attach = zeroize::Zeroizing::new(format!(
            "ATTACH DATABASE '{}' AS rekeyed KEY \"{}\";",
            tmp_str.replace('\'', "''"),
            new_key.sqlcipher_literal().as_str()
        ));
        conn.execute_batch(&attach)?;
        let exported = conn
            .query_row("SELECT sqlcipher_export('rekeyed')", [], |_| Ok(()))
            .and_then(|_| conn.execute_batch(&format!("PRAGMA rekeyed.user_version = {version};")));
        let detached = conn.execute_batch("DETACH DATABASE rekeyed;");
        exported?;
        detached?;
        std::fs::File::open(&tmp)?.sync_all()?;
        Ok(())
    };
    if let Err(e) = export() {
        let _ = remove_if_exists(&tmp);
        return Err((Some(conn), e));
    }
    // From here the new file is complete. Record both keys before the swap.
    if let Err(e) = write_keycheck(path, &[old_key, new_key]) {
        let _ = remove_if_exists(&tmp);
        return Err((Some(conn), e));
    }
    if let Err((conn, e)) = conn.close() {
        let _ = remove_if_exists(&tmp);
        return Err((Some(conn), e.into()));
    }
    // The single atomic step.
    if let Err(e) = std::fs::rename(&tmp, path) {
        let _ = remove_if_exists(&tmp);
        return Err((None, e.into()));
    }
    key::sync_parent_dir(path);
    let _ = remove_if_exists(&sidecar(path, "-wal"));
    let _ = remove_if_exists(&sidecar(path, "-shm"));
    let reopen = || -> Result<Connection, StoreError> {
        write_keycheck(path, &[new_key])?;
        let conn = open_connection(path, new_key)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        Ok(conn)
    };
    // The file is already under the new key: there is no old connection to fall back to.
    reopen().map_err(|e| (open_connection(path, new_key).ok(), e))
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn keycheck_path(path: &Path) -> PathBuf {
    sidecar(path, ".keycheck")
}

fn rekey_tmp_path(path: &Path) -> PathBuf {
    sidecar(path, ".rekey-tmp")
}

fn journal_path(path: &Path) -> PathBuf {
    sidecar(path, "-journal")
}

#[derive(Serialize, Deserialize)]
struct KeyCheckFile {
    version: u32,
    tags: Vec<String>,
}

fn keycheck_tag(key: &StoreKey) -> String {
    let hmac_key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key.expose_bytes());
    hex::encode(ring::hmac::sign(&hmac_key, KEYCHECK_TEXT).as_ref())
}

fn read_keycheck(path: &Path) -> Option<Vec<String>> {
    let bytes = std::fs::read(keycheck_path(path)).ok()?;
    let file: KeyCheckFile = serde_json::from_slice(&bytes).ok()?;
    (!file.tags.is_empty()).then_some(file.tags)
}

fn write_keycheck(path: &Path, keys: &[&StoreKey]) -> Result<(), StoreError> {
    let tags: Vec<String> = keys.iter().map(|k| keycheck_tag(k)).collect();
    if read_keycheck(path).as_ref() == Some(&tags) {
        return Ok(());
    }
    let json = serde_json::to_vec(&KeyCheckFile { version: 1, tags }).map_err(|e| StoreError::Decode { details: e.to_string() })?;
    key::write_atomically(&keycheck_path(path), &json)?;
    Ok(())
}

/// Moves a damaged store (and its WAL) aside as `<name>.corrupt-<unix seconds>`; never deletes it.
fn move_aside(path: &Path) -> Result<PathBuf, StoreError> {
    let stamp = crate::platform::now_unix_secs();
    let mut target = sidecar(path, &format!(".corrupt-{stamp}"));
    let mut n = 1;
    while target.exists() {
        target = sidecar(path, &format!(".corrupt-{stamp}-{n}"));
        n += 1;
    }
    std::fs::rename(path, &target)?;
    for suffix in ["-wal", "-shm"] {
        let side = sidecar(path, suffix);
        if side.exists() {
            std::fs::rename(&side, sidecar(&target, suffix))?;
        }
    }
    remove_if_exists(&keycheck_path(path))?;
    key::sync_parent_dir(path);
    Ok(target)
}

fn remove_if_exists(path: &Path) -> Result<(), StoreError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e.into()),
    }
}


