//! A path follower for one plan motion at a time (a stand-in for the `track` module): Stanley
//! steering on straight lines (forward and reverse), pure pursuit on curves, a proportional
//! pivot, speed regulation towards the end of the motion and the implement interlock.

use crate::machine::MachineProfile;
use crate::plan::pose::{angle_diff, Pose};
use crate::plan::{Direction, Motion};

/// Track speed setpoints and what the follower saw.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FollowOutput {
    pub left_mps: f64,
    pub right_mps: f64,
    /// Signed lateral distance from the path, metres (left positive).
    pub cross_track_m: f64,
    /// The motion is finished.
    pub done: bool,
    /// Held back by the interlock (rotor not ready).
    pub interlocked: bool,
}

/// Follows one motion.
#[derive(Clone, Debug)]
pub struct Follower {
    motion: Motion,
    gauge_m: f64,
    decel_mps2: f64,
    pivot_rate_rps: f64,
    speed_mps: f64,
}

const K_CROSS: f64 = 1.2;
const K_HEADING: f64 = 1.5;

impl Follower {
    pub fn new(motion: Motion, m: &MachineProfile) -> Self {
        let speed_mps = motion.speed_mps(m);
        Self {
            motion,
            gauge_m: m.track_gauge_m,
            decel_mps2: m.max_decel_mps2,
            pivot_rate_rps: m.pivot_rate_rps,
            speed_mps,
        }
    }

    pub fn motion(&self) -> &Motion {
        &self.motion
    }

    fn tracks(&self, v: f64, w: f64) -> (f64, f64) {
        let half = self.gauge_m / 2.0;
        (v - w * half, v + w * half)
    }

