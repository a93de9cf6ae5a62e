//! A raster accelerator for the footprint-rule checker.
//!
//! Cells of a regular grid are marked `FULL` when they lie wholly inside one allowed polygon and
//! `TOUCHED` when an allowed polygon meets them. A region is then certainly allowed when every cell
//! it meets is `FULL`, and certainly not when a cell wholly inside it is touched by no allowed
//! polygon at all (that whole cell, far above the checker's tolerance, is outside the allowed
//! ground). Only the remaining cases go to the exact polygon test. Both answers are exact, not
//! approximations: the raster only decides what it can prove.
//!
//! Rows are rasterised exactly for any polygon: over the band `y0..y1` a cell column is inside
//! when the polygon's chords at `y0` and at `y1` both contain it and no edge passes through the band
//! within it.

use super::scan::{chord, edge_extents, edges};
use geo::{BoundingRect, Coord, Polygon, Rect};

const EMPTY: u8 = 0;
const TOUCHED: u8 = 1;
const FULL: u8 = 2;

/// What the mask can prove about a region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Inside,
    Outside,
    Unknown,
}

#[derive(Clone, Debug)]
pub struct CoverMask {
    x0: f64,
    y0: f64,
    cell: f64,
    nx: usize,
    ny: usize,
    cells: Vec<u8>,
    /// Cells whose centre lies in some allowed polygon (the union, seams included): a hint for
    /// route search, never a proof.
    centres: Vec<bool>,
}

fn intersect(a: &[(f64, f64)], b: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    for &(p, q) in a {
        for &(r, s) in b {
            let (lo, hi) = (p.max(r), q.min(s));
            if lo < hi {
                out.push((lo, hi));
            }
        }
    }
    out
}

fn subtract(spans: Vec<(f64, f64)>, cuts: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut cur = spans;
    for &(c, d) in cuts {
        let mut next = Vec::with_capacity(cur.len() + 1);
        for (a, b) in cur {
            if d <= a || c >= b {
                next.push((a, b));
                continue;
            }
            if c > a {
                next.push((a, c));
            }
            if d < b {
                next.push((d, b));
            }
        }
        cur = next;
    }
    cur
}

impl CoverMask {
    /// A mask over `area` with cells of about `cell_m`, grown so that it never exceeds ~4 M cells.
    pub fn new(area: Rect<f64>, cell_m: f64) -> Self {
        let cell = cell_m.max((area.width() * area.height() / 4.0e6).sqrt());
        let nx = (area.width() / cell).ceil() as usize + 1;
        let ny = (area.height() / cell).ceil() as usize + 1;
        CoverMask {
            x0: area.min().x,
            y0: area.min().y,
            cell,
            nx,
            ny,
            cells: vec![EMPTY; nx * ny],
            centres: vec![false; nx * ny],
        }
    }

    /// For each row the polygon meets: (row, full cell range, touched cell ranges).
    fn rows(&self, p: &Polygon<f64>, mut f: impl FnMut(usize, &[(usize, usize)], &[(usize, usize)]) -> bool) -> bool {
        let Some(bb) = p.bounding_rect() else { return true };
        let e = edges(p);
        let j0 = ((bb.min().y - self.y0) / self.cell).floor().max(0.0) as usize;
        let j1 = (((bb.max().y - self.y0) / self.cell).floor() as usize).min(self.ny - 1);
        for j in j0..=j1 {
            let (ya, yb) = (self.y0 + j as f64 * self.cell, self.y0 + (j + 1) as f64 * self.cell);
            let (ca, cb) = (chord(&e, ya), chord(&e, yb));
            let ext = edge_extents(&e, ya, yb);
            let full = subtract(intersect(&ca, &cb), &ext);
            let mut touched: Vec<(f64, f64)> = ca.iter().chain(&cb).chain(&ext).copied().collect();
            touched.sort_by(|a, b| a.0.total_cmp(&b.0));
            let to_cells_in = |iv: &[(f64, f64)]| -> Vec<(usize, usize)> {
                iv.iter()
                    .filter_map(|&(a, b)| {
                        let i0 = ((a - self.x0) / self.cell).ceil().max(0.0) as usize;
                        let i1 = ((b - self.x0) / self.cell).floor();
                        (i1 >= 1.0 && (i1 as usize) > i0).then(|| (i0, (i1 as usize).min(self.nx)))
                    })
                    .collect()
            };
            let to_cells_touch = |iv: &[(f64, f64)]| -> Vec<(usize, usize)> {
                iv.iter()
                    .filter_map(|&(a, b)| {
                        let i0 = ((a - self.x0) / self.cell).floor().max(0.0) as usize;
                        let i1 = (((b - self.x0) / self.cell).floor() as usize + 1).min(self.nx);
                        (i1 > i0).then_some((i0, i1))
                    })
                    .collect()
            };
            if !f(j, &to_cells_in(&full), &to_cells_touch(&touched)) {
                return false;
            }
        }
        true
    }

