//! One control tick of the runtime and the execution of the mission's actions.

use super::can_loop::CanLoop;
use super::follow::Follower;
use super::grid::{line_at, Grid};
use super::run::{segment_rows, SimOptions};
use super::standin::{StandInEstimator, StandInGnss, StandInVehicle};
use super::{Injection, RuntimeError};
use crate::can::protocol::{DriveCommand, EStopReason, HostMode, ImplementCommand, VehicleCommand, VehicleFeedback};
use crate::field::Field;
use crate::machine::MachineProfile;
use crate::mission::{Action, FootprintMonitor, Input, Mission, MissionState, Observation, Step};
use crate::plan::pose::Pose;
use crate::plan::{self, Direction, Motion, PlanConfig};
use crate::record::{Record, RecordedDetonation, ResumePoint, TrackPoint};
use geo::{Area, MultiPolygon, Polygon, Rect};
use std::collections::VecDeque;

/// Reach of the rotor behind (at a standing start) and ahead (where a pass stops) of the
/// processing line that is credited, m.
pub const RUN_IN_M: f64 = 0.1;

/// The pieces the host is made of.
pub struct Parts<'a> {
    pub opts: &'a SimOptions,
    pub field: &'a Field,
    pub m: &'a MachineProfile,
    pub motions: Vec<Motion>,
    pub record: Record,
    pub grid: Grid,
    pub mission: Mission,
    pub can: CanLoop<StandInVehicle>,
    pub gnss: StandInGnss,
    pub est: StandInEstimator,
    pub monitor: FootprintMonitor,
    pub truth_monitor: FootprintMonitor,
    pub t_s: f64,
}

/// A detonation block marked for re-processing and follow-on search (ENU metres, radians).
#[derive(Clone, Copy, Debug)]
pub struct Block {
    pub x_m: f64,
    pub y_m: f64,
    pub heading_rad: f64,
    pub length_m: f64,
    pub width_m: f64,
}

/// The runtime host.
pub struct Host<'a> {
    pub p: Parts<'a>,
    pub planned_segments: usize,
    pub blocks: Vec<Block>,
    pub(super) follower: Option<(usize, Follower, f64)>,
    pub(super) rotor_wanted: bool,
    pub(super) rotor_on_since: f64,
    pub(super) odo: (f64, f64),
    pub(super) rpm: f64,
    pub(super) depth: f64,
    pub(super) last_fix_s: f64,
    pub(super) next_fix_s: f64,
    pub(super) detonation: Option<(f64, f64, f64)>,
    pub(super) event_seq: i64,
    pub(super) track_seq: i64,
    pub(super) last_track: Option<TrackPoint>,
    pub(super) cells: Vec<(i64, i64)>,
    pub(super) track: Vec<TrackPoint>,
    pub(super) acks: Vec<(f64, u32)>,
    pub(super) injected: Vec<bool>,
    pub(super) fp_bad: bool,
    pub(super) prev_est: Pose,
    /// The processing started in the current segment (run-in credited).
    pub(super) run_in_done: bool,
    pub(super) inputs: VecDeque<Input>,
    pub gap_fill_segments: usize,
    pub(super) finished: bool,
}

impl<'a> Host<'a> {
    pub fn new(p: Parts<'a>, resumed: Option<&ResumePoint>) -> Self {
        let n = p.opts.injections.len();
        let start = p.est.pose;
        let t = p.t_s;
        // faults that started before the record stopped are not injected again
        let injected = match resumed {
            Some(r) => p.opts.injections.iter().map(|i| i.at_s() <= r.last_t_s).collect(),
            None => vec![false; n],
        };
        Self {
            planned_segments: resumed.map_or(p.motions.len(), |r| r.plan.len()),
            p,
            blocks: Vec::new(),
            follower: None,
            rotor_wanted: false,
            rotor_on_since: t,
            odo: (0.0, 0.0),
            rpm: 0.0,
            depth: 0.0,
            last_fix_s: f64::NEG_INFINITY,
            next_fix_s: t,
            detonation: None,
            event_seq: resumed.map_or(0, |r| r.next_event_seq),
            track_seq: resumed.map_or(0, |r| r.next_track_seq),
            last_track: None,
            cells: Vec::new(),
            track: Vec::new(),
            acks: Vec::new(),
            injected,
            fp_bad: false,
            prev_est: start,
            run_in_done: false,
            inputs: VecDeque::new(),
            gap_fill_segments: 0,
            finished: false,
        }
    }

