//! Virtual time in integer milliseconds since the scenario start (DESIGN §2, SEMANTICS S1).
//!
//! Integer milliseconds keep arithmetic exact and outputs byte-stable; there is no wall clock.

use std::fmt;

/// Milliseconds in one second, minute, hour and day.
pub const SECOND: u64 = 1_000;
pub const MINUTE: u64 = 60 * SECOND;
pub const HOUR: u64 = 60 * MINUTE;
pub const DAY: u64 = 24 * HOUR;

/// The pieces of `[from, to)` ms cut at midnights, as `(day index, from, to)`: how per-day
/// accounting splits an interval that crosses days.
pub fn split_by_day(from: u64, to: u64) -> impl Iterator<Item = (usize, u64, u64)> {
    let mut t = from;
    std::iter::from_fn(move || {
        (t < to).then(|| {
            let piece = (t, ((t / DAY + 1) * DAY).min(to));
            t = piece.1;
            ((piece.0 / DAY) as usize, piece.0, piece.1)
        })
    })
}

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

    /// The time from `earlier` to `self`, zero if `earlier` is later (never wraps).
    pub const fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }

    /// `self + delta`, saturating at `NEVER` so "infinite" delays stay infinite.
    pub const fn after(self, delta: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(delta.0))
    }

    /// Day index `d` such that `self` lies in `[d·24h, (d+1)·24h)`.
    pub const fn day(self) -> u64 {
        self.0 / DAY
    }

    pub const fn is_never(self) -> bool {
        self.0 == u64::MAX
    }
}

/// A span of virtual time in integer milliseconds: the other half of the time pair. Private
/// field and saturating arithmetic, so no sum or product of durations can wrap (inputs are
/// bounded by `MAX_HORIZON` besides).
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
pub struct SimDuration(u64);

impl SimDuration {
    pub const ZERO: SimDuration = SimDuration(0);

    pub const fn from_ms(ms: u64) -> SimDuration {
        SimDuration(ms)
    }

    pub const fn ms(self) -> u64 {
        self.0
    }

    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// `self × n`, saturating.
    pub const fn times(self, n: u64) -> SimDuration {
        SimDuration(self.0.saturating_mul(n))
    }

    /// `self + other`, saturating.
    pub const fn plus(self, other: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(other.0))
    }

    /// `self − other`, zero if `other` is longer.
    pub const fn minus(self, other: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_sub(other.0))
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
        let five = SimDuration::from_ms(5);
        assert_eq!(SimTime::NEVER.after(five), SimTime::NEVER);
        assert_eq!(SimTime(10).after(five), SimTime(15));
        assert_eq!(SimTime(10).since(SimTime(15)), SimDuration::ZERO);
        assert_eq!(SimDuration::from_ms(u64::MAX).times(2).ms(), u64::MAX);
    }

    #[test]
    fn day_boundaries_are_half_open() {
        // Day d is [d·24h, (d+1)·24h): the last ms of day 0 is 86_399_999.
        assert_eq!(SimTime(DAY - 1).day(), 0);
        assert_eq!(SimTime(DAY).day(), 1);
    }
}
