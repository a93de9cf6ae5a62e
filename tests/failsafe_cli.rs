//! No silent failure at the command line (issue 13): each wrong input or outcome a new user met
//! is refused or said, with the figures, through the real binary. None of these runs a mission.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_demine"));
    c.env_remove("RUST_LOG");
    c
}

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// A 60 m × 40 m hazard at lat −16.5 straddling lon ±180 (the field).
fn antimeridian_field(dir: &Path) -> PathBuf {
    let dlon = 30.0 / (111_320.0 * 16.5f64.to_radians().cos());
    let dlat = 20.0 / 110_574.0;
    let (w, e) = (180.0 - dlon, -180.0 + dlon);
    let (s, n) = (-16.5 - dlat, -16.5 + dlat);
    let fc = serde_json::json!({"type": "FeatureCollection", "features": [{
    "type": "Feature", "properties": {"role": "hazard"},
    "geometry": {"type": "MultiPolygon", "coordinates": [
        [[[w, s], [180.0, s], [180.0, n], [w, n], [w, s]]],
        [[[-180.0, s], [e, s], [e, n], [-180.0, n], [-180.0, s]]]
    ]}}]});
    let p = dir.join("antimeridian.geojson");
    std::fs::write(&p, fc.to_string()).unwrap();
    p
}

#[test]
fn a_field_across_the_antimeridian_is_refused_naming_the_longitudes() {
    let dir = tempfile::tempdir().unwrap();
    let f = antimeridian_field(dir.path());
    let out_plan = dir.path().join("plan.geojson");
    let o = bin()
        .args(["plan", "--field"])
        .arg(&f)
        .arg("--out")
        .arg(&out_plan)
        .output()
        .unwrap();
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("antimeridian") && err.contains("179.99") && err.contains("-179.99"),
        "{err}"
    );
    assert!(!out_plan.exists(), "no plan written");
    // and the simulator refuses it before writing a record
    let sim_out = dir.path().join("sim");
    let o = bin()
        .args(["sim", "--field"])
        .arg(&f)
        .arg("--out")
        .arg(&sim_out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(!sim_out.join("record.sqlite").exists());
}

#[test]
fn a_byte_order_mark_gets_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    bytes.extend(std::fs::read(repo("tests/data/sim_small.geojson")).unwrap());
    let f = dir.path().join("bom.geojson");
    std::fs::write(&f, bytes).unwrap();
    let o = bin()
        .args(["plan", "--field"])
        .arg(&f)
        .arg("--out")
        .arg(dir.path().join("p.geojson"))
        .output()
        .unwrap();
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(err.contains("byte-order mark") && err.contains("without BOM"), "{err}");
}

#[test]
fn plan_out_may_not_overwrite_the_field_and_dash_is_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("field.geojson");
    std::fs::copy(repo("tests/data/sim_small.geojson"), &f).unwrap();
    let before = std::fs::read(&f).unwrap();
    // the same file, by the same path and through another spelling of it
    for out in [f.clone(), dir.path().join(".").join("field.geojson")] {
        let o = bin()
            .args(["plan", "--field"])
            .arg(&f)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(err.contains("would overwrite the field"), "{err}");
        assert_eq!(std::fs::read(&f).unwrap(), before, "field untouched");
    }
    let o = bin()
        .current_dir(dir.path())
        .args(["plan", "--field"])
        .arg(&f)
        .args(["--out", "-"])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let fc: serde_json::Value = serde_json::from_str(&out).expect("the plan on stdout");
    assert_eq!(fc["type"], "FeatureCollection");
    assert!(!fc["features"].as_array().unwrap().is_empty());
    assert!(!dir.path().join("-").exists(), "no file named -");
}

#[test]
fn margin_takes_a_negative_number_without_equals_and_says_its_range() {
    let dir = tempfile::tempdir().unwrap();
    let o = bin()
        .args(["plan", "--field"])
        .arg(repo("tests/data/sim_small.geojson"))
        .arg("--out")
        .arg(dir.path().join("p.geojson"))
        .args(["--margin-m", "-1"])
        .output()
        .unwrap();
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "parsed, then refused by range: {err}");
    assert!(
        err.contains("footprint margin -1 m") && err.contains("must be within 0..="),
        "{err}"
    );
    let help = text(&bin().args(["plan", "--help"]).output().unwrap()).0;
    assert!(help.contains("--margin-m") && help.contains("from 0 up to"), "{help}");
}

#[test]
fn logs_to_a_pipe_or_with_no_color_carry_no_escape_codes() {
    let dir = tempfile::tempdir().unwrap();
    for no_color in [false, true] {
        let mut c = bin();
        c.args(["plan", "--field"])
            .arg(repo("tests/data/sim_small.geojson"))
            .arg("--out")
            .arg(dir.path().join("p.geojson"));
        if no_color {
            c.env("NO_COLOR", "1");
        }
        let o = c.output().unwrap();
        let (_, err) = text(&o);
        assert!(o.status.success(), "{err}");
        assert!(err.contains("INFO"), "{err}");
        assert!(!err.contains('\u{1b}'), "escape codes in {err:?}");
    }
}

#[test]
fn sim_help_lists_every_output_resume_and_the_exit_codes() {
    let help = text(&bin().args(["sim", "--help"]).output().unwrap()).0;
    for w in [
        "report.png",
        "summary.json",
        "track.geojson",
        "--max-sim-hours",
        "--log-sensors",
        "takes from the record",
        "the field",
        "3 aborted",
        "4 pre-flight failed",
        "5 incomplete",
    ] {
        assert!(help.contains(w), "{w}: {help}");
    }
}

