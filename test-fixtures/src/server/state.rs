//! The simulator's in-memory state and the protocol rules that act on it. Everything is behind
//! one std `Mutex`, never held across an `.await`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use super::calendar::WorkCalendar;
use super::cases::Book;
use super::catalogue::{self, ServiceCatalogue};
use super::jose::{self, IdTokenSigner, ProofExpectation, VerifiedProof};
use super::licences::{self, Catalogue, LicenceRecord, Times, LICENCE_OFFICES};
use super::{DpopNonceMode, Fault, IdTokenFault, SimConfig, SimStats};
use crate::fixtures::Fixtures;

/// How long a pushed authorization request stays usable.
pub(crate) const PAR_TTL_SECS: u64 = 60;
/// Lifetime of ID tokens.
const ID_TOKEN_TTL_SECS: i64 = 600;

/// Unix time in seconds.
pub(crate) fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)).unwrap_or(0)
}

pub(crate) struct Shared {
    pub(crate) issuer: String,
    pub(crate) config: SimConfig,
    pub(crate) fixtures: Fixtures,
    pub(crate) signer: IdTokenSigner,
    /// One key per licence office, in the order of [`LICENCE_OFFICES`].
    pub(crate) office_keys: Vec<IdTokenSigner>,
    /// The key envelope codes are signed with (published at `/.well-known/citykit-envelope-keys`).
    pub(crate) envelope_key: IdTokenSigner,
    /// The key push messages are signed with (published at `/.well-known/citykit-push-keys`).
    pub(crate) push_key: IdTokenSigner,
    pub(crate) catalogue: Catalogue,
    /// The service catalogue (compiled in, validated at start).
    pub(crate) services: &'static ServiceCatalogue,
    /// Its served body and entity tag.
    pub(crate) served: catalogue::Served,
    /// Working days for due dates.
    pub(crate) calendar: WorkCalendar,
    state: Mutex<State>,
    cases: Mutex<Book>,
}

#[derive(Default)]
struct State {
    pars: HashMap<String, ParEntry>,
    codes: HashMap<String, CodeEntry>,
    families: HashMap<u64, Family>,
    next_family: u64,
    access_tokens: HashMap<String, AccessEntry>,
    refresh_tokens: HashMap<String, RefreshEntry>,
    jtis: HashMap<String, i64>,
    dpop_nonce: NonceState,
    faults: Faults,
    stats: SimStats,
    /// Revoked licences: (office index, status index).
    revoked: BTreeSet<(usize, u32)>,
    /// Batch issuance (`POST /api/v1/licences/batch`): the nonces handed out, by value, with
    /// the person they were issued to and when they stop being accepted.
    copy_nonces: HashMap<String, (String, i64)>,
    /// The thumbprint of every key a copy was ever bound to (a key is never bound twice).
    copy_keys: HashSet<String>,
    /// Each copy's status slot (office, index) to the slot of the licence it is a copy of.
    copy_slots: HashMap<(usize, u32), (usize, u32)>,
    /// Copies issued per office (their status indices are taken from the top of the list).
    copy_counts: HashMap<usize, u32>,
    /// Every request as received, while recording (see [`super::SimHandle::record_requests`]).
    recorded: Option<Vec<super::RecordedRequest>>,
}

/// The server-provided DPoP nonces (RFC 9449 §8 and §9): the current one and the one before
/// it are accepted, so a client that learnt the newest nonce from any answer never needs a
/// second round trip.
#[derive(Default)]
struct NonceState {
    mode: DpopNonceMode,
    current: String,
    previous: Option<String>,
}

/// Why a proof was refused for its nonce; the routes answer `use_dpop_nonce` with a fresh one.
pub(crate) const USE_DPOP_NONCE: &str = "proof lacks the server's current DPoP nonce";

#[derive(Default)]
struct Faults {
    fail_next: HashMap<String, VecDeque<(u16, u32)>>,
    delay: HashMap<String, u64>,
    lose_response: HashMap<String, u32>,
    answer: HashMap<String, VecDeque<(Answer, u32)>>,
    id_token: BTreeSet<IdTokenFault>,
    deny_authorization: bool,
    wrong_userinfo_subject: bool,
}

/// A pushed authorization request.
#[derive(Clone)]
pub(crate) struct ParEntry {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) scope: String,
    pub(crate) state: Option<String>,
    pub(crate) nonce: Option<String>,
    pub(crate) code_challenge: String,
    pub(crate) dpop_jkt: Option<String>,
    /// `prompt`, `ui_locales`, `acr_values`, … as pushed (OpenID Connect Core §3.1.2.1).
    pub(crate) other: BTreeMap<String, String>,
    pub(crate) expires_at: Instant,
}

struct CodeEntry {
    par: ParEntry,
    sub: String,
    auth_time: i64,
    expires_at: Instant,
    used: bool,
    family: Option<u64>,
}

struct Family {
    sub: String,
    client_id: String,
    jkt: String,
    scope: String,
    revoked: bool,
}

