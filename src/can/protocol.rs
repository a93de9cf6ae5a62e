//! The vehicle protocol as typed values, encoded and decoded through the shipped DBC.
//!
//! J1939-style 29-bit identifiers, all in the proprietary-B range (PDU2, PGN 0xFF00–0xFFFF);
//! host source address 0x2A, vehicle control unit 0x10. Byte layouts are those of
//! `can/vehicle.dbc` (little-endian signals; `docs/can.md` has the table):
//!
//! ```text
//! id          name              period  bytes
//! 0x00FF002A  EStop             event   [0].0 request  [1] reason
//! 0x0CFF012A  HostHeartbeat     100 ms  [0] counter  [1].0-3 host mode
//! 0x0CFF102A  DriveCommand      20 ms   [0-1] left  [2-3] right  (i16, 0.001 m/s)
//! 0x0CFF112A  ImplementCommand  100 ms  [0].0 rotor on  [1-2] rpm (0.5)  [3-4] depth (0.001 m)
//! 0x0CFF2010  TrackSpeeds       20 ms   [0-1] left  [2-3] right  (i16, 0.001 m/s)
//! 0x18FF2110  ImplementStatus   100 ms  [0-1] rpm (0.5) [2-3] depth (0.001 m) [4-5] bar (0.1) [6] °C-40 [7].0 on
//! 0x18FF2210  EngineStatus      100 ms  [0-1] rpm (0.125) [2] coolant °C-40 [3] oil (4 kPa) [4] fuel (0.4 %)
//! 0x08FF2310  Detonation        event   [0-1] peak (0.1 g)  [2] count
//! 0x18FF2410  FaultCodes        500 ms  [0] flags  [1] active count
//! 0x0CFF2510  VehicleHeartbeat  100 ms  [0] counter  [1].0-3 mode  [1].4-7 stop reason  [2] host counter echo
//! ```

use super::dbc::{Dbc, DbcError, MessageDef};
use super::frame::CanFrame;
pub use super::protocol_enums::{counter, EStopReason, HostMode, StopReason, VehicleMode};

/// Errors encoding or decoding protocol messages.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProtocolError {
    /// The DBC refused a value or a frame.
    #[error(transparent)]
    Dbc(#[from] DbcError),
}

/// Track speed setpoints. # Units: m/s, positive forward, ±3.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct DriveCommand {
    /// Left track speed setpoint, m/s.
    pub left_mps: f64,
    /// Right track speed setpoint, m/s.
    pub right_mps: f64,
}

/// Implement setpoints.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct ImplementCommand {
    /// Rotor (flail or tiller drum) on.
    pub rotor_enable: bool,
    /// Rotor speed setpoint, rpm, 0–1200.
    pub rotor_rpm: f64,
    /// Working depth setpoint, m, 0–0.5.
    pub depth_m: f64,
}

/// A command from host to vehicle.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub enum VehicleCommand {
    /// Track speeds.
    Drive(DriveCommand),
    /// Implement.
    Implement(ImplementCommand),
    /// Host heartbeat.
    Heartbeat {
        /// Rolling counter (see [`counter`]).
        counter: u8,
        /// Host mode.
        mode: HostMode,
    },
    /// Emergency stop (`stop: true`) or release of the latch (`stop: false`).
    EStop {
        /// Stop or release.
        stop: bool,
        /// Who asked.
        reason: EStopReason,
    },
}

/// Implement status.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct ImplementStatus {
    /// Rotor speed, rpm.
    pub rotor_rpm: f64,
    /// Working depth, m.
    pub depth_m: f64,
    /// Rotor circuit hydraulic pressure, bar.
    pub hydraulic_pressure_bar: f64,
    /// Hydraulic oil temperature, °C.
    pub hydraulic_temp_c: f64,
    /// Rotor drive engaged.
    pub rotor_enabled: bool,
}

/// Engine status.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct EngineStatus {
    /// Engine speed, rpm.
    pub engine_rpm: f64,
    /// Coolant temperature, °C.
    pub coolant_c: f64,
    /// Oil pressure, kPa.
    pub oil_pressure_kpa: f64,
    /// Fuel level, %.
    pub fuel_pct: f64,
}

/// Active faults, one named flag each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize)]
pub struct FaultFlags {
    /// Host heartbeat lost.
    pub heartbeat_lost: bool,
    /// Emergency stop latched.
    pub estop_latched: bool,
    /// Rotor circuit pressure above the stall threshold.
    pub hydraulic_overpressure: bool,
    /// Coolant over temperature.
    pub coolant_overtemp: bool,
    /// Oil pressure low.
    pub low_oil_pressure: bool,
    /// Rotor stalled.
    pub rotor_stall: bool,
    /// Fuel low.
    pub low_fuel: bool,
    /// Number of active faults.
    pub active_count: u8,
}

