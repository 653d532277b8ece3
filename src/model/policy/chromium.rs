//! The `chromium` preset (DESIGN §3.1): Chromium's BackgroundSyncManager as shipped, and the
//! registration state machine the other browser presets share.
//!
//! Sources: content/browser/background_sync/background_sync_manager.cc (RegisterDidStore,
//! EventCompleteImpl, GetSoonestWakeupDelta, MaybeApplyBrowserWakeupCountLimit),
//! components/background_sync/background_sync_controller_impl.cc (GetNextEventDelay) and
//! content/public/browser/background_sync_parameters.cc (the defaults of `PARAMS`).

use std::hint::select_unpredictable;

use super::{
    Completion, Context, DevicePolicy, Policy, RejectReason, Reregister, WakeCause, WakeWindow,
    WakeupRule,
};
use crate::engine::time::{SimDuration, SimTime};
use crate::model::backoff::retry_delay;
use crate::model::params::{Params, choice_param};
use crate::model::periodic::periodic_delay;
use crate::model::registration::{
    FinalState, Outcome, PendingSummary, RegState, Registration, SyncKind,
};

/// The parameters only the `chromium` preset reads (besides `SYNC_PARAMS` and the device-level
/// ones).
pub const PARAMS: &[&str] = &[
    "min_periodic_sync_events_interval",
    "periodic_wakeup_min_spacing",
];

/// Chromium's one-shot machinery and wake-up scheduler, read by `chromium` and `design-2019`.
pub const SYNC_PARAMS: &[&str] = &[
    "max_sync_attempts",
    "max_sync_attempts_with_notification_permission",
    "initial_retry_delay",
    "retry_delay_factor",
    "min_sync_recovery_time",
    "max_sync_event_duration",
    "wakeup_reschedule",
];

choice_param! {
    /// How Chrome hands its wake-up windows to Android's task scheduler (`BackgroundSyncScheduler`).
    pub enum WakeupReschedule {
        /// Trunk `BackgroundSyncScheduler::ScheduleOrCancelBrowserWakeupForSyncType`: the OS task is
        /// moved only to a time earlier than the one last scheduled (`scheduled_wakeup_time_`),
        /// which the process forgets when it dies or when its in-process timer fires.
        EarlierOnly = "earlier_only",
        /// The older scheduler: every new window replaces the OS task.
        Always = "always",
    }
}

/// The `chromium` preset with its parameters.
#[derive(Clone, Debug)]
pub struct Chromium {
    params: Params,
}

impl Chromium {
    pub fn new(params: Params) -> Self {
        Chromium { params }
    }
}

impl Policy for Chromium {
    fn name(&self) -> &str {
        "chromium"
    }

    fn reads(&self, param: &str) -> bool {
        SYNC_PARAMS.contains(&param) || PARAMS.contains(&param)
    }

    fn wakeup_rule(&self) -> WakeupRule {
        WakeupRule::Spacing(self.params.periodic_wakeup_min_spacing.ms())
    }

    fn device(&self) -> Box<dyn DevicePolicy + '_> {
        Box::new(ChromiumDevice {
            params: &self.params,
            last_periodic_wakeup: None,
        })
    }
}

/// One device's Chromium: the time of the last periodic browser wake-up (for the spacing).
struct ChromiumDevice<'a> {
    params: &'a Params,
    last_periodic_wakeup: Option<SimTime>,
}

