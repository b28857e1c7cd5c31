//! 容缺 pledges and 免跑腿 envelopes across the citizen, the courier and the service window,
//! against the simulated platform over HTTPS: the whole path, each refusal from a real forgery,
//! a courier failure recovered by retry, reminders and a broken pledge.

use citykit_core::cases::{CaseStatus, InboxKind, SubmissionOutcome};
use citykit_core::envelope::{code, EnvelopeClaims, EnvelopeStep};
use citykit_core::{Client, Personal};
use citykit_sim::{Fault, SimConfig};

use crate::env::Env;
use crate::services::filled_form;

/// Rents, so a proof of residence is missing for a residence permit (tolerated: 容缺 10 days).
const CITIZEN: &str = "citizen-05";
const PLEDGE_ITEM: &str = "residence-permit";
const ADDRESS: &str = "广东省深圳市南山区粤海街道科苑南路3099号";

/// A case of `PLEDGE_ITEM`, submitted; it waits for the pledge.
async fn case_awaiting_pledge(env: &Env, client: &Client) -> citykit_core::cases::Case {
    let form = filled_form(env, client, PLEDGE_ITEM, CITIZEN).await;
    match client.cases().submit(&form.draft_id).await.unwrap() {
        SubmissionOutcome::Accepted { case } => case,
        other => panic!("{other:?}"),
    }
}

/// A case accepted on a signed pledge, with its envelope.
async fn envelope_for_new_case(env: &Env, client: &Client) -> citykit_core::envelope::Envelope {
    let case = case_awaiting_pledge(env, client).await;
    let review = client.cases().review_pledge(&case.id).await.unwrap();
    client.cases().sign_pledge(&case.id, &review.pledge_sha256).await.unwrap();
    client.envelopes().create(&case.id, Personal::new(ADDRESS.to_owned())).await.unwrap()
}

