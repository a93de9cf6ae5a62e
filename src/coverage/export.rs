//! The grid as polygons (ENU): the processed area (for GeoJSON and the record), the unprocessed
//! remainder of the hazard and the missed strips (for `plan::plan_gap_fill`).
//!
//! Runs of cells in a row become rectangles, equal runs in consecutive rows merge into taller
//! rectangles, and the rectangles are unioned; pieces under `min_area_m2` are dropped.

use super::{ProcessedGrid, HAZARD, PROCESSED, REPROCESS, SWEPT_UNCREDITED};
use geo::{Area, MultiPolygon, Polygon, Rect};

impl ProcessedGrid {
    fn polygons_where(&self, want: impl Fn(u8) -> bool, min_area_m2: f64) -> MultiPolygon<f64> {
        let f = self.frame();
        let cells = self.cells();
        // Open rectangles keyed by their column run: (c0, c1, first row).
        let mut open: Vec<(usize, usize, usize)> = Vec::new();
        let mut rects: Vec<Polygon<f64>> = Vec::new();
        let close = |c0: usize, c1: usize, r0: usize, r1: usize, rects: &mut Vec<Polygon<f64>>| {
            let x = |c: usize| f.x0_m + c as f64 * f.cell_m;
            let y = |r: usize| f.y0_m + r as f64 * f.cell_m;
            rects.push(Rect::new((x(c0), y(r0)), (x(c1), y(r1))).to_polygon());
        };
        for row in 0..=f.ny {
            let mut runs: Vec<(usize, usize)> = Vec::new();
            if row < f.ny {
                let line = &cells[row * f.nx..(row + 1) * f.nx];
                let mut c = 0;
                while c < f.nx {
                    if want(line[c]) {
                        let s = c;
                        while c < f.nx && want(line[c]) {
                            c += 1;
                        }
                        runs.push((s, c));
                    } else {
                        c += 1;
                    }
                }
            }
            let mut next_open = Vec::with_capacity(runs.len());
            for &(c0, c1, r0) in &open {
                if runs.contains(&(c0, c1)) {
                    next_open.push((c0, c1, r0));
                } else {
                    close(c0, c1, r0, row, &mut rects);
                }
            }
            for &(c0, c1) in &runs {
                if !next_open.iter().any(|&(a, b, _)| (a, b) == (c0, c1)) {
                    next_open.push((c0, c1, row));
                }
            }
            open = next_open;
        }
        if rects.is_empty() {
            return MultiPolygon::new(vec![]);
        }
        let merged = geo::unary_union(rects.iter());
        MultiPolygon::new(
            merged
                .0
                .into_iter()
                .filter(|p| p.unsigned_area() >= min_area_m2)
                .collect(),
        )
    }

    /// Processed ground (inside the hazard and out), as polygons.
    pub fn processed_polygons(&self) -> MultiPolygon<f64> {
        self.polygons_where(|c| c & PROCESSED != 0, 0.0)
    }

    /// Hazard not processed yet, pieces of at least `min_area_m2`.
    pub fn unprocessed_hazard(&self, min_area_m2: f64) -> MultiPolygon<f64> {
        self.polygons_where(|c| c & HAZARD != 0 && c & PROCESSED == 0, min_area_m2)
    }

    /// Detonation blocks waiting to be processed again, every piece however small (a block is
    /// ground where a mine went off: none of it may be left for being small).
    pub fn reprocess_pending(&self) -> MultiPolygon<f64> {
        self.polygons_where(|c| c & HAZARD != 0 && c & PROCESSED == 0 && c & REPROCESS != 0, 0.0)
    }

    /// Hazard the implement swept without meeting the conditions and never processed since:
    /// strips to re-process, pieces of at least `min_area_m2`.
    pub fn missed_strips(&self, min_area_m2: f64) -> MultiPolygon<f64> {
        self.polygons_where(
            |c| c & HAZARD != 0 && c & PROCESSED == 0 && c & SWEPT_UNCREDITED != 0,
            min_area_m2,
        )
    }
}
