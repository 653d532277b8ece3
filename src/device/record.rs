//! What one device's run leaves behind: attempt rows, per-day counters and invariant counts.
//!
//! Plain data, filled by the device loop and reduced by the experiment layer in device order.

pub use super::counts::Rejections;
use super::counts::{WakeCounts, counters};
use crate::engine::time::SimTime;
use crate::model::engagement::EngagementLevel;
pub use crate::model::policy::{RejectReason, WakeCause};
pub use crate::model::registration::Outcome;

/// One dispatched event (a row of `attempts.csv`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AttemptRow {
    /// Index into the device's registration objects.
    pub reg: u32,
    /// `num_attempts + 1` at dispatch (SEMANTICS S4).
    pub attempt: u32,
    pub last_chance: bool,
    /// The origin's engagement level at dispatch.
    pub level: EngagementLevel,
    pub start: SimTime,
    /// `None` while running (and at the horizon).
    pub end: Option<SimTime>,
    pub outcome: Option<Outcome>,
}

counters! {
    /// Counters of one device-day (or, summed, of one fleet-day).
    #[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
    pub struct DayStats {
        pub wakeups: WakeCounts,
        pub sync_events: u64,
        pub successes: u64,
        pub failures: u64,
        pub timeouts: u64,
        pub network_lost: u64,
        pub interrupted: u64,
        pub gave_ups: u64,
        pub crashes: u64,
        /// Milliseconds of background awake time (battery cost proxy), without the linger below.
        pub awake_ms: u64,
        /// Android: milliseconds the process lived on after a user session ended, up to
        /// `idle_kill_after` (the same whatever the policy).
        pub after_session_ms: u64,
        /// Android power management: milliseconds in each doze state (`DozeState::ALL` order).
        pub doze_ms: [u64; 6],
        /// Android power management: milliseconds in each standby bucket (`Bucket::ALL` order).
        pub bucket_ms: [u64; 5],
        /// Android power management: times a job could not start for lack of quota.
        pub quota_deferrals: u64,
        /// Android: battery charge spent on background work, µAh by cause (`EnergyCause::ALL`
        /// order; DESIGN §13). Desktop devices run on mains: zero.
        pub energy_uah: [u64; 5],
    }
}

impl DayStats {
    pub fn wakeups_total(&self) -> u64 {
        self.wakeups.total()
    }
}

/// The invariants of DESIGN §7 that this build monitors, counted per run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum Invariant {
    DispatchWhileOffline = 0,
    ConcurrentDispatch = 1,
    AttemptsOverMax = 2,
    FiredAfterRemoval = 3,
    /// chromium: two periodic wake-ups closer than `periodic_wakeup_min_spacing`.
    WakeupSpacing = 4,
    /// design-2019: more periodic wake-ups in a day than `max_periodic_wakeups_per_day`.
    WakeupCap = 5,
    /// A registration came back from the store in the firing state (nothing will end it).
    StuckAfterRestart = 6,
    /// A committed registration record is missing after a restart.
    StoredLostAfterRestart = 7,
}

/// Number of monitored invariants.
pub const INVARIANTS: usize = 8;

impl Invariant {
    pub const ALL: [Invariant; INVARIANTS] = [
        Invariant::DispatchWhileOffline,
        Invariant::ConcurrentDispatch,
        Invariant::AttemptsOverMax,
        Invariant::FiredAfterRemoval,
        Invariant::WakeupSpacing,
        Invariant::WakeupCap,
        Invariant::StuckAfterRestart,
        Invariant::StoredLostAfterRestart,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Invariant::DispatchWhileOffline => "dispatch_while_offline",
            Invariant::ConcurrentDispatch => "concurrent_dispatch",
            Invariant::AttemptsOverMax => "attempts_over_max",
            Invariant::FiredAfterRemoval => "fired_after_removal",
            Invariant::WakeupSpacing => "wakeup_spacing",
            Invariant::WakeupCap => "wakeup_cap",
            Invariant::StuckAfterRestart => "stuck_after_restart",
            Invariant::StoredLostAfterRestart => "stored_lost_after_restart",
        }
    }
}

/// A violation worth describing in `summary.json`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Violation {
    pub invariant: Invariant,
    pub time: SimTime,
    /// The registration concerned, if any (wake-up rules concern the device).
    pub reg: Option<u32>,
}

/// Per-invariant counts and the first few violations.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InvariantLog {
    pub counts: [u64; INVARIANTS],
    pub first: Vec<Violation>,
}

/// How many violations per device are kept with details.
const KEEP_FIRST: usize = 5;

impl InvariantLog {
    pub fn record(&mut self, invariant: Invariant, time: SimTime, reg: Option<u32>) {
        self.counts[invariant as usize] += 1;
        if self.first.len() < KEEP_FIRST {
            self.first.push(Violation {
                invariant,
                time,
                reg,
            });
        }
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }
}
