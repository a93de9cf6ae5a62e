//! The motions a plan is made of, and what each costs in time.

use super::pose::{angle_diff, Pose};
use crate::machine::MachineProfile;
use serde::{Deserialize, Serialize};

/// What a piece of path is for (the `kind` of the plan's GeoJSON features).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PathKind {
    /// Processing pass of the headland band.
    Headland,
    /// Processing pass of the main boustrophedon.
    Lane,
    /// Manoeuvre between consecutive lanes, on processed or safe ground.
    Turn,
    /// Longer move on processed or safe ground.
    Transit,
    /// Processing pass across the ground between the safe area and the hazard.
    Access,
    /// Processing pass filling a strip missed by the other passes.
    Gap,
}

impl PathKind {
    /// Passes that process ground.
    pub fn is_processing(self) -> bool {
        matches!(
            self,
            PathKind::Headland | PathKind::Lane | PathKind::Access | PathKind::Gap
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PathKind::Headland => "headland",
            PathKind::Lane => "lane",
            PathKind::Turn => "turn",
            PathKind::Transit => "transit",
            PathKind::Access => "access",
            PathKind::Gap => "gap",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Forward,
    Reverse,
}

/// One motion of base_link.
#[derive(Clone, Debug, PartialEq)]
pub enum Motion {
    /// Straight line at constant yaw (`from.yaw_rad`), forward or reverse; the implement processes
    /// only when `implement` is set (always forward).
    Straight {
        from: Pose,
        to: Pose,
        direction: Direction,
        implement: bool,
        kind: PathKind,
    },
    /// Turn on the spot from `at.yaw_rad` by `delta_rad` (positive = counter-clockwise).
    Pivot { at: Pose, delta_rad: f64, kind: PathKind },
    /// Curve at the minimum turn radius (or larger), as poses at most 0.25 m apart in the order
    /// driven, each with the body's yaw: driven forward (the poses advance along their yaw) or in
    /// reverse (they advance against it, the body facing away from the way it goes).
    Curve {
        poses: Vec<Pose>,
        direction: Direction,
        kind: PathKind,
    },
}

impl Motion {
    pub fn kind(&self) -> PathKind {
        match self {
            Motion::Straight { kind, .. } | Motion::Pivot { kind, .. } | Motion::Curve { kind, .. } => *kind,
        }
    }

    /// Direction of travel (pivots: forward).
    pub fn direction(&self) -> Direction {
        match self {
            Motion::Straight { direction, .. } | Motion::Curve { direction, .. } => *direction,
            Motion::Pivot { .. } => Direction::Forward,
        }
    }

    /// Pose at the start of the motion.
    pub fn start(&self) -> Pose {
        match self {
            Motion::Straight { from, .. } => *from,
            Motion::Pivot { at, .. } => *at,
            Motion::Curve { poses, .. } => *poses.first().expect("curves have poses"),
        }
    }

    /// Pose at the end of the motion.
    pub fn end(&self) -> Pose {
        match self {
            Motion::Straight { to, .. } => *to,
            Motion::Pivot { at, delta_rad, .. } => Pose {
                yaw_rad: at.yaw_rad + delta_rad,
                ..*at
            },
            Motion::Curve { poses, .. } => *poses.last().expect("curves have poses"),
        }
    }

    /// Path length of base_link, metres (0 for pivots).
    pub fn length_m(&self) -> f64 {
        match self {
            Motion::Straight { from, to, .. } => from.distance_m(to),
            Motion::Pivot { .. } => 0.0,
            Motion::Curve { poses, .. } => poses.windows(2).map(|w| w[0].distance_m(&w[1])).sum(),
        }
    }

    /// Target speed, m/s (pivots: 0).
    pub fn speed_mps(&self, m: &MachineProfile) -> f64 {
        match self {
            Motion::Straight { implement: true, .. } => m.clearing_speed_mps,
            Motion::Straight {
                direction: Direction::Reverse,
                ..
            }
            | Motion::Curve {
                direction: Direction::Reverse,
                ..
            } => m.reverse_speed_mps,
            Motion::Straight { .. } | Motion::Curve { .. } => m.transit_speed_mps,
            Motion::Pivot { .. } => 0.0,
        }
    }

    /// Estimated duration, s: distance over speed plus the time to reach it and stop again.
    pub fn duration_s(&self, m: &MachineProfile) -> f64 {
        match self {
            Motion::Pivot { delta_rad, .. } => delta_rad.abs() / m.pivot_rate_rps,
            _ => travel_time_s(self.length_m(), self.speed_mps(m), m),
        }
    }
}

/// Time to travel `d` metres from standstill to standstill with a trapezoidal speed profile.
///
/// # Units
/// `d_m` metres, `v_mps` m/s; result seconds.
pub fn travel_time_s(d_m: f64, v_mps: f64, m: &MachineProfile) -> f64 {
    if d_m <= 0.0 {
        return 0.0;
    }
    let (a, b) = (m.max_accel_mps2, m.max_decel_mps2);
    let ramp_m = v_mps * v_mps / 2.0 * (1.0 / a + 1.0 / b);
    if d_m >= ramp_m {
        d_m / v_mps + v_mps / 2.0 * (1.0 / a + 1.0 / b)
    } else {
        // triangular profile
        let v_peak = (2.0 * d_m / (1.0 / a + 1.0 / b)).sqrt();
        v_peak / a + v_peak / b
    }
}

/// A pivot from `at` to face `yaw`, or nothing when already facing it.
pub fn pivot_to(at: Pose, yaw: f64, kind: PathKind) -> Option<Motion> {
    let d = angle_diff(at.yaw_rad, yaw);
    (d.abs() > 1e-6).then_some(Motion::Pivot { at, delta_rad: d, kind })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn travel_time_includes_ramps() {
        let m = MachineProfile::default_profile();
        let t = travel_time_s(100.0, 1.0, &m);
        assert!(t > 100.0 && t < 100.0 + 1.0 / 0.3, "{t}");
        // short moves never reach speed but take finite time
        let short = travel_time_s(0.1, 1.0, &m);
        assert!(short > 0.1 && short < 2.0, "{short}");
    }
}
