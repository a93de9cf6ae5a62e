//! The tracker's geometry and control laws as small pure functions: where the machine is along
//! a segment or a polyline, the curvature feed-forward, the pivot rate profile and the
//! conversion of (v, ω) to track speeds.

use crate::plan::pose::angle_diff;
use crate::plan::Pose;

/// The machine relative to the path.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PathPoint {
    /// Direction of travel along the path, rad.
    pub path_yaw_rad: f64,
    /// Signed distance left of the travel direction, m.
    pub cross_track_m: f64,
    /// Distance left to the end, m (negative past it).
    pub remaining_m: f64,
    /// Fraction done, 0–1.
    pub progress: f64,
}

/// Position along the segment `from → to` (travel direction from→to, whatever the body faces).
pub fn along_segment(from: &Pose, to: &Pose, p: &Pose) -> PathPoint {
    let (dx, dy) = (to.x_m - from.x_m, to.y_m - from.y_m);
    let len = dx.hypot(dy);
    let (ux, uy) = if len > 1e-9 {
        (dx / len, dy / len)
    } else {
        (from.yaw_rad.cos(), from.yaw_rad.sin())
    };
    let (px, py) = (p.x_m - from.x_m, p.y_m - from.y_m);
    let s = px * ux + py * uy;
    PathPoint {
        path_yaw_rad: uy.atan2(ux),
        cross_track_m: ux * py - uy * px,
        remaining_m: len - s,
        progress: if len > 1e-9 { (s / len).clamp(0.0, 1.0) } else { 1.0 },
    }
}

/// Position along a polyline of poses; `seg` is the current segment, advanced monotonically
/// (the machine never goes back along a curve).
pub fn along_polyline(poses: &[Pose], p: &Pose, seg: &mut usize) -> PathPoint {
    if poses.len() < 2 {
        let a = poses.first().copied().unwrap_or(*p);
        return along_segment(&a, &a, p);
    }
    let last = poses.len() - 2;
    *seg = (*seg).min(last);
    while *seg < last {
        let pp = along_segment(&poses[*seg], &poses[*seg + 1], p);
        if pp.remaining_m > 0.0 {
            break;
        }
        *seg += 1;
    }
    let pp = along_segment(&poses[*seg], &poses[*seg + 1], p);
    let seg_len = poses[*seg].distance_m(&poses[*seg + 1]);
    let rest: f64 = poses[*seg + 1..].windows(2).map(|w| w[0].distance_m(&w[1])).sum();
    let total: f64 = poses.windows(2).map(|w| w[0].distance_m(&w[1])).sum();
    let remaining = pp.remaining_m + rest;
    let _ = seg_len;
    PathPoint {
        remaining_m: remaining,
        progress: if total > 1e-9 {
            (1.0 - remaining / total).clamp(0.0, 1.0)
        } else {
            1.0
        },
        ..pp
    }
}

/// Curvature of the polyline at segment `seg` from its poses' yaws, 1/m.
pub fn curvature(poses: &[Pose], seg: usize) -> f64 {
    if seg + 1 >= poses.len() {
        return 0.0;
    }
    let (a, b) = (poses[seg], poses[seg + 1]);
    let ds = a.distance_m(&b);
    if ds < 1e-6 {
        0.0
    } else {
        angle_diff(a.yaw_rad, b.yaw_rad) / ds
    }
}

/// Pivot yaw rate for `remaining_rad` to go: the rate limit, a braking curve
/// `√(2·α·|rem|)`, and a proportional tail, with the sign of the remaining angle.
///
/// # Units
/// rad, rad/s, rad/s².
pub fn pivot_rate(remaining_rad: f64, rate_rps: f64, accel_rps2: f64) -> f64 {
    let r = remaining_rad.abs();
    let w = rate_rps
        .min((2.0 * accel_rps2 * r).sqrt())
        .min(2.0 * r)
        .max(0.02f64.min(r * 4.0));
    w * remaining_rad.signum()
}

