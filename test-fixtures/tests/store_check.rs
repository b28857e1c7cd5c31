//! `citykit-sim client store-check`: the store's maintenance check from the QA client (the real
//! binary, no network needed).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_citykit-sim");
const PAGE: usize = 4096;

fn store_check(data_dir: &Path) -> (Output, Value) {
    let out = Command::new(BIN)
        .args(["client", "store-check", "--json", "--data-dir"])
        .arg(data_dir)
        .env("CITYKIT_PASSPHRASE", "store check passphrase")
        .output()
        .unwrap();
    let body = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)));
    (out, body)
}

#[test]
fn store_check_reports_a_sound_store_and_moves_a_damaged_one_aside() {
    let dir = tempfile::tempdir().unwrap();
    let (out, body) = store_check(dir.path());
    assert!(out.status.success(), "{body}");
    assert_eq!(body["sound"], true);
    let pages = body["pages"].as_u64().unwrap() as usize;
    let db = dir.path().join("citykit.db");
    assert_eq!(std::fs::metadata(&db).unwrap().len() as usize, pages * PAGE, "the store was left as one checkpointed file");
    // Damage a page in the middle: neither page 1 nor the last one, which the open checks.
    let mut bytes = std::fs::read(&db).unwrap();
    let at = (pages / 2 - 1) * PAGE + 300;
    for b in &mut bytes[at..at + 100] {
        *b ^= 0xff;
    }
    std::fs::write(&db, &bytes).unwrap();
    let (out, body) = store_check(dir.path());
    assert!(!out.status.success(), "{body}");
    assert_eq!(body["error"]["code"], "store.corrupt", "{body}");
    assert!(!db.exists());
    let moved: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("citykit.db.corrupt-"))
        .collect();
    assert_eq!(moved.len(), 1, "{moved:?}");
    assert_eq!(std::fs::read(dir.path().join(&moved[0])).unwrap(), bytes, "the damaged file is kept as it was");
    // The next run starts a fresh store.
    let (out, body) = store_check(dir.path());
    assert!(out.status.success(), "{body}");
}
