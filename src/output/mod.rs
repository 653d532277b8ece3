//! Results out (DESIGN §6): CSV and JSON files, written atomically.
//!
//! API boundary: this layer turns the fleet's aggregates into bytes. Numbers use fixed formats
//! (integers as is, ratios with 6 decimals, seconds with 3) so outputs are byte-stable.

#[cfg(feature = "charts")]
pub mod charts;
mod csv_files;
mod csv_row;
mod detail_rows;
#[cfg(feature = "charts")]
mod energy_chart;
mod error;
pub mod experiments;
pub mod format;
#[cfg(feature = "charts")]
mod glyphs;
mod outdir;
#[cfg(feature = "charts")]
mod report;
mod summary;
mod timeline;
pub mod trace;

use std::fs;
use std::path::Path;

use error::{Context, Result};

use crate::experiment::Fleet;
use crate::scenario::Scenario;

pub use crate::experiment::DetailSink;
pub use detail_rows::DetailRows;
pub use error::OutputError;
pub use outdir::{
    MARKER, preflight, remove_in_progress, remove_in_progress_after_panic, write_atomically,
};
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
        write_outputs(tmp, dir, scenario, fleet, opts)
    })
}

/// Runs `simulate` with a sink that streams the detail devices' per-event rows into the new
/// output directory as they come (so `--detail-devices` large costs disk, not memory), then
/// writes everything else there and swaps it into place like [`write_run`].
pub fn simulate_into(
    dir: &Path,
    scenario: &Scenario,
    opts: &WriteOptions,
    simulate: impl FnOnce(&DetailSink<'_>) -> Fleet,
) -> Result<Fleet> {
    let mut out = None;
    write_atomically(dir, opts.force, |tmp| {
        let rows = std::sync::Mutex::new((DetailRows::create(tmp)?, None::<OutputError>));
        let sink = |batch: &[(u64, crate::device::DeviceResult)]| {
            let mut guard = rows.lock().unwrap_or_else(|e| e.into_inner());
            let (rows, error) = &mut *guard;
            if error.is_none()
                && let Err(e) = rows.add_batch(scenario, batch)
            {
                *error = Some(e);
            }
        };
        let fleet = simulate(&sink);
        let (rows, error) = rows.into_inner().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = error {
            return Err(e)
                .with_context(|| format!("cannot write the per-event CSVs in {}", dir.display()));
        }
        rows.finish()?;
        write_outputs(tmp, dir, scenario, &fleet, opts)?;
        out = Some(fleet);
        Ok(())
    })?;
    out.with_context(|| "the simulation produced no fleet")
}

fn write_outputs(
    tmp: &Path,
    dir: &Path,
    scenario: &Scenario,
    fleet: &Fleet,
    opts: &WriteOptions,
) -> Result<()> {
    // A trace that changed under the run: its outputs are not what the trace says.
    scenario
        .verify_traces()
        .map_err(|e| OutputError::Message(e.to_string()))?;
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
    if !fleet.detail_streamed {
        let mut rows = DetailRows::create(tmp)?;
        for (device, result) in fleet.csv_detail() {
            named("the per-event CSVs", rows.add(scenario, *device, result))?;
        }
        named("the per-event CSVs", rows.finish())?;
    }
    type Writer = fn(&Path, &Fleet) -> Result<()>;
    let files: [(&str, Writer); 4] = [
        ("daily.csv", csv_files::write_daily),
        ("retries.csv", csv_files::write_retries),
        ("tiers.csv", csv_files::write_tiers),
        ("latency.csv", csv_files::write_latency),
    ];
    for (name, write) in files {
        named(name, write(&tmp.join(name), fleet))?;
    }
    if fleet.trace_devices > 0 {
        let r = trace::write_trace(&tmp.join("trace.json"), scenario, fleet);
        named("trace.json", r)?;
    }
    if opts.charts {
        named("charts/ and report.html", render(tmp))?;
    }
    Ok(())
}

/// What `write_run` writes besides the CSVs and the summary.
#[derive(Clone, Debug)]
pub struct WriteOptions {
    /// Charts (SVG and PNG) and `report.html`.
    pub charts: bool,
    /// Replace `dir` even if it holds files bgsim did not write (`--force`).
    pub force: bool,
}

#[allow(clippy::derivable_impls)] // `charts` is true only in builds with the `charts` feature
impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            charts: cfg!(feature = "charts"),
            force: false,
        }
    }
}

/// Draws the charts and the report of an output directory from its files (`bgsim plot`).
#[cfg(feature = "charts")]
pub fn render(dir: &Path) -> Result<()> {
    let data = charts::ChartData::load(dir)?;
    charts::render_all(dir, &data)?;
    report::write_report(dir, &data)
}

/// Charts need the `charts` feature (the plotters stack); this build has none.
#[cfg(not(feature = "charts"))]
pub fn render(dir: &Path) -> Result<()> {
    let _ = dir;
    Err(error::OutputError::Message(
        "this build of bgsim has no charts (enable the `charts` feature)".into(),
    ))
}

/// A ratio with fixed precision, as written to CSVs.
pub fn fixed6(x: f64) -> String {
    format!("{x:.6}")
}

/// Milliseconds as seconds with 3 decimals.
pub fn seconds3(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}
