//! [`RecordView`]: a clearance record opened read-only and checked, with the field, the machine,
//! the plan and the processed-area grid rebuilt from it.

use super::ExportError;
use crate::coverage::{CoverageConfig, ProcessedGrid, ProcessingSample};
use crate::field::{self, Field, FieldOptions};
use crate::machine::MachineProfile;
use crate::mission::MissionState;
use crate::plan::{Motion, Pose};
use crate::record::schema::VERSION;
use crate::record::{EventRow, MissionRow, Record, RecordError, RecordedDetonation, RecordedSegment, TrackPoint};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};

/// Everything the exports need, read from one record.
pub struct RecordView {
    pub path: PathBuf,
    pub mission: MissionRow,
    /// The mission state last recorded, and its time, s.
    pub state: MissionState,
    pub state_t_s: f64,
    pub field: Field,
    pub machine: MachineProfile,
    pub plan: Vec<RecordedSegment>,
    /// The plan segments decoded (same order as `plan`).
    pub motions: Vec<Motion>,
    /// The grid as a resume rebuilds it; cells the driven track swept with the implement on and
    /// that are not credited are marked swept-uncredited (the `missed` strips).
    pub grid: ProcessedGrid,
    /// Latest pass time of each grid cell, s (row-major like the grid; NaN: not processed).
    pub cell_t_s: Vec<f32>,
    pub detonations: Vec<RecordedDetonation>,
    pub events: Vec<EventRow>,
    pub track: Vec<TrackPoint>,
    /// Start and (when finished) end time of each executed segment, s.
    pub segment_times: std::collections::HashMap<i64, (f64, Option<f64>)>,
    /// SHA-256 of the field file as recorded, lowercase hex.
    pub field_sha256: String,
}

fn not_a_record(path: &Path, reason: impl Into<String>) -> ExportError {
    ExportError::NotARecord {
        path: path.display().to_string(),
        reason: reason.into(),
    }
}

/// Open `path` read-only and refuse what is not a record of this build's schema version.
fn open_checked(path: &Path) -> Result<Record, ExportError> {
    let name = path.display().to_string();
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => {}
        Ok(_) => {
            return Err(ExportError::Open {
                path: name,
                reason: "not a regular file".into(),
            })
        }
        Err(e) => {
            return Err(ExportError::Open {
                path: name,
                reason: e.to_string(),
            })
        }
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| ExportError::Open {
            path: name.clone(),
            reason: e.to_string(),
        })?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| not_a_record(path, e.to_string()))?;
    let has_mission: bool = conn
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'mission'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .map(|n| n > 0)
        .map_err(|e| not_a_record(path, e.to_string()))?;
    if !has_mission {
        return Err(not_a_record(
            path,
            format!("it has no `mission` table (SQLite user_version {version})"),
        ));
    }
    if version != VERSION {
        return Err(RecordError::Version {
            path: name,
            found: version,
            expected: VERSION,
        }
        .into());
    }
    Ok(Record {
        conn,
        path: path.to_path_buf(),
    })
}

