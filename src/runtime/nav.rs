//! The host's navigation path in `demine sim`: the simulated receiver's NMEA sentences go through
//! the real parser ([`crate::gnss::parse_sentence`]) and epoch assembler, the track speeds that
//! came back over CAN and the gyro samples go in as odometry, and the real [`Localizer`] fuses
//! them. Nothing here sees the true pose.

use crate::gnss::epoch::{EpochAssembler, GnssMeasurement};
use crate::gnss::nmea::parse_sentence;
use crate::gnss::FixType;
use crate::localize::config::LocalizerConfig;
use crate::localize::core::OdometrySample;
use crate::localize::{Estimate, LocalizeEvent, Localizer, MeasurementKind};
use crate::machine::MachineProfile;
use crate::mission::preflight::GnssQuality;
use crate::plan::Pose;
use crate::sim::{GnssEpoch, SimConfig};

use super::RuntimeError;

/// Counters of what reached the estimator.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NavStats {
    pub sentences: u64,
    /// Sentences the parser refused (checksum, format).
    pub bad_sentences: u64,
    pub fixes: u64,
    pub headings: u64,
    pub odometry: u64,
}

/// NMEA → epochs → localizer, and odometry → localizer.
pub struct Navigation {
    loc: Localizer,
    epochs: EpochAssembler,
    /// UNIX time of the simulator's time zero, s.
    start_unix_s: f64,
    out: Vec<GnssMeasurement>,
    stats: NavStats,
    /// The newest fix's type and simulator time, s.
    last_fix: Option<(FixType, f64)>,
    /// The estimator's decisions worth a line in the record: (simulator time s, name, detail).
    notable: Vec<(f64, &'static str, String)>,
    /// Fixes rejected since the last accepted one (only the first of a run is recorded).
    rejecting: bool,
}

impl Navigation {
    /// A localizer for machine `m` whose GNSS antenna sits where the simulator puts it, on the
    /// field's datum.
    pub fn new(m: &MachineProfile, sim: &SimConfig, datum: crate::geodesy::Datum) -> Result<Self, RuntimeError> {
        let mut cfg = LocalizerConfig::for_machine(m);
        cfg.vehicle.antenna_forward_m = sim.gnss.antenna_x_m;
        cfg.vehicle.antenna_left_m = sim.gnss.antenna_y_m;
        let loc = Localizer::new(cfg, Some(datum)).map_err(|e| RuntimeError::Invalid(format!("localizer: {e}")))?;
        Ok(Self {
            loc,
            epochs: EpochAssembler::new(),
            start_unix_s: sim.scenario.start_unix_s,
            out: Vec::new(),
            stats: NavStats::default(),
            last_fix: None,
            notable: Vec::new(),
            rejecting: false,
        })
    }

    /// UNIX time of simulator time `t_s`.
    pub fn unix_s(&self, sim_t_s: f64) -> f64 {
        self.start_unix_s + sim_t_s
    }

    /// Feed the sentences of receiver epochs (each epoch is complete when it is output).
    pub fn gnss(&mut self, epochs: &[GnssEpoch]) {
        for e in epochs {
            for line in &e.sentences {
                self.stats.sentences += 1;
                match parse_sentence(line) {
                    Ok(s) => self.epochs.push(s, &mut self.out),
                    Err(_) => self.stats.bad_sentences += 1,
                }
            }
            self.epochs.flush(&mut self.out);
            for m in std::mem::take(&mut self.out) {
                match m {
                    GnssMeasurement::Fix(f) => {
                        self.stats.fixes += 1;
                        self.last_fix = Some((f.fix_type, f.unix_time_s - self.start_unix_s));
                        let out = self.loc.push_fix(&f);
                        if !out.events.iter().any(|e| matches!(e, LocalizeEvent::Rejected { .. })) {
                            self.rejecting = false;
                        }
                        self.note(&out.events);
                    }
                    GnssMeasurement::Heading(h) => {
                        self.stats.headings += 1;
                        let out = self.loc.push_heading(h);
                        self.note(&out.events);
                    }
                }
            }
        }
    }

    fn note(&mut self, events: &[LocalizeEvent]) {
        let t0 = self.start_unix_s;
        for e in events {
            let (t, name, detail) = match *e {
                LocalizeEvent::Rejected {
                    unix_time_s,
                    kind: MeasurementKind::Fix,
                    reason,
                } => {
                    if std::mem::replace(&mut self.rejecting, true) {
                        continue;
                    }
                    (
                        unix_time_s,
                        "fix-rejected",
                        format!("{reason} (the rejections that follow are counted in the next `reacquired` event)"),
                    )
                }
                LocalizeEvent::Reacquired {
                    unix_time_s,
                    rejected_fixes,
                    jump_m,
                } => {
                    self.rejecting = false;
                    (
                        unix_time_s,
                        "reacquired",
                        format!("after {rejected_fixes} rejected fixes: the estimate moved {jump_m:.3} m"),
                    )
                }
                LocalizeEvent::OutageStarted {
                    unix_time_s,
                    last_fix_s,
                } => (
                    unix_time_s,
                    "outage",
                    format!("no fix since {:.1} s: dead reckoning", last_fix_s - t0),
                ),
                LocalizeEvent::OutageEnded {
                    unix_time_s,
                    duration_s,
                } => (unix_time_s, "outage-ended", format!("after {duration_s:.1} s")),
                LocalizeEvent::QualityChanged { unix_time_s, from, to } => {
                    (unix_time_s, "quality", format!("{} -> {}", from.as_str(), to.as_str()))
                }
                _ => continue,
            };
            self.notable.push((t - t0, name, detail));
        }
    }

