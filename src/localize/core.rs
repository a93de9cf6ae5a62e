//! One step of the estimator: takes measurements in time order and decides what to do with each
//! (align, predict, update, gate, re-acquire, declare an outage, grade the quality).
//!
//! [`Core`] is `Copy`, so [`crate::localize::Localizer`] can snapshot it after every measurement and
//! replay from any snapshot when a late measurement arrives.

use nalgebra::{SMatrix, SVector};

use crate::gnss::{FixType, GnssHeading};
use crate::localize::blend::OutputBlend;
use crate::localize::config::LocalizerConfig;
use crate::localize::ekf::{
    gyro_measurement, heading_measurement, idx, odometry_measurement, position_measurement, Ekf, StateMatrix,
    StateVector,
};
use crate::localize::output::{Estimate, LocalizeEvent, LocalizerStats, MeasurementKind, RejectReason, YawSource};
use crate::localize::quality::{Quality, QualityInputs};
use crate::localize::wrap_angle_rad;

/// Highest track or ground speed taken as a real reading, m/s.
const MAX_PLAUSIBLE_SPEED_MPS: f64 = 20.0;
/// Highest yaw rate taken as a real reading, rad/s.
const MAX_PLAUSIBLE_YAW_RATE_RPS: f64 = 5.0;
/// A dual-antenna heading initialises the filter only with a fix at most this far apart in time, s.
const HEADING_FIX_PAIRING_S: f64 = 1.0;

/// One odometry sample: the two track speeds and, with an IMU, the gyro yaw rate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OdometrySample {
    /// Time of validity, UNIX seconds.
    pub unix_time_s: f64,
    /// Left track surface speed, m/s (positive forward).
    pub left_track_mps: f64,
    /// Right track surface speed, m/s (positive forward).
    pub right_track_mps: f64,
    /// Gyro yaw rate, rad/s CCW, when an IMU is fitted.
    pub yaw_rate_rps: Option<f64>,
}

/// A position fix already converted to the local frame, with its measurement covariance.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EnuFix {
    pub unix_time_s: f64,
    pub east_m: f64,
    pub north_m: f64,
    /// Measurement covariance, m².
    pub r_m2: SMatrix<f64, 2, 2>,
    pub fix_type: FixType,
}

/// A measurement in the history.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Measurement {
    Odometry(OdometrySample),
    Fix(EnuFix),
    Heading(GnssHeading),
}

impl Measurement {
    pub fn unix_time_s(&self) -> f64 {
        match self {
            Measurement::Odometry(o) => o.unix_time_s,
            Measurement::Fix(f) => f.unix_time_s,
            Measurement::Heading(h) => h.unix_time_s,
        }
    }

    pub fn kind(&self) -> MeasurementKind {
        match self {
            Measurement::Odometry(_) => MeasurementKind::Odometry,
            Measurement::Fix(_) => MeasurementKind::Fix,
            Measurement::Heading(_) => MeasurementKind::Heading,
        }
    }
}

/// Before the filter runs: dead-reckons the path from an anchor fix (in the anchor's body frame)
/// so that the heading follows from comparing it with the fixes' displacement — on any path shape,
/// straight, curved or reversing, as long as the odometry/gyro turn since the anchor is trusted.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Aligner {
    anchor: Option<EnuFix>,
    last_fix: Option<EnuFix>,
    last_odometry: Option<OdometrySample>,
    /// Odometry distance since the anchor, metres (negative reversing, uncorrected for slip).
    odometry_distance_m: f64,
    /// Net yaw change since the anchor from odometry/gyro above the deadband, radians.
    turn_rad: f64,
    /// Yaw change since the anchor (no deadband), radians.
    heading_rad: f64,
    /// Reference-point displacement since the anchor in the anchor's body frame, metres.
    displacement_m: SVector<f64, 2>,
    /// Every odometry sample since the anchor had a gyro reading.
    gyro_only: bool,
}

impl Aligner {
    fn restart(&mut self, anchor: Option<EnuFix>) {
        self.anchor = anchor;
        self.odometry_distance_m = 0.0;
        self.turn_rad = 0.0;
        self.heading_rad = 0.0;
        self.displacement_m = SVector::zeros();
        self.gyro_only = true;
    }
}

