//! The implement: a hydraulically driven flail/tiller rotor and its depth.
//!
//! The rotor spins up at `spinup_rpm_s` towards its demand and runs down freely at
//! `rundown_rpm_s` when the drive is off. Processing ground loads it: the steady speed falls by
//! `load_rpm_per_m3s` per m³/s of soil processed (depth × speed × width). The depth frame moves
//! at `depth_rate_mps` towards the demand while the rotor drive is on (lifted otherwise); the
//! depth actually processed falls with speed, `d = d_max·min(1, v_ref/v)` (domain reference §7),
//! with `d_max` and `v_ref` the machine profile's `depth_max_m` and `full_depth_speed_mps`
//! ([`ImplementParams::for_profile`]).
//! Rotor circuit pressure rises with speed and load; a stall (overload or injected) stops the
//! rotor with the pressure above the relief valve setting.

/// Implement parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct ImplementParams {
    /// Working width, m.
    pub width_m: f64,
    /// Spin-up rate, rpm/s. Default 150.
    pub spinup_rpm_s: f64,
    /// Free run-down rate, rpm/s (600 rpm in 7.5 s). Default 80.
    pub rundown_rpm_s: f64,
    /// Speed drop per m³/s of processed soil, rpm. Default 600.
    pub load_rpm_per_m3s: f64,
    /// Soil rate that stalls the rotor, m³/s. Default 0.25.
    pub stall_m3s: f64,
    /// Depth frame rate, m/s. Default 0.1.
    pub depth_rate_mps: f64,
    /// Largest processing depth, m. Default 0.30; from the profile's `depth_max_m`.
    pub depth_max_m: f64,
    /// Speed up to which the full depth is reached, m/s. Default 0.139 (0.5 km/h); from the
    /// profile's `full_depth_speed_mps`.
    pub depth_ref_speed_mps: f64,
    /// Pressure per rpm, bar. Default 0.2.
    pub pressure_bar_per_rpm: f64,
    /// Pressure per m³/s of processed soil, bar. Default 1000.
    pub pressure_bar_per_m3s: f64,
    /// Pressure while stalled (relief valve), bar. Default 340.
    pub stall_pressure_bar: f64,
}

impl ImplementParams {
    /// Parameters for a tool of `width_m`.
    pub fn for_width(width_m: f64) -> Self {
        Self {
            width_m,
            spinup_rpm_s: 150.0,
            rundown_rpm_s: 80.0,
            load_rpm_per_m3s: 600.0,
            stall_m3s: 0.25,
            depth_rate_mps: 0.1,
            depth_max_m: 0.30,
            depth_ref_speed_mps: 0.139,
            pressure_bar_per_rpm: 0.2,
            pressure_bar_per_m3s: 1000.0,
            stall_pressure_bar: 340.0,
        }
    }

    /// The implement of machine `m`: its width and its tool's depth model (`depth_max_m`,
    /// `full_depth_speed_mps`); the rotor's hydraulics are the defaults of [`Self::for_width`].
    pub fn for_profile(m: &crate::machine::MachineProfile) -> Self {
        Self {
            depth_max_m: m.depth_max_m,
            depth_ref_speed_mps: m.full_depth_speed_mps,
            ..Self::for_width(m.working_width_m)
        }
    }
}

/// Refuse a profile the simulated implement cannot run: at the profile's clearing speed its tool
/// must reach the profile's depth target (within the interlock's 5 mm) and the loaded rotor must
/// stay at or above the profile's minimum without stalling. Otherwise the interlock would hold the
/// machine at every lane start for ever; the message gives the figures and what would work.
///
/// # Units
/// Profile units (m, m/s, rpm); the model's parameters are [`ImplementParams::for_profile`].
pub fn check_profile(m: &crate::machine::MachineProfile) -> Result<(), String> {
    let p = ImplementParams::for_profile(m);
    let i = Implement::new(p.clone());
    let v = m.clearing_speed_mps;
    let reach_m = i.depth_at_speed(v, m.depth_target_m);
    let name = &m.name;
    if reach_m < m.depth_target_m - 0.005 {
        // the fastest speed at which the target depth is reached, and the deepest target at this speed
        let v_ok = p.depth_ref_speed_mps * p.depth_max_m / m.depth_target_m.max(1e-9);
        let hint = if m.depth_target_m > p.depth_max_m {
            format!(
                "the tool reaches at most {:.2} m at any speed (depth_max_m): lower depth_target_m to {:.2} m or less",
                p.depth_max_m, p.depth_max_m
            )
        } else {
            format!(
                "lower clearing_speed_mps to {:.3} m/s or less, or depth_target_m to {:.2} m or less \
                 (or, if the tool reaches deeper or keeps its depth faster, set depth_max_m / full_depth_speed_mps)",
                v_ok, reach_m
            )
        };
        return Err(format!(
            "machine {name:?}: at its clearing speed {v:.2} m/s the simulated {} reaches only {reach_m:.3} m deep \
             (full depth {:.2} m up to {:.3} m/s: depth_max_m, full_depth_speed_mps; d = d_max·v_ref/v above), but the profile asks depth_target_m {:.3} m: \
             the implement interlock would hold the machine at every lane start; {hint}",
            format!("{:?}", m.implement).to_lowercase(),
            p.depth_max_m,
            p.depth_ref_speed_mps,
            m.depth_target_m
        ));
    }
    let soil_m3s = reach_m * v * p.width_m;
    let rpm = m.rotor_rpm_target - p.load_rpm_per_m3s * soil_m3s;
    if soil_m3s > p.stall_m3s || rpm < m.rotor_rpm_min {
        return Err(format!(
            "machine {name:?}: at its clearing speed {v:.2} m/s and depth {reach_m:.2} m the simulated rotor processes \
             {soil_m3s:.3} m³/s of soil (stall at {:.2} m³/s) and runs at {rpm:.0} rpm under that load, below the \
             profile's rotor_rpm_min {:.0} rpm: lower clearing_speed_mps or raise rotor_rpm_target",
            p.stall_m3s, m.rotor_rpm_min
        ));
    }
    Ok(())
}

