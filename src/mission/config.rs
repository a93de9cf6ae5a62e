//! Thresholds of the safety supervisor, typed and validated once.

use super::MissionError;
use serde::{Deserialize, Serialize};

/// Who acknowledges detonations (and other holds that need a human).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AckPolicy {
    /// A human must send the acknowledgement (the field default).
    Operator,
    /// The simulator acknowledges after `auto_ack_delay_s` (for unattended runs only).
    AutoAfterDelay,
    /// Never acknowledged: a detonation ends the mission (aborted) — for tests of the hold.
    Never,
}

/// Safety supervisor configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SafetyConfig {
    /// Horizontal position σ above which GNSS counts as degraded, metres (0.02–2; default 0.15).
    pub sigma_degraded_m: f64,
    /// Time σ must stay below the limit before clearing resumes, s (0–60; default 2).
    pub gnss_recover_s: f64,
    /// Footprint and geofence checks inflate the footprint by `sigma_k` · σ (1–5; default 3).
    pub sigma_k: f64,
    /// Age of the last vehicle heartbeat that counts as link lost, s (0.1–5; default 0.5).
    pub link_timeout_s: f64,
    /// Time the link must be healthy again before resuming, s (0–60; default 1).
    pub link_recover_s: f64,
    /// A commanded rotor below this fraction of the minimum rpm is stalling (0.1–1; default 0.9).
    pub stall_fraction: f64,
    /// Time below that speed before a stall is declared, s (0.1–30; default 1.5).
    pub stall_time_s: f64,
    /// Length of the block marked around a detonation along the heading, m (1–50; default 5).
    pub detonation_block_m: f64,
    /// Keep the rotor turning while holding after a detonation (SOP choice; default true).
    pub hold_rotor_on_detonation: bool,
    /// Who acknowledges detonations.
    pub ack_policy: AckPolicy,
    /// Delay of the automatic acknowledgement, s (0–600; default 10).
    pub auto_ack_delay_s: f64,
    /// Resume by itself once a self-clearing fault (GNSS, link, stall) has cleared (default true).
    pub auto_resume: bool,
    /// Tolerated area of footprint on unprocessed ground before a violation, m² (0–0.5; default
    /// 0.05: five 0.1 m cells, the resolution of the processed-area grid along a 1.7 m edge).
    pub footprint_tolerance_m2: f64,
    /// Progress watchdog: clearing with no progress (a finished segment, `progress_min_m` of
    /// travel or a half-radian turn) for this long holds the mission with the reason, s (10–3600;
    /// default 300: five minutes, far above any interlock wait or re-entry the stack makes).
    pub progress_timeout_s: f64,
    /// … and held that way this long without an operator resume aborts it, s (0–3600; default 120).
    pub progress_abort_s: f64,
    /// Travel that counts as progress, m (0.1–10; default 1).
    pub progress_min_m: f64,
}

impl Default for SafetyConfig {
    fn default() -> Self {
        Self {
            sigma_degraded_m: 0.15,
            gnss_recover_s: 2.0,
            sigma_k: 3.0,
            link_timeout_s: 0.5,
            link_recover_s: 1.0,
            stall_fraction: 0.9,
            stall_time_s: 1.5,
            detonation_block_m: 5.0,
            hold_rotor_on_detonation: true,
            ack_policy: AckPolicy::Operator,
            auto_ack_delay_s: 10.0,
            auto_resume: true,
            footprint_tolerance_m2: 0.05,
            progress_timeout_s: 300.0,
            progress_abort_s: 120.0,
            progress_min_m: 1.0,
        }
    }
}

impl SafetyConfig {
    /// Check every range; an invalid value is an error, never silently changed.
    pub fn validate(&self) -> Result<(), MissionError> {
        let check = |field: &'static str, v: f64, lo: f64, hi: f64| {
            if v.is_finite() && (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(MissionError::Config {
                    field,
                    value: format!("{v}"),
                    why: format!("must be within {lo}..={hi}"),
                })
            }
        };
        check("sigma_degraded_m", self.sigma_degraded_m, 0.02, 2.0)?;
        check("gnss_recover_s", self.gnss_recover_s, 0.0, 60.0)?;
        check("sigma_k", self.sigma_k, 1.0, 5.0)?;
        check("link_timeout_s", self.link_timeout_s, 0.1, 5.0)?;
        check("link_recover_s", self.link_recover_s, 0.0, 60.0)?;
        check("stall_fraction", self.stall_fraction, 0.1, 1.0)?;
        check("stall_time_s", self.stall_time_s, 0.1, 30.0)?;
        check("detonation_block_m", self.detonation_block_m, 1.0, 50.0)?;
        check("auto_ack_delay_s", self.auto_ack_delay_s, 0.0, 600.0)?;
        check("footprint_tolerance_m2", self.footprint_tolerance_m2, 0.0, 0.5)?;
        check("progress_timeout_s", self.progress_timeout_s, 10.0, 3600.0)?;
        check("progress_abort_s", self.progress_abort_s, 0.0, 3600.0)?;
        check("progress_min_m", self.progress_min_m, 0.1, 10.0)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid_and_bad_values_are_refused() {
        SafetyConfig::default().validate().unwrap();
        type Case = (fn(&mut SafetyConfig), &'static str);
        let cases: [Case; 6] = [
            (|c| c.sigma_degraded_m = 0.0, "sigma_degraded_m"),
            (|c| c.sigma_k = f64::NAN, "sigma_k"),
            (|c| c.link_timeout_s = 10.0, "link_timeout_s"),
            (|c| c.detonation_block_m = -1.0, "detonation_block_m"),
            (|c| c.progress_timeout_s = 1.0, "progress_timeout_s"),
            (|c| c.progress_min_m = f64::INFINITY, "progress_min_m"),
        ];
        for (mutate, field) in cases {
            let mut c = SafetyConfig::default();
            mutate(&mut c);
            let err = c.validate().unwrap_err();
            assert!(err.to_string().contains(field), "{err}");
        }
    }
}