struct AccessEntry {
    family: u64,
    expires_at: Instant,
    revoked: bool,
}

struct RefreshEntry {
    family: u64,
    rotated: bool,
}

/// An OAuth error for the token endpoint: (HTTP status, error code, description).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OAuthError {
    pub(crate) status: u16,
    pub(crate) error: &'static str,
    pub(crate) description: &'static str,
}

impl OAuthError {
    pub(crate) fn new(status: u16, error: &'static str, description: &'static str) -> Self {
        OAuthError { status, error, description }
    }
    fn grant(description: &'static str) -> Self {
        OAuthError::new(400, "invalid_grant", description)
    }
    fn dpop(description: &'static str) -> Self {
        OAuthError::new(400, "invalid_dpop_proof", description)
    }
}

/// A resource-request failure: 401 invalid_token / invalid_dpop_proof, or 403 not_an_agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ApiError {
    InvalidToken(&'static str),
    InvalidProof(&'static str),
    /// The proof lacks the server's current nonce (RFC 9449 §9).
    UseDpopNonce,
    NotAnAgent,
}

/// A resource request that passed: the subject and the proof's public key.
pub(crate) struct Authorized {
    pub(crate) sub: String,
    pub(crate) proof_jwk: Value,
    /// The proof key's RFC 7638 thumbprint.
    pub(crate) proof_jkt: String,
}

/// The faults that apply to one request.
pub(crate) struct RequestFaults {
    /// Wait this many milliseconds first.
    pub(crate) delay: Option<u64>,
    /// Answer this status without handling the request.
    pub(crate) fail: Option<u16>,
    /// Handle the request, then answer 502 instead of its answer.
    pub(crate) lose: bool,
    /// Answer this without handling the request.
    pub(crate) answer: Option<Answer>,
}

/// A canned answer (`Fault::Answer`): status, error code, `Retry-After`.
#[derive(Clone)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) error: String,
    pub(crate) retry_after: Option<String>,
}

/// The service catalogue and working-day calendar a simulator serves.
pub(crate) struct Services {
    pub(crate) catalogue: &'static ServiceCatalogue,
    pub(crate) served: catalogue::Served,
    pub(crate) calendar: WorkCalendar,
}

/// A token response body, before the ID token is signed.
pub(crate) struct Issued {
    pub(crate) access_token: String,
    pub(crate) refresh_token: String,
    pub(crate) expires_in: u64,
    pub(crate) scope: String,
    pub(crate) id_token_claims: Option<Value>,
    pub(crate) id_token_faults: BTreeSet<IdTokenFault>,
}

/// The result of the authorization step.
pub(crate) enum AuthorizeOutcome {
    /// Redirect with a code.
    Code { redirect_uri: String, code: String, state: Option<String> },
    /// Redirect with error=access_denied.
    Denied { redirect_uri: String, state: Option<String> },
}

/// Token-request parameters.
pub(crate) struct CodeGrant<'a> {
    pub(crate) client_id: &'a str,
    pub(crate) code: &'a str,
    pub(crate) redirect_uri: &'a str,
    pub(crate) code_verifier: &'a str,
}

