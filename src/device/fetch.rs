//! Background Fetch on the device (DESIGN §8): requests download one after another at the
//! device's bandwidth while it is online and the browser runs; every state change is persisted
//! with Chromium's key schema, and a process death rebuilds each fetch from its committed keys
//! (active requests go back to pending; partial bytes are wasted unless `resume`).
//!
//! Scheduling (background_fetch_scheduler.cc ScheduleDownload): at most `max_active_fetches`
//! registrations are active at once, from distinct origins, activated in registration order;
//! the active ones download (at most `max_running_downloads` at once) and share the device's
//! bandwidth equally, every download re-timed whenever the number running changes.
//!
//! Simplifications, documented in the README: a registration downloads one request at a time
//! (Chromium may run two of one registration in parallel; sharing the bandwidth, the fetch ends
//! at the same time); a network drop pauses the active request (it restarts from zero without
//! `resume`); a failed request attempt (server error, `request_failure_probability`) is
//! detected when it finishes; `max_request_failures` failures of one request end the fetch.

use std::sync::Arc;

use super::record::{Invariant, WakeCause};
use super::{DeviceSim, Ev};
use crate::engine::EventKey;
use crate::engine::rng::{StreamId, StreamKey};
use crate::engine::time::{SimDuration, SimTime};
use crate::model::fetch::{RequestState, active_id_key, guid, metadata_keys, request_key};
use crate::model::handler::Settle;

/// What a persisted Background Fetch key belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FetchRecord {
    /// Index of the fetch on the device.
    pub fetch: u32,
}

/// How a fetch ended.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[non_exhaustive]
pub enum FetchOutcome {
    Succeeded,
    Failed,
    Aborted,
    /// Refused at registration: browser down, or its developer id was already active.
    Rejected,
    /// Its registration never committed before a crash.
    Lost,
}

impl FetchOutcome {
    pub fn name(self) -> &'static str {
        match self {
            FetchOutcome::Succeeded => "success",
            FetchOutcome::Failed => "fail",
            FetchOutcome::Aborted => "aborted",
            FetchOutcome::Rejected => "rejected",
            FetchOutcome::Lost => "lost",
        }
    }
}

/// One Background Fetch registration and its progress (a row of `fetches.csv`).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct FetchRun {
    pub origin: u32,
    pub developer_id: Arc<str>,
    pub unique_id: String,
    pub requests: Vec<u64>,
    pub registered: SimTime,
    pub finished: Option<SimTime>,
    pub outcome: Option<FetchOutcome>,
    /// When the `backgroundfetchsuccess` / `backgroundfetchfail` event settled.
    pub event_end: Option<SimTime>,
    pub downloaded: u64,
    pub wasted: u64,
    pub crashes_survived: u32,
    pub request_failures: u32,
    /// Download segments `(request, from, to)`, recorded when tracing.
    pub segments: Vec<(u32, SimTime, SimTime)>,
    #[serde(skip)]
    state: FetchState,
}

#[derive(Clone, Debug, Default)]
struct FetchState {
    spec: u32,
    resume: bool,
    failure_probability: f64,
    states: Vec<RequestState>,
    /// Bytes of each request downloaded and kept so far.
    done: Vec<u64>,
    failures: Vec<u32>,
    /// The downloading request: index, since when, bytes kept when it started, its end event,
    /// its share of the bandwidth (bytes/s).
    active: Option<(usize, SimTime, u64, EventKey, u64)>,
    /// Activated by the scheduler (holds one of the `max_active_fetches` slots).
    scheduled: bool,
    attempts: u64,
}

