//! The extended Kalman filter over the planar state of a tracked vehicle, and its measurement models.
//!
//! State `x` (indices in [`idx`]):
//!
//! | i | symbol | meaning | unit |
//! |---|--------|---------|------|
//! | 0 | e | east of the reference point | m |
//! | 1 | n | north of the reference point | m |
//! | 2 | ψ | yaw, CCW from east | rad |
//! | 3 | v | ground speed along the body x axis (negative reversing) | m/s |
//! | 4 | ω | yaw rate | rad/s |
//! | 5 | k | odometry scale: mean track speed / ground speed (1/(1 − slip)) | 1 |
//! | 6 | τ | turn scale: (v_r − v_l)/gauge ÷ yaw rate (track ICR spread) | 1 |
//! | 7 | b | gyro bias | rad/s |
//! | 8 | β_e | slowly varying GNSS error, east | m |
//! | 9 | β_n | slowly varying GNSS error, north | m |
//! | 10 | u | lateral (crab) ground speed, to the left | m/s |
//!
//! Motion: constant speed and yaw rate over a step, integrated at the mid-point yaw; v and ω follow
//! white accelerations, k, τ and b random walks, the position takes a small along/cross-track random
//! walk (ground irregularities), and the lateral skid u is a first-order Gauss-Markov process: at
//! working speed a few mm/s of crab is a heading-sized angle between course and yaw, which GNSS
//! alone cannot tell apart. The GNSS error is split into a white part (in the
//! measurement noise) and a first-order Gauss-Markov part β (in the state) whose stationary variance
//! and correlation time belong to the current fix type: float, DGPS and single errors wander over
//! tens of seconds, and averaging them as if they were white would make the covariance lie. Updates use the Joseph form so P stays symmetric
//! positive definite.

use nalgebra::{SMatrix, SVector};

use crate::localize::config::ProcessNoise;
use crate::localize::wrap_angle_rad;

/// State dimension.
pub const N: usize = 11;
pub type StateVector = SVector<f64, N>;
pub type StateMatrix = SMatrix<f64, N, N>;

/// State indices.
pub mod idx {
    pub const E: usize = 0;
    pub const N: usize = 1;
    pub const YAW: usize = 2;
    pub const V: usize = 3;
    pub const W: usize = 4;
    pub const ODO_SCALE: usize = 5;
    pub const TURN_SCALE: usize = 6;
    pub const GYRO_BIAS: usize = 7;
    pub const GNSS_BIAS_E: usize = 8;
    pub const GNSS_BIAS_N: usize = 9;
    pub const LATERAL: usize = 10;
}

/// Filter state and covariance at a time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ekf {
    pub x: StateVector,
    pub p: StateMatrix,
    /// Time of validity, UNIX seconds.
    pub t_s: f64,
    /// Stationary variance of each GNSS-error state for the current fix type, m².
    pub gnss_bias_var_m2: f64,
    /// Correlation time of the GNSS-error states, seconds (> 0).
    pub gnss_bias_tau_s: f64,
}

/// An unused entry of a [`JacobianRows`] row.
const NONE: (usize, f64) = (0, 0.0);

/// A motion Jacobian that is the identity except in a few rows, each with at most five non-zero
/// entries `(column, value)` (the diagonal included).
struct JacobianRows<const K: usize>([(usize, [(usize, f64); 5]); K]);

impl<const K: usize> JacobianRows<K> {
    /// F P Fᵀ, touching only the rows and columns that differ from the identity.
    fn sandwich(&self, p: &StateMatrix) -> StateMatrix {
        let mut fp = *p;
        for (i, entries) in &self.0 {
            let mut row = nalgebra::RowSVector::<f64, N>::zeros();
            for &(j, f) in entries {
                row += p.row(j) * f;
            }
            fp.set_row(*i, &row);
        }
        let mut fpf = fp;
        for (i, entries) in &self.0 {
            let mut col = StateVector::zeros();
            for &(j, f) in entries {
                col += fp.column(j) * f;
            }
            fpf.set_column(*i, &col);
        }
        fpf
    }

    #[cfg(test)]
    fn dense(&self) -> StateMatrix {
        let mut f = StateMatrix::identity();
        for (i, entries) in &self.0 {
            f[(*i, *i)] = 0.0;
            for &(j, v) in entries {
                f[(*i, j)] += v;
            }
        }
        f
    }
}

/// The result of testing a measurement against the prediction.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Innovation<const M: usize> {
    pub nu: SVector<f64, M>,
    pub s: SMatrix<f64, M, M>,
    /// Squared Mahalanobis distance νᵀ S⁻¹ ν.
    pub mahalanobis_sq: f64,
}

