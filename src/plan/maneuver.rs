//! Stage 5: turns and transits. Connect the machine's pose to the start of the next pass through
//! allowed ground only, choosing the quickest candidate manoeuvre that keeps the footprint rule.
//!
//! Candidates are built from a small vocabulary (named [`ManeuverShape`]s):
//! reverse back along the pass just processed by some distance, then either pivot–straight–pivot
//! (machines that can counter-rotate their tracks) or a Dubins curve at the minimum turn radius,
//! then a straight forward approach onto the pass start. Reversing along processed lanes is how a
//! machine returns to its baseline; turning on the spot needs a processed or safe disc around it.
//! Every candidate is checked motion by motion against the [`FootprintRule`] before it is used.

use super::motion::{pivot_to, travel_time_s, Direction, Motion, PathKind};
use super::pose::{Body, Pose};
use super::rule::FootprintRule;
use crate::machine::MachineProfile;
use dubins_paths::f64::{DubinsPath, PosRot};
use dubins_paths::PathType;
use geo::{Coord, Polygon};

/// How a candidate gets from the retreat point to the approach point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ManeuverShape {
    /// Pivot to face the approach point, drive forward, pivot to the pass heading.
    PivotForward,
    /// Pivot to face away from the approach point, reverse to it, pivot to the pass heading.
    PivotReverse,
    /// Dubins curve at the minimum turn radius.
    Dubins(PathType),
}

/// Largest pivot step when checking its sweep, radians (10°).
pub const PIVOT_STEP_RAD: f64 = 10.0 * std::f64::consts::PI / 180.0;
/// Spacing of the footprints a curve is first refuted from, metres.
const COARSE_STEP_M: f64 = 1.0;
/// Spacing of sampled poses along curves, metres.
pub const CURVE_STEP_M: f64 = 0.25;
/// Most candidates checked per connection and per manoeuvre shape before giving up (the cheapest
/// are checked first).
pub const MAX_CHECKED_PER_SHAPE: usize = 75;
/// Most Dubins candidates checked per connection (their sweeps are long to check).
pub const MAX_CHECKED_DUBINS: usize = 450;

/// Is `motion` inside the allowed ground? Processing motions may also stand on the strip they process.
pub fn motion_allowed(rule: &mut FootprintRule, body: &Body, motion: &Motion) -> bool {
    match motion {
        Motion::Straight {
            from, to, implement, ..
        } => {
            let sweep = body.sweep_straight(from, to);
            if *implement {
                rule.covers_with(&sweep, &body.strip(from, to))
            } else {
                // footprints along the way lie inside the sweep: one on a cell no allowed polygon
                // touches refutes it without polygon operations
                let n = (from.distance_m(to) / CURVE_STEP_M).ceil() as usize;
                let refuted = (0..=n).any(|i| {
                    let t = i as f64 / n.max(1) as f64;
                    let p = Pose {
                        x_m: from.x_m + (to.x_m - from.x_m) * t,
                        y_m: from.y_m + (to.y_m - from.y_m) * t,
                        ..*from
                    };
                    rule.refutes(body.probes_at(&p))
                });
                !refuted && rule.covers(&sweep)
            }
        }
        Motion::Pivot { at, delta_rad, .. } => {
            let n = ((delta_rad.abs() / PIVOT_STEP_RAD).ceil() as usize).max(1);
            let refuted = (0..=n).any(|i| {
                let p = Pose {
                    yaw_rad: at.yaw_rad + delta_rad * i as f64 / n as f64,
                    ..*at
                };
                rule.refutes(body.probes_at(&p))
            });
            !refuted
                && body
                    .sweep_pivot(at, *delta_rad, PIVOT_STEP_RAD)
                    .iter()
                    .all(|h| rule.covers(h))
        }
        Motion::Curve { poses, .. } => {
            // every sampled footprint lies inside the sweep
            // (every other one is enough to refute most)
            !poses.iter().step_by(2).any(|p| rule.refutes(body.probes_at(p)))
                && curve_sweeps(body, poses).all(|h| rule.covers(&h))
        }
    }
}

