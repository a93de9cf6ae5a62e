//! Groups NMEA sentences into epochs and turns each into a [`GnssFix`] (and a [`GnssHeading`] when
//! HDT is present).
//!
//! The epoch's time of day comes from GGA; the date from the latest RMC (a GGA a few seconds after
//! midnight and an RMC dated the day before are reconciled by choosing the nearer day). GST of the
//! same time of day supplies the covariance; VTG/RMC the speed over ground; HDT (which carries no
//! time) belongs to the epoch in progress. An epoch is emitted when the next GGA with another time
//! arrives, or on [`EpochAssembler::flush`].

use crate::geodesy::LatLon;
use crate::gnss::fix::{GnssFix, GnssHeading, HorizontalCovariance};
use crate::gnss::nmea::{Gga, Gst, NmeaDate, Sentence};

const KNOT_MPS: f64 = 1852.0 / 3600.0;
const DAY_S: f64 = 86_400.0;

/// What one finished epoch yields.
#[derive(Clone, Debug, PartialEq)]
pub enum GnssMeasurement {
    Fix(GnssFix),
    Heading(GnssHeading),
}

/// Counters of epochs that could not be used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EpochStats {
    /// Epochs emitted as fixes.
    pub fixes: u64,
    /// Headings emitted.
    pub headings: u64,
    /// GGA epochs dropped because no RMC had given the date yet.
    pub undated: u64,
    /// GGA without time or position (receiver has no fix): emitted nowhere.
    pub without_position: u64,
    /// HDT sentences that arrived with no epoch in progress.
    pub headings_without_epoch: u64,
}

#[derive(Default)]
struct Epoch {
    gga: Option<Gga>,
    gst: Option<Gst>,
    speed_mps: Option<f64>,
    heading_deg: Option<f64>,
}

/// Builds fixes from a sentence stream.
#[derive(Default)]
pub struct EpochAssembler {
    date: Option<(NmeaDate, f64)>,
    epoch: Epoch,
    last_gst: Option<Gst>,
    stats: EpochStats,
    /// For logs without RMC: the UNIX midnight of the day assumed, and the last time of day seen
    /// (a time of day that falls by more than 12 h moves to the next day).
    fallback_day: Option<(f64, f64)>,
}

fn same_time(a: Option<f64>, b: Option<f64>) -> bool {
    matches!((a, b), (Some(x), Some(y)) if (x - y).abs() < 1e-3)
}

impl EpochAssembler {
    pub fn new() -> Self {
        Self::default()
    }

    /// An assembler that dates GGA epochs seen before any RMC with `date` (the `--date` of a log
    /// without RMC), rolling over at midnight. An RMC date, once seen, takes precedence.
    pub fn with_date(date: NmeaDate) -> Self {
        Self {
            fallback_day: Some((date.unix_midnight_s(), f64::NEG_INFINITY)),
            ..Self::default()
        }
    }

    pub fn stats(&self) -> EpochStats {
        self.stats
    }

    /// Feed one sentence; finished epochs are appended to `out`.
    pub fn push(&mut self, sentence: Sentence, out: &mut Vec<GnssMeasurement>) {
        match sentence {
            Sentence::Gga(g) => {
                let current = self.epoch.gga.as_ref().map(|c| c.time_of_day_s);
                if let Some(t) = current {
                    if !same_time(t, g.time_of_day_s) {
                        self.flush(out);
                    }
                }
                if self.epoch.gga.is_none() {
                    if let Some(gst) = self
                        .last_gst
                        .take()
                        .filter(|s| same_time(s.time_of_day_s, g.time_of_day_s))
                    {
                        self.epoch.gst = Some(gst);
                    }
                }
                self.epoch.gga = Some(g);
            }
            Sentence::Gst(s) => {
                let current = self.epoch.gga.as_ref().and_then(|c| c.time_of_day_s);
                if same_time(current, s.time_of_day_s) {
                    self.epoch.gst = Some(s);
                } else {
                    self.last_gst = Some(s);
                }
            }
            Sentence::Rmc(r) => {
                if let (Some(date), Some(tod)) = (r.date, r.time_of_day_s) {
                    self.date = Some((date, tod));
                }
                let current = self.epoch.gga.as_ref().and_then(|c| c.time_of_day_s);
                if r.valid && same_time(current, r.time_of_day_s) {
                    self.epoch.speed_mps = r.speed_knots.map(|k| k * KNOT_MPS).or(self.epoch.speed_mps);
                }
            }
            Sentence::Vtg(v) => {
                if self.epoch.gga.is_some() {
                    let s = v.speed_kmh.map(|k| k / 3.6).or(v.speed_knots.map(|k| k * KNOT_MPS));
                    self.epoch.speed_mps = s.or(self.epoch.speed_mps);
                }
            }
            Sentence::Hdt(h) => {
                if self.epoch.gga.is_some() {
                    self.epoch.heading_deg = h.heading_true_deg;
                } else {
                    self.stats.headings_without_epoch += 1;
                }
            }
        }
    }

