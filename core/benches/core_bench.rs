//! CityKit's benchmark binary: each figure is measured against a baseline in the same run and
//! printed as a ratio. `cargo bench -p citykit-core` runs it in full (`-- <group>…` runs only the
//! groups whose names contain a filter); `cargo test` runs each case once as a smoke test (no
//! figures are asserted: speed goals are read, never unit-tested).
//!
//! - store: SQLCipher (raw key) vs plain SQLite from the same build (no key), same schema, data and
//!   pragmas: insert, select by key, update.
//! - wallet: verifying an SD-JWT VC with 10 disclosures vs one bare ES256 verification (ring).
//! - cold start: open a store holding 2,000 catalogue items and 30 licences with its raw key,
//!   list the licences (each parsed) and answer the first catalogue search (target ≤ 20 ms).
//! - auto-fill: a 60-field form from 20 licences (target ≤ 100 µs).
//! - services over HTTPS against the simulator: a full catalogue sync (download, parse, store,
//!   index), an unchanged one (304), and 秒报 auto-fill of the catalogue's largest form from the
//!   wallet (reading the licences' claims and saving the draft included).
//! - store growth: open + first read (the inbox's newest 20, the licence list) with ten times
//!   today's growing tables (20,000 inbox items, 2,000 cases, 20,000 access-log entries) vs
//!   today's (target ≤ 1.2×): opening checks a constant part of the file, not every page.
//! - read during write: a read while another task holds a 2,000-row write transaction open vs
//!   the same read on an idle store (targets ≤ 2× and ≤ 2 ms): reads have their own connections.
//! - recommend: ranking 5,000 services for one person (life events, 60 history events, 20,000
//!   published transitions, repeats and segment counts; target ≤ 2 ms) vs sorting 5,000 scores,
//!   and evaluating 100 JsonLogic campaigns against one profile vs the same sort.
//! - QR: encoding packed presentations with the core's QR path (the `qrcode` crate's public API,
//!   its own mask choice included) vs `fast_qr`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, Instant};

use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING};
use rusqlite::Connection;

struct Mode {
    full: bool,
}

/// The median of `runs` timings of `f`.
fn median<F: FnMut()>(mode: &Mode, runs: usize, mut f: F) -> Duration {
    let runs = if mode.full { runs } else { 1 };
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn report(mode: &Mode, name: &str, subject: Duration, baseline: Duration, baseline_name: &str, target: Option<f64>) {
    let ratio = subject.as_secs_f64() / baseline.as_secs_f64().max(1e-12);
    let goal = target
        .filter(|_| mode.full)
        .map(|t| format!("  (target ≤ {t:.2}×: {})", if ratio <= t { "met" } else { "NOT met" }))
        .unwrap_or_default();
    println!(
        "{name:<44} {:>10.1} µs  vs {baseline_name} {:>10.1} µs  = {ratio:.2}×{goal}",
        subject.as_secs_f64() * 1e6,
        baseline.as_secs_f64() * 1e6
    );
}

fn open(path: &std::path::Path, key: Option<&str>) -> Connection {
    let conn = Connection::open(path).unwrap();
    if let Some(key) = key {
        conn.execute_batch(&format!("PRAGMA key = \"x'{key}'\";")).unwrap();
    }
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
         CREATE TABLE IF NOT EXISTS records (namespace TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL,
             updated_at INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (namespace, key)) WITHOUT ROWID;",
    )
    .unwrap();
    conn
}

fn store(mode: &Mode) {
    let rows = if mode.full { 2_000 } else { 50 };
    let value = vec![42u8; 256];
    let dir = tempfile::tempdir().unwrap();
    let key = "a5".repeat(32);
    let mut results = Vec::new();
    for (label, key) in [("plain", None), ("sqlcipher", Some(key.as_str()))] {
        let path = dir.path().join(format!("{label}.db"));
        let mut conn = open(&path, key);
        let mut round = 0;
        let insert = median(mode, 7, || {
            round += 1;
            let tx = conn.transaction().unwrap();
            for i in 0..rows {
                tx.execute(
                    "INSERT OR REPLACE INTO records (namespace, key, value) VALUES (?1, ?2, ?3)",
                    (format!("n{round}"), i.to_string(), &value),
                )
                .unwrap();
            }
            tx.commit().unwrap();
        });
        let select = median(mode, 7, || {
            for i in 0..rows {
                let _: Vec<u8> =
                    conn.query_row("SELECT value FROM records WHERE namespace = 'n1' AND key = ?1", [i.to_string()], |r| r.get(0)).unwrap();
            }
        });
        let update = median(mode, 7, || {
            let tx = conn.transaction().unwrap();
            for i in 0..rows {
                tx.execute("UPDATE records SET updated_at = updated_at + 1 WHERE namespace = 'n1' AND key = ?1", [i.to_string()]).unwrap();
            }
            tx.commit().unwrap();
        });
        results.push((insert, select, update));
    }
    let (plain, cipher) = (results[0], results[1]);
    report(mode, &format!("store insert {rows} rows (one transaction)"), cipher.0, plain.0, "plain", Some(1.15));
    report(mode, &format!("store select {rows} rows by key"), cipher.1, plain.1, "plain", Some(1.15));
    report(mode, &format!("store update {rows} rows (one transaction)"), cipher.2, plain.2, "plain", Some(1.15));
}

