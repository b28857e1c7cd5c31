//! Native targets: tokio's blocking pool and timers.

use std::time::Duration;

use super::BlockingFailed;

/// Runs `f` on the blocking pool and waits for it without blocking the executor.
pub(crate) async fn run_blocking<R, F>(f: F) -> Result<R, BlockingFailed>
where
    R: Send + 'static,
    F: FnOnce() -> R + Send + 'static,
{
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        // A panic's message may hold anything: keep it out of the error.
        BlockingFailed(if e.is_panic() { "a worker panicked".into() } else { e.to_string() })
    })
}

/// Waits `duration`.
pub(crate) async fn sleep(duration: Duration) {
    tokio::time::sleep(duration).await;
}
