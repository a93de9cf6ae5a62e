//! The clearance record's exports read by tools nobody here wrote: `demine sim` leaves
//! `record.gpkg` (GeoPackage) and, with `--mcap`, a rosbag2 MCAP bag; GDAL's `ogrinfo`, pyogrio,
//! rosbags and mcap-ros2-support read them (`tests/referee/record_export_check.py`), and a
//! killed-and-resumed mission exports the same processed area as an uninterrupted one.
//!
//! Needs `gdal-bin` (ogrinfo) and `python3 -m pip install -r .ci/requirements.txt` (what `.ci/run`
//! installs).

use demine::ros_interface::{normalize, Direction, TOPICS};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn demine() -> Command {
    Command::new(env!("CARGO_BIN_EXE_demine"))
}

fn run_ok(c: &mut Command, what: &str) -> String {
    let out = c.output().unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    let (o, e) = (
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    );
    assert!(out.status.success(), "{what} failed:\n{o}\n{e}");
    o + &e
}

fn referee(args: &[&std::ffi::OsStr]) -> String {
    let probe = Command::new("python3")
        .args(["-c", "import pyogrio, shapely, pyproj, rosbags, mcap, mcap_ros2"])
        .output();
    assert!(
        probe.as_ref().is_ok_and(|o| o.status.success()),
        "the export referee needs python3 with pyogrio, shapely, pyproj, rosbags, mcap and mcap-ros2-support: \
         python3 -m pip install -r .ci/requirements.txt"
    );
    let mut c = Command::new("python3");
    c.arg(root().join("tests/referee/record_export_check.py")).args(args);
    run_ok(&mut c, "record_export_check.py")
}

