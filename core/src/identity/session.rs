//! The session: tokens in the store and in memory, the token endpoint (with its DPoP nonce
//! retry), the single-flight refresh with rotation, and the [`AccessTokens`] source the city-API
//! call layer (`crate::api`) takes its tokens and proofs from.

use serde::{Deserialize, Serialize};

use super::oidc::ProviderMetadata;
use super::{now_ms, Account, AuthError, IdentityClient, LoginState, KEY_ACCOUNT, KEY_SESSION, NS_AUTH};
use crate::api::AccessTokens;
use crate::net::{HttpClient, Idempotency, NetError};
use crate::privacy::SecretString;
use crate::CityKitError;

#[derive(Clone, Serialize, Deserialize)]
pub(super) struct Session {
    pub(super) access_token: SecretString,
    pub(super) refresh_token: Option<SecretString>,
    expires_at_ms: i64,
    refresh_at_ms: i64,
    pub(super) subject: String,
}

/// A token endpoint answer. The tokens are [`SecretString`]s from the moment they are decoded,
/// so every copy is zeroized when dropped.
#[derive(Deserialize)]
pub(super) struct TokenResponse {
    pub(super) access_token: SecretString,
    token_type: String,
    #[serde(default)]
    expires_in: Option<i64>,
    #[serde(default)]
    pub(super) refresh_token: Option<SecretString>,
    #[serde(default)]
    pub(super) id_token: Option<SecretString>,
}

#[derive(Deserialize)]
pub(crate) struct OAuthErrorBody {
    pub(super) error: String,
    #[serde(default)]
    pub(super) error_description: Option<String>,
}

impl OAuthErrorBody {
    /// Whether `body` is an OAuth-style error body (`{"error": …}`) with the code `error`.
    pub(crate) fn says(body: &[u8], error: &str) -> bool {
        serde_json::from_slice::<OAuthErrorBody>(body).is_ok_and(|b| b.error == error)
    }
}

/// What the token endpoint said.
pub(super) enum TokenOutcome {
    Issued(TokenResponse),
    Refused(OAuthErrorBody),
}

/// When a refresh is wanted.
enum RefreshWhen {
    /// Now, whatever the token's age.
    Always,
    /// Only if the token is still due for refresh once the lock is held.
    Due,
    /// Only if the platform's refused token is still the current one.
    Rejected(SecretString),
}

impl IdentityClient {
    pub(super) fn session_from(
        &self,
        tokens: TokenResponse,
        subject: String,
        previous_refresh: Option<SecretString>,
    ) -> Result<Session, CityKitError> {
        if !tokens.token_type.eq_ignore_ascii_case("DPoP") {
            return Err(AuthError::Protocol { details: format!("expected a DPoP-bound token, got {}", tokens.token_type) }.into());
        }
        let (expires_at_ms, refresh_at_ms) = token_times(now_ms(), tokens.expires_in);
        Ok(Session {
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token.or(previous_refresh),
            expires_at_ms,
            refresh_at_ms,
            subject,
        })
    }

    /// One token request with a DPoP proof. A provider that demands a nonce (`400
    /// use_dpop_nonce` with a `DPoP-Nonce` header, RFC 9449 §8) gets the request once more with
    /// its nonce; asked again, CityKit gives up rather than loop.
    pub(super) async fn token_request(&self, metadata: &ProviderMetadata, form: &[(&str, &str)]) -> Result<TokenOutcome, CityKitError> {
        let endpoint = &metadata.token_endpoint;
        let http = &self.inner.http;
        for attempt in 0..2 {
            let proof = self.inner.dpop.proof("POST", endpoint, None).await?;
            let response = http
                .send(Idempotency::NotIdempotent, || async {
                    Ok::<_, CityKitError>(http.reqwest().post(endpoint).header("DPoP", &proof).form(form))
                })
                .await?;
            let fresh_nonce = self.inner.dpop.remember_nonce(endpoint, response.headers());
            let status = response.status();
            if status.is_success() {
                let tokens: TokenResponse = response
                    .json()
                    .await
                    .map_err(|e| NetError::InvalidResponse { details: format!("unreadable token answer: {}", e.without_url()) })?;
                return Ok(TokenOutcome::Issued(tokens));
            }
            match response.json::<OAuthErrorBody>().await {
                Ok(body) if status.as_u16() == 400 && body.error == "use_dpop_nonce" => {
                    if attempt == 0 && fresh_nonce {
                        tracing::debug!("the provider wants a DPoP nonce; retrying with it");
                        continue;
                    }
                    return Err(AuthError::DpopRejected { details: "the provider keeps asking for a new DPoP nonce".into() }.into());
                }
                Ok(body) if status.is_client_error() => return Ok(TokenOutcome::Refused(body)),
                _ => return Err(NetError::Status { status: status.as_u16(), error: None }.into()),
            }
        }
        Err(AuthError::DpopRejected { details: "the provider keeps asking for a new DPoP nonce".into() }.into())
    }

