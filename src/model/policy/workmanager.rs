//! The `workmanager` peer (DESIGN §3.4): what a native Android app would get for the same job
//! with androidx WorkManager on JobScheduler. A yardstick for policy designers, not a browser.
//!
//! One-shot registrations become one-time work with a network constraint and backoff; periodic
//! registrations become periodic work. Android's power management (DESIGN §4.7) decides when its
//! jobs run; where it is switched off, engagement levels stand in for standby buckets, each
//! deferring jobs to its next batching window (the earlier model).
//!
//! Sources: androidx.work `WorkRequest.kt` (DEFAULT_BACKOFF_DELAY_MILLIS 30 s,
//! MIN_BACKOFF_MILLIS 10 s, MAX_BACKOFF_MILLIS 5 h), `PeriodicWorkRequest.kt`
//! (MIN_PERIODIC_INTERVAL_MILLIS 15 min, MIN_PERIODIC_FLEX_MILLIS 5 min), `WorkSpec.kt`
//! (calculateNextRunTime); Android's App Standby Buckets (developer.android.com/topic/performance/
//! appstandby: jobs deferred up to 2 h in WORKING_SET, 8 h in FREQUENT, 24 h in RARE; RESTRICTED
//! runs once a day).

use super::{Completion, Context, DevicePolicy, Policy, WakeupRule};
use crate::engine::time::{SimDuration, SimTime};
use crate::model::android::standby::Bucket;
use crate::model::engagement::EngagementLevel;
use crate::model::params::{Params, choice_param};
use crate::model::registration::{FinalState, Outcome, RegState, Registration, SyncKind};

/// The parameters the `workmanager` peer reads (besides the device-level ones).
pub const PARAMS: &[&str] = &[
    "work_backoff_delay",
    "work_backoff_policy",
    "work_min_backoff",
    "work_max_backoff",
    "work_min_periodic_interval",
    "work_min_flex",
    "work_flex",
    "work_max_attempts",
    "work_max_duration",
    "standby_working_set_deferral",
    "standby_frequent_deferral",
    "standby_rare_deferral",
    "standby_restricted_deferral",
];

choice_param! {
    /// androidx `BackoffPolicy`.
    pub enum BackoffPolicy {
        /// `delay × 2^(n−1)` (the default).
        Exponential = "exponential",
        /// `delay × n`.
        Linear = "linear",
    }
}

/// The `workmanager` peer with its parameters.
#[derive(Clone, Debug)]
pub struct WorkManager {
    params: Params,
}

impl WorkManager {
    pub fn new(params: Params) -> Self {
        WorkManager { params }
    }
}

impl Policy for WorkManager {
    fn name(&self) -> &str {
        "workmanager"
    }

    fn reads(&self, param: &str) -> bool {
        PARAMS.contains(&param)
    }

    /// JobScheduler's business: no browser wake-up limit.
    fn wakeup_rule(&self) -> WakeupRule {
        WakeupRule::None
    }

    fn device(&self) -> Box<dyn DevicePolicy + '_> {
        Box::new(WorkManagerDevice {
            params: &self.params,
        })
    }
}

/// One device's WorkManager: no state beyond the registrations themselves.
struct WorkManagerDevice<'a> {
    params: &'a Params,
}

impl DevicePolicy for WorkManagerDevice<'_> {
    fn uses_after_event(&self) -> bool {
        false
    }

    /// `work_max_attempts` runs, 0 = retry forever (WorkManager's default).
    fn max_attempts(&self, _kind: SyncKind, _notification_permission: bool) -> u32 {
        match self.params.work_max_attempts {
            0 => u32::MAX,
            n => n,
        }
    }

    /// A native app's periodic work needs no installed web app.
    fn initial_delay_until(&mut self, reg: &Registration, ctx: &Context) -> SimTime {
        match reg.kind {
            SyncKind::OneShot => defer(self.params, ctx.now, ctx),
            SyncKind::Periodic => periodic_delay_until(self.params, reg, ctx),
        }
    }

    /// An enqueued job whose first run is due now runs now.
    fn fires_on_register(&self, _kind: SyncKind) -> bool {
        true
    }

    fn periodic_delay_until(&mut self, reg: &Registration, ctx: &Context) -> SimTime {
        periodic_delay_until(self.params, reg, ctx)
    }

    fn max_event_duration(&self) -> SimDuration {
        self.params.work_max_duration
    }

    fn complete(
        &mut self,
        _id: u32,
        reg: &mut Registration,
        outcome: Outcome,
        ctx: &Context,
    ) -> Completion {
        let p = self.params;
        let success = outcome == Outcome::Success;
        complete(p, reg, success, ctx, |r| periodic_delay_until(p, r, ctx))
    }

    /// JobScheduler starts the app for a runnable job.
    fn work_starts_process(&self) -> bool {
        true
    }
}

