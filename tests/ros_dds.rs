//! The ROS 2 nodes over real DDS (feature `ros`; run in an environment from `source
//! ros/pypi-env.sh` or a real Jazzy install). Each test starts a graph as `ros2 launch` would —
//! the processes, parameter files, parameters and remappings are read from the launch files
//! themselves by `tests/ros/launch_graph.py` — in a DDS domain of its own on loopback, and drives
//! it with the rclpy operator `tests/ros/operator.py`, which does what the README's "From `ros2
//! launch` to a completed mission" tells an operator and checks every row of
//! `ros_interface::TOPICS` on the live graph. Every node must then exit cleanly on SIGINT within
//! 5 s. Nothing here skips: without a ROS environment the tests fail saying what to source.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use demine::can::protocol::StopReason;
use demine::can::pty::{SimEcuConfig, SimEcuHost};
use demine::ros::drive_msgs::CMD_VEL_TIMEOUT_S;
use demine::ros_interface::{Direction, TOPICS};
use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn exe(name: &str) -> &'static str {
    match name {
        "demine_planner" => env!("CARGO_BIN_EXE_demine_planner"),
        "demine_localizer" => env!("CARGO_BIN_EXE_demine_localizer"),
        "demine_tracker" => env!("CARGO_BIN_EXE_demine_tracker"),
        "demine_can_bridge" => env!("CARGO_BIN_EXE_demine_can_bridge"),
        "demine_mission" => env!("CARGO_BIN_EXE_demine_mission"),
        "demine_coverage" => env!("CARGO_BIN_EXE_demine_coverage"),
        "demine_sim" => env!("CARGO_BIN_EXE_demine_sim"),
        other => panic!("launch file names executable {other}, which Cargo does not build"),
    }
}

/// The venv's Python (rclpy) from ros/pypi-env.sh, else `python3` (a real install).
fn python() -> String {
    assert!(
        std::env::var_os("ROS_DISTRO").is_some(),
        "no ROS 2 environment: `source ros/pypi-env.sh` (or /opt/ros/jazzy/setup.bash) first"
    );
    std::env::var("DEMINE_ROS2_PYTHON_BIN").unwrap_or_else(|_| "python3".into())
}

/// A DDS domain of this test alone (nextest runs each test in its own process).
fn domain() -> u32 {
    static N: AtomicU32 = AtomicU32::new(0);
    let base = std::process::id() % 80;
    1 + (base + 7 * N.fetch_add(1, Ordering::Relaxed)) % 100
}

/// The processes of a launch file, started like `ros2 launch` does.
struct Graph {
    children: Vec<(String, Child)>,
    dir: tempfile::TempDir,
    domain: u32,
}

impl Graph {
    /// `extra`: command-line `--ros-args` additions per node name (e.g. `-p` overrides).
    fn launch(file: &str, args: &[(&str, String)], extra: &[(&str, Vec<String>)], domain: u32) -> Graph {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(python());
        cmd.arg(format!("{ROOT}/tests/ros/launch_graph.py")).arg(file);
        for (k, v) in args {
            cmd.arg(format!("{k}:={v}"));
        }
        let out = cmd.output().expect("run tests/ros/launch_graph.py");
        assert!(
            out.status.success(),
            "launch_graph.py {file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let graph: Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut g = Graph {
            children: vec![],
            dir,
            domain,
        };
        for (i, n) in graph["nodes"].as_array().unwrap().iter().enumerate() {
            let name = n["name"].as_str().expect("every demine node is named").to_string();
            let mut argv = vec!["--ros-args".to_string(), "-r".into(), format!("__node:={name}")];
            let (mut files, mut dicts) = (
                n["params_files"].as_array().unwrap().iter(),
                n["params"].as_array().unwrap().iter(),
            );
            for (k, kind) in n["param_order"].as_array().unwrap().iter().enumerate() {
                let path = if kind == "file" {
                    files.next().unwrap().as_str().unwrap().to_string()
                } else {
                    // launch_ros writes a dict as a parameter file for the node's full name
                    let p = g.dir.path().join(format!("params_{i}_{k}.yaml"));
                    let doc = serde_json::json!({ format!("/{name}"): { "ros__parameters": dicts.next().unwrap() } });
                    std::fs::write(&p, serde_json::to_string(&doc).unwrap()).unwrap();
                    p.display().to_string()
                };
                argv.extend(["--params-file".to_string(), path]);
            }
            for r in n["remappings"].as_array().unwrap() {
                argv.extend([
                    "-r".to_string(),
                    format!("{}:={}", r[0].as_str().unwrap(), r[1].as_str().unwrap()),
                ]);
            }
            if let Some((_, more)) = extra.iter().find(|(n, _)| *n == name) {
                argv.extend(more.iter().cloned());
            }
            g.spawn(&name, exe(n["executable"].as_str().unwrap()), &argv);
        }
        g
    }

