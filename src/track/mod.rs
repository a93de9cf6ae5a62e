//! Path tracking for tracked (skid-steer) vehicles: the plan's motions in, left/right track
//! speed setpoints and implement setpoints out, with speed regulation and the implement
//! interlock. A plain type with no I/O: [`PathTracker::step`] takes the pose and the implement's
//! measured state with the time step and returns [`TrackerOutput`] `{ cmd, debug }`.
//!
//! - Straights (forward or reverse) and curves: a Stanley-type law on the travel direction in
//!   its linear skid-steer form, `ω = κ|v| − (2ζω_n|v| + k_θ0)·ψ − ω_n²|v|·e` (ψ heading error,
//!   e cross-track error, κ the curve's curvature as feed-forward): the lateral error obeys
//!   `e'' + 2ζω_n e' + ω_n² e = 0` in distance travelled, so lanes settle over the same ground
//!   at clearing and at transit speed, and the machine never swings its tool sideways at a
//!   standstill ([`laws::path_yaw_rate`]).
//! - Pivots: counter-rotation to the target yaw, the turned angle accumulated so a half turn
//!   keeps the planned direction (the planner checked that sweep, not the other one).
//! - Speed: the motion's speed (clearing, transit, reverse) with acceleration and braking
//!   limits and a braking curve to the motion's end; slower with large heading errors.
//! - Tracks: `v ∓ ω·χ·gauge/2` with the effective-gauge factor χ of the ICR model, scaled
//!   together to stay within the track speed limit.
//! - Interlock ([`interlock`]): on processing motions the machine advances only with the rotor
//!   at or above its minimum speed and the tool at depth; it stops or slows until they recover.

pub mod config;
pub mod interlock;
pub mod io;
pub mod laws;

use crate::plan::{Direction, Motion, Pose};
pub use config::{TrackError, TrackerConfig};
pub use interlock::{Interlock, InterlockConfig};
pub use io::{TrackCommand, TrackerDebug, TrackerInput, TrackerOutput};
use laws::{along_polyline, along_segment, PathPoint};

/// Follows a sequence of plan motions.
#[derive(Clone, Debug)]
pub struct PathTracker {
    cfg: TrackerConfig,
    motions: Vec<Motion>,
    index: usize,
    speed_mps: f64,
    pivot_turned_rad: f64,
    last_yaw: Option<f64>,
    curve_seg: usize,
    entry: bool,
    /// Where along the current processing pass the (next) entry is, m from its start: 0 at the
    /// lane's start, or a little behind where the rotor or the depth was lost mid-lane.
    entry_from_m: f64,
    /// The furthest along the current pass the line advanced with the implement in order, m.
    in_order_to_m: f64,
}

/// How far behind the last point processed in order a mid-lane re-entry starts, m (one control
/// period at clearing speed plus the grid's half cell).
const REENTRY_BACK_M: f64 = 0.1;

impl PathTracker {
    pub fn new(cfg: TrackerConfig, motions: Vec<Motion>) -> Result<Self, TrackError> {
        cfg.validate()?;
        Ok(Self {
            cfg,
            motions,
            index: 0,
            speed_mps: 0.0,
            pivot_turned_rad: 0.0,
            last_yaw: None,
            curve_seg: 0,
            entry: true,
            entry_from_m: 0.0,
            in_order_to_m: 0.0,
        })
    }

    pub fn config(&self) -> &TrackerConfig {
        &self.cfg
    }

    pub fn motions(&self) -> &[Motion] {
        &self.motions
    }

    /// Index of the current motion.
    pub fn motion_index(&self) -> usize {
        self.index
    }

    pub fn is_finished(&self) -> bool {
        self.index >= self.motions.len()
    }

    /// Continue from motion `index` (resume, skip), from standstill.
    pub fn restart_at(&mut self, index: usize) {
        self.index = index.min(self.motions.len());
        self.reset_motion();
        self.speed_mps = 0.0;
    }

