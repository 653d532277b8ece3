#!/usr/bin/env bash
# Regenerates pgo/bgsim.profdata, the profile `scripts/build-pgo.sh` optimizes the release
# binary with (README, Performance). Run it after changing the engine or the model: a function
# whose code changed since the profile was taken gets no profile data (it is optimized as in a
# plain release build), so a stale profile costs speed, never correctness.
#
# Needs `llvm-profdata` of the LLVM that rustc uses (`rustc -vV`: LLVM 22 for Rust 1.95; an
# older one rejects rustc's raw profiles, "unsupported instrumentation profile format
# version"): `rustup component add llvm-tools`, or Debian's `llvm-<major>`, or set
# LLVM_PROFDATA.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

llvm=$(rustc -vV | sed -n 's/^LLVM version: //p')
profdata=${LLVM_PROFDATA:-}
if [ -z "$profdata" ]; then
  sysroot=$(rustc --print sysroot)
  for c in "$sysroot"/lib/rustlib/*/bin/llvm-profdata "llvm-profdata-${llvm%%.*}" llvm-profdata; do
    if command -v "$c" >/dev/null 2>&1; then profdata=$c; break; fi
  done
fi
[ -n "$profdata" ] || {
  echo "pgo-train: no llvm-profdata found: rustup component add llvm-tools (see the header of $0)" >&2
  exit 1
}

raw=$(mktemp -d)
out=$(mktemp -d)
trap 'rm -rf "$raw" "$out"' EXIT

# The instrumented build: its own target directory, so the usual builds are not rebuilt.
RUSTFLAGS="-Cprofile-generate=$raw" CARGO_TARGET_DIR="$root/target/pgo-generate" \
  cargo build --release --locked -q
export LLVM_PROFILE_FILE="$raw/bgsim-%p-%m.profraw"

# The training runs are output-hashes.sh's: every bundled scenario (the benchmark fleets
# scaled down) with charts, report and trace, a comparison of every policy and a sweep, so no
# path a user takes is left cold.
bin=$root/target/pgo-generate/release/bgsim
BGSIM_BIN="$bin" scripts/output-hashes.sh >/dev/null
# Weighted toward the simulation core, as the long runs are: bench-fleet at 20,000 devices
# (with only 2,000, above, bench-fleet at 20,000 ran 3 % slower in alternating runs).
"$bin" run scenarios/bench-fleet.json --devices 20000 --detail-devices 200 --quiet --out "$out/fleet"

mkdir -p pgo
# Merged in the scratch directory first: a failed merge leaves the committed profile as it was.
"$profdata" merge --sparse -o "$out/bgsim.profdata" "$raw"/*.profraw || {
  echo "pgo-train: $profdata could not merge rustc's profiles; it must be LLVM $llvm's (rustup component add llvm-tools)" >&2
  exit 1
}
mv "$out/bgsim.profdata" pgo/bgsim.profdata
echo "wrote pgo/bgsim.profdata ($(wc -c < pgo/bgsim.profdata) bytes) with $profdata"
