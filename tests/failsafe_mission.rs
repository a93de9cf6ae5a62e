//! No silent failure in a mission (issue 13): every end other than `completed` exits non-zero
//! with its reason, the record keeps every transition and pre-flight across kills, resume on
//! another field is refused, the driven track is complete and passes the footprint check when the
//! run says so, the wording of the record and the log is plain, and `--log-sensors` feeds
//! `demine localize`.

use demine::coverage::{CoverageConfig, FootprintCheck, ProcessedGrid, ProcessingSample};
use demine::machine::MachineProfile;
use demine::mission::MissionState;
use demine::plan::Pose;
use demine::record::{Durability, Record};
use demine::runtime::{self, SimOptions};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

fn sim(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_demine"));
    c.env_remove("RUST_LOG").arg("sim").args(["--quiet-gnss"]).args(args);
    c
}

fn run(c: &mut Command) -> (Output, String) {
    let o = c.output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    (o, err)
}

fn open(dir: &Path) -> Record {
    Record::open(&dir.join("record.sqlite"), Durability::Normal).unwrap()
}

fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap()
}

#[test]
fn a_failed_preflight_exits_4_with_the_reason_in_plain_words() {
    let dir = tempfile::tempdir().unwrap();
    // the rotor stalls through the whole spin test
    let (o, err) = run(sim(&["--inject", "rotor-stall@0+60", "--field"])
        .arg(repo("tests/data/sim_small.geojson"))
        .arg("--out")
        .arg(dir.path()));
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert!(
        err.contains(
            "pre-flight failed: rotor_spin_test: peak 0 rpm, minimum never reached (need 400 rpm within 20 s)"
        ),
        "{err}"
    );
    let s = summary(dir.path());
    assert_eq!(s["state"], "planned");
    assert_eq!(s["preflight_passed"], false);
    let ev = open(dir.path()).events().unwrap();
    let pf = ev.iter().find(|e| e.category == "preflight").expect("recorded");
    assert_eq!(pf.name, "failed");
    assert!(
        pf.detail.contains("rotor_spin_test FAILED") && !pf.detail.contains("Some("),
        "{}",
        pf.detail
    );
}

#[test]
fn an_aborted_mission_exits_3_and_the_time_limit_exits_5_and_resumes() {
    let f = repo("tests/data/sim_small.geojson");
    let dir = tempfile::tempdir().unwrap();
    let (o, err) = run(sim(&[
        "--ack",
        "never",
        "--mines-per-ha",
        "0",
        "--inject",
        "shock@60",
        "--field",
    ])
    .arg(&f)
    .arg("--out")
    .arg(dir.path()));
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("mission aborted") && err.contains("detonation"), "{err}");
    assert_eq!(summary(dir.path())["state"], "aborted");
    // 0.02 h = 72 s of mission time: stopped paused, resumable
    let dir = tempfile::tempdir().unwrap();
    let (o, err) = run(sim(&["--max-sim-hours", "0.02", "--mines-per-ha", "0", "--field"])
        .arg(&f)
        .arg("--out")
        .arg(dir.path()));
    assert_eq!(o.status.code(), Some(5), "{err}");
    assert!(
        err.contains("mission incomplete (paused") && err.contains("time limit of 0.02 h"),
        "{err}"
    );
    assert!(err.contains("--resume"), "{err}");
    let s = summary(dir.path());
    assert_eq!(s["state"], "paused");
    assert!((72.0..=73.0).contains(&s["sim_duration_s"].as_f64().unwrap()), "{s}");
    let (o, err) = run(sim(&["--mines-per-ha", "0", "--resume"]).arg(dir.path()));
    assert!(o.status.success(), "{err}");
    assert_eq!(summary(dir.path())["state"], "completed");
    // resuming a completed mission: nothing to do, said, and no absurd speed-up
    let (o, err) = run(sim(&["--resume"]).arg(dir.path()));
    assert!(o.status.success(), "{err}");
    assert!(err.contains("already completed"), "{err}");
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(s["speedup"], 0.0, "{s}");
}