    fn covers_grid(&self, p: &Polygon<f64>) -> bool {
        p.bounding_rect().is_some_and(|bb| {
            bb.min().x >= self.x0
                && bb.min().y >= self.y0
                && bb.max().x < self.x0 + (self.nx - 1) as f64 * self.cell
                && bb.max().y < self.y0 + (self.ny - 1) as f64 * self.cell
        })
    }

    /// Side of a cell, metres.
    pub fn cell_m(&self) -> f64 {
        self.cell
    }

    /// Is the cell holding `c` touched by no allowed polygon at all (false outside the grid)? Then
    /// a region that contains that whole cell is certainly not allowed.
    pub fn empty_at(&self, c: Coord<f64>) -> bool {
        let (fx, fy) = ((c.x - self.x0) / self.cell, (c.y - self.y0) / self.cell);
        // truncation is the floor for the non-negative values kept (and cheaper than a call)
        if !(fx >= 0.0 && fy >= 0.0) {
            return false;
        }
        let (i, j) = (fx as usize, fy as usize);
        i < self.nx && j < self.ny && self.cells[j * self.nx + i] == EMPTY
    }

    /// Mark an allowed polygon.
    pub fn allow(&mut self, p: &Polygon<f64>) {
        if let Some(bb) = p.bounding_rect() {
            let e = edges(p);
            let j0 = ((bb.min().y - self.y0) / self.cell).floor().max(0.0) as usize;
            let j1 = (((bb.max().y - self.y0) / self.cell).floor().max(0.0) as usize).min(self.ny - 1);
            for j in j0..=j1 {
                let yc = self.y0 + (j as f64 + 0.5) * self.cell;
                for (a, b) in chord(&e, yc) {
                    let i0 = ((a - self.x0) / self.cell - 0.5).ceil().max(0.0) as usize;
                    let i1 = (((b - self.x0) / self.cell - 0.5).floor().max(-1.0) + 1.0) as usize;
                    for c in &mut self.centres
                        [j * self.nx + i0.min(self.nx)..j * self.nx + i1.min(self.nx).max(i0.min(self.nx))]
                    {
                        *c = true;
                    }
                }
            }
        }
        let mut marks: Vec<(usize, usize, u8)> = Vec::new();
        self.rows(p, |j, full, touched| {
            for &(a, b) in touched {
                marks.push((j, a, TOUCHED));
                marks.push((j, b, u8::MAX));
            }
            for &(a, b) in full {
                marks.push((j, a, FULL));
                marks.push((j, b, u8::MAX - 1));
            }
            true
        });
        // apply: ranges are (start, end) pairs in order pushed
        for pair in marks.chunks_exact(2) {
            let (j, a, v) = pair[0];
            let b = pair[1].1;
            let row = &mut self.cells[j * self.nx..(j + 1) * self.nx];
            for c in &mut row[a..b] {
                *c = (*c).max(v);
            }
        }
    }

    /// Do all cells within `radius_m` (plus a cell's half diagonal) of `c` have their centres on
    /// allowed ground? A hint for route search (thin seams are invisible to it); false outside the grid.
    pub fn disc_allowed(&self, c: Coord<f64>, radius_m: f64) -> bool {
        let r = radius_m + self.cell * std::f64::consts::FRAC_1_SQRT_2;
        let i0 = ((c.x - r - self.x0) / self.cell).floor();
        let i1 = ((c.x + r - self.x0) / self.cell).floor();
        let j0 = ((c.y - r - self.y0) / self.cell).floor();
        let j1 = ((c.y + r - self.y0) / self.cell).floor();
        if i0 < 0.0 || j0 < 0.0 || i1 >= self.nx as f64 || j1 >= self.ny as f64 {
            return false;
        }
        let r2 = r * r;
        for j in j0 as usize..=j1 as usize {
            let dy = self.y0 + (j as f64 + 0.5) * self.cell - c.y;
            // the row's chord of the disc
            let half = (r2 - dy * dy).max(0.0).sqrt();
            let a = (((c.x - half - self.x0) / self.cell) - 0.5).ceil().max(i0) as usize;
            let b = (((c.x + half - self.x0) / self.cell) - 0.5).floor().min(i1) as usize;
            if a <= b && self.centres[j * self.nx + a..=j * self.nx + b].contains(&false) {
                return false;
            }
        }
        true
    }

