//! The store's schema and its forward-only migrations.
//!
//! `PRAGMA user_version` holds the schema version. Each migration runs in its own transaction
//! together with the version bump, so a crash leaves the store at the previous version or the
//! next, never between. Migrations are never edited once released: add a new one instead.

use rusqlite::Connection;

use super::StoreError;

/// One step of the schema's history.
pub(crate) struct Migration {
    /// The version this migration produces.
    pub version: u32,
    /// What it adds, for logs.
    pub description: &'static str,
    /// The SQL that takes version `version - 1` to `version`.
    pub sql: &'static str,
}

/// The whole history, oldest first.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "records by namespace and key",
        sql: "CREATE TABLE records (
                  namespace TEXT NOT NULL,
                  key       TEXT NOT NULL,
                  value     BLOB NOT NULL,
                  PRIMARY KEY (namespace, key)
              ) WITHOUT ROWID;",
    },
    Migration {
        version: 2,
        description: "record timestamps and device keys",
        sql: "ALTER TABLE records ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
              CREATE TABLE device_keys (
                  label       TEXT PRIMARY KEY,
                  algorithm   TEXT NOT NULL,
                  private_key BLOB NOT NULL,
                  public_key  BLOB NOT NULL,
                  created_at  INTEGER NOT NULL
              );",
    },
    Migration {
        version: 3,
        description: "wallet: licences, cached issuer keys and status lists, the access log",
        sql: "CREATE TABLE licences (
                  id                TEXT PRIMARY KEY,
                  holder            TEXT NOT NULL,
                  vct               TEXT NOT NULL,
                  issuer            TEXT NOT NULL,
                  sd_jwt            TEXT NOT NULL,
                  issued_at         INTEGER,
                  valid_from        INTEGER,
                  expires_at        INTEGER,
                  status_uri        TEXT,
                  status_idx        INTEGER,
                  status            TEXT NOT NULL DEFAULT 'unknown',
                  status_checked_at INTEGER,
                  fetched_at        INTEGER NOT NULL
              );
              CREATE INDEX licences_by_holder ON licences (holder, vct);
              CREATE TABLE issuer_keys (
                  issuer     TEXT PRIMARY KEY,
                  jwks       TEXT NOT NULL,
                  fetched_at INTEGER NOT NULL
              );
              CREATE TABLE status_lists (
                  uri        TEXT PRIMARY KEY,
                  token      TEXT NOT NULL,
                  fetched_at INTEGER NOT NULL
              );
              CREATE TABLE access_log (
                  id           INTEGER PRIMARY KEY AUTOINCREMENT,
                  at           INTEGER NOT NULL,
                  action       TEXT NOT NULL,
                  licence_id   TEXT,
                  vct          TEXT,
                  claims       TEXT NOT NULL,
                  counterparty TEXT
              );",
    },
    Migration {
        version: 4,
        description: "catalogue with full-text search, auto-fill consents, drafts, the outbox, cases and the inbox",
        sql: "CREATE TABLE catalogue_meta (
                  id         INTEGER PRIMARY KEY CHECK (id = 1),
                  etag       TEXT,
                  version    TEXT NOT NULL,
                  synced_at  INTEGER NOT NULL,
                  item_count INTEGER NOT NULL
              );
              CREATE TABLE catalogue_items (
                  id       TEXT PRIMARY KEY,
                  position INTEGER NOT NULL,
                  body     BLOB NOT NULL
              );
              CREATE TABLE catalogue_bundles (
                  id       TEXT PRIMARY KEY,
                  position INTEGER NOT NULL,
                  body     TEXT NOT NULL
              );
              CREATE VIRTUAL TABLE catalogue_search USING fts5(item_id UNINDEXED, name, text, tokenize = 'trigram');
              CREATE TABLE autofill_consents (
                  holder     TEXT NOT NULL,
                  item_id    TEXT NOT NULL,
                  claims     TEXT NOT NULL,
                  granted_at INTEGER NOT NULL,
                  PRIMARY KEY (holder, item_id)
              );
              CREATE TABLE drafts (
                  id         TEXT PRIMARY KEY,
                  holder     TEXT NOT NULL,
                  item_id    TEXT NOT NULL,
                  body       TEXT NOT NULL,
                  created_at INTEGER NOT NULL,
                  updated_at INTEGER NOT NULL
              );
              CREATE INDEX drafts_by_holder ON drafts (holder, updated_at);
              CREATE TABLE outbox (
                  id              TEXT PRIMARY KEY,
                  holder          TEXT NOT NULL,
                  kind            TEXT NOT NULL,
                  case_id         TEXT,
                  body            TEXT NOT NULL,
                  attempts        INTEGER NOT NULL DEFAULT 0,
                  next_attempt_at INTEGER NOT NULL,
                  last_error      TEXT,
                  created_at      INTEGER NOT NULL
              );
              CREATE TABLE cases (
                  id         TEXT PRIMARY KEY,
                  holder     TEXT NOT NULL,
                  item_id    TEXT NOT NULL,
                  status     TEXT NOT NULL,
                  body       TEXT NOT NULL,
                  updated_at INTEGER NOT NULL
              );
              CREATE TABLE inbox (
                  holder TEXT NOT NULL,
                  id     INTEGER NOT NULL,
                  body   TEXT NOT NULL,
                  read   INTEGER NOT NULL DEFAULT 0,
                  PRIMARY KEY (holder, id)
              );",
    },
    Migration {
        version: 5,
        description: "outbox dead letters (unreadable entries) and refusals of queued writes",
        sql: "CREATE TABLE outbox_dead_letters (
                  id         TEXT PRIMARY KEY,
                  holder     TEXT NOT NULL,
                  kind       TEXT NOT NULL,
                  refers_to  TEXT,
                  body       TEXT NOT NULL,
                  attempts   INTEGER NOT NULL,
                  created_at INTEGER NOT NULL,
                  failed_at  INTEGER NOT NULL,
                  reason     TEXT NOT NULL
              );
              CREATE INDEX outbox_dead_letters_by_holder ON outbox_dead_letters (holder, failed_at);
              CREATE TABLE outbox_refusals (
                  id         TEXT PRIMARY KEY,
                  holder     TEXT NOT NULL,
                  kind       TEXT NOT NULL,
                  refers_to  TEXT,
                  draft_id   TEXT,
                  status     INTEGER,
                  reason     TEXT NOT NULL,
                  field      TEXT,
                  refused_at INTEGER NOT NULL
              );
              CREATE INDEX outbox_refusals_by_holder ON outbox_refusals (holder, refused_at);",
    },
    Migration {
        version: 6,
        description: "the access log belongs to a holder (entries written before have none and go at the next logout)",
        sql: "ALTER TABLE access_log ADD COLUMN holder TEXT NOT NULL DEFAULT '';
              CREATE INDEX access_log_by_holder ON access_log (holder, id);
              CREATE INDEX outbox_by_holder ON outbox (holder);
              CREATE INDEX cases_by_holder ON cases (holder);",
    },
    Migration {
        version: 7,
        description: "verifier mode: the nonces a verifier issued and saw",
        sql: "CREATE TABLE verifier_nonces (
                  audience  TEXT NOT NULL,
                  nonce     TEXT NOT NULL,
                  issued_at INTEGER,
                  seen_at   INTEGER,
                  PRIMARY KEY (audience, nonce)
              ) WITHOUT ROWID;",
    },
    Migration {
        version: 8,
        description: "wallet: copies of each licence (batch issuance), each with its own holder key, shown once",
        sql: "CREATE TABLE licence_copies (
                  id          INTEGER PRIMARY KEY AUTOINCREMENT,
                  licence_id  TEXT NOT NULL,
                  holder      TEXT NOT NULL,
                  sd_jwt      TEXT NOT NULL,
                  private_key BLOB,
                  status_uri  TEXT,
                  status_idx  INTEGER,
                  fetched_at  INTEGER NOT NULL,
                  used_at     INTEGER,
                  used_for    TEXT
              );
              CREATE INDEX licence_copies_by_licence ON licence_copies (holder, licence_id, used_at);",
    },
    Migration {
        version: 9,
        description: "envelopes: each holder's 免跑腿 envelopes with their timelines",
        sql: "CREATE TABLE envelopes (
                  holder     TEXT NOT NULL,
                  id         TEXT NOT NULL,
                  case_id    TEXT NOT NULL,
                  body       TEXT NOT NULL,
                  updated_at INTEGER NOT NULL,
                  PRIMARY KEY (holder, id)
              ) WITHOUT ROWID;",
    },
    Migration {
        version: 10,
        description: "push: the device's push key and auth secret, message ids seen; the inbox's pull cursor kept apart from pushed items, and the items deleted on this device",
        sql: "CREATE TABLE push_keys (
                  id          INTEGER PRIMARY KEY CHECK (id = 1),
                  private_key BLOB NOT NULL,
                  auth_secret BLOB NOT NULL,
                  endpoint    TEXT NOT NULL,
                  created_at  INTEGER NOT NULL
              );
              CREATE TABLE push_seen (
                  message_id TEXT PRIMARY KEY,
                  seen_at    INTEGER NOT NULL
              ) WITHOUT ROWID;
              CREATE TABLE inbox_cursor (
                  holder       TEXT PRIMARY KEY,
                  pulled_after INTEGER NOT NULL
              ) WITHOUT ROWID;
              CREATE TABLE inbox_deleted (
                  holder TEXT NOT NULL,
                  id     INTEGER NOT NULL,
                  PRIMARY KEY (holder, id)
              ) WITHOUT ROWID;
              INSERT INTO inbox_cursor (holder, pulled_after) SELECT holder, max(id) FROM inbox GROUP BY holder;",
    },
    Migration {
        version: 11,
        description: "recommendations: the person's views and searches, and what they turned down",
        sql: "CREATE TABLE recommend_history (
                  holder  TEXT NOT NULL,
                  at      INTEGER NOT NULL,
                  kind    TEXT NOT NULL,
                  item_id TEXT NOT NULL
              );
              CREATE INDEX recommend_history_by_holder ON recommend_history (holder, at);
              CREATE TABLE recommend_dismissed (
                  holder  TEXT NOT NULL,
                  item_id TEXT NOT NULL,
                  how     TEXT NOT NULL,
                  at      INTEGER NOT NULL,
                  PRIMARY KEY (holder, item_id)
              ) WITHOUT ROWID;",
    },
];

/// The newest schema version this build knows.
pub const LATEST_VERSION: u32 = MIGRATIONS[MIGRATIONS.len() - 1].version;

/// The store's current schema version.
pub(crate) fn version(conn: &Connection) -> Result<u32, StoreError> {
    Ok(conn.query_row("PRAGMA user_version", [], |row| row.get::<_, u32>(0))?)
}

/// Brings the store up to `target` (normally [`LATEST_VERSION`]).
pub(crate) fn migrate(conn: &mut Connection, target: u32) -> Result<(), StoreError> {
    let current = version(conn)?;
    if current > LATEST_VERSION {
        return Err(StoreError::NewerSchema { found: current, supported: LATEST_VERSION });
    }
    for migration in MIGRATIONS.iter().filter(|m| m.version > current && m.version <= target) {
        tracing::debug!(version = migration.version, description = migration.description, "migrating store schema");
        let tx = conn.transaction()?;
        tx.execute_batch(migration.sql)?;
        tx.pragma_update(None, "user_version", migration.version)?;
        tx.commit()?;
    }
    Ok(())
}