fn wallet(mode: &Mode) {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use citykit_core::crypto::jose::{self, EcJwk};
    use citykit_core::wallet::sd_jwt::SdJwt;
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let issuer = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    let jwk = EcJwk::from_uncompressed_point(issuer.public_key().as_ref()).unwrap();
    let mut disclosures = Vec::new();
    let mut digests = Vec::new();
    for i in 0..10 {
        let d = URL_SAFE_NO_PAD
            .encode(serde_json::json!([format!("salt-{i}-abcdefgh"), format!("claim_{i}"), format!("value {i} 张三")]).to_string());
        digests.push(URL_SAFE_NO_PAD.encode(ring::digest::digest(&ring::digest::SHA256, d.as_bytes())));
        disclosures.push(d);
    }
    digests.sort();
    let claims = serde_json::json!({"iss": "https://issuer.example", "vct": "urn:citykit:vct:resident_id_card", "iat": 1_800_000_000,
        "exp": 1_900_000_000, "_sd_alg": "sha-256", "_sd": digests, "cnf": {"jwk": jwk.public_value()}});
    let input = jose::signing_input(&serde_json::json!({"alg": "ES256", "typ": "dc+sd-jwt"}), &claims);
    let sig = issuer.sign(&rng, input.as_bytes()).unwrap();
    let jwt = jose::assemble(&input, sig.as_ref());
    let text = format!("{jwt}~{}~", disclosures.join("~"));
    let keys = vec![jwk.clone()];
    let n = if mode.full { 500 } else { 1 };
    let full = median(mode, 7, || {
        for _ in 0..n {
            let sd = SdJwt::parse(&text).unwrap();
            sd.verify_issuer_signature(&keys).unwrap();
            sd.disclosed_claims().unwrap();
        }
    });
    let point = jwk.uncompressed_point().unwrap();
    let bare = median(mode, 7, || {
        for _ in 0..n {
            ring::signature::UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &point).verify(input.as_bytes(), sig.as_ref()).unwrap();
        }
    });
    report(mode, "SD-JWT VC (10 disclosures) verification", full / n, bare / n, "bare ES256", Some(1.5));
}

/// An SD-JWT VC signed by a fresh key, with `n` disclosures (for the cold-start wallet rows).
fn licence_text(n: usize) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use citykit_core::crypto::jose::{self, EcJwk};
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let issuer = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    let jwk = EcJwk::from_uncompressed_point(issuer.public_key().as_ref()).unwrap();
    let mut disclosures = Vec::new();
    let mut digests = Vec::new();
    for i in 0..n {
        let d = URL_SAFE_NO_PAD
            .encode(serde_json::json!([format!("salt-{i}-abcdefgh"), format!("claim_{i}"), format!("value {i} 张三")]).to_string());
        digests.push(URL_SAFE_NO_PAD.encode(ring::digest::digest(&ring::digest::SHA256, d.as_bytes())));
        disclosures.push(d);
    }
    digests.sort();
    let claims = serde_json::json!({"iss": "https://issuer.example", "vct": "urn:citykit:vct:resident_id_card", "iat": 1_800_000_000,
        "exp": 1_900_000_000, "_sd_alg": "sha-256", "_sd": digests, "cnf": {"jwk": jwk.public_value()}});
    let input = jose::signing_input(&serde_json::json!({"alg": "ES256", "typ": "dc+sd-jwt"}), &claims);
    let sig = issuer.sign(&rng, input.as_bytes()).unwrap();
    format!("{}~{}~", jose::assemble(&input, sig.as_ref()), disclosures.join("~"))
}

/// The simulator's catalogue, its items repeated under new ids up to `count`.
fn catalogue_of(count: usize) -> citykit_core::catalogue::CatalogueDocument {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../test-fixtures/data/catalogue.json");
    let mut doc = citykit_core::catalogue::parse_catalogue(&std::fs::read(path).unwrap()).unwrap();
    let base = doc.items.clone();
    doc.items.clear();
    for i in 0..count {
        let mut item = base[i % base.len()].clone();
        if i >= base.len() {
            item.id = format!("{}-{i}", item.id);
            item.name_zh = format!("{}（{}）", item.name_zh, i / base.len());
        }
        doc.items.push(item);
    }
    doc.bundles.clear();
    doc
}