/// A linearised measurement: predicted value, Jacobian and noise.
pub struct LinearMeasurement<const M: usize> {
    pub z: SVector<f64, M>,
    pub h: SVector<f64, M>,
    pub jacobian: SMatrix<f64, M, N>,
    pub r: SMatrix<f64, M, M>,
    /// Components that are angles (the innovation is wrapped to (−π, π]).
    pub angular: [bool; M],
}

impl Ekf {
    /// A filter with no GNSS-error states in use (zero variance, 30 s correlation time).
    pub fn new(x: StateVector, p: StateMatrix, t_s: f64) -> Self {
        Self {
            x,
            p,
            t_s,
            gnss_bias_var_m2: 0.0,
            gnss_bias_tau_s: 30.0,
        }
    }

    /// Restart the GNSS-error states for a new fix type: zero mean, stationary variance `var_m2`,
    /// uncorrelated with the rest of the state.
    ///
    /// # Units
    /// `var_m2` m², `tau_s` seconds.
    pub fn reset_gnss_bias(&mut self, var_m2: f64, tau_s: f64) {
        for i in [idx::GNSS_BIAS_E, idx::GNSS_BIAS_N] {
            self.x[i] = 0.0;
            for j in 0..N {
                self.p[(i, j)] = 0.0;
                self.p[(j, i)] = 0.0;
            }
            self.p[(i, i)] = var_m2;
        }
        self.gnss_bias_var_m2 = var_m2;
        self.gnss_bias_tau_s = tau_s;
    }

    /// Propagate to `t_s` in steps of at most `max_step_s`. Going backwards is a no-op.
    ///
    /// # Units
    /// `t_s` UNIX seconds, `max_step_s` seconds.
    pub fn predict_to(&mut self, t_s: f64, max_step_s: f64, q: &ProcessNoise) {
        while t_s - self.t_s > 1e-9 {
            let dt = (t_s - self.t_s).min(max_step_s);
            self.predict(dt, q);
            self.t_s += dt;
        }
        self.t_s = self.t_s.max(t_s);
    }

    fn predict(&mut self, dt: f64, q: &ProcessNoise) {
        let x = &mut self.x;
        let v = x[idx::V];
        let u = x[idx::LATERAL];
        let w = x[idx::W];
        let yaw_mid = x[idx::YAW] + 0.5 * w * dt;
        let (s, c) = yaw_mid.sin_cos();
        let phi_u = (-dt / q.lateral_skid_tau_s).exp();
        let phi = (-dt / self.gnss_bias_tau_s).exp();
        let (de_dyaw, dn_dyaw) = ((-v * s - u * c) * dt, (v * c - u * s) * dt);
        // The Jacobian F is the identity except in these rows (column, value).
        let f = JacobianRows([
            (
                idx::E,
                [
                    (idx::E, 1.0),
                    (idx::YAW, de_dyaw),
                    (idx::V, c * dt),
                    (idx::LATERAL, -s * dt),
                    (idx::W, de_dyaw * 0.5 * dt),
                ],
            ),
            (
                idx::N,
                [
                    (idx::N, 1.0),
                    (idx::YAW, dn_dyaw),
                    (idx::V, s * dt),
                    (idx::LATERAL, c * dt),
                    (idx::W, dn_dyaw * 0.5 * dt),
                ],
            ),
            (idx::YAW, [(idx::YAW, 1.0), (idx::W, dt), NONE, NONE, NONE]),
            (idx::LATERAL, [(idx::LATERAL, phi_u), NONE, NONE, NONE, NONE]),
            (idx::GNSS_BIAS_E, [(idx::GNSS_BIAS_E, phi), NONE, NONE, NONE, NONE]),
            (idx::GNSS_BIAS_N, [(idx::GNSS_BIAS_N, phi), NONE, NONE, NONE, NONE]),
        ]);

        x[idx::E] += (v * c - u * s) * dt;
        x[idx::N] += (v * s + u * c) * dt;
        x[idx::LATERAL] *= phi_u;
        x[idx::YAW] = wrap_angle_rad(x[idx::YAW] + w * dt);
        x[idx::GNSS_BIAS_E] *= phi;
        x[idx::GNSS_BIAS_N] *= phi;

        let mut qm = StateMatrix::zeros();
        // Along/cross-track position random walk, rotated into ENU.
        let (a, b) = (q.along_track_m2ps * dt, q.cross_track_m2ps * dt);
        qm[(idx::E, idx::E)] = a * c * c + b * s * s;
        qm[(idx::N, idx::N)] = a * s * s + b * c * c;
        qm[(idx::E, idx::N)] = (a - b) * s * c;
        qm[(idx::N, idx::E)] = qm[(idx::E, idx::N)];
        qm[(idx::YAW, idx::YAW)] = q.yaw_rad2ps * dt + q.yaw_accel_rad2ps3 * dt.powi(3) / 3.0;
        qm[(idx::YAW, idx::W)] = q.yaw_accel_rad2ps3 * dt * dt / 2.0;
        qm[(idx::W, idx::YAW)] = qm[(idx::YAW, idx::W)];
        qm[(idx::W, idx::W)] = q.yaw_accel_rad2ps3 * dt;
        qm[(idx::V, idx::V)] = q.accel_m2ps3 * dt;
        qm[(idx::ODO_SCALE, idx::ODO_SCALE)] = q.odometry_scale_per_s * dt;
        qm[(idx::TURN_SCALE, idx::TURN_SCALE)] = q.turn_scale_per_s * dt;
        qm[(idx::GYRO_BIAS, idx::GYRO_BIAS)] = q.gyro_bias_rad2ps3 * dt;
        qm[(idx::LATERAL, idx::LATERAL)] = q.lateral_skid_sigma_mps.powi(2) * (1.0 - phi_u * phi_u);
        let qb = self.gnss_bias_var_m2 * (1.0 - phi * phi);
        qm[(idx::GNSS_BIAS_E, idx::GNSS_BIAS_E)] = qb;
        qm[(idx::GNSS_BIAS_N, idx::GNSS_BIAS_N)] = qb;

        self.p = f.sandwich(&self.p) + qm;
        self.p = 0.5 * (self.p + self.p.transpose());
    }

