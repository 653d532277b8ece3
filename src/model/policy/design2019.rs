//! The `design-2019` preset: Chrome's periodic sync design document as written (DESIGN §3.2,
//! seeds/periodic-background-sync-design.txt).
//!
//! The browser is woken for periodic sync on a fixed grid `anchor + n·x` with
//! `x = 24 h / max_periodic_wakeups_per_day`, the anchor being when the wake-up task was created
//! (the first periodic registration). `delay_until` is always snapped to that grid, scaled by a
//! "multiple of the wake-up period" per engagement tier.

use super::{
    Completion, Context, DevicePolicy, Policy, RejectReason, WakeCause, WakeWindow, WakeupRule,
    chromium,
};
use crate::engine::time::{DAY, SimDuration, SimTime};
use crate::model::engagement::EngagementLevel;
use crate::model::params::Params;
use crate::model::registration::{Outcome, PendingSummary, Registration, SyncKind};

/// The design's own parameters: the wake-up cap and periodic retries (it also reads Chromium's
/// `SYNC_PARAMS` and the device-level ones).
pub const PARAMS: &[&str] = &["max_periodic_wakeups_per_day", "periodic_retries"];

/// The `design-2019` preset with its parameters.
#[derive(Clone, Debug)]
pub struct Design2019 {
    params: Params,
}

impl Design2019 {
    pub fn new(params: Params) -> Self {
        Design2019 { params }
    }
}

impl Policy for Design2019 {
    fn name(&self) -> &str {
        "design-2019"
    }

    fn reads(&self, param: &str) -> bool {
        chromium::SYNC_PARAMS.contains(&param) || PARAMS.contains(&param)
    }

    fn wakeup_rule(&self) -> WakeupRule {
        WakeupRule::DailyCap(self.params.max_periodic_wakeups_per_day as u64)
    }

    fn device(&self) -> Box<dyn DevicePolicy + '_> {
        Box::new(Design2019Device {
            params: &self.params,
            schedule: None,
        })
    }
}

/// One device under the design: the periodic wake-up grid, kept while periodic registrations
/// exist (the wake-up task is created with the first and cancelled with the last).
struct Design2019Device<'a> {
    params: &'a Params,
    schedule: Option<WakeSchedule>,
}

impl DevicePolicy for Design2019Device<'_> {
    /// One-shots as Chromium; `periodic_retries` retries per periodic event.
    fn max_attempts(&self, kind: SyncKind, notification_permission: bool) -> u32 {
        match kind {
            SyncKind::Periodic => self.params.periodic_retries + 1,
            SyncKind::OneShot => chromium::max_attempts(self.params, notification_permission),
        }
    }

    fn admit(&self, kind: SyncKind, installed: bool) -> Option<RejectReason> {
        chromium::admit(kind, installed)
    }

    fn initial_delay_until(&mut self, reg: &Registration, ctx: &Context) -> SimTime {
        match reg.kind {
            SyncKind::OneShot => ctx.now,
            SyncKind::Periodic => {
                // The wake-up task is created with the first periodic registration.
                let params = self.params;
                let schedule = *self
                    .schedule
                    .get_or_insert_with(|| WakeSchedule::new(ctx.now, params));
                delay_until(params, schedule, reg.min_interval, ctx)
            }
        }
    }

    fn periodic_delay_until(&mut self, reg: &Registration, ctx: &Context) -> SimTime {
        match self.schedule {
            Some(schedule) => delay_until(self.params, schedule, reg.min_interval, ctx),
            None => SimTime::NEVER, // no wake-up task: nothing can fire (cannot happen while registered)
        }
    }

    fn max_event_duration(&self) -> SimDuration {
        self.params.max_sync_event_duration
    }

    fn complete(
        &mut self,
        _id: u32,
        reg: &mut Registration,
        outcome: Outcome,
        ctx: &Context,
    ) -> Completion {
        let (params, schedule) = (self.params, self.schedule);
        chromium::complete(
            params,
            reg,
            outcome == Outcome::Success,
            ctx.now,
            |r| match schedule {
                Some(s) => delay_until(params, s, r.min_interval, ctx),
                None => SimTime::NEVER,
            },
        )
    }

    /// One-shots wake the browser as in Chromium; periodic sync on the fixed grid, and its
    /// retries never wake the browser.
    fn wake_window(&self, kind: SyncKind, now: SimTime, active: &PendingSummary) -> WakeWindow {
        WakeWindow::unstable(match kind {
            SyncKind::Periodic => self.schedule.map(|s| {
                (
                    SimTime::from_ms(s.kth_after(now.ms(), 1)),
                    WakeCause::Periodic,
                )
            }),
            SyncKind::OneShot => {
                let soonest = chromium::soonest_wakeup(self.params, kind, active);
                soonest
                    .delta
                    .map(|d| (now.after(SimDuration::from_ms(d)), soonest.cause))
            }
        })
    }

    fn wakeup_reschedule(&self) -> chromium::WakeupReschedule {
        self.params.wakeup_reschedule
    }

    fn after_event(&mut self, has_active_periodic: &dyn Fn() -> bool) {
        if self.schedule.is_some() && !has_active_periodic() {
            self.schedule = None; // the wake-up task is cancelled when no registrations remain
        }
    }
}

/// The grid of scheduled periodic wake-ups: `anchor + n·period`, n = 1, 2, …
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WakeSchedule {
    pub anchor: u64,
    pub period: u64,
}

