//! The tracked skid-steer vehicle: track drives with limits and lag, slip, the instantaneous
//! centre of rotation (ICR) model, an optional gentle slope. True pose in the local ENU frame.
//!
//! Per track `i`, the drive follows its demand with an acceleration limit and a first-order lag
//! (`v̇ = (v_cmd − v)/lag`, bounded by `accel_mps2`; braking by `brake_decel_mps2`). The ground
//! speed of the track is `v·(1 − s_i)`, with slip `s_i` = soil mean + a slowly varying Gaussian
//! part (σ 2 %, 5 s correlation) + a turning part proportional to the speed difference of the
//! tracks. Following Mandow et al. (2007), the tracks' ICRs lie at `y = ±χ·gauge/2` (χ =
//! `1 + icr_spread`): forward speed `(v_l' + v_r')/2`, yaw rate `(v_r' − v_l')/(χ·gauge)`, and a
//! lateral skid `x_icr·ω` from the ICR's longitudinal offset. On a slope, the machine creeps
//! downhill by `slope_creep·sin(slope)` per metre driven and slips more uphill.

use super::scenario::Soil;
use crate::machine::MachineProfile;
use crate::plan::Pose;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

/// Vehicle model parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct VehicleParams {
    /// Track gauge, centre to centre, m.
    pub gauge_m: f64,
    /// Track speed limit, m/s. Default 2.78 (10 km/h).
    pub max_track_speed_mps: f64,
    /// Drive acceleration limit, m/s². Default 0.6.
    pub accel_mps2: f64,
    /// Braking deceleration (demand towards zero, e-stop), m/s². Default 2.0.
    pub brake_decel_mps2: f64,
    /// First-order lag of the track drives, s. Default 0.15.
    pub lag_s: f64,
    /// ICR spread beyond the track centre line, fraction of half-gauge (0.6–0.8). Default 0.7.
    pub icr_spread: f64,
    /// Longitudinal offset of the ICRs from base_link, m (lateral skid in turns). Default 0.05.
    pub icr_x_m: f64,
    /// Extra slip per m/s of track speed difference. Default 0.05.
    pub turn_slip_per_mps: f64,
    /// σ of the slowly varying slip, ratio. Default 0.02.
    pub slip_sigma: f64,
    /// Correlation time of the slip variation, s. Default 5.
    pub slip_tau_s: f64,
    /// Downhill creep per metre driven per unit sin(slope), m/m. Default 0.3.
    pub slope_creep: f64,
}

impl VehicleParams {
    /// Parameters for a machine profile.
    pub fn for_machine(m: &MachineProfile) -> Self {
        Self {
            gauge_m: m.track_gauge_m,
            max_track_speed_mps: 2.78,
            accel_mps2: 0.6,
            brake_decel_mps2: 2.0,
            lag_s: 0.15,
            icr_spread: 0.7,
            icr_x_m: m.pivot_centre_behind_m,
            turn_slip_per_mps: 0.05,
            slip_sigma: 0.02,
            slip_tau_s: 5.0,
            slope_creep: 0.3,
        }
    }
}

/// Track speed demand, m/s.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct TrackDemand {
    pub left_mps: f64,
    pub right_mps: f64,
    /// Brakes applied (e-stop): both tracks stop at the braking limit.
    pub brake: bool,
}

/// The vehicle's true state.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VehicleTruth {
    pub pose: Pose,
    /// Sprocket (track drive) speeds, m/s: what the track encoders measure.
    pub left_track_mps: f64,
    pub right_track_mps: f64,
    /// Forward ground speed of base_link, m/s (negative reversing).
    pub ground_speed_mps: f64,
    /// Lateral ground speed of base_link, m/s (positive left).
    pub lateral_speed_mps: f64,
    /// Yaw rate, rad/s (counter-clockwise).
    pub yaw_rate_rps: f64,
    /// Current slip ratios of the left and right tracks.
    pub slip_left: f64,
    pub slip_right: f64,
}

/// The simulated tracked vehicle.
#[derive(Clone, Debug)]
pub struct TrackedVehicle {
    params: VehicleParams,
    soil: Soil,
    slope_rad: f64,
    downhill_rad: f64,
    slip_var: [f64; 2],
    truth: VehicleTruth,
}

