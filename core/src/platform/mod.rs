//! What differs between native targets and the browser (wasm32): where blocking work runs,
//! how to wait, and what time it is. Everything else in the core is the same source.
//!
//! - Native: blocking work (SQLite, a platform keystore, a hardware key, a biometric prompt)
//!   runs on tokio's blocking pool, never on the async executor's threads; timers are tokio's.
//! - wasm32: there is one thread and no blocking pool, so the work runs inline (SQLite in the
//!   browser is in-memory or an async VFS behind the scenes); timers are the browser's.

#[cfg(not(target_arch = "wasm32"))]
mod native;
#[cfg(not(target_arch = "wasm32"))]
pub(crate) use native::*;

#[cfg(target_arch = "wasm32")]
mod wasm;
#[cfg(target_arch = "wasm32")]
pub(crate) use wasm::*;

/// Milliseconds since the Unix epoch (the browser's clock on wasm32).
pub(crate) fn now_unix_ms() -> i64 {
    web_time::SystemTime::now().duration_since(web_time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Seconds since the Unix epoch.
pub(crate) fn now_unix_secs() -> i64 {
    now_unix_ms() / 1000
}

/// The blocking work could not finish (its worker panicked or was cancelled).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub(crate) struct BlockingFailed(pub(crate) String);
