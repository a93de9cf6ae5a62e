//! `tracker`: publishes `cmd_vel` and the implement setpoints (`implement/rotor_cmd`,
//! `implement/depth_cmd`) at a fixed rate, by the mission state ([`mode`]): it follows the plan
//! while `clearing`, runs the rotor spin test with the tracks stopped while `planned` (the
//! mission's pre-flight times it), stops with the rotor off while `ready` or `paused`, while the
//! e-stop is latched or its state unknown, and publishes nothing while no mission is in progress
//! (`idle`, `completed`, `aborted`: after a second of stops the machine is the operator's, e.g.
//! to drive the first metres that align the localizer).
//!
//! The plan is computed in-process from the same parameters as the planner and mission nodes
//! (`field`, `machine`, …): the planner is deterministic, and `nav_msgs/Path` cannot carry the
//! implement on/off and direction of each motion. The following itself is a [`PathFollower`]:
//! the binary passes [`path_tracker`](crate::ros::adapters::path_tracker) (`crate::track`).
//!
//! It stops (tracks at zero, rotor off) whenever it may not drive, and also when the estimate
//! is older than [`ESTIMATE_MAX_AGE_S`]; after such a hold the follower continues the current
//! motion from standstill. `tracker/segment` says which motion it follows (the mission node
//! counts segments done from it).

use r2r::nav_msgs::msg::Odometry;
use r2r::sensor_msgs::msg::JointState;
use r2r::std_msgs::msg::{Bool, Float64, String as RosString, UInt32};

use crate::localize::Estimate;
use crate::localize::QualityThresholds;
use crate::plan;
use crate::plan::Plan;
use crate::ros::adapters::{PathFollower, TrackerSetpoints};
use crate::ros::can_msgs::implement_from_joint_state;
use crate::ros::drive_msgs::{drive_to_twist, implement_to_msgs};
use crate::ros::estimate_msgs::odometry_to_estimate;
use crate::ros::msg::seconds;
use crate::ros::runtime::{latest, now, shutdown_signal, NodeError, NodeHost};
use crate::ros::setup::Setup;
use crate::ros_interface::{rate, topic};
use crate::track::TrackError;

/// What the tracker does at a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Follow the plan.
    Drive,
    /// Tracks stopped, rotor on at its target speed, tool lifted.
    SpinTest,
    /// Tracks stopped, rotor off.
    Stop,
    /// Publish nothing (after [`SILENCE_AFTER_STOPS`] stops, so the machine is left standing).
    Silent,
}

/// Stops published on entering [`Mode::Silent`] before going quiet (a second's worth).
pub const SILENCE_AFTER_STOPS: u32 = 20;

/// The mode for the last `mission/state` and `mission/estop_latched` (`None`: none received).
pub fn mode(mission_state: Option<&str>, estop_latched: Option<bool>) -> Mode {
    match (mission_state, estop_latched) {
        (Some("idle" | "completed" | "aborted"), Some(false)) => Mode::Silent,
        (Some("clearing"), Some(false)) => Mode::Drive,
        (Some("planned"), Some(false)) => Mode::SpinTest,
        _ => Mode::Stop,
    }
}

/// Whether this tracker was there when the mission started. It follows the plan from its first
/// motion, so it drives only a mission it has seen before `clearing` (`idle`, `planned` or
/// `ready`): restarted during a mission it would head back to the first motion across
/// unprocessed ground, so it keeps the machine stopped until the mission is configured again.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Attendance {
    present: bool,
}

impl Attendance {
    /// The mode after the attendance check, for the last `mission/state`.
    pub fn check(&mut self, mission_state: Option<&str>, mode: Mode) -> Mode {
        if matches!(mission_state, Some("idle" | "planned" | "ready")) {
            self.present = true;
        }
        if mode == Mode::Drive && !self.present {
            Mode::Stop
        } else {
            mode
        }
    }

    pub fn present(&self) -> bool {
        self.present
    }
}

/// An estimate older than this (ROS time) stops the machine, seconds.
pub const ESTIMATE_MAX_AGE_S: f64 = 0.5;

