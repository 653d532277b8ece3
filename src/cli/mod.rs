//! The command line (DESIGN §9): clap definitions and glue only. Every subcommand turns its
//! arguments into calls to `scenario`, `experiment` and `output`.
//!
//! Exit codes: 0 ok; 1 a check or (with `--strict`) an invariant failed; 2 bad input or usage.

mod check;
mod run;
mod study;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use bgsim::model::params::{DEVICE_PARAMS, PARAMS, Params};
use bgsim::model::policy::Preset;
use bgsim::scenario::{InputError, Scenario};

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
    /// Simulate a scenario and write summary.json, CSVs, charts and report.html.
    Run(run::RunArgs),
    /// Combine the partial results of `run --shard K/N` into the outputs of one run.
    Merge(run::MergeArgs),
    /// Run a scenario over a grid of parameter values × replications (common random numbers).
    Sweep(study::SweepArgs),
    /// Run the same world under several policies and compare them.
    Compare(study::CompareArgs),
    /// Evaluate a scenario's `expect` rules and/or a baseline; exit 1 on any miss.
    Check(check::CheckArgs),
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
    /// List every metric of summary.json (the names `expect`, baselines and --metric use) with
    /// its unit and meaning.
    Metrics,
    /// List the scheduler parameters with their default, unit and source: all of them, or
    /// only those one policy reads.
    Params {
        /// Show only the parameters this preset reads (and the device-level ones every
        /// preset's runs read).
        #[arg(long)]
        policy: Option<String>,
    },
}

/// Overrides of the simulated world shared by run, sweep, compare and check.
#[derive(clap::Args, Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct WorldArgs {
    /// Override the scenario's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Override a parameter, e.g. --set initial_retry_delay=1m (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// Rescale the fleet to this many devices (block proportions kept).
    #[arg(long)]
    pub devices: Option<u64>,
    /// Override the duration, in days.
    #[arg(long)]
    pub days: Option<u64>,
}

/// Parses argv and runs the command.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    remove_partial_output_on_signal();
    remove_partial_output_on_panic();
    match cli.command {
        Command::Run(args) => run::run(args),
        Command::Merge(args) => run::merge(args),
        Command::Sweep(args) => study::sweep(args),
        Command::Compare(args) => study::compare(args),
        Command::Check(args) => check::check(args),
        Command::Validate { files } => validate(&files),
        Command::Params { policy } => params(policy.as_deref()),
        Command::Metrics => metrics(),
        Command::Plot { dir } => plot(&dir),
        Command::Schema => {
            println!("{}", bgsim::scenario::schema_json());
            ExitCode::SUCCESS
        }
    }
}

/// SIGINT, SIGTERM and SIGHUP (Ctrl-C, `timeout`, Slurm, Kubernetes) remove the temporary
/// directory of an output being written, then exit with 128 + the signal like a shell would.
fn remove_partial_output_on_signal() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return; // without the handler a killed run's leftovers are removed by the next run
    };
    std::thread::spawn(move || {
        if let Some(sig) = signals.forever().next() {
            bgsim::output::remove_in_progress();
            std::process::exit(128 + sig);
        }
    });
}

/// Release builds abort on a panic (`Cargo.toml`): no `TempDir` drop removes the output being
/// written, so the hook does, after the usual message.
fn remove_partial_output_on_panic() {
    if cfg!(panic = "abort") {
        let report = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            report(info);
            bgsim::output::remove_in_progress_after_panic();
        }));
    }
}

fn input_error(e: &InputError) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(2)
}

fn parse_preset(flag: &str, name: &str) -> Result<Preset, InputError> {
    Preset::from_name(name)
        .ok_or_else(|| InputError::new(flag, "", format!("unknown preset {name:?}")))
}

/// Loads a scenario and applies the world overrides and an optional policy override.
pub fn prepare(
    file: &str,
    world: &WorldArgs,
    policy: Option<&str>,
) -> Result<Scenario, InputError> {
    let mut s = Scenario::load(file)?;
    apply_world(&mut s, world, policy)?;
    Ok(s)
}

/// Refuses a `--set` (or `--vary`) of a parameter that none of `presets` reads.
pub fn check_reads<'a>(
    flag: &str,
    names: impl IntoIterator<Item = &'a str>,
    presets: &[Preset],
) -> Result<(), InputError> {
    for name in names {
        let name = name.split_once('=').map_or(name, |(n, _)| n).trim();
        if let Some(m) = bgsim::model::policy::unread_param(presets, name) {
            return Err(InputError::new(flag, name, m));
        }
    }
    Ok(())
}

/// Applies the command-line overrides to a parsed scenario.
pub fn apply_world(
    s: &mut Scenario,
    world: &WorldArgs,
    policy: Option<&str>,
) -> Result<(), InputError> {
    if let Some(seed) = world.seed {
        s.override_seed(seed);
    }
    if let Some(p) = policy {
        s.override_policy(parse_preset("--policy", p)?);
    }
    s.override_params(&world.set)?;
    if let Some(days) = world.days {
        s.override_days(days)?;
    }
    if let Some(n) = world.devices {
        s.override_devices(n)?;
    }
    Ok(())
}

/// A progress bar with ETA on stderr; hidden with --quiet and when stderr is not a terminal.
fn progress_bar(quiet: bool, len: u64, what: &str) -> indicatif::ProgressBar {
    if quiet {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(len),
        indicatif::ProgressDrawTarget::stderr(),
    );
    let template =
        format!("{{spinner}} {what} {{pos}}/{{len}} [{{bar:30}}] {{percent}}% eta {{eta}}");
    if let Ok(style) = indicatif::ProgressStyle::with_template(&template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

fn plot(dir: &std::path::Path) -> ExitCode {
    match bgsim::output::render(dir) {
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

fn metrics() -> ExitCode {
    use bgsim::experiment::catalog::{all_metric_names, doc};
    println!("{:<48} {:<14} meaning", "metric", "unit");
    for name in all_metric_names() {
        let (unit, meaning) = doc(&name).map_or(("", ""), |(_, u, m)| (*u, *m));
        println!("{name:<48} {unit:<14} {meaning}");
    }
    ExitCode::SUCCESS
}

fn params(policy: Option<&str>) -> ExitCode {
    let preset = match policy
        .map(|name| parse_preset("--policy", name))
        .transpose()
    {
        Ok(p) => p,
        Err(e) => return input_error(&e),
    };
    let defaults = Params::default();
    println!("{:<48} {:<9} {:<10} source", "parameter", "unit", "default");
    for def in PARAMS {
        let device = DEVICE_PARAMS.contains(&def.name);
        if preset.is_some_and(|p| !device && !p.reads(def.name)) {
            continue;
        }
        println!(
            "{:<48} {:<9} {:<10} {}",
            def.name,
            def.unit.name(),
            def.get(&defaults).to_string(),
            def.source
        );
        println!("    {}", def.doc.trim());
        if preset.is_none() {
            let readers: Vec<&str> = if device {
                vec!["every policy (device level)"]
            } else {
                Preset::ALL
                    .iter()
                    .filter(|p| p.reads(def.name))
                    .map(|p| p.name())
                    .collect()
            };
            println!("    read by: {}", readers.join(", "));
        }
    }
    ExitCode::SUCCESS
}
