//! A seeded simulator of a tracked flail clearing lanes, with the sensors the estimator reads:
//! track odometry with soil-dependent slip and turn scale, an optional gyro with bias, GNSS with a
//! fix-type schedule, outages and multipath jumps, optional dual-antenna heading, and latency
//! (measurements arrive late and out of order). Used by the tests and the benchmark; the simulator
//! may share it later.
//!
//! Truth kinematics are integrated at 100 Hz; sensors sample the truth at their own rates.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::geodesy::{Datum, LatLon};
use crate::gnss::nmea::{Gga, Gst, Hdt, NmeaDate, Rmc, Sentence, Talker};
use crate::gnss::{FixType, GnssFix, GnssHeading, HorizontalCovariance};
use crate::localize::config::LocalizerConfig;
use crate::localize::core::OdometrySample;
use crate::localize::wrap_angle_rad;

const SIM_DT_S: f64 = 0.01;

/// What the GNSS does during a phase.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum GnssPhaseKind {
    /// Another fix type with its 1σ horizontal noise (metres).
    Mode { fix_type: FixType, sigma_m: f64 },
    /// No position: the receiver reports `NoFix`.
    Outage,
    /// Multipath: the reported position is offset by this much while the receiver still claims its
    /// usual quality.
    Jump { east_m: f64, north_m: f64 },
}

/// A time window of the GNSS schedule, seconds from the scenario start.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GnssPhase {
    pub start_s: f64,
    pub end_s: f64,
    pub kind: GnssPhaseKind,
}

/// Scenario parameters; defaults follow `demining-domain.md` §7.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioConfig {
    pub seed: u64,
    pub datum: LatLon,
    /// UNIX seconds at the start.
    pub start_unix_s: f64,
    pub duration_s: f64,
    /// Default [`LanePattern::Boustrophedon`].
    pub pattern: LanePattern,
    /// Lane length, metres. Default 30.
    pub lane_length_m: f64,
    /// Lane spacing (working width − overlap), metres. Default 1.6.
    pub lane_spacing_m: f64,
    /// Working speed, m/s. Default 0.14.
    pub speed_mps: f64,
    /// Pivot-turn yaw rate, rad/s. Default 0.1.
    pub pivot_rate_rps: f64,
    /// Yaw-rate wobble amplitude while driving a lane (steering corrections), rad/s. Default 0.005.
    pub wobble_rps: f64,
    /// Track slip per lane, cycled (0.08 = 8 %). Default [0.03, 0.08, 0.15].
    pub lane_slips: Vec<f64>,
    /// Slow slip variation about the lane's value: 1σ and correlation time (s). Default 0.005, 30.
    pub slip_wander: f64,
    pub slip_wander_tau_s: f64,
    /// Time constant of the change from one lane's slip to the next, seconds. Default 10.
    pub slip_change_tau_s: f64,
    /// True turn scale (track differential / yaw rate). Default 1.4.
    pub turn_scale: f64,
    /// Track gauge, centre to centre, metres. Default 1.8.
    pub track_gauge_m: f64,
    /// Lateral skid: sideways ground speed as a Gauss-Markov process, 1σ m/s and correlation time
    /// (s). Default 0.001, 5.
    pub lateral_skid_mps: f64,
    pub lateral_skid_tau_s: f64,
    /// Track-speed sensor noise, 1σ m/s. Default 0.003.
    pub track_noise_mps: f64,
    /// Gyro: `Some((bias_rps, noise_rps))`. Default bias 0.05 °/s, noise 0.01 °/s/√Hz at 10 Hz.
    pub gyro: Option<(f64, f64)>,
    pub odometry_rate_hz: f64,
    pub gnss_rate_hz: f64,
    /// GNSS latency: fixes arrive this much after their time stamp, seconds. Default 0.05.
    pub gnss_latency_s: f64,
    /// Fix type and 1σ horizontal noise outside the phases. Default RTK fixed, 0.015 m.
    pub fix_type: FixType,
    pub gnss_sigma_m: f64,
    /// Share of the GNSS error variance that is slowly varying (Gauss-Markov), 0–1; the rest is
    /// white (independent per epoch). Real float, DGPS and single errors wander over tens of seconds
    /// to minutes. Default 0.
    pub gnss_correlated_fraction: f64,
    /// Correlation time of the slowly varying part, seconds (> 0). Default 30.
    pub gnss_error_tau_s: f64,
    pub phases: Vec<GnssPhase>,
    /// Antenna position in the body frame: forward, left (metres). Default (1.0, 0.3).
    pub antenna_m: (f64, f64),
    /// Dual-antenna heading noise, 1σ radians; `None` = no dual antenna. Default `None`.
    pub dual_antenna_sigma_rad: Option<f64>,
    /// The receiver reports its sigmas (GST / NavSatFix covariance). Without, the fixes carry only
    /// the fix type and HDOP (`hdop`). Default true.
    pub reports_sigmas: bool,
    /// HDOP written on every fix. Default 0.7.
    pub hdop: f64,
}

