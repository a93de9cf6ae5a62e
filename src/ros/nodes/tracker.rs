//! `tracker`: follows the plan while the mission is `clearing` and the e-stop is not latched;
//! publishes `cmd_vel` and the implement setpoints (`implement/rotor_cmd`, `implement/depth_cmd`)
//! at a fixed rate, a stop with the rotor off otherwise.
//!
//! The plan is computed in-process from the same parameters as the planner and mission nodes
//! (`field`, `machine`, …): the planner is deterministic, and `nav_msgs/Path` cannot carry the
//! implement on/off and direction of each motion. The following itself is a [`PathFollower`];
//! until `crate::track` (issue 5) lands the binary passes [`StandStill`](crate::ros::adapters::StandStill).

use r2r::nav_msgs::msg::Odometry;
use r2r::sensor_msgs::msg::JointState;
use r2r::std_msgs::msg::{Bool, Float64, String as RosString};

use crate::localize::QualityThresholds;
use crate::plan;
use crate::ros::adapters::{PathFollower, TrackerSetpoints};
use crate::ros::can_msgs::implement_from_joint_state;
use crate::ros::drive_msgs::{drive_to_twist, implement_to_msgs};
use crate::ros::estimate_msgs::odometry_to_estimate;
use crate::ros::msg::seconds;
use crate::ros::runtime::{latest, now, shutdown_signal, NodeError, NodeHost};
use crate::ros::setup::Setup;
use crate::ros_interface::{rate, topic};

/// The mission state in which the tracker drives.
pub const DRIVING_STATE: &str = "clearing";

/// Whether this step may move the machine.
pub fn may_drive(mission_state: Option<&str>, estop_latched: Option<bool>) -> bool {
    mission_state == Some(DRIVING_STATE) && estop_latched == Some(false)
}

pub async fn run_with(mut follower: impl PathFollower) -> Result<(), NodeError> {
    let mut host = NodeHost::create("tracker")?;
    super::check_params("tracker", &host.params)?;
    let setup = Setup::from_params(&host.params)?;
    let plan =
        plan::plan(&setup.field, &setup.machine, &setup.plan_config).map_err(|e| NodeError::Failed(e.to_string()))?;
    follower.set_plan(&plan, &setup.machine);
    let gauge = setup.machine.track_gauge_m;

    let odom = latest(host.subscribe::<Odometry>(topic::FILTERED_ODOMETRY)?);
    let joints = latest(host.subscribe::<JointState>(topic::JOINT_STATES)?);
    let state = latest(host.subscribe::<RosString>(topic::MISSION_STATE)?);
    let estop = latest(host.subscribe::<Bool>(topic::ESTOP_LATCHED)?);
    let cmd_pub = host.publisher::<r2r::geometry_msgs::msg::Twist>(topic::CMD_VEL)?;
    let rotor_pub = host.publisher::<Float64>(topic::ROTOR_CMD)?;
    let depth_pub = host.publisher::<Float64>(topic::DEPTH_CMD)?;
    let mut tick = host.timer(rate::TRACKER_HZ)?;
    let clock = host.clock.clone();
    let spinner = host.spin();
    let thresholds = QualityThresholds::default();
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            r = tick.tick() => {
                r?;
                let drive = may_drive(
                    state.borrow().as_ref().map(|s| s.data.as_str()),
                    estop.borrow().as_ref().map(|b| b.data),
                );
                let estimate = odom.borrow().as_ref().and_then(|o| odometry_to_estimate(o, &thresholds));
                let (rpm, depth) = joints.borrow().as_ref().and_then(implement_from_joint_state).unwrap_or((0.0, 0.0));
                let sp = match (drive, estimate) {
                    (true, Some(e)) => follower.step(&e, rpm, depth, seconds(&now(&clock))),
                    _ => TrackerSetpoints::STOP,
                };
                cmd_pub.publish(&drive_to_twist(&sp.drive, gauge))?;
                let (r, d) = implement_to_msgs(&sp.implement);
                rotor_pub.publish(&r)?;
                depth_pub.publish(&d)?;
            }
            _ = &mut shutdown => break,
        }
    }
    // leave the machine stopped
    cmd_pub.publish(&drive_to_twist(&TrackerSetpoints::STOP.drive, gauge))?;
    spinner.stop();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drives_only_while_clearing_and_unlatched() {
        assert!(may_drive(Some("clearing"), Some(false)));
        assert!(!may_drive(Some("clearing"), Some(true)));
        assert!(!may_drive(Some("clearing"), None), "no e-stop state yet: do not move");
        assert!(!may_drive(Some("paused"), Some(false)));
        assert!(!may_drive(None, Some(false)));
    }
}
