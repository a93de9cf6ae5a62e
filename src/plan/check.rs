//! Stage 6: checks before a plan is emitted. The whole motion sequence is replayed from the safe
//! area alone: continuity, the footprint rule for every motion (processing motions may stand on the
//! strip they process), obstacles never touched, and the machine's kinematic limits.

use super::maneuver::motion_allowed;
use super::motion::{Direction, Motion};
use super::pose::{angle_diff, Body, Pose};
use super::rule::FootprintRule;
use super::site::Site;
use super::Plan;
use crate::machine::MachineProfile;
use geo::{Area, BooleanOps};

/// Replay `plan`; `Err` describes the first violation.
pub fn verify(plan: &Plan, site: &Site, m: &MachineProfile, margin_m: f64) -> Result<(), String> {
    let body = Body::with_margin(m, margin_m);
    let mut rule = FootprintRule::new(&site.safe);
    let mut prev: Option<super::Pose> = None;
    for (i, mo) in plan.motions.iter().enumerate() {
        let start = match mo {
            Motion::Straight { from, .. } => *from,
            Motion::Pivot { at, .. } => *at,
            Motion::Curve { poses, .. } => poses[0],
        };
        if let Some(p) = prev {
            if p.distance_m(&start) > 1e-6 || angle_diff(p.yaw_rad, start.yaw_rad).abs() > 1e-6 {
                return Err(format!("motion {i} does not start where motion {} ended", i - 1));
            }
        }
        match mo {
            Motion::Pivot { .. } if m.min_turn_radius_m > 0.0 => {
                return Err(format!(
                    "motion {i} pivots but the machine's minimum turn radius is {} m",
                    m.min_turn_radius_m
                ));
            }
            Motion::Straight {
                implement: true,
                direction: Direction::Reverse,
                ..
            } => {
                return Err(format!("motion {i} processes while reversing"));
            }
            Motion::Curve { poses, direction, .. } => {
                for w in poses.windows(2) {
                    let d = w[0].distance_m(&w[1]);
                    let dyaw = angle_diff(w[0].yaw_rad, w[1].yaw_rad);
                    if d > 1e-6 && dyaw.abs() / d > 1.0 / m.min_turn_radius_m * 1.05 + 1e-6 {
                        return Err(format!("motion {i} curves tighter than the minimum turn radius"));
                    }
                    if let Some(why) = off_course(&w[0], &w[1], *direction, 1.0 / m.min_turn_radius_m) {
                        return Err(format!("motion {i} {why}"));
                    }
                }
            }
            _ => {}
        }
        if !motion_allowed(&mut rule, &body, mo) {
            return Err(format!("motion {i} ({:?}) breaks the footprint rule", mo.kind()));
        }
        if let Motion::Straight {
            from,
            to,
            implement: true,
            ..
        } = mo
        {
            let strip = body.strip(from, to);
            if strip.intersection(&site.obstacles).unsigned_area() > 1e-6 {
                return Err(format!("motion {i} processes into an obstacle"));
            }
            rule.allow(strip);
        }
        prev = Some(mo.end());
    }
    Ok(())
}

/// Does the step from `a` to `b` of a curve go the way its body faces (forward) or against it
/// (reverse)? On one arc the chord runs along the mean of the two yaws; a step over the joint of
/// two pieces (arc and straight, or arcs) may bend off it by up to its length times the curvature
/// `max_kappa` (1/m). A step sideways or the wrong way is a motion no tracked machine drives.
/// `None` when it is consistent.
pub fn off_course(a: &Pose, b: &Pose, direction: Direction, max_kappa: f64) -> Option<&'static str> {
    let (dx, dy) = (b.x_m - a.x_m, b.y_m - a.y_m);
    let d = dx.hypot(dy);
    if d < 1e-6 {
        return None;
    }
    let mid = a.yaw_rad + angle_diff(a.yaw_rad, b.yaw_rad) / 2.0;
    let (s, c) = mid.sin_cos();
    let along = (dx * c + dy * s) / d;
    let sign = if direction == Direction::Reverse { -1.0 } else { 1.0 };
    if sign * along < 0.0 {
        return Some(match direction {
            Direction::Forward => "runs backwards along a forward curve",
            Direction::Reverse => "runs forwards along a reverse curve",
        });
    }
    // a bend over a joint, plus 2 % of the step: a crab step is far above
    if (dx * s - dy * c).abs() > d * (d * max_kappa + 0.02) + 1e-4 {
        return Some("steps sideways along a curve");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curve_steps_go_the_way_the_body_faces() {
        let a = Pose::new(0.0, 0.0, 0.0);
        let ahead = Pose::new(0.25, 0.0, 0.0);
        assert_eq!(off_course(&a, &ahead, Direction::Forward, 1.0 / 6.0), None);
        assert!(off_course(&a, &ahead, Direction::Reverse, 1.0 / 6.0).is_some());
        let behind = Pose::new(-0.25, 0.0, 0.0);
        assert_eq!(off_course(&a, &behind, Direction::Reverse, 1.0 / 6.0), None);
        // a crab step sideways, and a diagonal one far off the yaw
        assert!(off_course(&a, &Pose::new(0.0, 0.25, 0.0), Direction::Forward, 1.0 / 6.0).is_some());
        assert!(off_course(&a, &Pose::new(0.2, 0.15, 0.0), Direction::Forward, 1.0 / 6.0).is_some());
        // on an arc of radius 6 the chord follows the mean yaw
        let b = Pose::new(6.0 * 0.04f64.sin(), 6.0 * (1.0 - 0.04f64.cos()), 0.04);
        assert_eq!(off_course(&a, &b, Direction::Forward, 1.0 / 6.0), None);
    }
}
