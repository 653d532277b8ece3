//! `bgsim sweep` and `bgsim compare`: replicated experiments for researchers.

use std::path::PathBuf;
use std::process::ExitCode;

use super::{
    WorldArgs, apply_world, check_reads, input_error, parse_preset, prepare, progress_bar,
};
use bgsim::experiment::RunOptions;
use bgsim::experiment::stats::Summary;
use bgsim::experiment::sweep;
use bgsim::model::fleet::FleetSpec;
use bgsim::output::{self, experiments};
use bgsim::scenario::{InputError, Scenario, edit};

/// The metric charted by default.
const DEFAULT_METRIC: &str = "wakeups.per_device_day.mean";

/// Metrics printed in the compare table.
const COMPARE_TABLE: [&str; 8] = [
    "wakeups.per_device_day.mean",
    "wakeups.per_device_day.p95",
    "one_shot.success_rate",
    "one_shot.latency_s.p50",
    "one_shot.latency_s.p95",
    "attempts.retries",
    "periodic.events",
    "awake_s.per_device_day",
];

#[derive(clap::Args, Debug)]
pub struct SweepArgs {
    /// The scenario JSON file.
    pub scenario: String,
    /// A parameter or a scenario field by JSON path and its values, e.g. --vary
    /// initial_retry_delay=1m,5m,15m or --vary devices[0].crashes.rate_per_day=0,1,3
    /// (repeatable: full grid).
    #[arg(long, required = true, value_name = "NAME=V1,V2,...")]
    pub vary: Vec<String>,
    /// Replications per grid point (seeds seed, seed+1, …, the same at every point).
    #[arg(long, default_value_t = 5)]
    pub replications: u64,
    /// The metric to chart: with one varied parameter, its mean per value with 95 % CI error
    /// bars; with two or more, a heatmap of its mean (± CI half-width) over the first two
    /// parameters, one panel per combination of the others.
    #[arg(long, default_value = DEFAULT_METRIC)]
    pub metric: String,
    #[command(flatten)]
    pub world: WorldArgs,
    /// Override the policy preset.
    #[arg(long)]
    pub policy: Option<String>,
    /// Output directory (default: results/<scenario name>-sweep/); absent, empty or a previous bgsim output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace --out even if it holds files bgsim did not write (they are deleted).
    #[arg(long)]
    pub force: bool,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    pub jobs: usize,
    /// Print nothing on success.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(clap::Args, Debug)]
pub struct CompareArgs {
    /// The scenario JSON file.
    pub scenario: String,
    /// A policy preset to compare (give it at least twice); the first is the reference.
    #[arg(long = "policy", required = true, value_name = "PRESET")]
    pub policies: Vec<String>,
    /// Replications (seeds seed, seed+1, …, the same for every policy). The default 5 gives
    /// every mean a 95 % interval; 1 gives none.
    #[arg(long, default_value_t = 5)]
    pub replications: u64,
    /// The metric to chart.
    #[arg(long, default_value = DEFAULT_METRIC)]
    pub metric: String,
    #[command(flatten)]
    pub world: WorldArgs,
    /// Output directory (default: results/<scenario name>-compare/); absent, empty or a previous bgsim output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace --out even if it holds files bgsim did not write (they are deleted).
    #[arg(long)]
    pub force: bool,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    pub jobs: usize,
    /// Print nothing but errors.
    #[arg(long)]
    pub quiet: bool,
}

/// Options of the many runs of a study: no per-event rows, progress summed over the runs.
fn study_options<'a>(jobs: usize, progress: &'a (dyn Fn(u64, u64) + Sync)) -> RunOptions<'a> {
    RunOptions {
        jobs,
        detail_devices: 0,
        trace_devices: 0,
        progress: Some(progress),
        detail_sink: None,
    }
}

/// Turns each run's (done, total) reports into one bar over all runs: a run's reports grow to
/// its total, after which the next report belongs to the next run.
fn cumulative(bar: &indicatif::ProgressBar) -> impl Fn(u64, u64) + Sync + '_ {
    let last = std::sync::atomic::AtomicU64::new(0);
    move |done, total| {
        let next = if done >= total { 0 } else { done };
        let prev = last.swap(next, std::sync::atomic::Ordering::Relaxed);
        bar.inc(done.saturating_sub(prev));
    }
}

