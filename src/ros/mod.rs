//! The ROS 2 layer (feature `ros`, r2r): one node per box of the data flow, each a thin translator
//! around the same core types the in-process runtime uses.
//!
//! - Pure conversions between core types and standard messages, unit-tested with r2r's doc-only
//!   bindings: [`msg`] (shared constructors), [`plan_msgs`] (plan and field → Path, MarkerArray),
//!   [`pose_msgs`] (estimate → Odometry, the `map → odom → base_link` TF chain, wheel odometry),
//!   [`estimate_msgs`] (Odometry → estimate, the localization verdict as diagnostics),
//!   [`gnss_msgs`] (NavSatFix ⇄ GnssFix), [`heading_msgs`] (QuaternionStamped ⇄ GnssHeading, an
//!   ENU IMU orientation → GnssHeading), [`drive_msgs`] (Twist ⇄ track speeds, implement
//!   setpoints), [`can_msgs`] (machine health → DiagnosticArray, implement joint states,
//!   detonations), [`grid_msgs`] (processed grid → OccupancyGrid).
//! - Node logic without I/O: [`lifecycle`] (the managed-node state machine r2r lacks),
//!   [`mission_flow`] and [`mission_watch`] (the mission node: lifecycle and topics onto
//!   `crate::mission`, observations for its safety supervisor), [`params`] (parameters onto the
//!   CLI's config structs), [`setup`] (field, machine and planner settings from parameters),
//!   [`adapters`] and [`sim_machine`] (the traits the tracker, coverage and sim nodes drive,
//!   implemented by `crate::track`, `crate::coverage` and `crate::sim`).
//! - Hosts: [`runtime`] (context, parameter handler, spin thread, clock, shutdown) and
//!   [`nodes`] (one `run` per node; `src/bin/demine_<node>.rs` only calls it).
//!
//! Topic names, types, QoS and rates come from [`crate::ros_interface`], the table `docs/ros.md`
//! documents and `tests/ros_assets.rs` checks the assets against.
//!
//! Nothing here builds a message with `Default` (a panicking native stub under `doc-only`).

pub mod adapters;
pub mod can_msgs;
pub mod drive_msgs;
pub mod estimate_msgs;
pub mod gnss_msgs;
pub mod grid_msgs;
pub mod heading_msgs;
pub mod lifecycle;
pub mod mission_flow;
pub mod mission_watch;
pub mod msg;
pub mod nodes;
pub mod params;
pub mod plan_msgs;
pub mod pose_msgs;
pub mod rosout;
pub mod runtime;
pub mod setup;
pub mod sim_machine;

#[cfg(test)]
mod streams;
#[cfg(test)]
mod walkthrough;
