//! `bgsim run` (whole or one shard) and `bgsim merge`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::{WorldArgs, apply_world, check_reads, input_error, progress_bar};
use bgsim::experiment::{self, Fleet, RunOptions};
use bgsim::output::{self, WriteOptions};
use bgsim::scenario::{InputError, Scenario};

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// The scenario JSON file.
    pub scenario: String,
    #[command(flatten)]
    pub world: WorldArgs,
    /// Override the policy preset.
    #[arg(long)]
    pub policy: Option<String>,
    /// Output directory (default: results/<scenario name>/). Replaced atomically, and only if
    /// it is absent, empty or a previous bgsim output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace --out even if it holds files bgsim did not write (they are deleted).
    #[arg(long)]
    pub force: bool,
    /// Worker threads (default: one per core). Results are identical for any value.
    #[arg(long, default_value_t = 0)]
    pub jobs: usize,
    /// Devices whose per-event rows go to attempts.csv, registrations.csv and wakeups.csv.
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
    /// Simulate only shard K of N (1-based) and write mergeable partial results (partial.json).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
}

/// What a shard writes: enough to rebuild the scenario and the fleet aggregate exactly.
#[derive(Serialize, Deserialize)]
struct Partial {
    bgsim_version: String,
    scenario_file: String,
    scenario_text: String,
    world: WorldArgs,
    policy: Option<String>,
    shard: (u64, u64),
    /// The trace files the shard replayed, `(file, SHA-256)` (DESIGN §14).
    #[serde(default)]
    traces: Vec<(String, String)>,
    fleet: Fleet,
}

fn parse_shard(text: &str) -> Result<(u64, u64), InputError> {
    let err = || {
        InputError::new(
            "--shard",
            "",
            format!("expected K/N with 1 ≤ K ≤ N, got {text:?}"),
        )
    };
    let (k, n) = text.split_once('/').ok_or_else(err)?;
    let (k, n): (u64, u64) = (k.parse().map_err(|_| err())?, n.parse().map_err(|_| err())?);
    if k == 0 || n == 0 || k > n {
        return Err(err());
    }
    Ok((k, n))
}

/// Devices of shard `k` of `n` (1-based): contiguous, so shards merge in device order.
fn shard_range(k: u64, n: u64, devices: u64) -> std::ops::Range<u64> {
    let at = |i: u64| (devices as u128 * i as u128 / n as u128) as u64;
    at(k - 1)..at(k)
}

pub fn run(args: RunArgs) -> ExitCode {
    // The text is read once: a shard records exactly the text it simulated, even if the file
    // is edited while it runs.
    let loaded = Scenario::read(&args.scenario).and_then(|text| {
        let mut s = Scenario::parse(&text, &args.scenario)?;
        apply_world(&mut s, &args.world, args.policy.as_deref())?;
        check_reads(
            "--set",
            args.world.set.iter().map(String::as_str),
            &[s.preset()],
        )?;
        Ok((s, text))
    });
    let (scenario, text) = match loaded {
        Ok(x) => x,
        Err(e) => return input_error(&e),
    };
    let shard = match args.shard.as_deref().map(parse_shard).transpose() {
        Ok(s) => s,
        Err(e) => return input_error(&e),
    };
    let out = args.out.clone().unwrap_or_else(|| {
        let name = match shard {
            Some((k, n)) => format!("{}-shard-{k}-of-{n}", scenario.name()),
            None => scenario.name().to_string(),
        };
        PathBuf::from("results").join(name)
    });
    if let Err(e) = output::preflight(&out, args.force) {
        eprintln!("error: {e:#}");
        return ExitCode::from(2);
    }
    let range = match shard {
        Some((k, n)) => shard_range(k, n, scenario.device_count()),
        None => 0..scenario.device_count(),
    };
    let bar = progress_bar(args.quiet, range.end - range.start, "simulating devices");
    let report = |done: u64, _total: u64| bar.set_position(done);
    let trace_devices = if args.trace { args.trace_devices } else { 0 };
    let simulate = |sink: Option<&output::DetailSink<'_>>| {
        let opts = RunOptions {
            jobs: args.jobs,
            detail_devices: args.detail_devices,
            trace_devices,
            progress: Some(&report),
            detail_sink: sink,
        };
        let started = Instant::now();
        let fleet = experiment::run_range(scenario.fleet(), &opts, range.clone());
        let elapsed = started.elapsed().as_secs_f64();
        bar.finish_and_clear();
        if args.stats {
            eprintln!(
                "stats: {} events in {:.3} s = {:.0} events/s ({} devices)",
                fleet.totals.events,
                elapsed,
                fleet.totals.events as f64 / elapsed.max(1e-9),
                fleet.devices
            );
        }
        fleet
    };
    let written = match shard {
        // A shard keeps its detail rows in partial.json for `merge`.
        Some(shard) => write_partial(&out, &args, text, shard, simulate(None), &scenario),
        None => {
            let write = WriteOptions {
                charts: !args.no_charts,
                force: args.force,
            };
            output::simulate_into(&out, &scenario, &write, |sink| simulate(Some(sink)))
                .map_err(anyhow::Error::from)
        }
    };
    let fleet = match written {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    let violations = fleet.invariant_total();
    finish(&out, &fleet, violations, args.quiet, args.strict)
}

