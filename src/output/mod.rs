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

use anyhow::Result;

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
        let summary = summary_json(scenario, fleet);
        let mut text = serde_json::to_string_pretty(&summary)?;
        text.push('\n');
        fs::write(tmp.join("summary.json"), text)?;
        csv_files::write_daily(&tmp.join("daily.csv"), fleet)?;
        csv_files::write_attempts(&tmp.join("attempts.csv"), scenario, fleet)?;
        csv_files::write_registrations(&tmp.join("registrations.csv"), scenario, fleet)?;
        csv_files::write_retries(&tmp.join("retries.csv"), fleet)?;
        csv_files::write_tiers(&tmp.join("tiers.csv"), fleet)?;
        csv_files::write_wakeups(&tmp.join("wakeups.csv"), fleet)?;
        csv_files::write_latency(&tmp.join("latency.csv"), fleet)?;
        csv_files::write_fetches(&tmp.join("fetches.csv"), scenario, fleet)?;
        if fleet.trace_devices > 0 {
            trace::write_trace(&tmp.join("trace.json"), scenario, fleet)?;
        }
        if opts.charts {
            render(tmp)?;
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
