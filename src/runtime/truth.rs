//! What only the simulation knows and the stack never reads: the true footprint checked
//! against the processed grid (the independent count of footprint-rule violations in
//! `summary.json`) and the path actually driven (`track.geojson`, the record's track).

use super::tick::Host;
use super::RuntimeError;
use crate::mission::MissionEvent;
use crate::plan::{Direction, Motion};
use crate::record::TrackPoint;

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
                    "true footprint: {} cell(s), {:.3} m² on unprocessed ground (tolerance {} m), first at {:?} (ENU m)",
                    v.bad_cells,
                    v.bad_area_m2,
                    self.p.truth_check.tolerance_m,
                    v.first_bad.map(|c| (c.x, c.y))
                ),
                state: self.p.mission.state(),
            };
            self.p.record.add_event(self.event_seq, &e)?;
            self.event_seq += 1;
        }
        self.fp_bad = !v.ok;
        Ok(())
    }

    pub(super) fn sample_track(&mut self, t: f64) {
        let truth = self.truth();
        let (seg, implement, reverse) = match self.segment.and_then(|(n, _)| self.p.motions.get(n).map(|m| (n, m))) {
            Some((
                n,
                Motion::Straight {
                    implement, direction, ..
                },
            )) => (n as i64, *implement, *direction == Direction::Reverse),
            Some((n, _)) => (n as i64, false, false),
            None => (-1, false, false),
        };
        let moved = self.last_track.is_none_or(|l| {
            (l.x_m - truth.x_m).hypot(l.y_m - truth.y_m) >= 0.25
                || (l.yaw_rad - truth.yaw_rad).abs() >= 0.05
                || l.segment != seg
        });
        if moved {
            let q = TrackPoint {
                seq: self.track_seq,
                t_s: t,
                x_m: truth.x_m,
                y_m: truth.y_m,
                yaw_rad: truth.yaw_rad,
                segment: seg,
                implement,
                reverse,
            };
            self.track_seq += 1;
            self.last_track = Some(q);
            self.track.push(q);
        }
    }

    /// Everything gathered since the last flush goes into the record in one transaction.
    pub(super) fn flush(&mut self) -> Result<(), RuntimeError> {
        self.p.record.add_tick(&self.cells, self.p.t_s, &self.track)?;
        self.cells.clear();
        self.track.clear();
        Ok(())
    }
}
