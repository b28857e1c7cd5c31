//! Starting a login (discovery, PKCE, PAR) and completing it from the redirect (state, `iss`,
//! code exchange, ID token, userinfo), committed only once every check has passed.

use serde::{Deserialize, Serialize};

use super::oidc::ProviderMetadata;
use super::session::{OAuthErrorBody, TokenOutcome, TokenResponse};
use super::{
    db, id_token, now_ms, oidc, Account, AuthError, IdTokenProblem, IdentityClient, LoginRequest, LoginState, KEY_ACCOUNT, KEY_SESSION,
    NS_PENDING,
};
use crate::api::{ApiCall, TokenSource};
use crate::crypto::{random_token, sha256_b64url};
use crate::net::Idempotency;
use crate::privacy::{Personal, SecretString};
use crate::CityKitError;

/// How long a started login may wait for its redirect.
const LOGIN_LIFETIME_MS: i64 = 10 * 60 * 1000;

#[derive(Serialize, Deserialize)]
struct PendingLogin {
    nonce: SecretString,
    code_verifier: SecretString,
    created_at_ms: i64,
}

/// The query of an authorization response (the app's redirect URI with `code`, `state`, `iss`
/// or `error`), once the URL is known to be this app's redirect URI. Personal: holds the code.
pub struct AuthorizationResponse {
    params: Vec<(String, String)>,
}

impl std::fmt::Debug for AuthorizationResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizationResponse").field("params", &self.params.iter().map(|(k, _)| k).collect::<Vec<_>>()).finish()
    }
}

impl AuthorizationResponse {
    /// The first value of a query parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Parses a redirect the browser handed back (outside input) and checks it is `redirect_uri`
/// (scheme, host, port and path); a foreign or malformed URL is `auth.invalid_redirect`.
pub fn parse_redirect(redirect_url: &str, redirect_uri: &str) -> Result<AuthorizationResponse, CityKitError> {
    let redirect = url::Url::parse(redirect_url).map_err(|_| AuthError::InvalidRedirect { details: "not a URL".into() })?;
    let expected = url::Url::parse(redirect_uri).map_err(|e| CityKitError::Config(format!("the redirect URI is not a URL: {e}")))?;
    if redirect.scheme() != expected.scheme()
        || redirect.host_str() != expected.host_str()
        || redirect.port_or_known_default() != expected.port_or_known_default()
        || redirect.path() != expected.path()
    {
        return Err(AuthError::InvalidRedirect { details: "not this app's redirect URI".into() }.into());
    }
    Ok(AuthorizationResponse { params: redirect.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect() })
}

#[derive(Deserialize)]
struct UserInfo {
    sub: String,
    #[serde(default)]
    name: Option<String>,
}

impl IdentityClient {
    fn scope(&self) -> String {
        let mut scopes = self.inner.config.scopes.clone();
        if !scopes.iter().any(|s| s == "openid") {
            scopes.insert(0, "openid".into());
        }
        scopes.join(" ")
    }

