//! The one tokio runtime the library owns: built on first use, never dropped, shared by every
//! call. Calls return futures that foreign executors (Kotlin coroutines, Swift tasks, asyncio)
//! poll without blocking their thread; the work itself runs here.
//!
//! Every async export reaches [`run`] by construction: `#[citykit_ffi_macros::export]` wraps the
//! body of each `async fn` in it, so no export can forget the runtime.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};

use tokio::runtime::Runtime;
use tokio::task::JoinHandle;

use crate::error::{ApiResult, CityKitError};

static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();

pub(crate) fn runtime() -> ApiResult<&'static Runtime> {
    RUNTIME
        .get_or_init(|| {
            install_panic_hook();
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("citykit")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| CityKitError::internal(format!("cannot start the CityKit runtime: {e}")))
}

/// Replaces Rust's default panic output (the message and a backtrace on stderr) with one
/// `tracing` event naming only where it happened: a panic message may hold anything, personal
/// data included. The panic itself still reaches the app as an `internal` error.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
        tracing::error!(%location, "CityKit panicked; the call fails with an internal error");
    }));
}

/// A spawned call with its type erased: every call shares one task type, so tokio's task
/// machinery is compiled once rather than once per method (0.37 MB of the stripped
/// release library).
type ErasedCall = Pin<Box<dyn Future<Output = Box<dyn Any + Send>> + Send>>;

/// Runs `future` on the runtime. Dropping the returned future (a cancelled coroutine or task)
/// aborts the work; a panic inside it becomes an `internal` error.
pub(crate) async fn run<T, F>(future: F) -> ApiResult<T>
where
    T: Send + 'static,
    F: Future<Output = citykit_core::Result<T>> + Send + 'static,
{
    let erased: ErasedCall = Box::pin(async move { Box::new(future.await) as Box<dyn Any + Send> });
    let handle = runtime()?.spawn(erased);
    match (AbortOnDrop(handle)).await {
        Ok(result) => match result.downcast::<citykit_core::Result<T>>() {
            Ok(result) => (*result).map_err(CityKitError::from_core),
            Err(_) => Err(CityKitError::internal("a call returned an unexpected type")),
        },
        Err(join) => Err(CityKitError::from_core(join.into())),
    }
}

/// A join handle that aborts its task when dropped unfinished.
pub(crate) struct AbortOnDrop<T>(pub(crate) JoinHandle<T>);

impl<T> Future for AbortOnDrop<T> {
    type Output = Result<T, tokio::task::JoinError>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx)
    }
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}
