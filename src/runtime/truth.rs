//! What only the simulation knows and the stack never reads: the true footprint checked
//! against the processed grid (the independent count of footprint-rule violations in
//! `summary.json`) and the path actually driven (`track.geojson`, the record's track).

use super::tick::Host;
use super::RuntimeError;
use crate::mission::MissionEvent;
use crate::plan::Motion;
use crate::record::TrackPoint;

/// Largest distance of a dropped pose from the driven track's straight pieces, m.
pub const TRACK_TOL_M: f64 = 0.01;
/// Largest yaw error of a dropped pose, rad: 1 cm at 2.2 m, the farthest footprint corner of the
/// shipped profiles.
pub const TRACK_TOL_YAW_RAD: f64 = 0.0045;
/// Most control steps that wait to be decided (10 s at 10 Hz).
pub const TRACK_WINDOW: usize = 100;

/// `m` lies within tolerance of the piece `a` → `b`: position within [`TRACK_TOL_M`] of the
/// segment, yaw within [`TRACK_TOL_YAW_RAD`] of the yaw interpolated at its place along the piece
/// (along time when the piece is shorter than 5 cm: a turn on the spot).
pub fn within_tolerance(a: &TrackPoint, b: &TrackPoint, m: &TrackPoint) -> bool {
    let (dx, dy) = (b.x_m - a.x_m, b.y_m - a.y_m);
    let len2 = dx * dx + dy * dy;
    let u_geom = if len2 > 0.0 {
        (((m.x_m - a.x_m) * dx + (m.y_m - a.y_m) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (px, py) = (a.x_m + u_geom * dx, a.y_m + u_geom * dy);
    if (m.x_m - px).hypot(m.y_m - py) > TRACK_TOL_M {
        return false;
    }
    let u = if len2 >= 0.05 * 0.05 {
        u_geom
    } else if b.t_s > a.t_s {
        ((m.t_s - a.t_s) / (b.t_s - a.t_s)).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let dyaw = crate::plan::pose::angle_diff(a.yaw_rad, b.yaw_rad);
    let yaw = a.yaw_rad + u * dyaw;
    crate::plan::pose::angle_diff(m.yaw_rad, yaw).abs() <= TRACK_TOL_YAW_RAD
}

impl Host<'_> {
    /// The true footprint on the grid: an entry into a violation is recorded as a `check`
    /// event with the area and where, once per entry.
    pub(super) fn check_truth_footprint(&mut self, t: f64) -> Result<(), RuntimeError> {
        let truth = self.truth();
        let v = self.p.truth_check.count(&self.p.grid, &truth);
        if !v.ok && !self.fp_bad {
            let e = MissionEvent {
                t_s: t,
                category: "check",
                name: "footprint-violation".into(),
                detail: format!(
                    "true footprint: {} cell(s), {:.3} m² on unprocessed ground (tolerance {} m){}",
                    v.bad_cells,
                    v.bad_area_m2,
                    self.p.truth_check.tolerance_m,
                    v.first_bad
                        .map(|c| format!(", first at {:.2} m E, {:.2} m N of the datum", c.x, c.y))
                        .unwrap_or_default()
                ),
                state: self.p.mission.state(),
            };
            self.p.record.add_event(self.event_seq, &e)?;
            self.event_seq += 1;
        }
        self.fp_bad = !v.ok;
        Ok(())
    }

    /// The driven path, every control step, simplified without loss: a step's pose is dropped
    /// only while every dropped pose lies within [`TRACK_TOL_M`] of the straight piece between the
    /// poses kept on either side, its yaw within [`TRACK_TOL_YAW_RAD`] of the interpolated one,
    /// and its segment, implement state and direction the same. At most [`TRACK_WINDOW`] steps
    /// wait to be decided (what a crash can lose).
    ///
    /// `implement` is what happened, not what was planned: a processing segment with the rotor at
    /// or above its minimum and the tool at depth, moving forward; `reverse` is the direction
    /// actually driven.
    pub(super) fn sample_track(&mut self, t: f64) {
        let truth = self.truth();
        let seg = self.segment.map_or(-1, |(n, _)| n as i64);
        let planned_implement = matches!(
            self.segment.and_then(|(n, _)| self.p.motions.get(n)),
            Some(Motion::Straight { implement: true, .. })
        );
        let prev = self.pending.last().copied().or(self.last_track);
        let reverse = match prev {
            Some(l) => {
                let (dx, dy) = (truth.x_m - l.x_m, truth.y_m - l.y_m);
                let along = dx * truth.yaw_rad.cos() + dy * truth.yaw_rad.sin();
                if along.abs() < 1e-6 {
                    l.reverse
                } else {
                    along < 0.0
                }
            }
            None => false,
        };
        let cov = self.p.grid.config();
        let implement = planned_implement && !reverse && self.rpm >= cov.rotor_rpm_min && self.depth >= cov.depth_min_m;
        let q = TrackPoint {
            seq: 0,
            t_s: t,
            x_m: truth.x_m,
            y_m: truth.y_m,
            yaw_rad: truth.yaw_rad,
            segment: seg,
            implement,
            reverse,
        };
        let Some(kept) = self.last_track else {
            self.keep(q);
            return;
        };
        if let Some(p) = prev {
            // standing still says nothing new
            if (p.x_m - q.x_m).hypot(p.y_m - q.y_m) < 1e-6
                && (p.yaw_rad - q.yaw_rad).abs() < 1e-9
                && (p.segment, p.implement) == (q.segment, q.implement)
            {
                return;
            }
        }
        let same = |a: &TrackPoint| (a.segment, a.implement, a.reverse) == (q.segment, q.implement, q.reverse);
        let flags_ok = self.pending.iter().all(same) && (self.pending.is_empty() || same(&self.pending[0]));
        let fits = flags_ok
            && self.pending.len() < TRACK_WINDOW
            && self.pending.iter().all(|m| within_tolerance(&kept, &q, m));
        if fits {
            self.pending.push(q);
        } else {
            // the last pose that still fitted is kept; the window restarts after it
            if let Some(p) = self.pending.pop() {
                self.keep(p);
            }
            self.pending.clear();
            self.pending.push(q);
        }
    }

    /// Keep a pose: numbered, into the record at the next flush.
    fn keep(&mut self, mut q: TrackPoint) {
        q.seq = self.track_seq;
        self.track_seq += 1;
        self.last_track = Some(q);
        self.track.push(q);
    }

    /// The poses waiting to be decided are kept (before a kill, and at the end).
    pub(super) fn close_track(&mut self) {
        if let Some(p) = self.pending.pop() {
            self.keep(p);
        }
        self.pending.clear();
    }

    /// Everything gathered since the last flush goes into the record in one transaction.
    /// # Errors
    /// The record's.
    pub(super) fn flush(&mut self) -> Result<(), RuntimeError> {
        self.p.record.add_tick(&self.cells, self.p.t_s, &self.track)?;
        self.cells.clear();
        self.track.clear();
        Ok(())
    }
}
