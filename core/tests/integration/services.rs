//! Catalogue, 秒报 auto-fill, submission, 秒批, the manual route, co-signing and ratings against
//! the simulated city platform over HTTPS.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use citykit_core::autofill::{FieldProblem, MaterialState, Party, ValueOrigin};
use citykit_core::cases::{CaseStatus, InboxKind, Rating, RefusalNotice, SubmissionOutcome, WriteKind};
use citykit_core::{Client, PresencePurpose, UserPresence};
use citykit_sim::Fault;

use crate::env::Env;

/// A citizen over 60 (born 1958) who owns a flat alone.
const SENIOR: &str = "citizen-03";
/// Landlord and co-landlord of one flat (共同共有), and a tenant.
const LANDLORD: &str = "citizen-01";
const CO_LANDLORD: &str = "citizen-02";
const TENANT: &str = "citizen-05";
const SENIOR_CARD: &str = "senior-preferential-card";
const RENTAL: &str = "rental-registration";
/// Decided by a window; nothing is missing (no pledge).
const MANUAL_ITEM: &str = "criminal-record-certificate";

fn accepted(outcome: SubmissionOutcome) -> citykit_core::cases::Case {
    match outcome {
        SubmissionOutcome::Accepted { case } => case,
        other => panic!("expected an accepted case, got {other:?}"),
    }
}

fn china_date_in(days: i64) -> String {
    let (y, m, d) = citykit_core::autofill::validate::china_today(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64 + days * 86_400,
    );
    format!("{y:04}-{m:02}-{d:02}")
}

/// `item`'s form filled from the wallet, and what no licence holds with valid typed values.
pub(crate) async fn filled_form(env: &Env, client: &Client, item: &str, citizen: &str) -> citykit_core::autofill::FilledForm {
    let autofill = client.autofill();
    let mut form = autofill.fill(item).await.unwrap();
    for field in form.fields.clone() {
        if field.value.is_none() {
            let value = match field.field_type {
                citykit_core::catalogue::FieldType::Phone => "13800138000".to_owned(),
                citykit_core::catalogue::FieldType::Date => {
                    china_date_in(if field.name.contains("end") || field.name.contains("until") { 365 } else { 0 })
                }
                citykit_core::catalogue::FieldType::Choice => {
                    env.sim.catalogue_item(item).unwrap().form.fields.iter().find(|f| f.name == field.name).unwrap().options[0]
                        .value
                        .clone()
                }
                citykit_core::catalogue::FieldType::IdNumber => env.sim.fixtures().citizen(citizen).unwrap().id_number.clone(),
                _ if field.name.contains("postcode") => "518000".to_owned(),
                _ if field.name.ends_with("_time") => "08:30".to_owned(),
                _ => "测试".to_owned(),
            };
            form = autofill.set_field(&form.draft_id, &field.name, Some(value), false).await.unwrap();
        }
    }
    form
}

