//! Stage 5: manoeuvres for machines that cannot turn on the spot (a minimum turn radius above 0).
//!
//! Where no single manoeuvre of [`super::maneuver`] fits, a driver of a tracked machine shunts:
//! reverses out along the lane just processed, makes a three-point turn on the road, shifts
//! sideways with forward and reverse arcs. This module searches for such a sequence with a
//! hybrid A* (Dolgov, Thrun, Montemerlo, Diebel 2008): from the machine's pose it expands short
//! motions of [`STEP_M`] — forward or in reverse, turning left or right at the minimum radius or
//! straight — keeping one pose per cell of a position × heading grid, and from time to time tries
//! to finish with a Dubins curve driven forward or in reverse, which reaches the goal pose exactly.
//!
//! The cost is the same as the manoeuvres' (seconds at transit or reverse speed) plus a stop and
//! a start at every change of direction. Every motion expanded is checked with the footprint rule
//! ([`motion_allowed`]), so the search only walks allowed ground, and the motions returned are
//! checked again as they will be emitted.

use super::check::off_course;
use super::maneuver::{motion_allowed, CURVE_STEP_M, RUN_UP_M};
use super::motion::{travel_time_s, Direction, Motion, PathKind};
use super::pose::{angle_diff, Body, Pose};
use super::rule::FootprintRule;
use crate::machine::MachineProfile;
use dubins_paths::f64::{DubinsPath, PosRot};
use std::collections::{BinaryHeap, HashMap};

/// Length of one expanded motion, metres (four curve samples: the groups the curve check hulls).
pub const STEP_M: f64 = 4.0 * CURVE_STEP_M;
/// Position cell of the search grid, metres.
const CELL_M: f64 = 0.5;
/// Heading cells of the search grid.
const HEADINGS: f64 = 72.0;
/// Most poses expanded per search before giving up.
pub const MAX_EXPANSIONS: usize = 6_000;
/// Inflation of the heuristic (a slightly greedy search finds a manoeuvre sooner).
const GREED: f64 = 1.3;
/// Farthest from the goal a finishing Dubins curve is tried, metres.
const SHOT_M: f64 = 40.0;

#[derive(Clone, Copy, Debug)]
struct Node {
    pose: Pose,
    g: f64,
    /// +1 forward, -1 reverse, 0 at the start.
    dir: i8,
    /// Signed curvature of the motion that reached it, 1/m.
    kappa: f64,
    parent: usize,
}

use super::transit::Open;

/// The poses of an arc of signed curvature `kappa` (1/m) driven `s` metres (negative: in
/// reverse) from `p`, every [`CURVE_STEP_M`], `p` included.
pub fn arc(p: Pose, s: f64, kappa: f64) -> Vec<Pose> {
    let n = ((s.abs() / CURVE_STEP_M).ceil() as usize).max(1);
    (0..=n)
        .map(|i| {
            let t = s * i as f64 / n as f64;
            if kappa.abs() < 1e-12 {
                Pose {
                    x_m: p.x_m + t * p.yaw_rad.cos(),
                    y_m: p.y_m + t * p.yaw_rad.sin(),
                    ..p
                }
            } else {
                let yaw = p.yaw_rad + kappa * t;
                Pose::new(
                    p.x_m + (yaw.sin() - p.yaw_rad.sin()) / kappa,
                    p.y_m - (yaw.cos() - p.yaw_rad.cos()) / kappa,
                    yaw,
                )
            }
        })
        .collect()
}

/// A Dubins curve from `a` to `b` at radius `r`, driven forward or in reverse (the body's yaws,
/// in the order driven), or `None` when there is none.
pub fn dubins(a: Pose, b: Pose, r: f64, direction: Direction) -> Option<Vec<Pose>> {
    // reversing, the way travelled is the forward Dubins curve of the flipped headings
    let flip = if direction == Direction::Reverse {
        std::f64::consts::PI
    } else {
        0.0
    };
    let q0 = PosRot::from_floats(a.x_m, a.y_m, a.yaw_rad + flip);
    let q1 = PosRot::from_floats(b.x_m, b.y_m, b.yaw_rad + flip);
    let path = DubinsPath::shortest_from(q0, q1, r).ok()?;
    // evenly spaced samples, the end pose exact
    let len = path.length();
    let n = ((len / CURVE_STEP_M).ceil() as usize).max(1);
    let mut poses: Vec<Pose> = (0..n)
        .map(|i| {
            let q = path.sample(len * i as f64 / n as f64);
            Pose::new(q.x(), q.y(), q.rot() - flip)
        })
        .collect();
    poses.push(b);
    Some(poses)
}