    /// Setpoints at estimated pose `est`; `rotor_ready`: rotor at speed and depth.
    pub fn step(&mut self, est: &Pose, rotor_ready: bool) -> FollowOutput {
        match &self.motion {
            Motion::Straight {
                from,
                to,
                direction,
                implement,
                ..
            } => {
                let len = from.distance_m(to).max(1e-9);
                let (ux, uy) = ((to.x_m - from.x_m) / len, (to.y_m - from.y_m) / len);
                let (dx, dy) = (est.x_m - from.x_m, est.y_m - from.y_m);
                let along = dx * ux + dy * uy;
                let cross = -dx * uy + dy * ux;
                let rest = len - along;
                let mut out = FollowOutput {
                    cross_track_m: cross,
                    ..Default::default()
                };
                if rest <= 0.01 {
                    out.done = true;
                    return out;
                }
                if *implement && !rotor_ready {
                    out.interlocked = true;
                    return out;
                }
                let v = self.speed_mps.min((2.0 * self.decel_mps2 * rest).sqrt()).max(0.03);
                let heading_err = angle_diff(from.yaw_rad, est.yaw_rad);
                let sign = if *direction == Direction::Reverse { -1.0 } else { 1.0 };
                // Stanley: steer the reference point back to the line, heading aligned
                // Stanley on the travel direction: `cross` is measured to the left of from → to, so
                // the same law holds forward and in reverse.
                // A gentle cross gain: the footprint runs 1.7 m behind the processing line and
                // must stay inside the strip that line cut, so corrections are slow on purpose.
                let w = -K_HEADING * heading_err - (K_CROSS * cross).atan();
                let w = w.clamp(-0.3, 0.3);
                let (l, r) = self.tracks(sign * v, w);
                (out.left_mps, out.right_mps) = (l, r);
                out
            }
            Motion::Pivot { at, delta_rad, .. } => {
                let target = at.yaw_rad + delta_rad;
                let err = angle_diff(est.yaw_rad, target);
                if err.abs() < 0.005 {
                    return FollowOutput {
                        done: true,
                        ..Default::default()
                    };
                }
                let w = (1.5 * err).clamp(-self.pivot_rate_rps, self.pivot_rate_rps);
                let w = if w.abs() < 0.02 { 0.02 * w.signum() } else { w };
                let (l, r) = self.tracks(0.0, w);
                FollowOutput {
                    left_mps: l,
                    right_mps: r,
                    cross_track_m: est.distance_m(at),
                    ..Default::default()
                }
            }
            Motion::Curve { poses, .. } => {
                let end = poses.last().copied().unwrap_or(*est);
                if est.distance_m(&end) < 0.05 {
                    return FollowOutput {
                        done: true,
                        ..Default::default()
                    };
                }
                // nearest pose, then a look-ahead of 1 m along the curve
                let (k, d) = poses
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (i, p.distance_m(est)))
                    .fold((0, f64::MAX), |a, b| if b.1 < a.1 { b } else { a });
                let mut j = k;
                while j + 1 < poses.len() && poses[j].distance_m(est) < 1.0 {
                    j += 1;
                }
                let goal = poses[j];
                let rest = est.distance_m(&end);
                let v = self.speed_mps.min((2.0 * self.decel_mps2 * rest).sqrt()).max(0.03);
                let (sx, sy) = (goal.x_m - est.x_m, goal.y_m - est.y_m);
                let (s, c) = est.yaw_rad.sin_cos();
                let (lx, ly) = (c * sx + s * sy, -s * sx + c * sy);
                let l2 = (lx * lx + ly * ly).max(1e-6);
                let w = (2.0 * v * ly / l2).clamp(-0.5, 0.5);
                let (l, r) = self.tracks(v, w);
                FollowOutput {
                    left_mps: l,
                    right_mps: r,
                    cross_track_m: d,
                    ..Default::default()
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::PathKind;

    /// Kinematic closed loop: the follower converges onto a straight lane and stops at its end.
    #[test]
    fn straight_lane_converges_and_finishes() {
        let m = MachineProfile::default_profile();
        let mo = Motion::Straight {
            from: Pose::new(0.0, 0.0, 0.0),
            to: Pose::new(20.0, 0.0, 0.0),
            direction: Direction::Forward,
            implement: true,
            kind: PathKind::Lane,
        };
        let mut f = Follower::new(mo, &m);
        let mut p = Pose::new(0.0, 0.15, 0.05);
        let dt = 0.05;
        let mut max_late = 0.0f64;
        for i in 0..20_000 {
            let o = f.step(&p, true);
            if o.done {
                assert!((p.x_m - 20.0).abs() < 0.05 && p.y_m.abs() < 0.02, "{p:?}");
                assert!(max_late < 0.03, "{max_late}");
                return;
            }
            let v = (o.left_mps + o.right_mps) / 2.0;
            let w = (o.right_mps - o.left_mps) / m.track_gauge_m;
            p.x_m += v * p.yaw_rad.cos() * dt;
            p.y_m += v * p.yaw_rad.sin() * dt;
            p.yaw_rad += w * dt;
            if i > 600 {
                max_late = max_late.max(o.cross_track_m.abs());
            }
        }
        panic!("never finished: {p:?}");
    }

    #[test]
    fn reverse_converges_and_finishes() {
        let m = MachineProfile::default_profile();
        let mo = Motion::Straight {
            from: Pose::new(0.0, 0.0, std::f64::consts::FRAC_PI_2),
            to: Pose::new(0.0, -20.0, std::f64::consts::FRAC_PI_2),
            direction: Direction::Reverse,
            implement: false,
            kind: PathKind::Turn,
        };
        let mut f = Follower::new(mo, &m);
        let mut p = Pose::new(0.05, 0.0, std::f64::consts::FRAC_PI_2 + 0.02);
        let dt = 0.1;
        let mut worst = 0.0f64;
        for i in 0..20_000 {
            let o = f.step(&p, true);
            if o.done {
                assert!(p.x_m.abs() < 0.03, "{p:?}");
                assert!(worst < 0.06, "{worst}");
                return;
            }
            let v = (o.left_mps + o.right_mps) / 2.0;
            let w = (o.right_mps - o.left_mps) / m.track_gauge_m;
            p.x_m += v * p.yaw_rad.cos() * dt;
            p.y_m += v * p.yaw_rad.sin() * dt;
            p.yaw_rad += w * dt;
            if i > 10 {
                worst = worst.max(o.cross_track_m.abs());
            }
        }
        panic!("never finished: {p:?}");
    }

    #[test]
    fn interlock_holds_a_processing_pass() {
        let m = MachineProfile::default_profile();
        let mo = Motion::Straight {
            from: Pose::new(0.0, 0.0, 0.0),
            to: Pose::new(20.0, 0.0, 0.0),
            direction: Direction::Forward,
            implement: true,
            kind: PathKind::Lane,
        };
        let o = Follower::new(mo, &m).step(&Pose::new(0.0, 0.0, 0.0), false);
        assert!(o.interlocked && o.left_mps == 0.0 && o.right_mps == 0.0);
    }
}
