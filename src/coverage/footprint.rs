//! The independent run-time footprint check: `footprint(pose) ⊆ safe ∪ processed`, answered
//! from the grid's cells (not from the planner's polygons), so it can count violations of a
//! driven mission without trusting the planner or the tracker.
//!
//! Every cell whose centre lies under the footprint must be safe or processed; centres outside
//! the grid must lie in the safe polygons. The footprint is first shrunk by `tolerance_m`
//! (default 0.05 m, half a cell: the grid's own resolution); with 0 every centimetre counts.
//! Plans with no margin against tracking error (strips whose edge is the hazard's edge)
//! show centimetre intrusions at tolerance 0.

use super::{ProcessedGrid, PROCESSED, REPROCESS, SAFE};
use crate::machine::MachineProfile;
use crate::plan::pose::Body;
use crate::plan::Pose;
use geo::{Contains, Coord, Point};

/// The check's answer for one pose.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FootprintVerdict {
    /// Every cell under the footprint is allowed.
    pub ok: bool,
    /// Cells under the footprint that are neither safe nor processed.
    pub bad_cells: usize,
    /// Their area, m².
    pub bad_area_m2: f64,
    /// One of them (centre, ENU), for the report.
    pub first_bad: Option<Coord<f64>>,
}

/// Footprint check for one machine.
#[derive(Clone, Debug)]
pub struct FootprintCheck {
    /// Footprint hull in base_link, shrunk by the tolerance.
    hull: Vec<Coord<f64>>,
    /// Inward tolerance, m.
    pub tolerance_m: f64,
    /// Violations counted by [`FootprintCheck::count`] (entries into a violating state).
    pub violations: u64,
    /// Poses checked.
    pub checks: u64,
    in_violation: bool,
}

impl FootprintCheck {
    /// The default tolerance, m (half a 0.1 m cell).
    pub const DEFAULT_TOLERANCE_M: f64 = 0.05;

    pub fn new(m: &MachineProfile) -> Self {
        Self::with_tolerance(m, Self::DEFAULT_TOLERANCE_M)
    }

    /// A check that ignores intrusions shallower than `tolerance_m` (0 = exact to the cell).
    ///
    /// # Units
    /// metres.
    pub fn with_tolerance(m: &MachineProfile, tolerance_m: f64) -> Self {
        let hull = Body::new(m).footprint_at(&Pose::new(0.0, 0.0, 0.0));
        Self {
            hull: shrink_convex(&hull, tolerance_m.max(0.0)),
            tolerance_m,
            violations: 0,
            checks: 0,
            in_violation: false,
        }
    }

    /// Check one pose against the grid.
    pub fn check(&self, grid: &ProcessedGrid, pose: &Pose) -> FootprintVerdict {
        let fp: Vec<Coord<f64>> = self.hull.iter().map(|c| pose.apply(c.x, c.y)).collect();
        let f = grid.frame();
        let cells = grid.cells();
        let mut bad = 0;
        let mut first_bad = None;
        let safe = grid.safe();
        let mut outside = |c: Coord<f64>| {
            if !safe.contains(&Point::from(c)) {
                bad += 1;
                first_bad.get_or_insert(c);
            }
        };
        let mut inside_bad: Vec<Coord<f64>> = Vec::new();
        let mut inside_count = 0;
        f.spans_with_outside(
            &[fp.as_slice()],
            &mut |row: usize, a: usize, b: usize| {
                for c in a..b {
                    if cells[row * f.nx + c] & (SAFE | PROCESSED | REPROCESS) == 0 {
                        inside_count += 1;
                        if inside_bad.is_empty() {
                            inside_bad.push(f.centre(c, row));
                        }
                    }
                }
            },
            Some(&mut outside),
        );
        let bad_cells = bad + inside_count;
        let first_bad = inside_bad.first().copied().or(first_bad);
        FootprintVerdict {
            ok: bad_cells == 0,
            bad_cells,
            bad_area_m2: bad_cells as f64 * f.cell_area_m2(),
            first_bad,
        }
    }

    /// Check and count: a violation is counted once per entry into a violating state.
    pub fn count(&mut self, grid: &ProcessedGrid, pose: &Pose) -> FootprintVerdict {
        let v = self.check(grid, pose);
        self.checks += 1;
        if !v.ok && !self.in_violation {
            self.violations += 1;
        }
        self.in_violation = !v.ok;
        v
    }
}

/// A convex polygon (either orientation, no closing point) moved inwards by `d` on every edge.
fn shrink_convex(pts: &[Coord<f64>], d: f64) -> Vec<Coord<f64>> {
    let n = pts.len();
    if d <= 0.0 || n < 3 {
        return pts.to_vec();
    }
    let area2: f64 = (0..n)
        .map(|i| {
            let (a, b) = (pts[i], pts[(i + 1) % n]);
            a.x * b.y - b.x * a.y
        })
        .sum();
    let s = area2.signum(); // +1 counter-clockwise: the interior is on the left
                            // Offset line of edge i: point and direction.
    let lines: Vec<(Coord<f64>, Coord<f64>)> = (0..n)
        .map(|i| {
            let (a, b) = (pts[i], pts[(i + 1) % n]);
            let (dx, dy) = (b.x - a.x, b.y - a.y);
            let l = dx.hypot(dy).max(1e-12);
            let nrm = Coord {
                x: -dy / l * s,
                y: dx / l * s,
            };
            (
                Coord {
                    x: a.x + nrm.x * d,
                    y: a.y + nrm.y * d,
                },
                Coord { x: dx, y: dy },
            )
        })
        .collect();
    (0..n)
        .map(|i| {
            let (p1, d1) = lines[(i + n - 1) % n];
            let (p2, d2) = lines[i];
            let den = d1.x * d2.y - d1.y * d2.x;
            if den.abs() < 1e-12 {
                return p2;
            }
            let t = ((p2.x - p1.x) * d2.y - (p2.y - p1.y) * d2.x) / den;
            Coord {
                x: p1.x + d1.x * t,
                y: p1.y + d1.y * t,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrink_moves_every_edge_in() {
        let sq = [
            Coord { x: -1.2, y: -0.85 },
            Coord { x: 1.2, y: -0.85 },
            Coord { x: 1.2, y: 0.85 },
            Coord { x: -1.2, y: 0.85 },
        ];
        for pts in [sq.to_vec(), sq.iter().rev().copied().collect()] {
            let s = shrink_convex(&pts, 0.05);
            let (xmax, ymax) = s
                .iter()
                .fold((f64::MIN, f64::MIN), |(a, b), c| (a.max(c.x), b.max(c.y)));
            assert!((xmax - 1.15).abs() < 1e-12 && (ymax - 0.8).abs() < 1e-12, "{s:?}");
        }
    }
}
