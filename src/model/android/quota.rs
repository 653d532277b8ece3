//! JobScheduler's quotas per standby bucket (DESIGN §4.7).
//!
//! Source: `apex/jobscheduler/service/java/com/android/server/job/controllers/QuotaController.java`
//! (`QcConstants`, `Timer`, `isWithinQuotaLocked`, `isQuotaFreeLocked`). An app's background jobs
//! are timed in timing sessions (from the first job starting to the last one stopping; sessions
//! less than `timing_session_coalescing_duration` apart are one). A job may start while, within
//! its bucket's window, the app's execution time is under `allowed_time_per_period`, and its job
//! and session counts are under the bucket's maxima, and its execution time in the last 24 h is
//! under `max_execution_time`. Quota does not apply while the device charges (except in
//! RESTRICTED) or to the app in the foreground (a TOP app's jobs are not timed).
//!
//! Simplifications: the 1-minute rate-limiting window and the in-quota buffer are not
//! modelled; an out-of-quota app is back in quota when enough whole sessions have left the
//! window (AOSP can resume part-way through one when only execution time is short: jobs are
//! seconds long here, the counts decide).

use super::standby::Bucket;
use crate::engine::time::DAY;
use crate::model::params::Params;

/// One bucket's limits.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub window: u64,
    pub max_jobs: u32,
    pub max_sessions: u32,
}

/// The quota constants.
#[derive(Clone, Copy, Debug)]
pub struct QuotaParams {
    pub allowed_time_per_period: u64,
    pub max_execution_time: u64,
    pub coalescing: u64,
    /// Indexed like [`Bucket::ALL`].
    pub limits: [Limits; 5],
}

impl From<&Params> for QuotaParams {
    fn from(p: &Params) -> Self {
        let l = |window: crate::engine::time::SimDuration, jobs, sessions| Limits {
            window: window.ms(),
            max_jobs: jobs,
            max_sessions: sessions,
        };
        QuotaParams {
            allowed_time_per_period: p.allowed_time_per_period.ms(),
            max_execution_time: p.max_execution_time.ms(),
            coalescing: p.timing_session_coalescing_duration.ms(),
            limits: [
                l(
                    p.window_size_active,
                    p.max_job_count_active,
                    p.max_session_count_active,
                ),
                l(
                    p.window_size_working,
                    p.max_job_count_working,
                    p.max_session_count_working,
                ),
                l(
                    p.window_size_frequent,
                    p.max_job_count_frequent,
                    p.max_session_count_frequent,
                ),
                l(
                    p.window_size_rare,
                    p.max_job_count_rare,
                    p.max_session_count_rare,
                ),
                l(
                    p.window_size_restricted,
                    p.max_job_count_restricted,
                    p.max_session_count_restricted,
                ),
            ],
        }
    }
}

/// A finished timing session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Session {
    start: u64,
    end: u64,
    jobs: u32,
}

/// One app's timing sessions.
#[derive(Clone, Debug, Default)]
pub struct Quota {
    /// Finished sessions, oldest first; those older than a day are dropped.
    sessions: std::collections::VecDeque<Session>,
    /// The session being timed: `(start, jobs)`.
    open: Option<(u64, u32)>,
}

impl Quota {
    /// A background job starts at `now`; `free` when quota does not apply (charging, TOP).
    pub fn job_started(&mut self, now: u64, free: bool) {
        if free {
            return;
        }
        match &mut self.open {
            Some((_, jobs)) => *jobs += 1,
            None => self.open = Some((now, 1)),
        }
    }

    /// The app's last running background job stopped (`emitSessionLocked`).
    pub fn jobs_stopped(&mut self, now: u64, p: &QuotaParams) {
        let Some((start, jobs)) = self.open.take() else {
            return;
        };
        match self.sessions.back_mut() {
            Some(last) if start.saturating_sub(last.end) <= p.coalescing => {
                last.end = now;
                last.jobs += jobs;
            }
            _ => self.sessions.push_back(Session {
                start,
                end: now,
                jobs,
            }),
        }
        let horizon = p
            .limits
            .iter()
            .map(|l| l.window)
            .max()
            .unwrap_or(0)
            .max(DAY);
        while self
            .sessions
            .front()
            .is_some_and(|s| s.end.saturating_add(horizon) <= now)
        {
            self.sessions.pop_front();
        }
    }