/// A run of consecutive rejected fixes, kept as running sums for a rigid fit (rotation about the
/// centroid + translation) of the filter's predicted antenna track onto the rejected fixes.
///
/// If the filter dead-reckoned with a wrong yaw (a wrong initial heading, a yaw that drifted in an
/// outage), its predicted track is the true one rotated and shifted: the fixes then fit it rigidly
/// although their innovations grow fix after fix. A position jump is the same fit with no rotation.
/// Multipath that differs from epoch to epoch does not fit.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct RejectionStreak {
    count: u32,
    first_s: f64,
    /// First fix of the streak; the sums are of positions relative to it (well conditioned).
    origin: SVector<f64, 2>,
    sum_z: SVector<f64, 2>,
    sum_h: SVector<f64, 2>,
    sum_zz: f64,
    sum_hh: f64,
    /// Σ h·z and Σ h×z (2-D cross product).
    sum_dot: f64,
    sum_cross: f64,
    /// Sum of the fixes' measurement variances (trace / 2), m².
    var_sum: f64,
}

/// The rigid fit of a rejection streak.
#[derive(Clone, Copy, Debug, PartialEq)]
struct RigidFit {
    /// Rotation taking the predicted track onto the fixes, radians (0 when not observable).
    rotation_rad: f64,
    /// 1σ of that rotation, radians (∞ when not observable).
    sigma_rotation_rad: f64,
    /// Centroids of the predicted track and of the fixes (ENU, metres).
    centroid_h: SVector<f64, 2>,
    centroid_z: SVector<f64, 2>,
    /// RMS residual per axis after the fit, metres.
    rms_m: f64,
    /// Mean 1σ of the fixes, metres.
    sigma_m: f64,
}

/// A rotation is estimated only when the predicted track's spread gives it a 1σ below this, radians.
const MAX_FIT_ROTATION_SIGMA_RAD: f64 = 0.15;

impl RejectionStreak {
    fn add(&mut self, t: f64, z: SVector<f64, 2>, h: SVector<f64, 2>, var: f64) {
        if self.count == 0 {
            self.first_s = t;
            self.origin = z;
        }
        let (z, h) = (z - self.origin, h - self.origin);
        self.count += 1;
        self.sum_z += z;
        self.sum_h += h;
        self.sum_zz += z.norm_squared();
        self.sum_hh += h.norm_squared();
        self.sum_dot += h.dot(&z);
        self.sum_cross += h.x * z.y - h.y * z.x;
        self.var_sum += var;
    }

    fn fit(&self) -> Option<RigidFit> {
        if self.count < 3 {
            return None;
        }
        let n = f64::from(self.count);
        let (cz, ch) = (self.sum_z / n, self.sum_h / n);
        let szz = (self.sum_zz - n * cz.norm_squared()).max(0.0);
        let shh = (self.sum_hh - n * ch.norm_squared()).max(0.0);
        let a = self.sum_dot - n * ch.dot(&cz);
        let b = self.sum_cross - n * (ch.x * cz.y - ch.y * cz.x);
        let sigma_m = (self.var_sum / n).sqrt();
        let sigma_rotation_rad = if shh > 0.0 { sigma_m / shh.sqrt() } else { f64::INFINITY };
        let (rotation_rad, sse, dof, sigma_rotation_rad) = if sigma_rotation_rad <= MAX_FIT_ROTATION_SIGMA_RAD {
            (
                b.atan2(a),
                szz + shh - 2.0 * a.hypot(b),
                2.0 * n - 3.0,
                sigma_rotation_rad,
            )
        } else {
            (0.0, szz + shh - 2.0 * a, 2.0 * n - 2.0, f64::INFINITY)
        };
        Some(RigidFit {
            rotation_rad,
            sigma_rotation_rad,
            centroid_h: ch + self.origin,
            centroid_z: cz + self.origin,
            rms_m: (sse.max(0.0) / dof).sqrt(),
            sigma_m,
        })
    }
}

/// The estimator's complete dynamic state.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Core {
    ekf: Option<Ekf>,
    aligner: Aligner,
    streak: RejectionStreak,
    last_fix_s: Option<f64>,
    last_rtk_fixed_s: Option<f64>,
    last_reacquire_s: Option<f64>,
    /// The fix type the GNSS-error states currently describe.
    gnss_bias_type: Option<FixType>,
    in_outage: bool,
    quality: Quality,
    /// Corrections not yet shown in the output.
    blend: OutputBlend,
    pub(crate) stats: LocalizerStats,
}

