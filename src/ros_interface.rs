//! The ROS 2 interface of the nodes as plain data: every topic a node publishes or subscribes,
//! with its message type, QoS, frame and rate.
//!
//! This table is the single source the nodes take their topic names, QoS and rates from, and
//! what `tests/ros_assets.rs` checks `docs/ros.md`, the `ros_gz_bridge` YAML, the launch files and
//! the RViz config against. It carries no `r2r` types so those checks run in a plain `cargo test`.
//!
//! Names without a leading `/` are relative: they resolve under the node's namespace (empty in
//! the shipped launch files). Frames follow REP-105: `map` (ENU at the field's datum), `odom`,
//! `base_link`.

/// Whether a node publishes or subscribes a topic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Publish,
    Subscribe,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Publish => "pub",
            Direction::Subscribe => "sub",
        }
    }
}

/// The QoS profiles the nodes use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Qos {
    /// Reliable, volatile, keep last 10 (`QosProfile::default()`).
    Reliable,
    /// Reliable, transient local, keep last 1: late joiners (RViz) get the last sample.
    Latched,
    /// Best effort, volatile, keep last 5 (`QosProfile::sensor_data()`); matches either publisher.
    SensorData,
    /// Reliable, volatile, keep last 100 (tf2 broadcaster defaults).
    Tf,
}

impl Qos {
    /// The name used in `docs/ros.md`.
    pub fn as_str(self) -> &'static str {
        match self {
            Qos::Reliable => "reliable",
            Qos::Latched => "latched",
            Qos::SensorData => "sensor_data",
            Qos::Tf => "tf",
        }
    }
}

/// One row of the interface table.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TopicSpec {
    /// Node name (as launched; the executable is `demine_<node>`).
    pub node: &'static str,
    pub direction: Direction,
    pub topic: &'static str,
    /// ROS type name, `pkg/msg/Type`.
    pub msg_type: &'static str,
    pub qos: Qos,
    /// `header.frame_id` of the messages (`-` for messages without a header).
    pub frame: &'static str,
    /// Publication rate, Hz; `None` for event-driven or latched topics and for subscriptions.
    pub rate_hz: Option<f64>,
}

/// Node names, in launch order.
pub const NODES: [&str; 7] = [
    "planner",
    "localizer",
    "tracker",
    "can_bridge",
    "mission",
    "coverage",
    "sim",
];

/// Topic names (relative unless global by convention).
pub mod topic {
    pub const PLAN_PATH: &str = "plan/path";
    pub const PLAN_MARKERS: &str = "plan/markers";
    pub const GNSS_FIX: &str = "gps/fix";
    /// Dual-antenna heading: REP-103 yaw (counter-clockwise from east) of the antenna baseline.
    pub const GNSS_HEADING: &str = "gps/heading";
    pub const IMU: &str = "imu/data";
    pub const WHEEL_ODOMETRY: &str = "odometry/wheel";
    pub const FILTERED_ODOMETRY: &str = "odometry/filtered";
    pub const TF: &str = "/tf";
    pub const CMD_VEL: &str = "cmd_vel";
    pub const ROTOR_CMD: &str = "implement/rotor_cmd";
    pub const DEPTH_CMD: &str = "implement/depth_cmd";
    pub const JOINT_STATES: &str = "joint_states";
    pub const DIAGNOSTICS: &str = "/diagnostics";
    pub const DETONATION: &str = "detonation/shock";
    pub const ESTOP: &str = "estop";
    pub const ESTOP_RESET: &str = "estop/reset";
    pub const ESTOP_LATCHED: &str = "mission/estop_latched";
    pub const MISSION_STATE: &str = "mission/state";
    pub const TRANSITION_EVENT: &str = "mission/transition_event";
    pub const COVERAGE_GRID: &str = "coverage/grid";
    pub const COVERAGE_PROGRESS: &str = "coverage/progress";
    pub const COVERAGE_MARKERS: &str = "coverage/detonations";
    pub const CLOCK: &str = "/clock";
    pub const TRACKER_SEGMENT: &str = "tracker/segment";
    pub const DETONATION_ACK: &str = "detonation/acknowledge";
    /// The id of the detonation whose acknowledgement the mission waits for (latched).
    pub const DETONATION_PENDING: &str = "mission/detonation_pending";
}

