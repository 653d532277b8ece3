#!/usr/bin/env bash
# Rewrites the bundled example traces (scenarios/traces/commuters-*.csv) from the synthetic model
# in examples/gen_traces.rs. They are not real data; tests/traces.rs checks they match it.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --quiet --example gen_traces
