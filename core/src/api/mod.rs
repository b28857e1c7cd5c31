//! The city API: how a capability calls the platform (`{api_base}/…`, see "City API" in
//! `docs/platform-api.md`).
//!
//! Owns: one authorised call ([`ApiCall`] in, [`ApiReply`] out) with its DPoP proof, its
//! retries and the mapping of authorisation failures to errors; the city API's URLs ([`url`]);
//! the header naming the enterprise a call acts for ([`ACTING_FOR_HEADER`]). Entry points:
//! [`authorized_call`], [`get`] and [`url`]: cases and the wallet call these, identity too (its
//! identities, `whoami`, userinfo at login); the catalogue still reaches them through
//! `IdentityClient::api_url` and `IdentityClient::authorized_call`, which only forward here.
//!
//! ## Where the token comes from
//! The call layer knows nothing about login. It is fed by an [`AccessTokens`] source, which the
//! identity capability implements for `IdentityClient`: it hands out a valid access token
//! (refreshed first when due, one refresh for all concurrent callers), refreshes after the
//! platform refused one, signs DPoP proofs with the device key and remembers the nonces servers
//! hand out, names the enterprise the current identity acts for, and knows the API's base URL
//! (configured, else the provider's `citykit_api_base`, else `{issuer}/api/v1`). The token
//! endpoint, PAR and revocation are OAuth, not the city API: they stay in `identity`.
//!
//! ## DPoP-bound calls (RFC 9449)
//! Every attempt carries `Authorization: DPoP <access token>` and a fresh `DPoP` proof over the
//! method, the URL and the token (`ath`), signed by the device key; `CityKit-Acting-For` when
//! the call is made as an enterprise, `Idempotency-Key` on writes that have one, `If-None-Match`
//! on conditional GETs.
//!
//! ## Retries
//! - Network: [`HttpClient::send_honouring_retry_after`](crate::net::HttpClient) retries
//!   connection failures, timeouts and 5xx only when the call is idempotent (a GET, or a write
//!   with an `Idempotency-Key`); a `503` with `Retry-After` comes back as a reply, so the outbox
//!   can schedule its next attempt.
//! - Nonce: a `401` with `WWW-Authenticate: DPoP error="use_dpop_nonce"` and a fresh
//!   `DPoP-Nonce` is sent once more with that nonce (RFC 9449 §9).
//! - Refresh: any other `401` to a session token refreshes once (the single refresh gate is
//!   identity's) and sends the call again with the new token; a token handed in for one call
//!   ([`TokenSource::Given`], during login) is never refreshed.
//!
//! At most three attempts (one nonce retry, one refresh): never a loop.
//!
//! ## How errors map
//! - `401` `use_dpop_nonce` again, or without a usable nonce: `auth.dpop_rejected`;
//!   `401` `invalid_dpop_proof`: `auth.dpop_rejected`; any other `401` once refreshed (or to a
//!   given token): `auth.token_rejected`; `403 {"error": "not_an_agent"}`: `auth.not_an_agent`.
//! - From the token source: `auth.not_logged_in` without a session, `auth.session_expired` when
//!   the refresh is refused, `auth.device_key` when the device key cannot sign.
//! - Transport failures are [`NetError`]s (`net.offline`, `net.timeout`, …).
//! - Every other answer is an [`ApiReply`] for the caller to read: [`ApiReply::into_json`] makes
//!   a 5xx `net.server_error`, any other non-2xx `net.http_status` (with the status and the
//!   platform's `error` code, [`ApiErrorBody`]), and an unreadable body `net.invalid_response`;
//!   the outbox applies its own policy to the raw reply instead.

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::identity::{AuthError, OAuthErrorBody};
use crate::net::{HttpClient, Idempotency, NetError};
use crate::privacy::SecretString;
use crate::CityKitError;

/// The header that names the enterprise a request acts for.
pub const ACTING_FOR_HEADER: &str = "CityKit-Acting-For";

/// Where the call layer takes its access tokens, DPoP proofs and base URL from: the session
/// (the identity capability implements it for `IdentityClient`).
pub(crate) trait AccessTokens {
    /// The shared HTTPS client.
    fn http(&self) -> &HttpClient;

