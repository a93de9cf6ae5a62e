//! The footprint rule and the geofence checked at run time, from the estimated pose and its σ.
//!
//! The footprint (track contact envelope) is sampled once in base_link on a grid of `step_m`;
//! at each check the samples are placed at the pose and asked whether the ground under them is
//! safe or processed. For the σ-inflated check every sample on the footprint's edge is also
//! tested `sigma_k`·σ away in eight directions. The geofence check does the same with the
//! corners of the footprint and of the processing line against the geofence polygon.

use crate::machine::MachineProfile;
use crate::plan::pose::Pose;
use geo::{Contains, Coord, MultiPolygon, Point, Polygon};

/// How far the geofence reaches beyond the ground a mission may use, m.
pub const GEOFENCE_MARGIN_M: f64 = 2.0;

/// The geofence of a mission: hazard ∪ safe ground ∪ the strips the plan processes (access
/// corridors run outside both), grown by [`GEOFENCE_MARGIN_M`], obstacles cut out. ENU metres.
pub fn geofence(field: &crate::field::Field, m: &MachineProfile, motions: &[crate::plan::Motion]) -> MultiPolygon<f64> {
    use geo::{BooleanOps, Buffer};
    let strips = crate::plan::strips_of(motions, m);
    let strips = geo::unary_union(strips.iter());
    field
        .hazard
        .union(&field.safe)
        .union(&strips)
        .buffer(GEOFENCE_MARGIN_M)
        .difference(&field.obstacles())
}

/// Where the machine may stand: safe ground or ground processed so far.
pub trait GroundQuery {
    /// The point (ENU metres) is on safe or processed ground.
    fn covered(&self, p: Coord<f64>) -> bool;
}

impl<F: Fn(Coord<f64>) -> bool> GroundQuery for F {
    fn covered(&self, p: Coord<f64>) -> bool {
        self(p)
    }
}

impl GroundQuery for crate::coverage::ProcessedGrid {
    fn covered(&self, p: Coord<f64>) -> bool {
        crate::coverage::ProcessedGrid::covered(self, p)
    }
}

/// Result of one check.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FootprintCheck {
    /// Footprint area on uncovered ground at the estimated pose, m².
    pub uncovered_m2: f64,
    /// The same with the footprint inflated by `sigma_k`·σ, m².
    pub uncovered_inflated_m2: f64,
    /// A footprint or implement corner outside the geofence.
    pub outside_geofence: bool,
    /// The same, inflated.
    pub outside_geofence_inflated: bool,
}

/// Precomputed samples of the footprint and the geofence.
#[derive(Clone, Debug)]
pub struct FootprintMonitor {
    /// (x, y, on_edge) in base_link, metres.
    samples: Vec<(f64, f64, bool)>,
    cell_m2: f64,
    corners: Vec<(f64, f64)>,
    geofence: MultiPolygon<f64>,
    sigma_k: f64,
}

impl FootprintMonitor {
    /// # Units
    /// `step_m`: sample spacing, metres (0.05–0.5 sensible); `geofence`: ENU metres.
    pub fn new(m: &MachineProfile, geofence: MultiPolygon<f64>, sigma_k: f64, step_m: f64) -> Self {
        let fp: Polygon<f64> = m.footprint();
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for p in &m.footprint_m {
            x0 = x0.min(p[0]);
            y0 = y0.min(p[1]);
            x1 = x1.max(p[0]);
            y1 = y1.max(p[1]);
        }
        let nx = ((x1 - x0) / step_m).ceil().max(1.0) as usize;
        let ny = ((y1 - y0) / step_m).ceil().max(1.0) as usize;
        let mut inside = vec![false; nx * ny];
        for i in 0..nx {
            for j in 0..ny {
                let c = Point::new(x0 + (i as f64 + 0.5) * step_m, y0 + (j as f64 + 0.5) * step_m);
                inside[i * ny + j] = fp.contains(&c);
            }
        }
        let mut samples = Vec::new();
        for i in 0..nx {
            for j in 0..ny {
                if !inside[i * ny + j] {
                    continue;
                }
                let edge = i == 0
                    || j == 0
                    || i + 1 == nx
                    || j + 1 == ny
                    || !inside[(i - 1) * ny + j]
                    || !inside[(i + 1) * ny + j]
                    || !inside[i * ny + j - 1]
                    || !inside[i * ny + j + 1];
                samples.push((x0 + (i as f64 + 0.5) * step_m, y0 + (j as f64 + 0.5) * step_m, edge));
            }
        }
        let mut corners: Vec<(f64, f64)> = m.footprint_m.iter().map(|p| (p[0], p[1])).collect();
        corners.extend(m.implement_m.iter().map(|p| (p[0], p[1])));
        Self {
            samples,
            cell_m2: step_m * step_m,
            corners,
            geofence,
            sigma_k,
        }
    }

