//! `sim`: the built-in simulator as a node publishing exactly the topics the Gazebo bridge
//! publishes (`/clock`, `gps/fix`, `imu/data`, `odometry/wheel`, `joint_states`; plus
//! `detonation/shock`, which Gazebo does not model) and obeying the same commands (`cmd_vel`,
//! `implement/rotor_cmd`, `implement/depth_cmd`), so `sim_builtin.launch.py` and
//! `sim.launch.py` run the same nodes.
//!
//! It steps on the wall clock at `real_time_factor` × real time and is the `/clock` source (run
//! it with `use_sim_time: false`, everything else with `true`). The machine starts at the plan's
//! first pose. The simulator is a [`SimulatorCore`]; until `crate::sim` (issue 5) lands, the
//! binary passes the stand-in [`KinematicSim`](crate::ros::adapters::KinematicSim).

use std::time::Duration;

use futures::StreamExt;
use r2r::geometry_msgs::msg::{AccelStamped, Twist};
use r2r::nav_msgs::msg::Odometry;
use r2r::rosgraph_msgs::msg::Clock;
use r2r::sensor_msgs::msg::{Imu, JointState, NavSatFix};
use r2r::std_msgs::msg::Float64;

use crate::plan;
use crate::ros::adapters::SimulatorCore;
use crate::ros::can_msgs::{detonation_msg, implement_joint_state};
use crate::ros::drive_msgs::{msgs_to_implement, twist_to_drive, MAX_TRACK_SPEED_MPS, RPM_TO_RAD_S};
use crate::ros::gnss_msgs::fix_to_navsat;
use crate::ros::msg::{header, identity_quaternion, time, vector3};
use crate::ros::params;
use crate::ros::pose_msgs::{track_odometry, OdomIntegrator, Pose2};
use crate::ros::runtime::{shutdown_signal, NodeError, NodeHost};
use crate::ros::setup::Setup;
use crate::ros_interface::{frame, rate, topic};

/// Parameters of the sim node beyond [`SETUP_KEYS`](crate::ros::setup::SETUP_KEYS).
pub const SIM_KEYS: [&str; 1] = ["real_time_factor"];

/// Build the simulator for a loaded setup and start pose (the binary chooses the implementation).
pub type SimFactory = fn(&Setup, Pose2) -> Box<dyn SimulatorCore>;

/// The IMU message of a yaw rate: orientation not provided (REP-145: covariance[0] = −1), gravity
/// on +z.
pub fn imu_msg(yaw_rate_rps: f64, stamp: r2r::builtin_interfaces::msg::Time) -> Imu {
    let mut no_orientation = vec![0.0; 9];
    no_orientation[0] = -1.0;
    Imu {
        header: header(stamp, frame::IMU),
        orientation: identity_quaternion(),
        orientation_covariance: no_orientation,
        angular_velocity: vector3(0.0, 0.0, yaw_rate_rps),
        angular_velocity_covariance: vec![0.0; 9],
        linear_acceleration: vector3(0.0, 0.0, crate::ros::can_msgs::STANDARD_GRAVITY_MPS2),
        linear_acceleration_covariance: vec![0.0; 9],
    }
}

/// Every `k`-th step publishes a stream at `rate_hz` when the step runs at `step_hz`.
fn every(step_hz: f64, rate_hz: f64) -> u64 {
    (step_hz / rate_hz).round().max(1.0) as u64
}