/// A curve or a straight of the given poses, driven in `direction`.
fn motion_of(poses: Vec<Pose>, direction: Direction, kind: PathKind) -> Motion {
    let (a, b) = (poses[0], poses[poses.len() - 1]);
    if poses.iter().all(|p| angle_diff(a.yaw_rad, p.yaw_rad).abs() < 1e-9) {
        Motion::Straight {
            from: a,
            to: Pose {
                yaw_rad: a.yaw_rad,
                ..b
            },
            direction,
            implement: false,
            kind,
        }
    } else {
        Motion::Curve { poses, direction, kind }
    }
}

fn direction_of(dir: i8) -> Direction {
    if dir < 0 {
        Direction::Reverse
    } else {
        Direction::Forward
    }
}

/// A manoeuvre of forward and reverse motions at the minimum turn radius from `from` to `to` over
/// allowed ground, or `None` (no turn radius, no raster, or nothing found within the search's
/// bounds). It ends with a straight run-up of [`RUN_UP_M`] onto `to` where one fits. Every motion
/// returned keeps the footprint rule.
pub fn route(
    rule: &mut FootprintRule,
    body: &Body,
    m: &MachineProfile,
    from: Pose,
    to: Pose,
    kind: PathKind,
) -> Option<Vec<Motion>> {
    let h = to.heading();
    let s = Pose {
        x_m: to.x_m - h.x * RUN_UP_M,
        y_m: to.y_m - h.y * RUN_UP_M,
        ..to
    };
    let run_up = Motion::Straight {
        from: s,
        to,
        direction: Direction::Forward,
        implement: false,
        kind,
    };
    if motion_allowed(rule, body, &run_up) {
        if let Some(mut mv) = search(rule, body, m, from, s, kind) {
            mv.push(run_up);
            return Some(mv);
        }
    }
    search(rule, body, m, from, to, kind)
}