/// Conservative sweep of a sampled curve: hulls of groups of consecutive footprints (a hull of
/// several footprints contains the true swept area between them).
fn curve_sweeps<'a>(body: &'a Body, poses: &'a [Pose]) -> impl Iterator<Item = Polygon<f64>> + 'a {
    const GROUP: usize = 4;
    let starts = (0..poses.len().saturating_sub(1)).step_by(GROUP);
    starts.map(move |i| {
        let j = (i + GROUP).min(poses.len() - 1);
        let pts: Vec<Coord<f64>> = poses[i..=j].iter().flat_map(|p| body.footprint_at(p)).collect();
        super::pose::hull(pts)
    })
}

/// What the connector knows about where it is.
#[derive(Clone, Copy, Debug)]
pub struct From {
    pub pose: Pose,
    /// How far the machine may reverse along its heading over ground it has just processed, metres.
    pub retreat_m: f64,
}

/// Motions from `from` to `to`, the cheapest valid candidate costing less than `budget_s`
/// seconds, or `None` when none keeps the rule. `kind` labels the motions (turn or transit).
pub fn connect(
    rule: &mut FootprintRule,
    body: &Body,
    m: &MachineProfile,
    from: From,
    to: Pose,
    kind: PathKind,
    budget_s: f64,
) -> Option<Vec<Motion>> {
    if from.pose.distance_m(&to) < 1e-6 {
        let mv: Vec<Motion> = pivot_to(from.pose, to.yaw_rad, kind).into_iter().collect();
        return mv.iter().all(|mo| motion_allowed(rule, body, mo)).then_some(mv);
    }
    let mut cands = candidates(m, from, to);
    // a machine with a turn radius is given a straight run-up where one fits: off a curve it
    // arrives with a heading error that the tracker takes a few metres to take out
    let curved = m.min_turn_radius_m > 0.0;
    let no_run_up = |c: &Candidate| curved && c.k < RUN_UP_M - 1e-9;
    cands.sort_by(|a, b| no_run_up(a).cmp(&no_run_up(b)).then(a.cost_s.total_cmp(&b.cost_s)));
    // Long straight links usually cross unprocessed ground and are slow to check: leave those to
    // the routed transit below.
    cands.retain(|c| !c.is_far(retreat_pose(from, c.d), approach_pose(to, c.k)));
    let tries = if m.min_turn_radius_m > 0.0 {
        MAX_CHECKED_DUBINS
    } else {
        2 * MAX_CHECKED_PER_SHAPE
    };
    // Candidates share motions (the same retreat, the same pivot): check each motion once.
    let mut memo: std::collections::HashMap<[i64; 9], bool> = std::collections::HashMap::new();
    let mut direct = None;
    for c in cands.iter().filter(|c| c.cost_s < budget_s).take(tries) {
        // a curve over unprocessed ground is refuted from a few footprints along it before it is
        // sampled in full
        if let Some(p) = &c.dubins {
            let coarse = p.sample_many(COARSE_STEP_M);
            if coarse
                .iter()
                .any(|q| rule.refutes(body.probes_at(&Pose::new(q.x(), q.y(), q.rot()))))
            {
                continue;
            }
        }
        let Some(motions) = build(c, m, from, to, kind) else {
            continue;
        };
        if motions.iter().all(|mo| {
            *memo
                .entry(motion_key(mo))
                .or_insert_with(|| motion_allowed(rule, body, mo))
        }) {
            direct = Some(motions);
            break;
        }
    }
    if direct.is_some() || budget_s.is_finite() {
        return direct;
    }
    routed(rule, body, m, from, to, kind)
}

/// Straight run-up before a pass that a machine with a turn radius is given where it fits, metres.
pub const RUN_UP_M: f64 = 2.0;

/// Length of a forward link beyond which a connection is left to the routed transit, metres.
pub const FAR_M: f64 = 25.0;

