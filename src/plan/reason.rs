//! Why ground is left unprocessed: every residual polygon and every pass the planner could not
//! drive carries one of these, so that a supervisor reads where and why, not only how much.

use super::site::Site;
use geo::{Area, BooleanOps, Coord, MultiPolygon, Polygon};
use serde::Serialize;

/// The cause of a residual piece or of an unreachable pass (`reason` in the plan's GeoJSON).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Within the machine's obstacle clearance: the implement may never go there.
    ObstacleClearance,
    /// A corner of the hazard sharper than the processing line can reach into.
    AcuteCorner,
    /// The pass itself keeps the footprint rule, but no manoeuvre on allowed ground reaches its
    /// start (no room to turn).
    NoTurnRoom,
    /// The machine would stand on unprocessed hazard to process it: no allowed ground to stand on.
    Unreachable,
    /// A sliver below the smallest area worth a pass (`gap_fill_min_m2`).
    Sliver,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::ObstacleClearance => "obstacle_clearance",
            Reason::AcuteCorner => "acute_corner",
            Reason::NoTurnRoom => "no_turn_room",
            Reason::Unreachable => "unreachable",
            Reason::Sliver => "sliver",
        }
    }

    /// Plain words for the operator.
    pub fn explain(self) -> &'static str {
        match self {
            Reason::ObstacleClearance => "within the machine's obstacle clearance",
            Reason::AcuteCorner => "a corner too sharp for the processing line",
            Reason::NoTurnRoom => "no room on safe or processed ground to turn onto the pass",
            Reason::Unreachable => "no safe or processed ground to stand on while processing it",
            Reason::Sliver => "a sliver smaller than a pass is worth",
        }
    }
}

/// A pass the planner could not drive: its strip and why.
#[derive(Clone, Debug)]
pub struct Unreached {
    pub strip: Polygon<f64>,
    pub reason: Reason,
}

/// Interior angle of the hazard's rings below which a vertex counts as an acute corner, radians (60°).
const ACUTE_RAD: f64 = std::f64::consts::FRAC_PI_3;

/// The reason of one residual piece.
///
/// In order: mostly inside an obstacle's clearance zone; mostly under passes that keep the rule
/// but could not be turned onto (`no_turn_room`, together); mostly under one pass that could not be
/// driven (its reason); beside an acute corner of the hazard (within one working width); smaller
/// than a pass is worth; otherwise unreachable.
pub fn classify(piece: &Polygon<f64>, site: &Site, unreached: &[Unreached], width_m: f64, min_m2: f64) -> Reason {
    let a = piece.unsigned_area().max(1e-12);
    let one = MultiPolygon::new(vec![piece.clone()]);
    if !site.forbidden.0.is_empty() && one.intersection(&site.forbidden).unsigned_area() >= 0.5 * a {
        return Reason::ObstacleClearance;
    }
    // Ground that a pass keeping the rule would process, had there been room to turn onto it, is
    // reachable in principle: say so even where other passes over it (along another axis, from
    // nowhere to stand) could not be driven either.
    let no_room: Vec<&Polygon<f64>> = unreached
        .iter()
        .filter(|u| u.reason == Reason::NoTurnRoom)
        .map(|u| &u.strip)
        .collect();
    if !no_room.is_empty() && one.intersection(&geo::unary_union(no_room)).unsigned_area() >= 0.5 * a {
        return Reason::NoTurnRoom;
    }
    let mut best = (0.0, None);
    for u in unreached {
        let o = one.intersection(&u.strip).unsigned_area();
        if o > best.0 {
            best = (o, Some(u.reason));
        }
    }
    if let (o, Some(r)) = best {
        if o >= 0.5 * a {
            return r;
        }
    }
    if near_acute_corner(piece, site, width_m) {
        return Reason::AcuteCorner;
    }
    if a < min_m2 {
        return Reason::Sliver;
    }
    best.1.unwrap_or(Reason::Unreachable)
}

fn near_acute_corner(piece: &Polygon<f64>, site: &Site, width_m: f64) -> bool {
    use geo::{Distance, Euclidean, Point};
    for p in &site.hazard.0 {
        for r in std::iter::once(p.exterior()).chain(p.interiors()) {
            let c: Vec<Coord<f64>> = r.0.clone();
            if c.len() < 4 {
                continue;
            }
            let n = c.len() - 1; // closed ring
            for i in 0..n {
                let prev = c[(i + n - 1) % n];
                let (v, next) = (c[i], c[(i + 1) % n]);
                let (a, b) = (prev - v, next - v);
                let (la, lb) = (a.x.hypot(a.y), b.x.hypot(b.y));
                if la < 1e-9 || lb < 1e-9 {
                    continue;
                }
                let ang = ((a.x * b.x + a.y * b.y) / (la * lb)).clamp(-1.0, 1.0).acos();
                // only corners pointing out of the hazard trap ground: the hazard lies on the left
                // of its rings (shells counter-clockwise, holes clockwise), so those turn left
                let left = (v.x - prev.x) * (next.y - v.y) - (v.y - prev.y) * (next.x - v.x) > 0.0;
                if left && ang < ACUTE_RAD && Euclidean.distance(&Point::from(v), piece) <= width_m {
                    return true;
                }
            }
        }
    }
    false
}
