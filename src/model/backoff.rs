//! Retry backoff of failed sync events (DESIGN §3.1 Delay, num_attempts > 0).
//!
//! Source: components/background_sync/background_sync_controller_impl.cc (GetNextEventDelay):
//! `initial_retry_delay × retry_delay_factor^(num_attempts − 1)`.

use super::params::Params;
use crate::engine::time::SimDuration;

/// Delay before the next attempt after `num_attempts` counted failures (`num_attempts ≥ 1`).
/// Saturates instead of overflowing for absurd parameter sweeps.
pub fn retry_delay(params: &Params, num_attempts: u32) -> SimDuration {
    debug_assert!(num_attempts >= 1);
    let factor = (params.retry_delay_factor as u64).saturating_pow(num_attempts.saturating_sub(1));
    params.initial_retry_delay.times(factor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::MINUTE;

    #[test]
    fn chromium_defaults_give_5_then_15_then_45_minutes() {
        // 5 min × 3^0, × 3^1, × 3^2.
        let p = Params::default();
        assert_eq!(retry_delay(&p, 1).ms(), 5 * MINUTE);
        assert_eq!(retry_delay(&p, 2).ms(), 15 * MINUTE);
        assert_eq!(retry_delay(&p, 3).ms(), 45 * MINUTE);
    }

    #[test]
    fn huge_exponents_saturate() {
        let p = Params::default();
        assert_eq!(retry_delay(&p, 200).ms(), u64::MAX);
    }
}
