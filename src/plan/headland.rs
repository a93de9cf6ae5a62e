//! Stage 2: headland. Passes parallel to the boundary (and around obstacles) processed first, so
//! that lanes can turn on processed ground at their ends. The band is as wide as the machine's
//! turn needs: a pivot sweeps a disc reaching its farthest footprint corner, and the machine must
//! stand wholly behind its processing line when a lane starts; a Dubins turn needs its diameter.
//!
//! Headland passes the machine cannot reach (a pass hugging a boundary with nothing safe beyond
//! it cannot be entered) are simply not driven: the lanes that follow process that ground too.

use super::execute::Pass;
use super::lanes::{band_intervals, subtract_intervals, LaneFrame};
use super::motion::PathKind;
use super::site::Site;
use crate::machine::MachineProfile;
use geo::{BooleanOps, Buffer, Coord, LineString, MultiPolygon, Simplify};

/// Width of processed band the machine needs to turn in, metres.
pub fn turn_band_m(m: &MachineProfile) -> f64 {
    let rear = m.footprint_m.iter().map(|p| p[0]).fold(f64::INFINITY, f64::min);
    let behind = m.implement_x_m() - rear;
    // plus room for the footprint margin on both sides
    let room = 0.3;
    if m.min_turn_radius_m > 0.0 {
        behind.max(2.0 * m.min_turn_radius_m + m.working_width_m / 2.0) + room
    } else {
        behind.max(2.0 * m.pivot_radius_m()) + room
    }
}

/// Number of passes of the headland band.
pub fn pass_count(m: &MachineProfile) -> usize {
    let w = turn_band_m(m);
    ((w - m.working_width_m).max(0.0) / m.lane_spacing_m()).ceil() as usize + 1
}

/// The headland band region (hazard minus the hazard shrunk by the band width).
pub fn band_region(site: &Site, m: &MachineProfile) -> MultiPolygon<f64> {
    let w = pass_count(m) as f64 * m.lane_spacing_m() + m.lane_overlap_m;
    site.target.difference(&site.target.buffer(-w))
}

/// Headland passes around every boundary: outer rings and the forbidden zones around obstacles.
/// `cell_base` numbers the groups after those of other stages.
pub fn passes(site: &Site, m: &MachineProfile, target: usize, cell_base: usize) -> Vec<Pass> {
    let n = pass_count(m);
    let band = band_region(site, m);
    let mut rings: Vec<LineString<f64>> = site
        .target
        .simplify(0.2)
        .0
        .iter()
        .map(|p| p.exterior().clone())
        .collect();
    // walk around forbidden zones clockwise so that the hazard lies on the left, as for outer rings
    for f in &site.forbidden.simplify(0.2).0 {
        let mut r = f.exterior().clone();
        r.0.reverse();
        rings.push(r);
    }
    let mut out = Vec::new();
    let mut cell = cell_base;
    for ring in rings {
        for j in 0..n {
            for w in ring.0.windows(2) {
                let (a, b) = (w[0], w[1]);
                let len = (b.x - a.x).hypot(b.y - a.y);
                if len < m.working_width_m {
                    continue;
                }
                let f = LaneFrame::new((b.y - a.y).atan2(b.x - a.x));
                let (la, lb) = (f.to_lane(a), f.to_lane(b));
                let y0 = la.y + j as f64 * m.lane_spacing_m();
                let y1 = y0 + m.working_width_m;
                let tband = f.polygons_to_lane(&band);
                let forb = f.polygons_to_lane(&site.forbidden);
                let want: Vec<(f64, f64)> = band_intervals(&tband, y0, y1, 0.5)
                    .into_iter()
                    .filter(|iv| iv.0 < lb.x && iv.1 > la.x)
                    .collect();
                let cuts: Vec<(f64, f64)> = band_intervals(&forb, y0, y1, 0.0)
                    .into_iter()
                    .map(|(p, q)| (p - 1e-3, q + 1e-3))
                    .collect();
                for (x0, x1) in subtract_intervals(&want, &cuts) {
                    let y = (y0 + y1) / 2.0;
                    out.push(Pass {
                        a: f.to_enu(Coord { x: x0, y }),
                        b: f.to_enu(Coord { x: x1, y }),
                        kind: PathKind::Headland,
                        cell,
                        band: j,
                        target,
                    });
                }
            }
            cell += 1;
        }
    }
    out
}
