//! The record as a ROS 2 bag in MCAP (rosbag2's storage format since Iron), for
//! `ros2 bag play run.mcap` → RViz with `rviz/demine.rviz`, and for Foxglove.
//!
//! rosbag2's MCAP profile: profile `ros2`; one schema per message type, named `pkg/msg/Type`,
//! encoding `ros2msg`, holding the concatenated definitions ([`super::ros_msgs::schema_text`]);
//! one channel per topic (absolute name), message encoding `cdr`, with the QoS it was offered
//! under in the `offered_qos_profiles` metadata (what `ros2 bag play` republishes with, so latched
//! topics stay latched for RViz); CDR little-endian messages; log and publish time = the
//! message's stamp in mission (sim) time. Chunks are zstd-compressed.
//!
//! Topics, types and frames are those of [`crate::ros_interface::TOPICS`]; periodic topics are
//! written at the table's rate over the recorded time span, sampled from the record:
//!
//! | topic | from the record |
//! |---|---|
//! | `odometry/filtered`, `/tf` (map→odom identity, odom→base_link), `tracker/segment` | driven track, interpolated |
//! | `gps/fix` | driven track in WGS84 (base_link; the record keeps no receiver fixes) |
//! | `coverage/grid`, `coverage/progress` | processed cells by their latest pass time |
//! | `plan/path`, `plan/markers` | plan and field, once at the start (latched) |
//! | `coverage/detonations` | detonations, at each (latched) |
//! | `mission/state` | events, at each state change (latched) |

use super::ros_msgs::{self as ros, cdr, schema_text, Header, Time};
use super::{ExportError, RecordView};
use crate::coverage::HAZARD;
use crate::geodesy::Enu;
use crate::plan::Motion;
use crate::ros_interface::{frame, rate, topic, Qos, TOPICS};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What was written.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct McapSummary {
    pub path: PathBuf,
    /// Topic (absolute name), message type and message count, in channel order.
    pub topics: Vec<(String, String, u64)>,
    /// Stamp of the first and last message, s.
    pub start_s: f64,
    pub end_s: f64,
    /// The coverage grid's display cell, metres (the record's cells, merged so that one grid
    /// message stays under [`GRID_MAX_CELLS`]).
    pub grid_resolution_m: f64,
}

/// Largest `coverage/grid` message in cells.
pub const GRID_MAX_CELLS: usize = 250_000;

/// rosbag2's YAML of one offered QoS profile (integers as rmw's enums: reliability 1 reliable,
/// 2 best effort; durability 1 transient local, 2 volatile; history 1 keep last).
fn qos_yaml(q: Qos) -> String {
    let (reliability, durability, depth) = match q {
        Qos::Reliable => (1, 2, 10),
        Qos::Latched => (1, 1, 1),
        Qos::SensorData => (2, 2, 5),
        Qos::Tf => (1, 2, 100),
    };
    format!(
        "- history: 1\n  depth: {depth}\n  reliability: {reliability}\n  durability: {durability}\n  \
         deadline:\n    sec: 0\n    nsec: 0\n  lifespan:\n    sec: 0\n    nsec: 0\n  liveliness: 1\n  \
         liveliness_lease_duration:\n    sec: 0\n    nsec: 0\n  avoid_ros_namespace_conventions: false\n"
    )
}

/// The topics written, each with the publisher's row of the interface table.
const BAG_TOPICS: &[&str] = &[
    topic::FILTERED_ODOMETRY,
    topic::TF,
    topic::GNSS_FIX,
    topic::TRACKER_SEGMENT,
    topic::COVERAGE_GRID,
    topic::COVERAGE_PROGRESS,
    topic::PLAN_PATH,
    topic::PLAN_MARKERS,
    topic::COVERAGE_MARKERS,
    topic::MISSION_STATE,
];

struct Bag<W: std::io::Write + std::io::Seek> {
    w: mcap::Writer<W>,
    path: String,
    /// channel id, sequence, count, topic, type
    channels: Vec<(u16, u32, String, &'static str)>,
}

impl<W: std::io::Write + std::io::Seek> Bag<W> {
    fn mcap_err(&self, source: mcap::McapError) -> ExportError {
        ExportError::Mcap {
            path: self.path.clone(),
            source,
        }
    }

