//! ROS 2 node `coverage` (feature `ros`): see `demine::ros::nodes::coverage`. The grid is
//! `demine::coverage`'s `ProcessedGrid`.

use demine::ros::{adapters::processed_grid, nodes::coverage, runtime};

fn main() -> std::process::ExitCode {
    runtime::main_with("coverage", || coverage::run_with(processed_grid))
}
