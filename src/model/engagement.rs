//! Site-engagement levels and the periodic-sync penalty they imply (DESIGN §4.4, §3.1).

use std::fmt;

/// Chromium's `blink::mojom::EngagementLevel`, ordered from least to most engaged.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[non_exhaustive]
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

impl EngagementLevel {
    /// The level of a total score; thresholds from site_engagement_score.cc
    /// (GetEngagementLevel): exactly 0 NONE, < 1 MINIMAL, < medium boundary (15) LOW, < high
    /// boundary (50) MEDIUM, < 100 HIGH (kMaxPoints), else MAX.
    pub fn of_score(score: f64, p: &ScoreParams) -> EngagementLevel {
        if score == 0.0 {
            EngagementLevel::None
        } else if score < 1.0 {
            EngagementLevel::Minimal
        } else if score < p.medium_boundary {
            EngagementLevel::Low
        } else if score < p.high_boundary {
            EngagementLevel::Medium
        } else if score < MAX_POINTS {
            EngagementLevel::High
        } else {
            EngagementLevel::Max
        }
    }
}

/// The score's cap, site_engagement_score.cc (kMaxPoints). The medium and high boundaries are
/// Finch variables: parameters (`engagement_medium_boundary`, `engagement_high_boundary`).
pub const MAX_POINTS: f64 = 100.0;

/// How an origin's engagement is described in a scenario.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum EngagementSpec {
    /// A fixed level, for experiments that isolate tiers.
    Pinned(EngagementLevel),
    /// Chromium's SiteEngagementScore driven by visits.
    Score {
        /// Raw score at t = 0 (counted as engaged at t = 0, so it decays from there).
        initial: f64,
        /// Poisson visits with this mean gap, if any.
        mean_interval: Option<u64>,
        /// Explicit visit times.
        at: Vec<u64>,
        /// User interactions per visit (each adds `user_input_points`).
        interactions: u32,
    },
}

/// The subset of parameters the score needs (copied out of `Params` so this module stays
/// independent of the policy).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoreParams {
    pub navigation_points: f64,
    pub user_input_points: f64,
    pub first_daily_engagement_points: f64,
    pub max_points_per_day: f64,
    pub decay_period: u64,
    pub decay_points: f64,
    pub score_cleanup_threshold: f64,
    pub web_app_installed_points: f64,
    pub installed_app_launch_window: u64,
    pub medium_boundary: f64,
    pub high_boundary: f64,
    pub max_decays_per_score: u64,
    pub last_engagement_grace_period: u64,
    /// The powers of `decay_proportion`.
    pub decay: DecayTable,
}

impl ScoreParams {
    /// GetMaxDecayPeriod: decay period × max decays per score (8 h).
    pub fn max_decay_period(&self) -> u64 {
        self.decay_period.saturating_mul(self.max_decays_per_score)
    }

    /// GetStalePeriod: the max decay period plus the grace period (9 h): no engagement anywhere
    /// in the profile for this long and the scores are rebased (the user was away).
    pub fn stale_period(&self) -> u64 {
        self.max_decay_period()
            .saturating_add(self.last_engagement_grace_period)
    }
}

impl From<&crate::model::params::Params> for ScoreParams {
    fn from(p: &crate::model::params::Params) -> Self {
        ScoreParams {
            navigation_points: p.navigation_points,
            user_input_points: p.user_input_points,
            first_daily_engagement_points: p.first_daily_engagement_points,
            max_points_per_day: p.max_points_per_day,
            decay_period: p.decay_period.ms(),
            decay_points: p.decay_points,
            score_cleanup_threshold: p.score_cleanup_threshold,
            web_app_installed_points: p.web_app_installed_points,
            installed_app_launch_window: p.installed_app_launch_window.ms(),
            medium_boundary: p.engagement_medium_boundary,
            high_boundary: p.engagement_high_boundary,
            max_decays_per_score: p.max_decays_per_score as u64,
            last_engagement_grace_period: p.last_engagement_grace_period.ms(),
            decay: DecayTable::of(p.decay_proportion),
        }
    }
}

/// Chromium's SiteEngagementScore for one origin (site_engagement_score.cc: AddPoints,
/// DecayedScore, BonusIfShortcutLaunched, GetTotalScore), in virtual time where t = 0 is local
/// midnight. A visit of an installed app counts as a launch of its shortcut.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EngagementScore {
    raw: f64,
    points_added_today: f64,
    last_engagement: Option<u64>,
    last_launch: Option<u64>,
}

