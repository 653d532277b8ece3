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
    energy: Csv,
    /// Where `timeline.csv` goes; taken once it is written (the first device with one).
    timeline_dir: Option<std::path::PathBuf>,
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
            wakeups: create(
                dir,
                "wakeups.csv",
                &["device", "requested_ms", "ran_ms", "cause"],
            )?,
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
            energy: {
                let mut header = vec!["device".to_string(), "day".into(), "total_mah".into()];
                header.extend(
                    crate::model::energy::EnergyCause::ALL
                        .iter()
                        .map(|c| format!("{}_mah", c.name())),
                );
                let header: Vec<&str> = header.iter().map(String::as_str).collect();
                create(dir, "energy.csv", &header)?
            },
            timeline_dir: Some(dir.to_path_buf()),
        })
    }

    /// Appends device `device`'s rows: attempts by start then dispatch order, registrations by
    /// creation order, wake-ups and fetches in time order. Call in device order.
    pub fn add(&mut self, scenario: &Scenario, device: u64, result: &DeviceResult) -> Result<()> {
        let spec = scenario.device(device);
        if !result.power_marks.is_empty()
            && let Some((day, rows)) =
                super::timeline::rows(result, scenario.fleet().horizon().ms())
            && let Some(dir) = self.timeline_dir.take()
        {
            super::timeline::write_csv(&dir, device, day, &rows)?;
        }
        let mut dev_buf = itoa::Buffer::new();
        let dev = dev_buf.format(device);
        // Numbers are formatted into stack buffers and written field by field: no allocation
        // per row (the per-event CSVs are the bulk of what a run writes).
        let mut n = itoa::Buffer::new();
        for row in &result.attempts {
            let reg = &result.registrations[row.reg as usize];
            let origin = &spec.origins[reg.origin as usize];
            let w = &mut self.attempts;
            w.write_field(dev)?;
            w.write_field(origin.name.as_str())?;
            w.write_field(&*reg.tag)?;
            w.write_field(reg.kind.name())?;
            w.write_field(n.format(row.attempt))?;
            w.write_field(if row.last_chance { "true" } else { "false" })?;
            w.write_field(row.level.name())?;
            w.write_field(n.format(row.start.ms()))?;
            write_opt(w, &mut n, row.end.map(|t| t.ms()))?;
            w.write_field(row.outcome.map(|o| o.name()).unwrap_or(""))?;
            w.write_record(None::<&[u8]>)?;
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
            let w = &mut self.registrations;
            w.write_field(dev)?;
            w.write_field(spec.origins[reg.origin as usize].name.as_str())?;
            w.write_field(&*reg.tag)?;
            w.write_field(reg.kind.name())?;
            w.write_field(n.format(reg.registered.ms()))?;
            write_opt(w, &mut n, reg.first_fire.map(|t| t.ms()))?;
            write_opt(w, &mut n, completed.map(|t| t.ms()))?;
            w.write_field(state.name())?;
            w.write_field(n.format(reg.counted_attempts))?;
            write_opt(w, &mut n, latency.map(|d| d.ms()))?;
            w.write_record(None::<&[u8]>)?;
        }
        if spec.platform == crate::model::browser::Platform::Android {
            // Battery cost per device-day (DESIGN §13); desktop runs on mains.
            for (d, day) in result.days.iter().enumerate() {
                let w = &mut self.energy;
                w.write_field(dev)?;
                w.write_field(n.format(d))?;
                w.write_field(super::csv_files::mah3(day.energy_uah.iter().sum()))?;
                for &u in &day.energy_uah {
                    w.write_field(super::csv_files::mah3(u))?;
                }
                w.write_record(None::<&[u8]>)?;
            }
        }
        for row in &result.wakeups {
            let w = &mut self.wakeups;
            w.write_field(dev)?;
            w.write_field(n.format(row.requested.ms()))?;
            w.write_field(n.format(row.ran.ms()))?;
            w.write_field(row.cause.name())?;
            w.write_record(None::<&[u8]>)?;
        }
        for f in &result.fetches {
            self.fetches.write_record([
                dev.to_string(),
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
            &mut self.energy,
        ] {
            w.flush()?;
        }
        Ok(())
    }
}

/// An optional number: empty when absent (as `csv_files::opt`).
fn write_opt(w: &mut Csv, n: &mut itoa::Buffer, v: Option<u64>) -> csv::Result<()> {
    match v {
        Some(v) => w.write_field(n.format(v)),
        None => w.write_field(""),
    }
}
