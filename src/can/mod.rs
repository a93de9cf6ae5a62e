//! CAN: frames, the SLCAN codec, the vehicle protocol described by `can/vehicle.dbc`, the serial
//! bridge to a USB-SLCAN adapter, and a simulated adapter + vehicle ECU on a pseudo-terminal.
//!
//! Plain types with no I/O and no clock (time is passed in): [`frame`], [`slcan`],
//! [`slcan_stream`], [`adapter`], [`dbc`], [`protocol`], [`schedule`] (what the bridge sends
//! when), [`watchdog`], [`ecu`] and [`ecu_report`] (the simulated vehicle control unit),
//! [`vehicle_model`] (the hook the full simulator plugs its vehicle into), [`sim_adapter`] and
//! [`sim_bus`].
//!
//! Hosts that move data: [`port`] (a blocking SLCAN port on `serialport`), [`bridge`] (the
//! vehicle link over the adapter: heartbeat, priorities, reconnection), [`pty`] (serves the
//! simulated adapter + ECU on a pty) and [`sim_link`] (the simulated vehicle in-process).
//! [`link::VehicleLink`] is the narrow trait the rest of the stack talks to; `BridgeLink` and
//! `SimLink` implement it.

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
mod protocol_enums;
pub mod pty;
pub mod schedule;
pub mod sim_adapter;
pub mod sim_bus;
pub mod sim_link;
pub mod slcan;
mod slcan_reply;
pub mod slcan_stream;
pub mod vehicle_model;
pub mod watchdog;