fn is_pkce_string(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Checks the shape of a `code_challenge` (S256: 43 base64url characters).
pub(crate) fn is_valid_s256_challenge(s: &str) -> bool {
    s.len() == 43 && jose::b64u_decode(s).is_some_and(|b| b.len() == 32)
}

/// The platform's signing keys.
pub(crate) struct SigningKeys {
    /// The provider's ID-token key.
    pub(crate) signer: IdTokenSigner,
    /// One per licence office.
    pub(crate) office_keys: Vec<IdTokenSigner>,
    /// The envelope codes' key.
    pub(crate) envelope_key: IdTokenSigner,
    /// The push messages' key.
    pub(crate) push_key: IdTokenSigner,
}

impl Shared {
    pub(crate) fn new(
        issuer: String,
        config: SimConfig,
        fixtures: Fixtures,
        keys: SigningKeys,
        catalogue: Catalogue,
        services: Services,
    ) -> Shared {
        let SigningKeys { signer, office_keys, envelope_key, push_key } = keys;
        Shared {
            issuer,
            fixtures,
            signer,
            office_keys,
            envelope_key,
            push_key,
            catalogue,
            services: services.catalogue,
            served: services.served,
            calendar: services.calendar,
            state: Mutex::new(State {
                dpop_nonce: NonceState {
                    mode: if config.require_dpop_nonce { DpopNonceMode::Required } else { DpopNonceMode::Off },
                    current: jose::random_token(),
                    previous: None,
                },
                ..State::default()
            }),
            cases: Mutex::new(Book::default()),
            config,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The case book. Lock order: the book before the protocol state.
    pub(crate) fn lock_cases(&self) -> MutexGuard<'_, Book> {
        self.cases.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether the licence with this office and status index is revoked.
    /// A copy of a licence (batch issuance) counts as the licence it copies.
    pub(crate) fn revoked_contains(&self, office: usize, idx: u32) -> bool {
        let st = self.lock();
        let slot = st.copy_slots.get(&(office, idx)).copied().unwrap_or((office, idx));
        st.revoked.contains(&slot)
    }

    /// The licence slot a status slot belongs to: a copy's licence, else the slot itself.
    pub(crate) fn licence_slot(&self, office: usize, idx: u32) -> (usize, u32) {
        self.lock().copy_slots.get(&(office, idx)).copied().unwrap_or((office, idx))
    }

    /// Copies issued for this office so far (status indices in use besides the licences').
    pub(crate) fn copies_of_office(&self, office: usize) -> u32 {
        self.lock().copy_counts.get(&office).copied().unwrap_or(0)
    }

    pub(crate) fn client_known(&self, client_id: &str) -> bool {
        self.config.clients.iter().any(|c| c.client_id == client_id)
    }

    pub(crate) fn redirect_registered(&self, client_id: &str, redirect_uri: &str) -> bool {
        self.config.clients.iter().any(|c| c.client_id == client_id && c.redirect_uris.iter().any(|r| r == redirect_uri))
    }

    // ----- faults and stats -----

    pub(crate) fn set_fault(&self, fault: Fault) {
        let mut st = self.lock();
        match fault {
            Fault::FailNext { path, status, count } => {
                if count > 0 {
                    st.faults.fail_next.entry(path).or_default().push_back((status, count));
                }
            }
            Fault::Delay { path, millis } => {
                st.faults.delay.insert(path, millis);
            }
            Fault::IdToken(f) => {
                st.faults.id_token.insert(f);
            }
            Fault::DenyAuthorization => st.faults.deny_authorization = true,
            Fault::WrongUserinfoSubject => st.faults.wrong_userinfo_subject = true,
            Fault::LoseResponse { path, count } => {
                if count > 0 {
                    *st.faults.lose_response.entry(path).or_insert(0) += count;
                }
            }
            Fault::Answer { path, status, error, retry_after, count } => {
                if count > 0 {
                    let answer = Answer { status, error, retry_after };
                    st.faults.answer.entry(path).or_default().push_back((answer, count));
                }
            }
        }
    }

    pub(crate) fn clear_faults(&self) {
        self.lock().faults = Faults::default();
    }

    pub(crate) fn expire_access_tokens(&self) {
        let now = Instant::now();
        for entry in self.lock().access_tokens.values_mut() {
            entry.expires_at = entry.expires_at.min(now);
        }
    }

    /// Whether `/userinfo` should name another subject (fault).
    pub(crate) fn wrong_userinfo_subject(&self) -> bool {
        self.lock().faults.wrong_userinfo_subject
    }

    pub(crate) fn stats(&self) -> SimStats {
        self.lock().stats.clone()
    }

    /// Starts keeping every request (dropping any kept before).
    pub(crate) fn start_recording(&self) {
        self.lock().recorded = Some(Vec::new());
    }

    /// Whether requests are being kept.
    pub(crate) fn recording(&self) -> bool {
        self.lock().recorded.is_some()
    }

    /// Keeps a request, if recording.
    pub(crate) fn record(&self, request: super::RecordedRequest) {
        if let Some(list) = self.lock().recorded.as_mut() {
            list.push(request);
        }
    }

    /// The requests kept so far.
    pub(crate) fn recorded(&self) -> Vec<super::RecordedRequest> {
        self.lock().recorded.clone().unwrap_or_default()
    }

    /// Counts the request and takes the faults that apply to it.
    pub(crate) fn on_request(&self, path: &str) -> RequestFaults {
        let mut st = self.lock();
        *st.stats.requests.entry(path.to_owned()).or_insert(0) += 1;
        let delay = st.faults.delay.get(path).copied();
        let mut fail = None;
        if let Some(queue) = st.faults.fail_next.get_mut(path) {
            if let Some(front) = queue.front_mut() {
                fail = Some(front.0);
                front.1 = front.1.saturating_sub(1);
                if front.1 == 0 {
                    queue.pop_front();
                }
            }
            if queue.is_empty() {
                st.faults.fail_next.remove(path);
            }
        }
        let mut answer = None;
        if fail.is_none() {
            if let Some(queue) = st.faults.answer.get_mut(path) {
                if let Some(front) = queue.front_mut() {
                    answer = Some(front.0.clone());
                    front.1 = front.1.saturating_sub(1);
                    if front.1 == 0 {
                        queue.pop_front();
                    }
                }
                if queue.is_empty() {
                    st.faults.answer.remove(path);
                }
            }
        }
        // A failed request is not handled, so its answer cannot be lost.
        let mut lose = false;
        if fail.is_none() && answer.is_none() {
            if let Some(n) = st.faults.lose_response.get_mut(path) {
                lose = true;
                *n = n.saturating_sub(1);
                if *n == 0 {
                    st.faults.lose_response.remove(path);
                }
            }
        }
        RequestFaults { delay, fail, lose, answer }
    }

    // ----- DPoP -----

    /// Verifies a proof and records its `jti` (a replayed `jti` is refused).
    pub(crate) fn check_proof(
        &self,
        proof: &str,
        method: &str,
        path: &str,
        access_token: Option<&str>,
    ) -> Result<VerifiedProof, &'static str> {
        let now = unix_now();
        let url = format!("{}{}", self.issuer, path);
        let verified = jose::verify_dpop_proof(proof, &ProofExpectation { method, url: &url, now, access_token })?;
        let mut st = self.lock();
        if st.jtis.len() > 4096 {
            st.jtis.retain(|_, exp| *exp >= now);
        }
        // Keyed by key and jti; kept until the proof could no longer pass the iat check.
        let key = format!("{}:{}", verified.jkt, verified.jti);
        match st.jtis.get(&key) {
            Some(exp) if *exp >= now => return Err("proof jti was already used"),
            _ => {}
        }
        st.jtis.insert(key, now + 2 * jose::IAT_WINDOW_SECS + 1);
        let nonce_ok = match st.dpop_nonce.mode {
            DpopNonceMode::Off => true,
            DpopNonceMode::Required => {
                verified.nonce.as_deref().is_some_and(|n| n == st.dpop_nonce.current || st.dpop_nonce.previous.as_deref() == Some(n))
            }
            DpopNonceMode::RejectAll => false,
        };
        if !nonce_ok {
            st.stats.dpop_nonce_challenges += 1;
            return Err(USE_DPOP_NONCE);
        }
        Ok(verified)
    }

    /// The nonce to hand out in `DPoP-Nonce`, when nonces are demanded.
    pub(crate) fn dpop_nonce(&self) -> Option<String> {
        let st = self.lock();
        (st.dpop_nonce.mode != DpopNonceMode::Off).then(|| st.dpop_nonce.current.clone())
    }

    pub(crate) fn set_dpop_nonce_mode(&self, mode: DpopNonceMode) {
        self.lock().dpop_nonce.mode = mode;
    }

    /// Issues a new nonce; the one before it stays accepted, the older ones no longer are.
    pub(crate) fn rotate_dpop_nonce(&self) {
        let mut st = self.lock();
        let fresh = jose::random_token();
        let old = std::mem::replace(&mut st.dpop_nonce.current, fresh);
        st.dpop_nonce.previous = Some(old);
    }

    // ----- PAR and authorization -----

    pub(crate) fn push_authorization(&self, entry: ParEntry) -> String {
        let request_uri = format!("urn:ietf:params:oauth:request_uri:{}", jose::random_token());
        let mut st = self.lock();
        let now = Instant::now();
        st.pars.retain(|_, p| p.expires_at > now);
        st.pars.insert(request_uri.clone(), entry);
        request_uri
    }

    /// Looks up a pushed request without consuming it.
    pub(crate) fn peek_par(&self, client_id: &str, request_uri: &str) -> Result<ParEntry, &'static str> {
        let st = self.lock();
        match st.pars.get(request_uri) {
            Some(p) if p.expires_at <= Instant::now() => Err("request_uri has expired"),
            Some(p) if p.client_id != client_id => Err("request_uri was pushed by another client"),
            Some(p) => Ok(p.clone()),
            None => Err("request_uri is unknown or already used"),
        }
    }

    /// Consumes the pushed request and issues a code for `sub` (or a denial, if that fault is
    /// set).
    pub(crate) fn authorize(&self, client_id: &str, request_uri: &str, sub: &str) -> Result<AuthorizeOutcome, &'static str> {
        let mut st = self.lock();
        let par = match st.pars.remove(request_uri) {
            Some(p) if p.expires_at <= Instant::now() => return Err("request_uri has expired"),
            Some(p) if p.client_id != client_id => {
                st.pars.insert(request_uri.to_owned(), p);
                return Err("request_uri was pushed by another client");
            }
            Some(p) => p,
            None => return Err("request_uri is unknown or already used"),
        };
        if st.faults.deny_authorization {
            return Ok(AuthorizeOutcome::Denied { redirect_uri: par.redirect_uri, state: par.state });
        }
        let code = jose::random_token();
        let now = Instant::now();
        st.codes.retain(|_, c| c.used || c.expires_at > now);
        let outcome = AuthorizeOutcome::Code { redirect_uri: par.redirect_uri.clone(), code: code.clone(), state: par.state.clone() };
        st.codes.insert(
            code,
            CodeEntry {
                par,
                sub: sub.to_owned(),
                auth_time: unix_now(),
                expires_at: now + self.config.code_ttl,
                used: false,
                family: None,
            },
        );
        Ok(outcome)
    }

    // ----- token endpoint -----

    fn revoke_family(st: &mut State, family: u64) {
        if let Some(f) = st.families.get_mut(&family) {
            if !f.revoked {
                f.revoked = true;
                st.stats.family_revocations += 1;
            }
        }
    }

    fn issue(&self, st: &mut State, family: u64) -> (String, String) {
        let access = jose::random_token();
        let refresh = jose::random_token();
        st.access_tokens
            .insert(access.clone(), AccessEntry { family, expires_at: Instant::now() + self.config.access_token_ttl, revoked: false });
        st.refresh_tokens.insert(refresh.clone(), RefreshEntry { family, rotated: false });
        (access, refresh)
    }

    pub(crate) fn code_grant(&self, grant: &CodeGrant<'_>, proof: &VerifiedProof) -> Result<Issued, OAuthError> {
        let mut st = self.lock();
        let st = &mut *st;
        let Some(entry) = st.codes.get_mut(grant.code) else {
            return Err(OAuthError::grant("code is unknown"));
        };
        if entry.used {
            // Replay: revoke everything issued from the first use.
            let family = entry.family;
            if let Some(f) = family {
                Self::revoke_family(st, f);
            }
            return Err(OAuthError::grant("code was already used"));
        }
        if let Some(jkt) = &entry.par.dpop_jkt {
            // Not consumed: whoever holds a code bound to another key cannot burn it.
            if *jkt != proof.jkt {
                return Err(OAuthError::dpop("proof key does not match dpop_jkt"));
            }
        }
        entry.used = true;
        if entry.expires_at <= Instant::now() {
            return Err(OAuthError::grant("code has expired"));
        }
        if entry.par.client_id != grant.client_id {
            return Err(OAuthError::grant("code was issued to another client"));
        }
        if entry.par.redirect_uri != grant.redirect_uri {
            return Err(OAuthError::grant("redirect_uri does not match"));
        }
        if !is_pkce_string(grant.code_verifier, 43, 128) || jose::sha256_b64u(grant.code_verifier.as_bytes()) != entry.par.code_challenge {
            return Err(OAuthError::grant("code_verifier does not match the code_challenge"));
        }
        let family_id = st.next_family;
        st.next_family += 1;
        entry.family = Some(family_id);
        let scope = entry.par.scope.clone();
        let now = unix_now();
        let claims = json!({
            "iss": self.issuer,
            "sub": entry.sub,
            "aud": entry.par.client_id,
            "exp": now + ID_TOKEN_TTL_SECS,
            "iat": now,
            "auth_time": entry.auth_time,
            "nonce": entry.par.nonce,
        });
        st.families.insert(
            family_id,
            Family {
                sub: entry.sub.clone(),
                client_id: entry.par.client_id.clone(),
                jkt: proof.jkt.clone(),
                scope: scope.clone(),
                revoked: false,
            },
        );
        let (access_token, refresh_token) = self.issue(st, family_id);
        Ok(Issued {
            access_token,
            refresh_token,
            expires_in: self.config.access_token_ttl.as_secs(),
            scope,
            id_token_claims: Some(claims),
            id_token_faults: st.faults.id_token.clone(),
        })
    }

    pub(crate) fn count_refresh_grant(&self) {
        self.lock().stats.refresh_grants += 1;
    }

    pub(crate) fn refresh_grant(&self, client_id: &str, refresh_token: &str, proof: &VerifiedProof) -> Result<Issued, OAuthError> {
        let mut st = self.lock();
        let st = &mut *st;
        let Some(entry) = st.refresh_tokens.get(refresh_token) else {
            return Err(OAuthError::grant("refresh token is unknown"));
        };
        let (family_id, rotated) = (entry.family, entry.rotated);
        let Some(family) = st.families.get(&family_id) else {
            return Err(OAuthError::grant("refresh token is unknown"));
        };
        if family.revoked {
            return Err(OAuthError::grant("refresh token was revoked"));
        }
        if family.client_id != client_id {
            return Err(OAuthError::grant("refresh token was issued to another client"));
        }
        if family.jkt != proof.jkt {
            return Err(OAuthError::dpop("proof key does not match the refresh token's key"));
        }
        if rotated {
            Self::revoke_family(st, family_id);
            return Err(OAuthError::grant("refresh token was already used"));
        }
        let scope = family.scope.clone();
        if let Some(e) = st.refresh_tokens.get_mut(refresh_token) {
            e.rotated = true;
        }
        let (access_token, refresh_token) = self.issue(st, family_id);
        Ok(Issued {
            access_token,
            refresh_token,
            expires_in: self.config.access_token_ttl.as_secs(),
            scope,
            id_token_claims: None,
            id_token_faults: BTreeSet::new(),
        })
    }

    /// RFC 7009 revocation; unknown tokens and other clients' tokens are ignored.
    pub(crate) fn revoke(&self, client_id: &str, token: &str) {
        let mut st = self.lock();
        let st = &mut *st;
        if let Some(r) = st.refresh_tokens.get(token) {
            let family = r.family;
            if st.families.get(&family).is_some_and(|f| f.client_id == client_id) {
                Self::revoke_family(st, family);
            }
            return;
        }
        let owner_ok = st.access_tokens.get(token).and_then(|a| st.families.get(&a.family)).is_some_and(|f| f.client_id == client_id);
        if owner_ok {
            if let Some(a) = st.access_tokens.get_mut(token) {
                a.revoked = true;
            }
        }
    }

    // ----- resources -----

    /// Authorises a resource request: a live DPoP-bound access token and a matching proof.
    /// Returns the subject (citizen id).
    pub(crate) fn authorize_resource(
        &self,
        access_token: Option<&str>,
        proof: Option<&str>,
        method: &str,
        path: &str,
    ) -> Result<Authorized, ApiError> {
        let token = access_token.ok_or(ApiError::InvalidToken("no DPoP access token"))?;
        let (jkt, sub) = {
            let st = self.lock();
            let entry = st.access_tokens.get(token).ok_or(ApiError::InvalidToken("access token is unknown"))?;
            let family = st.families.get(&entry.family).ok_or(ApiError::InvalidToken("access token is unknown"))?;
            if entry.revoked || family.revoked {
                return Err(ApiError::InvalidToken("access token was revoked"));
            }
            if entry.expires_at <= Instant::now() {
                return Err(ApiError::InvalidToken("access token has expired"));
            }
            (family.jkt.clone(), family.sub.clone())
        };
        let proof = proof.ok_or(ApiError::InvalidProof("DPoP proof missing"))?;
        let verified = self.check_proof(proof, method, path, Some(token)).map_err(|d| {
            if d == USE_DPOP_NONCE {
                ApiError::UseDpopNonce
            } else {
                ApiError::InvalidProof(d)
            }
        })?;
        if verified.jkt != jkt {
            return Err(ApiError::InvalidProof("proof key is not the key the token is bound to"));
        }
        Ok(Authorized { sub, proof_jwk: verified.jwk, proof_jkt: verified.jkt })
    }

    // ----- licences -----

    /// The issuer identifier of an office.
    pub(crate) fn office_issuer(&self, office: usize) -> Option<String> {
        LICENCE_OFFICES.get(office).map(|o| format!("{}/issuers/{}", self.issuer, o.id))
    }

    /// The status list URI of an office.
    pub(crate) fn status_uri(&self, office: usize) -> Option<String> {
        LICENCE_OFFICES.get(office).map(|o| format!("{}/status/{}", self.issuer, o.id))
    }

    /// The `{"keys": [...]}` of an office.
    pub(crate) fn office_jwks(&self, office: usize) -> Option<Value> {
        self.office_keys.get(office).map(|k| json!({"keys": [k.public_jwk()]}))
    }

    /// Issues one licence bound to `holder_jwk` (already checked to be a public P-256 JWK).
    pub(crate) fn issue_licence(&self, record: &LicenceRecord, holder_jwk: &Value, times: Times) -> Option<String> {
        let key = self.office_keys.get(record.office)?;
        Some(licences::issue(record, key, &self.issuer, holder_jwk, times))
    }

    /// Every licence of `holder` (its fixture licences, then those its cases issued), issued now
    /// with the configured lifetime.
    pub(crate) fn issue_all(&self, holder: &str, holder_jwk: &Value) -> Vec<String> {
        let now = unix_now();
        let ttl = i64::try_from(self.config.licence_ttl.as_secs()).unwrap_or(i64::MAX / 2);
        let delay = i64::try_from(self.config.licence_not_before_delay.as_secs()).unwrap_or(0);
        let times = Times { iat: now, nbf: now.saturating_add(delay), exp: now.saturating_add(delay).saturating_add(ttl) };
        let mut out: Vec<String> = self.catalogue.of_holder(holder).filter_map(|r| self.issue_licence(r, holder_jwk, times)).collect();
        for r in self.result_records(holder) {
            out.extend(self.issue_licence(&r, holder_jwk, times));
        }
        out
    }

    /// The birth medical certificates of the minor children of a parent (parents keep their
    /// child's certificate), issued now like [`Shared::issue_all`].
    pub(crate) fn issue_children(&self, parent: &str, holder_jwk: &Value) -> Vec<String> {
        let now = unix_now();
        let ttl = i64::try_from(self.config.licence_ttl.as_secs()).unwrap_or(i64::MAX / 2);
        let delay = i64::try_from(self.config.licence_not_before_delay.as_secs()).unwrap_or(0);
        let times = Times { iat: now, nbf: now.saturating_add(delay), exp: now.saturating_add(delay).saturating_add(ttl) };
        let (y, m, d) = licences::china_date(now);
        self.fixtures
            .licence_facts()
            .births
            .iter()
            .filter(|b| b.mother == parent || b.father == parent)
            .filter(|b| self.fixtures.citizen(&b.child).and_then(|c| c.age_on(y, m, d)).is_some_and(|age| age < 18))
            .filter_map(|b| self.catalogue.find(&b.child, licences::VCT_BIRTH_MEDICAL_CERTIFICATE))
            .filter_map(|r| self.issue_licence(r, holder_jwk, times))
            .collect()
    }

    /// Revokes the holder's licence of this type (a fixture licence, or the latest one a case
    /// issued); false if there is none.
    pub(crate) fn revoke_licence(&self, holder: &str, vct: &str) -> bool {
        let slot = match self.catalogue.find(holder, vct) {
            Some(r) => Some((r.office, r.status_idx)),
            None => self.result_slot(holder, vct),
        };
        match slot {
            Some(slot) => {
                self.lock().revoked.insert(slot);
                true
            }
            None => false,
        }
    }

    /// The signed status list of an office.
    pub(crate) fn status_list(&self, office: usize) -> Option<std::io::Result<String>> {
        let key = self.office_keys.get(office)?;
        let uri = self.status_uri(office)?;
        let revoked: Vec<u32> = {
            let st = self.lock();
            // A revoked licence's bit, and the bit of every copy of it.
            let copies = st.copy_slots.iter().filter(|(_, parent)| st.revoked.contains(parent)).map(|(slot, _)| *slot);
            st.revoked.iter().copied().chain(copies).filter(|(o, _)| *o == office).map(|(_, idx)| idx).collect()
        };
        Some(licences::status_list_jwt(key, &uri, revoked, unix_now()))
    }
}

