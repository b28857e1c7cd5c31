//! CityKit's single build and test entry point.
//!
//! ```text
//! cargo xtask test          install what the tests need (idempotent) and run every suite
//! cargo xtask test rust     only the Rust suites, rustfmt --check and clippy (the quick inner loop is `cargo test -p citykit-core`)
//! cargo xtask test reader   only the independent SQLCipher reader check
//! cargo xtask test fuzz     only the fuzz targets, briefly (CITYKIT_FUZZ_SECONDS each, default 20)
//! cargo xtask demo          the scripted citizen journey (same as `cargo run -p citykit-sim -- demo`)
//! ```
//!
//! Every stage prints its duration; the run ends with a `N passed, N failed` line.

use std::process::{Command, ExitCode};
use std::time::Instant;

/// Debian packages the Rust build and its tests need: a C toolchain for SQLCipher and ring,
/// OpenSSL's libcrypto, which the bundled SQLCipher links on Linux, and a CJK font from the
/// system for the QA client's printed envelope labels (PNG; the core carries no fonts).
const SYSTEM_PACKAGES: &[&str] = &["build-essential", "libssl-dev", "pkg-config", "python3", "fonts-wqy-zenhei"];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, rest) = match args.split_first() {
        Some((c, rest)) => (c.as_str(), rest.to_vec()),
        None => ("help", Vec::new()),
    };
    match command {
        "test" => test(&rest),
        "bindings" => match bindings(&rest) {
            Ok(dir) => {
                println!("xtask: bindings generated from {}", dir.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("xtask: {e}");
                ExitCode::FAILURE
            }
        },
        "demo" => {
            if let Err(e) = ensure_system_packages() {
                eprintln!("xtask: {e}");
                return ExitCode::FAILURE;
            }
            status_code(cargo().args(["run", "--quiet", "-p", "citykit-sim", "--", "demo"]).args(&rest))
        }
        _ => {
            eprintln!("usage: cargo xtask test [rust|fuzz|reader|python|kotlin|swift|wasm|size]  |  cargo xtask bindings [--release] [--test-hooks]  |  cargo xtask demo [flags]");
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
        if status.success() {
            Ok(())
        } else {
            Err(format!("apt-get {} failed", args.join(" ")))
        }
    };
    apt(&["update", "-qq"])?;
    let mut install = vec!["install", "-y", "-qq", "--no-install-recommends"];
    install.extend(&missing);
    apt(&install)
}

/// The cargo target directory (honours CARGO_TARGET_DIR).
fn target_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(Into::into).unwrap_or_else(|| std::path::PathBuf::from("target"))
}

