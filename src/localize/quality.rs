//! The quality verdict the mission and safety layers act on: [`Quality::Good`] (position good enough
//! to credit processed ground), [`Quality::Degraded`] (keep driving carefully, credit nothing),
//! [`Quality::Lost`] (stop). Thresholds live in [`QualityThresholds`].

use serde::{Deserialize, Serialize};

use crate::localize::LocalizeError;

/// The verdict on one estimate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Quality {
    Good,
    Degraded,
    Lost,
}

impl Quality {
    pub fn as_str(self) -> &'static str {
        match self {
            Quality::Good => "Good",
            Quality::Degraded => "Degraded",
            Quality::Lost => "Lost",
        }
    }
}

impl std::fmt::Display for Quality {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Limits for [`Quality`]. Horizontal sigma is the semi-major axis of the 1σ position ellipse.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QualityThresholds {
    /// `Good` needs horizontal sigma at or below this, metres. Default 0.10 (domain §5.4: credit
    /// ground only with σ_h ≤ 0.10 m).
    pub good_max_sigma_h_m: f64,
    /// `Good` needs yaw sigma at or below this, radians. Default 0.035 (2°: 5 cm at a footprint corner
    /// 1.5 m from the reference point).
    pub good_max_sigma_yaw_rad: f64,
    /// `Good` needs an accepted fix within this many seconds (dead reckoning is trusted this long).
    /// Default 5.
    pub good_max_dead_reckoning_s: f64,
    /// `Good` also needs an accepted RTK-fixed fix within `good_max_dead_reckoning_s`: float, DGPS and
    /// single-point errors are correlated over minutes, so averaging them down is not trusted for
    /// crediting ground (domain §5.4: RTK fixed, or float bridged for ≤ 5 s). Default true.
    pub good_requires_rtk_fixed: bool,
    /// Above this horizontal sigma the position is `Lost`, metres. Default 3 (an SBAS or autonomous fix is still a position: `Degraded`, not `Lost`).
    pub degraded_max_sigma_h_m: f64,
    /// Without an accepted fix for longer than this the position is `Lost`, seconds. Default 120.
    pub degraded_max_dead_reckoning_s: f64,
    /// After a re-acquisition (the filter conceded a jump) the verdict is at best `Degraded` for this
    /// long, so that the mission pauses and ground crossed meanwhile is not credited, seconds (≥ 0).
    /// Default 10.
    pub hold_degraded_after_reacquire_s: f64,
}

/// What the verdict is computed from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QualityInputs {
    /// Semi-major axis of the 1σ position ellipse, metres.
    pub sigma_h_m: f64,
    pub sigma_yaw_rad: f64,
    /// Seconds since the last accepted fix (∞ if none).
    pub since_fix_s: f64,
    /// Seconds since the last accepted RTK-fixed fix (∞ if none).
    pub since_rtk_fixed_s: f64,
    /// Seconds since the last re-acquisition (∞ if none).
    pub since_reacquire_s: f64,
}

impl Default for QualityThresholds {
    fn default() -> Self {
        Self {
            good_max_sigma_h_m: 0.10,
            good_max_sigma_yaw_rad: 0.035,
            good_max_dead_reckoning_s: 5.0,
            good_requires_rtk_fixed: true,
            degraded_max_sigma_h_m: 3.0,
            degraded_max_dead_reckoning_s: 120.0,
            hold_degraded_after_reacquire_s: 10.0,
        }
    }
}