    /// Innovation of a linearised measurement against the current state; `None` if S is singular.
    pub fn innovation<const M: usize>(&self, m: &LinearMeasurement<M>) -> Option<Innovation<M>> {
        let mut nu = m.z - m.h;
        for (i, ang) in m.angular.iter().enumerate() {
            if *ang {
                nu[i] = wrap_angle_rad(nu[i]);
            }
        }
        let s = m.jacobian * self.p * m.jacobian.transpose() + m.r;
        let chol = s.cholesky()?;
        let mahalanobis_sq = nu.dot(&chol.solve(&nu));
        mahalanobis_sq
            .is_finite()
            .then_some(Innovation { nu, s, mahalanobis_sq })
    }

    /// Apply a measurement whose innovation was computed by [`Ekf::innovation`] (Joseph form).
    ///
    /// The Joseph form (I − KH) P (I − KH)ᵀ + K R Kᵀ is expanded to P − K(HP) − (K(HP))ᵀ + K S Kᵀ
    /// with S = HPHᵀ + R: the same matrix for any gain K, in O(N²·M) instead of O(N³).
    pub fn apply<const M: usize>(&mut self, m: &LinearMeasurement<M>, inn: &Innovation<M>) {
        let hp = m.jacobian * self.p;
        let s = hp * m.jacobian.transpose() + m.r;
        let Some(chol) = s.cholesky() else { return };
        // K = P Hᵀ S⁻¹  →  Kᵀ = S⁻¹ H P
        let k = chol.solve(&hp).transpose();
        self.x += k * inn.nu;
        self.x[idx::YAW] = wrap_angle_rad(self.x[idx::YAW]);
        let khp = k * hp;
        self.p = self.p - khp - khp.transpose() + k * s * k.transpose();
        self.p = 0.5 * (self.p + self.p.transpose());
    }

    /// Horizontal position covariance (2×2, m²).
    pub fn position_covariance(&self) -> SMatrix<f64, 2, 2> {
        self.p.fixed_view::<2, 2>(0, 0).into_owned()
    }
}

/// Track odometry (and optional gyro) as a measurement.
///
/// # Units
/// `left_mps`, `right_mps` track speeds m/s; `gyro_rps` rad/s; `gauge_m` metres; sigmas in the same units.
pub fn odometry_measurement(
    x: &StateVector,
    left_mps: f64,
    right_mps: f64,
    gauge_m: f64,
    track_sigma_mps: f64,
) -> LinearMeasurement<2> {
    let (v, w, k, tau) = (x[idx::V], x[idx::W], x[idx::ODO_SCALE], x[idx::TURN_SCALE]);
    let z = SVector::<f64, 2>::new(0.5 * (left_mps + right_mps), (right_mps - left_mps) / gauge_m);
    let h = SVector::<f64, 2>::new(v * k, w * tau);
    let mut jacobian = SMatrix::<f64, 2, N>::zeros();
    jacobian[(0, idx::V)] = k;
    jacobian[(0, idx::ODO_SCALE)] = v;
    jacobian[(1, idx::W)] = tau;
    jacobian[(1, idx::TURN_SCALE)] = w;
    let var = track_sigma_mps * track_sigma_mps;
    let r = SMatrix::<f64, 2, 2>::from_diagonal(&SVector::<f64, 2>::new(0.5 * var, 2.0 * var / (gauge_m * gauge_m)));
    LinearMeasurement {
        z,
        h,
        jacobian,
        r,
        angular: [false, false],
    }
}

