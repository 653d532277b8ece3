//! App Standby Buckets for the app itself (DESIGN §4.7): how recently the user used it.
//!
//! Source: `apex/jobscheduler/service/java/com/android/server/usage/AppStandbyController.java`
//! (`getBucketForLocked`, `DEFAULT_SCREEN_TIME_THRESHOLDS`, `DEFAULT_ELAPSED_TIME_THRESHOLDS`,
//! `THRESHOLD_BUCKETS`) and `AppIdleHistory.getThresholdIndex`: the bucket is the last index
//! `i` at which both the elapsed time and the screen-on time since the app's last use reach
//! their thresholds. The app is in use (ACTIVE, in the foreground) during its sessions; its last
//! use is the end of the latest one (ACTIVITY_PAUSED is a usage event). Before its first session
//! the app counts as used at t = 0.
//!
//! The bucket depends only on the app's sessions and the screen, not on what the simulation does,
//! so a device's whole bucket timeline is computed once before it runs.

use crate::model::params::Params;
use crate::model::timeline::Windows;

/// Android's App Standby Buckets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Bucket {
    Active,
    WorkingSet,
    Frequent,
    Rare,
    Restricted,
}

impl Bucket {
    /// `THRESHOLD_BUCKETS` order, which is also the outputs' column order.
    pub const ALL: [Bucket; 5] = [
        Bucket::Active,
        Bucket::WorkingSet,
        Bucket::Frequent,
        Bucket::Rare,
        Bucket::Restricted,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Bucket::Active => "active",
            Bucket::WorkingSet => "working_set",
            Bucket::Frequent => "frequent",
            Bucket::Rare => "rare",
            Bucket::Restricted => "restricted",
        }
    }
}

/// `(elapsed, screen)` thresholds in ms per bucket after ACTIVE (WORKING_SET … RESTRICTED).
#[derive(Clone, Copy, Debug)]
pub struct Thresholds {
    pub elapsed: [u64; 4],
    pub screen: [u64; 4],
}

impl From<&Params> for Thresholds {
    fn from(p: &Params) -> Self {
        Thresholds {
            elapsed: [
                p.elapsed_threshold_working_set.ms(),
                p.elapsed_threshold_frequent.ms(),
                p.elapsed_threshold_rare.ms(),
                p.elapsed_threshold_restricted.ms(),
            ],
            screen: [
                p.screen_threshold_working_set.ms(),
                p.screen_threshold_frequent.ms(),
                p.screen_threshold_rare.ms(),
                p.screen_threshold_restricted.ms(),
            ],
        }
    }
}

/// A device's bucket over time: `(from, bucket)` change points, the first at 0.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BucketTimeline(Vec<(u64, Bucket)>);

impl BucketTimeline {
    /// The buckets over `[0, horizon)` of an app used during `app_use`, with the screen on
    /// during `screen` (which contains `app_use`).
    pub fn new(app_use: &Windows, screen: &Windows, horizon: u64, t: &Thresholds) -> Self {
        let mut out: Vec<(u64, Bucket)> = Vec::new();
        let mut push = |at: u64, b: Bucket| match out.last_mut() {
            Some(last) if last.0 == at => last.1 = b,
            Some(last) if last.1 == b => {}
            _ => out.push((at, b)),
        };
        let uses = app_use.as_slice();
        // Gaps between uses: from the last use (0 before the first session) to the next one.
        let mut last_use = 0;
        let mut i = 0;
        if uses.first().is_some_and(|&(a, _)| a == 0) {
            push(0, Bucket::Active);
            last_use = uses[0].1;
            i = 1;
        }
        loop {
            let next = uses.get(i).map_or(horizon, |&(a, _)| a.min(horizon));
            push(last_use.min(next), Bucket::Active);
            for (k, bucket) in Bucket::ALL[1..].iter().enumerate() {
                let by_elapsed = last_use.saturating_add(t.elapsed[k]);
                let by_screen = match t.screen[k] {
                    0 => last_use,
                    s => screen.advance(last_use, s).unwrap_or(u64::MAX),
                };
                let at = by_elapsed.max(by_screen);
                if at >= next {
                    break;
                }
                push(at, *bucket);
            }
            match uses.get(i) {
                Some(&(a, b)) if a < horizon => {
                    push(a, Bucket::Active);
                    last_use = b;
                    i += 1;
                }
                _ => break,
            }
            if last_use >= horizon {
                break;
            }
        }
        BucketTimeline(out)
    }

    pub fn at(&self, t: u64) -> Bucket {
        let i = self.0.partition_point(|&(from, _)| from <= t);
        if i == 0 {
            Bucket::Active
        } else {
            self.0[i - 1].1
        }
    }

    pub fn changes(&self) -> &[(u64, Bucket)] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::{DAY, HOUR};

    #[test]
    fn an_unused_app_ages_to_rare_and_restricted_with_elapsed_and_screen_time() {
        // Used [0, 1 h); the screen is on 10:00–12:00 daily for other apps. Since the last use
        // at 1 h: WORKING_SET once 12 h have passed (screen threshold 0) → 13 h; FREQUENT at
        // 24 h elapsed and 1 h screen (11:00 on day 0) → 25 h; RARE at 48 h and 2 h screen
        // (12:00 day 0) → 49 h; RESTRICTED at 8 d and 6 h screen (12:00 day 2) → 193 h.
        let used = Windows::merged(vec![(0, HOUR)]);
        let mut screen = Windows::daily(&[(10 * HOUR, 12 * HOUR)], 10 * DAY)
            .as_slice()
            .to_vec();
        screen.push((0, HOUR));
        let screen = Windows::merged(screen);
        let t = Thresholds::from(&Params::default());
        let b = BucketTimeline::new(&used, &screen, 10 * DAY, &t);
        assert_eq!(
            b.changes(),
            &[
                (0, Bucket::Active),
                (13 * HOUR, Bucket::WorkingSet),
                (25 * HOUR, Bucket::Frequent),
                (49 * HOUR, Bucket::Rare),
                (193 * HOUR, Bucket::Restricted),
            ]
        );
        assert_eq!(b.at(48 * HOUR), Bucket::Frequent);
    }

    #[test]
    fn without_other_screen_time_an_app_used_daily_stays_active_or_working_set() {
        // Used 08:00–09:00 daily; the screen is on only then. 12 h after 09:00 (21:00) it is
        // WORKING_SET; FREQUENT needs 1 h of screen time since the last use, which only the
        // next use brings — and that use makes it ACTIVE again at 08:00 (32 h), WORKING_SET
        // 12 h after it ends (45 h).
        let used = Windows::daily(&[(8 * HOUR, 9 * HOUR)], 2 * DAY);
        let t = Thresholds::from(&Params::default());
        let b = BucketTimeline::new(&used, &used, 2 * DAY, &t);
        assert_eq!(
            b.changes(),
            &[
                (0, Bucket::Active),
                (21 * HOUR, Bucket::WorkingSet),
                (32 * HOUR, Bucket::Active),
                (45 * HOUR, Bucket::WorkingSet),
            ]
        );
    }
}
