//! DESIGN §2 "same bytes on every machine": the SHA-256 of every output file of two small random
//! scenarios (markov and diurnal networks, lognormal and exponential handlers, score-based
//! engagement, crashes, android wake-ups, a fetch) is committed in `tests/golden/hashes.txt`.
//! The bundled `trace-commuters` scenario adds devices replayed from CSV traces (§14).
//! A change of any output byte — a model change, a dependency upgrade, another platform's math —
//! fails here. After an *intended* change, regenerate with
//! `BGSIM_UPDATE_GOLDEN=1 cargo test --test golden` and say why in the commit.
//!
//! Charts are left out (`--no-charts`): their glyph rasterisation is floating-point code inside
//! the font stack, not the model.
//!
//! `BGSIM_GOLDEN_BIN=path` checks another build of the binary against the same hashes: CI
//! runs it on the profile-guided release build (`scripts/build-pgo.sh`), whose speed the README
//! reports, so an optimisation that moved a byte would fail there too.

use std::fs;
use std::path::Path;
use std::process::Command;

use sha2::{Digest, Sha256};

/// `(output name, scenario, extra arguments)`: two random fixtures, and the bundled scenario
/// that replays CSV traces (DESIGN §14) cut to three days.
const FIXTURES: [(&str, &str, &[&str]); 3] = [
    ("golden-android", "tests/golden/golden-android.json", &[]),
    ("golden-desktop", "tests/golden/golden-desktop.json", &[]),
    (
        "golden-traces",
        "scenarios/trace-commuters.json",
        &["--days", "3"],
    ),
];

fn hashes_of(dir: &Path, prefix: &str, out: &mut Vec<String>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let name = format!("{prefix}{}", path.file_name().unwrap().to_string_lossy());
        if path.is_dir() {
            hashes_of(&path, &format!("{name}/"), out);
        } else {
            let digest = Sha256::digest(fs::read(&path).unwrap());
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            out.push(format!("{hex}  {name}"));
        }
    }
}

#[test]
fn output_bytes_match_the_committed_hashes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    let bin = std::env::var_os("BGSIM_GOLDEN_BIN")
        .map(|b| root.join(b))
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_bgsim").into());
    let mut lines = Vec::new();
    for (name, scenario, extra) in FIXTURES {
        let out = tmp.path().join(name);
        let o = Command::new(&bin)
            .args(["run", scenario, "--quiet", "--no-charts"])
            .args(extra)
            .args(["--trace", "--jobs", "2", "--out", out.to_str().unwrap()])
            .current_dir(root)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        hashes_of(&out, &format!("{name}/"), &mut lines);
    }
    let actual = lines.join("\n") + "\n";
    let committed = root.join("tests/golden/hashes.txt");
    if std::env::var_os("BGSIM_UPDATE_GOLDEN").is_some() {
        fs::write(&committed, &actual).unwrap();
        return;
    }
    let expected = fs::read_to_string(&committed).unwrap_or_default();
    assert_eq!(
        actual, expected,
        "output bytes changed; if intended, run BGSIM_UPDATE_GOLDEN=1 cargo test --test golden"
    );
}
