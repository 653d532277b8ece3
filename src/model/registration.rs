//! A sync registration and its state machine (DESIGN §3.1 States, SEMANTICS S4–S8).
//!
//! ```text
//!            dispatch                 completion (S5)
//!  pending ───────────▶ firing ─────────────────────────▶ pending (retry / next period)
//!     ▲                   │  re-register (same options)      or removed (succeeded / gave_up)
//!     │                   ▼
//!     └──── completion ── reregistered_while_firing   (num_attempts = 0, delay_until kept)
//!  crash mid-event: firing / reregistered_while_firing ──▶ pending, attempt not counted
//! ```
//! The firing states live only in memory: nothing here is ever persisted as "firing" (chromium).

use crate::engine::time::SimTime;

/// A registration's tag. Tags up to 23 bytes (`send-42`) are stored inline and longer ones
/// shared, so creating and cloning one (the registration, its active-set entry, its store key)
/// allocates at most once: an arrival-heavy fleet registers millions.
pub type Tag = smol_str::SmolStr;

/// One-shot or periodic (fetch arrives with Background Fetch).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[non_exhaustive]
pub enum SyncKind {
    OneShot,
    Periodic,
}

impl SyncKind {
    /// Both kinds, in dispatch order (one-shots first, SEMANTICS S3).
    pub const ALL: [SyncKind; 2] = [SyncKind::OneShot, SyncKind::Periodic];

    pub fn name(self) -> &'static str {
        match self {
            SyncKind::OneShot => "one_shot",
            SyncKind::Periodic => "periodic",
        }
    }
}

/// The in-memory state of an active registration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum RegState {
    Pending,
    Firing,
    ReregisteredWhileFiring,
}

/// How a registration object ended up, as written to `registrations.csv`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[non_exhaustive]
pub enum FinalState {
    Succeeded,
    GaveUp,
    Unregistered,
    PendingAtEnd,
    Suspended,
    Stuck,
    Rejected,
    /// Its registration write was lost to a crash before it committed (storage latency).
    Lost,
}

impl FinalState {
    pub fn name(self) -> &'static str {
        match self {
            FinalState::Succeeded => "succeeded",
            FinalState::GaveUp => "gave_up",
            FinalState::Unregistered => "unregistered",
            FinalState::PendingAtEnd => "pending_at_end",
            FinalState::Suspended => "suspended",
            FinalState::Stuck => "stuck",
            FinalState::Rejected => "rejected",
            FinalState::Lost => "lost",
        }
    }
}

/// One registration object: created by a register call, alive until removed (S8). A later
/// registration of the same tag is a new object with its own row, counters and outcome script.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Registration {
    /// Origin index on the device.
    pub origin: u32,
    /// Index of the scenario registration entry that created it (handler and tag source).
    pub spec: u32,
    /// The registration's tag (arrival templates already expanded).
    pub tag: Tag,
    pub kind: SyncKind,
    /// Periodic only: the requested minimum interval.
    pub min_interval: u64,
    pub state: RegState,
    /// `None` while active; how it was removed otherwise.
    pub removed: Option<FinalState>,
    /// Counted (completed) attempts since the last reset, as Chromium's `num_attempts`.
    pub num_attempts: u32,
    /// Fixed at registration from notification permission.
    pub max_attempts: u32,
    /// Not ready before this instant; `SimTime::NEVER` = suspended.
    pub delay_until: SimTime,
    pub registered: SimTime,
    pub first_fire: Option<SimTime>,
    pub completed: Option<SimTime>,
    /// Dispatches that ended with success/failure/timeout/network_lost (S11 `attempts`).
    pub counted_attempts: u32,
    /// Dispatches so far: the ordinal of the next dispatch's random block.
    pub dispatches: u32,
    /// Position in the handler's outcome script.
    pub script_pos: u32,
    /// Key of this registration's outcome stream (which register call created it).
    pub stream_b: u64,
    /// Dispatches of this object currently running (at most one: invariant §7).
    pub running: u32,
    /// Periodic: start of the last dispatch that began a new period (for interval metrics).
    pub last_period_start: Option<SimTime>,
    /// Periodic: the origin's engagement level when the current period's `delay_until` was
    /// computed (the level that set the interval `tiers.csv` reports).
    pub scheduled_level: Option<crate::model::engagement::EngagementLevel>,
    /// The last dispatch was interrupted, so the next one is its redo (not a new period).
    pub redo: bool,
    /// Its registration write has committed (RegisterDidStore): a one-shot is never dispatched
    /// before (with `storage_write_latency` 0 that is the register call's own instant).
    pub resolved: bool,
}

