//! The web app's sync event handler: how long it runs and how it ends (DESIGN §4.5, SEMANTICS S10).
//!
//! Outcomes are a pure function of (handler, the registration's random stream, dispatch ordinal,
//! script position), so every policy sees the same k-th outcome for the same registration.

use crate::engine::rng::{RngCore, Stream, StreamKey, round_to_u64};
use crate::engine::time::SimDuration;

/// How a handler's event settles, before the policy's timeout is applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Settle {
    Success,
    Fail,
    /// Never settles; the browser times it out.
    Hang,
}

/// Distribution of a handler's running time, in ms.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum DurationDist {
    Fixed(u64),
    /// Inclusive bounds.
    Uniform(u64, u64),
    /// Exponential with this mean.
    Exponential(u64),
    /// Lognormal given by its median and 95th percentile.
    Lognormal {
        median: u64,
        p95: u64,
    },
}

impl DurationDist {
    /// One draw, in ms, with a fixed consumption of the stream per distribution.
    pub fn sample(&self, s: &mut Stream<impl RngCore>) -> u64 {
        match self {
            DurationDist::Fixed(ms) => *ms,
            DurationDist::Uniform(lo, hi) => s.range_inclusive(*lo, *hi),
            DurationDist::Exponential(mean) => {
                let u = s.unit();
                round_to_u64(-(*mean as f64) * libm::log(1.0 - u))
            }
            DurationDist::Lognormal { median, p95 } => {
                let mu = libm::log(*median as f64);
                let sigma = (libm::log(*p95 as f64) - mu) / Z95;
                round_to_u64(libm::exp(mu + sigma * s.std_normal()))
            }
        }
    }
}

/// z-score of the 95th percentile of a standard normal, for the lognormal's sigma.
const Z95: f64 = 1.644_853_626_951_472_2;

/// A fully resolved handler (registration-level fields already merged over the origin's).
#[derive(Clone, Debug, PartialEq)]
pub struct HandlerSpec {
    pub duration: DurationDist,
    pub outcomes: Vec<Settle>,
    pub success_probability: f64,
    pub hang_probability: f64,
    pub needs_network: bool,
}

impl HandlerSpec {
    /// Plans the `ordinal`-th dispatch (0-based) of a registration whose stream is `key`, with
    /// `script_pos` entries of the outcome script already consumed. Returns how the handler
    /// settles and after how many ms (the duration of a hang is irrelevant and returned as 0).
    pub fn plan(&self, key: &StreamKey, ordinal: u64, script_pos: usize) -> (Settle, SimDuration) {
        self.plan_from(&mut key.block(ordinal), script_pos)
    }

    /// [`HandlerSpec::plan`] from the dispatch's block already found (e.g. in a
    /// [`crate::engine::rng::BlockCache`]).
    pub fn plan_from(
        &self,
        s: &mut Stream<impl RngCore>,
        script_pos: usize,
    ) -> (Settle, SimDuration) {
        // Fixed word layout per dispatch: hang draw, success draw, then the duration's draws.
        let u_hang = s.unit();
        let u_success = s.unit();
        let settle = match self.outcomes.get(script_pos) {
            Some(scripted) => *scripted,
            None if u_hang < self.hang_probability => Settle::Hang,
            None if u_success < self.success_probability => Settle::Success,
            None => Settle::Fail,
        };
        let duration = self.duration.sample(s);
        let ms = if settle == Settle::Hang { 0 } else { duration };
        (settle, SimDuration::from_ms(ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::StreamId;

    fn key() -> StreamKey {
        StreamKey::new(1, 0, StreamId::Handler { origin: 0, call: 0 })
    }

    fn spec(outcomes: Vec<Settle>, p: f64) -> HandlerSpec {
        HandlerSpec {
            duration: DurationDist::Fixed(2_000),
            outcomes,
            success_probability: p,
            hang_probability: 0.0,
            needs_network: false,
        }
    }

    #[test]
    fn script_is_used_before_probabilities() {
        let h = spec(vec![Settle::Fail, Settle::Hang], 1.0);
        assert_eq!(
            h.plan(&key(), 0, 0),
            (Settle::Fail, SimDuration::from_ms(2_000))
        );
        assert_eq!(h.plan(&key(), 1, 1), (Settle::Hang, SimDuration::ZERO));
        // Past the script, success_probability 1.0 always succeeds.
        assert_eq!(
            h.plan(&key(), 2, 2),
            (Settle::Success, SimDuration::from_ms(2_000))
        );
    }

    #[test]
    fn probability_zero_always_fails() {
        let h = spec(vec![], 0.0);
        for k in 0..20 {
            assert_eq!(h.plan(&key(), k, 0).0, Settle::Fail);
        }
    }

    #[test]
    fn lognormal_median_is_respected() {
        // With median 2 s, about half of many draws lie below 2 s.
        let h = HandlerSpec {
            duration: DurationDist::Lognormal {
                median: 2_000,
                p95: 30_000,
            },
            ..spec(vec![], 1.0)
        };
        let below = (0..2000)
            .filter(|k| h.plan(&key(), *k, 0).1.ms() < 2_000)
            .count();
        assert!(
            (900..1100).contains(&below),
            "{below} of 2000 below the median"
        );
    }
}