    /// Continue motion `index` from where the machine stands (after a pause or a resume from
    /// the record), from standstill: a processing pass goes on from the current position instead
    /// of backing up to the lane's start.
    /// A pivot counts the angle already turned from its start yaw to `pose`'s.
    pub fn continue_at(&mut self, index: usize, pose: &Pose) {
        if index != self.index {
            self.restart_at(index);
        }
        self.entry = false;
        self.speed_mps = 0.0;
        if let Some(Motion::Pivot { at, delta_rad, .. }) = self.motions.get(self.index) {
            let mut turned = crate::plan::pose::angle_diff(at.yaw_rad, pose.yaw_rad);
            // a half turn seen from its far side reads as the other sign
            if turned * delta_rad < 0.0 && turned.abs() > 1.0 {
                turned += 2.0 * std::f64::consts::PI * delta_rad.signum();
            }
            self.pivot_turned_rad = turned;
            self.last_yaw = Some(pose.yaw_rad);
        }
    }

    /// Process again the last `back_m` of the current pass (a detonation's block): back up that
    /// far behind the furthest point processed in order, then re-enter as at a lane start. No
    /// effect outside a processing pass.
    pub fn reenter_behind(&mut self, back_m: f64) {
        if !matches!(
            self.motions.get(self.index),
            Some(Motion::Straight { implement: true, .. })
        ) {
            return;
        }
        let from = (self.in_order_to_m - back_m).max(0.0);
        self.entry_from_m = if self.entry { self.entry_from_m.min(from) } else { from };
        self.entry = true;
        self.speed_mps = 0.0;
    }

    /// The machine was stopped from outside (a pause): ramp up again from standstill.
    pub fn stopped(&mut self) {
        self.speed_mps = 0.0;
    }

    /// Replace the remaining motions (e.g. with a gap-fill plan), from standstill.
    pub fn replace_motions(&mut self, motions: Vec<Motion>) {
        self.motions = motions;
        self.restart_at(0);
    }

    fn reset_motion(&mut self) {
        self.entry = true;
        self.entry_from_m = 0.0;
        self.in_order_to_m = 0.0;
        self.pivot_turned_rad = 0.0;
        self.last_yaw = None;
        self.curve_seg = 0;
    }