fn search(
    rule: &mut FootprintRule,
    body: &Body,
    m: &MachineProfile,
    from: Pose,
    to: Pose,
    kind: PathKind,
) -> Option<Vec<Motion>> {
    let r = m.min_turn_radius_m;
    if r <= 0.0 || rule.mask().is_none() {
        return None;
    }
    // the goal must be a place the machine may stand
    if !rule.covers(&body.footprint_polygon(&to)) {
        return None;
    }
    let (vf, vr) = (m.transit_speed_mps, m.reverse_speed_mps.min(m.transit_speed_mps));
    // time lost stopping and starting again at a change of direction
    let cusp_s = travel_time_s(STEP_M, vr, m) - STEP_M / vr;
    let h = |p: &Pose| -> f64 {
        let d = p.distance_m(&to);
        let turn = angle_diff(p.yaw_rad, to.yaw_rad).abs() * r;
        d.max(turn) / vf
    };
    let key = |p: &Pose| -> (i32, i32, i32) {
        (
            (p.x_m / CELL_M).floor() as i32,
            (p.y_m / CELL_M).floor() as i32,
            (p.yaw_rad.rem_euclid(std::f64::consts::TAU) / std::f64::consts::TAU * HEADINGS).floor() as i32
                % HEADINGS as i32,
        )
    };
    let mut nodes = vec![Node {
        pose: from,
        g: 0.0,
        dir: 0,
        kappa: 0.0,
        parent: usize::MAX,
    }];
    let mut best: HashMap<(i32, i32, i32), f64> = HashMap::from([(key(&from), 0.0)]);
    let mut open = BinaryHeap::from([Open(GREED * h(&from), 0)]);
    let mut expanded = 0;
    let mut shot: Option<(usize, Vec<Pose>, Direction)> = None;
    while let Some(Open(_, i)) = open.pop() {
        let n = nodes[i];
        if best.get(&key(&n.pose)).is_some_and(|&g| g < n.g - 1e-9) {
            continue; // a cheaper node took this cell
        }
        expanded += 1;
        if expanded > MAX_EXPANSIONS {
            break;
        }
        // finish with a Dubins curve when the goal is near (every node close by, else now and then)
        let d = n.pose.distance_m(&to);
        if d < SHOT_M && (d < 3.0 * r || expanded % 4 == 1) {
            let mut found = None;
            for dir in [Direction::Forward, Direction::Reverse] {
                let Some(poses) = dubins(n.pose, to, r, dir) else {
                    continue;
                };
                if poses.len() < 2
                    || poses
                        .windows(2)
                        .any(|w| off_course(&w[0], &w[1], dir, 1.0 / r).is_some())
                {
                    continue;
                }
                let mo = motion_of(poses.clone(), dir, kind);
                if motion_allowed(rule, body, &mo) {
                    found = Some((poses, dir));
                    break;
                }
            }
            if let Some((poses, dir)) = found {
                shot = Some((i, poses, dir));
                break;
            }
        }
        for dir in [1i8, -1] {
            for steer in [-1.0, 0.0, 1.0] {
                let poses = arc(n.pose, dir as f64 * STEP_M, steer / r);
                let end = *poses.last().expect("arcs have poses");
                let speed = if dir > 0 { vf } else { vr };
                let g = n.g + STEP_M / speed + if n.dir != 0 && n.dir != dir { cusp_s } else { 0.0 };
                let k = key(&end);
                if best.get(&k).is_some_and(|&old| old <= g) {
                    continue;
                }
                let mo = motion_of(poses, direction_of(dir), kind);
                if !motion_allowed(rule, body, &mo) {
                    continue;
                }
                best.insert(k, g);
                nodes.push(Node {
                    pose: end,
                    g,
                    dir,
                    kappa: steer / r,
                    parent: i,
                });
                open.push(Open(g + GREED * h(&end), nodes.len() - 1));
            }
        }
    }
    let (last, tail, tail_dir) = shot?;
    // the chain of expanded motions back to the start
    let mut chain = Vec::new();
    let mut j = last;
    while j != 0 {
        chain.push(j);
        j = nodes[j].parent;
    }
    chain.reverse();
    let mut runs: Vec<(Direction, Vec<Pose>)> = Vec::new();
    let mut at = from;
    for &j in &chain {
        let n = nodes[j];
        let poses = arc(at, n.dir as f64 * STEP_M, n.kappa);
        let dir = direction_of(n.dir);
        match runs.last_mut() {
            Some((d, ps)) if *d == dir => ps.extend_from_slice(&poses[1..]),
            _ => runs.push((dir, poses)),
        }
        at = n.pose;
    }
    match runs.last_mut() {
        Some((d, ps)) if *d == tail_dir => ps.extend_from_slice(&tail[1..]),
        _ => runs.push((tail_dir, tail)),
    }
    let motions: Vec<Motion> = runs
        .into_iter()
        .filter(|(_, ps)| ps.len() >= 2)
        .map(|(d, ps)| motion_of(ps, d, kind))
        .collect();
    // the motions as emitted (runs of expanded motions joined into one) are checked again
    motions
        .iter()
        .all(|mo| motion_allowed(rule, body, mo))
        .then_some(motions)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{MultiPolygon, Rect};

    fn rule_with(rects: &[(f64, f64, f64, f64)]) -> FootprintRule {
        let safe = MultiPolygon::new(
            rects
                .iter()
                .map(|&(a, b, c, d)| Rect::new((a, b), (c, d)).to_polygon())
                .collect(),
        );
        FootprintRule::new(&safe).with_mask(Rect::new((-80.0, -80.0), (80.0, 80.0)), 0.25)
    }

    fn tiller() -> MachineProfile {
        MachineProfile::load(std::path::Path::new("machines/large_tiller.yaml")).unwrap()
    }

    #[test]
    fn arcs_end_where_they_say() {
        let p = Pose::new(1.0, 2.0, 0.3);
        let a = arc(p, 6.0 * std::f64::consts::FRAC_PI_2, 1.0 / 6.0);
        let e = a.last().unwrap();
        // a quarter circle left of radius 6 from heading 0.3
        let c = (1.0 - 6.0 * 0.3f64.sin(), 2.0 + 6.0 * 0.3f64.cos());
        assert!(((e.x_m - c.0).hypot(e.y_m - c.1) - 6.0).abs() < 1e-9);
        assert!((e.yaw_rad - (0.3 + std::f64::consts::FRAC_PI_2)).abs() < 1e-9);
        let back = arc(p, -2.0, 0.0);
        assert!((back.last().unwrap().distance_m(&p) - 2.0).abs() < 1e-9);
        assert!(back
            .windows(2)
            .all(|w| off_course(&w[0], &w[1], Direction::Reverse, 0.0).is_none()));
    }

    /// On an 8 m road a 6 m-radius machine facing across it shifts sideways by a lane without
    /// leaving the road: forward and reverse arcs with cusps, each motion on allowed ground.
    #[test]
    fn shifts_sideways_on_a_narrow_road() {
        let m = tiller();
        let body = Body::with_margin(&m, 0.1);
        // road y in -8..0 (the hazard north of it is not allowed)
        let mut rule = rule_with(&[(-60.0, -8.0, 60.0, 0.0)]);
        let from = Pose::new(0.0, -3.4, std::f64::consts::FRAC_PI_2);
        let to = Pose::new(2.7, -3.4, std::f64::consts::FRAC_PI_2);
        let mv = route(&mut rule, &body, &m, from, to, PathKind::Turn).expect("a shunt on the road");
        assert!(mv.iter().any(|x| x.direction() == Direction::Reverse));
        assert!(mv[0].start().distance_m(&from) < 1e-9);
        let end = mv.last().unwrap().end();
        assert!(end.distance_m(&to) < 1e-9 && angle_diff(end.yaw_rad, to.yaw_rad).abs() < 1e-9);
        for w in mv.windows(2) {
            assert!(w[0].end().distance_m(&w[1].start()) < 1e-9);
        }
        for x in &mv {
            assert!(motion_allowed(&mut rule, &body, x));
            assert!(!matches!(x, Motion::Pivot { .. }));
        }
    }

    #[test]
    fn a_goal_off_allowed_ground_is_none() {
        let m = tiller();
        let body = Body::new(&m);
        let mut rule = rule_with(&[(-60.0, -8.0, 60.0, 0.0)]);
        let from = Pose::new(0.0, -4.0, 0.0);
        assert!(route(&mut rule, &body, &m, from, Pose::new(0.0, 5.0, 0.0), PathKind::Turn).is_none());
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    fn steps_keep_the_limits(poses: &[Pose], r: f64, direction: Direction) -> Result<(), TestCaseError> {
        for w in poses.windows(2) {
            let d = w[0].distance_m(&w[1]);
            prop_assert!(d <= CURVE_STEP_M + 1e-9, "step {d} m");
            let dyaw = angle_diff(w[0].yaw_rad, w[1].yaw_rad).abs();
            prop_assert!(d < 1e-6 || dyaw / d <= 1.0 / r * 1.001 + 1e-9, "curvature {}", dyaw / d);
            prop_assert!(
                off_course(&w[0], &w[1], direction, 1.0 / r).is_none(),
                "{:?} step {:?} -> {:?}",
                direction,
                w[0],
                w[1]
            );
        }
        Ok(())
    }

    proptest! {
        /// An arc ends where its closed form says, every step along the body's yaw (forward) or
        /// against it (reverse), never tighter than its radius.
        #[test]
        fn arcs_end_where_they_say(
            x in -50.0f64..50.0, y in -50.0f64..50.0, yaw in -4.0f64..4.0,
            s in -12.0f64..12.0, steer in -1.0f64..1.0, r in 2.0f64..10.0,
        ) {
            let p = Pose::new(x, y, yaw);
            let kappa = steer / r;
            let poses = arc(p, s, kappa);
            let dir = if s < 0.0 { Direction::Reverse } else { Direction::Forward };
            steps_keep_the_limits(&poses, r, dir)?;
            let e = poses.last().unwrap();
            prop_assert!(angle_diff(yaw + kappa * s, e.yaw_rad).abs() < 1e-9);
            // the chord of an arc of length |s| and curvature κ
            let chord = if kappa.abs() < 1e-12 { s.abs() } else { (2.0 / kappa.abs() * (kappa * s / 2.0).sin()).abs() };
            prop_assert!((e.distance_m(&p) - chord).abs() < 1e-6, "{} vs {chord}", e.distance_m(&p));
        }

        /// A Dubins curve, forward or in reverse, starts and ends at the poses asked and keeps the
        /// radius and the direction on every step.
        #[test]
        fn dubins_curves_either_way_keep_the_limits(
            a in (-30.0f64..30.0, -30.0f64..30.0, -4.0f64..4.0),
            b in (-30.0f64..30.0, -30.0f64..30.0, -4.0f64..4.0),
            r in 2.0f64..10.0, reverse in any::<bool>(),
        ) {
            let (a, b) = (Pose::new(a.0, a.1, a.2), Pose::new(b.0, b.1, b.2));
            let dir = if reverse { Direction::Reverse } else { Direction::Forward };
            let poses = dubins(a, b, r, dir).expect("a Dubins path always exists");
            prop_assert!(poses[0].distance_m(&a) < 1e-6 && angle_diff(poses[0].yaw_rad, a.yaw_rad).abs() < 1e-6);
            let e = poses.last().unwrap();
            prop_assert!(e.distance_m(&b) < 1e-9 && angle_diff(e.yaw_rad, b.yaw_rad).abs() < 1e-9);
            steps_keep_the_limits(&poses, r, dir)?;
            let mo = motion_of(poses, dir, PathKind::Turn);
            prop_assert_eq!(mo.direction(), dir);
        }
    }
}
