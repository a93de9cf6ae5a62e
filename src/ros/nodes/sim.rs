//! `sim`: the built-in simulator as a node publishing the topics the Gazebo bridge publishes
//! (`/clock`, `gps/fix`, `imu/data`, `odometry/wheel`, `joint_states`) plus what Gazebo does not
//! model ([`NOT_BRIDGED`](crate::ros_interface::NOT_BRIDGED): `detonation/shock`, and the
//! receiver's dual-antenna heading on `gps/heading`) and obeying the same commands (`cmd_vel`,
//! `implement/rotor_cmd`, `implement/depth_cmd`), so `sim_builtin.launch.py` and
//! `sim.launch.py` run the same nodes.
//!
//! It steps on the wall clock at `real_time_factor` × real time and is the `/clock` source (run
//! it with `use_sim_time: false`, everything else with `true`); simulated time starts at 0. The
//! machine starts [`ALIGNMENT_RUN_M`] behind the plan's first pose when that is safe ground
//! ([`start_pose`]): room for the straight run that aligns the localizer. The simulator is a [`SimulatorCore`]: the binary
//! passes [`SimMachine`](crate::ros::adapters::SimMachine) (`crate::sim`: tracks with slip,
//! implement, hidden mines, RTK receiver with NMEA output, gyro). [`SimStreams`] turns each step
//! into the messages, so the stream test runs the same conversion.

use std::time::Duration;

use futures::StreamExt;
use r2r::geometry_msgs::msg::{AccelStamped, QuaternionStamped, Twist};
use r2r::nav_msgs::msg::Odometry;
use r2r::rosgraph_msgs::msg::Clock;
use r2r::sensor_msgs::msg::{Imu, JointState, NavSatFix};
use r2r::std_msgs::msg::Float64;

use crate::plan::{self, Pose};
use crate::ros::adapters::{SimStep, SimulatorCore};
use crate::ros::can_msgs::{detonation_msg, implement_joint_state};
use crate::ros::drive_msgs::{
    msgs_to_implement, twist_to_drive, CommandTimeout, CMD_VEL_TIMEOUT_S, MAX_TRACK_SPEED_MPS, RPM_TO_RAD_S,
};
use crate::ros::gnss_msgs::fix_to_navsat;
use crate::ros::heading_msgs::heading_to_msg;
use crate::ros::msg::{header, identity_quaternion, time, vector3};
use crate::ros::params;
use crate::ros::pose_msgs::{track_odometry, OdomIntegrator};
use crate::ros::runtime::{shutdown_signal, NodeError, NodeHost};
use crate::ros::setup::Setup;
use crate::ros_interface::{frame, rate, topic};
use crate::sim::harness::plan_start;
use crate::sim::{Scenario, SimError};

/// Parameters of the sim node beyond [`SETUP_KEYS`](crate::ros::setup::SETUP_KEYS).
pub const SIM_KEYS: [&str; 3] = ["real_time_factor", "seed", "ap_mines_per_ha"];

/// Build the simulator for a loaded setup, scenario and start pose (the binary chooses the
/// implementation).
pub type SimFactory = fn(&Setup, Scenario, Pose) -> Result<Box<dyn SimulatorCore>, SimError>;

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

/// How far behind the plan's first pose the machine starts, metres.
pub const ALIGNMENT_RUN_M: f64 = 3.0;

/// Where the simulated machine starts: [`ALIGNMENT_RUN_M`] behind `first` (the plan's first
/// pose) along its heading when base_link is then inside `safe`, else at `first`.
pub fn start_pose(first: Pose, safe: &geo::MultiPolygon<f64>) -> Pose {
    use geo::Contains;
    let h = first.heading();
    let back = Pose::new(
        first.x_m - ALIGNMENT_RUN_M * h.x,
        first.y_m - ALIGNMENT_RUN_M * h.y,
        first.yaw_rad,
    );
    if safe.contains(&geo::Point::new(back.x_m, back.y_m)) {
        back
    } else {
        first
    }
}

/// 1σ of the wheel odometry's speed, m/s (what `track_odometry` reports as twist covariance).
pub const WHEEL_SPEED_SIGMA_MPS: f64 = 0.005;

/// What one simulator step publishes.
pub struct SimMessages {
    pub clock: Clock,
    pub fixes: Vec<NavSatFix>,
    /// The receiver's dual-antenna headings (HDT), on `gps/heading`.
    pub headings: Vec<QuaternionStamped>,
    pub imu: Vec<Imu>,
    /// Wheel odometry and joint states, every `SIM_CLOCK_HZ / SIM_ODOMETRY_HZ` steps.
    pub odometry: Option<(Odometry, JointState)>,
    pub detonations: Vec<AccelStamped>,
}

/// The sim node's conversion of steps into messages: integrates the track odometry (`odom` →
/// `base_link` from the measured track speeds, as Gazebo's DiffDrive does) and the rotor angle.
pub struct SimStreams {
    gauge_m: f64,
    odom: OdomIntegrator,
    rotor_angle_rad: f64,
    steps: u64,
    odom_every: u64,
}

impl SimStreams {
    /// # Units
    /// `track_gauge_m` metres.
    pub fn new(track_gauge_m: f64) -> Self {
        Self {
            gauge_m: track_gauge_m,
            odom: OdomIntegrator::new(),
            rotor_angle_rad: 0.0,
            steps: 0,
            odom_every: every(rate::SIM_CLOCK_HZ, rate::SIM_ODOMETRY_HZ),
        }
    }

