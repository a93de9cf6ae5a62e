//! Validation of one projected polygon (ENU metres): enough distinct vertices, non-degenerate rings,
//! simple rings (no self-intersection or self-touching), holes strictly inside the outer ring and
//! apart from each other, and a usable area.
//!
//! Nothing is repaired. The only normalisation is orientation (outer ring counter-clockwise, holes
//! clockwise), since RFC 7946 §3.1.6 lets files use either.

use super::error::{FeatureRef, FieldError, Near};
use crate::geodesy::Datum;
use geo::coordinate_position::coord_pos_relative_to_ring;
use geo::coordinate_position::CoordPos;
use geo::line_intersection::{line_intersection, LineIntersection};
use geo::{Area, BoundingRect, Coord, Line, LineString, Orient, Polygon, Rect};

/// Smallest area of a hazard or safe polygon (outer ring minus holes), m².
pub const MIN_POLYGON_AREA_M2: f64 = 1.0;
/// Smallest area enclosed by a hole (obstacle) ring, m²: below this it is a digitising slip.
pub const MIN_HOLE_AREA_M2: f64 = 0.01;
/// Vertices closer than this to one line make a ring degenerate, metres.
const COLLINEAR_TOL_M: f64 = 1e-6;

/// What validation needs besides the geometry: the file name and the datum (to name places in WGS84).
pub(super) struct Ctx<'a> {
    pub file: &'a str,
    pub datum: &'a Datum,
}

impl Ctx<'_> {
    /// The WGS84 position of an ENU point, for messages.
    pub fn near(&self, c: Coord<f64>) -> Near {
        Near(self.datum.to_latlon_2d(c.x, c.y))
    }
}

/// Checks one polygon given as closed rings in ENU metres (ring 0 is the outer ring, the others are
/// holes) and returns it with the outer ring counter-clockwise and the holes clockwise.
pub(super) fn polygon(ctx: &Ctx, at: FeatureRef, rings: Vec<Vec<Coord<f64>>>) -> Result<Polygon<f64>, FieldError> {
    for (k, ring) in rings.iter().enumerate() {
        ring_is_simple(ctx, at, k, ring)?;
    }
    let rings: Vec<LineString<f64>> = rings.into_iter().map(LineString::new).collect();
    for (k, hole) in rings.iter().enumerate().skip(1) {
        let area = Polygon::new(hole.clone(), vec![]).unsigned_area();
        if area < MIN_HOLE_AREA_M2 {
            return Err(FieldError::ZeroArea {
                file: ctx.file.to_string(),
                at,
                what: format!("hole (ring {k})"),
                area_m2: area,
                min_m2: MIN_HOLE_AREA_M2,
                near: ctx.near(hole.0[0]),
            });
        }
    }
    let file = ctx.file.to_string();
    if let Some((a, b, c, how)) = rings_meet(&rings) {
        let near = ctx.near(c);
        return Err(match (a, how) {
            (0, Meet::Touch) => FieldError::HoleOutsideShell {
                file,
                at,
                ring: b,
                how: "touches",
                near,
            },
            (0, Meet::Cross) => FieldError::HoleOutsideShell {
                file,
                at,
                ring: b,
                how: "crosses",
                near,
            },
            (_, Meet::Touch) => FieldError::HolesOverlap {
                file,
                at,
                ring_a: a,
                ring_b: b,
                how: "touch",
                near,
            },
            (_, Meet::Cross) => FieldError::HolesOverlap {
                file,
                at,
                ring_a: a,
                ring_b: b,
                how: "cross",
                near,
            },
        });
    }
    // No two rings share a point, so each hole lies wholly inside or wholly outside the outer ring and
    // every other hole: one vertex decides.
    for (k, hole) in rings.iter().enumerate().skip(1) {
        if coord_pos_relative_to_ring(hole.0[0], &rings[0]) != CoordPos::Inside {
            let near = ctx.near(hole.0[0]);
            return Err(FieldError::HoleOutsideShell {
                file,
                at,
                ring: k,
                how: "lies outside",
                near,
            });
        }
    }
    let boxes: Vec<Option<Rect<f64>>> = rings.iter().map(|r| r.bounding_rect()).collect();
    for a in 1..rings.len() {
        for b in 1..rings.len() {
            let inside_box = matches!((boxes[a], boxes[b]), (Some(ra), Some(rb)) if rect_within(ra, rb));
            if a != b && inside_box && coord_pos_relative_to_ring(rings[a].0[0], &rings[b]) == CoordPos::Inside {
                let (ring_a, ring_b, near) = (a.min(b), a.max(b), ctx.near(rings[a].0[0]));
                let how = "are nested (one lies inside the other)";
                return Err(FieldError::HolesOverlap {
                    file,
                    at,
                    ring_a,
                    ring_b,
                    how,
                    near,
                });
            }
        }
    }
    let mut it = rings.into_iter();
    let poly = Polygon::new(it.next().unwrap_or_else(|| LineString::new(vec![])), it.collect())
        .orient(geo::orient::Direction::Default);
    let area = poly.unsigned_area();
    if area < MIN_POLYGON_AREA_M2 {
        return Err(FieldError::ZeroArea {
            file: ctx.file.to_string(),
            at,
            what: "polygon".to_string(),
            area_m2: area,
            min_m2: MIN_POLYGON_AREA_M2,
            near: ctx.near(poly.exterior().0[0]),
        });
    }
    Ok(poly)
}

