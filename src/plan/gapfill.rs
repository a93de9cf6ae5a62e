//! Stage 7: gap fill. Passes over a given unprocessed region, piece by piece, with lanes along each
//! piece's long axis (its minimum rotated rectangle). The planner uses it for what its lanes
//! missed (slivers beside obstacles, corners); the mission uses it for strips missed while driving.

use super::execute::Pass;
use super::lanes::{band_pieces, LaneFrame};
use super::motion::PathKind;
use crate::machine::MachineProfile;
use geo::{Area, Buffer, Coord, CoordsIter, MinimumRotatedRect, MultiPolygon};

/// Gap passes over every piece of `region` of at least `min_m2`. `across` turns the lanes 90°
/// from each piece's long axis (a second round tries the other way).
pub fn passes(
    region: &MultiPolygon<f64>,
    forbidden: &MultiPolygon<f64>,
    m: &MachineProfile,
    min_m2: f64,
    across: bool,
    target: usize,
    cell_base: usize,
) -> Vec<Pass> {
    let mut out = Vec::new();
    for (i, piece) in region.0.iter().enumerate() {
        if piece.unsigned_area() < min_m2 {
            continue;
        }
        let Some(rect) = piece.minimum_rotated_rect() else {
            continue;
        };
        let c: Vec<Coord<f64>> = rect.exterior_coords_iter().collect();
        let (e1, e2) = (c[1] - c[0], c[2] - c[1]);
        let long = if e1.x.hypot(e1.y) >= e2.x.hypot(e2.y) { e1 } else { e2 };
        let mut angle = long.y.atan2(long.x);
        if across {
            angle += std::f64::consts::FRAC_PI_2;
        }
        let f = LaneFrame::new(angle);
        // grown by half the lane overlap: a gap pass overlaps the strips beside it as lanes
        // overlap each other, instead of abutting them (a seam the real machine's tracking
        // error opens)
        let one = MultiPolygon::new(vec![piece.clone()]).buffer(0.5 * m.lane_overlap_m);
        for p in band_pieces(
            &f.polygons_to_lane(&one),
            &f.polygons_to_lane(forbidden),
            m.working_width_m,
            m.lane_spacing_m(),
        ) {
            out.push(Pass {
                a: f.to_enu(Coord { x: p.x0_m, y: p.y_m }),
                b: f.to_enu(Coord { x: p.x1_m, y: p.y_m }),
                kind: PathKind::Gap,
                cell: cell_base + i,
                band: p.band,
                target,
            });
        }
    }
    out
}