impl Default for Core {
    fn default() -> Self {
        Self {
            ekf: None,
            aligner: Aligner::default(),
            streak: RejectionStreak::default(),
            last_fix_s: None,
            last_rtk_fixed_s: None,
            last_reacquire_s: None,
            gnss_bias_type: None,
            in_outage: false,
            quality: Quality::Lost,
            blend: OutputBlend::default(),
            stats: LocalizerStats::default(),
        }
    }
}

/// Split a fix's covariance into the white part (measurement noise) and the stationary variance of
/// the slowly varying part (the β states), per the fix type's configured share.
fn split_fix_noise(f: &EnuFix, cfg: &LocalizerConfig) -> (SMatrix<f64, 2, 2>, f64) {
    let share = cfg.fix_sigmas.correlated_fraction(f.fix_type);
    (f.r_m2 * (1.0 - share), share * 0.5 * f.r_m2.trace())
}

fn reject(events: &mut Vec<LocalizeEvent>, t: f64, kind: MeasurementKind, reason: RejectReason) {
    events.push(LocalizeEvent::Rejected {
        unix_time_s: t,
        kind,
        reason,
    });
}

impl Core {
    pub fn ekf(&self) -> Option<&Ekf> {
        self.ekf.as_ref()
    }

    /// Process one measurement (not older than the previous one).
    pub fn process(&mut self, m: &Measurement, cfg: &LocalizerConfig, events: &mut Vec<LocalizeEvent>) {
        let t = m.unix_time_s();
        // The pose predicted to `t`, before the measurement corrects it.
        let pose = |e: &Ekf| (e.x[idx::E], e.x[idx::N], e.x[idx::YAW]);
        let before = self.ekf.as_mut().map(|e| {
            e.predict_to(t, cfg.max_predict_step_s, &cfg.process);
            pose(e)
        });
        match m {
            Measurement::Odometry(o) => self.odometry(o, cfg, events),
            Measurement::Fix(f) => self.fix(f, cfg, events),
            Measurement::Heading(h) => self.heading(h, cfg, events),
        }
        if let (Some(before), Some(e)) = (before, self.ekf.as_ref()) {
            let after = pose(e);
            if after != before {
                self.blend.absorb(e.t_s, before, after, &cfg.output);
            }
        }
        self.grade(t, cfg, events);
    }

    fn odometry(&mut self, o: &OdometrySample, cfg: &LocalizerConfig, events: &mut Vec<LocalizeEvent>) {
        let plausible = |v: f64| v.is_finite() && v.abs() <= MAX_PLAUSIBLE_SPEED_MPS;
        let gyro_ok = o
            .yaw_rate_rps
            .is_none_or(|w| w.is_finite() && w.abs() <= MAX_PLAUSIBLE_YAW_RATE_RPS);
        if !(plausible(o.left_track_mps) && plausible(o.right_track_mps) && gyro_ok) {
            self.stats.odometry_rejected += 1;
            reject(
                events,
                o.unix_time_s,
                MeasurementKind::Odometry,
                RejectReason::InvalidValues,
            );
            return;
        }
        self.stats.odometry_used += 1;
        let Some(ekf) = self.ekf.as_mut() else {
            self.align_odometry(o, cfg);
            return;
        };
        ekf.predict_to(o.unix_time_s, cfg.max_predict_step_s, &cfg.process);
        let m = odometry_measurement(
            &ekf.x,
            o.left_track_mps,
            o.right_track_mps,
            cfg.vehicle.track_gauge_m,
            cfg.odometry.track_speed_sigma_mps,
        );
        if let Some(inn) = ekf.innovation(&m) {
            ekf.apply(&m, &inn);
        }
        if let Some(w) = o.yaw_rate_rps {
            let m = gyro_measurement(&ekf.x, w, cfg.odometry.gyro_sigma_rps);
            if let Some(inn) = ekf.innovation(&m) {
                ekf.apply(&m, &inn);
            }
        }
    }

