//! Verifier mode with the store (`client.verifier(…)`): revocation seen through the issuer's
//! status list, cached lists offline with their age, the expected nonce, and replay refused
//! across restarts.

use std::time::Duration;

use citykit_core::wallet::VerifierSettings;

use crate::env::{strict_status, Env, CITIZEN};

const ID_CARD: &str = "urn:citykit:vct:resident_id_card";

#[tokio::test]
async fn a_window_refuses_a_revoked_licence_and_a_replay_even_after_a_restart() {
    let env = Env::start().await;
    let holder = env.logged_in("holder", CITIZEN).await;
    let id_card = holder.wallet().fetch_licences().await.unwrap().into_iter().find(|l| l.vct == ID_CARD).unwrap();
    let claims = vec!["age_over_18".to_owned()];
    // The window's device: its own store, no login.
    let window = env.client("window").await;
    let verifier = window.verifier("window-1", vec![env.trusted_issuer("public-security")], strict_status());

    let nonce = verifier.new_nonce().await.unwrap();
    let shown = holder.wallet().present(&id_card.id, &claims, "window-1", Some(nonce.clone()), 60).await.unwrap();
    let ok = verifier.verify(&shown.text, Some(&nonce)).await.unwrap();
    assert!(ok.status_checked);
    assert_eq!(ok.status_list_age_secs, Some(0));
    assert_eq!(ok.claims.expose()["age_over_18"], true);
    // The same presentation again: refused, in this process and after a restart.
    assert_eq!(verifier.verify(&shown.text, Some(&nonce)).await.unwrap_err().code(), "wallet.replayed_nonce");
    drop(verifier);
    window.store().close().await.unwrap();
    drop(window);
    let window = env.client("window").await;
    let verifier = window.verifier("window-1", vec![env.trusted_issuer("public-security")], strict_status());
    assert_eq!(verifier.verify(&shown.text, None).await.unwrap_err().code(), "wallet.replayed_nonce", "replay after a restart");

    // A presentation answering another nonce than the one the window expects.
    let expected = verifier.new_nonce().await.unwrap();
    let other = holder.wallet().present(&id_card.id, &claims, "window-1", None, 60).await.unwrap();
    assert_eq!(verifier.verify(&other.text, Some(&expected)).await.unwrap_err().code(), "wallet.replayed_nonce");

    // Revoked at the issuer: the next showing is refused.
    env.sim.revoke_licence(CITIZEN, ID_CARD).unwrap();
    let after = holder.wallet().present(&id_card.id, &claims, "window-1", None, 60).await;
    // The holder's wallet may not know yet; the window does.
    let after = after.unwrap();
    assert_eq!(verifier.verify(&after.text, None).await.unwrap_err().code(), "wallet.revoked");
}

#[tokio::test]
async fn offline_a_window_uses_a_cached_status_list_up_to_its_age_and_says_how_old() {
    let env = Env::start().await;
    let holder = env.logged_in("holder", CITIZEN).await;
    let id_card = holder.wallet().fetch_licences().await.unwrap().into_iter().find(|l| l.vct == ID_CARD).unwrap();
    let claims = vec!["age_over_18".to_owned()];
    let window = env.client("window").await;
    let trust = vec![env.trusted_issuer("public-security")];
    let online = window.verifier("window-1", trust.clone(), strict_status());
    let first = holder.wallet().present(&id_card.id, &claims, "window-1", None, 60).await.unwrap();
    assert!(online.verify(&first.text, None).await.unwrap().status_checked);
    // Presentations made now, checked once the window is offline.
    let second = holder.wallet().present(&id_card.id, &claims, "window-1", None, 60).await.unwrap();
    let third = holder.wallet().present(&id_card.id, &claims, "window-1", None, 60).await.unwrap();
    let Env { sim, dir: _dir } = env;
    sim.shutdown().await;
    tokio::time::sleep(Duration::from_millis(1100)).await;

    let tolerant = window.verifier(
        "window-1",
        trust.clone(),
        VerifierSettings { status_refresh_after: Duration::ZERO, max_status_age: Duration::from_secs(3600) },
    );
    let cached = tolerant.verify(&second.text, None).await.unwrap();
    assert!(cached.status_checked);
    assert!(cached.status_list_age_secs.is_some_and(|age| age >= 1), "{:?}", cached.status_list_age_secs);
    // Too old for this window's policy: accepted, but it says the status was not checked.
    let unchecked = window.verifier("window-1", trust, strict_status()).verify(&third.text, None).await.unwrap();
    assert!(!unchecked.status_checked);
    assert_eq!(unchecked.status_list_age_secs, None);
}