fn sim(out: &Path, extra: &[&str]) -> std::process::Output {
    demine()
        .args(["sim", "--quiet-gnss", "--seed", "3", "--field"])
        .arg(root().join("tests/data/sim_small.geojson"))
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

/// `ogrinfo -al -so`: every layer with its feature count and EPSG:4326, nothing on stderr.
fn ogrinfo(gpkg: &Path) -> String {
    let out = Command::new("ogrinfo")
        .args(["-ro", "-al", "-so"])
        .arg(gpkg)
        .output()
        .expect("ogrinfo (Debian gdal-bin) is needed: apt-get install gdal-bin");
    let (o, e) = (
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    );
    assert!(out.status.success(), "ogrinfo failed: {e}");
    assert!(e.trim().is_empty(), "ogrinfo warned: {e}");
    o
}

fn os(s: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(s)
}

#[test]
fn sim_exports_open_in_gdal_pyogrio_rosbags_and_mcap() {
    let dir = tempfile::tempdir().unwrap();
    let bag = dir.path().join("run.mcap");
    let out = sim(dir.path(), &["--mcap", bag.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let record = dir.path().join("record.sqlite");
    let gpkg = dir.path().join("record.gpkg");

    let info = ogrinfo(&gpkg);
    for layer in [
        "hazard",
        "safe",
        "obstacles",
        "planned_passes",
        "driven_track",
        "processed",
        "residual",
        "missed",
        "detonations",
        "detonation_blocks",
        "safety_events",
        "mission",
    ] {
        assert!(
            info.contains(&format!("Layer name: {layer}\n")),
            "{layer} missing:\n{info}"
        );
    }
    let layers = info.matches("Layer name: ").count();
    assert_eq!(info.matches("Feature Count: ").count(), layers, "{info}");
    // every geometry layer in EPSG:4326 (the mission table has none)
    assert_eq!(info.matches("ID[\"EPSG\",4326]]").count(), layers - 1, "{info}");

    let g = referee(&[
        os("gpkg"),
        record.as_os_str(),
        gpkg.as_os_str(),
        dir.path().join("summary.json").as_os_str(),
    ]);
    assert!(g.contains("gpkg ok"), "{g}");

    // periodic topics of the bag, at the interface table's rates
    let mut rates = Vec::new();
    for t in [
        "odometry/filtered",
        "/tf",
        "gps/fix",
        "tracker/segment",
        "coverage/grid",
        "coverage/progress",
    ] {
        let hz = TOPICS
            .iter()
            .filter(|s| s.direction == Direction::Publish && normalize(s.topic) == normalize(t))
            .find_map(|s| s.rate_hz)
            .unwrap_or_else(|| panic!("{t}: no rate in the table"));
        rates.push(format!("/{}={hz}", normalize(t)));
    }
    let mut args = vec![os("mcap"), record.as_os_str(), bag.as_os_str()];
    args.extend(rates.iter().map(|r| os(r)));
    let m = referee(&args);
    assert!(m.contains("mcap ok"), "{m}");

    // `record export` of the same record gives the same GeoPackage layers
    let again = dir.path().join("again.gpkg");
    run_ok(
        demine()
            .args(["record", "export"])
            .arg(&record)
            .arg("--gpkg")
            .arg(&again),
        "record export",
    );
    assert_eq!(
        ogrinfo(&again),
        info.replace(gpkg.to_str().unwrap(), again.to_str().unwrap())
    );
}

#[test]
fn killed_and_resumed_mission_exports_the_processed_area_of_an_uninterrupted_one() {
    let reference = tempfile::tempdir().unwrap();
    let out = sim(reference.path(), &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let dir = tempfile::tempdir().unwrap();
    for (i, t) in [40.0, 900.0].iter().enumerate() {
        let kill = format!("kill@{t}");
        let out = if i == 0 {
            sim(dir.path(), &["--inject", &kill])
        } else {
            demine()
                .args(["sim", "--quiet-gnss", "--seed", "3", "--inject", &kill, "--resume"])
                .arg(dir.path())
                .output()
                .unwrap()
        };
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(out.status.signal(), Some(9), "killed at {t}");
        assert!(!dir.path().join("record.gpkg").exists() || i > 0);
    }
    // what a supervisor would do with a killed run: export what the record holds
    let partial = dir.path().join("partial.gpkg");
    run_ok(
        demine()
            .args(["record", "export"])
            .arg(dir.path().join("record.sqlite"))
            .arg("--gpkg")
            .arg(&partial),
        "export of a killed mission",
    );
    ogrinfo(&partial);
    run_ok(
        demine()
            .args(["sim", "--quiet-gnss", "--seed", "3", "--resume"])
            .arg(dir.path()),
        "resume",
    );
    let g = referee(&[
        os("gpkg"),
        dir.path().join("record.sqlite").as_os_str(),
        dir.path().join("record.gpkg").as_os_str(),
        dir.path().join("summary.json").as_os_str(),
    ]);
    assert!(g.contains("gpkg ok"), "{g}");
    let cell =
        demine::coverage::CoverageConfig::for_machine(&demine::machine::MachineProfile::default_profile()).cell_m;
    let c = referee(&[
        os("compare"),
        reference.path().join("record.gpkg").as_os_str(),
        dir.path().join("record.gpkg").as_os_str(),
        os(&cell.to_string()),
    ]);
    assert!(c.contains("compare:"), "{c}");
}

fn sha(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap()
}

#[test]
fn export_refuses_what_is_not_a_record_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("out.gpkg");
    let export = |input: &Path| {
        let out = demine()
            .args(["record", "export"])
            .arg(input)
            .arg("--gpkg")
            .arg(&gpkg)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{}: exported", input.display());
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    // a missing file
    let missing = dir.path().join("nope.sqlite");
    let e = export(&missing);
    assert!(
        e.contains(&format!("{}: cannot open the record", missing.display())),
        "{e}"
    );
    // a text file
    let text = dir.path().join("notes.sqlite");
    std::fs::write(&text, "field notes, not a database\n".repeat(100)).unwrap();
    let before = sha(&text);
    let e = export(&text);
    assert!(
        e.contains(&format!("{}: not a demine clearance record", text.display())),
        "{e}"
    );
    assert_eq!(sha(&text), before, "the input is left as it was");
    // another SQLite database
    let other = dir.path().join("other.sqlite");
    let c = rusqlite::Connection::open(&other).unwrap();
    c.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .unwrap();
    drop(c);
    let before = sha(&other);
    let e = export(&other);
    assert!(
        e.contains(&format!("{}: not a demine clearance record", other.display())) && e.contains("no `mission` table"),
        "{e}"
    );
    assert_eq!(sha(&other), before);
    // a record of another schema version
    let old = dir.path().join("old.sqlite");
    let c = rusqlite::Connection::open(&old).unwrap();
    c.execute_batch("CREATE TABLE mission (id INTEGER PRIMARY KEY); PRAGMA user_version = 1;")
        .unwrap();
    drop(c);
    let e = export(&old);
    assert!(
        e.contains(&format!("record {}: schema version 1", old.display())),
        "{e}"
    );
    // a record whose mission row was never written
    let empty = dir.path().join("empty.sqlite");
    drop(demine::record::Record::open(&empty, demine::record::Durability::Normal).unwrap());
    let e = export(&empty);
    assert!(e.contains("the mission row was never written"), "{e}");
    assert!(!gpkg.exists(), "nothing written");
    // no output asked for
    let out = demine().args(["record", "export"]).arg(&empty).output().unwrap();
    assert!(!out.status.success());
}