/// What the implement is asked to do.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct ImplementDemand {
    pub rotor_enable: bool,
    pub rotor_rpm: f64,
    pub depth_m: f64,
}

/// The implement's true state.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct ImplementState {
    pub rotor_rpm: f64,
    pub rotor_enabled: bool,
    /// Depth the frame is lowered to, m.
    pub frame_depth_m: f64,
    /// Depth the tool reaches at the current speed, `min(frame, d_max·min(1, v_ref/v))`, m
    /// (the frame depth when standing or reversing).
    pub processing_depth_m: f64,
    pub pressure_bar: f64,
    pub stalled: bool,
}

/// The simulated implement.
#[derive(Clone, Debug)]
pub struct Implement {
    params: ImplementParams,
    state: ImplementState,
    forced_stall_s: f64,
}

fn toward(x: f64, target: f64, max_step: f64) -> f64 {
    x + (target - x).clamp(-max_step, max_step)
}

impl Implement {
    pub fn new(params: ImplementParams) -> Self {
        Self {
            params,
            state: ImplementState {
                pressure_bar: 5.0,
                ..Default::default()
            },
            forced_stall_s: 0.0,
        }
    }

    pub fn state(&self) -> &ImplementState {
        &self.state
    }

    pub fn params(&self) -> &ImplementParams {
        &self.params
    }

    /// Stalls the rotor for `duration_s` (fault injection).
    pub fn force_stall(&mut self, duration_s: f64) {
        self.forced_stall_s = self.forced_stall_s.max(duration_s);
    }

    /// Depth processed at ground speed `v` with the frame at `frame_m`.
    ///
    /// # Units
    /// `speed_mps` m/s (forward positive), `frame_m` metres; result metres.
    pub fn depth_at_speed(&self, speed_mps: f64, frame_m: f64) -> f64 {
        if speed_mps <= 0.0 {
            return frame_m.min(self.params.depth_max_m);
        }
        let cap = self.params.depth_max_m * (self.params.depth_ref_speed_mps / speed_mps).min(1.0);
        frame_m.min(cap)
    }

