//! What the simulated ECU reports: status messages from the vehicle state, clamped to the
//! ranges the DBC gives (a sensor reading outside its signal's range is sent at the limit, as
//! a real ECU saturates), and the fault flags with their thresholds (domain reference §7).

use super::dbc::Dbc;
use super::protocol::{EngineStatus, FaultFlags, ImplementStatus, VehicleFeedback};
use super::vehicle_model::VehicleState;

/// Rotor circuit pressure above which the rotor counts as overloaded, bar.
pub const OVERPRESSURE_BAR: f64 = 320.0;
/// Coolant alarm temperature, °C.
pub const COOLANT_ALARM_C: f64 = 105.0;
/// Oil pressure alarm with the engine running, kPa.
pub const OIL_ALARM_KPA: f64 = 100.0;
/// Low fuel warning, %.
pub const LOW_FUEL_PCT: f64 = 10.0;

/// The periodic status messages built from the vehicle state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// TrackSpeeds.
    TrackSpeeds,
    /// ImplementStatus.
    Implement,
    /// EngineStatus.
    Engine,
}

/// `x` limited to the DBC range of `message.signal` (NaN reads as the lower limit).
fn saturate(message: &str, signal: &str, x: f64) -> f64 {
    let Ok(s) = Dbc::vehicle().message(message).and_then(|m| m.signal(signal).cloned()) else {
        return x;
    };
    if x.is_finite() {
        x.clamp(s.min, s.max)
    } else {
        s.min
    }
}

/// The status message `kind` for state `s`.
pub fn status(kind: Status, s: &VehicleState) -> VehicleFeedback {
    match kind {
        Status::TrackSpeeds => VehicleFeedback::TrackSpeeds {
            left_mps: saturate("TrackSpeeds", "LeftTrackSpeed", s.left_mps),
            right_mps: saturate("TrackSpeeds", "RightTrackSpeed", s.right_mps),
        },
        Status::Implement => VehicleFeedback::Implement(ImplementStatus {
            rotor_rpm: saturate("ImplementStatus", "RotorSpeed", s.rotor_rpm),
            depth_m: saturate("ImplementStatus", "RotorDepth", s.depth_m),
            hydraulic_pressure_bar: saturate("ImplementStatus", "HydraulicPressure", s.hydraulic_pressure_bar),
            hydraulic_temp_c: saturate("ImplementStatus", "HydraulicOilTemp", s.hydraulic_temp_c),
            rotor_enabled: s.rotor_enabled,
        }),
        Status::Engine => VehicleFeedback::Engine(EngineStatus {
            engine_rpm: saturate("EngineStatus", "EngineSpeed", s.engine_rpm),
            coolant_c: saturate("EngineStatus", "CoolantTemp", s.coolant_c),
            oil_pressure_kpa: saturate("EngineStatus", "OilPressure", s.oil_pressure_kpa),
            fuel_pct: saturate("EngineStatus", "FuelLevel", s.fuel_pct),
        }),
    }
}

/// The fault flags for state `s`.
pub fn fault_flags(s: &VehicleState, heartbeat_lost: bool, estop_latched: bool) -> FaultFlags {
    let mut f = FaultFlags {
        heartbeat_lost,
        estop_latched,
        hydraulic_overpressure: s.hydraulic_pressure_bar > OVERPRESSURE_BAR,
        coolant_overtemp: s.coolant_c > COOLANT_ALARM_C,
        low_oil_pressure: s.engine_rpm > 500.0 && s.oil_pressure_kpa < OIL_ALARM_KPA,
        rotor_stall: s.rotor_enabled && s.hydraulic_pressure_bar > OVERPRESSURE_BAR && s.rotor_rpm < 100.0,
        low_fuel: s.fuel_pct < LOW_FUEL_PCT,
        active_count: 0,
    };
    let flags = [
        f.heartbeat_lost,
        f.estop_latched,
        f.hydraulic_overpressure,
        f.coolant_overtemp,
        f.low_oil_pressure,
        f.rotor_stall,
        f.low_fuel,
    ];
    f.active_count = flags.iter().filter(|b| **b).count() as u8;
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_saturate_at_the_dbc_range_and_always_encode() {
        let wild = VehicleState {
            left_mps: 9.0,
            right_mps: f64::NAN,
            rotor_rpm: 5000.0,
            hydraulic_temp_c: -100.0,
            engine_rpm: 1e9,
            ..VehicleState::default()
        };
        for kind in [Status::TrackSpeeds, Status::Implement, Status::Engine] {
            assert!(status(kind, &wild).encode().is_ok(), "{kind:?}");
        }
        assert_eq!(
            status(Status::TrackSpeeds, &wild),
            VehicleFeedback::TrackSpeeds {
                left_mps: 3.0,
                right_mps: -3.0
            }
        );
    }

    #[test]
    fn fault_thresholds() {
        let s = VehicleState {
            hydraulic_pressure_bar: 330.0,
            rotor_enabled: true,
            fuel_pct: 5.0,
            ..Default::default()
        };
        let f = fault_flags(&s, true, false);
        assert!(f.hydraulic_overpressure && f.rotor_stall && f.low_fuel && f.heartbeat_lost);
        assert_eq!(f.active_count, 4);
    }
}
