//! The `chromium` preset's own rules (DESIGN §3.1): the engagement path of periodic delays and
//! the soonest-wake-up delta handed to Android's task scheduler.
//!
//! Sources: components/background_sync/background_sync_controller_impl.cc (GetNextEventDelay)
//! and content/browser/background_sync/background_sync_manager.cc (GetSoonestWakeupDelta,
//! MaybeApplyBrowserWakeupCountLimit).

use super::PeriodicContext;
use crate::engine::time::{SimDuration, SimTime};
use crate::model::params::Params;
use crate::model::periodic::periodic_delay;

/// `now + GetNextEventDelay` for a periodic registration with `num_attempts == 0`.
pub fn periodic_delay_until(params: &Params, ctx: &PeriodicContext) -> SimTime {
    match periodic_delay(
        ctx.min_interval,
        ctx.level,
        ctx.other_due_in,
        params.min_periodic_sync_events_interval.ms(),
    ) {
        Some(delay) => ctx.now.after(SimDuration::from_ms(delay)),
        None => SimTime::NEVER,
    }
}

/// MaybeApplyBrowserWakeupCountLimit: a periodic wake-up (with no retries pending) comes no
/// sooner than `periodic_wakeup_min_spacing` after the previous periodic browser wake-up.
pub fn apply_wakeup_spacing(
    params: &Params,
    delta: u64,
    now: SimTime,
    last_wakeup: Option<SimTime>,
) -> u64 {
    let Some(last) = last_wakeup else {
        return delta;
    };
    let since = now.since(last).ms();
    let spacing = params.periodic_wakeup_min_spacing.ms();
    if since >= spacing {
        return delta;
    }
    delta.max(spacing - since)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::HOUR;

    #[test]
    fn soonest_wakeup_delta_applies_browser_wakeup_limit() {
        // background_sync_manager_unittest.cc SoonestWakeupDeltaAppliesBrowserWakeupLimit:
        // registration due in 13 h at t = 0 → 13 h; at t = 13 h with the last wake-up at 10 h,
        // a delta of 0 becomes 12 h − 3 h = 9 h; with no last wake-up it stays 0.
        let p = Params::default();
        assert_eq!(
            apply_wakeup_spacing(&p, 13 * HOUR, SimTime::from_ms(0), None),
            13 * HOUR
        );
        assert_eq!(
            apply_wakeup_spacing(
                &p,
                0,
                SimTime::from_ms(13 * HOUR),
                Some(SimTime::from_ms(10 * HOUR))
            ),
            9 * HOUR
        );
        assert_eq!(
            apply_wakeup_spacing(&p, 0, SimTime::from_ms(13 * HOUR), None),
            0
        );
        // 12 h or more since the last wake-up: no limit.
        assert_eq!(
            apply_wakeup_spacing(
                &p,
                0,
                SimTime::from_ms(22 * HOUR),
                Some(SimTime::from_ms(10 * HOUR))
            ),
            0
        );
    }
}
