//! 亮证: showing a licence. A presentation carries only the chosen disclosures of a copy of the
//! licence never shown before and a key-binding JWT signed by that copy's own key for one
//! audience and nonce, valid for at most [`MAX_PRESENTATION_LIFETIME_SECS`]; so two verifiers
//! are never shown the same signature, holder key, salt or digest. Verifier mode checks one.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use serde::Serialize;
use serde_json::Value;

use super::access_log::AccessEvent;
use super::client::{licence_id, now, LicenceSummary, LicenceUsability, WalletClient, COPY_REFILL_BELOW};
use super::db;
use super::sd_jwt::{key_binding_signing_input_until, Disclosure, KeyBindingProblem, SdJwt, SdJwtProblem};
use super::status::StatusList;
use super::WalletError;
use crate::crypto::copy_key::CopyKey;
use crate::crypto::jose::EcJwk;
use crate::crypto::random_token;
use crate::privacy::Personal;
use crate::CityKitError;

/// The longest a presentation may live: a QR code on a screen is for the moment it is shown.
pub const MAX_PRESENTATION_LIFETIME_SECS: i64 = 60;

/// A presentation ready to be shown (its `text` is what the QR code carries).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct Presentation {
    /// `<issuer JWT>~<chosen disclosures>~<KB-JWT>`.
    pub text: String,
    /// The licence shown.
    pub licence_id: String,
    /// Its type.
    pub vct: String,
    /// The claims disclosed (names only).
    pub claims: Vec<String>,
    /// Who it is for.
    pub audience: String,
    /// The nonce it answers.
    pub nonce: String,
    /// When the verifier stops accepting it (Unix seconds).
    pub expires_at: i64,
    /// What the QR code carries (the packed text, see [`super::qr`]).
    pub qr_payload: String,
    /// The QR version it needs (at most [`super::qr::MAX_QR_VERSION`], level L).
    pub qr_version: i16,
}

/// A signed presentation before it is shown or sent.
struct Signed {
    summary: LicenceSummary,
    text: String,
    names: Vec<String>,
    disclosures: usize,
    issued_at: i64,
}

