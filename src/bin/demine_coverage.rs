//! ROS 2 node `coverage` (feature `ros`): see `demine::ros::nodes::coverage`.
//!
//! Until issue 5's processed-area grid (`demine::coverage`) lands, the node uses the `StripGrid`
//! stand-in (processing line sweep with the rotor in band).

use demine::ros::adapters::{CoverageCore, StripGrid};
use demine::ros::{nodes::coverage, runtime, setup::Setup};

fn grid(s: &Setup, resolution_m: f64) -> Box<dyn CoverageCore> {
    Box::new(StripGrid::new(&s.field.hazard, &s.machine, resolution_m))
}

fn main() -> std::process::ExitCode {
    runtime::main_with("coverage", || coverage::run_with(grid))
}
