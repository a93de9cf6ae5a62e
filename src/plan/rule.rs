//! The footprint rule as a checker: `footprint(pose) ⊆ safe ∪ processed_so_far`.
//!
//! [`FootprintRule`] holds the allowed ground as a set of polygons in an R-tree (the safe area and
//! every strip processed so far) and answers whether a swept region lies inside their union:
//! the region minus each nearby allowed polygon in turn must leave less than
//! [`FootprintRule::TOLERANCE_M2`] uncovered. Obstacles are never allowed ground: they are neither
//! safe nor ever processed.

use geo::{Area, BooleanOps, BoundingRect, Coord, MultiPolygon, Polygon};
use rstar::{RTree, RTreeObject, AABB};

/// One allowed polygon with its envelope.
#[derive(Clone, Debug)]
struct Piece {
    poly: Polygon<f64>,
    env: AABB<[f64; 2]>,
}

impl RTreeObject for Piece {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.env
    }
}

fn envelope(p: &Polygon<f64>) -> Option<AABB<[f64; 2]>> {
    let r = p.bounding_rect()?;
    Some(AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]))
}

/// Allowed ground (safe ∪ processed) and the containment test.
#[derive(Clone, Debug, Default)]
pub struct FootprintRule {
    tree: RTree<Piece>,
    mask: Option<super::mask::CoverMask>,
    /// Checks answered by the raster alone.
    pub fast_answers: u64,
    /// Number of containment checks answered (for the planner's statistics).
    pub checks: u64,
}

impl FootprintRule {
    /// Area a region may leave outside the allowed ground and still count as inside, m²: numerical
    /// noise of the polygon operations, far below what a track could stand on (1 cm²).
    pub const TOLERANCE_M2: f64 = 1e-4;

    /// Start from the safe area.
    pub fn new(safe: &MultiPolygon<f64>) -> Self {
        let mut rule = FootprintRule::default();
        for p in &safe.0 {
            rule.allow(p.clone());
        }
        rule
    }

    /// Side of the tiles large allowed polygons (safe areas) are cut into, metres: the checks then
    /// only meet the few tiles near the machine.
    pub const TILE_M: f64 = 25.0;

    /// Add allowed ground; polygons larger than a tile are cut into tiles.
    pub fn allow(&mut self, poly: Polygon<f64>) {
        let Some(r) = poly.bounding_rect() else { return };
        if r.width() <= 2.0 * Self::TILE_M && r.height() <= 2.0 * Self::TILE_M {
            self.insert(poly);
            return;
        }
        let mp = MultiPolygon::new(vec![poly]);
        let (nx, ny) = (
            (r.width() / Self::TILE_M).ceil() as usize,
            (r.height() / Self::TILE_M).ceil() as usize,
        );
        for i in 0..nx {
            for j in 0..ny {
                let x0 = r.min().x + i as f64 * Self::TILE_M;
                let y0 = r.min().y + j as f64 * Self::TILE_M;
                let tile = geo::Rect::new((x0, y0), (x0 + Self::TILE_M, y0 + Self::TILE_M)).to_polygon();
                for p in mp.intersection(&tile).0 {
                    self.insert(p);
                }
            }
        }
    }

    /// Speed up later checks inside `area` with a raster of about `cell_m` (see [`super::mask`]);
    /// polygons already held are marked.
    pub fn with_mask(mut self, area: geo::Rect<f64>, cell_m: f64) -> Self {
        let mut mask = super::mask::CoverMask::new(area, cell_m);
        for p in self.tree.iter() {
            mask.allow(&p.poly);
        }
        self.mask = Some(mask);
        self
    }

    fn insert(&mut self, poly: Polygon<f64>) {
        if let Some(m) = &mut self.mask {
            m.allow(&poly);
        }
        if let Some(env) = envelope(&poly) {
            self.tree.insert(Piece { poly, env });
        }
    }

    /// Is `region` inside the allowed ground?
    pub fn covers(&mut self, region: &Polygon<f64>) -> bool {
        self.uncovered_m2(region, None) < Self::TOLERANCE_M2
    }

    /// Is `region` inside the allowed ground together with `extra` (e.g. the strip being processed)?
    pub fn covers_with(&mut self, region: &Polygon<f64>, extra: &Polygon<f64>) -> bool {
        self.uncovered_m2(region, Some(extra)) < Self::TOLERANCE_M2
    }