    /// Whether a session is saved (it may still have ended at the provider).
    pub async fn is_logged_in(&self) -> bool {
        self.inner.session.lock().await.is_some()
    }

    /// The logged-in person, from the store.
    pub async fn account(&self) -> Result<Option<Account>, CityKitError> {
        Ok(self.inner.store.get(NS_AUTH, KEY_ACCOUNT).await?)
    }

    /// Refreshes the tokens now (rotating the refresh token).
    pub async fn refresh(&self) -> Result<(), CityKitError> {
        self.refresh_detached(RefreshWhen::Always).await.map(|_| ())
    }

    /// Refreshes in a task of its own. Concurrent callers queue on the refresh gate and find the
    /// fresh token when their turn comes (single flight). The session lock is held only to read
    /// the session and to commit the new one, never while the request is out or the device key
    /// (an app callback, possibly a biometric prompt) signs. A caller that gives up (a cancelled
    /// coroutine) cannot stop the task between the provider rotating the refresh token and the
    /// store saving the new one, which would leave the old token to be reused and the whole
    /// session revoked.
    async fn refresh_detached(&self, when: RefreshWhen) -> Result<SecretString, CityKitError> {
        let this = self.clone();
        crate::platform::detached(async move {
            let _flight = this.inner.refresh_gate.lock().await;
            let session = {
                let guard = this.inner.session.lock().await;
                let session = guard.as_ref().ok_or(match when {
                    RefreshWhen::Rejected(_) => AuthError::SessionExpired,
                    _ => AuthError::NotLoggedIn,
                })?;
                match &when {
                    RefreshWhen::Due if now_ms() < session.refresh_at_ms => return Ok(session.access_token.clone()),
                    RefreshWhen::Rejected(rejected) if session.access_token != *rejected => return Ok(session.access_token.clone()),
                    _ => {}
                }
                session.clone()
            };
            this.refresh_session(session).await
        })
        .await
        .map_err(|e| CityKitError::Internal { details: e.to_string() })?
    }

    /// Exchanges the refresh token of `session`, then commits the result if `session` is still
    /// the current one (a logout or another login may have happened meanwhile).
    async fn refresh_session(&self, session: Session) -> Result<SecretString, CityKitError> {
        let refresh_token = session.refresh_token.clone().ok_or(AuthError::SessionExpired)?;
        let metadata = self.metadata().await?.clone();
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose()),
            ("client_id", self.inner.config.client_id.as_str()),
        ];
        tracing::debug!("refreshing the access token");
        let is_current = |current: &Option<Session>| current.as_ref().is_some_and(|c| c.refresh_token == session.refresh_token);
        match self.token_request(&metadata, &form).await? {
            TokenOutcome::Issued(tokens) => {
                let fresh = self.session_from(tokens, session.subject.clone(), Some(refresh_token))?;
                let mut guard = self.inner.session.lock().await;
                if !is_current(&guard) {
                    drop(guard);
                    tracing::info!("the session ended while it was being refreshed; revoking the new tokens");
                    let orphans = std::iter::once((fresh.access_token.clone(), "access_token"))
                        .chain(fresh.refresh_token.clone().map(|t| (t, "refresh_token")))
                        .collect();
                    self.revoke_or_queue(orphans).await;
                    return Err(AuthError::NotLoggedIn.into());
                }
                self.inner.store.put(NS_AUTH, KEY_SESSION, &fresh).await?;
                let token = fresh.access_token.clone();
                *guard = Some(fresh);
                drop(guard);
                self.send_queued_revocations().await;
                Ok(token)
            }
            TokenOutcome::Refused(body) if body.error == "invalid_dpop_proof" => {
                Err(AuthError::DpopRejected { details: body.error_description.unwrap_or_default() }.into())
            }
            TokenOutcome::Refused(body) => {
                tracing::warn!(error = %body.error, "refresh refused; the session has ended");
                let mut guard = self.inner.session.lock().await;
                if is_current(&guard) {
                    self.inner.store.delete(NS_AUTH, KEY_SESSION).await?;
                    *guard = None;
                    drop(guard);
                    self.publish(LoginState::SessionExpired);
                }
                // The provider may still hold the token valid (a refusal is not always a
                // revocation): revoke it, now or once the provider can be reached.
                self.revoke_or_queue(vec![(refresh_token, "refresh_token")]).await;
                Err(AuthError::SessionExpired.into())
            }
        }
    }
}

