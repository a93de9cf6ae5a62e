//! The mission's inputs in, its actions carried out: e-stop and rotor commands, segments handed
//! to the tracker, detonations recorded and blocked off, gap fill planned from the grid.

use super::run::segment_rows;
use super::tick::{Block, Host};
use super::RuntimeError;
use crate::can::protocol::{EStopReason, VehicleCommand};
use crate::coverage::reprocess::reprocess_area;
use crate::mission::{Action, Input, Step};
use crate::plan::{self, PlanConfig};
use crate::record::RecordedDetonation;
use geo::{Area, BooleanOps};

/// How far behind a detonation block the re-processing pass re-enters, m.
const REPROCESS_BACK_M: f64 = 1.0;
/// Heading difference within which the gap fill plans from the last motion's planned end, radians (3°).
const GAP_FILL_SNAP_YAW_RAD: f64 = 0.052;

impl Host<'_> {
    pub(super) fn feed(&mut self, input: Input) -> Result<(), RuntimeError> {
        self.inputs.push_back(input);
        while let Some(i) = self.inputs.pop_front() {
            let step = self.p.mission.step(i, self.p.t_s);
            self.apply(step)?;
        }
        Ok(())
    }

    fn apply(&mut self, step: Step) -> Result<(), RuntimeError> {
        let t = self.p.t_s;
        for e in &step.events {
            self.p.record.add_event(self.event_seq, e)?;
            self.event_seq += 1;
            if e.category == "transition" {
                self.p.record.set_state(e.state, t)?;
            }
        }
        for a in step.actions {
            match a {
                Action::StopVehicle { .. } => self.p.tracker.stopped(),
                Action::EStop => self.p.can.submit(
                    VehicleCommand::EStop {
                        stop: true,
                        reason: EStopReason::Operator,
                    },
                    t,
                ),
                Action::ReleaseEStop => self.p.can.submit(
                    VehicleCommand::EStop {
                        stop: false,
                        reason: EStopReason::Operator,
                    },
                    t,
                ),
                Action::RotorOff => self.rotor_wanted = false,
                Action::RotorOn => {
                    self.rotor_wanted = true;
                    self.rotor_on_since = t;
                }
                Action::StartSegment(n) | Action::ResumeSegment(n) => self.start_segment(n)?,
                Action::MarkReprocess {
                    detonation_id,
                    x_m,
                    y_m,
                    heading_rad,
                    length_m,
                    width_m,
                } => {
                    let ll = self.p.field.datum.to_latlon_2d(x_m, y_m);
                    self.p.record.add_detonation(&RecordedDetonation {
                        id: detonation_id as i64,
                        t_s: t,
                        x_m,
                        y_m,
                        lon: ll.lon_deg,
                        lat: ll.lat_deg,
                        heading_rad,
                        segment: self.segment.map(|s| s.0 as i64),
                        block_length_m: length_m,
                        block_width_m: width_m,
                        acknowledged_t_s: None,
                    })?;
                    self.blocks.push(Block {
                        x_m,
                        y_m,
                        heading_rad,
                        length_m,
                        width_m,
                    });
                    // the block is processed again: from a little behind it, straight away
                    // where the pass allows, by the gap fill at the end otherwise
                    let area = reprocess_area(x_m, y_m, heading_rad, length_m, width_m, self.p.m.lane_overlap_m);
                    self.p.grid.mark_reprocess(&area, |_, _| true);
                    self.p.tracker.reenter_behind(length_m / 2.0 + REPROCESS_BACK_M);
                }
                Action::RequestAck { detonation_id } => {
                    if let Some(d) = self.p.opts.ack_after_s {
                        self.acks.push((t + d, detonation_id));
                    }
                }
                Action::PlanGapFill => self.gap_fill()?,
                Action::Finish => self.finished = true,
            }
        }
        Ok(())
    }

    fn start_segment(&mut self, n: usize) -> Result<(), RuntimeError> {
        let e = self.est_pose();
        let kind = self.p.motions[n].kind();
        self.p
            .record
            .segment_started(n as i64, kind.as_str(), self.p.t_s, e.x_m, e.y_m)?;
        let tr = &mut self.p.tracker;
        if std::mem::take(&mut self.continue_first) {
            tr.continue_at(n, &e);
        } else if tr.motion_index() != n {
            tr.restart_at(n);
        } else {
            tr.stopped();
        }
        let keep = self.segment.filter(|s| s.0 == n).map_or(0.0, |s| s.1);
        self.segment = Some((n, keep));
        self.rotor_wanted = true;
        Ok(())
    }

    /// Where the gap fill is planned from: the planned end of the last motion when the estimate
    /// is within the footprint margin of it (the margin is there for tracking error; planning
    /// from an estimate a few millimetres off the lane would count that error twice and find no
    /// room to reverse out of a lane as narrow as the machine), the estimate otherwise.
    fn gap_fill_start(&self, cfg: &PlanConfig) -> crate::plan::Pose {
        let est = self.est_pose();
        let Some(end) = self.p.motions.last().map(|m| m.end()) else {
            return est;
        };
        let dyaw =
            (est.yaw_rad - end.yaw_rad + std::f64::consts::PI).rem_euclid(std::f64::consts::TAU) - std::f64::consts::PI;
        if est.distance_m(&end) <= cfg.footprint_margin_m && dyaw.abs() <= GAP_FILL_SNAP_YAW_RAD {
            end
        } else {
            est
        }
    }

    /// Say in the record that the gap fill cannot reach part of a detonation block: how much,
    /// where and why (the mission then ends incomplete, not completed).
    fn record_blocks_left(&mut self, left_m2: f64, gp: &plan::Plan) -> Result<(), RuntimeError> {
        use geo::Centroid;
        let why: Vec<String> = gp
            .residual
            .0
            .iter()
            .zip(&gp.residual_reasons)
            .map(|(p, r)| {
                let c = p.centroid().map(|c| (c.x(), c.y())).unwrap_or_default();
                format!(
                    "{:.2} m² at {:.1} m E, {:.1} m N: {}",
                    p.unsigned_area(),
                    c.0,
                    c.1,
                    r.explain()
                )
            })
            .collect();
        let e = crate::mission::MissionEvent {
            t_s: self.p.t_s,
            category: "check",
            name: "detonation-block-left".into(),
            detail: format!(
                "{left_m2:.2} m² of detonation blocks cannot be processed again by the gap fill ({})",
                why.join("; ")
            ),
            state: self.p.mission.state(),
        };
        tracing::warn!("{}", e.detail);
        self.p.record.add_event(self.event_seq, &e)?;
        self.event_seq += 1;
        Ok(())
    }

    fn gap_fill(&mut self) -> Result<(), RuntimeError> {
        let mut cfg = PlanConfig::default();
        // what is left worth a pass, and every piece of a detonation block however small; the
        // pieces are chosen here, so the gap planner drops none for its size
        let blocks = self.p.grid.reprocess_pending();
        let region = self.p.grid.unprocessed_hazard(cfg.gap_fill_min_m2).union(&blocks);
        cfg.gap_fill_min_m2 = 0.0;
        let mut new = Vec::new();
        if !region.0.is_empty() {
            // the strips the plan processed, less what the grid says is still to do (missed
            // ground, blocks to re-process, pieces too small to plan for)
            let strips = crate::plan::strips_of(&self.p.motions, self.p.m);
            let processed = geo::unary_union(strips.iter()).difference(&self.p.grid.unprocessed_hazard(0.0));
            let gp = plan::plan_gap_fill(
                self.p.field,
                self.p.m,
                &cfg,
                &processed,
                &region,
                self.gap_fill_start(&cfg),
            );
            tracing::info!(
                "gap fill: {:.1} m² left in {} piece(s) → {} motion(s), {:.1} m² unreachable",
                region.unsigned_area(),
                region.0.len(),
                gp.motions.len(),
                gp.residual_m2
            );
            let left = gp.residual.intersection(&blocks).unsigned_area();
            if left > 0.0 {
                self.record_blocks_left(left, &gp)?;
            }
            new = gp.motions;
        }
        let first = self.p.motions.len();
        self.p.record.put_plan(&segment_rows(first, &new))?;
        let n = new.len();
        self.p.motions.extend(new);
        self.p.tracker.replace_motions(self.p.motions.clone());
        self.p.tracker.restart_at(first);
        self.inputs.push_back(Input::GapFillPlanned { segments: n });
        Ok(())
    }
}