#[tokio::test]
async fn the_catalogue_syncs_with_etags_and_is_searched_offline_in_chinese() {
    let env = Env::start().await;
    let client = env.logged_in("a", SENIOR).await;
    assert_eq!(client.catalogue().search("社保", 10).await.unwrap_err().code(), "catalogue.not_synced");
    let first = client.catalogue().sync().await.unwrap();
    assert!(first.changed && first.item_count >= 150, "{first:?}");
    let requests = env.sim.stats().requests_to("/api/v1/catalogue");
    let second = client.catalogue().sync().await.unwrap();
    assert!(!second.changed, "an unchanged catalogue answers 304");
    assert_eq!((second.item_count, second.version), (first.item_count, first.version));
    assert_eq!(env.sim.stats().requests_to("/api/v1/catalogue"), requests + 1);

    // Offline from here.
    let Env { sim, dir: _dir } = env;
    sim.shutdown().await;
    let catalogue = client.catalogue();
    let social = catalogue.search("社保", 20).await.unwrap();
    assert!(social.iter().any(|i| i.id == "social-security-card-application"), "{social:?}");
    let rental = catalogue.search("租赁", 20).await.unwrap();
    assert!(rental.iter().take(3).any(|i| i.id == RENTAL), "{rental:?}");
    let rental_long = catalogue.search("房屋租赁登记", 20).await.unwrap();
    assert_eq!(rental_long.first().map(|i| i.id.as_str()), Some(RENTAL));
    assert_eq!(catalogue.search("敬老", 5).await.unwrap().first().map(|i| i.id.as_str()), Some(SENIOR_CARD));
    assert!(!catalogue.search("rental", 5).await.unwrap().is_empty(), "English names are searched too");
    assert!(catalogue.search("火星移民", 5).await.unwrap().is_empty());
    let item = catalogue.item(RENTAL).await.unwrap();
    assert!(item.instant && item.co_signing.is_some() && item.result.is_some());
    assert_eq!(catalogue.item("no-such-item").await.unwrap_err().code(), "catalogue.unknown_item");
    assert!(!catalogue.bundles().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_instant_item_is_filled_from_licences_and_approved_with_a_result_licence() {
    let env = Env::start().await;
    let client = env.ready("senior", SENIOR).await;
    let form = client.autofill().fill(SENIOR_CARD).await.unwrap();
    assert!(form.is_complete(), "missing {:?}, errors {:?}", form.missing_required, form.errors);
    for field in form.fields.iter().filter(|f| f.required) {
        assert_eq!(field.origin, ValueOrigin::GovernmentVerified, "{}", field.name);
        assert!(field.locked);
        let p = field.provenance.as_ref().unwrap();
        assert!(p.issuer.contains("/issuers/") && p.vct.starts_with("urn:citykit:vct:"), "{p:?}");
    }
    let fixture = env.sim.fixtures().citizen(SENIOR).unwrap().clone();
    let values: Vec<&str> = form.fields.iter().filter_map(|f| f.value.as_ref().map(|v| v.expose().as_str())).collect();
    assert!(values.contains(&fixture.name.as_str()) && values.contains(&fixture.id_number.as_str()));
    assert!(form.materials.iter().any(|m| m.state == MaterialState::Attached));
    // The consent and the read are in the access log, by claim name only.
    let log = client.wallet().access_log().await.unwrap();
    let consent = log.iter().find(|e| e.action == "autofill_consent").unwrap();
    assert_eq!(consent.counterparty.as_deref(), Some("item:senior-preferential-card"));
    assert!(consent.claims.iter().all(|c| c.contains('#')));
    assert!(!serde_json::to_string(&log).unwrap().contains(&fixture.id_number));

    let case = accepted(client.cases().submit(&form.draft_id).await.unwrap());
    assert_eq!(case.status, CaseStatus::Approved, "{case:?}");
    let result_id = case.result_licence_id.clone().expect("the result licence is in the wallet");
    let licences = client.wallet().licences().await.unwrap();
    let issued = licences.iter().find(|l| l.id == result_id).unwrap();
    assert_eq!(issued.vct, env.sim.catalogue_item(SENIOR_CARD).unwrap().result.as_ref().unwrap().vct);
    // The draft became the case; the outbox is empty.
    assert!(client.autofill().drafts().await.unwrap().is_empty());
    assert!(client.cases().pending().await.unwrap().is_empty());
    assert_eq!(client.cases().cases().await.unwrap().iter().filter(|c| c.id == case.id).count(), 1);
}

#[tokio::test]
async fn overriding_a_verified_value_makes_it_user_provided_and_sends_the_case_to_a_window() {
    let env = Env::start().await;
    let client = env.ready("senior", SENIOR).await;
    let autofill = client.autofill();
    let form = autofill.fill(SENIOR_CARD).await.unwrap();
    let verified =
        form.fields.iter().find(|f| f.required && f.field_type == citykit_core::catalogue::FieldType::Text).unwrap().name.clone();
    assert_eq!(
        autofill.set_field(&form.draft_id, &verified, Some("别人".into()), false).await.unwrap_err().code(),
        "autofill.field_locked"
    );
    let edited = autofill.set_field(&form.draft_id, &verified, Some("别人".into()), true).await.unwrap();
    let field = edited.field(&verified).unwrap();
    assert_eq!((field.origin, field.overridden, field.locked), (ValueOrigin::UserProvided, true, false));
    assert!(field.provenance.is_none());
    // Not every required field is government-verified any more: no 秒批.
    let case = accepted(client.cases().submit(&edited.draft_id).await.unwrap());
    assert_eq!(case.status, CaseStatus::InReview);
    assert!(case.due_date.is_some());
}

#[tokio::test]
async fn validation_failures_name_their_field_and_keep_the_draft() {
    let env = Env::start().await;
    let client = env.ready("senior", SENIOR).await;
    let autofill = client.autofill();
    let form = autofill.fill(SENIOR_CARD).await.unwrap();
    let phone = form.fields.iter().find(|f| f.field_type == citykit_core::catalogue::FieldType::Phone).expect("a phone field").name.clone();
    let edited = autofill.set_field(&form.draft_id, &phone, Some("12345".into()), false).await.unwrap();
    let error = edited.field(&phone).unwrap().error.clone().unwrap();
    assert_eq!(error.problem, FieldProblem::Format);
    assert_eq!(error.field, phone);
    assert!(!error.message_zh.is_empty() && !error.message_en.contains("12345"));
    let refused = client.cases().submit(&form.draft_id).await.unwrap_err();
    assert_eq!(refused.code(), "autofill.invalid_form");
    assert!(refused.to_string().contains(&phone));
    // Nothing left the device; the draft is still there and can be fixed.
    assert!(client.cases().pending().await.unwrap().is_empty());
    autofill.set_field(&form.draft_id, &phone, Some("13800138000".into()), false).await.unwrap();
    assert_eq!(accepted(client.cases().submit(&form.draft_id).await.unwrap()).status, CaseStatus::Approved);
    assert_eq!(autofill.draft(&form.draft_id).await.unwrap_err().code(), "autofill.unknown_draft");
}

struct CountingPresence {
    answer: bool,
    fill_prompts: AtomicU32,
}

impl UserPresence for CountingPresence {
    fn confirm(&self, purpose: &PresencePurpose) -> Result<bool, citykit_core::identity::PresenceError> {
        if matches!(purpose, PresencePurpose::FillForm { .. }) {
            self.fill_prompts.fetch_add(1, Ordering::SeqCst);
            return Ok(self.answer);
        }
        Ok(true)
    }
}

#[tokio::test]
async fn a_refused_consent_reads_nothing_and_a_consent_is_revocable() {
    let env = Env::start().await;
    let refuse = Arc::new(CountingPresence { answer: false, fill_prompts: AtomicU32::new(0) });
    let client = Client::builder(env.config(&env.data_dir("r")), Env::keys()).user_presence(refuse.clone()).open().await.unwrap();
    let redirect = env.browser_redirect(&client, SENIOR).await;
    client.identity().complete_login(&redirect).await.unwrap();
    client.wallet().fetch_licences().await.unwrap();
    client.catalogue().sync().await.unwrap();
    assert_eq!(client.autofill().fill(SENIOR_CARD).await.unwrap_err().code(), "autofill.consent_refused");
    assert_eq!(refuse.fill_prompts.load(Ordering::SeqCst), 1);
    assert!(client.autofill().drafts().await.unwrap().is_empty());
    assert!(!client.wallet().access_log().await.unwrap().iter().any(|e| e.action.starts_with("autofill")));
    drop(client);

    let accept = Arc::new(CountingPresence { answer: true, fill_prompts: AtomicU32::new(0) });
    let client = Client::builder(env.config(&env.data_dir("r")), Env::keys()).user_presence(accept.clone()).open().await.unwrap();
    client.autofill().fill(SENIOR_CARD).await.unwrap();
    client.autofill().fill(SENIOR_CARD).await.unwrap();
    assert_eq!(accept.fill_prompts.load(Ordering::SeqCst), 1, "one consent per item until revoked");
    assert_eq!(client.autofill().consents().await.unwrap().len(), 1);
    assert!(client.autofill().revoke_consent(SENIOR_CARD).await.unwrap());
    client.autofill().fill(SENIOR_CARD).await.unwrap();
    assert_eq!(accept.fill_prompts.load(Ordering::SeqCst), 2, "asked again after revocation");
    let actions: Vec<String> = client.wallet().access_log().await.unwrap().into_iter().map(|e| e.action).collect();
    assert!(actions.contains(&"autofill_consent_revoked".to_owned()));
}

#[tokio::test]
async fn drafts_are_purged_after_the_configured_age() {
    let env = Env::start().await;
    let client = env.ready("senior", SENIOR).await;
    let form = client.autofill().fill(SENIOR_CARD).await.unwrap();
    assert_eq!(client.autofill().drafts().await.unwrap().len(), 1);
    // Age the draft by 31 days.
    let id = form.draft_id.clone();
    client
        .store()
        .raw_sql(move |conn| Ok(conn.execute("UPDATE drafts SET updated_at = updated_at - 31 * 86400 WHERE id = ?1", [id])?))
        .await
        .unwrap();
    assert!(client.autofill().drafts().await.unwrap().is_empty());
    assert_eq!(client.autofill().draft(&form.draft_id).await.unwrap_err().code(), "autofill.unknown_draft");
}

#[tokio::test]
async fn a_manual_case_gets_a_due_date_and_its_decision_reaches_the_inbox() {
    let env = Env::start().await;
    let client = env.ready("m", SENIOR).await;
    let form = filled_form(&env, &client, MANUAL_ITEM, SENIOR).await;
    assert!(form.is_complete(), "{:?}", form.errors);
    let case = accepted(client.cases().submit(&form.draft_id).await.unwrap());
    assert_eq!(case.status, CaseStatus::InReview);
    let due = case.due_date.clone().unwrap();
    let promised = env.sim.catalogue_item(MANUAL_ITEM).unwrap().promised_working_days;
    assert_eq!(Some(due.clone()), citykit_sim::server::add_working_days(&env.sim.case_today(), promised), "due {due}");
    assert!(due > china_date_in(0), "due {due}");
    env.sim.decide_case(&case.id, true, Some("材料齐全")).unwrap();
    let inbox = client.cases().inbox().await.unwrap();
    let notice = inbox
        .iter()
        .find(|i| i.case_id.as_deref() == Some(case.id.as_str()) && i.status == Some(CaseStatus::Approved))
        .expect("the approval is in the inbox");
    assert_eq!(notice.kind, InboxKind::CaseStatus);
    assert!(!notice.read);
    client.cases().mark_read(notice.id).await.unwrap();
    assert!(client.cases().stored_inbox().await.unwrap().iter().find(|i| i.id == notice.id).unwrap().read);
    assert_eq!(client.cases().case(&case.id).await.unwrap().status, CaseStatus::Approved);
}

#[tokio::test]
async fn a_rental_registration_is_cosigned_by_three_people_on_three_devices() {
    let env = Env::start().await;
    let landlord = env.ready("landlord", LANDLORD).await;
    let co_landlord = env.ready("co", CO_LANDLORD).await;
    let tenant = env.ready("tenant", TENANT).await;
    let person = |id: &str| env.sim.fixtures().citizen(id).unwrap().clone();
    let (co, ten) = (person(CO_LANDLORD), person(TENANT));

    let autofill = landlord.autofill();
    let form = autofill.fill(RENTAL).await.unwrap();
    assert_eq!(form.field("property_address").unwrap().origin, ValueOrigin::GovernmentVerified);
    let draft = form.draft_id.clone();
    autofill.set_field(&draft, "monthly_rent", Some("4500".into()), false).await.unwrap();
    autofill.set_field(&draft, "lease_start", Some(china_date_in(1)).filter(|_| true), false).await.unwrap();
    autofill.set_field(&draft, "lease_end", Some(china_date_in(366)), false).await.unwrap();
    let parties = vec![
        Party { role: "co_landlord".into(), name: co.name.clone().into(), id_number: co.id_number.clone().into() },
        Party { role: "tenant".into(), name: ten.name.clone().into(), id_number: ten.id_number.clone().into() },
    ];
    let filled = autofill.set_parties(&draft, parties).await.unwrap();
    let empty: Vec<&str> = filled.fields.iter().filter(|f| f.required && f.value.is_none()).map(|f| f.name.as_str()).collect();
    assert!(empty.is_empty(), "required fields are empty: {empty:?}");
    let case = accepted(landlord.cases().submit(&draft).await.unwrap());
    assert_eq!(case.status, CaseStatus::AwaitingSignatures);

    // The co-landlord is asked in their inbox, reviews the exact content and signs it.
    let inbox = co_landlord.cases().inbox().await.unwrap();
    assert!(inbox.iter().any(|i| i.kind == InboxKind::CosignRequest && i.case_id.as_deref() == Some(case.id.as_str())));
    let review = co_landlord.cases().review(&case.id).await.unwrap();
    assert_eq!(review.content.fields["monthly_rent"].expose(), "4500");
    let signed = co_landlord.cases().sign(&case.id, &review.content_sha256).await.unwrap();
    assert!(signed.parties.iter().any(|p| p.role == "co_landlord" && p.signed));

    // The landlord changes the rent: every earlier signature is void.
    let amended = accepted(landlord.cases().amend(&case.id, vec![("monthly_rent".into(), "4800".into())]).await.unwrap());
    assert_eq!(amended.status, CaseStatus::AwaitingSignatures);
    assert!(amended.parties.iter().all(|p| !p.signed), "{:?}", amended.parties);
    assert_eq!(co_landlord.cases().sign(&case.id, &review.content_sha256).await.unwrap_err().code(), "case.content_changed");

    let tenant_review = tenant.cases().review(&case.id).await.unwrap();
    assert_eq!(tenant_review.content.fields["monthly_rent"].expose(), "4800");
    tenant.cases().sign(&case.id, &tenant_review.content_sha256).await.unwrap();
    let again = co_landlord.cases().review(&case.id).await.unwrap();
    let done = co_landlord.cases().sign(&case.id, &again.content_sha256).await.unwrap();
    assert_eq!(done.status, CaseStatus::Approved, "{done:?}");

    // The landlord's device gets the registration certificate into the wallet.
    let final_case = landlord.cases().case(&case.id).await.unwrap();
    assert_eq!(final_case.status, CaseStatus::Approved);
    assert!(final_case.result_licence_id.is_some());
    // Strangers cannot see the case.
    let stranger = env.logged_in("s", "citizen-07").await;
    assert_eq!(stranger.cases().review(&case.id).await.unwrap_err().code(), "case.unknown_case");
}

#[tokio::test]
async fn a_declined_or_expired_cosigning_ends_the_case() {
    let env = Env::start().await;
    let landlord = env.ready("landlord", LANDLORD).await;
    let tenant = env.ready("tenant", TENANT).await;
    let person = |id: &str| env.sim.fixtures().citizen(id).unwrap().clone();
    let (co, ten) = (person(CO_LANDLORD), person(TENANT));
    let mut cases = Vec::new();
    for _ in 0..2 {
        let autofill = landlord.autofill();
        let draft = autofill.fill(RENTAL).await.unwrap().draft_id;
        autofill.set_field(&draft, "monthly_rent", Some("3000".into()), false).await.unwrap();
        autofill.set_field(&draft, "lease_start", Some(china_date_in(1)), false).await.unwrap();
        autofill.set_field(&draft, "lease_end", Some(china_date_in(200)), false).await.unwrap();
        autofill
            .set_parties(
                &draft,
                vec![
                    Party { role: "co_landlord".into(), name: co.name.clone().into(), id_number: co.id_number.clone().into() },
                    Party { role: "tenant".into(), name: ten.name.clone().into(), id_number: ten.id_number.clone().into() },
                ],
            )
            .await
            .unwrap();
        cases.push(accepted(landlord.cases().submit(&draft).await.unwrap()));
    }
    let review = tenant.cases().review(&cases[0].id).await.unwrap();
    let declined = tenant.cases().decline(&cases[0].id, &review.content_sha256).await.unwrap();
    assert_eq!(declined.status, CaseStatus::Declined);
    assert_eq!(tenant.cases().decline(&cases[0].id, &review.content_sha256).await.unwrap_err().code(), "case.closed");

    env.sim.advance_clock_days(8);
    assert_eq!(landlord.cases().case(&cases[1].id).await.unwrap().status, CaseStatus::Expired);
    let inbox = landlord.cases().inbox().await.unwrap();
    assert!(inbox.iter().any(|i| i.case_id.as_deref() == Some(cases[0].id.as_str()) && i.status == Some(CaseStatus::Declined)));
}

#[tokio::test]
async fn a_finished_case_is_rated_once_and_comments_are_checked() {
    let env = Env::start().await;
    let client = env.ready("senior", SENIOR).await;
    let form = client.autofill().fill(SENIOR_CARD).await.unwrap();
    let case = accepted(client.cases().submit(&form.draft_id).await.unwrap());
    let cases = client.cases();
    let fixture = env.sim.fixtures().citizen(SENIOR).unwrap().clone();
    let with_id = format!("我的身份证号{}", fixture.id_number);
    let e = cases.rate(&case.id, Rating::Good, Some(with_id)).await.unwrap_err();
    assert_eq!(e.code(), "case.comment_personal_data");
    assert!(!e.to_string().contains(&fixture.id_number));
    assert_eq!(cases.rate(&case.id, Rating::Good, Some("好".repeat(201))).await.unwrap_err().code(), "case.comment_too_long");

    // Offline (the platform fails): the rating is queued, then sent exactly once.
    env.sim.set_fault(Fault::FailNext { path: format!("/api/v1/cases/{}/rating", case.id), status: 503, count: 10 });
    match cases.rate(&case.id, Rating::Good, Some("办得很快，谢谢".into())).await.unwrap() {
        SubmissionOutcome::Queued { attempts, .. } => assert_eq!(attempts, 1),
        other => panic!("expected a queued rating, got {other:?}"),
    }
    env.sim.clear_faults();
    let report = cases.retry_pending(true).await.unwrap();
    assert_eq!(report.rated, vec![case.id.clone()]);
    assert!(report.pending.is_empty());
    assert!(cases.retry_pending(true).await.unwrap().rated.is_empty(), "sent once");
    let ratings = env.sim.ratings();
    let office = env.sim.catalogue_item(SENIOR_CARD).unwrap().office.id.clone();
    assert_eq!(ratings.by_office[&office].good, 1, "{ratings:?}");
    assert_eq!(ratings.by_item[SENIOR_CARD].good, 1, "{ratings:?}");
    assert_eq!(cases.rate(&case.id, Rating::Bad, None).await.unwrap_err().code(), "case.already_rated");
}

#[tokio::test]
async fn a_lost_answer_or_an_outage_never_loses_or_duplicates_a_case() {
    let env = Env::start().await;
    let client = env.ready("senior", SENIOR).await;
    // The platform handles the case but the answer is lost: the retry with the same key gets it.
    env.sim.set_fault(Fault::LoseResponse { path: "/api/v1/cases".into(), count: 1 });
    let first = client.autofill().fill(SENIOR_CARD).await.unwrap();
    let case = accepted(client.cases().submit(&first.draft_id).await.unwrap());
    // An outage: the submission waits in the outbox.
    env.sim.set_fault(Fault::FailNext { path: "/api/v1/cases".into(), status: 503, count: 20 });
    let second = client.autofill().fill(SENIOR_CARD).await.unwrap();
    let queued = client.cases().submit(&second.draft_id).await.unwrap();
    let SubmissionOutcome::Queued { submission_id, .. } = queued else { panic!("expected queued, got {queued:?}") };
    assert_eq!(client.cases().pending().await.unwrap()[0].submission_id, submission_id);
    env.sim.clear_faults();
    let report = client.cases().retry_pending(true).await.unwrap();
    assert_eq!(report.accepted.len(), 1);
    let at_sim = env.sim.cases();
    let mine: Vec<_> = at_sim.iter().filter(|c| c.applicant == SENIOR).collect();
    assert_eq!(mine.len(), 2, "{at_sim:?}");
    assert!(mine.iter().any(|c| c.id == case.id));
    assert!(mine.iter().any(|c| c.idempotency_keys.contains(&submission_id)));
}

/// The child side of the crash test: opens the store and submits one draft until killed.
#[test]
#[ignore = "run by submissions_survive_being_killed_at_random_points as a child process"]
fn submission_child_process() {
    let (Some(dir), Some(issuer), Some(ca), Some(draft)) = (
        std::env::var_os("CITYKIT_CHILD_DIR"),
        std::env::var("CITYKIT_CHILD_ISSUER").ok(),
        std::env::var("CITYKIT_CHILD_CA").ok(),
        std::env::var("CITYKIT_CHILD_DRAFT").ok(),
    ) else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    runtime.block_on(async {
        let config = Env::config_for(&issuer, &ca, std::path::Path::new(&dir));
        let client = Client::open(config, Env::keys()).await.unwrap();
        println!("ready");
        let _ = client.cases().submit(&draft).await;
        println!("done");
        std::future::pending::<()>().await;
    });
}

/// Kills a process submitting a case at random points (SIGKILL), then reopens: every draft ends
/// as exactly one case at the platform — none lost, none twice.
#[test]
fn submissions_survive_being_killed_at_random_points() {
    use std::io::BufRead;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let env = runtime.block_on(Env::start());
    let dir = env.data_dir("killed");
    let client = runtime.block_on(env.ready("killed", SENIOR));
    runtime.block_on(client.store().close()).unwrap();
    drop(client);
    let exe = std::env::current_exe().unwrap();
    let rounds = std::env::var("CITYKIT_SUBMIT_KILL_POINTS").ok().and_then(|v| v.parse().ok()).unwrap_or(80u32);
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let (mut finished_before_kill, mut killed_in_flight) = (0, 0);
    let finish = |client: &Client| {
        runtime.block_on(async {
            // What a killed submission left behind: a draft not yet queued, or an outbox entry.
            for draft in client.autofill().drafts().await.unwrap() {
                accepted(client.cases().submit(&draft.draft_id).await.unwrap());
            }
            let report = client.cases().retry_pending(true).await.unwrap();
            assert!(report.pending.is_empty() && report.refused.is_empty(), "{report:?}");
        })
    };
    for round in 0..rounds {
        let client = runtime.block_on(Client::open(env.config(&dir), Env::keys())).unwrap();
        finish(&client);
        let draft = runtime.block_on(client.autofill().fill(SENIOR_CARD)).unwrap().draft_id;
        runtime.block_on(client.store().close()).unwrap();
        drop(client);
        let mut child = std::process::Command::new(&exe)
            .args(["--ignored", "--exact", "services::submission_child_process", "--nocapture", "--test-threads=1"])
            .env("CITYKIT_CHILD_DIR", &dir)
            .env("CITYKIT_CHILD_ISSUER", env.sim.issuer())
            .env("CITYKIT_CHILD_CA", env.sim.ca_cert_pem())
            .env("CITYKIT_CHILD_DRAFT", &draft)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut reader = std::io::BufReader::new(stdout);
        let mut line = String::new();
        while !line.contains("ready") {
            line.clear();
            assert!(reader.read_line(&mut line).unwrap() > 0, "round {round}: the child died before it was ready");
        }
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(std::time::Duration::from_micros(seed % 40_000));
        child.kill().unwrap();
        child.wait().unwrap();
        // Did it finish before the kill? (Only for the report: both cases must end the same way.)
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut reader, &mut rest);
        if rest.contains("done") {
            finished_before_kill += 1;
        } else {
            killed_in_flight += 1;
        }
    }
    let client = runtime.block_on(Client::open(env.config(&dir), Env::keys())).unwrap();
    finish(&client);
    let check: String = runtime.block_on(client.store().raw_sql(|c| Ok(c.query_row("PRAGMA integrity_check", [], |r| r.get(0))?))).unwrap();
    assert_eq!(check, "ok");
    let at_sim: Vec<_> = env.sim.cases().into_iter().filter(|c| c.applicant == SENIOR).collect();
    assert_eq!(at_sim.len(), rounds as usize, "one case per draft: {at_sim:?}");
    let local = runtime.block_on(client.cases().stored_cases()).unwrap();
    assert_eq!(local.len(), rounds as usize);
    eprintln!("{rounds} kill points: {killed_in_flight} killed mid-submission, {finished_before_kill} after it finished");
    assert!(killed_in_flight > 0, "no kill landed inside a submission");
}

// ----- the outbox: one policy for every queued write -----

fn queued_id(outcome: SubmissionOutcome) -> String {
    match outcome {
        SubmissionOutcome::Queued { submission_id, .. } => submission_id,
        other => panic!("expected a queued write, got {other:?}"),
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) for Unix seconds `t`.
fn http_date(t: i64) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp(t).unwrap();
    let weekday = at.weekday().to_string();
    let month = at.month().to_string();
    format!("{}, {:02} {} {} {:02}:{:02}:{:02} GMT", &weekday[..3], at.day(), &month[..3], at.year(), at.hour(), at.minute(), at.second())
}

/// A rental registration the landlord submitted, waiting for the other two signatures.
async fn rental_case(env: &Env, landlord: &Client) -> citykit_core::cases::Case {
    let person = |id: &str| env.sim.fixtures().citizen(id).unwrap().clone();
    let (co, ten) = (person(CO_LANDLORD), person(TENANT));
    let autofill = landlord.autofill();
    let draft = autofill.fill(RENTAL).await.unwrap().draft_id;
    autofill.set_field(&draft, "monthly_rent", Some("4500".into()), false).await.unwrap();
    autofill.set_field(&draft, "lease_start", Some(china_date_in(1)), false).await.unwrap();
    autofill.set_field(&draft, "lease_end", Some(china_date_in(366)), false).await.unwrap();
    let parties = vec![
        Party { role: "co_landlord".into(), name: co.name.clone().into(), id_number: co.id_number.clone().into() },
        Party { role: "tenant".into(), name: ten.name.clone().into(), id_number: ten.id_number.clone().into() },
    ];
    autofill.set_parties(&draft, parties).await.unwrap();
    let case = accepted(landlord.cases().submit(&draft).await.unwrap());
    assert_eq!(case.status, CaseStatus::AwaitingSignatures);
    case
}

async fn outbox_rows(client: &Client) -> i64 {
    client.store().raw_sql(|c| Ok(c.query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?)).await.unwrap()
}

#[tokio::test]
async fn writes_queued_offline_survive_an_expired_session_at_retry_and_are_sent_after_login() {
    let env = Env::start().await;
    let senior = env.ready("senior", SENIOR).await;
    let landlord = env.ready("landlord", LANDLORD).await;
    let finished = accepted(senior.cases().submit(&senior.autofill().fill(SENIOR_CARD).await.unwrap().draft_id).await.unwrap());
    let rental = rental_case(&env, &landlord).await;

    // Offline (the platform fails): an amendment, a rating and a submission are queued.
    env.sim.set_fault(Fault::FailNext { path: format!("/api/v1/cases/{}", rental.id), status: 503, count: 20 });
    env.sim.set_fault(Fault::FailNext { path: format!("/api/v1/cases/{}/rating", finished.id), status: 503, count: 20 });
    env.sim.set_fault(Fault::FailNext { path: "/api/v1/cases".into(), status: 503, count: 20 });
    let amendment = queued_id(landlord.cases().amend(&rental.id, vec![("monthly_rent".into(), "4800".into())]).await.unwrap());
    let rating = queued_id(senior.cases().rate(&finished.id, Rating::Good, Some("办得很快".into())).await.unwrap());
    let draft = senior.autofill().fill(SENIOR_CARD).await.unwrap().draft_id;
    let submission = queued_id(senior.cases().submit(&draft).await.unwrap());
    env.sim.clear_faults();

    // Back online, but the session has ended: the access token is refused and so is the refresh.
    env.sim.expire_access_tokens();
    env.sim.set_fault(Fault::FailNext { path: "/token".into(), status: 400, count: 10 });
    for (client, mine) in [(&landlord, vec![amendment.clone()]), (&senior, vec![rating.clone(), submission.clone()])] {
        let report = client.cases().retry_pending(true).await.unwrap();
        assert!(report.accepted.is_empty() && report.rated.is_empty() && report.refused.is_empty(), "{report:?}");
        let mut kept: Vec<_> = report.pending.iter().map(|p| p.submission_id.clone()).collect();
        let mut mine = mine;
        kept.sort();
        mine.sort();
        assert_eq!(kept, mine, "every kind is kept under the same auth error");
        for p in &report.pending {
            let code = p.last_error.as_deref().unwrap_or_default();
            assert!(code.starts_with("auth."), "{p:?}");
        }
        // No session at all now: nothing is sent and nothing is dropped.
        assert!(!client.identity().is_logged_in().await);
        assert!(client.cases().retry_pending(true).await.unwrap_err().code().starts_with("auth."));
        assert_eq!(outbox_rows(client).await, mine.len() as i64);
    }
    env.sim.clear_faults();

    // Logged in again: everything is sent, once.
    for (client, citizen) in [(&landlord, LANDLORD), (&senior, SENIOR)] {
        let redirect = env.browser_redirect(client, citizen).await;
        client.identity().complete_login(&redirect).await.unwrap();
    }
    assert!(senior.autofill().drafts().await.unwrap().is_empty(), "the submission stayed queued, not back in the drafts");
    let report = landlord.cases().retry_pending(true).await.unwrap();
    assert_eq!(report.accepted.len(), 1, "{report:?}");
    assert!(report.pending.is_empty());
    let review = landlord.cases().review(&rental.id).await.unwrap();
    assert_eq!(review.content.fields["monthly_rent"].expose(), "4800");
    let report = senior.cases().retry_pending(true).await.unwrap();
    assert_eq!(report.rated, vec![finished.id.clone()], "{report:?}");
    assert_eq!(report.accepted.len(), 1, "{report:?}");
    assert!(report.pending.is_empty() && report.refused.is_empty(), "{report:?}");
    let mine: Vec<_> = env.sim.cases().into_iter().filter(|c| c.applicant == SENIOR).collect();
    assert_eq!(mine.len(), 2, "no case lost, none twice: {mine:?}");
    assert!(mine.iter().any(|c| c.idempotency_keys.contains(&submission)));
    let office = env.sim.catalogue_item(SENIOR_CARD).unwrap().office.id.clone();
    assert_eq!(env.sim.ratings().by_office[&office].good, 1);
}

#[tokio::test]
async fn a_429_or_503_with_retry_after_keeps_the_entry_until_the_time_it_names() {
    let env = Env::start().await;
    let client = env.ready("senior", SENIOR).await;
    let cases = client.cases();
    // 429 with delta-seconds, on the first attempt.
    let throttle = |status: u16, retry_after: String| Fault::Answer {
        path: "/api/v1/cases".into(),
        status,
        error: "too_many_requests".into(),
        retry_after: Some(retry_after),
        count: 1,
    };
    env.sim.set_fault(throttle(429, "120".into()));
    let before = unix_now();
    let key = queued_id(cases.submit(&client.autofill().fill(SENIOR_CARD).await.unwrap().draft_id).await.unwrap());
    let pending = cases.pending().await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].submission_id, key);
    assert_eq!(pending[0].last_error.as_deref(), Some("net.http_429"));
    assert!(pending[0].next_attempt_at >= before + 120, "{pending:?} (now {before})");
    // Not due yet: a normal retry leaves it alone.
    let report = cases.retry_pending(false).await.unwrap();
    assert_eq!(report.pending[0].attempts, 1, "{report:?}");

    // 503 with an HTTP-date ten minutes ahead (not retried inside the request either).
    assert_eq!(http_date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT", "RFC 9110's own example");
    let at = unix_now() + 600;
    env.sim.set_fault(throttle(503, http_date(at)));
    let calls = env.sim.stats().requests_to("/api/v1/cases");
    let report = cases.retry_pending(true).await.unwrap();
    assert_eq!(env.sim.stats().requests_to("/api/v1/cases") - calls, 1, "the platform said when to come back");
    assert_eq!(report.pending.len(), 1, "{report:?}");
    assert_eq!(report.pending[0].last_error.as_deref(), Some("net.http_503"));
    assert!(report.pending[0].next_attempt_at >= at, "{report:?} (date {at})");

    // The platform is back: the same key goes through once.
    let report = cases.retry_pending(true).await.unwrap();
    assert_eq!(report.accepted.len(), 1, "{report:?}");
    assert!(env.sim.cases().iter().any(|c| c.idempotency_keys.contains(&key)));
}

