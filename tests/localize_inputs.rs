//! `demine localize` on the inputs a new user gets wrong: odometry in milliseconds, logs that do not
//! overlap or are offset by the GPS − UTC leap seconds, an NMEA file of garbage, a log without RMC
//! (and `--date`), and the summary's fix counts adding up.

use std::path::Path;
use std::process::{Command, Output};

use demine::localize::scenario::ScenarioConfig;
use demine::localize::tracks::write_tracks_csv;

fn logs(dir: &Path, shift_odometry_s: f64, odometry_scale: f64) -> (String, usize) {
    let c = ScenarioConfig {
        duration_s: 120.0,
        ..Default::default()
    };
    let sc = c.generate();
    let nmea = sc.to_nmea_log();
    std::fs::write(dir.join("gnss.nmea"), &nmea).unwrap();
    let mut odo = sc.odometry();
    for o in &mut odo {
        o.unix_time_s = (o.unix_time_s + shift_odometry_s) * odometry_scale;
    }
    let mut buf = Vec::new();
    write_tracks_csv(&mut buf, &odo).unwrap();
    std::fs::write(dir.join("tracks.csv"), buf).unwrap();
    let fixes = nmea.lines().filter(|l| l.starts_with("$GNGGA")).count();
    (nmea, fixes)
}

fn localize(dir: &Path, nmea: &str, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_demine"))
        .arg("localize")
        .arg("--nmea")
        .arg(dir.join(nmea))
        .arg("--odometry")
        .arg(dir.join("tracks.csv"))
        .arg("--out")
        .arg(dir.join("est.csv"))
        .args(extra)
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn fix_counts_add_up() {
    let d = tempfile::tempdir().unwrap();
    let (_, fixes) = logs(d.path(), 0.0, 1.0);
    let o = localize(d.path(), "gnss.nmea", &[]);
    let e = stderr(&o);
    assert!(o.status.success(), "{e}");
    let line = e.lines().find(|l| l.contains(&format!("fixes {fixes}:"))).expect(&e);
    let num = |key: &str| -> usize {
        let i = line.find(key).unwrap() + key.len();
        line[i..]
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert_eq!(num("used ") + num("rejected "), fixes, "{line}");
}

#[test]
fn odometry_in_milliseconds_is_refused_clearly() {
    let d = tempfile::tempdir().unwrap();
    logs(d.path(), 0.0, 1000.0);
    let o = localize(d.path(), "gnss.nmea", &[]);
    let e = stderr(&o);
    assert!(!o.status.success());
    assert!(
        e.contains("milliseconds") && e.contains("tracks.csv") && e.contains("line 2"),
        "{e}"
    );
}

#[test]
fn logs_that_do_not_overlap_fail_loudly() {
    let d = tempfile::tempdir().unwrap();
    logs(d.path(), 3600.0, 1.0);
    let o = localize(d.path(), "gnss.nmea", &[]);
    let e = stderr(&o);
    assert!(!o.status.success(), "{e}");
    assert!(e.contains("WARNING") && e.contains("overlap"), "{e}");
    assert!(e.contains("have an estimate that is not Lost"), "{e}");
}

#[test]
fn a_leap_second_offset_is_named() {
    let d = tempfile::tempdir().unwrap();
    logs(d.path(), -18.0, 1.0);
    let o = localize(d.path(), "gnss.nmea", &[]);
    let e = stderr(&o);
    assert!(e.contains("GPS time"), "{e}");
}

#[test]
fn garbage_nmea_is_a_clear_error() {
    let d = tempfile::tempdir().unwrap();
    logs(d.path(), 0.0, 1.0);
    let mut junk = Vec::new();
    for i in 0..2000u32 {
        junk.extend_from_slice(format!("{:08x} not nmea at all ${i}*ZZ\n", i.wrapping_mul(2_654_435_761)).as_bytes());
        junk.push((i % 251) as u8);
    }
    std::fs::write(d.path().join("junk.nmea"), junk).unwrap();
    let o = localize(d.path(), "junk.nmea", &[]);
    let e = stderr(&o);
    assert!(!o.status.success());
    assert!(e.contains("junk.nmea") && e.contains("no valid NMEA sentence"), "{e}");
}

#[test]
fn nmea_without_rmc_needs_a_date() {
    let d = tempfile::tempdir().unwrap();
    let (nmea, fixes) = logs(d.path(), 0.0, 1.0);
    let no_rmc: String = nmea
        .lines()
        .filter(|l| !l.contains("RMC"))
        .map(|l| format!("{l}\r\n"))
        .collect();
    std::fs::write(d.path().join("gga.nmea"), no_rmc).unwrap();
    let o = localize(d.path(), "gga.nmea", &[]);
    let e = stderr(&o);
    assert!(!o.status.success());
    assert!(e.contains("no RMC") && e.contains("--date"), "{e}");
    // The scenario starts 2026-11-26 10:00 UTC.
    let o = localize(d.path(), "gga.nmea", &["--date", "2026-11-26"]);
    let e = stderr(&o);
    assert!(o.status.success(), "{e}");
    assert!(e.contains(&format!("fixes {fixes}:")), "{e}");
    for bad in ["2026-13-01", "2026-02-30", "26-11-2026", "x"] {
        let o = localize(d.path(), "gga.nmea", &["--date", bad]);
        assert!(!o.status.success() && stderr(&o).contains("--date"), "{bad}");
    }
}
