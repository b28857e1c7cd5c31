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

/// Runs `future` as a task of its own on the page's event loop and waits for it; dropping the
/// returned future does not stop the task.
pub(crate) async fn detached<T, F>(future: F) -> Result<T, BlockingFailed>
where
    T: 'static,
    F: std::future::Future<Output = T> + 'static,
{
    let (tx, rx) = tokio::sync::oneshot::channel();
    wasm_bindgen_futures::spawn_local(async move {
        let _ = tx.send(future.await);
    });
    rx.await.map_err(|_| BlockingFailed("the task was dropped".into()))
}

/// Waits `duration` with the browser's `setTimeout`.
pub(crate) async fn sleep(duration: Duration) {
    gloo_timers::future::sleep(duration).await;
}

/// Starts `future` as a task of its own on the page's event loop now, and returns its outcome
/// when it ends. The future may hold JavaScript values (not `Send`); what is returned only holds
/// a channel, so it is `Send` when `T` is.
pub(crate) fn spawn_local<T, F>(future: F) -> impl std::future::Future<Output = Result<T, BlockingFailed>> + Send
where
    T: Send + 'static,
    F: std::future::Future<Output = T> + 'static,
{
    let (tx, rx) = tokio::sync::oneshot::channel();
    wasm_bindgen_futures::spawn_local(async move {
        let _ = tx.send(future.await);
    });
    async move { rx.await.map_err(|_| BlockingFailed("the task was dropped".into())) }
}
