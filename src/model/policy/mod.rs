//! The scheduler under test (DESIGN §3): the browser's decisions about registrations.
//!
//! Architecture invariant: a policy decides *what* happens to a registration (whether a
//! register call is accepted, delays, how an attempt counts, what a completion does, what is
//! persisted, when the browser should be woken); it never schedules events, reads files or
//! touches the network model. The device loop feeds it stimuli through [`DevicePolicy`] and
//! carries out its decisions without knowing which policy runs.
//!
//! Each preset lives in its own file and owns its parameters (the names it reads from the
//! [`Params`] table), its per-device and per-registration state, and its decisions. Adding a
//! policy is one new file here plus one line in [`Preset`] (or, outside this crate, an
//! implementation of [`Policy`] handed to `experiment::run_policy`); see ARCHITECTURE.md.

pub mod chromium;
mod decision;
pub mod design2019;
pub mod firefox;
pub mod workmanager;

use std::fmt;

use crate::engine::time::{SimDuration, SimTime};
use crate::model::params::Params;
use crate::model::registration::{Outcome, PendingSummary, Registration, SyncKind};

pub use decision::{
    Completion, Context, PolicyRecord, PolicyTotals, Ready, RejectReason, Reregister, WakeCause,
    WakeWindow, WakeupRule,
};

/// A scheduling policy with its resolved parameters: shared by every device of a run.
pub trait Policy: Send + Sync + fmt::Debug {
    /// The name written to `summary.json` (`policy.preset`).
    fn name(&self) -> &str;
    /// Whether the policy reads the parameter `param` (a name of the [`Params`] table). The
    /// device-level parameters ([`crate::model::params::DEVICE_PARAMS`]) are read under every
    /// policy; `--set` or `--vary` of any other parameter the policy does not read is an error.
    fn reads(&self, param: &str) -> bool;
    /// The periodic wake-up limit the policy promises, checked by the §7 monitor.
    fn wakeup_rule(&self) -> WakeupRule;
    /// Fresh per-device state, through which the device loop asks for every decision.
    fn device(&self) -> Box<dyn DevicePolicy + '_>;
}

/// One device's view of a policy: its per-device and per-registration state and its decisions.
///
/// Registrations are named by `id`, their index in the device's registration objects (stable
/// for the whole run). Defaults are Chromium's answers where Chromium's behaviour is the obvious
/// one; a policy overrides what it does differently.
pub trait DevicePolicy {
    /// `max_attempts` of a new registration, fixed at registration (SEMANTICS S8).
    fn max_attempts(&self, kind: SyncKind, notification_permission: bool) -> u32;

    /// Refuses a register call (asked only while the browser runs), or accepts it with `None`.
    fn admit(&self, kind: SyncKind, installed: bool) -> Option<RejectReason> {
        let _ = (kind, installed);
        None
    }

    /// A register call for an active registration with the same options.
    fn reregister(&mut self, existing: &mut Registration) -> Reregister {
        chromium::reregister(existing)
    }

    /// `delay_until` of a new registration (the policy may set up per-device state here).
    fn initial_delay_until(&mut self, reg: &Registration, ctx: &Context) -> SimTime;

    /// Whether a register call runs FireReadyEvents (Chromium: one-shot calls only, S3).
    fn fires_on_register(&self, kind: SyncKind) -> bool {
        kind == SyncKind::OneShot
    }

    /// `delay_until` of a periodic registration with no pending retries (its next period, or
    /// `SimTime::NEVER` while suspended); asked again when its origin is revived.
    fn periodic_delay_until(&mut self, reg: &Registration, ctx: &Context) -> SimTime;

    /// FireReadyEvents found `reg` due: dispatch it, or give up instead.
    fn ready(&self, reg: &Registration) -> Ready {
        let _ = reg;
        Ready::Dispatch
    }

    /// `reg` is being dispatched (its state is already firing). Returns whether the
    /// registration is persisted now (Firefox writes its counted attempt at dispatch).
    fn on_dispatch(&mut self, id: u32, reg: &mut Registration, now: SimTime) -> bool {
        let _ = (id, reg, now);
        false
    }

    /// How long an event may run before it is stopped as a failure.
    fn max_event_duration(&self) -> SimDuration;

