//! ARCHITECTURE.md, Invariants (layering) and API boundaries: checked on the source text, so a
//! stray import fails the build's tests instead of waiting for a review.

use std::fs;
use std::path::{Path, PathBuf};

fn sources(dir: &str) -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push((p.clone(), fs::read_to_string(&p).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join(dir), &mut out);
    out.sort();
    out
}

/// Files of `dir` that mention any of `needles` (outside comments).
fn offenders(dir: &str, needles: &[&str]) -> Vec<String> {
    sources(dir)
        .into_iter()
        .filter(|(_, text)| {
            text.lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .any(|l| needles.iter().any(|n| l.contains(n)))
        })
        .map(|(p, _)| p.display().to_string())
        .collect()
}

#[test]
fn lower_layers_never_import_higher_ones() {
    // engine → model → device → experiment → scenario / output → cli (binary).
    let edges = ["crate::scenario", "crate::output", "crate::cli"];
    for dir in ["src/engine", "src/model", "src/device", "src/experiment"] {
        assert_eq!(offenders(dir, &edges), Vec::<String>::new(), "{dir}");
    }
    let above_model = ["crate::device", "crate::experiment"];
    for dir in ["src/engine", "src/model"] {
        assert_eq!(offenders(dir, &above_model), Vec::<String>::new(), "{dir}");
    }
    assert_eq!(
        offenders("src/device", &["crate::experiment"]),
        Vec::<String>::new()
    );
}

#[test]
fn the_device_loop_never_knows_which_policy_runs() {
    // No preset type and no preset name in device/: decisions come from `DevicePolicy`.
    let names = [
        "Preset",
        "\"chromium\"",
        "\"design-2019\"",
        "\"firefox\"",
        "\"workmanager\"",
    ];
    assert_eq!(offenders("src/device", &names), Vec::<String>::new());
    // Outside model/policy/ no preset name is compared with anything.
    let compared = [
        "== \"chromium\"",
        "== \"design-2019\"",
        "== \"firefox\"",
        "== \"workmanager\"",
        "!= \"design-2019\"",
    ];
    assert_eq!(offenders("src", &compared), Vec::<String>::new());
}