/// A transit routed over allowed ground: from the pose itself or after running on out of the lane,
/// to the pass start or a short run-up behind it; for a machine with a turn radius, a shunt of
/// forward and reverse arcs ([`super::lattice`]).
fn routed(
    rule: &mut FootprintRule,
    body: &Body,
    m: &MachineProfile,
    from: From,
    to: Pose,
    kind: PathKind,
) -> Option<Vec<Motion>> {
    if m.min_turn_radius_m > 0.0 {
        // shunting with forward and reverse arcs: the search reverses out of the lane itself
        return super::lattice::route(rule, body, m, from.pose, to, kind);
    }
    let reach = m.implement_x_m() + m.pivot_radius_m() + 2.0;
    let fh = from.pose.heading();
    let h = to.heading();
    for d in [
        0.0,
        -reach,
        from.retreat_m,
        from.retreat_m + reach,
        from.retreat_m + 3.0 * reach,
    ] {
        let q = Pose {
            x_m: from.pose.x_m - fh.x * d,
            y_m: from.pose.y_m - fh.y * d,
            ..from.pose
        };
        let mut head = Vec::new();
        if d != 0.0 {
            let direction = if d > 0.0 {
                Direction::Reverse
            } else {
                Direction::Forward
            };
            let mo = Motion::Straight {
                from: from.pose,
                to: q,
                direction,
                implement: false,
                kind,
            };
            if !motion_allowed(rule, body, &mo) {
                continue;
            }
            head.push(mo);
        }
        for k in [0.0, reach] {
            let s = Pose {
                x_m: to.x_m - h.x * k,
                y_m: to.y_m - h.y * k,
                ..to
            };
            let Some(mid) = super::transit::route(rule, body, m, q, s, kind) else {
                continue;
            };
            let mut mv = head.clone();
            mv.extend(mid);
            if k > 0.0 {
                let run_up = Motion::Straight {
                    from: s,
                    to,
                    direction: Direction::Forward,
                    implement: false,
                    kind,
                };
                if !motion_allowed(rule, body, &run_up) {
                    continue;
                }
                mv.push(run_up);
            }
            return Some(mv);
        }
    }
    None
}

/// A motion quantised to 0.1 mm / 1 µrad, for the memo of checks.
fn motion_key(mo: &Motion) -> [i64; 9] {
    let q = |v: f64| (v * 1e4).round() as i64;
    let qa = |v: f64| (v * 1e6).round() as i64;
    match mo {
        Motion::Straight {
            from, to, direction, ..
        } => [
            0,
            q(from.x_m),
            q(from.y_m),
            qa(from.yaw_rad),
            q(to.x_m),
            q(to.y_m),
            *direction as i64,
            0,
            0,
        ],
        Motion::Pivot { at, delta_rad, .. } => [1, q(at.x_m), q(at.y_m), qa(at.yaw_rad), qa(*delta_rad), 0, 0, 0, 0],
        Motion::Curve { poses, .. } => {
            // the middle pose too: curves of different shapes can share their ends and length
            let (a, b, c) = (poses[0], poses[poses.len() - 1], poses[poses.len() / 2]);
            [
                2,
                q(a.x_m),
                q(a.y_m),
                qa(a.yaw_rad),
                q(b.x_m),
                q(b.y_m),
                qa(b.yaw_rad) ^ (poses.len() as i64) << 40,
                q(c.x_m),
                q(c.y_m),
            ]
        }
    }
}

/// One candidate manoeuvre, not yet built: retreat `d` along the current heading (negative: run on
/// forward), a link of `shape` to the point `k` behind the target pose, a straight run-up onto it.
/// Its cost is known without sampling its curve, so only the candidates actually checked are built.
#[derive(Clone, Copy, Debug)]
struct Candidate {
    cost_s: f64,
    d: f64,
    k: f64,
    shape: ManeuverShape,
    /// The Dubins path of a curved link.
    dubins: Option<DubinsPath>,
}

impl Candidate {
    /// A straight forward link longer than [`FAR_M`] (left to the routed transit).
    fn is_far(&self, q: Pose, s: Pose) -> bool {
        -self.d > FAR_M || self.k > FAR_M || (self.shape == ManeuverShape::PivotForward && q.distance_m(&s) > FAR_M)
    }
}

fn retreat_pose(from: From, d: f64) -> Pose {
    let fh = from.pose.heading();
    Pose {
        x_m: from.pose.x_m - fh.x * d,
        y_m: from.pose.y_m - fh.y * d,
        ..from.pose
    }
}

fn approach_pose(to: Pose, k: f64) -> Pose {
    let h = to.heading();
    Pose {
        x_m: to.x_m - h.x * k,
        y_m: to.y_m - h.y * k,
        ..to
    }
}

fn straight(from: Pose, to: Pose, direction: Direction, kind: PathKind) -> Motion {
    Motion::Straight {
        from,
        to,
        direction,
        implement: false,
        kind,
    }
}