impl Default for ScenarioConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            datum: LatLon {
                lat_deg: 39.8123,
                lon_deg: 46.7512,
                alt_m: 610.0,
            },
            start_unix_s: 1_795_687_200.0, // 2026-11-26 10:00 UTC
            duration_s: 600.0,
            pattern: LanePattern::Boustrophedon,
            lane_length_m: 30.0,
            lane_spacing_m: 1.6,
            speed_mps: 0.14,
            pivot_rate_rps: 0.1,
            wobble_rps: 0.005,
            lane_slips: vec![0.03, 0.08, 0.15],
            slip_wander: 0.005,
            slip_wander_tau_s: 30.0,
            slip_change_tau_s: 10.0,
            turn_scale: 1.4,
            track_gauge_m: 1.8,
            lateral_skid_mps: 0.001,
            lateral_skid_tau_s: 5.0,
            track_noise_mps: 0.003,
            gyro: Some((0.05f64.to_radians(), 0.01f64.to_radians() * 10f64.sqrt())),
            odometry_rate_hz: 10.0,
            gnss_rate_hz: 10.0,
            gnss_latency_s: 0.05,
            fix_type: FixType::RtkFixed,
            gnss_sigma_m: 0.015,
            gnss_correlated_fraction: 0.0,
            gnss_error_tau_s: 30.0,
            phases: Vec::new(),
            antenna_m: (1.0, 0.3),
            dual_antenna_sigma_rad: None,
            reports_sigmas: true,
            hdop: 0.7,
        }
    }
}

/// The true state at an odometry sample.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TruthSample {
    pub unix_time_s: f64,
    pub east_m: f64,
    pub north_m: f64,
    pub yaw_rad: f64,
    pub speed_mps: f64,
    /// Distance travelled since the start, metres.
    pub distance_m: f64,
    pub slip: f64,
}

/// A sensor reading as it reaches the estimator.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SensorReading {
    Odometry(OdometrySample),
    Fix(GnssFix),
    Heading(GnssHeading),
}

/// A reading and the time it arrives (its own time stamp plus latency).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Arrival {
    pub arrival_unix_s: f64,
    pub reading: SensorReading,
}

/// A generated run.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub datum: Datum,
    /// Truth at every odometry sample.
    pub truth: Vec<TruthSample>,
    /// Readings in arrival order.
    pub arrivals: Vec<Arrival>,
}

#[derive(Clone, Copy, Debug)]
enum Segment {
    Straight { length_m: f64, speed_mps: f64 },
    Pivot { angle_rad: f64 },
}

/// How the machine works through its lanes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LanePattern {
    /// Lane, pivot, hop to the next lane, pivot; alternate directions.
    Boustrophedon,
    /// Lane forward from the baseline, reverse back along it, pivot, hop, pivot (DESIGN.md
    /// "baseline and return").
    BaselineAndReturn,
}

fn segment(pattern: LanePattern, lane_length_m: f64, lane_spacing_m: f64, i: usize) -> (Segment, usize) {
    use std::f64::consts::FRAC_PI_2;
    let lane_fwd = Segment::Straight {
        length_m: lane_length_m,
        speed_mps: 1.0,
    };
    let hop = Segment::Straight {
        length_m: lane_spacing_m,
        speed_mps: 1.0,
    };
    match pattern {
        LanePattern::Boustrophedon => {
            // Pivots alternate direction so lanes zig-zag.
            let lane = i / 4;
            let turn = if lane % 2 == 0 { FRAC_PI_2 } else { -FRAC_PI_2 };
            let s = match i % 4 {
                0 => lane_fwd,
                1 | 3 => Segment::Pivot { angle_rad: turn },
                _ => hop,
            };
            (s, lane)
        }
        LanePattern::BaselineAndReturn => {
            let lane = i / 5;
            let s = match i % 5 {
                0 => lane_fwd,
                1 => Segment::Straight {
                    length_m: lane_length_m,
                    speed_mps: -1.0,
                },
                2 => Segment::Pivot { angle_rad: FRAC_PI_2 },
                3 => hop,
                _ => Segment::Pivot { angle_rad: -FRAC_PI_2 },
            };
            (s, lane)
        }
    }
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    StandardNormal.sample(rng)
}

