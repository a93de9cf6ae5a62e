//! Stage 4a: lanes. Cut the region to process into parallel bands one working width wide and find,
//! band by band, the stretches the implement must sweep: where the band meets the target, minus
//! where it would touch an obstacle's clearance zone.
//!
//! Bands are spaced evenly at most `working_width − overlap` apart so the configured overlap is a
//! minimum, and the outermost bands are flush with the region's extent.

use geo::{BoundingRect, Coord, MultiPolygon};

/// A frame rotated so that lanes run along +x. `angle_rad` is the lane direction in ENU (from east, CCW).
#[derive(Clone, Copy, Debug)]
pub struct LaneFrame {
    pub angle_rad: f64,
    cos: f64,
    sin: f64,
}

impl LaneFrame {
    pub fn new(angle_rad: f64) -> Self {
        let (sin, cos) = angle_rad.sin_cos();
        Self { angle_rad, cos, sin }
    }

    /// ENU → lane frame.
    pub fn to_lane(&self, c: Coord<f64>) -> Coord<f64> {
        Coord {
            x: self.cos * c.x + self.sin * c.y,
            y: -self.sin * c.x + self.cos * c.y,
        }
    }

    /// Lane frame → ENU.
    pub fn to_enu(&self, c: Coord<f64>) -> Coord<f64> {
        Coord {
            x: self.cos * c.x - self.sin * c.y,
            y: self.sin * c.x + self.cos * c.y,
        }
    }

    pub fn polygons_to_lane(&self, mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
        use geo::MapCoords;
        mp.map_coords(|c| self.to_lane(c))
    }
}

/// One stretch of one band: the implement sweeps from `x0_m` to `x1_m` at lateral position `y_m`
/// (lane frame, metres).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BandPiece {
    pub band: usize,
    pub y_m: f64,
    pub x0_m: f64,
    pub x1_m: f64,
}

/// Lateral centres of evenly spaced bands covering `[y_min, y_max]` with at most `spacing_m` between
/// centres and each band `width_m` wide.
///
/// # Units
/// All metres.
pub fn band_centres(y_min: f64, y_max: f64, width_m: f64, spacing_m: f64) -> Vec<f64> {
    let h = y_max - y_min;
    if h <= width_m {
        return vec![(y_min + y_max) / 2.0];
    }
    let n = ((h - width_m) / spacing_m - 1e-9).ceil() as usize + 1;
    let step = (h - width_m) / (n - 1) as f64;
    (0..n).map(|i| y_min + width_m / 2.0 + step * i as f64).collect()
}

/// x-intervals of the polygons' parts inside the band `[y_lo, y_hi]`, sorted and merged when
/// closer than `merge_gap_m`.
pub fn band_intervals(polys: &MultiPolygon<f64>, y_lo: f64, y_hi: f64, merge_gap_m: f64) -> Vec<(f64, f64)> {
    let edges: Vec<_> = polys.0.iter().flat_map(super::scan::edges).collect();
    merge(super::scan::band_projection(&edges, y_lo, y_hi), merge_gap_m)
}

fn merge(iv: Vec<(f64, f64)>, gap: f64) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(iv.len());
    for (a, b) in iv {
        match out.last_mut() {
            Some(last) if a <= last.1 + gap => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// Remove `cuts` from `intervals` (both sorted lists of closed intervals).
pub fn subtract_intervals(intervals: &[(f64, f64)], cuts: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    for &(a, b) in intervals {
        let mut start = a;
        for &(c, d) in cuts {
            if d <= start || c >= b {
                continue;
            }
            if c > start {
                out.push((start, c));
            }
            start = start.max(d);
        }
        if start < b {
            out.push((start, b));
        }
    }
    out
}

/// The band pieces of `target` (lane frame) for bands `width_m` wide at most `spacing_m` apart,
/// avoiding `forbidden` (lane frame). Pieces shorter than 1 cm are dropped (they hold no ground a
/// machine could process; what they would have covered stays residual).
pub fn band_pieces(
    target: &MultiPolygon<f64>,
    forbidden: &MultiPolygon<f64>,
    width_m: f64,
    spacing_m: f64,
) -> Vec<BandPiece> {
    band_pieces_edged(target, forbidden, width_m, spacing_m, 0.0)
}

/// [`band_pieces`] with the outermost bands reaching `edge_m` beyond the target's extent on both
/// sides, so that the edges parallel to the lanes are processed with room for tracking error
/// instead of to the last centimetre (the strip beyond is processed ground like any other: the
/// machine may stand on it).
pub fn band_pieces_edged(
    target: &MultiPolygon<f64>,
    forbidden: &MultiPolygon<f64>,
    width_m: f64,
    spacing_m: f64,
    edge_m: f64,
) -> Vec<BandPiece> {
    let Some(r) = target.bounding_rect() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (band, y) in band_centres(r.min().y - edge_m, r.max().y + edge_m, width_m, spacing_m)
        .into_iter()
        .enumerate()
    {
        let (y_lo, y_hi) = (y - width_m / 2.0, y + width_m / 2.0);
        let want = band_intervals(target, y_lo, y_hi, 0.5);
        // Forbidden zones block the whole processing line: widen by a hair so the strip never touches.
        let cuts: Vec<(f64, f64)> = band_intervals(forbidden, y_lo, y_hi, 0.0)
            .into_iter()
            .map(|(a, b)| (a - 1e-3, b + 1e-3))
            .collect();
        for (x0, x1) in subtract_intervals(&want, &cuts) {
            if x1 - x0 >= 0.01 {
                out.push(BandPiece {
                    band,
                    y_m: y,
                    x0_m: x0,
                    x1_m: x1,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Rect;
    use proptest::prelude::*;

    #[test]
    fn bands_cover_with_minimum_overlap() {
        let c = band_centres(0.0, 10.0, 1.9, 1.6);
        assert!((c[0] - 0.95).abs() < 1e-9 && (c.last().unwrap() - 9.05).abs() < 1e-9);
        for w in c.windows(2) {
            assert!(w[1] - w[0] <= 1.6 + 1e-9);
        }
    }

    #[test]
    fn interval_subtraction() {
        let r = subtract_intervals(&[(0.0, 10.0), (12.0, 20.0)], &[(2.0, 3.0), (9.0, 13.0)]);
        assert_eq!(r, vec![(0.0, 2.0), (3.0, 9.0), (13.0, 20.0)]);
    }

    #[test]
    fn obstacle_splits_a_band() {
        let target = MultiPolygon::new(vec![Rect::new((0.0, 0.0), (30.0, 1.9)).to_polygon()]);
        let forb = MultiPolygon::new(vec![Rect::new((10.0, 0.5), (12.0, 1.0)).to_polygon()]);
        let p = band_pieces(&target, &forb, 1.9, 1.6);
        assert_eq!(p.len(), 2);
        assert!((p[0].x1_m - 10.0).abs() < 0.01 && (p[1].x0_m - 12.0).abs() < 0.01);
    }

    proptest! {
        #[test]
        fn band_centres_always_cover(h in 0.1f64..500.0, w in 0.5f64..4.0, ov in 0.0f64..0.45) {
            let s = w * (1.0 - ov);
            let c = band_centres(0.0, h, w, s);
            prop_assert!(c[0] - w / 2.0 <= 1e-9);
            prop_assert!(c.last().unwrap() + w / 2.0 >= h.min(w.max(h)) - 1e-9 || h < w);
            for p in c.windows(2) { prop_assert!(p[1] - p[0] <= s + 1e-9 && p[1] > p[0]); }
        }
    }
}
