//! ROS 2 node `mission` (feature `ros`): see `demine::ros::nodes::mission`.

fn main() -> std::process::ExitCode {
    demine::ros::runtime::main_with("mission", demine::ros::nodes::mission::run)
}