    /// UNIX time of a GGA time of day, given the latest RMC date (nearest day wins).
    fn unix_time(&mut self, tod_s: f64) -> Option<f64> {
        let Some((date, rmc_tod)) = self.date else {
            let (midnight, last) = self.fallback_day.as_mut()?;
            if tod_s < *last - DAY_S / 2.0 {
                *midnight += DAY_S;
            }
            *last = tod_s;
            return Some(*midnight + tod_s);
        };
        let mut t = date.unix_midnight_s() + tod_s;
        if tod_s - rmc_tod > DAY_S / 2.0 {
            t -= DAY_S;
        } else if rmc_tod - tod_s > DAY_S / 2.0 {
            t += DAY_S;
        }
        Some(t)
    }

    /// Emit the epoch in progress, if any.
    pub fn flush(&mut self, out: &mut Vec<GnssMeasurement>) {
        let epoch = std::mem::take(&mut self.epoch);
        let Some(gga) = epoch.gga else { return };
        let (Some(tod), Some((lat, lon))) = (gga.time_of_day_s, gga.lat_lon_deg) else {
            self.stats.without_position += 1;
            return;
        };
        let Some(unix_time_s) = self.unix_time(tod) else {
            self.stats.undated += 1;
            return;
        };
        let alt_m = gga.altitude_msl_m.unwrap_or(0.0) + gga.geoid_separation_m.unwrap_or(0.0);
        let mut fix = GnssFix::new(
            unix_time_s,
            LatLon {
                lat_deg: lat,
                lon_deg: lon,
                alt_m,
            },
            gga.fix_type,
        );
        fix.covariance = epoch.gst.as_ref().and_then(covariance_from_gst);
        fix.correction_age_s = gga.correction_age_s;
        fix.satellites = gga.satellites;
        fix.hdop = gga.hdop;
        fix.speed_over_ground_mps = epoch.speed_mps;
        out.push(GnssMeasurement::Fix(fix));
        self.stats.fixes += 1;
        if let Some(h) = epoch.heading_deg {
            out.push(GnssMeasurement::Heading(GnssHeading {
                unix_time_s,
                heading_true_deg: h,
                sigma_rad: None,
            }));
            self.stats.headings += 1;
        }
    }
}

