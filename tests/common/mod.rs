//! Shared helpers: build a scenario as JSON, run it through the library exactly as `bgsim run`
//! does, and read back the CSVs users would read.
#![allow(dead_code)]

pub mod cli;

use std::path::Path;

use bgsim::experiment::{self, RunOptions};
use bgsim::scenario::Scenario;
use serde_json::{Value, json};

pub const S: u64 = 1_000;
pub const MIN: u64 = 60 * S;
pub const H: u64 = 60 * MIN;
pub const D: u64 = 24 * H;

/// A one-device desktop scenario, always online and always open, with the given origins.
pub fn desktop(origins: Value) -> Value {
    json!({
        "name": "test",
        "duration": "2d",
        "seed": 3,
        "devices": [{
            "platform": "desktop",
            "browser": { "sessions": "always" },
            "network": { "model": "always_online" },
            "origins": origins
        }]
    })
}

/// One origin with a fixed-duration handler and the given registrations.
pub fn origin(handler: Value, registrations: Value) -> Value {
    json!({
        "name": "https://app.example",
        "installed": true,
        "engagement": { "level": "HIGH" },
        "handler": handler,
        "registrations": registrations
    })
}

/// A row of attempts.csv.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub device: u64,
    pub origin: String,
    pub tag: String,
    pub kind: String,
    pub attempt: u32,
    pub last_chance: bool,
    pub start: u64,
    pub end: Option<u64>,
    pub outcome: String,
}

/// A row of registrations.csv.
#[derive(Debug, Clone, PartialEq)]
pub struct Reg {
    pub origin: String,
    pub tag: String,
    pub kind: String,
    pub registered: u64,
    pub first_fire: Option<u64>,
    pub completed: Option<u64>,
    pub final_state: String,
    pub attempts: u32,
    pub latency: Option<u64>,
}

pub struct Run {
    pub attempts: Vec<Attempt>,
    pub regs: Vec<Reg>,
    pub summary: Value,
    pub dir: tempfile::TempDir,
}

fn opt(s: &str) -> Option<u64> {
    if s.is_empty() {
        None
    } else {
        Some(s.parse().unwrap())
    }
}

/// Runs a scenario given as JSON and reads its outputs back.
pub fn run(scenario: &Value) -> Run {
    let s = Scenario::parse(&scenario.to_string(), "test.json").expect("valid scenario");
    run_scenario(&s)
}

pub fn run_scenario(s: &Scenario) -> Run {
    let fleet = experiment::run(
        s.fleet(),
        &RunOptions {
            jobs: 1,
            ..RunOptions::default()
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let opts = bgsim::output::WriteOptions {
        charts: false,
        force: false,
    };
    bgsim::output::write_run(&out, s, &fleet, &opts).unwrap();
    read_outputs(&out, dir)
}

pub fn read_outputs(out: &Path, dir: tempfile::TempDir) -> Run {
    let mut attempts = Vec::new();
    let mut r = csv::Reader::from_path(out.join("attempts.csv")).unwrap();
    for rec in r.records() {
        let rec = rec.unwrap();
        attempts.push(Attempt {
            device: rec[0].parse().unwrap(),
            origin: rec[1].to_string(),
            tag: rec[2].to_string(),
            kind: rec[3].to_string(),
            attempt: rec[4].parse().unwrap(),
            last_chance: &rec[5] == "true",
            start: rec[7].parse().unwrap(),
            end: opt(&rec[8]),
            outcome: rec[9].to_string(),
        });
    }
    let mut regs = Vec::new();
    let mut r = csv::Reader::from_path(out.join("registrations.csv")).unwrap();
    for rec in r.records() {
        let rec = rec.unwrap();
        regs.push(Reg {
            origin: rec[1].to_string(),
            tag: rec[2].to_string(),
            kind: rec[3].to_string(),
            registered: rec[4].parse().unwrap(),
            first_fire: opt(&rec[5]),
            completed: opt(&rec[6]),
            final_state: rec[7].to_string(),
            attempts: rec[8].parse().unwrap(),
            latency: opt(&rec[9]),
        });
    }
    let summary =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    Run {
        attempts,
        regs,
        summary,
        dir,
    }
}

/// (start, end, outcome) of every attempt, for compact assertions.
pub fn timeline(run: &Run) -> Vec<(u64, Option<u64>, &str)> {
    run.attempts
        .iter()
        .map(|a| (a.start, a.end, a.outcome.as_str()))
        .collect()
}

/// Start times of the attempts of one tag.
pub fn starts(r: &Run, tag: &str) -> Vec<u64> {
    r.attempts
        .iter()
        .filter(|a| a.tag == tag)
        .map(|a| a.start)
        .collect()
}

/// Rows of wakeups.csv: (ran, cause).
pub fn wakeups(r: &Run) -> Vec<(u64, String)> {
    wakeup_rows(r)
        .into_iter()
        .map(|(_, ran, cause)| (ran, cause))
        .collect()
}

/// Rows of wakeups.csv: (requested, ran, cause).
pub fn wakeup_rows(r: &Run) -> Vec<(u64, u64, String)> {
    let mut rd = csv::Reader::from_path(r.dir.path().join("out/wakeups.csv")).unwrap();
    rd.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (
                rec[1].parse().unwrap(),
                rec[2].parse().unwrap(),
                rec[3].to_string(),
            )
        })
        .collect()
}

/// One android phone used 0–10 min, always online, with one installed HIGH origin whose one
/// one-shot (`handler`) is registered at `at`; `android` is the device's `android` block.
pub fn android_phone(handler: Value, at: &str, android: Value) -> Value {
    serde_json::json!({
        "name": "phone",
        "duration": "1d",
        "seed": 3,
        "devices": [{
            "platform": "android",
            "browser": { "sessions": { "at": [["0s", "10m"]] } },
            "network": { "model": "always_online" },
            "android": android,
            "origins": [{
                "name": "https://app.example",
                "installed": true,
                "engagement": { "level": "HIGH" },
                "handler": handler,
                "registrations": [{ "kind": "one_shot", "tag": "t", "at": at }]
            }]
        }]
    })
}