/// What sweep and compare check before any simulation: the scenario with its overrides, the
/// charted metric's name, and that the output directory may be written.
struct Study<'a> {
    scenario: &'a str,
    world: &'a WorldArgs,
    policy: Option<&'a str>,
    metric: &'a str,
    out: Option<&'a PathBuf>,
    force: bool,
}

impl Study<'_> {
    /// The scenario and the output directory (default `results/<name>-<kind>/`).
    fn prepare(&self, kind: &str) -> Result<(bgsim::scenario::Scenario, PathBuf), ExitCode> {
        let base = prepare(self.scenario, self.world, self.policy).map_err(|e| input_error(&e))?;
        let known = bgsim::experiment::catalog::metric_names(base.fleet());
        bgsim::experiment::catalog::check_metric(self.metric, &known)
            .map_err(|m| input_error(&InputError::new("--metric", "", m)))?;
        let out = self
            .out
            .cloned()
            .unwrap_or_else(|| PathBuf::from("results").join(format!("{}-{kind}", base.name())));
        output::preflight(&out, self.force).map_err(fail)?;
        Ok((base, out))
    }
}

fn parse_vary(spec: &str) -> Result<(String, Vec<String>), InputError> {
    let err = |m: &str| InputError::new("--vary", spec, m.to_string());
    let (name, values) = spec
        .split_once('=')
        .ok_or_else(|| err("expected NAME=V1,V2,..."))?;
    let values: Vec<String> = values.split(',').map(str::trim).map(String::from).collect();
    if values.iter().any(String::is_empty) {
        return Err(err("expected non-empty comma-separated values"));
    }
    Ok((name.trim().to_string(), values))
}

/// Every grid point's world, validated before anything runs: scenario fields given by JSON
/// path are edited into the file's JSON and validated again (with the same command-line
/// overrides), then the point's parameters are set.
fn sweep_worlds(
    args: &SweepArgs,
    base: &bgsim::scenario::Scenario,
    vary: &[(String, Vec<String>)],
) -> Result<Vec<(sweep::Point, FleetSpec)>, InputError> {
    let text = if vary.iter().any(|(n, _)| edit::is_json_path(n)) {
        Some(std::fs::read_to_string(&args.scenario).map_err(|e| {
            InputError::new(&args.scenario, "", format!("cannot read the scenario: {e}"))
        })?)
    } else {
        None
    };
    sweep::grid(vary)
        .into_iter()
        .map(|point| {
            let (paths, params): (Vec<_>, Vec<_>) = point
                .iter()
                .cloned()
                .partition(|(n, _)| edit::is_json_path(n));
            let world = match &text {
                Some(text) if !paths.is_empty() => {
                    let shown = |(n, v): &(String, String)| format!("{n}={v}");
                    let mut json: serde_json::Value =
                        serde_json::from_str(text.strip_prefix('\u{feff}').unwrap_or(text))
                            .map_err(|e| InputError::new(&args.scenario, "", e.to_string()))?;
                    for p in &paths {
                        edit::set_path(&mut json, &p.0, edit::parse_value(&p.1))
                            .map_err(|m| InputError::new("--vary", shown(p), m))?;
                    }
                    let mut s =
                        Scenario::parse(&json.to_string(), &args.scenario).map_err(|e| {
                            let at = paths.iter().map(shown).collect::<Vec<_>>().join(" ");
                            InputError::new("--vary", at, e.to_string())
                        })?;
                    apply_world(&mut s, &args.world, args.policy.as_deref())?;
                    s.fleet().clone()
                }
                _ => base.fleet().clone(),
            };
            let spec = sweep::with_point(&world, &params)
                .map_err(|e| InputError::new("--vary", e.point, e.message))?;
            Ok((point, spec))
        })
        .collect()
}

