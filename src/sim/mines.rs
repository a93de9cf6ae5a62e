//! The hidden mine layout and detonations.
//!
//! Mines are laid uniformly over the hazard (holes excluded) from the seed: mostly
//! anti-personnel, a few anti-tank, each at a burial depth. A mine goes off when the processing
//! line sweeps over it with the rotor engaged (speed ≥ [`MineField::ENGAGED_RPM`]) and deep enough
//! to reach it, or when a track runs over it. Each mine goes off once.

use geo::{BoundingRect, Contains, Coord, MultiPolygon, Point};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rstar::primitives::GeomWithData;
use rstar::{RTree, AABB};
use serde::{Deserialize, Serialize};

/// Kind of mine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MineKind {
    AntiPersonnel,
    AntiTank,
}

/// A buried mine (ENU metres).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mine {
    pub x_m: f64,
    pub y_m: f64,
    /// Burial depth of the fuse, m.
    pub depth_m: f64,
    pub kind: MineKind,
}

/// What set a mine off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DetonationCause {
    /// The rotor struck it (the intended outcome).
    Implement,
    /// A track ran over it: the footprint rule was broken.
    Track,
    /// A shock injected by the scenario (an unmapped item); at the processing line's centre.
    Injected,
}

/// A detonation event.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Detonation {
    /// Simulated time, s.
    pub t_s: f64,
    pub x_m: f64,
    pub y_m: f64,
    pub kind: MineKind,
    pub cause: DetonationCause,
    /// Peak shock at the machine, g.
    pub peak_g: f64,
}

type Entry = GeomWithData<[f64; 2], usize>;

/// The hidden layout.
#[derive(Clone, Debug, Default)]
pub struct MineField {
    mines: Vec<Mine>,
    live: Vec<bool>,
    tree: RTree<Entry>,
}