// ----- batch issuance of licence copies -----

/// Most proofs (copies of each licence) one `POST /api/v1/licences/batch` may carry.
pub(crate) const MAX_BATCH_COPIES: usize = 20;
/// How long a nonce from `POST /api/v1/licences/nonce` stays usable.
pub(crate) const COPY_NONCE_TTL_SECS: i64 = 300;
/// How far a proof's `iat` may be from the simulator's clock.
const COPY_PROOF_SKEW_SECS: i64 = 300;
/// The `typ` of a key proof (OpenID4VCI, proof type `jwt`).
pub(crate) const COPY_PROOF_TYP: &str = "openid4vci-proof+jwt";

/// Why a batch request was refused: the `error` of the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CopyError {
    /// `400 invalid_request`: no proofs, or the body is not as documented.
    InvalidRequest(&'static str),
    /// `400 batch_too_large`: more than [`MAX_BATCH_COPIES`] proofs.
    BatchTooLarge,
    /// `400 invalid_proof`: a proof's `typ`, `alg`, key, signature, `aud` or `iat` is wrong.
    InvalidProof(&'static str),
    /// `400 invalid_nonce`: the nonce is missing, unknown, expired, another person's, used
    /// before, or not the same in every proof.
    InvalidNonce,
    /// `400 key_reused`: two proofs name one key, or a key was bound to a copy before.
    KeyReused,
    /// `503 status_list_full`: an office's status list has no index left for the copies.
    StatusListFull,
}

impl CopyError {
    pub(crate) fn parts(self) -> (u16, &'static str, &'static str) {
        match self {
            Self::InvalidRequest(d) => (400, "invalid_request", d),
            Self::BatchTooLarge => (400, "batch_too_large", "at most 20 proofs per request"),
            Self::InvalidProof(d) => (400, "invalid_proof", d),
            Self::InvalidNonce => (400, "invalid_nonce", "the proofs must carry a fresh nonce from POST /api/v1/licences/nonce"),
            Self::KeyReused => (400, "key_reused", "every copy needs a key never bound before"),
            Self::StatusListFull => (503, "status_list_full", "the office's status list is full"),
        }
    }
}

impl Shared {
    /// A fresh single-use nonce for `person`'s next batch request, and its lifetime.
    pub(crate) fn issue_copy_nonce(&self, person: &str) -> (String, i64) {
        let nonce = jose::random_token();
        let now = unix_now();
        let mut st = self.lock();
        st.copy_nonces.retain(|_, (_, until)| *until > now);
        st.copy_nonces.insert(nonce.clone(), (person.to_owned(), now.saturating_add(COPY_NONCE_TTL_SECS)));
        (nonce, COPY_NONCE_TTL_SECS)
    }

    /// One proof checked for its form, key, signature, audience and time: its key and nonce.
    fn check_copy_proof(&self, proof: &str, now: i64) -> Result<(Value, Option<String>), CopyError> {
        let c = jose::parse_compact(proof).ok_or(CopyError::InvalidProof("a proof is not a compact JWS"))?;
        if c.header.get("typ").and_then(Value::as_str) != Some(COPY_PROOF_TYP) {
            return Err(CopyError::InvalidProof("proof typ must be openid4vci-proof+jwt"));
        }
        if c.header.get("alg").and_then(Value::as_str) != Some("ES256") {
            return Err(CopyError::InvalidProof("proof alg must be ES256"));
        }
        let jwk =
            c.header.get("jwk").and_then(jose::public_p256_jwk).ok_or(CopyError::InvalidProof("proof jwk must be a public P-256 key"))?;
        if !jose::verify_es256_jwk(&jwk, c.signing_input, c.signature) {
            return Err(CopyError::InvalidProof("proof signature does not verify"));
        }
        if c.payload.get("aud").and_then(Value::as_str) != Some(self.issuer.as_str()) {
            return Err(CopyError::InvalidProof("proof aud must be the platform's issuer"));
        }
        let iat = c.payload.get("iat").and_then(Value::as_i64).ok_or(CopyError::InvalidProof("proof has no iat"))?;
        if iat.saturating_sub(now).abs() > COPY_PROOF_SKEW_SECS {
            return Err(CopyError::InvalidProof("proof iat is not recent"));
        }
        Ok((jwk, c.payload.get("nonce").and_then(Value::as_str).map(str::to_owned)))
    }

    /// Issues one copy of each of `holder`'s licences (of type `vct` when given) per proof, for
    /// a call made by `person`: each copy bound to its proof's key, with fresh salts, its own
    /// status index (whose bit follows the licence's revocation) and its own signature.
    pub(crate) fn issue_copies(
        &self,
        person: &str,
        holder: &str,
        vct: Option<&str>,
        proofs: &[String],
    ) -> Result<Vec<(&'static str, Vec<String>)>, CopyError> {
        if proofs.is_empty() {
            return Err(CopyError::InvalidRequest("proofs must not be empty"));
        }
        if proofs.len() > MAX_BATCH_COPIES {
            return Err(CopyError::BatchTooLarge);
        }
        let now = unix_now();
        let mut keys = Vec::with_capacity(proofs.len());
        let mut nonce: Option<String> = None;
        for proof in proofs {
            let (jwk, n) = self.check_copy_proof(proof, now)?;
            let n = n.ok_or(CopyError::InvalidNonce)?;
            if nonce.as_ref().is_some_and(|first| *first != n) {
                return Err(CopyError::InvalidNonce);
            }
            nonce = Some(n);
            keys.push(jwk);
        }
        let thumbprints: Vec<String> = keys.iter().filter_map(jose::jwk_thumbprint).collect();
        let mut records: Vec<LicenceRecord> = self.catalogue.of_holder(holder).cloned().collect();
        records.extend(self.result_records(holder));
        records.retain(|r| vct.is_none_or(|v| r.vct == v));
        let results: HashMap<usize, u32> = self.lock_cases().result_counts.clone();
        // Under the state lock: the nonce is spent, the keys checked and remembered, the slots taken.
        let slots: Vec<Vec<u32>> = {
            let mut st = self.lock();
            let nonce = nonce.ok_or(CopyError::InvalidNonce)?;
            match st.copy_nonces.remove(&nonce) {
                Some((owner, until)) if owner == person && until > now => {}
                _ => return Err(CopyError::InvalidNonce),
            }
            let mut seen = HashSet::new();
            if thumbprints.len() != keys.len() || thumbprints.iter().any(|t| !seen.insert(t.as_str()) || st.copy_keys.contains(t)) {
                return Err(CopyError::KeyReused);
            }
            let mut needed: HashMap<usize, u32> = HashMap::new();
            for r in &records {
                *needed.entry(r.office).or_insert(0) += u32::try_from(keys.len()).unwrap_or(u32::MAX);
            }
            for (office, n) in &needed {
                let used = self
                    .catalogue
                    .count_of_office(*office)
                    .saturating_add(results.get(office).copied().unwrap_or(0))
                    .saturating_add(st.copy_counts.get(office).copied().unwrap_or(0));
                if used.saturating_add(*n) > licences::STATUS_LIST_SIZE {
                    return Err(CopyError::StatusListFull);
                }
            }
            st.copy_keys.extend(thumbprints.iter().cloned());
            let mut slots = Vec::with_capacity(records.len());
            for r in &records {
                let mut mine = Vec::with_capacity(keys.len());
                for _ in &keys {
                    let k = st.copy_counts.entry(r.office).or_insert(0);
                    // From the top of the office's sequence; licences take it from the bottom.
                    let idx = licences::status_index(licences::STATUS_LIST_SIZE - 1 - *k);
                    *k += 1;
                    st.copy_slots.insert((r.office, idx), (r.office, r.status_idx));
                    mine.push(idx);
                }
                slots.push(mine);
            }
            st.stats.licence_copies_issued += u64::try_from(records.len() * keys.len()).unwrap_or(u64::MAX);
            slots
        };
        let ttl = i64::try_from(self.config.licence_ttl.as_secs()).unwrap_or(i64::MAX / 2);
        let delay = i64::try_from(self.config.licence_not_before_delay.as_secs()).unwrap_or(0);
        let times = Times { iat: now, nbf: now.saturating_add(delay), exp: now.saturating_add(delay).saturating_add(ttl) };
        Ok(records
            .iter()
            .zip(slots)
            .map(|(r, idxs)| {
                let copies = keys
                    .iter()
                    .zip(idxs)
                    .filter_map(|(jwk, idx)| {
                        let mut copy = r.clone();
                        copy.status_idx = idx;
                        self.issue_licence(&copy, jwk, times)
                    })
                    .collect();
                (r.vct, copies)
            })
            .collect())
    }
}