    /// Starts a login and returns the URL to open in the system browser or a custom tab.
    pub async fn start_login(&self) -> Result<LoginRequest, CityKitError> {
        let metadata = self.metadata().await?.clone();
        let random = |n| random_token(n).map_err(|_| CityKitError::Internal { details: "no secure random source".into() });
        let state = random(32)?;
        let nonce = SecretString::new(random(32)?);
        let verifier = SecretString::new(random(32)?); // 43 characters of [A-Za-z0-9-_]
        let challenge = sha256_b64url(verifier.expose().as_bytes());
        let config = &self.inner.config;
        let scope = self.scope();
        let mut params: Vec<(&str, &str)> = vec![
            ("client_id", &config.client_id),
            ("response_type", "code"),
            ("redirect_uri", &config.redirect_uri),
            ("scope", &scope),
            ("state", &state),
            ("nonce", nonce.expose()),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ];
        // Checked by PlatformConfig::validate: none replaces a parameter set above.
        params.extend(config.extra_authorization_params.iter().map(|p| (p.name.as_str(), p.value.as_str())));
        let jkt = self.inner.dpop.thumbprint();
        let mut authorization_url = url::Url::parse(&metadata.authorization_endpoint)
            .map_err(|e| AuthError::Discovery { details: format!("bad authorization endpoint: {e}") })?;
        if let Some(par) = &metadata.pushed_authorization_request_endpoint {
            let mut form = params.clone();
            form.push(("dpop_jkt", &jkt));
            let http = &self.inner.http;
            let response =
                http.send(Idempotency::NotIdempotent, || async { Ok::<_, CityKitError>(http.reqwest().post(par).form(&form)) }).await?;
            let status = response.status();
            if !status.is_success() {
                let body: Option<OAuthErrorBody> = response.json().await.ok();
                return Err(AuthError::AuthorizationFailed {
                    error: body.map(|b| b.error).unwrap_or_else(|| format!("http_{}", status.as_u16())),
                }
                .into());
            }
            #[derive(Deserialize)]
            struct ParResponse {
                request_uri: String,
            }
            let par: ParResponse =
                response.json().await.map_err(|e| AuthError::Protocol { details: format!("unreadable PAR answer: {e}") })?;
            authorization_url.query_pairs_mut().append_pair("client_id", &config.client_id).append_pair("request_uri", &par.request_uri);
        } else {
            authorization_url.query_pairs_mut().extend_pairs(params.iter()).append_pair("dpop_jkt", &jkt);
        }
        let created_at_ms = now_ms();
        self.purge_stale_logins(created_at_ms).await?;
        self.inner.store.put(NS_PENDING, &state, &PendingLogin { nonce, code_verifier: verifier, created_at_ms }).await?;
        tracing::info!(pushed = metadata.pushed_authorization_request_endpoint.is_some(), "login started");
        self.send_queued_revocations().await;
        Ok(LoginRequest { authorization_url: authorization_url.to_string(), expires_at: (created_at_ms + LOGIN_LIFETIME_MS) / 1000 })
    }

    async fn purge_stale_logins(&self, now: i64) -> Result<(), CityKitError> {
        for state in self.inner.store.keys(NS_PENDING).await? {
            let pending: Option<PendingLogin> = self.inner.store.get(NS_PENDING, &state).await?;
            if pending.is_none_or(|p| now - p.created_at_ms > LOGIN_LIFETIME_MS) {
                self.inner.store.delete(NS_PENDING, &state).await?;
            }
        }
        Ok(())
    }

    /// Finishes a login from the redirect URL the browser handed back to the app.
    ///
    /// Runs to the end even if the caller gives up: the code is single use, so stopping between
    /// the token exchange and saving the tokens would lose the login.
    pub async fn complete_login(&self, redirect_url: &str) -> Result<Account, CityKitError> {
        let (this, redirect_url) = (self.clone(), redirect_url.to_owned());
        crate::platform::detached(async move { this.complete_login_inner(&redirect_url).await })
            .await
            .map_err(|e| CityKitError::Internal { details: e.to_string() })?
    }

    async fn complete_login_inner(&self, redirect_url: &str) -> Result<Account, CityKitError> {
        let config = &self.inner.config;
        let response = parse_redirect(redirect_url, &config.redirect_uri)?;
        let param = |name: &str| response.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let state = param("state").ok_or(AuthError::InvalidState)?;
        // Single use: the pending login is consumed whatever happens next.
        let pending: PendingLogin = self.inner.store.take(NS_PENDING, &state).await?.ok_or(AuthError::InvalidState)?;
        if now_ms() - pending.created_at_ms > LOGIN_LIFETIME_MS {
            return Err(AuthError::LoginExpired.into());
        }
        let metadata = self.metadata().await?.clone();
        match param("iss") {
            Some(iss) if iss.trim_end_matches('/') != metadata.issuer.trim_end_matches('/') => return Err(AuthError::IssuerMismatch.into()),
            None if metadata.authorization_response_iss_parameter_supported => return Err(AuthError::IssuerMismatch.into()),
            _ => {}
        }
        if let Some(error) = param("error") {
            return Err(if error == "access_denied" { AuthError::AccessDenied } else { AuthError::AuthorizationFailed { error } }.into());
        }
        let code = SecretString::new(param("code").ok_or(AuthError::InvalidRedirect { details: "no code".into() })?);
        // Borrowed, never copied: the code and the verifier stay in zeroized strings.
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code.expose()),
            ("redirect_uri", config.redirect_uri.as_str()),
            ("client_id", config.client_id.as_str()),
            ("code_verifier", pending.code_verifier.expose()),
        ];
        let tokens = match self.token_request(&metadata, &form).await? {
            TokenOutcome::Issued(tokens) => tokens,
            TokenOutcome::Refused(body) if body.error == "invalid_dpop_proof" => {
                return Err(AuthError::DpopRejected { details: body.error_description.unwrap_or_default() }.into())
            }
            TokenOutcome::Refused(body) => {
                tracing::info!(error = %body.error, "authorization code refused");
                return Err(AuthError::CodeRejected { error: body.error, description: body.error_description }.into());
            }
        };
        // From here on the provider has issued tokens: a failed check revokes them, and nothing
        // is committed to the store or memory until every check has passed.
        let issued: Vec<(SecretString, &'static str)> = std::iter::once((tokens.access_token.clone(), "access_token"))
            .chain(tokens.refresh_token.clone().map(|t| (t, "refresh_token")))
            .collect();
        match self.check_and_commit_login(&metadata, tokens, pending.nonce.expose()).await {
            Ok(account) => {
                tracing::info!("login completed");
                self.send_queued_revocations().await;
                Ok(account)
            }
            Err(e) => {
                tracing::warn!(code = e.code(), "login refused after the token exchange; revoking the new tokens");
                self.revoke_or_queue(issued).await;
                Err(e)
            }
        }
    }

