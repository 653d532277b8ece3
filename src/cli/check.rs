//! `bgsim check`: what CI pipelines call. Evaluates the scenario's `expect` rules and/or a
//! baseline with tolerances, prints a table, exits 1 on any miss and 2 on bad input.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value;

use super::{WorldArgs, input_error, prepare};
use bgsim::experiment::check::{Baseline, Verdict, evaluate, expects_in_summary};
use bgsim::experiment::{self, RunOptions};
use bgsim::output;
use bgsim::scenario::InputError;

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// A scenario file (it is run first) or an output directory of `bgsim run`.
    pub target: PathBuf,
    /// Baseline file (default: results/baselines/<scenario name>.json if it exists).
    #[arg(long)]
    pub baseline: Option<PathBuf>,
    /// Write (or overwrite) the baseline from this run instead of checking against it.
    #[arg(long)]
    pub update_baseline: bool,
    /// Also write the results as JUnit XML (one test case per rule), for CI systems.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    #[command(flatten)]
    pub world: WorldArgs,
    /// Override the policy preset (scenario targets only).
    #[arg(long)]
    pub policy: Option<String>,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    pub jobs: usize,
}

/// The summary to check: read from a directory, or computed by running a scenario.
fn summary_of(args: &CheckArgs) -> Result<Value, InputError> {
    let target = args.target.display().to_string();
    if args.target.is_dir() {
        let file = args.target.join("summary.json");
        let text = std::fs::read(&file)
            .map_err(|e| InputError::new(&target, "", format!("no summary.json: {e}")))?;
        return serde_json::from_slice(&text)
            .map_err(|e| InputError::new(&target, "summary.json", e.to_string()));
    }
    let scenario = prepare(&target, &args.world, args.policy.as_deref())?;
    let set = args.world.set.iter().map(String::as_str);
    super::check_reads("--set", set, &[scenario.preset()])?;
    let opts = RunOptions {
        jobs: args.jobs,
        detail_devices: 0,
        trace_devices: 0,
        progress: None,
        detail_sink: None,
    };
    let fleet = experiment::run(scenario.fleet(), &opts);
    scenario.verify_traces()?;
    Ok(output::summary_json(&scenario, &fleet))
}

fn baseline_path(args: &CheckArgs, summary: &Value) -> PathBuf {
    args.baseline.clone().unwrap_or_else(|| {
        let name = summary
            .pointer("/scenario/name")
            .and_then(Value::as_str)
            .unwrap_or("scenario");
        Path::new("results/baselines").join(format!("{name}.json"))
    })
}

fn load_baseline(path: &Path) -> Result<Baseline, InputError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| InputError::new(&name, "", format!("cannot read: {e}")))?;
    let de = &mut serde_json::Deserializer::from_str(&text);
    let baseline: Baseline = serde_path_to_error::deserialize(de)
        .map_err(|e| InputError::new(&name, e.path().to_string(), e.inner().to_string()))?;
    baseline
        .validate()
        .map_err(|(path, m)| InputError::new(&name, path, m))?;
    let known = bgsim::experiment::catalog::all_metric_names();
    for metric in baseline.metrics.keys() {
        bgsim::experiment::catalog::check_metric(metric, &known)
            .map_err(|m| InputError::new(&name, format!("metrics.{metric}"), m))?;
    }
    Ok(baseline)
}

fn print_table(rows: &[(String, Verdict)]) {
    println!(
        "{:<10} {:<44} {:>26} {:>14}  verdict",
        "source", "metric", "expected", "actual"
    );
    for (source, v) in rows {
        let actual = v
            .actual
            .map_or("missing".to_string(), bgsim::output::format::short);
        let verdict = if v.pass { "pass" } else { "FAIL" };
        println!(
            "{source:<10} {:<44} {:>26} {actual:>14}  {verdict}",
            v.metric,
            bgsim::output::format::expected(&v.expected)
        );
    }
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// JUnit XML: a test suite named after the target, a test case per rule (`source.metric`), a
/// `<failure>` with expected and actual for each miss.
fn junit_xml(suite: &str, rows: &[(String, Verdict)]) -> String {
    let failures = rows.iter().filter(|(_, v)| !v.pass).count();
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites tests=\"{n}\" failures=\"{failures}\">\n  <testsuite name=\"{name}\" tests=\"{n}\" failures=\"{failures}\">\n",
        n = rows.len(),
        name = xml(&format!("bgsim check {suite}")),
    );
    for (source, v) in rows {
        let actual = v
            .actual
            .map_or("missing".to_string(), bgsim::output::format::short);
        out.push_str(&format!(
            "    <testcase classname=\"{}\" name=\"{}\"",
            xml(source),
            xml(&v.metric)
        ));
        if v.pass {
            out.push_str("/>\n");
        } else {
            out.push_str(&format!(
                ">\n      <failure message=\"expected {}, got {}\"/>\n    </testcase>\n",
                xml(&bgsim::output::format::expected(&v.expected)),
                xml(&actual)
            ));
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

pub fn check(args: CheckArgs) -> ExitCode {
    let summary = match summary_of(&args) {
        Ok(s) => s,
        Err(e) => return input_error(&e),
    };
    let expects = expects_in_summary(&summary);
    let path = baseline_path(&args, &summary);
    if args.update_baseline {
        let baseline = Baseline::from_summary(&summary, &expects);
        let text = serde_json::to_string_pretty(&baseline).unwrap_or_default() + "\n";
        let write = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|_| std::fs::write(&path, text));
        return match write {
            Ok(()) => {
                eprintln!(
                    "wrote baseline {} ({} metrics)",
                    path.display(),
                    baseline.metrics.len()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {}: {e}", path.display());
                ExitCode::from(2)
            }
        };
    }
    let mut rows: Vec<(String, Verdict)> = expects
        .iter()
        .map(|e| ("expect".to_string(), evaluate(e, &summary)))
        .collect();
    if args.baseline.is_some() || path.exists() {
        match load_baseline(&path) {
            Ok(b) => rows.extend(
                b.check(&summary)
                    .into_iter()
                    .map(|v| ("baseline".to_string(), v)),
            ),
            Err(e) => return input_error(&e),
        }
    }
    if rows.is_empty() {
        return input_error(&InputError::new(
            &args.target.display().to_string(),
            "",
            "nothing to check: the scenario has no `expect` rules and there is no baseline (create one with --update-baseline)",
        ));
    }
    print_table(&rows);
    if let Some(path) = &args.junit {
        let suite = args.target.display().to_string();
        if let Err(e) = std::fs::write(path, junit_xml(&suite, &rows)) {
            eprintln!("error: {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    let failed = rows.iter().filter(|(_, v)| !v.pass).count();
    if failed > 0 {
        eprintln!("{failed} of {} checks failed", rows.len());
        ExitCode::from(1)
    } else {
        eprintln!("all {} checks passed", rows.len());
        ExitCode::SUCCESS
    }
}