impl ScenarioConfig {
    /// The estimator's reference config with this scenario's vehicle geometry.
    pub fn localizer_config(&self) -> LocalizerConfig {
        let mut c = LocalizerConfig::default();
        c.vehicle.track_gauge_m = self.track_gauge_m;
        c.vehicle.antenna_forward_m = self.antenna_m.0;
        c.vehicle.antenna_left_m = self.antenna_m.1;
        c
    }

    /// GNSS behaviour at `rel_s` seconds from the start.
    fn gnss_at(&self, rel_s: f64) -> (Option<(FixType, f64)>, (f64, f64)) {
        let mut mode = Some((self.fix_type, self.gnss_sigma_m));
        let mut offset = (0.0, 0.0);
        for p in &self.phases {
            if rel_s >= p.start_s && rel_s < p.end_s {
                match p.kind {
                    GnssPhaseKind::Mode { fix_type, sigma_m } => mode = Some((fix_type, sigma_m)),
                    GnssPhaseKind::Outage => mode = None,
                    GnssPhaseKind::Jump { east_m, north_m } => offset = (east_m, north_m),
                }
            }
        }
        (mode, offset)
    }

    /// Run the simulation.
    pub fn generate(&self) -> Scenario {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let datum = Datum::new(self.datum);
        let steps = (self.duration_s / SIM_DT_S).round() as u64;
        let odo_every = ((1.0 / self.odometry_rate_hz) / SIM_DT_S).round().max(1.0) as u64;
        let gnss_every = ((1.0 / self.gnss_rate_hz) / SIM_DT_S).round().max(1.0) as u64;
        let (mut e, mut n, mut yaw) = (0.0f64, 0.0f64, 0.3);
        let (mut v, mut w) = (0.0f64, 0.0f64);
        let mut distance = 0.0;
        let mut seg_index = 0usize;
        let mut seg_progress = 0.0f64;
        let mut slip = self.lane_slips.first().copied().unwrap_or(0.05);
        let mut wander = 0.0f64;
        let mut skid = 0.0f64;
        let mut gnss_err = (0.0f64, 0.0f64);
        let mut truth = Vec::new();
        let mut arrivals = Vec::new();
        let accel = 0.05;
        let wobble_phase: f64 = rng.random_range(0.0..std::f64::consts::TAU);
        for step in 0..=steps {
            let rel = step as f64 * SIM_DT_S;
            let t = self.start_unix_s + rel;
            let (seg, lane) = segment(self.pattern, self.lane_length_m, self.lane_spacing_m, seg_index);
            // Soil: slip follows the lane's value with a lag, plus a slow wander.
            let target = if self.lane_slips.is_empty() {
                0.0
            } else {
                self.lane_slips[lane % self.lane_slips.len()]
            };
            slip += (target - slip) * (SIM_DT_S / self.slip_change_tau_s).min(1.0);
            let phi = (-SIM_DT_S / self.slip_wander_tau_s).exp();
            wander = wander * phi + self.slip_wander * (1.0 - phi * phi).sqrt() * normal(&mut rng);
            let true_slip = (slip + wander).clamp(0.0, 0.5);
            let phi = (-SIM_DT_S / self.lateral_skid_tau_s).exp();
            skid = skid * phi + self.lateral_skid_mps * (1.0 - phi * phi).sqrt() * normal(&mut rng);

            if step % odo_every == 0 {
                truth.push(TruthSample {
                    unix_time_s: t,
                    east_m: e,
                    north_m: n,
                    yaw_rad: yaw,
                    speed_mps: v,
                    distance_m: distance,
                    slip: true_slip,
                });
                let k = 1.0 / (1.0 - true_slip);
                let mean = v * k;
                let diff = w * self.turn_scale * 0.5 * self.track_gauge_m;
                let left = mean - diff + self.track_noise_mps * normal(&mut rng);
                let right = mean + diff + self.track_noise_mps * normal(&mut rng);
                let gyro = self.gyro.map(|(bias, noise)| w + bias + noise * normal(&mut rng));
                arrivals.push(Arrival {
                    arrival_unix_s: t,
                    reading: SensorReading::Odometry(OdometrySample {
                        unix_time_s: t,
                        left_track_mps: left,
                        right_track_mps: right,
                        yaw_rate_rps: gyro,
                    }),
                });
            }
            if step % gnss_every == 0 {
                let (mode, offset) = self.gnss_at(rel);
                let (s, c) = yaw.sin_cos();
                let (fwd, left) = self.antenna_m;
                let ae = e + c * fwd - s * left;
                let an = n + s * fwd + c * left;
                let arrival_unix_s = t + self.gnss_latency_s;
                match mode {
                    Some((fix_type, sigma)) => {
                        // Slow part: Gauss-Markov with stationary variance share·σ²; fast part white.
                        let share = self.gnss_correlated_fraction.clamp(0.0, 1.0);
                        let dt = gnss_every as f64 * SIM_DT_S;
                        let phi = (-dt / self.gnss_error_tau_s.max(1e-9)).exp();
                        let k = sigma * (share * (1.0 - phi * phi)).sqrt();
                        let w = sigma * (1.0 - share).sqrt();
                        gnss_err = (
                            phi * gnss_err.0 + k * normal(&mut rng),
                            phi * gnss_err.1 + k * normal(&mut rng),
                        );
                        let (we, wn) = (w * normal(&mut rng), w * normal(&mut rng));
                        let pe = ae + offset.0 + gnss_err.0 + we;
                        let pn = an + offset.1 + gnss_err.1 + wn;
                        let mut position = datum.to_latlon_2d(pe, pn);
                        position.alt_m = self.datum.alt_m;
                        let mut fix = GnssFix::new(t, position, fix_type);
                        fix.covariance = self
                            .reports_sigmas
                            .then(|| HorizontalCovariance::from_sigmas(sigma, sigma));
                        fix.correction_age_s = fix_type.uses_corrections().then_some(1.0);
                        fix.satellites = Some(18);
                        fix.hdop = Some(self.hdop);
                        fix.speed_over_ground_mps = Some(v.abs());
                        arrivals.push(Arrival {
                            arrival_unix_s,
                            reading: SensorReading::Fix(fix),
                        });
                        if let Some(hs) = self.dual_antenna_sigma_rad {
                            let meas_yaw = yaw + hs * normal(&mut rng);
                            let heading_true_deg = (90.0 - meas_yaw.to_degrees()).rem_euclid(360.0);
                            arrivals.push(Arrival {
                                arrival_unix_s,
                                reading: SensorReading::Heading(GnssHeading {
                                    unix_time_s: t,
                                    heading_true_deg,
                                    sigma_rad: Some(hs),
                                }),
                            });
                        }
                    }
                    None => {
                        let fix = GnssFix::new(t, datum.to_latlon_2d(ae, an), FixType::NoFix);
                        arrivals.push(Arrival {
                            arrival_unix_s,
                            reading: SensorReading::Fix(fix),
                        });
                    }
                }
            }

            // Commands for this step.
            let (v_cmd, w_cmd, done) = match seg {
                Segment::Straight { length_m, speed_mps } => {
                    let remaining = length_m - seg_progress;
                    let vmax = (2.0 * accel * remaining.max(0.0)).sqrt().max(0.01);
                    let wob = self.wobble_rps * (std::f64::consts::TAU * rel / 40.0 + wobble_phase).sin();
                    (speed_mps * self.speed_mps.min(vmax), wob, remaining <= 1e-4)
                }
                Segment::Pivot { angle_rad } => {
                    let remaining = angle_rad.abs() - seg_progress;
                    let rate = self.pivot_rate_rps.min((remaining * 2.0).max(0.002));
                    (0.0, angle_rad.signum() * rate, remaining <= 1e-5)
                }
            };
            if done {
                seg_index += 1;
                seg_progress = 0.0;
            }
            let dv = (v_cmd - v).clamp(-accel * SIM_DT_S, accel * SIM_DT_S);
            v += dv;
            w = w_cmd;
            let yaw_mid = yaw + 0.5 * w * SIM_DT_S;
            e += (v * yaw_mid.cos() - skid * yaw_mid.sin()) * SIM_DT_S;
            n += (v * yaw_mid.sin() + skid * yaw_mid.cos()) * SIM_DT_S;
            yaw = wrap_angle_rad(yaw + w * SIM_DT_S);
            distance += v.abs() * SIM_DT_S;
            seg_progress += match seg {
                Segment::Straight { .. } => v.abs() * SIM_DT_S,
                Segment::Pivot { .. } => w.abs() * SIM_DT_S,
            };
        }
        arrivals.sort_by(|a, b| a.arrival_unix_s.total_cmp(&b.arrival_unix_s));
        Scenario { datum, truth, arrivals }
    }
}