fn finish(
    out: &std::path::Path,
    fleet: &Fleet,
    violations: u64,
    quiet: bool,
    strict: bool,
) -> ExitCode {
    let (rejected, calls) = fleet.rejected_share();
    if !quiet && calls > 0 && rejected * 20 > calls {
        // More than 5 %: rates computed over the rest would hide it (summary.json has
        // `one_shot.rejected_by` / `periodic.rejected_by` and `one_shot.delivered_rate`).
        let by = bgsim::device::record::RejectReason::ALL
            .iter()
            .map(|r| {
                let n = fleet.totals.rejections.one_shot[*r] + fleet.totals.rejections.periodic[*r];
                (r.name(), n)
            })
            .filter(|(_, n)| *n > 0)
            .map(|(name, n)| format!("{name} {n}"))
            .collect::<Vec<_>>()
            .join(", ");
        eprintln!(
            "warning: {rejected} of {calls} register calls ({:.1} %) were rejected ({by}); see rejected_by and delivered_rate in summary.json",
            rejected as f64 * 100.0 / calls as f64
        );
    }
    if !quiet {
        eprintln!(
            "wrote {}: {} devices, {} sync events, {} invariant violations",
            out.display(),
            fleet.devices,
            fleet.totals.days.iter().map(|d| d.sync_events).sum::<u64>(),
            violations
        );
    }
    if strict && violations > 0 {
        eprintln!("error: {violations} invariant violations (--strict)");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

fn write_partial(
    out: &std::path::Path,
    args: &RunArgs,
    scenario_text: String,
    shard: (u64, u64),
    fleet: Fleet,
    scenario: &Scenario,
) -> anyhow::Result<Fleet> {
    scenario.verify_traces()?;
    let partial = Partial {
        bgsim_version: bgsim::VERSION.to_string(),
        scenario_file: args.scenario.clone(),
        scenario_text,
        world: args.world.clone(),
        policy: args.policy.clone(),
        shard,
        traces: scenario.traces(),
        fleet,
    };
    output::write_atomically(out, args.force, |tmp| {
        let f = std::io::BufWriter::new(std::fs::File::create(tmp.join("partial.json"))?);
        serde_json::to_writer(f, &partial)?;
        Ok(())
    })?;
    Ok(partial.fleet)
}

#[derive(clap::Args, Debug)]
pub struct MergeArgs {
    /// The shard output directories (each holding partial.json), in any order.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Output directory of the merged run (absent, empty or a previous bgsim output).
    #[arg(long)]
    pub out: PathBuf,
    /// Replace --out even if it holds files bgsim did not write (they are deleted).
    #[arg(long)]
    pub force: bool,
    /// Skip the charts and report.html.
    #[arg(long)]
    pub no_charts: bool,
    /// Exit 1 if any invariant is violated.
    #[arg(long)]
    pub strict: bool,
    /// Print nothing on success.
    #[arg(long)]
    pub quiet: bool,
}

fn load_partial(dir: &std::path::Path) -> Result<Partial, InputError> {
    let file = dir.join("partial.json");
    let name = file.display().to_string();
    let text = std::fs::read(&file)
        .map_err(|e| InputError::new(&name, "", format!("cannot read: {e}")))?;
    serde_json::from_slice(&text)
        .map_err(|e| InputError::new(&name, "", format!("not a bgsim partial result: {e}")))
}

/// Merges shard partials; they must be every shard of one run (same scenario, overrides, N).
fn merged(dirs: &[PathBuf]) -> Result<(Scenario, Fleet), InputError> {
    let mut parts = dirs
        .iter()
        .map(|d| load_partial(d).map(|p| (p, d.clone())))
        .collect::<Result<Vec<_>, _>>()?;
    parts.sort_by_key(|(p, _)| p.shard.0);
    let (parts, dirs_by_shard): (Vec<Partial>, Vec<PathBuf>) = parts.into_iter().unzip();
    let first = &parts[0];
    let n = first.shard.1;
    let err = |m: String| InputError::new("merge", "", m);
    for (i, p) in parts.iter().enumerate() {
        if p.shard != (i as u64 + 1, n) {
            return Err(err(format!(
                "expected shards 1..{n} exactly once each, found shard {}/{}",
                p.shard.0, p.shard.1
            )));
        }
        if p.scenario_text != first.scenario_text
            || p.bgsim_version != first.bgsim_version
            || p.policy != first.policy
            || p.traces != first.traces
            || serde_json::to_string(&p.world).ok() != serde_json::to_string(&first.world).ok()
        {
            return Err(err(format!(
                "shard {}/{} comes from a different run (scenario, traces, overrides or version differ)",
                p.shard.0, n
            )));
        }
    }
    if parts.len() as u64 != n {
        return Err(err(format!("expected {n} shards, got {}", parts.len())));
    }
    let mut scenario = Scenario::parse(&first.scenario_text, &first.scenario_file)?;
    apply_world(&mut scenario, &first.world, first.policy.as_deref())?;
    if scenario.traces() != first.traces {
        return Err(err(
            "a trace file changed since the shards ran: their results are not of the trace as it is now"
                .into(),
        ));
    }
    let (detail, trace) = (first.fleet.detail_devices, first.fleet.trace_devices);
    for (p, dir) in parts.iter().zip(&dirs_by_shard) {
        let range = shard_range(p.shard.0, n, scenario.device_count());
        p.fleet
            .check_shape(scenario.fleet(), range, detail, trace)
            .map_err(|m| {
                InputError::new(
                    &dir.join("partial.json").display().to_string(),
                    "fleet",
                    format!("shard {}/{n} {m}; it cannot be merged", p.shard.0),
                )
            })?;
    }
    let mut parts = parts.into_iter();
    let mut fleet = parts
        .next()
        .map(|p| p.fleet)
        .ok_or_else(|| err("no shards".into()))?;
    for p in parts {
        fleet.merge(p.fleet);
    }
    Ok((scenario, fleet))
}

pub fn merge(args: MergeArgs) -> ExitCode {
    if let Err(e) = output::preflight(&args.out, args.force) {
        eprintln!("error: {e:#}");
        return ExitCode::from(2);
    }
    let (scenario, fleet) = match merged(&args.dirs) {
        Ok(x) => x,
        Err(e) => return input_error(&e),
    };
    let write = WriteOptions {
        charts: !args.no_charts,
        force: args.force,
    };
    if let Err(e) = output::write_run(&args.out, &scenario, &fleet, &write) {
        eprintln!("error: {e:#}");
        return ExitCode::from(2);
    }
    let violations = fleet.invariant_total();
    finish(&args.out, &fleet, violations, args.quiet, args.strict)
}
