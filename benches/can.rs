//! CAN benchmarks; print figures (run with `cargo bench --bench can`).
//!
//! 1. SLCAN codec throughput: encoding frames to lines and decoding a byte stream.
//! 2. DBC protocol throughput: typed command → frame → typed command.
//! 3. End-to-end command latency host → simulated ECU over a real pty, with the simulated bus
//!    saturated at 500 kbit/s by lower-priority filler traffic (which the adapter also streams
//!    to the host): from `VehicleLink::send` to the ECU receiving the frame off the bus.

use std::hint::black_box;
use std::time::{Duration, Instant};

use demine::can::bridge::{BridgeConfig, BridgeLink};
use demine::can::frame::CanFrame;
use demine::can::link::VehicleLink;
use demine::can::port::PortConfig;
use demine::can::protocol::{DriveCommand, EStopReason, VehicleCommand};
use demine::can::pty::{SimEcuConfig, SimEcuHost};
use demine::can::slcan::{encode_frame, AdapterReply};
use demine::can::slcan_stream::SlcanDecoder;

fn codec(rounds: usize) {
    let frames: Vec<CanFrame> = (0..4096u32)
        .map(|i| CanFrame::extended(0x0CFF_0000 | i, &i.to_le_bytes().repeat(2)).unwrap())
        .collect();
    let mut stream = Vec::new();
    let t = Instant::now();
    for _ in 0..rounds {
        stream.clear();
        for f in &frames {
            encode_frame(black_box(f), None, &mut stream);
            stream.push(b'\r');
        }
    }
    let enc = t.elapsed();
    let n = (frames.len() * rounds) as f64;
    println!(
        "slcan encode: {:.2} M frames/s ({:.0} MB/s), {:.0} ns/frame",
        n / enc.as_secs_f64() / 1e6,
        (stream.len() * rounds) as f64 / enc.as_secs_f64() / 1e6,
        enc.as_nanos() as f64 / n
    );
    let t = Instant::now();
    let mut count = 0usize;
    for _ in 0..rounds {
        let mut d = SlcanDecoder::new();
        for chunk in stream.chunks(509) {
            d.push(black_box(chunk), |r| {
                if let AdapterReply::Frame { .. } = r {
                    count += 1
                }
            });
        }
    }
    let dec = t.elapsed();
    assert_eq!(count, frames.len() * rounds);
    println!(
        "slcan decode: {:.2} M frames/s ({:.0} MB/s), {:.0} ns/frame (29-bit, 8 bytes, 509-byte chunks)",
        n / dec.as_secs_f64() / 1e6,
        (stream.len() * rounds) as f64 / dec.as_secs_f64() / 1e6,
        dec.as_nanos() as f64 / n
    );
    let cmd = VehicleCommand::Drive(DriveCommand {
        left_mps: 0.42,
        right_mps: -0.17,
    });
    let reps = 1000 * rounds as u32;
    let t = Instant::now();
    for _ in 0..reps {
        let f = black_box(cmd).encode().unwrap();
        black_box(VehicleCommand::decode(&f).unwrap());
    }
    let e = t.elapsed();
    println!(
        "dbc protocol: encode+decode DriveCommand {:.0} ns",
        e.as_nanos() as f64 / f64::from(reps)
    );
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Sends `samples` commands made by `make(i)` and times each until the ECU sees a frame `is(i, frame)`.
fn latency(
    label: &str,
    config: impl Fn(BridgeConfig) -> BridgeConfig,
    samples: usize,
    make: impl Fn(usize) -> VehicleCommand,
    is: impl Fn(usize, &CanFrame) -> bool,
) {
    let dir = tempfile::tempdir().unwrap();
    let link_path = dir.path().join("ttyBENCH");
    let sim = SimEcuHost::spawn(SimEcuConfig {
        bus_load: 1.0,
        link: Some(link_path.clone()),
        ..Default::default()
    })
    .unwrap();
    let mut link = BridgeLink::spawn(config(BridgeConfig::new(PortConfig::new(&link_path)))).unwrap();
    let until = Instant::now() + Duration::from_secs(20);
    while !link.status().connected {
        assert!(Instant::now() < until, "bridge did not connect: {:?}", link.status());
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut lat = Vec::with_capacity(samples);
    for i in 0..samples {
        std::thread::sleep(Duration::from_millis(31 + (i as u64 * 7) % 11));
        while link.try_recv().is_some() {}
        sim.take_host_frames();
        let t0 = Instant::now();
        link.send(make(i)).unwrap();
        let deadline = t0 + Duration::from_secs(2);
        'wait: loop {
            for (t, f) in sim.take_host_frames() {
                if is(i, &f) {
                    lat.push(t.saturating_duration_since(t0));
                    break 'wait;
                }
            }
            assert!(Instant::now() < deadline, "command {i} never reached the ECU");
            std::thread::sleep(Duration::from_micros(50));
        }
    }
    lat.sort();
    let st = link.status();
    let snap = sim.snapshot();
    println!(
        "latency {label}: median {:.2} ms, p99 {:.2} ms, max {:.2} ms over {} commands \
         (bus 500 kbit/s saturated; host decoded {} lines, {} malformed; the simulated adapter refused {} host lines)",
        percentile(&lat, 0.5).as_secs_f64() * 1e3,
        percentile(&lat, 0.99).as_secs_f64() * 1e3,
        lat.last().unwrap().as_secs_f64() * 1e3,
        lat.len(),
        st.decoder.lines,
        st.decoder.malformed,
        snap.refused,
    );
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` asks for a list; nothing to list
    }
    // `cargo bench` passes --bench; under `cargo test --all-targets` this runs as a short smoke test.
    let quick = !std::env::args().any(|a| a == "--bench") || std::env::var_os("DEMINE_BENCH_QUICK").is_some();
    let samples = if quick { 10 } else { 300 };
    codec(if quick { 2 } else { 200 });
    let drive = |i: usize| {
        VehicleCommand::Drive(DriveCommand {
            left_mps: (i % 2000) as f64 * 0.001,
            right_mps: 0.0,
        })
    };
    let drive_is = |i: usize, f: &CanFrame| {
        VehicleCommand::decode(f).ok().flatten() == Some(drive(i)) && f.raw_id() == 0x0CFF_102A
    };
    latency(
        "drive (no repeats, never rate-limited)",
        |mut c| {
            c.schedule.drive_hold = Duration::ZERO;
            c
        },
        samples,
        drive,
        drive_is,
    );
    latency(
        "drive (default schedule: repeats every 20 ms)",
        |c| c,
        samples,
        drive,
        drive_is,
    );
    let estop = |i: usize| VehicleCommand::EStop {
        stop: i % 2 == 0,
        reason: EStopReason::Operator,
    };
    latency(
        "e-stop (priority 0)",
        |c| c,
        samples,
        estop,
        |i, f| VehicleCommand::decode(f).ok().flatten() == Some(estop(i)),
    );
}
