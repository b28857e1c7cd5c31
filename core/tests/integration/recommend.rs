//! Recommendations and policy campaigns against the simulated platform: computed on the device
//! from the wallet, the history and the platform's published (anonymous) statistics; nothing
//! personal is sent.

use citykit_core::cases::{InboxKind, SubmissionOutcome};
use citykit_core::identity::IdentityKind;
use citykit_core::push::{HeldBack, PushAction};
use citykit_core::recommend::{AgeBand, Dismissal, ItemCount, NextStepStats, ReasonKind, Transition};
use citykit_core::Language;
use citykit_sim::SimConfig;

use crate::env::Env;
use crate::services::filled_form;

const MANUAL_ITEM: &str = "criminal-record-certificate";
const NEXT: &str = "passport-application";

fn stats() -> NextStepStats {
    NextStepStats {
        min_contributors: 20,
        transitions: vec![
            Transition { from: MANUAL_ITEM.into(), to: NEXT.into(), count: 140 },
            Transition { from: MANUAL_ITEM.into(), to: "hk-macau-permit".into(), count: 35 },
        ],
        popularity: vec![
            ItemCount { item: "social-security-card-application".into(), count: 900 },
            ItemCount { item: NEXT.into(), count: 300 },
        ],
        repeats: vec![],
        segments: vec![],
    }
}

/// A `YYYY-MM-DD` birth date's age in whole years today, China time.
fn age_today(birth: &str) -> u32 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64 + 8 * 3600;
    let today = time::OffsetDateTime::from_unix_timestamp(now).unwrap().date();
    let parts: Vec<i32> = birth.split('-').map(|p| p.parse().unwrap()).collect();
    let mut years = today.year() - parts[0];
    if (u8::from(today.month()) as i32, today.day() as i32) < (parts[1], parts[2]) {
        years -= 1;
    }
    years as u32
}

#[tokio::test]
async fn a_birth_registered_today_puts_the_newborn_bundle_first_with_its_date() {
    let env = Env::start().await;
    env.sim.publish_next_steps(&stats()).unwrap();
    // A newborn's account (its parents act for it), holding the birth medical certificate.
    let client = env.ready("a", "citizen-25").await;
    let recommend = client.recommend();
    let profile = recommend.profile().await.unwrap();
    assert_eq!((profile.age, profile.age_band, profile.has_vehicle), (Some(1), Some(AgeBand::Minor), false));
    let before = recommend.recommend(5).await.unwrap();
    assert_ne!(before[0].reason, ReasonKind::LifeEvent, "{:?}", before[0]);

    // The birth is registered (approved at the window) and its certificate arrives in the
    // wallet: a life event.
    let form = filled_form(&env, &client, "birth-registration", "citizen-25").await;
    let SubmissionOutcome::Accepted { case } = client.cases().submit(&form.draft_id).await.unwrap() else { panic!("not accepted") };
    env.sim.decide_case(&case.id, true, None).unwrap();
    client.wallet().fetch_licences().await.unwrap();
    assert!(client
        .wallet()
        .licences()
        .await
        .unwrap()
        .iter()
        .any(|l| l.vct == citykit_core::recommend::vct::BIRTH_REGISTRATION_CERTIFICATE));
    let list = recommend.recommend(5).await.unwrap();
    let birth: Vec<String> = client.catalogue().bundles().await.unwrap().into_iter().find(|b| b.id == "birth").unwrap().items;
    assert!(birth.contains(&list[0].item_id), "{:?}", list[0]);
    assert_ne!(list[0].item_id, "birth-registration", "the service just taken is not first");
    assert_eq!((list[0].reason, list[0].bundle_id.as_deref()), (ReasonKind::LifeEvent, Some("birth")));
    let today = env.sim.case_today();
    assert!(list[0].reason_en.contains(&today) && list[0].reason_zh.contains(&today), "{} / {today}", list[0].reason_en);
    assert!(list.windows(2).all(|w| w[0].score > w[1].score || (w[0].score == w[1].score && w[0].item_id < w[1].item_id)));
    // Deterministic for the same inputs.
    assert_eq!(recommend.recommend(5).await.unwrap(), list);
}