fn toward(x: f64, target: f64, max_step: f64) -> f64 {
    x + (target - x).clamp(-max_step, max_step)
}

impl TrackedVehicle {
    /// A vehicle at rest at `pose`.
    ///
    /// # Units
    /// `slope_deg` degrees, `downhill_rad` radians (ENU, CCW from east).
    pub fn new(params: VehicleParams, pose: Pose, soil: Soil, slope_deg: f64, downhill_rad: f64) -> Self {
        Self {
            params,
            soil,
            slope_rad: slope_deg.to_radians(),
            downhill_rad,
            slip_var: [0.0; 2],
            truth: VehicleTruth {
                pose,
                left_track_mps: 0.0,
                right_track_mps: 0.0,
                ground_speed_mps: 0.0,
                lateral_speed_mps: 0.0,
                yaw_rate_rps: 0.0,
                slip_left: 0.0,
                slip_right: 0.0,
            },
        }
    }

    pub fn params(&self) -> &VehicleParams {
        &self.params
    }

    pub fn truth(&self) -> &VehicleTruth {
        &self.truth
    }

    pub fn set_soil(&mut self, soil: Soil) {
        self.soil = soil;
    }

    /// Moves the vehicle to `pose` at rest (tests, resume).
    pub fn place(&mut self, pose: Pose) {
        self.truth.pose = pose;
    }

    /// Advances by `dt_s` seconds under `demand`; random slip variation from `rng`.
    ///
    /// # Units
    /// `dt_s` seconds (keep ≤ 0.05 s for the Euler integration).
    pub fn step(&mut self, demand: TrackDemand, dt_s: f64, rng: &mut ChaCha8Rng) -> &VehicleTruth {
        let p = &self.params;
        let t = &mut self.truth;
        // Track drives.
        let vmax = p.max_track_speed_mps;
        let (dl, dr) = if demand.brake {
            (0.0, 0.0)
        } else {
            (demand.left_mps.clamp(-vmax, vmax), demand.right_mps.clamp(-vmax, vmax))
        };
        let drive = |v: f64, cmd: f64| {
            let braking = demand.brake || cmd.abs() < v.abs() && cmd * v >= 0.0 || cmd * v < 0.0;
            let limit = if braking { p.brake_decel_mps2 } else { p.accel_mps2 };
            let lag_rate = (cmd - v) / p.lag_s.max(dt_s);
            let rate = if demand.brake {
                (cmd - v).signum() * limit
            } else {
                lag_rate.clamp(-limit, limit)
            };
            toward(v, cmd, (rate * dt_s).abs())
        };
        t.left_track_mps = drive(t.left_track_mps, dl);
        t.right_track_mps = drive(t.right_track_mps, dr);
        // Slip: soil mean, slowly varying part, turning part, slope.
        let a = (-dt_s / p.slip_tau_s).exp();
        let q = p.slip_sigma * (1.0 - a * a).sqrt();
        for s in &mut self.slip_var {
            let n: f64 = rng.sample(StandardNormal);
            *s = a * *s + q * n;
        }
        let (vl, vr) = (t.left_track_mps, t.right_track_mps);
        let turn = p.turn_slip_per_mps * (vr - vl).abs();
        let (s, c) = t.pose.yaw_rad.sin_cos();
        let (dh_s, dh_c) = self.downhill_rad.sin_cos();
        // Component of the downhill direction along the heading (positive: facing downhill).
        let downhill_fwd = c * dh_c + s * dh_s;
        let downhill_left = -s * dh_c + c * dh_s;
        let sin_slope = self.slope_rad.sin();
        let slip = |var: f64, v: f64| {
            let uphill = -downhill_fwd * v.signum() * sin_slope;
            (self.soil.mean_slip() + var + turn + 0.5 * uphill.max(0.0)).clamp(0.0, 0.6)
        };
        t.slip_left = slip(self.slip_var[0], vl);
        t.slip_right = slip(self.slip_var[1], vr);
        let gl = vl * (1.0 - t.slip_left);
        let gr = vr * (1.0 - t.slip_right);
        // ICR kinematics.
        let chi = 1.0 + p.icr_spread;
        let v = 0.5 * (gl + gr);
        let w = (gr - gl) / (chi * p.gauge_m);
        let moved = 0.5 * (vl.abs() + vr.abs());
        let lat = p.icr_x_m * w + p.slope_creep * sin_slope * moved * downhill_left;
        let fwd_creep = p.slope_creep * sin_slope * moved * downhill_fwd * 0.2;
        let vx = v + fwd_creep;
        t.pose.x_m += (c * vx - s * lat) * dt_s;
        t.pose.y_m += (s * vx + c * lat) * dt_s;
        t.pose.yaw_rad = wrap(t.pose.yaw_rad + w * dt_s);
        t.ground_speed_mps = vx;
        t.lateral_speed_mps = lat;
        t.yaw_rate_rps = w;
        t
    }
}