pub async fn run_with(make_sim: SimFactory) -> Result<(), NodeError> {
    let mut host = NodeHost::create("sim")?;
    super::check_params("sim", &host.params)?;
    if params::use_sim_time(&host.params)? {
        return Err(NodeError::Failed(
            "sim is the /clock source: run it with use_sim_time false".into(),
        ));
    }
    let setup = Setup::from_params(&host.params)?;
    let rtf = params::float_in(&host.params, "real_time_factor", 1.0, 0.01, 100.0)?;
    let start = match plan::plan(&setup.field, &setup.machine, &setup.plan_config) {
        Ok(p) => p.motions.first().map(|m| match m {
            plan::Motion::Straight { from, .. } => *from,
            plan::Motion::Pivot { at, .. } => *at,
            plan::Motion::Curve { poses, .. } => poses[0],
        }),
        Err(_) => None,
    }
    .map(|p| Pose2 {
        x_m: p.x_m,
        y_m: p.y_m,
        yaw_rad: p.yaw_rad,
    })
    .unwrap_or(Pose2::IDENTITY);
    let mut sim = make_sim(&setup, start);
    let gauge = setup.machine.track_gauge_m;

    let mut cmd_sub = host.subscribe::<Twist>(topic::CMD_VEL)?;
    let mut rotor_sub = host.subscribe::<Float64>(topic::ROTOR_CMD)?;
    let mut depth_sub = host.subscribe::<Float64>(topic::DEPTH_CMD)?;
    let clock_pub = host.publisher::<Clock>(topic::CLOCK)?;
    let fix_pub = host.publisher::<NavSatFix>(topic::GNSS_FIX)?;
    let imu_pub = host.publisher::<Imu>(topic::IMU)?;
    let odom_pub = host.publisher::<Odometry>(topic::WHEEL_ODOMETRY)?;
    let joint_pub = host.publisher::<JointState>(topic::JOINT_STATES)?;
    let det_pub = host.publisher::<AccelStamped>(topic::DETONATION)?;
    let step_s = 1.0 / rate::SIM_CLOCK_HZ;
    let mut tick = host.node.create_wall_timer(Duration::from_secs_f64(step_s / rtf))?;
    let spinner = host.spin();

    let (imu_k, odom_k) = (
        every(rate::SIM_CLOCK_HZ, rate::SIM_IMU_HZ),
        every(rate::SIM_CLOCK_HZ, rate::SIM_ODOMETRY_HZ),
    );
    let mut drive = twist_to_drive(
        &Twist {
            linear: vector3(0.0, 0.0, 0.0),
            angular: vector3(0.0, 0.0, 0.0),
        },
        gauge,
        MAX_TRACK_SPEED_MPS,
    );
    let (mut rotor_rad_s, mut depth_m) = (0.0, 0.0);
    let mut odom = OdomIntegrator::new();
    let mut rotor_angle = 0.0;
    let mut n: u64 = 0;
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            Some(t) = cmd_sub.next() => drive = twist_to_drive(&t, gauge, MAX_TRACK_SPEED_MPS),
            Some(r) = rotor_sub.next() => rotor_rad_s = r.data,
            Some(d) = depth_sub.next() => depth_m = d.data,
            r = tick.tick() => {
                r?;
                sim.command(drive, msgs_to_implement(rotor_rad_s, depth_m));
                let s = sim.step(step_s);
                n += 1;
                let stamp = time(s.t_s);
                clock_pub.publish(&Clock { clock: stamp.clone() })?;
                if let Some(f) = &s.fix {
                    fix_pub.publish(&fix_to_navsat(f, 0.02, stamp.clone()))?;
                }
                if n % imu_k == 0 {
                    imu_pub.publish(&imu_msg(s.yaw_rate_rps, stamp.clone()))?;
                }
                rotor_angle = (rotor_angle + s.implement.rotor_rpm * RPM_TO_RAD_S * step_s) % std::f64::consts::TAU;
                let pose = odom.step(s.t_s, 0.5 * (s.left_mps + s.right_mps), (s.right_mps - s.left_mps) / gauge);
                if n % odom_k == 0 {
                    odom_pub.publish(&track_odometry(s.left_mps, s.right_mps, gauge, 0.005, pose, stamp.clone()))?;
                    joint_pub.publish(&implement_joint_state(&s.implement, rotor_angle, stamp.clone()))?;
                }
                if let Some(g) = s.detonation_g {
                    det_pub.publish(&detonation_msg(g, stamp))?;
                }
            }
            _ = &mut shutdown => break,
        }
    }
    spinner.stop();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ros::pose_msgs::imu_yaw_rate;

    #[test]
    fn imu_says_orientation_is_not_provided() {
        let m = imu_msg(0.1, time(1.0));
        assert_eq!(m.header.frame_id, "imu_link");
        assert_eq!(m.orientation_covariance[0], -1.0);
        assert_eq!(imu_yaw_rate(&m), Some(0.1));
        assert!((m.linear_acceleration.z - 9.80665).abs() < 1e-9);
    }

    #[test]
    fn stream_divisors_match_the_table_rates() {
        assert_eq!(every(rate::SIM_CLOCK_HZ, rate::SIM_IMU_HZ), 2);
        assert_eq!(every(rate::SIM_CLOCK_HZ, rate::SIM_ODOMETRY_HZ), 2);
        assert_eq!(every(100.0, 300.0), 1);
    }
}
