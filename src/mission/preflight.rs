//! Pre-flight checks: GNSS quality, CAN link, vehicle heartbeat and the rotor spin test.
//!
//! The host gathers [`PreflightInputs`]; [`PreflightReport::evaluate`] decides. A mission only
//! becomes `ready` when every check passes.

use super::SafetyConfig;
use crate::machine::MachineProfile;
use serde::Serialize;

/// GNSS solution class, best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GnssQuality {
    RtkFixed,
    RtkFloat,
    Dgps,
    Single,
    NoFix,
}

impl GnssQuality {
    pub fn as_str(self) -> &'static str {
        match self {
            GnssQuality::RtkFixed => "RTK fixed",
            GnssQuality::RtkFloat => "RTK float",
            GnssQuality::Dgps => "DGPS",
            GnssQuality::Single => "single point",
            GnssQuality::NoFix => "no fix",
        }
    }
}

/// What the host measured before the start.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PreflightInputs {
    /// Current GNSS solution class.
    pub gnss: GnssQuality,
    /// Horizontal position σ of the estimator, metres.
    pub sigma_h_m: f64,
    /// The CAN adapter is open and frames are flowing.
    pub link_connected: bool,
    /// Age of the last vehicle heartbeat, s (`None`: never received).
    pub heartbeat_age_s: Option<f64>,
    /// Highest rotor speed reached in the spin test, rpm (`None`: test not run).
    pub spin_peak_rpm: Option<f64>,
    /// Time the spin test took to reach the minimum rpm, s (`None`: never reached).
    pub spin_time_to_min_s: Option<f64>,
}

/// One check and its verdict.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckResult {
    pub name: &'static str,
    pub passed: bool,
    pub detail: String,
}

/// All checks.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PreflightReport {
    pub checks: Vec<CheckResult>,
}

/// Longest accepted rotor spin-up to the minimum rpm, s.
pub const MAX_SPIN_UP_S: f64 = 20.0;

impl PreflightReport {
    /// Judge the inputs against the machine and the safety thresholds.
    pub fn evaluate(inp: &PreflightInputs, m: &MachineProfile, cfg: &SafetyConfig) -> Self {
        let mut checks = Vec::new();
        let mut push = |name, passed, detail: String| checks.push(CheckResult { name, passed, detail });
        push(
            "gnss",
            inp.gnss == GnssQuality::RtkFixed && inp.sigma_h_m <= cfg.sigma_degraded_m,
            format!(
                "{}, σ {} (need RTK fixed, σ ≤ {} m)",
                inp.gnss.as_str(),
                if inp.sigma_h_m.is_finite() {
                    format!("{:.3} m", inp.sigma_h_m)
                } else {
                    "unknown (no estimate yet)".into()
                },
                cfg.sigma_degraded_m
            ),
        );
        push(
            "can_link",
            inp.link_connected,
            if inp.link_connected {
                "adapter open, vehicle frames arriving".into()
            } else {
                "no frame from the vehicle".into()
            },
        );
        let hb_ok = inp.heartbeat_age_s.is_some_and(|a| a <= cfg.link_timeout_s);
        push(
            "vehicle_heartbeat",
            hb_ok,
            match inp.heartbeat_age_s {
                Some(a) => format!("last heartbeat {a:.2} s ago (limit {} s)", cfg.link_timeout_s),
                None => "no heartbeat received".into(),
            },
        );
        let spin_ok = inp.spin_peak_rpm.is_some_and(|r| r >= m.rotor_rpm_min)
            && inp.spin_time_to_min_s.is_some_and(|t| t <= MAX_SPIN_UP_S);
        push(
            "rotor_spin_test",
            spin_ok,
            format!(
                "{}, {} (need {:.0} rpm within {MAX_SPIN_UP_S:.0} s)",
                match inp.spin_peak_rpm {
                    Some(r) => format!("peak {r:.0} rpm"),
                    None => "spin test not run".into(),
                },
                match inp.spin_time_to_min_s {
                    Some(t) => format!("minimum reached after {t:.1} s"),
                    None => "minimum never reached".into(),
                },
                m.rotor_rpm_min
            ),
        );
        Self { checks }
    }

    /// Every check passed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.passed)
    }

    /// Every check in plain words: `gnss ok (…); rotor_spin_test FAILED (…)`.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = self
            .checks
            .iter()
            .map(|c| format!("{} {} ({})", c.name, if c.passed { "ok" } else { "FAILED" }, c.detail))
            .collect();
        parts.join("; ")
    }

    /// The failed checks in plain words.
    pub fn describe_failures(&self) -> String {
        let parts: Vec<String> = self
            .checks
            .iter()
            .filter(|c| !c.passed)
            .map(|c| format!("{}: {}", c.name, c.detail))
            .collect();
        parts.join("; ")
    }

    /// Names of the failed checks.
    pub fn failures(&self) -> Vec<&'static str> {
        self.checks.iter().filter(|c| !c.passed).map(|c| c.name).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> PreflightInputs {
        PreflightInputs {
            gnss: GnssQuality::RtkFixed,
            sigma_h_m: 0.02,
            link_connected: true,
            heartbeat_age_s: Some(0.1),
            spin_peak_rpm: Some(600.0),
            spin_time_to_min_s: Some(4.0),
        }
    }

    #[test]
    fn each_check_fails_alone() {
        let m = MachineProfile::default_profile();
        let cfg = SafetyConfig::default();
        assert!(PreflightReport::evaluate(&good(), &m, &cfg).passed());
        type Case = (fn(&mut PreflightInputs), &'static str);
        let cases: [Case; 7] = [
            (|i| i.gnss = GnssQuality::RtkFloat, "gnss"),
            (|i| i.sigma_h_m = 0.5, "gnss"),
            (|i| i.link_connected = false, "can_link"),
            (|i| i.heartbeat_age_s = None, "vehicle_heartbeat"),
            (|i| i.heartbeat_age_s = Some(2.0), "vehicle_heartbeat"),
            (|i| i.spin_peak_rpm = Some(100.0), "rotor_spin_test"),
            (|i| i.spin_time_to_min_s = None, "rotor_spin_test"),
        ];
        for (mutate, name) in cases {
            let mut i = good();
            mutate(&mut i);
            let r = PreflightReport::evaluate(&i, &m, &cfg);
            assert_eq!(r.failures(), vec![name], "{i:?}");
            // plain words: no Rust option syntax, units on the figures
            let text = r.describe();
            assert!(!text.contains("Some(") && !text.contains("None"), "{text}");
            assert!(r.describe_failures().starts_with(name), "{}", r.describe_failures());
        }
        let mut i = good();
        i.spin_peak_rpm = Some(0.0);
        i.spin_time_to_min_s = None;
        let r = PreflightReport::evaluate(&i, &m, &cfg);
        assert_eq!(
            r.describe_failures(),
            "rotor_spin_test: peak 0 rpm, minimum never reached (need 400 rpm within 20 s)"
        );
    }
}