const DAY_MS: u64 = crate::engine::time::DAY;

impl EngagementScore {
    pub fn new(initial: f64) -> Self {
        EngagementScore {
            raw: initial.min(MAX_POINTS),
            points_added_today: 0.0,
            last_engagement: (initial > 0.0).then_some(0),
            last_launch: None,
        }
    }

    /// DecayedScore: `raw × proportion^periods − periods × decay_points`, floored at 0, with
    /// `periods` = whole decay periods since the last engagement.
    pub fn decayed(&self, now: u64, p: &ScoreParams) -> f64 {
        let Some(last) = self.last_engagement else {
            return 0.0;
        };
        self.decayed_after(now.saturating_sub(last) / p.decay_period, p)
    }

    /// DecayedScore after `periods` whole decay periods.
    fn decayed_after(&self, periods: u64, p: &ScoreParams) -> f64 {
        // Chromium: `std::pow(kDecayProportion, periods)`; libm's pure-Rust pow gives the same
        // bits on every platform (`powi` has unspecified precision).
        let factor = p.decay.factor(periods);
        (self.raw * factor - periods as f64 * p.decay_points).max(0.0)
    }

    /// Whether a cleanup at `now` surely keeps this score, from the decayed score alone: the
    /// total adds a non-negative bonus and is capped at [`MAX_POINTS`], so a decayed score
    /// above the threshold (below the cap) keeps it. The start-up cleanup asks this of every
    /// origin at every browser start; the bonus and the cap are then not needed.
    pub fn surely_kept(&self, now: u64, p: &ScoreParams) -> bool {
        let Some(last) = self.last_engagement else {
            return true; // nothing stored, nothing to wipe
        };
        self.kept_after(now.saturating_sub(last) / p.decay_period, p)
    }

    /// [`EngagementScore::surely_kept`] after `periods` whole decay periods.
    fn kept_after(&self, periods: u64, p: &ScoreParams) -> bool {
        p.score_cleanup_threshold < MAX_POINTS
            && self.decayed_after(periods, p) > p.score_cleanup_threshold
    }

    /// For how many whole decay periods after the last engagement a cleanup surely keeps this
    /// score ([`EngagementScore::surely_kept`] holds exactly while fewer have passed;
    /// `u64::MAX`: for ever). It depends on the raw score alone, so a rebase, which only moves
    /// the last engagement, keeps it. The decayed score never rises with the periods when the
    /// proportion is in [0, 1] and the decay points are not negative (`pow` of a base below 1
    /// falls by far more than its rounding error per period), so the first period that fails
    /// is found by galloping then bisecting; other parameters get 0 (no shortcut: every
    /// cleanup asks `surely_kept`).
    pub fn kept_periods(&self, p: &ScoreParams) -> u64 {
        if self.last_engagement.is_none() {
            return u64::MAX;
        }
        let proportion = p.decay.proportion;
        let kept = |k: u64| self.kept_after(k, p);
        if !(0.0..=1.0).contains(&proportion) || p.decay_points < 0.0 || !kept(0) {
            return 0;
        }
        // Gallop: `kept(lo)` and `!kept(lo + step)` at the end.
        let (mut lo, mut step) = (0u64, 1u64);
        while kept(lo + step) {
            lo += step;
            step *= 2;
            if lo + step >= 1 << 40 {
                return u64::MAX; // kept for longer than any run
            }
        }
        // Bisect the `step` periods after `lo` without a branch on the outcome (a select: the
        // outcomes are unpredictable). Keeps `kept(lo)`, and the first failing period at most
        // `lo + len` (the decay never rises).
        let mut len = step;
        while len > 1 {
            let half = len / 2;
            lo = std::hint::select_unpredictable(kept(lo + half), lo + half, lo);
            len -= half;
        }
        lo + 1
    }

    /// The time until which a cleanup surely keeps this score, given its
    /// [`EngagementScore::kept_periods`]: the start of the first period that may wipe it.
    pub fn kept_until(&self, kept_periods: u64, p: &ScoreParams) -> u64 {
        self.last_engagement.map_or(u64::MAX, |last| {
            last.saturating_add(kept_periods.saturating_mul(p.decay_period))
        })
    }

    /// GetTotalScore: the decayed score plus the installed-app bonus, capped. A low score stays
    /// what it is until a cleanup wipes it (`cleanup`).
    pub fn total(&self, now: u64, installed: bool, p: &ScoreParams) -> f64 {
        let bonus = match self.last_launch {
            Some(t)
                if installed
                    && now.saturating_sub(t) / DAY_MS <= p.installed_app_launch_window / DAY_MS =>
            {
                p.web_app_installed_points
            }
            _ => 0.0,
        };
        (self.decayed(now, p) + bonus).min(MAX_POINTS)
    }

