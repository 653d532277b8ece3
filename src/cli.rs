//! The command line (DESIGN §9): clap definitions and glue only.
//!
//! Exit codes: 0 ok; 1 a check or (with `--strict`) an invariant failed; 2 bad input or usage.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};

use crate::experiment::{self, RunOptions};
use crate::model::params::{PARAMS, Params};
use crate::model::policy::Preset;
use crate::scenario::{InputError, Scenario};

#[derive(Parser, Debug)]
#[command(
    name = "bgsim",
    version,
    about = "Deterministic simulator of browser background sync scheduling"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Simulate a scenario and write summary.json and CSVs.
    Run(RunArgs),
    /// Check scenario files without running them.
    Validate {
        /// Scenario files.
        #[arg(required = true)]
        files: Vec<String>,
    },
    /// Re-render the charts and report.html of an output directory from its CSVs and summary.
    Plot {
        /// A directory written by `bgsim run`.
        dir: PathBuf,
    },
    /// Print the JSON Schema of the scenario format.
    Schema,
    /// List every scheduler parameter with its default, unit and source.
    Params {
        /// The preset whose defaults to show.
        #[arg(long, default_value = "chromium")]
        policy: String,
    },
}

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// The scenario JSON file.
    pub scenario: String,
    /// Override the scenario's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output directory (default: results/<scenario name>/). Replaced atomically.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override the policy preset.
    #[arg(long)]
    pub policy: Option<String>,
    /// Override a parameter, e.g. --set initial_retry_delay=1m (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// Rescale the fleet to this many devices (block proportions kept).
    #[arg(long)]
    pub devices: Option<u64>,
    /// Override the duration, in days.
    #[arg(long)]
    pub days: Option<u64>,
    /// Worker threads (default: one per core). Results are identical for any value.
    #[arg(long, default_value_t = 0)]
    pub jobs: usize,
    /// Devices whose per-event rows go to attempts.csv and registrations.csv.
    #[arg(long, default_value_t = 1000)]
    pub detail_devices: u64,
    /// Exit 1 if any invariant is violated.
    #[arg(long)]
    pub strict: bool,
    /// Print nothing on success.
    #[arg(long)]
    pub quiet: bool,
    /// Print events processed and events/s to stderr (never into the outputs).
    #[arg(long)]
    pub stats: bool,
    /// Skip the charts and report.html.
    #[arg(long)]
    pub no_charts: bool,
    /// Write trace.json (Chrome Trace Event format, for Perfetto).
    #[arg(long)]
    pub trace: bool,
    /// Devices to trace with --trace.
    #[arg(long, default_value_t = 10)]
    pub trace_devices: u64,
}

/// Parses argv and runs the command.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run(args) => run(args),
        Command::Validate { files } => validate(&files),
        Command::Params { policy } => params(&policy),
        Command::Plot { dir } => plot(&dir),
        Command::Schema => {
            println!("{}", crate::scenario::schema_json());
            ExitCode::SUCCESS
        }
    }
}

fn input_error(e: &InputError) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(2)
}

/// Loads the scenario and applies the command-line overrides.
pub fn prepare(args: &RunArgs) -> Result<Scenario, InputError> {
    let mut s = Scenario::load(&args.scenario)?;
    if let Some(seed) = args.seed {
        s.seed = seed;
    }
    if let Some(p) = &args.policy {
        let preset = Preset::from_name(p)
            .ok_or_else(|| InputError::new("--policy", "", format!("unknown preset {p:?}")))?;
        if !preset.is_implemented() {
            return Err(InputError::new(
                "--policy",
                "",
                format!("preset {p:?} is not implemented in this version yet"),
            ));
        }
        s.preset = preset;
    }
    for assignment in &args.set {
        s.set_param(assignment)?;
    }
    if let Some(days) = args.days {
        s.set_days(days)?;
    }
    if let Some(n) = args.devices {
        s.set_devices(n)
            .map_err(|m| InputError::new("--devices", "", m))?;
    }
    Ok(s)
}

fn run(args: RunArgs) -> ExitCode {
    let scenario = match prepare(&args) {
        Ok(s) => s,
        Err(e) => return input_error(&e),
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&scenario.name));
    let bar = progress_bar(args.quiet, scenario.device_count());
    let report = |done: u64, _total: u64| bar.set_position(done);
    let opts = RunOptions {
        jobs: args.jobs,
        detail_devices: args.detail_devices,
        trace_devices: if args.trace { args.trace_devices } else { 0 },
        progress: Some(&report),
    };
    let started = Instant::now();
    let fleet = experiment::run(&scenario, &opts);
    let elapsed = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    let write = crate::output::WriteOptions {
        charts: !args.no_charts,
    };
    if let Err(e) = crate::output::write_run(&out, &scenario, &fleet, &write) {
        eprintln!("error: {e:#}");
        return ExitCode::from(2);
    }
    if args.stats {
        eprintln!(
            "stats: {} events in {:.3} s = {:.0} events/s ({} devices)",
            fleet.events,
            elapsed,
            fleet.events as f64 / elapsed.max(1e-9),
            fleet.devices
        );
    }
    let violations = fleet.invariant_total();
    if !args.quiet {
        eprintln!(
            "wrote {}: {} devices, {} sync events, {} invariant violations",
            out.display(),
            fleet.devices,
            fleet.days.iter().map(|d| d.sync_events).sum::<u64>(),
            violations
        );
    }
    if args.strict && violations > 0 {
        eprintln!("error: {violations} invariant violations (--strict)");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

/// A progress bar with ETA on stderr; hidden with --quiet and when stderr is not a terminal.
fn progress_bar(quiet: bool, devices: u64) -> indicatif::ProgressBar {
    if quiet {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(devices),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} simulating {pos}/{len} devices [{bar:30}] {percent}% eta {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

fn plot(dir: &std::path::Path) -> ExitCode {
    match crate::output::render(dir) {
        Ok(()) => {
            eprintln!(
                "rendered {}/charts and {}/report.html",
                dir.display(),
                dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {}: {e:#}", dir.display());
            ExitCode::from(2)
        }
    }
}

fn validate(files: &[String]) -> ExitCode {
    let mut failed = false;
    for f in files {
        match Scenario::load(f) {
            Ok(s) => println!(
                "{f}: ok ({} devices, {} origins in the first device)",
                s.device_count(),
                s.device(0).origins.len()
            ),
            Err(e) => {
                eprintln!("error: {e}");
                failed = true;
            }
        }
    }
    if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

fn params(policy: &str) -> ExitCode {
    match Preset::from_name(policy) {
        Some(p) if p.is_implemented() => {}
        Some(_) => {
            eprintln!("error: --policy: preset {policy:?} is not implemented in this version yet");
            return ExitCode::from(2);
        }
        None => {
            eprintln!("error: --policy: unknown preset {policy:?}");
            return ExitCode::from(2);
        }
    }
    let defaults = Params::default();
    println!("{:<48} {:<9} {:<10} source", "parameter", "unit", "default");
    for def in PARAMS {
        println!(
            "{:<48} {:<9} {:<10} {}",
            def.name,
            def.unit.name(),
            def.get(&defaults).to_string(),
            def.source
        );
        println!("    {}", def.doc.trim());
    }
    ExitCode::SUCCESS
}