fn cold_start(mode: &Mode) {
    use citykit_core::store::{Store, StoreKey};
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("citykit.db");
    let key = || StoreKey::from_bytes(&[7u8; 32]).unwrap();
    let doc = catalogue_of(2_000);
    let licences: Vec<String> = (0..30).map(|_| licence_text(10)).collect();
    runtime.block_on(async {
        let store = Store::open(&path, key()).await.unwrap();
        store.raw_sql(move |conn| citykit_core::catalogue::store_catalogue(conn, &doc, Some("\"bench\""), 1)).await.unwrap();
        store
            .raw_sql(move |conn| {
                for (i, text) in licences.iter().enumerate() {
                    conn.execute(
                        "INSERT INTO licences (id, holder, vct, issuer, sd_jwt, fetched_at) VALUES (?1, 'citizen-01', 'urn:citykit:vct:x', 'https://issuer.example', ?2, 1)",
                        (format!("l{i}"), text),
                    )?;
                }
                Ok(())
            })
            .await
            .unwrap();
        store.close().await.unwrap();
    });
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let mut hits = 0;
    let cold = median(mode, 7, || {
        runtime.block_on(async {
            let store = Store::open(&path, key()).await.unwrap();
            let texts: Vec<String> = store
                .raw_sql(|conn| {
                    let mut stmt = conn.prepare("SELECT sd_jwt FROM licences WHERE holder = 'citizen-01' ORDER BY vct, id")?;
                    let rows = stmt.query_map([], |r| r.get(0))?.collect::<Result<Vec<_>, _>>()?;
                    Ok(rows)
                })
                .await
                .unwrap();
            for text in &texts {
                let sd = citykit_core::wallet::sd_jwt::SdJwt::parse(text).unwrap();
                assert_eq!(sd.top_level_disclosures().len(), 10);
            }
            hits = store.raw_sql(|conn| citykit_core::catalogue::search_blocking(conn, "社保", 20)).await.unwrap().len();
            store.close().await.unwrap();
        })
    });
    assert!(hits > 0);
    println!(
        "{:<44} {:>10.2} ms  (store {:.1} MB; 2,000 items, 30 licences, first search \"社保\": {hits} hits){}",
        "cold start: open + licences + first search",
        cold.as_secs_f64() * 1e3,
        size as f64 / 1e6,
        if mode.full {
            format!("  (target ≤ 20 ms: {})", if cold.as_secs_f64() <= 0.020 { "met" } else { "NOT met" })
        } else {
            String::new()
        }
    );
}

/// A store with the cold start's catalogue and licences and `factor` times today's growing
/// tables: 2,000 inbox items, 200 cases and 2,000 access-log entries (for citizen-01).
fn grown_store(runtime: &tokio::runtime::Runtime, path: &std::path::Path, key: citykit_core::store::StoreKey, factor: usize, full: bool) {
    use citykit_core::store::Store;
    let doc = catalogue_of(if full { 2_000 } else { 200 });
    let licences: Vec<String> = (0..30).map(|_| licence_text(10)).collect();
    let scale = if full { factor } else { factor.div_ceil(10) };
    runtime.block_on(async {
        let store = Store::open(path, key).await.unwrap();
        store.raw_sql(move |conn| citykit_core::catalogue::store_catalogue(conn, &doc, Some("\"bench\""), 1)).await.unwrap();
        store
            .raw_sql(move |conn| {
                let tx = conn.transaction()?;
                for (i, text) in licences.iter().enumerate() {
                    tx.execute(
                        "INSERT INTO licences (id, holder, vct, issuer, sd_jwt, fetched_at) VALUES (?1, 'citizen-01', 'urn:citykit:vct:x', 'https://issuer.example', ?2, 1)",
                        (format!("l{i}"), text),
                    )?;
                }
                let message = serde_json::json!({"kind": "case_update", "title_zh": "您的办件有新进展", "title_en": "Your case has news",
                    "body_zh": "您提交的房屋租赁登记备案已受理，请留意后续通知。".repeat(4), "case_id": "c-000000", "at": 1_800_000_000}).to_string();
                for i in 0..2_000 * scale {
                    tx.execute("INSERT INTO inbox (holder, id, body, read) VALUES ('citizen-01', ?1, ?2, ?3)", (i as i64, &message, i64::from(i % 3 == 0)))?;
                }
                let case = serde_json::json!({"item_id": "rental-registration", "fields": (0..30).map(|f| (format!("field_{f}"), "深圳市福田区福华三路88号")).collect::<std::collections::BTreeMap<_, _>>()}).to_string();
                for i in 0..200 * scale {
                    tx.execute(
                        "INSERT INTO cases (id, holder, item_id, status, body, updated_at) VALUES (?1, 'citizen-01', 'rental-registration', 'accepted', ?2, ?3)",
                        (format!("c-{i:06}"), &case, i as i64),
                    )?;
                }
                for i in 0..2_000 * scale {
                    tx.execute(
                        "INSERT INTO access_log (at, action, licence_id, vct, claims, counterparty) VALUES (?1, 'presentation', 'l1', 'urn:citykit:vct:x', '[\"name\",\"id_number\",\"address\"]', 'https://verifier.example')",
                        [i as i64],
                    )?;
                }
                tx.commit()?;
                Ok(())
            })
            .await
            .unwrap();
        store.close().await.unwrap();
    });
}