/// Message type names.
pub mod msg_type {
    pub const PATH: &str = "nav_msgs/msg/Path";
    pub const MARKER_ARRAY: &str = "visualization_msgs/msg/MarkerArray";
    pub const NAV_SAT_FIX: &str = "sensor_msgs/msg/NavSatFix";
    pub const QUATERNION_STAMPED: &str = "geometry_msgs/msg/QuaternionStamped";
    pub const IMU: &str = "sensor_msgs/msg/Imu";
    pub const ODOMETRY: &str = "nav_msgs/msg/Odometry";
    pub const TF_MESSAGE: &str = "tf2_msgs/msg/TFMessage";
    pub const TWIST: &str = "geometry_msgs/msg/Twist";
    pub const FLOAT64: &str = "std_msgs/msg/Float64";
    pub const JOINT_STATE: &str = "sensor_msgs/msg/JointState";
    pub const DIAGNOSTIC_ARRAY: &str = "diagnostic_msgs/msg/DiagnosticArray";
    pub const ACCEL_STAMPED: &str = "geometry_msgs/msg/AccelStamped";
    pub const BOOL: &str = "std_msgs/msg/Bool";
    pub const STRING: &str = "std_msgs/msg/String";
    pub const TRANSITION_EVENT: &str = "lifecycle_msgs/msg/TransitionEvent";
    pub const OCCUPANCY_GRID: &str = "nav_msgs/msg/OccupancyGrid";
    pub const CLOCK: &str = "rosgraph_msgs/msg/Clock";
    pub const UINT32: &str = "std_msgs/msg/UInt32";
}

/// Rates of the periodic publications, Hz.
pub mod rate {
    /// Localizer output (odometry/filtered and /tf).
    pub const LOCALIZER_HZ: f64 = 20.0;
    /// Tracker setpoints (cmd_vel, implement commands).
    pub const TRACKER_HZ: f64 = 20.0;
    /// CAN bridge wheel odometry and joint states (the TrackSpeeds frame period is 20 ms).
    pub const CAN_ODOMETRY_HZ: f64 = 50.0;
    /// Diagnostics.
    pub const DIAGNOSTICS_HZ: f64 = 1.0;
    /// Mission supervisor: observations checked and `mission/state` republished.
    pub const MISSION_HZ: f64 = 10.0;
    /// Coverage grid (throttled) and progress.
    pub const COVERAGE_GRID_HZ: f64 = 1.0;
    /// Built-in simulator: physics step and clock.
    pub const SIM_CLOCK_HZ: f64 = 100.0;
    /// Built-in simulator GNSS fixes and dual-antenna headings.
    pub const SIM_GNSS_HZ: f64 = 10.0;
    /// Built-in simulator IMU.
    pub const SIM_IMU_HZ: f64 = 50.0;
    /// Built-in simulator wheel odometry and joint states (Gazebo DiffDrive's default is 50 Hz).
    pub const SIM_ODOMETRY_HZ: f64 = 50.0;
}

/// Frame names (REP-105 and the URDF).
pub mod frame {
    pub const MAP: &str = "map";
    pub const ODOM: &str = "odom";
    pub const BASE_LINK: &str = "base_link";
    pub const GNSS: &str = "gnss_link";
    pub const IMU: &str = "imu_link";
    /// Messages without a header.
    pub const NONE: &str = "-";
}

use Direction::{Publish as P, Subscribe as S};

const fn row(
    node: &'static str,
    direction: Direction,
    topic: &'static str,
    msg_type: &'static str,
    qos: Qos,
    frame: &'static str,
    rate_hz: Option<f64>,
) -> TopicSpec {
    TopicSpec {
        node,
        direction,
        topic,
        msg_type,
        qos,
        frame,
        rate_hz,
    }
}

