//! CityKit's benchmark binary: each figure is measured against a baseline in the same run and
//! printed as a ratio. `cargo bench -p citykit-core` runs it in full; `cargo test` runs each case
//! once as a smoke test (no figures are asserted: speed goals are read, never unit-tested).
//!
//! - store: SQLCipher (raw key) vs plain SQLite from the same build (no key), same schema, data and
//!   pragmas: insert, select by key, update.
//! - wallet: verifying an SD-JWT VC with 10 disclosures vs one bare ES256 verification (ring).
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
    let goal = target.filter(|_| mode.full).map(|t| format!("  (target ≤ {t:.2}×: {})", if ratio <= t { "met" } else { "NOT met" })).unwrap_or_default();
    println!("{name:<44} {:>10.1} µs  vs {baseline_name} {:>10.1} µs  = {ratio:.2}×{goal}", subject.as_secs_f64() * 1e6, baseline.as_secs_f64() * 1e6);
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
                tx.execute("INSERT OR REPLACE INTO records (namespace, key, value) VALUES (?1, ?2, ?3)", (format!("n{round}"), i.to_string(), &value))
                    .unwrap();
            }
            tx.commit().unwrap();
        });
        let select = median(mode, 7, || {
            for i in 0..rows {
                let _: Vec<u8> = conn.query_row("SELECT value FROM records WHERE namespace = 'n1' AND key = ?1", [i.to_string()], |r| r.get(0)).unwrap();
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
        let d = URL_SAFE_NO_PAD.encode(serde_json::json!([format!("salt-{i}-abcdefgh"), format!("claim_{i}"), format!("value {i} 张三")]).to_string());
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

fn main() {
    let mode = Mode { full: std::env::args().any(|a| a == "--bench") };
    println!("CityKit benchmarks ({})", if mode.full { "full" } else { "smoke run: figures are not meaningful" });
    store(&mode);
    wallet(&mode);
}