    /// The estimator's notable decisions since the last call: (simulator time s, name, detail).
    pub fn take_events(&mut self) -> Vec<(f64, &'static str, String)> {
        std::mem::take(&mut self.notable)
    }

    /// One odometry sample at simulator time `sim_t_s`: measured track speeds (m/s) and the
    /// gyro's yaw rate (rad/s) when there was a sample.
    pub fn odometry(&mut self, sim_t_s: f64, left_mps: f64, right_mps: f64, yaw_rate_rps: Option<f64>) {
        self.stats.odometry += 1;
        self.loc.push_odometry(OdometrySample {
            unix_time_s: self.unix_s(sim_t_s),
            left_track_mps: left_mps,
            right_track_mps: right_mps,
            yaw_rate_rps,
        });
    }

    /// The estimate at simulator time `sim_t_s` (`None` while aligning).
    pub fn estimate(&self, sim_t_s: f64) -> Option<Estimate> {
        self.loc.estimate_at(self.unix_s(sim_t_s))
    }

    /// Why the estimate at `sim_t_s` is not Good (`None`: it is).
    pub fn why_not_good(&self, sim_t_s: f64) -> Option<String> {
        self.loc.why_not_good_at(self.unix_s(sim_t_s))
    }

    /// What the receiver reports now, for the pre-flight (no fix for the last half second:
    /// none).
    pub fn fix_quality_at(&self, sim_t_s: f64) -> GnssQuality {
        match self.last_fix {
            Some((t, at)) if sim_t_s - at < 0.5 => match t {
                FixType::RtkFixed => GnssQuality::RtkFixed,
                FixType::RtkFloat => GnssQuality::RtkFloat,
                FixType::Dgps | FixType::Pps => GnssQuality::Dgps,
                FixType::Single => GnssQuality::Single,
                _ => GnssQuality::NoFix,
            },
            _ => GnssQuality::NoFix,
        }
    }

    pub fn stats(&self) -> NavStats {
        self.stats
    }
}

/// The estimate's pose of base_link.
pub fn pose_of(e: &Estimate) -> Pose {
    Pose::new(e.east_m, e.north_m, e.yaw_rad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::can::vehicle_model::ActuatorDemand;
    use crate::field::{Field, SafeSource};
    use crate::geodesy::{Datum, LatLon};
    use crate::sim::{Scenario, SimVehicle};
    use geo::{polygon, MultiPolygon};

    fn field() -> Field {
        Field {
            source: "nav-test".into(),
            datum: Datum::new(LatLon::new(39.8, 46.75)),
            hazard: MultiPolygon(vec![
                polygon![(x: 0.0, y: -10.0), (x: 60.0, y: -10.0), (x: 60.0, y: 10.0), (x: 0.0, y: 10.0)],
            ]),
            safe: MultiPolygon(vec![]),
            safe_source: SafeSource::Given,
            start: None,
        }
    }

    /// The simulator's NMEA goes through the parser and the localizer: the estimate follows the
    /// true pose to centimetres, and a corrupted sentence is counted, not used.
    #[test]
    fn nmea_and_odometry_give_an_estimate_that_follows_the_truth() {
        let m = MachineProfile::default_profile();
        let f = field();
        let cfg = SimConfig::new(&m, Scenario::quiet(7));
        let mut nav = Navigation::new(&m, &cfg, f.datum).unwrap();
        let mut sim = SimVehicle::new(cfg, &m, &f, Pose::new(0.0, 0.0, 0.0)).unwrap();
        let demand = ActuatorDemand {
            left_mps: 0.4,
            right_mps: 0.45,
            rotor_enable: false,
            rotor_rpm: 0.0,
            depth_m: 0.0,
            brake: false,
        };
        let mut worst = 0.0f64;
        let mut corrupted = false;
        for k in 0..600 {
            let before = sim.time_s();
            let truth = *sim.truth();
            sim.step(&demand, 0.1);
            let mut out = sim.take_outputs();
            if k == 300 {
                if let Some(s) = out.gnss.first_mut().and_then(|e| e.sentences.first_mut()) {
                    // one flipped digit: the checksum no longer matches
                    *s = s.replacen('1', "2", 1);
                    corrupted = true;
                }
            }
            nav.odometry(before, truth.left_track_mps, truth.right_track_mps, None);
            nav.gnss(&out.gnss);
            if let (Some(e), true) = (nav.estimate(sim.time_s()), k > 100) {
                let t = sim.truth().pose;
                worst = worst.max((e.east_m - t.x_m).hypot(e.north_m - t.y_m));
                assert_eq!(nav.fix_quality_at(sim.time_s()), GnssQuality::RtkFixed);
            }
        }
        assert!(corrupted);
        let s = nav.stats();
        assert_eq!(s.bad_sentences, 1, "{s:?}");
        assert!(s.fixes > 550 && s.headings > 550 && s.odometry == 600, "{s:?}");
        assert!(worst < 0.05, "worst position error {worst} m");
        // without fixes for a second the pre-flight sees no GNSS
        assert_eq!(nav.fix_quality_at(sim.time_s() + 1.0), GnssQuality::NoFix);
    }
}
