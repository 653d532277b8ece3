//! Site-engagement levels and the periodic-sync penalty they imply (DESIGN §4.4, §3.1).

use std::fmt;

/// Chromium's `blink::mojom::EngagementLevel`, ordered from least to most engaged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EngagementLevel {
    None,
    Minimal,
    Low,
    Medium,
    High,
    Max,
}

impl EngagementLevel {
    pub const ALL: [EngagementLevel; 6] = [
        EngagementLevel::None,
        EngagementLevel::Minimal,
        EngagementLevel::Low,
        EngagementLevel::Medium,
        EngagementLevel::High,
        EngagementLevel::Max,
    ];

    /// The name used in scenarios and CSVs (`"HIGH"`).
    pub fn name(self) -> &'static str {
        match self {
            EngagementLevel::None => "NONE",
            EngagementLevel::Minimal => "MINIMAL",
            EngagementLevel::Low => "LOW",
            EngagementLevel::Medium => "MEDIUM",
            EngagementLevel::High => "HIGH",
            EngagementLevel::Max => "MAX",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.name() == name)
    }

    /// Multiplier of `min_periodic_sync_events_interval`; 0 means suspended.
    /// Source: chrome/browser/background_sync/background_sync_delegate_impl.cc
    /// (GetSiteEngagementPenalty): NONE 0, MINIMAL 3, LOW 2, MEDIUM 2, HIGH 1, MAX 1.
    pub fn periodic_penalty(self) -> u64 {
        match self {
            EngagementLevel::None => 0,
            EngagementLevel::Minimal => 3,
            EngagementLevel::Low | EngagementLevel::Medium => 2,
            EngagementLevel::High | EngagementLevel::Max => 1,
        }
    }
}

impl fmt::Display for EngagementLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
