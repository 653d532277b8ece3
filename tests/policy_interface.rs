//! DESIGN §3: the scheduler-policy interface. A policy written here, outside the crate, through
//! the public `Policy` / `DevicePolicy` traits alone, runs in the device loop like a preset; and
//! each preset says which parameters it reads (`bgsim params --policy`, `--set`, `--vary`).

mod common;

use common::cli::bgsim;

use bgsim::engine::time::{SimDuration, SimTime};
use bgsim::experiment::{self, RunOptions};
use bgsim::model::policy::{Completion, Context, DevicePolicy, Policy, WakeupRule};
use bgsim::model::registration::{FinalState, Outcome, RegState, Registration, SyncKind};
use bgsim::scenario::Scenario;
use common::*;
use serde_json::json;

/// A test-only preset: every registration first runs `delay` after it was registered, a failed
/// attempt is retried `delay` after it ended, at most two attempts; periodic registrations run
/// every `min_interval`, whatever the engagement.
#[derive(Debug)]
struct FixedInterval {
    delay: SimDuration,
}

impl Policy for FixedInterval {
    fn name(&self) -> &str {
        "fixed-interval"
    }

    fn reads(&self, _param: &str) -> bool {
        false
    }

    fn wakeup_rule(&self) -> WakeupRule {
        WakeupRule::None
    }

    fn device(&self) -> Box<dyn DevicePolicy + '_> {
        Box::new(FixedDevice { delay: self.delay })
    }
}

struct FixedDevice {
    delay: SimDuration,
}

impl DevicePolicy for FixedDevice {
    fn max_attempts(&self, _kind: SyncKind, _notification_permission: bool) -> u32 {
        2
    }

    fn initial_delay_until(&mut self, _reg: &Registration, ctx: &Context) -> SimTime {
        ctx.now.after(self.delay)
    }

    fn periodic_delay_until(&mut self, reg: &Registration, ctx: &Context) -> SimTime {
        ctx.now.after(SimDuration::from_ms(reg.min_interval))
    }

    fn max_event_duration(&self) -> SimDuration {
        SimDuration::from_ms(3 * MIN)
    }

    fn complete(
        &mut self,
        _id: u32,
        reg: &mut Registration,
        outcome: Outcome,
        ctx: &Context,
    ) -> Completion {
        let now = ctx.now;
        let attempts = reg.num_attempts + 1;
        if reg.kind == SyncKind::Periodic {
            reg.state = RegState::Pending;
            reg.num_attempts = 0;
            reg.delay_until = now.after(SimDuration::from_ms(reg.min_interval));
            return Completion::Rescheduled;
        }
        if outcome != Outcome::Success && attempts < reg.max_attempts {
            reg.state = RegState::Pending;
            reg.num_attempts = attempts;
            reg.delay_until = now.after(self.delay);
            return Completion::Rescheduled;
        }
        let state = if outcome == Outcome::Success {
            FinalState::Succeeded
        } else {
            FinalState::GaveUp
        };
        reg.removed = Some(state);
        reg.completed = Some(now);
        Completion::Removed(state)
    }
}

fn fixed_handler(duration: &str, outcomes: serde_json::Value) -> serde_json::Value {
    json!({ "duration": { "fixed": duration }, "outcomes": outcomes, "needs_network": true })
}

/// Runs `scenario` under `policy` through the library and reads the outputs back.
fn run_under(scenario: &serde_json::Value, policy: &dyn Policy) -> Run {
    let s = Scenario::parse(&scenario.to_string(), "test.json").expect("valid scenario");
    let opts = RunOptions {
        jobs: 1,
        ..RunOptions::default()
    };
    let fleet = experiment::run_policy(s.fleet(), policy, &opts);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let write = bgsim::output::WriteOptions {
        charts: false,
        force: false,
    };
    bgsim::output::write_run(&out, &s, &fleet, &write).unwrap();
    read_outputs(&out, dir)
}