/// Gyro yaw rate: z = ω + b.
pub fn gyro_measurement(x: &StateVector, gyro_rps: f64, sigma_rps: f64) -> LinearMeasurement<1> {
    let mut jacobian = SMatrix::<f64, 1, N>::zeros();
    jacobian[(0, idx::W)] = 1.0;
    jacobian[(0, idx::GYRO_BIAS)] = 1.0;
    LinearMeasurement {
        z: SVector::<f64, 1>::new(gyro_rps),
        h: SVector::<f64, 1>::new(x[idx::W] + x[idx::GYRO_BIAS]),
        jacobian,
        r: SMatrix::<f64, 1, 1>::new(sigma_rps * sigma_rps),
        angular: [false],
    }
}

/// GNSS antenna position in ENU: z = p + R(ψ)·lever + β.
///
/// # Units
/// `east_m`, `north_m` metres; `lever_forward_m`, `lever_left_m` metres in the body frame; `r` m².
pub fn position_measurement(
    x: &StateVector,
    east_m: f64,
    north_m: f64,
    lever_forward_m: f64,
    lever_left_m: f64,
    r: SMatrix<f64, 2, 2>,
) -> LinearMeasurement<2> {
    let (s, c) = x[idx::YAW].sin_cos();
    let h = SVector::<f64, 2>::new(
        x[idx::E] + c * lever_forward_m - s * lever_left_m + x[idx::GNSS_BIAS_E],
        x[idx::N] + s * lever_forward_m + c * lever_left_m + x[idx::GNSS_BIAS_N],
    );
    let mut jacobian = SMatrix::<f64, 2, N>::zeros();
    jacobian[(0, idx::E)] = 1.0;
    jacobian[(1, idx::N)] = 1.0;
    jacobian[(0, idx::GNSS_BIAS_E)] = 1.0;
    jacobian[(1, idx::GNSS_BIAS_N)] = 1.0;
    jacobian[(0, idx::YAW)] = -s * lever_forward_m - c * lever_left_m;
    jacobian[(1, idx::YAW)] = c * lever_forward_m - s * lever_left_m;
    LinearMeasurement {
        z: SVector::<f64, 2>::new(east_m, north_m),
        h,
        jacobian,
        r,
        angular: [false, false],
    }
}

