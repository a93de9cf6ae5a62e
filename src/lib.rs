//! demine: an autonomous control stack for mechanical demining machines.
//!
//! The parts follow the data flow of `DESIGN.md`: [`field`] and [`machine`] are the inputs,
//! [`plan`] turns them into a clearance plan that keeps the footprint rule
//! (`footprint(pose) ⊆ safe ∪ processed_so_far`), [`geodesy`] is the only place where WGS84 and
//! the local ENU frame meet. [`can`] talks to the vehicle: the DBC-described protocol, the SLCAN
//! bridge behind the [`can::link::VehicleLink`] trait, and a simulated adapter + ECU on a pty.
//! [`mission`] is the state machine, pre-flight checks and safety supervisor (decisions as
//! data), [`record`] the clearance record in SQLite, [`runtime`] the in-process host of
//! `demine sim` that wires everything together in simulated time.
//! [`gnss`] reads receivers (NMEA 0183) and [`localize`] fuses GNSS with track odometry into the
//! pose and its quality verdict.
//!
//! # Features
//! - `ros`: the ROS 2 nodes (r2r); needs a sourced ROS 2 Jazzy install to build.
//! - `ros-doc-only`: the same code against r2r's doc-only bindings, so it type-checks anywhere and
//!   its message conversions run in `cargo test --lib --features ros-doc-only` (nodes do not link).
//!
//! [`ros_interface`] (always built) is the table of topics the ROS nodes use, so the asset checks
//! run without ROS.

pub mod can;
pub mod coverage;
pub mod field;
pub mod geodesy;
pub mod gnss;
pub mod localize;
pub mod machine;
pub mod mission;
pub mod plan;
pub mod record;
#[cfg(feature = "ros")]
pub mod ros;
pub mod ros_interface;
pub mod runtime;
pub mod sim;
pub mod track;