/// An angle in (−π, π].
pub fn wrap(a: f64) -> f64 {
    crate::plan::pose::angle_diff(0.0, a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn vehicle(soil: Soil) -> TrackedVehicle {
        let m = MachineProfile::default_profile();
        TrackedVehicle::new(VehicleParams::for_machine(&m), Pose::new(0.0, 0.0, 0.0), soil, 0.0, 0.0)
    }

    fn run(v: &mut TrackedVehicle, d: TrackDemand, secs: f64) {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..(secs / 0.01) as usize {
            v.step(d, 0.01, &mut rng);
        }
    }

    #[test]
    fn straight_run_loses_the_soils_slip() {
        for (soil, lo, hi) in [(Soil::Firm, 0.93, 0.995), (Soil::WetClay, 0.78, 0.92)] {
            let mut v = vehicle(soil);
            let d = TrackDemand {
                left_mps: 0.5,
                right_mps: 0.5,
                brake: false,
            };
            run(&mut v, d, 2.0);
            let x0 = v.truth().pose.x_m;
            run(&mut v, d, 100.0);
            let ratio = (v.truth().pose.x_m - x0) / 50.0;
            assert!(ratio > lo && ratio < hi, "{soil:?}: {ratio}");
        }
    }

    #[test]
    fn counter_rotation_pivots_slower_than_the_rigid_model() {
        let mut v = vehicle(Soil::Firm);
        let d = TrackDemand {
            left_mps: -0.13,
            right_mps: 0.13,
            brake: false,
        };
        run(&mut v, d, 5.0);
        let w = v.truth().yaw_rate_rps;
        let rigid = 0.26 / 1.3;
        assert!(w > 0.4 * rigid && w < 0.65 * rigid, "{w} vs rigid {rigid}");
        assert!(v.truth().pose.x_m.hypot(v.truth().pose.y_m) < 0.1, "pivots on the spot");
    }

    #[test]
    fn drives_respect_limits_and_brake_hard() {
        let mut v = vehicle(Soil::Firm);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let d = TrackDemand {
            left_mps: 5.0,
            right_mps: 5.0,
            brake: false,
        };
        v.step(d, 0.1, &mut rng);
        assert!(v.truth().left_track_mps <= 0.06 + 1e-9);
        run(&mut v, d, 10.0);
        assert!((v.truth().left_track_mps - 2.78).abs() < 1e-6);
        run(&mut v, TrackDemand { brake: true, ..d }, 1.5);
        assert_eq!(v.truth().left_track_mps, 0.0);
    }

    #[test]
    fn slope_pushes_downhill() {
        let m = MachineProfile::default_profile();
        // facing east, downhill to the south (right of the machine); same slip as on the flat
        let at = |slope_deg: f64| {
            let mut v = TrackedVehicle::new(
                VehicleParams::for_machine(&m),
                Pose::new(0.0, 0.0, 0.0),
                Soil::Firm,
                slope_deg,
                -std::f64::consts::FRAC_PI_2,
            );
            let d = TrackDemand {
                left_mps: 0.3,
                right_mps: 0.3,
                brake: false,
            };
            run(&mut v, d, 30.0);
            v.truth().pose
        };
        let (flat, slope) = (at(0.0), at(5.0));
        assert!(slope.y_m - flat.y_m < -0.15, "{flat:?} {slope:?}");
    }
}