#[tokio::test]
async fn issuer_keys_older_than_a_day_are_fetched_again_and_a_key_rotated_out_is_dropped() {
    let env = Env::start().await;
    let holder = env.logged_in("holder", CITIZEN).await;
    holder.wallet().fetch_licences().await.unwrap();
    let issuer = env.sim.licence_issuer("public-security").unwrap();
    let metadata_path = "/.well-known/jwt-vc-issuer/issuers/public-security";
    // The published keys plus one the issuer has since rotated out, cached two days ago.
    let mut cached = env.sim.issuer_jwks("public-security").unwrap();
    let rotated_out = serde_json::json!({"kty": "EC", "crv": "P-256", "x": "b28d4MwZMjw8-00CG4xfnn9SLMVMM19SlqZpVb_uNtQ", "y": "Xv5zWwuoaTgdS6hV43yI6gBwTnjukmFQQnJ_kCxzqk8", "kid": "rotated-out"});
    cached["keys"].as_array_mut().unwrap().push(rotated_out);
    let two_days_ago = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64 - 2 * 86_400;
    let (text, who) = (cached.to_string(), issuer.clone());
    holder
        .store()
        .raw_sql(move |conn| {
            conn.execute(
                "UPDATE issuer_keys SET jwks = ?1, fetched_at = ?2 WHERE issuer = ?3",
                rusqlite::params![text, two_days_ago, who],
            )?;
            Ok(())
        })
        .await
        .unwrap();
    let read_cached = |holder: &citykit_core::Client| {
        let who = issuer.clone();
        let store = holder.store().clone();
        async move {
            store
                .raw_sql(
                    move |conn| Ok(conn.query_row("SELECT jwks FROM issuer_keys WHERE issuer = ?1", [who], |r| r.get::<_, String>(0))?),
                )
                .await
                .unwrap()
        }
    };
    let before = env.sim.stats().requests_to(metadata_path);
    holder.wallet().fetch_licences().await.unwrap();
    assert_eq!(env.sim.stats().requests_to(metadata_path), before + 1, "the aged key set was fetched again");
    assert!(!read_cached(&holder).await.contains("rotated-out"), "a key the issuer no longer publishes is no longer trusted");
    // A fresh set is used as it is.
    holder.wallet().fetch_licences().await.unwrap();
    assert_eq!(env.sim.stats().requests_to(metadata_path), before + 1);
}

#[tokio::test]
async fn a_licence_not_valid_yet_is_kept_but_neither_shown_nor_read_and_the_wallet_says_why() {
    use citykit_core::wallet::LicenceUsability;
    let env = Env::start_with(citykit_sim::SimConfig { licence_not_before_delay: Duration::from_secs(3600), ..Default::default() }).await;
    let holder = env.logged_in("holder", "citizen-03").await;
    let licences = holder.wallet().fetch_licences().await.unwrap();
    assert!(!licences.is_empty(), "received and kept");
    assert!(licences.iter().all(|l| l.usability == LicenceUsability::NotYetValid), "{licences:?}");
    let id_card = licences.iter().find(|l| l.vct == ID_CARD).unwrap();
    let err = holder.wallet().present(&id_card.id, &["age_over_18".to_owned()], "window-1", None, 60).await.unwrap_err();
    assert_eq!(err.code(), "wallet.not_yet_valid");
    holder.catalogue().sync().await.unwrap();
    let form = holder.autofill().fill("senior-preferential-card").await.unwrap();
    assert!(form.fields.iter().all(|f| f.provenance.is_none()), "no field is read from a licence not valid yet");
    assert!(!form.missing_required.is_empty());
}

#[tokio::test]
async fn showing_only_an_age_claim_hands_over_no_document_number() {
    let env = Env::start().await;
    let holder = env.logged_in("holder", CITIZEN).await;
    let id_card = holder.wallet().fetch_licences().await.unwrap().into_iter().find(|l| l.vct == ID_CARD).unwrap();
    assert!(id_card.claim_names.contains(&"licence_number".to_owned()), "the number is a disclosure the holder may choose");
    let shown = holder.wallet().present(&id_card.id, &["age_over_18".to_owned()], "window-1", None, 60).await.unwrap();
    let sd = citykit_core::wallet::sd_jwt::SdJwt::parse(&shown.text).unwrap();
    assert!(sd.jws.claims.get("licence_number").is_none(), "not in the issuer-signed payload");
    assert_eq!(sd.disclosures.len(), 1);
    let number = holder.wallet().licence(&id_card.id).await.unwrap().claims.expose()["licence_number"].as_str().unwrap().to_owned();
    assert!(!shown.text.contains(&number));
    let window = env.client("window").await;
    let verified = window
        .verifier("window-1", vec![env.trusted_issuer("public-security")], VerifierSettings::default())
        .verify(&shown.text, None)
        .await
        .unwrap();
    assert!(verified.claims.expose().get("licence_number").is_none());
    assert_eq!(verified.claims.expose()["age_over_18"], true);
}
