//! The `firefox` preset: Firefox's one-shot Background Sync as its landing notes describe it
//! (DESIGN §3.3, seeds/firefox-background-sync-landing-notes.txt).
//!
//! Attempts are counted as *online attempts*, incremented (and persisted) at dispatch, and
//! *doomed attempts*: when the network vanishes during the event, online −1 and doomed +1.
//! The registration gives up after `max_sync_attempts` online attempts; retry delays use
//! Chromium's formula with n = online attempts, and a doomed attempt with n = 0 waits for no
//! delay at all: it fires again when the network returns.

use super::{
    Completion, Context, DevicePolicy, Policy, PolicyRecord, PolicyTotals, Ready, RejectReason,
    Reregister, WakeupRule,
};
use crate::engine::time::{SimDuration, SimTime};
use crate::model::backoff::retry_delay;
use crate::model::params::{Params, choice_param};
use crate::model::registration::{FinalState, Outcome, RegState, Registration, SyncKind};

/// The parameters the `firefox` preset reads (besides the device-level ones).
pub const PARAMS: &[&str] = &[
    "max_sync_attempts",
    "initial_retry_delay",
    "retry_delay_factor",
    "max_sync_event_duration",
    "firing_state",
];

choice_param! {
    /// Where Firefox keeps a registration's firing state (landing notes, part 10).
    pub enum FiringState {
        /// The shipped fix: the firing state lives only in memory.
        InMemory = "in_memory",
        /// The original bug: firing written to disk before dispatch, stuck forever after a crash.
        Persisted = "persisted",
    }
}

/// The `firefox` preset with its parameters.
#[derive(Clone, Debug)]
pub struct Firefox {
    params: Params,
}

impl Firefox {
    pub fn new(params: Params) -> Self {
        Firefox { params }
    }
}

impl Policy for Firefox {
    fn name(&self) -> &str {
        "firefox"
    }

    fn reads(&self, param: &str) -> bool {
        PARAMS.contains(&param)
    }

    /// Firefox wakes nothing: no browser wake-up limit to check.
    fn wakeup_rule(&self) -> WakeupRule {
        WakeupRule::None
    }

    fn device(&self) -> Box<dyn DevicePolicy + '_> {
        Box::new(FirefoxDevice {
            params: &self.params,
            regs: Vec::new(),
        })
    }
}

/// Firefox's own persisted fields of one registration.
#[derive(Clone, Copy, Debug, Default)]
struct Counters {
    /// Attempts whose network vanished during the event.
    doomed_attempts: u32,
    /// When the last attempt was dispatched.
    last_attempt: Option<SimTime>,
}

impl Counters {
    fn record(self) -> PolicyRecord {
        let last = self.last_attempt.map_or(u64::MAX, |t| t.ms());
        PolicyRecord([self.doomed_attempts as u64, last])
    }

    fn restore(record: PolicyRecord) -> Self {
        let [doomed, last] = record.0;
        Counters {
            doomed_attempts: doomed as u32,
            last_attempt: (last != u64::MAX).then(|| SimTime::from_ms(last)),
        }
    }
}

/// One device's Firefox: the counters of every registration object, by id.
struct FirefoxDevice<'a> {
    params: &'a Params,
    regs: Vec<Counters>,
}

impl FirefoxDevice<'_> {
    fn counters(&mut self, id: u32) -> &mut Counters {
        let i = id as usize;
        if self.regs.len() <= i {
            self.regs.resize(i + 1, Counters::default());
        }
        &mut self.regs[i]
    }
}

