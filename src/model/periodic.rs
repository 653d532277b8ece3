//! The periodic-sync delay of the `chromium` preset (DESIGN §3.1, SEMANTICS S9).
//!
//! Source: components/background_sync/background_sync_controller_impl.cc
//! (SnapToMaxOriginFrequency, ApplyMinGapForOrigin, GetNextEventDelay).

use super::engagement::EngagementLevel;

/// Rounds `min_interval` up to the origin's allowed frequency `gap`: below it → `gap`; a multiple
/// of it → unchanged; otherwise the next multiple.
pub fn snap_to_max_origin_frequency(min_interval: u64, gap: u64) -> u64 {
    debug_assert!(gap > 0);
    if min_interval < gap {
        gap
    } else if min_interval.is_multiple_of(gap) {
        min_interval
    } else {
        (min_interval / gap + 1) * gap
    }
}

/// Keeps an origin's periodic events either aligned with or at least `min_gap` away from its
/// soonest other periodic event, due in `t` (`None` = no other registration).
pub fn apply_min_gap_for_origin(delay: u64, t: Option<u64>, min_gap: u64) -> u64 {
    let Some(t) = t else { return delay };
    if delay <= t.saturating_sub(min_gap) && t >= min_gap {
        delay
    } else if delay <= t {
        t
    } else if delay <= t.saturating_add(min_gap) {
        t + min_gap
    } else {
        delay
    }
}

/// The delay of a periodic registration with no pending retries, or `None` when its origin's
/// engagement suspends it (`TimeDelta::Max()` in Chromium).
pub fn periodic_delay(
    min_interval: u64,
    level: EngagementLevel,
    other_due_in: Option<u64>,
    min_interval_param: u64,
) -> Option<u64> {
    let penalty = level.periodic_penalty();
    if penalty == 0 {
        return None;
    }
    let gap = penalty * min_interval_param;
    let delay = snap_to_max_origin_frequency(min_interval, gap);
    Some(apply_min_gap_for_origin(
        delay,
        other_due_in,
        min_interval_param,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::HOUR;

    const G: u64 = 12 * HOUR;

    #[test]
    fn max_frequency_for_origin_matches_chromium_unittest() {
        // background_sync_controller_impl_unittest.cc MaxFrequencyForOrigin (HIGH, gap 12 h).
        for (min_interval, expected) in [(11, 12), (13, 24), (48, 48), (0, 12)] {
            assert_eq!(
                snap_to_max_origin_frequency(min_interval * HOUR, G),
                expected * HOUR
            );
        }
    }

    #[test]
    fn cross_registration_limits_match_chromium_unittest() {
        // CrossRegistrationLimitsForOrigin: min_interval 11 h (→ 12 h), other due in T.
        let cases = [
            (None, 12),
            (Some(0), 12),
            (Some(13), 13),
            (Some(24), 12),
            (Some(1), 13),
        ];
        for (t, expected) in cases {
            let d = periodic_delay(11 * HOUR, EngagementLevel::High, t.map(|h| h * HOUR), G);
            assert_eq!(d, Some(expected * HOUR), "T = {t:?}");
        }
        // (13 h → 24 h, T = 1 h): 24 > 1 + 12, so it stays 24 h.
        assert_eq!(
            periodic_delay(13 * HOUR, EngagementLevel::High, Some(HOUR), G),
            Some(24 * HOUR)
        );
    }

    #[test]
    fn engagement_penalty_scales_the_gap() {
        // min_interval 12 h: MEDIUM (×2) → 24 h, MINIMAL (×3, score 0.5) → 36 h, NONE → suspended.
        assert_eq!(
            periodic_delay(G, EngagementLevel::Medium, None, G),
            Some(24 * HOUR)
        );
        assert_eq!(
            periodic_delay(G, EngagementLevel::Minimal, None, G),
            Some(36 * HOUR)
        );
        assert_eq!(periodic_delay(G, EngagementLevel::None, None, G), None);
    }
}