/// A closed ring (first == last) with at least 3 distinct vertices, not all on one line, and simple.
fn ring_is_simple(ctx: &Ctx, at: FeatureRef, k: usize, ring: &[Coord<f64>]) -> Result<(), FieldError> {
    let first = ring.first().copied().unwrap_or_default();
    let mut distinct: Vec<(f64, f64)> = ring.iter().map(|c| (c.x, c.y)).collect();
    distinct.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    distinct.dedup();
    if distinct.len() < 3 {
        let (file, near) = (ctx.file.to_string(), ctx.near(first));
        return Err(FieldError::TooFewVertices {
            file,
            at,
            ring: k,
            distinct: distinct.len(),
            near,
        });
    }
    if collinear(ring) {
        return Err(FieldError::ZeroArea {
            file: ctx.file.to_string(),
            at,
            what: format!("ring {k} (all vertices on one line)"),
            area_m2: 0.0,
            min_m2: if k == 0 { MIN_POLYGON_AREA_M2 } else { MIN_HOLE_AREA_M2 },
            near: ctx.near(first),
        });
    }
    if let Some(c) = self_intersection(ring) {
        return Err(FieldError::SelfIntersection {
            file: ctx.file.to_string(),
            at,
            ring: k,
            near: ctx.near(c),
        });
    }
    Ok(())
}

/// True when every vertex lies within [`COLLINEAR_TOL_M`] of the line through the first vertex and
/// the vertex farthest from it.
fn collinear(ring: &[Coord<f64>]) -> bool {
    let o = ring[0];
    let far = ring
        .iter()
        .copied()
        .fold(o, |f, c| if dist2(o, c) > dist2(o, f) { c } else { f });
    let len = dist2(o, far).sqrt();
    if len == 0.0 {
        return true;
    }
    let (ux, uy) = ((far.x - o.x) / len, (far.y - o.y) / len);
    ring.iter()
        .all(|c| ((c.x - o.x) * uy - (c.y - o.y) * ux).abs() <= COLLINEAR_TOL_M)
}

fn dist2(a: Coord<f64>, b: Coord<f64>) -> f64 {
    (a.x - b.x).powi(2) + (a.y - b.y).powi(2)
}

/// A segment of a ring with its bounding box, for the sweep.
struct Seg {
    line: Line<f64>,
    /// Index of the ring the segment belongs to.
    ring: usize,
    /// Index of the segment in its ring.
    idx: usize,
}

impl Seg {
    fn x_range(&self) -> (f64, f64) {
        (
            self.line.start.x.min(self.line.end.x),
            self.line.start.x.max(self.line.end.x),
        )
    }
    fn y_overlaps(&self, o: &Seg) -> bool {
        let (a0, a1) = (
            self.line.start.y.min(self.line.end.y),
            self.line.start.y.max(self.line.end.y),
        );
        let (b0, b1) = (o.line.start.y.min(o.line.end.y), o.line.start.y.max(o.line.end.y));
        a0 <= b1 && b0 <= a1
    }
}

fn segments(ring: &[Coord<f64>], tag: usize) -> impl Iterator<Item = Seg> + '_ {
    ring.windows(2)
        .filter(|w| w[0] != w[1])
        .enumerate()
        .map(move |(idx, w)| Seg {
            line: Line::new(w[0], w[1]),
            ring: tag,
            idx,
        })
}

/// Visits, in a deterministic order (west to east), every pair of segments that intersect, until
/// `visit` returns `Some`. Sweep-and-prune on x: fast for the rings of real fields.
fn first_intersection<T>(
    mut segs: Vec<Seg>,
    mut visit: impl FnMut(&Seg, &Seg, LineIntersection<f64>) -> Option<T>,
) -> Option<T> {
    segs.sort_by(|a, b| a.x_range().0.total_cmp(&b.x_range().0));
    for i in 0..segs.len() {
        let x_max = segs[i].x_range().1;
        for j in i + 1..segs.len() {
            if segs[j].x_range().0 > x_max {
                break;
            }
            if !segs[i].y_overlaps(&segs[j]) {
                continue;
            }
            if let Some(hit) = line_intersection(segs[i].line, segs[j].line) {
                if let Some(t) = visit(&segs[i], &segs[j], hit) {
                    return Some(t);
                }
            }
        }
    }
    None
}

