//! `IdentityClient`: login, tokens, identities, logout and the login state.

use std::sync::Arc;

use citykit_core::{Account, Identity, LoginRequest, LoginState, LogoutOutcome, WhoAmI};
use citykit_ffi_macros::export;

use crate::callbacks::LoginStateListener;
use crate::error::ApiResult;
use crate::subscription::{listen, TaskHandle};

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
        let mut states = self.inner.watch_login_state();
        listen(
            LISTENER_THREAD_NAME,
            move |state| listener.on_login_state(state),
            move |deliver| {
                // The current value first: queued before the task runs, so it is always the first call.
                let _ = deliver.send(states.borrow_and_update().clone());
                async move {
                    while states.changed().await.is_ok() {
                        let state = states.borrow_and_update().clone();
                        if deliver.send(state).is_err() {
                            break;
                        }
                    }
                }
            },
        )
    }
}

/// The name of the thread each login-state subscription calls its listener on. Runtime workers
/// are named `citykit` (see `runtime.rs`).
pub const LISTENER_THREAD_NAME: &str = "citykit-login";