    fn align_odometry(&mut self, o: &OdometrySample, cfg: &LocalizerConfig) {
        let a = &mut self.aligner;
        if let Some(prev) = a.last_odometry {
            let dt = (o.unix_time_s - prev.unix_time_s).clamp(0.0, 1.0);
            let mean = 0.5 * (prev.left_track_mps + prev.right_track_mps);
            let rate = prev
                .yaw_rate_rps
                .unwrap_or((prev.right_track_mps - prev.left_track_mps) / cfg.vehicle.track_gauge_m);
            a.gyro_only &= prev.yaw_rate_rps.is_some();
            a.odometry_distance_m += mean * dt;
            let mid = a.heading_rad + 0.5 * rate * dt;
            a.displacement_m += SVector::<f64, 2>::new(mid.cos(), mid.sin()) * (mean * dt);
            a.heading_rad += rate * dt;
            // Steering wobble and gyro bias stay under the deadband; pivots and turns do not.
            if rate.abs() > cfg.alignment.turn_rate_deadband_rps {
                a.turn_rad += rate * dt;
            }
            // A gyro measures turns well; track differentials do not (the turn scale is unknown).
            let limit = if a.gyro_only {
                cfg.alignment.max_turn_with_gyro_rad
            } else {
                cfg.alignment.max_turn_rad
            };
            if a.turn_rad.abs() > limit {
                // The path's shape since the anchor is not trusted: start again from the latest fix.
                let last = a.last_fix;
                a.restart(last);
            }
        }
        a.last_odometry = Some(*o);
    }

    fn fix(&mut self, f: &EnuFix, cfg: &LocalizerConfig, events: &mut Vec<LocalizeEvent>) {
        let t = f.unix_time_s;
        if !f.fix_type.is_measurement() {
            self.stats.fixes_rejected += 1;
            reject(
                events,
                t,
                MeasurementKind::Fix,
                RejectReason::NotAPositionFix(f.fix_type),
            );
            return;
        }
        let Some(ekf) = self.ekf.as_mut() else {
            self.align_fix(f, cfg, events);
            return;
        };
        ekf.predict_to(t, cfg.max_predict_step_s, &cfg.process);
        let (r_white, bias_var) = split_fix_noise(f, cfg);
        if self.gnss_bias_type != Some(f.fix_type) {
            ekf.reset_gnss_bias(bias_var, cfg.fix_sigmas.correlation_time_s);
            self.gnss_bias_type = Some(f.fix_type);
        } else {
            ekf.gnss_bias_var_m2 = bias_var;
        }
        let v = &cfg.vehicle;
        let m = position_measurement(
            &ekf.x,
            f.east_m,
            f.north_m,
            v.antenna_forward_m,
            v.antenna_left_m,
            r_white,
        );
        let Some(inn) = ekf.innovation(&m) else {
            self.stats.fixes_rejected += 1;
            reject(events, t, MeasurementKind::Fix, RejectReason::InvalidValues);
            return;
        };
        let gate = cfg.gating.position_chi2;
        if inn.mahalanobis_sq <= gate {
            ekf.apply(&m, &inn);
            self.streak = RejectionStreak::default();
            self.accept_fix(t, f.fix_type, events);
            return;
        }
        let fix_var = 0.5 * f.r_m2.trace();
        let z = SVector::<f64, 2>::new(f.east_m, f.north_m);
        self.streak.add(t, z, m.h, fix_var);
        let g = &cfg.gating;
        let s = &self.streak;
        let fit = s.fit().filter(|fit| {
            s.count >= g.reacquire_min_fixes
                && t - s.first_s >= g.reacquire_min_span_s
                && fit.rms_m <= g.reacquire_spread_factor * fit.sigma_m + 0.05
        });
        let Some(fit) = fit else {
            self.stats.fixes_rejected += 1;
            let reason = RejectReason::Innovation {
                mahalanobis_sq: inn.mahalanobis_sq,
                gate,
                innovation_m: inn.nu.norm(),
            };
            reject(events, t, MeasurementKind::Fix, reason);
            return;
        };
        // The receiver has disagreed consistently for long enough: the filter is what is wrong.
        // Move the pose by the rigid fit, make its covariance cover the fit's uncertainty, update.
        let rejected_fixes = s.count - 1;
        let before = SVector::<f64, 2>::new(ekf.x[idx::E], ekf.x[idx::N]);
        let (sr, cr) = fit.rotation_rad.sin_cos();
        let rot = nalgebra::Matrix2::new(cr, -sr, sr, cr);
        let after = fit.centroid_z + rot * (before - fit.centroid_h);
        ekf.x[idx::E] = after.x;
        ekf.x[idx::N] = after.y;
        ekf.x[idx::YAW] = wrap_angle_rad(ekf.x[idx::YAW] + fit.rotation_rad);
        ekf.x[idx::GNSS_BIAS_E] = 0.0;
        ekf.x[idx::GNSS_BIAS_N] = 0.0;
        let yaw_var = if fit.sigma_rotation_rad.is_finite() {
            (2.0 * fit.sigma_rotation_rad).powi(2) + g.reacquire_yaw_sigma_rad.powi(2)
        } else {
            ekf.p[(idx::YAW, idx::YAW)] + g.reacquire_yaw_sigma_rad.powi(2)
        };
        let lever = (before - fit.centroid_h).norm() + cfg.vehicle.antenna_forward_m.hypot(cfg.vehicle.antenna_left_m);
        let pos_var = fit.rms_m.powi(2) + fit.sigma_m.powi(2) + yaw_var * lever * lever;
        for i in [idx::E, idx::N, idx::YAW, idx::GNSS_BIAS_E, idx::GNSS_BIAS_N] {
            for j in 0..crate::localize::ekf::N {
                ekf.p[(i, j)] = 0.0;
                ekf.p[(j, i)] = 0.0;
            }
        }
        ekf.p[(idx::E, idx::E)] = pos_var;
        ekf.p[(idx::N, idx::N)] = pos_var;
        ekf.p[(idx::YAW, idx::YAW)] = yaw_var;
        ekf.p[(idx::GNSS_BIAS_E, idx::GNSS_BIAS_E)] = bias_var;
        ekf.p[(idx::GNSS_BIAS_N, idx::GNSS_BIAS_N)] = bias_var;
        let m = position_measurement(
            &ekf.x,
            f.east_m,
            f.north_m,
            v.antenna_forward_m,
            v.antenna_left_m,
            r_white,
        );
        if let Some(inn) = ekf.innovation(&m) {
            ekf.apply(&m, &inn);
        }
        self.streak = RejectionStreak::default();
        self.stats.reacquisitions += 1;
        self.last_reacquire_s = Some(t);
        events.push(LocalizeEvent::Reacquired {
            unix_time_s: t,
            rejected_fixes,
            jump_m: (after - before).norm(),
        });
        self.accept_fix(t, f.fix_type, events);
    }

