//! The simulated GNSS receiver: 10 Hz epochs from the true antenna position with the noise of
//! its fix quality, latency, outages, random RTK float episodes and multipath bursts, emitted as
//! NMEA sentences ([`super::nmea`]).
//!
//! Error model per epoch: white noise plus a Gauss-Markov part (τ 60 s) whose σ follows the fix
//! quality (RTK fixed 0.015 m, float 0.3 m, DGPS 0.4 m, single 1.5 m; domain reference §7), plus
//! a multipath bias (0.05–0.3 m, 2–10 s) during a burst. The receiver states the nominal σ in
//! GST; it does not know about multipath. After an outage it re-fixes through RTK float for
//! 5–30 s.

use super::nmea::{encode_epoch, EpochReport};
use crate::geodesy::Datum;
use crate::plan::Pose;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// GNSS solution quality, ordered from worst to best.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FixQuality {
    NoFix,
    Single,
    Dgps,
    RtkFloat,
    RtkFixed,
}

impl FixQuality {
    /// GGA quality indicator.
    pub fn gga_quality(self) -> u8 {
        match self {
            FixQuality::NoFix => 0,
            FixQuality::Single => 1,
            FixQuality::Dgps => 2,
            FixQuality::RtkFixed => 4,
            FixQuality::RtkFloat => 5,
        }
    }

    /// RMC FAA mode letter.
    pub fn faa_mode(self) -> char {
        match self {
            FixQuality::NoFix => 'N',
            FixQuality::Single => 'A',
            FixQuality::Dgps => 'D',
            FixQuality::RtkFixed => 'R',
            FixQuality::RtkFloat => 'F',
        }
    }

    /// Nominal 1σ horizontal error per axis, m.
    pub fn sigma_h_m(self) -> f64 {
        match self {
            FixQuality::NoFix => f64::INFINITY,
            FixQuality::Single => 1.5,
            FixQuality::Dgps => 0.4,
            FixQuality::RtkFloat => 0.3,
            FixQuality::RtkFixed => 0.015,
        }
    }

    fn sigma_v_m(self) -> f64 {
        match self {
            FixQuality::RtkFixed => 0.02,
            FixQuality::RtkFloat => 0.5,
            FixQuality::Dgps => 0.8,
            _ => 2.5,
        }
    }
}

/// Receiver parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct GnssParams {
    /// Epoch rate, Hz. Default 10.
    pub rate_hz: f64,
    /// Delay from epoch to output, s. Default 0.05.
    pub latency_s: f64,
    /// Antenna position in base_link (x forward, y left), m. Default 0, 0 (above base_link).
    pub antenna_x_m: f64,
    pub antenna_y_m: f64,
    /// Antenna altitude above the ellipsoid-ish datum height, m. Default 3.
    pub antenna_height_m: f64,
    /// Dual-antenna heading (HDT) in RTK modes. Default true.
    pub dual_antenna: bool,
    /// Heading 1σ, degrees. Default 0.13 (1.5 m baseline).
    pub heading_sigma_deg: f64,
}

impl Default for GnssParams {
    fn default() -> Self {
        Self {
            rate_hz: 10.0,
            latency_s: 0.05,
            antenna_x_m: 0.0,
            antenna_y_m: 0.0,
            antenna_height_m: 3.0,
            dual_antenna: true,
            heading_sigma_deg: 0.13,
        }
    }
}

/// One receiver epoch as output.
#[derive(Clone, Debug, PartialEq)]
pub struct GnssEpoch {
    /// Simulated time the sentences leave the receiver, s.
    pub emit_t_s: f64,
    /// Simulated time of the measurement, s.
    pub epoch_t_s: f64,
    pub quality: FixQuality,
    /// True antenna position, ENU m (for tests and error statistics).
    pub true_xy_m: (f64, f64),
    /// Reported position, ENU m (`None` without a fix).
    pub reported_xy_m: Option<(f64, f64)>,
    /// NMEA sentences, without line terminators.
    pub sentences: Vec<String>,
}

/// The simulated receiver.
#[derive(Clone, Debug)]
pub struct GnssReceiver {
    params: GnssParams,
    datum: Datum,
    start_unix_s: f64,
    epoch: u64,
    gm: [f64; 2],
    outage: (f64, f64),
    refix_until: f64,
    degrade: Option<(FixQuality, f64, f64)>,
    float_until: f64,
    multipath: Option<((f64, f64), f64)>,
    float_rate_per_s: f64,
    multipath_rate_per_s: f64,
    pending: VecDeque<GnssEpoch>,
}

