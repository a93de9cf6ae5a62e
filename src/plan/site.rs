//! Stage 1: the field as the planner sees it, in the local ENU frame: what to process, where the
//! machine may stand from the start, and the zones the implement must keep out of.

use super::pose::Pose;
use crate::field::Field;
use crate::machine::MachineProfile;
use geo::{Area, BooleanOps, Buffer, Centroid, Coord, MultiPolygon, Orient};

/// The planning view of a field.
#[derive(Clone, Debug)]
pub struct Site {
    /// Hazard to process (holes excluded), exterior rings counter-clockwise.
    pub hazard: MultiPolygon<f64>,
    /// Ground the passes cover: the hazard, and where a safe area lies near it without touching,
    /// the bridge between them (processed like hazard, so that the machine can stand on it).
    pub target: MultiPolygon<f64>,
    pub safe: MultiPolygon<f64>,
    /// The obstacles themselves (never entered, never processed).
    pub obstacles: MultiPolygon<f64>,
    /// Obstacles grown by the machine's clearance: the implement never touches them.
    pub forbidden: MultiPolygon<f64>,
    pub hazard_m2: f64,
    /// Where the machine starts, if known; its yaw faces the hazard.
    pub start: Option<Pose>,
}

impl Site {
    pub fn new(field: &Field, m: &MachineProfile) -> Self {
        let hazard = field.hazard.orient(geo::orient::Direction::Default);
        let obstacles = field.obstacles();
        let forbidden = if m.obstacle_clearance_m > 0.0 && !obstacles.0.is_empty() {
            obstacles.buffer(m.obstacle_clearance_m)
        } else {
            obstacles.clone()
        };
        let centre = hazard.centroid().map(|p| p.0).unwrap_or(Coord { x: 0.0, y: 0.0 });
        let start = field
            .start
            .map(|p| Pose::new(p.x(), p.y(), (centre.y - p.y()).atan2(centre.x - p.x())));
        let target = bridged(&hazard, &field.safe);
        Site {
            hazard_m2: hazard.unsigned_area(),
            target,
            hazard,
            safe: field.safe.clone(),
            obstacles,
            forbidden,
            start,
        }
    }

    /// Distance between the safe area and the ground to process, metres (0 when they touch,
    /// as they do across a bridge).
    pub fn safe_gap_m(&self) -> f64 {
        gap_m(&self.safe, &self.target)
    }

    /// Where the machine may work: the hazard's bounding box grown by 60 m.
    pub fn extent(&self) -> geo::Rect<f64> {
        use geo::BoundingRect;
        let r = self
            .target
            .bounding_rect()
            .unwrap_or(geo::Rect::new((0.0, 0.0), (1.0, 1.0)));
        geo::Rect::new(
            (r.min().x - 60.0, r.min().y - 60.0),
            (r.max().x + 60.0, r.max().y + 60.0),
        )
    }

    /// Fraction of the hazard's outer boundary that borders safe ground (within 5 cm), sampled
    /// every metre.
    pub fn safe_border_fraction(&self) -> f64 {
        use geo::{Distance, Euclidean};
        let (mut n, mut near) = (0usize, 0usize);
        for p in &self.target.0 {
            for w in p.exterior().0.windows(2) {
                let len = (w[1].x - w[0].x).hypot(w[1].y - w[0].y);
                let k = (len.ceil() as usize).max(1);
                for i in 0..k {
                    let t = (i as f64 + 0.5) / k as f64;
                    let pt = geo::Point::new(w[0].x + t * (w[1].x - w[0].x), w[0].y + t * (w[1].y - w[0].y));
                    n += 1;
                    if self.safe.0.iter().any(|s| Euclidean.distance(&pt, s) < 0.05) {
                        near += 1;
                    }
                }
            }
        }
        if n == 0 {
            0.0
        } else {
            near as f64 / n as f64
        }
    }

    /// Ground that can be processed: the target minus the forbidden zones.
    pub fn workable(&self) -> MultiPolygon<f64> {
        self.target.difference(&self.forbidden)
    }
}

/// Distance between two areas, metres (infinite when either is empty).
pub fn gap_m(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> f64 {
    use geo::{Distance, Euclidean};
    let mut d = f64::INFINITY;
    for s in &a.0 {
        for h in &b.0 {
            d = d.min(Euclidean.distance(s, h));
        }
    }
    d
}

/// Widest gap between a safe area and the hazard bridged by processing the ground between them,
/// metres; farther safe areas are reached by an access corridor ([`super::access`]).
pub const BRIDGE_MAX_M: f64 = 6.0;

/// The hazard with the ground between it and a near safe area that does not touch it (a road
/// 2 mm or 5 m away): the parts of both grown by the gap (and 5 cm) that overlap, less the safe
/// area. Passes over it start on the safe area, so no gap of unprocessed ground is ever crossed.
pub fn bridged(hazard: &MultiPolygon<f64>, safe: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    let gap = gap_m(safe, hazard);
    if !(gap > 1e-9 && gap <= BRIDGE_MAX_M) {
        return hazard.clone();
    }
    let g = gap + 0.05;
    let bridge = safe.buffer(g).intersection(&hazard.buffer(g)).difference(safe);
    let out = hazard.union(&bridge);
    // drop the buffers' numerical crumbs
    MultiPolygon::new(out.0.into_iter().filter(|p| p.unsigned_area() > 1e-3).collect())
        .orient(geo::orient::Direction::Default)
}
