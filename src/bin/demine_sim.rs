//! ROS 2 node `sim` (feature `ros`): see `demine::ros::nodes::sim`.
//!
//! Until issue 5's simulator (`demine::sim`) lands, the node uses the `KinematicSim` stand-in
//! (first-order tracked vehicle on a plane, exact RTK fixes at 10 Hz, no mines).

use demine::ros::adapters::{KinematicSim, SimulatorCore};
use demine::ros::pose_msgs::Pose2;
use demine::ros::{nodes::sim, runtime, setup::Setup};

fn simulator(s: &Setup, start: Pose2) -> Box<dyn SimulatorCore> {
    // fix time stamps are simulated time (the /clock this node publishes)
    Box::new(KinematicSim::new(
        s.field.datum,
        start,
        s.machine.track_gauge_m,
        0.0,
        0.1,
    ))
}

fn main() -> std::process::ExitCode {
    runtime::main_with("sim", || sim::run_with(simulator))
}
