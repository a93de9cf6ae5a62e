//! A dense processed-area grid over the field's extent (a stand-in for the `coverage` module):
//! cells of `cell_m` with three bits each — inside the hazard, safe ground, processed (each
//! for the cell's centre). Safe ground is answered exactly at cells cut by its edge.
//!
//! A cell is processed when the processing line swept its centre with the rotor in band, the
//! depth at target, the speed within the limit and the position σ small enough; the host
//! decides those conditions and calls [`Grid::sweep`] only when they hold.

use crate::mission::GroundQuery;
use crate::plan::pose::Pose;
use geo::{Coord, LineString, MultiPolygon, Rect};

const HAZARD: u8 = 1;
const SAFE: u8 = 2;
const PROCESSED: u8 = 4;

/// The grid. Cell (ix, iy) covers `[ix·c, (ix+1)·c) × [iy·c, (iy+1)·c)` in ENU metres.
#[derive(Clone, Debug)]
pub struct Grid {
    pub cell_m: f64,
    ix0: i64,
    iy0: i64,
    nx: usize,
    ny: usize,
    bits: Vec<u8>,
    hazard_cells: usize,
    processed_hazard: usize,
    /// The safe area, for exact answers where a cell is neither safe nor processed.
    safe: MultiPolygon<f64>,
}

/// Even-odd scanline fill of every ring of `mp` into `bits` with `flag`.
fn fill(g: &mut Grid, mp: &MultiPolygon<f64>, flag: u8) {
    let rings: Vec<&LineString<f64>> =
        mp.0.iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .collect();
    let mut xs = Vec::new();
    for j in 0..g.ny {
        let y = (g.iy0 + j as i64) as f64 * g.cell_m + g.cell_m / 2.0;
        xs.clear();
        for r in &rings {
            for l in r.lines() {
                let (a, b) = (l.start, l.end);
                if (a.y <= y) != (b.y <= y) {
                    xs.push(a.x + (y - a.y) / (b.y - a.y) * (b.x - a.x));
                }
            }
        }
        xs.sort_by(f64::total_cmp);
        for pair in xs.chunks(2) {
            if let [x0, x1] = pair {
                let i0 = ((x0 / g.cell_m - 0.5).ceil() as i64 - g.ix0).max(0);
                let i1 = ((x1 / g.cell_m - 0.5).floor() as i64 - g.ix0).min(g.nx as i64 - 1);
                for i in i0..=i1 {
                    g.bits[j * g.nx + i as usize] |= flag;
                }
            }
        }
    }
}

impl Grid {
    /// A grid over `extent` marking `hazard` (the ground to process) and `safe`.
    pub fn new(extent: Rect<f64>, hazard: &MultiPolygon<f64>, safe: &MultiPolygon<f64>, cell_m: f64) -> Self {
        let ix0 = (extent.min().x / cell_m).floor() as i64 - 2;
        let iy0 = (extent.min().y / cell_m).floor() as i64 - 2;
        let nx = ((extent.max().x / cell_m).ceil() as i64 + 2 - ix0) as usize;
        let ny = ((extent.max().y / cell_m).ceil() as i64 + 2 - iy0) as usize;
        let mut g = Self {
            cell_m,
            ix0,
            iy0,
            nx,
            ny,
            bits: vec![0; nx * ny],
            hazard_cells: 0,
            processed_hazard: 0,
            safe: safe.clone(),
        };
        fill(&mut g, hazard, HAZARD);
        fill(&mut g, safe, SAFE);
        g.hazard_cells = g.bits.iter().filter(|b| **b & HAZARD != 0).count();
        g
    }

    fn index(&self, ix: i64, iy: i64) -> Option<usize> {
        let (i, j) = (ix - self.ix0, iy - self.iy0);
        (i >= 0 && j >= 0 && (i as usize) < self.nx && (j as usize) < self.ny)
            .then(|| j as usize * self.nx + i as usize)
    }

    fn cell_of(&self, p: Coord<f64>) -> (i64, i64) {
        ((p.x / self.cell_m).floor() as i64, (p.y / self.cell_m).floor() as i64)
    }