    /// Advances by `dt_s` with the machine moving forward at `speed_mps`.
    ///
    /// # Units
    /// `speed_mps` m/s, `dt_s` s.
    pub fn step(&mut self, d: ImplementDemand, speed_mps: f64, dt_s: f64) -> &ImplementState {
        let p = &self.params;
        let s = &mut self.state;
        self.forced_stall_s = (self.forced_stall_s - dt_s).max(0.0);
        s.rotor_enabled = d.rotor_enable;
        let frame_target = if d.rotor_enable {
            d.depth_m.clamp(0.0, p.depth_max_m)
        } else {
            0.0
        };
        s.frame_depth_m = toward(s.frame_depth_m, frame_target, p.depth_rate_mps * dt_s);
        let cap = if speed_mps > 0.0 {
            p.depth_max_m * (p.depth_ref_speed_mps / speed_mps).min(1.0)
        } else {
            p.depth_max_m
        };
        let depth = s.frame_depth_m.min(cap);
        // Soil processed per second while moving forward with the rotor turning.
        let soil_m3s = if s.rotor_rpm > 1.0 {
            depth * speed_mps.max(0.0) * p.width_m
        } else {
            0.0
        };
        let overload = soil_m3s > p.stall_m3s && d.rotor_enable;
        s.stalled =
            self.forced_stall_s > 0.0 || overload || (s.stalled && d.rotor_enable && soil_m3s > 0.5 * p.stall_m3s);
        if s.stalled {
            s.rotor_rpm = toward(s.rotor_rpm, 0.0, 4.0 * p.rundown_rpm_s * dt_s);
            s.pressure_bar = if d.rotor_enable { p.stall_pressure_bar } else { 5.0 };
        } else if d.rotor_enable {
            let target = (d.rotor_rpm - p.load_rpm_per_m3s * soil_m3s).max(0.0);
            let rate = if target >= s.rotor_rpm {
                p.spinup_rpm_s
            } else {
                p.rundown_rpm_s
            };
            s.rotor_rpm = toward(s.rotor_rpm, target, rate * dt_s);
            s.pressure_bar = 20.0 + p.pressure_bar_per_rpm * s.rotor_rpm + p.pressure_bar_per_m3s * soil_m3s;
        } else {
            s.rotor_rpm = toward(s.rotor_rpm, 0.0, p.rundown_rpm_s * dt_s);
            s.pressure_bar = 5.0;
        }
        s.processing_depth_m = depth;
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on() -> ImplementDemand {
        ImplementDemand {
            rotor_enable: true,
            rotor_rpm: 600.0,
            depth_m: 0.25,
        }
    }

    fn run(i: &mut Implement, d: ImplementDemand, v: f64, secs: f64) {
        for _ in 0..(secs / 0.01) as usize {
            i.step(d, v, 0.01);
        }
    }

    #[test]
    fn spins_up_drops_under_load_and_runs_down() {
        let mut i = Implement::new(ImplementParams::for_width(1.9));
        run(&mut i, on(), 0.0, 2.0);
        assert!(i.state().rotor_rpm > 250.0 && i.state().rotor_rpm < 350.0);
        run(&mut i, on(), 0.0, 5.0);
        assert!((i.state().rotor_rpm - 600.0).abs() < 1e-6);
        assert!((i.state().frame_depth_m - 0.25).abs() < 1e-9);
        run(&mut i, on(), 0.14, 10.0);
        let s = *i.state();
        assert!(s.rotor_rpm < 590.0 && s.rotor_rpm > 500.0, "{s:?}");
        assert!((s.processing_depth_m - 0.25).abs() < 1e-9);
        assert!(s.pressure_bar > 150.0 && s.pressure_bar < 300.0, "{s:?}");
        run(&mut i, ImplementDemand::default(), 0.0, 3.0);
        assert!(i.state().rotor_rpm > 200.0, "runs down, not at once");
        run(&mut i, ImplementDemand::default(), 0.0, 10.0);
        assert_eq!(i.state().rotor_rpm, 0.0);
    }

    #[test]
    fn profiles_the_simulated_implement_cannot_run_are_refused_with_the_figures() {
        use crate::machine::MachineProfile;
        check_profile(&MachineProfile::default_profile()).unwrap();
        let tiller =
            MachineProfile::from_yaml(include_str!("../../machines/large_tiller.yaml"), "large_tiller.yaml").unwrap();
        // the shipped tiller mills to 0.55 m: at 0.22 m/s it still reaches 0.55 · 0.139 / 0.22 = 0.348 m
        check_profile(&tiller).unwrap();
        let i = Implement::new(ImplementParams::for_profile(&tiller));
        assert!((i.depth_at_speed(0.22, 1.0) - 0.55 * 0.139 / 0.22).abs() < 1e-9);
        // the same machine with a flail's 0.30 m tool cannot keep 0.30 m at 0.22 m/s
        let shallow = MachineProfile {
            depth_max_m: 0.30,
            ..tiller.clone()
        };
        let e = check_profile(&shallow).unwrap_err();
        // 0.30 m · 0.139 / 0.22 = 0.190 m
        for figure in [
            "0.22 m/s",
            "0.190 m",
            "depth_target_m 0.300 m",
            "0.139 m/s",
            "depth_max_m",
        ] {
            assert!(e.contains(figure), "{figure}: {e}");
        }
        let slow = MachineProfile {
            clearing_speed_mps: 0.13,
            ..shallow.clone()
        };
        check_profile(&slow).unwrap();
        // the tool keeps its full depth faster: the profile's full_depth_speed_mps is used
        let fast_tool = MachineProfile {
            full_depth_speed_mps: 0.22,
            ..shallow.clone()
        };
        check_profile(&fast_tool).unwrap();
        let deep = MachineProfile {
            depth_target_m: 0.4,
            clearing_speed_mps: 0.05,
            ..shallow.clone()
        };
        assert!(check_profile(&deep).unwrap_err().contains("at most 0.30 m"));
        let weak = MachineProfile {
            rotor_rpm_target: 380.0,
            rotor_rpm_min: 370.0,
            clearing_speed_mps: 0.13,
            ..shallow
        };
        assert!(check_profile(&weak).unwrap_err().contains("rotor_rpm_min 370 rpm"));
    }

    #[test]
    fn depth_falls_with_speed() {
        let i = Implement::new(ImplementParams::for_width(1.9));
        assert!((i.depth_at_speed(0.139, 0.25) - 0.25).abs() < 1e-9);
        assert!((i.depth_at_speed(0.278, 0.25) - 0.15).abs() < 1e-9);
    }

    #[test]
    fn injected_stall_stops_the_rotor_then_it_recovers() {
        let mut i = Implement::new(ImplementParams::for_width(1.9));
        run(&mut i, on(), 0.0, 6.0);
        i.force_stall(2.0);
        run(&mut i, on(), 0.0, 1.9);
        assert!(i.state().stalled && i.state().rotor_rpm < 1.0 && i.state().pressure_bar > 320.0);
        run(&mut i, on(), 0.0, 6.0);
        assert!(!i.state().stalled && i.state().rotor_rpm > 590.0);
    }
}