impl GnssReceiver {
    /// A receiver reporting in WGS84 around `datum`; NMEA time is `start_unix_s` + simulated time.
    pub fn new(params: GnssParams, datum: Datum, start_unix_s: f64, float_per_h: f64, multipath_per_h: f64) -> Self {
        Self {
            params,
            datum,
            start_unix_s,
            epoch: 0,
            gm: [0.0; 2],
            outage: (f64::NEG_INFINITY, f64::NEG_INFINITY),
            refix_until: f64::NEG_INFINITY,
            degrade: None,
            float_until: f64::NEG_INFINITY,
            multipath: None,
            float_rate_per_s: float_per_h / 3600.0,
            multipath_rate_per_s: multipath_per_h / 3600.0,
            pending: VecDeque::new(),
        }
    }

    pub fn params(&self) -> &GnssParams {
        &self.params
    }

    /// No solution from `t_s` for `duration_s`.
    pub fn outage(&mut self, t_s: f64, duration_s: f64) {
        self.outage = (t_s, t_s + duration_s);
    }

    /// No better than `q` from `t_s` for `duration_s`.
    pub fn degrade(&mut self, q: FixQuality, t_s: f64, duration_s: f64) {
        self.degrade = Some((q, t_s, t_s + duration_s));
    }

    fn quality(&mut self, t: f64, base: FixQuality, dt: f64, rng: &mut ChaCha8Rng) -> FixQuality {
        if t >= self.outage.0 && t < self.outage.1 {
            if self.refix_until < self.outage.1 {
                self.refix_until = self.outage.1 + rng.random_range(5.0..30.0);
            }
            return FixQuality::NoFix;
        }
        let mut q = base;
        if let Some((dq, from, until)) = self.degrade {
            if t < from {
            } else if t < until {
                q = q.min(dq);
            } else {
                self.degrade = None;
                self.refix_until = self.refix_until.max(until + rng.random_range(5.0..30.0));
            }
        }
        if q == FixQuality::RtkFixed {
            if t >= self.float_until && rng.random::<f64>() < self.float_rate_per_s * dt {
                self.float_until = t + rng.random_range(5.0..30.0);
            }
            if t < self.float_until || t < self.refix_until {
                q = FixQuality::RtkFloat;
            }
        }
        q
    }

    /// Advances to `t_s` with the machine at `pose` moving at `speed_mps` (forward, negative
    /// reversing) and `yaw_rate_rps`; returns the epochs whose output time has come.
    ///
    /// # Units
    /// `t_s` s, ENU metres and radians, m/s, rad/s.
    pub fn step(
        &mut self,
        t_s: f64,
        pose: &Pose,
        speed_mps: f64,
        base: FixQuality,
        rng: &mut ChaCha8Rng,
    ) -> Vec<GnssEpoch> {
        let period = 1.0 / self.params.rate_hz;
        while self.epoch as f64 * period <= t_s + 1e-9 {
            let te = self.epoch as f64 * period;
            self.epoch += 1;
            let e = self.measure(te, pose, speed_mps, base, period, rng);
            self.pending.push_back(e);
        }
        let mut out = Vec::new();
        while self.pending.front().is_some_and(|e| e.emit_t_s <= t_s) {
            out.extend(self.pending.pop_front());
        }
        out
    }