fn fail(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {e:#}");
    ExitCode::from(2)
}

pub fn sweep(args: SweepArgs) -> ExitCode {
    let study = Study {
        scenario: &args.scenario,
        world: &args.world,
        policy: args.policy.as_deref(),
        metric: &args.metric,
        out: args.out.as_ref(),
        force: args.force,
    };
    let (base, out) = match study.prepare("sweep") {
        Ok(x) => x,
        Err(code) => return code,
    };
    let vary = match args
        .vary
        .iter()
        .map(|v| parse_vary(v))
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(v) => v,
        Err(e) => return input_error(&e),
    };
    if args.replications == 0 {
        return input_error(&InputError::new(
            "--replications",
            "",
            "expected at least 1",
        ));
    }
    let set = args.world.set.iter().map(String::as_str);
    let params = vary
        .iter()
        .map(|(n, _)| n.as_str())
        .filter(|n| !edit::is_json_path(n));
    if let Err(e) = check_reads("--set", set, &[base.preset()])
        .and_then(|()| check_reads("--vary", params, &[base.preset()]))
    {
        return input_error(&e);
    }
    for (i, (name, _)) in vary.iter().enumerate() {
        if vary[..i].iter().any(|(n, _)| n == name) {
            return input_error(&InputError::new(
                "--vary",
                name.as_str(),
                "this parameter is varied twice; give all its values in one --vary",
            ));
        }
    }
    let points = sweep::grid(&vary).len() as u64;
    let total = points * args.replications * base.device_count();
    let bar = progress_bar(args.quiet, total, "simulating devices");
    let report = cumulative(&bar);
    let opts = study_options(args.jobs, &report);
    let worlds = match sweep_worlds(&args, &base, &vary) {
        Ok(p) => p,
        Err(e) => return input_error(&e),
    };
    let results = sweep::sweep_points(worlds, args.replications, &opts);
    bar.finish_and_clear();
    if let Err(e) = base.verify_traces() {
        return input_error(&e);
    }
    let names: Vec<String> = vary.iter().map(|(n, _)| n.clone()).collect();
    let bars: Vec<(String, Option<Summary>)> = results
        .iter()
        .map(|r| {
            let label = r
                .point
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect::<Vec<_>>()
                .join(" ");
            (
                label,
                r.samples
                    .get(&args.metric)
                    .and_then(|xs| Summary::of(&xs.present())),
            )
        })
        .collect();
    let written = output::write_atomically(&out, args.force, |tmp| {
        experiments::write_sweep_csv(&tmp.join("sweep.csv"), &names, &results)?;
        let runs = tmp.join("sweep_runs.csv");
        experiments::write_sweep_runs_csv(&runs, &names, &results, base.seed())?;
        if vary.len() == 1 {
            let title = format!("{} vs {}", args.metric, names.join(" × "));
            experiments::write_ci_chart(tmp, "sweep", &title, &args.metric, &bars)
        } else {
            // Two or more parameters: a heatmap over the first two, one panel per
            // combination of the others.
            let title = format!(
                "mean {} ({} replications; cells: mean ± 95 % CI half-width){}",
                args.metric,
                args.replications,
                if names.len() > 2 {
                    format!("; a panel per {}", names[2..].join(" × "))
                } else {
                    String::new()
                }
            );
            let cells: Vec<experiments::HeatCell> = results
                .iter()
                .zip(&bars)
                .map(|(r, (_, s))| (r.point.clone(), *s))
                .collect();
            experiments::write_sweep_heatmap(tmp, &title, &vary, &cells)
        }
    });
    if let Err(e) = written {
        return fail(e);
    }
    if !args.quiet {
        println!("{:<50} {:>12} {:>25}", "grid point", args.metric, "95 % CI");
        for (label, s) in &bars {
            match s {
                Some(s) => println!(
                    "{label:<50} {:>12.4} [{:>10.4}, {:>10.4}]",
                    s.mean, s.ci_low, s.ci_high
                ),
                None => println!("{label:<50} {:>12}", "—"),
            }
        }
        eprintln!(
            "wrote {}/sweep.csv, sweep_runs.csv and sweep.svg/png ({points} points × {} replications)",
            out.display(),
            args.replications
        );
    }
    ExitCode::SUCCESS
}

