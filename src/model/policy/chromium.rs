//! The `chromium` preset: Chromium's BackgroundSyncManager + controller (DESIGN §3.1, SEMANTICS).
//!
//! Sources: content/browser/background_sync/background_sync_manager.cc (EventCompleteImpl,
//! RegisterDidAskForPermission), components/background_sync/background_sync_controller_impl.cc
//! (GetNextEventDelay) and content/public/browser/background_sync_parameters.cc.

use crate::engine::time::SimTime;
use crate::model::backoff::retry_delay;
use crate::model::engagement::EngagementLevel;
use crate::model::params::Params;
use crate::model::periodic::periodic_delay;
use crate::model::registration::{FinalState, RegState, Registration, SyncKind};

/// What a completed event did to its (still active) registration (SEMANTICS S5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Completion {
    /// Branch 1: it was re-registered while firing; pending again at once.
    FireAgain,
    /// Branch 2: pending until the new `delay_until`.
    Rescheduled,
    /// Branch 3: removed as succeeded or gave up.
    Removed(FinalState),
}

/// Chromium's scheduling decisions, parameterised Finch-style.
#[derive(Clone, Debug)]
pub struct Chromium {
    pub params: Params,
}

impl Chromium {
    pub fn new(params: Params) -> Self {
        Chromium { params }
    }

    /// `max_attempts` fixed at registration (SEMANTICS S8).
    pub fn max_attempts(&self, notification_permission: bool) -> u32 {
        if notification_permission {
            self.params.max_sync_attempts_with_notification_permission
        } else {
            self.params.max_sync_attempts
        }
    }

    /// `delay_until` of a periodic registration with no pending retries (S9): `NEVER` when the
    /// origin's engagement suspends it. `other_due_in` is T of ApplyMinGapForOrigin.
    pub fn periodic_delay_until(
        &self,
        now: SimTime,
        min_interval: u64,
        level: EngagementLevel,
        other_due_in: Option<u64>,
    ) -> SimTime {
        match periodic_delay(
            min_interval,
            level,
            other_due_in,
            self.params.min_periodic_sync_events_interval,
        ) {
            Some(delay) => now.after(delay),
            None => SimTime::NEVER,
        }
    }

    /// Applies a counted completion to an active registration (S5). `periodic_delay_until` is
    /// asked only when a periodic registration needs its engagement path.
    pub fn complete(
        &self,
        reg: &mut Registration,
        success: bool,
        now: SimTime,
        periodic_delay_until: impl FnOnce(&Registration) -> SimTime,
    ) -> Completion {
        debug_assert!(reg.is_active() && reg.state != RegState::Pending);
        let mut n = reg.num_attempts + 1;
        let periodic = reg.kind == SyncKind::Periodic;
        if periodic && (success || n == reg.max_attempts) {
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
                now.after(retry_delay(&self.params, n))
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
}