impl WalletClient {
    /// Builds a presentation of licence `id` disclosing only `claims` (top-level claim names),
    /// for `audience`, answering `nonce` (a fresh random one when None), valid for `lifetime_secs`
    /// (at most [`MAX_PRESENTATION_LIFETIME_SECS`]). Logged in the access log without values.
    ///
    /// It shows a copy of the licence never shown before, signed with that copy's own key, and
    /// marks the copy used in the same transaction as the log entry. With no unused copy left
    /// it fetches a new batch first, and refuses with `wallet.no_fresh_copy` when it cannot
    /// (offline) rather than show a copy twice. When fewer than a few unused copies remain
    /// after the presentation, it fetches a new batch at once; a failure there is only logged.
    pub async fn present(
        &self,
        id: &str,
        claims: &[String],
        audience: &str,
        nonce: Option<String>,
        lifetime_secs: i64,
    ) -> Result<Presentation, CityKitError> {
        let holder = self.current_holder().await?;
        let nonce = match nonce {
            Some(n) => n,
            None => random_token(16).map_err(|_| CityKitError::Internal { details: "no secure random source".into() })?,
        };
        let lifetime = lifetime_secs.clamp(1, MAX_PRESENTATION_LIFETIME_SECS);
        if audience.trim().is_empty() {
            return Err(WalletError::WrongAudience.into());
        }
        let (summary, _) = self.load_for(&holder, id).await?;
        // Before any copy is fetched or taken.
        usable(&summary, now())?;
        let mut refilled = false;
        // A copy taken by a concurrent presentation meanwhile is not shown: take the next one
        // (a few times at most).
        let mut attempts = 0;
        let (signed, qr) = loop {
            attempts += 1;
            if attempts > 8 {
                return Err(WalletError::NoFreshCopy.into());
            }
            let (h, licence) = (holder.clone(), id.to_owned());
            let copy = match self.store.read(move |conn| db::unused_copy(conn, &h, &licence)).await? {
                Some(copy) => copy,
                None if !refilled => {
                    refilled = true;
                    if let Err(e) = self.refill_copies(&holder, &summary).await {
                        tracing::info!(code = e.code(), "no unused licence copy and none could be fetched");
                        return Err(WalletError::NoFreshCopy.into());
                    }
                    continue;
                }
                None => return Err(WalletError::NoFreshCopy.into()),
            };
            let key = CopyKey::from_pkcs8(&copy.private_key).map_err(|_| WalletError::Malformed { details: "stored copy key".into() })?;
            let signed = self
                .sign_with(summary.clone(), &copy.text, claims, audience, &nonce, Some(lifetime), |input| async move {
                    key.sign(&input).map_err(|e| CityKitError::Internal { details: e.to_string() })
                })
                .await?;
            // Refuse before logging a showing that cannot be shown.
            let qr = super::qr::draw(&signed.text)?;
            let claims_json = serde_json::to_string(&signed.names).unwrap_or_default();
            let (h, a, licence, vct, row) = (holder.clone(), audience.to_owned(), summary.id.clone(), summary.vct.clone(), copy.row);
            let marked = self
                .store
                .call(move |conn| {
                    let event = AccessEvent {
                        holder: &h,
                        action: "presentation",
                        licence_id: Some(&licence),
                        vct: Some(&vct),
                        claims_json: &claims_json,
                        counterparty: Some(&a),
                    };
                    db::use_copy(conn, row, &a, &event)
                })
                .await?;
            if marked {
                break (signed, qr);
            }
        };
        tracing::info!(disclosures = signed.disclosures, "presentation made");
        // Running low: a new batch now, while online. The presentation stands either way.
        let (h, licence) = (holder.clone(), id.to_owned());
        let left = self.store.read(move |conn| db::unused_copies(conn, &h, &licence)).await?;
        if left < COPY_REFILL_BELOW {
            if let Err(e) = self.refill_copies(&holder, &summary).await {
                tracing::info!(code = e.code(), "licence copies running low; refill failed, retried at the next presentation");
            }
        }
        Ok(Presentation {
            text: signed.text,
            licence_id: signed.summary.id,
            vct: signed.summary.vct,
            claims: signed.names,
            audience: audience.to_owned(),
            nonce,
            expires_at: signed.issued_at + lifetime,
            qr_payload: qr.payload,
            qr_version: qr.version,
        })
    }

    /// A presentation of `holder`'s licence `id` for a platform request (no QR code, no size
    /// limit): the chosen claims, a KB-JWT for `audience` and `nonce`. Logged like any showing.
    pub(crate) async fn presentation_for_request(
        &self,
        holder: &str,
        id: &str,
        claims: &[String],
        audience: &str,
        nonce: &str,
    ) -> Result<String, CityKitError> {
        let signed = self.sign_presentation(holder, id, claims, audience, nonce, None).await?;
        self.log_presentation(holder, &signed.summary.id, &signed.summary.vct, &signed.names, audience).await?;
        tracing::info!(disclosures = signed.disclosures, "presentation sent with a case");
        Ok(signed.text)
    }

    /// Chooses the disclosures of the licence itself (bound to the device key, as the platform
    /// requires for its own requests) and signs the key binding with the device key.
    async fn sign_presentation(
        &self,
        holder: &str,
        id: &str,
        claims: &[String],
        audience: &str,
        nonce: &str,
        lifetime: Option<i64>,
    ) -> Result<Signed, CityKitError> {
        if audience.trim().is_empty() {
            return Err(WalletError::WrongAudience.into());
        }
        let (summary, text) = self.load_for(holder, id).await?;
        self.sign_with(summary, &text, claims, audience, nonce, lifetime, |input| self.identity_sign(input)).await
    }