    /// Area of `region` outside the allowed ground (and `extra`), m². Stops early once covered.
    pub fn uncovered_m2(&mut self, region: &Polygon<f64>, extra: Option<&Polygon<f64>>) -> f64 {
        self.checks += 1;
        let mut rest = MultiPolygon::new(vec![region.clone()]);
        if let Some(e) = extra {
            rest = rest.difference(e);
            if rest.unsigned_area() < Self::TOLERANCE_M2 {
                return rest.unsigned_area();
            }
        }
        if let Some(mask) = &self.mask {
            let probe = if rest.0.len() == 1 { Some(&rest.0[0]) } else { None };
            if let Some(p) = probe {
                match mask.verdict(p) {
                    super::mask::Verdict::Inside => {
                        self.fast_answers += 1;
                        return 0.0;
                    }
                    super::mask::Verdict::Outside => {
                        self.fast_answers += 1;
                        return f64::INFINITY;
                    }
                    super::mask::Verdict::Unknown => {}
                }
            }
        }
        // Query with what is left: after the strip being processed, only a small piece near the
        // start of a lane usually remains.
        let Some(r) = rest.bounding_rect() else { return 0.0 };
        let env = AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
        let mut cands: Vec<&Piece> = self.tree.locate_in_envelope_intersecting(&env).collect();
        // Big overlaps first: the region is usually covered by one or two pieces.
        cands.sort_by(|a, b| overlap(&b.env, &env).total_cmp(&overlap(&a.env, &env)));
        for c in cands {
            rest = rest.difference(&c.poly);
            let a = rest.unsigned_area();
            if a < Self::TOLERANCE_M2 {
                return a;
            }
        }
        rest.unsigned_area()
    }

    /// Most probes looked at per footprint (the outermost: the machine's ends leave allowed
    /// ground first).
    pub const MAX_PROBES: usize = 12;

    /// Do the raster's cells prove that a footprint is not allowed? `probes` are points inside the
    /// footprint with their distance from its edge (see [`super::pose::Body::probes_at`]): a probe at
    /// least a cell's diagonal inside has its whole cell inside the footprint, and if no allowed
    /// polygon touches that cell, a whole cell of the footprint is outside the allowed ground.
    /// `false` means "not proven" (no raster, or every probed cell is touched).
    pub fn refutes(&mut self, probes: impl IntoIterator<Item = (Coord<f64>, f64)>) -> bool {
        let Some(mask) = &self.mask else { return false };
        let need = mask.cell_m() * std::f64::consts::SQRT_2;
        let hit = probes
            .into_iter()
            .filter(|&(_, inset)| inset >= need)
            .take(Self::MAX_PROBES)
            .any(|(c, _)| mask.empty_at(c));
        if hit {
            self.fast_answers += 1;
        }
        hit
    }

    /// `region` minus every held polygon that touches it.
    pub fn remove_from(&self, region: MultiPolygon<f64>) -> MultiPolygon<f64> {
        let Some(r) = region.bounding_rect() else { return region };
        let env = AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
        let mut rest = region;
        for c in self.tree.locate_in_envelope_intersecting(&env) {
            rest = rest.difference(&c.poly);
            if rest.0.is_empty() {
                break;
            }
        }
        rest
    }

    /// All held polygons.
    pub fn polygons(&self) -> impl Iterator<Item = &Polygon<f64>> {
        self.tree.iter().map(|p| &p.poly)
    }

    /// The raster, when there is one.
    pub fn mask(&self) -> Option<&super::mask::CoverMask> {
        self.mask.as_ref()
    }

    /// Number of allowed pieces held.
    pub fn len(&self) -> usize {
        self.tree.size()
    }

    pub fn is_empty(&self) -> bool {
        self.tree.size() == 0
    }
}

fn overlap(a: &AABB<[f64; 2]>, b: &AABB<[f64; 2]>) -> f64 {
    let w = a.upper()[0].min(b.upper()[0]) - a.lower()[0].max(b.lower()[0]);
    let h = a.upper()[1].min(b.upper()[1]) - a.lower()[1].max(b.lower()[1]);
    w.max(0.0) * h.max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, Rect};

    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon<f64> {
        Rect::new((x0, y0), (x1, y1)).to_polygon()
    }

    #[test]
    fn union_of_pieces_covers_what_no_single_piece_does() {
        let mut rule = FootprintRule::new(&MultiPolygon::new(vec![rect(0.0, 0.0, 10.0, 5.0)]));
        let probe = rect(8.0, 1.0, 12.0, 2.0);
        assert!(!rule.covers(&probe));
        rule.allow(rect(10.0, 0.0, 20.0, 5.0));
        assert!(rule.covers(&probe));
        assert!(!rule.covers(&rect(8.0, 4.0, 12.0, 6.0)));
    }

    #[test]
    fn extra_strip_counts() {
        let mut rule = FootprintRule::new(&MultiPolygon::new(vec![rect(0.0, 0.0, 10.0, 5.0)]));
        let probe = polygon![(x: 9.0, y: 1.0), (x: 11.0, y: 1.0), (x: 11.0, y: 2.0), (x: 9.0, y: 2.0)];
        assert!(!rule.covers(&probe));
        assert!(rule.covers_with(&probe, &rect(10.0, 0.0, 12.0, 3.0)));
    }

    #[test]
    fn a_sliver_outside_is_caught() {
        let mut rule = FootprintRule::new(&MultiPolygon::new(vec![rect(0.0, 0.0, 10.0, 5.0)]));
        // 1 cm beyond the edge over 2 m: 0.02 m², far above the tolerance
        assert!(!rule.covers(&rect(5.0, 1.0, 10.01, 3.0)));
    }
}
