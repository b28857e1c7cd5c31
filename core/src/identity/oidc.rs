//! The provider's metadata (OpenID Connect Discovery 1.0) and keys (JWKS), fetched once and
//! cached in memory.

use serde::Deserialize;

use super::AuthError;
use crate::crypto::jose::EcJwk;
use crate::net::{HttpClient, Idempotency, NetError};
use crate::CityKitError;

/// The provider metadata CityKit uses.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ProviderMetadata {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
    pub jwks_uri: String,
    #[serde(default)]
    pub pushed_authorization_request_endpoint: Option<String>,
    #[serde(default)]
    pub revocation_endpoint: Option<String>,
    #[serde(default)]
    pub code_challenge_methods_supported: Vec<String>,
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: bool,
    /// CityKit platforms announce their API base here; `ClientConfig::api_base` overrides it.
    #[serde(default)]
    pub citykit_api_base: Option<String>,
}

#[derive(Deserialize)]
struct JwkSet {
    keys: Vec<serde_json::Value>,
}

/// Fetches and checks the discovery document of `issuer`.
pub(crate) async fn discover(http: &HttpClient, issuer: &str) -> Result<ProviderMetadata, CityKitError> {
    let url = format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/'));
    let response = http
        .send(Idempotency::Idempotent, || async { Ok::<_, CityKitError>(http.reqwest().get(&url).header("Accept", "application/json")) })
        .await?;
    if !response.status().is_success() {
        return Err(AuthError::Discovery { details: format!("discovery answered HTTP {}", response.status().as_u16()) }.into());
    }
    let metadata: ProviderMetadata =
        response.json().await.map_err(|e| AuthError::Discovery { details: format!("unreadable discovery document: {e}") })?;
    // OpenID Connect Discovery §4.3: the issuer must be exactly the one asked for.
    if metadata.issuer.trim_end_matches('/') != issuer.trim_end_matches('/') {
        return Err(AuthError::Discovery { details: "the discovery document names another issuer".into() }.into());
    }
    for endpoint in [&metadata.authorization_endpoint, &metadata.token_endpoint, &metadata.jwks_uri] {
        if !endpoint.starts_with("https://") {
            return Err(AuthError::Discovery { details: "provider endpoints must use https".into() }.into());
        }
    }
    if !metadata.code_challenge_methods_supported.is_empty() && !metadata.code_challenge_methods_supported.iter().any(|m| m == "S256") {
        return Err(AuthError::Discovery { details: "the provider does not support PKCE S256".into() }.into());
    }
    Ok(metadata)
}

/// Fetches the provider's P-256 signing keys (others are ignored).
pub(crate) async fn fetch_jwks(http: &HttpClient, jwks_uri: &str) -> Result<Vec<EcJwk>, CityKitError> {
    let response = http.send(Idempotency::Idempotent, || async { Ok::<_, CityKitError>(http.reqwest().get(jwks_uri)) }).await?;
    if !response.status().is_success() {
        return Err(NetError::Status { status: response.status().as_u16(), error: None }.into());
    }
    let set: JwkSet = response.json().await.map_err(|e| NetError::InvalidResponse { details: format!("unreadable JWKS: {e}") })?;
    let keys: Vec<EcJwk> = set
        .keys
        .into_iter()
        .filter_map(|k| serde_json::from_value::<EcJwk>(k).ok())
        .filter(|k| k.kty == "EC" && k.crv == "P-256" && k.use_.as_deref().unwrap_or("sig") == "sig")
        .collect();
    Ok(keys)
}
