#!/usr/bin/env bash
# Builds the release binary with profile-guided optimization from the committed profile
# (pgo/bgsim.profdata): the same outputs byte for byte, about 15 % faster (README,
# Performance). Needs nothing but the Rust toolchain. The binary is target/pgo/release/bgsim;
# its own target directory keeps `cargo build --release` from rebuilding every crate after it.
#
# A function changed since the profile was taken gets no profile data (rustc warns "function
# control flow change detected (hash mismatch)") and is optimized as in a plain release build;
# this script counts those warnings and says when to run scripts/pgo-train.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# -enable-ext-tsp-block-placement: LLVM lays out each function's blocks with the ext-TSP
# algorithm (llvm/lib/CodeGen/MachineBlockPlacement.cpp, off by default), which reads the
# profile's block counts; layout only, so the same bytes out. Bench-fleet, one thread, in
# alternating runs: about 2-4 % less time (README, Performance, tenth session).
# Cargo's stderr goes to ours through tee (and the log); its stdout stays ours (fd 3).
{ RUSTFLAGS="${RUSTFLAGS:-} -Cprofile-use=$PWD/pgo/bgsim.profdata -Cllvm-args=-enable-ext-tsp-block-placement=true" \
  CARGO_TARGET_DIR="$PWD/target/pgo" \
  cargo build --release --locked "$@" 2>&1 1>&3 | tee "$log" >&2; } 3>&1
stale=$(grep -c 'hash mismatch' "$log" || true)
if [ "$stale" -gt 0 ]; then
  echo "build-pgo: $stale function(s) changed since pgo/bgsim.profdata was taken; scripts/pgo-train.sh regenerates it" >&2
fi
echo "built target/pgo/release/bgsim"
