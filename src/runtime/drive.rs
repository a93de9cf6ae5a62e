//! Driving a mission from its pre-flight to its end, progress and the summary figures.

use super::run::{Progress, SimSummary};
use super::tick::Host;
use super::RuntimeError;
use crate::mission::preflight::{PreflightInputs, PreflightReport};
use crate::mission::{Input, MissionState};
use std::time::Instant;

impl Host<'_> {
    /// Pre-flight (heartbeat, GNSS, rotor spin test), start or resume, then clear to the end.
    pub fn run(&mut self, progress: &mut dyn FnMut(&Progress), wall0: Instant) -> Result<(), RuntimeError> {
        let t_begin = self.p.t_s;
        let state = self.p.mission.state();
        if state.is_terminal() {
            return Ok(());
        }
        self.rotor_wanted = true;
        self.rotor_on_since = t_begin;
        let mut reached = None;
        while self.p.t_s - t_begin < 30.0 {
            self.tick()?;
            if reached.is_none() && self.rpm >= self.p.m.rotor_rpm_min {
                reached = Some(self.p.t_s - t_begin);
            }
            if reached.is_some() && self.p.t_s - t_begin > 5.0 {
                break;
            }
        }
        let t = self.p.t_s;
        let inputs = PreflightInputs {
            gnss: self.p.nav.fix_quality_at(self.p.can.ecu().model().time_s()),
            sigma_h_m: self.est.map_or(f64::INFINITY, |e| e.sigma_h_m),
            link_connected: self.p.can.stats().feedback > 0,
            heartbeat_age_s: self.p.can.heartbeat_age_s(t),
            spin_peak_rpm: Some(self.rpm),
            spin_time_to_min_s: reached,
        };
        let report = PreflightReport::evaluate(&inputs, self.p.m, &self.p.opts.safety);
        // recorded as an event on every run, the first and each one after a restart
        let passed = report.passed();
        if !passed {
            self.preflight_failure = Some(report.describe_failures());
        }
        self.feed(Input::Preflight(report))?;
        if !passed {
            self.close_track();
            self.flush()?;
            return Ok(());
        }
        match self.p.mission.state() {
            MissionState::Ready => self.feed(Input::Start)?,
            MissionState::Paused => self.feed(Input::Resume)?,
            _ => return Ok(()),
        }
        let mut ticks = 0u64;
        let sim0 = self.p.t_s;
        while !self.finished && !self.p.mission.state().is_terminal() {
            if self.p.t_s >= self.time_limit_s {
                let reason = format!(
                    "simulated time limit of {:.2} h reached (--max-sim-hours)",
                    self.time_limit_s / 3600.0
                );
                self.feed(Input::HostStop { reason })?;
                break;
            }
            self.tick()?;
            ticks += 1;
            if ticks % 200 == 0 {
                progress(&self.progress(wall0));
            }
            if self.p.opts.realtime {
                let ahead = (self.p.t_s - sim0) - wall0.elapsed().as_secs_f64();
                if ahead > 0.0 {
                    std::thread::sleep(std::time::Duration::from_secs_f64(ahead));
                }
            }
        }
        self.close_track();
        self.flush()?;
        if let Some(log) = self.sensor_log.as_mut() {
            log.flush()?;
        }
        // faults asked for that the mission never reached are said, not dropped
        let end = self.p.t_s;
        for inj in self.p.opts.injections.clone() {
            if inj.at_s() >= end {
                let what = format!(
                    "{} at {:.0} s was not injected: this run ended at {:.0} s",
                    inj,
                    inj.at_s(),
                    end
                );
                tracing::warn!("{what}");
                self.host_event("host", "fault-not-injected", what)?;
            }
        }
        progress(&self.progress(wall0));
        Ok(())
    }

    fn progress(&self, wall0: Instant) -> Progress {
        Progress {
            processed_fraction: self.p.grid.progress(),
            segment: self.p.mission.current_segment(),
            segments: self.p.mission.segments(),
            sim_s: self.p.t_s,
            wall_s: wall0.elapsed().as_secs_f64(),
            state: self.p.mission.state(),
        }
    }

    /// The figures of `summary.json` (read back from the record so they span restarts).
    pub fn summary(&self, wall_s: f64, resumed: bool) -> SimSummary {
        let r = &self.p.record;
        let track = r.track().unwrap_or_default();
        let path_length_m: f64 = track
            .windows(2)
            .map(|w| (w[1].x_m - w[0].x_m).hypot(w[1].y_m - w[0].y_m))
            .sum();
        let segments_done = r.resume_point().map(|rp| rp.next_segment).unwrap_or(0);
        // figures rounded to what they mean (mm, ms, 0.01 m²), not to binary noise
        let r3 = |v: f64| (v * 1e3).round() / 1e3;
        let r2 = |v: f64| (v * 1e2).round() / 1e2;
        SimSummary {
            state: self.p.mission.state(),
            processed_fraction: (self.p.grid.progress() * 1e6).round() / 1e6,
            residual_m2: r2(self.p.grid.residual_m2()),
            reprocess_pending_m2: r2(self.p.grid.reprocess_m2()),
            hazard_m2: r2(self.p.grid.hazard_m2()),
            footprint_violations: r.count_events("check", Some("footprint-violation")).unwrap_or(-1) as u32,
            detonations: r.detonations().map(|d| d.len() as u32).unwrap_or(0),
            safety_stops: r.count_events("safety", None).unwrap_or(-1) as u32,
            sim_duration_s: r3(self.p.t_s),
            wall_time_s: r3(wall_s),
            // this run's simulated time over its wall time (a resume simulates only the rest)
            speedup: (10.0 * (self.p.t_s - self.run_t0_s).max(0.0) / wall_s.max(1e-9)).round() / 10.0,
            max_cross_track_m: r3(r.max_cross_track_m().unwrap_or(f64::NAN)),
            path_length_m: r3(path_length_m),
            segments: self.p.motions.len(),
            segments_done,
            gap_fill_segments: self.p.motions.len().saturating_sub(self.planned_segments),
            resumed,
            seed: self.p.opts.seed,
            reason: self.end_reason(),
            time_limit_s: r3(self.time_limit_s),
            preflight_passed: self.preflight_failure.is_none(),
        }
    }

    /// Why the mission is where it is: the failed pre-flight, or the reason of the last transition.
    fn end_reason(&self) -> String {
        if let Some(f) = &self.preflight_failure {
            return format!("pre-flight failed: {f}");
        }
        let ev = self.p.record.events().unwrap_or_default();
        let last = ev
            .iter()
            .rev()
            .find(|e| e.category == "transition")
            .map(|e| format!("{}: {}", e.name, e.detail))
            .unwrap_or_default();
        let pending = self.p.grid.reprocess_m2();
        if self.p.mission.state() == crate::mission::MissionState::Completed && pending > 0.0 {
            let why = ev
                .iter()
                .rev()
                .find(|e| e.name == "detonation-block-left")
                .map(|e| format!(": {}", e.detail))
                .unwrap_or_default();
            return format!("{last}, but {pending:.2} m² of detonation blocks are not processed again{why}");
        }
        last
    }
}
