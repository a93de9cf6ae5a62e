//! Poses and the machine's shapes placed at a pose, in the local ENU frame (metres, radians).

use crate::machine::MachineProfile;
use geo::{Coord, LineString, Polygon};

/// Position of base_link in ENU metres and yaw counter-clockwise from east, radians.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pose {
    pub x_m: f64,
    pub y_m: f64,
    pub yaw_rad: f64,
}

impl Pose {
    pub fn new(x_m: f64, y_m: f64, yaw_rad: f64) -> Self {
        Self { x_m, y_m, yaw_rad }
    }

    /// A point given in base_link (x forward, y left), in ENU.
    pub fn apply(&self, bx: f64, by: f64) -> Coord<f64> {
        let (s, c) = self.yaw_rad.sin_cos();
        Coord {
            x: self.x_m + c * bx - s * by,
            y: self.y_m + s * bx + c * by,
        }
    }

    pub fn xy(&self) -> Coord<f64> {
        Coord {
            x: self.x_m,
            y: self.y_m,
        }
    }

    /// Unit vector of the heading.
    pub fn heading(&self) -> Coord<f64> {
        let (s, c) = self.yaw_rad.sin_cos();
        Coord { x: c, y: s }
    }

    pub fn distance_m(&self, other: &Pose) -> f64 {
        (self.x_m - other.x_m).hypot(self.y_m - other.y_m)
    }
}

/// Smallest signed difference `b - a` of two angles, in (-π, π].
pub fn angle_diff(a: f64, b: f64) -> f64 {
    let mut d = (b - a) % std::f64::consts::TAU;
    if d > std::f64::consts::PI {
        d -= std::f64::consts::TAU;
    } else if d <= -std::f64::consts::PI {
        d += std::f64::consts::TAU;
    }
    d
}

/// The machine's ground shapes, precomputed from a profile.
#[derive(Clone, Debug)]
pub struct Body {
    /// Convex hull of the footprint in base_link (the sweep of a translation is the hull of its ends).
    hull: Vec<Coord<f64>>,
    /// Points inside the footprint on a [`PROBE_STEP_M`] grid with their distance from its edge,
    /// outermost first (for [`super::rule::FootprintRule::refutes`]).
    probes: Vec<(Coord<f64>, f64)>,
    /// Processing line ends in base_link.
    implement: [Coord<f64>; 2],
}

impl Body {
    pub fn new(m: &MachineProfile) -> Self {
        Self::with_margin(m, 0.0)
    }

    /// The footprint grown by `margin_m` in x and y (a square Minkowski sum, which contains the
    /// round buffer): the room left for tracking error and pivot drift.
    ///
    /// # Units
    /// `margin_m` metres.
    pub fn with_margin(m: &MachineProfile, margin_m: f64) -> Self {
        use geo::ConvexHull;
        let base = m.footprint().convex_hull();
        let mut grown = Vec::new();
        for c in base.exterior().coords() {
            for (dx, dy) in [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)] {
                grown.push(Coord {
                    x: c.x + dx * margin_m,
                    y: c.y + dy * margin_m,
                });
            }
        }
        let hull = hull(grown);
        let mut pts: Vec<Coord<f64>> = hull.exterior().0.clone();
        pts.pop();
        let [[xa, ya], [xb, yb]] = m.implement_m;
        let probes = probes(&pts, PROBE_STEP_M);
        Body {
            hull: pts,
            probes,
            implement: [Coord { x: xa, y: ya }, Coord { x: xb, y: yb }],
        }
    }

    /// Footprint hull vertices at a pose.
    pub fn footprint_at(&self, p: &Pose) -> Vec<Coord<f64>> {
        self.hull.iter().map(|c| p.apply(c.x, c.y)).collect()
    }

    /// Footprint at a pose as a polygon.
    /// The footprint's interior probes placed at `p`, with their depth inside the footprint, metres.
    pub fn probes_at<'a>(&'a self, p: &'a Pose) -> impl Iterator<Item = (Coord<f64>, f64)> + 'a {
        let (s, c) = p.yaw_rad.sin_cos();
        self.probes.iter().map(move |(q, d)| {
            (
                Coord {
                    x: p.x_m + c * q.x - s * q.y,
                    y: p.y_m + s * q.x + c * q.y,
                },
                *d,
            )
        })
    }

    pub fn footprint_polygon(&self, p: &Pose) -> Polygon<f64> {
        Polygon::new(LineString::from(self.footprint_at(p)), vec![])
    }

    /// Processing line end points at a pose.
    pub fn implement_at(&self, p: &Pose) -> [Coord<f64>; 2] {
        [
            p.apply(self.implement[0].x, self.implement[0].y),
            p.apply(self.implement[1].x, self.implement[1].y),
        ]
    }

    /// Region swept by the footprint moving straight (either way) from `a` to `b` at `a`'s yaw.
    pub fn sweep_straight(&self, a: &Pose, b: &Pose) -> Polygon<f64> {
        let mut pts = self.footprint_at(a);
        pts.extend(self.footprint_at(b));
        hull(pts)
    }

    /// Region swept by the footprint turning on the spot from `at.yaw` by `delta_rad`, as the union of
    /// hulls between poses at most `step_rad` apart (corners move on arcs; the chord error is
    /// `R·(1 − cos(step/2))`, 4 mm for R = 1.5 m and a 10° step).
    pub fn sweep_pivot(&self, at: &Pose, delta_rad: f64, step_rad: f64) -> Vec<Polygon<f64>> {
        let n = ((delta_rad.abs() / step_rad).ceil() as usize).max(1);
        (0..n)
            .map(|i| {
                let a = Pose {
                    yaw_rad: at.yaw_rad + delta_rad * i as f64 / n as f64,
                    ..*at
                };
                let b = Pose {
                    yaw_rad: at.yaw_rad + delta_rad * (i + 1) as f64 / n as f64,
                    ..*at
                };
                let mut pts = self.footprint_at(&a);
                pts.extend(self.footprint_at(&b));
                hull(pts)
            })
            .collect()
    }

    /// Strip processed by the implement moving forward from `a` to `b` (same yaw).
    pub fn strip(&self, a: &Pose, b: &Pose) -> Polygon<f64> {
        let [a0, a1] = self.implement_at(a);
        let [b0, b1] = self.implement_at(b);
        hull(vec![a0, a1, b0, b1])
    }

    /// x of the processing line in base_link.
    pub fn implement_x(&self) -> f64 {
        self.implement[0].x
    }
}