    fn add(&mut self, name: &'static str) -> Result<(), ExportError> {
        let spec = TOPICS
            .iter()
            .find(|t| t.topic == name && t.direction == crate::ros_interface::Direction::Publish)
            .expect("every bag topic has a publisher in the interface table");
        let schema = schema_text(spec.msg_type).expect("every bag message type has a definition");
        let sid = self
            .w
            .add_schema(spec.msg_type, "ros2msg", schema.as_bytes())
            .map_err(|e| self.mcap_err(e))?;
        let meta = BTreeMap::from([("offered_qos_profiles".to_string(), qos_yaml(spec.qos))]);
        let full = format!("/{}", crate::ros_interface::normalize(name));
        let cid = self
            .w
            .add_channel(sid, &full, "cdr", &meta)
            .map_err(|e| self.mcap_err(e))?;
        self.channels.push((cid, 0, full, spec.msg_type));
        Ok(())
    }

    fn put<T: serde::Serialize>(&mut self, name: &str, t: Time, msg: &T) -> Result<(), ExportError> {
        let i = self
            .channels
            .iter()
            .position(|c| c.2 == format!("/{}", crate::ros_interface::normalize(name)))
            .expect("topic added");
        let data = cdr(msg).map_err(|source| ExportError::Cdr {
            path: self.path.clone(),
            msg_type: self.channels[i].3,
            source,
        })?;
        let (cid, seq) = (self.channels[i].0, self.channels[i].1);
        self.channels[i].1 += 1;
        let ns = t.as_ns();
        self.w
            .write_to_known_channel(
                &mcap::records::MessageHeader {
                    channel_id: cid,
                    sequence: seq,
                    log_time: ns,
                    publish_time: ns,
                },
                &data,
            )
            .map_err(|e| self.mcap_err(e))
    }
}

fn header(t: Time, frame_id: &str) -> Header {
    Header {
        stamp: t,
        frame_id: frame_id.to_string(),
    }
}

fn rgba(r: f32, g: f32, b: f32, a: f32) -> ros::ColorRgba {
    ros::ColorRgba { r, g, b, a }
}

fn pt(x: f64, y: f64) -> ros::Point {
    ros::Point { x, y, z: 0.0 }
}

/// The coverage grid at display resolution: for each display cell, the time from which every
/// hazard cell in it is processed (∞: never; NaN: no hazard in it).
struct DisplayGrid {
    k: usize,
    w: usize,
    h: usize,
    done_t_s: Vec<f64>,
    x0_m: f64,
    y0_m: f64,
    cell_m: f64,
}

impl DisplayGrid {
    fn new(v: &RecordView) -> Self {
        let f = *v.grid.frame();
        let k = ((f.len() as f64 / GRID_MAX_CELLS as f64).sqrt().ceil() as usize).max(1);
        let (w, h) = (f.nx.div_ceil(k), f.ny.div_ceil(k));
        let mut done = vec![f64::NAN; w * h];
        let cells = v.grid.cells();
        for row in 0..f.ny {
            for col in 0..f.nx {
                let i = row * f.nx + col;
                if cells[i] & HAZARD == 0 {
                    continue;
                }
                let t = if v.grid.is_processed(f.centre(col, row)) {
                    v.cell_t_s[i] as f64
                } else {
                    f64::INFINITY
                };
                let d = &mut done[(row / k) * w + col / k];
                *d = if d.is_nan() { t } else { d.max(t) };
            }
        }
        Self {
            k,
            w,
            h,
            done_t_s: done,
            x0_m: f.x0_m,
            y0_m: f.y0_m,
            cell_m: f.cell_m,
        }
    }

