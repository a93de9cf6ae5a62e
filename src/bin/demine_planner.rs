//! ROS 2 node `planner` (feature `ros`): see `demine::ros::nodes::planner`.

fn main() -> std::process::ExitCode {
    demine::ros::runtime::main_with("planner", demine::ros::nodes::planner::run)
}
