//! [`Localizer`]: the estimator's public face. Converts fixes into the local frame (through
//! [`crate::geodesy`]), keeps a short history so that late, out-of-order measurements are applied
//! at their own time stamps (restore the snapshot before them, apply, replay the rest), and returns
//! every decision as data.

use std::collections::VecDeque;

use nalgebra::SMatrix;

use crate::geodesy::{Datum, LatLon};
use crate::gnss::{GnssFix, GnssHeading};
use crate::localize::config::LocalizerConfig;
use crate::localize::core::{Core, EnuFix, Measurement, OdometrySample};
use crate::localize::output::{Estimate, LocalizeEvent, LocalizerStats, MeasurementKind, RejectReason};
use crate::localize::quality::Quality;
use crate::localize::LocalizeError;

/// What a `push_*` call returns.
#[derive(Clone, Debug, PartialEq)]
pub struct StepOutput {
    /// The newest estimate (at the newest measurement time), `None` while aligning.
    pub estimate: Option<Estimate>,
    /// Decisions taken on this measurement.
    pub events: Vec<LocalizeEvent>,
}

struct Entry {
    m: Measurement,
    after: Core,
}

/// GNSS + track odometry (+ gyro) fusion.
pub struct Localizer {
    cfg: LocalizerConfig,
    datum: Option<Datum>,
    /// State before the oldest history entry.
    base: Core,
    history: VecDeque<Entry>,
    newest_s: f64,
    replayed_late: u64,
    too_late: u64,
    time_jumps: u64,
    /// Consecutive measurements beyond `max_forward_jump_s`.
    jump_streak: u32,
}

/// Consecutive measurements on a new, later time line needed to accept it.
const TIME_JUMP_CONFIRMATIONS: u32 = 20;

impl Localizer {
    /// A localizer with a validated config. `datum`: the field's origin, or `None` to take the first
    /// usable fix.
    pub fn new(config: LocalizerConfig, datum: Option<Datum>) -> Result<Self, LocalizeError> {
        let cfg = config.validate()?;
        if let Some(d) = datum {
            if !d.origin.is_valid() {
                return Err(LocalizeError::InvalidDatum {
                    lat_deg: d.origin.lat_deg,
                    lon_deg: d.origin.lon_deg,
                });
            }
        }
        Ok(Self {
            cfg,
            datum,
            base: Core::default(),
            history: VecDeque::new(),
            newest_s: f64::NEG_INFINITY,
            replayed_late: 0,
            too_late: 0,
            time_jumps: 0,
            jump_streak: 0,
        })
    }

    pub fn config(&self) -> &LocalizerConfig {
        &self.cfg
    }

    /// The local frame's origin, once known.
    pub fn datum(&self) -> Option<Datum> {
        self.datum
    }

    fn latest(&self) -> &Core {
        self.history.back().map_or(&self.base, |e| &e.after)
    }

    /// The newest estimate, `None` while aligning.
    pub fn estimate(&self) -> Option<Estimate> {
        self.latest().estimate_at_filter_time(&self.cfg)
    }

    /// The newest estimate predicted forward to `unix_time_s` without changing the filter.
    pub fn estimate_at(&self, unix_time_s: f64) -> Option<Estimate> {
        self.latest().estimate_at(unix_time_s, &self.cfg)
    }

    /// Why the estimate predicted to `unix_time_s` is not Good, in plain words with figures
    /// (`None` when Good or while aligning).
    pub fn why_not_good_at(&self, unix_time_s: f64) -> Option<String> {
        self.latest().why_not_good_at(unix_time_s, &self.cfg)
    }

    /// The newest quality verdict (`Lost` while aligning).
    pub fn quality(&self) -> Quality {
        self.estimate().map_or(Quality::Lost, |e| e.quality)
    }

    pub fn stats(&self) -> LocalizerStats {
        LocalizerStats {
            replayed_late: self.replayed_late,
            too_late: self.too_late,
            time_jumps: self.time_jumps,
            ..self.latest().stats
        }
    }

    /// Estimate position converted to WGS84, when the datum is known.
    pub fn to_latlon(&self, e: &Estimate) -> Option<LatLon> {
        self.datum.map(|d| d.to_latlon_2d(e.east_m, e.north_m))
    }

    /// Apply one odometry sample.
    pub fn push_odometry(&mut self, sample: OdometrySample) -> StepOutput {
        self.push(Measurement::Odometry(sample))
    }

    /// Apply one dual-antenna heading.
    pub fn push_heading(&mut self, heading: GnssHeading) -> StepOutput {
        self.push(Measurement::Heading(heading))
    }

