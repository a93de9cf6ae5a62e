//! The ROS assets checked without ROS (plain `cargo test`, no feature needed): the interface tables
//! of `docs/ros.md` and `README.md` against `demine::ros_interface::TOPICS` (and the README's
//! operator walk-through for its steps), the ros_gz_bridge YAML and the RViz
//! config against the table, the node binaries and colcon metadata in `Cargo.toml`, and (through
//! `.ci/check_ros_assets.py`) the launch files, the URDF (xacro + check_urdf, frames against the
//! machine profile), the SDF world and `package.xml`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use demine::machine::MachineProfile;
use demine::ros_interface::{normalize, topic, Direction, Qos, EXTERNAL_TOPICS, NODES, NOT_BRIDGED, TOPICS};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn rate_str(r: Option<f64>) -> String {
    r.map_or("-".to_string(), |hz| format!("{hz}"))
}

/// (node, dir, topic, type, qos, frame, rate) of every row of the interface table in `file`.
fn docs_rows(file: &str) -> BTreeSet<[String; 7]> {
    let doc = read(file);
    let begin = doc.find("<!-- interface-table:begin -->").expect("table begin marker");
    let end = doc.find("<!-- interface-table:end -->").expect("table end marker");
    doc[begin..end]
        .lines()
        .filter(|l| l.starts_with('|') && !l.starts_with("|---") && !l.starts_with("| node"))
        .map(|l| {
            let cells: Vec<String> = l
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().trim_matches('`').to_string())
                .collect();
            assert_eq!(cells.len(), 7, "{file} row: {l}");
            [0, 1, 2, 3, 4, 5, 6].map(|i| cells[i].clone())
        })
        .collect()
}

#[test]
fn interface_table_in_docs_matches_the_code() {
    let code: BTreeSet<[String; 7]> = TOPICS
        .iter()
        .map(|t| {
            [
                t.node.to_string(),
                t.direction.as_str().to_string(),
                t.topic.to_string(),
                t.msg_type.to_string(),
                t.qos.as_str().to_string(),
                t.frame.to_string(),
                rate_str(t.rate_hz),
            ]
        })
        .collect();
    for file in ["docs/ros.md", "README.md"] {
        let docs = docs_rows(file);
        let missing: Vec<_> = code.difference(&docs).collect();
        let extra: Vec<_> = docs.difference(&code).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{file} table differs from ros_interface::TOPICS\nmissing in {file}: {missing:#?}\nonly in {file}: {extra:#?}"
        );
    }
    assert_eq!(code.len(), TOPICS.len());
}

