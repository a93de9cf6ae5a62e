//! The bridge and the simulated adapter + ECU over real pseudo-terminals: commands and feedback,
//! the vehicle watchdog when the host process dies, unplug/replug, and hostile input.
//! Every wait has a deadline; nothing asserts wall-clock times.

use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use demine::can::adapter::AdapterProfile;
use demine::can::bridge::{BridgeConfig, BridgeLink};
use demine::can::link::VehicleLink;
use demine::can::port::PortConfig;
use demine::can::protocol::*;
use demine::can::pty::{SimEcuConfig, SimEcuHost, SimSnapshot};

const DEADLINE: Duration = Duration::from_secs(15);

fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let until = Instant::now() + DEADLINE;
    while !cond() {
        assert!(Instant::now() < until, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn wait_sim(sim: &SimEcuHost, what: &str, cond: impl Fn(&SimSnapshot) -> bool) -> SimSnapshot {
    let mut last = sim.snapshot();
    wait_for(what, || {
        last = sim.snapshot();
        cond(&last)
    });
    last
}

fn drive(l: f64, r: f64) -> VehicleCommand {
    VehicleCommand::Drive(DriveCommand {
        left_mps: l,
        right_mps: r,
    })
}

fn rotor(rpm: f64) -> VehicleCommand {
    VehicleCommand::Implement(ImplementCommand {
        rotor_enable: true,
        rotor_rpm: rpm,
        depth_m: 0.2,
    })
}

/// Keeps sending `cmds` every 50 ms from a helper thread until `cond` holds.
fn keep_sending(link: &BridgeLink, cmds: &[VehicleCommand], what: &str, mut cond: impl FnMut() -> bool) {
    let until = Instant::now() + DEADLINE;
    while !cond() {
        assert!(Instant::now() < until, "timed out waiting for {what}");
        for c in cmds {
            link.send(*c).unwrap();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn sim(profile: AdapterProfile) -> (SimEcuHost, tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("ttyCAN0");
    let host = SimEcuHost::spawn(SimEcuConfig {
        profile,
        link: Some(link.clone()),
        ..Default::default()
    })
    .unwrap();
    (host, dir, link)
}

fn bridge(path: &std::path::Path, profile: AdapterProfile) -> BridgeLink {
    let port = PortConfig {
        profile,
        ..PortConfig::new(path)
    };
    BridgeLink::spawn(BridgeConfig::new(port)).unwrap()
}

#[test]
fn bridge_and_simulated_ecu_exchange_commands_and_feedback() {
    for profile in [AdapterProfile::Lawicel, AdapterProfile::Usbtin, AdapterProfile::Canable] {
        let (sim, _dir, link_path) = sim(profile);
        let mut link = bridge(&link_path, profile);
        keep_sending(&link, &[drive(0.5, -0.3), rotor(600.0)], "tracks to move", || {
            let v = sim.snapshot().vehicle;
            v.left_mps > 0.45 && v.right_mps < -0.25 && v.rotor_rpm > 100.0
        });
        let s = sim.snapshot();
        assert_eq!(
            (s.mode, s.stop_reason),
            (VehicleMode::Manual, StopReason::None),
            "{profile:?}"
        );
        // Feedback reaches the host, typed and timestamped.
        let mut seen_speed = false;
        let mut seen_heartbeat = false;
        let until = Instant::now() + DEADLINE;
        while !(seen_speed && seen_heartbeat) {
            assert!(Instant::now() < until, "timed out waiting for feedback");
            link.send(drive(0.5, -0.3)).unwrap();
            while let Some(ev) = link.try_recv() {
                match ev.feedback {
                    VehicleFeedback::TrackSpeeds { left_mps, .. } if left_mps > 0.4 => seen_speed = true,
                    VehicleFeedback::Heartbeat {
                        mode: VehicleMode::Manual,
                        ..
                    } => seen_heartbeat = true,
                    _ => {}
                }
                assert!(ev.received <= Instant::now());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let st = link.status();
        assert!(st.connected && st.frames_sent > 0 && st.bad_frames == 0, "{st:?}");
        // Dropping the link says goodbye (counter 255): the vehicle stops at once, with the reason.
        drop(link);
        wait_sim(&sim, "shutdown stop", |s| s.stop_reason == StopReason::HostShutdown);
        wait_sim(&sim, "tracks stopped", |s| {
            s.vehicle.left_mps == 0.0 && !s.vehicle.rotor_enabled
        });
    }
}

#[test]
fn estop_goes_first_and_stays_latched() {
    let (sim, _dir, link_path) = sim(AdapterProfile::Lawicel);
    let link = bridge(&link_path, AdapterProfile::Lawicel);
    keep_sending(&link, &[drive(0.4, 0.4)], "motion", || {
        sim.snapshot().vehicle.left_mps > 0.3
    });
    link.send(VehicleCommand::EStop {
        stop: true,
        reason: EStopReason::Operator,
    })
    .unwrap();
    keep_sending(&link, &[drive(0.4, 0.4)], "e-stop", || {
        sim.snapshot().mode == VehicleMode::EStop
    });
    wait_sim(&sim, "braked", |s| s.vehicle.left_mps == 0.0);
    link.send(VehicleCommand::EStop {
        stop: false,
        reason: EStopReason::Operator,
    })
    .unwrap();
    wait_sim(&sim, "released", |s| {
        s.mode == VehicleMode::Manual && s.stop_reason == StopReason::None
    });
}

#[test]
fn vehicle_stops_when_the_host_process_is_killed() {
    let (sim, _dir, link_path) = sim(AdapterProfile::Lawicel);
    let mut child = Command::new(env!("CARGO_BIN_EXE_demine"))
        .args(["can", "drive", "--port"])
        .arg(&link_path)
        .args([
            "--left",
            "0.6",
            "--right",
            "0.6",
            "--rotor-rpm",
            "600",
            "--depth",
            "0.2",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let moving = wait_sim(&sim, "the host to drive", |s| {
        s.vehicle.left_mps > 0.5 && s.vehicle.rotor_rpm > 300.0
    });
    assert_eq!(moving.mode, VehicleMode::Manual);
    child.kill().unwrap(); // SIGKILL: no goodbye, the heartbeat just stops
    child.wait().unwrap();
    let stopped = wait_sim(&sim, "the watchdog", |s| s.stop_reason == StopReason::HeartbeatTimeout);
    assert_eq!(stopped.mode, VehicleMode::SafeStop);
    assert!(stopped.ecu.watchdog_trips >= 1);
    let s = wait_sim(&sim, "tracks at rest", |s| {
        s.vehicle.left_mps == 0.0 && s.vehicle.right_mps == 0.0
    });
    assert!(!s.vehicle.rotor_enabled, "rotor drive off, running down");
    let later = wait_sim(&sim, "rotor running down", |x| {
        x.vehicle.rotor_rpm < s.vehicle.rotor_rpm
    });
    assert_eq!(later.stop_reason, StopReason::HeartbeatTimeout, "reason still reported");
    // A new host process can take over the same device (the killed one held TIOCEXCL).
    let link = bridge(&link_path, AdapterProfile::Lawicel);
    keep_sending(&link, &[drive(0.2, 0.2)], "a new host to drive", || {
        sim.snapshot().vehicle.left_mps > 0.15
    });
}

#[test]
fn unplugging_and_replugging_the_adapter_recovers() {
    let (sim, _dir, link_path) = sim(AdapterProfile::Lawicel);
    let link = bridge(&link_path, AdapterProfile::Lawicel);
    keep_sending(&link, &[drive(0.3, 0.3)], "first connection", || {
        link.status().connected
    });
    let before = sim.slave_path();
    sim.replug();
    wait_for("the link to notice", || link.status().losses >= 1);
    assert_ne!(sim.slave_path(), before, "a new device");
    keep_sending(&link, &[drive(0.3, 0.3)], "reconnection", || {
        let st = link.status();
        st.connects >= 2 && st.connected && sim.snapshot().vehicle.left_mps > 0.25
    });
    assert!(sim.snapshot().replugs >= 1);
}

#[test]
fn simulated_adapter_survives_garbage_overlong_lines_and_wrong_dlcs() {
    let (sim, _dir, link_path) = sim(AdapterProfile::Usbtin);
    let mut tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&link_path)
        .unwrap();
    let mut input = b"\x00\xff\xfe garbage\r\n\x07".to_vec();
    input.extend(std::iter::repeat_n(b'T', 5000));
    input.extend_from_slice(b"\rW2a00\rG21\rS6\rO\r");
    input.extend_from_slice(b"T0CFF012A1FB\r"); // heartbeat with DLC 1: wrong length for the DBC
    input.extend_from_slice(b"T0CFF102A9\r"); // DLC 9
    input.extend_from_slice(b"T0CFF012A2FB02\r"); // a valid heartbeat (init, auto)
    tty.write_all(&input).unwrap();
    let s = wait_sim(&sim, "the valid heartbeat", |s| s.ecu.heartbeats >= 1);
    assert!(s.adapter.overlong >= 1 && s.adapter.malformed >= 3, "{:?}", s.adapter);
    assert!(
        s.refused >= 3,
        "W, G, garbage and DLC 9 refused with BEL: {}",
        s.refused
    );
    wait_sim(&sim, "the wrong DLC counted", |s| s.ecu.bad_frames >= 1);
    assert!(
        matches!(sim.snapshot().mode, VehicleMode::Auto | VehicleMode::SafeStop),
        "the heartbeat was obeyed"
    );
    // The adapter still answers and streams frames.
    let mut buf = [0u8; 256];
    let fd = tty.as_fd().try_clone_to_owned().unwrap();
    let mut fds = [nix::poll::PollFd::new(fd.as_fd(), nix::poll::PollFlags::POLLIN)];
    assert!(nix::poll::poll(&mut fds, nix::poll::PollTimeout::from(5000u16)).unwrap() > 0);
    assert!(tty.read(&mut buf).unwrap() > 0);
}

#[test]
fn bridge_survives_a_hostile_adapter() {
    // A fake adapter on a raw pty: answers every command, then streams garbage, over-long lines,
    // wrong-DLC vehicle frames and, in between, valid vehicle heartbeats.
    let pty = nix::pty::openpty(None, None).unwrap();
    let mut t = nix::sys::termios::tcgetattr(&pty.slave).unwrap();
    nix::sys::termios::cfmakeraw(&mut t);
    nix::sys::termios::tcsetattr(&pty.slave, nix::sys::termios::SetArg::TCSANOW, &t).unwrap();
    let path = nix::unistd::ttyname(&pty.slave).unwrap();
    let master = std::fs::File::from(pty.master);
    let port = PortConfig {
        exclusive: false,
        ..PortConfig::new(&path)
    };
    let mut link = BridgeLink::spawn(BridgeConfig::new(port)).unwrap();
    let heartbeat = VehicleFeedback::Heartbeat {
        counter: 7,
        mode: VehicleMode::Standby,
        stop_reason: StopReason::None,
        host_counter_echo: 0,
    };
    let mut valid = Vec::new();
    demine::can::slcan::encode_frame(&heartbeat.encode().unwrap(), None, &mut valid);
    valid.push(b'\r');
    let mut junk = b"\x00\x01zzz\rT0CFF25102AB\rT0CFF25109\rT0CFF2510112\r\x07".to_vec();
    junk.extend(std::iter::repeat_n(b'7', 300));
    junk.push(b'\r');
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop2 = stop.clone();
    let fake = std::thread::spawn(move || {
        let mut m = master;
        let fd = m.try_clone().unwrap();
        let mut buf = [0u8; 512];
        let mut n_lines = 0;
        while !stop2.load(std::sync::atomic::Ordering::Relaxed) {
            let mut fds = [nix::poll::PollFd::new(fd.as_fd(), nix::poll::PollFlags::POLLIN)];
            if nix::poll::poll(&mut fds, nix::poll::PollTimeout::from(20u8)).unwrap_or(0) > 0 {
                if let Ok(n) = m.read(&mut buf) {
                    n_lines += buf[..n].iter().filter(|&&b| b == b'\r').count();
                    let _ = m.write_all(&b"\r".repeat(buf[..n].iter().filter(|&&b| b == b'\r').count()));
                }
            }
            if n_lines >= 3 {
                let _ = m.write_all(&junk);
                let _ = m.write_all(&valid);
            }
        }
    });
    let mut got = 0;
    wait_for("valid feedback through the junk", || {
        while let Some(ev) = link.try_recv() {
            assert_eq!(ev.feedback, heartbeat);
            got += 1;
        }
        let st = link.status();
        got >= 5 && st.bad_frames >= 1 && st.decoder.malformed >= 1 && st.decoder.overlong >= 1
    });
    assert!(link.status().connected);
    drop(link);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    fake.join().unwrap();
}