fn candidates(m: &MachineProfile, from: From, to: Pose) -> Vec<Candidate> {
    let mut retreats = vec![0.0];
    for f in [0.25, 0.5, 0.75, 1.0] {
        retreats.push(from.retreat_m * f);
    }
    retreats.extend([from.retreat_m + 2.0, from.retreat_m + 5.0]);
    retreats.dedup_by(|a, b| (*a - *b).abs() < 0.05);
    // Approach from behind the pass start: short run-ups, and the retreat depths again so that a
    // machine back on its baseline can shift sideways and drive straight in.
    let mut approaches = vec![0.0, 2.0, 4.0, 8.0];
    approaches.extend(retreats.iter().filter(|&&d| d > 8.0));
    let shapes: Vec<ManeuverShape> = if m.min_turn_radius_m <= 0.0 {
        vec![ManeuverShape::PivotForward, ManeuverShape::PivotReverse]
    } else {
        PathType::ALL.iter().map(|t| ManeuverShape::Dubins(*t)).collect()
    };
    // Negative retreats run on forward first: out of the hazard onto safe ground beyond a lane end.
    let reach = m.implement_x_m() + m.pivot_radius_m();
    retreats.extend([-2.0, -reach / 2.0, -reach, -reach - 2.0]);
    let mut out = Vec::new();
    let v = m.transit_speed_mps;
    for &d in &retreats {
        let q = retreat_pose(from, d);
        let head_s = if d > 0.0 {
            travel_time_s(d, m.reverse_speed_mps, m)
        } else {
            travel_time_s(-d, v, m)
        };
        for &k in approaches.iter() {
            let s = approach_pose(to, k);
            let tail_s = travel_time_s(k, v, m);
            for &shape in &shapes {
                let (link_s, dubins) = match shape {
                    ManeuverShape::PivotForward | ManeuverShape::PivotReverse => {
                        let mut mv = Vec::new();
                        link(&mut mv, m, q, s, shape, PathKind::Turn, None);
                        (mv.iter().map(|mo| mo.duration_s(m)).sum(), None)
                    }
                    ManeuverShape::Dubins(t) => {
                        let q0 = PosRot::from_floats(q.x_m, q.y_m, q.yaw_rad);
                        let q1 = PosRot::from_floats(s.x_m, s.y_m, s.yaw_rad);
                        let Ok(path) = DubinsPath::new(q0, q1, m.min_turn_radius_m, t) else {
                            continue;
                        };
                        (travel_time_s(path.length(), v, m), Some(path))
                    }
                };
                out.push(Candidate {
                    cost_s: head_s + link_s + tail_s,
                    d,
                    k,
                    shape,
                    dubins,
                });
            }
        }
    }
    out
}

/// The motions of a candidate; `None` if its link cannot be built.
fn build(c: &Candidate, m: &MachineProfile, from: From, to: Pose, kind: PathKind) -> Option<Vec<Motion>> {
    let q = retreat_pose(from, c.d);
    let s = approach_pose(to, c.k);
    let mut mv = Vec::new();
    if c.d != 0.0 {
        let direction = if c.d > 0.0 {
            Direction::Reverse
        } else {
            Direction::Forward
        };
        mv.push(straight(from.pose, q, direction, kind));
    }
    if !link(&mut mv, m, q, s, c.shape, kind, c.dubins.as_ref()) {
        return None;
    }
    if c.k > 0.0 {
        mv.push(straight(s, to, Direction::Forward, kind));
    }
    Some(mv)
}