#[test]
fn resume_with_another_field_is_refused_and_the_recorded_field_is_used() {
    let dir = tempfile::tempdir().unwrap();
    let (o, err) = run(sim(&["--inject", "kill@40", "--field"])
        .arg(repo("tests/data/sim_small.geojson"))
        .arg("--out")
        .arg(dir.path()));
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(o.status.signal(), Some(9), "{err}");
    let events_before = open(dir.path()).events().unwrap().len();
    let (o, err) = run(sim(&["--field"])
        .arg(repo("tests/data/sim_road.geojson"))
        .arg("--resume")
        .arg(dir.path()));
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("is not the field of the mission recorded in"), "{err}");
    assert!(err.contains("sim_small.geojson"), "{err}");
    assert_eq!(
        open(dir.path()).events().unwrap().len(),
        events_before,
        "the record is untouched"
    );
}

#[test]
fn three_kills_keep_every_transition_and_preflight_in_order_and_balanced() {
    let f = repo("tests/data/sim_small.geojson");
    let dir = tempfile::tempdir().unwrap();
    use std::os::unix::process::ExitStatusExt;
    for (i, t) in [35.0, 400.0, 1500.0].iter().enumerate() {
        let mut c = sim(&["--seed", "3", "--inject", &format!("kill@{t}")]);
        if i == 0 {
            c.arg("--field").arg(&f).arg("--out").arg(dir.path());
        } else {
            c.arg("--resume").arg(dir.path());
        }
        let (o, err) = run(&mut c);
        assert_eq!(o.status.signal(), Some(9), "kill {i} at {t}: {err}");
    }
    let (o, err) = run(sim(&["--seed", "3", "--resume"]).arg(dir.path()));
    assert!(o.status.success(), "{err}");
    let ev = open(dir.path()).events().unwrap();
    // numbered without a hole, times never going back
    for (i, e) in ev.iter().enumerate() {
        assert_eq!(e.seq, i as i64);
    }
    assert!(ev.windows(2).all(|w| w[0].t_s <= w[1].t_s), "times in order");
    let tr: Vec<&demine::record::EventRow> = ev.iter().filter(|e| e.category == "transition").collect();
    // each transition starts in the state the one before it ended in
    let mut state = "idle".to_string();
    for t in &tr {
        let (from, to) = t.name.split_once(" -> ").unwrap();
        assert_eq!(from, state, "{}: {tr:#?}", t.name);
        assert_eq!(to, t.state);
        state = to.to_string();
    }
    assert_eq!(state, "completed");
    // into clearing as often as out of it
    let into = tr.iter().filter(|t| t.name.ends_with("-> clearing")).count();
    let out = tr.iter().filter(|t| t.name.starts_with("clearing ->")).count();
    assert_eq!(into, out, "{tr:#?}");
    let restarts = tr
        .iter()
        .filter(|t| t.detail.starts_with("restarted from the record"))
        .count();
    assert_eq!(restarts, 3, "one restart transition per kill");
    // a pre-flight on every run, each before that run's resume
    let pf: Vec<usize> = ev
        .iter()
        .enumerate()
        .filter(|(_, e)| e.category == "preflight")
        .map(|(i, _)| i)
        .collect();
    assert_eq!(pf.len(), 4, "one pre-flight per run");
    assert!(pf.iter().all(|&i| ev[i].name == "passed"));
    let resumes: Vec<usize> = ev
        .iter()
        .enumerate()
        .filter(|(_, e)| e.name == "resume")
        .map(|(i, _)| i)
        .collect();
    assert_eq!(resumes.len(), 3);
    for (k, r) in resumes.iter().enumerate() {
        assert!(pf[k + 1] < *r, "pre-flight of run {} before its resume", k + 2);
    }
    let row_state: String = {
        let r = open(dir.path());
        let rp = r.resume_point().unwrap();
        rp.state.as_str().into()
    };
    assert_eq!(row_state, "completed");
}