/// Builds `libcitykit_ffi` and generates the Kotlin, Swift and Python bindings from it (library
/// mode) into the platform folders. Returns the directory holding the built library.
///
/// `--release`: the release profile (what ships); `--test-hooks`: adds the test-only exports.
fn bindings(flags: &[String]) -> Result<std::path::PathBuf, String> {
    let release = flags.iter().any(|f| f == "--release");
    let hooks = flags.iter().any(|f| f == "--test-hooks");
    let mut build = cargo();
    build.args(["build", "-p", "citykit-ffi", "-p", "uniffi-bindgen"]);
    if release {
        build.arg("--release");
    }
    if hooks {
        build.args(["--features", "citykit-ffi/test-hooks"]);
    }
    run(&mut build)?;
    let lib_dir = target_dir().join(if release { "release" } else { "debug" });
    let lib = lib_dir.join(if cfg!(target_os = "macos") { "libcitykit_ffi.dylib" } else { "libcitykit_ffi.so" });
    let bindgen = target_dir().join("debug").join("uniffi-bindgen");
    let bindgen =
        if bindgen.exists() { bindgen } else { target_dir().join(if release { "release" } else { "debug" }).join("uniffi-bindgen") };
    // Two UniFFI components live in the one library: `citykit_core` (the core's records and
    // enums, derived behind its `uniffi` feature; core/uniffi.toml) and `citykit_ffi` (the
    // objects, the error and the callbacks). Kotlin gets a package each (org.citykit.core,
    // org.citykit) and Python a module each; Swift compiles both files into the one module,
    // CityKit, with both C headers behind one module map (ios/Sources/CityKitFFI).
    for (language, out) in [("kotlin", "android/citykit/src/main/kotlin"), ("python", "bindings/python/citykit")] {
        std::fs::create_dir_all(out).map_err(|e| format!("cannot create {out}: {e}"))?;
        run(Command::new(&bindgen).args(["generate", "--no-format", "--library"]).arg(&lib).args([
            "--language",
            language,
            "--out-dir",
            out,
        ]))?;
    }
    std::fs::create_dir_all("ios/Sources/CityKitFFI").map_err(|e| e.to_string())?;
    for (component, swift_file) in [("citykit_core", "CityKitCore.swift"), ("citykit_ffi", "CityKit.swift")] {
        // Both components are the Swift module CityKit, and the generator names its file after
        // the module: generate one at a time and rename.
        let staging = target_dir().join("swift-bindings").join(component);
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir_all(&staging).map_err(|e| e.to_string())?;
        run(Command::new(&bindgen)
            .args(["generate", "--no-format", "--library"])
            .arg(&lib)
            .args(["--crate", component])
            .args(["--language", "swift", "--out-dir"])
            .arg(&staging))?;
        move_file(&staging.join("CityKit.swift"), &std::path::Path::new("ios/Sources/CityKit").join(swift_file))?;
        // The C headers belong to the Swift package's system-library target (its module map is ours).
        for entry in std::fs::read_dir(&staging).map_err(|e| e.to_string())? {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.extension().is_some_and(|x| x == "h") {
                let name = path.file_name().ok_or("a header without a name")?;
                move_file(&path, &std::path::Path::new("ios/Sources/CityKitFFI").join(name))?;
            }
        }
    }
    // Python loads the library from beside its module.
    std::fs::copy(&lib, "bindings/python/citykit/libcitykit_ffi.so").map_err(|e| format!("cannot copy the library: {e}"))?;
    Ok(lib_dir)
}

/// Moves a file, across file systems too (the staging directory may be elsewhere).
fn move_file(from: &std::path::Path, to: &std::path::Path) -> Result<(), String> {
    std::fs::copy(from, to).map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), to.display()))?;
    std::fs::remove_file(from).map_err(|e| format!("cannot remove {}: {e}", from.display()))
}

/// Runs a language's test script with the simulator binary and the built library on hand.
fn language_tests(script: &str) -> Result<(), String> {
    let cwd = std::env::current_dir().map_err(|e| e.to_string())?;
    let target = cwd.join(target_dir());
    let debug = target.join("debug");
    run(Command::new("bash").arg(script).env("CITYKIT_SIM_BIN", debug.join("citykit-sim")).env("CITYKIT_FFI_LIB_DIR", &debug))
}

fn tools_dir() -> String {
    std::env::var("CITYKIT_TOOLS_DIR").unwrap_or_else(|_| "/var/cache/citykit-tools".into())
}

fn run(command: &mut Command) -> Result<(), String> {
    let status = command.status().map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed ({status})"))
    }
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

/// Seconds each fuzz target runs in `cargo xtask test` unless CITYKIT_FUZZ_SECONDS says otherwise.
const DEFAULT_FUZZ_SECONDS: u64 = 20;

/// `KEY=value` pairs of a toolchain script's env file (`export KEY=value` lines).
fn read_env_file(path: &std::path::Path) -> Result<std::collections::HashMap<String, String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(text
        .lines()
        .filter_map(|l| l.strip_prefix("export "))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect())
}

fn env_or(name: &str, default: &str) -> std::path::PathBuf {
    std::env::var_os(name).filter(|v| !v.is_empty()).map(Into::into).unwrap_or_else(|| default.into())
}

