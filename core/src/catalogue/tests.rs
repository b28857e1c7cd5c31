//! Catalogue parsing and offline search on a real (in-memory, encrypted) store.

use serde_json::json;

use super::*;
use crate::store::StoreKey;

fn item(id: &str, zh: &str, en: &str, office_zh: &str, keywords: &[&str]) -> serde_json::Value {
    json!({
        "id": id, "code": format!("440304-{id}"), "name_zh": zh, "name_en": en,
        "office": {"id": "o", "name_zh": office_zh, "name_en": "Office"},
        "theme": "t", "audience": "person", "keywords_zh": keywords,
        "promised_working_days": 3, "fee": {"amount_fen": 0, "note_zh": "", "note_en": ""},
        "instant": false, "checks": [], "co_signing": null, "result": null, "bundles": [],
        "materials": [],
        "form": {"version": 1, "fields": [{"name": "name", "label_zh": "姓名", "label_en": "Name", "type": "text", "required": true}]}
    })
}

fn doc() -> Vec<u8> {
    serde_json::to_vec(&json!({
        "version": "t1",
        "bundles": [{"id": "b", "name_zh": "一件事", "name_en": "One thing", "items": ["ssc", "rent"]}],
        "items": [
            item("ssc", "社保卡申领", "Social security card application", "人力资源和社会保障局", &["社会保障卡"]),
            item("rent", "房屋租赁登记备案", "Housing rental registration", "住房和建设局", &["租房", "出租"]),
            item("senior", "敬老优待证", "Senior citizen preferential card", "民政局", &["老年人"]),
            item("medins", "医保参保登记", "Medical insurance enrolment", "医疗保障局", &["社保", "医保"]),
            item("pct", "100%退款_说明", "Refund note", "税务局", &[]),
        ]
    }))
    .unwrap()
}

async fn store_with_catalogue() -> Store {
    let store = Store::open_in_memory(StoreKey::generate().unwrap()).await.unwrap();
    let parsed = parse_catalogue(&doc()).unwrap();
    store.call(move |conn| store_catalogue(conn, &parsed, Some("\"e1\""), 1)).await.unwrap();
    store
}

async fn ids(store: &Store, query: &str) -> Vec<String> {
    let query = query.to_owned();
    store.call(move |conn| search_blocking(conn, &query, 50)).await.unwrap().into_iter().map(|i| i.id).collect()
}

#[tokio::test]
async fn chinese_search_short_and_long_queries() {
    let store = store_with_catalogue().await;
    // Two characters: below the trigram length, answered by the LIKE path.
    assert_eq!(ids(&store, "租赁").await, vec!["rent"]);
    // 社保 is in a name and in another item's keywords: the name hit ranks first.
    assert_eq!(ids(&store, "社保").await, vec!["ssc", "medins"]);
    // Three or more characters use the trigram index.
    assert_eq!(ids(&store, "房屋租赁").await, vec!["rent"]);
    assert_eq!(ids(&store, "敬老优待").await, vec!["senior"]);
    // One character.
    assert_eq!(ids(&store, "证").await, vec!["senior"]);
    // English, any case; office names; several terms must all match.
    assert_eq!(ids(&store, "RENTAL").await, vec!["rent"]);
    assert_eq!(ids(&store, "民政局").await, vec!["senior"]);
    assert_eq!(ids(&store, "社保 登记").await, vec!["medins"]);
    assert!(ids(&store, "护照").await.is_empty());
    assert!(ids(&store, "   ").await.is_empty());
}

#[tokio::test]
async fn search_syntax_is_literal() {
    let store = store_with_catalogue().await;
    // LIKE wildcards and FTS operators are taken as text.
    assert_eq!(ids(&store, "%").await, vec!["pct"]);
    assert_eq!(ids(&store, "_").await, vec!["pct"]);
    assert!(ids(&store, "\"社保").await.is_empty());
    assert!(ids(&store, "NEAR(社保卡").await.is_empty());
    assert!(ids(&store, "a OR b").await.is_empty() || !ids(&store, "a OR b").await.contains(&"senior".to_owned()));
}

#[tokio::test]
async fn a_new_catalogue_replaces_the_old_one() {
    let store = store_with_catalogue().await;
    let smaller = parse_catalogue(
        &serde_json::to_vec(&json!({"version": "t2", "items": [item("x", "出生医学证明", "Birth medical certificate", "卫健委", &[])]}))
            .unwrap(),
    )
    .unwrap();
    store.call(move |conn| store_catalogue(conn, &smaller, None, 2)).await.unwrap();
    assert!(ids(&store, "租赁").await.is_empty());
    assert_eq!(ids(&store, "出生").await, vec!["x"]);
    let loaded = store.call(|conn| item_blocking(conn, "x")).await.unwrap().unwrap();
    assert_eq!(loaded.name_en, "Birth medical certificate");
}

#[test]
fn malformed_catalogues_are_refused_with_a_reason() {
    assert!(matches!(parse_catalogue(b"{"), Err(CatalogueError::Malformed { .. })));
    assert!(matches!(parse_catalogue(b"[]"), Err(CatalogueError::Malformed { .. })));
    let twice = json!({"version": "v", "items": [item("a", "甲", "A", "o", &[]), item("a", "乙", "B", "o", &[])]});
    assert!(matches!(parse_catalogue(&serde_json::to_vec(&twice).unwrap()), Err(CatalogueError::Malformed { .. })));
    let dangling = json!({"version": "v", "bundles": [{"id": "b", "name_zh": "", "name_en": "", "items": ["nope"]}], "items": [item("a", "甲", "A", "o", &[])]});
    assert!(matches!(parse_catalogue(&serde_json::to_vec(&dangling).unwrap()), Err(CatalogueError::Malformed { .. })));
    let mut bad_type = item("a", "甲", "A", "o", &[]);
    bad_type["form"]["fields"][0]["type"] = json!("hologram");
    assert!(matches!(
        parse_catalogue(&serde_json::to_vec(&json!({"version": "v", "items": [bad_type]})).unwrap()),
        Err(CatalogueError::Malformed { .. })
    ));
    assert!(parse_catalogue(&doc()).is_ok());
}
