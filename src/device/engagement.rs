//! Site engagement on the device: visits, history clears, levels and the revival of suspended
//! periodic registrations (DESIGN §4.4; background_sync_manager.cc RevivePeriodicSyncRegistrations).

use super::{DeviceSim, Trigger};
use crate::model::engagement::{EngagementLevel, EngagementSpec};
use crate::model::registration::{RegState, SyncKind};

impl DeviceSim<'_> {
    /// The origin's engagement level now.
    pub(super) fn level(&self, origin: u32) -> EngagementLevel {
        let spec = &self.spec.origins[origin as usize];
        let state = &self.origins[origin as usize];
        match (&spec.engagement, &state.score) {
            (EngagementSpec::Pinned(level), _) => *level,
            (_, Some(_)) => EngagementLevel::of_score(self.total_score(origin), &self.score_params),
            (_, None) => EngagementLevel::None,
        }
    }

    /// The origin's stored total score now (GetTotalScore), through the per-origin cache: the
    /// total holds until `EngagementScore::total_valid_until` (time only moves forward).
    fn total_score(&self, origin: u32) -> f64 {
        let state = &self.origins[origin as usize];
        let Some(score) = &state.score else {
            return 0.0;
        };
        let now = self.now.ms();
        if let Some((until, total)) = state.total_cache.get()
            && now < until
        {
            return total;
        }
        let installed = self.spec.origins[origin as usize].installed;
        let total = score.total(now, installed, &self.score_params);
        let until = score.total_valid_until(now, &self.score_params);
        state.total_cache.set(Some((until, total)));
        total
    }

    fn interactions(&self, origin: u32) -> u32 {
        match self.spec.origins[origin as usize].engagement {
            EngagementSpec::Score { interactions, .. } => interactions,
            EngagementSpec::Pinned(_) => 0,
        }
    }

    fn note_level(&mut self, origin: u32) {
        let level = self.level(origin);
        let state = &mut self.origins[origin as usize];
        if state.last_level != level {
            self.out.level_changes += 1;
            state.last_level = level;
        }
    }

    pub(super) fn visit(&mut self, origin: u32) {
        let installed = self.spec.origins[origin as usize].installed;
        let interactions = self.interactions(origin);
        let now = self.now.ms();
        let params = self.score_params;
        if let Some(score) = self.origins[origin as usize].score.as_mut() {
            score.visit(now, interactions, installed, &params);
            self.profile_engaged = Some(now); // SetLastEngagementTime
        }
        self.score_changed(origin);
        self.note_level(origin);
        if self.level(origin) != EngagementLevel::None {
            self.revive(origin);
        }
    }

    /// Before every event: a user session is engagement with the profile (`sessions_engage`);
    /// if the profile's last engagement is stale (IsLastEngagementStale: the stale period has
    /// passed), every score is rebased and low ones are wiped (CleanupEngagementScores(true)),
    /// so scores stop decaying while the whole profile is idle.
    pub(super) fn refresh_engagement(&mut self) {
        let Some(last) = self.profile_engaged else {
            return; // nothing recorded yet: never stale
        };
        let now = self.now.ms();
        // A select rather than a branch on the session: this runs before every event, and
        // sessions come and go unpredictably (a mispredicted branch at every other event).
        let engaged = self.in_session & self.spec.sessions_engage;
        self.profile_engaged = Some(std::hint::select_unpredictable(engaged, now, last));
        if !engaged & (now.saturating_sub(last) >= self.score_params.stale_period()) {
            self.cleanup_scores(true);
        }
    }

    /// The browser started: AfterStartupTask runs CleanupEngagementScores, with the rebase if
    /// the profile's last engagement is stale.
    pub(super) fn engagement_after_startup(&mut self) {
        let stale = self.profile_engaged.is_some_and(|last| {
            self.now.ms().saturating_sub(last) >= self.score_params.stale_period()
        });
        self.cleanup_scores(stale);
    }

    /// site_engagement_service.cc CleanupEngagementScores: optionally rebase every stored
    /// score's last engagement relative to `now − max decay period`, then wipe the scores at or
    /// below the cleanup threshold. The profile's last engagement becomes the newest rebased
    /// time, which is the rebase time itself: the site engaged with last (a simulated origin,
    /// or a site browsed in a session) keeps no offset.
    fn cleanup_scores(&mut self, rebase: bool) {
        let now = self.now.ms();
        if !rebase && now < self.scores_kept_until {
            return;
        }
        let p = self.score_params;
        let mut kept_until = u64::MAX;
        let last = self.profile_engaged.unwrap_or(0).min(now);
        let rebase_time = now.saturating_sub(p.max_decay_period());
        for o in 0..self.origins.len() {
            let state = &mut self.origins[o];
            let Some(score) = state.score.as_mut() else {
                continue;
            };
            // A rebase moves the last engagement (the total changes), not the raw score (its
            // kept periods stay).
            if rebase && score.rebase(now, last, rebase_time).is_some() {
                state.total_cache.set(None);
            }
            let periods = *state
                .kept_periods
                .get_or_insert_with(|| score.kept_periods(&p));
            let until = score.kept_until(periods, &p);
            kept_until = kept_until.min(until);
            if now < until {
                debug_assert!(score.surely_kept(now, &p));
                continue;
            }
            let total = self.total_score(o as u32);
            let state = &mut self.origins[o];
            if let Some(score) = state.score.as_mut()
                && score.wipe_if_low(total, &p)
            {
                state.score_changed();
            }
        }
        if rebase {
            self.profile_engaged = Some(rebase_time);
        }
        // At most `now` if some score was not surely kept: the next cleanup looks again.
        self.scores_kept_until = kept_until;
    }

    /// The origin's stored score changed.
    fn score_changed(&mut self, origin: u32) {
        self.origins[origin as usize].score_changed();
        self.scores_kept_until = 0;
    }

    pub(super) fn clear_history(&mut self, origin: u32) {
        if let Some(score) = self.origins[origin as usize].score.as_mut() {
            score.clear();
        }
        self.score_changed(origin);
        self.note_level(origin);
    }

    /// Recomputes `delay_until` of the origin's suspended periodic registrations (all delays
    /// first, as ReviveOriginImpl does, then applied).
    fn revive(&mut self, origin: u32) {
        let suspended: Vec<u32> = self
            .active
            .of_origin(SyncKind::Periodic, origin)
            .map(|(_, id)| id)
            .filter(|&id| {
                let r = &self.out.registrations[id as usize];
                r.state == RegState::Pending && r.delay_until.is_never()
            })
            .collect();
        if suspended.is_empty() {
            return;
        }
        let mut delays = Vec::with_capacity(suspended.len());
        for &id in &suspended {
            let reg = &self.out.registrations[id as usize];
            let ctx = self.ctx(reg);
            delays.push(self.policy.periodic_delay_until(reg, &ctx));
        }
        for (id, delay_until) in suspended.into_iter().zip(delays) {
            if !delay_until.is_never() {
                let level = self.level(self.out.registrations[id as usize].origin);
                self.out.registrations[id as usize].scheduled_level = Some(level);
                self.out.registrations[id as usize].delay_until = delay_until;
                self.touch_reg(id);
                self.persist(id);
                self.mark_due(id);
                self.arm_timer(delay_until);
            }
        }
        self.fire_ready(Trigger::Revival);
    }
}
