//! The synthetic population and the recommender's offline evaluation (docs/population.md): the
//! generator is deterministic and as large as the issue asks; the evaluation reads any file in
//! the format (a bad line is a typed error naming its line); and on the default population the
//! recommender's HR@5 is at least twice popularity's and above every baseline's.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::process::Command;
use std::sync::OnceLock;

use citykit_sim::population::{self, catalogue, EventType, GeneratorConfig, LineProblem, PopulationError, RecordKind};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_citykit-sim");

/// The default population's bytes, generated once for the tests that need it.
fn default_population() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let started = std::time::Instant::now();
        let mut bytes = Vec::new();
        population::write_population(&GeneratorConfig::default(), &mut bytes).unwrap();
        eprintln!("generated the default population: {} bytes in {:?}", bytes.len(), started.elapsed());
        bytes
    })
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_the_sizes_the_issue_asks_for() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("population.jsonl");
    let out = Command::new(BIN).args(["population", "--json", "--out"]).arg(&path).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(summary["summary"]["people"].as_u64().unwrap() >= 10_000, "{summary}");
    assert!(summary["summary"]["enterprises"].as_u64().unwrap() >= 1_000, "{summary}");
    assert_eq!(summary["seed"], population::DEFAULT_SEED);
    // The binary's file and the library's bytes are the same, byte for byte.
    let written = std::fs::read(&path).unwrap();
    assert!(written == default_population(), "the same seed gave different bytes");
    assert_eq!(summary["summary"]["bytes"].as_u64().unwrap(), written.len() as u64);

    // Another seed, another population (a small one).
    let small = |seed| {
        let mut bytes = Vec::new();
        population::write_population(&GeneratorConfig { seed, people: 50, enterprises: 5 }, &mut bytes).unwrap();
        bytes
    };
    assert_eq!(small(7), small(7));
    assert_ne!(small(7), small(8));
}

#[test]
fn the_recommender_beats_every_baseline_on_the_default_population() {
    let catalogue = catalogue::builtin().unwrap();
    let started = std::time::Instant::now();
    let records = population::read_population(default_population(), None).unwrap();
    // Multi-year trajectories of the right kinds, each naming services of its own audience.
    let audience: std::collections::HashMap<&str, _> = catalogue.items.iter().map(|i| (i.id.as_str(), i.audience)).collect();
    for record in &records {
        for event in &record.events {
            if let Some(item) = &event.item {
                assert_eq!(audience[item.as_str()], record.kind.audience(), "{} names {item}", record.id);
            }
        }
    }
    let persons = records.iter().filter(|r| r.kind == RecordKind::Person).count();
    assert!(persons >= 10_000 && records.len() - persons >= 1_000);
    let span = |r: &population::PopulationRecord| {
        let cases: Vec<i64> = r.events.iter().filter(|e| e.kind == EventType::Case).map(|e| e.at).collect();
        cases.iter().max().unwrap_or(&0) - cases.iter().min().unwrap_or(&0)
    };
    let multi_year = records.iter().filter(|r| span(r) > 3 * 365 * 86_400).count();
    assert!(multi_year * 2 > records.len(), "only {multi_year} records span more than three years");

    let report = population::evaluate(&records, catalogue);
    eprintln!("evaluated in {:?}\n{}", started.elapsed(), report.table());
    assert_eq!(report.evaluated + report.skipped, report.records);
    assert!(report.evaluated >= 10_000, "{}", report.table());

    let hr5 = |method: &str| report.method(method).unwrap().hr_at_5;
    let recommender = hr5("recommender");
    assert!(
        recommender >= 2.0 * hr5("popularity"),
        "the recommender's HR@5 {recommender:.4} is not twice popularity's {:.4}\n{}",
        hr5("popularity"),
        report.table()
    );
    for baseline in ["popularity", "transitions", "item-knn"] {
        assert!(
            recommender > hr5(baseline),
            "the recommender's HR@5 {recommender:.4} does not beat {baseline}'s {:.4}\n{}",
            hr5(baseline),
            report.table()
        );
    }
}

