//! Runs the in-process stack the nodes wrap — planner, simulator ([`SimMachine`]), localizer,
//! path tracker ([`PathTracker`] through [`path_tracker`]), processed-area grid
//! ([`ProcessedGrid`] through [`processed_grid`]) — for 60 simulated seconds, passing every value
//! between them through the messages the nodes exchange (NavSatFix, QuaternionStamped, Imu,
//! Odometry, JointState, Twist, Float64), built with the nodes' own conversion functions. Every stream a node would
//! publish is then checked against the interface table: topic known for that node, message type,
//! frame id, and the rate measured from the stamps.
//!
//! [`PathTracker`]: crate::track::PathTracker
//! [`ProcessedGrid`]: crate::coverage::ProcessedGrid

use std::collections::BTreeMap;

use crate::localize::{Localizer, LocalizerConfig, QualityThresholds};
use crate::ros::adapters::{path_tracker, processed_grid, SimMachine, SimulatorCore, TrackerSetpoints};
use crate::ros::can_msgs::{detonation_msg, implement_from_joint_state};
use crate::ros::drive_msgs::{
    drive_to_twist, implement_to_msgs, msgs_to_implement, twist_to_drive, MAX_TRACK_SPEED_MPS,
};
use crate::ros::estimate_msgs::{localization_diagnostics, odometry_to_estimate};
use crate::ros::gnss_msgs::{navsat_to_fix, NavSatMapping};
use crate::ros::grid_msgs::occupancy_grid;
use crate::ros::heading_msgs::msg_to_heading;
use crate::ros::msg::{seconds, time};
use crate::ros::nodes::sim::SimStreams;
use crate::ros::plan_msgs::{plan_markers, plan_path};
use crate::ros::pose_msgs::{estimate_odometry, imu_yaw_rate, odometry_sample, tf_chain, TwistVariance};
use crate::ros::setup::Setup;
use crate::ros_interface::{msg_type, rate, spec, topic, Direction, TOPICS};
use crate::sim::Scenario;
use r2r::builtin_interfaces::msg::Time;
use r2r::std_msgs::msg::UInt32;

/// `r2r::…::nav_msgs::msg::Odometry` → `nav_msgs/msg/Odometry`.
fn ros_type<T>(_: &T) -> String {
    let full = std::any::type_name::<T>();
    let parts: Vec<&str> = full.split("::").collect();
    parts[parts.len() - 3..].join("/")
}

/// What one node published on one topic.
struct Stream {
    ros_type: String,
    frames: Vec<String>,
    stamps_s: Vec<f64>,
}

#[derive(Default)]
struct Recorder {
    /// by (node, topic)
    streams: BTreeMap<(&'static str, &'static str), Stream>,
}

impl Recorder {
    fn publish<T>(&mut self, node: &'static str, topic: &'static str, msg: &T, frame: &str, stamp: &Time) {
        let e = self.streams.entry((node, topic)).or_insert_with(|| Stream {
            ros_type: ros_type(msg),
            frames: Vec::new(),
            stamps_s: Vec::new(),
        });
        e.frames.push(frame.to_string());
        e.stamps_s.push(seconds(stamp));
    }
}

