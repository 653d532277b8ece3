//! Every metric name, with its unit and meaning (`bgsim metrics`), and the check that an
//! `expect` rule, a baseline entry or `--metric` names one (DESIGN §6: a misspelt metric must be
//! an input error, not a check that silently reads "missing").
//!
//! The names are generated from `metrics()` itself (every leaf of an empty fleet's metrics,
//! plus the per-level interval families), so they cannot drift from what `summary.json` holds;
//! the meanings are a table of patterns that a test checks covers every name exactly once.

use super::Fleet;
use super::metrics::{leaves, metrics};
use crate::engine::time::DAY;
use crate::model::engagement::EngagementLevel;
use crate::model::fleet::FleetSpec;
use crate::model::params::Params;
use crate::model::policy::Preset;

/// `(pattern, unit, meaning)`: `*` stands for one name segment.
pub const METRIC_DOCS: &[(&str, &str, &str)] = &[
    ("devices", "devices", "devices simulated"),
    (
        "device_days",
        "device-days",
        "devices × days (the denominator of per-device-day figures)",
    ),
    (
        "wakeups.total",
        "wake-ups",
        "browser wake-ups of every cause, all devices",
    ),
    (
        "wakeups.by_cause.*",
        "wake-ups",
        "wake-ups of one cause: one_shot, periodic, retry, recovery (android process starts), timer (desktop delay timers that dispatched), fetch (the android download service)",
    ),
    (
        "wakeups.per_device_day.*",
        "wake-ups",
        "distribution of wake-ups per device-day (count = device-days, mean, p50, p95, max) for a single-platform fleet; empty for a fleet that mixes desktop and android (read the two below)",
    ),
    (
        "wakeups.process_starts_per_device_day.*",
        "wake-ups",
        "android browser process starts (every cause but timer) per android device-day",
    ),
    (
        "wakeups.timer_firings_per_device_day.*",
        "wake-ups",
        "desktop delay-timer firings that dispatched, per desktop device-day",
    ),
    (
        "wakeups.periodic_per_device_day.*",
        "wake-ups",
        "distribution of periodic-cause wake-ups per device-day (the design's cap)",
    ),
    (
        "wakeups.deferral_s.*",
        "s",
        "how long Android held each wake-up back: from the window start it was asked for to when it ran (network, restart, Doze, quota)",
    ),
    (
        "android.power_managed_device_days",
        "device-days",
        "android device-days under Android's power management (DESIGN §4.7)",
    ),
    (
        "android.doze_h_per_device_day.*",
        "h",
        "hours per power-managed device-day in each doze state (active, inactive, light_idle, light_maintenance, deep_idle, deep_maintenance)",
    ),
    (
        "android.bucket_h_per_device_day.*",
        "h",
        "hours per power-managed device-day the browser (or app) spent in each App Standby Bucket",
    ),
    (
        "energy.device_days",
        "device-days",
        "android device-days priced in battery charge (desktop runs on mains)",
    ),
    (
        "energy.mah_per_device_day.*",
        "mAh",
        "battery charge spent on background work per android device-day: process starts, CPU awake time, radio promotion, transfer and tail (DESIGN §13)",
    ),
    (
        "energy.by_cause_mah_per_device_day.*",
        "mAh",
        "mean battery charge per android device-day by cause (process_start, awake, radio_promotion, radio_active, radio_tail)",
    ),
    (
        "android.quota_deferrals",
        "jobs",
        "times a job could not start because its app was out of JobScheduler quota",
    ),
    ("sync_events.total", "events", "sync events dispatched"),
    (
        "sync_events.per_online_transition",
        "events",
        "dispatches by the FireReadyEvents of online transitions, per transition (Firefox's telemetry)",
    ),
    (
        "*.registered",
        "registrations",
        "register calls that created a registration object (rejected ones included)",
    ),
    (
        "*.succeeded",
        "registrations",
        "registrations that ended succeeded (fetch: backgroundfetchsuccess)",
    ),
    (
        "*.gave_up",
        "registrations",
        "registrations given up after their last attempt",
    ),
    (
        "*.unregistered",
        "registrations",
        "registrations removed by unregister, site-data clearing or replacement",
    ),
    (
        "*.pending_at_end",
        "registrations",
        "registrations still active (or fetches unfinished) at the horizon",
    ),
    (
        "*.suspended",
        "registrations",
        "periodic registrations suspended (engagement NONE) at the horizon",
    ),
    (
        "*.stuck",
        "registrations",
        "registrations left firing with no event running (persisted firing state)",
    ),
    (
        "*.rejected",
        "registrations",
        "register calls refused (see rejected_by)",
    ),
    (
        "*.lost",
        "registrations",
        "registrations whose write a crash swallowed",
    ),
    ("*.events", "events", "events dispatched of this kind"),
    (
        "*.rejected_by.*",
        "register calls",
        "register calls refused, by reason: browser_down (browser closed or down), no_page (browser running without a user session, e.g. started by a wake-up task: RegisterDidCheckIfMainFrame), disabled (android without up-to-date Play Services: Background Sync off), permission_denied (the origin's background_sync content setting is block), not_installed (periodic sync needs an installed app), unsupported (the policy has no such API)",
    ),
    (
        "one_shot.success_rate",
        "ratio",
        "succeeded / (succeeded + gave up): of the one-shots that finished",
    ),
    (
        "one_shot.delivered_rate",
        "ratio",
        "succeeded / every one-shot register call (rejected, lost and unfinished ones count as not delivered)",
    ),
    (
        "one_shot.latency_s.*",
        "s",
        "registration → success of one-shots: count, mean, p50, p95, max",
    ),
    (
        "one_shot.register_errors",
        "register calls",
        "register calls that failed (Firefox persisted bug: key collision with a stuck registration)",
    ),
    (
        "periodic.interval_h.*.*",
        "h",
        "time between successive new-period dispatches, by the engagement level at the later one: count, mean, p50, p95, max",
    ),
    (
        "engagement.level_changes",
        "changes",
        "engagement-level changes observed at visits and history clears",
    ),
    (
        "engagement.level_changes_per_origin_day",
        "changes",
        "level changes per origin-day",
    ),
    (
        "attempts.total",
        "attempts",
        "dispatched attempts (= sync events)",
    ),
    ("attempts.success", "attempts", "attempts that succeeded"),
    (
        "attempts.failure",
        "attempts",
        "attempts whose handler failed",
    ),
    (
        "attempts.timeout",
        "attempts",
        "attempts cut at max_sync_event_duration",
    ),
    (
        "attempts.network_lost",
        "attempts",
        "attempts that ended because the network dropped",
    ),
    (
        "attempts.interrupted",
        "attempts",
        "attempts interrupted by a crash, an idle kill or a closed browser (not counted)",
    ),
    (
        "attempts.gave_up",
        "registrations",
        "give-ups (a registration's last attempt failed)",
    ),
    (
        "attempts.doomed",
        "attempts",
        "Firefox doomed attempts (the network vanished mid-event)",
    ),
    (
        "attempts.retries",
        "attempts",
        "dispatches that were retries (attempt > 1)",
    ),
    (
        "attempts.retries_per_registration",
        "attempts",
        "retries per registration object",
    ),
    (
        "crashes",
        "crashes",
        "browser crashes (scheduled, random and during events)",
    ),
    (
        "fetch.failed",
        "fetches",
        "fetches that ended with backgroundfetchfail",
    ),
    ("fetch.aborted", "fetches", "fetches aborted by the page"),
    (
        "fetch.register_errors",
        "fetches",
        "fetch registrations refused (duplicate developer id, or no running browser)",
    ),
    (
        "fetch.completion_s.*",
        "s",
        "registration → end of succeeded fetches: count, mean, p50, p95, max",
    ),
    (
        "fetch.bytes_requested",
        "bytes",
        "bytes the fetches asked for",
    ),
    (
        "fetch.bytes_downloaded",
        "bytes",
        "bytes downloaded (wasted ones included)",
    ),
    (
        "fetch.bytes_wasted",
        "bytes",
        "bytes of partial downloads thrown away by a crash or a pause without resume",
    ),
    (
        "fetch.crashes_survived",
        "crashes",
        "process deaths that unfinished fetches were rebuilt after",
    ),
    (
        "fetch.request_failures",
        "requests",
        "failed request attempts (retried)",
    ),
    (
        "fetch.wakeups",
        "wake-ups",
        "wake-ups by the android download service",
    ),
    (
        "storage.lost_writes",
        "writes",
        "durable writes lost to a crash before they committed",
    ),
    (
        "awake_s.total",
        "s",
        "time the browser process ran for background work (no user session), without the linger after sessions",
    ),
    (
        "awake_s.per_device_day",
        "s",
        "background awake time per device-day, without the linger after sessions",
    ),
    (
        "awake_s.after_session_total",
        "s",
        "android: time the process lived on after user sessions ended, up to idle_kill_after (the same whatever the policy)",
    ),
    (
        "awake_s.after_session_per_device_day",
        "s",
        "android: the linger after user sessions per device-day",
    ),
    (
        "network.online_transitions",
        "transitions",
        "offline → online transitions",
    ),
    (
        "invariants.violations",
        "violations",
        "invariant violations, all kinds (docs/model.md, Invariants)",
    ),
    ("invariants.*", "violations", "violations of one invariant"),
    (
        "by_origin.*.one_shot.*",
        "count or ratio",
        "per origin block (a scenario origin entry, keyed by its name without the scheme, e.g. mail_example): one-shot register calls registered, rejected, succeeded, gave_up; success_rate (of finished), delivered_rate (of every call); events (dispatches)",
    ),
    (
        "by_origin.*.one_shot.latency_s.*",
        "s",
        "per origin block: registration to success of its one-shots (count, mean, p50, p95, max)",
    ),
    (
        "by_origin.*.periodic.*",
        "count",
        "per origin block: periodic register calls registered, rejected; events (dispatches)",
    ),
    (
        "by_tier.*.*",
        "attempts or ratio",
        "per engagement level at dispatch (NONE … MAX): attempts, success, failure, timeout, network_lost, interrupted; success_rate = success / attempts that ended counted",
    ),
];