    pub fn level(&self, now: u64, installed: bool, p: &ScoreParams) -> EngagementLevel {
        EngagementLevel::of_score(self.total(now, installed, p), p)
    }

    /// When the origin was last engaged with (`None`: no stored score).
    pub fn last_engagement(&self) -> Option<u64> {
        self.last_engagement
    }

    /// CleanupEngagementScores' wipe: a total score at or below `score_cleanup_threshold`
    /// deletes the stored score (it starts from nothing at the next visit). Returns whether it
    /// was wiped.
    pub fn cleanup(&mut self, now: u64, installed: bool, p: &ScoreParams) -> bool {
        self.last_engagement.is_some() && self.wipe_if_low(self.total(now, installed, p), p)
    }

    /// The wipe of [`EngagementScore::cleanup`] given the total score now (for callers that
    /// keep totals cached).
    pub fn wipe_if_low(&mut self, total: f64, p: &ScoreParams) -> bool {
        if total > p.score_cleanup_threshold {
            return false;
        }
        *self = EngagementScore::new(0.0);
        true
    }

    /// CleanupEngagementScores(true)'s rebase of this score's last engagement time, given the
    /// profile's last engagement `profile_last` and `rebase_time = now − max decay period`:
    /// it keeps its offset from the profile's last engagement, counted back from the rebase
    /// time, so decay stops while the whole profile is idle. Returns the new time.
    pub fn rebase(&mut self, now: u64, profile_last: u64, rebase_time: u64) -> Option<u64> {
        let t = self.last_engagement?;
        let new = if t > rebase_time {
            now
        } else if t > profile_last {
            rebase_time
        } else {
            rebase_time.saturating_sub(profile_last - t)
        };
        self.last_engagement = Some(new);
        Some(new)
    }

    /// Until when the total score stays what it is at `now` (the stored score unchanged): it
    /// depends on time only through the whole decay periods since the last engagement and the
    /// whole days since the last launch, so it holds until the next of those boundaries. A level
    /// computed once is reused until then without dividing again.
    pub fn total_valid_until(&self, now: u64, p: &ScoreParams) -> u64 {
        let next = |since: Option<u64>, unit: u64| {
            since.map_or(u64::MAX, |t| {
                let whole = now.saturating_sub(t) / unit + 1;
                t.saturating_add(whole.saturating_mul(unit))
            })
        };
        next(self.last_engagement, p.decay_period).min(next(self.last_launch, DAY_MS))
    }

    /// A visit with `interactions` user inputs (AddPoints of navigation + input points).
    pub fn visit(&mut self, now: u64, interactions: u32, installed: bool, p: &ScoreParams) {
        let mut points = p.navigation_points + interactions as f64 * p.user_input_points;
        let _ = installed;
        self.raw = self.decayed(now, p);
        if self
            .last_engagement
            .is_some_and(|last| last / DAY_MS != now / DAY_MS)
        {
            self.points_added_today = 0.0;
        }
        if self.points_added_today == 0.0 {
            points += p.first_daily_engagement_points;
        }
        let to_add = (MAX_POINTS - self.raw)
            .min(p.max_points_per_day - self.points_added_today)
            .min(points);
        self.points_added_today += to_add;
        self.raw += to_add;
        self.last_engagement = Some(now);
        if installed {
            self.last_launch = Some(now);
        }
    }

    /// Clearing browsing history resets the score.
    pub fn clear(&mut self) {
        *self = EngagementScore::new(0.0);
    }
}

/// Decay factors `libm::pow(proportion, n)` for `n < DecayTable::LEN`, shared by every device
/// of a run: the same proportion and small period counts recur on every level computation
/// (`pow` was 7.5 % of a fleet's run, a per-thread memo still 2 %). The table holds exactly
/// libm's values, so results are the same bits as calling it; longer gaps call it.
#[derive(Clone, Copy)]
pub struct DecayTable {
    proportion: f64,
    factors: &'static [f64],
}

impl DecayTable {
    /// 4,096 periods: 170 days of the default 1-hour decay period, 32 KiB.
    const LEN: usize = 4096;
    /// Distinct proportions whose tables live as long as the process (a sweep over the
    /// proportion); past them `pow` is called directly, so the memory stays bounded (2 MiB).
    const KEPT: usize = 64;