impl Scenario {
    /// The fixes and headings as an NMEA log (GGA, GST, RMC, HDT per epoch; CRLF line ends), in time
    /// order — what a receiver would have written.
    pub fn to_nmea_log(&self) -> String {
        let mut s = String::new();
        let mut readings: Vec<&SensorReading> = self
            .arrivals
            .iter()
            .map(|a| &a.reading)
            .filter(|r| matches!(r, SensorReading::Fix(_) | SensorReading::Heading(_)))
            .collect();
        readings.sort_by(|a, b| reading_time(a).total_cmp(&reading_time(b)));
        for r in readings {
            match r {
                SensorReading::Fix(f) => {
                    let day = NmeaDate::from_unix_s(f.unix_time_s);
                    let tod = f.unix_time_s - day.unix_midnight_s();
                    let has_pos = f.fix_type != FixType::NoFix;
                    let ll = has_pos.then_some((f.position.lat_deg, f.position.lon_deg));
                    let gga = Gga {
                        talker: Talker::Gn,
                        time_of_day_s: Some(tod),
                        lat_lon_deg: ll,
                        fix_type: f.fix_type,
                        satellites: f.satellites,
                        hdop: f.hdop,
                        altitude_msl_m: has_pos.then_some(f.position.alt_m),
                        geoid_separation_m: has_pos.then_some(0.0),
                        correction_age_s: f.correction_age_s,
                        station_id: f.correction_age_s.map(|_| 1),
                    };
                    s.push_str(&Sentence::Gga(gga).encode());
                    s.push_str("\r\n");
                    if let Some(c) = f.covariance {
                        let gst = Gst {
                            talker: Talker::Gn,
                            time_of_day_s: Some(tod),
                            rms_m: Some(c.semi_major_m()),
                            semi_major_m: None,
                            semi_minor_m: None,
                            orientation_deg: None,
                            sigma_lat_m: Some(c.north_north_m2.sqrt()),
                            sigma_lon_m: Some(c.east_east_m2.sqrt()),
                            sigma_alt_m: Some(2.0 * c.semi_major_m()),
                        };
                        s.push_str(&Sentence::Gst(gst).encode());
                        s.push_str("\r\n");
                    }
                    let rmc = Rmc {
                        talker: Talker::Gn,
                        time_of_day_s: Some(tod),
                        valid: has_pos,
                        lat_lon_deg: ll,
                        speed_knots: f.speed_over_ground_mps.map(|v| v * 3600.0 / 1852.0),
                        course_true_deg: None,
                        date: Some(day),
                        mode: Some(if has_pos { 'R' } else { 'N' }),
                    };
                    s.push_str(&Sentence::Rmc(rmc).encode());
                    s.push_str("\r\n");
                }
                SensorReading::Heading(h) => {
                    let hdt = Hdt {
                        talker: Talker::Gn,
                        heading_true_deg: Some(h.heading_true_deg),
                    };
                    s.push_str(&Sentence::Hdt(hdt).encode());
                    s.push_str("\r\n");
                }
                SensorReading::Odometry(_) => {}
            }
        }
        s
    }