impl DevicePolicy for FirefoxDevice<'_> {
    fn uses_after_event(&self) -> bool {
        false
    }

    /// No notification-permission bonus.
    fn max_attempts(&self, _kind: SyncKind, _notification_permission: bool) -> u32 {
        self.params.max_sync_attempts
    }

    /// Firefox implements no periodic sync.
    fn admit(&self, kind: SyncKind, _installed: bool) -> Option<RejectReason> {
        (kind == SyncKind::Periodic).then_some(RejectReason::Unsupported)
    }

    /// A re-register while firing is not remembered (deferred to bug 1260141); with the
    /// persisted firing state, the stuck row's primary key collides.
    fn reregister(&mut self, existing: &mut Registration) -> Reregister {
        let stuck = existing.state != RegState::Pending && existing.running == 0;
        if self.persists_firing() && stuck {
            Reregister::KeyCollision
        } else {
            Reregister::Kept
        }
    }

    fn initial_delay_until(&mut self, _reg: &Registration, ctx: &Context) -> SimTime {
        ctx.now
    }

    fn periodic_delay_until(&mut self, _reg: &Registration, _ctx: &Context) -> SimTime {
        SimTime::NEVER // never asked: periodic registrations are refused
    }

    /// An online attempt persisted for a dispatch a crash interrupted: with no online attempt
    /// left, the registration gives up instead of dispatching again.
    fn ready(&self, reg: &Registration) -> Ready {
        if reg.num_attempts >= reg.max_attempts {
            Ready::GiveUp
        } else {
            Ready::Dispatch
        }
    }

    /// Counts an online attempt at dispatch and persists it (and, if so configured, firing).
    fn on_dispatch(&mut self, id: u32, reg: &mut Registration, now: SimTime) -> bool {
        reg.num_attempts += 1;
        self.counters(id).last_attempt = Some(now);
        true
    }

    fn max_event_duration(&self) -> SimDuration {
        self.params.max_sync_event_duration
    }

    fn complete(
        &mut self,
        id: u32,
        reg: &mut Registration,
        outcome: Outcome,
        ctx: &Context,
    ) -> Completion {
        let ending = match outcome {
            Outcome::Success => Ending::Success,
            Outcome::NetworkLost => Ending::Doomed,
            _ => Ending::Failed,
        };
        let params = self.params;
        complete(params, reg, self.counters(id), ending, ctx.now)
    }

    fn persists_firing(&self) -> bool {
        self.params.firing_state == FiringState::Persisted
    }

    fn record(&self, id: u32) -> PolicyRecord {
        self.regs
            .get(id as usize)
            .copied()
            .unwrap_or_default()
            .record()
    }

    fn restore(&mut self, id: u32, record: PolicyRecord) {
        *self.counters(id) = Counters::restore(record);
    }

    fn totals(&self) -> PolicyTotals {
        PolicyTotals {
            doomed_attempts: self.regs.iter().map(|c| c.doomed_attempts as u64).sum(),
        }
    }
}

/// How a Firefox attempt ended, as far as its counters care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ending {
    Success,
    /// Failure or timeout while the network stayed up.
    Failed,
    /// The network vanished during the event.
    Doomed,
}

/// Applies a completed attempt to an active registration.
fn complete(
    params: &Params,
    reg: &mut Registration,
    counters: &mut Counters,
    ending: Ending,
    now: SimTime,
) -> Completion {
    debug_assert!(reg.is_active() && reg.state != RegState::Pending);
    match ending {
        Ending::Success => {
            reg.removed = Some(FinalState::Succeeded);
            reg.completed = Some(now);
            Completion::Removed(FinalState::Succeeded)
        }
        Ending::Doomed => {
            reg.num_attempts = reg.num_attempts.saturating_sub(1);
            counters.doomed_attempts += 1;
            reg.state = RegState::Pending;
            reg.delay_until = if reg.num_attempts == 0 {
                now
            } else {
                now.after(retry_delay(params, reg.num_attempts))
            };
            Completion::Rescheduled
        }
        Ending::Failed if reg.num_attempts >= reg.max_attempts => {
            reg.removed = Some(FinalState::GaveUp);
            reg.completed = Some(now);
            Completion::Removed(FinalState::GaveUp)
        }
        Ending::Failed => {
            reg.state = RegState::Pending;
            reg.delay_until = now.after(retry_delay(params, reg.num_attempts));
            Completion::Rescheduled
        }
    }
}
