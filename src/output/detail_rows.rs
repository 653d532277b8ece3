//! The per-event CSVs of the detail devices (`attempts.csv`, `registrations.csv`,
//! `wakeups.csv`, `fetches.csv`; DESIGN §6, SEMANTICS S11), written one device at a time.
//!
//! `bgsim run` streams them: each device's rows are written as soon as its chunk is reduced
//! (in device order), and the device's result is dropped, so `--detail-devices` large costs
//! disk, not memory. Shards keep their detail rows in `partial.json` and `merge` writes them
//! through the same writer, so the bytes are the same either way.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use rayon::prelude::*;

use super::csv_row::CsvRows;
use super::error::{Context, Result};

use crate::device::DeviceResult;
use crate::model::registration::{FinalState, SyncKind};
use crate::scenario::Scenario;

/// The per-event files, open for appending rows device by device.
pub struct DetailRows {
    files: [BufWriter<File>; FILES],
    /// Where `timeline.csv` goes; taken once it is written (the first device with one).
    timeline_dir: Option<std::path::PathBuf>,
    /// The formatting buffers of the last batch, cleared and reused by the next: a wave's rows
    /// are tens of MB, and growing fresh buffers for every wave copied them over and over and
    /// faulted their pages in again.
    pool: Vec<Formatted>,
}

/// attempts, registrations, wakeups, fetches, energy.
const FILES: usize = 5;

/// The rows of one or more devices, formatted, file by file (in `DetailRows::files` order).
#[derive(Default)]
struct Formatted([CsvRows; FILES]);

impl Formatted {
    /// Empties the rows, keeping the buffers' capacity.
    fn clear(&mut self) {
        for rows in &mut self.0 {
            rows.clear();
        }
    }
}