    /// The footprint samples (base_link metres) on uncovered ground at `pose`, for diagnostics.
    pub fn uncovered_samples(&self, pose: &Pose, ground: &impl GroundQuery) -> Vec<(f64, f64)> {
        self.samples
            .iter()
            .filter(|&&(bx, by, _)| !ground.covered(pose.apply(bx, by)))
            .map(|&(bx, by, _)| (bx, by))
            .collect()
    }

    /// Check the machine at `pose` with horizontal position σ `sigma_h_m` (metres).
    pub fn check(&self, pose: &Pose, sigma_h_m: f64, ground: &impl GroundQuery) -> FootprintCheck {
        let r = self.sigma_k * sigma_h_m.max(0.0);
        let dirs: [(f64, f64); 8] = {
            let d = std::f64::consts::FRAC_1_SQRT_2;
            [
                (1.0, 0.0),
                (-1.0, 0.0),
                (0.0, 1.0),
                (0.0, -1.0),
                (d, d),
                (d, -d),
                (-d, d),
                (-d, -d),
            ]
        };
        let mut out = FootprintCheck::default();
        for &(bx, by, edge) in &self.samples {
            let c = pose.apply(bx, by);
            let ok = ground.covered(c);
            if !ok {
                out.uncovered_m2 += self.cell_m2;
                out.uncovered_inflated_m2 += self.cell_m2;
            } else if edge
                && r > 0.0
                && dirs.iter().any(|(dx, dy)| {
                    !ground.covered(Coord {
                        x: c.x + r * dx,
                        y: c.y + r * dy,
                    })
                })
            {
                out.uncovered_inflated_m2 += self.cell_m2;
            }
        }
        for &(bx, by) in &self.corners {
            let c = pose.apply(bx, by);
            if !self.geofence.contains(&Point::from(c)) {
                out.outside_geofence = true;
                out.outside_geofence_inflated = true;
            } else if r > 0.0
                && dirs
                    .iter()
                    .any(|(dx, dy)| !self.geofence.contains(&Point::new(c.x + r * dx, c.y + r * dy)))
            {
                out.outside_geofence_inflated = true;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    fn monitor() -> FootprintMonitor {
        let fence = MultiPolygon(vec![
            polygon![(x: -50.0, y: -50.0), (x: 50.0, y: -50.0), (x: 50.0, y: 50.0), (x: -50.0, y: 50.0)],
        ]);
        FootprintMonitor::new(&MachineProfile::default_profile(), fence, 3.0, 0.1)
    }

    #[test]
    fn table_of_ground_and_sigma() {
        let m = monitor();
        let everywhere = |_: Coord<f64>| true;
        let left_half = |c: Coord<f64>| c.y >= -0.9;
        let nowhere = |_: Coord<f64>| false;
        let at = Pose::new(0.0, 0.0, 0.0);
        // (ground, σ, uncovered?, inflated uncovered?)
        type Ground<'a> = &'a dyn Fn(Coord<f64>) -> bool;
        let cases: [(Ground, f64, bool, bool); 5] = [
            (&everywhere, 0.02, false, false),
            (&everywhere, 1.0, false, false),
            (&left_half, 0.01, false, false),
            (&left_half, 0.1, false, true),
            (&nowhere, 0.01, true, true),
        ];
        for (i, (g, sigma, a, b)) in cases.into_iter().enumerate() {
            let r = m.check(&at, sigma, &|c| g(c));
            assert_eq!(r.uncovered_m2 > 0.0, a, "case {i}: {r:?}");
            assert_eq!(r.uncovered_inflated_m2 > 0.0, b, "case {i}: {r:?}");
        }
    }

    #[test]
    fn geofence_inside_near_and_outside() {
        let m = monitor();
        let g = |_: Coord<f64>| true;
        let r = m.check(&Pose::new(0.0, 0.0, 0.0), 0.02, &g);
        assert!(!r.outside_geofence && !r.outside_geofence_inflated);
        let r = m.check(&Pose::new(0.0, 48.9, 0.0), 0.5, &g);
        assert!(!r.outside_geofence && r.outside_geofence_inflated, "{r:?}");
        let r = m.check(&Pose::new(0.0, 49.5, 0.0), 0.02, &g);
        assert!(r.outside_geofence, "{r:?}");
    }
}
