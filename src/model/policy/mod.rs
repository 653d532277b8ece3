//! The scheduler under test (DESIGN §3): the browser's decisions about registrations.
//!
//! Architecture invariant: a policy decides *what* happens to a registration (delays, attempt
//! limits, what a completion does); it never schedules events, reads files or touches the
//! network model. The device loop feeds it stimuli and carries out its decisions.

pub mod chromium;

pub use chromium::{Chromium, Completion};

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
        matches!(self, Preset::Chromium)
    }
}
