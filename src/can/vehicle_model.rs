//! The vehicle behind the simulated ECU: a hook ([`VehicleModel`]) and a simple default model.
//!
//! The full simulator plugs its own vehicle in by implementing [`VehicleModel`]; the ECU logic
//! ([`crate::can::ecu`]) only sees actuator demands go in and measured state come out.

use std::time::Duration;

/// What the ECU asks of the machine this step.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct ActuatorDemand {
    /// Left track speed demand, m/s.
    pub left_mps: f64,
    /// Right track speed demand, m/s.
    pub right_mps: f64,
    /// Rotor drive engaged (off ⇒ the rotor runs down by itself).
    pub rotor_enable: bool,
    /// Rotor speed demand, rpm.
    pub rotor_rpm: f64,
    /// Working depth demand, m.
    pub depth_m: f64,
    /// Emergency stop: traction brakes applied at once (stop category 0).
    pub brake: bool,
}

/// What the machine's sensors read.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct VehicleState {
    /// Left track speed, m/s.
    pub left_mps: f64,
    /// Right track speed, m/s.
    pub right_mps: f64,
    /// Rotor speed, rpm.
    pub rotor_rpm: f64,
    /// Rotor drive engaged.
    pub rotor_enabled: bool,
    /// Working depth, m.
    pub depth_m: f64,
    /// Rotor circuit pressure, bar.
    pub hydraulic_pressure_bar: f64,
    /// Hydraulic oil temperature, °C.
    pub hydraulic_temp_c: f64,
    /// Engine speed, rpm.
    pub engine_rpm: f64,
    /// Coolant temperature, °C.
    pub coolant_c: f64,
    /// Oil pressure, kPa.
    pub oil_pressure_kpa: f64,
    /// Fuel level, %.
    pub fuel_pct: f64,
}

/// A vehicle the simulated ECU drives.
pub trait VehicleModel: Send {
    /// Advances the machine by `dt` under `demand`.
    fn step(&mut self, demand: &ActuatorDemand, dt: Duration);
    /// The current sensor readings.
    fn state(&self) -> VehicleState;
    /// A detonation/shock since the last call, as peak acceleration in g.
    fn take_shock_g(&mut self) -> Option<f64> {
        None
    }
    /// A detonation under the rotor, peak acceleration in g (the simulated ECU's test hook).
    /// Models that produce their own shocks may ignore it.
    fn inject_shock(&mut self, _peak_g: f64) {}
}

/// A first-order tracked flail: tracks ramp at `track_accel_mps2` (4× harder when braking on an
/// emergency stop), the rotor spins up at `rotor_spinup_rpm_s` and runs down freely at
/// `rotor_rundown_rpm_s` (600 rpm in 6 s), depth follows at `depth_rate_mps`.
#[derive(Clone, Debug)]
pub struct SimpleVehicle {
    /// Track acceleration, m/s².
    pub track_accel_mps2: f64,
    /// Rotor spin-up rate, rpm/s.
    pub rotor_spinup_rpm_s: f64,
    /// Rotor free run-down rate, rpm/s.
    pub rotor_rundown_rpm_s: f64,
    /// Depth rate, m/s.
    pub depth_rate_mps: f64,
    state: VehicleState,
    shock: Option<f64>,
}

impl Default for SimpleVehicle {
    fn default() -> Self {
        Self {
            track_accel_mps2: 1.0,
            rotor_spinup_rpm_s: 200.0,
            rotor_rundown_rpm_s: 100.0,
            depth_rate_mps: 0.1,
            state: VehicleState {
                hydraulic_temp_c: 55.0,
                engine_rpm: 800.0,
                coolant_c: 88.0,
                oil_pressure_kpa: 300.0,
                fuel_pct: 80.0,
                ..VehicleState::default()
            },
            shock: None,
        }
    }
}

fn approach(x: f64, target: f64, max_step: f64) -> f64 {
    x + (target - x).clamp(-max_step, max_step)
}

impl VehicleModel for SimpleVehicle {
    fn step(&mut self, d: &ActuatorDemand, dt: Duration) {
        let dt = dt.as_secs_f64();
        let s = &mut self.state;
        let accel = self.track_accel_mps2 * if d.brake { 4.0 } else { 1.0 } * dt;
        let (l, r) = if d.brake { (0.0, 0.0) } else { (d.left_mps, d.right_mps) };
        s.left_mps = approach(s.left_mps, l, accel);
        s.right_mps = approach(s.right_mps, r, accel);
        s.rotor_enabled = d.rotor_enable;
        s.rotor_rpm = if d.rotor_enable {
            let rate = if d.rotor_rpm >= s.rotor_rpm {
                self.rotor_spinup_rpm_s
            } else {
                self.rotor_rundown_rpm_s
            };
            approach(s.rotor_rpm, d.rotor_rpm, rate * dt)
        } else {
            approach(s.rotor_rpm, 0.0, self.rotor_rundown_rpm_s * dt)
        };
        let depth_target = if d.rotor_enable { d.depth_m } else { 0.0 };
        s.depth_m = approach(s.depth_m, depth_target, self.depth_rate_mps * dt);
        s.hydraulic_pressure_bar = if d.rotor_enable {
            40.0 + 0.25 * s.rotor_rpm + 300.0 * s.depth_m
        } else {
            5.0
        };
        let engine_target = if d.rotor_enable || l.abs() + r.abs() > 0.0 {
            1900.0
        } else {
            800.0
        };
        s.engine_rpm = approach(s.engine_rpm, engine_target, 500.0 * dt);
        s.hydraulic_temp_c = approach(s.hydraulic_temp_c, if d.rotor_enable { 65.0 } else { 55.0 }, 0.05 * dt);
        s.oil_pressure_kpa = 200.0 + 0.08 * s.engine_rpm;
        s.fuel_pct = (s.fuel_pct - 0.0015 * dt * s.engine_rpm / 1900.0).max(0.0);
    }

    fn state(&self) -> VehicleState {
        self.state
    }

    fn take_shock_g(&mut self) -> Option<f64> {
        self.shock.take()
    }

    fn inject_shock(&mut self, peak_g: f64) {
        self.shock = Some(peak_g);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotor_runs_down_when_disabled() {
        let mut v = SimpleVehicle::default();
        let on = ActuatorDemand {
            rotor_enable: true,
            rotor_rpm: 600.0,
            depth_m: 0.25,
            ..Default::default()
        };
        for _ in 0..400 {
            v.step(&on, Duration::from_millis(10));
        }
        assert!((v.state().rotor_rpm - 600.0).abs() < 1e-9);
        for _ in 0..300 {
            v.step(&ActuatorDemand::default(), Duration::from_millis(10));
        }
        assert!(
            v.state().rotor_rpm > 250.0 && v.state().rotor_rpm < 350.0,
            "runs down, not instantly"
        );
    }
}