/// Open + first read (the inbox's newest 20 and the licence list) at today's size and at ten
/// times today's growing tables: opening checks a constant amount of the file, not every page.
fn store_growth(mode: &Mode) {
    use citykit_core::store::{Store, StoreKey};
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = || StoreKey::from_bytes(&[7u8; 32]).unwrap();
    let paths: Vec<std::path::PathBuf> = [1, 10]
        .iter()
        .map(|factor| {
            let path = dir.path().join(format!("grown-{factor}.db"));
            grown_store(&runtime, &path, key(), *factor, mode.full);
            path
        })
        .collect();
    let open_and_read = |path: &std::path::Path| {
        let start = Instant::now();
        let shown = runtime.block_on(async {
            let store = Store::open(path, key()).await.unwrap();
            let shown = store
                .raw_read(|conn| {
                    let mut inbox =
                        conn.prepare("SELECT id, body, read FROM inbox WHERE holder = 'citizen-01' ORDER BY id DESC LIMIT 20")?;
                    let messages =
                        inbox.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, bool>(2)?)))?.count();
                    let mut licences = conn.prepare("SELECT sd_jwt FROM licences WHERE holder = 'citizen-01' ORDER BY vct, id")?;
                    let licences = licences.query_map([], |r| r.get::<_, String>(0))?.count();
                    Ok(messages + licences)
                })
                .await
                .unwrap();
            store.close().await.unwrap();
            shown
        });
        assert_eq!(shown, 50);
        start.elapsed()
    };
    // Interleaved (today, ten times, today, …) so that drift on a shared machine hits both alike.
    let runs = if mode.full { 21 } else { 1 };
    let mut times: [Vec<Duration>; 2] = [Vec::new(), Vec::new()];
    for _ in 0..runs {
        for (i, path) in paths.iter().enumerate() {
            times[i].push(open_and_read(path));
        }
    }
    let results: Vec<(Duration, u64)> = times
        .iter_mut()
        .zip(&paths)
        .map(|(t, path)| {
            t.sort();
            (t[t.len() / 2], std::fs::metadata(path).map(|m| m.len()).unwrap_or(0))
        })
        .collect();
    let ((today, today_size), (grown, grown_size)) = (results[0], results[1]);
    report(
        mode,
        &format!("store open + first read, 10× data ({:.1} MB)", grown_size as f64 / 1e6),
        grown,
        today,
        &format!("today ({:.1} MB)", today_size as f64 / 1e6),
        Some(1.2),
    );
}

/// A read (one inbox message) while another task holds a 2,000-row write transaction open and
/// is still inserting, against the same read on an idle store.
fn read_during_write(mode: &Mode) {
    use citykit_core::store::{Store, StoreKey};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rw.db");
    grown_store(&runtime, &path, StoreKey::from_bytes(&[7u8; 32]).unwrap(), 1, mode.full);
    let reads = if mode.full { 20 } else { 2 };
    runtime.block_on(async {
        let store = Store::open(&path, StoreKey::from_bytes(&[7u8; 32]).unwrap()).await.unwrap();
        let read_one = |i: i64| {
            let store = store.clone();
            async move {
                let t = Instant::now();
                let body: String = store
                    .raw_read(move |conn| {
                        Ok(conn.query_row("SELECT body FROM inbox WHERE holder = 'citizen-01' AND id = ?1", [i % 2_000], |r| r.get(0))?)
                    })
                    .await
                    .unwrap();
                assert!(!body.is_empty());
                t.elapsed()
            }
        };
        let mut idle = Vec::new();
        for i in 0..reads * 9 {
            idle.push(read_one(i * 97).await);
        }
        let mut during = Vec::new();
        let mut overlapped = 0;
        let mut transactions = Vec::new();
        for round in 0..if mode.full { 9 } else { 1 } {
            let (started, in_transaction) = tokio::sync::oneshot::channel::<()>();
            let (release, released) = std::sync::mpsc::channel::<()>();
            let inserting = Arc::new(AtomicBool::new(true));
            let writer = {
                let (store, inserting) = (store.clone(), inserting.clone());
                tokio::spawn(async move {
                    store
                        .raw_sql(move |conn| {
                            let t = Instant::now();
                            let tx = conn.transaction()?;
                            let body = "x".repeat(300);
                            let mut started = Some(started);
                            for i in 0..2_000i64 {
                                tx.execute(
                                    "INSERT INTO inbox (holder, id, body) VALUES ('bench-writer', ?1, ?2)",
                                    (round * 10_000 + i, &body),
                                )?;
                                if let Some(started) = started.take() {
                                    let _ = started.send(());
                                }
                            }
                            inserting.store(false, Ordering::SeqCst);
                            let inserted = t.elapsed();
                            // Hold the transaction open until the reads are done.
                            let _ = released.recv();
                            tx.commit()?;
                            Ok(inserted)
                        })
                        .await
                })
            };
            in_transaction.await.unwrap();
            for i in 0..reads {
                let took = read_one(i * 131 + round).await;
                if inserting.load(Ordering::SeqCst) {
                    overlapped += 1;
                }
                during.push(took);
            }
            release.send(()).unwrap();
            transactions.push(writer.await.unwrap().unwrap());
        }
        store.close().await.unwrap();
        idle.sort();
        during.sort();
        transactions.sort();
        let (idle, during) = (idle[idle.len() / 2], during[during.len() / 2]);
        report(mode, "store read during a 2,000-row write transaction", during, idle, "idle read", Some(2.0));
        println!(
            "{:<44} {:>10.2} ms  (target ≤ 2 ms: {}; {overlapped} of {} reads while rows were being inserted; inserting took {:.1} ms)",
            "  the same read, absolute",
            during.as_secs_f64() * 1e3,
            if during.as_secs_f64() <= 0.002 { "met" } else { "NOT met" },
            reads * if mode.full { 9 } else { 1 },
            transactions[transactions.len() / 2].as_secs_f64() * 1e3
        );
    });
}

