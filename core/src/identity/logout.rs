//! Logout: every record of the person and their enterprises removed in one transaction, and
//! the tokens revoked at the provider (RFC 7009), queued while it cannot be reached.

use serde::{Deserialize, Serialize};

use super::{now_ms, AuthError, Identity, IdentityClient, LoginState, LogoutOutcome, KEY_IDENTITIES, NS_AUTH, NS_PENDING};
use crate::crypto::random_token;
use crate::net::{Idempotency, NetError};
use crate::privacy::SecretString;
use crate::CityKitError;

/// Tokens still to revoke at the provider (kept across a logout until sent).
const NS_REVOKE: &str = "auth.revoke";

/// A token to revoke at the provider once it can be reached (RFC 7009).
#[derive(Serialize, Deserialize)]
struct PendingRevocation {
    token: SecretString,
    hint: String,
}

impl IdentityClient {
    /// Revokes the session at the provider and removes every record of the person and the
    /// enterprises they act for from the store, in one transaction: login records, licences,
    /// consents, drafts, cases, the outbox, the inbox, the access log. Local data is removed
    /// even when the provider cannot be reached (the revocation is then queued and sent by a
    /// later login), and even if the caller gives up half-way.
    ///
    /// Refused with [`AuthError::UnsentWork`] while submissions, amendments or ratings are still
    /// queued (they would be lost); [`Self::logout_discarding_unsent`] discards them.
    pub async fn logout(&self) -> Result<LogoutOutcome, CityKitError> {
        self.logout_detached(false).await
    }

    /// Logs out like [`Self::logout`], discarding queued submissions, amendments and ratings
    /// (how many is in [`LogoutOutcome::discarded_unsent`]).
    pub async fn logout_discarding_unsent(&self) -> Result<LogoutOutcome, CityKitError> {
        self.logout_detached(true).await
    }

    async fn logout_detached(&self, discard_unsent: bool) -> Result<LogoutOutcome, CityKitError> {
        let this = self.clone();
        crate::platform::detached(async move { this.logout_inner(discard_unsent).await })
            .await
            .map_err(|e| CityKitError::Internal { details: e.to_string() })?
    }

    /// The person and every enterprise they were seen acting for: whose records a logout removes.
    async fn holders(&self) -> Result<Vec<String>, CityKitError> {
        let known: Vec<Identity> = self.inner.store.get(NS_AUTH, KEY_IDENTITIES).await?.unwrap_or_default();
        let mut holders: Vec<String> = known.into_iter().map(|i| i.id).collect();
        if let Some(account) = self.account().await? {
            holders.push(account.subject);
        }
        if let Some(session) = self.inner.session.lock().await.as_ref() {
            holders.push(session.subject.clone());
        }
        holders.extend(self.acting_for());
        holders.sort();
        holders.dedup();
        Ok(holders)
    }

    async fn logout_inner(&self, discard_unsent: bool) -> Result<LogoutOutcome, CityKitError> {
        let holders = self.holders().await?;
        let unsent = crate::personal_data::unsent_work(&self.inner.store, holders.clone()).await?;
        if unsent > 0 && !discard_unsent {
            return Err(AuthError::UnsentWork { count: unsent }.into());
        }
        // While the session still works: this device stops receiving pushes.
        if self.is_logged_in().await {
            crate::push::forget_at_platform(self, &self.inner.store).await;
        }
        let session = {
            let mut guard = self.inner.session.lock().await;
            crate::personal_data::forget(&self.inner.store, holders, vec![NS_AUTH, NS_PENDING]).await?;
            guard.take()
        };
        if let Ok(mut acting) = self.inner.acting_for.lock() {
            *acting = None;
        }
        self.publish(LoginState::LoggedOut);
        let mut revoked_at_server = false;
        if let Some(session) = &session {
            let mut tokens = vec![(session.access_token.clone(), "access_token")];
            if let Some(refresh) = &session.refresh_token {
                tokens.insert(0, (refresh.clone(), "refresh_token"));
            }
            revoked_at_server = self.revoke_or_queue(tokens).await;
            if revoked_at_server {
                self.send_queued_revocations().await;
            }
        }
        tracing::info!(revoked_at_server, "logged out");
        Ok(LogoutOutcome { had_session: session.is_some(), revoked_at_server, discarded_unsent: if discard_unsent { unsent } else { 0 } })
    }

    /// Revokes each token at the provider (RFC 7009); one that cannot be revoked now (offline,
    /// a 5xx) is queued in the store and sent by a later login, refresh or logout. True when the
    /// provider confirmed every revocation.
    pub(super) async fn revoke_or_queue(&self, tokens: Vec<(SecretString, &'static str)>) -> bool {
        let mut all = true;
        for (token, hint) in tokens {
            let Err(e) = self.revoke_token(&token, hint).await else { continue };
            all = false;
            if !is_worth_retrying(&e) {
                tracing::warn!(code = e.code(), "the provider refused a revocation");
                continue;
            }
            tracing::warn!(code = e.code(), "could not revoke at the provider; queued");
            let queued = PendingRevocation { token, hint: hint.to_owned() };
            let key = random_token(16).unwrap_or_else(|_| now_ms().to_string());
            if let Err(e) = self.inner.store.put(NS_REVOKE, &key, &queued).await {
                tracing::warn!(code = e.code(), "could not queue a revocation");
            }
        }
        all
    }

    /// Sends the queued revocations, oldest first; stops at the first that still cannot be sent.
    /// Best effort: never fails the operation that triggered it.
    pub(super) async fn send_queued_revocations(&self) {
        let Ok(keys) = self.inner.store.keys(NS_REVOKE).await else { return };
        for key in keys {
            let Ok(Some(queued)) = self.inner.store.get::<PendingRevocation>(NS_REVOKE, &key).await else { continue };
            match self.revoke_token(&queued.token, &queued.hint).await {
                Err(e) if is_worth_retrying(&e) => return,
                Err(e) => tracing::warn!(code = e.code(), "the provider refused a queued revocation; dropped"),
                Ok(()) => tracing::debug!("a queued revocation was sent"),
            }
            if let Err(e) = self.inner.store.delete(NS_REVOKE, &key).await {
                tracing::warn!(code = e.code(), "could not remove a sent revocation");
            }
        }
    }

    /// How many token revocations wait for the provider to be reachable.
    pub async fn queued_revocations(&self) -> Result<usize, CityKitError> {
        Ok(self.inner.store.keys(NS_REVOKE).await?.len())
    }

    async fn revoke_token(&self, token: &SecretString, hint: &str) -> Result<(), CityKitError> {
        let metadata = self.metadata().await?.clone();
        let endpoint = metadata
            .revocation_endpoint
            .as_ref()
            .ok_or_else(|| AuthError::Discovery { details: "the provider has no revocation endpoint".into() })?;
        let http = &self.inner.http;
        let form = [("token", token.expose()), ("token_type_hint", hint), ("client_id", &self.inner.config.client_id)];
        let response =
            http.send(Idempotency::Idempotent, || async { Ok::<_, CityKitError>(http.reqwest().post(endpoint).form(&form)) }).await?;
        if !response.status().is_success() {
            return Err(NetError::Status { status: response.status().as_u16(), error: None }.into());
        }
        Ok(())
    }
}

/// Whether a failed call may succeed later unchanged: the network, a timeout, a 5xx or 429.
fn is_worth_retrying(e: &CityKitError) -> bool {
    match e {
        CityKitError::Net(n) => n.is_retryable() || matches!(n, NetError::Status { status, .. } if *status >= 500 || *status == 429),
        _ => false,
    }
}