fn matches(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<&str>, Vec<&str>) = (pattern.split('.').collect(), name.split('.').collect());
    p.len() == n.len() && p.iter().zip(&n).all(|(a, b)| *a == "*" || a == b)
}

/// The documentation of `name`: the first pattern that matches it.
pub fn doc(name: &str) -> Option<&'static (&'static str, &'static str, &'static str)> {
    METRIC_DOCS.iter().find(|(p, _, _)| matches(p, name))
}

/// Every metric name of a fleet's runs, sorted.
pub fn metric_names(spec: &FleetSpec) -> Vec<String> {
    let fleet = Fleet::new(spec, 0, 0, 0);
    let metrics = metrics(spec, &fleet);
    let mut out: Vec<String> = leaves(&metrics)
        .into_iter()
        .filter(|(_, v)| v.is_number() || v.is_null())
        .map(|(k, _)| k)
        .collect();
    for level in EngagementLevel::ALL {
        for stat in ["count", "mean", "p50", "p95", "max"] {
            out.push(format!("periodic.interval_h.{}.{stat}", level.name()));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Every metric name (they do not depend on the scenario), sorted.
pub fn all_metric_names() -> Vec<String> {
    let empty = FleetSpec::new(Vec::new(), DAY, 0, Preset::Chromium, Params::default());
    metric_names(&empty)
}

/// Ok if `name` is a metric; else the message, with the closest known names. A list that
/// knows no origin block (`all_metric_names`, used where no scenario is at hand) accepts any
/// well-formed `by_origin.<block>.…` name.
pub fn check_metric(name: &str, known: &[String]) -> Result<(), String> {
    if known.iter().any(|k| k == name) {
        return Ok(());
    }
    if name.starts_with("by_origin.")
        && doc(name).is_some()
        && !known.iter().any(|k| k.starts_with("by_origin."))
    {
        return Ok(());
    }
    let mut close: Vec<(usize, &String)> = known
        .iter()
        .map(|k| (strsim::levenshtein(k, name), k))
        .collect();
    close.sort();
    let suggestions: Vec<&str> = close.iter().take(3).map(|(_, k)| k.as_str()).collect();
    let shown: String = name.chars().take(80).collect();
    Err(format!(
        "unknown metric {shown:?}; closest: {} (`bgsim metrics` lists them all)",
        suggestions.join(", ")
    ))
}