/// Builds the cargo-fuzz targets in fuzz/ (nightly, their own target dir outside the clone) and
/// runs each for a few seconds on a scratch copy of its committed corpus (fuzz/corpus/<target>),
/// so nothing is written into the repo. A crash fails the stage, naming the saved input.
///
/// CITYKIT_FUZZ_SECONDS: seconds per target (default 20); CITYKIT_FUZZ_TARGETS: a comma-separated
/// subset; CITYKIT_FUZZ_JOBS: targets run at once (default 2); CITYKIT_FUZZ_TARGET_DIR (default
/// /var/tmp/citykit-fuzz-target); scratch corpora and crash inputs go under
/// $CITYKIT_BUILD_DIR/fuzz (default /var/tmp/citykit-build/fuzz).
fn fuzz() -> Result<(), String> {
    run(Command::new("bash").arg("scripts/toolchains/fuzz.sh"))?;
    let env = read_env_file(&std::path::Path::new(&tools_dir()).join("fuzz.env"))?;
    let get = |k: &str| env.get(k).cloned().ok_or_else(|| format!("fuzz.env has no {k}"));
    let (bin_dir, toolchain) = (get("CARGO_FUZZ_BIN_DIR")?, get("FUZZ_TOOLCHAIN")?);
    let seconds: u64 = match std::env::var("CITYKIT_FUZZ_SECONDS") {
        Ok(s) if !s.is_empty() => s.parse().map_err(|_| format!("CITYKIT_FUZZ_SECONDS is not a number of seconds: {s}"))?,
        _ => DEFAULT_FUZZ_SECONDS,
    };
    let jobs: usize = std::env::var("CITYKIT_FUZZ_JOBS").ok().and_then(|j| j.parse().ok()).filter(|j| *j > 0).unwrap_or(2);
    let cwd = std::env::current_dir().map_err(|e| e.to_string())?;
    let fuzz_dir = cwd.join("fuzz");
    let target_dir = env_or("CITYKIT_FUZZ_TARGET_DIR", "/var/tmp/citykit-fuzz-target");
    let work = env_or("CITYKIT_BUILD_DIR", "/var/tmp/citykit-build").join("fuzz");

    // The targets: every fuzz/fuzz_targets/*.rs, or the ones CITYKIT_FUZZ_TARGETS names.
    let mut all: Vec<String> = std::fs::read_dir(fuzz_dir.join("fuzz_targets"))
        .map_err(|e| format!("cannot list fuzz/fuzz_targets: {e}"))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok()?.strip_suffix(".rs").map(str::to_owned))
        .collect();
    all.sort();
    let targets: Vec<String> = match std::env::var("CITYKIT_FUZZ_TARGETS") {
        Ok(list) if !list.is_empty() => {
            let chosen: Vec<String> = list.split(',').map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()).collect();
            if let Some(unknown) = chosen.iter().find(|t| !all.contains(t)) {
                return Err(format!("CITYKIT_FUZZ_TARGETS names {unknown}; the targets are {}", all.join(", ")));
            }
            chosen
        }
        _ => all,
    };

    // Build with the nightly cargo through rustup, with cargo-fuzz on PATH; nothing of the
    // calling (stable) cargo may leak into it.
    let path = std::env::join_paths(
        std::iter::once(std::path::PathBuf::from(&bin_dir)).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .map_err(|e| e.to_string())?;
    let mut build = Command::new("cargo");
    build
        .arg(format!("+{toolchain}"))
        .args(["fuzz", "build", "--sanitizer", "none", "--target-dir"])
        .arg(&target_dir)
        .current_dir(&fuzz_dir)
        .env("PATH", &path)
        .env("RUSTUP_AUTO_INSTALL", "0");
    for var in
        ["CARGO", "RUSTUP_TOOLCHAIN", "CARGO_TARGET_DIR", "RUSTC", "RUSTDOC", "RUSTC_WRAPPER", "RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS"]
    {
        build.env_remove(var);
    }
    let started = Instant::now();
    run(&mut build)?;
    println!("xtask: fuzz targets built in {:.1} s", started.elapsed().as_secs_f64());

    let release = target_dir.join("x86_64-unknown-linux-gnu").join("release");
    let mut failures = Vec::new();
    for batch in targets.chunks(jobs) {
        let mut running = Vec::new();
        for target in batch {
            let dir = work.join(target);
            let (corpus, artifacts) = (dir.join("corpus"), dir.join("artifacts"));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&corpus)
                .and_then(|_| std::fs::create_dir_all(&artifacts))
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            let seeds = fuzz_dir.join("corpus").join(target);
            let mut seed_count = 0;
            for entry in std::fs::read_dir(&seeds).map_err(|e| format!("no corpus for {target} at {}: {e}", seeds.display()))? {
                let entry = entry.map_err(|e| e.to_string())?;
                std::fs::copy(entry.path(), corpus.join(entry.file_name())).map_err(|e| format!("cannot copy a seed of {target}: {e}"))?;
                seed_count += 1;
            }
            let log = std::fs::File::create(dir.join("log")).map_err(|e| e.to_string())?;
            let mut command = Command::new(release.join(target));
            command
                .arg(&corpus)
                .arg(format!("-max_total_time={seconds}"))
                .arg(format!("-artifact_prefix={}/", artifacts.display()))
                .args(["-timeout=10", "-rss_limit_mb=2048", "-print_final_stats=1"]);
            let dict = fuzz_dir.join("dict").join(format!("{target}.dict"));
            if dict.exists() {
                command.arg(format!("-dict={}", dict.display()));
            }
            let child = command
                .stdout(log.try_clone().map_err(|e| e.to_string())?)
                .stderr(log)
                .spawn()
                .map_err(|e| format!("cannot run the {target} fuzz target: {e}"))?;
            running.push((target, dir, seed_count, child));
        }
        for (target, dir, seed_count, mut child) in running {
            let status = child.wait().map_err(|e| e.to_string())?;
            let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
            let stat =
                |name: &str| log.lines().find_map(|l| l.strip_prefix(&format!("stat::{name}:"))).map(str::trim).unwrap_or("?").to_owned();
            let corpus_now = std::fs::read_dir(dir.join("corpus")).map(|d| d.count()).unwrap_or(0);
            let runs = stat("number_of_executed_units");
            if status.success() {
                println!("fuzz {target:<14} {runs:>9} runs in {seconds} s, {seed_count} seeds, corpus grew to {corpus_now} (scratch, not kept), peak {} MB", stat("peak_rss_mb"));
            } else {
                println!("fuzz {target:<14} CRASHED after {runs} runs ({status})");
                let inputs: Vec<String> = std::fs::read_dir(dir.join("artifacts"))
                    .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path().display().to_string()).collect())
                    .unwrap_or_default();
                // The panic message, then libFuzzer's verdict (the backtrace stays in the log).
                let lines: Vec<&str> = log.lines().filter(|l| !l.starts_with("stat::")).collect();
                let panic =
                    lines.iter().position(|l| l.contains("panicked at")).map(|i| &lines[i..lines.len().min(i + 3)]).unwrap_or_default();
                let verdict = lines
                    .iter()
                    .position(|l| l.starts_with("SUMMARY:"))
                    .map(|i| &lines[i..])
                    .unwrap_or_else(|| &lines[lines.len().saturating_sub(20)..]);
                eprintln!("---- {} (whole log: {}) ----", target, dir.join("log").display());
                eprintln!("{}", panic.iter().chain(verdict).copied().collect::<Vec<_>>().join("\n"));
                for input in &inputs {
                    eprintln!("xtask: fuzz target {target} crashed on the input saved at {input}");
                    eprintln!(
                        "xtask: reproduce with: (cd fuzz && PATH={bin_dir}:$PATH cargo +{toolchain} fuzz run --sanitizer none --target-dir {} {target} {input})",
                        target_dir.display()
                    );
                }
                failures.push(if inputs.is_empty() {
                    format!("{target} ({status}, no input saved: see {})", dir.join("log").display())
                } else {
                    format!("{target}: {}", inputs.join(" "))
                });
            }
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!("fuzzing found crashes: {}", failures.join("; ")))
    }
}

