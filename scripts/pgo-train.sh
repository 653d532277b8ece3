#!/usr/bin/env bash
# Regenerates pgo/bgsim.profdata, the profile `scripts/build-pgo.sh` optimizes the release
# binary with (README, Performance). Run it after changing the engine or the model: a function
# whose code changed since the profile was taken gets no profile data (it is optimized as in a
# plain release build), so a stale profile costs speed, never correctness.
#
# Needs `llvm-profdata` from LLVM 19 or newer (rustc's raw profiles must be readable by it):
# `rustup component add llvm-tools`, or Debian's `apt-get install llvm-19`, or set LLVM_PROFDATA.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

profdata=${LLVM_PROFDATA:-}
if [ -z "$profdata" ]; then
  sysroot=$(rustc --print sysroot)
  for c in "$sysroot"/lib/rustlib/*/bin/llvm-profdata llvm-profdata-22 llvm-profdata-21 \
    llvm-profdata-20 llvm-profdata-19 llvm-profdata; do
    if command -v "$c" >/dev/null 2>&1; then profdata=$c; break; fi
  done
fi
[ -n "$profdata" ] || { echo "pgo-train: no llvm-profdata found (see the header of $0)" >&2; exit 1; }

raw=$(mktemp -d)
out=$(mktemp -d)
trap 'rm -rf "$raw" "$out"' EXIT

# The instrumented build: its own target directory, so the usual builds are not rebuilt.
RUSTFLAGS="-Cprofile-generate=$raw" CARGO_TARGET_DIR="$root/target/pgo-generate" \
  cargo build --release --locked -q
bin=$root/target/pgo-generate/release/bgsim
export LLVM_PROFILE_FILE="$raw/bgsim-%p-%m.profraw"

# The training runs: every bundled scenario (the benchmark fleets scaled down, with every
# output a user asks for: per-event rows, charts, the report, a trace), a comparison of every
# policy and a sweep, so no path a user takes is left cold.
for f in scenarios/*.json; do
  name=$(basename "$f" .json)
  extra=()
  case "$name" in
    bench-fleet) extra=(--devices 20000 --detail-devices 200) ;;
    bench-desktop) extra=(--devices 200) ;;
  esac
  "$bin" validate "$f" >/dev/null
  "$bin" run "$f" --quiet --trace "${extra[@]}" --out "$out/run/$name"
done
"$bin" compare scenarios/policy-shootout.json --policy chromium --policy workmanager \
  --policy design-2019 --policy firefox --replications 2 --devices 300 --quiet --out "$out/compare"
"$bin" sweep scenarios/retry-basics.json --vary initial_retry_delay=1m,5m \
  --vary max_sync_attempts=2,3 --replications 2 --quiet --out "$out/sweep"

mkdir -p pgo
"$profdata" merge --sparse -o pgo/bgsim.profdata "$raw"/*.profraw
echo "wrote pgo/bgsim.profdata ($(wc -c < pgo/bgsim.profdata) bytes) with $profdata"
