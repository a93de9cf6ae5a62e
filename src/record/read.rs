//! Reading the record back: resume point, detonations, path, events and counts.

use super::store::{EventRow, RecordedDetonation, RecordedSegment, ResumePoint, TrackPoint};
use super::{Record, RecordError};
use crate::mission::MissionState;
use rusqlite::params;

impl Record {
    /// Largest cross-track error over the finished segments, metres.
    pub fn max_cross_track_m(&self) -> Result<f64, RecordError> {
        self.conn
            .query_row("SELECT MAX(max_cross_track_m) FROM segment", [], |r| {
                r.get::<_, Option<f64>>(0)
            })
            .map(|v| v.unwrap_or(0.0))
            .map_err(|e| self.err(e))
    }

    /// Number of events of `category` (and `name`, when given).
    pub fn count_events(&self, category: &str, name: Option<&str>) -> Result<i64, RecordError> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM event WHERE category = ?1 AND (?2 IS NULL OR name = ?2)",
                params![category, name],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// Row counts per table, for reports and tests.
    pub fn counts(&self) -> Result<Vec<(&'static str, i64)>, RecordError> {
        let tables = [
            "plan_segment",
            "segment",
            "processed_cell",
            "detonation",
            "event",
            "track_point",
        ];
        tables
            .iter()
            .map(|t| {
                let n = self
                    .conn
                    .query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| r.get(0))
                    .map_err(|e| self.err(e))?;
                Ok((*t, n))
            })
            .collect()
    }

    /// Everything needed to resume.
    pub fn resume_point(&self) -> Result<ResumePoint, RecordError> {
        let e = |x| self.err(x);
        let (state, last_t_s): (String, f64) = self
            .conn
            .query_row("SELECT state, state_t_s FROM mission WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(e)?;
        let state = MissionState::parse(&state).map_err(|x| RecordError::Corrupt {
            path: self.path.display().to_string(),
            what: x.to_string(),
        })?;
        let mut st = self
            .conn
            .prepare("SELECT seq, kind, implement, direction, motion FROM plan_segment ORDER BY seq")
            .map_err(e)?;
        let plan = st
            .query_map([], |r| {
                Ok(RecordedSegment {
                    seq: r.get(0)?,
                    kind: r.get(1)?,
                    implement: r.get(2)?,
                    direction: r.get(3)?,
                    motion: r.get(4)?,
                })
            })
            .map_err(e)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(e)?;
        let mut st = self
            .conn
            .prepare("SELECT seq FROM segment WHERE end_t_s IS NOT NULL ORDER BY seq")
            .map_err(e)?;
        let done: Vec<i64> = st
            .query_map([], |r| r.get(0))
            .map_err(e)?
            .collect::<Result<_, _>>()
            .map_err(e)?;
        let next_segment = done.iter().enumerate().take_while(|(i, s)| **s == *i as i64).count();
        let mut st = self.conn.prepare("SELECT ix, iy FROM processed_cell").map_err(e)?;
        let cells = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(e)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(e)?;
        let detonations = self.detonations()?;
        let max = |sql: &str| -> Result<i64, RecordError> {
            self.conn
                .query_row(sql, [], |r| r.get::<_, Option<i64>>(0))
                .map(|v| v.map_or(0, |v| v + 1))
                .map_err(e)
        };
        let t_max = |sql: &str| -> Result<f64, RecordError> {
            self.conn
                .query_row(sql, [], |r| r.get::<_, Option<f64>>(0))
                .map(|v| v.unwrap_or(0.0))
                .map_err(e)
        };
        let last_t_s = last_t_s
            .max(t_max("SELECT MAX(t_s) FROM event")?)
            .max(t_max("SELECT MAX(t_s) FROM track_point")?);
        Ok(ResumePoint {
            state,
            last_t_s,
            plan,
            next_segment,
            cells,
            detonations,
            next_event_seq: max("SELECT MAX(seq) FROM event")?,
            next_track_seq: max("SELECT MAX(seq) FROM track_point")?,
        })
    }

    /// Processed cells with columns `ix0..=ix1` and rows `iy0..=iy1`, with the time of their
    /// latest pass, s.
    pub fn cell_times_in(
        &self,
        ix: (i64, i64),
        iy: (i64, i64),
    ) -> Result<std::collections::HashMap<(i64, i64), f64>, RecordError> {
        let e = |x| self.err(x);
        let mut st = self
            .conn
            .prepare("SELECT ix, iy, t_s FROM processed_cell WHERE ix BETWEEN ?1 AND ?2 AND iy BETWEEN ?3 AND ?4")
            .map_err(e)?;
        let rows = st
            .query_map(params![ix.0, ix.1, iy.0, iy.1], |r| {
                Ok(((r.get(0)?, r.get(1)?), r.get(2)?))
            })
            .map_err(e)?
            .collect::<Result<_, _>>()
            .map_err(e)?;
        Ok(rows)
    }

    /// All detonations, by id.
    pub fn detonations(&self) -> Result<Vec<RecordedDetonation>, RecordError> {
        let e = |x| self.err(x);
        let mut st = self
            .conn
            .prepare(
                "SELECT id, t_s, x_m, y_m, lon, lat, heading_rad, segment, block_length_m, block_width_m,
                 acknowledged_t_s FROM detonation ORDER BY id",
            )
            .map_err(e)?;
        let rows = st
            .query_map([], |r| {
                Ok(RecordedDetonation {
                    id: r.get(0)?,
                    t_s: r.get(1)?,
                    x_m: r.get(2)?,
                    y_m: r.get(3)?,
                    lon: r.get(4)?,
                    lat: r.get(5)?,
                    heading_rad: r.get(6)?,
                    segment: r.get(7)?,
                    block_length_m: r.get(8)?,
                    block_width_m: r.get(9)?,
                    acknowledged_t_s: r.get(10)?,
                })
            })
            .map_err(e)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(e)?;
        Ok(rows)
    }

    /// The driven path in order.
    pub fn track(&self) -> Result<Vec<TrackPoint>, RecordError> {
        let e = |x| self.err(x);
        let mut st = self
            .conn
            .prepare("SELECT seq, t_s, x_m, y_m, yaw_rad, segment, implement, reverse FROM track_point ORDER BY seq")
            .map_err(e)?;
        let rows = st
            .query_map([], |r| {
                Ok(TrackPoint {
                    seq: r.get(0)?,
                    t_s: r.get(1)?,
                    x_m: r.get(2)?,
                    y_m: r.get(3)?,
                    yaw_rad: r.get(4)?,
                    segment: r.get(5)?,
                    implement: r.get(6)?,
                    reverse: r.get(7)?,
                })
            })
            .map_err(e)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(e)?;
        Ok(rows)
    }

    /// Events in order.
    pub fn events(&self) -> Result<Vec<EventRow>, RecordError> {
        let e = |x| self.err(x);
        let mut st = self
            .conn
            .prepare("SELECT seq, t_s, category, name, detail, state FROM event ORDER BY seq")
            .map_err(e)?;
        let rows = st
            .query_map([], |r| {
                Ok(EventRow {
                    seq: r.get(0)?,
                    t_s: r.get(1)?,
                    category: r.get(2)?,
                    name: r.get(3)?,
                    detail: r.get(4)?,
                    state: r.get(5)?,
                })
            })
            .map_err(e)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(e)?;
        Ok(rows)
    }
}