fn autofill(mode: &Mode) {
    use citykit_core::autofill::{fill_form, LicenceClaims};
    use citykit_core::catalogue::{ServiceItem, SourceHolder};
    // 20 licences of 20 types, each with 8 claims; a 60-field form reading 3 claims of each.
    let mut licences = Vec::new();
    let mut fields = Vec::new();
    for l in 0..20 {
        let vct = format!("urn:citykit:vct:type_{l}");
        let mut claims = std::collections::BTreeMap::new();
        claims.insert("id_number".to_owned(), serde_json::json!("440304198207146235"));
        claims.insert("address".to_owned(), serde_json::json!("广东省深圳市福田区福田街道福华三路88号鹏程花园3栋1201室"));
        claims.insert("issue_date".to_owned(), serde_json::json!("2020-05-17"));
        for c in 0..5 {
            claims.insert(format!("claim_{c}"), serde_json::json!(format!("值{l}-{c}")));
        }
        licences.push(LicenceClaims {
            id: format!("lic{l}"),
            vct: vct.clone(),
            issuer: "https://issuer.example/issuers/x".into(),
            of: SourceHolder::Applicant,
            claims,
        });
        for (claim, derive, kind) in
            [("id_number", "birth_date_from_id_number", "date"), ("address", "address_district", "text"), ("issue_date", "date_zh", "text")]
        {
            fields.push(serde_json::json!({"name": format!("f{l}_{claim}"), "label_zh": "字段", "label_en": "Field", "type": kind, "required": true,
                "rules": {"max_length": 100}, "sources": [{"vct": vct, "claim": claim, "derive": derive}, {"vct": "urn:citykit:vct:type_0", "claim": claim, "derive": derive}]}));
        }
    }
    assert_eq!(fields.len(), 60);
    let item: ServiceItem = serde_json::from_value(serde_json::json!({
        "id": "bench", "name_zh": "基准", "name_en": "Bench", "office": {"id": "o", "name_zh": "局", "name_en": "Office"},
        "audience": "person", "promised_working_days": 1, "fee": {"amount_fen": 0}, "instant": true,
        "materials": (0..20).map(|l| serde_json::json!({"id": format!("m{l}"), "name_zh": "材料", "name_en": "Material", "satisfied_by": format!("urn:citykit:vct:type_{l}"), "required": true})).collect::<Vec<_>>(),
        "form": {"version": 1, "fields": fields}
    }))
    .unwrap();
    let n = if mode.full { 2_000 } else { 1 };
    let mut complete = false;
    let fill = median(mode, 7, || {
        for _ in 0..n {
            let form = fill_form(&item, &licences, "d".into(), 1_795_392_000);
            complete = form.is_complete();
        }
    });
    assert!(complete);
    let per = fill / n;
    println!(
        "{:<44} {:>10.1} µs{}",
        "auto-fill: 60 fields from 20 licences",
        per.as_secs_f64() * 1e6,
        if mode.full {
            format!("  (target ≤ 100 µs: {})", if per.as_secs_f64() <= 100e-6 { "met" } else { "NOT met" })
        } else {
            String::new()
        }
    );
}

fn qr(mode: &Mode) {
    use citykit_core::wallet::qr;
    // Presentations of typical sizes: an issuer JWT with 4, 8 and 12 disclosures plus a KB-JWT.
    let payloads: Vec<String> = [4, 8, 12]
        .iter()
        .map(|n| qr::pack(&format!("{}{}", licence_text(*n), "eyJhbGciOiJFUzI1NiIsInR5cCI6ImtiK2p3dCJ9.eyJhdWQiOiJ4In0.c2ln")).unwrap())
        .collect();
    let n = if mode.full { 20 } else { 1 };
    let core_path = median(mode, 7, || {
        for _ in 0..n {
            for p in &payloads {
                let code = qr::encode(p.as_bytes()).unwrap();
                assert!(code.width > 21);
            }
        }
    });
    let fast = median(mode, 7, || {
        for _ in 0..n {
            for p in &payloads {
                let code = fast_qr::QRBuilder::new(p.as_bytes()).ecl(fast_qr::ECL::L).build().unwrap();
                assert!(code.size > 21);
            }
        }
    });
    let per = (payloads.len() * n) as u32;
    report(mode, "QR encode (packed presentations, level L)", core_path / per, fast / per, "fast_qr", None);
    let draw = median(mode, 7, || {
        for p in &payloads {
            let _ = qr::draw(&qr::unpack(p).unwrap()).unwrap();
        }
    });
    println!(
        "{:<44} {:>10.1} µs  (pack + encode + SVG + PNG)",
        "QR draw, the core's whole path",
        draw.as_secs_f64() * 1e6 / payloads.len() as f64
    );
}