#[tokio::test]
async fn a_missing_material_travels_from_the_door_to_the_window_on_a_signed_pledge() {
    let env = Env::start().await;
    let client = env.ready("citizen", CITIZEN).await;
    let cases = client.cases();

    // The pledge: reviewed, then signed with the device key.
    let case = case_awaiting_pledge(&env, &client).await;
    assert_eq!(case.status, CaseStatus::AwaitingPledge, "{case:?}");
    assert_eq!(case.pledge.as_ref().map(|p| p.signed_at), Some(None));
    let review = cases.review_pledge(&case.id).await.unwrap();
    assert_eq!(review.case_id, case.id);
    assert_eq!(review.materials.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), ["residence-proof"]);
    assert_eq!(review.deadline, citykit_sim::server::add_days(&env.sim.case_today(), 10).unwrap());
    assert!(review.text_zh.contains(&review.deadline) && review.text_zh.contains("失信"), "{}", review.text_zh);
    assert!(review.text_en.contains(&review.deadline) && review.text_en.contains("Proof of residence"), "{}", review.text_en);
    assert_eq!(cases.sign_pledge(&case.id, "not-what-was-reviewed").await.unwrap_err().code(), "case.content_changed");
    let signed = cases.sign_pledge(&case.id, &review.pledge_sha256).await.unwrap();
    assert_eq!(signed.status, CaseStatus::AwaitingMaterial);
    assert!(signed.pledge.as_ref().unwrap().signed_at.is_some());
    assert_eq!(cases.review_pledge("C00000000-000000").await.unwrap_err().code(), "case.unknown_case");

    // The envelope, with the pickup address the wallet offers and the user confirmed.
    let envelopes = client.envelopes();
    let offer = envelopes.pickup_address_from_wallet().await.unwrap().expect("the ID card has an address");
    assert_eq!((offer.vct.as_str(), offer.claim.as_str()), ("urn:citykit:vct:resident_id_card", "address"));
    assert_eq!(envelopes.create(&case.id, Personal::new("  ".into())).await.unwrap_err().code(), "envelope.invalid_address");
    let envelope = envelopes.create(&case.id, offer.address.clone()).await.unwrap();
    assert_eq!(envelope.status, EnvelopeStep::Created);
    assert_eq!((envelope.case_id.as_str(), envelope.item_id.as_str()), (case.id.as_str(), PLEDGE_ITEM));
    assert_eq!(envelope.deadline, review.deadline);
    assert_eq!(envelope.materials, review.materials);
    assert_eq!(envelope.destination.id, "public-security-window");
    assert!(envelope.code.starts_with("CKE1:") && envelope.code.len() < 300, "{}", envelope.code);
    assert_eq!(envelope.pickup_address, offer.address);
    let again = envelopes.create(&case.id, offer.address.clone()).await.unwrap();
    assert_eq!(again.id, envelope.id, "the envelope under way comes back");

    // The code carries nothing but the platform, the opaque id and the dates.
    let trust_document = envelopes.fetch_trust().await.unwrap();
    let window = client.envelope_window(&trust_document).unwrap();
    let claims = window.verify(&envelope.code, None).unwrap();
    assert_eq!(claims.envelope_id, envelope.id);
    assert_eq!((claims.issuer.as_str(), claims.expires_at), (env.sim.issuer().as_str(), envelope.expires_at));
    let fixture = env.sim.fixtures().citizen(CITIZEN).unwrap().clone();
    assert!(![&fixture.name, &fixture.id_number, &ADDRESS.to_owned()].iter().any(|v| trust_document.contains(v.as_str())));

    // The courier is called by scanning the code: a bad slot, then the courier's side failing
    // once (recovered by the retry, with the same idempotency key).
    let bad_slot = envelopes.request_pickup(&envelope.code, Some(envelope.created_at + 60)).await.unwrap_err();
    assert_eq!(bad_slot.code(), "envelope.invalid_slot");
    let courier = client.courier();
    assert_eq!(courier.scan(&envelope.code).await.unwrap_err().code(), "envelope.no_pickup_booked");
    let path = "/api/v1/envelopes/pickups";
    let before = env.sim.stats().requests_to(path);
    env.sim.set_fault(Fault::FailNext { path: path.into(), status: 503, count: 1 });
    let booked = envelopes.request_pickup(&format!("  {}\n", envelope.code), None).await.unwrap();
    assert_eq!(env.sim.stats().requests_to(path), before + 2, "the failed attempt and its retry");
    assert_eq!(booked.status, EnvelopeStep::PickupScheduled);
    let slot = booked.pickup.clone().unwrap();
    assert_eq!(slot.slot_end - slot.slot_start, 7200);
    assert!(slot.slot_start > envelope.created_at);

    // The courier's app scans at the door, then at the window's counter; the platform's envelope
    // document is fetched once for the scans, not once per scan.
    let documents = env.sim.stats().requests_to(citykit_core::envelope::TRUST_DOCUMENT_PATH);
    assert_eq!(courier.scan(&envelope.code).await.unwrap().status, EnvelopeStep::InTransit);
    assert_eq!(envelopes.request_pickup(&envelope.code, None).await.unwrap_err().code(), "envelope.already_picked_up");
    assert_eq!(courier.scan(&envelope.code).await.unwrap().status, EnvelopeStep::Delivered);
    assert_eq!(
        env.sim.stats().requests_to(citykit_core::envelope::TRUST_DOCUMENT_PATH),
        documents,
        "the cached document served both scans"
    );

    // The window checks the code offline, matches it to the case and records the receipt once.
    let receipt = window.receive(&envelope.code, None).await.unwrap();
    assert_eq!((receipt.case_id.as_str(), receipt.envelope_id.as_str()), (case.id.as_str(), envelope.id.as_str()));
    assert_eq!(receipt.materials, review.materials);
    assert!(!receipt.already_received);
    let repeated = window.receive(&envelope.code, None).await.unwrap();
    assert!(repeated.already_received);
    assert_eq!(repeated.received_at, receipt.received_at);

    // The window accepts the material: the pledge is kept and the case goes to review.
    env.sim.decide_material(&envelope.id, true, None).unwrap();
    let case_now = cases.case(&case.id).await.unwrap();
    assert_eq!(case_now.status, CaseStatus::InReview);
    assert!(case_now.pledge.as_ref().unwrap().fulfilled);

    // Every step is in the timeline, stored on the device, and in the inbox.
    let timeline = envelopes.timeline(&envelope.id).await.unwrap();
    let steps: Vec<EnvelopeStep> = timeline.iter().map(|e| e.kind).collect();
    use EnvelopeStep::*;
    assert_eq!(steps, [Created, PickupScheduled, PickedUp, InTransit, Delivered, Received, MaterialAccepted]);
    assert!(timeline.windows(2).all(|w| w[0].at <= w[1].at));
    assert_eq!(envelopes.stored_envelope(&envelope.id).await.unwrap().events, timeline);
    assert_eq!(envelopes.stored_envelopes().await.unwrap().len(), 1);
    let inbox = cases.inbox().await.unwrap();
    let about: Vec<&citykit_core::cases::InboxItem> =
        inbox.iter().filter(|i| i.kind == InboxKind::EnvelopeEvent && i.envelope_id.as_deref() == Some(envelope.id.as_str())).collect();
    assert_eq!(about.len(), steps.len(), "{inbox:?}");
    assert!(about.iter().all(|i| i.case_id.as_deref() == Some(case.id.as_str()) && !i.title_zh.is_empty() && !i.title_en.is_empty()));

    // The label: vector code, case number, destination, deadline; no fonts, no bitmaps.
    let label = envelopes.label_svg(&envelope.id).await.unwrap();
    for text in [case.id.as_str(), envelope.destination.name_zh.as_str(), envelope.deadline.as_str()] {
        assert!(label.contains(text), "{text}");
    }
    assert!(!label.contains("<image") && !label.contains("@font-face"));
    assert!(envelopes.screen_svg(&envelope.id, 300).await.unwrap().starts_with("<svg"));

    // Logout removes the envelopes (and the pickup address) from the store.
    client.identity().logout().await.unwrap();
    let cells = crate::logout::every_cell(&client).await;
    assert!(!cells.iter().any(|(t, v)| t == "envelopes" || v.contains(ADDRESS)), "left behind after logout");
}

