//! The CSV outputs of DESIGN §6 with the exact columns and row rules of SEMANTICS S11.

use std::path::Path;

use anyhow::Result;

use super::{fixed6, seconds3};
use crate::device::record::WakeCause;
use crate::experiment::{Fleet, Histogram};
use crate::model::engagement::EngagementLevel;
use crate::scenario::Scenario;

fn opt(t: Option<u64>) -> String {
    t.map(|v| v.to_string()).unwrap_or_default()
}

/// One row per day: fleet totals, then the per-device-day wake-up distribution.
pub fn write_daily(path: &Path, fleet: &Fleet) -> Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    let mut header = vec!["day".to_string()];
    header.extend(
        WakeCause::ALL
            .iter()
            .map(|c| format!("wakeups_{}", c.name())),
    );
    header.extend(
        [
            "wakeups_total",
            "sync_events",
            "successes",
            "failures",
            "timeouts",
            "network_lost",
            "interrupted",
            "gave_ups",
            "crashes",
            "awake_s",
            "wakeups_per_device_mean",
            "wakeups_per_device_p50",
            "wakeups_per_device_p95",
            "wakeups_per_device_max",
        ]
        .map(String::from),
    );
    w.write_record(&header)?;
    for (d, day) in fleet.days.iter().enumerate() {
        let dist = &fleet.day_wakeups[d];
        let mut row = vec![d.to_string()];
        row.extend(day.wakeups.iter().map(|n| n.to_string()));
        row.extend([
            day.wakeups_total().to_string(),
            day.sync_events.to_string(),
            day.successes.to_string(),
            day.failures.to_string(),
            day.timeouts.to_string(),
            day.network_lost.to_string(),
            day.interrupted.to_string(),
            day.gave_ups.to_string(),
            day.crashes.to_string(),
            seconds3(day.awake_ms),
            fixed6(dist.mean().unwrap_or(0.0)),
            opt(dist.quantile(0.5)),
            opt(dist.quantile(0.95)),
            opt(dist.max()),
        ]);
        w.write_record(&row)?;
    }
    w.flush()?;
    Ok(())
}

/// One row per dispatch of the detail devices, sorted by device, start, dispatch order.
pub fn write_attempts(path: &Path, scenario: &Scenario, fleet: &Fleet) -> Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record([
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
    ])?;
    for (device, result) in fleet.csv_detail() {
        let spec = scenario.device(*device);
        let device = device.to_string();
        for row in &result.attempts {
            let reg = &result.registrations[row.reg as usize];
            let origin = &spec.origins[reg.origin as usize];
            w.write_record([
                device.as_str(),
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
    }
    w.flush()?;
    Ok(())
}

/// One row per registration object of the detail devices, sorted by device, registration time,
/// creation order.
pub fn write_registrations(path: &Path, scenario: &Scenario, fleet: &Fleet) -> Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record([
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
    ])?;
    for (device, result) in fleet.csv_detail() {
        let spec = scenario.device(*device);
        let device = device.to_string();
        for reg in &result.registrations {
            let state = reg.final_state();
            let completed = reg.completed.map(|t| t.ms());
            let latency = match (state, reg.kind, completed) {
                (
                    crate::model::registration::FinalState::Succeeded,
                    crate::model::registration::SyncKind::OneShot,
                    Some(c),
                ) => Some(c - reg.registered.ms()),
                _ => None,
            };
            w.write_record([
                device.as_str(),
                spec.origins[reg.origin as usize].name.as_str(),
                &reg.tag,
                reg.kind.name(),
                &reg.registered.ms().to_string(),
                &opt(reg.first_fire.map(|t| t.ms())),
                &opt(completed),
                state.name(),
                &reg.counted_attempts.to_string(),
                &opt(latency),
            ])?;
        }
    }
    w.flush()?;
    Ok(())
}

/// Attempts needed → count, by kind and by how it ended.
pub fn write_retries(path: &Path, fleet: &Fleet) -> Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record(["kind", "attempts", "outcome", "count"])?;
    for ((kind, attempts, outcome), count) in &fleet.retries {
        w.write_record([
            kind.name(),
            &attempts.to_string(),
            outcome.name(),
            &count.to_string(),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// Periodic intervals by engagement tier (the level at the later dispatch), in hours.
pub fn write_tiers(path: &Path, fleet: &Fleet) -> Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record(["level", "count", "mean_h", "p50_h", "p95_h", "max_h"])?;
    let hours = |ms: Option<u64>| ms.map(|v| fixed6(v as f64 / HOUR_MS)).unwrap_or_default();
    for level in EngagementLevel::ALL {
        let empty = Histogram::default();
        let h = fleet.intervals.get(&level).unwrap_or(&empty);
        w.write_record([
            level.name(),
            &h.count().to_string(),
            &h.mean().map(|m| fixed6(m / HOUR_MS)).unwrap_or_default(),
            &hours(h.quantile(0.5)),
            &hours(h.quantile(0.95)),
            &hours(h.max()),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// Every browser wake-up of the detail devices: `device,time_ms,cause`.
pub fn write_wakeups(path: &Path, fleet: &Fleet) -> Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record(["device", "time_ms", "cause"])?;
    for (device, result) in fleet.csv_detail() {
        let device = device.to_string();
        for (t, cause) in &result.wakeups {
            w.write_record([device.as_str(), &t.ms().to_string(), cause.name()])?;
        }
    }
    w.flush()?;
    Ok(())
}

/// The one-shot latency histogram (every device): `from_ms,to_ms,count`, one row per non-empty
/// bucket, for the latency CDF.
pub fn write_latency(path: &Path, fleet: &Fleet) -> Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record(["from_ms", "to_ms", "count"])?;
    for (lo, hi, count) in fleet.one_shot_latency_ms.buckets() {
        w.write_record([lo.to_string(), hi.to_string(), count.to_string()])?;
    }
    w.flush()?;
    Ok(())
}

/// One row per Background Fetch of the detail devices.
pub fn write_fetches(path: &Path, scenario: &Scenario, fleet: &Fleet) -> Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record([
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
    ])?;
    for (device, result) in fleet.csv_detail() {
        let spec = scenario.device(*device);
        for f in &result.fetches {
            w.write_record([
                device.to_string(),
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
    }
    w.flush()?;
    Ok(())
}

const HOUR_MS: f64 = crate::engine::time::HOUR as f64;