fn create(dir: &Path, name: &str, header: &[&str]) -> Result<BufWriter<File>> {
    let path = dir.join(name);
    let file = File::create(&path).with_context(|| format!("cannot write {}", path.display()))?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let mut row = CsvRows::default();
    for h in header {
        row.text(h);
    }
    row.end();
    w.write_all(row.bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(w)
}

impl DetailRows {
    /// Creates the files in `dir` with their headers.
    pub fn create(dir: &Path) -> Result<DetailRows> {
        let energy_header = {
            let mut header = vec!["device".to_string(), "day".into(), "total_mah".into()];
            header.extend(
                crate::model::energy::EnergyCause::ALL
                    .iter()
                    .map(|c| format!("{}_mah", c.name())),
            );
            header
        };
        let energy_header: Vec<&str> = energy_header.iter().map(String::as_str).collect();
        Ok(DetailRows {
            files: [
                create(
                    dir,
                    "attempts.csv",
                    &[
                        "device",
                        "origin",
                        "tag",
                        "kind",
                        "attempt",
                        "last_chance",
                        "engagement",
                        "start_ms",
                        "end_ms",
                        "outcome",
                    ],
                )?,
                create(
                    dir,
                    "registrations.csv",
                    &[
                        "device",
                        "origin",
                        "tag",
                        "kind",
                        "registered_ms",
                        "first_fire_ms",
                        "completed_ms",
                        "final_state",
                        "attempts",
                        "latency_ms",
                    ],
                )?,
                create(
                    dir,
                    "wakeups.csv",
                    &["device", "requested_ms", "ran_ms", "cause"],
                )?,
                create(
                    dir,
                    "fetches.csv",
                    &[
                        "device",
                        "origin",
                        "id",
                        "unique_id",
                        "requests",
                        "bytes",
                        "registered_ms",
                        "completed_ms",
                        "outcome",
                        "downloaded_bytes",
                        "wasted_bytes",
                        "crashes_survived",
                        "request_failures",
                        "event_end_ms",
                    ],
                )?,
                create(dir, "energy.csv", &energy_header)?,
            ],
            timeline_dir: Some(dir.to_path_buf()),
            pool: Vec::new(),
        })
    }

    /// Appends a batch of devices' rows (in device order, after every device before them):
    /// formatted in parallel, written in order, so the bytes are those of one device at a time.
    pub fn add_batch(&mut self, scenario: &Scenario, batch: &[(u64, DeviceResult)]) -> Result<()> {
        for (device, result) in batch {
            if self.timeline_dir.is_none() {
                break;
            }
            self.timeline(scenario, *device, result)?;
        }
        /// Devices formatted together by one worker.
        const PIECE: usize = 32;
        let mut pool = std::mem::take(&mut self.pool);
        pool.resize_with(batch.len().div_ceil(PIECE), Formatted::default);
        pool.par_iter_mut()
            .zip(batch.par_chunks(PIECE))
            .for_each(|(out, piece)| {
                out.clear();
                for (device, result) in piece {
                    format_device(scenario, *device, result, out);
                }
            });
        for piece in &pool {
            self.write(piece)?;
        }
        self.pool = pool;
        Ok(())
    }

    /// Appends device `device`'s rows; call in device order.
    pub fn add(&mut self, scenario: &Scenario, device: u64, result: &DeviceResult) -> Result<()> {
        self.timeline(scenario, device, result)?;
        let mut out = Formatted::default();
        format_device(scenario, device, result, &mut out);
        self.write(&out)
    }

    fn write(&mut self, rows: &Formatted) -> Result<()> {
        for (file, rows) in self.files.iter_mut().zip(&rows.0) {
            file.write_all(rows.bytes())?;
        }
        Ok(())
    }

    /// `timeline.csv`: the first device with power marks.
    fn timeline(&mut self, scenario: &Scenario, device: u64, result: &DeviceResult) -> Result<()> {
        if !result.power_marks.is_empty()
            && let Some((day, rows)) =
                super::timeline::rows(result, scenario.fleet().horizon().ms())
            && let Some(dir) = self.timeline_dir.take()
        {
            super::timeline::write_csv(&dir, device, day, &rows)?;
        }
        Ok(())
    }

    /// Flushes the files.
    pub fn finish(mut self) -> Result<()> {
        for w in &mut self.files {
            w.flush()?;
        }
        Ok(())
    }
}

/// Formats device `device`'s rows: attempts by start then dispatch order, registrations by
/// creation order, energy by day, wake-ups and fetches in time order.
fn format_device(scenario: &Scenario, device: u64, result: &DeviceResult, out: &mut Formatted) {
    let spec = scenario.device(device);
    let [attempts, registrations, wakeups, fetches, energy] = &mut out.0;
    // Every row names its origin: each name is checked for quoting once.
    let names: Vec<Vec<u8>> = spec
        .origins
        .iter()
        .map(|o| CsvRows::field_bytes(&o.name))
        .collect();
    // And every row starts with the device's index: formatted once.
    let mut index = itoa::Buffer::new();
    let device = index.format(device).as_bytes();
    for row in &result.attempts {
        let reg = &result.registrations[row.reg as usize];
        attempts
            .raw(device)
            .raw(&names[reg.origin as usize])
            .text(&reg.tag)
            .raw(reg.kind.name().as_bytes())
            .num(row.attempt)
            .raw(if row.last_chance { b"true" } else { b"false" })
            .raw(row.level.name().as_bytes())
            .num(row.start.ms())
            .opt(row.end.map(|t| t.ms()))
            .raw(row.outcome.map(|o| o.name()).unwrap_or("").as_bytes())
            .end();
    }
    for reg in &result.registrations {
        let state = reg.final_state();
        let completed = reg.completed;
        let latency = match (state, reg.kind, completed) {
            (FinalState::Succeeded, SyncKind::OneShot, Some(c)) => Some(c.since(reg.registered)),
            _ => None,
        };
        registrations
            .raw(device)
            .raw(&names[reg.origin as usize])
            .text(&reg.tag)
            .raw(reg.kind.name().as_bytes())
            .num(reg.registered.ms())
            .opt(reg.first_fire.map(|t| t.ms()))
            .opt(completed.map(|t| t.ms()))
            .raw(state.name().as_bytes())
            .num(reg.counted_attempts)
            .opt(latency.map(|d| d.ms()))
            .end();
    }
    if spec.platform == crate::model::browser::Platform::Android {
        // Battery cost per device-day (DESIGN §13); desktop runs on mains.
        for (d, day) in result.days.iter().enumerate() {
            energy.raw(device).num(d).milli(day.energy_uah.iter().sum());
            for &u in &day.energy_uah {
                energy.milli(u);
            }
            energy.end();
        }
    }
    for row in &result.wakeups {
        wakeups
            .raw(device)
            .num(row.requested.ms())
            .num(row.ran.ms())
            .raw(row.cause.name().as_bytes())
            .end();
    }
    for f in &result.fetches {
        fetches
            .raw(device)
            .raw(&names[f.origin as usize])
            .text(&f.developer_id)
            .text(&f.unique_id)
            .num(f.requests.len())
            .num(f.requests.iter().sum::<u64>())
            .num(f.registered.ms())
            .opt(f.finished.map(|t| t.ms()))
            .text(f.outcome.map_or("pending_at_end", |o| o.name()))
            .num(f.downloaded)
            .num(f.wasted)
            .num(f.crashes_survived)
            .num(f.request_failures)
            .opt(f.event_end.map(|t| t.ms()))
            .end();
    }
}
