//! Runs a bundled scenario through the library API (no command line) and prints two metrics.
//!
//! ```text
//! cargo run --release --example run_scenario [SCENARIO]
//! ```

use bgsim::experiment::{self, RunOptions, metrics::metrics};
use bgsim::scenario::Scenario;

fn main() -> std::process::ExitCode {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/quickstart.json").into()
    });
    let scenario = match Scenario::load(&path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let fleet = experiment::run(scenario.fleet(), &RunOptions::default());
    let m = metrics(scenario.fleet(), &fleet);
    println!(
        "{}: one_shot.success_rate = {}, wakeups.per_device_day.mean = {}",
        scenario.name(),
        m["one_shot"]["success_rate"],
        m["wakeups"]["per_device_day"]["mean"]
    );
    std::process::ExitCode::SUCCESS
}
