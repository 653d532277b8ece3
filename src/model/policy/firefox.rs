//! The `firefox` preset: Firefox's one-shot Background Sync as its landing notes describe it
//! (DESIGN §3.3, seeds/firefox-background-sync-landing-notes.txt).
//!
//! Attempts are counted as *online attempts*, incremented (and persisted) at dispatch, and
//! *doomed attempts*: when the network vanishes during the event, online −1 and doomed +1.
//! The registration gives up after `max_sync_attempts` online attempts; retry delays use
//! Chromium's formula with n = online attempts, and a doomed attempt with n = 0 waits for no
//! delay at all: it fires again when the network returns.

use super::Completion;
use crate::engine::time::SimTime;
use crate::model::backoff::retry_delay;
use crate::model::params::Params;
use crate::model::registration::{FinalState, RegState, Registration};

/// How a Firefox attempt ended, as far as its counters care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    Success,
    /// Failure or timeout while the network stayed up.
    Failed,
    /// The network vanished during the event.
    Doomed,
}

/// Counts an online attempt at dispatch (persisted by the caller).
pub fn on_dispatch(reg: &mut Registration, now: SimTime) {
    reg.num_attempts += 1;
    reg.last_attempt = Some(now);
}

/// Applies a completed attempt to an active registration.
pub fn complete(
    params: &Params,
    reg: &mut Registration,
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
            reg.doomed_attempts += 1;
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
