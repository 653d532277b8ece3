//! Virtual time in integer milliseconds since the scenario start (DESIGN §2, SEMANTICS S1).
//!
//! Integer milliseconds keep arithmetic exact and outputs byte-stable; there is no wall clock.

use std::fmt;

/// Milliseconds in one second, minute, hour and day.
pub const SECOND: u64 = 1_000;
pub const MINUTE: u64 = 60 * SECOND;
pub const HOUR: u64 = 60 * MINUTE;
pub const DAY: u64 = 24 * HOUR;

/// The longest horizon bgsim simulates, in days (10 years). Every duration a scenario or a
/// parameter gives is at most [`MAX_HORIZON`] too, so `instant + duration` can never overflow:
/// both stay below 2⁴⁰ ms while `u64` holds 2⁶⁴.
pub const MAX_DAYS: u64 = 3650;
/// [`MAX_DAYS`] in ms.
pub const MAX_HORIZON: u64 = MAX_DAYS * DAY;

/// An instant of virtual time: milliseconds since t = 0 (local midnight of day 0).
///
/// `SimTime::NEVER` stands for "not before the end of time" (Chromium's `TimeDelta::Max()`), used
/// for suspended registrations.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct SimTime(u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub const NEVER: SimTime = SimTime(u64::MAX);

    /// The instant `ms` milliseconds after t = 0.
    pub const fn from_ms(ms: u64) -> SimTime {
        SimTime(ms)
    }

    pub const fn ms(self) -> u64 {
        self.0
    }

    /// Milliseconds from `earlier` to `self`, 0 if `earlier` is later (never wraps).
    pub const fn since(self, earlier: SimTime) -> u64 {
        self.0.saturating_sub(earlier.0)
    }

    /// `self + delta`, saturating at `NEVER` so "infinite" delays stay infinite.
    pub const fn after(self, delta_ms: u64) -> SimTime {
        SimTime(self.0.saturating_add(delta_ms))
    }

    /// Day index `d` such that `self` lies in `[d·24h, (d+1)·24h)`.
    pub const fn day(self) -> u64 {
        self.0 / DAY
    }

    pub const fn is_never(self) -> bool {
        self.0 == u64::MAX
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_never() {
            return f.write_str("never");
        }
        write!(f, "{}ms", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_saturates() {
        assert_eq!(SimTime::NEVER.after(5), SimTime::NEVER);
        assert_eq!(SimTime(10).after(5), SimTime(15));
    }

    #[test]
    fn day_boundaries_are_half_open() {
        // Day d is [d·24h, (d+1)·24h): the last ms of day 0 is 86_399_999.
        assert_eq!(SimTime(DAY - 1).day(), 0);
        assert_eq!(SimTime(DAY).day(), 1);
    }
}
