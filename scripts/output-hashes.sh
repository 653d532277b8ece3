#!/usr/bin/env bash
# SHA-256 of every output file of every bundled scenario (run with --trace, bench-fleet
# scaled down to 2,000 devices), plus a compare and a sweep. A pure refactor must leave this
# list unchanged: `scripts/output-hashes.sh > before.txt`, change, run again, `diff`.
set -euo pipefail
cd "$(dirname "$0")/.."
# BGSIM_BIN: hash another build's outputs (e.g. a quicker non-LTO build) instead of building.
if [ -z "${BGSIM_BIN:-}" ]; then
  cargo build --release --locked -q
fi
bin=${BGSIM_BIN:-./target/release/bgsim}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for f in scenarios/*.json; do
  name=$(basename "$f" .json)
  extra=()
  case "$name" in bench-fleet) extra=(--devices 2000) ;; bench-desktop) extra=(--devices 100) ;; esac
  "$bin" run "$f" --quiet --trace "${extra[@]}" --out "$out/run/$name"
done
"$bin" compare scenarios/policy-shootout.json --policy chromium --policy workmanager --policy design-2019 --policy firefox --replications 2 --devices 300 --quiet --out "$out/compare"
"$bin" sweep scenarios/retry-basics.json --vary initial_retry_delay=1m,5m --vary max_sync_attempts=2,3 --replications 2 --quiet --out "$out/sweep"
(cd "$out" && find . -type f ! -name .bgsim-output | LC_ALL=C sort | xargs sha256sum)
