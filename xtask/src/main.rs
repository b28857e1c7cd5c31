//! CityKit's single build and test entry point.
//!
//! ```text
//! cargo xtask test          install what the tests need (idempotent) and run every suite
//! cargo xtask test rust     only the Rust suites (the quick inner loop is `cargo test -p citykit-core`)
//! cargo xtask test reader   only the independent SQLCipher reader check
//! cargo xtask demo          the scripted citizen journey (same as `cargo run -p citykit-sim -- demo`)
//! ```
//!
//! Every stage prints its duration; the run ends with a `N passed, N failed` line.

use std::process::{Command, ExitCode};
use std::time::Instant;

/// Debian packages the Rust build needs: a C toolchain for SQLCipher and ring, and OpenSSL's
/// libcrypto, which the bundled SQLCipher links on Linux.
const SYSTEM_PACKAGES: &[&str] = &["build-essential", "libssl-dev", "pkg-config", "python3"];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, rest) = match args.split_first() {
        Some((c, rest)) => (c.as_str(), rest.to_vec()),
        None => ("help", Vec::new()),
    };
    match command {
        "test" => test(&rest),
        "demo" => {
            if let Err(e) = ensure_system_packages() {
                eprintln!("xtask: {e}");
                return ExitCode::FAILURE;
            }
            status_code(cargo().args(["run", "--quiet", "-p", "citykit-sim", "--", "demo"]).args(&rest))
        }
        _ => {
            eprintln!("usage: cargo xtask test [rust]   |   cargo xtask demo [demo flags]");
            ExitCode::from(2)
        }
    }
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn status_code(command: &mut Command) -> ExitCode {
    match command.status() {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("xtask: cannot run {command:?}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Installs missing Debian packages (once, quietly); does nothing when all are present.
fn ensure_system_packages() -> Result<(), String> {
    let missing: Vec<&str> = SYSTEM_PACKAGES
        .iter()
        .copied()
        .filter(|p| {
            !Command::new("dpkg-query")
                .args(["-W", "-f=${Status}", p])
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
                .unwrap_or(false)
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    println!("xtask: installing {}", missing.join(" "));
    let apt = |args: &[&str]| -> Result<(), String> {
        let status = Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .map_err(|e| format!("cannot run apt-get: {e}"))?;
        if status.success() { Ok(()) } else { Err(format!("apt-get {} failed", args.join(" "))) }
    };
    apt(&["update", "-qq"])?;
    let mut install = vec!["install", "-y", "-qq", "--no-install-recommends"];
    install.extend(&missing);
    apt(&install)
}

fn tools_dir() -> String {
    std::env::var("CITYKIT_TOOLS_DIR").unwrap_or_else(|_| "/var/cache/citykit-tools".into())
}

fn run(command: &mut Command) -> Result<(), String> {
    let status = command.status().map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("{command:?} failed ({status})")) }
}

/// Writes a store with the demo, then opens it with an independent SQLCipher build (Python's
/// sqlcipher3) from nothing but the passphrase, as README.md documents.
fn independent_reader() -> Result<(), String> {
    run(Command::new("bash").arg("scripts/toolchains/python-qa.sh"))?;
    let dir = std::env::temp_dir().join(format!("citykit-reader-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let passphrase = "an independent reader's passphrase";
    run(cargo().args(["run", "--quiet", "-p", "citykit-sim", "--", "demo", "--passphrase", passphrase, "--data-dir"]).arg(&dir))?;
    let python = format!("{}/py/bin/python", tools_dir());
    let result = run(Command::new(python).arg("scripts/tests/independent_reader.py").arg(&dir).arg(passphrase));
    let _ = std::fs::remove_dir_all(&dir);
    result
}

struct Stage {
    name: &'static str,
    passed: bool,
    seconds: f64,
}

fn test(selection: &[String]) -> ExitCode {
    let wants = |name: &str| selection.is_empty() || selection.iter().any(|s| s == name);
    let mut stages: Vec<Stage> = Vec::new();
    let mut run_stage = |name: &'static str, f: &dyn Fn() -> Result<(), String>| {
        println!("\n=== xtask: {name} ===");
        let started = Instant::now();
        let result = f();
        if let Err(e) = &result {
            eprintln!("xtask: {name} failed: {e}");
        }
        let seconds = started.elapsed().as_secs_f64();
        println!("=== xtask: {name}: {} in {seconds:.1} s ===", if result.is_ok() { "ok" } else { "FAILED" });
        stages.push(Stage { name, passed: result.is_ok(), seconds });
    };

    run_stage("system packages", &ensure_system_packages);
    if wants("rust") {
        run_stage("rust", &|| {
            let ok = cargo()
                .args(["test", "--workspace", "--all-targets", "--no-fail-fast"])
                .status()
                .map_err(|e| e.to_string())?
                .success();
            if ok { Ok(()) } else { Err("cargo test failed".into()) }
        });
        run_stage("rust doc-tests", &|| {
            let ok = cargo().args(["test", "--workspace", "--doc"]).status().map_err(|e| e.to_string())?.success();
            if ok { Ok(()) } else { Err("doc-tests failed".into()) }
        });
    }

    if wants("reader") {
        run_stage("independent reader", &independent_reader);
    }

    println!("\n=== xtask summary ===");
    for stage in &stages {
        println!("{:<18} {:<6} {:>7.1} s", stage.name, if stage.passed { "ok" } else { "FAILED" }, stage.seconds);
    }
    let passed = stages.iter().filter(|s| s.passed).count();
    let failed = stages.len() - passed;
    println!("stages: {passed} passed, {failed} failed");
    if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