impl DevicePolicy for ChromiumDevice<'_> {
    fn uses_after_event(&self) -> bool {
        false
    }

    fn max_attempts(&self, _kind: SyncKind, notification_permission: bool) -> u32 {
        max_attempts(self.params, notification_permission)
    }

    fn admit(&self, kind: SyncKind, installed: bool) -> Option<RejectReason> {
        admit(kind, installed)
    }

    fn initial_delay_until(&mut self, reg: &Registration, ctx: &Context) -> SimTime {
        match reg.kind {
            SyncKind::OneShot => ctx.now,
            SyncKind::Periodic => periodic_delay_until(self.params, reg, ctx),
        }
    }

    fn periodic_delay_until(&mut self, reg: &Registration, ctx: &Context) -> SimTime {
        periodic_delay_until(self.params, reg, ctx)
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
        let params = self.params;
        complete(params, reg, outcome == Outcome::Success, ctx.now, |r| {
            periodic_delay_until(params, r, ctx)
        })
    }

    /// Stable unless the delta is measured from `now` (the recovery time of a firing event, the
    /// unresolved one-shots' minimum, a registration already due) or the wake-up spacing moved
    /// it. A spacing that does not bind now never binds later: it binds while
    /// `now < last + spacing` and `last + spacing > delay_until`, and `now` only grows.
    fn wake_window(&self, kind: SyncKind, now: SimTime, active: &PendingSummary) -> WakeWindow {
        let soonest = soonest_wakeup(self.params, kind, active);
        let mut delta = soonest.delta;
        if kind == SyncKind::Periodic && !soonest.need_retries {
            delta =
                delta.map(|d| apply_wakeup_spacing(self.params, d, now, self.last_periodic_wakeup));
        }
        WakeWindow {
            window: delta.map(|d| (now.after(SimDuration::from_ms(d)), soonest.cause)),
            stable: !soonest.from_now & (delta == soonest.delta),
        }
    }

    fn on_wakeup_task(&mut self, kind: SyncKind, now: SimTime) {
        if kind == SyncKind::Periodic {
            self.last_periodic_wakeup = Some(now);
        }
    }

    fn wakeup_reschedule(&self) -> WakeupReschedule {
        self.params.wakeup_reschedule
    }
}

/// `max_attempts` of a new registration: with notification permission Chromium may allow more.
pub fn max_attempts(params: &Params, notification_permission: bool) -> u32 {
    if notification_permission {
        params.max_sync_attempts_with_notification_permission
    } else {
        params.max_sync_attempts
    }
}

/// Periodic sync needs an installed web app (SEMANTICS S12).
pub fn admit(kind: SyncKind, installed: bool) -> Option<RejectReason> {
    (kind == SyncKind::Periodic && !installed).then_some(RejectReason::NotInstalled)
}

/// RegisterImpl on an existing registration with the same options: a firing one is marked
/// REREGISTERED_WHILE_FIRING, so it fires again when the running event completes.
pub fn reregister(existing: &mut Registration) -> Reregister {
    if existing.state == RegState::Firing {
        existing.state = RegState::ReregisteredWhileFiring;
    }
    Reregister::Kept
}

/// `now + GetNextEventDelay` for a periodic registration with `num_attempts == 0`.
pub fn periodic_delay_until(params: &Params, reg: &Registration, ctx: &Context) -> SimTime {
    match periodic_delay(
        reg.min_interval,
        ctx.level,
        ctx.other_due_in,
        params.min_periodic_sync_events_interval.ms(),
    ) {
        Some(delay) => ctx.now.after(SimDuration::from_ms(delay)),
        None => SimTime::NEVER,
    }
}

/// EventCompleteImpl: applies a counted completion to an active registration (S5).
/// `periodic_delay_until` is asked only when a periodic registration needs its engagement path.
pub fn complete(
    params: &Params,
    reg: &mut Registration,
    success: bool,
    now: SimTime,
    periodic_delay_until: impl FnOnce(&Registration) -> SimTime,
) -> Completion {
    debug_assert!(reg.is_active() && reg.state != RegState::Pending);
    let mut n = reg.num_attempts + 1;
    let periodic = reg.kind == SyncKind::Periodic;
    if periodic & (success | (n == reg.max_attempts)) {
        n = 0;
    }
    if reg.state == RegState::ReregisteredWhileFiring {
        reg.state = RegState::Pending;
        reg.num_attempts = 0;
        return Completion::FireAgain;
    }
    if periodic || (!success && n < reg.max_attempts) {
        reg.state = RegState::Pending;
        reg.num_attempts = n;
        reg.delay_until = if n > 0 {
            now.after(retry_delay(params, n))
        } else if periodic {
            periodic_delay_until(reg)
        } else {
            now
        };
        return Completion::Rescheduled;
    }
    let state = if success {
        FinalState::Succeeded
    } else {
        FinalState::GaveUp
    };
    reg.removed = Some(state);
    reg.completed = Some(now);
    Completion::Removed(state)
}

