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
//!   own SQL through `Store::call` (writes) and `Store::read` (reads).
//!
//! Every SQLite call runs on tokio's blocking pool ([`tokio::task::spawn_blocking`]), never on
//! the async executor's threads.
//!
//! ## Connections
//! The database is in WAL mode. One writer connection, behind a mutex, runs every
//! `Store::call`; reads (`Store::read`, [`Store::get`], [`Store::keys`], and the catalogue's
//! and wallet's read paths) run on read-only connections of their own, unlocked with the same
//! raw key, each inside one read transaction. A read sees the last commit and never waits for a
//! write transaction, however long (a catalogue sync). Idle readers are kept for reuse (a few).
//! Rekey, wipe, close and moving a damaged file aside first wait for the calls in flight, then
//! close every connection (the readers first, so the writer's close checkpoints the WAL into the
//! database file and removes it: a closed store is one self-contained file).
//!
//! ## Damage: found at open, during use, and by the maintenance check
//! Opening costs the same however large the store grows: it checks the key (page 1 decrypts and
//! its HMAC holds), the schema, and the HMAC of the file's last page, where a torn or truncated
//! write lands. Every other page is checked by [`Store::check_integrity`], the maintenance call
//! the app schedules (`PRAGMA cipher_integrity_check`, every page's HMAC, then
//! `PRAGMA quick_check`), and whenever a query meets damage (SQLite answers `SQLITE_CORRUPT` or
//! `SQLITE_NOTADB`): the same full check runs then on a fresh connection, and a damaged file is
//! moved aside with [`StoreError::Corrupt`]. Note that SQLCipher hands a query a zeroed page for
//! a page whose HMAC fails; most such pages make SQLite report corruption, but a zeroed overflow
//! page can read as zero bytes in a long value, which only the maintenance check finds.
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
#[cfg(target_arch = "wasm32")]
pub mod wasm;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

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

/// The encrypted store. Cheap to clone; every clone shares one writer connection and a small pool
/// of read-only connections.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    /// Every call holds this shared while it runs. Whatever closes connections or replaces the
    /// file (rekey, wipe, close, moving a damaged file aside) holds it exclusively: it waits for
    /// the calls in flight, and no call starts on a connection it is about to close.
    state: RwLock<State>,
}

// Fields drop in order: the reader connections close before the writer, so the writer is the
// last connection to the file and its close checkpoints the WAL into the database.
struct State {
    /// Idle read-only connections, reused by `Store::read`.
    readers: Mutex<Vec<Connection>>,
    /// The one connection that writes; `None` once the store is closed.
    writer: Mutex<Option<Connection>>,
    /// False once the store is closed, wiped or moved aside (read without the writer's lock).
    open: bool,
    /// The key reader connections unlock the file with; `None` for an in-memory store, whose
    /// reads use the writer (an in-memory database has one connection).
    key: Option<StoreKey>,
    /// A value that failed to decode already had the full check run and found the file sound:
    /// later decode errors are taken as they are.
    decode_checked: bool,
}

/// Idle reader connections kept for reuse; more may be open at once, the rest close after use.
const MAX_IDLE_READERS: usize = 4;