fn hit_point(hit: LineIntersection<f64>) -> Coord<f64> {
    match hit {
        LineIntersection::SinglePoint { intersection, .. } => intersection,
        LineIntersection::Collinear { intersection } => intersection.start,
    }
}

/// Where a closed ring intersects or touches itself, if it does. Neighbouring segments may only share
/// their common vertex; all other pairs must be disjoint.
pub(super) fn self_intersection(ring: &[Coord<f64>]) -> Option<Coord<f64>> {
    let segs: Vec<Seg> = segments(ring, 0).collect();
    let n = segs.len();
    first_intersection(segs, |a, b, hit| {
        let (i, j) = (a.idx.min(b.idx), a.idx.max(b.idx));
        let neighbours = j == i + 1 || (i == 0 && j == n - 1);
        let bad = !neighbours || matches!(hit, LineIntersection::Collinear { .. });
        bad.then(|| hit_point(hit))
    })
}

/// How two rings meet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Meet {
    /// At a point where one ring's vertex lies on the other.
    Touch,
    /// Properly crossing, or sharing a stretch of boundary.
    Cross,
}

/// Where two different closed rings meet, if they do: the two ring indices (smaller first), the point
/// and how. The first crossing (west to east) is preferred over the first touch.
pub(super) fn rings_meet(rings: &[LineString<f64>]) -> Option<(usize, usize, Coord<f64>, Meet)> {
    let segs: Vec<Seg> = rings.iter().enumerate().flat_map(|(k, r)| segments(&r.0, k)).collect();
    let mut touch = None;
    let cross = first_intersection(segs, |s, t, hit| {
        if s.ring == t.ring {
            return None;
        }
        let found = (s.ring.min(t.ring), s.ring.max(t.ring), hit_point(hit));
        match hit {
            LineIntersection::SinglePoint { is_proper: false, .. } => {
                touch.get_or_insert(found);
                None
            }
            _ => Some(found),
        }
    });
    let with = |m| move |(a, b, c)| (a, b, c, m);
    cross.map(with(Meet::Cross)).or(touch.map(with(Meet::Touch)))
}

