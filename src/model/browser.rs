//! The browser process of a device (DESIGN §4.2): when the user has it open, and crash faults
//! (§4.3) that take it down.

use super::timeline::Windows;
use super::trace::Trace;
use crate::engine::time::SimDuration;

/// The operating system the browser runs on; decides who may start the browser.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Platform {
    /// The browser runs only during user sessions; nothing wakes a closed browser.
    Desktop,
    /// Killed when idle, started by wake-up tasks (DESIGN §4.2, §5).
    Android,
}

impl Platform {
    pub fn name(self) -> &'static str {
        match self {
            Platform::Desktop => "desktop",
            Platform::Android => "android",
        }
    }
}

/// Injected browser crashes (§4.3).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CrashSpec {
    /// Scheduled crash instants, sorted.
    pub at: Vec<u64>,
    /// Crash instants per device from a trace (DESIGN §14), instead of `at`.
    pub trace: Option<Trace>,
    /// Mean of a Poisson crash process per day (0 = none).
    pub rate_per_day: f64,
    /// Downtime after a crash before the browser may restart.
    pub restart_delay: SimDuration,
    /// Probability that a dispatched event is cut short by a crash (at a uniform instant of it).
    pub during_event_probability: f64,
    /// Time for a durable write to commit; a crash before then loses it.
    pub storage_write_latency: SimDuration,
}

/// When a user session keeps the browser open. A daily pattern stays a pattern until the run
/// knows its horizon, so `--days N` means exactly what a file with `duration` N days means.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Sessions {
    /// Explicit windows (`"always"`, `"never"`, `{"at": …}`).
    Windows(Windows),
    /// The same times of day every day (`{"daily": …}`), in ms after midnight.
    Daily(Vec<(u64, u64)>),
    /// Each device's rows of a trace (DESIGN §14).
    Trace(Trace),
}

impl Sessions {
    /// The windows of the `device`-th device of its block over `[0, horizon)`.
    pub fn windows(&self, horizon: u64, device: u64) -> Windows {
        match self {
            Sessions::Windows(w) => w.clone(),
            Sessions::Daily(times) => Windows::daily(times, horizon),
            Sessions::Trace(t) => t.windows(device, horizon),
        }
    }
}