    /// The city API's base URL, without a trailing slash.
    async fn api_base(&self) -> Result<String, CityKitError>;

    /// The enterprise the current identity acts for, if any.
    fn acting_for(&self) -> Option<String>;

    /// A valid access token of the session, refreshed first when it is about to expire (one
    /// refresh for all concurrent callers).
    async fn access_token(&self) -> Result<SecretString, CityKitError>;

    /// After the platform refused `rejected`: a fresh token, refreshing unless another caller
    /// already has.
    async fn refresh_after_rejection(&self, rejected: &SecretString) -> Result<SecretString, CityKitError>;

    /// A DPoP proof for `method url`, bound to `access_token` (`ath`) and carrying the nonce the
    /// server handed out last, if any.
    async fn dpop_proof(&self, method: &str, url: &str, access_token: &str) -> Result<String, CityKitError>;

    /// Remembers the `DPoP-Nonce` of an answer to a request to `url`; true when it carried a
    /// usable one.
    fn remember_dpop_nonce(&self, url: &str, headers: &reqwest::header::HeaderMap) -> bool;
}

/// One request to the city API.
pub(crate) struct ApiCall<'a> {
    pub method: reqwest::Method,
    pub url: &'a str,
    pub body: Option<&'a serde_json::Value>,
    pub idempotency_key: Option<&'a str>,
    pub if_none_match: Option<&'a str>,
}

impl<'a> ApiCall<'a> {
    pub fn get(url: &'a str) -> Self {
        Self { method: reqwest::Method::GET, url, body: None, idempotency_key: None, if_none_match: None }
    }

    /// A write carrying an idempotency key (so it may be retried safely).
    pub fn write(method: reqwest::Method, url: &'a str, body: &'a serde_json::Value, idempotency_key: &'a str) -> Self {
        Self { method, url, body: Some(body), idempotency_key: Some(idempotency_key), if_none_match: None }
    }
}

/// The platform's answer to an [`ApiCall`] that was not an authorisation failure.
pub(crate) struct ApiReply {
    pub status: u16,
    pub etag: Option<String>,
    pub body: Vec<u8>,
    /// The `Retry-After` header, as sent (on a 429 or 503).
    pub retry_after: Option<String>,
}

/// The error body of a refused city-API call: `{"error": "...", ...}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ApiErrorBody {
    #[serde(default)]
    pub error: String,
    #[serde(default)]
    pub field: Option<String>,
}

impl ApiReply {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as `T` on success; a typed error otherwise.
    pub fn into_json<T: DeserializeOwned>(self) -> Result<T, CityKitError> {
        if self.status >= 500 {
            return Err(NetError::ServerError { status: self.status }.into());
        }
        if !self.is_success() {
            return Err(NetError::Status { status: self.status, error: self.error_body().map(|b| b.error) }.into());
        }
        serde_json::from_slice(&self.body)
            .map_err(|e| NetError::InvalidResponse { details: format!("unreadable answer: {}", crate::privacy::json_problem(&e)) }.into())
    }

