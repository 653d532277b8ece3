//! The headline metrics of a fleet as a nested object whose dotted paths are the metric names
//! that `summary.json`, `expect` rules, baselines, sweeps and comparisons all refer to (DESIGN §6).
//!
//! Keys are sorted (serde_json's default map) and ratios rounded to 6 decimals, so the bytes are
//! stable. Undefined ratios (no data) are `null`.

use serde_json::{Value, json};

use crate::device::counts::Absorb;
use crate::device::fetch::FetchOutcome;
use crate::device::record::{Invariant, RejectReason, WakeCause};
use crate::experiment::{Fleet, Histogram};
use crate::model::fleet::FleetSpec;
use crate::model::registration::{FinalState, SyncKind};

/// Milliseconds per hour, for `periodic.interval_h`.
const HOUR_MS: f64 = crate::engine::time::HOUR as f64;

fn round6(x: f64) -> Value {
    let r = (x * 1e6).round() / 1e6;
    json!(r)
}

fn ratio(num: u64, den: u64) -> Value {
    if den == 0 {
        Value::Null
    } else {
        round6(num as f64 / den as f64)
    }
}

fn opt_f(x: Option<f64>) -> Value {
    x.map(round6).unwrap_or(Value::Null)
}

/// Mean, p50, p95 and max of a histogram, scaled by `scale` (e.g. ms → s).
fn dist(h: &Histogram, scale: f64) -> Value {
    json!({
        "count": h.count(),
        "mean": opt_f(h.mean().map(|m| m / scale)),
        "p50": opt_f(h.quantile(0.5).map(|v| v as f64 / scale)),
        "p95": opt_f(h.quantile(0.95).map(|v| v as f64 / scale)),
        "max": opt_f(h.max().map(|v| v as f64 / scale)),
    })
}

/// Android power management (DESIGN §4.7): hours per device-day in each doze state and
/// standby bucket, over the device-days it was modelled on.
fn android_power(fleet: &Fleet) -> Value {
    use crate::model::android::doze::DozeState;
    use crate::model::android::standby::Bucket;
    let n = fleet.totals.power_device_days;
    let (mut doze_ms, mut bucket_ms, mut deferrals) = ([0u64; 6], [0u64; 5], 0);
    for day in &fleet.totals.days {
        doze_ms.absorb(&day.doze_ms);
        bucket_ms.absorb(&day.bucket_ms);
        deferrals += day.quota_deferrals;
    }
    let per_day = |ms: u64| {
        if n == 0 {
            Value::Null
        } else {
            round6(ms as f64 / 3_600_000.0 / n as f64)
        }
    };
    let doze: serde_json::Map<String, Value> = DozeState::ALL
        .iter()
        .map(|s| (s.name().to_string(), per_day(doze_ms[*s as usize])))
        .collect();
    let buckets: serde_json::Map<String, Value> = Bucket::ALL
        .iter()
        .map(|b| (b.name().to_string(), per_day(bucket_ms[*b as usize])))
        .collect();
    json!({
        "power_managed_device_days": n,
        "doze_h_per_device_day": doze,
        "bucket_h_per_device_day": buckets,
        "quota_deferrals": deferrals,
    })
}

/// Battery cost (DESIGN §13): mAh per android device-day, in all and by cause.
fn energy(fleet: &Fleet) -> Value {
    use crate::model::energy::EnergyCause;
    let h = &fleet.totals.energy_device_day_uah;
    let n = h.count();
    let mut uah = [0u64; 5];
    for day in &fleet.totals.days {
        uah.absorb(&day.energy_uah);
    }
    let by_cause: serde_json::Map<String, Value> = EnergyCause::ALL
        .iter()
        .map(|c| {
            let v = if n == 0 {
                Value::Null
            } else {
                round6(uah[*c as usize] as f64 / 1000.0 / n as f64)
            };
            (c.name().to_string(), v)
        })
        .collect();
    json!({
        "device_days": n,
        "mah_per_device_day": dist(h, 1000.0),
        "by_cause_mah_per_device_day": by_cause,
    })
}

fn states(fleet: &Fleet, kind: SyncKind) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("registered".into(), json!(fleet.totals.registrations[kind]));
    for s in [
        FinalState::Succeeded,
        FinalState::GaveUp,
        FinalState::Unregistered,
        FinalState::PendingAtEnd,
        FinalState::Suspended,
        FinalState::Stuck,
        FinalState::Rejected,
        FinalState::Lost,
    ] {
        m.insert(s.name().into(), json!(fleet.reg_count(kind, s)));
    }
    m.insert("events".into(), json!(fleet.totals.dispatches[kind]));
    let mut by = serde_json::Map::new();
    for r in RejectReason::ALL {
        by.insert(r.name().into(), json!(fleet.totals.rejections[kind][r]));
    }
    m.insert("rejected_by".into(), Value::Object(by));
    Value::Object(m)
}

