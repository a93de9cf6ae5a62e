//! The grid's geometry and its one rasteriser: the cells whose centres lie inside a set of rings
//! (even-odd), found row by row with a scanline. Used to credit the implement's sweep, to mark
//! the hazard and the safe area, and to test the footprint.

use geo::{Coord, MultiPolygon, Rect};

/// A regular grid of square cells, row-major from `(x0_m, y0_m)` (the lower-left corner, ENU).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GridFrame {
    pub x0_m: f64,
    pub y0_m: f64,
    pub cell_m: f64,
    pub nx: usize,
    pub ny: usize,
}

impl GridFrame {
    /// A grid covering `r` with cells of `cell_m`.
    pub fn covering(r: Rect<f64>, cell_m: f64) -> Self {
        let nx = ((r.width() / cell_m).ceil() as usize).max(1);
        let ny = ((r.height() / cell_m).ceil() as usize).max(1);
        Self {
            x0_m: r.min().x,
            y0_m: r.min().y,
            cell_m,
            nx,
            ny,
        }
    }

    pub fn len(&self) -> usize {
        self.nx * self.ny
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Cell area, m².
    pub fn cell_area_m2(&self) -> f64 {
        self.cell_m * self.cell_m
    }

    /// Centre of cell `(col, row)`.
    pub fn centre(&self, col: usize, row: usize) -> Coord<f64> {
        Coord {
            x: self.x0_m + (col as f64 + 0.5) * self.cell_m,
            y: self.y0_m + (row as f64 + 0.5) * self.cell_m,
        }
    }

    /// The cell containing `p`, if inside the grid.
    pub fn cell_of(&self, p: Coord<f64>) -> Option<(usize, usize)> {
        let c = ((p.x - self.x0_m) / self.cell_m).floor();
        let r = ((p.y - self.y0_m) / self.cell_m).floor();
        (c >= 0.0 && r >= 0.0 && (c as usize) < self.nx && (r as usize) < self.ny).then_some((c as usize, r as usize))
    }

    /// Calls `f(row, col_begin, col_end)` for every run of cells whose centres lie inside the
    /// rings (even-odd rule; orientation does not matter). Cells outside the grid are skipped;
    /// `outside(centre)` is called for each centre inside the rings but outside the grid, if given.
    pub fn spans<F: FnMut(usize, usize, usize)>(&self, rings: &[&[Coord<f64>]], mut f: F) {
        self.spans_with_outside(rings, &mut f, None::<&mut fn(Coord<f64>)>);
    }

    /// As [`GridFrame::spans`], also reporting centres outside the grid (on the same lattice).
    pub fn spans_with_outside<F: FnMut(usize, usize, usize), G: FnMut(Coord<f64>)>(
        &self,
        rings: &[&[Coord<f64>]],
        f: &mut F,
        mut outside: Option<&mut G>,
    ) {
        let (mut ymin, mut ymax) = (f64::INFINITY, f64::NEG_INFINITY);
        for r in rings {
            for p in r.iter() {
                ymin = ymin.min(p.y);
                ymax = ymax.max(p.y);
            }
        }
        if !ymin.is_finite() || !ymax.is_finite() || ymin > ymax {
            return;
        }
        let cm = self.cell_m;
        // Row index (possibly negative or past the grid) of the first centre ≥ ymin.
        let r0 = ((ymin - self.y0_m) / cm - 0.5).ceil() as i64;
        let r1 = ((ymax - self.y0_m) / cm - 0.5).floor() as i64;
        let (lo, hi) = if outside.is_some() {
            (r0, r1)
        } else {
            (r0.max(0), r1.min(self.ny as i64 - 1))
        };
        let mut xs: Vec<f64> = Vec::new();
        for row in lo..=hi {
            let yc = self.y0_m + (row as f64 + 0.5) * cm;
            xs.clear();
            for r in rings {
                let n = r.len();
                for i in 0..n {
                    let (a, b) = (r[i], r[(i + 1) % n]);
                    if (a.y <= yc && yc < b.y) || (b.y <= yc && yc < a.y) {
                        xs.push(a.x + (yc - a.y) * (b.x - a.x) / (b.y - a.y));
                    }
                }
            }
            xs.sort_by(f64::total_cmp);
            for pair in xs.chunks_exact(2) {
                // centres x_c = x0 + (c + 0.5)·cm with pair[0] ≤ x_c < pair[1]
                let c0 = ((pair[0] - self.x0_m) / cm - 0.5).ceil() as i64;
                let c1 = ((pair[1] - self.x0_m) / cm - 0.5).ceil() as i64;
                let in_row = row >= 0 && row < self.ny as i64;
                if let Some(g) = outside.as_mut() {
                    for c in c0..c1 {
                        if !in_row || c < 0 || c >= self.nx as i64 {
                            g(Coord {
                                x: self.x0_m + (c as f64 + 0.5) * cm,
                                y: yc,
                            });
                        }
                    }
                }
                let (a, b) = (c0.max(0), c1.min(self.nx as i64));
                if in_row && a < b {
                    f(row as usize, a as usize, b as usize);
                }
            }
        }
    }

    /// All rings of a multipolygon (exteriors and holes) as point lists without the closing point.
    pub fn rings_of(mp: &MultiPolygon<f64>) -> Vec<Vec<Coord<f64>>> {
        let mut out = Vec::new();
        for p in &mp.0 {
            for r in std::iter::once(p.exterior()).chain(p.interiors()) {
                let mut v = r.0.clone();
                if v.len() > 1 && v.first() == v.last() {
                    v.pop();
                }
                out.push(v);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> GridFrame {
        GridFrame::covering(Rect::new((0.0, 0.0), (10.0, 10.0)), 0.1)
    }

    fn count(g: &GridFrame, rings: &[&[Coord<f64>]]) -> usize {
        let mut n = 0;
        g.spans(rings, |_, a, b| n += b - a);
        n
    }

    #[test]
    fn square_covers_its_cells() {
        let g = frame();
        let sq = [
            Coord { x: 1.0, y: 1.0 },
            Coord { x: 3.0, y: 1.0 },
            Coord { x: 3.0, y: 2.0 },
            Coord { x: 1.0, y: 2.0 },
        ];
        assert_eq!(count(&g, &[&sq]), 200);
        // a hole in it
        let hole = [
            Coord { x: 1.5, y: 1.2 },
            Coord { x: 1.5, y: 1.6 },
            Coord { x: 2.5, y: 1.6 },
            Coord { x: 2.5, y: 1.2 },
        ];
        assert_eq!(count(&g, &[&sq, &hole]), 160);
    }

    #[test]
    fn clipped_at_the_grid_and_outside_reported() {
        let g = frame();
        let sq = [
            Coord { x: -1.0, y: 9.5 },
            Coord { x: 1.0, y: 9.5 },
            Coord { x: 1.0, y: 10.5 },
            Coord { x: -1.0, y: 10.5 },
        ];
        assert_eq!(count(&g, &[&sq]), 50);
        let mut out = 0;
        g.spans_with_outside(&[&sq], &mut |_, _, _| {}, Some(&mut |_| out += 1));
        assert_eq!(out, 200 - 50);
    }

    #[test]
    fn cell_of_matches_centres() {
        let g = frame();
        assert_eq!(g.cell_of(Coord { x: 0.05, y: 9.95 }), Some((0, 99)));
        assert_eq!(g.cell_of(Coord { x: -0.01, y: 1.0 }), None);
        let c = g.centre(3, 4);
        assert!((c.x - 0.35).abs() < 1e-12 && (c.y - 0.45).abs() < 1e-12);
    }
}
