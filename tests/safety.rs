//! DESIGN §9 "bgsim never deletes what it did not write": output directories, scenario names,
//! closed pipes and signals, through the `bgsim` binary as users call it.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn bgsim_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bgsim"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run bgsim")
}

fn scenario(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A user's working directory: a file, a sub-folder with a file, and a scenario.
fn thesis() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("thesis.tex"), "\\documentclass{article}").unwrap();
    fs::create_dir(tmp.path().join("figures")).unwrap();
    fs::write(tmp.path().join("figures/a.svg"), "<svg/>").unwrap();
    fs::copy(
        scenario("retry-basics.json"),
        tmp.path().join("retry-basics.json"),
    )
    .unwrap();
    tmp
}

#[test]
fn out_dot_in_a_users_directory_is_refused_and_deletes_nothing() {
    let dir = thesis();
    let before = names(dir.path());
    let o = bgsim_in(dir.path(), &["run", "retry-basics.json", "--out", "."]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(names(dir.path()), before);
    // The same directory named by its path: refused, naming the directory and --force.
    let path = dir.path().to_str().unwrap();
    let o = bgsim_in(
        Path::new("/"),
        &["run", &scenario("retry-basics.json"), "--out", path],
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(path) && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(names(dir.path()), before);
    assert_eq!(
        fs::read_to_string(dir.path().join("thesis.tex")).unwrap(),
        "\\documentclass{article}"
    );
}

#[test]
fn every_writing_command_refuses_a_foreign_directory() {
    let dir = thesis();
    let out = dir.path().join("figures");
    let out = out.to_str().unwrap();
    let sc = scenario("retry-basics.json");
    for args in [
        vec!["run", &sc, "--quiet", "--out", out],
        vec!["run", &sc, "--quiet", "--shard", "1/2", "--out", out],
        vec![
            "sweep",
            &sc,
            "--quiet",
            "--vary",
            "initial_retry_delay=1m,2m",
            "--replications",
            "1",
            "--out",
            out,
        ],
        vec![
            "compare", &sc, "--quiet", "--policy", "chromium", "--policy", "firefox", "--out", out,
        ],
        vec!["merge", dir.path().to_str().unwrap(), "--out", out],
    ] {
        let o = bgsim_in(dir.path(), &args);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(
            names(&dir.path().join("figures")),
            vec!["a.svg"],
            "{args:?}"
        );
    }
    assert_eq!(names(dir.path()).len(), 3, "nothing written beside it");
}

#[test]
fn rerun_replaces_its_own_output_and_force_replaces_a_foreign_one() {
    let dir = thesis();
    let o = bgsim_in(
        dir.path(),
        &["run", "retry-basics.json", "--quiet", "--out", "out"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(dir.path().join("out/.bgsim-output").is_file());
    let o = bgsim_in(
        dir.path(),
        &["run", "retry-basics.json", "--quiet", "--out", "out"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // --force: the user asked for the foreign directory to be replaced.
    let o = bgsim_in(
        dir.path(),
        &[
            "run",
            "retry-basics.json",
            "--quiet",
            "--force",
            "--out",
            "figures",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!dir.path().join("figures/a.svg").exists());
    assert!(dir.path().join("figures/summary.json").is_file());
    // Nothing temporary is left beside the outputs.
    assert_eq!(
        names(dir.path()),
        vec!["figures", "out", "retry-basics.json", "thesis.tex"]
    );
}

#[test]
fn out_naming_a_regular_file_is_refused() {
    let dir = thesis();
    let o = bgsim_in(
        dir.path(),
        &["run", "retry-basics.json", "--force", "--out", "thesis.tex"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(dir.path().join("thesis.tex").is_file());
}

#[test]
fn scenario_name_must_be_a_safe_slug() {
    let dir = thesis();
    let text = fs::read_to_string(dir.path().join("retry-basics.json")).unwrap();
    for bad in [
        "../src",
        "baselines",
        ".",
        "..",
        ".hidden",
        "a/b",
        "a b",
        "",
    ] {
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["name"] = bad.into();
        fs::write(dir.path().join("bad.json"), v.to_string()).unwrap();
        for cmd in ["validate", "run"] {
            let o = bgsim_in(dir.path(), &[cmd, "bad.json"]);
            let stderr = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{bad:?} {cmd}: {stderr}");
            assert!(stderr.contains("bad.json: name:"), "{bad:?}: {stderr}");
        }
    }
    let long = "x".repeat(65);
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["name"] = long.into();
    fs::write(dir.path().join("bad.json"), v.to_string()).unwrap();
    assert_eq!(
        bgsim_in(dir.path(), &["validate", "bad.json"])
            .status
            .code(),
        Some(2)
    );
    assert!(!dir.path().join("results").exists());
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let o = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{}' params | head -1",
            env!("CARGO_BIN_EXE_bgsim")
        ))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("parameter"));
}

#[test]
fn sigterm_leaves_no_temporary_directory() {
    // Whether the signal lands while simulating or while writing, the run ends with 128 + 15 or
    // finishes, and leaves only a complete output or nothing, never a `.bgsim-tmp-*` directory.
    let dir = thesis();
    let mut child = Command::new(env!("CARGO_BIN_EXE_bgsim"))
        .args([
            "run",
            &scenario("quickstart.json"),
            "--quiet",
            "--devices",
            "3000",
            "--out",
            "q",
        ])
        .current_dir(dir.path())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(400));
    // SAFETY: sending a signal to our own child process.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert!(status.success() || status.code() == Some(143), "{status:?}");
    let left: Vec<String> = names(dir.path())
        .into_iter()
        .filter(|n| n.starts_with(".bgsim"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}