fn rect_within(inner: Rect<f64>, outer: Rect<f64>) -> bool {
    outer.min().x <= inner.min().x
        && inner.max().x <= outer.max().x
        && outer.min().y <= inner.min().y
        && inner.max().y <= outer.max().y
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::error::Role;
    use crate::geodesy::LatLon;
    use geo::Winding;

    type Rings = Vec<Vec<Coord<f64>>>;

    fn ring(pts: &[(f64, f64)]) -> Vec<Coord<f64>> {
        let mut r: Vec<Coord<f64>> = pts.iter().map(|&(x, y)| Coord { x, y }).collect();
        r.push(r[0]);
        r
    }

    fn check(rings: Vec<Vec<Coord<f64>>>) -> Result<Polygon<f64>, FieldError> {
        let datum = Datum::new(LatLon::new(39.8, 46.75));
        let ctx = Ctx {
            file: "t.geojson",
            datum: &datum,
        };
        polygon(
            &ctx,
            FeatureRef {
                index: 0,
                role: Role::Hazard,
                polygon: None,
            },
            rings,
        )
    }

    const SQUARE: [(f64, f64); 4] = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)];

    #[test]
    fn simple_rings_pass_in_both_orientations_and_come_out_ccw() {
        let cw: Vec<(f64, f64)> = SQUARE.iter().rev().copied().collect();
        for pts in [SQUARE.to_vec(), cw] {
            let p = check(vec![ring(&pts)]).unwrap();
            assert!(p.exterior().is_ccw());
            assert!((p.unsigned_area() - 100.0).abs() < 1e-9);
        }
        let hole_ccw = ring(&[(2.0, 2.0), (4.0, 2.0), (4.0, 4.0), (2.0, 4.0)]);
        let p = check(vec![ring(&SQUARE), hole_ccw]).unwrap();
        assert!(p.interiors()[0].is_cw());
        assert!((p.unsigned_area() - 96.0).abs() < 1e-9);
    }

    #[test]
    fn table_of_bad_rings() {
        let cases: Vec<(&str, Rings, &str)> = vec![
            (
                "bow-tie",
                vec![ring(&[(0.0, 0.0), (10.0, 10.0), (10.0, 0.0), (0.0, 10.0)])],
                "self-intersects",
            ),
            (
                "spike",
                vec![ring(&[(0.0, 0.0), (10.0, 0.0), (5.0, 0.0), (5.0, 5.0)])],
                "self-intersects",
            ),
            (
                "figure eight touching at a vertex",
                vec![ring(&[
                    (0.0, 0.0),
                    (4.0, 0.0),
                    (2.0, 2.0),
                    (4.0, 4.0),
                    (0.0, 4.0),
                    (2.0, 2.0),
                ])],
                "self-intersects",
            ),
            (
                "two points",
                vec![ring(&[(0.0, 0.0), (10.0, 0.0), (0.0, 0.0)])],
                "2 distinct vertices",
            ),
            (
                "collinear",
                vec![ring(&[(0.0, 0.0), (5.0, 0.0), (10.0, 0.0)])],
                "all vertices on one line",
            ),
            (
                "tiny",
                vec![ring(&[(0.0, 0.0), (0.5, 0.0), (0.5, 0.5)])],
                "below the minimum of 1 m²",
            ),
            (
                "hole outside",
                vec![ring(&SQUARE), ring(&[(20.0, 2.0), (24.0, 2.0), (24.0, 4.0)])],
                "hole (ring 1) lies outside",
            ),
            (
                "hole crossing",
                vec![ring(&SQUARE), ring(&[(8.0, 2.0), (14.0, 2.0), (14.0, 4.0)])],
                "hole (ring 1) crosses",
            ),
            (
                "hole touching",
                vec![ring(&SQUARE), ring(&[(10.0, 5.0), (8.0, 4.0), (8.0, 6.0)])],
                "hole (ring 1) touches",
            ),
            (
                "hole sharing an edge",
                vec![ring(&SQUARE), ring(&[(10.0, 2.0), (10.0, 6.0), (8.0, 4.0)])],
                "hole (ring 1) crosses",
            ),
            (
                "holes crossing",
                vec![
                    ring(&SQUARE),
                    ring(&[(2.0, 2.0), (6.0, 2.0), (6.0, 6.0), (2.0, 6.0)]),
                    ring(&[(4.0, 4.0), (8.0, 4.0), (8.0, 8.0), (4.0, 8.0)]),
                ],
                "holes (rings 1 and 2) cross",
            ),
            (
                "holes nested",
                vec![
                    ring(&SQUARE),
                    ring(&[(2.0, 2.0), (8.0, 2.0), (8.0, 8.0), (2.0, 8.0)]),
                    ring(&[(4.0, 4.0), (5.0, 4.0), (5.0, 5.0), (4.0, 5.0)]),
                ],
                "are nested",
            ),
            (
                "holes touching",
                vec![
                    ring(&SQUARE),
                    ring(&[(2.0, 2.0), (4.0, 2.0), (4.0, 4.0), (2.0, 4.0)]),
                    ring(&[(4.0, 4.0), (6.0, 4.0), (6.0, 6.0), (4.0, 6.0)]),
                ],
                "holes (rings 1 and 2) touch",
            ),
            (
                "degenerate hole",
                vec![ring(&SQUARE), ring(&[(2.0, 2.0), (2.05, 2.0), (2.0, 2.05)])],
                "hole (ring 1)",
            ),
            (
                "holes fill the shell",
                vec![
                    ring(&[(0.0, 0.0), (1.5, 0.0), (1.5, 1.0), (0.0, 1.0)]),
                    ring(&[(0.1, 0.1), (1.4, 0.1), (1.4, 0.9)]),
                ],
                "polygon has an area of",
            ),
        ];
        for (name, rings, want) in cases {
            let err = check(rings).expect_err(name).to_string();
            assert!(err.contains(want), "{name}: {err}");
            assert!(err.starts_with("t.geojson: feature 0 (hazard)"), "{name}: {err}");
            assert!(err.contains("near 39.8"), "{name}: {err}");
        }
    }

    #[test]
    fn self_intersection_is_located() {
        let c = self_intersection(&ring(&[(0.0, 0.0), (10.0, 10.0), (10.0, 0.0), (0.0, 10.0)])).unwrap();
        assert!((c.x - 5.0).abs() < 1e-9 && (c.y - 5.0).abs() < 1e-9);
    }

    #[test]
    fn a_straight_vertex_is_not_a_self_intersection() {
        assert!(self_intersection(&ring(&[(0.0, 0.0), (5.0, 0.0), (10.0, 0.0), (10.0, 5.0)])).is_none());
    }
}
