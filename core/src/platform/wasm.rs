//! wasm32 in the browser: one thread, the browser's timers.

use std::time::Duration;

use super::BlockingFailed;

/// Runs `f` inline: the browser has no blocking pool, and SQLite there never blocks on disk.
pub(crate) async fn run_blocking<R, F>(f: F) -> Result<R, BlockingFailed>
where
    R: Send + 'static,
    F: FnOnce() -> R + Send + 'static,
{
    Ok(f())
}

/// Waits `duration` with the browser's `setTimeout`.
pub(crate) async fn sleep(duration: Duration) {
    gloo_timers::future::sleep(duration).await;
}