    /// The process-wide table of this proportion.
    pub fn of(proportion: f64) -> DecayTable {
        static TABLES: std::sync::Mutex<Vec<(u64, &'static [f64])>> =
            std::sync::Mutex::new(Vec::new());
        let bits = proportion.to_bits();
        let mut tables = TABLES.lock().unwrap_or_else(|e| e.into_inner());
        let factors = match tables.iter().find(|(b, _)| *b == bits) {
            Some(&(_, factors)) => factors,
            None if tables.len() < Self::KEPT => {
                let factors: &'static [f64] = Box::leak(
                    (0..Self::LEN)
                        .map(|n| libm::pow(proportion, n as f64))
                        .collect(),
                );
                tables.push((bits, factors));
                factors
            }
            None => &[],
        };
        DecayTable {
            proportion,
            factors,
        }
    }

    /// `libm::pow(proportion, periods)`.
    fn factor(&self, periods: u64) -> f64 {
        match self.factors.get(periods as usize) {
            Some(&f) => f,
            None => libm::pow(self.proportion, periods as f64),
        }
    }
}

impl PartialEq for DecayTable {
    fn eq(&self, other: &Self) -> bool {
        self.proportion.to_bits() == other.proportion.to_bits()
    }
}

impl fmt::Debug for DecayTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DecayTable({})", self.proportion)
    }
}

#[cfg(test)]
mod score_tests {
    use super::*;
    use crate::engine::time::HOUR;
    use crate::model::params::Params;

    fn p() -> ScoreParams {
        ScoreParams::from(&Params::default())
    }

    #[test]
    fn decay_factors_are_libms_pow_in_and_past_the_table() {
        // The table is a cache of libm::pow, never an approximation: bit-equal at 0, inside,
        // at its last entry (4,095) and past it (4,096: computed directly). 0.984^0 = 1.
        let t = DecayTable::of(0.984);
        assert_eq!(t.factor(0), 1.0);
        for n in [1, 2, 47, 4095, 4096, 100_000] {
            assert_eq!(
                t.factor(n).to_bits(),
                libm::pow(0.984, n as f64).to_bits(),
                "n = {n}"
            );
        }
        // The same proportion gets the same process-wide table; another gets its own.
        assert!(std::ptr::eq(t.factors, DecayTable::of(0.984).factors));
        assert_eq!(DecayTable::of(0.5).factor(3), 0.125);
    }

    #[test]
    fn visits_add_navigation_and_first_daily_bonus_then_cap_at_15_per_day() {
        let p = p();
        let mut s = EngagementScore::new(0.0);
        // First visit of day 0 at 08:00: 1.5 navigation + 1.5 first-daily bonus = 3.
        s.visit(8 * HOUR, 0, false, &p);
        assert!((s.total(8 * HOUR, false, &p) - 3.0).abs() < 1e-9);
        // Eight more visits the same hour: +1.5 each until the 15/day cap: 3 + 12 = 15.
        for _ in 0..8 {
            s.visit(8 * HOUR, 0, false, &p);
        }
        assert!((s.total(8 * HOUR, false, &p) - 15.0).abs() < 1e-9);
        assert_eq!(s.level(8 * HOUR, false, &p), EngagementLevel::Medium);
    }

    #[test]
    fn a_cleanup_surely_keeps_a_score_until_its_decay_reaches_the_threshold() {
        // A score of 1 engaged at 0 decays by 0.984 per whole 2 h (no decay points): 0.984^p
        // stays above the 0.5 cleanup threshold while p < ln 0.5 / ln 0.984 = 42.97, so after
        // 42 periods (84 h) the cleanup surely keeps it; after 43 (86 h) 0.984^43 = 0.49981 is
        // at or below it and the cleanup (no launch bonus) wipes it.
        let p = p();
        let mut s = EngagementScore::new(1.0);
        assert!(s.surely_kept(42 * 2 * HOUR + (2 * HOUR - 1), &p));
        assert!(!s.surely_kept(43 * 2 * HOUR, &p));
        assert!(!s.clone().cleanup(42 * 2 * HOUR, false, &p));
        assert!(s.cleanup(43 * 2 * HOUR, false, &p));
        assert_eq!(s.last_engagement(), None);
        assert!(
            s.surely_kept(43 * 2 * HOUR, &p),
            "nothing stored: nothing to wipe"
        );
    }