/// The session feeds the city-API call layer ([`crate::api`]).
impl AccessTokens for IdentityClient {
    fn http(&self) -> &HttpClient {
        &self.inner.http
    }

    async fn api_base(&self) -> Result<String, CityKitError> {
        let metadata = self.metadata().await?;
        let base = self
            .inner
            .config
            .api_base
            .clone()
            .or_else(|| metadata.citykit_api_base.clone())
            .unwrap_or_else(|| format!("{}/api/v1", self.inner.config.issuer.trim_end_matches('/')));
        Ok(base.trim_end_matches('/').to_owned())
    }

    fn acting_for(&self) -> Option<String> {
        IdentityClient::acting_for(self)
    }

    /// A valid access token, refreshed first when it is about to expire (one refresh for all
    /// concurrent callers).
    async fn access_token(&self) -> Result<SecretString, CityKitError> {
        {
            let guard = self.inner.session.lock().await;
            let session = guard.as_ref().ok_or(AuthError::NotLoggedIn)?;
            if now_ms() < session.refresh_at_ms {
                return Ok(session.access_token.clone());
            }
        }
        self.refresh_detached(RefreshWhen::Due).await
    }

    /// After the platform refused `rejected`: refresh, unless another caller already has.
    async fn refresh_after_rejection(&self, rejected: &SecretString) -> Result<SecretString, CityKitError> {
        self.refresh_detached(RefreshWhen::Rejected(rejected.clone())).await
    }

    async fn dpop_proof(&self, method: &str, url: &str, access_token: &str) -> Result<String, CityKitError> {
        Ok(self.inner.dpop.proof(method, url, Some(access_token)).await?)
    }

    fn remember_dpop_nonce(&self, url: &str, headers: &reqwest::header::HeaderMap) -> bool {
        self.inner.dpop.remember_nonce(url, headers)
    }
}

/// When a token issued at `now_ms` with the provider's `expires_in` (seconds, outside input: any
/// i64, or none for 5 minutes) expires, and when to refresh it: at 3/4 of its lifetime or 30 s
/// before expiry, whichever is later. Saturating: no `expires_in` can overflow.
fn token_times(now_ms: i64, expires_in: Option<i64>) -> (i64, i64) {
    let lifetime_ms = expires_in.unwrap_or(300).max(0).saturating_mul(1000);
    let early = lifetime_ms.saturating_sub(30_000).max(lifetime_ms / 4 * 3);
    (now_ms.saturating_add(lifetime_ms), now_ms.saturating_add(early))
}

#[cfg(test)]
mod tests {
    use super::token_times;

    #[test]
    fn token_lifetimes_from_a_provider_never_overflow() {
        let now = 1_800_000_000_000;
        assert_eq!(token_times(now, Some(300)), (now + 300_000, now + 270_000));
        assert_eq!(token_times(now, Some(3600)), (now + 3_600_000, now + 3_570_000));
        assert_eq!(token_times(now, Some(60)), (now + 60_000, now + 45_000), "3/4 of a short lifetime");
        assert_eq!(token_times(now, None), (now + 300_000, now + 270_000));
        assert_eq!(token_times(now, Some(i64::MAX)), (i64::MAX, i64::MAX));
        assert_eq!(token_times(now, Some(i64::MAX / 1000 + 1)), (i64::MAX, i64::MAX));
        assert_eq!(token_times(now, Some(-5)), (now, now), "a negative lifetime is an expired token");
        assert_eq!(token_times(now, Some(i64::MIN)), (now, now));
        assert_eq!(token_times(i64::MAX - 10, Some(3600)), (i64::MAX, i64::MAX));
    }
}
