//! `citykit-sim population` (write a synthetic population file) and `citykit-sim
//! recommend-eval` (the leave-last-out evaluation of the recommender against baselines), see
//! docs/population.md. Both print a summary, or JSON with `--json`; a failure prints
//! `{"error": {"code", "message", "line"}}` with `--json` (codes `population.io`,
//! `population.line`, `population.catalogue`) or `error: …` on stderr, and exits with status 1.

use std::io::{BufReader, BufWriter};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use citykit_sim::population::{self, catalogue, GeneratorConfig, PopulationError};
use serde_json::json;

#[derive(Debug, clap::Args)]
pub struct PopulationArgs {
    /// The file to write (JSON lines).
    #[arg(long)]
    out: PathBuf,
    /// The seed (the same seed and sizes give the same bytes).
    #[arg(long, default_value_t = population::DEFAULT_SEED)]
    seed: u64,
    /// How many persons.
    #[arg(long, default_value_t = population::DEFAULT_PEOPLE)]
    people: usize,
    /// How many enterprises.
    #[arg(long, default_value_t = population::DEFAULT_ENTERPRISES)]
    enterprises: usize,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct RecommendEvalArgs {
    /// The population file (the format of docs/population.md).
    #[arg(long)]
    population: PathBuf,
    /// A catalogue in the platform's published shape (default: the simulator's own).
    #[arg(long)]
    catalogue: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub fn generate(args: PopulationArgs) -> ExitCode {
    let config = GeneratorConfig { seed: args.seed, people: args.people, enterprises: args.enterprises };
    let started = Instant::now();
    let result = std::fs::File::create(&args.out).map_err(PopulationError::from).and_then(|file| {
        let mut out = BufWriter::new(file);
        population::write_population(&config, &mut out)
    });
    match result {
        Ok(summary) => {
            let millis = started.elapsed().as_millis();
            if args.json {
                let value = json!({"file": args.out.display().to_string(), "seed": args.seed, "summary": summary, "millis": millis});
                println!("{}", serde_json::to_string_pretty(&value).unwrap_or_default());
            } else {
                println!(
                    "wrote {}: {} persons, {} enterprises, {} events ({} cases, {} licences), {} bytes, seed {} ({millis} ms)",
                    args.out.display(),
                    summary.people,
                    summary.enterprises,
                    summary.events,
                    summary.cases,
                    summary.licences,
                    summary.bytes,
                    args.seed
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e, args.json),
    }
}

pub fn evaluate(args: RecommendEvalArgs) -> ExitCode {
    let started = Instant::now();
    let result = (|| {
        let owned;
        let catalogue = match &args.catalogue {
            Some(path) => {
                owned = catalogue::load(path)?;
                &owned
            }
            None => catalogue::builtin()?,
        };
        let file = std::fs::File::open(&args.population)?;
        population::evaluate_reader(BufReader::new(file), catalogue)
    })();
    match result {
        Ok(report) => {
            let millis = started.elapsed().as_millis();
            if args.json {
                let mut value = serde_json::to_value(&report).unwrap_or_default();
                value["population"] = json!(args.population.display().to_string());
                value["millis"] = json!(millis);
                println!("{}", serde_json::to_string_pretty(&value).unwrap_or_default());
            } else {
                println!("Leave-last-out evaluation of {} ({millis} ms)", args.population.display());
                print!("{}", report.table());
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e, args.json),
    }
}

fn fail(e: &PopulationError, json: bool) -> ExitCode {
    if json {
        let value = json!({"error": {"code": e.code(), "message": e.to_string(), "line": e.line()}});
        println!("{}", serde_json::to_string_pretty(&value).unwrap_or_default());
    } else {
        eprintln!("error: {e}");
    }
    ExitCode::FAILURE
}