    /// One control step.
    ///
    /// # Units
    /// `dt_s` seconds; pose ENU metres/radians; output track speeds m/s, rpm, metres.
    pub fn step(&mut self, input: &TrackerInput, dt_s: f64) -> TrackerOutput {
        // Skip motions already complete at this pose (at most a few per step).
        for _ in 0..4 {
            let Some(m) = self.motions.get(self.index).cloned() else {
                break;
            };
            let done = match &m {
                Motion::Pivot { delta_rad, .. } => {
                    self.track_pivot_angle(input.pose.yaw_rad);
                    (delta_rad - self.pivot_turned_rad).abs() <= self.cfg.pivot_tolerance_rad
                }
                Motion::Straight {
                    from, to, implement, ..
                } => {
                    let rem = along_segment(from, to, &input.pose).remaining_m;
                    if *implement {
                        rem <= -self.cfg.processing_overrun_m
                    } else {
                        rem <= self.cfg.arrive_tolerance_m
                    }
                }
                Motion::Curve { poses, .. } => {
                    let p = along_polyline(poses, &input.pose, &mut self.curve_seg);
                    p.remaining_m <= self.cfg.arrive_tolerance_m
                }
            };
            if !done {
                break;
            }
            self.index += 1;
            self.reset_motion();
        }
        let cfg = &self.cfg;
        let rotor = |depth_m: f64| TrackCommand {
            rotor_enable: true,
            rotor_rpm: cfg.interlock.rotor_rpm_target,
            depth_m,
            ..TrackCommand::default()
        };
        let Some(m) = self.motions.get(self.index).cloned() else {
            self.speed_mps = 0.0;
            return TrackerOutput {
                cmd: TrackCommand {
                    rotor_enable: !self.motions.is_empty(),
                    ..rotor(0.0)
                },
                debug: TrackerDebug {
                    motion_index: self.index,
                    progress: 1.0,
                    cross_track_m: 0.0,
                    heading_error_rad: 0.0,
                    target_speed_mps: 0.0,
                    processing: false,
                    interlock: Interlock::Clear,
                    finished: true,
                },
            };
        };
        let processing = matches!(m, Motion::Straight { implement: true, .. });
        let depth = if processing { cfg.interlock.depth_target_m } else { 0.0 };
        let mut cmd = rotor(depth);
        let (v, w, dbg) = match &m {
            Motion::Pivot { at, delta_rad, .. } => {
                let rem = delta_rad - self.pivot_turned_rad;
                let w = laws::pivot_rate(rem, cfg.pivot_rate_rps, cfg.pivot_accel_rps2);
                self.speed_mps = 0.0;
                let progress = (self.pivot_turned_rad / delta_rad).clamp(0.0, 1.0);
                // Hold the point the machine turns about on the pivot centre: correct its offset
                // along the current heading (the lateral part becomes longitudinal as the
                // machine turns). Turning about a point behind base_link, base_link would end
                // the pivot 2·d·sin(Δθ/2) off to the side; held this way it ends d ahead, on the
                // next motion's line.
                let h = input.pose.heading();
                let d = cfg.pivot_centre_behind_m;
                let along = (at.x_m - input.pose.x_m) * h.x + (at.y_m - input.pose.y_m) * h.y + d;
                let v = (cfg.pivot_hold_gain * along).clamp(-cfg.min_speed_mps, cfg.min_speed_mps);
                let off = at.distance_m(&input.pose);
                (v, w, (progress, off, rem, v, Interlock::Clear))
            }
            Motion::Straight {
                from, to, direction, ..
            } => {
                let pp = along_segment(from, to, &input.pose);
                let past_start_m = from.distance_m(to) - pp.remaining_m;
                let lock = interlock::check(&cfg.interlock, input.rotor_rpm, input.depth_m);
                if processing && !self.entry && lock.holds() {
                    // The rotor or the depth was lost mid-lane: the ground since the last point
                    // processed in order was not; re-enter a little behind it.
                    self.entry = true;
                    self.entry_from_m = (self.in_order_to_m - REENTRY_BACK_M).max(0.0);
                    self.speed_mps = 0.0;
                } else if processing && !self.entry {
                    self.in_order_to_m = self.in_order_to_m.max(past_start_m);
                }
                let past_start_m = past_start_m - self.entry_from_m;
                if processing && self.entry && past_start_m > cfg.entry_tolerance_m {
                    // The line is past the lane's start without having processed it (an
                    // overshoot of the approach, or a creep while waiting): back up to the start
                    // with the tool lifted.
                    cmd.depth_m = 0.0;
                    let back = along_segment(to, from, &input.pose);
                    let back = laws::PathPoint {
                        remaining_m: past_start_m,
                        ..back
                    };
                    let speed = cfg.reverse_speed_mps.min(0.1);
                    let (v, w, mut d) = self.follow(&back, true, speed, 0.0, input, false, dt_s);
                    d.4 = Interlock::BackingToLaneStart;
                    (v, w, d)
                } else if processing && self.entry && lock.holds() {
                    // At the start, waiting for rotor and depth: hold (heading corrections only).
                    let (_, w, d) = self.follow(&pp, false, 0.0, 0.0, input, true, dt_s);
                    self.speed_mps = 0.0;
                    (0.0, w * 0.0, d)
                } else {
                    if processing && self.entry {
                        self.entry = false;
                        self.speed_mps = 0.0;
                    }
                    let reverse = *direction == Direction::Reverse;
                    let speed = if processing {
                        cfg.clearing_speed_mps
                    } else if reverse {
                        cfg.reverse_speed_mps
                    } else {
                        cfg.transit_speed_mps
                    };
                    self.follow(&pp, reverse, speed, 0.0, input, processing, dt_s)
                }
            }
            Motion::Curve { poses, direction, .. } => {
                // the poses are in the order driven: reversing, the travel direction is the
                // polyline's and the body faces away from it (as on a straight reverse)
                let pp = along_polyline(poses, &input.pose, &mut self.curve_seg);
                let kappa = laws::curvature(poses, self.curve_seg);
                let reverse = *direction == Direction::Reverse;
                let speed = if reverse {
                    self.cfg.reverse_speed_mps
                } else {
                    self.cfg.transit_speed_mps
                };
                self.follow(&pp, reverse, speed, kappa, input, false, dt_s)
            }
        };
        let (l, r) = laws::tracks(
            v,
            w,
            self.cfg.gauge_m * self.cfg.turn_gauge_factor,
            self.cfg.max_track_speed_mps,
        );
        (cmd.left_mps, cmd.right_mps) = (l, r);
        let (progress, cross_track_m, heading_error_rad, target_speed_mps, interlock) = dbg;
        TrackerOutput {
            cmd,
            debug: TrackerDebug {
                motion_index: self.index,
                progress,
                cross_track_m,
                heading_error_rad,
                target_speed_mps,
                processing,
                interlock,
                finished: false,
            },
        }
    }