/// Every topic every node uses.
#[rustfmt::skip]
pub const TOPICS: &[TopicSpec] = &[
    // planner
    row("planner", P, topic::PLAN_PATH, msg_type::PATH, Qos::Latched, frame::MAP, None),
    row("planner", P, topic::PLAN_MARKERS, msg_type::MARKER_ARRAY, Qos::Latched, frame::MAP, None),
    // localizer
    row("localizer", S, topic::GNSS_FIX, msg_type::NAV_SAT_FIX, Qos::SensorData, frame::GNSS, None),
    row("localizer", S, topic::GNSS_HEADING, msg_type::QUATERNION_STAMPED, Qos::SensorData, frame::GNSS, None),
    row("localizer", S, topic::IMU, msg_type::IMU, Qos::SensorData, frame::IMU, None),
    row("localizer", S, topic::WHEEL_ODOMETRY, msg_type::ODOMETRY, Qos::SensorData, frame::ODOM, None),
    row("localizer", P, topic::FILTERED_ODOMETRY, msg_type::ODOMETRY, Qos::Reliable, frame::MAP, Some(rate::LOCALIZER_HZ)),
    row("localizer", P, topic::TF, msg_type::TF_MESSAGE, Qos::Tf, frame::MAP, Some(rate::LOCALIZER_HZ)),
    row("localizer", P, topic::DIAGNOSTICS, msg_type::DIAGNOSTIC_ARRAY, Qos::Reliable, frame::NONE, Some(rate::DIAGNOSTICS_HZ)),
    // tracker
    row("tracker", S, topic::FILTERED_ODOMETRY, msg_type::ODOMETRY, Qos::Reliable, frame::MAP, None),
    row("tracker", S, topic::MISSION_STATE, msg_type::STRING, Qos::Latched, frame::NONE, None),
    row("tracker", S, topic::JOINT_STATES, msg_type::JOINT_STATE, Qos::Reliable, frame::BASE_LINK, None),
    row("tracker", S, topic::ESTOP_LATCHED, msg_type::BOOL, Qos::Latched, frame::NONE, None),
    row("tracker", P, topic::CMD_VEL, msg_type::TWIST, Qos::Reliable, frame::NONE, Some(rate::TRACKER_HZ)),
    row("tracker", P, topic::ROTOR_CMD, msg_type::FLOAT64, Qos::Reliable, frame::NONE, Some(rate::TRACKER_HZ)),
    row("tracker", P, topic::DEPTH_CMD, msg_type::FLOAT64, Qos::Reliable, frame::NONE, Some(rate::TRACKER_HZ)),
    row("tracker", P, topic::TRACKER_SEGMENT, msg_type::UINT32, Qos::Reliable, frame::NONE, Some(rate::TRACKER_HZ)),
    // can_bridge
    row("can_bridge", S, topic::CMD_VEL, msg_type::TWIST, Qos::Reliable, frame::NONE, None),
    row("can_bridge", S, topic::ROTOR_CMD, msg_type::FLOAT64, Qos::Reliable, frame::NONE, None),
    row("can_bridge", S, topic::DEPTH_CMD, msg_type::FLOAT64, Qos::Reliable, frame::NONE, None),
    row("can_bridge", S, topic::ESTOP_LATCHED, msg_type::BOOL, Qos::Latched, frame::NONE, None),
    row("can_bridge", S, topic::MISSION_STATE, msg_type::STRING, Qos::Latched, frame::NONE, None),
    row("can_bridge", P, topic::WHEEL_ODOMETRY, msg_type::ODOMETRY, Qos::SensorData, frame::ODOM, Some(rate::CAN_ODOMETRY_HZ)),
    row("can_bridge", P, topic::JOINT_STATES, msg_type::JOINT_STATE, Qos::Reliable, frame::BASE_LINK, Some(rate::CAN_ODOMETRY_HZ)),
    row("can_bridge", P, topic::DIAGNOSTICS, msg_type::DIAGNOSTIC_ARRAY, Qos::Reliable, frame::NONE, Some(rate::DIAGNOSTICS_HZ)),
    row("can_bridge", P, topic::DETONATION, msg_type::ACCEL_STAMPED, Qos::Reliable, frame::BASE_LINK, None),
    // mission
    row("mission", S, topic::ESTOP, msg_type::BOOL, Qos::Reliable, frame::NONE, None),
    row("mission", S, topic::ESTOP_RESET, msg_type::BOOL, Qos::Reliable, frame::NONE, None),
    row("mission", S, topic::DETONATION_ACK, msg_type::UINT32, Qos::Reliable, frame::NONE, None),
    row("mission", S, topic::FILTERED_ODOMETRY, msg_type::ODOMETRY, Qos::Reliable, frame::MAP, None),
    row("mission", S, topic::JOINT_STATES, msg_type::JOINT_STATE, Qos::Reliable, frame::BASE_LINK, None),
    row("mission", S, topic::DETONATION, msg_type::ACCEL_STAMPED, Qos::Reliable, frame::BASE_LINK, None),
    row("mission", S, topic::DIAGNOSTICS, msg_type::DIAGNOSTIC_ARRAY, Qos::Reliable, frame::NONE, None),
    row("mission", S, topic::TRACKER_SEGMENT, msg_type::UINT32, Qos::Reliable, frame::NONE, None),
    row("mission", S, topic::COVERAGE_GRID, msg_type::OCCUPANCY_GRID, Qos::Latched, frame::MAP, None),
    row("mission", S, topic::COVERAGE_PROGRESS, msg_type::FLOAT64, Qos::Reliable, frame::NONE, None),
    row("mission", P, topic::MISSION_STATE, msg_type::STRING, Qos::Latched, frame::NONE, None),
    row("mission", P, topic::ESTOP_LATCHED, msg_type::BOOL, Qos::Latched, frame::NONE, None),
    row("mission", P, topic::TRANSITION_EVENT, msg_type::TRANSITION_EVENT, Qos::Reliable, frame::NONE, None),
    row("mission", P, topic::DETONATION_PENDING, msg_type::UINT32, Qos::Latched, frame::NONE, None),
    // coverage
    row("coverage", S, topic::FILTERED_ODOMETRY, msg_type::ODOMETRY, Qos::Reliable, frame::MAP, None),
    row("coverage", S, topic::JOINT_STATES, msg_type::JOINT_STATE, Qos::Reliable, frame::BASE_LINK, None),
    row("coverage", S, topic::DETONATION, msg_type::ACCEL_STAMPED, Qos::Reliable, frame::BASE_LINK, None),
    row("coverage", P, topic::COVERAGE_GRID, msg_type::OCCUPANCY_GRID, Qos::Latched, frame::MAP, Some(rate::COVERAGE_GRID_HZ)),
    row("coverage", P, topic::COVERAGE_PROGRESS, msg_type::FLOAT64, Qos::Reliable, frame::NONE, Some(rate::COVERAGE_GRID_HZ)),
    row("coverage", P, topic::COVERAGE_MARKERS, msg_type::MARKER_ARRAY, Qos::Latched, frame::MAP, None),
    // sim: exactly what the Gazebo bridge publishes, plus what Gazebo does not model (NOT_BRIDGED)
    row("sim", S, topic::CMD_VEL, msg_type::TWIST, Qos::Reliable, frame::NONE, None),
    row("sim", S, topic::ROTOR_CMD, msg_type::FLOAT64, Qos::Reliable, frame::NONE, None),
    row("sim", S, topic::DEPTH_CMD, msg_type::FLOAT64, Qos::Reliable, frame::NONE, None),
    row("sim", P, topic::CLOCK, msg_type::CLOCK, Qos::Reliable, frame::NONE, Some(rate::SIM_CLOCK_HZ)),
    row("sim", P, topic::GNSS_FIX, msg_type::NAV_SAT_FIX, Qos::SensorData, frame::GNSS, Some(rate::SIM_GNSS_HZ)),
    row("sim", P, topic::GNSS_HEADING, msg_type::QUATERNION_STAMPED, Qos::SensorData, frame::GNSS, Some(rate::SIM_GNSS_HZ)),
    row("sim", P, topic::IMU, msg_type::IMU, Qos::SensorData, frame::IMU, Some(rate::SIM_IMU_HZ)),
    row("sim", P, topic::WHEEL_ODOMETRY, msg_type::ODOMETRY, Qos::SensorData, frame::ODOM, Some(rate::SIM_ODOMETRY_HZ)),
    row("sim", P, topic::JOINT_STATES, msg_type::JOINT_STATE, Qos::Reliable, frame::BASE_LINK, Some(rate::SIM_ODOMETRY_HZ)),
    row("sim", P, topic::DETONATION, msg_type::ACCEL_STAMPED, Qos::Reliable, frame::BASE_LINK, None),
];