    /// Chooses the disclosures of `text` (the licence or a copy of it) and signs the key
    /// binding with `sign` (with `exp` = now + `lifetime` when given), refusing revoked,
    /// expired or not yet valid licences.
    #[allow(clippy::too_many_arguments)]
    async fn sign_with<F, Fut>(
        &self,
        summary: LicenceSummary,
        text: &str,
        claims: &[String],
        audience: &str,
        nonce: &str,
        lifetime: Option<i64>,
        sign: F,
    ) -> Result<Signed, CityKitError>
    where
        F: FnOnce(Vec<u8>) -> Fut,
        Fut: std::future::Future<Output = Result<Vec<u8>, CityKitError>>,
    {
        let now = now();
        usable(&summary, now)?;
        let sd = SdJwt::parse(text).map_err(|_| WalletError::Malformed { details: "stored licence".into() })?;
        let chosen = choose(&sd, claims)?;
        let prefix = sd.presentation_prefix(&chosen);
        let input = key_binding_signing_input_until(&prefix, audience, nonce, now, lifetime.map(|l| now.saturating_add(l)));
        let signature = sign(input.as_bytes().to_vec()).await?;
        let mut names: Vec<String> = claims.to_vec();
        names.sort();
        names.dedup();
        Ok(Signed {
            summary,
            text: format!("{prefix}{}", crate::crypto::jose::assemble(&input, &signature)),
            names,
            disclosures: chosen.len(),
            issued_at: now,
        })
    }
}

/// Refuses a revoked, expired or not yet valid licence.
fn usable(summary: &LicenceSummary, now: i64) -> Result<(), WalletError> {
    match LicenceUsability::at(summary.valid_from, summary.expires_at, summary.status, now) {
        LicenceUsability::Usable => Ok(()),
        LicenceUsability::NotYetValid => Err(WalletError::NotYetValid),
        LicenceUsability::Expired => Err(WalletError::Expired),
        LicenceUsability::Revoked => Err(WalletError::Revoked),
    }
}

/// The disclosures that reveal `claims`, with every nested disclosure inside them.
fn choose<'a>(sd: &'a SdJwt, claims: &[String]) -> Result<Vec<&'a Disclosure>, WalletError> {
    let top = sd.top_level_disclosures();
    let by_digest: HashMap<&str, &Disclosure> = sd.disclosures.iter().map(|d| (d.digest.as_str(), d)).collect();
    let mut chosen: Vec<&Disclosure> = Vec::new();
    let mut seen = HashSet::new();
    for name in claims {
        let (_, disclosure) = top.iter().find(|(n, _)| n == name).ok_or_else(|| WalletError::UnknownClaim { name: name.clone() })?;
        let mut stack = vec![*disclosure];
        while let Some(d) = stack.pop() {
            if !seen.insert(d.digest.as_str()) {
                continue;
            }
            chosen.push(d);
            collect_digests(&d.value, &mut |digest| {
                if let Some(inner) = by_digest.get(digest) {
                    stack.push(inner);
                }
            });
        }
    }
    // Keep the issuer's order, so the presentation looks like any other.
    chosen.sort_by_key(|d| sd.disclosures.iter().position(|x| x.digest == d.digest));
    Ok(chosen)
}

fn collect_digests(value: &Value, found: &mut dyn FnMut(&str)) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(sd)) = map.get("_sd") {
                sd.iter().filter_map(Value::as_str).for_each(&mut *found);
            }
            if let (1, Some(Value::String(d))) = (map.len(), map.get("...")) {
                found(d);
            }
            map.values().for_each(|v| collect_digests(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_digests(v, found)),
        _ => {}
    }
}

/// An issuer a verifier trusts, with its keys.
#[derive(Debug, Clone)]
pub struct TrustedIssuer {
    /// The issuer identifier (`iss`). Empty: these keys are trusted whatever `iss` says (a bare
    /// JWKS handed to the verifier); the signature still has to verify with one of them.
    pub issuer: String,
    /// Its signing keys.
    pub keys: Vec<EcJwk>,
}

