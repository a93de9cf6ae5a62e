//! ROS 2 node `tracker` (feature `ros`): see `demine::ros::nodes::tracker`.
//!
//! Until issue 5's path tracker (`demine::track`) lands, the node runs with the `StandStill`
//! stand-in: it publishes stop setpoints with the rotor off. Wiring the tracker is replacing
//! `StandStill` here with its `PathFollower` implementation.

use demine::ros::{adapters::StandStill, nodes::tracker, runtime};

fn main() -> std::process::ExitCode {
    runtime::main_with("tracker", || tracker::run_with(StandStill))
}
