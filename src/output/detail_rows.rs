//! The per-event CSVs of the detail devices (`attempts.csv`, `registrations.csv`,
//! `wakeups.csv`, `fetches.csv`; DESIGN §6, SEMANTICS S11), written one device at a time.
//!
//! `bgsim run` streams them: each device's rows are written as soon as its chunk is reduced
//! (in device order), and the device's result is dropped, so `--detail-devices` large costs
//! disk, not memory. Shards keep their detail rows in `partial.json` and `merge` writes them
//! through the same writer, so the bytes are the same either way.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use super::error::{Context, Result};

use super::csv_files::opt;
use crate::device::DeviceResult;
use crate::model::registration::{FinalState, SyncKind};
use crate::scenario::Scenario;

type Csv = csv::Writer<BufWriter<File>>;

/// The four per-event CSVs, open for appending rows device by device.
pub struct DetailRows {
    attempts: Csv,
    registrations: Csv,
    wakeups: Csv,
    fetches: Csv,
}

fn create(dir: &Path, name: &str, header: &[&str]) -> Result<Csv> {
    let path = dir.join(name);
    let file = File::create(&path).with_context(|| format!("cannot write {}", path.display()))?;
    let mut w = csv::Writer::from_writer(BufWriter::with_capacity(1 << 20, file));
    w.write_record(header)?;
    Ok(w)
}

impl DetailRows {
    /// Creates the four files in `dir` with their headers.
    pub fn create(dir: &Path) -> Result<DetailRows> {
        Ok(DetailRows {
            attempts: create(
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
            registrations: create(
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
            wakeups: create(dir, "wakeups.csv", &["device", "time_ms", "cause"])?,
            fetches: create(
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
        })
    }

    /// Appends device `device`'s rows: attempts by start then dispatch order, registrations by
    /// creation order, wake-ups and fetches in time order. Call in device order.
    pub fn add(&mut self, scenario: &Scenario, device: u64, result: &DeviceResult) -> Result<()> {
        let spec = scenario.device(device);
        let dev = device.to_string();
        for row in &result.attempts {
            let reg = &result.registrations[row.reg as usize];
            let origin = &spec.origins[reg.origin as usize];
            self.attempts.write_record([
                dev.as_str(),
                origin.name.as_str(),
                &reg.tag,
                reg.kind.name(),
                &row.attempt.to_string(),
                if row.last_chance { "true" } else { "false" },
                row.level.name(),
                &row.start.ms().to_string(),
                &opt(row.end.map(|t| t.ms())),
                row.outcome.map(|o| o.name()).unwrap_or(""),
            ])?;
        }
        for reg in &result.registrations {
            let state = reg.final_state();
            let completed = reg.completed;
            let latency = match (state, reg.kind, completed) {
                (FinalState::Succeeded, SyncKind::OneShot, Some(c)) => {
                    Some(c.since(reg.registered))
                }
                _ => None,
            };
            self.registrations.write_record([
                dev.as_str(),
                spec.origins[reg.origin as usize].name.as_str(),
                &reg.tag,
                reg.kind.name(),
                &reg.registered.ms().to_string(),
                &opt(reg.first_fire.map(|t| t.ms())),
                &opt(completed.map(|t| t.ms())),
                state.name(),
                &reg.counted_attempts.to_string(),
                &opt(latency.map(|d| d.ms())),
            ])?;
        }
        for (t, cause) in &result.wakeups {
            self.wakeups
                .write_record([dev.as_str(), &t.ms().to_string(), cause.name()])?;
        }
        for f in &result.fetches {
            self.fetches.write_record([
                dev.clone(),
                spec.origins[f.origin as usize].name.clone(),
                f.developer_id.to_string(),
                f.unique_id.clone(),
                f.requests.len().to_string(),
                f.requests.iter().sum::<u64>().to_string(),
                f.registered.ms().to_string(),
                opt(f.finished.map(|t| t.ms())),
                f.outcome.map_or("pending_at_end", |o| o.name()).to_string(),
                f.downloaded.to_string(),
                f.wasted.to_string(),
                f.crashes_survived.to_string(),
                f.request_failures.to_string(),
                opt(f.event_end.map(|t| t.ms())),
            ])?;
        }
        Ok(())
    }

    /// Flushes the four files.
    pub fn finish(mut self) -> Result<()> {
        for w in [
            &mut self.attempts,
            &mut self.registrations,
            &mut self.wakeups,
            &mut self.fetches,
        ] {
            w.flush()?;
        }
        Ok(())
    }
}