    /// The error body, when there is a readable one.
    pub fn error_body(&self) -> Option<ApiErrorBody> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// Where an authorised call takes its access token from.
#[derive(Clone, Copy)]
pub(crate) enum TokenSource<'a> {
    /// The saved session's (refreshed when due or refused).
    Session,
    /// A token not (yet) committed as the session, e.g. during login.
    Given(&'a SecretString),
}

/// The absolute URL of a path of the city API.
pub(crate) async fn url(tokens: &impl AccessTokens, path: &str) -> Result<String, CityKitError> {
    Ok(format!("{}/{}", tokens.api_base().await?, path.trim_start_matches('/')))
}

/// GET a path of the city API (for example `/identities`), as the current identity when
/// `as_current_identity` (else as the person), decoded as `T`.
pub(crate) async fn get<T: DeserializeOwned>(tokens: &impl AccessTokens, path: &str, as_current_identity: bool) -> Result<T, CityKitError> {
    let url = url(tokens, path).await?;
    let reply = authorized_call(tokens, ApiCall::get(&url), as_current_identity).await?;
    reply.into_json()
}

/// One authorised request (access token + DPoP proof), refreshing once when the token is
/// refused. Statuses other than 401 and `403 not_an_agent` come back as an [`ApiReply`] for
/// the caller to read; retries happen only when the call is idempotent (GET, or a write with
/// an `Idempotency-Key`).
pub(crate) async fn authorized_call(
    tokens: &impl AccessTokens,
    call: ApiCall<'_>,
    as_current_identity: bool,
) -> Result<ApiReply, CityKitError> {
    let acting_for = if as_current_identity { tokens.acting_for() } else { None };
    authorized_call_with(tokens, call, acting_for, TokenSource::Session).await
}

/// [`authorized_call`] with the token from `source`. A resource server that demands a
/// DPoP nonce (`401` with `WWW-Authenticate: DPoP error="use_dpop_nonce"`, RFC 9449 §9)
/// gets the call once more with its nonce; a refused session token is refreshed once; a
/// given token is never refreshed.
pub(crate) async fn authorized_call_with(
    tokens: &impl AccessTokens,
    call: ApiCall<'_>,
    acting_for: Option<String>,
    source: TokenSource<'_>,
) -> Result<ApiReply, CityKitError> {
    let mut token = match source {
        TokenSource::Session => tokens.access_token().await?,
        TokenSource::Given(token) => token.clone(),
    };
    let idempotency = if call.method == reqwest::Method::GET || call.idempotency_key.is_some() {
        Idempotency::Idempotent
    } else {
        Idempotency::NotIdempotent
    };
    let (mut nonce_retried, mut refreshed) = (false, false);
    // At most one nonce retry and one refresh: never a loop.
    for _ in 0..3 {
        let http = tokens.http();
        let (token_ref, acting_ref, call_ref) = (&token, &acting_for, &call);
        let response = http
            .send_honouring_retry_after(idempotency, || async move {
                let proof = tokens.dpop_proof(call_ref.method.as_str(), call_ref.url, token_ref.expose()).await?;
                let mut request = http
                    .reqwest()
                    .request(call_ref.method.clone(), call_ref.url)
                    .header("Authorization", format!("DPoP {}", token_ref.expose()))
                    .header("DPoP", proof)
                    .header("Accept", "application/json");
                if let Some(enterprise) = acting_ref {
                    request = request.header(ACTING_FOR_HEADER, enterprise);
                }
                if let Some(key) = call_ref.idempotency_key {
                    request = request.header("Idempotency-Key", key);
                }
                if let Some(tag) = call_ref.if_none_match {
                    request = request.header("If-None-Match", tag);
                }
                if let Some(body) = call_ref.body {
                    request = request.json(body);
                }
                Ok::<_, CityKitError>(request)
            })
            .await?;
        let status = response.status();
        let challenge = response.headers().get("WWW-Authenticate").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let fresh_nonce = tokens.remember_dpop_nonce(call.url, response.headers());
        let etag = response.headers().get("ETag").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let retry_after = response.headers().get("Retry-After").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body =
            response.bytes().await.map_err(|e| NetError::InvalidResponse { details: format!("unreadable answer: {}", e.without_url()) })?;
        match status.as_u16() {
            401 if challenge.contains("use_dpop_nonce") => {
                if nonce_retried || !fresh_nonce {
                    return Err(AuthError::DpopRejected { details: "the platform keeps asking for a new DPoP nonce".into() }.into());
                }
                tracing::debug!("the platform wants a DPoP nonce; retrying with it");
                nonce_retried = true;
            }
            401 if challenge.contains("invalid_dpop_proof") => {
                return Err(AuthError::DpopRejected { details: "the platform refused the proof".into() }.into())
            }
            401 if !refreshed && matches!(source, TokenSource::Session) => {
                tracing::debug!("access token refused; refreshing");
                token = tokens.refresh_after_rejection(&token).await?;
                refreshed = true;
            }
            401 => return Err(AuthError::TokenRejected.into()),
            403 if OAuthErrorBody::says(&body, "not_an_agent") => return Err(AuthError::NotAnAgent.into()),
            _ => return Ok(ApiReply { status: status.as_u16(), etag, body: body.to_vec(), retry_after }),
        }
    }
    Err(AuthError::TokenRejected.into())
}
