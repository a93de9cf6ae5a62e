//! Stage 3: lane angle. Estimate the mission time of boustrophedon lanes at candidate directions
//! (every few degrees, plus the directions of the boundary's long edges) and rank them. The
//! estimate counts lane length at clearing speed and one turn per lane end; the ranked angles are
//! then planned in full and compared by the real objective.

use super::lanes::{band_pieces, LaneFrame};
use super::site::Site;
use crate::machine::MachineProfile;
use geo::{CoordsIter, Simplify};
use std::f64::consts::PI;

/// An angle with its estimated mission time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AngleEstimate {
    pub angle_rad: f64,
    pub estimate_s: f64,
    pub lanes: usize,
}

/// Estimated time of one turn between lanes, seconds.
pub fn turn_estimate_s(m: &MachineProfile) -> f64 {
    if m.min_turn_radius_m > 0.0 {
        (PI * m.min_turn_radius_m + 2.0 * m.min_turn_radius_m) / m.transit_speed_mps
    } else {
        PI / m.pivot_rate_rps + m.lane_spacing_m() / m.transit_speed_mps
    }
}

/// Rank candidate angles (radians in [0, π)) by estimated time, best first.
pub fn rank(site: &Site, m: &MachineProfile, step_deg: f64, extra: &[f64]) -> Vec<AngleEstimate> {
    let mut angles: Vec<f64> = (0..((180.0 / step_deg).ceil() as usize))
        .map(|i| (i as f64 * step_deg).to_radians())
        .collect();
    // directions of the longest boundary edges
    let simple = site.target.simplify(0.5);
    let mut edges: Vec<(f64, f64)> = Vec::new();
    for p in &simple.0 {
        let c: Vec<_> = p.exterior().coords_iter().collect();
        for w in c.windows(2) {
            let (dx, dy) = (w[1].x - w[0].x, w[1].y - w[0].y);
            edges.push((dx.hypot(dy), dy.atan2(dx).rem_euclid(PI)));
        }
    }
    edges.sort_by(|a, b| b.0.total_cmp(&a.0));
    angles.extend(edges.iter().take(4).map(|e| e.1));
    angles.extend(extra.iter().map(|a| a.rem_euclid(PI)));
    let turn = turn_estimate_s(m);
    let mut out: Vec<AngleEstimate> = angles
        .into_iter()
        .map(|a| {
            let f = LaneFrame::new(a);
            let pieces = band_pieces(
                &f.polygons_to_lane(&site.target),
                &f.polygons_to_lane(&site.forbidden),
                m.working_width_m,
                m.lane_spacing_m(),
            );
            let len: f64 = pieces.iter().map(|p| p.x1_m - p.x0_m).sum();
            AngleEstimate {
                angle_rad: a,
                estimate_s: len / m.clearing_speed_mps + pieces.len() as f64 * turn,
                lanes: pieces.len(),
            }
        })
        .collect();
    out.sort_by(|a, b| a.estimate_s.total_cmp(&b.estimate_s));
    out
}
