//! The device's side of push: its key and subscription, and every raw body the shell hands in
//! (decrypted, its platform signature checked, addressed to this device and an identity logged
//! in here, de-duplicated, stored in the one inbox).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::rand::{SecureRandom, SystemRandom};
use serde::Deserialize;
use serde_json::{json, Value};
use zeroize::Zeroizing;

use super::model::{PushAction, PushOutcome, PushSubscription};
use super::HeldBack;
use super::{db, ece, PushError};
use crate::api::{self, ApiCall};
use crate::autofill::AutofillClient;
use crate::cases::{CasesClient, InboxChangeKind, InboxItem, InboxKind};
use crate::crypto::jose::{CompactJws, EcJwk};
use crate::error::Language;
use crate::identity::IdentityClient;
use crate::net::NetError;
use crate::store::Store;
use crate::CityKitError;

/// Where the platform publishes the key its push messages are signed with.
pub const PUSH_KEYS_PATH: &str = "/.well-known/citykit-push-keys";
const MESSAGE_TYPE: &str = "citykit-push+jwt";

fn internal(details: &str) -> CityKitError {
    CityKitError::Internal { details: details.to_owned() }
}

/// A new push key and auth secret from the system's secure random source.
fn new_keys() -> Result<(p256::SecretKey, Zeroizing<Vec<u8>>), CityKitError> {
    let random = SystemRandom::new();
    let mut auth = Zeroizing::new(vec![0u8; 16]);
    random.fill(&mut auth).map_err(|_| internal("no secure random source"))?;
    for _ in 0..8 {
        let mut scalar = Zeroizing::new([0u8; 32]);
        random.fill(scalar.as_mut()).map_err(|_| internal("no secure random source"))?;
        if let Ok(key) = p256::SecretKey::from_slice(scalar.as_ref()) {
            return Ok((key, auth));
        }
    }
    Err(internal("no valid push key drawn"))
}

#[derive(Deserialize)]
struct PlatformKeys {
    keys: Vec<EcJwk>,
}

#[derive(Deserialize)]
struct Message {
    iss: String,
    sub: String,
    msg_id: String,
    identity: String,
    /// What the notice is about.
    kind: InboxKind,
    /// The notice's inbox id: fetched by it when the item did not fit in the push.
    #[serde(rename = "ref")]
    reference: i64,
    /// The notice itself, when it fits.
    #[serde(default)]
    item: Option<InboxItem>,
}

/// Push on this device. Cheap to clone.
#[derive(Clone)]
pub struct PushClient {
    identity: IdentityClient,
    store: Store,
    autofill: AutofillClient,
    /// The inbox the notices go into (and whose watchers hear of them).
    cases: CasesClient,
}

impl PushClient {
    pub(crate) fn new(identity: IdentityClient, store: Store, autofill: AutofillClient, cases: CasesClient) -> Self {
        Self { identity, store, autofill, cases }
    }

    /// Registers this device at the platform for pushes through the carrier's `endpoint` (the
    /// token or URL the shell got from FCM, APNs or a browser's push service). The push key and
    /// auth secret are made on first use and kept in the encrypted store; calling it again with
    /// a new endpoint renews the registration with the same keys.
    pub async fn subscribe(&self, endpoint: &str) -> Result<PushSubscription, CityKitError> {
        let stored = self.store.call(|conn| db::keys(conn)).await?;
        let (key, auth) = match stored {
            Some(stored) => (read_key(&stored.private_key)?, stored.auth_secret),
            None => new_keys()?,
        };
        self.register(endpoint, key, auth).await
    }

    /// New keys for the same endpoint (after a suspected leak, or on a schedule); the platform
    /// encrypts to the new ones from then on.
    pub async fn rotate_keys(&self) -> Result<PushSubscription, CityKitError> {
        let endpoint = self.store.call(|conn| db::keys(conn)).await?.map(|k| k.endpoint).ok_or(PushError::NotSubscribed)?;
        let (key, auth) = new_keys()?;
        self.register(&endpoint, key, auth).await
    }