/// Feedback from vehicle to host.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub enum VehicleFeedback {
    /// Measured track speeds (odometry). # Units: m/s.
    TrackSpeeds {
        /// Left, m/s.
        left_mps: f64,
        /// Right, m/s.
        right_mps: f64,
    },
    /// Implement status.
    Implement(ImplementStatus),
    /// Engine status.
    Engine(EngineStatus),
    /// A detonation or shock.
    Detonation {
        /// Peak acceleration, g.
        shock_peak_g: f64,
        /// Detonations counted since start (wraps at 256).
        count: u8,
    },
    /// Fault flags.
    Faults(FaultFlags),
    /// Vehicle heartbeat.
    Heartbeat {
        /// Rolling counter.
        counter: u8,
        /// Mode.
        mode: VehicleMode,
        /// Why it stopped, if it did.
        stop_reason: StopReason,
        /// Last host heartbeat counter the vehicle accepted.
        host_counter_echo: u8,
    },
}

fn msg(name: &str) -> Result<&'static MessageDef, ProtocolError> {
    Ok(Dbc::vehicle().message(name)?)
}

fn flag(b: bool) -> f64 {
    f64::from(u8::from(b))
}

/// Decoded signals of a frame by name: `get("Signal")`; missing names read as 0.
struct Signals(Vec<(&'static str, f64)>);

impl Signals {
    fn of(frame: &CanFrame) -> Result<Option<(&'static str, Self)>, ProtocolError> {
        let Some(m) = Dbc::vehicle().message_by_id(frame.id()) else {
            return Ok(None);
        };
        let v = m.decode(frame.data())?;
        Ok(Some((
            m.name.as_str(),
            Signals(v.into_iter().map(|(s, x)| (s.name.as_str(), x)).collect()),
        )))
    }
    fn get(&self, n: &str) -> f64 {
        self.0.iter().find(|(k, _)| *k == n).map_or(0.0, |(_, v)| *v)
    }
    fn u8(&self, n: &str) -> u8 {
        self.get(n).round().clamp(0.0, 255.0) as u8
    }
    fn bit(&self, n: &str) -> bool {
        self.get(n) >= 0.5
    }
}

impl VehicleCommand {
    /// The DBC message name.
    pub fn message_name(&self) -> &'static str {
        match self {
            Self::Drive(_) => "DriveCommand",
            Self::Implement(_) => "ImplementCommand",
            Self::Heartbeat { .. } => "HostHeartbeat",
            Self::EStop { .. } => "EStop",
        }
    }

    /// Encodes through the DBC; out-of-range values are errors, never clamped.
    pub fn encode(&self) -> Result<CanFrame, ProtocolError> {
        let m = msg(self.message_name())?;
        let f = match *self {
            Self::Drive(d) => m.encode(&[("LeftTrackSpeedCmd", d.left_mps), ("RightTrackSpeedCmd", d.right_mps)]),
            Self::Implement(i) => m.encode(&[
                ("RotorEnableCmd", flag(i.rotor_enable)),
                ("RotorSpeedSetpoint", i.rotor_rpm),
                ("DepthSetpoint", i.depth_m),
            ]),
            Self::Heartbeat { counter, mode } => m.encode(&[
                ("HostCounter", f64::from(counter)),
                ("HostMode", f64::from(mode.to_raw())),
            ]),
            Self::EStop { stop, reason } => m.encode(&[
                ("EStopRequest", flag(stop)),
                ("EStopReason", f64::from(reason.to_raw())),
            ]),
        }?;
        Ok(f)
    }

    /// Decodes a frame; `Ok(None)` when the identifier is not a host command.
    pub fn decode(frame: &CanFrame) -> Result<Option<Self>, ProtocolError> {
        let Some((name, s)) = Signals::of(frame)? else {
            return Ok(None);
        };
        Ok(match name {
            "DriveCommand" => Some(Self::Drive(DriveCommand {
                left_mps: s.get("LeftTrackSpeedCmd"),
                right_mps: s.get("RightTrackSpeedCmd"),
            })),
            "ImplementCommand" => Some(Self::Implement(ImplementCommand {
                rotor_enable: s.bit("RotorEnableCmd"),
                rotor_rpm: s.get("RotorSpeedSetpoint"),
                depth_m: s.get("DepthSetpoint"),
            })),
            "HostHeartbeat" => Some(Self::Heartbeat {
                counter: s.u8("HostCounter"),
                mode: HostMode::from_raw(s.u8("HostMode")),
            }),
            "EStop" => Some(Self::EStop {
                stop: s.bit("EStopRequest"),
                reason: EStopReason::from_raw(s.u8("EStopReason")),
            }),
            _ => None,
        })
    }
}

impl VehicleFeedback {
    /// The DBC message name.
    pub fn message_name(&self) -> &'static str {
        match self {
            Self::TrackSpeeds { .. } => "TrackSpeeds",
            Self::Implement(_) => "ImplementStatus",
            Self::Engine(_) => "EngineStatus",
            Self::Detonation { .. } => "Detonation",
            Self::Faults(_) => "FaultCodes",
            Self::Heartbeat { .. } => "VehicleHeartbeat",
        }
    }

    /// Encodes through the DBC (the simulated ECU uses this).
    pub fn encode(&self) -> Result<CanFrame, ProtocolError> {
        let m = msg(self.message_name())?;
        let f = match *self {
            Self::TrackSpeeds { left_mps, right_mps } => {
                m.encode(&[("LeftTrackSpeed", left_mps), ("RightTrackSpeed", right_mps)])
            }
            Self::Implement(i) => m.encode(&[
                ("RotorSpeed", i.rotor_rpm),
                ("RotorDepth", i.depth_m),
                ("HydraulicPressure", i.hydraulic_pressure_bar),
                ("HydraulicOilTemp", i.hydraulic_temp_c),
                ("RotorEnabled", flag(i.rotor_enabled)),
            ]),
            Self::Engine(e) => m.encode(&[
                ("EngineSpeed", e.engine_rpm),
                ("CoolantTemp", e.coolant_c),
                ("OilPressure", e.oil_pressure_kpa),
                ("FuelLevel", e.fuel_pct),
            ]),
            Self::Detonation { shock_peak_g, count } => {
                m.encode(&[("ShockPeak", shock_peak_g), ("DetonationCount", f64::from(count))])
            }
            Self::Faults(f) => m.encode(&[
                ("FaultHeartbeatLost", flag(f.heartbeat_lost)),
                ("FaultEStopLatched", flag(f.estop_latched)),
                ("FaultHydraulicOverpressure", flag(f.hydraulic_overpressure)),
                ("FaultCoolantOverTemp", flag(f.coolant_overtemp)),
                ("FaultLowOilPressure", flag(f.low_oil_pressure)),
                ("FaultRotorStall", flag(f.rotor_stall)),
                ("FaultLowFuel", flag(f.low_fuel)),
                ("ActiveFaultCount", f64::from(f.active_count)),
            ]),
            Self::Heartbeat {
                counter,
                mode,
                stop_reason,
                host_counter_echo,
            } => m.encode(&[
                ("VehicleCounter", f64::from(counter)),
                ("VehicleMode", f64::from(mode.to_raw())),
                ("StopReason", f64::from(stop_reason.to_raw())),
                ("HostCounterEcho", f64::from(host_counter_echo)),
            ]),
        }?;
        Ok(f)
    }

    /// Decodes a frame; `Ok(None)` when the identifier is not vehicle feedback.
    pub fn decode(frame: &CanFrame) -> Result<Option<Self>, ProtocolError> {
        let Some((name, s)) = Signals::of(frame)? else {
            return Ok(None);
        };
        Ok(match name {
            "TrackSpeeds" => Some(Self::TrackSpeeds {
                left_mps: s.get("LeftTrackSpeed"),
                right_mps: s.get("RightTrackSpeed"),
            }),
            "ImplementStatus" => Some(Self::Implement(ImplementStatus {
                rotor_rpm: s.get("RotorSpeed"),
                depth_m: s.get("RotorDepth"),
                hydraulic_pressure_bar: s.get("HydraulicPressure"),
                hydraulic_temp_c: s.get("HydraulicOilTemp"),
                rotor_enabled: s.bit("RotorEnabled"),
            })),
            "EngineStatus" => Some(Self::Engine(EngineStatus {
                engine_rpm: s.get("EngineSpeed"),
                coolant_c: s.get("CoolantTemp"),
                oil_pressure_kpa: s.get("OilPressure"),
                fuel_pct: s.get("FuelLevel"),
            })),
            "Detonation" => Some(Self::Detonation {
                shock_peak_g: s.get("ShockPeak"),
                count: s.u8("DetonationCount"),
            }),
            "FaultCodes" => Some(Self::Faults(FaultFlags {
                heartbeat_lost: s.bit("FaultHeartbeatLost"),
                estop_latched: s.bit("FaultEStopLatched"),
                hydraulic_overpressure: s.bit("FaultHydraulicOverpressure"),
                coolant_overtemp: s.bit("FaultCoolantOverTemp"),
                low_oil_pressure: s.bit("FaultLowOilPressure"),
                rotor_stall: s.bit("FaultRotorStall"),
                low_fuel: s.bit("FaultLowFuel"),
                active_count: s.u8("ActiveFaultCount"),
            })),
            "VehicleHeartbeat" => Some(Self::Heartbeat {
                counter: s.u8("VehicleCounter"),
                mode: VehicleMode::from_raw(s.u8("VehicleMode")),
                stop_reason: StopReason::from_raw(s.u8("StopReason")),
                host_counter_echo: s.u8("HostCounterEcho"),
            }),
            _ => None,
        })
    }
}
