//! Combining validated polygons into a field's layers (ENU metres): hazard polygons must not
//! overlap each other, safe polygons must not overlap the hazard or its obstacles, the hazard's size
//! is bounded, and without a `safe` feature the safe area is a band around the hazard.

use super::error::{FeatureRef, FieldError};
use super::validate::Ctx;
use geo::{Area, BooleanOps, BoundingRect, Buffer, InteriorPoint, MultiPolygon, Orient, Polygon, Rect};

/// Overlap below this area counts as touching (rounding in projection and clipping), m².
pub const OVERLAP_TOL_M2: f64 = 0.01;

/// A validated polygon and the feature it came from.
pub(super) type Part = (FeatureRef, Polygon<f64>);

/// The hazard polygons as one oriented MultiPolygon, after checking that no two overlap (touching is
/// fine; adjacent polygons are merged) and that the total area is within `max_area_m2`.
pub(super) fn hazard(ctx: &Ctx, parts: &[Part], max_area_m2: f64) -> Result<MultiPolygon<f64>, FieldError> {
    let area_m2: f64 = parts.iter().map(|(_, p)| p.unsigned_area()).sum();
    if area_m2 > max_area_m2 {
        return Err(FieldError::TooLarge {
            file: ctx.file.to_string(),
            area_m2,
            max_m2: max_area_m2,
        });
    }
    // Outer rings are compared, so a polygon inside another's obstacle counts as overlapping.
    let shells: Vec<Polygon<f64>> = parts.iter().map(|(_, p)| shell(p)).collect();
    for i in 0..parts.len() {
        for j in i + 1..parts.len() {
            if let Some((area_m2, near)) = overlap(&shells[i], &shells[j]) {
                let (a, b, file, near) = (parts[i].0, parts[j].0, ctx.file.to_string(), ctx.near(near));
                return Err(FieldError::HazardsOverlap {
                    file,
                    a,
                    b,
                    area_m2,
                    near,
                });
            }
        }
    }
    let polys: Vec<Polygon<f64>> = parts.iter().map(|(_, p)| p.clone()).collect();
    Ok(merge(polys))
}

/// The given safe polygons as one oriented MultiPolygon, after checking that none overlaps a hazard
/// polygon or its obstacles. Safe polygons may overlap each other; they are merged.
pub(super) fn safe_given(ctx: &Ctx, safe: &[Part], hazard: &[Part]) -> Result<MultiPolygon<f64>, FieldError> {
    for (s_ref, s) in safe {
        for (h_ref, h) in hazard {
            if let Some((area_m2, near)) = overlap(s, &shell(h)) {
                let (file, near) = (ctx.file.to_string(), ctx.near(near));
                return Err(FieldError::SafeOverlapsHazard {
                    file,
                    safe: *s_ref,
                    hazard: *h_ref,
                    area_m2,
                    near,
                });
            }
        }
    }
    Ok(merge(safe.iter().map(|(_, p)| p.clone()).collect()))
}

/// The default safe area: the hazard's outer rings buffered by `margin_m`, minus those outer rings,
/// so obstacles (holes) are never safe.
pub(super) fn safe_band(hazard: &MultiPolygon<f64>, margin_m: f64) -> MultiPolygon<f64> {
    let shells = MultiPolygon::new(hazard.0.iter().map(shell).collect());
    shells
        .buffer(margin_m)
        .difference(&shells)
        .orient(geo::orient::Direction::Default)
}

/// The polygon without its holes.
pub(super) fn shell(p: &Polygon<f64>) -> Polygon<f64> {
    Polygon::new(p.exterior().clone(), vec![])
}

/// Area and an interior point of the overlap of two polygons, when it exceeds [`OVERLAP_TOL_M2`].
fn overlap(a: &Polygon<f64>, b: &Polygon<f64>) -> Option<(f64, geo::Coord<f64>)> {
    let (ra, rb) = (a.bounding_rect()?, b.bounding_rect()?);
    if !rects_meet(ra, rb) {
        return None;
    }
    let common = a.intersection(b);
    let area = common.unsigned_area();
    (area > OVERLAP_TOL_M2).then(|| (area, common.interior_point().map(|p| p.0).unwrap_or(a.exterior().0[0])))
}

fn rects_meet(a: Rect<f64>, b: Rect<f64>) -> bool {
    a.min().x <= b.max().x && b.min().x <= a.max().x && a.min().y <= b.max().y && b.min().y <= a.max().y
}

/// One polygon stays exactly as validated; several are unioned (merging those that touch).
fn merge(polys: Vec<Polygon<f64>>) -> MultiPolygon<f64> {
    if polys.len() == 1 {
        return MultiPolygon::new(polys);
    }
    geo::unary_union(&polys).orient(geo::orient::Direction::Default)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon<f64> {
        polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1), (x: x0, y: y0)]
    }

    #[test]
    fn touching_rectangles_do_not_overlap_and_merge() {
        let (a, b) = (rect(0.0, 0.0, 10.0, 10.0), rect(10.0, 0.0, 20.0, 10.0));
        assert!(overlap(&a, &b).is_none());
        let m = merge(vec![a, b]);
        assert_eq!(m.0.len(), 1);
        assert!((m.unsigned_area() - 200.0).abs() < 1e-6);
    }

    #[test]
    fn overlap_is_measured() {
        let (area, c) = overlap(&rect(0.0, 0.0, 10.0, 10.0), &rect(8.0, 0.0, 20.0, 10.0)).unwrap();
        assert!((area - 20.0).abs() < 1e-6);
        assert!((8.0..=10.0).contains(&c.x));
    }

    #[test]
    fn band_excludes_hazard_and_holes() {
        let with_hole = Polygon::new(
            rect(0.0, 0.0, 100.0, 50.0).exterior().clone(),
            vec![rect(40.0, 20.0, 50.0, 30.0).exterior().clone()],
        );
        let band = safe_band(&MultiPolygon::new(vec![with_hole]), 10.0);
        // 2·10·(100 + 50) plus four quarter discs (π·10², slightly less as a polygon).
        let want = 3000.0 + std::f64::consts::PI * 100.0;
        assert!(
            (band.unsigned_area() - want).abs() < 0.01 * want,
            "{}",
            band.unsigned_area()
        );
        assert!(rect(0.0, 0.0, 100.0, 50.0).intersection(&band).unsigned_area() < 1e-6);
    }
}