impl TrustedIssuer {
    /// Reads a trust list from JSON text: issuer metadata (`{"issuer": …, "jwks": {"keys": […]}}`,
    /// as served at `/.well-known/jwt-vc-issuer/…`), a bare JWKS (`{"keys": […]}`, trusted
    /// whatever `iss` says), or a JSON array of either.
    pub fn parse_list(json: &str) -> Result<Vec<TrustedIssuer>, WalletError> {
        let bad = |details: &str| WalletError::Malformed { details: format!("trust list: {details}") };
        let value: Value = serde_json::from_str(json).map_err(|_| bad("not JSON"))?;
        let entries = match value {
            Value::Array(items) => items,
            single => vec![single],
        };
        entries
            .iter()
            .map(|entry| {
                let (issuer, jwks) = match entry.get("issuer").and_then(Value::as_str) {
                    Some(issuer) => (issuer, entry.get("jwks").ok_or_else(|| bad("issuer metadata without jwks"))?),
                    None if entry.get("keys").is_some() => ("", entry),
                    None => return Err(bad("neither issuer metadata nor a JWKS")),
                };
                let keys: Vec<EcJwk> = jwks
                    .get("keys")
                    .and_then(Value::as_array)
                    .map(|keys| keys.iter().filter_map(|k| serde_json::from_value(k.clone()).ok()).collect())
                    .unwrap_or_default();
                if keys.is_empty() {
                    return Err(bad("no P-256 keys"));
                }
                Ok(TrustedIssuer { issuer: issuer.to_owned(), keys })
            })
            .collect()
    }
}

/// What a verifier learns from a good presentation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct VerifiedPresentation {
    /// The licence type.
    pub vct: String,
    /// The issuing office.
    pub issuer: String,
    /// The wallet's id of the licence.
    pub licence_id: String,
    /// The disclosed claims, and the issuer's clear ones (personal data).
    #[cfg_attr(feature = "wasm", tsify(type = "Personal"))]
    pub claims: Personal<Value>,
    /// Licence validity end (Unix seconds).
    pub expires_at: Option<i64>,
    /// Whether the status list was checked (false: no status list was given or could be had).
    pub status_checked: bool,
    /// How old the status list used was, in seconds (a verifier offline uses a cached one up
    /// to its configured age); None when none was used or its age is unknown.
    pub status_list_age_secs: Option<i64>,
}

/// Verifier mode (a window officer's app, a kiosk): checks presentations shown to `audience`
/// against trusted issuers, refusing replays. Sans-I/O: status lists are handed in.
pub struct Verifier {
    audience: String,
    trusted: Vec<TrustedIssuer>,
    seen_nonces: Mutex<HashMap<String, i64>>,
    max_skew: i64,
}

impl Verifier {
    /// A verifier for presentations made out to `audience`.
    pub fn new(audience: impl Into<String>, trusted: Vec<TrustedIssuer>) -> Self {
        Self { audience: audience.into(), trusted, seen_nonces: Mutex::new(HashMap::new()), max_skew: 30 }
    }

    /// The audience presentations must be made out to.
    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// Verifies scanned text at time `now`. `status_lists` maps a status-list URI to its token
    /// (fetched by the caller, possibly cached); without one the status is not checked. Nonces
    /// are remembered in memory only (a process restart forgets them): a verifier that must
    /// refuse replays across restarts uses `client.verifier(…)`, which keeps them in the store.
    pub fn verify(&self, scanned: &str, now: i64, status_lists: &HashMap<String, String>) -> Result<VerifiedPresentation, WalletError> {
        let (verified, binding) = self.check(scanned, now, status_lists)?;
        // Last, so a refused presentation does not burn its nonce.
        let mut seen = self.seen_nonces.lock().map_err(|_| WalletError::Malformed { details: "verifier state".into() })?;
        seen.retain(|_, at| *at + MAX_PRESENTATION_LIFETIME_SECS + self.max_skew >= now);
        if seen.insert(binding.nonce.clone(), binding.issued_at).is_some() {
            return Err(WalletError::ReplayedNonce);
        }
        Ok(verified)
    }

