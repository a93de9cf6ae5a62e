//! ROS 2 node `localizer` (feature `ros`): see `demine::ros::nodes::localizer`.

fn main() -> std::process::ExitCode {
    demine::ros::runtime::main_with("localizer", demine::ros::nodes::localizer::run)
}