/// Topics of the sim node that the Gazebo bridge does not carry, with what stands in for them in
/// `sim.launch.py`.
pub const NOT_BRIDGED: &[(&str, &str)] = &[
    (topic::DETONATION, "Gazebo models no mines"),
    (
        topic::GNSS_HEADING,
        "gz NavSat has no heading: the localizer takes the yaw of the ENU-referenced IMU orientation \
         on imu/data (heading_source: imu_orientation)",
    ),
];

/// Topics published outside demine's nodes: by the ROS tools the launch files start, and by the
/// operator (console `ros2 topic pub`, or an e-stop button node).
pub const EXTERNAL_TOPICS: &[(&str, &str)] = &[
    ("robot_state_publisher", "robot_description"),
    ("robot_state_publisher", "/tf_static"),
    ("robot_state_publisher", "/tf"),
    ("operator", "estop"),
    ("operator", "estop/reset"),
    ("operator", "detonation/acknowledge"),
];

/// Services of the `mission` lifecycle node (lifecycle_msgs/srv).
pub const MISSION_SERVICES: &[(&str, &str)] = &[
    ("mission/change_state", "lifecycle_msgs/srv/ChangeState"),
    ("mission/get_state", "lifecycle_msgs/srv/GetState"),
    ("mission/get_available_states", "lifecycle_msgs/srv/GetAvailableStates"),
    (
        "mission/get_available_transitions",
        "lifecycle_msgs/srv/GetAvailableTransitions",
    ),
    (
        "mission/get_transition_graph",
        "lifecycle_msgs/srv/GetAvailableTransitions",
    ),
];

