//! The vocabulary between the device loop and a policy: what the loop tells a policy and the
//! decisions a policy hands back (DESIGN §3, SEMANTICS S3–S9).

use crate::engine::time::SimTime;
use crate::model::engagement::EngagementLevel;
use crate::model::registration::FinalState;

/// What the device knows when a policy decides about one registration.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct Context {
    pub now: SimTime,
    /// The registration's origin's engagement level now.
    pub level: EngagementLevel,
    /// T of ApplyMinGapForOrigin (chromium): time (ms) until the soonest `delay_until` among the
    /// origin's other active periodic registrations, `None` if there is none.
    pub other_due_in: Option<u64>,
    /// Android's own power management (Doze, standby buckets, quotas; DESIGN §4.7) decides
    /// when jobs run on this device, so a policy must not add its own stand-in for it.
    pub os_standby: bool,
}

impl Context {
    pub fn new(now: SimTime, level: EngagementLevel, other_due_in: Option<u64>) -> Self {
        Context {
            now,
            level,
            other_due_in,
            os_standby: false,
        }
    }
}

/// The limit a policy puts on browser wake-ups for periodic sync (checked by the §7 monitor).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WakeupRule {
    /// Successive periodic wake-ups at least this many ms apart (chromium).
    Spacing(u64),
    /// At most this many periodic wake-ups per day (design-2019).
    DailyCap(u64),
    /// No browser wake-up limit.
    None,
}

/// What a completed event did to its (still active) registration (SEMANTICS S5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Completion {
    /// It was re-registered while firing; pending again at once.
    FireAgain,
    /// Pending until the new `delay_until`.
    Rescheduled,
    /// Removed as succeeded or gave up.
    Removed(FinalState),
}

/// What a register call for an existing registration with the same options does to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reregister {
    /// The existing registration stays as the policy left it (its state may have changed).
    Kept,
    /// The call fails: the stored row's key collides (Firefox's `persisted` firing state).
    KeyCollision,
}

/// How a running-but-not-yet-dispatched registration is handled by FireReadyEvents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Ready {
    Dispatch,
    /// Removed as gave up instead of dispatched.
    GiveUp,
}

/// A policy's own persisted per-registration fields, written with the registration's record and
/// handed back when the process dies and memory is rebuilt from the store. Opaque to the device.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PolicyRecord(pub [u64; 2]);

/// What a policy reports about one device at the end of its run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PolicyTotals {
    /// Firefox: attempts whose network vanished during the event, over the device's
    /// registration objects (`attempts.doomed`).
    pub doomed_attempts: u64,
}

/// Why a register call was refused (DESIGN §4.6: every rejected call is counted by reason).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum RejectReason {
    /// No page could call: the browser was closed or down after a crash (SEMANTICS S8).
    BrowserDown = 0,
    /// Periodic sync needs an installed web app (SEMANTICS S12).
    NotInstalled = 1,
    /// The policy has no such API (Firefox implements no periodic sync).
    Unsupported = 2,
    /// No page could call: the browser ran without a user session, e.g. started by a wake-up
    /// task (RegisterDidCheckIfMainFrame: no main-frame client, NOT_ALLOWED).
    NoPage = 3,
    /// The origin's `background_sync` content setting is `block` (PERMISSION_DENIED).
    PermissionDenied = 4,
    /// Background Sync is disabled on the device (android, Play Services out of date:
    /// BackgroundSyncManager `disabled_`).
    Disabled = 5,
}

impl RejectReason {
    pub const ALL: [RejectReason; 6] = [
        RejectReason::BrowserDown,
        RejectReason::NoPage,
        RejectReason::Disabled,
        RejectReason::PermissionDenied,
        RejectReason::NotInstalled,
        RejectReason::Unsupported,
    ];

    pub fn name(self) -> &'static str {
        match self {
            RejectReason::BrowserDown => "browser_down",
            RejectReason::NotInstalled => "not_installed",
            RejectReason::Unsupported => "unsupported",
            RejectReason::NoPage => "no_page",
            RejectReason::PermissionDenied => "permission_denied",
            RejectReason::Disabled => "disabled",
        }
    }
}

/// A policy's browser wake-up for one sync type (`window`: when and why, `None` for no task),
/// and whether it is `stable`: the same at every later time before its start for as long as no
/// registration of that type (and nothing the policy keeps) changes — it does not move with
/// the clock, so the device need not recompute it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WakeWindow {
    pub window: Option<(SimTime, WakeCause)>,
    pub stable: bool,
}

impl WakeWindow {
    /// A window that may move with the clock: recomputed whenever asked.
    pub fn unstable(window: Option<(SimTime, WakeCause)>) -> Self {
        WakeWindow {
            window,
            stable: false,
        }
    }
}

/// Why the browser was woken (DESIGN §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum WakeCause {
    OneShot = 0,
    Periodic = 1,
    Retry = 2,
    Recovery = 3,
    /// Desktop: an in-process delay timer that dispatched at least one event.
    Timer = 4,
    /// Android: the download service starts the browser to continue a Background Fetch.
    Fetch = 5,
    /// Android: a wake-up task started the browser and it found nothing to fire (for instance
    /// the 6-minute recovery task left behind by an event that had already completed).
    Empty = 6,
}

impl WakeCause {
    pub const ALL: [WakeCause; 7] = [
        WakeCause::OneShot,
        WakeCause::Periodic,
        WakeCause::Retry,
        WakeCause::Recovery,
        WakeCause::Timer,
        WakeCause::Fetch,
        WakeCause::Empty,
    ];

    pub fn name(self) -> &'static str {
        match self {
            WakeCause::OneShot => "one_shot",
            WakeCause::Periodic => "periodic",
            WakeCause::Retry => "retry",
            WakeCause::Recovery => "recovery",
            WakeCause::Timer => "timer",
            WakeCause::Fetch => "fetch",
            WakeCause::Empty => "empty",
        }
    }
}