/// Append the motions from `q` to `s` (both poses with their yaws) of one shape; false if impossible.
fn link(
    mv: &mut Vec<Motion>,
    m: &MachineProfile,
    q: Pose,
    s: Pose,
    shape: ManeuverShape,
    kind: PathKind,
    dubins: Option<&DubinsPath>,
) -> bool {
    let dist = q.distance_m(&s);
    match shape {
        ManeuverShape::PivotForward | ManeuverShape::PivotReverse => {
            let mut at = q;
            if dist > 1e-6 {
                let bearing = (s.y_m - q.y_m).atan2(s.x_m - q.x_m);
                let (face, direction) = match shape {
                    ManeuverShape::PivotForward => (bearing, Direction::Forward),
                    _ => (bearing + std::f64::consts::PI, Direction::Reverse),
                };
                mv.extend(pivot_to(at, face, kind));
                at.yaw_rad = face;
                let to = Pose { yaw_rad: face, ..s };
                mv.push(straight(at, to, direction, kind));
                at = to;
            }
            mv.extend(pivot_to(at, s.yaw_rad, kind));
            true
        }
        ManeuverShape::Dubins(t) => {
            let path = match dubins {
                Some(p) => *p,
                None => {
                    let q0 = PosRot::from_floats(q.x_m, q.y_m, q.yaw_rad);
                    let q1 = PosRot::from_floats(s.x_m, s.y_m, s.yaw_rad);
                    let Ok(path) = DubinsPath::new(q0, q1, m.min_turn_radius_m, t) else {
                        return false;
                    };
                    path
                }
            };
            let mut poses: Vec<Pose> = path
                .sample_many(CURVE_STEP_M)
                .iter()
                .map(|p| Pose::new(p.x(), p.y(), p.rot()))
                .collect();
            poses.push(s);
            if poses.len() < 2 {
                return false;
            }
            mv.push(Motion::Curve {
                poses,
                direction: Direction::Forward,
                kind,
            });
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{MultiPolygon, Rect};

    fn rule_with(rects: &[(f64, f64, f64, f64)]) -> FootprintRule {
        FootprintRule::new(&MultiPolygon::new(
            rects
                .iter()
                .map(|&(a, b, c, d)| Rect::new((a, b), (c, d)).to_polygon())
                .collect(),
        ))
    }

    #[test]
    fn pivot_machine_turns_in_open_safe_ground() {
        let m = MachineProfile::default_profile();
        let body = Body::new(&m);
        let mut rule = rule_with(&[(-50.0, -50.0, 50.0, 50.0)]);
        let from = From {
            pose: Pose::new(0.0, 0.0, 0.0),
            retreat_m: 0.0,
        };
        let mv = connect(
            &mut rule,
            &body,
            &m,
            from,
            Pose::new(0.0, 5.0, std::f64::consts::PI),
            PathKind::Turn,
            f64::INFINITY,
        )
        .expect("open ground");
        assert!(mv.iter().any(|x| matches!(x, Motion::Pivot { .. })));
        let end = mv.last().unwrap().end();
        assert!(end.distance_m(&Pose::new(0.0, 5.0, 0.0)) < 1e-9);
    }

    #[test]
    fn reverses_along_a_narrow_lane_when_it_cannot_turn_there() {
        let m = MachineProfile::default_profile();
        let body = Body::new(&m);
        // a 1.9 m wide processed lane going north from a wide safe road at y < 0
        let mut rule = rule_with(&[(-50.0, -10.0, 50.0, 0.0), (-0.95, -1.0, 0.95, 40.0)]);
        let from = From {
            pose: Pose::new(0.0, 35.0, std::f64::consts::FRAC_PI_2),
            retreat_m: 40.0,
        };
        let to = Pose::new(1.6, -3.0, std::f64::consts::FRAC_PI_2);
        let mv = connect(&mut rule, &body, &m, from, to, PathKind::Turn, f64::INFINITY).expect("reverse then shift");
        assert!(matches!(
            mv[0],
            Motion::Straight {
                direction: Direction::Reverse,
                ..
            }
        ));
        for x in &mv {
            assert!(motion_allowed(&mut rule, &body, x));
        }
    }

    #[test]
    fn no_way_out_is_none() {
        let m = MachineProfile::default_profile();
        let body = Body::new(&m);
        let mut rule = rule_with(&[(-0.95, -1.5, 0.95, 40.0)]);
        let from = From {
            pose: Pose::new(0.0, 35.0, std::f64::consts::FRAC_PI_2),
            retreat_m: 30.0,
        };
        assert!(connect(
            &mut rule,
            &body,
            &m,
            from,
            Pose::new(5.0, 0.0, 0.0),
            PathKind::Turn,
            f64::INFINITY
        )
        .is_none());
    }

    #[test]
    fn dubins_machine_uses_curves() {
        let m = MachineProfile::load(std::path::Path::new("machines/large_tiller.yaml")).unwrap();
        let body = Body::new(&m);
        let mut rule = rule_with(&[(-60.0, -60.0, 60.0, 60.0)]);
        let from = From {
            pose: Pose::new(0.0, 0.0, 0.0),
            retreat_m: 0.0,
        };
        let mv = connect(
            &mut rule,
            &body,
            &m,
            from,
            Pose::new(0.0, 3.0, std::f64::consts::PI),
            PathKind::Turn,
            f64::INFINITY,
        )
        .expect("open ground");
        assert!(mv.iter().any(|x| matches!(x, Motion::Curve { .. })));
        assert!(!mv.iter().any(|x| matches!(x, Motion::Pivot { .. })));
    }
}