/// Yaw rate of the path-following law: `κ|v| − (2ζω_n|v| + k0)·ψ − ω_n²|v|·e`.
///
/// # Units
/// `speed_mps` m/s (magnitude), `kappa` 1/m, `heading_err_rad` rad (travel heading − path),
/// `cross_track_m` m (left of travel), `omega_n` 1/m, `zeta` –, `k0` 1/s; result rad/s.
pub fn path_yaw_rate(
    speed_mps: f64,
    kappa: f64,
    heading_err_rad: f64,
    cross_track_m: f64,
    omega_n: f64,
    zeta: f64,
    k0: f64,
) -> f64 {
    let v = speed_mps.abs();
    kappa * v - (2.0 * zeta * omega_n * v + k0) * heading_err_rad - omega_n * omega_n * v * cross_track_m
}

/// Track speeds for forward speed `v` and yaw rate `w` with effective gauge `gauge_eff_m`,
/// scaled together to stay within `max_mps`.
///
/// # Units
/// m/s, rad/s, m.
pub fn tracks(v: f64, w: f64, gauge_eff_m: f64, max_mps: f64) -> (f64, f64) {
    let (l, r) = (v - w * gauge_eff_m / 2.0, v + w * gauge_eff_m / 2.0);
    let m = l.abs().max(r.abs());
    if m > max_mps {
        (l * max_mps / m, r * max_mps / m)
    } else {
        (l, r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_geometry() {
        let a = Pose::new(0.0, 0.0, 0.0);
        let b = Pose::new(10.0, 0.0, 0.0);
        let p = along_segment(&a, &b, &Pose::new(4.0, 0.3, 0.1));
        assert!((p.cross_track_m - 0.3).abs() < 1e-12);
        assert!((p.remaining_m - 6.0).abs() < 1e-12);
        assert!((p.progress - 0.4).abs() < 1e-12);
        // reversing from b to a: travel direction west, the point is right of it
        let r = along_segment(&b, &a, &Pose::new(4.0, 0.3, 0.0));
        assert!((r.cross_track_m + 0.3).abs() < 1e-12);
        assert!((r.path_yaw_rad.abs() - std::f64::consts::PI).abs() < 1e-12);
    }

    #[test]
    fn polyline_advances_and_measures_what_is_left() {
        let poses: Vec<Pose> = (0..=10)
            .map(|i| {
                let t = i as f64 * 0.1;
                Pose::new(2.0 * t.sin(), 2.0 * (1.0 - t.cos()), t)
            })
            .collect();
        let mut seg = 0;
        let p = along_polyline(&poses, &poses[5], &mut seg);
        assert_eq!(seg, 5);
        assert!((p.remaining_m - 1.0).abs() < 0.01, "{p:?}");
        assert!((curvature(&poses, 3) - 0.5).abs() < 1e-3);
    }

    #[test]
    fn pivot_rate_brakes_and_keeps_sign() {
        assert!((pivot_rate(3.0, 0.2, 0.3) - 0.2).abs() < 1e-12);
        assert!(pivot_rate(-3.0, 0.2, 0.3) < 0.0);
        assert!(pivot_rate(0.01, 0.2, 0.3) < 0.1);
        assert_eq!(pivot_rate(0.0, 0.2, 0.3), 0.0);
    }

    #[test]
    fn path_law_steers_back_and_is_still_at_standstill() {
        // left of the path, aligned: turn right (negative), more at speed
        assert!(path_yaw_rate(0.5, 0.0, 0.0, 0.1, 1.5, 0.9, 0.3) < 0.0);
        assert_eq!(path_yaw_rate(0.0, 0.0, 0.0, 0.1, 1.5, 0.9, 0.3), 0.0);
        // heading error alone is corrected even at standstill
        assert!(path_yaw_rate(0.0, 0.0, 0.1, 0.0, 1.5, 0.9, 0.3) < 0.0);
        // on a curve, the feed-forward alone
        assert!((path_yaw_rate(1.0, 0.25, 0.0, 0.0, 1.5, 0.9, 0.3) - 0.25).abs() < 1e-12);
    }

    #[test]
    fn tracks_scale_together() {
        let (l, r) = tracks(1.0, 0.0, 2.0, 2.78);
        assert_eq!((l, r), (1.0, 1.0));
        let (l, r) = tracks(2.7, 1.0, 2.0, 2.78);
        assert!((r - 2.78).abs() < 1e-12 && l > 0.0 && l < r);
        let (l, r) = tracks(0.0, 0.2, 2.0, 2.78);
        assert!((l + 0.2).abs() < 1e-12 && (r - 0.2).abs() < 1e-12);
    }
}
