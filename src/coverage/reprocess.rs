//! Ground to process again: after a detonation the block around it is credited no longer (it
//! counts as unprocessed until a new pass credits it) but stays ground the machine may stand on,
//! since it was processed once and the machine stood behind it.

use super::raster::GridFrame;
use super::{ProcessedGrid, HAZARD, PROCESSED, REPROCESS};
use geo::{Coord, MultiPolygon, Polygon};

impl ProcessedGrid {
    /// Take the credit back from the processed hazard cells of `area` for which `which(col, row)`
    /// holds; returns how many cells.
    pub fn mark_reprocess(&mut self, area: &Polygon<f64>, which: impl Fn(i64, i64) -> bool) -> usize {
        let rings = GridFrame::rings_of(&MultiPolygon::new(vec![area.clone()]));
        let refs: Vec<&[Coord<f64>]> = rings.iter().map(|r| r.as_slice()).collect();
        let (nx, cells) = (self.frame.nx, &mut self.cells);
        let mut n = 0;
        self.frame.spans(&refs, |row, a, b| {
            for col in a..b {
                let c = &mut cells[row * nx + col];
                if *c & HAZARD != 0 && *c & PROCESSED != 0 && which(col as i64, row as i64) {
                    *c = (*c & !PROCESSED) | REPROCESS;
                    n += 1;
                }
            }
        });
        self.processed_hazard_cells -= n;
        n
    }

    /// The columns and rows `(col0, row0, col1, row1)` (inclusive, clamped to the grid) that
    /// `area`'s bounding box covers.
    pub fn cell_range(&self, area: &Polygon<f64>) -> (i64, i64, i64, i64) {
        use geo::BoundingRect;
        let f = &self.frame;
        let Some(r) = area.bounding_rect() else {
            return (0, 0, -1, -1);
        };
        let col = |x: f64| (((x - f.x0_m) / f.cell_m).floor() as i64).clamp(0, f.nx as i64 - 1);
        let row = |y: f64| (((y - f.y0_m) / f.cell_m).floor() as i64).clamp(0, f.ny as i64 - 1);
        (col(r.min().x), row(r.min().y), col(r.max().x), row(r.max().y))
    }

    /// Hazard waiting to be processed again, m².
    pub fn reprocess_m2(&self) -> f64 {
        let n = self.cells.iter().filter(|c| **c & REPROCESS != 0).count();
        n as f64 * self.frame.cell_area_m2()
    }
}

/// The part of a detonation's block (`length_m` along `heading_rad`, the tool's `width_m`
/// across, centred on `(x_m, y_m)`) that is processed again: narrower by the lane overlap, the
/// tracking error a re-processing pass is allowed (its edges were processed by the neighbouring
/// lanes' overlap anyway). ENU metres.
pub fn reprocess_area(
    x_m: f64,
    y_m: f64,
    heading_rad: f64,
    length_m: f64,
    width_m: f64,
    overlap_m: f64,
) -> Polygon<f64> {
    block(x_m, y_m, heading_rad, length_m, (width_m - overlap_m).max(0.1))
}

/// The block a detonation leaves to re-process: `length_m` along `heading_rad` and `width_m`
/// across, centred on `(x_m, y_m)` (ENU metres).
pub fn block(x_m: f64, y_m: f64, heading_rad: f64, length_m: f64, width_m: f64) -> Polygon<f64> {
    let (c, s) = (heading_rad.cos(), heading_rad.sin());
    let (l, w) = (length_m / 2.0, width_m / 2.0);
    let corner = |dx: f64, dy: f64| Coord {
        x: x_m + c * dx - s * dy,
        y: y_m + s * dx + c * dy,
    };
    Polygon::new(
        vec![
            corner(-l, -w),
            corner(l, -w),
            corner(l, w),
            corner(-l, w),
            corner(-l, -w),
        ]
        .into(),
        vec![],
    )
}