fn inside_convex(poly: &[Coord<f64>], p: Coord<f64>) -> bool {
    // Convex polygon in either orientation: p is inside when all cross products share a sign.
    let mut sign = 0.0;
    for i in 0..poly.len() {
        let (a, b) = (poly[i], poly[(i + 1) % poly.len()]);
        let c = (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
        if c.abs() < 1e-12 {
            continue;
        }
        if sign == 0.0 {
            sign = c.signum();
        } else if c.signum() != sign {
            return false;
        }
    }
    true
}

impl MineField {
    /// Rotor speed at which the flails strike hard enough, rpm.
    pub const ENGAGED_RPM: f64 = 200.0;

    /// Lays mines over `hazard` at the given densities (per hectare).
    pub fn lay(hazard: &MultiPolygon<f64>, ap_per_ha: f64, at_per_ha: f64, rng: &mut ChaCha8Rng) -> Self {
        use geo::Area;
        let ha = hazard.unsigned_area() / 10_000.0;
        let Some(r) = hazard.bounding_rect() else {
            return Self::default();
        };
        let mut mines = Vec::new();
        for (kind, density) in [(MineKind::AntiPersonnel, ap_per_ha), (MineKind::AntiTank, at_per_ha)] {
            let expected = density * ha;
            // Whole part plus a Bernoulli draw for the fraction: a 1 ha field at 0.5/ha has 0 or 1.
            let n = expected.floor() as usize + usize::from(rng.random::<f64>() < expected.fract());
            let mut placed = 0;
            let mut tries = 0;
            while placed < n && tries < 1000 * (n + 1) {
                tries += 1;
                let p = Coord {
                    x: rng.random_range(r.min().x..=r.max().x),
                    y: rng.random_range(r.min().y..=r.max().y),
                };
                if !hazard.contains(&Point::from(p)) {
                    continue;
                }
                let depth_m = match kind {
                    MineKind::AntiPersonnel => rng.random_range(0.0..0.10),
                    MineKind::AntiTank => rng.random_range(0.05..0.20),
                };
                mines.push(Mine {
                    x_m: p.x,
                    y_m: p.y,
                    depth_m,
                    kind,
                });
                placed += 1;
            }
        }
        Self::from_mines(mines)
    }

    /// A given layout (tests, recorded scenarios).
    pub fn from_mines(mines: Vec<Mine>) -> Self {
        let tree = RTree::bulk_load(
            mines
                .iter()
                .enumerate()
                .map(|(i, m)| Entry::new([m.x_m, m.y_m], i))
                .collect(),
        );
        Self {
            live: vec![true; mines.len()],
            mines,
            tree,
        }
    }

    /// All mines, live or not (for reports after the run; never for the stack under test).
    pub fn mines(&self) -> &[Mine] {
        &self.mines
    }

    /// Mines not yet set off.
    pub fn live_count(&self) -> usize {
        self.live.iter().filter(|l| **l).count()
    }

    /// Mark the live mines within `radius_m` of `(x_m, y_m)` as gone (a detonation the record
    /// holds, replayed on resume); returns how many.
    ///
    /// # Units
    /// ENU metres.
    pub fn clear_near(&mut self, x_m: f64, y_m: f64, radius_m: f64) -> usize {
        let mut n = 0;
        for (i, m) in self.mines.iter().enumerate() {
            if self.live[i] && (m.x_m - x_m).hypot(m.y_m - y_m) <= radius_m {
                self.live[i] = false;
                n += 1;
            }
        }
        n
    }

    fn in_region(&self, pts: &[Coord<f64>]) -> Vec<usize> {
        let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for p in pts {
            lo = [lo[0].min(p.x), lo[1].min(p.y)];
            hi = [hi[0].max(p.x), hi[1].max(p.y)];
        }
        self.tree
            .locate_in_envelope(&AABB::from_corners(lo, hi))
            .map(|e| e.data)
            .filter(|&i| self.live[i])
            .filter(|&i| {
                inside_convex(
                    pts,
                    Coord {
                        x: self.mines[i].x_m,
                        y: self.mines[i].y_m,
                    },
                )
            })
            .collect()
    }

    /// The processing line swept from `line_from` to `line_to` with the rotor at `rotor_rpm` and
    /// processing `depth_m`: mines struck go off.
    ///
    /// # Units
    /// ENU metres, rpm, metres, `t_s` seconds.
    pub fn sweep_implement(
        &mut self,
        line_from: [Coord<f64>; 2],
        line_to: [Coord<f64>; 2],
        rotor_rpm: f64,
        depth_m: f64,
        t_s: f64,
        rng: &mut ChaCha8Rng,
    ) -> Vec<Detonation> {
        if rotor_rpm < Self::ENGAGED_RPM || self.mines.is_empty() {
            return Vec::new();
        }
        let quad = [line_from[0], line_from[1], line_to[1], line_to[0]];
        let hit: Vec<usize> = self
            .in_region(&quad)
            .into_iter()
            .filter(|&i| self.mines[i].depth_m <= depth_m + 0.02)
            .collect();
        self.fire(hit, DetonationCause::Implement, t_s, rng)
    }

    /// The footprint (convex, ENU) now stands on these points: live mines under it go off.
    pub fn under_footprint(&mut self, footprint: &[Coord<f64>], t_s: f64, rng: &mut ChaCha8Rng) -> Vec<Detonation> {
        if self.mines.is_empty() {
            return Vec::new();
        }
        let hit = self.in_region(footprint);
        self.fire(hit, DetonationCause::Track, t_s, rng)
    }

    fn fire(&mut self, hit: Vec<usize>, cause: DetonationCause, t_s: f64, rng: &mut ChaCha8Rng) -> Vec<Detonation> {
        hit.into_iter()
            .map(|i| {
                self.live[i] = false;
                let m = self.mines[i];
                let peak_g = match m.kind {
                    MineKind::AntiPersonnel => rng.random_range(50.0..150.0),
                    MineKind::AntiTank => rng.random_range(300.0..900.0),
                };
                Detonation {
                    t_s,
                    x_m: m.x_m,
                    y_m: m.y_m,
                    kind: m.kind,
                    cause,
                    peak_g,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn square(s: f64) -> MultiPolygon<f64> {
        MultiPolygon::new(vec![geo::Rect::new((0.0, 0.0), (s, s)).to_polygon()])
    }

    #[test]
    fn layout_is_seeded_and_inside() {
        let h = square(100.0);
        let a = MineField::lay(&h, 20.0, 0.5, &mut ChaCha8Rng::seed_from_u64(5));
        let b = MineField::lay(&h, 20.0, 0.5, &mut ChaCha8Rng::seed_from_u64(5));
        assert_eq!(a.mines(), b.mines());
        let ap = a.mines().iter().filter(|m| m.kind == MineKind::AntiPersonnel).count();
        assert_eq!(ap, 20);
        assert!(a.mines().iter().all(|m| (0.0..=100.0).contains(&m.x_m)));
    }

    #[test]
    fn rotor_sets_off_a_mine_once_and_only_when_engaged() {
        let mut f = MineField::from_mines(vec![Mine {
            x_m: 1.0,
            y_m: 0.0,
            depth_m: 0.05,
            kind: MineKind::AntiPersonnel,
        }]);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let line = |x: f64| [Coord { x, y: -0.95 }, Coord { x, y: 0.95 }];
        assert!(f
            .sweep_implement(line(0.9), line(1.1), 100.0, 0.25, 0.0, &mut rng)
            .is_empty());
        let d = f.sweep_implement(line(0.9), line(1.1), 600.0, 0.25, 3.0, &mut rng);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].cause, DetonationCause::Implement);
        assert!(d[0].peak_g >= 50.0);
        assert!(f
            .sweep_implement(line(0.9), line(1.1), 600.0, 0.25, 4.0, &mut rng)
            .is_empty());
        assert_eq!(f.live_count(), 0);
    }

    #[test]
    fn tracks_set_off_what_the_rotor_missed() {
        let mut f = MineField::from_mines(vec![Mine {
            x_m: 0.0,
            y_m: 0.0,
            depth_m: 0.15,
            kind: MineKind::AntiTank,
        }]);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let line = |x: f64| [Coord { x, y: -0.95 }, Coord { x, y: 0.95 }];
        // too shallow to reach it
        assert!(f
            .sweep_implement(line(-0.1), line(0.1), 600.0, 0.05, 0.0, &mut rng)
            .is_empty());
        let fp = [
            Coord { x: -1.0, y: -1.0 },
            Coord { x: 1.0, y: -1.0 },
            Coord { x: 1.0, y: 1.0 },
            Coord { x: -1.0, y: 1.0 },
        ];
        let d = f.under_footprint(&fp, 1.0, &mut rng);
        assert_eq!(d[0].cause, DetonationCause::Track);
        assert!(d[0].peak_g >= 300.0);
    }
}