/// What [`Store::check_integrity`] found in a sound store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct StoreCheck {
    /// Pages read and found sound.
    pub pages: u64,
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
    /// (wasm32: the store named `dir` in the browser's OPFS, in `store/wasm.rs`.)
    #[cfg(not(target_arch = "wasm32"))]
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
            Ok(Self::with_writer(PathBuf::from(":memory:"), conn, None))
        })
        .await
    }

    fn with_writer(path: PathBuf, writer: Connection, key: Option<StoreKey>) -> Self {
        let state = State { readers: Mutex::new(Vec::new()), writer: Mutex::new(Some(writer)), open: true, key, decode_checked: false };
        Self { inner: Arc::new(Inner { path, state: RwLock::new(state) }) }
    }

    /// The SQLCipher version the store runs on (empty for plain SQLite).
    pub async fn cipher_version(&self) -> Result<String, StoreError> {
        self.read(|conn| {
            let version: Option<String> = conn.query_row("PRAGMA cipher_version", [], |row| row.get(0)).optional()?;
            Ok(version.unwrap_or_default())
        })
        .await
    }

    /// Opens the store, checking in constant time what every later call relies on: the key
    /// (page 1 decrypts and its HMAC holds), the schema (`sqlite_master` and the version read),
    /// and the HMAC of the file's last page, where a torn or truncated write lands. The other
    /// pages are checked by [`Store::check_integrity`], which the app schedules, and whenever a
    /// query meets a damaged page.
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
        if existed {
            let tail = last_page_intact(&conn, &path, key)?;
            if tail != Some(true) {
                // A bad last page (or cipher settings the spot check does not know): read them all.
                tracing::debug!(known_settings = tail.is_some(), "the last page's spot check failed; checking every page");
                if full_check(&conn, true)? == Verdict::Damaged {
                    drop(conn);
                    tracing::warn!("a page of the store fails its check; moving the file aside");
                    return Err(StoreError::Corrupt { moved_to: Some(move_aside(&path)?) });
                }
            }
        }
        set_writer_pragmas(&conn)?;
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
        Ok(Self::with_writer(path, conn, Some(key.clone())))
    }

    /// The database file's path.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` with the writer connection on the blocking pool; one such call runs at a time.
    /// When SQLite reports a damaged file, every page is checked and a damaged file is moved
    /// aside: the store closes and [`StoreError::Corrupt`] says where the file went.
    pub(crate) async fn call<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<R, StoreError> + Send + 'static,
    {
        let inner = self.inner.clone();
        run_blocking(move || {
            let result = inner.with_writer_conn(f);
            inner.after_call(result)
        })
        .await
    }

    /// Runs `f` on a read-only connection on the blocking pool, inside one read transaction (a
    /// consistent snapshot of the last commit). Reads run alongside each other and alongside
    /// the writer: a read never waits for a write transaction. Damage is handled as in
    /// `Store::call`.
    pub(crate) async fn read<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> Result<R, StoreError> + Send + 'static,
    {
        let inner = self.inner.clone();
        run_blocking(move || {
            let result = inner.with_reader(f);
            inner.after_call(result)
        })
        .await
    }

    /// SQL on the writer connection, for tests and benchmarks that check what the store holds
    /// (feature `test-support`; SQLite is not part of the public API).
    #[cfg(feature = "test-support")]
    pub async fn raw_sql<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<R, StoreError> + Send + 'static,
    {
        self.call(f).await
    }

    /// SQL on a read-only connection (as `Store::read`), for tests and benchmarks (feature
    /// `test-support`).
    #[cfg(feature = "test-support")]
    pub async fn raw_read<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> Result<R, StoreError> + Send + 'static,
    {
        self.read(f).await
    }

    /// The maintenance check: reads every page, checking each page's HMAC
    /// (`PRAGMA cipher_integrity_check`) and the b-trees' structure (`PRAGMA quick_check`). Its
    /// cost grows with the store, so opening does not run it; the app schedules it (say, when the
    /// device is idle and charging). Reads go on meanwhile; writes wait for it. A damaged store
    /// is closed and moved aside: [`StoreError::Corrupt`] says where it went.
    pub async fn check_integrity(&self) -> Result<StoreCheck, StoreError> {
        let inner = self.inner.clone();
        run_blocking(move || {
            let in_memory = inner.in_memory();
            match inner.with_writer_conn(|conn| full_check(conn, !in_memory)) {
                Ok(Verdict::Sound { pages }) => {
                    tracing::info!(pages, "store check: every page is sound");
                    Ok(StoreCheck { pages })
                }
                Ok(Verdict::Damaged) | Err(StoreError::Corrupt { .. }) => {
                    let mut state = inner.exclusive();
                    Err(inner.move_aside_locked(&mut state))
                }
                Err(e) => Err(e),
            }
        })
        .await
    }

    /// Reads the record `namespace/key`.
    pub async fn get<T: DeserializeOwned + Send + 'static>(&self, namespace: &str, key: &str) -> Result<Option<T>, StoreError> {
        let (namespace, key) = (namespace.to_owned(), key.to_owned());
        self.read(move |conn| {
            let bytes: Option<Vec<u8>> = conn
                .query_row("SELECT value FROM records WHERE namespace = ?1 AND key = ?2", (&namespace, &key), |row| row.get(0))
                .optional()?;
            bytes
                .map(|b| {
                    serde_json::from_slice(&b)
                        .map_err(|e| StoreError::Decode { details: format!("{namespace}/{key}: {}", crate::privacy::json_problem(&e)) })
                })
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
                .map(|b| {
                    serde_json::from_slice(&b)
                        .map_err(|e| StoreError::Decode { details: format!("{namespace}/{key}: {}", crate::privacy::json_problem(&e)) })
                })
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
        self.read(move |conn| {
            let mut stmt = conn.prepare("SELECT key FROM records WHERE namespace = ?1 ORDER BY key")?;
            let keys = stmt.query_map([&namespace], |row| row.get(0))?.collect::<Result<Vec<String>, _>>()?;
            Ok(keys)
        })
        .await
    }

    /// The store's schema version.
    pub async fn schema_version(&self) -> Result<u32, StoreError> {
        self.read(schema::version).await
    }

    /// Re-encrypts the store under `new_key`, atomically: a crash at any point leaves a store that
    /// opens with `old_key` or with `new_key`. The caller saves `new_key` in its keystore after
    /// this returns, and should keep the old key until then. Calls in flight finish first; the
    /// reader connections close and later reads open new ones under the new key.
    pub async fn rekey(&self, old_key: StoreKey, new_key: StoreKey) -> Result<(), StoreError> {
        let inner = self.inner.clone();
        run_blocking(move || {
            let mut state = inner.exclusive();
            if !state.open {
                return Err(StoreError::Closed);
            }
            let state = &mut *state;
            // Readers hold the old file open; the rename below replaces it.
            lock_mut(&mut state.readers).clear();
            let writer = lock_mut(&mut state.writer);
            let conn = writer.take().ok_or(StoreError::Closed)?;
            let reader_key = |key: &StoreKey| state.key.as_ref().map(|_| key.clone());
            match rekey_blocking(&inner.path, conn, &old_key, &new_key) {
                Ok(conn) => {
                    *writer = Some(conn);
                    state.key = reader_key(&new_key);
                    tracing::info!("store key rotated");
                    Ok(())
                }
                Err(RekeyFailure { conn, swapped, error }) => {
                    // Whatever failed, the file is still a whole store, under one of the keys.
                    let current = if swapped { &new_key } else { &old_key };
                    // Only a connection that was the writer before has the writer's pragmas.
                    let fresh = swapped || conn.is_none();
                    *writer = conn.or_else(|| open_connection(&inner.path, current).ok());
                    if fresh && writer.as_ref().is_some_and(|conn| set_writer_pragmas(conn).is_err()) {
                        *writer = None;
                    }
                    state.key = reader_key(current);
                    state.open = writer.is_some();
                    Err(error)
                }
            }
        })
        .await
    }

    /// Closes the store and deletes its database, `-wal`, `-shm` and key-check files. Calls in
    /// flight finish first; later calls on any clone answer [`StoreError::Closed`].
    pub async fn wipe(self) -> Result<(), StoreError> {
        let inner = self.inner.clone();
        run_blocking(move || {
            let mut state = inner.exclusive();
            // Nothing of the store survives: a failing close does not stop the deletion.
            let _ = close_all(&mut state);
            for path in store_files(&inner.path) {
                remove_if_exists(&path)?;
            }
            tracing::info!("store wiped");
            Ok(())
        })
        .await
    }

    /// Closes every connection, the writer last (its close checkpoints the WAL into the
    /// database file). Later calls answer [`StoreError::Closed`].
    pub async fn close(&self) -> Result<(), StoreError> {
        let inner = self.inner.clone();
        run_blocking(move || close_all(&mut inner.exclusive())).await
    }
}