    fn track_pivot_angle(&mut self, yaw: f64) {
        if let Some(last) = self.last_yaw {
            self.pivot_turned_rad += crate::plan::pose::angle_diff(last, yaw);
        }
        self.last_yaw = Some(yaw);
    }

    /// Stanley + speed regulation on a path point; returns (v, ω, debug tuple).
    #[allow(clippy::too_many_arguments)]
    fn follow(
        &mut self,
        pp: &PathPoint,
        reverse: bool,
        speed_mps: f64,
        kappa: f64,
        input: &TrackerInput,
        processing: bool,
        dt_s: f64,
    ) -> (f64, f64, (f64, f64, f64, f64, Interlock)) {
        let cfg = &self.cfg;
        let travel_yaw = input.pose.yaw_rad + if reverse { std::f64::consts::PI } else { 0.0 };
        let e = pp.cross_track_m;
        let v_abs = self.speed_mps.abs();
        let herr = crate::plan::pose::angle_diff(pp.path_yaw_rad, travel_yaw);
        let w = laws::path_yaw_rate(
            v_abs,
            kappa,
            herr,
            e.clamp(-cfg.max_intercept_m, cfg.max_intercept_m),
            cfg.cross_track_gain,
            cfg.damping,
            cfg.heading_gain,
        )
        .clamp(-cfg.max_yaw_rate_rps, cfg.max_yaw_rate_rps);
        let steer = herr;
        // Speed: braking curve to the end, slower when far off heading, interlock.
        let overrun = if processing { cfg.processing_overrun_m } else { 0.0 };
        let braking_m = (pp.remaining_m + overrun - v_abs * cfg.actuator_lag_s).max(0.0);
        let mut target = speed_mps.min((2.0 * 0.8 * cfg.decel_mps2 * braking_m).sqrt());
        target = target.max(cfg.min_speed_mps.min(speed_mps));
        target *= (1.0 - steer.abs() / 0.5).clamp(0.0, 1.0);
        let lock = if processing {
            interlock::check(&cfg.interlock, input.rotor_rpm, input.depth_m)
        } else {
            Interlock::Clear
        };
        target *= lock.speed_factor(cfg.interlock.slow_factor);
        let up = cfg.accel_mps2 * dt_s;
        let down = cfg.decel_mps2 * dt_s;
        self.speed_mps = if target > self.speed_mps {
            (self.speed_mps + up).min(target)
        } else {
            (self.speed_mps - down).max(target)
        };
        let v = if reverse { -self.speed_mps } else { self.speed_mps };
        let sign_v = if reverse { -1.0 } else { 1.0 };
        (v, w, (pp.progress, e, herr, sign_v * target, lock))
    }
}

#[cfg(test)]
mod tests;
