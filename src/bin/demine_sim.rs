//! ROS 2 node `sim` (feature `ros`): see `demine::ros::nodes::sim`. The simulator is
//! `demine::sim`'s `SimVehicle` behind the `SimMachine` adapter.

use demine::ros::{adapters::sim_machine, nodes::sim, runtime};

fn main() -> std::process::ExitCode {
    runtime::main_with("sim", || sim::run_with(sim_machine))
}