/// Replays track.geojson through the project's own footprint check: the implement credits its
/// strip on the pieces marked `implement`, the footprint is checked at every vertex and every
/// 5 cm between against what was processed before it, as `demine sim` checks the true pose.
fn replay_violations(dir: &Path, field_path: &Path, m: &MachineProfile) -> (usize, f64, f64) {
    let field = demine::field::load(field_path, &demine::field::FieldOptions::default()).unwrap();
    let fc: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("track.geojson")).unwrap()).unwrap();
    let cov = CoverageConfig::for_machine(m);
    let mut grid = ProcessedGrid::new(cov.clone(), m, &field.hazard, &field.safe).unwrap();
    let mut check = FootprintCheck::new(m);
    let (mut bad, mut length, mut max_gap) = (0, 0.0f64, 0.0f64);
    let mut was_bad = false;
    let mut prev_end: Option<Pose> = None;
    for feat in fc["features"].as_array().unwrap() {
        let p = &feat["properties"];
        let coords = feat["geometry"]["coordinates"].as_array().unwrap();
        let yaws = p["yaw_rad"].as_array().unwrap();
        assert_eq!(coords.len(), yaws.len());
        let on = p["implement"] == true;
        let poses: Vec<Pose> = coords
            .iter()
            .zip(yaws)
            .map(|(c, y)| {
                let ll = demine::geodesy::LatLon::new(c[1].as_f64().unwrap(), c[0].as_f64().unwrap());
                let (x, y0) = field.datum.to_enu_2d(ll);
                Pose::new(x, y0, y.as_f64().unwrap())
            })
            .collect();
        if let Some(e) = prev_end {
            max_gap = max_gap.max(e.distance_m(&poses[0]));
        }
        for w in poses.windows(2) {
            let d = w[0].distance_m(&w[1]);
            length += d;
            let n = (d / 0.05).ceil().max(1.0) as usize;
            for k in 0..=n {
                let u = k as f64 / n as f64;
                let dyaw = demine::plan::pose::angle_diff(w[0].yaw_rad, w[1].yaw_rad);
                let q = Pose::new(
                    w[0].x_m + u * (w[1].x_m - w[0].x_m),
                    w[0].y_m + u * (w[1].y_m - w[0].y_m),
                    w[0].yaw_rad + u * dyaw,
                );
                if on {
                    grid.update(&ProcessingSample {
                        pose: q,
                        rotor_rpm: m.rotor_rpm_target,
                        depth_m: m.depth_target_m,
                        speed_mps: m.clearing_speed_mps,
                        position_sigma_m: 0.02,
                    });
                }
                let v = check.count(&grid, &q);
                if !v.ok && !was_bad {
                    bad += 1;
                }
                was_bad = !v.ok;
            }
        }
        prev_end = poses.last().copied();
        grid.break_sweep();
    }
    (bad, length, max_gap)
}

#[test]
fn the_driven_track_is_complete_and_replays_without_violation() {
    let f = repo("tests/data/sim_small.geojson");
    let dir = tempfile::tempdir().unwrap();
    let mut o = SimOptions::new(f.clone(), dir.path().to_path_buf());
    o.gnss_episodes = false;
    let s = runtime::run(&o, &mut |_| {}).unwrap();
    assert_eq!(s.state, MissionState::Completed);
    assert_eq!(s.footprint_violations, 0);
    let (bad, length, max_gap) = replay_violations(dir.path(), &f, &o.machine);
    assert_eq!(bad, 0, "track.geojson replayed through FootprintCheck");
    // the pieces join: a gap only where a pivot turned about its centre behind base_link
    assert!(
        max_gap <= 2.0 * o.machine.pivot_centre_behind_m + 0.01,
        "gap {max_gap} m"
    );
    // every kept pose is in the file: its length is the path driven, within the pivots' arcs
    assert!(
        (length - s.path_length_m).abs() < 0.02 * s.path_length_m,
        "{length} vs {}",
        s.path_length_m
    );
    let r = open(dir.path());
    let n_points = r.track().unwrap().len();
    let pieces = serde_json::from_slice::<serde_json::Value>(&std::fs::read(dir.path().join("track.geojson")).unwrap())
        .unwrap()["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["geometry"]["coordinates"].as_array().unwrap().len())
        .sum::<usize>();
    assert!(pieces >= n_points / 2, "{pieces} vertices for {n_points} kept poses");
}

/// `Some(`, `None`, Rust debug output and long binary fractions have no place in what
/// supervisors and auditors read.
fn assert_plain(what: &str, text: &str) {
    for bad in ["Some(", "None", "Observation {", "\u{1b}["] {
        assert!(!text.contains(bad), "{what}: {bad:?} in {text:?}");
    }
    let digits = text
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter(|w| w.split_once('.').is_some_and(|(_, frac)| frac.len() >= 7))
        .collect::<Vec<_>>();
    assert!(digits.is_empty(), "{what}: unrounded figures {digits:?} in {text:?}");
}

#[test]
fn the_record_and_the_log_of_a_run_with_every_fault_read_plainly() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_demine"));
    c.env("RUST_LOG", "info")
        .args(["sim", "--mines-per-ha", "100", "--field"])
        .arg(repo("tests/data/sim_small.geojson"))
        .arg("--out")
        .arg(dir.path());
    for f in [
        "gnss-outage@100+20",
        "link-loss@200+3",
        "rotor-stall@300",
        "estop@400+10",
        "shock@500",
        "kill@999999",
    ] {
        c.args(["--inject", f]);
    }
    let (o, err) = run(&mut c);
    assert!(o.status.success(), "{err}");
    assert_plain("log", &err);
    // a fault the mission never reached is said
    assert!(err.contains("kill@999999 at 999999 s was not injected"), "{err}");
    let r = open(dir.path());
    let ev = r.events().unwrap();
    let cats: std::collections::HashSet<&str> = ev.iter().map(|e| e.category.as_str()).collect();
    for c in [
        "transition",
        "safety",
        "cleared",
        "operator",
        "preflight",
        "segment",
        "host",
    ] {
        assert!(cats.contains(c), "{c} events in {cats:?}");
    }
    for e in &ev {
        assert_plain(&format!("event {} {}", e.category, e.name), &e.detail);
        assert_plain("event time", &e.t_s.to_string());
        if e.category == "cleared" && e.name == "gnss-degraded" {
            assert!(!e.detail.contains("ok false"), "{}", e.detail);
        }
    }
    let fix_rejected: Vec<_> = ev.iter().filter(|e| e.name == "fix-rejected").collect();
    for e in fix_rejected {
        assert!(!e.detail.contains("not recorded"), "{}", e.detail);
    }
    for q in r.track().unwrap() {
        assert_plain("track time", &q.t_s.to_string());
    }
}

