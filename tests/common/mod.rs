//! Shared helpers of the integration tests: fields built directly in ENU metres, and an independent
//! raster check of a plan's processed area.
#![allow(dead_code)]

use demine::field::{Field, SafeSource};
use demine::geodesy::{Datum, LatLon};
use demine::machine::MachineProfile;
use demine::plan::Plan;
use geo::{BooleanOps, Buffer, Coord, LineString, MultiPolygon, Point, Polygon};

pub fn ring(pts: &[(f64, f64)]) -> LineString<f64> {
    let mut v: Vec<Coord<f64>> = pts.iter().map(|&(x, y)| Coord { x, y }).collect();
    v.push(v[0]);
    LineString::from(v)
}

pub fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<(f64, f64)> {
    vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
}

/// Rotate points by `deg` about the origin.
pub fn rotated(pts: &[(f64, f64)], deg: f64) -> Vec<(f64, f64)> {
    let (s, c) = deg.to_radians().sin_cos();
    pts.iter().map(|&(x, y)| (c * x - s * y, s * x + c * y)).collect()
}

/// A field in ENU metres: hazard shell with holes, and either given safe polygons or the default
/// 20 m band.
pub fn field(shell: &[(f64, f64)], holes: &[Vec<(f64, f64)>], safe: Option<Vec<Vec<(f64, f64)>>>) -> Field {
    let hazard = MultiPolygon::new(vec![Polygon::new(ring(shell), holes.iter().map(|h| ring(h)).collect())]);
    let (safe, safe_source) = match safe {
        Some(s) => (
            MultiPolygon::new(s.iter().map(|p| Polygon::new(ring(p), vec![])).collect()),
            SafeSource::Given,
        ),
        None => {
            let shells = MultiPolygon::new(vec![Polygon::new(ring(shell), vec![])]);
            (
                shells.buffer(20.0).difference(&shells),
                SafeSource::DefaultBand { margin_m: 20.0 },
            )
        }
    };
    Field {
        source: "test-field".into(),
        datum: Datum::new(LatLon::new(39.8, 46.75)),
        hazard,
        safe,
        safe_source,
        start: None,
    }
}

pub fn with_start(mut f: Field, x: f64, y: f64) -> Field {
    f.start = Some(Point::new(x, y));
    f
}

/// Independent check: rasterise the plan's processing-line sweeps on a `cell_m` grid (a cell counts
/// when its centre lies in some strip) and return the processed fraction of the hazard's cells.
pub fn raster_processed_fraction(plan: &Plan, field: &Field, m: &MachineProfile, cell_m: f64) -> f64 {
    use geo::{BoundingRect, Contains};
    let strips = plan.strips(m);
    let bb = field.hazard.bounding_rect().unwrap();
    let (mut inside, mut done) = (0usize, 0usize);
    let nx = ((bb.max().x - bb.min().x) / cell_m).ceil() as usize;
    let ny = ((bb.max().y - bb.min().y) / cell_m).ceil() as usize;
    let boxes: Vec<_> = strips.iter().map(|s| s.bounding_rect().unwrap()).collect();
    for i in 0..nx {
        for j in 0..ny {
            let p = Point::new(
                bb.min().x + (i as f64 + 0.5) * cell_m,
                bb.min().y + (j as f64 + 0.5) * cell_m,
            );
            if !field.hazard.contains(&p) {
                continue;
            }
            inside += 1;
            if strips.iter().zip(&boxes).any(|(s, b)| {
                p.x() >= b.min().x && p.x() <= b.max().x && p.y() >= b.min().y && p.y() <= b.max().y && s.contains(&p)
            }) {
                done += 1;
            }
        }
    }
    done as f64 / inside as f64
}
