//! The independent run-time footprint check: `footprint(pose) ⊆ safe ∪ processed`, answered
//! from the grid's cells (not from the planner's polygons), so it can count violations of a
//! driven mission without trusting the planner or the tracker.
//!
//! Every cell whose centre lies under the footprint must be safe or processed; centres outside
//! the grid must lie in the safe polygons. Exact to half a cell.

use super::{ProcessedGrid, PROCESSED, SAFE};
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
    body: Body,
    /// Violations counted by [`FootprintCheck::count`] (entries into a violating state).
    pub violations: u64,
    /// Poses checked.
    pub checks: u64,
    in_violation: bool,
}

impl FootprintCheck {
    pub fn new(m: &MachineProfile) -> Self {
        Self {
            body: Body::new(m),
            violations: 0,
            checks: 0,
            in_violation: false,
        }
    }

    /// Check one pose against the grid.
    pub fn check(&self, grid: &ProcessedGrid, pose: &Pose) -> FootprintVerdict {
        let fp = self.body.footprint_at(pose);
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
                    if cells[row * f.nx + c] & (SAFE | PROCESSED) == 0 {
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