/// The row of `node`'s use of `topic` in `direction`.
pub fn spec(node: &str, direction: Direction, topic: &str) -> Option<&'static TopicSpec> {
    TOPICS
        .iter()
        .find(|t| t.node == node && t.direction == direction && t.topic == topic)
}

/// A topic name without its leading `/` (relative and absolute names compare equal in the
/// shipped launch files, which use the root namespace).
pub fn normalize(topic: &str) -> &str {
    topic.trim_start_matches('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_subscription_has_a_publisher_of_the_same_type() {
        for s in TOPICS.iter().filter(|t| t.direction == Direction::Subscribe) {
            let pubs: Vec<_> = TOPICS
                .iter()
                .filter(|p| p.direction == Direction::Publish && normalize(p.topic) == normalize(s.topic))
                .collect();
            let external = EXTERNAL_TOPICS.iter().any(|(_, t)| normalize(t) == normalize(s.topic));
            assert!(
                !pubs.is_empty() || external,
                "{} subscribes {} that nobody publishes",
                s.node,
                s.topic
            );
            for p in pubs {
                assert_eq!(p.msg_type, s.msg_type, "{} vs {} on {}", p.node, s.node, s.topic);
            }
        }
    }

    #[test]
    fn latched_subscribers_only_where_publishers_are_latched() {
        // a transient-local subscriber never matches a volatile publisher
        for s in TOPICS
            .iter()
            .filter(|t| t.direction == Direction::Subscribe && t.qos == Qos::Latched)
        {
            for p in TOPICS
                .iter()
                .filter(|p| p.direction == Direction::Publish && p.topic == s.topic)
            {
                assert_eq!(p.qos, Qos::Latched, "{} on {}", p.node, p.topic);
            }
        }
        // a reliable subscriber gets nothing from a best-effort publisher
        for s in TOPICS
            .iter()
            .filter(|t| t.direction == Direction::Subscribe && t.qos != Qos::SensorData)
        {
            for p in TOPICS
                .iter()
                .filter(|p| p.direction == Direction::Publish && p.topic == s.topic)
            {
                assert_ne!(p.qos, Qos::SensorData, "{} on {}", p.node, p.topic);
            }
        }
    }

    #[test]
    fn rows_are_unique_and_nodes_known() {
        for (i, a) in TOPICS.iter().enumerate() {
            assert!(NODES.contains(&a.node), "{}", a.node);
            assert!(!a.topic.is_empty() && !a.topic.ends_with('/'));
            for b in &TOPICS[i + 1..] {
                assert!(
                    !(a.node == b.node && a.direction == b.direction && a.topic == b.topic),
                    "duplicate {} {}",
                    a.node,
                    a.topic
                );
            }
            assert!(a.direction == Direction::Publish || a.rate_hz.is_none());
        }
        assert!(spec("planner", Direction::Publish, topic::PLAN_PATH).is_some());
        for (t, _) in NOT_BRIDGED {
            assert!(spec("sim", Direction::Publish, t).is_some(), "NOT_BRIDGED: {t}");
        }
    }
}
