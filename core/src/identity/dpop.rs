//! DPoP proofs (RFC 9449 §4): a fresh JWT per request, signed by the device key, that binds the
//! request (method, URL, access token) to this device.

use std::sync::Arc;

use serde_json::json;

use super::AuthError;
use crate::crypto::jose::{self, EcJwk};
use crate::crypto::{random_token, sha256_b64url, DeviceKeys};

/// Makes DPoP proofs with one device key.
#[derive(Clone)]
pub(crate) struct DpopSigner {
    keys: Arc<dyn DeviceKeys>,
    jwk: EcJwk,
}

impl DpopSigner {
    pub(crate) fn new(keys: Arc<dyn DeviceKeys>) -> Result<Self, AuthError> {
        let jwk = keys
            .public_key()
            .and_then(|pk| pk.jwk())
            .map_err(|e| AuthError::DeviceKey { details: e.to_string() })?;
        Ok(Self { keys, jwk })
    }

    /// The RFC 7638 thumbprint tokens are bound to (`cnf.jkt`, and `dpop_jkt` at PAR).
    pub(crate) fn thumbprint(&self) -> String {
        self.jwk.thumbprint()
    }

    /// Signs `message` with the device key (ES256 `r || s`) on a blocking worker.
    pub(crate) async fn sign(&self, message: Vec<u8>) -> Result<Vec<u8>, AuthError> {
        let keys = self.keys.clone();
        let signature = crate::platform::run_blocking(move || keys.sign(&message))
            .await
            .map_err(|e| AuthError::DeviceKey { details: e.to_string() })?
            .map_err(|e| AuthError::DeviceKey { details: e.to_string() })?;
        if signature.len() != 64 {
            return Err(AuthError::DeviceKey { details: format!("an ES256 signature has 64 bytes, got {}", signature.len()) });
        }
        Ok(signature)
    }

    /// A compact ES256 JWS over `claims` with header `{typ, alg, jwk}` (the device's public key).
    pub(crate) async fn jws(&self, typ: &str, claims: &serde_json::Value) -> Result<String, AuthError> {
        let header = json!({"typ": typ, "alg": "ES256", "jwk": self.jwk.public_value()});
        let input = jose::signing_input(&header, claims);
        let signature = self.sign(input.as_bytes().to_vec()).await?;
        Ok(jose::assemble(&input, &signature))
    }

    /// A proof for `method url`, with `ath` when an access token is presented.
    pub(crate) async fn proof(&self, method: &str, url: &str, access_token: Option<&str>) -> Result<String, AuthError> {
        let htu = htu(url)?;
        let mut claims = json!({
            "jti": random_token(16).map_err(|_| AuthError::DeviceKey { details: "no secure random source".into() })?,
            "htm": method,
            "htu": htu,
            "iat": crate::platform::now_unix_secs(),
        });
        if let Some(token) = access_token {
            claims["ath"] = json!(sha256_b64url(token.as_bytes()));
        }
        let header = json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": self.jwk.public_value()});
        let input = jose::signing_input(&header, &claims);
        let signature = self.sign(input.as_bytes().to_vec()).await?;
        Ok(jose::assemble(&input, &signature))
    }
}

/// The `htu` of a URL: without query and fragment (RFC 9449 §4.2).
fn htu(url: &str) -> Result<String, AuthError> {
    let mut parsed = url::Url::parse(url).map_err(|e| AuthError::Protocol { details: format!("bad endpoint URL: {e}") })?;
    parsed.set_query(None);
    parsed.set_fragment(None);
    Ok(parsed.to_string())
}