    pub fn is_processed(&self, ix: i64, iy: i64) -> bool {
        self.index(ix, iy).is_some_and(|k| self.bits[k] & PROCESSED != 0)
    }

    /// Mark a cell processed; true when it was not yet.
    pub fn mark(&mut self, ix: i64, iy: i64) -> bool {
        let Some(k) = self.index(ix, iy) else { return false };
        if self.bits[k] & PROCESSED != 0 {
            return false;
        }
        self.bits[k] |= PROCESSED;
        if self.bits[k] & HAZARD != 0 {
            self.processed_hazard += 1;
        }
        true
    }

    /// Mark every cell whose centre lies in the quadrilateral swept by the processing line
    /// `(a0, b0)` → `(a1, b1)`; newly processed cells are appended to `new`.
    pub fn sweep(&mut self, a0: Coord<f64>, b0: Coord<f64>, a1: Coord<f64>, b1: Coord<f64>, new: &mut Vec<(i64, i64)>) {
        let quad = [a0, b0, b1, a1];
        let (mut lo, mut hi) = (quad[0], quad[0]);
        for q in &quad {
            lo = Coord {
                x: lo.x.min(q.x),
                y: lo.y.min(q.y),
            };
            hi = Coord {
                x: hi.x.max(q.x),
                y: hi.y.max(q.y),
            };
        }
        let (i0, j0) = self.cell_of(lo);
        let (i1, j1) = self.cell_of(hi);
        // The line's ends move a0 → a1 and b0 → b1; when the line also turns a little (heading
        // noise) the quadrilateral is a bow-tie, so test the union of the four corner triangles
        // (the hull of the four points): over-credit is at most a sliver of the turn.
        let tri = |p: Coord<f64>, u: Coord<f64>, v: Coord<f64>, w: Coord<f64>| {
            let cross = |a: Coord<f64>, b: Coord<f64>| (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
            let (c1, c2, c3) = (cross(u, v), cross(v, w), cross(w, u));
            (c1 >= 0.0 && c2 >= 0.0 && c3 >= 0.0) || (c1 <= 0.0 && c2 <= 0.0 && c3 <= 0.0)
        };
        let inside =
            |p: Coord<f64>| tri(p, a0, b0, b1) || tri(p, a0, b1, a1) || tri(p, a0, b0, a1) || tri(p, b0, b1, a1);
        for j in j0..=j1 {
            for i in i0..=i1 {
                let c = Coord {
                    x: (i as f64 + 0.5) * self.cell_m,
                    y: (j as f64 + 0.5) * self.cell_m,
                };
                if inside(c) && self.mark(i, j) {
                    new.push((i, j));
                }
            }
        }
    }

    /// Fraction of hazard cells processed.
    pub fn processed_fraction(&self) -> f64 {
        self.processed_hazard as f64 / self.hazard_cells.max(1) as f64
    }

    /// Hazard area not processed, m².
    pub fn residual_m2(&self) -> f64 {
        (self.hazard_cells - self.processed_hazard) as f64 * self.cell_m * self.cell_m
    }

    pub fn hazard_m2(&self) -> f64 {
        self.hazard_cells as f64 * self.cell_m * self.cell_m
    }

    /// Runs of cells along rows that satisfy `pred(bits)`: (iy, ix_first, ix_last).
    fn runs(&self, pred: impl Fn(u8) -> bool) -> Vec<(i64, i64, i64)> {
        let mut out = Vec::new();
        for j in 0..self.ny {
            let mut start = None;
            for i in 0..=self.nx {
                let on = i < self.nx && pred(self.bits[j * self.nx + i]);
                match (on, start) {
                    (true, None) => start = Some(i),
                    (false, Some(s)) => {
                        out.push((self.iy0 + j as i64, self.ix0 + s as i64, self.ix0 + i as i64 - 1));
                        start = None;
                    }
                    _ => {}
                }
            }
        }
        out
    }

    /// Rectangles (ENU metres: x0, y0, x1, y1) covering the processed cells, rows merged
    /// where consecutive rows have the same run.
    pub fn processed_rects(&self) -> Vec<[f64; 4]> {
        self.rects(|b| b & PROCESSED != 0)
    }

    /// Rectangles of hazard cells not processed.
    pub fn missed_rects(&self) -> Vec<[f64; 4]> {
        self.rects(|b| b & HAZARD != 0 && b & PROCESSED == 0)
    }

    fn rects(&self, pred: impl Fn(u8) -> bool) -> Vec<[f64; 4]> {
        use std::collections::HashMap;
        let c = self.cell_m;
        let rect = |(a, b): (i64, i64), j0: i64, j1: i64| {
            [a as f64 * c, j0 as f64 * c, (b + 1) as f64 * c, (j1 + 1) as f64 * c]
        };
        let mut out = Vec::new();
        // runs open in the previous row: (first, last) -> first row
        let mut open: HashMap<(i64, i64), i64> = HashMap::new();
        let mut prev_row = i64::MIN;
        let runs = self.runs(pred);
        let mut k = 0;
        while k < runs.len() {
            let j = runs[k].0;
            let mut cur = HashMap::new();
            while k < runs.len() && runs[k].0 == j {
                let key = (runs[k].1, runs[k].2);
                let j0 = if prev_row + 1 == j {
                    open.remove(&key).unwrap_or(j)
                } else {
                    j
                };
                cur.insert(key, j0);
                k += 1;
            }
            out.extend(open.drain().map(|(key, j0)| rect(key, j0, prev_row)));
            open = cur;
            prev_row = j;
        }
        out.extend(open.drain().map(|(key, j0)| rect(key, j0, prev_row)));
        out
    }
}

impl GroundQuery for Grid {
    fn covered(&self, p: Coord<f64>) -> bool {
        let (i, j) = self.cell_of(p);
        // Cells answer for their centre; a point in a cell whose centre is not covered may
        // still lie on safe ground (cells cut by the safe area's edge): ask the polygon.
        self.index(i, j).is_some_and(|k| self.bits[k] & (SAFE | PROCESSED) != 0)
            || geo::Contains::contains(&self.safe, &geo::Point::from(p))
    }
}

/// Where the processing line lies at `pose`: its right and left ends (ENU metres).
pub fn line_at(pose: &Pose, x_m: f64, y_m: (f64, f64)) -> (Coord<f64>, Coord<f64>) {
    (pose.apply(x_m, y_m.0), pose.apply(x_m, y_m.1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, Area};

    #[test]
    fn sweep_counts_and_rects_cover_the_same_area() {
        let hazard = MultiPolygon(vec![
            polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0)],
        ]);
        let safe = MultiPolygon(vec![
            polygon![(x: -5.0, y: 0.0), (x: 0.0, y: 0.0), (x: 0.0, y: 10.0), (x: -5.0, y: 10.0)],
        ]);
        let ext = Rect::new(Coord { x: -5.0, y: 0.0 }, Coord { x: 10.0, y: 10.0 });
        let mut g = Grid::new(ext, &hazard, &safe, 0.1);
        assert!(
            (g.hazard_m2() - hazard.unsigned_area()).abs() < 0.5,
            "{}",
            g.hazard_m2()
        );
        assert!(g.covered(Coord { x: -1.0, y: 5.0 }) && !g.covered(Coord { x: 1.0, y: 5.0 }));
        let mut new = Vec::new();
        let c = |x, y| Coord { x, y };
        g.sweep(c(0.0, 0.0), c(0.0, 2.0), c(10.0, 0.0), c(10.0, 2.0), &mut new);
        assert_eq!(new.len(), 2000);
        assert!((g.processed_fraction() - 0.2).abs() < 0.01);
        new.clear();
        g.sweep(c(0.0, 0.0), c(0.0, 2.0), c(10.0, 0.0), c(10.0, 2.0), &mut new);
        assert!(new.is_empty(), "idempotent");
        let area: f64 = g.processed_rects().iter().map(|r| (r[2] - r[0]) * (r[3] - r[1])).sum();
        assert!((area - 20.0).abs() < 1e-6, "{area}");
        let missed: f64 = g.missed_rects().iter().map(|r| (r[2] - r[0]) * (r[3] - r[1])).sum();
        assert!((missed - g.residual_m2()).abs() < 1e-6);
        assert!(g.covered(c(5.0, 1.0)));
    }
}
