//! Reading and writing the record file.

use super::schema::{SCHEMA, VERSION};
use super::RecordError;
use crate::mission::{MissionEvent, MissionState};
use rusqlite::{params, Connection, OptionalExtension};
use std::path::{Path, PathBuf};

/// How hard each commit is pushed to disk (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durability {
    /// `synchronous=FULL`: survives power loss.
    Full,
    /// `synchronous=NORMAL`: survives a killed process.
    Normal,
}

/// The mission row.
#[derive(Clone, Debug, PartialEq)]
pub struct MissionRow {
    pub task_id: String,
    pub created_utc: String,
    pub field_name: String,
    pub field_geojson: String,
    pub machine_name: String,
    pub machine_yaml: String,
    pub seed: u64,
    /// Coverage grid cell size, metres.
    pub cell_m: f64,
    /// Area the mission must process, m².
    pub planned_area_m2: f64,
}

/// One segment of the plan as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedSegment {
    pub seq: i64,
    pub kind: String,
    pub implement: bool,
    pub direction: String,
    /// The motion as JSON (the runtime's own encoding).
    pub motion: String,
}

/// A detonation as stored. # Units: ENU metres, WGS84 degrees, seconds.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedDetonation {
    pub id: i64,
    pub t_s: f64,
    pub x_m: f64,
    pub y_m: f64,
    pub lon: f64,
    pub lat: f64,
    pub heading_rad: f64,
    pub segment: Option<i64>,
    pub block_length_m: f64,
    pub block_width_m: f64,
    pub acknowledged_t_s: Option<f64>,
}

/// A sample of the driven path.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrackPoint {
    pub seq: i64,
    pub t_s: f64,
    pub x_m: f64,
    pub y_m: f64,
    pub yaw_rad: f64,
    pub segment: i64,
    pub implement: bool,
    pub reverse: bool,
}

/// An event as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct EventRow {
    pub seq: i64,
    pub t_s: f64,
    pub category: String,
    pub name: String,
    pub detail: String,
    /// Mission state after the event.
    pub state: String,
}

/// Everything a restarted mission needs.
#[derive(Clone, Debug, PartialEq)]
pub struct ResumePoint {
    pub state: MissionState,
    /// Last simulated/mission time recorded, s.
    pub last_t_s: f64,
    pub plan: Vec<RecordedSegment>,
    /// Number of leading segments finished (the next one to run).
    pub next_segment: usize,
    pub cells: Vec<(i64, i64)>,
    pub detonations: Vec<RecordedDetonation>,
    pub next_event_seq: i64,
    pub next_track_seq: i64,
}

/// An open record.
pub struct Record {
    pub(super) conn: Connection,
    pub(super) path: PathBuf,
}

impl Record {
    /// Open (creating if needed) the record at `path`.
    pub fn open(path: &Path, durability: Durability) -> Result<Self, RecordError> {
        let name = path.display().to_string();
        let sql = |source| RecordError::Sql {
            path: name.clone(),
            source,
        };
        let conn = Connection::open(path).map_err(sql)?;
        let sync = match durability {
            Durability::Full => "FULL",
            Durability::Normal => "NORMAL",
        };
        // the version first: a record of another build is refused before anything changes it
        let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(sql)?;
        if found != 0 && found != VERSION {
            return Err(RecordError::Version {
                path: name,
                found,
                expected: VERSION,
            });
        }
        conn.execute_batch(&format!(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous={sync}; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;"
        ))
        .map_err(sql)?;
        conn.execute_batch(SCHEMA).map_err(sql)?;
        conn.execute_batch(&format!("PRAGMA user_version={VERSION}"))
            .map_err(sql)?;
        Ok(Self {
            conn,
            path: path.to_path_buf(),
        })
    }

    pub(super) fn err(&self, source: rusqlite::Error) -> RecordError {
        RecordError::Sql {
            path: self.path.display().to_string(),
            source,
        }
    }