    /// This device's subscription as stored (no network); `None` before [`Self::subscribe`].
    pub async fn subscription(&self) -> Result<Option<PushSubscription>, CityKitError> {
        let stored = self.store.call(|conn| db::keys(conn)).await?;
        stored.map(|k| Ok(subscription_of(&k.endpoint, &read_key(&k.private_key)?, &k.auth_secret))).transpose()
    }

    async fn register(&self, endpoint: &str, key: p256::SecretKey, auth: Zeroizing<Vec<u8>>) -> Result<PushSubscription, CityKitError> {
        let endpoint = endpoint.trim();
        if endpoint.is_empty() || endpoint.len() > 512 {
            return Err(PushError::InvalidEndpoint.into());
        }
        let subscription = subscription_of(endpoint, &key, &auth);
        let url = api::url(&self.identity, "/push/subscriptions").await?;
        let body = json!({"endpoint": endpoint, "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}});
        let idempotency = crate::crypto::random_id(16).map_err(|_| internal("no secure random source"))?;
        let reply = api::authorized_call(&self.identity, ApiCall::write(reqwest::Method::POST, &url, &body, &idempotency), true).await?;
        if !reply.is_success() {
            return Err(NetError::Status { status: reply.status, error: reply.error_body().map(|b| b.error) }.into());
        }
        let private = Zeroizing::new(key.to_bytes().to_vec());
        let (endpoint_db, now) = (endpoint.to_owned(), crate::platform::now_unix_secs());
        self.store.call(move |conn| db::store_keys(conn, &private, &auth, &endpoint_db, now)).await?;
        tracing::info!("push subscription registered");
        Ok(subscription)
    }

    /// Handles one raw push body the shell received: decrypts it with this device's key (RFC
    /// 8291), checks the platform's signature and that it is addressed to this subscription and
    /// to an identity logged in here, stores its notice in the inbox (once, whatever the carrier
    /// repeats) and says what to show, in `language`. A refused body changes nothing.
    pub async fn receive(&self, body: &[u8], language: Language) -> Result<PushOutcome, CityKitError> {
        let stored = self.store.call(|conn| db::keys(conn)).await?.ok_or(PushError::NotSubscribed)?;
        let plaintext = ece::decrypt(body, &read_key(&stored.private_key)?, &stored.auth_secret)?;
        let endpoint = stored.endpoint;
        let text = std::str::from_utf8(&plaintext).map_err(|_| PushError::Unsigned)?;
        let jws = CompactJws::parse(text).map_err(|_| PushError::Unsigned)?;
        if jws.alg() != Some("ES256") || jws.header.get("typ").and_then(Value::as_str) != Some(MESSAGE_TYPE) {
            return Err(PushError::Unsigned.into());
        }
        let signer = self.platform_key(jws.kid()).await?;
        jws.verify_es256(&signer).map_err(|_| PushError::BadSignature)?;
        let message: Message = serde_json::from_value(jws.claims.clone()).map_err(|_| PushError::Unsigned)?;
        if message.iss != self.identity.issuer() {
            return Err(PushError::BadSignature.into());
        }
        let (current, person) = self.autofill.holders().await?;
        if message.sub != endpoint || (message.identity != current && Some(&message.identity) != person.as_ref()) {
            return Err(PushError::WrongRecipient.into());
        }
        let item = match message.item {
            Some(item) => item,
            None => self.fetch_by_reference(&message.identity, person.as_deref().unwrap_or(&current), message.reference).await?,
        };
        if item.id != message.reference || item.kind != message.kind {
            return Err(PushError::BadSignature.into());
        }
        // A campaign is broadcast to everyone: kept only when this identity is eligible, which
        // the device decides on its own (for the identity acted for now; a later pull as another
        // identity decides for that one).
        let because = if item.kind == InboxKind::PolicyCampaign {
            let matched = match (&item.campaign_id, message.identity == current) {
                (Some(id), true) => self.recommend().match_campaign(id).await?,
                _ => None,
            };
            match matched {
                Some(m) => m.because.into_iter().map(|f| f.fact).collect(),
                None => return Ok(PushOutcome { item, action: PushAction::Silent { reason: HeldBack::NotEligible } }),
            }
        } else {
            Vec::new()
        };
        let (holder, msg_id, now) = (message.identity, message.msg_id, crate::platform::now_unix_secs());
        let stored = item.clone();
        let first = self
            .store
            .call(move |conn| {
                let tx = conn.transaction()?;
                // New only if never pushed before (a notice the user deleted stays deleted when
                // a carrier repeats it) and not already pulled.
                let first = db::first_sight(&tx, &msg_id, now)? && crate::cases::insert_inbox_item(&tx, &holder, &stored)?;
                tx.commit()?;
                Ok(first)
            })
            .await?;
        let action = if first {
            self.cases.announce(InboxChangeKind::Added, vec![item.id]).await;
            let settings = self.settings().await?;
            let today = super::policy::china_day(now);
            let shown: Option<Value> = self.store.get("push", "shown").await?;
            let shown_today = shown
                .filter(|v| v.get("day").and_then(Value::as_i64) == Some(today))
                .and_then(|v| v.get("count").and_then(Value::as_u64))
                .map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX));
            if let Some(reason) = super::hold_back(item.kind, &settings, now, shown_today) {
                tracing::info!(?reason, "push held back");
                return Ok(PushOutcome { item, action: PushAction::Silent { reason } });
            }
            if !super::is_urgent(item.kind) {
                self.store.put("push", "shown", &json!({"day": today, "count": shown_today.saturating_add(1)})).await?;
            }
            let title = match language {
                Language::Zh => item.title_zh.clone(),
                Language::En => item.title_en.clone(),
            };
            let case = item.case_id.clone().unwrap_or_default();
            let (body, deep_link) = match (&item.campaign_id, &item.envelope_id) {
                (Some(campaign), _) => {
                    (crate::recommend::campaign::eligible_because(&because, language), format!("citykit://campaign/{campaign}"))
                }
                (None, Some(envelope)) => (case_line(&case, language), format!("citykit://envelope/{envelope}")),
                (None, None) => (case_line(&case, language), format!("citykit://case/{case}")),
            };
            PushAction::Show { title, body, deep_link }
        } else {
            PushAction::Duplicate
        };
        tracing::info!(duplicate = !first, "push received");
        Ok(PushOutcome { item, action })
    }

