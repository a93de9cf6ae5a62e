//! One control tick of the runtime and the execution of the mission's actions.
//!
//! Each tick: faults → CAN exchange over the pty (commands down, feedback up, the simulated
//! machine steps inside the ECU) → the receiver's NMEA and the odometry into the localizer →
//! the processed-area grid from the estimate → the safety supervisor and the mission → the path
//! tracker's setpoints, gated by the mission → the next commands.

use super::can_loop::CanLoop;
use super::nav::{pose_of, Navigation};
use super::run::SimOptions;
use super::{Injection, RuntimeError};
use crate::can::protocol::{DriveCommand, HostMode, ImplementCommand, VehicleCommand, VehicleFeedback};
use crate::coverage::{FootprintCheck, ProcessedGrid, ProcessingSample};
use crate::field::Field;
use crate::localize::Estimate;
use crate::machine::MachineProfile;
use crate::mission::{FootprintMonitor, Input, Mission, MissionEvent, MissionState, Observation};
use crate::plan::pose::Pose;
use crate::plan::Motion;
use crate::record::{Record, ResumePoint, TrackPoint};
use crate::sim::SimVehicle;
use crate::track::{PathTracker, TrackCommand, TrackerInput};
use std::collections::VecDeque;

/// The pieces the host is made of.
pub struct Parts<'a> {
    pub opts: &'a SimOptions,
    pub field: &'a Field,
    pub m: &'a MachineProfile,
    pub motions: Vec<Motion>,
    pub record: Record,
    pub grid: ProcessedGrid,
    pub mission: Mission,
    /// The simulated machine behind the pty.
    pub can: CanLoop<SimVehicle>,
    pub nav: Navigation,
    pub tracker: PathTracker,
    /// The supervisor's footprint rule and geofence, on the estimate.
    pub monitor: FootprintMonitor,
    /// The independent check of the true footprint against the grid (counts violations).
    pub truth_check: FootprintCheck,
    /// Runtime time, s.
    pub t_s: f64,
    /// Runtime time of the simulator's time zero, s (non-zero after a resume).
    pub sim_t0_s: f64,
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
    /// The segment being driven and the largest true cross-track error on it, m.
    pub(super) segment: Option<(usize, f64)>,
    /// The tracker is fresh from a resume: the first segment continues where the machine stands.
    pub(super) continue_first: bool,
    pub(super) rotor_wanted: bool,
    pub(super) rotor_on_since: f64,
    /// Measured track speeds from the vehicle, m/s, and whether new ones came this tick.
    pub(super) odo: (f64, f64),
    /// Simulator time at the end of the previous tick, s: what the vehicle's feedback that
    /// arrives in this tick describes (it crosses the pty one exchange later).
    pub(super) prev_sim_t: Option<f64>,
    pub(super) rpm: f64,
    pub(super) depth: f64,
    pub(super) est: Option<Estimate>,
    pub(super) last_cmd: TrackCommand,
    pub(super) detonation: Option<(f64, f64, f64)>,
    pub(super) event_seq: i64,
    pub(super) track_seq: i64,
    pub(super) last_track: Option<TrackPoint>,
    /// Driven poses since the last kept one, not yet decided (see `sample_track`).
    pub(super) pending: Vec<TrackPoint>,
    /// The simulated time limit of this run, s.
    pub time_limit_s: f64,
    /// Simulated time at the start of this run (after a resume: where the record ended), s.
    pub run_t0_s: f64,
    pub(super) cells: Vec<(i64, i64)>,
    pub(super) track: Vec<TrackPoint>,
    pub(super) acks: Vec<(f64, u32)>,
    pub(super) injected: Vec<bool>,
    pub(super) fp_bad: bool,
    pub(super) inputs: VecDeque<Input>,
    pub(super) finished: bool,
    /// This run's pre-flight failed: the failed checks in plain words.
    pub preflight_failure: Option<String>,
    /// `--log-sensors`: the receiver's NMEA and the odometry of this run.
    pub sensor_log: Option<super::sensor_log::SensorLog>,
}