impl DeviceSim<'_> {
    fn fetch_write(&mut self, key: String, value: Option<u32>) {
        let commit_at = self.now.after(self.spec.crashes.storage_write_latency);
        let record = value.map(|fetch| FetchRecord { fetch });
        self.fetch_store.write(key, record, commit_at, self.now);
    }

    pub(super) fn fetch_register(&mut self, origin: u32, spec: u32) {
        let f = &self.spec.origins[origin as usize].fetches[spec as usize];
        let index = self.out.fetches.len() as u32;
        let mut rng = StreamKey::new(
            self.seed,
            self.index,
            StreamId::FetchId {
                origin,
                fetch: spec,
            },
        )
        .stream();
        let developer_id: Arc<str> = Arc::from(f.developer_id.as_str());
        let duplicate =
            self.out.fetches.iter().any(|x| {
                x.origin == origin && x.outcome.is_none() && x.developer_id == developer_id
            });
        let mut run = FetchRun {
            origin,
            developer_id,
            unique_id: guid(&mut rng),
            requests: f.requests.clone(),
            registered: self.now,
            finished: None,
            outcome: None,
            event_end: None,
            downloaded: 0,
            wasted: 0,
            crashes_survived: 0,
            request_failures: 0,
            segments: Vec::new(),
            state: FetchState {
                spec,
                resume: f.resume,
                failure_probability: f.request_failure_probability,
                states: vec![RequestState::Pending; f.requests.len()],
                done: vec![0; f.requests.len()],
                failures: vec![0; f.requests.len()],
                active: None,
                scheduled: false,
                attempts: 0,
            },
        };
        if !self.browser_running() || duplicate {
            // The developer id is unique among active fetches (and no page runs while down).
            run.outcome = Some(FetchOutcome::Rejected);
            self.out.fetch_register_errors += 1;
            self.out.fetches.push(run);
            return;
        }
        let uid = run.unique_id.clone();
        self.fetch_write(active_id_key(&run.developer_id), Some(index));
        for key in metadata_keys(&uid) {
            self.fetch_write(key, Some(index));
        }
        for i in 0..run.requests.len() {
            self.fetch_write(request_key(RequestState::Pending, &uid, i), Some(index));
        }
        self.out.fetches.push(run);
        self.fetches_unfinished += 1;
    }

    /// Whether a request is downloading right now (it keeps an android process alive).
    pub(super) fn fetch_downloading(&self) -> bool {
        self.fetches_unfinished > 0 && self.out.fetches.iter().any(|f| f.state.active.is_some())
    }

    /// Activates, starts, pauses, re-times or finishes downloads after every event.
    pub(super) fn fetch_pump(&mut self) {
        if self.fetches_unfinished == 0 {
            return;
        }
        if self.android() && !self.browser_running() && !self.crashed() && self.online() {
            // The download service starts the browser to continue its downloads.
            self.start_process();
            self.record_wakeup(WakeCause::Fetch, self.now);
            self.arm_idle_kill();
            self.tasks_dirty = true;
        }
        let can = self.online() && self.browser_running();
        self.fetch_schedule();
        // Which fetches download now, and at what share of the bandwidth.
        let downloading: Vec<usize> = if can {
            (0..self.out.fetches.len())
                .filter(|&i| {
                    let f = &self.out.fetches[i];
                    f.outcome.is_none() && f.state.scheduled
                })
                .take(self.params.max_running_downloads.max(1) as usize)
                .collect()
        } else {
            Vec::new()
        };
        let rate = (self.spec.bandwidth / downloading.len().max(1) as u64).max(1);
        for i in 0..self.out.fetches.len() {
            if self.out.fetches[i].outcome.is_some() {
                continue;
            }
            let active = self.out.fetches[i].state.active;
            let wanted = downloading.contains(&i);
            match active {
                Some(_) if !wanted => self.fetch_pause(i),
                Some((.., r)) if r != rate => {
                    // Re-timed at the new share: keep what arrived, go on from there.
                    self.fetch_stop(i);
                    self.fetch_next(i, rate);
                }
                None if wanted => self.fetch_next(i, rate),
                _ => {}
            }
        }
    }

    /// BackgroundFetchScheduler::ScheduleDownload: fills free active slots with the oldest
    /// waiting registrations whose origin has none active.
    fn fetch_schedule(&mut self) {
        let max = self.params.max_active_fetches.max(1) as usize;
        let mut active = self
            .out
            .fetches
            .iter()
            .filter(|f| f.outcome.is_none() && f.state.scheduled)
            .count();
        for i in 0..self.out.fetches.len() {
            if active >= max {
                break;
            }
            let f = &self.out.fetches[i];
            if f.outcome.is_some() || f.state.scheduled {
                continue;
            }
            let origin = f.origin;
            let busy = self
                .out
                .fetches
                .iter()
                .any(|g| g.outcome.is_none() && g.state.scheduled && g.origin == origin);
            if !busy {
                self.out.fetches[i].state.scheduled = true;
                active += 1;
            }
        }
    }

    /// Stops the active download of fetch `i`, keeping (resume) or wasting its partial bytes.
    fn fetch_pause(&mut self, i: usize) {
        let Some(r) = self.fetch_stop(i) else { return };
        let f = &mut self.out.fetches[i];
        if !f.state.resume {
            f.wasted += f.state.done[r];
            f.state.done[r] = 0;
        }
    }

    /// Stops the active download of fetch `i` now: counts the bytes received since it started,
    /// records them as held by the request and returns the request's index.
    fn fetch_stop(&mut self, i: usize) -> Option<usize> {
        let now = self.now;
        // Segments are kept for traces and for the radio's energy (android, DESIGN §13).
        let tracing = self.tracing || self.power.is_some();
        let f = &mut self.out.fetches[i];
        let (r, since, kept, key, rate) = f.state.active.take()?;
        self.queue.cancel(key);
        let got = (now.since(since).ms() as u128 * rate as u128 / 1000) as u64;
        let got = got.min(f.requests[r] - kept);
        f.downloaded += got;
        f.state.done[r] = kept + got;
        if tracing {
            f.segments.push((r as u32, since, now));
        }
        Some(r)
    }

    /// Starts (or resumes) the next request of fetch `i` at `rate` bytes/s, or finishes the
    /// fetch when all are completed.
    fn fetch_next(&mut self, i: usize, rate: u64) {
        let f = &self.out.fetches[i];
        let next = f
            .state
            .states
            .iter()
            .position(|s| *s == RequestState::Active)
            .or_else(|| {
                f.state
                    .states
                    .iter()
                    .position(|s| *s == RequestState::Pending)
            });
        let Some(r) = next else {
            return self.fetch_finish(i, FetchOutcome::Succeeded);
        };
        if f.state.states[r] == RequestState::Pending {
            let uid = f.unique_id.clone();
            self.fetch_write(request_key(RequestState::Pending, &uid, r), None);
            self.fetch_write(request_key(RequestState::Active, &uid, r), Some(i as u32));
            self.out.fetches[i].state.states[r] = RequestState::Active;
        }
        let f = &self.out.fetches[i];
        let remaining = f.requests[r] - f.state.done[r];
        let ms = (remaining as u128 * 1000).div_ceil(rate as u128).max(1) as u64;
        let key = self.queue.schedule(
            self.now.after(SimDuration::from_ms(ms)),
            Ev::FetchRequestDone { fetch: i as u32 },
        );
        let kept = f.state.done[r];
        self.out.fetches[i].state.active = Some((r, self.now, kept, key, rate));
    }

    /// The active request of fetch `i` finished downloading.
    pub(super) fn fetch_request_done(&mut self, i: usize) {
        let now = self.now;
        let (seed, device) = (self.seed, self.index);
        let tracing = self.tracing || self.power.is_some();
        let max_failures = self.params.max_request_failures.max(1);
        let f = &mut self.out.fetches[i];
        let Some((r, since, kept, _, _)) = f.state.active.take() else {
            return;
        };
        let size = f.requests[r];
        f.downloaded += size - kept;
        if tracing {
            f.segments.push((r as u32, since, now));
        }
        // Server errors: the k-th attempt of this fetch draws from the fetch's own stream.
        let key = StreamKey::new(
            seed,
            device,
            StreamId::FetchFailures {
                origin: f.origin,
                fetch: f.state.spec,
            },
        );
        let failed = key.block(f.state.attempts).unit() < f.state.failure_probability;
        f.state.attempts += 1;
        if failed {
            f.request_failures += 1;
            f.state.failures[r] += 1;
            f.wasted += size;
            f.state.done[r] = 0;
            if f.state.failures[r] >= max_failures {
                self.fetch_finish(i, FetchOutcome::Failed);
            }
            return; // the pump retries it
        }
        f.state.done[r] = size;
        f.state.states[r] = RequestState::Completed;
        let uid = f.unique_id.clone();
        self.fetch_write(request_key(RequestState::Active, &uid, r), None);
        self.fetch_write(
            request_key(RequestState::Completed, &uid, r),
            Some(i as u32),
        );
        if self.out.fetches[i]
            .state
            .states
            .iter()
            .all(|s| *s == RequestState::Completed)
        {
            // Its last request: the fetch ends now and frees its slot before the pump works
            // out the slots and shares.
            self.fetch_finish(i, FetchOutcome::Succeeded);
        }
    }

    /// Ends fetch `i`: its keys are deleted and (success or fail) its event dispatched.
    fn fetch_finish(&mut self, i: usize, outcome: FetchOutcome) {
        // An aborted or failed fetch discards what its active request held, resumable or not.
        if let Some(r) = self.fetch_stop(i) {
            let f = &mut self.out.fetches[i];
            f.wasted += f.state.done[r];
            f.state.done[r] = 0;
        }
        let now = self.now;
        let max_event = self.params.max_sync_event_duration;
        let f = &self.out.fetches[i];
        let uid = f.unique_id.clone();
        let developer_id = f.developer_id.clone();
        let n = f.requests.len();
        let states = f.state.states.clone();
        let event_end = if matches!(outcome, FetchOutcome::Succeeded | FetchOutcome::Failed) {
            let spec = &self.spec.origins[f.origin as usize].fetches[f.state.spec as usize];
            let key = StreamKey::new(
                self.seed,
                self.index,
                StreamId::FetchHandler {
                    origin: f.origin,
                    fetch: f.state.spec,
                },
            );
            let (settle, duration) = spec.handler.plan(&key, 0, 0);
            let d = if settle == Settle::Hang {
                max_event
            } else {
                duration.min(max_event)
            };
            Some(now.after(d))
        } else {
            None
        };
        let f = &mut self.out.fetches[i];
        f.finished = Some(now);
        f.outcome = Some(outcome);
        f.event_end = event_end;
        self.fetches_unfinished -= 1;
        self.fetch_write(active_id_key(&developer_id), None);
        for key in metadata_keys(&uid) {
            self.fetch_write(key, None);
        }
        for (r, s) in states.iter().enumerate().take(n) {
            self.fetch_write(request_key(*s, &uid, r), None);
        }
    }

    pub(super) fn fetch_abort(&mut self, origin: u32, developer_id: &str) {
        if let Some(i) = self.out.fetches.iter().position(|f| {
            f.origin == origin && f.outcome.is_none() && &*f.developer_id == developer_id
        }) {
            self.fetch_finish(i, FetchOutcome::Aborted);
        }
    }

    /// The process died: downloads stop where they are, uncommitted writes are lost (unless the
    /// shutdown was clean) and every unfinished fetch is rebuilt from its committed keys.
    pub(super) fn fetch_process_died(&mut self, clean: bool) {
        if self.fetches_unfinished == 0 {
            return;
        }
        for i in 0..self.out.fetches.len() {
            if self.out.fetches[i].outcome.is_none() {
                // Bytes received so far stay held; the crash rule below keeps or wastes them.
                self.fetch_stop(i);
                // The scheduler is memory: at start-up it activates again in load order.
                self.out.fetches[i].state.scheduled = false;
            }
        }
        let lost = if clean {
            self.fetch_store.crash(SimTime::NEVER)
        } else {
            self.fetch_store.crash(self.now)
        };
        self.out.lost_writes += lost as u64;
        for i in 0..self.out.fetches.len() {
            if self.out.fetches[i].outcome.is_some() {
                continue;
            }
            let uid = self.out.fetches[i].unique_id.clone();
            let [registration, _, _] = metadata_keys(&uid);
            if self.fetch_store.get(&registration).is_none() {
                let f = &mut self.out.fetches[i];
                f.outcome = Some(FetchOutcome::Lost);
                f.finished = Some(self.now);
                self.fetches_unfinished -= 1;
                continue;
            }
            let n = self.out.fetches[i].requests.len();
            for r in 0..n {
                let has = |s| self.fetch_store.get(&request_key(s, &uid, r)).is_some();
                let state = if has(RequestState::Completed) {
                    RequestState::Completed
                } else if has(RequestState::Active) || has(RequestState::Pending) {
                    RequestState::Pending
                } else {
                    // No committed key at all for this request: §7 says this must not happen.
                    let now = self.now;
                    self.out
                        .invariants
                        .record(Invariant::StoredLostAfterRestart, now, None);
                    RequestState::Pending
                };
                if has(RequestState::Active) {
                    // A crash resets active requests to pending.
                    self.fetch_write(request_key(RequestState::Active, &uid, r), None);
                    self.fetch_write(request_key(RequestState::Pending, &uid, r), Some(i as u32));
                }
                let f = &mut self.out.fetches[i];
                if state != RequestState::Completed && f.state.done[r] > 0 && !f.state.resume {
                    f.wasted += f.state.done[r];
                    f.state.done[r] = 0;
                }
                if state == RequestState::Completed {
                    f.state.done[r] = f.requests[r];
                }
                f.state.states[r] = state;
            }
            if self.crashed() {
                // Crashes only, not an OS idle kill or a closed browser.
                self.out.fetches[i].crashes_survived += 1;
            }
        }
    }
}
