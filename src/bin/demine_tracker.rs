//! ROS 2 node `tracker` (feature `ros`): see `demine::ros::nodes::tracker`. The follower is
//! `demine::track`'s `PathTracker` with its implement interlock.

use demine::ros::{adapters::path_tracker, nodes::tracker, runtime};

fn main() -> std::process::ExitCode {
    runtime::main_with("tracker", || tracker::run_with(path_tracker))
}