/// What the full check found.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Sound { pages: u64 },
    Damaged,
}

impl Inner {
    fn in_memory(&self) -> bool {
        self.path == Path::new(":memory:")
    }

    /// Shared access for one call, or [`StoreError::Closed`].
    fn shared(&self) -> Result<RwLockReadGuard<'_, State>, StoreError> {
        let state = self.state.read().map_err(|_| StoreError::Closed)?;
        if state.open {
            Ok(state)
        } else {
            Err(StoreError::Closed)
        }
    }

    /// Exclusive access, once the calls in flight have finished.
    fn exclusive(&self) -> RwLockWriteGuard<'_, State> {
        // Only the exclusive holders can poison it, and each leaves the state closable.
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }

    fn with_writer_conn<R>(&self, f: impl FnOnce(&mut Connection) -> Result<R, StoreError>) -> Result<R, StoreError> {
        let state = self.shared()?;
        let mut writer = state.writer.lock().map_err(|_| StoreError::Closed)?;
        f(writer.as_mut().ok_or(StoreError::Closed)?)
    }

    fn with_reader<R>(&self, f: impl FnOnce(&Connection) -> Result<R, StoreError>) -> Result<R, StoreError> {
        let state = self.shared()?;
        let Some(key) = &state.key else {
            let writer = state.writer.lock().map_err(|_| StoreError::Closed)?;
            return f(writer.as_ref().ok_or(StoreError::Closed)?);
        };
        let idle = state.readers.lock().map_err(|_| StoreError::Closed)?.pop();
        let conn = match idle {
            Some(conn) => conn,
            None => open_reader(&self.path, key)?,
        };
        let (result, reusable) = in_read_transaction(&conn, f);
        // A connection that met a damaged page keeps failing: it is not reused.
        if reusable && !matches!(result, Err(StoreError::Corrupt { .. } | StoreError::Decode { .. })) {
            if let Ok(mut idle) = state.readers.lock() {
                if idle.len() < MAX_IDLE_READERS {
                    idle.push(conn);
                }
            }
        }
        result
    }

    /// Sends a call's failure to the full check when it may come from a damaged page: SQLite
    /// reported damage (`SQLITE_CORRUPT`, `SQLITE_NOTADB`), or a stored value failed to decode
    /// (SQLCipher hands a query a zeroed page for a page whose HMAC fails, and a zeroed overflow
    /// page reads as zero bytes inside a long value).
    fn after_call<R>(&self, result: Result<R, StoreError>) -> Result<R, StoreError> {
        match result {
            Err(StoreError::Corrupt { .. }) => Err(self.on_damage(None)),
            Err(e @ StoreError::Decode { .. }) => Err(self.on_damage(Some(e))),
            other => other,
        }
    }

    /// Checks every page on a fresh connection after a call met damage (`suspicion` is the
    /// call's own error when the damage is only suspected). Confirmed damage closes every
    /// connection and moves the file aside. A sound file keeps the store open: after a
    /// suspicion, the call's error stands; after damage SQLite reported, the connections are
    /// replaced (the connection, not the file, failed).
    fn on_damage(&self, suspicion: Option<StoreError>) -> StoreError {
        let mut guard = self.exclusive();
        let state = &mut *guard;
        if !state.open {
            // Another call found it first.
            return StoreError::Closed;
        }
        let key = match (suspicion, state.key.clone()) {
            (Some(e), _) if state.decode_checked => return e,
            (Some(e), None) => return e,
            (None, None) => {
                let _ = close_all(state);
                return StoreError::Corrupt { moved_to: None };
            }
            (suspicion, Some(key)) => {
                tracing::warn!(suspected = suspicion.is_some(), "a call met what may be a damaged page; checking every page");
                // Read-only: the check never creates a file where the store was.
                let verdict = open_reader(&self.path, &key).and_then(|conn| full_check(&conn, true));
                match (verdict, suspicion) {
                    (Ok(Verdict::Damaged) | Err(StoreError::Corrupt { .. }), _) => return self.move_aside_locked(state),
                    (Ok(Verdict::Sound { .. }), Some(e)) => {
                        state.decode_checked = true;
                        return e;
                    }
                    (Ok(Verdict::Sound { .. }), None) => key,
                    (Err(e), _) => return e,
                }
            }
        };
        tracing::warn!("the full check found every page sound; reconnecting");
        lock_mut(&mut state.readers).clear();
        let writer = lock_mut(&mut state.writer);
        drop(writer.take());
        match open_connection(&self.path, &key).map_err(StoreError::from).and_then(|conn| set_writer_pragmas(&conn).map(|()| conn)) {
            Ok(conn) => *writer = Some(conn),
            Err(e) => {
                state.open = false;
                return e;
            }
        }
        StoreError::Database { details: "SQLite reported damage that a check of every page did not find".into() }
    }

    /// Closes every connection and moves the damaged file aside.
    fn move_aside_locked(&self, state: &mut State) -> StoreError {
        if !state.open {
            return StoreError::Closed;
        }
        let _ = close_all(state);
        if self.in_memory() {
            return StoreError::Corrupt { moved_to: None };
        }
        tracing::warn!("the store file is damaged; moving it aside");
        match move_aside(&self.path) {
            Ok(moved_to) => StoreError::Corrupt { moved_to: Some(moved_to) },
            Err(e) => e,
        }
    }
}