    /// Verifies the ID token and the userinfo subject, then commits the new session and account
    /// to the store in one transaction and only then to memory.
    async fn check_and_commit_login(
        &self,
        metadata: &ProviderMetadata,
        tokens: TokenResponse,
        nonce: &str,
    ) -> Result<Account, CityKitError> {
        let id_token = tokens.id_token.as_ref().ok_or(AuthError::IdTokenInvalid { problem: IdTokenProblem::MissingClaim })?;
        let verified = self.verify_id_token(metadata, id_token.expose(), nonce).await?;
        let session = self.session_from(tokens, verified.subject.clone(), None)?;
        let info: UserInfo = match &metadata.userinfo_endpoint {
            Some(endpoint) => {
                crate::api::authorized_call_with(self, ApiCall::get(endpoint), None, TokenSource::Given(&session.access_token))
                    .await?
                    .into_json()?
            }
            None => UserInfo { sub: verified.subject.clone(), name: None },
        };
        if info.sub != verified.subject {
            return Err(AuthError::Protocol { details: "userinfo names another subject than the ID token".into() }.into());
        }
        let account = Account { subject: verified.subject, name: Personal::new(info.name.unwrap_or_default()) };
        let mut guard = self.inner.session.lock().await;
        let records = [(KEY_SESSION, serde_json::to_vec(&session)), (KEY_ACCOUNT, serde_json::to_vec(&account))];
        let records = records
            .into_iter()
            .map(|(k, v)| v.map(|v| (k, v)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| CityKitError::Internal { details: format!("cannot encode the session: {e}") })?;
        // One transaction: the previous login's records go, the new session and account come.
        self.inner.store.call(move |conn| db::replace_auth_records(conn, &records)).await?;
        *guard = Some(session);
        if let Ok(mut acting) = self.inner.acting_for.lock() {
            *acting = None;
        }
        drop(guard);
        self.publish(LoginState::LoggedIn { subject: account.subject.clone(), acting_for: None });
        Ok(account)
    }

    async fn verify_id_token(
        &self,
        metadata: &ProviderMetadata,
        token: &str,
        nonce: &str,
    ) -> Result<id_token::VerifiedIdToken, CityKitError> {
        let kid = id_token::key_id(token).map_err(|problem| AuthError::IdTokenInvalid { problem })?;
        let known = {
            let keys = self.inner.jwks.read().await;
            !keys.is_empty() && kid.as_ref().is_none_or(|kid| keys.iter().any(|k| k.kid.as_ref() == Some(kid)))
        };
        if !known {
            // First use, or the provider rotated its keys.
            let fresh = oidc::fetch_jwks(&self.inner.http, &metadata.jwks_uri).await?;
            *self.inner.jwks.write().await = fresh;
        }
        let keys = self.inner.jwks.read().await;
        let expect = id_token::Expectations {
            issuer: &metadata.issuer,
            client_id: &self.inner.config.client_id,
            nonce,
            now: crate::platform::now_unix_secs(),
            max_skew: self.inner.config.max_clock_skew.as_secs() as i64,
        };
        id_token::verify(token, &keys, &expect).map_err(|problem| {
            tracing::warn!(problem = problem.as_str(), "ID token refused");
            AuthError::IdTokenInvalid { problem }.into()
        })
    }
}