#[test]
fn sim_log_sensors_writes_what_demine_localize_replays() {
    let f = repo("tests/data/sim_small.geojson");
    let dir = tempfile::tempdir().unwrap();
    let (o, err) = run(sim(&["--log-sensors", "--mines-per-ha", "0", "--field"])
        .arg(&f)
        .arg("--out")
        .arg(dir.path()));
    assert!(o.status.success(), "{err}");
    let s = summary(dir.path());
    let nmea = std::fs::read_to_string(dir.path().join("gnss.nmea")).unwrap();
    assert!(nmea.lines().any(|l| l.contains("GGA")) && nmea.lines().any(|l| l.contains("RMC")));
    let odo = std::fs::read_to_string(dir.path().join("odometry.csv")).unwrap();
    assert!(
        odo.starts_with("unix_time_s,left_track_mps,right_track_mps,yaw_rate_rps\n"),
        "{}",
        &odo[..80]
    );
    // the datum of the run's plan, so the estimate is in the record's frame
    let field = demine::field::load(&f, &demine::field::FieldOptions::default()).unwrap();
    let d = field.datum.origin;
    let est = dir.path().join("est.csv");
    let o = Command::new(env!("CARGO_BIN_EXE_demine"))
        .args(["localize", "--nmea"])
        .arg(dir.path().join("gnss.nmea"))
        .arg("--odometry")
        .arg(dir.path().join("odometry.csv"))
        .args(["--datum", &format!("{},{}", d.lat_deg, d.lon_deg)])
        .arg("--out")
        .arg(&est)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&est).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    let (ce, cn, cq) = (col("east_m"), col("north_m"), col("quality"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let good = rows.iter().filter(|r| r[cq] == "Good").count();
    assert!(
        good as f64 > 0.9 * rows.len() as f64,
        "{good} of {} rows Good",
        rows.len()
    );
    // the replayed estimate ends where the machine ended and drove about as far
    let pts: Vec<(f64, f64)> = rows
        .iter()
        .filter_map(|r| Some((r[ce].parse::<f64>().ok()?, r[cn].parse::<f64>().ok()?)))
        .collect();
    let last_true = open(dir.path()).track().unwrap().last().copied().unwrap();
    let end = pts.last().unwrap();
    let miss = (end.0 - last_true.x_m).hypot(end.1 - last_true.y_m);
    assert!(miss < 0.3, "the replay ends {miss} m from the true end");
    let driven: f64 = pts.windows(2).map(|w| (w[1].0 - w[0].0).hypot(w[1].1 - w[0].1)).sum();
    let truth = s["path_length_m"].as_f64().unwrap();
    assert!(
        (driven - truth).abs() < 0.05 * truth,
        "replayed {driven} m, driven {truth} m"
    );
}