    /// Whether a job may start at `now` in `bucket`.
    pub fn allows(&self, now: u64, bucket: Bucket, p: &QuotaParams) -> bool {
        self.within(now, bucket, p)
    }

    /// The earliest time ≥ `now` at which a job may start in `bucket` (assuming it stays), or
    /// `None` while a session is open and over quota (decided again when it closes).
    pub fn in_quota_at(&self, now: u64, bucket: Bucket, p: &QuotaParams) -> Option<u64> {
        if self.allows(now, bucket, p) {
            return Some(now);
        }
        if self.open.is_some() {
            return None;
        }
        let window = p.limits[bucket as usize].window;
        // Counts only fall as whole sessions leave the window (and the day).
        let mut candidates: Vec<u64> = self
            .sessions
            .iter()
            .flat_map(|s| [s.end.saturating_add(window), s.end.saturating_add(DAY)])
            .filter(|&t| t > now)
            .collect();
        candidates.sort_unstable();
        candidates.into_iter().find(|&t| self.within(t, bucket, p))
    }

    fn within(&self, now: u64, bucket: Bucket, p: &QuotaParams) -> bool {
        let l = p.limits[bucket as usize];
        let from = now.saturating_sub(l.window);
        let day_from = now.saturating_sub(DAY);
        let (mut time, mut day_time, mut jobs, mut sessions) = (0u64, 0u64, 0u32, 0u32);
        let open = self.open.map(|(start, jobs)| Session {
            start,
            end: now,
            jobs,
        });
        for s in self.sessions.iter().chain(open.iter()) {
            if s.end > from {
                time += s.end - s.start.max(from);
                jobs += s.jobs;
                sessions += 1;
            }
            if s.end > day_from {
                day_time += s.end - s.start.max(day_from);
            }
        }
        time < p.allowed_time_per_period
            && day_time < p.max_execution_time
            && jobs < l.max_jobs
            && sessions < l.max_sessions
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::{HOUR, SECOND};

    #[test]
    fn a_rare_app_runs_three_job_sessions_a_day() {
        // RARE: window 24 h, MAX_SESSION_COUNT_RARE 3. Jobs of 2 s at 0, 1 h and 2 h are three
        // sessions (more than 5 s apart); a fourth at 3 h is out of quota until the first
        // session leaves the window: its end (2 s) + 24 h.
        let p = QuotaParams::from(&Params::default());
        let mut q = Quota::default();
        for start in [0, HOUR, 2 * HOUR] {
            assert!(q.allows(start, Bucket::Rare, &p));
            q.job_started(start, false);
            q.jobs_stopped(start + 2 * SECOND, &p);
        }
        assert!(!q.allows(3 * HOUR, Bucket::Rare, &p));
        assert_eq!(
            q.in_quota_at(3 * HOUR, Bucket::Rare, &p),
            Some(24 * HOUR + 2 * SECOND)
        );
        // The same history is far inside WORKING_SET's 10 sessions per 2 h.
        assert!(q.allows(3 * HOUR, Bucket::WorkingSet, &p));
    }

    #[test]
    fn jobs_within_the_coalescing_duration_are_one_session_and_free_jobs_are_not_timed() {
        // TIMING_SESSION_COALESCING_DURATION 5 s: a job 4 s after the last ended joins it.
        let p = QuotaParams::from(&Params::default());
        let mut q = Quota::default();
        q.job_started(0, false);
        q.jobs_stopped(SECOND, &p);
        q.job_started(5 * SECOND, false);
        q.jobs_stopped(6 * SECOND, &p);
        q.job_started(HOUR, true); // charging: quota-free, not timed
        q.jobs_stopped(HOUR + SECOND, &p);
        assert_eq!(
            q.sessions.iter().copied().collect::<Vec<_>>(),
            vec![Session {
                start: 0,
                end: 6 * SECOND,
                jobs: 2
            }]
        );
    }
}
