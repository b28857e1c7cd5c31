//! What a window or a courier trusts: the platform's published envelope document
//! (`/.well-known/citykit-envelope-keys`): its issuer, its envelope keys and the envelopes it has
//! revoked. Kept as a file (or in the app), it lets a window check codes with no network.

use std::collections::BTreeSet;

use serde::Deserialize;

use super::{code, EnvelopeClaims, EnvelopeError};
use crate::crypto::jose::EcJwk;

/// The path of the platform's envelope document, below its issuer URL.
pub const TRUST_DOCUMENT_PATH: &str = "/.well-known/citykit-envelope-keys";
const MAX_DOCUMENT_BYTES: usize = 1 << 20;

/// A platform's envelope keys and revoked envelopes, as published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeTrust {
    issuer: String,
    keys: Vec<EcJwk>,
    revoked: BTreeSet<String>,
    published_at: i64,
}

#[derive(Deserialize)]
struct Document {
    issuer: String,
    keys: Vec<EcJwk>,
    #[serde(default)]
    revoked: Vec<String>,
    #[serde(default)]
    published_at: i64,
}

impl EnvelopeTrust {
    /// Reads a published document (JSON: `issuer`, `keys` as P-256 JWKs with `kid`, `revoked`
    /// envelope ids, `published_at`).
    pub fn from_json(document: &str) -> Result<Self, EnvelopeError> {
        let bad = |details: &str| EnvelopeError::TrustDocument { details: details.to_owned() };
        if document.len() > MAX_DOCUMENT_BYTES {
            return Err(bad("too large"));
        }
        let doc: Document = serde_json::from_str(document).map_err(|e| bad(&crate::privacy::json_problem(&e)))?;
        if doc.issuer.is_empty() {
            return Err(bad("no issuer"));
        }
        if doc.keys.is_empty() || doc.keys.iter().any(|k| k.kid.as_deref().is_none_or(str::is_empty)) {
            return Err(bad("every key needs a kid"));
        }
        Ok(Self { issuer: doc.issuer, keys: doc.keys, revoked: doc.revoked.into_iter().collect(), published_at: doc.published_at })
    }

    /// The platform (issuer URL).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// When the platform published it (Unix seconds).
    pub fn published_at(&self) -> i64 {
        self.published_at
    }

    /// Opens a scanned code offline at `now`: every check of [`code::open`], then the revoked list.
    pub fn open(&self, scanned: &str, now: i64) -> Result<EnvelopeClaims, EnvelopeError> {
        let claims = code::open(scanned, &self.issuer, &self.keys, now)?;
        if self.revoked.contains(&claims.envelope_id) {
            return Err(EnvelopeError::Revoked);
        }
        Ok(claims)
    }
}
