//! Errors of the encrypted store.

use std::path::PathBuf;

use crate::error::{pick, Language};

/// Why the encrypted store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The key does not open this store. The file was not touched.
    #[error("the key does not open this store")]
    WrongKey,
    /// The store file is damaged. It was moved aside to `moved_to` (never deleted); opening again creates a fresh store.
    #[error("the store file is damaged and was moved aside{}", moved_to.as_ref().map(|p| format!(" to {}", p.display())).unwrap_or_default())]
    Corrupt {
        /// Where the damaged file now is, for support to look at.
        moved_to: Option<PathBuf>,
    },
    /// The store was written by a newer CityKit; this version does not downgrade it.
    #[error("the store has schema version {found}, newer than the {supported} this version knows")]
    NewerSchema {
        /// The store's schema version.
        found: u32,
        /// The newest version this build knows.
        supported: u32,
    },
    /// The platform keystore gave no key (locked, cancelled, or gone).
    #[error("the store key is unavailable: {reason}")]
    KeyUnavailable {
        /// What the key provider said.
        reason: String,
    },
    /// The key provider returned something that is not a 32-byte key: a bug in the app's provider.
    #[error("the key provider returned an invalid key: {reason}")]
    InvalidKey {
        /// What was wrong with it.
        reason: String,
    },
    /// The store was wiped or closed after a failure; open it again.
    #[error("the store is closed")]
    Closed,
    /// The file system failed (disk full, permissions).
    #[error("file system error: {details}")]
    Io {
        /// The operating system's message.
        details: String,
    },
    /// SQLite failed in another way.
    #[error("database error: {details}")]
    Database {
        /// SQLite's message (never values).
        details: String,
    },
    /// A stored record could not be decoded.
    #[error("a stored record is unreadable: {details}")]
    Decode {
        /// What failed.
        details: String,
    },
    /// No persistent storage here (the browser: no OPFS, as in an opaque origin, outside a
    /// dedicated Worker, or in an old web view). Nothing was kept in memory instead.
    #[error("persistent storage is unavailable: {reason}")]
    Unavailable {
        /// What was missing.
        reason: String,
    },
    /// The store is open elsewhere and cannot be shared: in the browser, another tab or window
    /// of the same site holds it (OPFS access handles are exclusive). Nothing was changed.
    #[error("the store is in use by another tab or window")]
    InUse,
}

impl StoreError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::WrongKey => "store.wrong_key",
            Self::Corrupt { .. } => "store.corrupt",
            Self::NewerSchema { .. } => "store.newer_schema",
            Self::KeyUnavailable { .. } => "store.key_unavailable",
            Self::InvalidKey { .. } => "store.invalid_key",
            Self::Closed => "store.closed",
            Self::Io { .. } => "store.io",
            Self::Database { .. } => "store.database",
            Self::Decode { .. } => "store.decode",
            Self::Unavailable { .. } => "store.unavailable",
            Self::InUse => "store.in_use",
        }
    }

    /// A default message for people.
    pub fn message(&self, language: Language) -> String {
        pick(
            language,
            match self {
                Self::WrongKey => "无法解锁本地数据：密钥不正确。",
                Self::Corrupt { .. } => "本地数据已损坏，已另行保存并重新创建。",
                Self::NewerSchema { .. } => "本地数据来自更新版本的应用，请升级应用。",
                Self::KeyUnavailable { .. } => "无法取得解锁密钥，请解锁设备后重试。",
                Self::InvalidKey { .. } => "应用提供的密钥无效，请联系应用开发者。",
                Self::Closed => "本地数据已关闭，请重新打开应用。",
                Self::Io { .. } => "无法读写本地数据，请检查存储空间。",
                Self::Database { .. } | Self::Decode { .. } => "本地数据读写出错。",
                Self::Unavailable { .. } => "此环境无法持久保存本地数据（浏览器不支持或已禁用存储）。",
                Self::InUse => "本地数据正在另一个标签页或窗口中使用，请先关闭它。",
            },
            match self {
                Self::WrongKey => "Local data could not be unlocked: the key is wrong.",
                Self::Corrupt { .. } => "Local data was damaged; it was set aside and a fresh store was created.",
                Self::NewerSchema { .. } => "Local data comes from a newer version of the app; please update the app.",
                Self::KeyUnavailable { .. } => "The unlock key is unavailable; unlock the device and try again.",
                Self::InvalidKey { .. } => "The app supplied an invalid key; please contact its developer.",
                Self::Closed => "Local data is closed; please reopen the app.",
                Self::Io { .. } => "Local data could not be read or written; check the free space.",
                Self::Database { .. } | Self::Decode { .. } => "Reading or writing local data failed.",
                Self::Unavailable { .. } => "Local data cannot be kept here: this browser offers no persistent storage, or it is disabled.",
                Self::InUse => "Local data is in use in another tab or window; close it first.",
            },
        )
        .into()
    }
}

impl From<std::io::Error> for StoreError {
    fn from(e: std::io::Error) -> Self {
        Self::Io { details: e.to_string() }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        if is_corruption(&e) {
            return Self::Corrupt { moved_to: None };
        }
        Self::Database { details: e.to_string() }
    }
}

impl From<super::key::KeyProviderError> for StoreError {
    fn from(e: super::key::KeyProviderError) -> Self {
        match e {
            super::key::KeyProviderError::InvalidKey { reason } => Self::InvalidKey { reason },
            other @ super::key::KeyProviderError::Unavailable { .. } => Self::KeyUnavailable { reason: other.to_string() },
        }
    }
}

/// True when SQLite reports a damaged file (or, for SQLCipher, a page whose HMAC fails).
pub(crate) fn is_corruption(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::DatabaseCorrupt) | Some(rusqlite::ErrorCode::NotADatabase))
}

#[cfg(test)]
mod tests {
    use super::StoreError;

    #[test]
    fn a_corrupt_store_names_where_it_was_moved_as_a_plain_path() {
        let moved = StoreError::Corrupt { moved_to: Some("/data/citykit.db.corrupt-1".into()) };
        assert_eq!(moved.to_string(), "the store file is damaged and was moved aside to /data/citykit.db.corrupt-1");
        assert_eq!(StoreError::Corrupt { moved_to: None }.to_string(), "the store file is damaged and was moved aside");
    }
}