/// What GetSoonestWakeupDelta found among the active registrations of one sync type.
pub struct Soonest {
    /// The wake-up delta in ms, `None` for no wake-up.
    pub delta: Option<u64>,
    pub cause: WakeCause,
    /// A registration has retries pending (the periodic wake-up limit is waived then).
    pub need_retries: bool,
    /// The delta is, or may later be, counted from `now` rather than from a registration's
    /// `delay_until` (the recovery time, the unresolved one-shots' minimum, a registration
    /// already due): the window moves with the clock.
    pub from_now: bool,
}

/// GetSoonestWakeupDelta (background_sync_manager.cc): the soonest pending `delay_until`, or
/// `min_sync_recovery_time` while an event is firing (in case the browser dies mid-event).
/// Wake-ups for periodic sync while retries are pending count as retries, so `periodic`
/// wake-ups are those the periodic limit applies to.
pub fn soonest_wakeup(params: &Params, kind: SyncKind, active: &PendingSummary) -> Soonest {
    let PendingSummary {
        soonest,
        need_retries,
        firing,
        all_unresolved,
    } = *active;
    let base = match kind {
        SyncKind::OneShot => WakeCause::OneShot,
        SyncKind::Periodic => WakeCause::Periodic,
    };
    let (mut delta, mut cause) = match soonest {
        Some((d, true)) => (Some(d), WakeCause::Retry),
        Some((d, false)) => (Some(d), base),
        None => (None, base),
    };
    let recovery = params.min_sync_recovery_time.ms();
    // Selects, not branches: whether an event is firing varies from one call to the next.
    let recover = firing & (delta.unwrap_or(u64::MAX) > recovery);
    delta = select_unpredictable(recover, Some(recovery), delta);
    cause = select_unpredictable(recover, WakeCause::Recovery, cause);
    let mut from_now = recover | (delta == Some(0));
    // "If we're still waiting for registrations to be resolved, don't schedule a wake up task
    // eagerly" (one-shot: at least the recovery time while every registration is unresolved).
    // (While every one is unresolved the window moves with the clock once its delta falls
    // below the recovery time: it is never stable.)
    if kind == SyncKind::OneShot && all_unresolved && delta.is_some() {
        from_now = true;
        if delta.is_some_and(|d| d < recovery) {
            delta = Some(recovery);
        }
    }
    if kind == SyncKind::Periodic && need_retries && cause == WakeCause::Periodic {
        cause = WakeCause::Retry;
    }
    Soonest {
        delta,
        cause,
        need_retries: kind == SyncKind::Periodic && need_retries,
        from_now,
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
    use crate::engine::time::{HOUR, MINUTE};

    fn reg(kind: SyncKind, state: RegState, delay_until: u64, resolved: bool) -> Registration {
        Registration {
            state,
            max_attempts: 3,
            delay_until: SimTime::from_ms(delay_until),
            resolved,
            ..Registration::new(0, "t".into(), kind, SimTime::ZERO)
        }
    }

    /// `wake_window` of `regs` at `now` (ms), with the last periodic wake-up `last`.
    fn window(
        p: &Params,
        kind: SyncKind,
        regs: &[Registration],
        now: u64,
        last: Option<u64>,
    ) -> (Option<u64>, bool) {
        let device = ChromiumDevice {
            params: p,
            last_periodic_wakeup: last.map(SimTime::from_ms),
        };
        let now = SimTime::from_ms(now);
        let w = device.wake_window(kind, now, &PendingSummary::scan(now, regs));
        (w.window.map(|(at, _)| at.ms()), w.stable)
    }

    // DESIGN §5: a window the device may keep without recomputing it.

    #[test]
    fn a_window_from_a_delay_is_stable_until_it_opens() {
        // A resolved one-shot due at 10 min: at t = 0 the window is its delay_until, 10 min,
        // the same at any t < 10 min (stable); at 10 min it is due now (delta 0): the window is
        // `now`, which moves with the clock.
        let p = Params::default();
        let regs = [reg(SyncKind::OneShot, RegState::Pending, 10 * MINUTE, true)];
        assert_eq!(
            window(&p, SyncKind::OneShot, &regs, 0, None),
            (Some(10 * MINUTE), true)
        );
        assert_eq!(
            window(&p, SyncKind::OneShot, &regs, 10 * MINUTE, None),
            (Some(10 * MINUTE), false)
        );
        // No registration: no window, and that holds until one changes.
        assert_eq!(window(&p, SyncKind::OneShot, &[], 0, None), (None, true));
    }

    #[test]
    fn a_firing_event_moves_the_window_with_the_clock() {
        // Firing beside a periodic due in 1 h: the 6-minute recovery time wins, counted from
        // now (t = 0 → 6 min): not stable. Due in 2 min instead (< 6 min): the delay wins and
        // stays ahead of the recovery time as the clock runs: stable at 2 min.
        let p = Params::default();
        let firing = reg(SyncKind::Periodic, RegState::Firing, 0, true);
        let late = reg(SyncKind::Periodic, RegState::Pending, HOUR, true);
        let soon = reg(SyncKind::Periodic, RegState::Pending, 2 * MINUTE, true);
        assert_eq!(
            window(&p, SyncKind::Periodic, &[firing.clone(), late], 0, None),
            (Some(6 * MINUTE), false)
        );
        assert_eq!(
            window(&p, SyncKind::Periodic, &[firing, soon], 0, None),
            (Some(2 * MINUTE), true)
        );
    }

    #[test]
    fn unresolved_one_shots_give_no_stable_window() {
        // Every one-shot unresolved, due at 10 min: at t = 0 the window is 10 min (≥ the 6-min
        // minimum) but not stable: at t = 5 min the delta (5 min) is raised to 6 min, 11 min.
        let p = Params::default();
        let regs = [reg(
            SyncKind::OneShot,
            RegState::Pending,
            10 * MINUTE,
            false,
        )];
        assert_eq!(
            window(&p, SyncKind::OneShot, &regs, 0, None),
            (Some(10 * MINUTE), false)
        );
        assert_eq!(
            window(&p, SyncKind::OneShot, &regs, 5 * MINUTE, None),
            (Some(11 * MINUTE), false)
        );
    }

    #[test]
    fn a_binding_wakeup_spacing_is_not_stable() {
        // Spacing 12 h, periodic due at 14 h, now 13 h. Last wake-up at 10 h: 3 h since, so the
        // window is 13 h + max(1 h, 12 h − 3 h) = 22 h, moved by the spacing: not stable. Last
        // wake-up at 0 h: 13 h since ≥ 12 h, the spacing does not bind (and never will), the
        // window is the delay, 14 h: stable.
        let p = Params {
            periodic_wakeup_min_spacing: SimDuration::from_ms(12 * HOUR),
            ..Params::default()
        };
        let regs = [reg(SyncKind::Periodic, RegState::Pending, 14 * HOUR, true)];
        assert_eq!(
            window(&p, SyncKind::Periodic, &regs, 13 * HOUR, Some(10 * HOUR)),
            (Some(22 * HOUR), false)
        );
        assert_eq!(
            window(&p, SyncKind::Periodic, &regs, 13 * HOUR, Some(0)),
            (Some(14 * HOUR), true)
        );
    }

    #[test]
    fn soonest_wakeup_delta_applies_browser_wakeup_limit() {
        // background_sync_manager_unittest.cc SoonestWakeupDeltaAppliesBrowserWakeupLimit:
        // registration due in 13 h at t = 0 → 13 h; at t = 13 h with the last wake-up at 10 h,
        // a delta of 0 becomes 12 h − 3 h = 9 h; with no last wake-up it stays 0.
        // The spacing of the code as designed (production passes no last wake-up: 0 here).
        let p = Params {
            periodic_wakeup_min_spacing: crate::engine::time::SimDuration::from_ms(12 * HOUR),
            ..Params::default()
        };
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