    /// The status-list URI a scanned presentation refers to, if it is readable and has one.
    pub fn status_list_uri(scanned: &str) -> Option<String> {
        let sd = SdJwt::parse(&super::qr::unpack(scanned).ok()?).ok()?;
        let uri = sd.jws.claims.get("status")?.get("status_list")?.get("uri")?.as_str()?;
        Some(uri.to_owned())
    }

    /// Every check but replay: the caller decides where nonces are remembered.
    pub(crate) fn check(
        &self,
        scanned: &str,
        now: i64,
        status_lists: &HashMap<String, String>,
    ) -> Result<(VerifiedPresentation, super::sd_jwt::KeyBinding), WalletError> {
        let text = super::qr::unpack(scanned)?;
        let sd = SdJwt::parse(&text).map_err(|p| match p {
            SdJwtProblem::DuplicateDisclosure | SdJwtProblem::ClaimCollision => WalletError::TamperedDisclosure,
            other => WalletError::Malformed { details: other.as_str().into() },
        })?;
        if !sd.is_sd_jwt_vc() {
            return Err(WalletError::Malformed { details: "the issuer JWT is not an SD-JWT VC (typ)".into() });
        }
        let claims = &sd.jws.claims;
        let issuer = claims.get("iss").and_then(Value::as_str).ok_or(WalletError::Malformed { details: "no iss".into() })?;
        let named = self.trusted.iter().find(|t| t.issuer == issuer);
        let trusted = match named {
            Some(t) => t,
            // Bare key sets: the one whose key signed it, if any.
            None => self
                .trusted
                .iter()
                .filter(|t| t.issuer.is_empty())
                .find(|t| sd.verify_issuer_signature(&t.keys).is_ok())
                .ok_or(WalletError::UnknownIssuer)?,
        };
        sd.verify_issuer_signature(&trusted.keys).map_err(|_| WalletError::BadIssuerSignature)?;
        let disclosed = sd.disclosed_claims().map_err(|p| match p {
            SdJwtProblem::Malformed | SdJwtProblem::UnsupportedDigestAlgorithm => WalletError::Malformed { details: p.as_str().into() },
            _ => WalletError::TamperedDisclosure,
        })?;
        let binding = sd.verify_key_binding(now, MAX_PRESENTATION_LIFETIME_SECS, self.max_skew).map_err(|p| match p {
            KeyBindingProblem::Stale => WalletError::Expired,
            KeyBindingProblem::Missing | KeyBindingProblem::BadSignature => WalletError::BadKeyBinding,
        })?;
        // An empty audience is nobody's: refused even when the verifier's own is empty too.
        if binding.audience.is_empty() || binding.audience != self.audience {
            return Err(WalletError::WrongAudience);
        }
        // The lifetime the holder chose (`present --lifetime`), within the verifier's own limit.
        if binding.expires_at.is_some_and(|exp| exp.saturating_add(self.max_skew) < now) {
            return Err(WalletError::Expired);
        }
        if let Some(exp) = claims.get("exp").and_then(Value::as_i64) {
            // Saturating: issuer claims are outside input, and i64::MAX must not overflow.
            if exp.saturating_add(self.max_skew) < now {
                return Err(WalletError::Expired);
            }
        }
        if claims.get("nbf").and_then(Value::as_i64).is_some_and(|nbf| nbf.saturating_sub(self.max_skew) > now) {
            return Err(WalletError::NotYetValid);
        }
        let mut status_checked = false;
        if let Some(list) = claims.get("status").and_then(|s| s.get("status_list")) {
            let uri = list.get("uri").and_then(Value::as_str).unwrap_or_default();
            let idx = list.get("idx").and_then(Value::as_u64).ok_or(WalletError::Malformed { details: "status idx".into() })?;
            if let Some(token) = status_lists.get(uri) {
                let list = StatusList::verify(token, uri, &trusted.keys, now)
                    .map_err(|p| WalletError::StatusUnavailable { details: format!("{p:?}") })?;
                if list.status(idx).map_err(|p| WalletError::StatusUnavailable { details: format!("{p:?}") })? != 0 {
                    return Err(WalletError::Revoked);
                }
                status_checked = true;
            }
        }
        let mut visible = disclosed;
        if let Value::Object(map) = &mut visible {
            for reserved in ["cnf", "status", "_sd_alg", "iat", "nbf", "exp", "iss", "vct"] {
                map.remove(reserved);
            }
        }
        let verified = VerifiedPresentation {
            vct: claims.get("vct").and_then(Value::as_str).unwrap_or_default().to_owned(),
            issuer: issuer.to_owned(),
            licence_id: licence_id(&sd.issuer_jwt),
            claims: Personal::new(visible),
            expires_at: claims.get("exp").and_then(Value::as_i64),
            status_checked,
            status_list_age_secs: None,
        };
        Ok((verified, binding))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::jose;
    use ring::rand::SystemRandom;
    use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
    use serde_json::json;

    fn keypair() -> (EcdsaKeyPair, EcJwk) {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
        let jwk = EcJwk::from_uncompressed_point(pair.public_key().as_ref()).unwrap();
        (pair, jwk)
    }

    fn sign(pair: &EcdsaKeyPair, input: &str) -> String {
        jose::assemble(input, pair.sign(&SystemRandom::new(), input.as_bytes()).unwrap().as_ref())
    }

    /// Found by the `sd_jwt` fuzz target (SD-JWTs issued in the harness): an issuer's `exp` of
    /// i64::MAX or `nbf` of i64::MIN overflowed the skew arithmetic (a panic with overflow checks).
    #[test]
    fn extreme_validity_dates_are_judged_without_overflow() {
        let (issuer, issuer_jwk) = keypair();
        let (holder, holder_jwk) = keypair();
        let now = 1_800_000_000;
        let present = |dates: Value| {
            let mut payload = json!({"iss": "https://i.example/a", "vct": "urn:x", "cnf": {"jwk": holder_jwk.public_value()}});
            for (k, v) in dates.as_object().unwrap() {
                payload[k] = v.clone();
            }
            let jwt = sign(&issuer, &jose::signing_input(&json!({"alg": "ES256", "typ": "dc+sd-jwt"}), &payload));
            let sd_part = format!("{jwt}~");
            let kb = sign(&holder, &super::super::sd_jwt::key_binding_signing_input(&sd_part, "window-1", "n-1", now));
            let verifier =
                Verifier::new("window-1", vec![TrustedIssuer { issuer: "https://i.example/a".into(), keys: vec![issuer_jwk.clone()] }]);
            verifier.verify(&format!("{sd_part}{kb}"), now, &HashMap::new()).map(|v| v.expires_at)
        };
        assert_eq!(present(json!({"exp": i64::MAX})), Ok(Some(i64::MAX)), "never expires");
        assert_eq!(present(json!({"exp": i64::MIN})), Err(WalletError::Expired));
        assert_eq!(present(json!({"nbf": i64::MIN})), Ok(None));
        assert_eq!(present(json!({"nbf": i64::MAX})), Err(WalletError::NotYetValid));
    }

    /// A presentation of a one-claim licence issued with header `typ`, shown to `audience`
    /// with the holder's `exp`, verified by a verifier for `verifier_audience` at `at`.
    fn shown(
        typ: Option<&str>,
        audience: &str,
        exp: Option<i64>,
        verifier_audience: &str,
        at: i64,
    ) -> Result<VerifiedPresentation, WalletError> {
        let (issuer, issuer_jwk) = keypair();
        let (holder, holder_jwk) = keypair();
        let now = 1_800_000_000;
        let payload = json!({"iss": "https://i.example/a", "vct": "urn:x", "cnf": {"jwk": holder_jwk.public_value()}});
        let mut header = json!({"alg": "ES256"});
        if let Some(typ) = typ {
            header["typ"] = json!(typ);
        }
        let sd_part = format!("{}~", sign(&issuer, &jose::signing_input(&header, &payload)));
        let kb = sign(&holder, &super::super::sd_jwt::key_binding_signing_input_until(&sd_part, audience, "n-1", now, exp));
        let verifier =
            Verifier::new(verifier_audience, vec![TrustedIssuer { issuer: "https://i.example/a".into(), keys: vec![issuer_jwk] }]);
        verifier.verify(&format!("{sd_part}{kb}"), at, &HashMap::new())
    }

    #[test]
    fn only_sd_jwt_vc_types_pass_for_a_licence() {
        let now = 1_800_000_000;
        assert!(shown(Some("dc+sd-jwt"), "w", None, "w", now).is_ok());
        assert!(shown(Some("vc+sd-jwt"), "w", None, "w", now).is_ok(), "the older typ is still accepted");
        for typ in [Some("JWT"), Some("kb+jwt"), Some("example+sd-jwt"), None] {
            assert!(matches!(shown(typ, "w", None, "w", now), Err(WalletError::Malformed { .. })), "{typ:?}");
        }
    }

    #[test]
    fn an_empty_audience_is_nobodys() {
        let now = 1_800_000_000;
        assert_eq!(shown(Some("dc+sd-jwt"), "", None, "", now), Err(WalletError::WrongAudience));
        assert_eq!(shown(Some("dc+sd-jwt"), "", None, "w", now), Err(WalletError::WrongAudience));
    }

    #[test]
    fn the_holders_lifetime_is_what_the_verifier_accepts() {
        let now = 1_800_000_000;
        // Shown for 10 s: accepted at 5 s, refused at 45 s (within the 60 s maximum, past its own).
        assert!(shown(Some("dc+sd-jwt"), "w", Some(now + 10), "w", now + 5).is_ok());
        assert_eq!(shown(Some("dc+sd-jwt"), "w", Some(now + 10), "w", now + 45), Err(WalletError::Expired));
        // Without `exp`, the verifier's maximum age alone.
        assert!(shown(Some("dc+sd-jwt"), "w", None, "w", now + 45).is_ok());
        // A holder's `exp` never extends the maximum age.
        assert_eq!(shown(Some("dc+sd-jwt"), "w", Some(now + 3600), "w", now + 120), Err(WalletError::Expired));
    }

    #[test]
    fn trust_lists_take_metadata_bare_jwks_or_arrays_and_refuse_anything_else() {
        let key = r#"{"kty":"EC","crv":"P-256","x":"b28d4MwZMjw8-00CG4xfnn9SLMVMM19SlqZpVb_uNtQ","y":"Xv5zWwuoaTgdS6hV43yI6gBwTnjukmFQQnJ_kCxzqk8"}"#;
        let metadata = format!(r#"{{"issuer":"https://i.example/a","jwks":{{"keys":[{key}]}}}}"#);
        let bare = format!(r#"{{"keys":[{key}]}}"#);
        let one = TrustedIssuer::parse_list(&metadata).unwrap();
        assert_eq!((one.len(), one[0].issuer.as_str(), one[0].keys.len()), (1, "https://i.example/a", 1));
        assert_eq!(TrustedIssuer::parse_list(&bare).unwrap()[0].issuer, "");
        assert_eq!(TrustedIssuer::parse_list(&format!("[{metadata},{bare}]")).unwrap().len(), 2);
        for bad in ["nope", "{}", r#"{"issuer":"x"}"#, r#"{"keys":[]}"#] {
            assert!(matches!(TrustedIssuer::parse_list(bad), Err(WalletError::Malformed { .. })), "{bad}");
        }
    }
}
