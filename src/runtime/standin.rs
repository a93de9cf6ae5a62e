//! Thin stand-ins for the simulator world and the estimator, behind the interfaces the runtime
//! needs, until the `sim` (vehicle, sensors, mines) and `localize` (EKF, NMEA) branches land.
//!
//! - [`StandInVehicle`] implements [`VehicleModel`], so the real [`crate::can::ecu::VehicleEcu`]
//!   drives it over the pty: the first-order [`SimpleVehicle`] plus the true pose (skid-steer
//!   kinematics with seeded longitudinal slip), seeded hidden mines that go off when the
//!   processing line passes over them with the rotor turning, and a rotor-stall fault.
//! - [`StandInGnss`]: fixes of the true pose with RTK-fixed noise, outages on demand.
//! - [`StandInEstimator`]: track odometry dead reckoning, corrected by each fix with a scalar
//!   Kalman gain; σ grows with distance (1 %) during outages, honest enough for the supervisor.

use crate::can::vehicle_model::{ActuatorDemand, SimpleVehicle, VehicleModel, VehicleState};
use crate::machine::MachineProfile;
use crate::plan::pose::{angle_diff, Pose};
use geo::{Contains, MultiPolygon, Point};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use std::time::Duration;

/// A hidden mine. # Units: ENU metres.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HiddenMine {
    pub x_m: f64,
    pub y_m: f64,
    pub live: bool,
}

/// The simulated machine on its field.
pub struct StandInVehicle {
    inner: SimpleVehicle,
    /// True pose of base_link.
    pub pose: Pose,
    gauge_m: f64,
    line_x_m: f64,
    line_y_m: (f64, f64),
    rpm_min: f64,
    slip: f64,
    t_s: f64,
    stall_until_s: f64,
    pub mines: Vec<HiddenMine>,
    /// Detonations so far: (t_s, x_m, y_m).
    pub detonations: Vec<(f64, f64, f64)>,
}

impl StandInVehicle {
    /// `mines_per_ha` anti-personnel mines laid uniformly in the hazard with `seed`.
    pub fn new(m: &MachineProfile, start: Pose, hazard: &MultiPolygon<f64>, mines_per_ha: f64, seed: u64) -> Self {
        use geo::{Area, BoundingRect};
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut mines = Vec::new();
        if let Some(r) = hazard.bounding_rect() {
            let n = (hazard.unsigned_area() / 1e4 * mines_per_ha).round() as usize;
            let mut tries = 0;
            while mines.len() < n && tries < 100_000 {
                tries += 1;
                let p = Point::new(
                    rng.random_range(r.min().x..r.max().x),
                    rng.random_range(r.min().y..r.max().y),
                );
                if hazard.contains(&p) {
                    mines.push(HiddenMine {
                        x_m: p.x(),
                        y_m: p.y(),
                        live: true,
                    });
                }
            }
        }
        let noise: f64 = Normal::new(0.0, 0.01).expect("σ > 0").sample(&mut rng);
        let slip = 0.03 + noise.clamp(-0.02, 0.02);
        Self {
            inner: SimpleVehicle::default(),
            pose: start,
            gauge_m: m.track_gauge_m,
            line_x_m: m.implement_x_m(),
            line_y_m: m.implement_y_m(),
            rpm_min: m.rotor_rpm_min,
            slip,
            t_s: 0.0,
            stall_until_s: f64::NEG_INFINITY,
            mines,
            detonations: Vec::new(),
        }
    }

    /// The rotor stalls (jammed) for `duration_s` from now.
    pub fn stall_rotor(&mut self, duration_s: f64) {
        self.stall_until_s = self.t_s + duration_s;
    }

    fn stalled(&self) -> bool {
        self.t_s < self.stall_until_s
    }
}

impl VehicleModel for StandInVehicle {
    fn step(&mut self, d: &ActuatorDemand, dt: Duration) {
        self.inner.step(d, dt);
        let dt_s = dt.as_secs_f64();
        self.t_s += dt_s;
        let s = self.state();
        let k = 1.0 - self.slip;
        let v = k * (s.left_mps + s.right_mps) / 2.0;
        let w = k * (s.right_mps - s.left_mps) / self.gauge_m;
        let before = self.pose;
        let yaw = self.pose.yaw_rad + w * dt_s / 2.0;
        self.pose.x_m += v * yaw.cos() * dt_s;
        self.pose.y_m += v * yaw.sin() * dt_s;
        self.pose.yaw_rad = angle_diff(0.0, self.pose.yaw_rad + w * dt_s);
        if s.rotor_rpm >= 0.5 * self.rpm_min && s.depth_m > 0.05 && v > 0.0 {
            // the processing line's sweep this step
            let (a, b) = (self.line_y_m.0, self.line_y_m.1);
            for mine in self.mines.iter_mut().filter(|m| m.live) {
                let local = |p: &Pose| {
                    let (dx, dy) = (mine.x_m - p.x_m, mine.y_m - p.y_m);
                    let (sn, c) = p.yaw_rad.sin_cos();
                    (c * dx + sn * dy, -sn * dx + c * dy)
                };
                let (x0, y0) = local(&before);
                let (x1, y1) = local(&self.pose);
                let crossed = (x0 - self.line_x_m) * (x1 - self.line_x_m) <= 0.0 && x1 < x0;
                if crossed && (a..=b).contains(&y0.min(y1)) && (a..=b).contains(&y0.max(y1)) {
                    mine.live = false;
                    self.detonations.push((self.t_s, mine.x_m, mine.y_m));
                    self.inner.inject_shock(60.0);
                }
            }
        }
    }