    fn accept_fix(&mut self, t: f64, fix_type: FixType, events: &mut Vec<LocalizeEvent>) {
        self.stats.fixes_used += 1;
        if fix_type == FixType::RtkFixed {
            self.last_rtk_fixed_s = Some(t);
        }
        if self.in_outage {
            self.in_outage = false;
            let duration_s = t - self.last_fix_s.unwrap_or(t);
            events.push(LocalizeEvent::OutageEnded {
                unix_time_s: t,
                duration_s,
            });
        }
        self.last_fix_s = Some(t);
    }

    fn align_fix(&mut self, f: &EnuFix, cfg: &LocalizerConfig, events: &mut Vec<LocalizeEvent>) {
        let a = &mut self.aligner;
        a.last_fix = Some(*f);
        let Some(anchor) = a.anchor else {
            a.restart(Some(*f));
            self.stats.fixes_rejected += 1;
            reject(events, f.unix_time_s, MeasurementKind::Fix, RejectReason::Aligning);
            return;
        };
        let (de, dn) = (f.east_m - anchor.east_m, f.north_m - anchor.north_m);
        let d = de.hypot(dn);
        let sigma_fix = (0.5 * (anchor.r_m2.trace() + f.r_m2.trace())).sqrt();
        let sigma_yaw = (sigma_fix / d).max(1e-4);
        let have_odometry = a.last_odometry.is_some();
        // The antenna's path in the anchor's body frame: reference point + rotated lever arm.
        let v = &cfg.vehicle;
        let lever = SVector::<f64, 2>::new(v.antenna_forward_m, v.antenna_left_m);
        let (sh, ch) = a.heading_rad.sin_cos();
        let rot = nalgebra::Matrix2::new(ch, -sh, sh, ch);
        let antenna = a.displacement_m + rot * lever - lever;
        let odo = antenna.norm();
        let odometry_agrees = !have_odometry || (odo >= 0.5 * d && odo <= 2.0 * d);
        if d < cfg.alignment.min_baseline_m || sigma_yaw > cfg.alignment.max_yaw_sigma_rad {
            self.stats.fixes_rejected += 1;
            reject(events, f.unix_time_s, MeasurementKind::Fix, RejectReason::Aligning);
            return;
        }
        if !odometry_agrees {
            a.restart(Some(*f));
            self.stats.fixes_rejected += 1;
            reject(events, f.unix_time_s, MeasurementKind::Fix, RejectReason::Aligning);
            return;
        }
        // Yaw at the anchor: the fixes' direction minus the dead-reckoned direction in the body
        // frame; now: that plus the turn since.
        let yaw = if have_odometry {
            wrap_angle_rad(dn.atan2(de) - antenna.y.atan2(antenna.x) + a.heading_rad)
        } else {
            dn.atan2(de)
        };
        let elapsed = f.unix_time_s - anchor.unix_time_s;
        let turn_sigma = if a.gyro_only && have_odometry {
            cfg.alignment.gyro_bias_sigma_rps * elapsed.max(0.0) + 0.02 * a.heading_rad.abs()
        } else {
            0.25 * a.turn_rad.abs()
        };
        let sigma_yaw = sigma_yaw.hypot(turn_sigma);
        let odometry_scale = if have_odometry { (odo / d).clamp(0.8, 1.5) } else { 1.0 };
        self.start(f, yaw, sigma_yaw, odometry_scale, cfg);
        events.push(LocalizeEvent::Initialized {
            unix_time_s: f.unix_time_s,
            yaw_source: YawSource::FixBaseline,
            sigma_yaw_rad: sigma_yaw,
        });
        self.accept_fix(f.unix_time_s, f.fix_type, events);
    }