/// Rewraps a code's COSE message after `change` (no new signature): what a tamperer can do.
fn tampered(scanned: &str, change: impl FnOnce(&mut coset::CoseSign1)) -> String {
    use coset::{CborSerializable, TaggedCborSerializable};
    use std::io::{Read, Write};
    let compressed = base45::decode(scanned.strip_prefix(code::PREFIX).unwrap()).unwrap();
    let mut cbor = Vec::new();
    flate2::read::ZlibDecoder::new(&compressed[..]).read_to_end(&mut cbor).unwrap();
    let mut message = coset::CoseSign1::from_tagged_slice(&cbor).unwrap();
    change(&mut message);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&message.to_vec().unwrap()).unwrap();
    format!("{}{}", code::PREFIX, base45::encode(z.finish().unwrap()))
}

#[tokio::test]
async fn forged_tampered_expired_revoked_and_foreign_envelopes_are_refused_with_their_reason() {
    let env = Env::start().await;
    let client = env.ready("citizen", CITIZEN).await;
    let envelope = envelope_for_new_case(&env, &client).await;
    let trust_document = client.envelopes().fetch_trust().await.unwrap();
    let window = client.envelope_window(&trust_document).unwrap();
    let refused = |text: &str, at: Option<i64>| window.verify(text, at).unwrap_err().code().to_owned();
    let claims = window.verify(&envelope.code, None).unwrap();

    // Tampered: the claims changed after signing (a later deadline), untagged on the way.
    let later = tampered(&envelope.code, |m| {
        use coset::CborSerializable;
        let mut set = coset::cwt::ClaimsSet::from_slice(m.payload.as_ref().unwrap()).unwrap();
        set.expiration_time = Some(coset::cwt::Timestamp::WholeSeconds(claims.expires_at + 30 * 86_400));
        m.payload = Some(set.to_vec().unwrap());
    });
    assert_eq!(refused(&later, None), "envelope.bad_signature");
    // The untagged form of the genuine message is accepted.
    assert_eq!(window.verify(&tampered(&envelope.code, |_| {}), None).unwrap(), claims);
    // Scanned garbage and a flipped Base45 character.
    assert_eq!(refused("https://example.com/?q=1", None), "envelope.malformed");
    let mut flipped = envelope.code.clone().into_bytes();
    let at = flipped.len() - 5;
    flipped[at] = if flipped[at] == b'A' { b'B' } else { b'A' };
    assert!(["envelope.malformed", "envelope.bad_signature"].contains(&refused(&String::from_utf8(flipped).unwrap(), None).as_str()));

    // Forged: signed by another key under the platform's own kid.
    let kid: serde_json::Value = serde_json::from_str(&trust_document).unwrap();
    let kid = kid["keys"][0]["kid"].as_str().unwrap().to_owned();
    let forger = p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng);
    let forged_claims = EnvelopeClaims { envelope_id: "00".repeat(16), ..claims.clone() };
    let forged = code::seal(&forged_claims, &kid, |bytes| {
        let s: p256::ecdsa::Signature = p256::ecdsa::signature::Signer::sign(&forger, bytes);
        Ok(s.to_bytes().to_vec())
    })
    .unwrap();
    assert_eq!(refused(&forged, None), "envelope.bad_signature");
    // The platform refuses it too, when the window's check is skipped.
    let courier = client.courier();
    assert_eq!(courier.scan(&forged).await.unwrap_err().code(), "envelope.bad_signature");

    // Foreign: another platform's genuine envelope.
    let other = Env::start().await;
    let foreign_client = other.ready("foreign", CITIZEN).await;
    let foreign = envelope_for_new_case(&other, &foreign_client).await;
    assert_eq!(refused(&foreign.code, None), "envelope.unknown_key");
    assert_eq!(window.receive(&foreign.code, None).await.unwrap_err().code(), "envelope.unknown_key");

    // Expired: the window's clock after the deadline day.
    assert_eq!(refused(&envelope.code, Some(envelope.expires_at + 1)), "envelope.expired");
    assert_eq!(window.receive(&envelope.code, Some(envelope.expires_at + 1)).await.unwrap_err().code(), "envelope.expired");
    assert!(window.verify(&envelope.code, Some(envelope.expires_at - 1)).is_ok(), "the whole deadline day counts");
    assert_eq!(envelope.expires_at % 86_400, 16 * 3600, "midnight in China after the deadline day");

    // Revoked: refused offline by a newer document, and online by the platform when the window's
    // document predates the revocation.
    env.sim.revoke_envelope(&envelope.id).unwrap();
    assert_eq!(window.receive(&envelope.code, None).await.unwrap_err().code(), "envelope.revoked");
    let fresh = client.envelope_window(&client.envelopes().fetch_trust().await.unwrap()).unwrap();
    assert_eq!(fresh.verify(&envelope.code, None).unwrap_err().code(), "envelope.revoked");
    assert_eq!(courier.scan(&envelope.code).await.unwrap_err().code(), "envelope.revoked");

    // An unreadable trust document is a typed error, not a window that trusts nothing.
    for bad in ["", "{}", r#"{"issuer": "x", "keys": []}"#, "[1,2]"] {
        assert_eq!(client.envelope_window(bad).err().unwrap().code(), "envelope.trust_document", "{bad}");
    }
}

