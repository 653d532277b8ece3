//! Connectivity of one device over time (DESIGN §4.1, SEMANTICS S6).
//!
//! Every model is the combination of deterministic offline windows (`schedule`, `diurnal`) and an
//! optional two-state Markov flakiness process (`markov`, `diurnal.flaky`). The device is online
//! when it is outside every window and the flaky process (if any) is up.

use super::timeline::Windows;
use super::trace::Trace;

/// Mean durations of the alternating online/offline periods of a Markov process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flaky {
    pub mean_online: u64,
    pub mean_offline: u64,
}

/// How the scenario described the network, resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NetworkSpec {
    AlwaysOnline,
    /// Explicit offline windows.
    Schedule(Windows),
    /// Starts online, then alternates exponential periods.
    Markov(Flaky),
    /// Offline windows repeated daily (times of day), optionally flaky outside them.
    Diurnal {
        offline_daily: Vec<(u64, u64)>,
        flaky: Option<Flaky>,
    },
    /// Online exactly during a trace's rows (DESIGN §14), offline between them.
    Trace(Trace),
}

impl NetworkSpec {
    /// The deterministic offline windows over `[0, horizon)` of the `device`-th device of its
    /// block (a trace is per device).
    pub fn offline_windows(&self, horizon: u64, device: u64) -> Windows {
        match self {
            NetworkSpec::Trace(t) => t.windows(device, horizon).complement(horizon),
            NetworkSpec::AlwaysOnline | NetworkSpec::Markov(_) => Windows::default(),
            NetworkSpec::Schedule(w) => w.clone(),
            NetworkSpec::Diurnal { offline_daily, .. } => Windows::daily(offline_daily, horizon),
        }
    }

    /// The random flakiness process, if any.
    pub fn flaky(&self) -> Option<Flaky> {
        match self {
            NetworkSpec::Markov(f) => Some(*f),
            NetworkSpec::Diurnal { flaky, .. } => *flaky,
            _ => None,
        }
    }
}