    /// What the mask proves about `region`.
    pub fn verdict(&self, region: &Polygon<f64>) -> Verdict {
        if !self.covers_grid(region) {
            return Verdict::Unknown;
        }
        let mut all_full = true;
        let mut outside = false;
        self.rows(region, |j, full, touched| {
            let row = &self.cells[j * self.nx..(j + 1) * self.nx];
            for &(a, b) in full {
                if row[a..b].contains(&EMPTY) {
                    outside = true;
                    return false;
                }
            }
            if all_full {
                for &(a, b) in touched {
                    if row[a..b].iter().any(|&c| c != FULL) {
                        all_full = false;
                        break;
                    }
                }
            }
            true
        });
        if outside {
            Verdict::Outside
        } else if all_full {
            Verdict::Inside
        } else {
            Verdict::Unknown
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, Rect};

    #[test]
    fn proves_inside_and_outside() {
        let mut m = CoverMask::new(Rect::new((0.0, 0.0), (100.0, 100.0)), 0.25);
        m.allow(&Rect::new((10.0, 10.0), (50.0, 50.0)).to_polygon());
        assert_eq!(
            m.verdict(&Rect::new((20.0, 20.0), (30.0, 30.0)).to_polygon()),
            Verdict::Inside
        );
        assert_eq!(
            m.verdict(&Rect::new((60.0, 60.0), (70.0, 70.0)).to_polygon()),
            Verdict::Outside
        );
        // straddling the edge by a few centimetres: not provable either way by cells alone
        assert_eq!(
            m.verdict(&Rect::new((45.0, 20.0), (50.05, 30.0)).to_polygon()),
            Verdict::Unknown
        );
        // a rotated triangle inside
        let t = polygon![(x: 15.0, y: 15.0), (x: 45.0, y: 20.0), (x: 20.0, y: 44.0)];
        assert_eq!(m.verdict(&t), Verdict::Inside);
    }

    #[test]
    fn concave_polygons_are_exact() {
        let mut m = CoverMask::new(Rect::new((0.0, 0.0), (100.0, 100.0)), 0.25);
        // U shape: the notch x 40..60, y 40..90 is not allowed
        let u = polygon![(x: 10.0, y: 10.0), (x: 90.0, y: 10.0), (x: 90.0, y: 90.0), (x: 60.0, y: 90.0), (x: 60.0, y: 40.0), (x: 40.0, y: 40.0), (x: 40.0, y: 90.0), (x: 10.0, y: 90.0)];
        m.allow(&u);
        assert_eq!(
            m.verdict(&Rect::new((45.0, 50.0), (55.0, 80.0)).to_polygon()),
            Verdict::Outside
        );
        assert_eq!(
            m.verdict(&Rect::new((15.0, 50.0), (35.0, 80.0)).to_polygon()),
            Verdict::Inside
        );
        assert_ne!(
            m.verdict(&Rect::new((35.0, 50.0), (45.0, 80.0)).to_polygon()),
            Verdict::Inside
        );
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use geo::{Area, BooleanOps, Coord, LineString, MultiPolygon};
    use proptest::prelude::*;

    fn star(c: (f64, f64), radii: &[f64]) -> Polygon<f64> {
        let n = radii.len();
        let mut pts: Vec<Coord<f64>> = radii
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let a = i as f64 / n as f64 * std::f64::consts::TAU;
                Coord {
                    x: c.0 + r * a.cos(),
                    y: c.1 + r * a.sin(),
                }
            })
            .collect();
        pts.push(pts[0]);
        Polygon::new(LineString::from(pts), vec![])
    }

    proptest! {
        /// Whatever the mask claims, the exact geometry agrees.
        #[test]
        fn verdicts_agree_with_exact_geometry(
            allowed in prop::collection::vec(((20.0f64..80.0, 20.0f64..80.0), prop::collection::vec(2.0f64..20.0, 3..9)), 1..4),
            probe in ((10.0f64..90.0, 10.0f64..90.0), prop::collection::vec(0.3f64..6.0, 3..7)),
        ) {
            let mut m = CoverMask::new(Rect::new((0.0, 0.0), (100.0, 100.0)), 0.25);
            let polys: Vec<Polygon<f64>> = allowed.iter().map(|(c, r)| star(*c, r)).collect();
            for p in &polys { m.allow(p); }
            let region = star(probe.0, &probe.1);
            let union = geo::unary_union(polys.iter());
            let outside = MultiPolygon::new(vec![region.clone()]).difference(&union).unsigned_area();
            match m.verdict(&region) {
                Verdict::Inside => prop_assert!(outside < 1e-6, "claimed inside, {outside} m² outside"),
                Verdict::Outside => prop_assert!(outside > 1e-4, "claimed outside, only {outside} m² outside"),
                Verdict::Unknown => {}
            }
        }
    }
}