#[test]
fn a_malformed_line_is_a_typed_error_naming_its_line() {
    let catalogue = catalogue::builtin().unwrap();
    let good = |id: &str| {
        format!(
            r#"{{"id":"{id}","kind":"person","since":1609430400,"profile":{{"audience":"person","age":40,"age_band":"adult","has_vehicle":false,"owns_property":false,"married":false,"children":0,"district":"futian"}},"events":[{{"at":1610000000,"type":"case","item":"hk-macau-permit"}},{{"at":1620000000,"type":"case","item":"passport-application"}}]}}"#
        )
    };
    let eval = |text: String| population::evaluate_reader(text.as_bytes(), catalogue);

    let line_problem = |result: Result<_, PopulationError>| match result {
        Err(PopulationError::Line { line, problem }) => (line, problem),
        other => panic!("expected a line error, got {other:?}"),
    };
    // Not JSON on line 3 (after a blank line 2).
    let (line, problem) = line_problem(eval(format!("{}\n\n{{\"id\": \"P2\",\n", good("P1"))));
    assert_eq!(line, 3);
    assert!(matches!(problem, LineProblem::Malformed(_)), "{problem:?}");
    // A case without an item.
    let (line, problem) =
        line_problem(eval(format!("{}\n{}\n", good("P1"), good("P2").replace(r#""item":"hk-macau-permit""#, r#""vct":"x""#))));
    assert_eq!((line, problem), (2, LineProblem::BadEvent { index: 0, what: "a case, view or search event needs an `item`" }));
    // A service the catalogue does not list.
    let (line, problem) = line_problem(eval(format!("{}\n{}\n", good("P1"), good("P2").replace("passport-application", "moon-landing"))));
    assert_eq!((line, problem), (2, LineProblem::UnknownItem { index: 1, item: "moon-landing".into() }));
    // An id used twice.
    let (line, problem) = line_problem(eval(format!("{}\n{}\n", good("P1"), good("P1"))));
    assert_eq!((line, problem), (2, LineProblem::DuplicateId { id: "P1".into(), first_line: 1 }));
    // A kind that contradicts the profile.
    let (line, problem) = line_problem(eval(good("P1").replace(r#""kind":"person""#, r#""kind":"enterprise""#)));
    assert_eq!((line, problem), (1, LineProblem::AudienceMismatch { kind: "enterprise" }));
    // Good lines evaluate.
    let report = eval(format!("{}\n{}\n", good("P1"), good("P2"))).unwrap();
    assert_eq!((report.records, report.evaluated, report.skipped), (2, 2, 0));

    // The binary says the same, with its code and line.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.jsonl");
    std::fs::write(&path, format!("{}\n{}\nnot json\n", good("P1"), good("P2"))).unwrap();
    let out = Command::new(BIN).args(["recommend-eval", "--json", "--population"]).arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let body: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(body["error"]["code"], "population.line", "{body}");
    assert_eq!(body["error"]["line"], 3, "{body}");
    let out = Command::new(BIN).args(["recommend-eval", "--population"]).arg(&path).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 3: not a population record"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn the_binary_evaluates_any_population_file_as_the_library_does() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("small.jsonl");
    let config = GeneratorConfig { seed: 7, people: 1_500, enterprises: 150 };
    let mut file = std::fs::File::create(&path).unwrap();
    population::write_population(&config, &mut file).unwrap();
    drop(file);

    let out = Command::new(BIN).args(["recommend-eval", "--json", "--population"]).arg(&path).output().unwrap();
    assert!(out.status.success(), "{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let report =
        population::evaluate_reader(std::io::BufReader::new(std::fs::File::open(&path).unwrap()), catalogue::builtin().unwrap()).unwrap();
    // The same figures (serde_json's float parsing may differ from the printed value in the last bit).
    assert_eq!(json["all"]["evaluated"], report.all.evaluated);
    for (printed, computed) in json["all"]["methods"].as_array().unwrap().iter().zip(&report.all.methods) {
        assert_eq!(printed["method"], computed.method.as_str());
        assert_eq!(
            (printed["hits_at_5"].as_u64(), printed["hits_at_10"].as_u64()),
            (Some(computed.hits_at_5 as u64), Some(computed.hits_at_10 as u64))
        );
        assert!((printed["ndcg_at_10"].as_f64().unwrap() - computed.ndcg_at_10).abs() < 1e-12, "{printed} {computed:?}");
    }
    assert_eq!(json["records"], 1_650);
    assert_eq!(json["evaluated"].as_u64().unwrap() + json["skipped"].as_u64().unwrap(), 1_650);
    let methods: Vec<&str> = json["all"]["methods"].as_array().unwrap().iter().map(|m| m["method"].as_str().unwrap()).collect();
    assert_eq!(methods, population::METHODS);
    for m in json["all"]["methods"].as_array().unwrap() {
        for key in ["hr_at_5", "hr_at_10", "ndcg_at_10"] {
            let v = m[key].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&v), "{m}");
        }
        assert!(m["hr_at_5"].as_f64() <= m["hr_at_10"].as_f64(), "{m}");
    }

    // The table names every method.
    let out = Command::new(BIN).args(["recommend-eval", "--population"]).arg(&path).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for method in population::METHODS {
        assert!(text.contains(method), "{text}");
    }
}
