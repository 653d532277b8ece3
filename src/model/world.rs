//! The validated description of what a device holds and what happens to it: the plain data the
//! `scenario` layer produces from JSON and the `device` loop consumes.
//!
//! API boundary: everything here is already checked (times inside the horizon, names unique,
//! required fields present); the simulation never re-validates and never fails on it.

use super::browser::{CrashSpec, Platform, Sessions};
use super::engagement::EngagementSpec;
use super::handler::{DurationDist, HandlerSpec};
use super::network::NetworkSpec;
use super::registration::SyncKind;

/// One device (after `count` expansion of its block it is shared by every copy).
#[derive(Clone, Debug)]
pub struct DeviceSpec {
    pub platform: Platform,
    pub sessions: Sessions,
    pub network: NetworkSpec,
    pub crashes: CrashSpec,
    /// Android: the OS kills the browser process this long after it became idle.
    pub idle_kill_after: crate::engine::time::SimDuration,
    /// Android: extra delay the OS adds before running a wake-up task.
    pub task_latency: Option<DurationDist>,
    /// Download bandwidth in bytes/s (Background Fetch).
    pub bandwidth: u64,
    /// Android: Background Sync is disabled (Play Services out of date): every register call
    /// is rejected.
    pub sync_disabled: bool,
    /// User sessions count as engagement with the profile (site_engagement_service.cc: the
    /// profile's last engagement time, which decides when scores are rebased).
    pub sessions_engage: bool,
    /// Android's power management (DESIGN §4.7); `None` on desktop or when switched off.
    pub power: Option<crate::model::android::PowerSpec>,
    /// Android: when the phone is on Wi-Fi rather than cellular (battery cost, DESIGN §13).
    pub wifi: Sessions,
    pub origins: Vec<OriginSpec>,
}

impl DeviceSpec {
    /// Whether any input replays a trace (DESIGN §14): its devices are the trace's.
    pub fn replays_traces(&self) -> bool {
        use super::browser::Sessions;
        let traced = |s: &Sessions| matches!(s, Sessions::Trace(_));
        matches!(self.network, NetworkSpec::Trace(_))
            || traced(&self.sessions)
            || self.crashes.trace.is_some()
            || self.power.as_ref().is_some_and(|p| {
                traced(&p.charging)
                    || traced(&p.screen_on)
                    || matches!(&p.stationary, super::android::Stationary::Windows(s) if traced(s))
            })
    }
}

/// One origin with its service worker, after `{i}` expansion.
#[derive(Clone, Debug)]
pub struct OriginSpec {
    pub name: String,
    /// The scenario entry this origin came from, as a metric key (`by_origin.<block>`): its
    /// name as written (before `{i}` expansion, `{i}` read as `i`), scheme dropped, other
    /// characters than letters, digits and `-` turned into `_` (`https://mail.example` →
    /// `mail_example`, `https://app{i}.example` → `appi_example`).
    pub block: std::sync::Arc<str>,
    pub installed: bool,
    pub notification_permission: bool,
    /// The `background_sync` content setting at t = 0 (`true` = allow).
    pub background_sync_allowed: bool,
    /// Pinned level or Chromium's score driven by visits (DESIGN §4.4).
    pub engagement: EngagementSpec,
    pub registrations: Vec<RegistrationSpec>,
    /// Background Fetch registrations (DESIGN §8).
    pub fetches: Vec<crate::model::fetch::FetchSpec>,
    pub events: Vec<OriginEvent>,
}

/// When a registration entry makes its register calls.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum RegisterWhen {
    At(u64),
    /// Poisson arrivals; `{n}` in the tag is the 0-based arrival index.
    Arrivals {
        mean_interval: u64,
        during: ArrivalsDuring,
    },
}

/// Which clock a Poisson arrival process runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ArrivalsDuring {
    /// Only while a user session is open (pages register): the mean interval is session time.
    Sessions,
    /// All the time; calls outside a session are rejected (no page).
    Always,
}

/// One `registrations[]` entry of an origin.
#[derive(Clone, Debug)]
pub struct RegistrationSpec {
    pub kind: SyncKind,
    /// The tag, possibly a template containing `{n}` (arrivals).
    pub tag: String,
    /// Periodic only.
    pub min_interval: u64,
    pub when: RegisterWhen,
    /// The origin's handler with this entry's overrides merged in.
    pub handler: HandlerSpec,
}

impl RegistrationSpec {
    /// The tag of the `n`-th arrival (or the fixed tag): every `{n}` replaced by `n`.
    pub fn tag_for(&self, n: u64) -> String {
        let mut out = String::new();
        self.write_tag(n, &mut out);
        out
    }

    /// [`RegistrationSpec::tag_for`] into `out` (cleared first), so that a caller making one
    /// per register call (an arrival-heavy fleet) reuses one buffer.
    pub fn write_tag(&self, n: u64, out: &mut String) {
        let mut num = itoa::Buffer::new();
        let num = num.format(n);
        out.clear();
        let mut rest = self.tag.as_str();
        // A byte search, not `str::find` with a pattern: tags are a few bytes and building a
        // substring searcher per call cost more than the copy.
        while let Some(i) = rest.as_bytes().windows(3).position(|w| w == b"{n}") {
            out.push_str(&rest[..i]);
            out.push_str(num);
            rest = &rest[i + 3..];
        }
        out.push_str(rest);
    }
}

/// An origin-level action at an explicit time (DESIGN §4.6).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum OriginAction {
    Unregister {
        kind: SyncKind,
        tag: String,
    },
    /// A user visit (score-based engagement only).
    Visit,
    /// Clearing browsing history resets the engagement score.
    ClearHistory,
    ClearSiteData,
    UnregisterServiceWorker,
    /// Abort the active fetch with this developer id.
    Abort {
        id: String,
    },
    /// The `background_sync` content setting changes (`false` = block).
    SetBackgroundSync {
        allowed: bool,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct OriginEvent {
    pub at: u64,
    pub action: OriginAction,
}

/// The `by_origin` key of an origin entry named `name` (see [`OriginSpec::block`]).
pub fn origin_block_key(name: &str) -> String {
    let bare = name
        .strip_prefix("https://")
        .or_else(|| name.strip_prefix("http://"))
        .unwrap_or(name);
    bare.replace("{i}", "i")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::handler::{DurationDist, HandlerSpec};

    #[test]
    fn arrival_tags_replace_every_n_placeholder() {
        let spec = |tag: &str| RegistrationSpec {
            kind: SyncKind::OneShot,
            tag: tag.to_string(),
            min_interval: 0,
            when: RegisterWhen::At(0),
            handler: HandlerSpec {
                duration: DurationDist::Fixed(1),
                outcomes: Vec::new(),
                success_probability: 1.0,
                hang_probability: 0.0,
                needs_network: false,
            },
        };
        assert_eq!(spec("send-{n}").tag_for(12), "send-12");
        assert_eq!(spec("{n}/{n}").tag_for(7), "7/7");
        assert_eq!(spec("outbox").tag_for(3), "outbox");
        assert_eq!(spec("{n").tag_for(3), "{n");
        assert_eq!(spec("é{n}ü").tag_for(u64::MAX), "é18446744073709551615ü");
    }
}