fn fetch_metrics(fleet: &Fleet, wakeups: u64) -> Value {
    let count = |o: Option<FetchOutcome>| fleet.totals.fetch_outcomes.get(&o).copied().unwrap_or(0);
    let registered: u64 = fleet.totals.fetch_outcomes.values().sum();
    json!({
        "registered": registered,
        "succeeded": count(Some(FetchOutcome::Succeeded)),
        "failed": count(Some(FetchOutcome::Failed)),
        "aborted": count(Some(FetchOutcome::Aborted)),
        "rejected": count(Some(FetchOutcome::Rejected)),
        "lost": count(Some(FetchOutcome::Lost)),
        "pending_at_end": count(None),
        "register_errors": fleet.totals.fetch_register_errors,
        "completion_s": dist(&fleet.totals.fetch_completion_ms, 1000.0),
        "bytes_requested": fleet.totals.fetch_bytes.requested,
        "bytes_downloaded": fleet.totals.fetch_bytes.downloaded,
        "bytes_wasted": fleet.totals.fetch_bytes.wasted,
        "crashes_survived": fleet.totals.fetch_crashes_survived,
        "request_failures": fleet.totals.fetch_request_failures,
        "wakeups": wakeups,
    })
}

/// Every leaf (number, null, string, bool) of a metrics object with its dotted path, in key
/// order; arrays (e.g. `invariants.first`) are not metrics and are skipped.
pub fn leaves(v: &Value) -> Vec<(String, &Value)> {
    fn walk<'a>(prefix: &str, v: &'a Value, out: &mut Vec<(String, &'a Value)>) {
        match v {
            Value::Object(m) => {
                for (k, child) in m {
                    let path = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&path, child, out);
                }
            }
            Value::Array(_) => {}
            leaf => out.push((prefix.to_string(), leaf)),
        }
    }
    let mut out = Vec::new();
    walk("", v, &mut out);
    out
}