    fn recommend(&self) -> crate::recommend::RecommendClient {
        let (identity, store) = (self.identity.clone(), self.store.clone());
        crate::recommend::RecommendClient::new(
            identity.clone(),
            store.clone(),
            crate::wallet::WalletClient::new(identity.clone(), store.clone()),
            crate::catalogue::CatalogueClient::new(identity, store),
            self.cases.clone(),
        )
    }

    /// A notice too large for its push, fetched from the platform as the identity it is for
    /// (the person, or an enterprise they act for). A fetch that fails stores nothing: the
    /// shell may hand the body in again, and the next pull brings the notice anyway.
    async fn fetch_by_reference(&self, identity: &str, person: &str, reference: i64) -> Result<InboxItem, CityKitError> {
        let url = api::url(&self.identity, &format!("/inbox/{reference}")).await?;
        let acting_for = (identity != person).then(|| identity.to_owned());
        let reply = api::authorized_call_with(&self.identity, ApiCall::get(&url), acting_for, api::TokenSource::Session).await?;
        if !reply.is_success() {
            return Err(NetError::Status { status: reply.status, error: reply.error_body().map(|b| b.error) }.into());
        }
        reply.into_json()
    }

    /// The push settings (quiet hours, daily limit), as stored; none set by default.
    pub async fn settings(&self) -> Result<super::PushSettings, CityKitError> {
        let stored: Option<Value> = self.store.get("push", "settings").await?;
        Ok(stored.and_then(|v| serde_json::from_value(v).ok()).unwrap_or_default())
    }