/// The lock's value, poisoned or not (for exclusive holders, which no call can race).
fn lock_mut<T>(mutex: &mut Mutex<T>) -> &mut T {
    mutex.get_mut().unwrap_or_else(PoisonError::into_inner)
}

/// Closes the readers, then the writer; the store answers [`StoreError::Closed`] from then on.
fn close_all(state: &mut State) -> Result<(), StoreError> {
    state.open = false;
    lock_mut(&mut state.readers).clear();
    if let Some(conn) = lock_mut(&mut state.writer).take() {
        conn.close().map_err(|(_, e)| StoreError::from(e))?;
    }
    Ok(())
}

/// Runs `f` inside one read transaction; also says whether the connection can be reused.
fn in_read_transaction<R>(conn: &Connection, f: impl FnOnce(&Connection) -> Result<R, StoreError>) -> (Result<R, StoreError>, bool) {
    if let Err(e) = conn.execute_batch("BEGIN") {
        return (Err(e.into()), false);
    }
    let result = f(conn);
    let end = conn.execute_batch(if result.is_ok() { "COMMIT" } else { "ROLLBACK" });
    match (result, end) {
        (Ok(value), Ok(())) => (Ok(value), true),
        (Ok(_), Err(e)) => (Err(e.into()), false),
        (Err(e), end) => (Err(e), end.is_ok()),
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
    crate::platform::run_blocking(f).await.map_err(|e| StoreError::Database { details: format!("store worker failed: {e}") })?
}

fn open_connection(path: &Path, key: &StoreKey) -> Result<Connection, rusqlite::Error> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    unlock(&conn, key)?;
    Ok(conn)
}