#[test]
fn readme_walks_the_operator_from_launch_to_completion() {
    let readme = read("README.md");
    let walk = &readme[readme
        .find("### From `ros2 launch` to a completed mission")
        .expect("walk-through")..];
    let mut at = 0;
    for step in [
        "ros2 launch demine mission.launch.py",
        "ros2 lifecycle set /mission configure",
        "ros2 lifecycle set /mission activate",
        "/estop/reset",
        "/detonation/acknowledge",
        "`completed`",
    ] {
        let i = walk[at..]
            .find(step)
            .unwrap_or_else(|| panic!("README walk-through: {step:?} missing or out of order"));
        at += i;
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct BridgeEntry {
    ros_topic_name: String,
    gz_topic_name: String,
    ros_type_name: String,
    gz_type_name: String,
    direction: String,
}

#[test]
fn bridge_yaml_maps_exactly_what_the_sim_node_does() {
    let entries: Vec<BridgeEntry> = serde_norway::from_str(&read("sim/bridge.yaml")).expect("bridge YAML");
    let mut bridged = BTreeSet::new();
    for e in &entries {
        assert!(e.gz_topic_name.starts_with('/'), "{}", e.gz_topic_name);
        assert!(e.gz_type_name.starts_with("gz.msgs."), "{}", e.gz_type_name);
        let dir = match e.direction.as_str() {
            "GZ_TO_ROS" => Direction::Publish,
            "ROS_TO_GZ" => Direction::Subscribe,
            other => panic!("{}: direction {other} (one-way only)", e.ros_topic_name),
        };
        // the sim node stands in for the bridge: same topic, same type, same direction
        let row = TOPICS
            .iter()
            .find(|t| t.node == "sim" && t.direction == dir && normalize(t.topic) == normalize(&e.ros_topic_name))
            .unwrap_or_else(|| {
                panic!(
                    "bridge topic {} ({}) is not a sim-node topic",
                    e.ros_topic_name, e.direction
                )
            });
        assert_eq!(row.msg_type, e.ros_type_name, "{}", e.ros_topic_name);
        // and some other node uses it the other way round
        let opposite = match dir {
            Direction::Publish => Direction::Subscribe,
            Direction::Subscribe => Direction::Publish,
        };
        let users = TOPICS
            .iter()
            .filter(|t| {
                t.node != "sim" && t.direction == opposite && normalize(t.topic) == normalize(&e.ros_topic_name)
            })
            .count();
        let by_external = e.ros_topic_name == "/clock" || e.ros_topic_name == "joint_states";
        assert!(users > 0 || by_external, "nobody uses bridged {}", e.ros_topic_name);
        bridged.insert(normalize(&e.ros_topic_name).to_string());
    }
    // every sim topic is bridged, except what Gazebo does not model (each with its stand-in)
    for t in TOPICS.iter().filter(|t| t.node == "sim") {
        let exempt = NOT_BRIDGED.iter().any(|(n, _)| *n == t.topic);
        assert!(
            bridged.contains(normalize(t.topic)) != exempt,
            "sim topic {}: bridged {}, listed in NOT_BRIDGED {exempt}",
            t.topic,
            bridged.contains(normalize(t.topic))
        );
    }
}

/// gz NavSat has no heading: in Gazebo the localizer takes the yaw of the IMU orientation. That
/// needs the IMU to report orientation against ENU (gz's default is the spawn orientation), the
/// Gazebo launch to select `imu_orientation`, and the built-in simulator's launch to keep the
/// default (`gps_heading`, published by the sim node).
#[test]
fn gazebo_heading_comes_from_the_enu_referenced_imu() {
    let xacro = read("urdf/demine.gazebo.xacro");
    let imu = &xacro[xacro.find("<sensor name=\"imu\" type=\"imu\">").expect("gz IMU sensor")..];
    let imu = &imu[..imu.find("</sensor>").expect("</sensor>")];
    let imu: String = imu.split_whitespace().collect();
    let enu = "<orientation_reference_frame><localization>ENU</localization>";
    assert!(imu.contains(enu), "the gz IMU reports orientation against ENU");
    let nodes = read("launch/nodes.launch.py");
    assert!(nodes.contains("DeclareLaunchArgument('heading_source', default_value='gps_heading'"));
    assert!(nodes.contains("'heading_source': LaunchConfiguration('heading_source')"));
    assert!(read("launch/sim.launch.py").contains("'heading_source': 'imu_orientation'"));
    for f in ["launch/sim_builtin.launch.py", "launch/mission.launch.py"] {
        assert!(
            !read(f).contains("'heading_source':"),
            "{f} keeps the default gps_heading"
        );
    }
    // gps/heading is not bridged (bridge_yaml_maps_exactly_what_the_sim_node_does), imu/data is
    assert!(read("sim/bridge.yaml").contains(&format!("ros_topic_name: \"{}\"", topic::IMU)));
    assert!(NOT_BRIDGED
        .iter()
        .any(|(t, why)| *t == topic::GNSS_HEADING && why.contains("imu_orientation")));
    for f in ["config/demine.yaml", "config/sim.yaml"] {
        assert!(
            !read(f).contains("heading_source"),
            "{f}: the launch files choose heading_source"
        );
    }
}

/// (topic, durability) of every display subscription in an RViz config.
fn rviz_topics(v: &serde_norway::Value, out: &mut Vec<(String, Option<String>)>) {
    match v {
        serde_norway::Value::Mapping(m) => {
            for (k, val) in m {
                let key = k.as_str().unwrap_or("");
                if key == "Topic" || key == "Description Topic" || key == "Update Topic" {
                    if let Some(t) = val.get("Value").and_then(|x| x.as_str()) {
                        let dur = val.get("Durability Policy").and_then(|x| x.as_str()).map(String::from);
                        out.push((t.to_string(), dur));
                    }
                }
                rviz_topics(val, out);
            }
        }
        serde_norway::Value::Sequence(s) => s.iter().for_each(|x| rviz_topics(x, out)),
        _ => {}
    }
}

#[test]
fn rviz_config_shows_published_topics_with_matching_qos() {
    let v: serde_norway::Value = serde_norway::from_str(&read("rviz/demine.rviz")).expect("RViz YAML");
    let vm = v.get("Visualization Manager").expect("Visualization Manager");
    assert_eq!(
        vm.get("Global Options")
            .and_then(|g| g.get("Fixed Frame"))
            .and_then(|f| f.as_str()),
        Some("map")
    );
    let mut topics = Vec::new();
    rviz_topics(vm, &mut topics);
    let mut shown = BTreeSet::new();
    for (t, durability) in &topics {
        let external = EXTERNAL_TOPICS.iter().any(|(_, e)| normalize(e) == normalize(t));
        let pubs: Vec<_> = TOPICS
            .iter()
            .filter(|r| r.direction == Direction::Publish && normalize(r.topic) == normalize(t))
            .collect();
        assert!(external || !pubs.is_empty(), "RViz shows {t}, which nobody publishes");
        // a transient-local subscriber gets nothing from a volatile publisher, and a latched topic
        // should be subscribed transient-local to be seen on joining
        for p in &pubs {
            let latched = durability.as_deref() == Some("Transient Local");
            assert_eq!(latched, p.qos == Qos::Latched, "RViz durability of {t}");
        }
        shown.insert(normalize(t).to_string());
    }
    for needed in [
        "plan/path",
        "plan/markers",
        "coverage/grid",
        "coverage/detonations",
        "odometry/filtered",
        "robot_description",
    ] {
        assert!(shown.contains(needed), "RViz does not show {needed}");
    }
    let classes: Vec<&str> = vm
        .get("Displays")
        .and_then(|d| d.as_sequence())
        .expect("Displays")
        .iter()
        .filter_map(|d| d.get("Class").and_then(|c| c.as_str()))
        .collect();
    for c in ["Map", "MarkerArray", "Path", "RobotModel", "TF", "Odometry"] {
        assert!(
            classes.contains(&format!("rviz_default_plugins/{c}").as_str()),
            "display {c}"
        );
    }
}

/// The node executables: `src/bin/demine_<node>.rs`, each declared with `required-features = ["ros"]`.
fn node_executables() -> Vec<String> {
    let cargo = read("Cargo.toml");
    let mut exes = Vec::new();
    for node in NODES {
        let exe = format!("demine_{node}");
        assert!(root().join(format!("src/bin/{exe}.rs")).exists(), "src/bin/{exe}.rs");
        let decl = format!("[[bin]]\nname = \"{exe}\"\npath = \"src/bin/{exe}.rs\"\nrequired-features = [\"ros\"]");
        assert!(
            cargo.contains(&decl),
            "Cargo.toml must declare {exe} with required-features = [\"ros\"]"
        );
        exes.push(exe);
    }
    exes
}

#[test]
fn colcon_installs_the_assets() {
    node_executables();
    let cargo = read("Cargo.toml");
    let line = cargo
        .lines()
        .find(|l| l.starts_with("install_to_share"))
        .expect("[package.metadata.ros] install_to_share");
    for dir in ["launch", "config", "urdf", "sim", "rviz"] {
        assert!(line.contains(&format!("\"{dir}\"")), "install_to_share lacks {dir}");
    }
    for dir in line.split('"').skip(1).step_by(2) {
        assert!(root().join(dir).is_dir(), "install_to_share names missing {dir}/");
    }
    assert!(cargo.contains("[package.metadata.ros]"));
}

#[test]
fn launch_urdf_sdf_and_package_validate() {
    let input = serde_json::json!({
        "executables": node_executables(),
        "topics": TOPICS.iter().map(|t| serde_json::json!({"node": t.node, "topic": t.topic})).collect::<Vec<_>>(),
        "machine": serde_json::to_value(MachineProfile::default_profile()).unwrap(),
    });
    let script = root().join(".ci/check_ros_assets.py");
    let mut child = std::process::Command::new("python3")
        .arg(&script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 (the asset checks are Python: launch files, xacro, check_urdf)");
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.to_string().as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}:\n{}{}",
        script.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn parameter_files_name_only_node_parameters() {
    // top-level keys are node names (or /**); each node block has ros__parameters
    for f in ["config/demine.yaml", "config/sim.yaml"] {
        let v: serde_norway::Value = serde_norway::from_str(&read(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        let m = v.as_mapping().unwrap_or_else(|| panic!("{f}: not a mapping"));
        for (k, block) in m {
            let k = k.as_str().unwrap();
            assert!(k == "/**" || NODES.contains(&k), "{f}: {k} is not a node");
            assert!(
                block.get("ros__parameters").is_some(),
                "{f}: {k} without ros__parameters"
            );
        }
    }
    assert!(Path::new(&root().join("config/demine.yaml")).exists());
}

/// Files of `src/ros` that hold conversions and node logic: testable with doc-only bindings, so
/// no runtime, no contexts or nodes, no `Default` on messages.
const ROS_PLAIN: &[&str] = &[
    "adapters.rs",
    "can_msgs.rs",
    "drive_msgs.rs",
    "estimate_msgs.rs",
    "gnss_msgs.rs",
    "grid_msgs.rs",
    "heading_msgs.rs",
    "lifecycle.rs",
    "mission_flow.rs",
    "mission_watch.rs",
    "msg.rs",
    "params.rs",
    "plan_msgs.rs",
    "pose_msgs.rs",
    "setup.rs",
    "sim_machine.rs",
];

#[test]
fn ros_layer_follows_the_rules() {
    let dir = root().join("src/ros");
    for name in ROS_PLAIN {
        let text = std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(text.starts_with("//!"), "{name} starts with a //! doc");
        let code = text.split("#[cfg(test)]").next().unwrap();
        for word in [
            "tokio",
            "Context::create",
            "Node::create",
            "Default::default()",
            "..Default",
            "todo!(",
            "unimplemented!(",
        ] {
            assert!(!code.contains(word), "src/ros/{name} must not use {word}");
        }
    }
    // r2r only in src/ros and the node binaries
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(&root().join("src"), &mut files);
    for f in files {
        let rel = f.strip_prefix(root()).unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&f).unwrap();
        let allowed = rel.starts_with("src/ros/") || rel.starts_with("src/bin/demine_");
        assert!(
            allowed || !text.contains("r2r::"),
            "{rel} uses r2r outside the ROS layer"
        );
        if rel.starts_with("src/bin/demine_") {
            assert!(text.lines().count() <= 25, "{rel}: node mains stay thin");
        }
    }
}