/// The standby bucket an engagement level stands in for where Android's power management is
/// not modelled: the more the user engages, the more active.
pub fn bucket_of(level: EngagementLevel) -> Bucket {
    match level {
        EngagementLevel::Max | EngagementLevel::High => Bucket::Active,
        EngagementLevel::Medium => Bucket::WorkingSet,
        EngagementLevel::Low => Bucket::Frequent,
        EngagementLevel::Minimal => Bucket::Rare,
        EngagementLevel::None => Bucket::Restricted,
    }
}

/// How long jobs may be deferred in a bucket (its batching window), in ms.
pub fn deferral(bucket: Bucket, p: &Params) -> u64 {
    match bucket {
        Bucket::Active => 0,
        Bucket::WorkingSet => p.standby_working_set_deferral.ms(),
        Bucket::Frequent => p.standby_frequent_deferral.ms(),
        Bucket::Rare => p.standby_rare_deferral.ms(),
        Bucket::Restricted => p.standby_restricted_deferral.ms(),
    }
}

/// The earliest time a job may run in its bucket: the next window boundary (multiples of the
/// bucket's deferral since t = 0) at or after `t`. The engagement level stands in for the
/// bucket only where Android's power management is not modelled (`android.power_management:
/// false`); otherwise Android's own buckets and quotas decide (DESIGN §4.7).
pub fn defer(p: &Params, t: SimTime, ctx: &Context) -> SimTime {
    if ctx.os_standby {
        return t;
    }
    defer_by_level(p, t, ctx.level)
}

/// [`defer`] for an engagement level.
pub fn defer_by_level(p: &Params, t: SimTime, level: EngagementLevel) -> SimTime {
    let d = deferral(bucket_of(level), p);
    if d == 0 || t.is_never() {
        return t;
    }
    SimTime::from_ms(t.ms().div_ceil(d) * d)
}

/// Backoff before the `n`-th retry (n ≥ 1): `delay × 2^(n−1)` (or `delay × n` linear), the base
/// clamped to [MIN_BACKOFF, MAX_BACKOFF] and the result capped at MAX_BACKOFF.
pub fn backoff(p: &Params, n: u32) -> SimDuration {
    let base = p
        .work_backoff_delay
        .clamp(p.work_min_backoff, p.work_max_backoff);
    let delay = match p.work_backoff_policy {
        BackoffPolicy::Linear => base.times(n as u64),
        BackoffPolicy::Exponential => {
            base.times(1u64.checked_shl(n.saturating_sub(1)).unwrap_or(u64::MAX))
        }
    };
    delay.min(p.work_max_backoff)
}

/// Periodic work's interval: `max(min_interval, MIN_PERIODIC_INTERVAL)`.
pub fn interval(p: &Params, min_interval: u64) -> u64 {
    min_interval.max(p.work_min_periodic_interval.ms())
}

/// Periodic work's flex: `work_flex` (0 = the whole interval) clamped to [MIN_FLEX, interval].
pub fn flex(p: &Params, interval: u64) -> u64 {
    let f = if p.work_flex.is_zero() {
        interval
    } else {
        p.work_flex.ms()
    };
    f.clamp(p.work_min_flex.ms(), interval)
}

/// calculateNextRunTime for periodic work without backoff: the first period runs after
/// `interval − flex` (immediately when flex = interval); later periods run `interval` after the
/// previous run finished (WorkManager re-enqueues the work then). Then the standby deferral.
pub fn periodic_delay_until(p: &Params, reg: &Registration, ctx: &Context) -> SimTime {
    let i = interval(p, reg.min_interval);
    let first_run = reg.dispatches == 0;
    let delay = if first_run { i - flex(p, i) } else { i };
    defer(p, ctx.now.after(SimDuration::from_ms(delay)), ctx)
}