impl WakeSchedule {
    pub fn new(anchor: SimTime, params: &Params) -> Self {
        WakeSchedule {
            anchor: anchor.ms(),
            period: DAY / params.max_periodic_wakeups_per_day.max(1) as u64,
        }
    }

    /// The k-th scheduled wake-up strictly after `now` (k ≥ 1).
    pub fn kth_after(&self, now: u64, k: u64) -> u64 {
        let first = if now < self.anchor {
            1
        } else {
            (now - self.anchor) / self.period + 1
        };
        self.anchor + (first + k - 1) * self.period
    }

    /// The first scheduled wake-up at or after `t`.
    pub fn first_at_or_after(&self, t: u64) -> u64 {
        let n = t.saturating_sub(self.anchor).div_ceil(self.period).max(1);
        self.anchor + n * self.period
    }
}

/// "site_engagement_delay_until ... a multiple of the wake-up period": the k-th scheduled
/// wake-up with k = 4 (MINIMAL), 3 (LOW), 2 (MEDIUM), 1 (HIGH).
fn tier_multiple(level: EngagementLevel) -> Option<u64> {
    match level {
        EngagementLevel::Minimal => Some(4),
        EngagementLevel::Low => Some(3),
        EngagementLevel::Medium => Some(2),
        EngagementLevel::High => Some(1),
        EngagementLevel::None | EngagementLevel::Max => None,
    }
}

/// `delay_until` per the design: NONE suspends; MAX is `now + min_sync_recovery_time`; else the
/// tier's wake-up. If `now + min_interval` fits before it, that wake-up; otherwise the first
/// scheduled wake-up at or after `now + min_interval`.
pub fn delay_until(
    params: &Params,
    schedule: WakeSchedule,
    min_interval: u64,
    ctx: &Context,
) -> SimTime {
    let now = ctx.now.ms();
    let engagement_delay_until = match ctx.level {
        EngagementLevel::None => return SimTime::NEVER,
        EngagementLevel::Max => now + params.min_sync_recovery_time.ms(),
        level => schedule.kth_after(now, tier_multiple(level).unwrap_or(1)),
    };
    let earliest = now.saturating_add(min_interval);
    if earliest <= engagement_delay_until {
        SimTime::from_ms(engagement_delay_until)
    } else {
        SimTime::from_ms(schedule.first_at_or_after(earliest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::HOUR;

    /// `delay_until` at `now` on the grid anchored at 1 h.
    fn at(p: &Params, now: u64, min_interval: u64, level: EngagementLevel) -> SimTime {
        let schedule = WakeSchedule::new(SimTime::from_ms(HOUR), p);
        let ctx = Context::new(SimTime::from_ms(now), level, None);
        delay_until(p, schedule, min_interval, &ctx)
    }

    #[test]
    fn tiers_are_multiples_of_the_twelve_hour_wake_period() {
        // Anchor 1 h, x = 24 h / 2 = 12 h: wake-ups at 13 h, 25 h, 37 h, 49 h, …
        // At now = 2 h with min_interval 1 h: HIGH → 1st = 13 h, MEDIUM → 25 h, LOW → 37 h,
        // MINIMAL → 49 h; NONE → suspended.
        let p = Params::default();
        let tier = |l| at(&p, 2 * HOUR, HOUR, l).ms();
        assert_eq!(tier(EngagementLevel::High), 13 * HOUR);
        assert_eq!(tier(EngagementLevel::Medium), 25 * HOUR);
        assert_eq!(tier(EngagementLevel::Low), 37 * HOUR);
        assert_eq!(tier(EngagementLevel::Minimal), 49 * HOUR);
        // MAX: now + 6 min, but 2 h + 1 h > that, so the first wake-up at or after 3 h: 13 h.
        assert_eq!(tier(EngagementLevel::Max), 13 * HOUR);
        // With min_interval 0 the recovery time itself is used: 2 h + 6 min.
        let max0 = at(&p, 2 * HOUR, 0, EngagementLevel::Max).ms();
        assert_eq!(max0, 2 * HOUR + 6 * 60_000);
        assert!(at(&p, 2 * HOUR, HOUR, EngagementLevel::None).is_never());
    }

    #[test]
    fn long_min_interval_snaps_to_the_first_wakeup_after_it() {
        // HIGH at now = 2 h, min_interval 30 h: 2 + 30 = 32 h > 13 h → first wake-up ≥ 32 h = 37 h.
        let p = Params::default();
        assert_eq!(
            at(&p, 2 * HOUR, 30 * HOUR, EngagementLevel::High).ms(),
            37 * HOUR
        );
        // Exactly on the grid: 2 + 23 = 25 h → 25 h.
        assert_eq!(
            at(&p, 2 * HOUR, 23 * HOUR, EngagementLevel::High).ms(),
            25 * HOUR
        );
    }

    #[test]
    fn kth_after_is_strictly_after_now() {
        let s = WakeSchedule::new(SimTime::from_ms(0), &Params::default());
        // At exactly a wake-up instant (12 h) the next one is 24 h.
        assert_eq!(s.kth_after(12 * HOUR, 1), 24 * HOUR);
        assert_eq!(s.first_at_or_after(12 * HOUR), 12 * HOUR);
        assert_eq!(s.first_at_or_after(0), 12 * HOUR);
    }
}