    /// The messages of step `s` of `step_s` seconds. NavSatFix, QuaternionStamped (heading) and
    /// Imu are stamped with their measurement time, everything else with the step's end.
    pub fn messages(&mut self, s: &SimStep, step_s: f64) -> SimMessages {
        self.steps += 1;
        let stamp = time(s.t_s);
        let fixes = s
            .fixes
            .iter()
            .map(|f| {
                let vertical_sigma_m = f.covariance.map_or(0.0, |c| 2.0 * c.semi_major_m());
                fix_to_navsat(f, vertical_sigma_m, time(f.unix_time_s))
            })
            .collect();
        let headings = s
            .headings
            .iter()
            .map(|h| heading_to_msg(h, time(h.unix_time_s)))
            .collect();
        let imu = s.yaw_rates.iter().map(|&(t, w)| imu_msg(w, time(t))).collect();
        self.rotor_angle_rad =
            (self.rotor_angle_rad + s.implement.rotor_rpm * RPM_TO_RAD_S * step_s) % std::f64::consts::TAU;
        let v = 0.5 * (s.left_mps + s.right_mps);
        let pose = self.odom.step(s.t_s, v, (s.right_mps - s.left_mps) / self.gauge_m);
        let odometry = (self.steps % self.odom_every == 0).then(|| {
            (
                track_odometry(
                    s.left_mps,
                    s.right_mps,
                    self.gauge_m,
                    WHEEL_SPEED_SIGMA_MPS,
                    pose,
                    stamp.clone(),
                ),
                implement_joint_state(&s.implement, self.rotor_angle_rad, stamp.clone()),
            )
        });
        let detonations = s.detonations.iter().map(|&(t, g)| detonation_msg(g, time(t))).collect();
        SimMessages {
            clock: Clock { clock: stamp },
            fixes,
            headings,
            imu,
            odometry,
            detonations,
        }
    }
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
    let scenario = Scenario {
        seed: params::integer_in(&host.params, "seed", 1, 0, i64::from(u32::MAX))? as u64,
        ap_mines_per_ha: params::float_in(&host.params, "ap_mines_per_ha", 20.0, 0.0, 10_000.0)?,
        // NMEA carries a real date; SimMachine rebases fix times onto the simulated clock (from 0)
        ..Scenario::default()
    };
    let start = plan::plan(&setup.field, &setup.machine, &setup.plan_config)
        .ok()
        .and_then(|p| plan_start(&p))
        .map_or(Pose::new(0.0, 0.0, 0.0), |p| start_pose(p, &setup.field.safe));
    let mut sim = make_sim(&setup, scenario, start).map_err(|e| NodeError::Failed(e.to_string()))?;
    let gauge = setup.machine.track_gauge_m;

    let mut cmd_sub = host.subscribe::<Twist>(topic::CMD_VEL)?;
    let mut rotor_sub = host.subscribe::<Float64>(topic::ROTOR_CMD)?;
    let mut depth_sub = host.subscribe::<Float64>(topic::DEPTH_CMD)?;
    let clock_pub = host.publisher::<Clock>(topic::CLOCK)?;
    let fix_pub = host.publisher::<NavSatFix>(topic::GNSS_FIX)?;
    let heading_pub = host.publisher::<QuaternionStamped>(topic::GNSS_HEADING)?;
    let imu_pub = host.publisher::<Imu>(topic::IMU)?;
    let odom_pub = host.publisher::<Odometry>(topic::WHEEL_ODOMETRY)?;
    let joint_pub = host.publisher::<JointState>(topic::JOINT_STATES)?;
    let det_pub = host.publisher::<AccelStamped>(topic::DETONATION)?;
    let step_s = 1.0 / rate::SIM_CLOCK_HZ;
    let mut tick = host.node.create_wall_timer(Duration::from_secs_f64(step_s / rtf))?;
    let logger = host.logger();
    let spinner = host.spin();

    // the drive command times out after CMD_VEL_TIMEOUT_S of simulated time (the machine's own)
    let mut drive = CommandTimeout::default();
    let mut sim_t = 0.0;
    let (mut rotor_rad_s, mut depth_m) = (0.0, 0.0);
    let mut streams = SimStreams::new(gauge);
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            Some(t) = cmd_sub.next() => drive.command(twist_to_drive(&t, gauge, MAX_TRACK_SPEED_MPS), sim_t),
            Some(r) = rotor_sub.next() => rotor_rad_s = r.data,
            Some(d) = depth_sub.next() => depth_m = d.data,
            r = tick.tick() => {
                r?;
                let (setpoint, expired) = drive.setpoint(sim_t);
                if expired {
                    crate::ros_warn!(&logger, "no cmd_vel for {CMD_VEL_TIMEOUT_S} s: tracks stopped");
                }
                sim.command(setpoint, msgs_to_implement(rotor_rad_s, depth_m));
                let s = sim.step(step_s);
                sim_t = s.t_s;
                let m = streams.messages(&s, step_s);
                clock_pub.publish(&m.clock)?;
                for f in &m.fixes {
                    fix_pub.publish(f)?;
                }
                for h in &m.headings {
                    heading_pub.publish(h)?;
                }
                for i in &m.imu {
                    imu_pub.publish(i)?;
                }
                if let Some((o, j)) = &m.odometry {
                    odom_pub.publish(o)?;
                    joint_pub.publish(j)?;
                }
                for (d, &(t, g)) in m.detonations.iter().zip(&s.detonations) {
                    crate::ros_warn!(&logger, "simulated detonation at t = {t:.2} s, {g:.1} g");
                    det_pub.publish(d)?;
                }
            }
            _ = &mut shutdown => break,
        }
    }
    spinner.stop();
    Ok(())
}

#[cfg(test)]
#[path = "sim_tests.rs"]
mod tests;
