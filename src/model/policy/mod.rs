//! The scheduler under test (DESIGN §3): the browser's decisions about registrations.
//!
//! Architecture invariant: a policy decides *what* happens to a registration (delays, attempt
//! limits, what a completion does, when the browser should be woken); it never schedules events,
//! reads files or touches the network model. The device loop feeds it stimuli and carries out its
//! decisions. Presets share Chromium's registration state machine (S5) and differ in their
//! periodic delays and wake-up rules.

pub mod chromium;
pub mod design2019;
pub mod firefox;
pub mod workmanager;

use crate::engine::time::{SimDuration, SimTime};
use crate::model::backoff::retry_delay;
use crate::model::engagement::EngagementLevel;
use crate::model::params::Params;
use crate::model::registration::{FinalState, RegState, Registration, SyncKind};

pub use design2019::WakeSchedule;

/// The named policy presets of DESIGN §3.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    Chromium,
    Design2019,
    Firefox,
    WorkManager,
}

impl Preset {
    pub const ALL: [Preset; 4] = [
        Preset::Chromium,
        Preset::Design2019,
        Preset::Firefox,
        Preset::WorkManager,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Preset::Chromium => "chromium",
            Preset::Design2019 => "design-2019",
            Preset::Firefox => "firefox",
            Preset::WorkManager => "workmanager",
        }
    }

    pub fn from_name(name: &str) -> Option<Preset> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Whether this build simulates the preset. The others are named in DESIGN §3 and are
    /// rejected with a clear error until they land.
    pub fn is_implemented(self) -> bool {
        true
    }
}

/// The limit a policy puts on browser wake-ups for periodic sync (checked by the §7 monitor).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WakeupRule {
    /// chromium: successive periodic wake-ups at least this many ms apart.
    Spacing(u64),
    /// design-2019: at most this many periodic wake-ups per day.
    DailyCap(u64),
    /// No browser wake-up limit (Firefox wakes nothing; WorkManager jobs are the OS's business).
    None,
}

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

/// The inputs of a periodic registration's engagement path.
#[derive(Clone, Copy, Debug)]
pub struct PeriodicContext {
    pub now: SimTime,
    pub min_interval: u64,
    pub level: EngagementLevel,
    /// T of ApplyMinGapForOrigin (chromium): time until the origin's soonest other periodic
    /// event, `None` if there is none.
    pub other_due_in: Option<u64>,
    /// The scheduled periodic wake-ups (design-2019).
    pub schedule: Option<WakeSchedule>,
    /// The registration's first period (workmanager places it with the flex window).
    pub first_run: bool,
}

/// A preset with its resolved parameters.
#[derive(Clone, Debug)]
pub struct Policy {
    pub preset: Preset,
    pub params: Params,
}

impl Policy {
    pub fn new(preset: Preset, params: Params) -> Self {
        Policy { preset, params }
    }

    /// `max_attempts`, fixed at registration (SEMANTICS S8). design-2019 allows
    /// `periodic_retries` retries per periodic event.
    pub fn max_attempts(&self, kind: SyncKind, notification_permission: bool) -> u32 {
        if kind == SyncKind::Periodic && self.preset == Preset::Design2019 {
            return self.params.periodic_retries + 1;
        }
        if self.preset == Preset::Firefox {
            return self.params.max_sync_attempts;
        }
        if self.preset == Preset::WorkManager {
            return match self.params.work_max_attempts {
                0 => u32::MAX,
                n => n,
            };
        }
        if notification_permission {
            self.params.max_sync_attempts_with_notification_permission
        } else {
            self.params.max_sync_attempts
        }
    }

    /// `delay_until` of a periodic registration with no pending retries; `NEVER` = suspended.
    pub fn periodic_delay_until(&self, ctx: &PeriodicContext) -> SimTime {
        match self.preset {
            Preset::Design2019 => design2019::delay_until(&self.params, ctx),
            Preset::WorkManager => workmanager::periodic_delay_until(&self.params, ctx),
            _ => chromium::periodic_delay_until(&self.params, ctx),
        }
    }

    /// Whether this preset wakes the browser for periodic sync on its own fixed schedule
    /// (design-2019) rather than Chromium's soonest-wake-up delta.
    pub fn has_wake_schedule(&self) -> bool {
        self.preset == Preset::Design2019
    }

    /// Whether the preset supports periodic sync at all (Firefox implements one-shot only).
    pub fn supports_periodic(&self) -> bool {
        self.preset != Preset::Firefox
    }

    /// The periodic wake-up limit this preset promises.
    pub fn periodic_wakeup_rule(&self) -> WakeupRule {
        match self.preset {
            Preset::Design2019 => {
                WakeupRule::DailyCap(self.params.max_periodic_wakeups_per_day as u64)
            }
            Preset::Chromium => WakeupRule::Spacing(self.params.periodic_wakeup_min_spacing.ms()),
            Preset::Firefox | Preset::WorkManager => WakeupRule::None,
        }
    }

    /// Whether the preset wakes a dead browser with Chromium's wake-up tasks (Firefox has no
    /// such mechanism; WorkManager jobs start their app themselves, see `jobs_start_process`).
    pub fn wakes_browser(&self) -> bool {
        !matches!(self.preset, Preset::Firefox | Preset::WorkManager)
    }

    /// WorkManager: a runnable job starts the app process itself (JobScheduler), whenever its
    /// time and constraints are met.
    pub fn jobs_start_process(&self) -> bool {
        self.preset == Preset::WorkManager
    }

    /// Periodic work needs no installed web app under the native peer.
    pub fn periodic_needs_install(&self) -> bool {
        self.preset != Preset::WorkManager
    }

    /// How long an event may run before it is stopped as a failure.
    pub fn max_event_duration(&self) -> SimDuration {
        if self.preset == Preset::WorkManager {
            self.params.work_max_duration
        } else {
            self.params.max_sync_event_duration
        }
    }

    /// When a new one-shot registration may first run (the standby bucket's deferral under
    /// workmanager; at once otherwise).
    pub fn one_shot_delay_until(&self, now: SimTime, level: EngagementLevel) -> SimTime {
        if self.preset == Preset::WorkManager {
            workmanager::defer(&self.params, now, level)
        } else {
            now
        }
    }

    /// Firefox counts its online attempts at dispatch and persists them then.
    pub fn counts_at_dispatch(&self) -> bool {
        self.preset == Preset::Firefox
    }

    /// Firefox's original bug: the firing state is written to disk before dispatch.
    pub fn persists_firing(&self) -> bool {
        self.preset == Preset::Firefox && self.params.firing_state == "persisted"
    }

    /// Whether a re-register while firing is remembered (Chromium's REREGISTERED_WHILE_FIRING;
    /// Firefox deferred it to bug 1260141).
    pub fn supports_reregister_while_firing(&self) -> bool {
        self.preset != Preset::Firefox
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
