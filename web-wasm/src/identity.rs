//! `client.identity()`: the core's `IdentityClient` (login, identities, logout, login state).

use citykit_core::identity::IdentityClient;
use wasm_bindgen::prelude::*;

use crate::cases::{subscribe, WebSubscription};
use crate::{js_error, to_js};

/// Login (OpenID Connect with PAR, PKCE and DPoP; the device key is a non-extractable WebCrypto
/// key), tokens and identities, as `client.identity()` on every face.
#[wasm_bindgen]
pub struct WebIdentityClient {
    inner: IdentityClient,
}

impl WebIdentityClient {
    pub(crate) fn new(inner: IdentityClient) -> Self {
        Self { inner }
    }
}

#[wasm_bindgen]
impl WebIdentityClient {
    /// Starts a login: the URL to send the page to (`location.assign`); the provider redirects
    /// back to the platform's `redirect_uri` (the page).
    #[wasm_bindgen(js_name = startLogin, unchecked_return_type = "LoginRequest")]
    pub async fn start_login(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.start_login().await.map_err(js_error)?)
    }

    /// Completes the login from the URL the provider redirected the page to (`location.href`).
    #[wasm_bindgen(js_name = completeLogin, unchecked_return_type = "Account")]
    pub async fn complete_login(&self, redirect_url: String) -> Result<JsValue, JsValue> {
        to_js(&self.inner.complete_login(&redirect_url).await.map_err(js_error)?)
    }

    /// The logged-in account, or null.
    #[wasm_bindgen(unchecked_return_type = "Account | null")]
    pub async fn account(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.account().await.map_err(js_error)?)
    }

    /// The person and the enterprises they may act for.
    #[wasm_bindgen(unchecked_return_type = "Identity[]")]
    pub async fn identities(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.identities().await.map_err(js_error)?)
    }

    /// The identity calls are made as.
    #[wasm_bindgen(js_name = currentIdentity, unchecked_return_type = "Identity")]
    pub async fn current_identity(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.current_identity().await.map_err(js_error)?)
    }

    /// Acts as another identity of the same account (an enterprise, or the person again).
    #[wasm_bindgen(js_name = switchIdentity, unchecked_return_type = "Identity")]
    pub async fn switch_identity(&self, identity_id: String) -> Result<JsValue, JsValue> {
        to_js(&self.inner.switch_identity(&identity_id).await.map_err(js_error)?)
    }

    /// Who the platform says is logged in.
    #[wasm_bindgen(unchecked_return_type = "WhoAmI")]
    pub async fn whoami(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.whoami().await.map_err(js_error)?)
    }

    /// Refreshes the tokens now.
    pub async fn refresh(&self) -> Result<(), JsValue> {
        self.inner.refresh().await.map_err(js_error)
    }

    /// Logs out and wipes the account's personal data from the store; with `discardUnsent`,
    /// unsent writes are dropped instead of refusing.
    #[wasm_bindgen(unchecked_return_type = "LogoutOutcome")]
    pub async fn logout(&self, discard_unsent: bool) -> Result<JsValue, JsValue> {
        let outcome = if discard_unsent { self.inner.logout_discarding_unsent().await } else { self.inner.logout().await };
        to_js(&outcome.map_err(js_error)?)
    }

    /// The login state now.
    #[wasm_bindgen(js_name = loginState, unchecked_return_type = "LoginState")]
    pub fn login_state(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.login_state())
    }

    /// Calls `listener(state)` with the current login state, then on every change, until the
    /// returned subscription is cancelled. Never called under a lock: from a task of its own.
    #[wasm_bindgen(js_name = watchLoginState)]
    pub fn watch_login_state(&self, listener: js_sys::Function) -> WebSubscription {
        let mut states = self.inner.watch_login_state();
        subscribe(listener, move |deliver| async move {
            let first = states.borrow_and_update().clone();
            if !deliver(&first) {
                return;
            }
            while states.changed().await.is_ok() {
                let state = states.borrow_and_update().clone();
                if !deliver(&state) {
                    return;
                }
            }
        })
    }
}