#[tokio::test]
async fn a_retry_after_longer_than_the_cap_is_cut_to_the_maximum_backoff() {
    let env = Env::start().await;
    let client = env.ready("senior", SENIOR).await;
    env.sim.set_fault(Fault::Answer {
        path: "/api/v1/cases".into(),
        status: 429,
        error: "too_many_requests".into(),
        retry_after: Some("864000".into()),
        count: 1,
    });
    let before = unix_now();
    queued_id(client.cases().submit(&client.autofill().fill(SENIOR_CARD).await.unwrap().draft_id).await.unwrap());
    let after = unix_now();
    let next = client.cases().pending().await.unwrap()[0].next_attempt_at;
    let cap = citykit_core::cases::MAX_BACKOFF_SECS;
    assert!(next >= before + cap && next <= after + cap, "next attempt at {next}, expected now + {cap} (now {before})");
}

#[tokio::test]
async fn a_definite_refusal_drops_the_entry_and_the_user_can_read_it() {
    let env = Env::start().await;
    let client = env.ready("senior", SENIOR).await;
    let cases = client.cases();
    let finished = accepted(cases.submit(&client.autofill().fill(SENIOR_CARD).await.unwrap().draft_id).await.unwrap());

    // A submission the platform refuses: the error, the draft back, the refusal kept.
    let refuse = |path: String, error: &str| Fault::Answer { path, status: 422, error: error.into(), retry_after: None, count: 1 };
    env.sim.set_fault(refuse("/api/v1/cases".into(), "invalid_material"));
    let draft = client.autofill().fill(SENIOR_CARD).await.unwrap().draft_id;
    let e = cases.submit(&draft).await.unwrap_err();
    assert_eq!(e.code(), "case.refused");
    assert!(client.autofill().drafts().await.unwrap().iter().any(|d| d.draft_id == draft), "the draft is back");
    assert!(cases.pending().await.unwrap().is_empty());

    // A rating queued offline, refused at the retry.
    env.sim.set_fault(Fault::FailNext { path: format!("/api/v1/cases/{}/rating", finished.id), status: 503, count: 20 });
    let rating = queued_id(cases.rate(&finished.id, Rating::Bad, Some("排队太久".into())).await.unwrap());
    env.sim.clear_faults();
    env.sim.set_fault(refuse(format!("/api/v1/cases/{}/rating", finished.id), "rating_closed"));
    let report = cases.retry_pending(true).await.unwrap();
    assert_eq!(report.refused, vec![RefusalNotice { submission_id: rating.clone(), code: "case.refused".to_owned() }]);
    assert!(report.pending.is_empty(), "{report:?}");

    let refusals = cases.refusals().await.unwrap();
    assert_eq!(refusals.len(), 2, "{refusals:?}");
    let of_rating = refusals.iter().find(|r| r.submission_id == rating).unwrap();
    assert_eq!(
        (of_rating.kind.as_str(), of_rating.case_id.as_deref(), of_rating.reason.as_str()),
        ("rating", Some(finished.id.as_str()), "rating_closed")
    );
    assert_eq!(of_rating.status, Some(422));
    let of_case = refusals.iter().find(|r| r.kind == WriteKind::Case).unwrap();
    assert_eq!(
        (of_case.item_id.as_deref(), of_case.draft_id.as_deref(), of_case.reason.as_str()),
        (Some(SENIOR_CARD), Some(draft.as_str()), "invalid_material")
    );
    cases.dismiss_refusal(&rating).await.unwrap();
    assert_eq!(cases.refusals().await.unwrap().len(), 1);
    assert_eq!(cases.dismiss_refusal(&rating).await.unwrap_err().code(), "case.unknown_submission");

    // An amendment the platform refuses: the error, and the refusal on the case.
    let landlord = env.ready("landlord", LANDLORD).await;
    let rental = rental_case(&env, &landlord).await;
    env.sim.set_fault(Fault::Answer {
        path: format!("/api/v1/cases/{}", rental.id),
        status: 409,
        error: "case_closed".into(),
        retry_after: None,
        count: 1,
    });
    let e = landlord.cases().amend(&rental.id, vec![("monthly_rent".into(), "4800".into())]).await.unwrap_err();
    assert_eq!(e.code(), "case.closed");
    assert!(landlord.cases().pending().await.unwrap().is_empty());
    let refusals = landlord.cases().refusals().await.unwrap();
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert_eq!(
        (refusals[0].kind.as_str(), refusals[0].case_id.as_deref(), refusals[0].reason.as_str()),
        ("amendment", Some(rental.id.as_str()), "case_closed")
    );
}

