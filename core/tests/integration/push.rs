//! Encrypted push against the simulated platform and its carrier: a device subscribes, the
//! platform encrypts every notice to it (RFC 8291) and signs it, the shell hands the raw bodies
//! in; duplicates, pushes before pulls, tampered, foreign and unsigned bodies.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use citykit_core::cases::{CaseStatus, InboxChange, InboxChangeKind, InboxWatch, SubmissionOutcome};
use citykit_core::push::{ece, PushAction};
use citykit_core::{Client, Language};

use crate::env::Env;
use crate::services::filled_form;
use citykit_sim::{Fault, SimConfig};

const CITIZEN: &str = "citizen-03";
const MANUAL_ITEM: &str = "criminal-record-certificate";

/// Submits a manual case: one `case_status` notice (in review) for the applicant.
async fn manual_case(env: &Env, client: &Client, citizen: &str) -> String {
    let form = filled_form(env, client, MANUAL_ITEM, citizen).await;
    match client.cases().submit(&form.draft_id).await.unwrap() {
        SubmissionOutcome::Accepted { case } => case.id,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn notices_arrive_encrypted_once_each_and_pull_and_push_make_one_inbox() {
    let env = Env::start().await;
    let client = env.ready("a", CITIZEN).await;
    let push = client.push();
    assert_eq!(push.subscription().await.unwrap(), None);
    let endpoint = "https://carrier.example/send/device-a";
    let subscription = push.subscribe(endpoint).await.unwrap();
    assert_eq!((subscription.p256dh.len(), subscription.auth.len()), (87, 22));
    assert_eq!(push.subscription().await.unwrap(), Some(subscription.clone()));
    // Subscribing again keeps the keys.
    assert_eq!(push.subscribe(endpoint).await.unwrap(), subscription);

    let case_id = manual_case(&env, &client, CITIZEN).await;
    let bodies = env.sim.take_pushes(endpoint);
    assert_eq!(bodies.len(), 1, "one notice: the case is in review");
    // The carrier sees only ciphertext.
    assert!(!String::from_utf8_lossy(&bodies[0]).contains(&case_id));
    let outcome = push.receive(&bodies[0], Language::En).await.unwrap();
    assert_eq!((outcome.item.case_id.as_deref().unwrap_or_default(), outcome.item.status), (case_id.as_str(), Some(CaseStatus::InReview)));
    match &outcome.action {
        PushAction::Show { title, body, deep_link } => {
            assert!(title.contains("accepted"), "{title}");
            assert!(body.contains(&case_id));
            assert_eq!(deep_link, &format!("citykit://case/{case_id}"));
        }
        other => panic!("{other:?}"),
    }
    // The carrier delivers it twice: stored once, shown once.
    assert_eq!(push.receive(&bodies[0], Language::Zh).await.unwrap().action, PushAction::Duplicate);
    let inbox = client.cases().stored_inbox().await.unwrap();
    assert_eq!(inbox.iter().filter(|i| i.id == outcome.item.id).count(), 1);
    // The pulled copy is the same item.
    let pulled = client.cases().inbox().await.unwrap();
    assert_eq!(pulled.iter().filter(|i| i.id == outcome.item.id).count(), 1);

    // A push that overtakes older notices does not hide them from the next pull.
    let first = manual_case(&env, &client, CITIZEN).await;
    let second = manual_case(&env, &client, CITIZEN).await;
    let bodies = env.sim.take_pushes(endpoint);
    assert_eq!(bodies.len(), 2);
    let late = push.receive(&bodies[1], Language::En).await.unwrap();
    assert_eq!(late.item.case_id.as_deref(), Some(second.as_str()));
    let pulled = client.cases().inbox().await.unwrap();
    assert!(pulled.iter().any(|i| i.case_id.as_deref() == Some(first.as_str())), "the older notice was pulled");
    assert_eq!(pulled.iter().filter(|i| i.case_id.as_deref() == Some(second.as_str())).count(), 1);
    // Delivered late, the older one is a duplicate of what was pulled.
    assert_eq!(push.receive(&bodies[0], Language::En).await.unwrap().action, PushAction::Duplicate);

    // Logout removes the subscription at the platform and the push key on the device.
    assert_eq!(env.sim.push_endpoints(), [endpoint]);
    client.identity().logout().await.unwrap();
    assert_eq!(client.push().subscription().await.unwrap(), None);
    assert!(env.sim.push_endpoints().is_empty());
}

#[tokio::test]
async fn tampered_foreign_and_unsigned_bodies_are_refused_and_change_nothing() {
    let env = Env::start().await;
    let a = env.ready("a", CITIZEN).await;
    let b = env.ready("b", "citizen-05").await;
    let (ea, eb) = ("https://carrier.example/a", "https://carrier.example/b");
    let sub_a = a.push().subscribe(ea).await.unwrap();
    b.push().subscribe(eb).await.unwrap();
    manual_case(&env, &a, CITIZEN).await;
    manual_case(&env, &b, "citizen-05").await;
    let for_a = env.sim.take_pushes(ea).remove(0);
    let for_b = env.sim.take_pushes(eb).remove(0);
    let before = a.cases().stored_inbox().await.unwrap();
    let refused = |r: Result<citykit_core::push::PushOutcome, citykit_core::CityKitError>| r.unwrap_err().code().to_owned();

    // Changed in transit: the salt, the key id's length, the sender key, the ciphertext, the tag.
    // (The record size is not authenticated by RFC 8188: a larger one changes nothing for a
    // one-record body, so it is not tampering that matters.)
    for i in [0, 20, 25, 90, for_a.len() - 1] {
        let mut tampered = for_a.clone();
        tampered[i] ^= 0x40;
        let code = refused(a.push().receive(&tampered, Language::En).await);
        assert!(["push.undecryptable", "push.malformed"].contains(&code.as_str()), "byte {i}: {code}");
    }
    // Another device's body.
    assert_eq!(refused(a.push().receive(&for_b, Language::En).await), "push.undecryptable");
    assert_eq!(refused(a.push().receive(b"not a push", Language::En).await), "push.malformed");

    // Encrypted to A properly, but not signed by the platform: plain JSON, then a JWS of another key.
    let keys =
        |s: &citykit_core::push::PushSubscription| (URL_SAFE_NO_PAD.decode(&s.p256dh).unwrap(), URL_SAFE_NO_PAD.decode(&s.auth).unwrap());
    let (p256dh, auth) = keys(&sub_a);
    let sender = p256::SecretKey::random(&mut rand::rngs::OsRng);
    let seal = |text: &str| ece::encrypt(text.as_bytes(), &p256dh, &auth, &sender, &[9u8; 16]).unwrap();
    assert_eq!(refused(a.push().receive(&seal(r#"{"msg_id": "x"}"#), Language::En).await), "push.unsigned");
    let forger = p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng);
    let header = serde_json::json!({"alg": "ES256", "typ": "citykit-push+jwt", "kid": "push-forged"});
    let claims = serde_json::json!({"iss": env.sim.issuer(), "sub": ea, "msg_id": "inbox-999", "identity": CITIZEN,
        "item": {"id": 999, "at": 1, "kind": "case_status", "case_id": "C1", "status": "approved"}});
    let input = citykit_core::crypto::jose::signing_input(&header, &claims);
    let signature: p256::ecdsa::Signature = p256::ecdsa::signature::Signer::sign(&forger, input.as_bytes());
    let forged = citykit_core::crypto::jose::assemble(&input, &signature.to_bytes());
    assert_eq!(refused(a.push().receive(&seal(&forged), Language::En).await), "push.bad_signature");

    // Nothing of it reached the inbox.
    assert_eq!(a.cases().stored_inbox().await.unwrap(), before);
    // The genuine one still goes in.
    assert!(matches!(a.push().receive(&for_a, Language::En).await.unwrap().action, PushAction::Show { .. }));
    // A device that never subscribed cannot take pushes.
    let c = env.ready("c", "citizen-02").await;
    assert_eq!(refused(c.push().receive(&for_a, Language::En).await), "push.not_subscribed");
}

#[tokio::test]
async fn quiet_hours_and_the_daily_limit_hold_notifications_back_but_keep_the_notices() {
    use citykit_core::push::{HeldBack, PushSettings, QuietHours};
    let env = Env::start().await;
    let client = env.ready("a", CITIZEN).await;
    let push = client.push();
    let endpoint = "https://carrier.example/quiet";
    push.subscribe(endpoint).await.unwrap();
    assert_eq!(push.settings().await.unwrap(), PushSettings::default());
    // Quiet from an hour ago to an hour from now (China time), wrapping midnight if it must.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let minute = |t: i64| ((t + 8 * 3600).rem_euclid(86_400) / 60) as u32;
    let quiet = QuietHours { start_minute: minute(now - 3600), end_minute: minute(now + 3600), weekdays: vec![] };
    push.set_settings(PushSettings { quiet_hours: Some(quiet.clone()), daily_limit: None }).await.unwrap();
    let bad = PushSettings { quiet_hours: Some(QuietHours { start_minute: 1440, ..quiet }), daily_limit: None };
    assert_eq!(push.set_settings(bad).await.unwrap_err().code(), "config.invalid");

    let case_id = manual_case(&env, &client, CITIZEN).await;
    let body = env.sim.take_pushes(endpoint).remove(0);
    let held = push.receive(&body, Language::Zh).await.unwrap();
    assert_eq!(held.action, PushAction::Silent { reason: HeldBack::QuietHours });
    assert!(
        client.cases().stored_inbox().await.unwrap().iter().any(|i| i.case_id.as_deref() == Some(case_id.as_str())),
        "the notice is in the inbox"
    );
    assert_eq!(push.receive(&body, Language::Zh).await.unwrap().action, PushAction::Duplicate);

    // A limit of one a day: the first is shown, the second held back.
    push.set_settings(PushSettings { quiet_hours: None, daily_limit: Some(1) }).await.unwrap();
    manual_case(&env, &client, CITIZEN).await;
    manual_case(&env, &client, CITIZEN).await;
    let bodies = env.sim.take_pushes(endpoint);
    assert!(matches!(push.receive(&bodies[0], Language::Zh).await.unwrap().action, PushAction::Show { .. }));
    assert_eq!(push.receive(&bodies[1], Language::Zh).await.unwrap().action, PushAction::Silent { reason: HeldBack::DailyLimit });
}

#[tokio::test]
async fn the_inbox_is_paged_counted_read_and_deleted_and_a_repeated_push_does_not_bring_an_item_back() {
    let env = Env::start().await;
    let client = env.ready("a", CITIZEN).await;
    let (push, cases) = (client.push(), client.cases());
    let endpoint = "https://carrier.example/inbox";
    push.subscribe(endpoint).await.unwrap();
    for _ in 0..3 {
        manual_case(&env, &client, CITIZEN).await;
    }
    let bodies = env.sim.take_pushes(endpoint);
    assert_eq!(bodies.len(), 3);
    for body in &bodies {
        push.receive(body, Language::En).await.unwrap();
    }
    assert_eq!(cases.unread_count().await.unwrap(), 3);
    let first = cases.inbox_page(None, 2, false).await.unwrap();
    assert_eq!(first.len(), 2);
    assert!(first[0].id > first[1].id, "newest first");
    let rest = cases.inbox_page(Some(first[1].id), 2, false).await.unwrap();
    assert_eq!(rest.len(), 1);
    assert!(rest[0].id < first[1].id);
    cases.mark_read(first[0].id).await.unwrap();
    assert_eq!(cases.unread_count().await.unwrap(), 2);
    assert!(cases.inbox_page(None, 10, true).await.unwrap().iter().all(|i| !i.read && i.id != first[0].id));
    cases.delete_inbox_item(first[1].id).await.unwrap();
    assert_eq!(cases.delete_inbox_item(first[1].id).await.unwrap_err().code(), "case.unknown_inbox_item");
    assert_eq!(cases.mark_read(999_999).await.unwrap_err().code(), "case.unknown_inbox_item");
    // The carrier repeats every push, and the app pulls: the deleted item stays deleted.
    for body in &bodies {
        assert_eq!(push.receive(body, Language::En).await.unwrap().action, PushAction::Duplicate);
    }
    let pulled = cases.inbox().await.unwrap();
    assert!(!pulled.iter().any(|i| i.id == first[1].id), "{pulled:?}");
    assert_eq!(pulled.len(), 2);
}

/// The next change of `watch`, failing the test if none comes within five seconds.
async fn next_change(watch: &mut InboxWatch) -> InboxChange {
    tokio::time::timeout(std::time::Duration::from_secs(5), watch.next()).await.expect("an inbox change").expect("the feed is open")
}

#[tokio::test]
async fn the_inbox_stream_announces_every_change_with_the_unread_count() {
    let env = Env::start().await;
    let client = env.ready("a", CITIZEN).await;
    let (push, cases) = (client.push(), client.cases());
    let endpoint = "https://carrier.example/stream";
    push.subscribe(endpoint).await.unwrap();
    let mut watch = cases.watch_inbox();
    let current = next_change(&mut watch).await;
    assert_eq!((current.kind, current.unread_count), (InboxChangeKind::Current, 0));
    // A second watcher sees the same changes.
    let mut other = cases.watch_inbox();
    assert_eq!(next_change(&mut other).await.kind, InboxChangeKind::Current);

    // A push, then a pull bringing it and an older notice: each new item announced once.
    let older = manual_case(&env, &client, CITIZEN).await;
    manual_case(&env, &client, CITIZEN).await;
    let bodies = env.sim.take_pushes(endpoint);
    let pushed = push.receive(&bodies[1], Language::En).await.unwrap().item;
    let change = next_change(&mut watch).await;
    assert_eq!((change.kind, change.item_ids.clone(), change.unread_count), (InboxChangeKind::Added, vec![pushed.id], 1));
    let pulled = cases.inbox().await.unwrap();
    let older_id = pulled.iter().find(|i| i.case_id.as_deref() == Some(older.as_str())).unwrap().id;
    let change = next_change(&mut watch).await;
    assert_eq!((change.kind, change.item_ids, change.unread_count), (InboxChangeKind::Added, vec![older_id], 2));
    // A duplicate push and a pull with nothing new announce nothing; reading does.
    push.receive(&bodies[0], Language::En).await.unwrap();
    cases.inbox().await.unwrap();
    cases.mark_read(older_id).await.unwrap();
    cases.mark_read(older_id).await.unwrap();
    let change = next_change(&mut watch).await;
    assert_eq!((change.kind, change.item_ids, change.unread_count), (InboxChangeKind::Read, vec![older_id], 1));
    cases.delete_inbox_item(pushed.id).await.unwrap();
    let change = next_change(&mut watch).await;
    assert_eq!((change.kind, change.item_ids, change.unread_count), (InboxChangeKind::Deleted, vec![pushed.id], 0));

    // Another identity's inbox after a switch; back again.
    let enterprise = env.sim.fixtures().enterprises_for(CITIZEN)[0].0.id.clone();
    client.identity().switch_identity(&enterprise).await.unwrap();
    assert_eq!(next_change(&mut watch).await.kind, InboxChangeKind::Current);
    client.identity().switch_identity(CITIZEN).await.unwrap();
    assert_eq!(next_change(&mut watch).await.kind, InboxChangeKind::Current);

    // The other watcher, not read until now, saw the same changes; the two switches are one
    // `Current` for it (the inbox as it is now).
    let kinds: Vec<InboxChangeKind> = {
        let mut kinds = Vec::new();
        for _ in 0..5 {
            kinds.push(next_change(&mut other).await.kind);
        }
        kinds
    };
    use InboxChangeKind::*;
    assert_eq!(kinds, [Added, Added, Read, Deleted, Current]);

    // Logout clears it.
    client.identity().logout().await.unwrap();
    let change = next_change(&mut watch).await;
    assert_eq!((change.kind, change.unread_count), (InboxChangeKind::Cleared, 0));

    // A watch does not keep the client alive: once the app drops it, the watch ends.
    drop((client, push, cases, other));
    let end = tokio::time::timeout(std::time::Duration::from_secs(5), watch.next()).await.expect("the watch ends");
    assert_eq!(end, None);
}

#[tokio::test]
async fn a_watcher_that_falls_behind_is_told_to_reread_instead_of_missing_changes() {
    let env = Env::start().await;
    let client = env.ready("a", CITIZEN).await;
    let cases = client.cases();
    let capacity = citykit_core::cases::FEED_CAPACITY;
    for _ in 0..capacity / 2 + 1 {
        manual_case(&env, &client, CITIZEN).await;
    }
    let items = cases.inbox().await.unwrap();
    let mut watch = cases.watch_inbox();
    next_change(&mut watch).await;
    // More changes than the feed keeps for a watcher that does not read.
    for item in &items {
        cases.mark_read(item.id).await.unwrap();
        cases.delete_inbox_item(item.id).await.unwrap();
    }
    assert!(items.len() * 2 > capacity);
    let change = next_change(&mut watch).await;
    assert_eq!((change.kind, change.unread_count), (InboxChangeKind::Current, 0), "told to re-read");
}

#[tokio::test]
async fn a_notice_too_large_for_its_push_is_fetched_by_reference_and_a_failed_fetch_loses_nothing() {
    // Every item goes by reference: the push carries its kind and inbox id only.
    let env = Env::start_with(SimConfig { push_inline_limit: 0, ..SimConfig::default() }).await;
    let client = env.ready("a", CITIZEN).await;
    let push = client.push();
    let endpoint = "https://carrier.example/by-reference";
    push.subscribe(endpoint).await.unwrap();
    let case_id = manual_case(&env, &client, CITIZEN).await;
    let body = env.sim.take_pushes(endpoint).remove(0);
    let inline_env = Env::start().await;
    let inline_client = inline_env.ready("b", CITIZEN).await;
    inline_client.push().subscribe(endpoint).await.unwrap();
    manual_case(&inline_env, &inline_client, CITIZEN).await;
    let inline_body = inline_env.sim.take_pushes(endpoint).remove(0);
    assert!(body.len() + 150 < inline_body.len(), "by reference {} bytes, inline {} bytes", body.len(), inline_body.len());
    println!("push bodies: by reference {} bytes, inline {} bytes", body.len(), inline_body.len());

    // The fetch fails: refused with the platform's answer, nothing stored.
    let item_path = "/api/v1/inbox/";
    let stored_before = client.cases().stored_inbox().await.unwrap();
    let id = stored_before.len() as i64 + 1;
    let path = format!("{item_path}{id}");
    env.sim.set_fault(Fault::FailNext { path: path.clone(), status: 404, count: 1 });
    let refused = push.receive(&body, Language::En).await.unwrap_err();
    assert_eq!(refused.code(), "net.http_status", "{refused:?}");
    assert_eq!(client.cases().stored_inbox().await.unwrap(), stored_before);
    // Handed in again, it is fetched, stored and shown.
    let outcome = push.receive(&body, Language::En).await.unwrap();
    assert_eq!((outcome.item.id, outcome.item.case_id.as_deref().unwrap_or_default()), (id, case_id.as_str()));
    assert_eq!(outcome.item.status, Some(CaseStatus::InReview));
    assert!(matches!(outcome.action, PushAction::Show { .. }));
    assert_eq!(env.sim.stats().requests_to(&path), 2);
    assert_eq!(push.receive(&body, Language::En).await.unwrap().action, PushAction::Duplicate);
}