    /// Apply one GNSS fix. The first usable fix sets the datum when none was given.
    pub fn push_fix(&mut self, fix: &GnssFix) -> StepOutput {
        let t = fix.unix_time_s;
        let mut events = Vec::new();
        let usable = fix.position.is_valid() && t.is_finite();
        if !usable || fix.covariance.is_some_and(|c| !c.is_valid()) {
            return self.rejected_now(t, MeasurementKind::Fix, RejectReason::InvalidValues);
        }
        let sigmas = &self.cfg.fix_sigmas;
        let Some(default_sigma) = sigmas.for_type(fix.fix_type) else {
            // Not a measurement: still goes through the history so the decision is recorded in order.
            let enu = EnuFix {
                unix_time_s: t,
                east_m: 0.0,
                north_m: 0.0,
                r_m2: SMatrix::identity(),
                fix_type: fix.fix_type,
            };
            return self.push(Measurement::Fix(enu));
        };
        let datum = *self.datum.get_or_insert_with(|| Datum::new(fix.position));
        let (east_m, north_m) = datum.to_enu_2d(fix.position);
        let mut sigma_floor = default_sigma * sigmas.reported_floor_fraction;
        if let Some(age) = fix.correction_age_s {
            if fix.fix_type.uses_corrections() && age > self.cfg.gating.max_correction_age_s {
                sigma_floor = sigma_floor.max(sigmas.single_m);
                events.push(LocalizeEvent::StaleCorrections {
                    unix_time_s: t,
                    correction_age_s: age,
                });
            }
        }
        let mut r = match fix.covariance {
            Some(c) => SMatrix::<f64, 2, 2>::new(c.east_east_m2, c.east_north_m2, c.east_north_m2, c.north_north_m2),
            // No reported sigmas: the fix type's default at HDOP ≤ 1, scaled up by a larger HDOP.
            None => {
                let hdop = fix
                    .hdop
                    .filter(|h| h.is_finite() && *h > 0.0)
                    .map_or(1.0, |h| h.clamp(1.0, 50.0));
                SMatrix::<f64, 2, 2>::identity() * (default_sigma * hdop).max(sigma_floor).powi(2)
            }
        };
        for i in 0..2 {
            r[(i, i)] = r[(i, i)].max(sigma_floor * sigma_floor);
        }
        let enu = EnuFix {
            unix_time_s: t,
            east_m,
            north_m,
            r_m2: r,
            fix_type: fix.fix_type,
        };
        let mut out = self.push(Measurement::Fix(enu));
        events.append(&mut out.events);
        out.events = events;
        out
    }

    fn rejected_now(&self, t: f64, kind: MeasurementKind, reason: RejectReason) -> StepOutput {
        StepOutput {
            estimate: self.estimate(),
            events: vec![LocalizeEvent::Rejected {
                unix_time_s: t,
                kind,
                reason,
            }],
        }
    }

    fn push(&mut self, m: Measurement) -> StepOutput {
        let t = m.unix_time_s();
        if !t.is_finite() {
            return self.rejected_now(t, m.kind(), RejectReason::InvalidValues);
        }
        let window = self.cfg.history_window_s;
        if t < self.newest_s - window {
            self.too_late += 1;
            let reason = RejectReason::TooLate {
                lateness_s: self.newest_s - t,
                window_s: window,
            };
            return self.rejected_now(t, m.kind(), reason);
        }
        let limit_s = self.cfg.max_forward_jump_s;
        if self.newest_s.is_finite() && t > self.newest_s + limit_s {
            self.jump_streak += 1;
            if self.jump_streak < TIME_JUMP_CONFIRMATIONS {
                self.time_jumps += 1;
                let reason = RejectReason::TimeJump {
                    ahead_s: t - self.newest_s,
                    limit_s,
                };
                return self.rejected_now(t, m.kind(), reason);
            }
        }
        self.jump_streak = 0;
        let mut events = Vec::new();
        let at = self.history.partition_point(|e| e.m.unix_time_s() <= t);
        let mut core = if at == 0 { self.base } else { self.history[at - 1].after };
        core.process(&m, &self.cfg, &mut events);
        let entry = Entry { m, after: core };
        if at < self.history.len() {
            // Late measurement: replay everything after it. Their events were reported when they
            // first arrived; the counters follow the replayed decisions.
            self.replayed_late += 1;
            let mut discard = Vec::new();
            for e in self.history.range_mut(at..) {
                core.process(&e.m, &self.cfg, &mut discard);
                e.after = core;
            }
            self.history.insert(at, entry);
        } else {
            self.history.push_back(entry);
        }
        self.newest_s = self.newest_s.max(t);
        while self
            .history
            .front()
            .is_some_and(|e| e.m.unix_time_s() < self.newest_s - window)
        {
            if let Some(e) = self.history.pop_front() {
                self.base = e.after;
            }
        }
        StepOutput {
            estimate: self.estimate(),
            events,
        }
    }
}
