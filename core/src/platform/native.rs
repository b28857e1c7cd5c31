//! Native targets: tokio's blocking pool and timers.

use std::time::Duration;

use super::BlockingFailed;

/// Runs `f` on the blocking pool and waits for it without blocking the executor.
pub(crate) async fn run_blocking<R, F>(f: F) -> Result<R, BlockingFailed>
where
    R: Send + 'static,
    F: FnOnce() -> R + Send + 'static,
{
    // Type-erased, so tokio's blocking-task machinery is compiled once for every store call
    // instead of once per closure (each call site would otherwise add its own copy).
    let erased: ErasedBlocking = Box::new(move || Box::new(f()) as Box<dyn std::any::Any + Send>);
    let out = tokio::task::spawn_blocking(erased).await.map_err(|e| {
        // A panic's message may hold anything: keep it out of the error.
        BlockingFailed(if e.is_panic() { "a worker panicked".into() } else { e.to_string() })
    })?;
    out.downcast::<R>().map(|r| *r).map_err(|_| BlockingFailed("a worker returned an unexpected type".into()))
}

/// A blocking job with its closure and result types erased.
type ErasedBlocking = Box<dyn FnOnce() -> Box<dyn std::any::Any + Send> + Send>;

/// Runs `future` as a task of its own and waits for it. Dropping the returned future (a caller
/// that gives up) does not stop the task: operations that must not stop half-way (a token
/// rotation and saving its result) finish anyway.
pub(crate) async fn detached<T, F>(future: F) -> Result<T, BlockingFailed>
where
    T: Send + 'static,
    F: std::future::Future<Output = T> + Send + 'static,
{
    tokio::spawn(future).await.map_err(|e| BlockingFailed(if e.is_panic() { "a task panicked".into() } else { e.to_string() }))
}

/// Waits `duration`.
pub(crate) async fn sleep(duration: Duration) {
    tokio::time::sleep(duration).await;
}