    /// Start the filter at fix `f` with the given yaw.
    fn start(&mut self, f: &EnuFix, yaw: f64, sigma_yaw: f64, odometry_scale: f64, cfg: &LocalizerConfig) {
        let v = &cfg.vehicle;
        let (s, c) = yaw.sin_cos();
        let mut x = StateVector::zeros();
        x[idx::E] = f.east_m - (c * v.antenna_forward_m - s * v.antenna_left_m);
        x[idx::N] = f.north_m - (s * v.antenna_forward_m + c * v.antenna_left_m);
        x[idx::YAW] = yaw;
        x[idx::ODO_SCALE] = odometry_scale;
        x[idx::TURN_SCALE] = 1.0;
        if let Some(o) = self.aligner.last_odometry {
            x[idx::V] = 0.5 * (o.left_track_mps + o.right_track_mps) / odometry_scale;
            x[idx::W] = o
                .yaw_rate_rps
                .unwrap_or((o.right_track_mps - o.left_track_mps) / v.track_gauge_m);
        }
        let lever = v.antenna_forward_m.hypot(v.antenna_left_m);
        let al = &cfg.alignment;
        let mut p = StateMatrix::zeros();
        let pos_var_extra = (lever * sigma_yaw).powi(2);
        let (r_white, bias_var) = split_fix_noise(f, cfg);
        // Estimate = fix − lever, so its error is the fix's white error plus its slow error β, and the
        // β state (zero) errs by −β.
        for i in 0..2 {
            for j in 0..2 {
                p[(i, j)] = r_white[(i, j)];
            }
            p[(i, i)] += pos_var_extra + bias_var;
            p[(idx::GNSS_BIAS_E + i, idx::GNSS_BIAS_E + i)] = bias_var;
            p[(i, idx::GNSS_BIAS_E + i)] = -bias_var;
            p[(idx::GNSS_BIAS_E + i, i)] = -bias_var;
        }
        p[(idx::YAW, idx::YAW)] = sigma_yaw * sigma_yaw;
        p[(idx::V, idx::V)] = 0.05f64.powi(2);
        p[(idx::W, idx::W)] = 0.05f64.powi(2);
        p[(idx::ODO_SCALE, idx::ODO_SCALE)] = al.odometry_scale_sigma.powi(2);
        p[(idx::TURN_SCALE, idx::TURN_SCALE)] = al.turn_scale_sigma.powi(2);
        p[(idx::GYRO_BIAS, idx::GYRO_BIAS)] = al.gyro_bias_sigma_rps.powi(2);
        p[(idx::LATERAL, idx::LATERAL)] = cfg.process.lateral_skid_sigma_mps.powi(2);
        let mut ekf = Ekf::new(x, p, f.unix_time_s);
        ekf.gnss_bias_var_m2 = bias_var;
        ekf.gnss_bias_tau_s = cfg.fix_sigmas.correlation_time_s;
        self.ekf = Some(ekf);
        self.gnss_bias_type = Some(f.fix_type);
        self.aligner = Aligner::default();
    }

