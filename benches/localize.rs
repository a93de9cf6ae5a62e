//! Localizer benchmarks: filter updates per second (odometry + GNSS fix pushes, with the history
//! and out-of-order machinery on) and the replay tool's throughput on a generated one-hour log
//! (NMEA parse + TRACKS.csv parse + replay + EST.csv formatting).
//!
//! `cargo bench --bench localize`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

use demine::gnss::read_nmea_log;
use demine::localize::replay::replay_to_csv;
use demine::localize::scenario::{ScenarioConfig, SensorReading};
use demine::localize::tracks::{read_tracks_csv, write_tracks_csv};
use demine::localize::Localizer;

fn filter_updates(c: &mut Criterion) {
    let mut g = c.benchmark_group("filter");
    // 50 ms latency: fixes arrive in order. 350 ms: every fix arrives after 3 newer odometry samples
    // and is applied by restoring a snapshot and replaying them.
    for (name, latency_s) in [("in_order_latency50ms", 0.05), ("late_replay_latency350ms", 0.35)] {
        let cfg = ScenarioConfig {
            duration_s: 600.0,
            gnss_latency_s: latency_s,
            ..Default::default()
        };
        let scn = cfg.generate();
        let lc = cfg.localizer_config();
        g.throughput(Throughput::Elements(scn.arrivals.len() as u64));
        g.bench_function(format!("push_600s_odometry10Hz_rtk10Hz_{name}"), |b| {
            b.iter_batched(
                || Localizer::new(lc, Some(scn.datum)).unwrap(),
                |mut loc| {
                    for a in &scn.arrivals {
                        let out = match &a.reading {
                            SensorReading::Odometry(o) => loc.push_odometry(*o),
                            SensorReading::Fix(f) => loc.push_fix(f),
                            SensorReading::Heading(h) => loc.push_heading(*h),
                        };
                        black_box(out);
                    }
                    loc
                },
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

fn replay_one_hour(c: &mut Criterion) {
    let cfg = ScenarioConfig {
        duration_s: 3600.0,
        ..Default::default()
    };
    let scn = cfg.generate();
    let nmea = scn.to_nmea_log();
    let mut tracks = Vec::new();
    write_tracks_csv(&mut tracks, &scn.odometry()).unwrap();
    let lc = cfg.localizer_config();
    let mut g = c.benchmark_group("replay");
    g.sample_size(10);
    g.throughput(Throughput::Bytes((nmea.len() + tracks.len()) as u64));
    g.bench_function("one_hour_log", |b| {
        b.iter(|| {
            let (gnss, _, _) = read_nmea_log(nmea.as_bytes(), "GNSS.nmea").unwrap();
            let odo = read_tracks_csv(&tracks[..], "TRACKS.csv").unwrap();
            let mut loc = Localizer::new(lc, None).unwrap();
            let mut out = Vec::with_capacity(8 << 20);
            let s = replay_to_csv(&mut loc, &gnss, &odo, &mut out).unwrap();
            black_box((s, out.len()))
        })
    });
    g.finish();
    eprintln!(
        "one-hour log: {} NMEA bytes, {} TRACKS.csv bytes, {} odometry rows",
        nmea.len(),
        tracks.len(),
        scn.truth.len()
    );
}

criterion_group!(benches, filter_updates, replay_one_hour);
criterion_main!(benches);