/// What Chromium's GetSoonestWakeupDelta reads from one sync type's active registrations, the
/// input of a policy's wake-up window. The device keeps it up to date as registrations change
/// (`device::pending`: O(log n) per change, where a scan of every registration after each
/// change made a device with 20,000 periodic registrations take 88 s);
/// [`PendingSummary::scan`] is the definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PendingSummary {
    /// The soonest pending `delay_until` (not never) as a delta from now in ms (0 when due),
    /// and whether the first registration with that delta, in dispatch order, has attempts
    /// behind it (a retry).
    pub soonest: Option<(u64, bool)>,
    /// Some registration has a retry pending (`0 < num_attempts < max_attempts`).
    pub need_retries: bool,
    /// Some registration is firing (or was re-registered while firing).
    pub firing: bool,
    /// No registration is resolved (true when there are none).
    pub all_unresolved: bool,
}

impl PendingSummary {
    /// The summary of `active` (one sync type's active registrations, in dispatch order) at
    /// `now`.
    pub fn scan<'a>(now: SimTime, active: impl IntoIterator<Item = &'a Registration>) -> Self {
        let mut summary = PendingSummary {
            soonest: None,
            need_retries: false,
            firing: false,
            all_unresolved: true,
        };
        // The soonest delta so far (`u64::MAX` with `found` false: none yet).
        let (mut found, mut best, mut retry) = (false, u64::MAX, false);
        for r in active {
            // Flags combined without branching on each registration's state (`is_firing`,
            // `pending_delay`): this scan runs after most events, and the states vary.
            let pending = r.state == RegState::Pending;
            summary.all_unresolved &= !r.resolved;
            summary.need_retries |= r.retry_pending();
            summary.firing |= !pending;
            let waits = pending & !r.delay_until.is_never();
            let delta = r.delay_until.ms().saturating_sub(now.ms());
            // The first in dispatch order with the least delta.
            if waits & (!found | (delta < best)) {
                (found, best, retry) = (true, delta, r.num_attempts > 0);
            }
        }
        summary.soonest = found.then_some((best, retry));
        summary
    }
}

impl Registration {
    /// A registration object just created at `now`: pending, due at once, no attempts, its
    /// write committed. The caller sets what the scenario and the policy decide (`spec`,
    /// `min_interval`, `max_attempts`, `stream_b`, a later `delay_until`).
    pub fn new(origin: u32, tag: Tag, kind: SyncKind, now: SimTime) -> Registration {
        Registration {
            origin,
            spec: 0,
            tag,
            kind,
            min_interval: 0,
            state: RegState::Pending,
            removed: None,
            num_attempts: 0,
            max_attempts: 0,
            delay_until: now,
            registered: now,
            first_fire: None,
            completed: None,
            counted_attempts: 0,
            dispatches: 0,
            script_pos: 0,
            stream_b: 0,
            running: 0,
            last_period_start: None,
            redo: false,
            resolved: true,
            scheduled_level: None,
        }
    }

    pub fn is_active(&self) -> bool {
        self.removed.is_none()
    }

    /// Failed at least once, with attempts left (GetSoonestWakeupDelta's `need_retries`).
    pub fn retry_pending(&self) -> bool {
        (self.num_attempts > 0) & (self.num_attempts < self.max_attempts)
    }

    /// Pending with a delay: when it may fire next (it waits in `PendingSummary::soonest`).
    pub fn pending_delay(&self) -> Option<SimTime> {
        (self.state == RegState::Pending && !self.delay_until.is_never())
            .then_some(self.delay_until)
    }

    /// Its event is running (GetSoonestWakeupDelta's recovery wake-up).
    pub fn is_firing(&self) -> bool {
        matches!(
            self.state,
            RegState::Firing | RegState::ReregisteredWhileFiring
        )
    }

    /// Ready to dispatch at `now`, ignoring the device's network and browser (S3).
    pub fn is_due(&self, now: SimTime) -> bool {
        self.is_active()
            && self.resolved
            && self.state == RegState::Pending
            && !self.delay_until.is_never()
            && now >= self.delay_until
    }

    /// The row's `final_state` at the horizon (S11).
    pub fn final_state(&self) -> FinalState {
        match self.removed {
            Some(state) => state,
            None if self.delay_until.is_never() && self.state == RegState::Pending => {
                FinalState::Suspended
            }
            // Left firing with no event running: only a persisted firing state does that.
            None if self.state != RegState::Pending && self.running == 0 => FinalState::Stuck,
            None => FinalState::PendingAtEnd,
        }
    }
}

/// How a dispatched event ended (DESIGN §6 `outcome`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum Outcome {
    Success,
    Failure,
    Timeout,
    NetworkLost,
    Interrupted,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Timeout => "timeout",
            Outcome::NetworkLost => "network_lost",
            Outcome::Interrupted => "interrupted",
        }
    }

    /// Whether the attempt counts towards `num_attempts` (everything but an interruption).
    pub fn is_counted(self) -> bool {
        self != Outcome::Interrupted
    }
}