    /// A counted end of an attempt of the active registration `reg` (SEMANTICS S5): update its
    /// state, counters and `delay_until`, and say what became of it.
    fn complete(
        &mut self,
        id: u32,
        reg: &mut Registration,
        outcome: Outcome,
        ctx: &Context,
    ) -> Completion;

    /// Whether the firing state is written to the store (Firefox's original bug). A record
    /// written while firing comes back firing after the process dies: stuck.
    fn persists_firing(&self) -> bool {
        false
    }

    /// The policy's own persisted fields of registration `id`.
    fn record(&self, id: u32) -> PolicyRecord {
        let _ = id;
        PolicyRecord::default()
    }

    /// Memory rebuilt from the store after the process died: `record` is what was committed.
    fn restore(&mut self, id: u32, record: PolicyRecord) {
        let _ = (id, record);
    }

    /// Whether runnable work starts the app process by itself while it is not running
    /// (WorkManager on JobScheduler) instead of waiting for a wake-up task or a session.
    fn work_starts_process(&self) -> bool {
        false
    }

    /// The browser wake-up the policy asks Android's task scheduler for, for one sync type, and
    /// whether it is stable (see [`WakeWindow`]). `active` summarizes the active registrations
    /// of that kind as GetSoonestWakeupDelta reads them (kept by the device, O(log n) per change;
    /// a policy that needs more keeps its own per-registration state through the other hooks).
    fn wake_window(&self, kind: SyncKind, now: SimTime, active: &PendingSummary) -> WakeWindow {
        let _ = (kind, now, active);
        WakeWindow::unstable(None)
    }

    /// How the browser's wake-up windows reach the OS task (`BackgroundSyncScheduler`).
    fn wakeup_reschedule(&self) -> chromium::WakeupReschedule {
        chromium::WakeupReschedule::Always
    }

    /// A wake-up task of `kind` ran (the browser processes its ready registrations now).
    fn on_wakeup_task(&mut self, kind: SyncKind, now: SimTime) {
        let _ = (kind, now);
    }

    /// After every event: `has_active_periodic` says whether any periodic registration is
    /// still active (computed only if asked).
    fn after_event(&mut self, has_active_periodic: &dyn Fn() -> bool) {
        let _ = has_active_periodic;
    }

    /// Whether [`DevicePolicy::after_event`] does anything: a policy that leaves it empty says
    /// `false`, and the device skips the call (asked once per device; it runs after every
    /// event). `true` unless said otherwise, so a policy that only overrides `after_event` is
    /// still called.
    fn uses_after_event(&self) -> bool {
        true
    }

    /// What the policy reports about the device at the end of its run.
    fn totals(&self) -> PolicyTotals {
        PolicyTotals::default()
    }
}

/// The built-in policy presets of DESIGN §3, by the name scenarios use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
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

    /// The preset with resolved parameters.
    pub fn build(self, params: &Params) -> Box<dyn Policy> {
        let params = params.clone();
        match self {
            Preset::Chromium => Box::new(chromium::Chromium::new(params)),
            Preset::Design2019 => Box::new(design2019::Design2019::new(params)),
            Preset::Firefox => Box::new(firefox::Firefox::new(params)),
            Preset::WorkManager => Box::new(workmanager::WorkManager::new(params)),
        }
    }

    /// Whether this preset reads `param` (besides the device-level parameters): the policy's
    /// own answer (`Policy::reads`), the one source.
    pub fn reads(self, param: &str) -> bool {
        self.build(&Params::default()).reads(param)
    }
}

/// Why overriding `param` would change nothing under `presets`: `None` if it is a device-level
/// parameter or one of them reads it (a sweep of an unread parameter gives identical rows).
pub fn unread_param(presets: &[Preset], param: &str) -> Option<String> {
    if crate::model::params::DEVICE_PARAMS.contains(&param)
        || presets.iter().any(|p| p.reads(param))
    {
        return None;
    }
    let names: Vec<&str> = presets.iter().map(|p| p.name()).collect();
    let (which, list) = match names.as_slice() {
        [one] => (
            format!("policy {one}"),
            format!("`bgsim params --policy {one}`"),
        ),
        _ => (
            format!("any of the policies {}", names.join(", ")),
            "`bgsim params`".to_string(),
        ),
    };
    Some(format!(
        "not read by {which}, so it would change nothing ({list} lists what is read)"
    ))
}