#[tokio::test]
async fn an_unreadable_outbox_entry_goes_to_the_dead_letters_and_the_others_are_sent() {
    let env = Env::start().await;
    let client = env.ready("senior", SENIOR).await;
    let cases = client.cases();
    let finished = accepted(cases.submit(&client.autofill().fill(SENIOR_CARD).await.unwrap().draft_id).await.unwrap());
    env.sim.set_fault(Fault::FailNext { path: format!("/api/v1/cases/{}/rating", finished.id), status: 503, count: 20 });
    env.sim.set_fault(Fault::FailNext { path: "/api/v1/cases".into(), status: 503, count: 20 });
    queued_id(cases.rate(&finished.id, Rating::Good, None).await.unwrap());
    let submission = queued_id(cases.submit(&client.autofill().fill(SENIOR_CARD).await.unwrap().draft_id).await.unwrap());
    env.sim.clear_faults();

    // An entry this version cannot read, first in line, holding personal data.
    let holder = client.identity().current_identity().await.unwrap().id;
    let id_number = env.sim.fixtures().citizen(SENIOR).unwrap().id_number.clone();
    let body = format!("{{\"item_id\": \"{SENIOR_CARD}\", \"fields\": [[\"id_number\", \"{id_number}\"");
    let (holder_db, body_db) = (holder.clone(), body.clone());
    client
        .store()
        .raw_sql(move |c| {
            c.execute(
                "INSERT INTO outbox (id, holder, kind, case_id, body, attempts, next_attempt_at, created_at) VALUES ('broken-1', ?1, 'case', ?2, ?3, 0, 0, 0)",
                rusqlite::params![holder_db, SENIOR_CARD, body_db],
            )?;
            Ok(())
        })
        .await
        .unwrap();

    let report = cases.retry_pending(true).await.unwrap();
    assert_eq!(report.dead_lettered.len(), 1, "{report:?}");
    let notice = &report.dead_lettered[0];
    assert_eq!((notice.submission_id.as_str(), notice.kind.as_str()), ("broken-1", "case"));
    assert!(notice.reason.starts_with("store.decode"), "{notice:?}");
    assert!(!format!("{report:?}").contains(&id_number), "no personal data in the report");
    assert_eq!(report.rated, vec![finished.id.clone()], "the others are still sent: {report:?}");
    assert_eq!(report.accepted.len(), 1, "{report:?}");
    assert!(report.pending.is_empty() && report.refused.is_empty(), "{report:?}");
    assert!(env.sim.cases().iter().any(|c| c.idempotency_keys.contains(&submission)));

    // Nothing lost silently: the app can list it (with its content) and delete it.
    let letters = cases.dead_letters().await.unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].submission_id, "broken-1");
    assert_eq!(letters[0].refers_to.as_deref(), Some(SENIOR_CARD));
    assert_eq!(letters[0].body.expose(), &body);
    assert!(!format!("{letters:?}").contains(&id_number), "its Debug form hides the content");
    assert!(cases.retry_pending(true).await.unwrap().dead_lettered.is_empty(), "reported once");
    cases.delete_dead_letter("broken-1").await.unwrap();
    assert!(cases.dead_letters().await.unwrap().is_empty());
    assert_eq!(cases.delete_dead_letter("broken-1").await.unwrap_err().code(), "case.unknown_submission");
}