/// Dual-antenna heading as an ENU yaw: z = ψ + offset.
pub fn heading_measurement(x: &StateVector, yaw_enu_rad: f64, offset_rad: f64, sigma_rad: f64) -> LinearMeasurement<1> {
    let mut jacobian = SMatrix::<f64, 1, N>::zeros();
    jacobian[(0, idx::YAW)] = 1.0;
    LinearMeasurement {
        z: SVector::<f64, 1>::new(yaw_enu_rad),
        h: SVector::<f64, 1>::new(x[idx::YAW] + offset_rad),
        jacobian,
        r: SMatrix::<f64, 1, 1>::new(sigma_rad * sigma_rad),
        angular: [true],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ekf() -> Ekf {
        let mut x = StateVector::zeros();
        x[idx::V] = 1.0;
        x[idx::ODO_SCALE] = 1.0;
        x[idx::TURN_SCALE] = 1.0;
        Ekf::new(x, StateMatrix::identity() * 1e-4, 0.0)
    }

    #[test]
    fn straight_prediction_moves_along_yaw_and_grows_covariance() {
        let mut f = ekf();
        f.x[idx::YAW] = std::f64::consts::FRAC_PI_2;
        let p0 = f.p[(0, 0)];
        f.predict_to(10.0, 0.1, &ProcessNoise::default());
        assert!(f.x[idx::E].abs() < 1e-9 && (f.x[idx::N] - 10.0).abs() < 1e-9);
        assert!(f.p[(0, 0)] > p0, "covariance grows");
        assert!((f.t_s - 10.0).abs() < 1e-12);
    }

    #[test]
    fn constant_turn_follows_the_arc() {
        let mut f = ekf();
        f.x[idx::W] = 0.1;
        f.predict_to(std::f64::consts::PI / 0.1, 0.05, &ProcessNoise::default());
        // Half circle of radius 10 m: ends at (0, 20) heading west.
        assert!(
            f.x[idx::E].abs() < 1e-3 && (f.x[idx::N] - 20.0).abs() < 1e-3,
            "{:?}",
            f.x
        );
        assert!((f.x[idx::YAW].abs() - std::f64::consts::PI).abs() < 1e-9);
    }

    #[test]
    fn position_jacobian_matches_finite_differences() {
        let mut x = StateVector::zeros();
        x[idx::YAW] = 0.7;
        let m = |x: &StateVector| position_measurement(x, 0.0, 0.0, 1.2, -0.4, SMatrix::identity());
        let base = m(&x);
        let d = 1e-7;
        let mut xp = x;
        xp[idx::YAW] += d;
        let num = (m(&xp).h - base.h) / d;
        assert!((num[0] - base.jacobian[(0, idx::YAW)]).abs() < 1e-6);
        assert!((num[1] - base.jacobian[(1, idx::YAW)]).abs() < 1e-6);
    }

    #[test]
    fn update_pulls_towards_measurement_and_shrinks_covariance() {
        let mut f = ekf();
        f.p[(0, 0)] = 1.0;
        f.p[(1, 1)] = 1.0;
        f.reset_gnss_bias(0.0, 30.0);
        let m = position_measurement(&f.x, 1.0, 0.0, 0.0, 0.0, SMatrix::identity());
        let inn = f.innovation(&m).unwrap();
        assert!((inn.mahalanobis_sq - 0.5).abs() < 1e-9);
        f.apply(&m, &inn);
        assert!((f.x[idx::E] - 0.5).abs() < 1e-9);
        assert!((f.p[(0, 0)] - 0.5).abs() < 1e-9);
    }

    fn random_spd(seed: u64) -> StateMatrix {
        let mut r = seed;
        let mut next = || {
            r = r.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((r >> 11) as f64 / (1u64 << 53) as f64) - 0.5
        };
        let a = StateMatrix::from_fn(|_, _| next());
        a * a.transpose() + StateMatrix::identity() * 0.1
    }

    #[test]
    fn sparse_sandwich_equals_the_dense_product() {
        let f = JacobianRows([
            (
                idx::E,
                [
                    (idx::E, 1.0),
                    (idx::YAW, -0.3),
                    (idx::V, 0.09),
                    (idx::LATERAL, -0.04),
                    (idx::W, -0.015),
                ],
            ),
            (idx::YAW, [(idx::YAW, 1.0), (idx::W, 0.1), NONE, NONE, NONE]),
            (idx::LATERAL, [(idx::LATERAL, 0.98), NONE, NONE, NONE, NONE]),
        ]);
        for seed in 0..20 {
            let p = random_spd(seed);
            let d = f.dense();
            let err = (f.sandwich(&p) - d * p * d.transpose()).abs().max();
            assert!(err < 1e-12, "seed {seed}: {err}");
        }
    }

    #[test]
    fn expanded_joseph_update_equals_the_textbook_form() {
        for seed in 0..20 {
            let mut f = ekf();
            f.p = random_spd(seed);
            f.x[idx::YAW] = 0.3 + 0.1 * seed as f64;
            let m = position_measurement(&f.x, 1.0, -2.0, 0.8, 0.2, SMatrix::identity() * 0.05);
            let inn = f.innovation(&m).unwrap();
            let chol = inn.s.cholesky().unwrap();
            let k = chol.solve(&(m.jacobian * f.p)).transpose();
            let i_kh = StateMatrix::identity() - k * m.jacobian;
            let joseph = i_kh * f.p * i_kh.transpose() + k * m.r * k.transpose();
            let x = f.x + k * inn.nu;
            f.apply(&m, &inn);
            assert!((f.p - joseph).abs().max() < 1e-10, "seed {seed}");
            assert!((f.x - x).abs().max() < 1e-12, "seed {seed}");
        }
    }

    #[test]
    fn heading_innovation_wraps() {
        let mut f = ekf();
        f.x[idx::YAW] = 3.1;
        let m = heading_measurement(&f.x, -3.1, 0.0, 0.01);
        let inn = f.innovation(&m).unwrap();
        assert!((inn.nu[0] - (2.0 * std::f64::consts::PI - 6.2)).abs() < 1e-9);
    }
}
