//! ROS 2 node `can_bridge` (feature `ros`): see `demine::ros::nodes::can_bridge`.

fn main() -> std::process::ExitCode {
    demine::ros::runtime::main_with("can_bridge", demine::ros::nodes::can_bridge::run)
}