/// The longest control step passed to the follower, seconds (a late timer is not extrapolated).
pub const MAX_STEP_S: f64 = 0.2;

/// Build the follower for the setup and its plan (the binary chooses the implementation).
pub type FollowerFactory = fn(&Setup, &Plan) -> Result<Box<dyn PathFollower>, TrackError>;

/// Whether this step publishes: always, except in [`Mode::Silent`] after
/// [`SILENCE_AFTER_STOPS`] stops (`quiet_stops` counts them).
pub fn publishes(mode: Mode, quiet_stops: &mut u32) -> bool {
    if mode != Mode::Silent {
        *quiet_stops = 0;
        return true;
    }
    *quiet_stops = quiet_stops.saturating_add(1);
    *quiet_stops <= SILENCE_AFTER_STOPS
}

/// The estimate to follow at `now_s`: present and not older than [`ESTIMATE_MAX_AGE_S`].
pub fn fresh(estimate: Option<Estimate>, now_s: f64) -> Option<Estimate> {
    estimate.filter(|e| (now_s - e.unix_time_s).abs() <= ESTIMATE_MAX_AGE_S)
}

/// The control step since `last_s` (the previous driving step), within `0..=MAX_STEP_S`; a first
/// step after a hold is one nominal period.
pub fn control_dt(last_s: Option<f64>, now_s: f64) -> f64 {
    match last_s {
        Some(l) => (now_s - l).clamp(0.0, MAX_STEP_S),
        None => 1.0 / rate::TRACKER_HZ,
    }
}