#[tokio::test]
async fn next_steps_come_from_the_published_statistics_and_dismissals_are_remembered() {
    let env = Env::start().await;
    env.sim.publish_next_steps(&stats()).unwrap();
    // Counts standing for fewer than 20 people are not published.
    let mut thin = stats();
    thin.transitions[0].count = 5;
    assert!(env.sim.publish_next_steps(&thin).is_err());
    let client = env.ready("a", "citizen-03").await;
    let form = filled_form(&env, &client, MANUAL_ITEM, "citizen-03").await;
    assert!(matches!(client.cases().submit(&form.draft_id).await.unwrap(), SubmissionOutcome::Accepted { .. }));
    let recommend = client.recommend();
    let list = recommend.recommend(3).await.unwrap();
    assert_eq!(list[0].item_id, NEXT);
    assert_eq!(list[0].reason, ReasonKind::NextStep);
    assert!(list[0].reason_en.starts_with("people who did “"), "{}", list[0].reason_en);
    // Dismissed: never listed again, also after a restart.
    recommend.dismiss(NEXT, Dismissal::Dismiss).await.unwrap();
    assert!(!recommend.recommend(50).await.unwrap().iter().any(|r| r.item_id == NEXT));
    drop(client);
    let client = env.client("a").await;
    assert!(!client.recommend().recommend(50).await.unwrap().iter().any(|r| r.item_id == NEXT));
    assert_eq!(client.recommend().dismiss("no-such-service", Dismissal::NotForMe).await.unwrap_err().code(), "recommend.unknown_item");
    // A view counts as an interest.
    client.recommend().record_view("dog-registration").await.unwrap();
    let list = client.recommend().recommend(50).await.unwrap();
    let dog = list.iter().find(|r| r.item_id == "dog-registration").expect("the viewed service");
    assert_eq!(dog.reason, ReasonKind::Interest);
}

#[tokio::test]
async fn campaigns_match_on_the_device_and_say_which_facts_made_them_apply() {
    let env = Env::start().await;
    let client = env.ready("a", "citizen-03").await;
    let matches = client.recommend().campaigns().await.unwrap();
    let ids: Vec<&str> = matches.iter().map(|m| m.campaign_id.as_str()).collect();
    assert_eq!(ids, ["senior-transport-allowance-2026", "new-energy-vehicle-trade-in-2026"], "over 65 with a vehicle, no children");
    let because: Vec<(&str, &str)> = matches[0].because.iter().map(|f| (f.fact.as_str(), f.value.expose().as_str())).collect();
    let age = age_today(&env.sim.fixtures().citizen("citizen-03").unwrap().birth_date).to_string();
    assert_eq!(because, [("age", age.as_str())]);

    // As an enterprise the person acts for: the enterprise's campaigns.
    let client = env.ready("b", "citizen-01").await;
    assert!(client.recommend().campaigns().await.unwrap().iter().any(|m| m.campaign_id == "new-energy-vehicle-trade-in-2026"));
    let enterprise = client
        .identity()
        .identities()
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.kind == IdentityKind::Enterprise && i.id == "enterprise-01")
        .unwrap();
    client.identity().switch_identity(&enterprise.id).await.unwrap();
    client.wallet().fetch_licences().await.unwrap();
    let profile = client.recommend().profile().await.unwrap();
    assert_eq!((profile.industry.as_deref(), profile.registered_capital_wan), (Some("technology"), Some(1000)));
    let matches = client.recommend().campaigns().await.unwrap();
    assert_eq!(matches.iter().map(|m| m.campaign_id.as_str()).collect::<Vec<_>>(), ["established-smes-digitalisation-2026"]);
    let facts: Vec<&str> = matches[0].because.iter().map(|f| f.fact.as_str()).collect();
    assert_eq!(facts, ["enterprise_age_years", "registered_capital_wan"]);
}

#[tokio::test]
async fn the_profile_history_and_matches_never_leave_the_device() {
    let env = Env::start_with(SimConfig::default()).await;
    env.sim.publish_next_steps(&stats()).unwrap();
    env.sim.record_requests();
    // A whole journey: login, wallet, catalogue, a view, a search, a case, recommendations, a
    // dismissal, campaigns, then the same as an enterprise.
    let client = env.ready("a", "citizen-01").await;
    let recommend = client.recommend();
    recommend.record_view("dog-registration").await.unwrap();
    recommend.record_search("护照").await.unwrap();
    let form = filled_form(&env, &client, MANUAL_ITEM, "citizen-01").await;
    client.cases().submit(&form.draft_id).await.unwrap();
    let list = recommend.recommend(10).await.unwrap();
    recommend.dismiss("taiwan-permit", Dismissal::NotForMe).await.unwrap();
    let matched = recommend.campaigns().await.unwrap();
    assert!(!matched.is_empty());
    client.identity().switch_identity("enterprise-01").await.unwrap();
    client.wallet().fetch_licences().await.unwrap();
    let enterprise_matches = client.recommend().campaigns().await.unwrap();
    client.recommend().recommend(10).await.unwrap();

    let requests = env.sim.recorded_requests();
    assert!(requests.len() > 10, "{} requests recorded", requests.len());
    let mut secrets: Vec<String> = [
        "age_band",
        "has_vehicle",
        "owns_property",
        "married",
        "registered_capital_wan",
        "enterprise_age_years",
        "industry",
        "because",
        "not_for_me",
        "dog-registration",
        "taiwan-permit",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    secrets.extend(matched.iter().chain(&enterprise_matches).map(|m| m.campaign_id.clone()));
    secrets.extend(list.iter().map(|r| r.reason_en.clone()));
    for request in &requests {
        let text = request.as_text();
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "{secret:?} was sent: {} {}", request.method, request.uri);
        }
    }
    // The published documents are fetched without saying who asks.
    let public: Vec<_> =
        requests.iter().filter(|r| r.uri.ends_with("/api/v1/campaigns") || r.uri.ends_with("/api/v1/recommend/next-steps")).collect();
    assert!(public.len() >= 2, "{}", public.len());
    for r in public {
        assert!(
            !r.headers
                .iter()
                .any(|(k, _)| k == "authorization" || k == "dpop" || k.eq_ignore_ascii_case(citykit_sim::server::ACTING_FOR_HEADER)),
            "{} carried credentials",
            r.uri
        );
    }
}