/// The stripped release library for this platform must stay within this many bytes.
const LIBRARY_BUDGET_BYTES: u64 = 8_700_000;

/// Builds the release bindings library (what apps ship), strips a copy and checks it against
/// [`LIBRARY_BUDGET_BYTES`]. (The wasm build's budget, 1.5 MB gzipped, is checked where it is
/// built: `web-wasm/run-tests.sh`.)
fn size_budgets() -> Result<(), String> {
    run(cargo().args(["build", "--release", "-p", "citykit-ffi"]))?;
    let name = if cfg!(target_os = "macos") { "libcitykit_ffi.dylib" } else { "libcitykit_ffi.so" };
    let lib = target_dir().join("release").join(name);
    let stripped = std::env::temp_dir().join(format!("citykit-size-{}-{name}", std::process::id()));
    run(Command::new("strip").arg("-o").arg(&stripped).arg(&lib))?;
    let size = std::fs::metadata(&stripped).map_err(|e| format!("cannot read {}: {e}", stripped.display()))?.len();
    let _ = std::fs::remove_file(&stripped);
    let unstripped = std::fs::metadata(&lib).map(|m| m.len()).unwrap_or(0);
    println!("{name}: {size} bytes stripped ({unstripped} as built); budget {LIBRARY_BUDGET_BYTES} bytes");
    if size > LIBRARY_BUDGET_BYTES {
        return Err(format!(
            "{name} is {size} bytes stripped, over its budget of {LIBRARY_BUDGET_BYTES} bytes by {} bytes. \
             Look at what grew (`nm -S --size-sort -C` on {}), or argue for a new budget in README \"Release profile\".",
            size - LIBRARY_BUDGET_BYTES,
            lib.display()
        ));
    }
    Ok(())
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
        result.is_ok()
    };

    run_stage("system packages", &ensure_system_packages);
    if wants("rust") {
        run_stage("format", &|| {
            let ok = cargo().args(["fmt", "--all", "--check"]).status().map_err(|e| e.to_string())?.success();
            if ok {
                Ok(())
            } else {
                Err("the code is not formatted as rustfmt.toml says: run `cargo fmt --all`".into())
            }
        });
        run_stage("rust", &|| {
            let ok =
                cargo().args(["test", "--workspace", "--all-targets", "--no-fail-fast"]).status().map_err(|e| e.to_string())?.success();
            if ok {
                Ok(())
            } else {
                Err("cargo test failed".into())
            }
        });
        // The workspace denies unwrap/expect outside tests and dbg!; this is what checks it.
        run_stage("clippy", &|| {
            let ok = cargo()
                .args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"])
                .status()
                .map_err(|e| e.to_string())?
                .success();
            if ok {
                Ok(())
            } else {
                Err("clippy found warnings (cargo clippy --workspace --all-targets -- -D warnings)".into())
            }
        });
        run_stage("rust doc-tests", &|| {
            let ok = cargo().args(["test", "--workspace", "--doc"]).status().map_err(|e| e.to_string())?.success();
            if ok {
                Ok(())
            } else {
                Err("doc-tests failed".into())
            }
        });
    }

    if wants("fuzz") {
        run_stage("fuzz", &fuzz);
    }

    if wants("reader") {
        run_stage("independent reader", &independent_reader);
    }
    let languages: Vec<(&'static str, &'static str)> =
        [("python", "bindings/python/run-tests.sh"), ("kotlin", "android/run-tests.sh"), ("swift", "ios/run-tests.sh")]
            .into_iter()
            .filter(|(name, _)| wants(name))
            .collect();
    if !languages.is_empty() {
        let bindings_ok = run_stage("bindings", &|| {
            run(cargo().args(["build", "-p", "citykit-sim"]))?;
            bindings(&["--test-hooks".to_string()]).map(|_| ())
        });
        for (name, script) in languages {
            if bindings_ok {
                run_stage(name, &|| language_tests(script));
            } else {
                run_stage(name, &|| Err("skipped: the bindings did not build".into()));
            }
        }
    }
    if wants("wasm") {
        run_stage("wasm", &|| {
            // The smoke test verifies a presentation the native core made through the QA client.
            run(cargo().args(["build", "-p", "citykit-sim"]))?;
            language_tests("web-wasm/run-tests.sh")
        });
    }

    if wants("size") {
        run_stage("size budgets", &size_budgets);
    }

    println!("\n=== xtask summary ===");
    for stage in &stages {
        println!("{:<18} {:<6} {:>7.1} s", stage.name, if stage.passed { "ok" } else { "FAILED" }, stage.seconds);
    }
    let passed = stages.iter().filter(|s| s.passed).count();
    let failed = stages.len() - passed;
    println!("stages: {passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
