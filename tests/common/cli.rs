//! Helpers for tests that run the `bgsim` binary on scenario text (tests/cli.rs,
//! tests/bad_input.rs).
#![allow(dead_code)]

use std::fs;
use std::process::{Command, Output};

use serde_json::{Value, json};

/// Runs the `bgsim` binary in the crate's directory.
pub fn bgsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bgsim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run bgsim")
}

/// A valid one-device desktop scenario to mutate.
pub fn valid() -> Value {
    json!({
        "name": "bad",
        "duration": "2d",
        "devices": [{
            "platform": "desktop",
            "browser": { "sessions": "always" },
            "network": { "model": "always_online" },
            "origins": [{
                "name": "https://a.example",
                "installed": true,
                "engagement": { "level": "HIGH" },
                "handler": { "duration": { "fixed": "1s" } },
                "registrations": [
                    { "kind": "one_shot", "tag": "t", "at": "1h" },
                    { "kind": "periodic", "tag": "p", "min_interval": "12h", "at": "0s" }
                ]
            }]
        }]
    })
}

/// Runs `bgsim run` on `text` and checks the failure contract; returns stderr.
pub fn rejects(text: &str, extra: &[&str], expected: &[&str]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("scenario.json");
    fs::write(&file, text).unwrap();
    let out = tmp.path().join("out");
    let mut args = vec![
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = bgsim(&args);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "exit code; stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for needle in expected {
        assert!(stderr.contains(needle), "expected {needle:?} in: {stderr}");
    }
    assert!(!out.exists(), "no output directory after an input error");
    assert_eq!(
        fs::read_dir(tmp.path()).unwrap().count(),
        1,
        "nothing else written"
    );
    stderr
}

/// `valid()` changed by `mutate`, as text.
pub fn with(mutate: impl FnOnce(&mut Value)) -> String {
    let mut v = valid();
    mutate(&mut v);
    v.to_string()
}

/// Runs `bgsim check scenarios/retry-basics.json` against a baseline file holding `baseline`.
pub fn check_retry_basics_against(baseline: &str) -> Output {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("b.json");
    fs::write(&base, baseline).unwrap();
    bgsim(&[
        "check",
        "scenarios/retry-basics.json",
        "--baseline",
        base.to_str().unwrap(),
    ])
}
