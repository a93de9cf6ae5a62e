//! Round trips, idempotent writes and reading back after an unclean end.

use super::*;

fn row() -> MissionRow {
    MissionRow {
        task_id: "T-1".into(),
        created_utc: "2026-11-26T00:00:00Z".into(),
        field_name: "rectangle".into(),
        field_geojson: "{}".into(),
        machine_name: "flail".into(),
        machine_yaml: "name: x".into(),
        seed: 7,
        cell_m: 0.1,
        planned_area_m2: 1000.0,
    }
}

fn seg(seq: i64) -> RecordedSegment {
    RecordedSegment {
        seq,
        kind: "lane".into(),
        implement: true,
        direction: "forward".into(),
        motion: format!("{{\"n\":{seq}}}"),
    }
}

fn event(t_s: f64, name: &str) -> MissionEvent {
    MissionEvent {
        t_s,
        category: "safety",
        name: name.into(),
        detail: String::new(),
        state: MissionState::Paused,
    }
}

fn det(id: i64) -> RecordedDetonation {
    RecordedDetonation {
        id,
        t_s: 5.0,
        x_m: 1.0,
        y_m: 2.0,
        lon: 30.0,
        lat: 50.0,
        heading_rad: 0.0,
        segment: Some(1),
        block_length_m: 5.0,
        block_width_m: 1.9,
        acknowledged_t_s: None,
    }
}

fn fill(r: &mut Record) {
    r.ensure_mission(&row()).unwrap();
    r.put_plan(&[seg(0), seg(1), seg(2)]).unwrap();
    r.set_state(MissionState::Clearing, 1.0).unwrap();
    r.segment_started(0, "lane", 1.0, 0.0, 0.0).unwrap();
    r.segment_ended(0, 9.0, 0.0, 10.0, 0.05).unwrap();
    r.segment_started(1, "lane", 9.0, 0.0, 10.0).unwrap();
    let tp = TrackPoint {
        seq: 0,
        t_s: 9.5,
        x_m: 0.0,
        y_m: 10.0,
        yaw_rad: 0.0,
        segment: 1,
        implement: true,
        reverse: false,
    };
    r.add_tick(&[(0, 0), (0, 1), (1, 1)], 9.5, &[tp]).unwrap();
    r.add_detonation(&det(1)).unwrap();
    r.add_event(0, &event(9.6, "detonation")).unwrap();
}

#[test]
fn writes_read_back_after_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("record.sqlite");
    {
        let mut r = Record::open(&p, Durability::Full).unwrap();
        fill(&mut r);
        // Leave without any orderly close, as a killed process would.
        std::mem::forget(r);
    }
    let r = Record::open(&p, Durability::Full).unwrap();
    assert_eq!(r.mission().unwrap().unwrap(), row());
    let rp = r.resume_point().unwrap();
    assert_eq!(rp.state, MissionState::Clearing);
    assert_eq!(rp.plan.len(), 3);
    assert_eq!(rp.next_segment, 1);
    assert_eq!(rp.cells.len(), 3);
    assert_eq!(rp.detonations, vec![det(1)]);
    assert_eq!((rp.next_event_seq, rp.next_track_seq), (1, 1));
    assert!((rp.last_t_s - 9.6).abs() < 1e-9);
}

#[test]
fn repeated_writes_never_duplicate_rows() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("record.sqlite");
    let mut r = Record::open(&p, Durability::Normal).unwrap();
    fill(&mut r);
    let before = r.counts().unwrap();
    fill(&mut r);
    let mut other = row();
    other.seed = 99;
    r.ensure_mission(&other).unwrap();
    assert_eq!(r.counts().unwrap(), before);
    assert_eq!(r.mission().unwrap().unwrap().seed, 7, "the first mission row stays");
    // An end written twice keeps the first end.
    r.segment_ended(0, 50.0, 1.0, 1.0, 0.0).unwrap();
    assert_eq!(r.max_cross_track_m().unwrap(), 0.05);
    assert_eq!(r.resume_point().unwrap().next_segment, 1);
    r.acknowledge(1, 20.0).unwrap();
    r.acknowledge(1, 30.0).unwrap();
    assert_eq!(r.detonations().unwrap()[0].acknowledged_t_s, Some(20.0));
}

#[test]
fn next_segment_counts_only_the_leading_run_of_finished_segments() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("record.sqlite");
    let mut r = Record::open(&p, Durability::Normal).unwrap();
    r.ensure_mission(&row()).unwrap();
    r.put_plan(&[seg(0), seg(1), seg(2)]).unwrap();
    for s in [0, 2] {
        r.segment_started(s, "lane", 0.0, 0.0, 0.0).unwrap();
        r.segment_ended(s, 1.0, 0.0, 0.0, 0.0).unwrap();
    }
    r.segment_started(1, "lane", 0.0, 0.0, 0.0).unwrap();
    assert_eq!(r.resume_point().unwrap().next_segment, 1);
}

#[test]
fn wal_mode_is_on() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("record.sqlite");
    let r = Record::open(&p, Durability::Full).unwrap();
    let mode: String = r.conn.query_row("PRAGMA journal_mode", [], |x| x.get(0)).unwrap();
    let sync: i64 = r.conn.query_row("PRAGMA synchronous", [], |x| x.get(0)).unwrap();
    assert_eq!((mode.as_str(), sync), ("wal", 2));
}

/// A record written by a build with another schema is refused, naming both versions, and left
/// as it was.
#[test]
fn a_record_of_another_schema_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("old.sqlite");
    {
        let c = rusqlite::Connection::open(&p).unwrap();
        c.execute_batch("PRAGMA user_version=1; CREATE TABLE processed_cell (ix INTEGER, iy INTEGER);")
            .unwrap();
    }
    let e = Record::open(&p, Durability::Normal).err().expect("refused").to_string();
    assert!(
        e.contains("schema version 1") && e.contains("reads 2") && e.contains("old.sqlite"),
        "{e}"
    );
    let c = rusqlite::Connection::open(&p).unwrap();
    let v: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    let mode: String = c.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!((v, mode.as_str()), (1, "delete"), "untouched");
}
