//! The `design-2019` preset: Chrome's periodic sync design document as written (DESIGN §3.2,
//! seeds/periodic-background-sync-design.txt).
//!
//! The browser is woken for periodic sync on a fixed grid `anchor + n·x` with
//! `x = 24 h / max_periodic_wakeups_per_day`, the anchor being when the wake-up task was created
//! (the first periodic registration). `delay_until` is always snapped to that grid, scaled by a
//! "multiple of the wake-up period" per engagement tier.

use super::PeriodicContext;
use crate::engine::time::{DAY, SimTime};
use crate::model::engagement::EngagementLevel;
use crate::model::params::Params;

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
pub fn delay_until(params: &Params, ctx: &PeriodicContext) -> SimTime {
    let Some(schedule) = ctx.schedule else {
        return SimTime::NEVER; // no wake-up task: nothing can fire (cannot happen while registered)
    };
    let now = ctx.now.ms();
    let engagement_delay_until = match ctx.level {
        EngagementLevel::None => return SimTime::NEVER,
        EngagementLevel::Max => now + params.min_sync_recovery_time.ms(),
        level => schedule.kth_after(now, tier_multiple(level).unwrap_or(1)),
    };
    let earliest = now.saturating_add(ctx.min_interval);
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

    fn ctx(now: u64, min_interval: u64, level: EngagementLevel) -> PeriodicContext {
        PeriodicContext {
            now: SimTime::from_ms(now),
            min_interval,
            level,
            other_due_in: None,
            schedule: Some(WakeSchedule::new(
                SimTime::from_ms(HOUR),
                &Params::default(),
            )),
            first_run: false,
        }
    }

    #[test]
    fn tiers_are_multiples_of_the_twelve_hour_wake_period() {
        // Anchor 1 h, x = 24 h / 2 = 12 h: wake-ups at 13 h, 25 h, 37 h, 49 h, …
        // At now = 2 h with min_interval 1 h: HIGH → 1st = 13 h, MEDIUM → 25 h, LOW → 37 h,
        // MINIMAL → 49 h; NONE → suspended.
        let p = Params::default();
        let at = |l| delay_until(&p, &ctx(2 * HOUR, HOUR, l)).ms();
        assert_eq!(at(EngagementLevel::High), 13 * HOUR);
        assert_eq!(at(EngagementLevel::Medium), 25 * HOUR);
        assert_eq!(at(EngagementLevel::Low), 37 * HOUR);
        assert_eq!(at(EngagementLevel::Minimal), 49 * HOUR);
        // MAX: now + 6 min, but 2 h + 1 h > that, so the first wake-up at or after 3 h: 13 h.
        assert_eq!(at(EngagementLevel::Max), 13 * HOUR);
        // With min_interval 0 the recovery time itself is used: 2 h + 6 min.
        let max0 = delay_until(&p, &ctx(2 * HOUR, 0, EngagementLevel::Max)).ms();
        assert_eq!(max0, 2 * HOUR + 6 * 60_000);
        assert!(delay_until(&p, &ctx(2 * HOUR, HOUR, EngagementLevel::None)).is_never());
    }

    #[test]
    fn long_min_interval_snaps_to_the_first_wakeup_after_it() {
        // HIGH at now = 2 h, min_interval 30 h: 2 + 30 = 32 h > 13 h → first wake-up ≥ 32 h = 37 h.
        let p = Params::default();
        assert_eq!(
            delay_until(&p, &ctx(2 * HOUR, 30 * HOUR, EngagementLevel::High)).ms(),
            37 * HOUR
        );
        // Exactly on the grid: 2 + 23 = 25 h → 25 h.
        assert_eq!(
            delay_until(&p, &ctx(2 * HOUR, 23 * HOUR, EngagementLevel::High)).ms(),
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
