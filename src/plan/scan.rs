//! Horizontal scanlines over polygons: the exact x-extents of a polygon within a horizontal band,
//! without polygon clipping. Used by the lane generator and the checker's raster.

use geo::{Coord, Polygon};

/// Edges of all rings of a polygon.
pub fn edges(p: &Polygon<f64>) -> Vec<(Coord<f64>, Coord<f64>)> {
    std::iter::once(p.exterior())
        .chain(p.interiors())
        .flat_map(|r| r.0.windows(2).map(|w| (w[0], w[1])))
        .collect()
}

/// Inside intervals of the horizontal line at `y` (even-odd rule).
pub fn chord(edges: &[(Coord<f64>, Coord<f64>)], y: f64) -> Vec<(f64, f64)> {
    let mut xs: Vec<f64> = edges
        .iter()
        .filter(|(a, b)| (a.y <= y) != (b.y <= y))
        .map(|(a, b)| a.x + (y - a.y) / (b.y - a.y) * (b.x - a.x))
        .collect();
    xs.sort_by(f64::total_cmp);
    xs.chunks_exact(2).map(|c| (c[0], c[1])).collect()
}

/// x-extents of the parts of edges strictly inside the band.
pub fn edge_extents(edges: &[(Coord<f64>, Coord<f64>)], y0: f64, y1: f64) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    for (a, b) in edges {
        let (lo, hi) = if a.y <= b.y { (a, b) } else { (b, a) };
        if hi.y <= y0 || lo.y >= y1 {
            // touching the band's border lines only: the chords there account for it
            if !(lo.y == hi.y && lo.y > y0 && lo.y < y1) {
                continue;
            }
        }
        let at = |y: f64| {
            if hi.y == lo.y {
                lo.x
            } else {
                lo.x + (y - lo.y) / (hi.y - lo.y) * (hi.x - lo.x)
            }
        };
        let (ya, yb) = (lo.y.max(y0), hi.y.min(y1));
        let (xa, xb) = if hi.y == lo.y {
            (lo.x.min(hi.x), lo.x.max(hi.x))
        } else {
            (at(ya), at(yb))
        };
        out.push((xa.min(xb), xa.max(xb)));
    }
    out
}

/// The x-ranges where `edges` (all rings of some polygons) meet the band `y0..y1`, sorted and
/// merged: the projection of (polygons ∩ band) on x.
pub fn band_projection(edges: &[(Coord<f64>, Coord<f64>)], y0: f64, y1: f64) -> Vec<(f64, f64)> {
    let mut iv: Vec<(f64, f64)> = chord(edges, y0);
    iv.extend(chord(edges, y1));
    iv.extend(edge_extents(edges, y0, y1));
    iv.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(iv.len());
    for (a, b) in iv {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}
