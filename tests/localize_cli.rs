//! `demine localize` end to end: a generated NMEA log and TRACKS.csv in, EST.csv and the summary out.

use std::process::Command;

use demine::localize::scenario::{GnssPhase, GnssPhaseKind, ScenarioConfig};
use demine::localize::tracks::write_tracks_csv;

const HEADER: &str =
    "unix_time_s,lat_deg,lon_deg,east_m,north_m,yaw_rad,speed_mps,sigma_east_m,sigma_north_m,sigma_yaw_rad,quality";

fn demine() -> Command {
    Command::new(env!("CARGO_BIN_EXE_demine"))
}

#[test]
fn replays_a_generated_log() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = ScenarioConfig {
        duration_s: 240.0,
        antenna_m: (0.0, 0.0),
        phases: vec![
            GnssPhase {
                start_s: 100.0,
                end_s: 101.0,
                kind: GnssPhaseKind::Jump {
                    east_m: 10.0,
                    north_m: 0.0,
                },
            },
            GnssPhase {
                start_s: 150.0,
                end_s: 170.0,
                kind: GnssPhaseKind::Outage,
            },
        ],
        ..Default::default()
    };
    let scn = cfg.generate();
    let nmea = dir.path().join("GNSS.nmea");
    let tracks = dir.path().join("TRACKS.csv");
    let est = dir.path().join("EST.csv");
    std::fs::write(&nmea, format!("garbage line\r\n{}", scn.to_nmea_log())).unwrap();
    write_tracks_csv(std::fs::File::create(&tracks).unwrap(), &scn.odometry()).unwrap();
    let datum = format!("{},{},{}", cfg.datum.lat_deg, cfg.datum.lon_deg, cfg.datum.alt_m);
    let out = demine()
        .args([
            "localize",
            "--nmea",
            nmea.to_str().unwrap(),
            "--odometry",
            tracks.to_str().unwrap(),
        ])
        .args(["--datum", &datum, "--out", est.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    eprintln!("{stderr}");
    assert!(stderr.contains("fixes 2201: used "), "{stderr}");
    assert!(stderr.contains("outages 1"), "{stderr}");
    // The 1 s jump (10 fixes) plus the odd noise tail beyond the 99.9 % gate.
    let gated: u32 = stderr
        .split("innovation gate ")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((10..=16).contains(&gated), "{stderr}");
    assert!(stderr.contains("1 garbage"), "{stderr}");
    assert!(stderr.contains("final quality Good"), "{stderr}");

    let text = std::fs::read_to_string(&est).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(HEADER));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), scn.truth.len(), "one row per odometry sample");
    assert!(rows.iter().all(|r| r.len() == 11));
    // Before alignment: empty numbers, Lost. After: compare with the truth.
    assert_eq!(rows[0][10], "Lost");
    assert_eq!(rows[0][3], "");
    let mut worst = 0.0f64;
    for (r, t) in rows.iter().zip(&scn.truth) {
        if r[3].is_empty() || t.unix_time_s < cfg.start_unix_s + 60.0 {
            continue;
        }
        let e: f64 = r[3].parse().unwrap();
        let n: f64 = r[4].parse().unwrap();
        worst = worst.max((e - t.east_m).hypot(n - t.north_m));
        let lat: f64 = r[1].parse().unwrap();
        let lon: f64 = r[2].parse().unwrap();
        let (e2, n2) = scn.datum.to_enu_2d(demine::geodesy::LatLon::new(lat, lon));
        assert!((e2 - e).abs() < 1e-3 && (n2 - n).abs() < 1e-3, "lat/lon and ENU agree");
    }
    assert!(worst < 0.05, "worst error {worst}");
}

#[test]
fn bad_tracks_csv_names_file_line_column_and_value() {
    let dir = tempfile::tempdir().unwrap();
    let nmea = dir.path().join("GNSS.nmea");
    let tracks = dir.path().join("TRACKS.csv");
    std::fs::write(&nmea, "").unwrap();
    std::fs::write(
        &tracks,
        "unix_time_s,left_track_mps,right_track_mps\n1.0,0.1,0.1\n1.1,0.1,fast\n",
    )
    .unwrap();
    let out = demine()
        .args([
            "localize",
            "--nmea",
            nmea.to_str().unwrap(),
            "--odometry",
            tracks.to_str().unwrap(),
        ])
        .args(["--out", dir.path().join("EST.csv").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("TRACKS.csv: line 3, column right_track_mps: not a finite number: \"fast\""),
        "{stderr}"
    );
}

#[test]
fn bad_datum_and_missing_file_are_clear_errors() {
    let out = demine()
        .args([
            "localize",
            "--nmea",
            "/nonexistent/G.nmea",
            "--odometry",
            "/nonexistent/T.csv",
        ])
        .args(["--datum", "95,10", "--out", "/tmp/never.csv"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("latitude must be within"));
    let out = demine()
        .args([
            "localize",
            "--nmea",
            "/nonexistent/G.nmea",
            "--odometry",
            "/nonexistent/T.csv",
        ])
        .args(["--out", "/tmp/never.csv"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/G.nmea: cannot open"));
}

#[test]
fn config_yaml_is_read_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let nmea = dir.path().join("GNSS.nmea");
    let tracks = dir.path().join("TRACKS.csv");
    std::fs::write(&nmea, "").unwrap();
    std::fs::write(&tracks, "unix_time_s,left_track_mps,right_track_mps\n1.0,0.1,0.1\n").unwrap();
    let run = |yaml: &str| {
        let cfg = dir.path().join("localize.yaml");
        std::fs::write(&cfg, yaml).unwrap();
        demine()
            .args([
                "localize",
                "--nmea",
                nmea.to_str().unwrap(),
                "--odometry",
                tracks.to_str().unwrap(),
            ])
            .args([
                "--config",
                cfg.to_str().unwrap(),
                "--out",
                dir.path().join("EST.csv").to_str().unwrap(),
            ])
            .output()
            .unwrap()
    };
    let ok = run("vehicle:\n  antenna_forward_m: 1.2\nquality:\n  good_max_sigma_h_m: 0.05\n");
    // The config is accepted: the run gets as far as the (empty) NMEA log, which is refused.
    let ok_err = String::from_utf8_lossy(&ok.stderr);
    assert!(
        ok_err.contains("GNSS.nmea: no valid NMEA sentence") && !ok_err.contains("localize.yaml"),
        "{ok_err}"
    );
    let typo = run("vehicle:\n  antena_forward_m: 1.2\n");
    assert!(!typo.status.success());
    assert!(String::from_utf8_lossy(&typo.stderr).contains("antena_forward_m"));
    let bad = run("quality:\n  good_max_sigma_h_m: -1\n");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("quality.good_max_sigma_h_m = -1 is invalid"));
}