fn services(mode: &Mode) {
    use citykit_core::{Client, ClientConfig, NetConfig, PlatformConfig, StaticKeyProvider, StoreKey, TrustConfig};
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    runtime.block_on(async {
        let sim = citykit_sim::Simulator::start(citykit_sim::SimConfig::default()).await.unwrap();
        let mut platform = PlatformConfig::new(sim.issuer(), "citykit-demo", "org.citykit.demo:/oauth2redirect");
        platform.scopes = vec!["openid".into(), "profile".into()];
        let config = ClientConfig {
            data_dir: dir.path().to_path_buf(),
            platform,
            net: NetConfig {
                trust: TrustConfig { extra_root_certificates_pem: vec![sim.ca_cert_pem()], ..Default::default() },
                ..Default::default()
            },
        };
        let keys = std::sync::Arc::new(StaticKeyProvider::new(StoreKey::from_bytes(&[9u8; 32]).unwrap()));
        let client = Client::open(config, keys).await.unwrap();
        let request = client.identity().start_login().await.unwrap();
        let redirect = sim.authorize_as(&request.authorization_url, "citizen-01").await.unwrap();
        client.identity().complete_login(&redirect).await.unwrap();
        client.wallet().fetch_licences().await.unwrap();
        client.catalogue().sync().await.unwrap();
        let runs = if mode.full { 9 } else { 1 };
        let mut full = Vec::new();
        let mut unchanged = Vec::new();
        let mut items = 0;
        for _ in 0..runs {
            // Forget the ETag so the platform sends the whole catalogue again.
            client.store().raw_sql(|c| Ok(c.execute("UPDATE catalogue_meta SET etag = NULL", [])?)).await.unwrap();
            let t = Instant::now();
            let sync = client.catalogue().sync().await.unwrap();
            full.push(t.elapsed());
            assert!(sync.changed);
            items = sync.item_count;
            let t = Instant::now();
            assert!(!client.catalogue().sync().await.unwrap().changed);
            unchanged.push(t.elapsed());
        }
        full.sort();
        unchanged.sort();
        // The largest form citizen-01 can fill: the item with the most fields.
        let largest = |audience: citykit_core::catalogue::Audience| {
            let client = client.clone();
            async move {
                let mut best = (String::new(), 0);
                for summary in client.catalogue().items().await.unwrap() {
                    if summary.audience != audience {
                        continue;
                    }
                    let item = client.catalogue().item(&summary.id).await.unwrap();
                    if item.form.fields.len() > best.1 {
                        best = (item.id.clone(), item.form.fields.len());
                    }
                }
                best
            }
        };
        let time_fill = |item: String| {
            let client = client.clone();
            async move {
                let mut fills = Vec::new();
                let mut verified = 0;
                for _ in 0..runs * 3 {
                    let t = Instant::now();
                    let form = client.autofill().fill(&item).await.unwrap();
                    fills.push(t.elapsed());
                    verified = form.fields.iter().filter(|f| f.origin == citykit_core::autofill::ValueOrigin::GovernmentVerified).count();
                }
                fills.sort();
                (fills[fills.len() / 2], verified)
            }
        };
        let (largest_id, fields) = largest(citykit_core::catalogue::Audience::Person).await;
        let (person_fill, verified) = time_fill(largest_id.clone()).await;
        // As the agent of an enterprise: its largest form, from its business licence and the agent's own.
        client.identity().switch_identity("enterprise-01").await.unwrap();
        client.wallet().fetch_licences().await.unwrap();
        let (enterprise_id, enterprise_fields) = largest(citykit_core::catalogue::Audience::Enterprise).await;
        let (enterprise_fill, enterprise_verified) = time_fill(enterprise_id.clone()).await;
        println!(
            "{:<44} {:>10.2} ms  ({items} items over HTTPS: download, parse, store, index)",
            "catalogue sync, full",
            full[full.len() / 2].as_secs_f64() * 1e3
        );
        println!("{:<44} {:>10.2} ms  (304 Not Modified)", "catalogue sync, unchanged", unchanged[unchanged.len() / 2].as_secs_f64() * 1e3);
        println!(
            "{:<44} {:>10.2} ms  ({largest_id}: {fields} fields, {verified} from licences; wallet read + draft saved)",
            "auto-fill, the largest person form",
            person_fill.as_secs_f64() * 1e3
        );
        println!(
            "{:<44} {:>10.2} ms  ({enterprise_id}: {enterprise_fields} fields, {enterprise_verified} from licences)",
            "auto-fill, the largest enterprise form",
            enterprise_fill.as_secs_f64() * 1e3
        );
        sim.shutdown().await;
    });
}