    fn truth(&self) -> Pose {
        self.p.can.ecu().model().pose
    }

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
                Action::StopVehicle { .. } => {}
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
                Action::StartSegment(n) | Action::ResumeSegment(n) => {
                    let mo = self.p.motions[n].clone();
                    let e = self.p.est.pose;
                    self.p
                        .record
                        .segment_started(n as i64, mo.kind().as_str(), t, e.x_m, e.y_m)?;
                    let keep = self.follower.as_ref().filter(|f| f.0 == n).map_or(0.0, |f| f.2);
                    self.follower = Some((n, Follower::new(mo, self.p.m), keep));
                    self.run_in_done = false;
                    self.rotor_wanted = true;
                }
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
                        segment: self.follower.as_ref().map(|f| f.0 as i64),
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

    fn gap_fill(&mut self) -> Result<(), RuntimeError> {
        let min = PlanConfig::default().gap_fill_min_m2;
        let rects: Vec<Polygon<f64>> = self
            .p
            .grid
            .missed_rects()
            .into_iter()
            .map(|r| Rect::new((r[0], r[1]), (r[2], r[3])).to_polygon())
            .collect();
        let region: MultiPolygon<f64> = geo::unary_union(rects.iter());
        let region = MultiPolygon(region.0.into_iter().filter(|p| p.unsigned_area() >= min).collect());
        let mut new = Vec::new();
        if !region.0.is_empty() {
            let strips = crate::plan::strips_of(&self.p.motions, self.p.m);
            let processed = geo::unary_union(strips.iter());
            let cfg = PlanConfig::default();
            let gp = plan::plan_gap_fill(self.p.field, self.p.m, &cfg, &processed, &region, self.p.est.pose);
            new = gp.motions;
        }
        let first = self.p.motions.len();
        self.p.record.put_plan(&segment_rows(first, &new))?;
        self.gap_fill_segments += new.len();
        let n = new.len();
        self.p.motions.extend(new);
        self.inputs.push_back(Input::GapFillPlanned { segments: n });
        Ok(())
    }

    fn rotor_ready(&self) -> bool {
        self.rpm >= self.p.m.rotor_rpm_min && self.depth >= self.p.m.depth_target_m - 0.03
    }

    fn current_implement(&self) -> Option<bool> {
        self.follower
            .as_ref()
            .map(|f| matches!(f.1.motion(), Motion::Straight { implement: true, .. }))
    }