/// Every headline metric of a fleet.
pub fn metrics(spec: &FleetSpec, fleet: &Fleet) -> Value {
    let total = fleet.totals.days.iter().fold(
        Default::default(),
        |mut acc: crate::device::record::DayStats, d| {
            acc.absorb(d);
            acc
        },
    );
    let device_days = fleet.totals.device_day_wakeups.count();
    let mut by_cause = serde_json::Map::new();
    for c in WakeCause::ALL {
        by_cause.insert(c.name().into(), json!(total.wakeups[c]));
    }
    let mut one_shot = states(fleet, SyncKind::OneShot);
    let succeeded = fleet.reg_count(SyncKind::OneShot, FinalState::Succeeded);
    let gave_up = fleet.reg_count(SyncKind::OneShot, FinalState::GaveUp);
    // success_rate: of the one-shots that finished (succeeded or gave up); delivered_rate: of
    // every one-shot register call, rejected and unfinished ones included.
    one_shot["success_rate"] = ratio(succeeded, succeeded + gave_up);
    one_shot["delivered_rate"] = ratio(succeeded, fleet.totals.registrations[SyncKind::OneShot]);
    one_shot["latency_s"] = dist(&fleet.totals.one_shot_latency_ms, 1000.0);
    one_shot["register_errors"] = json!(fleet.totals.register_errors);
    let mut invariants = serde_json::Map::new();
    invariants.insert("violations".into(), json!(fleet.invariant_total()));
    for inv in Invariant::ALL {
        invariants.insert(
            inv.name().into(),
            json!(fleet.totals.invariant_counts[inv as usize]),
        );
    }
    let first: Vec<Value> = fleet
        .totals
        .violations
        .0
        .iter()
        .map(|v| {
            let (origin, tag) = match &v.registration {
                Some((o, tag)) => (
                    json!(spec.device(v.device).origins[*o as usize].name),
                    json!(tag),
                ),
                None => (Value::Null, Value::Null),
            };
            json!({
                "invariant": v.violation.invariant.name(),
                "device": v.device,
                "time_ms": v.violation.time.ms(),
                "origin": origin,
                "tag": tag,
            })
        })
        .collect();
    invariants.insert("first".into(), Value::Array(first));
    let registered = fleet.totals.registrations.total();
    let mut periodic = states(fleet, SyncKind::Periodic);
    let mut intervals = serde_json::Map::new();
    for (level, h) in &fleet.totals.intervals {
        intervals.insert(level.name().into(), dist(h, HOUR_MS));
    }
    periodic["interval_h"] = Value::Object(intervals);
    json!({
        "devices": fleet.devices,
        "device_days": device_days,
        "wakeups": {
            "total": total.wakeups_total(),
            "by_cause": by_cause,
            // One figure only for a single-platform fleet: android process starts and desktop
            // timer firings are different things (separate figures below).
            "per_device_day": if fleet.totals.platform_devices.desktop > 0 && fleet.totals.platform_devices.android > 0 {
                dist(&Histogram::default(), 1.0)
            } else {
                dist(&fleet.totals.device_day_wakeups, 1.0)
            },
            "process_starts_per_device_day": dist(&fleet.totals.device_day_process_starts, 1.0),
            "timer_firings_per_device_day": dist(&fleet.totals.device_day_timer_firings, 1.0),
            "periodic_per_device_day": dist(&fleet.totals.device_day_periodic_wakeups, 1.0),
            // From the window start a wake-up was asked for to when Android ran it.
            "deferral_s": dist(&fleet.totals.wakeup_deferral_ms, 1000.0),
        },
        "android": android_power(fleet),
        "energy": energy(fleet),
        "sync_events": {
            "total": total.sync_events,
            "per_online_transition": ratio(fleet.totals.online_dispatches, fleet.totals.online_transitions),
        },
        "one_shot": one_shot,
        "periodic": periodic,
        "engagement": {
            "level_changes": fleet.totals.level_changes,
            "level_changes_per_origin_day": ratio(fleet.totals.level_changes, fleet.totals.origin_days),
        },
        "attempts": {
            "total": total.sync_events,
            "success": total.successes,
            "failure": total.failures,
            "timeout": total.timeouts,
            "network_lost": total.network_lost,
            "interrupted": total.interrupted,
            "gave_up": total.gave_ups,
            "doomed": fleet.totals.doomed_attempts,
            "retries": fleet.totals.retry_dispatches,
            "retries_per_registration": ratio(fleet.totals.retry_dispatches, registered),
        },
        "crashes": total.crashes,
        "fetch": fetch_metrics(fleet, total.wakeups[WakeCause::Fetch]),
        "storage": { "lost_writes": fleet.totals.lost_writes },
        "awake_s": {
            "total": round6(total.awake_ms as f64 / 1000.0),
            "per_device_day": if device_days == 0 { Value::Null } else { round6(total.awake_ms as f64 / 1000.0 / device_days as f64) },
            "after_session_total": round6(total.after_session_ms as f64 / 1000.0),
            "after_session_per_device_day": if device_days == 0 { Value::Null } else { round6(total.after_session_ms as f64 / 1000.0 / device_days as f64) },
        },
        "network": { "online_transitions": fleet.totals.online_transitions },
        "invariants": invariants,
        "by_origin": by_origin(fleet),
        "by_tier": by_tier(fleet),
    })
}

/// Per origin block: what its register calls became, one-shot success and latency, events.
fn by_origin(fleet: &Fleet) -> Value {
    let mut m = serde_json::Map::new();
    for (block, o) in &fleet.totals.by_origin {
        let (ok, failed) = (o.one_shot_succeeded, o.one_shot_gave_up);
        m.insert(
            block.clone(),
            json!({
                "one_shot": {
                    "registered": o.registrations.one_shot,
                    "rejected": o.rejected.one_shot,
                    "succeeded": ok,
                    "gave_up": failed,
                    "success_rate": ratio(ok, ok + failed),
                    "delivered_rate": ratio(ok, o.registrations.one_shot),
                    "latency_s": dist(&o.one_shot_latency_ms, 1000.0),
                    "events": o.dispatches.one_shot,
                },
                "periodic": {
                    "registered": o.registrations.periodic,
                    "rejected": o.rejected.periodic,
                    "events": o.dispatches.periodic,
                },
            }),
        );
    }
    Value::Object(m)
}

/// Per engagement level at dispatch: attempts and how they ended.
fn by_tier(fleet: &Fleet) -> Value {
    let mut m = serde_json::Map::new();
    for (level, t) in &fleet.totals.by_tier {
        let counted = t.successes + t.failures + t.timeouts + t.network_lost;
        m.insert(
            level.name().to_string(),
            json!({
                "attempts": t.attempts,
                "success": t.successes,
                "failure": t.failures,
                "timeout": t.timeouts,
                "network_lost": t.network_lost,
                "interrupted": t.interrupted,
                "success_rate": ratio(t.successes, counted),
            }),
        );
    }
    Value::Object(m)
}