pub fn compare(args: CompareArgs) -> ExitCode {
    let study = Study {
        scenario: &args.scenario,
        world: &args.world,
        policy: None,
        metric: &args.metric,
        out: args.out.as_ref(),
        force: args.force,
    };
    let (base, out) = match study.prepare("compare") {
        Ok(x) => x,
        Err(code) => return code,
    };
    let policies = match args
        .policies
        .iter()
        .map(|p| parse_preset("--policy", p))
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(p) => p,
        Err(e) => return input_error(&e),
    };
    if let Err(e) = check_reads(
        "--set",
        args.world.set.iter().map(String::as_str),
        &policies,
    ) {
        return input_error(&e);
    }
    if policies.len() < 2 {
        return input_error(&InputError::new(
            "--policy",
            "",
            "give at least two policies to compare",
        ));
    }
    if args.replications == 0 {
        return input_error(&InputError::new(
            "--replications",
            "",
            "expected at least 1",
        ));
    }
    let total = policies.len() as u64 * args.replications * base.device_count();
    let bar = progress_bar(args.quiet, total, "simulating devices");
    let report = cumulative(&bar);
    let opts = study_options(args.jobs, &report);
    let results = sweep::compare(base.fleet(), &policies, args.replications, &opts);
    bar.finish_and_clear();
    if let Err(e) = base.verify_traces() {
        return input_error(&e);
    }
    let bars: Vec<(String, Option<Summary>)> = results
        .iter()
        .map(|(p, samples)| {
            (
                p.name().to_string(),
                samples
                    .get(&args.metric)
                    .and_then(|xs| Summary::of(&xs.present())),
            )
        })
        .collect();
    let written = output::write_atomically(&out, args.force, |tmp| {
        experiments::write_compare_csv(&tmp.join("compare.csv"), &results)?;
        let runs = tmp.join("compare_runs.csv");
        experiments::write_compare_runs_csv(&runs, &results, base.seed())?;
        let title = format!("{} by policy", args.metric);
        experiments::write_ci_chart(tmp, "compare", &title, &args.metric, &bars)
    });
    if let Err(e) = written {
        return fail(e);
    }
    if !args.quiet {
        print!("{:<32}", "metric");
        for (p, _) in &results {
            print!(" {:>14}", p.name());
        }
        for (p, _) in results.iter().skip(1) {
            print!(" {:>28}", format!("{} − {}", p.name(), results[0].0.name()));
        }
        println!();
        for metric in COMPARE_TABLE {
            print!("{metric:<32}");
            let mean = |s: &sweep::Samples| {
                s.get(metric)
                    .and_then(|xs| Summary::of(&xs.present()))
                    .map(|s| s.mean)
            };
            for (_, s) in &results {
                match mean(s) {
                    Some(m) => print!(" {m:>14.4}"),
                    None => print!(" {:>14}", "—"),
                }
            }
            for (_, s) in results.iter().skip(1) {
                let (Some(a), Some(b)) = (results[0].1.get(metric), s.get(metric)) else {
                    print!(" {:>28}", "—");
                    continue;
                };
                let diffs = b.paired_diff(a);
                match Summary::of(&diffs) {
                    Some(d) if d.ci_low.is_finite() => {
                        print!(
                            " {:>28}",
                            format!("{:.4} [{:.4}, {:.4}]", d.mean, d.ci_low, d.ci_high)
                        )
                    }
                    Some(d) => print!(" {:>28}", format!("{:.4}", d.mean)),
                    None => print!(" {:>28}", "—"),
                }
            }
            println!();
        }
        eprintln!(
            "wrote {}/compare.csv, compare_runs.csv and compare.svg/png ({} replications, seeds {}..={}; --replications changes it)",
            out.display(),
            args.replications,
            base.seed(),
            base.seed().wrapping_add(args.replications - 1)
        );
    }
    ExitCode::SUCCESS
}
