//! Transits: routes over allowed ground between places a single manoeuvre cannot join, for
//! machines that pivot. A* over a 1 m lattice whose nodes are places where the machine can likely
//! turn on the spot (the disc its footprint sweeps, grown by half a lattice diagonal, covers only
//! raster cells whose centres are allowed), then shortcuts between nodes where the straight sweep
//! is allowed. The raster only proposes: every motion of the result is checked exactly before it
//! is returned.

use super::maneuver::motion_allowed;
use super::motion::{pivot_to, Direction, Motion, PathKind};
use super::pose::{Body, Pose};
use super::rule::FootprintRule;
use crate::machine::MachineProfile;
use geo::Coord;
use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

/// Lattice spacing, metres.
const STEP_M: f64 = 1.0;
/// Most nodes expanded before giving up.
const MAX_EXPANSIONS: usize = 60_000;

/// An entry of a search's open set: [`BinaryHeap`] pops the lowest cost first (the payload
/// takes no part in the order). Shared by this grid search and [`super::lattice`].
#[derive(PartialEq)]
pub(crate) struct Open<T>(pub f64, pub T);
impl<T: PartialEq> Eq for Open<T> {}
impl<T: PartialEq> PartialOrd for Open<T> {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl<T: PartialEq> Ord for Open<T> {
    fn cmp(&self, o: &Self) -> Ordering {
        o.0.total_cmp(&self.0)
    }
}

/// Route from `from` to `to` (both poses on allowed ground where the machine can pivot), or `None`.
pub fn route(
    rule: &mut FootprintRule,
    body: &Body,
    m: &MachineProfile,
    from: Pose,
    to: Pose,
    kind: PathKind,
) -> Option<Vec<Motion>> {
    if m.min_turn_radius_m > 0.0 {
        return None;
    }
    let mask = rule.mask()?;
    let r = m.pivot_radius_m().hypot(STEP_M * std::f64::consts::FRAC_1_SQRT_2);
    let origin = from.xy();
    let at = |n: (i32, i32)| Coord {
        x: origin.x + n.0 as f64 * STEP_M,
        y: origin.y + n.1 as f64 * STEP_M,
    };
    let goal = (
        ((to.x_m - origin.x) / STEP_M).round() as i32,
        ((to.y_m - origin.y) / STEP_M).round() as i32,
    );
    let mut ok: HashMap<(i32, i32), bool> = HashMap::new();
    let mut valid = |n: (i32, i32)| *ok.entry(n).or_insert_with(|| mask.disc_allowed(at(n), r));
    if !valid((0, 0)) || !valid(goal) {
        return None;
    }
    let h = |n: (i32, i32)| (((n.0 - goal.0) as f64).hypot((n.1 - goal.1) as f64)) * STEP_M;
    let mut g: HashMap<(i32, i32), f64> = HashMap::from([((0, 0), 0.0)]);
    let mut came: HashMap<(i32, i32), (i32, i32)> = HashMap::new();
    let mut open = BinaryHeap::from([Open(h((0, 0)), (0, 0))]);
    let mut expansions = 0;
    let mut found = false;
    while let Some(Open(_, n)) = open.pop() {
        if n == goal {
            found = true;
            break;
        }
        expansions += 1;
        if expansions > MAX_EXPANSIONS {
            return None;
        }
        let gn = g[&n];
        for (dx, dy) in [(1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (1, -1), (-1, 1), (-1, -1)] {
            let nb = (n.0 + dx, n.1 + dy);
            let cost = gn + ((dx * dx + dy * dy) as f64).sqrt() * STEP_M;
            if g.get(&nb).is_some_and(|&old| old <= cost) || !valid(nb) {
                continue;
            }
            g.insert(nb, cost);
            came.insert(nb, n);
            open.push(Open(cost + h(nb), nb));
        }
    }
    if !found {
        return None;
    }
    let mut nodes = vec![goal];
    while let Some(&p) = came.get(nodes.last().expect("non-empty")) {
        nodes.push(p);
    }
    nodes.reverse();
    // Waypoints: exact start and goal positions at the ends, lattice nodes between.
    let mut pts: Vec<Coord<f64>> = nodes.iter().map(|&n| at(n)).collect();
    pts[0] = from.xy();
    *pts.last_mut().expect("non-empty") = to.xy();
    // Shortcut greedily where the straight sweep is allowed.
    let mut keep = vec![pts[0]];
    let mut i = 0;
    while i + 1 < pts.len() {
        let mut j = pts.len() - 1;
        while j > i + 1 {
            let (a, b) = (pts[i], pts[j]);
            let yaw = (b.y - a.y).atan2(b.x - a.x);
            if rule.covers(&body.sweep_straight(&Pose::new(a.x, a.y, yaw), &Pose::new(b.x, b.y, yaw))) {
                break;
            }
            j -= 1;
        }
        keep.push(pts[j]);
        i = j;
    }
    let mut mv = Vec::new();
    let mut pose = from;
    for w in keep.windows(2) {
        let (a, b) = (w[0], w[1]);
        if (b.x - a.x).hypot(b.y - a.y) < 1e-6 {
            continue;
        }
        let yaw = (b.y - a.y).atan2(b.x - a.x);
        mv.extend(pivot_to(pose, yaw, kind));
        let next = Pose::new(b.x, b.y, yaw);
        mv.push(Motion::Straight {
            from: Pose { yaw_rad: yaw, ..pose },
            to: next,
            direction: Direction::Forward,
            implement: false,
            kind,
        });
        pose = next;
    }
    mv.extend(pivot_to(pose, to.yaw_rad, kind));
    mv.iter().all(|mo| motion_allowed(rule, body, mo)).then_some(mv)
}