    /// One control period.
    pub(super) fn tick(&mut self) -> Result<(), RuntimeError> {
        let (t, dt) = (self.p.t_s, self.p.opts.dt_s);
        // faults
        let injections = self.p.opts.injections.clone();
        let link_down = injections
            .iter()
            .any(|i| matches!(i, Injection::LinkLoss { .. }) && i.active(t));
        self.p.can.set_link(!link_down, t);
        let outage = injections
            .iter()
            .any(|i| matches!(i, Injection::GnssOutage { .. }) && i.active(t));
        let estop = injections
            .iter()
            .any(|i| matches!(i, Injection::EStop { .. }) && i.active(t));
        for (k, inj) in injections.iter().enumerate() {
            if self.injected[k] || t < inj.at_s() {
                continue;
            }
            match *inj {
                Injection::RotorStall { duration_s, .. } => {
                    self.injected[k] = true;
                    self.p.can.model_mut().stall_rotor(duration_s);
                }
                Injection::EStop { at_s, reset_after_s } if t >= at_s + reset_after_s => {
                    self.injected[k] = true;
                    self.feed(Input::ResetEStop { still_pressed: false })?;
                    self.feed(Input::Resume)?;
                }
                Injection::Kill { .. } => {
                    self.flush()?;
                    let _ = nix::sys::signal::kill(nix::unistd::getpid(), nix::sys::signal::Signal::SIGKILL);
                }
                _ => {}
            }
        }
        // vehicle over CAN
        for fb in self.p.can.step(t).map_err(RuntimeError::io("pty"))? {
            match fb {
                VehicleFeedback::TrackSpeeds { left_mps, right_mps } => self.odo = (left_mps, right_mps),
                VehicleFeedback::Implement(s) => (self.rpm, self.depth) = (s.rotor_rpm, s.depth_m),
                VehicleFeedback::Detonation { .. } => {
                    let e = self.p.est.pose;
                    let c = e.apply(self.p.m.implement_x_m(), 0.0);
                    self.detonation = Some((c.x, c.y, e.yaw_rad));
                }
                _ => {}
            }
        }
        // estimator
        self.p.est.predict(self.odo.0, self.odo.1, dt);
        if t >= self.next_fix_s {
            self.next_fix_s += 0.1;
            let truth = self.truth();
            if let Some(f) = self.p.gnss.fix(&truth, outage) {
                self.p.est.correct(&f, t);
                self.last_fix_s = t;
            }
        }
        let est = self.p.est.pose;
        // coverage: the processing line sweeps only in band, at depth, forward, with a good position
        let m = self.p.m;
        let v = (self.odo.0 + self.odo.1) / 2.0;
        let in_band = self.rpm >= m.rotor_rpm_min && self.rpm <= 1.5 * m.rotor_rpm_target;
        if self.current_implement() == Some(true)
            && in_band
            && self.depth >= m.depth_target_m - 0.03
            && self.p.est.sigma_m <= 0.10
            && v > 0.0
            && v <= 1.5 * m.clearing_speed_mps
        {
            if !self.run_in_done {
                // Standing start: the rotor (radius ≥ 0.25 m) strikes the ground behind its axis
                // too; credit RUN_IN_M behind the line, which covers the estimate's jitter
                // against a lane start placed exactly on the hazard edge.
                self.run_in_done = true;
                let back = m.implement_x_m() - RUN_IN_M;
                let (a0, b0) = line_at(&self.prev_est, back, m.implement_y_m());
                let (a1, b1) = line_at(&self.prev_est, m.implement_x_m(), m.implement_y_m());
                self.p.grid.sweep(a0, b0, a1, b1, &mut self.cells);
            }
            let (a0, b0) = line_at(&self.prev_est, m.implement_x_m(), m.implement_y_m());
            let (a1, b1) = line_at(&est, m.implement_x_m(), m.implement_y_m());
            self.p.grid.sweep(a0, b0, a1, b1, &mut self.cells);
        }
        self.prev_est = est;
        // safety
        let state = self.p.mission.state();
        if state.rank() >= 2 && !state.is_terminal() {
            let fc = self.p.monitor.check(&est, self.p.est.sigma_m, &self.p.grid);
            let obs = Observation {
                estop_pressed: estop,
                gnss_ok: t - self.last_fix_s < 0.5,
                sigma_h_m: self.p.est.sigma_m,
                heartbeat_age_s: self.p.can.heartbeat_age_s(t),
                rotor_expected: self.rotor_wanted && t - self.rotor_on_since > 8.0,
                rotor_rpm: self.rpm,
                footprint_uncovered_m2: fc.uncovered_m2,
                footprint_uncovered_inflated_m2: fc.uncovered_inflated_m2,
                outside_geofence: fc.outside_geofence,
                outside_geofence_inflated: fc.outside_geofence_inflated,
                detonation: self.detonation.take(),
            };
            self.feed(Input::Observe(obs))?;
            // the independent check: the true footprint on the grid
            let truth = self.truth();
            let tc = self.p.truth_monitor.check(&truth, 0.0, &self.p.grid);
            let bad = tc.uncovered_m2 > self.p.opts.safety.footprint_tolerance_m2;
            if bad && !self.fp_bad {
                let where_: Vec<(f64, f64)> = self
                    .p
                    .truth_monitor
                    .uncovered_samples(&truth, &self.p.grid)
                    .into_iter()
                    .map(|(bx, by)| {
                        let c = truth.apply(bx, by);
                        (c.x, c.y)
                    })
                    .collect();
                let e = crate::mission::MissionEvent {
                    t_s: t,
                    category: "check",
                    name: "footprint-violation".into(),
                    detail: format!(
                        "true footprint: {:.3} m² on unprocessed ground at {:?} (ENU m)",
                        tc.uncovered_m2, where_
                    ),
                    state: self.p.mission.state(),
                };
                self.p.record.add_event(self.event_seq, &e)?;
                self.event_seq += 1;
            }
            self.fp_bad = bad;
        }
        let due: Vec<u32> = self.acks.iter().filter(|a| a.0 <= t).map(|a| a.1).collect();
        self.acks.retain(|a| a.0 > t);
        for id in due {
            self.p.record.acknowledge(id as i64, t)?;
            self.feed(Input::Acknowledge(id))?;
        }
        // follow the path
        let mut drive = (0.0, 0.0);
        if self.p.mission.state() == MissionState::Clearing {
            let ready = self.rotor_ready();
            let truth = self.truth();
            if let Some((n, f, max_ct)) = self.follower.as_mut() {
                let out = f.step(&est, ready);
                if let Motion::Straight {
                    from,
                    to,
                    implement: true,
                    ..
                } = f.motion()
                {
                    *max_ct = max_ct.max(cross_track(from, to, &truth).abs());
                }
                if out.done {
                    let (n, ct) = (*n, *max_ct);
                    if self.run_in_done && self.current_implement() == Some(true) && self.rotor_ready() {
                        // and the rotor's reach ahead of its axis where the pass stops
                        let ahead = m.implement_x_m() + RUN_IN_M;
                        let (a0, b0) = line_at(&est, m.implement_x_m(), m.implement_y_m());
                        let (a1, b1) = line_at(&est, ahead, m.implement_y_m());
                        self.p.grid.sweep(a0, b0, a1, b1, &mut self.cells);
                    }
                    self.follower = None;
                    self.p.record.segment_ended(n as i64, t, est.x_m, est.y_m, ct)?;
                    self.feed(Input::SegmentDone(n))?;
                } else {
                    drive = (out.left_mps, out.right_mps);
                }
            }
        }
        // Auto throughout: a pause is zero traction with the rotor as the mission wants it (Cat 2);
        // the vehicle's Paused mode would drop the implement too.
        let mode = if self.p.mission.state().is_terminal() {
            HostMode::Idle
        } else {
            HostMode::Auto
        };
        let lowered = self.rotor_wanted && self.current_implement() == Some(true);
        let can = &mut self.p.can;
        can.submit(VehicleCommand::Heartbeat { counter: 0, mode }, t);
        can.submit(
            VehicleCommand::Drive(DriveCommand {
                left_mps: drive.0,
                right_mps: drive.1,
            }),
            t,
        );
        can.submit(
            VehicleCommand::Implement(ImplementCommand {
                rotor_enable: self.rotor_wanted,
                rotor_rpm: if self.rotor_wanted { m.rotor_rpm_target } else { 0.0 },
                depth_m: if lowered { m.depth_target_m } else { 0.0 },
            }),
            t,
        );
        self.sample_track(t);
        self.flush()?;
        self.p.t_s = t + dt;
        Ok(())
    }

    fn sample_track(&mut self, t: f64) {
        let truth = self.truth();
        let (seg, implement, reverse) = match &self.follower {
            Some((n, f, _)) => match f.motion() {
                Motion::Straight {
                    implement, direction, ..
                } => (*n as i64, *implement, *direction == Direction::Reverse),
                _ => (*n as i64, false, false),
            },
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

    pub(super) fn flush(&mut self) -> Result<(), RuntimeError> {
        self.p.record.add_tick(&self.cells, self.p.t_s, &self.track)?;
        self.cells.clear();
        self.track.clear();
        Ok(())
    }
}

/// Signed lateral distance of `p` from the line `from` → `to`, metres (left positive).
pub fn cross_track(from: &Pose, to: &Pose, p: &Pose) -> f64 {
    let len = from.distance_m(to).max(1e-9);
    let (ux, uy) = ((to.x_m - from.x_m) / len, (to.y_m - from.y_m) / len);
    -(p.x_m - from.x_m) * uy + (p.y_m - from.y_m) * ux
}