/// The envelope's QR code: opening it (Base45, zlib, COSE_Sign1, ES256, CWT claims) against
/// one bare ES256 verify of the same signature; and sealing it against one bare ES256 sign.
fn envelope(mode: &Mode) {
    use citykit_core::crypto::jose::EcJwk;
    use citykit_core::envelope::code::{open, seal};
    use citykit_core::envelope::EnvelopeClaims;
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    let mut jwk = EcJwk::from_uncompressed_point(key.public_key().as_ref()).unwrap();
    jwk.kid = Some("bench".into());
    let claims = EnvelopeClaims {
        issuer: "https://city.example".into(),
        envelope_id: "5f3c9a0e2b7d41c6a8e1f0b2c4d6e8fa".into(),
        issued_at: 1_800_000_000,
        expires_at: 1_801_209_600,
    };
    let sign = |data: &[u8]| Ok(key.sign(&rng, data).unwrap().as_ref().to_vec());
    let text = seal(&claims, "bench", sign).unwrap();
    let keys = vec![jwk.clone()];
    let n = if mode.full { 500 } else { 1 };
    let opened = median(mode, 7, || {
        for _ in 0..n {
            open(&text, "https://city.example", &keys, 1_800_000_100).unwrap();
        }
    });
    let message = b"about the 150 bytes of an envelope's COSE Sig_structure: a context, headers, the claims";
    let sig = key.sign(&rng, message).unwrap();
    let point = jwk.uncompressed_point().unwrap();
    let bare = median(mode, 7, || {
        for _ in 0..n {
            ring::signature::UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &point).verify(message, sig.as_ref()).unwrap();
        }
    });
    report(mode, &format!("envelope QR verify ({} chars)", text.len()), opened / n, bare / n, "bare ES256 verify", Some(1.3));
    let sealed = median(mode, 7, || {
        for _ in 0..n {
            seal(&claims, "bench", sign).unwrap();
        }
    });
    let bare_sign = median(mode, 7, || {
        for _ in 0..n {
            key.sign(&rng, message).unwrap();
        }
    });
    report(mode, "envelope QR seal", sealed / n, bare_sign / n, "bare ES256 sign", None);
}

/// A push body: RFC 8291 decryption with the device's static P-256 key (p256 ECDH, ring HKDF and
/// AES-128-GCM) plus the platform's ES256 signature on the message inside, against one bare
/// ES256 verify.
fn push(mode: &Mode) {
    use citykit_core::crypto::jose::{assemble, signing_input, CompactJws, EcJwk};
    use citykit_core::push::ece;
    use serde_json::json;
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let platform = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    let jwk = EcJwk::from_uncompressed_point(platform.public_key().as_ref()).unwrap();
    // A message as the platform sends one: an inbox item in a signed JWS.
    let header = json!({"alg": "ES256", "typ": "citykit-push+jwt", "kid": "push-bench"});
    let claims = json!({"iss": "https://city.example", "sub": "https://carrier.example/device", "msg_id": "inbox-17",
        "identity": "citizen-01", "iat": 1_800_000_000, "kind": "case_status", "ref": 17, "item": {"id": 17, "at": 1_800_000_000, "kind": "case_status",
        "case_id": "C20261202-000017", "item_id": "criminal-record-certificate", "status": "in_review",
        "title_zh": "「无犯罪记录证明开具」已受理，办理中", "title_en": "'Certificate of no criminal record' was accepted and is being reviewed"}});
    let input = signing_input(&header, &claims);
    let jws = assemble(&input, platform.sign(&rng, input.as_bytes()).unwrap().as_ref());
    let device = p256::SecretKey::from_slice(&[7u8; 32]).unwrap();
    let sender = p256::SecretKey::from_slice(&[9u8; 32]).unwrap();
    let auth = [5u8; 16];
    let body = ece::encrypt(jws.as_bytes(), &ece::public_key_bytes(&device), &auth, &sender, &[3u8; 16]).unwrap();
    let n = if mode.full { 300 } else { 1 };
    let received = median(mode, 7, || {
        for _ in 0..n {
            let plaintext = ece::decrypt(&body, &device, &auth).unwrap();
            let message = CompactJws::parse(std::str::from_utf8(&plaintext).unwrap()).unwrap();
            message.verify_es256(&jwk).unwrap();
        }
    });
    let point = jwk.uncompressed_point().unwrap();
    let sig = platform.sign(&rng, input.as_bytes()).unwrap();
    let bare = median(mode, 7, || {
        for _ in 0..n {
            ring::signature::UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &point).verify(input.as_bytes(), sig.as_ref()).unwrap();
        }
    });
    report(mode, &format!("push decrypt + verify ({} byte body)", body.len()), received / n, bare / n, "bare ES256 verify", None);
}