    #[test]
    fn a_kept_score_is_skipped_until_the_period_its_decay_reaches_the_threshold() {
        // The score above is surely kept for 43 periods (0 to 42), so until 86 h; rebased to
        // a last engagement at 10 h it still is for 43 periods, until 96 h. Wiped, it has
        // nothing to wipe: kept for ever.
        let p = p();
        let mut s = EngagementScore::new(1.0);
        assert_eq!(s.kept_periods(&p), 43);
        assert_eq!(s.kept_until(43, &p), 86 * HOUR);
        assert_eq!(s.rebase(20 * HOUR, 0, 10 * HOUR), Some(10 * HOUR));
        assert_eq!(s.kept_periods(&p), 43);
        assert_eq!(s.kept_until(43, &p), 96 * HOUR);
        assert!(s.cleanup(96 * HOUR, false, &p));
        assert_eq!(s.kept_periods(&p), u64::MAX);
        assert_eq!(s.kept_until(u64::MAX, &p), u64::MAX);
    }

    #[test]
    fn kept_periods_end_at_the_first_period_a_cleanup_may_wipe() {
        // Against a scan of every period, for scores from below the threshold to the cap, with
        // and without decay points: `surely_kept` holds at the start of every period before
        // the answer and fails at the answer's.
        let mut p = p();
        for decay_points in [0.0, 0.25] {
            p.decay_points = decay_points;
            for raw in [0.4, 0.51, 1.0, 3.0, 14.9, 50.0, 100.0] {
                let s = EngagementScore::new(raw);
                let first = (0..)
                    .find(|&k| !s.surely_kept(k * p.decay_period, &p))
                    .unwrap();
                assert_eq!(
                    s.kept_periods(&p),
                    first,
                    "raw {raw}, points {decay_points}"
                );
            }
        }
        // A proportion above 1 (a sweep's) gets no shortcut.
        p.decay = DecayTable::of(1.5);
        assert_eq!(EngagementScore::new(3.0).kept_periods(&p), 0);
    }

    #[test]
    fn the_total_holds_until_the_next_decay_period_or_launch_day() {
        // Engaged and launched (a visit) at 3 h, decay period 2 h: asked at 4 h the total holds
        // until 5 h (the first whole period), asked at 9.5 h until 11 h. A rebase at 20 h (profile
        // last engaged at 3 h, rebase time 12 h) moves the last engagement to 12 h but not the
        // launch: asked at 13 h, until 14 h; asked at 26 h the next period is 28 h but the next
        // launch day 27 h comes first. Nothing stored: for ever.
        let p = p();
        let mut s = EngagementScore::new(0.0);
        assert_eq!(s.total_valid_until(HOUR, &p), u64::MAX);
        s.visit(3 * HOUR, 0, true, &p);
        assert_eq!(s.total_valid_until(4 * HOUR, &p), 5 * HOUR);
        assert_eq!(s.total_valid_until(9 * HOUR + HOUR / 2, &p), 11 * HOUR);
        assert_eq!(s.rebase(20 * HOUR, 3 * HOUR, 12 * HOUR), Some(12 * HOUR));
        assert_eq!(s.total_valid_until(13 * HOUR, &p), 14 * HOUR);
        assert_eq!(s.total_valid_until(26 * HOUR, &p), 27 * HOUR);
        assert_eq!(
            s.total(27 * HOUR - 1, true, &p),
            s.total(26 * HOUR, true, &p)
        );
    }

    #[test]
    fn the_default_decay_factors_never_rise() {
        // `kept_periods` bisects on the decay: it needs proportion^(n+1) <= proportion^n
        // for libm's pow, over the table and past it.
        let t = p().decay;
        for n in 0..(DecayTable::LEN as u64 + 64) {
            assert!(t.factor(n + 1) <= t.factor(n), "period {n}");
        }
    }

    #[test]
    fn raw_score_decays_per_whole_two_hours_since_last_engagement() {
        let p = p();
        let mut s = EngagementScore::new(0.0);
        s.visit(0, 2, false, &p);
        // 1.5 + 2 × 0.6 + 1.5 = 4.2 at t = 0.
        assert!((s.total(0, false, &p) - 4.2).abs() < 1e-9);
        // 5 h later: 2 whole periods → 4.2 × 0.984².
        let expected = 4.2 * 0.984f64.powi(2);
        assert!((s.total(5 * HOUR, false, &p) - expected).abs() < 1e-9);
        // A visit at 5 h commits that decay, then adds 1.5 (same day, no bonus):
        // 4.2 × 0.984² + 1.5; the remaining hour of decay is forgotten (last engagement = 5 h).
        s.visit(5 * HOUR, 0, false, &p);
        let after = expected + 1.5;
        assert!((s.total(5 * HOUR, false, &p) - after).abs() < 1e-9);
        assert!((s.total(6 * HOUR, false, &p) - after).abs() < 1e-9);
        // Next day at 05:00 (24 h after the last visit = 12 periods) a visit gets the bonus:
        // after × 0.984¹² + 3.
        s.visit(29 * HOUR, 0, false, &p);
        let next = after * 0.984f64.powi(12) + 3.0;
        assert!((s.total(29 * HOUR, false, &p) - next).abs() < 1e-9);
    }