    fn heading(&mut self, h: &GnssHeading, cfg: &LocalizerConfig, events: &mut Vec<LocalizeEvent>) {
        let t = h.unix_time_s;
        let sigma = h.sigma_rad.unwrap_or(cfg.fix_sigmas.heading_rad);
        if !(h.heading_true_deg.is_finite() && sigma.is_finite() && sigma > 0.0) {
            self.stats.headings_rejected += 1;
            reject(events, t, MeasurementKind::Heading, RejectReason::InvalidValues);
            return;
        }
        let yaw_meas = h.yaw_enu_rad();
        let offset = cfg.vehicle.heading_offset_rad;
        let Some(ekf) = self.ekf.as_mut() else {
            let paired = self
                .aligner
                .last_fix
                .filter(|f| (f.unix_time_s - t).abs() <= HEADING_FIX_PAIRING_S);
            let Some(f) = paired else {
                self.stats.headings_rejected += 1;
                reject(events, t, MeasurementKind::Heading, RejectReason::Aligning);
                return;
            };
            let yaw = wrap_angle_rad(yaw_meas - offset);
            self.start(&f, yaw, sigma, 1.0, cfg);
            self.stats.headings_used += 1;
            events.push(LocalizeEvent::Initialized {
                unix_time_s: t,
                yaw_source: YawSource::DualAntenna,
                sigma_yaw_rad: sigma,
            });
            self.accept_fix(f.unix_time_s, f.fix_type, events);
            return;
        };
        ekf.predict_to(t, cfg.max_predict_step_s, &cfg.process);
        let m = heading_measurement(&ekf.x, yaw_meas, offset, sigma);
        match ekf.innovation(&m) {
            Some(inn) if inn.mahalanobis_sq <= cfg.gating.heading_chi2 => {
                ekf.apply(&m, &inn);
                self.stats.headings_used += 1;
            }
            Some(inn) => {
                self.stats.headings_rejected += 1;
                let reason = RejectReason::Innovation {
                    mahalanobis_sq: inn.mahalanobis_sq,
                    gate: cfg.gating.heading_chi2,
                    innovation_m: inn.nu[0].abs(),
                };
                reject(events, t, MeasurementKind::Heading, reason);
            }
            None => {
                self.stats.headings_rejected += 1;
                reject(events, t, MeasurementKind::Heading, RejectReason::InvalidValues);
            }
        }
    }

    /// Outage bookkeeping and the quality verdict after a measurement at `t`.
    fn grade(&mut self, t: f64, cfg: &LocalizerConfig, events: &mut Vec<LocalizeEvent>) {
        if self.ekf.is_some() {
            if let Some(last) = self.last_fix_s {
                if !self.in_outage && t - last > cfg.outage_after_s {
                    self.in_outage = true;
                    self.stats.outages += 1;
                    events.push(LocalizeEvent::OutageStarted {
                        unix_time_s: t,
                        last_fix_s: last,
                    });
                }
            }
        }
        let q = self.estimate_at_filter_time(cfg).map_or(Quality::Lost, |e| e.quality);
        if q != self.quality {
            events.push(LocalizeEvent::QualityChanged {
                unix_time_s: t,
                from: self.quality,
                to: q,
            });
            self.quality = q;
        }
    }

    /// The estimate at the filter's own time.
    pub fn estimate_at_filter_time(&self, cfg: &LocalizerConfig) -> Option<Estimate> {
        self.ekf.map(|e| self.describe(&e, cfg))
    }