fn recommend(mode: &Mode) {
    use citykit_core::catalogue::{Audience, Bundle};
    use citykit_core::recommend::{
        campaign, Campaign, HistoryEvent, HistoryKind, ItemCount, LifeEvent, LifeEventKind, NextStepStats, ProfileFacts, RankableItem,
        Ranker, RankingInput, Repeat, SegmentCount, Transition,
    };
    use serde_json::json;
    const N: usize = 5_000;
    let id = |i: usize| format!("service-{i:05}");
    let items: Vec<RankableItem> = (0..N)
        .map(|i| RankableItem { id: id(i), name_zh: format!("事项{i}"), name_en: format!("Service {i}"), audience: Audience::Person })
        .collect();
    let mut bundles: Vec<Bundle> = (0..50)
        .map(|b| Bundle {
            id: format!("b{b}"),
            name_zh: "套餐".into(),
            name_en: "Bundle".into(),
            items: (0..10).map(|k| id(b * 100 + k)).collect(),
        })
        .collect();
    bundles[0].id = "birth".into();
    let stats = NextStepStats {
        min_contributors: 20,
        transitions: (0..20_000)
            .map(|t| Transition { from: id(t % N), to: id((t * 7919 + 13) % N), count: 20 + (t % 97) as u32 })
            .collect(),
        popularity: (0..N).map(|i| ItemCount { item: id(i), count: 20 + ((i * 31) % 5000) as u32 }).collect(),
        repeats: (0..500).map(|i| Repeat { item: id(i * 10), people: 400, again: 200, interval_days: 365 }).collect(),
        segments: (0..N)
            .map(|i| SegmentCount { segment: "age_band:adult".into(), item: id(i), count: 20 + ((i * 17) % 900) as u32 })
            .collect(),
    };
    let ranker = Ranker::new(items, &bundles, &stats);
    let now = 1_800_000_000;
    let profile = ProfileFacts {
        audience: Some(Audience::Person),
        age: Some(38),
        age_band: Some(citykit_core::recommend::AgeBand::Adult),
        has_vehicle: true,
        children: 1,
        ..Default::default()
    };
    let events = [LifeEvent { kind: LifeEventKind::Birth, at: now - 30 * 86_400 }];
    let history: Vec<HistoryEvent> = (0..60)
        .map(|h| HistoryEvent {
            kind: if h % 4 == 0 { HistoryKind::View } else { HistoryKind::Case },
            item_id: id((h * 83) % N),
            at: now - (h as i64) * 20 * 86_400,
        })
        .collect();
    let dismissed = std::collections::HashMap::from([(id(5), citykit_core::recommend::Dismissal::Dismiss)]);
    let input = RankingInput { profile: &profile, life_events: &events, history: &history, dismissed: &dismissed, now };
    let n = if mode.full { 50 } else { 1 };
    let ranked = median(mode, 9, || {
        for _ in 0..n {
            std::hint::black_box(ranker.rank(std::hint::black_box(&input), 20));
        }
    }) / n;
    let scores: Vec<f64> = (0..N).map(|i| ((i * 7919) % 10_007) as f64 / 7.0).collect();
    let sort = median(mode, 9, || {
        for _ in 0..n {
            let mut s = scores.clone();
            s.sort_by(|a, b| b.total_cmp(a));
            std::hint::black_box(s);
        }
    }) / n;
    report(mode, "rank 5,000 services for one person", ranked, sort, "sort 5,000 scores", None);
    if mode.full {
        println!(
            "{:<44} {:>10.1} µs  (target ≤ 2 ms: {})",
            "  ranking, absolute",
            ranked.as_secs_f64() * 1e6,
            if ranked.as_secs_f64() <= 0.002 { "met" } else { "NOT met" }
        );
    }
    let campaigns: Vec<Campaign> = (0..100)
        .map(|c| Campaign {
            id: format!("c{c}"),
            title_zh: "补贴".into(),
            title_en: "Subsidy".into(),
            item_id: None,
            audience: Audience::Person,
            rule: json!({"and": [{">=": [{"var": "age"}, 18 + c % 50]}, {"or": [{"var": "has_vehicle"}, {">": [{"var": "children"}, c % 3]}]}, {"!=": [{"var": "district"}, "none"]}]}),
            until: now + 86_400,
        })
        .collect();
    let matched = median(mode, 9, || {
        for _ in 0..n {
            std::hint::black_box(campaigns.iter().filter_map(|c| campaign::evaluate(c, &profile, now)).count());
        }
    }) / n;
    report(mode, "evaluate 100 campaigns for one profile", matched, sort, "sort 5,000 scores", None);
}

fn main() {
    let mode = Mode { full: std::env::args().any(|a| a == "--bench") };
    // `cargo bench -p citykit-core --bench core_bench -- store_growth read_during_write` runs only the named groups.
    let filters: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let wants = |name: &str| filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()));
    println!("CityKit benchmarks ({})", if mode.full { "full" } else { "smoke run: figures are not meaningful" });
    type Group = (&'static str, fn(&Mode));
    let groups: [Group; 11] = [
        ("store", store),
        ("wallet", wallet),
        ("cold_start", cold_start),
        ("store_growth", store_growth),
        ("read_during_write", read_during_write),
        ("autofill", autofill),
        ("services", services),
        ("qr", qr),
        ("envelope", envelope),
        ("push", push),
        ("recommend", recommend),
    ];
    for (name, run) in groups {
        if wants(name) {
            run(&mode);
        }
    }
}
