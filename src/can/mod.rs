//! CAN: frames, the SLCAN codec, the vehicle protocol described by `can/vehicle.dbc`, the serial
//! bridge to a USB-SLCAN adapter, and a simulated adapter + vehicle ECU on a pseudo-terminal.
//!
//! Plain types with no I/O and no clock: [`frame`], [`slcan`], [`slcan_stream`], [`adapter`],
//! [`dbc`], [`protocol`], [`ecu`], [`sim_adapter`]. Hosts that move bytes: [`port`] (a blocking
//! SLCAN port on `serialport`), [`bridge`] (the vehicle link with heartbeat, priorities and
//! reconnection) and [`pty`] (serves the simulated ECU on a pty). [`link::VehicleLink`] is the
//! narrow trait the rest of the stack talks to.

pub mod adapter;
pub mod bridge;
pub mod dbc;
mod dbc_parse;
pub mod ecu;
pub mod ecu_report;
pub mod frame;
pub mod link;
pub mod port;
pub mod protocol;
pub mod pty;
pub mod schedule;
pub mod sim_adapter;
pub mod sim_bus;
pub mod slcan;
mod slcan_reply;
pub mod slcan_stream;
pub mod vehicle_model;
pub mod watchdog;
