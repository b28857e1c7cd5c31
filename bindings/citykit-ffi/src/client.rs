//! `CityKitClient`: the object apps hold, forwarding to `citykit_core::Client`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::callbacks::{
    DeviceKeys, DeviceKeysAdapter, KeyProvider, KeyProviderAdapter, LoginStateListener, PassphraseProvider, UserPresence,
    UserPresenceAdapter,
};
use crate::runtime::{run, runtime};
use crate::types::*;
use crate::CityKitError;

/// Opens the client: the encrypted store (key from `key_provider`) and any saved session.
/// Touches no network. `device_keys`: a hardware key, or None for the core's software key kept
/// in the store. `user_presence`: the shell's biometric/PIN/face prompt, or None for no checks.
#[uniffi::export]
pub async fn open_client(
    config: ClientConfig,
    key_provider: Arc<dyn KeyProvider>,
    device_keys: Option<Arc<dyn DeviceKeys>>,
    user_presence: Option<Arc<dyn UserPresence>>,
) -> Result<Arc<CityKitClient>, CityKitError> {
    let client = run(async move {
        let mut builder = citykit_core::Client::builder(config.into(), Arc::new(KeyProviderAdapter(key_provider)));
        if let Some(keys) = device_keys {
            builder = builder.device_keys(Arc::new(DeviceKeysAdapter(keys)));
        }
        if let Some(presence) = user_presence {
            builder = builder.user_presence(Arc::new(UserPresenceAdapter(presence)));
        }
        builder.open().await
    })
    .await?;
    Ok(Arc::new(CityKitClient { inner: client }))
}

/// A key provider deriving the store key from a passphrase (PBKDF2-HMAC-SHA256, salt kept in
/// `data_dir`), for QA scripts and tools. Apps use their platform keystore instead.
#[uniffi::export]
pub fn passphrase_key_provider(data_dir: String, passphrase: String) -> Arc<dyn KeyProvider> {
    Arc::new(PassphraseProvider(citykit_core::PassphraseKeyProvider::new(data_dir, passphrase)))
}

/// Deletes the encrypted store in `data_dir` without opening it: for when its key is gone for
/// good (the keystore lost it). Close every client on that directory first.
#[uniffi::export]
pub async fn wipe_store(data_dir: String) -> Result<(), CityKitError> {
    run(async move {
        let path = std::path::Path::new(&data_dir).join(citykit_core::store::STORE_FILE_NAME);
        citykit_core::store::wipe_files(path).await.map_err(Into::into)
    })
    .await
}

/// The CityKit client. Keep one per app process.
#[derive(uniffi::Object)]
pub struct CityKitClient {
    pub(crate) inner: citykit_core::Client,
}

#[uniffi::export]
impl CityKitClient {
    /// Starts a login; open the returned URL in the system browser or a custom tab.
    pub async fn start_login(&self) -> Result<LoginRequest, CityKitError> {
        let client = self.inner.clone();
        run(async move { client.identity().start_login().await }).await.map(Into::into)
    }

    /// Finishes a login with the redirect URL the browser handed back.
    pub async fn complete_login(&self, redirect_url: String) -> Result<Account, CityKitError> {
        let client = self.inner.clone();
        run(async move { client.identity().complete_login(&redirect_url).await }).await.map(Into::into)
    }

    /// The logged-in person, from the store (no network).
    pub async fn account(&self) -> Result<Option<Account>, CityKitError> {
        let client = self.inner.clone();
        run(async move { client.identity().account().await }).await.map(|a| a.map(Into::into))
    }

    /// The identities this person may act as (themself first).
    pub async fn identities(&self) -> Result<Vec<Identity>, CityKitError> {
        let client = self.inner.clone();
        run(async move { client.identity().identities().await }).await.map(|l| l.into_iter().map(Into::into).collect())
    }

    /// The identity requests are made as now.
    pub async fn current_identity(&self) -> Result<Identity, CityKitError> {
        let client = self.inner.clone();
        run(async move { client.identity().current_identity().await }).await.map(Into::into)
    }

    /// Makes every later request as `identity_id` (asks for presence before acting for an enterprise).
    pub async fn switch_identity(&self, identity_id: String) -> Result<Identity, CityKitError> {
        let client = self.inner.clone();
        run(async move { client.identity().switch_identity(&identity_id).await }).await.map(Into::into)
    }

    /// Asks the platform who is calling.
    pub async fn whoami(&self) -> Result<WhoAmI, CityKitError> {
        let client = self.inner.clone();
        run(async move { client.identity().whoami().await }).await.map(Into::into)
    }

    /// Refreshes the tokens now.
    pub async fn refresh(&self) -> Result<(), CityKitError> {
        let client = self.inner.clone();
        run(async move { client.identity().refresh().await }).await
    }

    /// Revokes the session and removes every record of the person and their enterprises.
    /// Refused with `auth.unsent_work` while writes are queued, unless `discard_unsent`.
    #[uniffi::method(default(discard_unsent = false))]
    pub async fn logout(&self, discard_unsent: bool) -> Result<LogoutOutcome, CityKitError> {
        let client = self.inner.clone();
        run(async move {
            if discard_unsent {
                client.identity().logout_discarding_unsent().await
            } else {
                client.identity().logout().await
            }
        })
        .await
        .map(Into::into)
    }

    /// The store's maintenance check: reads and checks every page (opening does not, so that it
    /// costs the same however large the store grows). Schedule it when the device is idle.
    /// Returns the number of pages checked. A damaged store is closed and moved aside
    /// (`store.corrupt`): open a new client to start a fresh store.
    pub async fn check_store(&self) -> Result<u64, CityKitError> {
        let client = self.inner.clone();
        run(async move { client.check_store().await }).await.map(|check| check.pages)
    }

    /// The login state now.
    pub fn login_state(&self) -> LoginState {
        self.inner.identity().login_state().into()
    }

    /// Calls `listener` with the current login state, then on every change, until the
    /// returned handle is cancelled or dropped.
    ///
    /// The listener runs on a thread of its own (`citykit-login`), one per subscription,
    /// never on a runtime worker and never under a lock: a slow or blocking listener delays only
    /// its own later states, not CityKit's calls. States arrive in order; a state published while
    /// the listener is busy is delivered after it returns. No call starts after `cancel`.
    pub fn subscribe_login_state(&self, listener: Arc<dyn LoginStateListener>) -> Result<Arc<TaskHandle>, CityKitError> {
        let runtime = runtime()?;
        let mut states = self.inner.identity().watch_login_state();
        let stopped = Arc::new(AtomicBool::new(false));
        let (deliver, delivered) = std::sync::mpsc::channel::<LoginState>();
        // The current value first: queued before the thread starts, so it is always the first call.
        let current: LoginState = states.borrow_and_update().clone().into();
        let _ = deliver.send(current);
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
                let state: LoginState = states.borrow_and_update().clone().into();
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

#[cfg(feature = "test-hooks")]
#[uniffi::export]
impl CityKitClient {
    /// Test hook (built only with the `test-hooks` feature): panics inside the core's runtime,
    /// to prove a panic reaches the app as `CityKitError.Internal`, never as a crash.
    pub async fn debug_panic(&self) -> Result<(), CityKitError> {
        run(async move {
            #[allow(clippy::panic)]
            if std::hint::black_box(true) {
                panic!("a deliberate test panic");
            }
            Ok(())
        })
        .await
    }
}

/// A running subscription; cancel it (or drop it) to stop.
#[derive(uniffi::Object)]
pub struct TaskHandle {
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// Set on cancel: states already queued for the listener's thread are not delivered.
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
