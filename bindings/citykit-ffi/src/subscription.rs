//! Subscriptions: a core change feed (the login state, the inbox) forwarded to an app's
//! listener. One shape for every feed: the runtime only waits for the next value and hands it to
//! a thread of the subscription's own, which calls the listener, so a slow listener never holds
//! a runtime worker or a lock, and values arrive in order. [`TaskHandle`] stops it.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};

use crate::error::{ApiResult, CityKitError};
use crate::runtime::runtime;

/// Forwards what `source` sends to `call`, on a thread named `thread_name`. `source` gets the
/// sending side and returns the task that feeds it (it may send a first value at once, before
/// the task runs); the subscription ends when that task ends, is cancelled, or the handle drops.
pub(crate) fn listen<T, F>(
    thread_name: &str,
    call: impl Fn(T) + Send + 'static,
    source: impl FnOnce(Sender<T>) -> F,
) -> ApiResult<Arc<TaskHandle>>
where
    T: Send + 'static,
    F: Future<Output = ()> + Send + 'static,
{
    let runtime = runtime()?;
    let stopped = Arc::new(AtomicBool::new(false));
    let (deliver, delivered) = std::sync::mpsc::channel::<T>();
    let stop = stopped.clone();
    std::thread::Builder::new()
        .name(thread_name.into())
        .spawn(move || {
            // Ends when the feeding task ends (cancelled, or the client is gone): the sender is
            // dropped and `recv` fails.
            while let Ok(value) = delivered.recv() {
                if stop.load(Ordering::Acquire) {
                    break;
                }
                call(value);
            }
        })
        .map_err(|e| CityKitError::internal(format!("cannot start the {thread_name} thread: {e}")))?;
    let task = runtime.spawn(source(deliver));
    Ok(Arc::new(TaskHandle { task: Mutex::new(Some(task)), stopped }))
}

/// A running subscription; cancel it (or drop it) to stop.
#[derive(uniffi::Object)]
pub struct TaskHandle {
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// Set on cancel: values already queued for the listener's thread are not delivered.
    stopped: Arc<AtomicBool>,
}

#[uniffi::export]
impl TaskHandle {
    /// Stops the subscription.
    pub fn cancel(&self) {
        self.stopped.store(true, Ordering::Release);
        if let Some(task) = self.task.lock().ok().and_then(|mut t| t.take()) {
            task.abort();
        }
    }
}

impl Drop for TaskHandle {
    fn drop(&mut self) {
        self.cancel();
    }
}
