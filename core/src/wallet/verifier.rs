//! Verifier mode with the store: what a service window or a kiosk runs (`client.verifier(…)`).
//!
//! On top of the sans-I/O [`Verifier`] it
//! - checks revocation: the issuer's status list is fetched when online and cached in the store
//!   with its fetch time; offline, a cached list is used up to [`VerifierSettings::max_status_age`];
//!   the result says whether status was checked and how old the list was;
//! - refuses replays across restarts: the nonces it issued ([`VerifierClient::new_nonce`]) and the
//!   nonces it saw are kept in the store (`verifier_nonces`), and a nonce is accepted once;
//! - checks the nonce it expects, when the caller gives one (the nonce shown on the window's
//!   screen, or the one it sent to the holder's app).

use std::collections::HashMap;
use std::time::Duration;

use super::db;
use super::present::{TrustedIssuer, VerifiedPresentation, Verifier, MAX_PRESENTATION_LIFETIME_SECS};
use super::status_cache;
use super::WalletError;
use crate::net::HttpClient;
use crate::store::Store;
use crate::CityKitError;

/// How long an issued nonce waits for its presentation.
const ISSUED_NONCE_LIFETIME_SECS: i64 = 10 * 60;
/// How long a seen nonce is remembered: past it, the presentation is refused as stale anyway.
const SEEN_NONCE_RETENTION_SECS: i64 = 60 * 60;

/// How a verifier treats status lists. Defaults: refetched after 5 minutes when online, used
/// offline up to 24 hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct VerifierSettings {
    /// A cached status list younger than this is used without asking the issuer.
    pub status_refresh_after: Duration,
    /// The oldest cached status list used when the issuer cannot be reached; with none younger,
    /// the result says the status was not checked.
    pub max_status_age: Duration,
}

impl Default for VerifierSettings {
    fn default() -> Self {
        Self { status_refresh_after: Duration::from_secs(5 * 60), max_status_age: Duration::from_secs(24 * 3600) }
    }
}

/// Verifier mode backed by the store and the network (see the module docs).
pub struct VerifierClient {
    verifier: Verifier,
    store: Store,
    http: HttpClient,
    settings: VerifierSettings,
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

impl VerifierClient {
    pub(crate) fn new(audience: String, trusted: Vec<TrustedIssuer>, settings: VerifierSettings, store: Store, http: HttpClient) -> Self {
        Self { verifier: Verifier::new(audience, trusted), store, http, settings }
    }

    /// A fresh nonce for the next presentation (shown on the window's screen or sent to the
    /// holder's app), remembered in the store for ten minutes.
    pub async fn new_nonce(&self) -> Result<String, CityKitError> {
        let nonce = crate::crypto::random_token(16).map_err(|_| CityKitError::Internal { details: "no secure random source".into() })?;
        let (audience, stored, now) = (self.verifier.audience().to_owned(), nonce.clone(), crate::platform::now_unix_secs());
        self.store.call(move |conn| db::remember_issued_nonce(conn, &audience, &stored, now)).await?;
        Ok(nonce)
    }

    /// Verifies a scanned presentation: every check of [`Verifier::verify`], the issuer's
    /// status list (online, or cached within the configured age), the expected nonce when
    /// given, and a nonce never accepted before, across restarts.
    pub async fn verify(&self, scanned: &str, expected_nonce: Option<&str>) -> Result<VerifiedPresentation, CityKitError> {
        let mut lists = HashMap::new();
        let mut fetched_at = None;
        if let Some(uri) = Verifier::status_list_uri(scanned) {
            let (fresh, offline) = (secs(self.settings.status_refresh_after), secs(self.settings.max_status_age));
            match status_cache::status_list(&self.store, &self.http, &uri, fresh, offline, false).await {
                Ok(list) => {
                    fetched_at = Some(list.fetched_at);
                    lists.insert(uri, list.token);
                }
                Err(e) => tracing::warn!(code = e.code(), "no usable status list; the status is not checked"),
            }
        }
        let now = crate::platform::now_unix_secs();
        let (mut verified, binding) = self.verifier.check(scanned, now, &lists)?;
        if verified.status_checked {
            verified.status_list_age_secs = fetched_at.map(|at| now.saturating_sub(at).max(0));
        }
        if expected_nonce.is_some_and(|expected| expected != binding.nonce) {
            return Err(WalletError::ReplayedNonce.into());
        }
        let (audience, nonce) = (self.verifier.audience().to_owned(), binding.nonce.clone());
        let issued_before = now - ISSUED_NONCE_LIFETIME_SECS;
        let seen_before = now - SEEN_NONCE_RETENTION_SECS.max(2 * MAX_PRESENTATION_LIFETIME_SECS);
        let accepted = self.store.call(move |conn| db::accept_nonce(conn, &audience, &nonce, now, issued_before, seen_before)).await?;
        if !accepted {
            return Err(WalletError::ReplayedNonce.into());
        }
        Ok(verified)
    }
}