/// A read-only connection to an open store (the writer keeps the WAL and its index in place).
fn open_reader(path: &Path, key: &StoreKey) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    unlock(&conn, key)?;
    Ok(conn)
}

/// Gives the connection its key and proves it on page 1 and the schema.
fn unlock(conn: &Connection, key: &StoreKey) -> Result<(), rusqlite::Error> {
    // SQLCipher would otherwise print HMAC failures (wrong key) to stderr.
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    let statement = zeroize::Zeroizing::new(format!("PRAGMA key = \"{}\";", key.sqlcipher_literal().as_str()));
    conn.execute_batch(&statement)?;
    // PRAGMA key never fails by itself: the first read tells whether the key fits.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get::<_, i64>(0))?;
    Ok(())
}

fn set_writer_pragmas(conn: &Connection) -> Result<(), StoreError> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

/// Checks every page's HMAC (`PRAGMA cipher_integrity_check`). SQLCipher answers a failed page
/// read with a zeroed page rather than an error, so damage must be found before data is read.
/// It reads the file itself, so it finds damage that no query has touched yet.
fn cipher_pages_intact(conn: &Connection) -> Result<bool, StoreError> {
    let mut stmt = conn.prepare("PRAGMA cipher_integrity_check")?;
    let mut rows = stmt.query([])?;
    Ok(rows.next()?.is_none())
}

