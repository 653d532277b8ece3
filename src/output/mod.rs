//! Results out (DESIGN §6): CSV and JSON files, written atomically.
//!
//! API boundary: this layer turns the fleet's aggregates into bytes. Numbers use fixed formats
//! (integers as is, ratios with 6 decimals, seconds with 3) so outputs are byte-stable.

pub mod charts;
mod csv_files;
pub mod experiments;
mod outdir;
mod report;
mod summary;
pub mod trace;

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};

use crate::experiment::Fleet;
use crate::scenario::Scenario;

pub use outdir::{MARKER, Refused, preflight, remove_in_progress, write_atomically};
pub use summary::summary_json;

/// Writes every output of a run into `dir`, atomically (see [`write_atomically`]): `dir` must be
/// absent, empty or a previous bgsim output unless `opts.force`.
pub fn write_run(
    dir: &Path,
    scenario: &Scenario,
    fleet: &Fleet,
    opts: &WriteOptions,
) -> Result<()> {
    write_atomically(dir, opts.force, |tmp| {
        // Every failure (a full disk, say) names the file it was writing.
        let named = |name: &str, r: Result<()>| {
            r.with_context(|| format!("cannot write {}", dir.join(name).display()))
        };
        let summary = summary_json(scenario, fleet);
        let mut text = serde_json::to_string_pretty(&summary)?;
        text.push('\n');
        named(
            "summary.json",
            fs::write(tmp.join("summary.json"), text).map_err(Into::into),
        )?;
        type Writer = fn(&Path, &Scenario, &Fleet) -> Result<()>;
        let files: [(&str, Writer); 8] = [
            ("daily.csv", |p, _, f| csv_files::write_daily(p, f)),
            ("attempts.csv", csv_files::write_attempts),
            ("registrations.csv", csv_files::write_registrations),
            ("retries.csv", |p, _, f| csv_files::write_retries(p, f)),
            ("tiers.csv", |p, _, f| csv_files::write_tiers(p, f)),
            ("wakeups.csv", |p, _, f| csv_files::write_wakeups(p, f)),
            ("latency.csv", |p, _, f| csv_files::write_latency(p, f)),
            ("fetches.csv", csv_files::write_fetches),
        ];
        for (name, write) in files {
            named(name, write(&tmp.join(name), scenario, fleet))?;
        }
        if fleet.trace_devices > 0 {
            let r = trace::write_trace(&tmp.join("trace.json"), scenario, fleet);
            named("trace.json", r)?;
        }
        if opts.charts {
            named("charts/ and report.html", render(tmp))?;
        }
        Ok(())
    })
}

/// What `write_run` writes besides the CSVs and the summary.
#[derive(Clone, Debug)]
pub struct WriteOptions {
    /// Charts (SVG and PNG) and `report.html`.
    pub charts: bool,
    /// Replace `dir` even if it holds files bgsim did not write (`--force`).
    pub force: bool,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            charts: true,
            force: false,
        }
    }
}

/// Draws the charts and the report of an output directory from its files (`bgsim plot`).
pub fn render(dir: &Path) -> Result<()> {
    let data = charts::ChartData::load(dir)?;
    charts::render_all(dir, &data)?;
    report::write_report(dir, &data)
}

/// A ratio with fixed precision, as written to CSVs.
pub fn fixed6(x: f64) -> String {
    format!("{x:.6}")
}

/// Milliseconds as seconds with 3 decimals.
pub fn seconds3(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}