pub async fn run_with(make_follower: FollowerFactory) -> Result<(), NodeError> {
    let mut host = NodeHost::create("tracker")?;
    super::check_params("tracker", &host.params)?;
    let setup = Setup::from_params(&host.params)?;
    let plan =
        plan::plan(&setup.field, &setup.machine, &setup.plan_config).map_err(|e| NodeError::Failed(e.to_string()))?;
    let mut follower = make_follower(&setup, &plan).map_err(|e| NodeError::Failed(e.to_string()))?;
    let gauge = setup.machine.track_gauge_m;

    let odom = latest(host.subscribe::<Odometry>(topic::FILTERED_ODOMETRY)?);
    let joints = latest(host.subscribe::<JointState>(topic::JOINT_STATES)?);
    let state = latest(host.subscribe::<RosString>(topic::MISSION_STATE)?);
    let estop = latest(host.subscribe::<Bool>(topic::ESTOP_LATCHED)?);
    let cmd_pub = host.publisher::<r2r::geometry_msgs::msg::Twist>(topic::CMD_VEL)?;
    let rotor_pub = host.publisher::<Float64>(topic::ROTOR_CMD)?;
    let depth_pub = host.publisher::<Float64>(topic::DEPTH_CMD)?;
    let segment_pub = host.publisher::<UInt32>(topic::TRACKER_SEGMENT)?;
    let mut tick = host.timer(rate::TRACKER_HZ)?;
    let clock = host.clock.clone();
    let logger = host.logger();
    let spinner = host.spin();
    let thresholds = QualityThresholds::default();
    let mut last_step_s: Option<f64> = None;
    let spin_test = TrackerSetpoints {
        implement: crate::can::protocol::ImplementCommand {
            rotor_enable: true,
            rotor_rpm: setup.machine.rotor_rpm_target,
            depth_m: 0.0,
        },
        ..TrackerSetpoints::STOP
    };
    let mut segment = 0u32;
    let mut quiet_stops = 0u32;
    let mut attendance = Attendance::default();
    let mut refused_logged = false;
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            r = tick.tick() => {
                r?;
                let mission_state = state.borrow().as_ref().map(|s| s.data.clone());
                let wanted = mode(mission_state.as_deref(), estop.borrow().as_ref().map(|b| b.data));
                let mode = attendance.check(mission_state.as_deref(), wanted);
                if mode != wanted && !refused_logged {
                    crate::ros_error!(&logger, "tracker started during a mission: not driving it (clean up and configure the mission again)");
                    refused_logged = true;
                }
                let now_s = seconds(&now(&clock));
                let estimate = fresh(odom.borrow().as_ref().and_then(|o| odometry_to_estimate(o, &thresholds)), now_s);
                let (rpm, depth) = joints.borrow().as_ref().and_then(implement_from_joint_state).unwrap_or((0.0, 0.0));
                let sp = match (mode, estimate) {
                    (Mode::Drive, Some(e)) => {
                        let dt = control_dt(last_step_s, now_s);
                        last_step_s = Some(now_s);
                        let sp = follower.step(&e, rpm, depth, dt);
                        segment = follower.segment() as u32;
                        sp
                    }
                    _ => {
                        if last_step_s.take().is_some() {
                            follower.held();
                        }
                        if mode == Mode::SpinTest { spin_test } else { TrackerSetpoints::STOP }
                    }
                };
                if !publishes(mode, &mut quiet_stops) {
                    continue;
                }
                segment_pub.publish(&UInt32 { data: segment })?;
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
    fn stale_estimates_and_late_timers_are_not_followed() {
        let mut e = crate::ros::pose_msgs::tests::estimate();
        e.unix_time_s = 100.0;
        assert!(fresh(Some(e), 100.4).is_some());
        assert!(fresh(Some(e), 100.6).is_none(), "localizer silent for 0.6 s");
        assert!(fresh(None, 100.0).is_none());
        assert_eq!(control_dt(None, 5.0), 0.05);
        assert!((control_dt(Some(5.0), 5.05) - 0.05).abs() < 1e-12);
        assert_eq!(control_dt(Some(5.0), 7.0), MAX_STEP_S);
        assert_eq!(control_dt(Some(5.0), 4.0), 0.0, "clock jumped back");
    }

    #[test]
    fn drives_only_while_clearing_and_unlatched() {
        let cases = [
            (Some("clearing"), Some(false), Mode::Drive),
            (Some("clearing"), Some(true), Mode::Stop),
            (Some("clearing"), None, Mode::Stop),
            (Some("planned"), Some(false), Mode::SpinTest),
            (Some("planned"), Some(true), Mode::Stop),
            (Some("ready"), Some(false), Mode::Stop),
            (Some("paused"), Some(false), Mode::Stop),
            (Some("idle"), Some(false), Mode::Silent),
            (Some("completed"), Some(false), Mode::Silent),
            (Some("aborted"), Some(true), Mode::Stop),
            (None, Some(false), Mode::Stop),
            (None, None, Mode::Stop),
        ];
        for (state, latched, want) in cases {
            assert_eq!(mode(state, latched), want, "{state:?} {latched:?}");
        }
    }

    #[test]
    fn a_tracker_restarted_during_a_mission_does_not_drive_it() {
        let mut late = Attendance::default();
        assert_eq!(late.check(Some("clearing"), Mode::Drive), Mode::Stop);
        assert_eq!(late.check(Some("paused"), Mode::Stop), Mode::Stop);
        assert_eq!(late.check(Some("clearing"), Mode::Drive), Mode::Stop);
        assert_eq!(late.check(Some("idle"), Mode::Silent), Mode::Silent, "cleaned up");
        assert_eq!(late.check(Some("planned"), Mode::SpinTest), Mode::SpinTest);
        assert_eq!(
            late.check(Some("clearing"), Mode::Drive),
            Mode::Drive,
            "the next mission"
        );
        let mut early = Attendance::default();
        assert_eq!(early.check(None, Mode::Stop), Mode::Stop);
        assert!(!early.present());
        early.check(Some("ready"), Mode::Stop);
        assert_eq!(early.check(Some("clearing"), Mode::Drive), Mode::Drive);
    }

    #[test]
    fn silence_comes_after_a_second_of_stops() {
        let mut n = 0;
        assert!(publishes(Mode::Drive, &mut n));
        let published = (0..100).filter(|_| publishes(Mode::Silent, &mut n)).count();
        assert_eq!(published, SILENCE_AFTER_STOPS as usize, "stops, then quiet");
        assert!(publishes(Mode::Stop, &mut n));
        assert!(publishes(Mode::Silent, &mut n), "a new silence starts with stops again");
    }
}