#[test]
fn resume_of_a_missing_directory_says_so_once() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere");
    let o = bin().args(["sim", "--resume"]).arg(&missing).output().unwrap();
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(err.matches("no such directory").count(), 1, "{err}");
    assert!(err.contains("--out directory of an earlier"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    // a directory without a record
    let o = bin().args(["sim", "--resume"]).arg(dir.path()).output().unwrap();
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(err.contains("record.sqlite does not exist"), "{err}");
    assert!(!dir.path().join("record.sqlite").exists(), "no empty record created");
}

fn profile_with(dir: &Path, key: &str, value: &str) -> PathBuf {
    let text = std::fs::read_to_string(repo("machines/medium_flail.yaml")).unwrap();
    let edited: Vec<String> = text
        .lines()
        .map(|l| {
            if l.starts_with(&format!("{key}:")) {
                format!("{key}: {value}")
            } else {
                l.to_string()
            }
        })
        .collect();
    let p = dir.join(format!("{key}.yaml"));
    std::fs::write(&p, edited.join("\n")).unwrap();
    p
}

#[test]
fn a_rotor_setpoint_beyond_the_dbc_is_refused_before_the_mission() {
    let dir = tempfile::tempdir().unwrap();
    let m = profile_with(dir.path(), "rotor_rpm_target", "5000");
    let out = dir.path().join("sim");
    let o = bin()
        .args(["sim", "--field"])
        .arg(repo("tests/data/sim_small.geojson"))
        .arg("--machine")
        .arg(&m)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("rotor_rpm_target") && err.contains("0–1200 rpm"), "{err}");
    assert!(!out.exists(), "nothing written");
}

/// A tiller whose tool keeps only a flail's 0.30 m depth up to 0.139 m/s cannot reach its 0.30 m
/// target at 0.22 m/s (the shipped large tiller could not, before the tool's depth came from the
/// profile): the simulator refuses it with the figures; the planner still plans for it.
#[test]
fn a_tool_too_shallow_for_its_speed_is_refused_by_the_simulator_with_the_figures() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sim");
    let yaml = std::fs::read_to_string(repo("machines/large_tiller.yaml")).unwrap();
    assert!(yaml.contains("depth_max_m: 0.55"), "the shipped tiller's tool depth");
    let shallow = dir.path().join("shallow_tiller.yaml");
    std::fs::write(&shallow, yaml.replace("depth_max_m: 0.55", "depth_max_m: 0.30")).unwrap();
    let o = bin()
        .args(["sim", "--field"])
        .arg(repo("tests/data/sim_small.geojson"))
        .arg("--machine")
        .arg(&shallow)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    for w in [
        "0.22 m/s",
        "0.190 m",
        "0.300 m",
        "lower clearing_speed_mps to 0.139 m/s",
        "depth_max_m",
    ] {
        assert!(err.contains(w), "{w}: {err}");
    }
    assert!(!out.join("record.sqlite").exists());
    // the planner still plans for it (the limit is the simulated implement's)
    let o = bin()
        .args(["plan", "--field"])
        .arg(repo("tests/data/sim_small.geojson"))
        .arg("--machine")
        .arg(&shallow)
        .arg("--out")
        .arg(dir.path().join("p.geojson"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
}

#[test]
fn sim_flags_are_named_in_their_errors() {
    let f = repo("tests/data/sim_small.geojson");
    for (args, want) in [
        (vec!["--mines-per-ha", "-1"], "--mines-per-ha -1"),
        (vec!["--max-sim-hours", "0"], "--max-sim-hours 0"),
        (vec!["--max-sim-hours", "nan"], "--max-sim-hours NaN"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let o = bin()
            .args(["sim", "--field"])
            .arg(&f)
            .arg("--out")
            .arg(dir.path().join("s"))
            .args(&args)
            .output()
            .unwrap();
        let (_, err) = text(&o);
        assert_ne!(o.status.code(), Some(0), "{args:?}");
        assert!(err.contains(want), "{want}: {err}");
        assert!(
            !err.contains("ap_mines_per_ha") && !err.contains("FieldOptions"),
            "{err}"
        );
    }
}

#[test]
fn can_send_lists_the_value_names_and_the_range() {
    // the values are checked before any adapter is opened
    let o = bin()
        .args([
            "can",
            "send",
            "--port",
            "/nonexistent",
            "HostHeartbeat",
            "HostCounter=1",
            "HostMode=Fast",
        ])
        .output()
        .unwrap();
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(err.contains("Idle (0), Manual (1), Auto (2), Paused (3)"), "{err}");
    let o = bin()
        .args([
            "can",
            "send",
            "--port",
            "/nonexistent",
            "DriveCommand",
            "LeftTrackSpeedCmd=fast",
            "RightTrackSpeedCmd=0",
        ])
        .output()
        .unwrap();
    let (_, err) = text(&o);
    assert!(err.contains("not a number (-3 to 3 m/s"), "{err}");
}

#[test]
fn can_send_of_a_vehicle_message_warns_and_a_dead_adapter_gets_the_profile_hint() {
    let o = bin()
        .env("NO_COLOR", "1")
        .args([
            "can",
            "send",
            "--port",
            "/nonexistent/tty",
            "TrackSpeeds",
            "LeftTrackSpeed=0.1",
            "RightTrackSpeed=0.1",
        ])
        .output()
        .unwrap();
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(err.contains("the vehicle (VCU) sends to the host"), "{err}");
    assert!(err.contains("try --profile lawicel, usbtin or canable"), "{err}");
}