impl<'a> Host<'a> {
    pub fn new(p: Parts<'a>, resumed: Option<&ResumePoint>) -> Self {
        let n = p.opts.injections.len();
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
            segment: None,
            continue_first: resumed.is_some(),
            rotor_wanted: false,
            rotor_on_since: t,
            odo: (0.0, 0.0),
            prev_sim_t: None,
            rpm: 0.0,
            depth: 0.0,
            est: None,
            last_cmd: TrackCommand::default(),
            detonation: None,
            event_seq: resumed.map_or(0, |r| r.next_event_seq),
            track_seq: resumed.map_or(0, |r| r.next_track_seq),
            last_track: None,
            pending: Vec::new(),
            time_limit_s: f64::INFINITY,
            run_t0_s: t,
            cells: Vec::new(),
            track: Vec::new(),
            acks: Vec::new(),
            injected,
            fp_bad: false,
            inputs: VecDeque::new(),
            finished: false,
            preflight_failure: None,
            sensor_log: None,
        }
    }

    pub(super) fn truth(&self) -> Pose {
        self.p.can.ecu().model().truth().pose
    }

    /// The estimated pose (the last known one while the estimator aligns).
    pub(super) fn est_pose(&self) -> Pose {
        self.est.as_ref().map_or_else(|| self.truth_free_start(), pose_of)
    }

    /// Before the first estimate the host knows only where the plan or the record put the
    /// machine: the tracker's first motion.
    fn truth_free_start(&self) -> Pose {
        self.p
            .motions
            .get(self.p.tracker.motion_index())
            .map(super::run::start_pose)
            .unwrap_or(Pose::new(0.0, 0.0, 0.0))
    }

    /// Host-side faults (link loss, e-stop, kill); GNSS and rotor faults run in the simulator.
    fn faults(&mut self, t: f64) -> Result<bool, RuntimeError> {
        let injections = self.p.opts.injections.clone();
        let active = |f: fn(&Injection) -> bool| injections.iter().any(|i| f(i) && i.active(t));
        self.p
            .can
            .set_link(!active(|i| matches!(i, Injection::LinkLoss { .. })), t);
        let estop = active(|i| matches!(i, Injection::EStop { .. }));
        for (k, inj) in injections.iter().enumerate() {
            if self.injected[k] || t < inj.at_s() {
                continue;
            }
            match *inj {
                Injection::EStop { at_s, reset_after_s } if t >= at_s + reset_after_s => {
                    self.injected[k] = true;
                    self.feed(Input::ResetEStop { still_pressed: false })?;
                    self.feed(Input::Resume)?;
                }
                Injection::Kill { .. } => {
                    self.close_track();
                    self.flush()?;
                    if let Some(log) = self.sensor_log.as_mut() {
                        log.flush()?;
                    }
                    let _ = nix::sys::signal::kill(nix::unistd::getpid(), nix::sys::signal::Signal::SIGKILL);
                }
                _ => {}
            }
        }
        Ok(estop)
    }

    /// One control period.
    pub(super) fn tick(&mut self) -> Result<(), RuntimeError> {
        let (t, dt) = (self.p.t_s, self.p.opts.dt_s);
        let estop = self.faults(t)?;
        // vehicle over CAN; the simulated machine steps inside the ECU
        for fb in self.p.can.step(t).map_err(RuntimeError::io("pty"))? {
            match fb {
                VehicleFeedback::TrackSpeeds { left_mps, right_mps } => self.odo = (left_mps, right_mps),
                VehicleFeedback::Implement(s) => (self.rpm, self.depth) = (s.rotor_rpm, s.depth_m),
                VehicleFeedback::Detonation { .. } => {
                    let e = self.est_pose();
                    let c = e.apply(self.p.m.implement_x_m(), 0.0);
                    self.detonation = Some((c.x, c.y, e.yaw_rad));
                }
                _ => {}
            }
        }
        for what in self.p.can.take_refused() {
            self.host_event("can", "setpoint-refused", what)?;
        }
        // estimator: the receiver's sentences and the odometry
        let sim = self.p.can.model_mut();
        let sim_t = sim.time_s();
        let out = sim.take_outputs();
        if let Some(at) = self.prev_sim_t {
            // the gyro sample nearest the feedback's time
            let gyro = out
                .imu
                .iter()
                .min_by(|a, b| (a.t_s - at).abs().total_cmp(&(b.t_s - at).abs()))
                .map(|s| s.yaw_rate_rps);
            self.p.nav.odometry(at, self.odo.0, self.odo.1, gyro);
            if let Some(log) = self.sensor_log.as_mut() {
                log.odometry(self.p.nav.unix_s(at), self.odo.0, self.odo.1, gyro)?;
            }
        }
        self.prev_sim_t = Some(sim_t);
        if let Some(log) = self.sensor_log.as_mut() {
            for e in &out.gnss {
                log.sentences(&e.sentences)?;
            }
        }
        self.p.nav.gnss(&out.gnss);
        self.est = self.p.nav.estimate(sim_t);
        for (at, name, detail) in self.p.nav.take_events() {
            let e = MissionEvent {
                t_s: at + self.p.sim_t0_s,
                category: "localize",
                name: name.into(),
                detail,
                state: self.p.mission.state(),
            };
            self.p.record.add_event(self.event_seq, &e)?;
            self.event_seq += 1;
        }
        let Some(e) = self.est else {
            self.p.grid.break_sweep();
            return self.send(t, dt, (0.0, 0.0));
        };
        let est = pose_of(&e);
        // coverage from the estimate and the measured implement state
        self.p.grid.update_collect(
            &ProcessingSample {
                pose: est,
                rotor_rpm: self.rpm,
                depth_m: self.depth,
                speed_mps: e.speed_mps,
                position_sigma_m: e.sigma_h_m,
            },
            Some(&mut self.cells),
        );
        // safety
        let state = self.p.mission.state();
        if state.rank() >= 2 && !state.is_terminal() {
            let fc = self.p.monitor.check(&est, e.sigma_h_m, &self.p.grid);
            let obs = Observation {
                estop_pressed: estop,
                // the estimator's own verdict: Good needs RTK fixed, a recent fix and no recent
                // re-acquisition (a jump it cannot yet vouch for)
                gnss_ok: e.quality == crate::localize::Quality::Good && e.since_fix_s < 0.5,
                gnss_why: if e.since_fix_s >= 0.5 && e.quality == crate::localize::Quality::Good {
                    format!("no fix accepted for {:.2} s (limit 0.5 s)", e.since_fix_s)
                } else {
                    self.p.nav.why_not_good(sim_t).unwrap_or_default()
                },
                sigma_h_m: e.sigma_h_m,
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
            self.check_truth_footprint(t)?;
        }
        self.feed(Input::Pose {
            x_m: est.x_m,
            y_m: est.y_m,
            yaw_rad: est.yaw_rad,
        })?;
        let due: Vec<u32> = self.acks.iter().filter(|a| a.0 <= t).map(|a| a.1).collect();
        self.acks.retain(|a| a.0 > t);
        for id in due {
            self.p.record.acknowledge(id as i64, t)?;
            self.feed(Input::Acknowledge(id))?;
        }
        let drive = self.follow(t, dt, &est)?;
        self.send(t, dt, drive)
    }

    /// The tracker's setpoints while clearing; segments it finished are reported to the mission.
    fn follow(&mut self, t: f64, dt: f64, est: &Pose) -> Result<(f64, f64), RuntimeError> {
        if self.p.mission.state() != MissionState::Clearing || self.segment.is_none() {
            return Ok((0.0, 0.0));
        }
        let out = self.p.tracker.step(
            &TrackerInput {
                pose: *est,
                rotor_rpm: self.rpm,
                depth_m: self.depth,
            },
            dt,
        );
        let truth = self.truth();
        if let Some((n, max_ct)) = self.segment.as_mut() {
            if let Some(Motion::Straight {
                from,
                to,
                implement: true,
                ..
            }) = self.p.motions.get(*n)
            {
                *max_ct = max_ct.max(cross_track(from, to, &truth).abs());
            }
        }
        // every motion the tracker has left behind is done
        while let Some((n, ct)) = self.segment {
            if self.p.tracker.motion_index() <= n {
                break;
            }
            self.segment = None;
            self.p.record.segment_ended(n as i64, t, est.x_m, est.y_m, ct)?;
            self.feed(Input::SegmentDone(n))?;
        }
        self.last_cmd = out.cmd;
        let clearing = self.p.mission.state() == MissionState::Clearing;
        Ok(match self.segment {
            Some((n, _)) if clearing && n == self.p.tracker.motion_index() => (out.cmd.left_mps, out.cmd.right_mps),
            _ => (0.0, 0.0),
        })
    }

    /// Heartbeat, drive and implement commands of this tick, then the record.
    fn send(&mut self, t: f64, dt: f64, drive: (f64, f64)) -> Result<(), RuntimeError> {
        // Auto throughout: a pause is zero traction with the rotor as the mission wants it (Cat 2);
        // the vehicle's Paused mode would drop the implement too.
        let mode = if self.p.mission.state().is_terminal() {
            HostMode::Idle
        } else {
            HostMode::Auto
        };
        let m = self.p.m;
        let depth = if self.rotor_wanted && self.segment.is_some() {
            self.last_cmd.depth_m
        } else {
            0.0
        };
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
                depth_m: depth,
            }),
            t,
        );
        self.sample_track(t);
        self.flush()?;
        self.p.t_s = t + dt;
        Ok(())
    }
}

impl Host<'_> {
    /// An event of the host itself (not of the mission), in the record's numbering.
    pub(super) fn host_event(
        &mut self,
        category: &'static str,
        name: &str,
        detail: String,
    ) -> Result<(), RuntimeError> {
        let e = MissionEvent {
            t_s: self.p.t_s,
            category,
            name: name.into(),
            detail,
            state: self.p.mission.state(),
        };
        self.p.record.add_event(self.event_seq, &e)?;
        self.event_seq += 1;
        Ok(())
    }
}

/// Signed lateral distance of `p` from the line `from` → `to`, metres (left positive).
pub fn cross_track(from: &Pose, to: &Pose, p: &Pose) -> f64 {
    let len = from.distance_m(to).max(1e-9);
    let (ux, uy) = ((to.x_m - from.x_m) / len, (to.y_m - from.y_m) / len);
    -(p.x_m - from.x_m) * uy + (p.y_m - from.y_m) * ux
}
