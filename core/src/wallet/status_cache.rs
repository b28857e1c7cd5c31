//! Status lists (Token Status List) as the wallet and the verifier fetch them: one cache in the
//! store (`status_lists`: uri, token, fetched_at), one policy. A list younger than the caller's
//! freshness is used as it is; an older one is fetched again (and cached); when the issuer cannot
//! be reached, a cached list is still used up to the caller's maximum offline age, and the
//! caller is told how old it is.

use super::db;
use super::WalletError;
use crate::net::{HttpClient, Idempotency, NetError};
use crate::store::Store;
use crate::CityKitError;

/// A status list token and when it was fetched.
pub(crate) struct CachedList {
    /// The `statuslist+jwt` as fetched (verified by the caller).
    pub token: String,
    /// When it was fetched (Unix seconds).
    pub fetched_at: i64,
}

/// The list at `uri`: cached if younger than `fresh_secs` (and not `force`), else fetched; if
/// fetching fails for network reasons, the cached one if younger than `max_offline_secs`.
pub(crate) async fn status_list(
    store: &Store,
    http: &HttpClient,
    uri: &str,
    fresh_secs: i64,
    max_offline_secs: i64,
    force: bool,
) -> Result<CachedList, CityKitError> {
    let now = crate::platform::now_unix_secs();
    let key = uri.to_owned();
    let cached: Option<(String, i64)> = store.read(move |conn| db::status_list(conn, &key)).await?;
    if let Some((token, fetched_at)) = &cached {
        if !force && now.saturating_sub(*fetched_at) < fresh_secs {
            return Ok(CachedList { token: token.clone(), fetched_at: *fetched_at });
        }
    }
    match fetch(http, uri).await {
        Ok(token) => {
            let (uri, stored) = (uri.to_owned(), token.clone());
            store.call(move |conn| db::store_status_list(conn, &uri, &stored, now)).await?;
            Ok(CachedList { token, fetched_at: now })
        }
        Err(e) if is_unreachable(&e) => match cached {
            Some((token, fetched_at)) if now.saturating_sub(fetched_at) < max_offline_secs => {
                tracing::info!(age_secs = now.saturating_sub(fetched_at), "issuer unreachable; using the cached status list");
                Ok(CachedList { token, fetched_at })
            }
            _ => Err(e),
        },
        Err(e) => Err(e),
    }
}

async fn fetch(http: &HttpClient, uri: &str) -> Result<String, CityKitError> {
    let response = http.send(Idempotency::Idempotent, || async { Ok::<_, CityKitError>(http.reqwest().get(uri)) }).await?;
    if !response.status().is_success() {
        return Err(WalletError::StatusUnavailable { details: format!("HTTP {}", response.status().as_u16()) }.into());
    }
    response.text().await.map_err(|e| NetError::InvalidResponse { details: format!("unreadable status list: {}", e.without_url()) }.into())
}

/// Offline, timed out, or a 5xx: the issuer may answer later.
fn is_unreachable(e: &CityKitError) -> bool {
    matches!(e, CityKitError::Net(n) if n.is_retryable() || matches!(n, NetError::Status { status, .. } | NetError::ServerError { status, .. } if *status >= 500))
}