    /// Write the mission row once; a second call keeps the first row.
    pub fn ensure_mission(&self, m: &MissionRow) -> Result<(), RecordError> {
        self.conn
            .execute(
                "INSERT OR IGNORE INTO mission (id, task_id, created_utc, field_name, field_geojson, machine_name,
                 machine_yaml, seed, cell_m, planned_area_m2, state, state_t_s)
                 VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'idle', 0)",
                params![
                    m.task_id,
                    m.created_utc,
                    m.field_name,
                    m.field_geojson,
                    m.machine_name,
                    m.machine_yaml,
                    m.seed as i64,
                    m.cell_m,
                    m.planned_area_m2
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The mission row, if written.
    pub fn mission(&self) -> Result<Option<MissionRow>, RecordError> {
        self.conn
            .query_row(
                "SELECT task_id, created_utc, field_name, field_geojson, machine_name, machine_yaml, seed, cell_m,
                 planned_area_m2 FROM mission WHERE id = 1",
                [],
                |r| {
                    Ok(MissionRow {
                        task_id: r.get(0)?,
                        created_utc: r.get(1)?,
                        field_name: r.get(2)?,
                        field_geojson: r.get(3)?,
                        machine_name: r.get(4)?,
                        machine_yaml: r.get(5)?,
                        seed: r.get::<_, i64>(6)? as u64,
                        cell_m: r.get(7)?,
                        planned_area_m2: r.get(8)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Record the mission state.
    pub fn set_state(&self, state: MissionState, t_s: f64) -> Result<(), RecordError> {
        self.conn
            .execute(
                "UPDATE mission SET state = ?1, state_t_s = ?2 WHERE id = 1",
                params![state.as_str(), ms(t_s)],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Store plan segments (one transaction; existing numbers are kept).
    pub fn put_plan(&mut self, segs: &[RecordedSegment]) -> Result<(), RecordError> {
        let tx = self.conn.transaction().map_err(|e| err_at(&self.path, e))?;
        {
            let mut st = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO plan_segment (seq, kind, implement, direction, motion) VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(|e| err_at(&self.path, e))?;
            for s in segs {
                st.execute(params![s.seq, s.kind, s.implement, s.direction, s.motion])
                    .map_err(|e| err_at(&self.path, e))?;
            }
        }
        tx.commit().map_err(|e| err_at(&self.path, e))
    }

    /// A segment started at time `t_s` from (`x_m`, `y_m`).
    pub fn segment_started(&self, seq: i64, kind: &str, t_s: f64, x_m: f64, y_m: f64) -> Result<(), RecordError> {
        self.conn
            .execute(
                "INSERT OR IGNORE INTO segment (seq, kind, start_t_s, start_x_m, start_y_m) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![seq, kind, ms(t_s), x_m, y_m],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// A segment ended; `max_cross_track_m`: its largest cross-track error, metres.
    pub fn segment_ended(
        &self,
        seq: i64,
        t_s: f64,
        x_m: f64,
        y_m: f64,
        max_cross_track_m: f64,
    ) -> Result<(), RecordError> {
        self.conn
            .execute(
                "UPDATE segment SET end_t_s = ?2, end_x_m = ?3, end_y_m = ?4, max_cross_track_m = ?5
                 WHERE seq = ?1 AND end_t_s IS NULL",
                params![seq, ms(t_s), x_m, y_m, max_cross_track_m],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Newly processed cells and path samples of one tick, in one transaction.
    pub fn add_tick(&mut self, cells: &[(i64, i64)], t_s: f64, track: &[TrackPoint]) -> Result<(), RecordError> {
        if cells.is_empty() && track.is_empty() {
            return Ok(());
        }
        let p = &self.path;
        let tx = self.conn.transaction().map_err(|e| err_at(p, e))?;
        {
            let mut st = tx
                // a cell processed again (a detonation's block) keeps the time of its latest pass
                .prepare_cached(
                    "INSERT INTO processed_cell (ix, iy, t_s) VALUES (?1, ?2, ?3)
                     ON CONFLICT (ix, iy) DO UPDATE SET t_s = excluded.t_s",
                )
                .map_err(|e| err_at(p, e))?;
            for &(ix, iy) in cells {
                st.execute(params![ix, iy, ms(t_s)]).map_err(|e| err_at(p, e))?;
            }
            let mut st = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO track_point (seq, t_s, x_m, y_m, yaw_rad, segment, implement, reverse)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(|e| err_at(p, e))?;
            for q in track {
                st.execute(params![
                    q.seq,
                    ms(q.t_s),
                    q.x_m,
                    q.y_m,
                    q.yaw_rad,
                    q.segment,
                    q.implement,
                    q.reverse
                ])
                .map_err(|e| err_at(p, e))?;
            }
        }
        tx.commit().map_err(|e| err_at(p, e))
    }

    /// Record a detonation (its id is its key).
    pub fn add_detonation(&self, d: &RecordedDetonation) -> Result<(), RecordError> {
        self.conn
            .execute(
                "INSERT OR IGNORE INTO detonation (id, t_s, x_m, y_m, lon, lat, heading_rad, segment, block_length_m,
                 block_width_m, acknowledged_t_s) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    d.id,
                    ms(d.t_s),
                    d.x_m,
                    d.y_m,
                    d.lon,
                    d.lat,
                    d.heading_rad,
                    d.segment,
                    d.block_length_m,
                    d.block_width_m,
                    d.acknowledged_t_s.map(ms)
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Detonation `id` acknowledged at `t_s`.
    pub fn acknowledge(&self, id: i64, t_s: f64) -> Result<(), RecordError> {
        self.conn
            .execute(
                "UPDATE detonation SET acknowledged_t_s = ?2 WHERE id = ?1 AND acknowledged_t_s IS NULL",
                params![id, ms(t_s)],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Record event number `seq`.
    pub fn add_event(&self, seq: i64, e: &MissionEvent) -> Result<(), RecordError> {
        self.conn
            .execute(
                "INSERT OR IGNORE INTO event (seq, t_s, category, name, detail, state) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![seq, ms(e.t_s), e.category, e.name, e.detail, e.state.as_str()],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }
}

/// Times are stored to the millisecond: the control loop's sums of 0.1 s steps carry binary
/// rounding (`730.400000000098`) that means nothing and reads as noise.
fn ms(t_s: f64) -> f64 {
    (t_s * 1000.0).round() / 1000.0
}

fn err_at(path: &Path, source: rusqlite::Error) -> RecordError {
    RecordError::Sql {
        path: path.display().to_string(),
        source,
    }
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
