//! Android power management (DESIGN §4.7): Android, not the browser, decides when a scheduled
//! job may run. Doze defers jobs and cuts apps' network outside maintenance windows; the app's
//! standby bucket sets its JobScheduler quota. Modelled once, under every android policy: for
//! Chrome's wake-up tasks and for the WorkManager peer's jobs alike.
//!
//! Plain state machines over ms times; the device loop (`device::power`) feeds them the screen,
//! charging, motion and network, and asks whether a job may run.

pub mod doze;
#[cfg(test)]
mod doze_tests;
pub mod quota;
pub mod standby;

use super::browser::Sessions;

/// Whether the device is left still (what deep doze waits for).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Stationary {
    /// Drawn once per screen-off period: still for all of it with this probability.
    Probability(f64),
    /// Still during these windows, moving outside them.
    Windows(Sessions),
}

/// A device's inputs to Android's power management.
#[derive(Clone, Debug, PartialEq)]
pub struct PowerSpec {
    /// When the phone is on its charger.
    pub charging: Sessions,
    pub stationary: Stationary,
    /// Screen-on time besides the browser's sessions (other apps): it ages the app's standby
    /// bucket. The screen is always on during user sessions.
    pub screen_on: Sessions,
}
