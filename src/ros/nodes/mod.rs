//! One `run` per node. Each creates its [`NodeHost`](super::runtime::NodeHost), validates its
//! parameters, wires subscriptions to the core types through the conversions and publishes on
//! the interface table's topics. The binaries `src/bin/demine_<node>.rs` only call
//! [`runtime::main_with`](super::runtime::main_with) with one of these.

pub mod can_bridge;
pub mod coverage;
pub mod localizer;
pub mod mission;
pub mod planner;
pub mod sim;
pub mod tracker;