/// A finished run (Result.success / Result.retry; a timeout or lost network is a retry).
pub fn complete(
    p: &Params,
    reg: &mut Registration,
    success: bool,
    ctx: &Context,
    next_period: impl FnOnce(&Registration) -> SimTime,
) -> Completion {
    let now = ctx.now;
    debug_assert!(reg.is_active() && reg.state != RegState::Pending);
    let periodic = reg.kind == SyncKind::Periodic;
    if success {
        if !periodic {
            reg.removed = Some(FinalState::Succeeded);
            reg.completed = Some(now);
            return Completion::Removed(FinalState::Succeeded);
        }
        reg.state = RegState::Pending;
        reg.num_attempts = 0;
        reg.delay_until = next_period(reg);
        return Completion::Rescheduled;
    }
    let n = reg.num_attempts + 1;
    if !periodic && n >= reg.max_attempts {
        reg.removed = Some(FinalState::GaveUp);
        reg.completed = Some(now);
        return Completion::Removed(FinalState::GaveUp);
    }
    reg.state = RegState::Pending;
    reg.num_attempts = if periodic && n >= reg.max_attempts {
        0
    } else {
        n
    };
    reg.delay_until = if reg.num_attempts == 0 {
        next_period(reg)
    } else {
        defer(p, now.after(backoff(p, n)), ctx)
    };
    Completion::Rescheduled
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::{HOUR, MINUTE, SECOND};

    #[test]
    fn exponential_backoff_doubles_from_30s_and_caps_at_5h() {
        // WorkRequest.kt: 30 s × 2^(n−1): 30 s, 60 s, 120 s, …; 30 s × 2^9 = 256 min; 2^10 → 512
        // min > 5 h, capped.
        let p = Params::default();
        let seq: Vec<u64> = (1..=4).map(|n| backoff(&p, n).ms()).collect();
        assert_eq!(
            seq,
            vec![30 * SECOND, 60 * SECOND, 120 * SECOND, 240 * SECOND]
        );
        assert_eq!(backoff(&p, 10).ms(), 256 * MINUTE);
        assert_eq!(backoff(&p, 11).ms(), 5 * HOUR);
        assert_eq!(backoff(&p, 64).ms(), 5 * HOUR);
    }

    #[test]
    fn linear_backoff_and_the_minimum_base() {
        let mut p = Params {
            work_backoff_policy: BackoffPolicy::Linear,
            ..Params::default()
        };
        assert_eq!(backoff(&p, 3).ms(), 90 * SECOND);
        p.work_backoff_delay = SimDuration::from_ms(SECOND); // below MIN_BACKOFF: clamped to 10 s
        assert_eq!(backoff(&p, 2).ms(), 20 * SECOND);
    }

    #[test]
    fn periodic_interval_has_a_15_minute_floor_and_flex_places_the_first_run() {
        let p = Params::default();
        assert_eq!(interval(&p, 5 * MINUTE), 15 * MINUTE);
        assert_eq!(interval(&p, HOUR), HOUR);
        // Default flex = interval: the first run is immediate.
        assert_eq!(flex(&p, HOUR), HOUR);
        // flex 15 min within a 1-h interval: first run after 45 min; flex below 5 min → 5 min.
        let mut q = Params {
            work_flex: SimDuration::from_ms(15 * MINUTE),
            ..Params::default()
        };
        assert_eq!(HOUR - flex(&q, HOUR), 45 * MINUTE);
        q.work_flex = SimDuration::from_ms(MINUTE);
        assert_eq!(flex(&q, HOUR), 5 * MINUTE);
    }

    #[test]
    fn standby_buckets_defer_to_their_window() {
        let p = Params::default();
        let t = SimTime::from_ms(3 * HOUR + 1);
        assert_eq!(defer_by_level(&p, t, EngagementLevel::High), t);
        // WORKING_SET: next multiple of 2 h → 4 h; FREQUENT (8 h) → 8 h; RARE (24 h) → 24 h.
        assert_eq!(
            defer_by_level(&p, t, EngagementLevel::Medium),
            SimTime::from_ms(4 * HOUR)
        );
        assert_eq!(
            defer_by_level(&p, t, EngagementLevel::Low),
            SimTime::from_ms(8 * HOUR)
        );
        assert_eq!(
            defer_by_level(&p, t, EngagementLevel::Minimal),
            SimTime::from_ms(24 * HOUR)
        );
    }
}