/// Reads every page: each page's HMAC in the file (unless `raw_pages` is false: an in-memory
/// database has no file), then the b-trees' structure through SQLite (`PRAGMA quick_check`,
/// which also reads the pages still in the WAL).
fn full_check(conn: &Connection, raw_pages: bool) -> Result<Verdict, StoreError> {
    if raw_pages && !cipher_pages_intact(conn)? {
        return Ok(Verdict::Damaged);
    }
    let quick = conn
        .prepare("PRAGMA quick_check")
        .and_then(|mut stmt| stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>());
    match quick {
        Ok(rows) if rows.len() == 1 && rows[0] == "ok" => {}
        Ok(_) => return Ok(Verdict::Damaged),
        Err(e) if error::is_corruption(&e) => return Ok(Verdict::Damaged),
        Err(e) => return Err(e.into()),
    }
    let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
    let pages = u64::try_from(pages).unwrap_or_default();
    Ok(Verdict::Sound { pages })
}

/// SQLCipher 4's page layout with its default settings: each page ends with a reserve of a
/// 16-byte IV and a 64-byte HMAC-SHA512 tag over the page's ciphertext, the IV and the page
/// number (4 bytes, little-endian); page 1 starts with the 16-byte KDF salt, outside the tag.
const CIPHER_SALT_LEN: usize = 16;
const CIPHER_HMAC_LEN: usize = 64;
/// SQLCipher derives the HMAC key from the raw key with PBKDF2-HMAC-SHA512, 2 iterations, over
/// the salt with every byte XORed with this mask.
const CIPHER_HMAC_SALT_MASK: u8 = 0x3a;

/// The constant-time spot check at open: does the file's last page carry a valid HMAC? Checked
/// here from the file (SQLCipher offers no way to read one page by number). `None` when the
/// connection's cipher settings are not the defaults this check knows; `Some(false)` also for a
/// file that is not a whole number of pages. Only a hint: anything but `Some(true)` sends the
/// open to the full check, which alone decides that a file is damaged.
fn last_page_intact(conn: &Connection, path: &Path, key: &StoreKey) -> Result<Option<bool>, StoreError> {
    use std::io::{Read, Seek, SeekFrom};
    let setting =
        |name: &str| -> Result<Option<String>, StoreError> { Ok(conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0)).optional()?) };
    let known = setting("cipher_use_hmac")?.as_deref() == Some("1")
        && setting("cipher_hmac_algorithm")?.as_deref() == Some("HMAC_SHA512")
        && setting("cipher_kdf_algorithm")?.as_deref() == Some("PBKDF2_HMAC_SHA512")
        && setting("cipher_plaintext_header_size")?.as_deref() == Some("0");
    let page_size = setting("cipher_page_size")?.and_then(|s| s.parse::<u64>().ok());
    let Some(page_size) = page_size.filter(|_| known) else { return Ok(None) };
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    if len < page_size || len % page_size != 0 {
        return Ok(Some(false));
    }
    let Ok(pgno) = u32::try_from(len / page_size) else { return Ok(None) };
    let mut salt = [0u8; CIPHER_SALT_LEN];
    file.read_exact(&mut salt)?;
    let mut page = vec![0u8; usize::try_from(page_size).map_err(|_| StoreError::Io { details: "page size".into() })?];
    file.seek(SeekFrom::Start(len - page_size))?;
    file.read_exact(&mut page)?;
    Ok(Some(page_hmac_matches(key, &salt, pgno, &page)))
}