    fn env(&self, cmd: &mut Command) {
        cmd.env("ROS_DOMAIN_ID", self.domain.to_string())
            .env("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")
            .env("ROS_LOG_DIR", self.dir.path().join("ros_log"))
            .env("RCUTILS_COLORIZED_OUTPUT", "0");
    }

    fn spawn(&mut self, name: &str, exe: &str, argv: &[String]) {
        let log = std::fs::File::create(self.log_path(name)).unwrap();
        let mut cmd = Command::new(exe);
        cmd.args(argv)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        self.env(&mut cmd);
        let child = cmd.spawn().unwrap_or_else(|e| panic!("start {exe}: {e}"));
        self.children.push((name.to_string(), child));
    }

    fn log_path(&self, name: &str) -> PathBuf {
        self.dir.path().join(format!("{name}.log"))
    }

    fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.log_path(name)).unwrap_or_default()
    }

    fn logs(&self) -> String {
        self.children
            .iter()
            .map(|(n, _)| {
                let l = self.log(n);
                let tail: Vec<&str> = l.lines().rev().take(25).collect();
                format!(
                    "---- {n} (last lines)\n{}",
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn pid(&self, name: &str) -> i32 {
        self.children.iter().find(|(n, _)| n == name).unwrap().1.id() as i32
    }

    /// Every node still running (none crashed).
    fn assert_running(&mut self) {
        let mut dead = vec![];
        for (n, c) in &mut self.children {
            if let Some(s) = c.try_wait().unwrap() {
                dead.push(format!("{n} exited with {s}"));
            }
        }
        assert!(dead.is_empty(), "{}\n{}", dead.join("; "), self.logs());
    }

    /// The operator script with `args`; its JSON report (panics with the failure and the logs).
    fn operator(&mut self, args: &[String], timeout: Duration) -> Value {
        let child = self.start_operator(args);
        self.finish_operator(child, timeout)
    }

    fn start_operator(&self, args: &[String]) -> Child {
        let mut cmd = Command::new(python());
        cmd.arg(format!("{ROOT}/tests/ros/operator.py"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        self.env(&mut cmd);
        cmd.spawn().expect("start the rclpy operator")
    }

    fn finish_operator(&self, mut child: Child, timeout: Duration) -> Value {
        let start = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if start.elapsed() > timeout {
                let _ = child.kill();
                panic!("operator timed out after {timeout:?}\n{}", self.logs());
            }
            std::thread::sleep(Duration::from_millis(200));
        };
        let (mut out, mut err) = (String::new(), String::new());
        child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
        child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
        let report: Value = out
            .lines()
            .rev()
            .find_map(|l| serde_json::from_str(l).ok())
            .unwrap_or_else(|| panic!("operator printed no report ({status}): {err}\n{}", self.logs()));
        assert!(
            status.success() && report["ok"] == true,
            "operator: {}\n{err}\n{}",
            report["failed"],
            self.logs()
        );
        eprintln!("operator report: {report}");
        report
    }

    /// SIGINT to every node; each must exit with status 0 within 5 s.
    fn shutdown(mut self) {
        for (_, c) in &self.children {
            nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(c.id() as i32),
                nix::sys::signal::Signal::SIGINT,
            )
            .ok();
        }
        let start = Instant::now();
        let mut problems = vec![];
        for (n, c) in &mut self.children {
            let status = loop {
                if let Some(s) = c.try_wait().unwrap() {
                    break Some(s);
                }
                if start.elapsed() > Duration::from_secs(5) {
                    break None;
                }
                std::thread::sleep(Duration::from_millis(20));
            };
            match status {
                Some(s) if s.success() => {}
                Some(s) => problems.push(format!("{n}: {s}")),
                None => {
                    let _ = c.kill();
                    problems.push(format!("{n}: still running 5 s after SIGINT"));
                }
            }
        }
        let logs = self.logs();
        assert!(problems.is_empty(), "SIGINT: {}\n{logs}", problems.join("; "));
        for (n, _) in &self.children {
            let l = self.log(n);
            assert!(!l.contains("panicked"), "{n} panicked:\n{l}");
        }
    }
}

impl Drop for Graph {
    fn drop(&mut self) {
        for (_, c) in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The interface table as the operator reads it.
fn topics_json(dir: &Path) -> PathBuf {
    let rows: Vec<Value> = TOPICS
        .iter()
        .map(|t| {
            serde_json::json!({
                "node": t.node,
                "direction": if t.direction == Direction::Publish { "pub" } else { "sub" },
                "topic": t.topic,
                "msg_type": t.msg_type,
                "qos": t.qos.as_str(),
                "frame": t.frame,
                "rate_hz": t.rate_hz,
            })
        })
        .collect();
    let p = dir.join("topics.json");
    std::fs::write(&p, serde_json::to_string(&rows).unwrap()).unwrap();
    p
}

fn s(x: &str) -> String {
    x.to_string()
}

/// sim_builtin.launch.py on a 20 × 8 m field, the whole operator walk-through: every table row
/// on the live graph (type, reliability, durability; frame ids and rates while clearing), the
/// alignment drive stopped by the cmd_vel timeout, configure, the first activate (sent at once)
/// waiting for the spin test, no error logged from configure to clearing, pause/resume, e-stop latch/stop/inactive/reset,
/// detonations acknowledged by the id on `mission/detonation_pending` and `/rosout`, completion
/// at progress ≥ 0.99 with the grid agreeing, cleanup, shutdown; `-p real_time_factor:=5.0` wins
/// over config/sim.yaml's 1.0; every node logs on /rosout; SIGINT stops all within 5 s.
#[test]
fn sim_builtin_graph_completes_a_mission_over_dds() {
    let d = domain();
    let field = format!("{ROOT}/tests/data/ros_tiny.geojson");
    let sim_extra = vec![
        s("-p"),
        s("real_time_factor:=5.0"),
        s("-p"),
        s("ap_mines_per_ha:=400.0"),
    ];
    let mut g = Graph::launch(
        "launch/sim_builtin.launch.py",
        &[("field", field), ("rviz", s("false"))],
        &[("sim", sim_extra)],
        d,
    );
    let topics = topics_json(g.dir.path());
    let nodes = "sim,planner,localizer,tracker,mission,coverage";
    let report = g.operator(
        &[
            s("mission"),
            s("--topics"),
            topics.display().to_string(),
            s("--nodes"),
            s(nodes),
            s("--timeout-s"),
            s("900"),
            s("--expect-detonation"),
            s("--bag"),
            g.dir.path().join("run_bag").display().to_string(),
        ],
        Duration::from_secs(1200),
    );
    let rtf = report["real_time_factor_seen"].as_f64().unwrap();
    assert!(
        rtf > 2.0,
        "-p real_time_factor:=5.0 must win over config/sim.yaml's 1.0: simulated/wall {rtf}"
    );
    g.assert_running();
    g.shutdown();
}

/// A field file with an error refuses `configure`; the refusal on /rosout names the file and what
/// is wrong in it (feature, role).
#[test]
fn a_bad_field_refuses_configure_naming_file_and_field() {
    let d = domain();
    let field = format!("{ROOT}/tests/data/bad_fields/unknown_role.geojson");
    let mut g = Graph {
        children: vec![],
        dir: tempfile::tempdir().unwrap(),
        domain: d,
    };
    g.spawn(
        "mission",
        exe("demine_mission"),
        &[
            s("--ros-args"),
            s("-r"),
            s("__node:=mission"),
            s("--params-file"),
            format!("{ROOT}/config/sim.yaml"),
            s("-p"),
            format!("field:={field}"),
        ],
    );
    g.operator(
        &[
            s("bad_field"),
            s("--field"),
            field,
            s("--property"),
            s("feature 1: unknown role \"minefield\""),
        ],
        Duration::from_secs(120),
    );
    g.assert_running();
    g.shutdown();
}

/// mission.launch.py (the real machine's graph) with the CAN bridge on the simulated SLCAN adapter
/// and vehicle ECU behind a pseudo-terminal (what `demine can sim-ecu` runs): the table rows of
/// the six nodes on the graph, the CAN link OK, `cmd_vel` moving the tracks through the bridge;
/// a pause of the operator's `cmd_vel`: the bridge's 0.5 s command timeout stops the tracks (the
/// ECU holds a drive command while heartbeats come); driving again; then `can_bridge` killed
/// with SIGKILL while `cmd_vel` keeps coming: the ECU's heartbeat watchdog (300 ms) stops the
/// tracks.
#[test]
fn mission_graph_drives_the_ecu_and_its_watchdog_stops_the_tracks_when_the_bridge_dies() {
    let d = domain();
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("ttyCAN");
    let ecu = SimEcuHost::spawn(SimEcuConfig {
        link: Some(link.clone()),
        ..Default::default()
    })
    .expect("simulated ECU on a pty");
    let field = format!("{ROOT}/tests/data/sim_small.geojson");
    let mut g = Graph::launch(
        "launch/mission.launch.py",
        &[("field", field), ("port", link.display().to_string())],
        &[],
        d,
    );
    let topics = topics_json(g.dir.path());
    let op = g.start_operator(&[
        s("vehicle"),
        s("--topics"),
        topics.display().to_string(),
        s("--nodes"),
        s("planner,localizer,tracker,mission,coverage,can_bridge"),
        s("--drive-s"),
        s("28"),
        s("--pause-after-s"),
        s("8"),
        s("--pause-s"),
        s("3"),
    ]);
    let wait_for = |what: &str, limit_s: u64, pred: &dyn Fn(&demine::can::pty::SimSnapshot) -> bool| {
        let start = Instant::now();
        loop {
            let snap = ecu.snapshot();
            if pred(&snap) {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(limit_s),
                "{what}: {:?}\n{}",
                snap.vehicle,
                g.logs()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    };
    wait_for("the tracks never moved on cmd_vel through can_bridge", 150, &|s| {
        s.vehicle.left_mps > 0.15
    });
    // the operator's pause: can_bridge's command timeout stops the tracks, no ECU trip
    wait_for("the tracks did not stop when cmd_vel stopped", 20, &|s| {
        s.vehicle.left_mps == 0.0 && s.vehicle.right_mps == 0.0
    });
    let stopped_unix_s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert_eq!(
        ecu.snapshot().stop_reason,
        StopReason::None,
        "stopped by the command timeout, not a trip"
    );
    wait_for("the tracks did not move again on cmd_vel", 20, &|s| {
        s.vehicle.left_mps > 0.15
    });
    std::thread::sleep(Duration::from_secs(2));
    let before = ecu.snapshot();
    assert!(
        before.vehicle.left_mps > 0.15 && before.stop_reason == StopReason::None,
        "{before:?}"
    );
    let killed = Instant::now();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(g.pid("can_bridge")),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let (mut tripped, mut stopped) = (None, None);
    while killed.elapsed() < Duration::from_secs(3) && stopped.is_none() {
        let snap = ecu.snapshot();
        if tripped.is_none() && snap.stop_reason == StopReason::HeartbeatTimeout {
            tripped = Some(killed.elapsed());
        }
        if tripped.is_some() && snap.vehicle.left_mps == 0.0 && snap.vehicle.right_mps == 0.0 {
            stopped = Some(killed.elapsed());
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let tripped =
        tripped.unwrap_or_else(|| panic!("no watchdog trip after SIGKILL of can_bridge: {:?}", ecu.snapshot()));
    eprintln!("ECU watchdog: tripped {tripped:?} after SIGKILL, tracks at 0 after {stopped:?}");
    assert!(
        tripped <= Duration::from_millis(300),
        "the ECU stopped the tracks {tripped:?} after can_bridge died (watchdog 300 ms)"
    );
    assert!(stopped.is_some(), "tracks not at 0: {:?}", ecu.snapshot().vehicle);
    let report = g.finish_operator(op, Duration::from_secs(120));
    assert!(report["wheel_peak_mps"].as_f64().unwrap() > 0.15);
    let stop_after_s = stopped_unix_s - report["pause_last_cmd_unix_s"].as_f64().unwrap();
    eprintln!("can_bridge command timeout: tracks at 0 {stop_after_s:.2} s after the last cmd_vel");
    assert!(
        stop_after_s > 0.0 && stop_after_s <= CMD_VEL_TIMEOUT_S + 1.0,
        "tracks at 0 {stop_after_s:.2} s after the last cmd_vel (timeout {CMD_VEL_TIMEOUT_S} s, \
         1 s allowed for the deceleration and the delivery)"
    );
    // every other node is still up; they stop on SIGINT (can_bridge is gone)
    g.children.retain(|(n, _)| n != "can_bridge");
    g.assert_running();
    g.shutdown();
}