impl QualityThresholds {
    pub fn validate(&self) -> Result<(), LocalizeError> {
        let bad = |field: &'static str, v: f64| LocalizeError::InvalidConfig {
            field,
            value: v.to_string(),
        };
        let pos = |v: f64| v.is_finite() && v > 0.0;
        if !pos(self.good_max_sigma_h_m) {
            return Err(bad("quality.good_max_sigma_h_m", self.good_max_sigma_h_m));
        }
        if !pos(self.good_max_sigma_yaw_rad) {
            return Err(bad("quality.good_max_sigma_yaw_rad", self.good_max_sigma_yaw_rad));
        }
        if !pos(self.good_max_dead_reckoning_s) {
            return Err(bad("quality.good_max_dead_reckoning_s", self.good_max_dead_reckoning_s));
        }
        if !pos(self.degraded_max_sigma_h_m) || self.degraded_max_sigma_h_m < self.good_max_sigma_h_m {
            return Err(bad(
                "quality.degraded_max_sigma_h_m (must be ≥ good_max_sigma_h_m)",
                self.degraded_max_sigma_h_m,
            ));
        }
        if !pos(self.degraded_max_dead_reckoning_s)
            || self.degraded_max_dead_reckoning_s < self.good_max_dead_reckoning_s
        {
            return Err(bad(
                "quality.degraded_max_dead_reckoning_s (must be ≥ good_max_dead_reckoning_s)",
                self.degraded_max_dead_reckoning_s,
            ));
        }
        if !(self.hold_degraded_after_reacquire_s.is_finite() && self.hold_degraded_after_reacquire_s >= 0.0) {
            return Err(bad(
                "quality.hold_degraded_after_reacquire_s",
                self.hold_degraded_after_reacquire_s,
            ));
        }
        Ok(())
    }

    /// Why an estimate is not [`Quality::Good`], in plain words with the figure and its limit
    /// (`None` when it is Good): the first criterion it misses, in the order of [`Self::classify`].
    pub fn why_not_good(&self, q: &QualityInputs) -> Option<String> {
        let dr = self.good_max_dead_reckoning_s;
        if !(q.sigma_h_m.is_finite() && q.sigma_yaw_rad.is_finite() && q.since_fix_s.is_finite()) {
            return Some("no position yet (no fix accepted)".into());
        }
        if q.sigma_h_m > self.good_max_sigma_h_m {
            return Some(format!(
                "position σ {:.3} m over {} m",
                q.sigma_h_m, self.good_max_sigma_h_m
            ));
        }
        if q.sigma_yaw_rad > self.good_max_sigma_yaw_rad {
            return Some(format!(
                "heading σ {:.1}° over {:.1}°",
                q.sigma_yaw_rad.to_degrees(),
                self.good_max_sigma_yaw_rad.to_degrees()
            ));
        }
        if q.since_fix_s > dr {
            return Some(format!("no fix accepted for {:.2} s (limit {dr} s)", q.since_fix_s));
        }
        if self.good_requires_rtk_fixed && q.since_rtk_fixed_s > dr {
            return Some(if q.since_rtk_fixed_s.is_finite() {
                format!("no RTK-fixed fix for {:.2} s (limit {dr} s)", q.since_rtk_fixed_s)
            } else {
                "no RTK-fixed fix yet".into()
            });
        }
        if q.since_reacquire_s < self.hold_degraded_after_reacquire_s {
            return Some(format!(
                "re-acquired onto the fixes {:.1} s ago: held Degraded for {} s until it is vouched for",
                q.since_reacquire_s, self.hold_degraded_after_reacquire_s
            ));
        }
        None
    }

    /// The verdict for an estimate.
    pub fn classify(&self, q: &QualityInputs) -> Quality {
        if !(q.sigma_h_m.is_finite() && q.sigma_yaw_rad.is_finite() && q.since_fix_s.is_finite()) {
            return Quality::Lost;
        }
        let rtk_ok = !self.good_requires_rtk_fixed || q.since_rtk_fixed_s <= self.good_max_dead_reckoning_s;
        if q.sigma_h_m <= self.good_max_sigma_h_m
            && q.sigma_yaw_rad <= self.good_max_sigma_yaw_rad
            && q.since_fix_s <= self.good_max_dead_reckoning_s
            && rtk_ok
            && q.since_reacquire_s >= self.hold_degraded_after_reacquire_s
        {
            Quality::Good
        } else if q.sigma_h_m <= self.degraded_max_sigma_h_m && q.since_fix_s <= self.degraded_max_dead_reckoning_s {
            Quality::Degraded
        } else {
            Quality::Lost
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_table() {
        let q = QualityThresholds::default();
        let cases = [
            (0.02, 0.01, 0.1, 0.1, Quality::Good),
            (0.10, 0.01, 0.1, 4.0, Quality::Good),
            (0.05, 0.01, 0.1, 6.0, Quality::Degraded),
            (0.05, 0.01, 0.1, f64::INFINITY, Quality::Degraded),
            (0.11, 0.01, 0.1, 0.1, Quality::Degraded),
            (0.02, 0.05, 0.1, 0.1, Quality::Degraded),
            (0.02, 0.01, 6.0, 6.0, Quality::Degraded),
            (3.5, 0.01, 0.1, 0.1, Quality::Lost),
            (0.6, 0.01, 0.1, 0.1, Quality::Degraded),
            (0.2, 0.01, 200.0, 200.0, Quality::Lost),
            (f64::NAN, 0.01, 0.1, 0.1, Quality::Lost),
        ];
        for (s, y, t, r, want) in cases {
            let inputs = QualityInputs {
                sigma_h_m: s,
                sigma_yaw_rad: y,
                since_fix_s: t,
                since_rtk_fixed_s: r,
                since_reacquire_s: f64::INFINITY,
            };
            assert_eq!(q.classify(&inputs), want, "{s} {y} {t} {r}");
            // the words say why exactly when the verdict is not Good
            assert_eq!(
                q.why_not_good(&inputs).is_none(),
                want == Quality::Good,
                "{s} {y} {t} {r}"
            );
        }
        let just_reacquired = QualityInputs {
            sigma_h_m: 0.02,
            sigma_yaw_rad: 0.01,
            since_fix_s: 0.1,
            since_rtk_fixed_s: 0.1,
            since_reacquire_s: 3.0,
        };
        assert_eq!(q.classify(&just_reacquired), Quality::Degraded);
        let why = |i: QualityInputs| q.why_not_good(&i).unwrap();
        assert!(why(just_reacquired).contains("re-acquired onto the fixes 3.0 s ago"));
        let heading = QualityInputs {
            sigma_yaw_rad: 0.05,
            ..just_reacquired
        };
        assert_eq!(why(heading), "heading σ 2.9° over 2.0°");
        let no_rtk = QualityInputs {
            since_rtk_fixed_s: 6.0,
            since_reacquire_s: f64::INFINITY,
            ..just_reacquired
        };
        assert_eq!(why(no_rtk), "no RTK-fixed fix for 6.00 s (limit 5 s)");
    }

    #[test]
    fn inverted_thresholds_are_refused() {
        let q = QualityThresholds {
            degraded_max_sigma_h_m: 0.05,
            ..Default::default()
        };
        assert!(q.validate().is_err());
    }
}
