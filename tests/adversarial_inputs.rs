//! Adversarial inputs to `demine sim` and `demine plan`: broken records, records of another
//! kind, fields and profiles at the edges, fault lists that cannot be. Each one is refused with a
//! message naming what and where, exit 1 (never a panic, never a quiet success), and leaves
//! nothing half-written.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

/// Runs demine; asserts a clean refusal (exit 1, one `error:` line, no panic) and returns stderr.
fn refused(args: &[&std::ffi::OsStr]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_demine"))
        .env_remove("RUST_LOG")
        .args(args)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.matches("error:").count(), 1, "{err}");
    err
}

fn os<'a>(v: &'a [&'a str]) -> Vec<&'a std::ffi::OsStr> {
    v.iter().map(std::ffi::OsStr::new).collect()
}

#[test]
fn a_garbage_record_is_refused_on_resume() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("record.sqlite"),
        b"this is not a database, just text\n".repeat(100),
    )
    .unwrap();
    let d = dir.path().to_str().unwrap();
    let err = refused(&os(&["sim", "--resume", d]));
    assert!(err.contains("record.sqlite"), "{err}");
}

#[test]
fn an_empty_record_has_no_mission_to_resume() {
    let dir = tempfile::tempdir().unwrap();
    // a valid SQLite file of the record's schema but with no mission row
    drop(demine::record::Record::open(&dir.path().join("record.sqlite"), demine::record::Durability::Normal).unwrap());
    let d = dir.path().to_str().unwrap();
    let err = refused(&os(&["sim", "--resume", d]));
    assert!(err.contains("no mission recorded to resume"), "{err}");
}

#[test]
fn a_field_changed_on_disk_after_the_start_is_not_mixed_in() {
    // the record's copy of the field is used; the edited file on disk is named as changed
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("field.geojson");
    std::fs::copy(repo("tests/data/sim_small.geojson"), &f).unwrap();
    let out = dir.path().join("run");
    let o = Command::new(env!("CARGO_BIN_EXE_demine"))
        .args(["sim", "--quiet-gnss", "--inject", "kill@30", "--field"])
        .arg(&f)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(o.status.signal(), Some(9));
    // the file is replaced by another field
    std::fs::copy(repo("tests/data/sim_road.geojson"), &f).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_demine"))
        .env("NO_COLOR", "1")
        .args(["sim", "--quiet-gnss", "--inject", "kill@60", "--resume"])
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.signal(), Some(9), "{err}");
    assert!(
        err.contains("changed since the mission started: the field recorded in"),
        "{err}"
    );
    // and a --field naming a different file with the recorded content is accepted
    let same = dir.path().join("copy.geojson");
    std::fs::copy(repo("tests/data/sim_small.geojson"), &same).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_demine"))
        .args(["sim", "--quiet-gnss", "--inject", "kill@90", "--field"])
        .arg(&same)
        .arg("--resume")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.signal(), Some(9), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn a_resume_takes_the_machine_from_the_record() {
    // a tiller record resumes without --machine: the profile comes from the record
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo("machines/large_tiller.yaml"))
        .unwrap()
        .replace("clearing_speed_mps: 0.22", "clearing_speed_mps: 0.13");
    let m = dir.path().join("slow_tiller.yaml");
    std::fs::write(&m, text).unwrap();
    let out = dir.path().join("run");
    let o = Command::new(env!("CARGO_BIN_EXE_demine"))
        .args(["sim", "--quiet-gnss", "--inject", "kill@30", "--machine"])
        .arg(&m)
        .arg("--field")
        .arg(repo("tests/data/sim_small.geojson"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(o.status.signal(), Some(9), "{}", String::from_utf8_lossy(&o.stderr));
    let o = Command::new(env!("CARGO_BIN_EXE_demine"))
        .args(["sim", "--quiet-gnss", "--inject", "kill@60", "--resume"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.signal(), Some(9), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn profiles_at_the_edges_of_the_protocol_and_the_implement() {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(repo("machines/medium_flail.yaml")).unwrap();
    let f = repo("tests/data/sim_small.geojson");
    for (from, to, want) in [
        (
            "depth_target_m: 0.25",
            "depth_target_m: 0.6",
            "DepthSetpoint range 0–0.5 m",
        ),
        (
            "clearing_speed_mps: 0.14",
            "clearing_speed_mps: 0.5",
            "reaches only 0.083 m deep",
        ),
        (
            "rotor_rpm_target: 600",
            "rotor_rpm_target: 1201",
            "RotorSpeedSetpoint range 0–1200 rpm",
        ),
        ("reverse_speed_mps: 0.5", "reverse_speed_mps: 3.5", "reverse_speed_mps"),
    ] {
        assert!(base.contains(from), "{from}");
        let p = dir.path().join("edge.yaml");
        std::fs::write(&p, base.replace(from, to)).unwrap();
        let out = dir.path().join("out");
        let err = refused(&[
            "sim".as_ref(),
            "--field".as_ref(),
            f.as_os_str(),
            "--machine".as_ref(),
            p.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ]);
        assert!(err.contains(want), "{to}: {err}");
        assert!(!out.join("record.sqlite").exists(), "{to}: nothing recorded");
    }
}

#[test]
fn fault_lists_that_cannot_be_are_refused_with_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let sc = dir.path().join("faults.txt");
    std::fs::write(&sc, "# drill\ngnss-outage@10+5\nkill@-3\n").unwrap();
    let f = repo("tests/data/sim_small.geojson");
    let out = dir.path().join("out");
    let err = refused(&[
        "sim".as_ref(),
        "--field".as_ref(),
        f.as_os_str(),
        "--scenario".as_ref(),
        sc.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(err.contains("faults.txt:3"), "{err}");
    assert!(!out.exists());
}
