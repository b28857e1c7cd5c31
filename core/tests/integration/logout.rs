//! Logout on a shared phone: every record of the person and their enterprises goes, checked by
//! reading every table of the decrypted store; queued work is never dropped silently; a second
//! person never sees the first one's data.

use citykit_core::cases::SubmissionOutcome;
use citykit_core::{Client, IdentityKind, LoginState};
use citykit_sim::Fault;
use rusqlite::types::ValueRef;

use crate::env::Env;

/// A person who acts for enterprises, with licences of their own.
const PERSON: &str = "citizen-01";
const OTHER: &str = "citizen-03";
const SENIOR_CARD: &str = "senior-preferential-card";

/// Every text and blob cell of every table of the decrypted store, as (table, text).
pub(crate) async fn every_cell(client: &Client) -> Vec<(String, String)> {
    client
        .store()
        .raw_sql(|conn| {
            let tables: Vec<String> = conn
                .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let mut cells = Vec::new();
            for table in tables {
                let mut stmt = conn.prepare(&format!("SELECT * FROM \"{table}\""))?;
                let columns = stmt.column_count();
                let mut rows = stmt.query([])?;
                while let Some(row) = rows.next()? {
                    for i in 0..columns {
                        match row.get_ref(i)? {
                            ValueRef::Text(t) => cells.push((table.clone(), String::from_utf8_lossy(t).into_owned())),
                            ValueRef::Blob(b) => cells.push((table.clone(), String::from_utf8_lossy(b).into_owned())),
                            _ => {}
                        }
                    }
                }
            }
            Ok(cells)
        })
        .await
        .unwrap()
}

/// How many licence copies still hold their private key.
async fn copy_keys(client: &Client) -> i64 {
    client
        .store()
        .raw_sql(|conn| Ok(conn.query_row("SELECT COUNT(*) FROM licence_copies WHERE private_key IS NOT NULL", [], |r| r.get(0))?))
        .await
        .unwrap()
}

/// The personal values a logout must remove: names, ID numbers, mobiles and addresses of the
/// person and their enterprises, and every claim value of their licences that is not public
/// catalogue text.
async fn personal_values(env: &Env, client: &Client) -> Vec<String> {
    let fixtures = env.sim.fixtures();
    let person = fixtures.citizen(PERSON).unwrap();
    let mut values = vec![
        person.name.clone(),
        person.id_number.clone(),
        person.mobile.clone(),
        person.address.detail.clone(),
        person.address.one_line(),
    ];
    for (enterprise, _) in fixtures.enterprises_for(PERSON) {
        values.extend([enterprise.name.clone(), enterprise.address.detail.clone()]);
    }
    let public = serde_json::to_string(env.sim.service_catalogue()).unwrap();
    for summary in client.wallet().licences().await.unwrap() {
        let licence = client.wallet().licence(&summary.id).await.unwrap();
        let mut claims = licence.claims.expose().clone();
        // The holder's public key binding and the status reference are not personal.
        for public in ["cnf", "status", "iss", "vct"] {
            claims.as_object_mut().map(|o| o.remove(public));
        }
        let mut stack = vec![claims];
        while let Some(value) = stack.pop() {
            match value {
                serde_json::Value::String(s)
                    if s.chars().count() >= 4 && !s.starts_with("http") && !s.starts_with("urn:") && !public.contains(&s) =>
                {
                    values.push(s)
                }
                serde_json::Value::Array(a) => stack.extend(a),
                serde_json::Value::Object(o) => stack.extend(o.into_iter().map(|(_, v)| v)),
                _ => {}
            }
        }
    }
    values.sort();
    values.dedup();
    values
}