impl RecordView {
    /// Read the record at `path` (never writing to it).
    pub fn open(path: &Path) -> Result<Self, ExportError> {
        let rec = open_checked(path)?;
        let name = path.display().to_string();
        let invalid = |what: String| ExportError::Invalid {
            path: name.clone(),
            what,
        };
        let mission = rec
            .mission()?
            .ok_or_else(|| not_a_record(path, "the mission row was never written"))?;
        let rp = rec.resume_point()?;
        let (state_t_s,): (f64,) = rec
            .conn
            .query_row("SELECT state_t_s FROM mission WHERE id = 1", [], |r| Ok((r.get(0)?,)))
            .map_err(|e| rec.err(e))?;
        let field = field::parse(&mission.field_geojson, &mission.field_name, &FieldOptions::default())
            .map_err(|e| invalid(format!("the recorded field does not load: {e}")))?;
        let machine = MachineProfile::from_yaml(&mission.machine_yaml, &mission.machine_name)
            .map_err(|e| invalid(format!("the recorded machine profile does not load: {e}")))?;
        let motions = rp
            .plan
            .iter()
            .map(|s| {
                crate::runtime::motion_json::decode(&s.motion)
                    .ok_or_else(|| invalid(format!("plan segment {} does not decode", s.seq)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let cov = CoverageConfig::for_machine(&machine);
        if (cov.cell_m - mission.cell_m).abs() > 1e-9 {
            return Err(invalid(format!(
                "recorded cell size {} m, the machine's coverage grid has {} m",
                mission.cell_m, cov.cell_m
            )));
        }
        let mut grid = ProcessedGrid::new(cov, &machine, &field.hazard, &field.safe)
            .map_err(|e| invalid(format!("coverage grid: {e}")))?;
        let (nx, ny) = (grid.frame().nx, grid.frame().ny);
        let mut cell_t_s = vec![f32::NAN; nx * ny];
        let all = rec.cell_times_in((i64::MIN, i64::MAX), (i64::MIN, i64::MAX))?;
        for (&(col, row), &t) in &all {
            if col < 0 || row < 0 || col as usize >= nx || row as usize >= ny {
                return Err(invalid(format!(
                    "processed cell ({col}, {row}) lies outside the field's {nx}×{ny} grid"
                )));
            }
            grid.credit_cell(col, row);
            cell_t_s[row as usize * nx + col as usize] = t as f32;
        }
        let track = rec.track()?;
        replay_implement_sweeps(&mut grid, &track);
        for d in &rp.detonations {
            let area = crate::coverage::reprocess::reprocess_area(
                d.x_m,
                d.y_m,
                d.heading_rad,
                d.block_length_m,
                d.block_width_m,
                machine.lane_overlap_m,
            );
            grid.mark_reprocess(&area, |c, r| all.get(&(c, r)).is_some_and(|t| *t <= d.t_s));
        }
        let events = rec.events()?;
        let segment_times = {
            let mut st = rec
                .conn
                .prepare("SELECT seq, start_t_s, end_t_s FROM segment")
                .map_err(|e| rec.err(e))?;
            let rows = st
                .query_map([], |r| Ok((r.get::<_, i64>(0)?, (r.get(1)?, r.get(2)?))))
                .map_err(|e| rec.err(e))?
                .collect::<Result<_, _>>()
                .map_err(|e| rec.err(e))?;
            rows
        };
        use sha2::Digest;
        let field_sha256 = sha2::Sha256::digest(mission.field_geojson.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(Self {
            path: path.to_path_buf(),
            mission,
            state: rp.state,
            state_t_s,
            field,
            machine,
            plan: rp.plan,
            motions,
            grid,
            cell_t_s,
            detonations: rp.detonations,
            events,
            track,
            segment_times,
            field_sha256,
        })
    }

    /// First and last recorded time of the mission (events and track), s.
    pub fn time_span_s(&self) -> (f64, f64) {
        let times = self
            .events
            .iter()
            .map(|e| e.t_s)
            .chain(self.track.iter().map(|q| q.t_s))
            .chain(std::iter::once(self.state_t_s));
        times.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), t| (a.min(t), b.max(t)))
    }

    /// Pose on the driven track at `t_s` (linear between samples, held before the first and
    /// after the last), or `None` when nothing was driven.
    pub fn pose_at(&self, t_s: f64) -> Option<Pose> {
        let tr = &self.track;
        let i = tr.partition_point(|q| q.t_s <= t_s);
        let pose = |q: &TrackPoint| Pose::new(q.x_m, q.y_m, q.yaw_rad);
        match (i.checked_sub(1).and_then(|j| tr.get(j)), tr.get(i)) {
            (None, None) => None,
            (Some(a), None) => Some(pose(a)),
            (None, Some(b)) => Some(pose(b)),
            (Some(a), Some(b)) => {
                let u = ((t_s - a.t_s) / (b.t_s - a.t_s).max(1e-9)).clamp(0.0, 1.0);
                let dyaw = (b.yaw_rad - a.yaw_rad + std::f64::consts::PI).rem_euclid(std::f64::consts::TAU)
                    - std::f64::consts::PI;
                Some(Pose::new(
                    a.x_m + u * (b.x_m - a.x_m),
                    a.y_m + u * (b.y_m - a.y_m),
                    a.yaw_rad + u * dyaw,
                ))
            }
        }
    }
}

/// Sweep the implement line along the driven track wherever the plan had the implement on
/// (forward), marking the cells it passes and that are not credited as swept-uncredited. The
/// record keeps no rotor, depth or σ samples, so the sweep is replayed with the conditions
/// failed: it can only mark, never credit.
fn replay_implement_sweeps(grid: &mut ProcessedGrid, track: &[TrackPoint]) {
    let mut last: Option<&TrackPoint> = None;
    for q in track {
        let on = q.implement && !q.reverse && q.segment >= 0;
        let continues = last.is_some_and(|l| l.segment == q.segment);
        if !on || !continues {
            grid.break_sweep();
        }
        if on {
            grid.update(&ProcessingSample {
                pose: Pose::new(q.x_m, q.y_m, q.yaw_rad),
                rotor_rpm: 0.0,
                depth_m: 0.0,
                speed_mps: 1.0,
                position_sigma_m: 0.0,
            });
        }
        last = Some(q);
    }
}
