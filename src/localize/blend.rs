//! Output smoothing: a correction the filter takes at a fix (or a re-acquisition) is shown in the
//! output gradually, so the pose the controller follows never jumps between two outputs.
//!
//! After each update the output keeps showing where it was, as the filter's pose plus an offset;
//! the offset then shrinks towards zero, first at a capped speed (large corrections), then
//! exponentially with a time constant (small ones). The reported covariance adds the offset's outer
//! product, so the output's ellipse still covers the filter's best estimate while it glides.

use serde::{Deserialize, Serialize};

use crate::localize::wrap_angle_rad;

/// How corrections are blended into the output.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputSmoothing {
    /// Time constant of the final, exponential part of the glide, seconds (≥ 0; 0 shows every
    /// correction at once). Default 0.3.
    pub time_constant_s: f64,
    /// Fastest the output moves towards the filter's position beyond the vehicle's own motion, m/s
    /// (> 0). Default 2.0 (4 cm per 50 Hz output).
    pub max_speed_mps: f64,
    /// Fastest the output's yaw turns towards the filter's yaw beyond the vehicle's own turn, rad/s
    /// (> 0). Default 0.5 (0.6° per 50 Hz output).
    pub max_yaw_rate_rps: f64,
    /// A pending position offset at or below this is shown at once (a step this small is no jump;
    /// RTK corrections stay undelayed), metres (≥ 0). Default 0.05.
    pub show_at_once_below_m: f64,
    /// Likewise for yaw, radians (≥ 0). Default 0.01 (0.6°).
    pub show_at_once_below_rad: f64,
}

impl Default for OutputSmoothing {
    fn default() -> Self {
        Self {
            time_constant_s: 0.3,
            max_speed_mps: 2.0,
            max_yaw_rate_rps: 0.5,
            show_at_once_below_m: 0.05,
            show_at_once_below_rad: 0.01,
        }
    }
}

/// The part of past corrections not yet shown in the output, at time `t_s`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct OutputBlend {
    /// Output minus filter position, metres (ENU).
    pub east_m: f64,
    pub north_m: f64,
    /// Output minus filter yaw, radians.
    pub yaw_rad: f64,
    /// Time the offset refers to, UNIX seconds.
    pub t_s: f64,
}

/// Magnitude left of an offset `m0` after `dt` seconds: linear at `rate` down to `rate·tau`, then
/// exponential with time constant `tau`.
fn shrink(m0: f64, dt: f64, rate: f64, tau: f64) -> f64 {
    if tau <= 0.0 || m0 <= 0.0 {
        return 0.0;
    }
    let knee = rate * tau;
    let linear_s = ((m0 - knee) / rate).max(0.0);
    if dt <= linear_s {
        return m0 - rate * dt;
    }
    let m = m0.min(knee) * (-(dt - linear_s) / tau).exp();
    // Below a tenth of a millimetre the glide is over.
    if m < 1e-4 {
        0.0
    } else {
        m
    }
}

impl OutputBlend {
    /// The offset at `t_s` (not before the time it refers to): `(east_m, north_m, yaw_rad)`.
    pub fn offset_at(&self, t_s: f64, cfg: &OutputSmoothing) -> (f64, f64, f64) {
        let dt = (t_s - self.t_s).max(0.0);
        let m = self.east_m.hypot(self.north_m);
        let (e, n) = if m > 0.0 {
            let k = shrink(m, dt, cfg.max_speed_mps, cfg.time_constant_s) / m;
            (self.east_m * k, self.north_m * k)
        } else {
            (0.0, 0.0)
        };
        let y = self.yaw_rad.signum() * shrink(self.yaw_rad.abs(), dt, cfg.max_yaw_rate_rps, cfg.time_constant_s);
        (e, n, y)
    }

    /// Take a correction applied at `t_s`: the filter's pose went from `before` to `after`
    /// (`(east_m, north_m, yaw_rad)`); the output stays where it was.
    pub fn absorb(&mut self, t_s: f64, before: (f64, f64, f64), after: (f64, f64, f64), cfg: &OutputSmoothing) {
        let (e, n, y) = self.offset_at(t_s, cfg);
        *self = Self {
            east_m: e + before.0 - after.0,
            north_m: n + before.1 - after.1,
            yaw_rad: wrap_angle_rad(y + wrap_angle_rad(before.2 - after.2)),
            t_s,
        };
        if cfg.time_constant_s <= 0.0 {
            *self = Self { t_s, ..Self::default() };
        }
        if self.east_m.hypot(self.north_m) <= cfg.show_at_once_below_m {
            (self.east_m, self.north_m) = (0.0, 0.0);
        }
        if self.yaw_rad.abs() <= cfg.show_at_once_below_rad {
            self.yaw_rad = 0.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_correction_glides_at_the_capped_speed_then_settles() {
        let cfg = OutputSmoothing::default();
        let mut b = OutputBlend::default();
        b.absorb(10.0, (6.0, 0.0, 0.0), (0.0, 0.0, 0.0), &cfg);
        let mut last = b.offset_at(10.0, &cfg).0;
        assert!((last - 6.0).abs() < 1e-12, "the output does not move at the update");
        let mut k = 1;
        while last > 0.0 {
            let now = b.offset_at(10.0 + 0.02 * f64::from(k), &cfg).0;
            assert!(
                now <= last && last - now <= cfg.max_speed_mps * 0.02 + 1e-12,
                "{last} → {now}"
            );
            last = now;
            k += 1;
        }
        // 5.4 m at 2 m/s, then a 0.3 s exponential down to 0.1 mm: about 5.1 s in all.
        let t = 0.02 * f64::from(k);
        assert!((4.5..5.5).contains(&t), "glide took {t} s");
    }

    #[test]
    fn corrections_accumulate_and_yaw_wraps() {
        let cfg = OutputSmoothing::default();
        let mut b = OutputBlend::default();
        b.absorb(0.0, (0.0, 0.0, 0.004), (0.0, 0.0, 0.0), &cfg);
        b.absorb(0.0, (0.03, 0.0, 0.0), (0.0, 0.0, 0.0), &cfg);
        assert_eq!(b.offset_at(0.0, &cfg), (0.0, 0.0, 0.0), "small steps are shown at once");
        b.absorb(0.0, (0.0, 0.0, 3.1), (0.0, 0.0, -3.1), &cfg);
        let (_, _, y) = b.offset_at(0.0, &cfg);
        assert!((y - (6.2 - std::f64::consts::TAU)).abs() < 1e-12, "{y}");
        b.absorb(0.0, (0.0, 1.0, 0.0), (0.0, 0.5, 0.0), &cfg);
        b.absorb(0.0, (0.0, 1.0, 0.0), (0.0, 0.5, 0.0), &cfg);
        assert!((b.offset_at(0.0, &cfg).1 - 1.0).abs() < 1e-12);
    }

    #[test]
    fn zero_time_constant_shows_corrections_at_once() {
        let cfg = OutputSmoothing {
            time_constant_s: 0.0,
            ..OutputSmoothing::default()
        };
        let mut b = OutputBlend::default();
        b.absorb(0.0, (1.0, 1.0, 0.1), (0.0, 0.0, 0.0), &cfg);
        assert_eq!(b.offset_at(0.0, &cfg), (0.0, 0.0, 0.0));
    }
}
