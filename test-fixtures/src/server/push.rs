//! Push (a simulated carrier): devices register Web Push subscriptions (the carrier's endpoint,
//! their P-256 `p256dh` key and 16-byte `auth` secret); every inbox item of a subscribed identity
//! is signed by the platform's push key (a `citykit-push+jwt` JWS), encrypted to each of its
//! subscriptions with RFC 8291 (`aes128gcm`, citykit_core's `push::ece`) and queued at the
//! simulated carrier, from which tests and the QA client take the raw bodies as a phone's shell
//! would, and may hand them over twice, late or out of order. Part of `cases.rs` (the same book
//! and lock).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Value};

use citykit_core::push::ece;

use super::{err, jose, Answer, Book, CaseCaller, Shared};

/// A registered subscription.
pub(super) struct Subscription {
    identity: String,
    endpoint: String,
    p256dh: Vec<u8>,
    auth: Vec<u8>,
}

/// Subscriptions and the carrier's queues.
#[derive(Default)]
pub(super) struct Carrier {
    subscriptions: Vec<Subscription>,
    /// Bodies waiting at the carrier, by endpoint.
    queued: BTreeMap<String, Vec<Vec<u8>>>,
}

#[derive(Deserialize)]
struct SubscribeBody {
    endpoint: String,
    keys: Keys,
}

#[derive(Deserialize)]
struct Keys {
    p256dh: String,
    auth: String,
}

impl Shared {
    /// `POST /api/v1/push/subscriptions`: registers (or renews) a subscription for the caller's
    /// identity; the same endpoint replaces its earlier keys.
    pub(crate) fn push_subscribe(&self, caller: &CaseCaller, body: &[u8]) -> Answer {
        let Ok(parsed) = serde_json::from_slice::<SubscribeBody>(body) else {
            return err(400, "invalid_request");
        };
        let p256dh = jose::b64u_decode(&parsed.keys.p256dh).filter(|k| k.len() == 65 && k[0] == 4);
        let auth = jose::b64u_decode(&parsed.keys.auth).filter(|a| a.len() == 16);
        let endpoint = parsed.endpoint.trim().to_owned();
        let (Some(p256dh), Some(auth)) = (p256dh, auth) else {
            return err(422, "invalid_subscription");
        };
        if endpoint.is_empty() || endpoint.len() > 512 || p256::PublicKey::from_sec1_bytes(&p256dh).is_err() {
            return err(422, "invalid_subscription");
        }
        let mut book = self.lock_cases();
        let carrier = &mut book.carrier;
        carrier.subscriptions.retain(|s| s.endpoint != endpoint);
        carrier.subscriptions.push(Subscription { identity: caller.identity.clone(), endpoint: endpoint.clone(), p256dh, auth });
        tracing::debug!("push subscription registered");
        (201, json!({"endpoint": endpoint}))
    }

    /// `DELETE /api/v1/push/subscriptions?endpoint=`: the caller's subscription is removed.
    pub(crate) fn push_unsubscribe(&self, caller: &CaseCaller, endpoint: &str) -> Answer {
        let mut book = self.lock_cases();
        let before = book.carrier.subscriptions.len();
        book.carrier.subscriptions.retain(|s| !(s.endpoint == endpoint && s.identity == caller.identity));
        if book.carrier.subscriptions.len() == before {
            return err(404, "not_found");
        }
        book.carrier.queued.remove(endpoint);
        (200, json!({"endpoint": endpoint, "removed": true}))
    }

    /// The endpoints of every registered subscription.
    pub(crate) fn push_endpoints(&self) -> Vec<String> {
        self.lock_cases().carrier.subscriptions.iter().map(|s| s.endpoint.clone()).collect()
    }

    /// `GET /.well-known/citykit-push-keys`: the key push messages are signed with.
    pub(crate) fn push_keys(&self) -> Value {
        json!({"issuer": self.issuer, "keys": [self.push_key.public_jwk()]})
    }

    /// Signs `item` (an inbox item's JSON) for each subscription of `identity`, encrypts it to
    /// that subscription and queues it at the carrier. The message names the item's kind and
    /// inbox id (`ref`) and carries the item itself unless the encrypted body would be larger
    /// than [`SimConfig::push_inline_limit`](super::SimConfig::push_inline_limit); the device
    /// then fetches it by reference.
    pub(super) fn push_item(&self, book: &mut Book, identity: &str, item: &Value) {
        let now = book.now();
        let targets: Vec<(String, Vec<u8>, Vec<u8>)> = book
            .carrier
            .subscriptions
            .iter()
            .filter(|s| s.identity == identity)
            .map(|s| (s.endpoint.clone(), s.p256dh.clone(), s.auth.clone()))
            .collect();
        for (endpoint, p256dh, auth) in targets {
            let claims = json!({
                "iss": self.issuer,
                "sub": endpoint,
                "msg_id": format!("inbox-{}", item["id"]),
                "identity": identity,
                "iat": now,
                "kind": item["kind"],
                "ref": item["id"],
            });
            let mut inline = claims.clone();
            inline["item"] = item.clone();
            // The item itself when the body fits, else by reference.
            let body = self.push_body(&inline, &p256dh, &auth).filter(|b| b.len() <= self.config.push_inline_limit);
            match body.or_else(|| self.push_body(&claims, &p256dh, &auth)) {
                Some(body) => book.carrier.queued.entry(endpoint).or_default().push(body),
                None => tracing::error!("a push message could not be encrypted"),
            }
        }
    }

    /// `claims` signed and encrypted to one subscription (a fresh sender key and salt).
    fn push_body(&self, claims: &Value, p256dh: &[u8], auth: &[u8]) -> Option<Vec<u8>> {
        let jws = self.push_key.sign_typed("citykit-push+jwt", claims);
        let sender = ephemeral_key()?;
        let salt: [u8; 16] = rand::random();
        ece::encrypt(jws.as_bytes(), p256dh, auth, &sender, &salt).ok()
    }

    /// `POST /sim/push/take` `{"endpoint"}`: the bodies queued for an endpoint, oldest first,
    /// taken off the carrier (base64url).
    pub(crate) fn sim_push_take(&self, body: &[u8]) -> Answer {
        let Ok(parsed) = serde_json::from_slice::<Value>(body) else {
            return err(400, "invalid_request");
        };
        let Some(endpoint) = parsed.get("endpoint").and_then(Value::as_str) else {
            return err(400, "invalid_request");
        };
        let mut book = self.lock_cases();
        let bodies: Vec<String> = book.carrier.queued.remove(endpoint).unwrap_or_default().iter().map(jose::b64u).collect();
        (200, json!({"endpoint": endpoint, "bodies": bodies}))
    }
}

/// A fresh P-256 key for one message (RFC 8291's sender key).
fn ephemeral_key() -> Option<p256::SecretKey> {
    (0..8).find_map(|_| p256::SecretKey::from_slice(&rand::random::<[u8; 32]>()).ok())
}