#[test]
fn published_streams_match_the_interface_table() {
    let (field, plan) = crate::ros::plan_msgs::tests_support::example();
    let m = crate::machine::MachineProfile::default_profile();
    let setup = Setup {
        field: field.clone(),
        machine: m.clone(),
        plan_config: crate::plan::PlanConfig::default(),
    };
    let mut rec = Recorder::default();
    let t0 = time(0.0);
    let p = plan_path(&plan, t0.clone());
    rec.publish("planner", topic::PLAN_PATH, &p, &p.header.frame_id, &t0);
    let mk = plan_markers(&field, Some(&plan), t0.clone());
    rec.publish("planner", topic::PLAN_MARKERS, &mk, &mk.markers[1].header.frame_id, &t0);

    // where the sim node starts the machine: behind the plan's first pose, so that the operator's
    // straight run aligning the localizer ends before the first pass
    let first = crate::sim::harness::plan_start(&plan).expect("the plan has motions");
    let start = crate::ros::nodes::sim::start_pose(first, &field.safe);
    assert!(start.distance_m(&first) > 2.9, "room to align on safe ground");
    let mut sim = SimMachine::new(&m, &field, Scenario::quiet(11), start).unwrap();
    let mut streams = SimStreams::new(m.track_gauge_m);
    let cfg = LocalizerConfig::for_machine(&m).validate().unwrap();
    let mut loc = Localizer::new(cfg, Some(field.datum)).unwrap();
    let mut follower = path_tracker(&setup, &plan).unwrap();
    let mut grid = processed_grid(&setup, 0.1).unwrap();
    let tv = TwistVariance {
        speed_m2ps2: 1e-5,
        yaw_rate_rad2ps2: 1e-6,
    };
    let mapping = NavSatMapping::default();
    let thresholds = QualityThresholds::default();
    // until the localizer has aligned, the operator drives straight ahead (the tracker is silent)
    let manual = TrackerSetpoints {
        drive: crate::can::protocol::DriveCommand {
            left_mps: 0.3,
            right_mps: 0.3,
        },
        ..TrackerSetpoints::STOP
    };
    let step = 1.0 / rate::SIM_CLOCK_HZ;
    let (mut next_loc, mut next_grid, mut next_track, mut next_diag) = (0.0, 0.0, 0.0, 0.0);
    let (mut estimates, mut followed) = (0, 0);
    let (mut gyro, mut joints, mut odom_msg) = (None, None, None);
    let mut cmd = (
        drive_to_twist(&manual.drive, m.track_gauge_m),
        implement_to_msgs(&manual.implement),
    );
    for _ in 1..=6000u64 {
        // the sim node: commands in, one step, messages out
        let drive = twist_to_drive(&cmd.0, m.track_gauge_m, MAX_TRACK_SPEED_MPS);
        sim.command(drive, msgs_to_implement(cmd.1 .0.data, cmd.1 .1.data));
        let s = sim.step(step);
        let st = time(s.t_s);
        let msgs = streams.messages(&s, step);
        rec.publish("sim", topic::CLOCK, &msgs.clock, "-", &st);
        for nav in &msgs.fixes {
            rec.publish("sim", topic::GNSS_FIX, nav, &nav.header.frame_id, &nav.header.stamp);
            loc.push_fix(&navsat_to_fix(nav, &mapping).unwrap());
        }
        for h in &msgs.headings {
            rec.publish("sim", topic::GNSS_HEADING, h, &h.header.frame_id, &h.header.stamp);
            loc.push_heading(msg_to_heading(h).unwrap());
        }
        for imu in &msgs.imu {
            rec.publish("sim", topic::IMU, imu, &imu.header.frame_id, &imu.header.stamp);
            gyro = imu_yaw_rate(imu);
        }
        if let Some((o, js)) = &msgs.odometry {
            rec.publish("sim", topic::WHEEL_ODOMETRY, o, &o.header.frame_id, &st);
            rec.publish("sim", topic::JOINT_STATES, js, &js.header.frame_id, &st);
            loc.push_odometry(odometry_sample(o, m.track_gauge_m, gyro, s.t_s).unwrap());
            joints = implement_from_joint_state(js);
            odom_msg = Some(o.clone());
        }
        // the localizer node
        if s.t_s + 1e-9 >= next_loc {
            next_loc += 1.0 / rate::LOCALIZER_HZ;
            let e = loc.estimate();
            if s.t_s + 1e-9 >= next_diag {
                next_diag += 1.0 / rate::DIAGNOSTICS_HZ;
                let d = localization_diagnostics(e.as_ref(), &loc.stats(), st.clone());
                rec.publish("localizer", topic::DIAGNOSTICS, &d, "-", &st);
            }
            if let (Some(e), Some(o)) = (e, &odom_msg) {
                estimates += 1;
                let o_f = estimate_odometry(&e, tv, st.clone());
                rec.publish("localizer", topic::FILTERED_ODOMETRY, &o_f, &o_f.header.frame_id, &st);
                let tf = r2r::tf2_msgs::msg::TFMessage {
                    transforms: tf_chain(&e, crate::ros::pose_msgs::odometry_pose(o), st.clone()),
                };
                rec.publish("localizer", topic::TF, &tf, &tf.transforms[0].header.frame_id, &st);
                // the coverage node
                let back = odometry_to_estimate(&o_f, &thresholds).unwrap();
                let (rpm, depth) = joints.unwrap_or((0.0, 0.0));
                grid.update(&back, rpm, depth);
            }
        }
        // the tracker node (follows once the estimate is there)
        if s.t_s + 1e-9 >= next_track {
            next_track += 1.0 / rate::TRACKER_HZ;
            let estimate = loc.estimate();
            let (rpm, depth) = joints.unwrap_or((0.0, 0.0));
            let sp = match estimate {
                Some(e) => {
                    followed += 1;
                    follower.step(&e, rpm, depth, 1.0 / rate::TRACKER_HZ)
                }
                None => manual,
            };
            cmd = (
                drive_to_twist(&sp.drive, m.track_gauge_m),
                implement_to_msgs(&sp.implement),
            );
            rec.publish("tracker", topic::CMD_VEL, &cmd.0, "-", &st);
            rec.publish("tracker", topic::ROTOR_CMD, &cmd.1 .0, "-", &st);
            rec.publish("tracker", topic::DEPTH_CMD, &cmd.1 .1, "-", &st);
            let seg = UInt32 {
                data: follower.segment() as u32,
            };
            rec.publish("tracker", topic::TRACKER_SEGMENT, &seg, "-", &st);
        }
        if s.t_s + 1e-9 >= next_grid {
            next_grid += 1.0 / rate::COVERAGE_GRID_HZ;
            let g = occupancy_grid(&grid.snapshot(), st.clone()).unwrap();
            rec.publish("coverage", topic::COVERAGE_GRID, &g, &g.header.frame_id, &st);
        }
    }
    let d = detonation_msg(30.0, time(1.0));
    rec.publish("can_bridge", topic::DETONATION, &d, &d.header.frame_id, &time(1.0));
    assert!(estimates > 500, "the localizer aligned and ran: {estimates}");
    assert!(followed > 500, "the tracker drove: {followed}");
    assert!(grid.progress() > 0.0, "the grid credited ground");
    let truth = sim.vehicle().truth().pose;
    assert!(
        truth.distance_m(&start) > 5.0,
        "the machine moved: {truth:?} from {start:?}"
    );

    for ((node, t), st) in &rec.streams {
        let (ty, frames, stamps) = (&st.ros_type, &st.frames, &st.stamps_s);
        let row = spec(node, Direction::Publish, t).unwrap_or_else(|| panic!("{node} publishes {t}: not in the table"));
        assert_eq!(ty, row.msg_type, "{node} {t}");
        assert!(
            frames.iter().all(|f| f == row.frame),
            "{node} {t}: frames {:?} vs {}",
            frames[0],
            row.frame
        );
        if let (Some(hz), true) = (row.rate_hz, stamps.len() > 10) {
            let span = stamps.last().unwrap() - stamps[0];
            let measured = (stamps.len() - 1) as f64 / span;
            assert!(
                (measured - hz).abs() / hz < 0.1,
                "{node} {t}: {measured:.2} Hz vs {hz} Hz"
            );
        }
    }
    // every table row the loop exercises was seen
    for (node, t) in [
        ("sim", topic::GNSS_FIX),
        ("sim", topic::GNSS_HEADING),
        ("sim", topic::IMU),
        ("sim", topic::WHEEL_ODOMETRY),
        ("localizer", topic::TF),
        ("tracker", topic::CMD_VEL),
        ("tracker", topic::TRACKER_SEGMENT),
        ("coverage", topic::COVERAGE_GRID),
    ] {
        assert!(rec.streams.contains_key(&(node, t)), "{node} {t}");
    }
    assert!(TOPICS.iter().any(|r| r.msg_type == msg_type::OCCUPANCY_GRID));
}