#[tokio::test]
async fn reminders_come_before_the_deadline_and_a_pledge_not_kept_bars_further_pledges() {
    let env = Env::start().await;
    let client = env.ready("citizen", CITIZEN).await;
    let envelope = envelope_for_new_case(&env, &client).await;
    let cases = client.cases();
    let reminders = |inbox: &[citykit_core::cases::InboxItem]| inbox.iter().filter(|i| i.kind == InboxKind::PledgeReminder).count();
    assert_eq!(reminders(&cases.inbox().await.unwrap()), 0);
    // Ten days to go: nothing at 6 days left, one reminder at 3 days, another at 1 day.
    env.sim.advance_clock_days(4);
    assert_eq!(reminders(&cases.inbox().await.unwrap()), 0);
    env.sim.advance_clock_days(3);
    let inbox = cases.inbox().await.unwrap();
    assert_eq!(reminders(&inbox), 1);
    let reminder = inbox.iter().find(|i| i.kind == InboxKind::PledgeReminder).unwrap();
    assert_eq!(reminder.envelope_id.as_deref(), Some(envelope.id.as_str()));
    assert!(reminder.title_zh.contains(&envelope.deadline) && reminder.title_en.contains("3 days left"), "{reminder:?}");
    env.sim.advance_clock_days(2);
    assert_eq!(reminders(&cases.inbox().await.unwrap()), 2);
    env.sim.advance_clock_days(1);
    assert_eq!(reminders(&cases.inbox().await.unwrap()), 2, "each offset once");
    assert_eq!(cases.case(&envelope.case_id).await.unwrap().status, CaseStatus::AwaitingMaterial, "the deadline day itself counts");

    // The day after the deadline: the pledge is broken, the envelope revoked.
    env.sim.advance_clock_days(1);
    let broken = cases.case(&envelope.case_id).await.unwrap();
    assert_eq!(broken.status, CaseStatus::PledgeBroken);
    assert!(broken.status.is_finished());
    assert!(cases
        .inbox()
        .await
        .unwrap()
        .iter()
        .any(|i| i.case_id.as_deref() == Some(broken.id.as_str()) && i.status == Some(CaseStatus::PledgeBroken)));
    assert_eq!(client.envelopes().timeline(&envelope.id).await.unwrap().last().unwrap().kind, EnvelopeStep::Revoked);
    assert_eq!(env.sim.dishonest_persons(), [CITIZEN]);

    // No further pledges for this person: the submission is refused, its draft kept.
    let form = filled_form(&env, &client, PLEDGE_ITEM, CITIZEN).await;
    let err = cases.submit(&form.draft_id).await.unwrap_err();
    assert_eq!(err.code(), "case.pledge_not_allowed");
    let refusal = cases.refusals().await.unwrap().into_iter().next().unwrap();
    assert_eq!(refusal.reason, "pledge_not_allowed");
    assert_eq!(refusal.draft_id.as_deref(), Some(form.draft_id.as_str()));
}

#[tokio::test]
async fn reminder_offsets_are_configurable() {
    let env = Env::start_with(SimConfig { pledge_reminder_days: vec![5], ..SimConfig::default() }).await;
    let client = env.ready("citizen", CITIZEN).await;
    envelope_for_new_case(&env, &client).await;
    let count = |inbox: Vec<citykit_core::cases::InboxItem>| inbox.iter().filter(|i| i.kind == InboxKind::PledgeReminder).count();
    env.sim.advance_clock_days(4);
    assert_eq!(count(client.cases().inbox().await.unwrap()), 0);
    env.sim.advance_clock_days(1);
    assert_eq!(count(client.cases().inbox().await.unwrap()), 1);
    env.sim.advance_clock_days(4);
    assert_eq!(count(client.cases().inbox().await.unwrap()), 1);
}