/// GST → East/North covariance: the error ellipse when given, otherwise the latitude/longitude sigmas.
pub fn covariance_from_gst(g: &Gst) -> Option<HorizontalCovariance> {
    if let (Some(a), Some(b), Some(theta_deg)) = (g.semi_major_m, g.semi_minor_m, g.orientation_deg) {
        if a > 0.0 && b > 0.0 {
            // Semi-major axis direction, clockwise from north → (east, north) unit vector.
            let (s, c) = theta_deg.to_radians().sin_cos();
            let (ue, un) = (s, c);
            let (ve, vn) = (c, -s);
            let cov = HorizontalCovariance {
                east_east_m2: a * a * ue * ue + b * b * ve * ve,
                east_north_m2: a * a * ue * un + b * b * ve * vn,
                north_north_m2: a * a * un * un + b * b * vn * vn,
            };
            if cov.is_valid() {
                return Some(cov);
            }
        }
    }
    match (g.sigma_lat_m, g.sigma_lon_m) {
        (Some(n), Some(e)) if n > 0.0 && e > 0.0 => Some(HorizontalCovariance::from_sigmas(e, n)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gnss::fix::FixType;
    use crate::gnss::nmea::{Hdt, Rmc, Talker};

    fn gga(tod: f64) -> Sentence {
        Sentence::Gga(Gga {
            talker: Talker::Gn,
            time_of_day_s: Some(tod),
            lat_lon_deg: Some((40.0, 47.0)),
            fix_type: FixType::RtkFixed,
            satellites: Some(20),
            hdop: Some(0.6),
            altitude_msl_m: Some(100.0),
            geoid_separation_m: Some(-20.0),
            correction_age_s: Some(1.0),
            station_id: Some(1),
        })
    }

    fn rmc(tod: f64, day: u8) -> Sentence {
        Sentence::Rmc(Rmc {
            talker: Talker::Gn,
            time_of_day_s: Some(tod),
            valid: true,
            lat_lon_deg: Some((40.0, 47.0)),
            speed_knots: Some(1.0),
            course_true_deg: None,
            date: Some(NmeaDate {
                year: 2026,
                month: 11,
                day,
            }),
            mode: Some('R'),
        })
    }

    fn gst(tod: f64) -> Sentence {
        Sentence::Gst(Gst {
            talker: Talker::Gn,
            time_of_day_s: Some(tod),
            rms_m: Some(0.1),
            semi_major_m: None,
            semi_minor_m: None,
            orientation_deg: None,
            sigma_lat_m: Some(0.02),
            sigma_lon_m: Some(0.01),
            sigma_alt_m: Some(0.03),
        })
    }

    #[test]
    fn assembles_epochs_across_midnight() {
        let mut a = EpochAssembler::new();
        let mut out = Vec::new();
        for s in [
            gga(86_399.9),
            gst(86_399.9),
            rmc(86_399.9, 26),
            Sentence::Hdt(Hdt {
                talker: Talker::Gn,
                heading_true_deg: Some(90.0),
            }),
        ] {
            a.push(s, &mut out);
        }
        a.push(gga(0.0), &mut out);
        a.push(gst(0.0), &mut out);
        a.flush(&mut out);
        let day = NmeaDate {
            year: 2026,
            month: 11,
            day: 26,
        }
        .unix_midnight_s();
        let fixes: Vec<&GnssFix> = out
            .iter()
            .filter_map(|m| if let GnssMeasurement::Fix(f) = m { Some(f) } else { None })
            .collect();
        assert_eq!(fixes.len(), 2);
        assert!((fixes[0].unix_time_s - (day + 86_399.9)).abs() < 1e-6);
        assert!((fixes[1].unix_time_s - (day + DAY_S)).abs() < 1e-6, "midnight rollover");
        let c = fixes[0].covariance.unwrap();
        assert!((c.east_east_m2 - 1e-4).abs() < 1e-12 && (c.north_north_m2 - 4e-4).abs() < 1e-12);
        assert!((fixes[0].position.alt_m - 80.0).abs() < 1e-9);
        assert!((fixes[0].speed_over_ground_mps.unwrap() - KNOT_MPS).abs() < 1e-12);
        assert!(out
            .iter()
            .any(|m| matches!(m, GnssMeasurement::Heading(h) if h.heading_true_deg == 90.0)));
    }

    #[test]
    fn epochs_before_any_date_are_counted_not_emitted() {
        let mut a = EpochAssembler::new();
        let mut out = Vec::new();
        a.push(gga(10.0), &mut out);
        a.push(gga(10.1), &mut out);
        assert!(out.is_empty());
        assert_eq!(a.stats().undated, 1);
    }

    #[test]
    fn gst_ellipse_orientation() {
        let mut g = match gst(0.0) {
            Sentence::Gst(g) => g,
            _ => unreachable!(),
        };
        g.semi_major_m = Some(2.0);
        g.semi_minor_m = Some(1.0);
        g.orientation_deg = Some(90.0); // major axis east-west
        let c = covariance_from_gst(&g).unwrap();
        assert!((c.east_east_m2 - 4.0).abs() < 1e-9 && (c.north_north_m2 - 1.0).abs() < 1e-9);
    }
}
