#!/usr/bin/env bash
# Builds the release binary with profile-guided optimization from the committed profile
# (pgo/bgsim.profdata): the same outputs byte for byte, about a tenth faster (README,
# Performance). Needs nothing but the Rust toolchain. The binary is target/pgo/release/bgsim;
# its own target directory keeps `cargo build --release` from rebuilding every crate after it.
set -euo pipefail
cd "$(dirname "$0")/.."
RUSTFLAGS="${RUSTFLAGS:-} -Cprofile-use=$PWD/pgo/bgsim.profdata" CARGO_TARGET_DIR="$PWD/target/pgo" \
  cargo build --release --locked "$@"
echo "built target/pgo/release/bgsim"