    fn message(&self, t: Time) -> ros::OccupancyGrid {
        let now = t.as_ns() as f64 * 1e-9;
        ros::OccupancyGrid {
            header: header(t, frame::MAP),
            info: ros::MapMetaData {
                map_load_time: t,
                resolution: (self.cell_m * self.k as f64) as f32,
                width: self.w as u32,
                height: self.h as u32,
                origin: ros::Pose::planar(self.x0_m, self.y0_m, 0.0),
            },
            data: self
                .done_t_s
                .iter()
                .map(|&d| {
                    if d.is_nan() {
                        -1
                    } else if d <= now + 1e-6 {
                        0
                    } else {
                        100
                    }
                })
                .collect(),
        }
    }
}

fn ring_marker(h: &Header, ns: &str, id: i32, ring: &geo::LineString<f64>, color: ros::ColorRgba) -> ros::Marker {
    let mut m = ros::Marker::new(h.clone(), ns, id, ros::Marker::LINE_STRIP, pt(0.3, 0.0), color);
    m.points = ring.0.iter().map(|c| pt(c.x, c.y)).collect();
    m
}

fn plan_markers(v: &RecordView, t: Time) -> ros::MarkerArray {
    let h = header(t, frame::MAP);
    let mut markers = Vec::new();
    let mut id = 0;
    for p in &v.field.hazard.0 {
        markers.push(ring_marker(&h, "hazard", id, p.exterior(), rgba(0.9, 0.1, 0.1, 1.0)));
        id += 1;
        for r in p.interiors() {
            markers.push(ring_marker(&h, "obstacles", id, r, rgba(0.3, 0.3, 0.3, 1.0)));
            id += 1;
        }
    }
    for p in &v.field.safe.0 {
        markers.push(ring_marker(&h, "safe", id, p.exterior(), rgba(0.1, 0.7, 0.2, 1.0)));
        id += 1;
    }
    let mut lanes = ros::Marker::new(
        h.clone(),
        "processing_passes",
        id,
        ros::Marker::LINE_LIST,
        pt(0.15, 0.0),
        rgba(0.1, 0.3, 0.9, 0.8),
    );
    for m in &v.motions {
        if let Motion::Straight {
            from, to, implement, ..
        } = m
        {
            if *implement {
                lanes.points.push(pt(from.x_m, from.y_m));
                lanes.points.push(pt(to.x_m, to.y_m));
            }
        }
    }
    markers.push(lanes);
    ros::MarkerArray { markers }
}

fn plan_path(v: &RecordView, t: Time) -> ros::Path {
    let mut poses = Vec::new();
    let mut push = |p: &crate::plan::Pose| {
        poses.push(ros::PoseStamped {
            header: header(t, frame::MAP),
            pose: ros::Pose::planar(p.x_m, p.y_m, p.yaw_rad),
        })
    };
    for m in &v.motions {
        match m {
            Motion::Straight { from, to, .. } => {
                push(from);
                push(to);
            }
            Motion::Pivot { at, .. } => {
                push(at);
                push(&m.end());
            }
            Motion::Curve { poses, .. } => poses.iter().for_each(&mut push),
        }
    }
    ros::Path {
        header: header(t, frame::MAP),
        poses,
    }
}

fn detonation_markers(v: &RecordView, upto: usize, t: Time) -> ros::MarkerArray {
    let h = header(t, frame::MAP);
    let markers = v.detonations[..upto]
        .iter()
        .map(|d| {
            let mut m = ros::Marker::new(
                h.clone(),
                "detonations",
                d.id as i32,
                ros::Marker::CYLINDER,
                ros::Point { x: 1.0, y: 1.0, z: 0.5 },
                rgba(1.0, 0.5, 0.0, 1.0),
            );
            m.pose = ros::Pose::planar(d.x_m, d.y_m, 0.0);
            m
        })
        .collect();
    ros::MarkerArray { markers }
}

/// Export the record at `record_path` as an MCAP bag at `out_path` (replaced atomically).
pub fn write_mcap(record_path: &Path, out_path: &Path) -> Result<McapSummary, ExportError> {
    let v = RecordView::open(record_path)?;
    write_mcap_from(&v, out_path)
}

/// As [`write_mcap`], from a record already read.
pub fn write_mcap_from(v: &RecordView, out_path: &Path) -> Result<McapSummary, ExportError> {
    let name = out_path.display().to_string();
    let io = |source| ExportError::Io {
        path: name.clone(),
        source,
    };
    let tmp = super::temp_beside(out_path)?;
    let file = std::fs::File::create(&tmp).map_err(io)?;
    let result = write_bag(v, std::io::BufWriter::new(file), &name)
        .and_then(|(s, w)| w.into_inner().map(|_| s).map_err(|e| io(e.into_error())));
    match result {
        Ok(mut s) => {
            std::fs::rename(&tmp, out_path).map_err(io)?;
            s.path = out_path.to_path_buf();
            Ok(s)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

fn write_bag<W: std::io::Write + std::io::Seek>(
    v: &RecordView,
    out: W,
    name: &str,
) -> Result<(McapSummary, W), ExportError> {
    let mcap_err = |source| ExportError::Mcap {
        path: name.to_string(),
        source,
    };
    let w = mcap::WriteOptions::new()
        .profile("ros2")
        .library(format!("demine {} (mcap crate)", env!("CARGO_PKG_VERSION")))
        .compression(Some(mcap::Compression::Zstd))
        .create(out)
        .map_err(mcap_err)?;
    let mut bag = Bag {
        w,
        path: name.to_string(),
        channels: Vec::new(),
    };
    for t in BAG_TOPICS {
        bag.add(t)?;
    }
    let (t0_s, t1_s) = v.time_span_s();
    let (t0_s, t1_s) = if t0_s.is_finite() { (t0_s, t1_s) } else { (0.0, 0.0) };
    let t0 = Time::from_s(t0_s);
    bag.put(topic::PLAN_PATH, t0, &plan_path(v, t0))?;
    bag.put(topic::PLAN_MARKERS, t0, &plan_markers(v, t0))?;
    let grid = DisplayGrid::new(v);
    // hazard cells in the final grid by their pass time, for coverage/progress
    let mut processed_t: Vec<f64> = {
        let f = v.grid.frame();
        let cells = v.grid.cells();
        (0..f.len())
            .filter(|&i| cells[i] & HAZARD != 0 && v.grid.is_processed(f.centre(i % f.nx, i / f.nx)))
            .map(|i| v.cell_t_s[i] as f64)
            .collect()
    };
    processed_t.sort_by(f64::total_cmp);
    let hazard_cells = (v.grid.hazard_m2() / v.grid.frame().cell_area_m2()).round().max(1.0);
    // event-driven messages, in time order: (t, kind) with kind 0 = state change, 1 = detonation n
    let mut discrete: Vec<(f64, u8, usize)> = Vec::new();
    let mut last_state: Option<&str> = None;
    for (i, e) in v.events.iter().enumerate() {
        if last_state != Some(e.state.as_str()) {
            discrete.push((e.t_s, 0, i));
            last_state = Some(e.state.as_str());
        }
    }
    for (i, d) in v.detonations.iter().enumerate() {
        discrete.push((d.t_s, 1, i));
    }
    discrete.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut next_discrete = 0;
    let hz = rate::LOCALIZER_HZ;
    debug_assert_eq!(rate::TRACKER_HZ, hz);
    let gnss_every = (hz / rate::SIM_GNSS_HZ).round() as i64;
    let grid_every = (hz / rate::COVERAGE_GRID_HZ).round() as i64;
    let k0 = (t0_s * hz).ceil() as i64;
    let k1 = (t1_s * hz).floor() as i64;
    let mut seg: u32 = 0;
    let mut ti = 0;
    let zero36 = ros::Cov36([0.0; 36]);
    for k in k0..=k1 {
        let t_s = k as f64 / hz;
        let t = Time::from_s(t_s);
        while next_discrete < discrete.len() && discrete[next_discrete].0 <= t_s {
            let (te, kind, i) = discrete[next_discrete];
            let st = Time::from_s(te);
            if kind == 0 {
                let msg = ros::StringMsg {
                    data: v.events[i].state.clone(),
                };
                bag.put(topic::MISSION_STATE, st, &msg)?;
            } else {
                bag.put(topic::COVERAGE_MARKERS, st, &detonation_markers(v, i + 1, st))?;
            }
            next_discrete += 1;
        }
        let Some(p) = v.pose_at(t_s) else { continue };
        while ti < v.track.len() && v.track[ti].t_s <= t_s {
            if v.track[ti].segment >= 0 {
                seg = v.track[ti].segment as u32;
            }
            ti += 1;
        }
        // velocity from the samples either side of t
        let (a, b) = (ti.saturating_sub(1), ti.min(v.track.len() - 1));
        let (qa, qb) = (&v.track[a], &v.track[b]);
        let dt = qb.t_s - qa.t_s;
        let (speed, omega) = if dt > 1e-6 {
            let d = (qb.x_m - qa.x_m).hypot(qb.y_m - qa.y_m);
            let dyaw = (qb.yaw_rad - qa.yaw_rad + std::f64::consts::PI).rem_euclid(std::f64::consts::TAU)
                - std::f64::consts::PI;
            (if qb.reverse { -d / dt } else { d / dt }, dyaw / dt)
        } else {
            (0.0, 0.0)
        };
        let odom = ros::Odometry {
            header: header(t, frame::MAP),
            child_frame_id: frame::BASE_LINK.into(),
            pose: ros::PoseWithCovariance {
                pose: ros::Pose::planar(p.x_m, p.y_m, p.yaw_rad),
                covariance: zero36,
            },
            twist: ros::TwistWithCovariance {
                twist: ros::Twist {
                    linear: pt(speed, 0.0),
                    angular: ros::Point {
                        x: 0.0,
                        y: 0.0,
                        z: omega,
                    },
                },
                covariance: zero36,
            },
        };
        bag.put(topic::FILTERED_ODOMETRY, t, &odom)?;
        let tf = ros::TfMessage {
            transforms: vec![
                ros::TransformStamped {
                    header: header(t, frame::MAP),
                    child_frame_id: frame::ODOM.into(),
                    transform: ros::Transform {
                        translation: pt(0.0, 0.0),
                        rotation: ros::Quaternion::yaw(0.0),
                    },
                },
                ros::TransformStamped {
                    header: header(t, frame::ODOM),
                    child_frame_id: frame::BASE_LINK.into(),
                    transform: ros::Transform {
                        translation: pt(p.x_m, p.y_m),
                        rotation: ros::Quaternion::yaw(p.yaw_rad),
                    },
                },
            ],
        };
        bag.put(topic::TF, t, &tf)?;
        bag.put(topic::TRACKER_SEGMENT, t, &ros::UInt32 { data: seg })?;
        if k.rem_euclid(gnss_every) == 0 {
            let ll = v.field.datum.to_latlon(Enu::new(p.x_m, p.y_m));
            let fix = ros::NavSatFix {
                header: header(t, frame::GNSS),
                status: ros::NavSatStatus { status: 0, service: 1 },
                latitude: ll.lat_deg,
                longitude: ll.lon_deg,
                altitude: ll.alt_m,
                position_covariance: [0.0; 9],
                position_covariance_type: 0,
            };
            bag.put(topic::GNSS_FIX, t, &fix)?;
        }
        if k.rem_euclid(grid_every) == 0 {
            bag.put(topic::COVERAGE_GRID, t, &grid.message(t))?;
            let n = processed_t.partition_point(|&x| x <= t_s + 1e-6);
            bag.put(
                topic::COVERAGE_PROGRESS,
                t,
                &ros::Float64 {
                    data: n as f64 / hazard_cells,
                },
            )?;
        }
    }
    // state changes and detonations after the last tick
    while next_discrete < discrete.len() {
        let (te, kind, i) = discrete[next_discrete];
        let st = Time::from_s(te);
        if kind == 0 {
            bag.put(
                topic::MISSION_STATE,
                st,
                &ros::StringMsg {
                    data: v.events[i].state.clone(),
                },
            )?;
        } else {
            bag.put(topic::COVERAGE_MARKERS, st, &detonation_markers(v, i + 1, st))?;
        }
        next_discrete += 1;
    }
    bag.w.finish().map_err(mcap_err)?;
    let summary = McapSummary {
        path: PathBuf::new(),
        topics: bag
            .channels
            .iter()
            .map(|c| (c.2.clone(), c.3.to_string(), c.1 as u64))
            .collect(),
        start_s: t0_s,
        end_s: t1_s,
        grid_resolution_m: grid.cell_m * grid.k as f64,
    };
    Ok((summary, bag.w.into_inner()))
}