#[tokio::test]
async fn a_broadcast_campaign_reaches_only_the_eligible_inbox_and_says_why() {
    let env = Env::start().await;
    let senior = env.ready("senior", "citizen-03").await;
    let younger = env.ready("younger", "citizen-01").await;
    senior.push().subscribe("https://carrier.example/senior").await.unwrap();
    younger.push().subscribe("https://carrier.example/younger").await.unwrap();
    env.sim
        .publish_campaign(&serde_json::json!({
            "id": "winter-heating-allowance",
            "title_zh": "冬季取暖补贴", "title_en": "Winter heating allowance",
            "item_id": null, "audience": "person",
            "rule": {">=": [{"var": "age"}, 60]},
            "until": 2_000_000_000,
        }))
        .unwrap();

    // Every device receives the broadcast; each decides for itself.
    let body = env.sim.take_pushes("https://carrier.example/senior").remove(0);
    let shown = senior.push().receive(&body, Language::En).await.unwrap();
    assert_eq!(shown.item.kind, InboxKind::PolicyCampaign);
    assert_eq!((shown.item.case_id.as_deref(), shown.item.campaign_id.as_deref()), (None, Some("winter-heating-allowance")));
    match &shown.action {
        PushAction::Show { title, body, deep_link } => {
            assert_eq!(title, "Winter heating allowance");
            assert_eq!(body, "You may be eligible (by your age)");
            assert_eq!(deep_link, "citykit://campaign/winter-heating-allowance");
        }
        other => panic!("{other:?}"),
    }
    assert!(senior.cases().stored_inbox().await.unwrap().iter().any(|i| i.campaign_id.as_deref() == Some("winter-heating-allowance")));
    // Pulled too: still one item.
    let pulled = senior.cases().inbox().await.unwrap();
    assert_eq!(pulled.iter().filter(|i| i.campaign_id.is_some()).count(), 1);

    // A campaign whose notice would not fit in a push (RFC 8030: 4096 bytes) goes by reference.
    let long_title = "冬季取暖补贴申领须知".repeat(150);
    env.sim
        .publish_campaign(&serde_json::json!({
            "id": "long-notice", "title_zh": long_title, "title_en": "A long notice", "item_id": null,
            "audience": "person", "rule": {">=": [{"var": "age"}, 60]}, "until": 2_000_000_000,
        }))
        .unwrap();
    let body = env.sim.take_pushes("https://carrier.example/senior").remove(0);
    assert!(body.len() <= 4096, "{} bytes", body.len());
    let fetched_before = env.sim.stats().requests.iter().filter(|(p, _)| p.starts_with("/api/v1/inbox/")).map(|(_, n)| n).sum::<u64>();
    let long = senior.push().receive(&body, Language::Zh).await.unwrap();
    assert_eq!(long.item.title_zh, long_title);
    assert!(matches!(long.action, PushAction::Show { .. }));
    let fetched = env.sim.stats().requests.iter().filter(|(p, _)| p.starts_with("/api/v1/inbox/")).map(|(_, n)| n).sum::<u64>();
    assert_eq!(fetched, fetched_before + 1, "fetched by reference");

    let body = env.sim.take_pushes("https://carrier.example/younger").remove(0);
    let held = younger.push().receive(&body, Language::Zh).await.unwrap();
    assert_eq!(held.action, PushAction::Silent { reason: HeldBack::NotEligible });
    assert!(!younger.cases().inbox().await.unwrap().iter().any(|i| i.campaign_id.is_some()), "not kept by a pull either");
    assert_eq!(
        younger.cases().unread_count().await.unwrap(),
        younger.cases().stored_inbox().await.unwrap().iter().filter(|i| !i.read).count() as u32
    );
}