#[test]
fn a_policy_written_outside_the_crate_drives_the_device_loop() {
    let s = desktop(json!([origin(
        fixed_handler("1s", json!(["fail", "fail", "success"])),
        json!([
            { "kind": "one_shot", "tag": "outbox", "at": "0s" },
            { "kind": "periodic", "tag": "news", "min_interval": "6h", "at": "0s" }
        ])
    )]));
    let policy = FixedInterval {
        delay: SimDuration::from_ms(10 * MIN),
    };
    let r = run_under(&s, &policy);
    // One-shot: registered at 0, first run at 0 + 10 min, fails at 10 min 1 s; the retry runs
    // 10 min after that (20 min 1 s) and fails again: two attempts, given up at 20 min 2 s.
    assert_eq!(
        starts(&r, "outbox"),
        vec![10 * MIN, 20 * MIN + S],
        "one-shot attempts"
    );
    let outbox = r.regs.iter().find(|g| g.tag == "outbox").unwrap();
    assert_eq!(outbox.final_state, "gave_up");
    assert_eq!(outbox.completed, Some(20 * MIN + 2 * S));
    // Periodic: first run at 10 min (its own script: fail, ends 10 min 1 s), then every 6 h
    // after each run ended, whatever the outcome: 6 h 10 min 1 s, 12 h 10 min 2 s,
    // 18 h 10 min 3 s, 24 h 10 min 4 s, 30 h 10 min 5 s, 36 h 10 min 6 s, 42 h 10 min 7 s
    // (the next, 48 h 10 min 8 s, is past the 2-day horizon).
    let expected: Vec<u64> = (0..8).map(|k| k * 6 * H + 10 * MIN + k * S).collect();
    assert_eq!(starts(&r, "news"), expected, "periodic runs");
    // summary.json names the policy that ran, not the scenario's preset.
    assert_eq!(r.summary["policy"]["preset"], "fixed-interval");
}

// ---- which parameters a policy reads -------------------------------------------------------

fn scenario_path(name: &str) -> String {
    format!("{}/scenarios/{name}.json", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn params_for_a_policy_lists_only_what_it_reads() {
    let listed = |policy: &str| {
        let o = bgsim(&["params", "--policy", policy]);
        assert!(o.status.success());
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter(|l| !l.starts_with(' '))
            .filter_map(|l| l.split_whitespace().next().map(String::from))
            .collect::<Vec<_>>()
    };
    let chromium = listed("chromium");
    let workmanager = listed("workmanager");
    let firefox = listed("firefox");
    // Chromium's wake-up spacing is Chromium's alone; WorkManager's backoff is WorkManager's.
    assert!(chromium.contains(&"periodic_wakeup_min_spacing".into()));
    assert!(!chromium.contains(&"work_backoff_delay".into()));
    assert!(workmanager.contains(&"work_backoff_delay".into()));
    assert!(!workmanager.contains(&"initial_retry_delay".into()));
    assert!(firefox.contains(&"firing_state".into()));
    assert!(!firefox.contains(&"min_periodic_sync_events_interval".into()));
    // Device-level parameters (engagement, fetch) are read under every policy.
    for list in [&chromium, &workmanager, &firefox] {
        assert!(list.contains(&"navigation_points".into()));
        assert!(list.contains(&"max_request_failures".into()));
    }
    // Without --policy every parameter is listed with who reads it.
    let all = bgsim(&["params"]);
    let text = String::from_utf8_lossy(&all.stdout);
    assert!(text.contains("work_backoff_delay") && text.contains("periodic_wakeup_min_spacing"));
    assert!(text.contains("read by: workmanager"));
}

#[test]
fn setting_a_parameter_the_policy_does_not_read_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out_s = out.to_str().unwrap();
    let retry = scenario_path("retry-basics");
    let o = bgsim(&[
        "run",
        &retry,
        "--set",
        "work_backoff_delay=1m",
        "--out",
        out_s,
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("not read by policy chromium"), "{err}");
    assert!(!out.exists(), "nothing is written");
    // A sweep of it would give identical rows: refused too.
    let o = bgsim(&[
        "sweep",
        &retry,
        "--vary",
        "work_backoff_delay=1m,2m",
        "--out",
        out_s,
    ]);
    assert_eq!(o.status.code(), Some(2));
    // Under the policy that reads it, or a comparison including it, it is accepted.
    let o = bgsim(&[
        "run",
        &retry,
        "--policy",
        "workmanager",
        "--set",
        "work_backoff_delay=1m",
        "--quiet",
        "--no-charts",
        "--out",
        out_s,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = bgsim(&[
        "compare",
        &retry,
        "--policy",
        "chromium",
        "--policy",
        "firefox",
        "--set",
        "work_backoff_delay=1m",
        "--out",
        out_s,
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("any of the policies chromium, firefox"));
}