/// A device key whose next signature waits for the person, as a biometric prompt does.
struct PromptKey {
    pair: ring::signature::EcdsaKeyPair,
    /// Set: the next `sign` reports on `showing`, then waits for `release`.
    prompt: std::sync::Mutex<Option<(std::sync::mpsc::Sender<()>, std::sync::mpsc::Receiver<()>)>>,
}

impl citykit_core::crypto::DeviceKeys for PromptKey {
    fn public_key(&self) -> Result<citykit_core::crypto::DevicePublicKey, citykit_core::crypto::DeviceKeyError> {
        use ring::signature::KeyPair;
        Ok(citykit_core::crypto::DevicePublicKey(self.pair.public_key().as_ref().to_vec()))
    }
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, citykit_core::crypto::DeviceKeyError> {
        let prompt = self.prompt.lock().unwrap().take();
        if let Some((showing, release)) = prompt {
            showing.send(()).unwrap();
            release.recv().unwrap();
        }
        Ok(self.pair.sign(&ring::rand::SystemRandom::new(), message).unwrap().as_ref().to_vec())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_key_prompt_while_one_entry_is_sent_blocks_no_other_write() {
    use ring::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    let key = Arc::new(PromptKey { pair, prompt: std::sync::Mutex::new(None) });

    let env = Env::start().await;
    let client = Client::open_with_device_keys(env.config(&env.data_dir("senior")), Env::keys(), Some(key.clone())).await.unwrap();
    let redirect = env.browser_redirect(&client, SENIOR).await;
    client.identity().complete_login(&redirect).await.unwrap();
    client.wallet().fetch_licences().await.unwrap();
    client.catalogue().sync().await.unwrap();

    // A submission queued offline.
    env.sim.set_fault(Fault::FailNext { path: "/api/v1/cases".into(), status: 503, count: 20 });
    let first = queued_id(client.cases().submit(&client.autofill().fill(SENIOR_CARD).await.unwrap().draft_id).await.unwrap());
    env.sim.clear_faults();

    // The retry signs for it, and the person takes their time with the prompt.
    let (showing_tx, showing_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel();
    *key.prompt.lock().unwrap() = Some((showing_tx, release_rx));
    let retry = tokio::spawn({
        let cases = client.cases();
        async move { cases.retry_pending(true).await }
    });
    tokio::task::spawn_blocking(move || showing_rx.recv_timeout(std::time::Duration::from_secs(20)))
        .await
        .unwrap()
        .expect("the retry asks the device key");

    // Meanwhile another write goes through, and a second retry leaves the claimed entry alone.
    let limit = std::time::Duration::from_secs(15);
    let second_draft = client.autofill().fill(SENIOR_CARD).await.unwrap().draft_id;
    let second = tokio::time::timeout(limit, client.cases().submit(&second_draft)).await.expect("not blocked by the prompt").unwrap();
    let second = accepted(second);
    let report = tokio::time::timeout(limit, client.cases().retry_pending(true)).await.expect("not blocked by the prompt").unwrap();
    assert!(report.accepted.is_empty() && report.refused.is_empty(), "{report:?}");
    assert_eq!(report.pending.len(), 1);
    assert_eq!((report.pending[0].submission_id.as_str(), report.pending[0].attempts), (first.as_str(), 1), "not sent by a second task");

    // The person confirms: the first submission goes through, once.
    release_tx.send(()).unwrap();
    let report = retry.await.unwrap().unwrap();
    assert_eq!(report.accepted.len(), 1, "{report:?}");
    assert!(report.pending.is_empty());
    let mine: Vec<_> = env.sim.cases().into_iter().filter(|c| c.applicant == SENIOR).collect();
    assert_eq!(mine.len(), 2, "{mine:?}");
    assert!(mine.iter().any(|c| c.idempotency_keys.contains(&first)));
    assert!(mine.iter().any(|c| c.id == second.id));
}

/// An enterprise's form asks for its agent's resident ID card (经办人居民身份证): the agent's own
/// licence, in the person's wallet, is attached for it (the platform accepts the agent's
/// licences for an enterprise's case), and the case goes through.
#[tokio::test]
async fn acting_for_an_enterprise_the_agents_own_id_card_is_the_agent_material() {
    let env = Env::start().await;
    let client = env.ready("a", "citizen-01").await;
    client.identity().switch_identity("enterprise-01").await.unwrap();
    client.wallet().fetch_licences().await.unwrap();
    let form = filled_form(&env, &client, "company-seal-engraving", "citizen-01").await;
    let material = |id: &str| form.materials.iter().find(|m| m.id == id).unwrap().clone();
    let (licence, card) = (material("business-licence"), material("agent-id-card"));
    assert_eq!((licence.state, licence.held_by), (MaterialState::Attached, citykit_core::catalogue::SourceHolder::Applicant));
    assert_eq!((card.state, card.held_by), (MaterialState::Attached, citykit_core::catalogue::SourceHolder::Agent), "{card:?}");
    assert!(form.is_complete(), "{:?}", form.missing_required);
    let case = accepted(client.cases().submit(&form.draft_id).await.unwrap());
    assert_eq!(case.status, CaseStatus::Approved, "an instant item, every material handed in: {case:?}");
}