    fn state(&self) -> VehicleState {
        let mut s = self.inner.state();
        if self.stalled() {
            s.rotor_rpm = s.rotor_rpm.min(0.3 * self.rpm_min);
            s.hydraulic_pressure_bar = 330.0;
        }
        s
    }

    fn take_shock_g(&mut self) -> Option<f64> {
        self.inner.take_shock_g()
    }

    fn inject_shock(&mut self, peak_g: f64) {
        self.inner.inject_shock(peak_g);
    }
}

/// One GNSS solution. # Units: ENU metres, radians.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fix {
    pub x_m: f64,
    pub y_m: f64,
    /// Dual-antenna heading.
    pub yaw_rad: f64,
    /// Horizontal 1σ the receiver reports.
    pub sigma_m: f64,
}

/// The receiver: RTK fixed noise (σ 0.015 m, heading 0.13°), nothing during outages.
pub struct StandInGnss {
    rng: ChaCha8Rng,
    sigma_m: f64,
}

impl StandInGnss {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x6e55),
            sigma_m: 0.015,
        }
    }

    /// A fix of the true pose, or `None` while `outage`.
    pub fn fix(&mut self, truth: &Pose, outage: bool) -> Option<Fix> {
        let n = Normal::new(0.0, 1.0).expect("σ > 0");
        let (ex, ey, eh) = (
            n.sample(&mut self.rng),
            n.sample(&mut self.rng),
            n.sample(&mut self.rng),
        );
        if outage {
            return None;
        }
        Some(Fix {
            x_m: truth.x_m + self.sigma_m * ex,
            y_m: truth.y_m + self.sigma_m * ey,
            yaw_rad: truth.yaw_rad + 0.13f64.to_radians() * eh,
            sigma_m: self.sigma_m,
        })
    }
}

/// Pose estimate with a horizontal σ.
#[derive(Clone, Debug)]
pub struct StandInEstimator {
    pub pose: Pose,
    pub sigma_m: f64,
    gauge_m: f64,
    /// Time of the last fix, s.
    pub last_fix_s: Option<f64>,
}

impl StandInEstimator {
    pub fn new(start: Pose, gauge_m: f64) -> Self {
        Self {
            pose: start,
            sigma_m: 0.02,
            gauge_m,
            last_fix_s: None,
        }
    }

    /// Dead reckoning from measured track speeds (m/s) over `dt_s` seconds.
    pub fn predict(&mut self, left_mps: f64, right_mps: f64, dt_s: f64) {
        let v = (left_mps + right_mps) / 2.0;
        let w = (right_mps - left_mps) / self.gauge_m;
        let yaw = self.pose.yaw_rad + w * dt_s / 2.0;
        self.pose.x_m += v * yaw.cos() * dt_s;
        self.pose.y_m += v * yaw.sin() * dt_s;
        self.pose.yaw_rad = angle_diff(0.0, self.pose.yaw_rad + w * dt_s);
        // slip is unmodelled: 5 % of distance (conservative) plus a slow random walk
        self.sigma_m =
            (self.sigma_m.powi(2) + (0.05 * v.abs() * dt_s).powi(2) + 1e-4 * dt_s).sqrt() + 0.05 * v.abs() * dt_s;
    }

    /// Correct with a fix at time `t_s`.
    pub fn correct(&mut self, f: &Fix, t_s: f64) {
        let (p, r) = (self.sigma_m.powi(2), f.sigma_m.powi(2));
        let k = p / (p + r);
        self.pose.x_m += k * (f.x_m - self.pose.x_m);
        self.pose.y_m += k * (f.y_m - self.pose.y_m);
        self.pose.yaw_rad = angle_diff(0.0, f.yaw_rad);
        self.sigma_m = (p * r / (p + r)).sqrt();
        self.last_fix_s = Some(t_s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimator_sigma_grows_without_fixes_and_shrinks_with_one() {
        let mut e = StandInEstimator::new(Pose::new(0.0, 0.0, 0.0), 1.3);
        for _ in 0..1000 {
            e.predict(0.5, 0.5, 0.1);
        }
        assert!(e.sigma_m > 0.5, "{}", e.sigma_m);
        let f = Fix {
            x_m: 50.0,
            y_m: 0.0,
            yaw_rad: 0.0,
            sigma_m: 0.015,
        };
        e.correct(&f, 100.0);
        assert!(e.sigma_m < 0.016 && (e.pose.x_m - 50.0).abs() < 0.01);
    }

    #[test]
    fn mine_under_the_processing_line_goes_off() {
        let m = MachineProfile::default_profile();
        let hazard = MultiPolygon(vec![]);
        let mut v = StandInVehicle::new(&m, Pose::new(0.0, 0.0, 0.0), &hazard, 0.0, 1);
        v.mines.push(HiddenMine {
            x_m: 4.0,
            y_m: 0.3,
            live: true,
        });
        let d = ActuatorDemand {
            left_mps: 0.3,
            right_mps: 0.3,
            rotor_enable: true,
            rotor_rpm: 600.0,
            depth_m: 0.25,
            brake: false,
        };
        for _ in 0..1000 {
            v.step(&d, Duration::from_millis(10));
        }
        assert_eq!(v.detonations.len(), 1);
        assert!(v.take_shock_g().is_some());
    }
}