    /// The odometry samples in time order.
    pub fn odometry(&self) -> Vec<OdometrySample> {
        let mut v: Vec<OdometrySample> = self
            .arrivals
            .iter()
            .filter_map(|a| {
                if let SensorReading::Odometry(o) = a.reading {
                    Some(o)
                } else {
                    None
                }
            })
            .collect();
        v.sort_by(|a, b| a.unix_time_s.total_cmp(&b.unix_time_s));
        v
    }

    /// Truth at the sample nearest `t` (odometry rate).
    pub fn truth_at(&self, t: f64) -> Option<&TruthSample> {
        let i = self.truth.partition_point(|s| s.unix_time_s < t);
        let cands = [i.checked_sub(1), Some(i)];
        cands
            .iter()
            .flatten()
            .filter_map(|&j| self.truth.get(j))
            .min_by(|a, b| (a.unix_time_s - t).abs().total_cmp(&(b.unix_time_s - t).abs()))
    }
}

fn reading_time(r: &SensorReading) -> f64 {
    match r {
        SensorReading::Odometry(o) => o.unix_time_s,
        SensorReading::Fix(f) => f.unix_time_s,
        SensorReading::Heading(h) => h.unix_time_s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_run_and_lanes_at_working_speed() {
        let cfg = ScenarioConfig {
            duration_s: 120.0,
            ..Default::default()
        };
        let a = cfg.generate();
        assert_eq!(a, cfg.generate());
        let last = a.truth.last().unwrap();
        assert!(last.distance_m > 14.0 && last.distance_m < 17.0, "{}", last.distance_m);
        assert!(a.truth.iter().all(|s| s.speed_mps <= 0.14 + 1e-9));
    }
}
