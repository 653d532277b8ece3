//! What a finished device run reports ([`DeviceResult`]) and the rows and marks it holds.

use super::fetch;
use super::record::{self, AttemptRow, DayStats, InvariantLog, WakeCause};
use crate::engine::time::SimTime;
use crate::model::engagement::EngagementLevel;
use crate::model::registration::Registration;

/// Everything a finished device run reports.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct DeviceResult {
    pub attempts: Vec<AttemptRow>,
    pub registrations: Vec<Registration>,
    pub days: Vec<DayStats>,
    pub invariants: InvariantLog,
    /// Every browser wake-up: when it was asked for, when it ran and why.
    pub wakeups: Vec<WakeupRow>,
    /// Periodic intervals between successive new-period dispatches, with the level at the later.
    pub intervals: Vec<(EngagementLevel, u64)>,
    /// Engagement-level changes observed at visits and history clears.
    pub level_changes: u64,
    /// Durable writes lost to a crash before they committed.
    pub lost_writes: u64,
    /// Register calls that failed (Firefox `persisted`: key collision with a stuck registration).
    pub register_errors: u64,
    /// Firefox: attempts whose network vanished mid-event, over the registration objects.
    #[serde(default)]
    pub doomed_attempts: u64,
    /// Register calls refused, by kind and reason.
    #[serde(default)]
    pub rejections: record::Rejections,
    /// Events popped from the queue (for `--stats`).
    pub events: u64,
    /// Most events popped at one virtual instant.
    pub max_events_at_one_instant: u64,
    pub online_transitions: u64,
    /// Dispatches made by the FireReadyEvents of an online transition (Firefox telemetry).
    pub online_dispatches: u64,
    /// Environment changes for `trace.json`, recorded only when tracing this device.
    pub marks: Vec<(SimTime, Mark)>,
    /// Background Fetch registrations (DESIGN §8), one per `fetches.csv` row.
    pub fetches: Vec<fetch::FetchRun>,
    /// Fetch registrations refused (duplicate developer id, or no running browser).
    pub fetch_register_errors: u64,
    /// Android power management's timeline (doze state, screen, charging, the device's
    /// network), recorded for the first device and traced ones: the report's timeline chart.
    #[serde(default)]
    pub power_marks: Vec<(SimTime, PowerMark)>,
}

/// A browser (or app) wake-up: the window start it was asked for, when Android ran it (later
/// when it waited for the network, Doze, quota or a restart) and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WakeupRow {
    pub requested: SimTime,
    pub ran: SimTime,
    pub cause: WakeCause,
}

impl WakeupRow {
    /// How long Android held it back.
    pub fn deferral_ms(&self) -> u64 {
        self.ran.ms().saturating_sub(self.requested.ms())
    }
}

/// A power-management change worth drawing on the device-day timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum PowerMark {
    Doze(crate::model::android::doze::DozeState),
    Screen(bool),
    Charging(bool),
    /// The device's own connectivity (apps may still be cut off by Doze).
    Network(bool),
}

/// An environment change worth showing on a trace timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum Mark {
    Online,
    Offline,
    BrowserUp,
    BrowserDown,
    Crash,
}
