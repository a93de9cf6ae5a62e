//! The built-in simulator: a tracked flail machine on its field, as plain time-stepped types
//! with no I/O and no clock, deterministic for a seed (ChaCha8).
//!
//! - [`vehicle`]: skid-steer tracks with actuator lag and limits, soil- and turn-dependent slip,
//!   the ICR model, a gentle slope; true pose in the local ENU frame.
//! - [`implement`]: rotor spin-up/run-down, rpm drop under load, depth falling with speed,
//!   hydraulic pressure, stall.
//! - [`mines`]: the seeded hidden layout and detonations.
//! - [`gnss`] and [`nmea`]: the receiver (RTK fixed/float/single noise, latency, outages,
//!   multipath) emitting NMEA 0183; [`imu`]: the gyro.
//! - [`scenario`]: seed, soil, GNSS schedule and faults at times.
//! - [`simulator`]: [`SimVehicle`], all of the above together; it implements
//!   [`crate::can::vehicle_model::VehicleModel`], so `VehicleEcu<SimVehicle>` drives it over CAN.
//!
//! Parameters, units and defaults: `docs/sim.md`.

pub mod gnss;
pub mod harness;
pub mod implement;
pub mod imu;
pub mod mines;
pub mod nmea;
pub mod scenario;
pub mod simulator;
pub mod vehicle;

pub use gnss::{FixQuality, GnssEpoch};
pub use mines::{Detonation, DetonationCause, MineKind};
pub use scenario::{Fault, FaultKind, Scenario, Soil};
pub use simulator::{SensorOutputs, SimConfig, SimTick, SimVehicle, StepReport};

/// Errors of the simulator's configuration.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimError {
    /// A scenario or configuration value out of range.
    #[error("sim scenario: `{field}` = {value}: {why}")]
    InvalidScenario {
        field: &'static str,
        value: String,
        why: String,
    },
}