    fn measure(
        &mut self,
        te: f64,
        pose: &Pose,
        speed_mps: f64,
        base: FixQuality,
        period: f64,
        rng: &mut ChaCha8Rng,
    ) -> GnssEpoch {
        let q = self.quality(te, base, period, rng);
        let a = (-period / 60.0f64).exp();
        for g in &mut self.gm {
            let n: f64 = rng.sample(StandardNormal);
            *g = a * *g + (1.0 - a * a).sqrt() * n;
        }
        // Multipath bursts.
        if let Some((_, until)) = self.multipath {
            if te >= until {
                self.multipath = None;
            }
        } else if rng.random::<f64>() < self.multipath_rate_per_s * period {
            let m = rng.random_range(0.05..0.3);
            let dir = rng.random_range(0.0..std::f64::consts::TAU);
            self.multipath = Some(((m * dir.cos(), m * dir.sin()), te + rng.random_range(2.0..10.0)));
        }
        let ant = pose.apply(self.params.antenna_x_m, self.params.antenna_y_m);
        let sigma = q.sigma_h_m();
        let (mut ex, mut ey) = (0.0, 0.0);
        if q != FixQuality::NoFix {
            // Split the variance evenly between the white and the slowly varying part.
            let s = sigma * std::f64::consts::FRAC_1_SQRT_2;
            let (wx, wy): (f64, f64) = (rng.sample(StandardNormal), rng.sample(StandardNormal));
            ex = s * (wx + self.gm[0]);
            ey = s * (wy + self.gm[1]);
            if let Some(((bx, by), _)) = self.multipath {
                ex += bx;
                ey += by;
            }
        }
        let reported = (q != FixQuality::NoFix).then_some((ant.x + ex, ant.y + ey));
        let ll = reported.map(|(x, y)| {
            let p = self.datum.to_latlon_2d(x, y);
            (p.lat_deg, p.lon_deg)
        });
        let vn: f64 = rng.sample(StandardNormal);
        let course = 90.0 - pose.yaw_rad.to_degrees() + if speed_mps < 0.0 { 180.0 } else { 0.0 };
        let heading = (self.params.dual_antenna && q >= FixQuality::RtkFloat).then(|| {
            let n: f64 = rng.sample(StandardNormal);
            90.0 - pose.yaw_rad.to_degrees() + self.params.heading_sigma_deg * n
        });
        let alt_n: f64 = rng.sample(StandardNormal);
        let report = EpochReport {
            unix_s: self.start_unix_s + te,
            quality: q,
            lat_lon_deg: ll,
            altitude_m: self.datum.origin.alt_m + self.params.antenna_height_m + q.sigma_v_m() * alt_n,
            satellites: match q {
                FixQuality::NoFix => 0,
                FixQuality::Single => 9,
                _ => 18,
            },
            hdop: if q == FixQuality::NoFix { 99.9 } else { 0.7 },
            correction_age_s: (q >= FixQuality::Dgps).then_some(1.0),
            speed_mps: (speed_mps.abs() + 0.03 * vn).max(0.0),
            course_deg: course,
            sigma_h_m: if sigma.is_finite() { sigma } else { 0.0 },
            sigma_v_m: q.sigma_v_m(),
            heading_deg: heading,
        };
        GnssEpoch {
            emit_t_s: te + self.params.latency_s,
            epoch_t_s: te,
            quality: q,
            true_xy_m: (ant.x, ant.y),
            reported_xy_m: reported,
            sentences: encode_epoch(&report),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geodesy::LatLon;
    use rand::SeedableRng;

    fn rx(float_per_h: f64) -> GnssReceiver {
        GnssReceiver::new(
            GnssParams::default(),
            Datum::new(LatLon::new(46.93, 39.98)),
            1_780_293_600.0,
            float_per_h,
            0.0,
        )
    }

    fn run(r: &mut GnssReceiver, secs: f64, base: FixQuality) -> Vec<GnssEpoch> {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let mut out = Vec::new();
        let pose = Pose::new(10.0, 20.0, 0.3);
        for i in 0..=(secs / 0.01).round() as usize {
            out.extend(r.step(i as f64 * 0.01, &pose, 0.14, base, &mut rng));
        }
        out
    }

    #[test]
    fn ten_hertz_with_latency_and_rtk_noise() {
        let mut r = rx(0.0);
        let e = run(&mut r, 60.0, FixQuality::RtkFixed);
        assert_eq!(e.len(), 600, "epochs at 0.0..=59.9 s, emitted 50 ms later");
        assert!((e[1].emit_t_s - e[1].epoch_t_s - 0.05).abs() < 1e-9);
        let rms = (e
            .iter()
            .map(|e| {
                let (x, y) = e.reported_xy_m.unwrap();
                (x - 10.0).powi(2) + (y - 20.0).powi(2)
            })
            .sum::<f64>()
            / e.len() as f64)
            .sqrt();
        assert!(rms > 0.005 && rms < 0.05, "{rms}");
        assert!(e
            .iter()
            .all(|e| e.sentences[0].starts_with("$GNGGA") && e.sentences.len() == 4));
    }

    #[test]
    fn outage_then_refix_through_float() {
        let mut r = rx(0.0);
        r.outage(5.0, 10.0);
        let e = run(&mut r, 60.0, FixQuality::RtkFixed);
        let at = |t: f64| e.iter().find(|e| (e.epoch_t_s - t).abs() < 1e-6).unwrap().quality;
        assert_eq!(at(4.0), FixQuality::RtkFixed);
        assert_eq!(at(10.0), FixQuality::NoFix);
        assert_eq!(at(15.5), FixQuality::RtkFloat);
        assert_eq!(at(59.0), FixQuality::RtkFixed);
        assert!(e
            .iter()
            .filter(|e| e.quality == FixQuality::NoFix)
            .all(|e| e.reported_xy_m.is_none()));
    }

    #[test]
    fn same_seed_same_sentences() {
        let a = run(&mut rx(30.0), 20.0, FixQuality::RtkFixed);
        let b = run(&mut rx(30.0), 20.0, FixQuality::RtkFixed);
        assert_eq!(a, b);
    }

    #[test]
    fn single_is_metre_level() {
        let e = run(&mut rx(0.0), 30.0, FixQuality::Single);
        let worst = e
            .iter()
            .map(|e| {
                let (x, y) = e.reported_xy_m.unwrap();
                (x - 10.0).hypot(y - 20.0)
            })
            .fold(0.0, f64::max);
        assert!(worst > 0.5, "{worst}");
    }
}
