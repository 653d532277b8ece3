//! The CSV outputs of DESIGN §6 with the exact columns and row rules of SEMANTICS S11.

use std::path::Path;

use super::error::Result;

use super::{fixed6, seconds3};
use crate::device::record::WakeCause;
use crate::experiment::{Fleet, Histogram};
use crate::model::android::doze::DozeState;
use crate::model::android::standby::Bucket;
use crate::model::energy::EnergyCause;
use crate::model::engagement::EngagementLevel;

pub(super) fn opt(t: Option<u64>) -> String {
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
            "after_session_s",
            "wakeups_per_device_mean",
            "wakeups_per_device_p50",
            "wakeups_per_device_p95",
            "wakeups_per_device_max",
        ]
        .map(String::from),
    );
    // Android power management (DESIGN §4.7): fleet seconds in each doze state and standby
    // bucket, and jobs held back by quota.
    header.extend(
        DozeState::ALL
            .iter()
            .map(|s| format!("doze_{}_s", s.name())),
    );
    header.extend(Bucket::ALL.iter().map(|b| format!("bucket_{}_s", b.name())));
    header.push("quota_deferrals".into());
    // Battery charge (DESIGN §13), fleet mAh per cause.
    header.extend(
        EnergyCause::ALL
            .iter()
            .map(|c| format!("energy_{}_mah", c.name())),
    );
    w.write_record(&header)?;
    let mixed =
        fleet.totals.platform_devices.desktop > 0 && fleet.totals.platform_devices.android > 0;
    for (d, day) in fleet.totals.days.iter().enumerate() {
        let dist = &fleet.totals.day_wakeups[d];
        let mut row = vec![d.to_string()];
        row.extend(WakeCause::ALL.iter().map(|&c| day.wakeups[c].to_string()));
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
            seconds3(day.after_session_ms),
        ]);
        // A fleet that mixes platforms has no single wake-up figure (android process starts
        // and desktop timer firings are different things): the distribution is left empty.
        if mixed {
            row.extend(std::iter::repeat_n(String::new(), 4));
        } else {
            row.extend([
                fixed6(dist.mean().unwrap_or(0.0)),
                opt(dist.quantile(0.5)),
                opt(dist.quantile(0.95)),
                opt(dist.max()),
            ]);
        }
        row.extend(day.doze_ms.iter().map(|&ms| seconds3(ms)));
        row.extend(day.bucket_ms.iter().map(|&ms| seconds3(ms)));
        row.push(day.quota_deferrals.to_string());
        row.extend(day.energy_uah.iter().map(|&u| mah3(u)));
        w.write_record(&row)?;
    }
    w.flush()?;
    Ok(())
}

/// Attempts needed → count, by kind and by how it ended.
pub fn write_retries(path: &Path, fleet: &Fleet) -> Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record(["kind", "attempts", "outcome", "count"])?;
    for ((kind, attempts, outcome), count) in &fleet.totals.retries {
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
        let h = fleet.totals.intervals.get(&level).unwrap_or(&empty);
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

/// The one-shot latency histogram (every device): `from_ms,to_ms,count`, one row per non-empty
/// bucket, for the latency CDF.
pub fn write_latency(path: &Path, fleet: &Fleet) -> Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record(["from_ms", "to_ms", "count"])?;
    for (lo, hi, count) in fleet.totals.one_shot_latency_ms.buckets() {
        w.write_record([lo.to_string(), hi.to_string(), count.to_string()])?;
    }
    w.flush()?;
    Ok(())
}

const HOUR_MS: f64 = crate::engine::time::HOUR as f64;

/// Micro-ampere-hours as mAh with three decimals, exactly.
pub(super) fn mah3(uah: u64) -> String {
    format!("{}.{:03}", uah / 1000, uah % 1000)
}
