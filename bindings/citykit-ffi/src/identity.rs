//! `IdentityClient`: login, tokens, identities, logout and the login state.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use citykit_core::{Account, Identity, LoginRequest, LoginState, LogoutOutcome, WhoAmI};
use citykit_ffi_macros::export;

use crate::callbacks::LoginStateListener;
use crate::error::{ApiResult, CityKitError};
use crate::runtime::runtime;

/// Login (OpenID Connect with PAR, PKCE and DPoP), identities and logout: `client.identity()`.
#[derive(uniffi::Object)]
pub struct IdentityClient {
    pub(crate) inner: citykit_core::IdentityClient,
}

#[export]
impl IdentityClient {
    /// Starts a login; open the returned URL in the system browser or a custom tab.
    pub async fn start_login(&self) -> ApiResult<LoginRequest> {
        self.inner.start_login().await
    }

    /// Finishes a login with the redirect URL the browser handed back.
    pub async fn complete_login(&self, redirect_url: String) -> ApiResult<Account> {
        self.inner.complete_login(&redirect_url).await
    }

    /// The logged-in person, from the store (no network).
    pub async fn account(&self) -> ApiResult<Option<Account>> {
        self.inner.account().await
    }

    /// The identities this person may act as (themself first).
    pub async fn identities(&self) -> ApiResult<Vec<Identity>> {
        self.inner.identities().await
    }

    /// The identity requests are made as now.
    pub async fn current_identity(&self) -> ApiResult<Identity> {
        self.inner.current_identity().await
    }

    /// Makes every later request as `identity_id` (asks for presence before acting for an enterprise).
    pub async fn switch_identity(&self, identity_id: String) -> ApiResult<Identity> {
        self.inner.switch_identity(&identity_id).await
    }

    /// Asks the platform who is calling.
    pub async fn whoami(&self) -> ApiResult<WhoAmI> {
        self.inner.whoami().await
    }

    /// Refreshes the tokens now.
    pub async fn refresh(&self) -> ApiResult<()> {
        self.inner.refresh().await
    }

    /// Revokes the session and removes every record of the person and their enterprises.
    /// Refused with `auth.unsent_work` while writes are queued, unless `discard_unsent`.
    #[uniffi::method(default(discard_unsent = false))]
    pub async fn logout(&self, discard_unsent: bool) -> ApiResult<LogoutOutcome> {
        if discard_unsent {
            self.inner.logout_discarding_unsent().await
        } else {
            self.inner.logout().await
        }
    }

    /// The login state now.
    pub fn login_state(&self) -> LoginState {
        self.inner.login_state()
    }

    /// Calls `listener` with the current login state, then on every change, until the
    /// returned handle is cancelled or dropped.
    ///
    /// The listener runs on a thread of its own (`citykit-login`), one per subscription,
    /// never on a runtime worker and never under a lock: a slow or blocking listener delays only
    /// its own later states, not CityKit's calls. States arrive in order; a state published while
    /// the listener is busy is delivered after it returns. No call starts after `cancel`.
    pub fn subscribe_login_state(&self, listener: Arc<dyn LoginStateListener>) -> ApiResult<Arc<TaskHandle>> {
        let runtime = runtime()?;
        let mut states = self.inner.watch_login_state();
        let stopped = Arc::new(AtomicBool::new(false));
        let (deliver, delivered) = std::sync::mpsc::channel::<LoginState>();
        // The current value first: queued before the thread starts, so it is always the first call.
        let _ = deliver.send(states.borrow_and_update().clone());
        let stop = stopped.clone();
        std::thread::Builder::new()
            .name(LISTENER_THREAD_NAME.into())
            .spawn(move || {
                // Ends when the forwarding task ends (cancelled, or the client is gone): the
                // sender is dropped and `recv` fails.
                while let Ok(state) = delivered.recv() {
                    if stop.load(Ordering::Acquire) {
                        break;
                    }
                    listener.on_login_state(state);
                }
            })
            .map_err(|e| CityKitError::internal(format!("cannot start the login-state thread: {e}")))?;
        // The runtime only watches for changes and hands each one to the listener's thread.
        let task = runtime.spawn(async move {
            while states.changed().await.is_ok() {
                let state = states.borrow_and_update().clone();
                if deliver.send(state).is_err() {
                    break;
                }
            }
        });
        Ok(Arc::new(TaskHandle { task: Mutex::new(Some(task)), stopped }))
    }
}

/// The name of the thread each login-state subscription calls its listener on. Runtime workers
/// are named `citykit` (see `runtime.rs`).
pub const LISTENER_THREAD_NAME: &str = "citykit-login";

/// A running subscription; cancel it (or drop it) to stop.
#[derive(uniffi::Object)]
pub struct TaskHandle {
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// Set on cancel: states already queued for the listener's thread are not delivered.
    stopped: Arc<AtomicBool>,
}

#[export]
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