    #[test]
    fn installed_app_bonus_lasts_while_the_launch_is_recent() {
        let p = p();
        let mut s = EngagementScore::new(0.0);
        s.visit(0, 0, true, &p);
        // 3 points + 5 bonus.
        assert!((s.total(0, true, &p) - 8.0).abs() < 1e-9);
        // 10 days later (InDays = 10 ≤ 10) the bonus still applies; at 11 days it does not.
        let decayed10 = 3.0 * 0.984f64.powi(120);
        assert!((s.total(10 * DAY_MS, true, &p) - (decayed10 + 5.0)).abs() < 1e-9);
        // No bonus at 11 days; the decayed 3 × 0.984¹³² ≈ 0.36 stays until a cleanup wipes it.
        let decayed11 = 3.0 * 0.984f64.powi(132);
        assert!((s.total(11 * DAY_MS, true, &p) - decayed11).abs() < 1e-9);
    }

    #[test]
    fn low_scores_stay_minimal_until_a_cleanup_wipes_them() {
        let p = p();
        let mut s = EngagementScore::new(0.6);
        // 0.6 decays to 0.59 after one period: still MINIMAL (NONE only at exactly 0), and above
        // the 0.5 threshold a cleanup keeps it. 15 periods later 0.6 × 0.984¹⁵ ≈ 0.47 ≤ 0.5: still
        // MINIMAL when read, but a cleanup (site_engagement_service.cc CleanupEngagementScores)
        // wipes it: NONE, and nothing left to rebase.
        assert_eq!(s.level(2 * HOUR, false, &p), EngagementLevel::Minimal);
        assert!(!s.cleanup(2 * HOUR, false, &p));
        assert_eq!(s.level(30 * HOUR, false, &p), EngagementLevel::Minimal);
        assert!(s.cleanup(30 * HOUR, false, &p));
        assert_eq!(s.level(30 * HOUR, false, &p), EngagementLevel::None);
        assert_eq!(s.last_engagement(), None);
    }

    #[test]
    fn a_rebase_keeps_each_score_offset_from_the_profile_last_engagement() {
        // site_engagement_service_unittest.cc CleanupEngagementScoresRebase-style: now = 100 h,
        // max decay period 8 h → rebase time 92 h; the profile was last engaged at 50 h. A score
        // last engaged at 50 h (offset 0) moves to 92 h; one at 40 h (10 h before the profile's)
        // to 82 h; one engaged after the profile time but before the rebase time (60 h) to 92 h.
        let mut a = EngagementScore::new(10.0);
        a.last_engagement = Some(50 * HOUR);
        let mut b = EngagementScore::new(10.0);
        b.last_engagement = Some(40 * HOUR);
        let mut c = EngagementScore::new(10.0);
        c.last_engagement = Some(60 * HOUR);
        assert_eq!(a.rebase(100 * HOUR, 50 * HOUR, 92 * HOUR), Some(92 * HOUR));
        assert_eq!(b.rebase(100 * HOUR, 50 * HOUR, 92 * HOUR), Some(82 * HOUR));
        assert_eq!(c.rebase(100 * HOUR, 50 * HOUR, 92 * HOUR), Some(92 * HOUR));
        // Read at 100 h, a has decayed 4 periods (8 h) instead of 25.
        let p = p();
        assert!((a.total(100 * HOUR, false, &p) - 10.0 * 0.984f64.powi(4)).abs() < 1e-9);
    }

    #[test]
    fn levels_follow_chromium_thresholds() {
        for (score, level) in [
            (0.0, EngagementLevel::None),
            (0.5, EngagementLevel::Minimal),
            (1.0, EngagementLevel::Low),
            (15.0, EngagementLevel::Medium),
            (50.0, EngagementLevel::High),
            (100.0, EngagementLevel::Max),
        ] {
            assert_eq!(EngagementLevel::of_score(score, &p()), level, "{score}");
        }
    }
}
