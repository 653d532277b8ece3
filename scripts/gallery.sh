#!/usr/bin/env bash
# Re-renders the README's gallery images (docs/*.png) from fresh runs of the bundled scenarios.
# Run it whenever the model or the charts change, and update the numbers quoted beside them.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -q
bin=./target/release/bgsim
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
run() { "$bin" run "scenarios/$1.json" --quiet --out "$out/$2" "${@:3}"; }
run periodic-tiers tiers && cp "$out/tiers/charts/tiers.png" docs/periodic-tiers.png
run quickstart quick && cp "$out/quick/charts/latency_cdf.png" docs/quickstart-latency.png
# The README's android-wake-cap table is the browser's scheduler alone: power management off.
python3 -c 'import json,sys; s=json.load(open("scenarios/android-wake-cap.json")); [d.update(android={"power_management": False}) for d in s["devices"]]; json.dump(s, open(sys.argv[1], "w"))' "$out/awc-off.json"
awc() { "$bin" run "$out/awc-off.json" --quiet --out "$out/$1" "${@:2}"; }
awc awc && cp "$out/awc/charts/wakeups.png" docs/android-wake-cap-chromium.png
awc awc2019 --policy design-2019 \
  && cp "$out/awc2019/charts/wakeups.png" docs/android-wake-cap-design-2019.png
run android-doze doze --devices 5 && cp "$out/doze/charts/timeline.png" docs/android-doze-timeline.png \
  && cp "$out/doze/charts/energy.png" docs/android-doze-energy.png
run trace-commuters commuters && cp "$out/commuters/charts/timeline.png" docs/trace-commuters-timeline.png
run fetch-podcasts pods && cp "$out/pods/charts/fetches.png" docs/fetch-podcasts.png
run retry-basics retry && cp "$out/retry/charts/latency_cdf.png" docs/retry-basics-latency.png
run firefox-persisted-bug ff && cp "$out/ff/charts/retries.png" docs/firefox-persisted-bug-retries.png
run crash-storm storm && cp "$out/storm/charts/retries.png" docs/crash-storm-retries.png
"$bin" compare scenarios/policy-shootout.json --policy chromium --policy design-2019 \
  --policy workmanager --replications 3 --quiet --out "$out/cmp"
cp "$out/cmp/compare.png" docs/policy-shootout.png
echo "docs/*.png re-rendered"