    /// Keeps new push settings (quiet hours' minutes must be below 1440, weekdays 1–7).
    pub async fn set_settings(&self, settings: super::PushSettings) -> Result<(), CityKitError> {
        if let Some(q) = &settings.quiet_hours {
            if q.start_minute >= 1440 || q.end_minute >= 1440 || q.weekdays.iter().any(|d| !(1..=7).contains(d)) {
                return Err(CityKitError::Config("quiet hours: minutes 0–1439, weekdays 1–7".into()));
            }
        }
        let value = serde_json::to_value(&settings).map_err(|e| internal(&crate::privacy::json_problem(&e)))?;
        self.store.put("push", "settings", &value).await?;
        Ok(())
    }

    /// The platform's push key named `kid` (cached in the store; fetched when unknown).
    async fn platform_key(&self, kid: Option<&str>) -> Result<EcJwk, CityKitError> {
        let kid = kid.ok_or(PushError::Unsigned)?.to_owned();
        let find = |keys: &PlatformKeys| keys.keys.iter().find(|k| k.kid.as_deref() == Some(kid.as_str())).cloned();
        let cached: Option<Value> = self.store.get("push", "platform_keys").await?;
        if let Some(keys) = cached.and_then(|v| serde_json::from_value::<PlatformKeys>(v).ok()) {
            if let Some(key) = find(&keys) {
                return Ok(key);
            }
        }
        let url = format!("{}{PUSH_KEYS_PATH}", self.identity.issuer().trim_end_matches('/'));
        let text = self.identity.http().get_public(&url, "push keys").await?;
        let value: Value =
            serde_json::from_str(&text).map_err(|e| NetError::InvalidResponse { details: crate::privacy::json_problem(&e) })?;
        let keys: PlatformKeys =
            serde_json::from_value(value.clone()).map_err(|e| NetError::InvalidResponse { details: crate::privacy::json_problem(&e) })?;
        self.store.put("push", "platform_keys", &value).await?;
        find(&keys).ok_or_else(|| PushError::BadSignature.into())
    }
}

/// Removes this device's subscription at the platform (at logout, while the session is still
/// valid); best effort: a failure is logged, the local keys go with the logout anyway.
pub(crate) async fn forget_at_platform(identity: &IdentityClient, store: &Store) {
    let endpoint = match store.call(|conn| db::keys(conn)).await {
        Ok(Some(keys)) => keys.endpoint,
        Ok(None) => return,
        Err(e) => {
            tracing::warn!(code = e.code(), "push keys unreadable at logout");
            return;
        }
    };
    let query: String = url::form_urlencoded::Serializer::new(String::new()).append_pair("endpoint", &endpoint).finish();
    let result = async {
        let url = api::url(identity, &format!("/push/subscriptions?{query}")).await?;
        let call = ApiCall { method: reqwest::Method::DELETE, url: &url, body: None, idempotency_key: None, if_none_match: None };
        api::authorized_call(identity, call, false).await
    }
    .await;
    match result {
        Ok(reply) if reply.is_success() || reply.status == 404 => tracing::info!("push subscription removed at the platform"),
        Ok(reply) => tracing::warn!(status = reply.status, "the platform kept the push subscription"),
        Err(e) => tracing::warn!(code = e.code(), "the push subscription could not be removed at the platform"),
    }
}

/// "Case C…" in the user's language.
fn case_line(case: &str, language: Language) -> String {
    match language {
        Language::Zh => format!("办件 {case}"),
        Language::En => format!("Case {case}"),
    }
}

fn read_key(private: &[u8]) -> Result<p256::SecretKey, CityKitError> {
    p256::SecretKey::from_slice(private).map_err(|_| internal("the stored push key is unreadable"))
}

fn subscription_of(endpoint: &str, key: &p256::SecretKey, auth: &[u8]) -> PushSubscription {
    PushSubscription {
        endpoint: endpoint.to_owned(),
        p256dh: URL_SAFE_NO_PAD.encode(ece::public_key_bytes(key)),
        auth: URL_SAFE_NO_PAD.encode(auth),
    }
}
