//! Stage 5c: access. When the safe area does not touch the hazard, the machine must process its way
//! to it: a corridor of passes from the safe area to the hazard's nearest point (ground outside the
//! hazard is processed like any other), continued as a spine of passes straight through the hazard.
//! Lanes perpendicular to the spine can then start with the machine standing on it and return to it.

use super::execute::Pass;
use super::headland::turn_band_m;
use super::lanes::{band_pieces, LaneFrame};
use super::motion::PathKind;
use super::site::Site;
use crate::machine::MachineProfile;
use geo::{BooleanOps, BoundingRect, Closest, ClosestPoint, Coord, CoordsIter, MultiPolygon, Point, Rect};

/// The corridor and spine of an access plan.
#[derive(Clone, Debug)]
pub struct Access {
    /// Direction from the safe area to the hazard, radians (ENU, from east).
    pub axis_rad: f64,
    /// Ground outside the hazard to process, from the safe area to the hazard.
    pub corridor: MultiPolygon<f64>,
    /// Band through the hazard along the axis.
    pub spine: MultiPolygon<f64>,
}

fn closest_pair(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> Option<(Coord<f64>, Coord<f64>)> {
    let mut best: Option<(f64, Coord<f64>, Coord<f64>)> = None;
    let mut consider = |from: Coord<f64>, target: &MultiPolygon<f64>, a_first: bool| {
        if let Closest::SinglePoint(p) | Closest::Intersection(p) = target.closest_point(&Point::from(from)) {
            let d = (p.x() - from.x).hypot(p.y() - from.y);
            if best.is_none_or(|(bd, _, _)| d < bd) {
                best = Some(if a_first { (d, from, p.0) } else { (d, p.0, from) });
            }
        }
    };
    for c in a.exterior_coords_iter() {
        consider(c, b, true);
    }
    for c in b.exterior_coords_iter() {
        consider(c, a, false);
    }
    best.map(|(_, p, q)| (p, q))
}

/// Plan the corridor from `site.safe` to the hazard; `None` if there is no safe area.
pub fn plan(site: &Site, m: &MachineProfile) -> Option<Access> {
    let (ps, ph) = closest_pair(&site.safe, &site.target)?;
    let axis = (ph.y - ps.y).atan2(ph.x - ps.x);
    let f = LaneFrame::new(axis);
    let (ls, lh) = (f.to_lane(ps), f.to_lane(ph));
    // wide enough to pivot anywhere along it with a lane to spare
    let width = turn_band_m(m).max(2.0 * m.pivot_radius_m()) + m.working_width_m + m.lane_spacing_m();
    let hz = f.polygons_to_lane(&site.target).bounding_rect()?;
    // Lateral position: at the safe area's closest point, moved sideways so that the corridor lies
    // within the safe ground behind it (where each corridor pass starts with the machine on it).
    let behind = super::headland::turn_band_m(m);
    let span = |x: f64| -> Vec<(f64, f64)> {
        // the safe area's extent across the axis at distance x along it (a vertical scanline)
        use geo::MapCoords;
        let swapped = f.polygons_to_lane(&site.safe).map_coords(|c| Coord { x: c.y, y: c.x });
        let edges: Vec<_> = swapped.0.iter().flat_map(super::scan::edges).collect();
        super::scan::chord(&edges, x)
    };
    let near = span(ls.x - 0.05);
    let deep = span(ls.x - behind);
    let mut y = ls.y;
    if let Some(&(lo, hi)) = near.iter().find(|iv| iv.0 <= ls.y + 1e-6 && ls.y <= iv.1 + 1e-6) {
        let (lo, hi) = deep
            .iter()
            .filter(|d| d.0 < hi && d.1 > lo)
            .fold((lo, hi), |acc, d| (acc.0.max(d.0), acc.1.min(d.1)));
        // keep a pivot's reach from the safe area's sides so that the outer passes can be entered
        let margin = width / 2.0 + m.pivot_radius_m();
        y = if hi - lo > 2.0 * margin {
            ls.y.clamp(lo + margin, hi - margin)
        } else {
            (lo + hi) / 2.0
        };
    }
    let to_enu = |r: Rect<f64>| MultiPolygon::new(vec![r.to_polygon()]).map_coords_enu(&f);
    let corridor_rect = to_enu(Rect::new((ls.x - 1.0, y - width / 2.0), (lh.x + 1.0, y + width / 2.0)));
    let spine_rect = to_enu(Rect::new(
        (lh.x - 1.0, y - width / 2.0),
        (hz.max().x + 1.0, y + width / 2.0),
    ));
    let corridor = corridor_rect.difference(&site.target).difference(&site.safe);
    let spine = spine_rect.intersection(&site.workable());
    Some(Access {
        axis_rad: axis,
        corridor,
        spine,
    })
}

trait ToEnu {
    fn map_coords_enu(self, f: &LaneFrame) -> MultiPolygon<f64>;
}

impl ToEnu for MultiPolygon<f64> {
    fn map_coords_enu(self, f: &LaneFrame) -> MultiPolygon<f64> {
        use geo::MapCoords;
        self.map_coords(|c| f.to_enu(c))
    }
}

/// Passes along the axis over `region` (corridor or spine), as one group.
pub fn passes(
    access: &Access,
    region: &MultiPolygon<f64>,
    site: &Site,
    m: &MachineProfile,
    kind: PathKind,
    target: usize,
    cell: usize,
) -> Vec<Pass> {
    let f = LaneFrame::new(access.axis_rad);
    band_pieces(
        &f.polygons_to_lane(region),
        &f.polygons_to_lane(&site.forbidden),
        m.working_width_m,
        m.lane_spacing_m(),
    )
    .into_iter()
    .map(|p| Pass {
        a: f.to_enu(Coord { x: p.x0_m, y: p.y_m }),
        b: f.to_enu(Coord { x: p.x1_m, y: p.y_m }),
        kind,
        cell,
        band: p.band,
        target,
    })
    .collect()
}