/// Convex hull of points as a polygon.
/// Spacing of the footprint's interior probes, metres: coarse, as they only speed up refusals
/// (a footprint over unprocessed ground usually has many cells of it inside).
pub const PROBE_STEP_M: f64 = 0.5;

/// Grid points (spacing `step_m`) at least a quarter metre inside the convex ring `ring` (open,
/// either orientation) with their distance from its edge, the farthest from its centre first
/// (the ends of the machine leave allowed ground first).
fn probes(ring: &[Coord<f64>], step_m: f64) -> Vec<(Coord<f64>, f64)> {
    let n = ring.len();
    if n < 3 {
        return Vec::new();
    }
    let (mut x0, mut x1, mut y0, mut y1) = (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
    for c in ring {
        x0 = x0.min(c.x);
        x1 = x1.max(c.x);
        y0 = y0.min(c.y);
        y1 = y1.max(c.y);
    }
    // signed area: the side the interior is on
    let area2: f64 = (0..n)
        .map(|i| ring[i].x * ring[(i + 1) % n].y - ring[(i + 1) % n].x * ring[i].y)
        .sum();
    let sign = area2.signum();
    let depth = |p: Coord<f64>| -> f64 {
        (0..n)
            .map(|i| {
                let (a, b) = (ring[i], ring[(i + 1) % n]);
                let (dx, dy) = (b.x - a.x, b.y - a.y);
                let len = dx.hypot(dy).max(1e-12);
                sign * (dx * (p.y - a.y) - dy * (p.x - a.x)) / len
            })
            .fold(f64::INFINITY, f64::min)
    };
    let mut out = Vec::new();
    let (nx, ny) = (((x1 - x0) / step_m) as usize, ((y1 - y0) / step_m) as usize);
    for i in 0..=nx {
        for j in 0..=ny {
            let p = Coord {
                x: x0 + (i as f64 + 0.5) * step_m,
                y: y0 + (j as f64 + 0.5) * step_m,
            };
            let d = depth(p);
            if d > 0.25 {
                out.push((p, d));
            }
        }
    }
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    let r = |p: &Coord<f64>| (p.x - cx).hypot(p.y - cy);
    out.sort_by(|a, b| r(&b.0).total_cmp(&r(&a.0)));
    out
}

pub fn hull(pts: Vec<Coord<f64>>) -> Polygon<f64> {
    use geo::ConvexHull;
    geo::MultiPoint::from(pts.into_iter().map(geo::Point::from).collect::<Vec<_>>()).convex_hull()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Area;

    #[test]
    fn angle_diff_wraps() {
        assert!((angle_diff(0.1, -0.1) + 0.2).abs() < 1e-12);
        assert!((angle_diff(3.0, -3.0) - (std::f64::consts::TAU - 6.0)).abs() < 1e-12);
    }

    #[test]
    fn straight_sweep_is_footprint_plus_travel() {
        let m = MachineProfile::default_profile();
        let body = Body::new(&m);
        let a = Pose::new(0.0, 0.0, 0.7);
        let b = Pose::new(10.0 * 0.7f64.cos(), 10.0 * 0.7f64.sin(), 0.7);
        let area = body.sweep_straight(&a, &b).unsigned_area();
        // 2.4 m × 1.7 m footprint moved 10 m along its length
        assert!((area - (12.4 * 1.7)).abs() < 1e-6, "{area}");
        let strip = body.strip(&a, &b).unsigned_area();
        assert!((strip - 19.0).abs() < 1e-6, "{strip}");
    }
}
