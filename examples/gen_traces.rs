//! Writes the bundled example traces `scenarios/traces/commuters-*.csv` (DESIGN §14).
//!
//! **They are not real data.** They come from the small synthetic model below, so that the
//! bundled `trace-commuters` scenario shows the trace formats on something that looks like a
//! week of commuters' phones. Replace them with your own logs (docs/traces.md).
//!
//! The model, per device `d` (seeded by `d`, so the files never change), per day:
//! - Weekdays (days 0–4): home Wi-Fi until leaving at 07:30 + U[0, 60) min; a cellular commute
//!   of 30 + U[0, 30) min, in which the even devices ride a subway and lose the network for
//!   10 + U[0, 15) min in the middle; office Wi-Fi until 17:00 + U[0, 90) min; the same commute
//!   home; home Wi-Fi from then on (through the night).
//! - Weekend (days 5, 6): home Wi-Fi, except an outing 11:00 + U[0, 60) min for 3–4 h on
//!   cellular, with a dead zone of 20 + U[0, 20) min for one device in three.
//! - Sessions: weekdays 5 min into each commute, for 10 + U[0, 10) min each; a lunch session
//!   at 12:30 + U[0, 30) min of 10 + U[0, 10) min; an evening session at 21:00 + U[0, 30) min of
//!   35 + U[0, 15) min (every day: it always covers 21:30, when the scenario's pages register).
//! - Charging: nightly from 22:30 + U[0, 90) min to 06:30 + U[0, 45) min the next morning, and
//!   from midnight on day 0.
//! - Crashes: each device-day has a crash with probability 1/10, at a uniform minute.
//!
//! Run `cargo run --example gen_traces` (or `scripts/gen-traces.sh`) to rewrite the files; a
//! test (tests/traces.rs) checks that the committed files are exactly what this writes.

use std::fmt::Write as _;

use bgsim::model::duration::format_ms;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const MIN: u64 = 60_000;
const H: u64 = 60 * MIN;
const DAY: u64 = 24 * H;

/// Devices and days the example traces cover.
pub const DEVICES: u64 = 20;
pub const DAYS: u64 = 7;

/// The four traces, as `(file name, text)`.
pub fn traces() -> Vec<(&'static str, String)> {
    let header = "# Synthetic example, not real data: written by examples/gen_traces.rs\n";
    let mut net = format!("{header}device,from,to,radio\n");
    let mut sessions = format!("{header}device,from,to\n");
    let mut charging = format!("{header}device,from,to\n");
    let mut crashes = format!("{header}device,at\n");
    for d in 0..DEVICES {
        let day = Day::generate(d);
        for (from, to, radio) in day.network {
            let _ = writeln!(net, "{d},{},{},{radio}", format_ms(from), format_ms(to));
        }
        for (from, to) in day.sessions {
            let _ = writeln!(sessions, "{d},{},{}", format_ms(from), format_ms(to));
        }
        for (from, to) in day.charging {
            let _ = writeln!(charging, "{d},{},{}", format_ms(from), format_ms(to));
        }
        for at in day.crashes {
            let _ = writeln!(crashes, "{d},{}", format_ms(at));
        }
    }
    vec![
        ("commuters-network.csv", net),
        ("commuters-sessions.csv", sessions),
        ("commuters-charging.csv", charging),
        ("commuters-crashes.csv", crashes),
    ]
}

/// One device's week.
struct Day {
    network: Vec<(u64, u64, &'static str)>,
    sessions: Vec<(u64, u64)>,
    charging: Vec<(u64, u64)>,
    crashes: Vec<u64>,
}

impl Day {
    fn generate(d: u64) -> Day {
        let mut rng = ChaCha8Rng::seed_from_u64(0x7261_6365 ^ d);
        // Whole minutes: `lo + U[0, span)`.
        let mut u = |lo: u64, span: u64| lo + rng.random_range(0..span / MIN) * MIN;
        // Contiguous (from, to, radio) segments; "" = offline.
        let mut segs: Vec<(u64, u64, &'static str)> = Vec::new();
        let mut at = 0;
        let mut push = |segs: &mut Vec<_>, to: u64, radio| {
            if to > at {
                segs.push((at, to, radio));
                at = to;
            }
        };
        let mut sessions = Vec::new();
        let mut charging = Vec::new();
        let mut crashes = Vec::new();
        let mut charge_from = 0;
        for k in 0..DAYS {
            let base = k * DAY;
            if k < 5 {
                let leave = base + u(7 * H + 30 * MIN, H);
                let commute = u(30 * MIN, 30 * MIN);
                let office_leave = base + u(17 * H, 90 * MIN);
                charging.push((charge_from, leave - u(15 * MIN, 30 * MIN)));
                for start in [leave, office_leave] {
                    push(&mut segs, start, "wifi");
                    if d.is_multiple_of(2) {
                        let gap = u(10 * MIN, 15 * MIN);
                        let mid = start + commute / 2 - gap / 2;
                        push(&mut segs, mid, "cellular");
                        push(&mut segs, mid + gap, "");
                    }
                    push(&mut segs, start + commute, "cellular");
                    sessions.push((start + 5 * MIN, start + 5 * MIN + u(10 * MIN, 10 * MIN)));
                }
            } else {
                charging.push((charge_from, base + u(8 * H, H)));
                let out = base + u(11 * H, H);
                let back = out + u(3 * H, H);
                push(&mut segs, out, "wifi");
                if d.is_multiple_of(3) {
                    let gap = u(20 * MIN, 20 * MIN);
                    let mid = out + (back - out) / 2;
                    push(&mut segs, mid, "cellular");
                    push(&mut segs, mid + gap, "");
                }
                push(&mut segs, back, "cellular");
            }
            let lunch = base + u(12 * H + 30 * MIN, 30 * MIN);
            sessions.push((lunch, lunch + u(10 * MIN, 10 * MIN)));
            let evening = base + u(21 * H, 30 * MIN);
            sessions.push((evening, evening + u(35 * MIN, 15 * MIN)));
            charge_from = base + u(22 * H + 30 * MIN, 90 * MIN);
            if u(0, 10 * MIN) == 0 {
                crashes.push(base + u(0, DAY));
            }
        }
        push(&mut segs, DAYS * DAY, "wifi");
        charging.push((charge_from, DAYS * DAY));
        sessions.sort_unstable();
        // Sessions are separate periods: drop any that would overlap the one before.
        let mut kept: Vec<(u64, u64)> = Vec::new();
        for s in sessions {
            if kept.last().is_none_or(|l| s.0 >= l.1) {
                kept.push(s);
            }
        }
        Day {
            network: segs.into_iter().filter(|s| !s.2.is_empty()).collect(),
            sessions: kept,
            charging,
            crashes,
        }
    }
}

#[allow(dead_code)]
fn main() -> std::io::Result<()> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/traces");
    std::fs::create_dir_all(&dir)?;
    for (name, text) in traces() {
        std::fs::write(dir.join(name), text)?;
        println!("wrote scenarios/traces/{name}");
    }
    Ok(())
}