/// Whether `page` (page number `pgno`, as read from the file) carries a valid SQLCipher HMAC.
fn page_hmac_matches(key: &StoreKey, salt: &[u8; CIPHER_SALT_LEN], pgno: u32, page: &[u8]) -> bool {
    let start = if pgno == 1 { CIPHER_SALT_LEN } else { 0 };
    let Some(tag_at) = page.len().checked_sub(CIPHER_HMAC_LEN).filter(|&at| at > start) else { return false };
    let mut hmac_salt = *salt;
    for b in &mut hmac_salt {
        *b ^= CIPHER_HMAC_SALT_MASK;
    }
    let mut hmac_key = zeroize::Zeroizing::new([0u8; key::STORE_KEY_LEN]);
    let iterations = std::num::NonZeroU32::MIN.saturating_add(1);
    ring::pbkdf2::derive(ring::pbkdf2::PBKDF2_HMAC_SHA512, iterations, &hmac_salt, key.expose_bytes(), hmac_key.as_mut());
    let mut mac = ring::hmac::Context::with_key(&ring::hmac::Key::new(ring::hmac::HMAC_SHA512, hmac_key.as_ref()));
    mac.update(&page[start..tag_at]);
    mac.update(&pgno.to_le_bytes());
    subtle::ConstantTimeEq::ct_eq(mac.sign().as_ref(), &page[tag_at..]).into()
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

/// A failed rotation: the connection when it is still usable, and which key the file is under.
struct RekeyFailure {
    conn: Option<Connection>,
    /// True once the new file replaced the old one (it is under the new key).
    swapped: bool,
    error: StoreError,
}

// The error carries the connection back; the size does not matter on this cold path.
#[allow(clippy::result_large_err)]
fn rekey_blocking(path: &Path, conn: Connection, old_key: &StoreKey, new_key: &StoreKey) -> Result<Connection, RekeyFailure> {
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
        return Err(RekeyFailure { conn: Some(conn), swapped: false, error: e });
    }
    // From here the new file is complete. Record both keys before the swap.
    if let Err(e) = write_keycheck(path, &[old_key, new_key]) {
        let _ = remove_if_exists(&tmp);
        return Err(RekeyFailure { conn: Some(conn), swapped: false, error: e });
    }
    if let Err((conn, e)) = conn.close() {
        let _ = remove_if_exists(&tmp);
        return Err(RekeyFailure { conn: Some(conn), swapped: false, error: e.into() });
    }
    // The single atomic step.
    if let Err(e) = std::fs::rename(&tmp, path) {
        let _ = remove_if_exists(&tmp);
        return Err(RekeyFailure { conn: None, swapped: false, error: e.into() });
    }
    key::sync_parent_dir(path);
    let _ = remove_if_exists(&sidecar(path, "-wal"));
    let _ = remove_if_exists(&sidecar(path, "-shm"));
    let reopen = || -> Result<Connection, StoreError> {
        write_keycheck(path, &[new_key])?;
        let conn = open_connection(path, new_key)?;
        set_writer_pragmas(&conn)?;
        Ok(conn)
    };
    // The file is already under the new key: there is no old connection to fall back to.
    reopen().map_err(|error| RekeyFailure { conn: open_connection(path, new_key).ok(), swapped: true, error })
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
