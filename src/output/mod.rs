//! Results out (DESIGN §6): CSV and JSON files, written atomically.
//!
//! API boundary: this layer turns the fleet's aggregates into bytes. Numbers use fixed formats
//! (integers as is, ratios with 6 decimals, seconds with 3) so outputs are byte-stable.

pub mod charts;
mod csv_files;
pub mod experiments;
mod report;
mod summary;
pub mod trace;

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::experiment::Fleet;
use crate::scenario::Scenario;

pub use summary::summary_json;

/// Writes every output of a run into `dir`, atomically: all files go to a temporary sibling
/// directory first, which then replaces `dir` in one rename. A failed run leaves no
/// half-written directory behind.
pub fn write_run(
    dir: &Path,
    scenario: &Scenario,
    fleet: &Fleet,
    opts: &WriteOptions,
) -> Result<()> {
    write_atomically(dir, |tmp| {
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
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions { charts: true }
    }
}

/// Draws the charts and the report of an output directory from its files (`bgsim plot`).
pub fn render(dir: &Path) -> Result<()> {
    let data = charts::ChartData::load(dir)?;
    charts::render_all(dir, &data)?;
    report::write_report(dir, &data)
}

/// Runs `fill` on a fresh temporary directory beside `dir`, then moves it into place.
pub fn write_atomically(dir: &Path, fill: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).with_context(|| format!("cannot create {}", parent.display()))?;
    let name = dir
        .file_name()
        .with_context(|| format!("{} is not a directory name", dir.display()))?
        .to_string_lossy()
        .into_owned();
    let pid = std::process::id();
    let tmp = parent.join(format!(".{name}.tmp-{pid}"));
    let old = parent.join(format!(".{name}.old-{pid}"));
    let _ = fs::remove_dir_all(&tmp);
    fs::create_dir(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    if let Err(e) = fill(&tmp) {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }
    let had_old = dir.exists();
    if had_old {
        fs::rename(dir, &old).with_context(|| format!("cannot replace {}", dir.display()))?;
    }
    if let Err(e) = fs::rename(&tmp, dir) {
        if had_old {
            let _ = fs::rename(&old, dir);
        }
        let _ = fs::remove_dir_all(&tmp);
        return Err(e).with_context(|| format!("cannot move results into {}", dir.display()));
    }
    if had_old {
        let _ = fs::remove_dir_all(&old);
    }
    Ok(())
}

/// A ratio with fixed precision, as written to CSVs.
pub fn fixed6(x: f64) -> String {
    format!("{x:.6}")
}

/// Milliseconds as seconds with 3 decimals.
pub fn seconds3(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}