#[tokio::test]
async fn logout_removes_every_record_of_the_person_and_their_enterprises() {
    let env = Env::start().await;
    let client = env.logged_in("phone", PERSON).await;
    // Use everything that keeps personal data: licences, consents, the access log, drafts, a
    // case, its result licence, the inbox, and the same as an enterprise.
    client.wallet().fetch_licences().await.unwrap();
    client.catalogue().sync().await.unwrap();
    let form = client.autofill().fill(SENIOR_CARD).await.unwrap();
    client.autofill().fill(SENIOR_CARD).await.unwrap(); // a second draft stays a draft
    let _ = client.cases().submit(&form.draft_id).await.unwrap();
    client.cases().inbox().await.unwrap();
    let presentation_licence = client.wallet().licences().await.unwrap()[0].id.clone();
    client.wallet().present(&presentation_licence, &[], "window-1", None, 60).await.unwrap();
    let enterprise = client.identity().identities().await.unwrap().into_iter().find(|i| i.kind == IdentityKind::Enterprise).unwrap();
    client.identity().switch_identity(&enterprise.id).await.unwrap();
    client.wallet().fetch_licences().await.unwrap();
    client.identity().switch_identity(PERSON).await.unwrap();

    let needles = personal_values(&env, &client).await;
    assert!(needles.len() >= 10, "the check looks for enough values: {}", needles.len());
    let before = every_cell(&client).await;
    for needle in [&env.sim.fixtures().citizen(PERSON).unwrap().id_number, &enterprise.id] {
        assert!(before.iter().any(|(_, cell)| cell.contains(needle.as_str())), "the check can see personal data before the logout");
    }
    // Copies of the licences (batch issuance) and their holder keys are there, one used.
    let copy_count = |cells: &[(String, String)]| cells.iter().filter(|(t, _)| t == "licence_copies").count();
    assert!(copy_count(&before) > 0, "the check can see the licence copies before the logout");
    assert!(copy_keys(&client).await > 0);

    let outcome = client.identity().logout().await.unwrap();
    assert!(outcome.had_session && outcome.revoked_at_server);
    assert_eq!(client.identity().login_state(), LoginState::LoggedOut);

    let after = every_cell(&client).await;
    for needle in &needles {
        let found: Vec<&String> = after.iter().filter(|(_, cell)| cell.contains(needle.as_str())).map(|(table, _)| table).collect();
        assert!(found.is_empty(), "a personal value ({} characters) is still in table(s) {found:?} after logout", needle.chars().count());
    }
    for table in [
        "licences",
        "licence_copies",
        "autofill_consents",
        "drafts",
        "outbox",
        "outbox_dead_letters",
        "outbox_refusals",
        "cases",
        "inbox",
        "access_log",
    ] {
        assert!(!after.iter().any(|(t, _)| t == table), "{table} still has rows after logout");
    }
    assert_eq!(copy_keys(&client).await, 0, "no copy key survives the logout");
    // What is not personal stays: the catalogue, and the device key.
    assert!(client.catalogue().search("敬老", 5).await.unwrap().iter().any(|i| i.id == SENIOR_CARD));
    assert!(after.iter().any(|(t, _)| t == "device_keys"));
}

#[tokio::test]
async fn logout_with_queued_work_is_refused_unless_the_caller_discards_it() {
    let env = Env::start().await;
    let client = env.logged_in("phone", OTHER).await;
    client.wallet().fetch_licences().await.unwrap();
    client.catalogue().sync().await.unwrap();
    env.sim.set_fault(Fault::FailNext { path: "/api/v1/cases".into(), status: 503, count: 20 });
    let form = client.autofill().fill(SENIOR_CARD).await.unwrap();
    assert!(matches!(client.cases().submit(&form.draft_id).await.unwrap(), SubmissionOutcome::Queued { .. }));

    let err = client.identity().logout().await.unwrap_err();
    assert_eq!(err.code(), "auth.unsent_work");
    assert!(err.message(citykit_core::Language::En).contains('1'), "{}", err.message(citykit_core::Language::En));
    // Nothing was touched: still logged in, the work still queued.
    assert!(client.identity().is_logged_in().await);
    assert!(matches!(client.identity().login_state(), LoginState::LoggedIn { .. }));
    assert_eq!(client.cases().pending().await.unwrap().len(), 1);
    assert_eq!(env.sim.stats().requests_to("/revoke"), 0);

    let outcome = client.identity().logout_discarding_unsent().await.unwrap();
    assert_eq!(outcome.discarded_unsent, 1);
    assert!(!client.identity().is_logged_in().await);
    let tables = every_cell(&client).await;
    assert!(!tables.iter().any(|(t, _)| t == "outbox" || t == "drafts" || t == "licences"));
}

#[tokio::test]
async fn a_second_person_on_the_same_phone_sees_none_of_the_first_ones_data() {
    let env = Env::start().await;
    let client = env.logged_in("shared", PERSON).await;
    client.wallet().fetch_licences().await.unwrap();
    client.catalogue().sync().await.unwrap();
    client.autofill().fill(SENIOR_CARD).await.unwrap();
    assert!(!client.wallet().access_log().await.unwrap().is_empty());
    // The first person never logs out (their session just ends); the second logs in.
    drop(client);
    let client = env.client("shared").await;
    let redirect = env.browser_redirect(&client, OTHER).await;
    client.identity().complete_login(&redirect).await.unwrap();
    assert!(client.wallet().access_log().await.unwrap().is_empty(), "the access log is the holder's own");
    assert!(client.wallet().licences().await.unwrap().is_empty());
    assert!(client.autofill().drafts().await.unwrap().is_empty());
    assert!(client.cases().stored_cases().await.unwrap().is_empty());
}

#[tokio::test]
async fn logout_without_a_session_says_so_and_still_wipes() {
    let env = Env::start().await;
    let client = env.client("phone").await;
    let outcome = client.identity().logout().await.unwrap();
    assert!(!outcome.had_session);
    assert!(!outcome.revoked_at_server);
    assert_eq!(env.sim.stats().requests_to("/revoke"), 0);
}