    /// The estimate predicted forward to `t` (no state change). `None` before alignment.
    pub fn estimate_at(&self, t: f64, cfg: &LocalizerConfig) -> Option<Estimate> {
        let mut e = self.ekf?;
        e.predict_to(t, cfg.max_predict_step_s, &cfg.process);
        Some(self.describe(&e, cfg))
    }

    /// Why the estimate at `t` is not Good, in plain words (`None`: Good, or not aligned yet).
    pub fn why_not_good_at(&self, t: f64, cfg: &LocalizerConfig) -> Option<String> {
        let mut e = self.ekf?;
        e.predict_to(t, cfg.max_predict_step_s, &cfg.process);
        cfg.quality.why_not_good(&self.quality_inputs(&e, cfg).0)
    }

    /// The verdict's inputs for the output at `e`'s time (the filter plus the pending glide offset),
    /// and that output's position covariance terms `(a, b, d)`.
    fn quality_inputs(&self, e: &Ekf, cfg: &LocalizerConfig) -> (QualityInputs, (f64, f64, f64)) {
        // The output is off the filter by the blend offset: its mean-square error adds o·oᵀ.
        self.inputs_with_offset(e, self.blend.offset_at(e.t_s, &cfg.output))
    }

    fn inputs_with_offset(&self, e: &Ekf, (oe, on, oy): (f64, f64, f64)) -> (QualityInputs, (f64, f64, f64)) {
        let pc = e.position_covariance();
        let (a, b, d) = (pc[(0, 0)] + oe * oe, pc[(0, 1)] + oe * on, pc[(1, 1)] + on * on);
        let sigma_h_m = (0.5 * (a + d) + (0.25 * (a - d).powi(2) + b * b).sqrt())
            .max(0.0)
            .sqrt();
        let sigma_yaw_rad = (e.p[(idx::YAW, idx::YAW)].max(0.0) + oy * oy).sqrt();
        let since_fix_s = self.last_fix_s.map_or(f64::INFINITY, |l| (e.t_s - l).max(0.0));
        let since = |at: Option<f64>| at.map_or(f64::INFINITY, |l| (e.t_s - l).max(0.0));
        let inputs = QualityInputs {
            sigma_h_m,
            sigma_yaw_rad,
            since_fix_s,
            since_rtk_fixed_s: since(self.last_rtk_fixed_s),
            since_reacquire_s: since(self.last_reacquire_s),
        };
        (inputs, (a, b, d))
    }

    /// The verdict on the output: `Good` only if the output itself (glide offset included) is good
    /// enough; but not `Lost` while the filter behind it still knows its position (an output
    /// gliding onto a re-acquired pose has something to go on).
    fn verdict(&self, e: &Ekf, inputs: &QualityInputs, cfg: &LocalizerConfig) -> Quality {
        let q = cfg.quality.classify(inputs);
        if q == Quality::Lost && cfg.quality.classify(&self.inputs_with_offset(e, (0.0, 0.0, 0.0)).0) != Quality::Lost {
            Quality::Degraded
        } else {
            q
        }
    }

    fn describe(&self, e: &Ekf, cfg: &LocalizerConfig) -> Estimate {
        let (inputs, (a, b, d)) = self.quality_inputs(e, cfg);
        let (oe, on, oy) = self.blend.offset_at(e.t_s, &cfg.output);
        let QualityInputs {
            sigma_h_m,
            sigma_yaw_rad,
            since_fix_s,
            ..
        } = inputs;
        let k = e.x[idx::ODO_SCALE];
        Estimate {
            unix_time_s: e.t_s,
            east_m: e.x[idx::E] + oe,
            north_m: e.x[idx::N] + on,
            yaw_rad: wrap_angle_rad(e.x[idx::YAW] + oy),
            speed_mps: e.x[idx::V],
            yaw_rate_rps: e.x[idx::W],
            track_slip: if k.abs() > 1e-9 { 1.0 - 1.0 / k } else { f64::NAN },
            turn_scale: e.x[idx::TURN_SCALE],
            gyro_bias_rps: e.x[idx::GYRO_BIAS],
            position_cov_m2: [[a, b], [b, d]],
            sigma_east_m: a.max(0.0).sqrt(),
            sigma_north_m: d.max(0.0).sqrt(),
            sigma_h_m,
            sigma_yaw_rad,
            since_fix_s,
            quality: self.verdict(e, &inputs, cfg),
        }
    }
}
