//! `trace.json` (`--trace`): the Chrome Trace Event format, viewable in Perfetto or
//! chrome://tracing. One process per traced device; one thread per origin with its sync events
//! as complete slices (tag, attempt, outcome in `args`), plus three tracks: the network (offline
//! periods as slices), the browser process (running periods as slices, crashes as instants) and
//! wake-ups (instants named by cause). `ts` and `dur` are microseconds of virtual time.

use std::io::Write;
use std::path::Path;

use super::error::Result;
use serde_json::{Value, json};

use crate::device::{DeviceResult, Mark};
use crate::experiment::Fleet;
use crate::scenario::Scenario;

/// Thread ids of the device-wide tracks (origins use their index + 1).
pub const NETWORK_TID: u64 = 1_000_000;
pub const BROWSER_TID: u64 = 1_000_001;
pub const WAKEUPS_TID: u64 = 1_000_002;
pub const FETCH_TID: u64 = 1_000_003;

fn us(ms: u64) -> u64 {
    ms * 1000
}

fn meta(name: &str, pid: u64, tid: Option<u64>, value: &str, sort: Option<u64>) -> Vec<Value> {
    let mut v = vec![match tid {
        Some(tid) => {
            json!({ "name": name, "ph": "M", "pid": pid, "tid": tid, "args": { "name": value } })
        }
        None => json!({ "name": name, "ph": "M", "pid": pid, "args": { "name": value } }),
    }];
    if let (Some(tid), Some(sort)) = (tid, sort) {
        v.push(json!({ "name": "thread_sort_index", "ph": "M", "pid": pid, "tid": tid, "args": { "sort_index": sort } }));
    }
    v
}

fn device_events(device: u64, r: &DeviceResult, scenario: &Scenario, out: &mut Vec<Value>) {
    let pid = device + 1;
    let horizon = scenario.duration();
    let spec = scenario.device(device);
    out.extend(meta(
        "process_name",
        pid,
        None,
        &format!("device {device}"),
        None,
    ));
    out.extend(meta(
        "thread_name",
        pid,
        Some(NETWORK_TID),
        "network",
        Some(0),
    ));
    out.extend(meta(
        "thread_name",
        pid,
        Some(BROWSER_TID),
        "browser process",
        Some(1),
    ));
    out.extend(meta(
        "thread_name",
        pid,
        Some(WAKEUPS_TID),
        "wake-ups",
        Some(2),
    ));
    for (i, o) in spec.origins.iter().enumerate() {
        let tid = i as u64 + 1;
        out.extend(meta("thread_name", pid, Some(tid), &o.name, Some(tid + 3)));
    }
    if !r.fetches.is_empty() {
        out.extend(meta(
            "thread_name",
            pid,
            Some(FETCH_TID),
            "background fetch",
            Some(3),
        ));
    }
    for f in &r.fetches {
        for (req, from, to) in &f.segments {
            out.push(json!({
                "name": format!("{} request {req}", f.developer_id),
                "cat": "fetch", "ph": "X",
                "ts": us(from.ms()), "dur": us(to.since(*from).ms()),
                "pid": pid, "tid": FETCH_TID,
                "args": { "id": &*f.developer_id, "unique_id": f.unique_id, "request": req, "bytes": f.requests[*req as usize] }
            }));
        }
    }
    for row in &r.attempts {
        let reg = &r.registrations[row.reg as usize];
        let end = row.end.map_or(horizon, |t| t.ms());
        out.push(json!({
            "name": &*reg.tag,
            "cat": reg.kind.name(),
            "ph": "X",
            "ts": us(row.start.ms()),
            "dur": us(end - row.start.ms()),
            "pid": pid,
            "tid": reg.origin as u64 + 1,
            "args": {
                "tag": &*reg.tag,
                "kind": reg.kind.name(),
                "attempt": row.attempt,
                "last_chance": row.last_chance,
                "engagement": row.level.name(),
                "outcome": row.outcome.map_or("running at horizon", |o| o.name()),
            }
        }));
    }
    // Offline periods and browser running periods as slices; crashes as instants.
    let mut offline_since = None;
    let mut up_since = None;
    let slice = |name: &str, tid: u64, from: u64, to: u64| json!({ "name": name, "cat": "environment", "ph": "X", "ts": us(from), "dur": us(to - from), "pid": pid, "tid": tid });
    for (t, mark) in &r.marks {
        let t = t.ms();
        match mark {
            Mark::Offline => offline_since = Some(t),
            Mark::Online => {
                if let Some(from) = offline_since.take() {
                    out.push(slice("offline", NETWORK_TID, from, t));
                }
            }
            Mark::BrowserUp => up_since = Some(t),
            Mark::BrowserDown => {
                if let Some(from) = up_since.take() {
                    out.push(slice("running", BROWSER_TID, from, t));
                }
            }
            Mark::Crash => out.push(json!({
                "name": "crash", "cat": "environment", "ph": "i", "s": "t",
                "ts": us(t), "pid": pid, "tid": BROWSER_TID
            })),
        }
    }
    if let Some(from) = offline_since {
        out.push(slice("offline", NETWORK_TID, from, horizon));
    }
    if let Some(from) = up_since {
        out.push(slice("running", BROWSER_TID, from, horizon));
    }
    for w in &r.wakeups {
        out.push(json!({
            "name": format!("wake-up: {}", w.cause.name()),
            "cat": "wakeup", "ph": "i", "s": "t",
            "ts": us(w.ran.ms()), "pid": pid, "tid": WAKEUPS_TID,
            "args": { "cause": w.cause.name(), "requested_ms": w.requested.ms() }
        }));
    }
}

/// Writes `trace.json` for the traced devices of a fleet, streaming: one device's events are
/// built at a time, so a large trace never exists as one JSON tree in memory. The bytes are
/// those of `{"displayTimeUnit":"ms","traceEvents":[…]}` (serde_json sorts object keys).
pub fn write_trace(path: &Path, scenario: &Scenario, fleet: &Fleet) -> Result<()> {
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    w.write_all(br#"{"displayTimeUnit":"ms","traceEvents":["#)?;
    let mut first = true;
    let mut events = Vec::new();
    for (device, r) in fleet
        .detail
        .iter()
        .filter(|(i, _)| *i < fleet.trace_devices)
    {
        events.clear();
        device_events(*device, r, scenario, &mut events);
        for e in &events {
            if !first {
                w.write_all(b",")?;
            }
            first = false;
            serde_json::to_writer(&mut w, e)?;
        }
    }
    w.write_all(b"]}\n")?;
    w.flush()?;
    Ok(())
}
