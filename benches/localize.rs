//! Localizer benchmarks: filter updates per second (odometry + GNSS fix pushes, with the history
//! and out-of-order machinery on), the core alone (in-order measurements straight into
//! `localize::core::Core`), and the replay tool's throughput on generated one-hour logs at 10 Hz
//! and 50 Hz odometry (NMEA parse + TRACKS.csv parse + replay + EST.csv formatting). Besides
//! criterion's report, each prints its figure (updates/s, seconds per log) on stderr.
//!
//! `cargo bench --bench localize`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

use demine::gnss::read_nmea_log;
use demine::localize::core::{Core, EnuFix, Measurement};
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

/// The estimator core without the localizer's history: in-order odometry (10 Hz, gyro) and
/// RTK fixes (10 Hz) already in the local frame.
fn core_updates(c: &mut Criterion) {
    let cfg = ScenarioConfig {
        duration_s: 600.0,
        gnss_latency_s: 0.0,
        ..Default::default()
    };
    let scn = cfg.generate();
    let lc = cfg.localizer_config().validate().unwrap();
    let datum = scn.datum;
    let mut ms: Vec<Measurement> = scn
        .arrivals
        .iter()
        .filter_map(|a| match &a.reading {
            SensorReading::Odometry(o) => Some(Measurement::Odometry(*o)),
            SensorReading::Fix(f) => {
                let (east_m, north_m) = datum.to_enu_2d(f.position);
                let sigma = lc.fix_sigmas.for_type(f.fix_type)?;
                Some(Measurement::Fix(EnuFix {
                    unix_time_s: f.unix_time_s,
                    east_m,
                    north_m,
                    r_m2: nalgebra::Matrix2::identity() * sigma * sigma,
                    fix_type: f.fix_type,
                }))
            }
            SensorReading::Heading(_) => None,
        })
        .collect();
    ms.sort_by(|a, b| a.unix_time_s().total_cmp(&b.unix_time_s()));
    let run = || {
        let mut core = Core::default();
        let mut events = Vec::with_capacity(16);
        for m in &ms {
            core.process(m, &lc, &mut events);
            events.clear();
        }
        core
    };
    let t = std::time::Instant::now();
    let reps = 20;
    for _ in 0..reps {
        black_box(run());
    }
    let per_s = (reps * ms.len()) as f64 / t.elapsed().as_secs_f64();
    eprintln!(
        "core, in order: {} measurements per run, {per_s:.0} updates/s",
        ms.len()
    );
    let mut g = c.benchmark_group("core");
    g.throughput(Throughput::Elements(ms.len() as u64));
    g.bench_function("in_order_600s_odometry10Hz_rtk10Hz", |b| b.iter(|| black_box(run())));
    g.finish();
}

fn replay_one_hour(c: &mut Criterion) {
    for odometry_rate_hz in [10.0, 50.0] {
        replay_one_hour_at(c, odometry_rate_hz);
    }
}

fn replay_one_hour_at(c: &mut Criterion, odometry_rate_hz: f64) {
    let cfg = ScenarioConfig {
        duration_s: 3600.0,
        odometry_rate_hz,
        ..Default::default()
    };
    let scn = cfg.generate();
    let nmea = scn.to_nmea_log();
    let mut tracks = Vec::new();
    write_tracks_csv(&mut tracks, &scn.odometry()).unwrap();
    let lc = cfg.localizer_config();
    let replay = || {
        let (gnss, _, _) = read_nmea_log(nmea.as_bytes(), "GNSS.nmea").unwrap();
        let odo = read_tracks_csv(&tracks[..], "TRACKS.csv").unwrap();
        let mut loc = Localizer::new(lc, None).unwrap();
        let mut out = Vec::with_capacity(32 << 20);
        let s = replay_to_csv(&mut loc, &gnss, &odo, &mut out).unwrap();
        black_box((s, out.len()))
    };
    let t = std::time::Instant::now();
    replay();
    eprintln!(
        "one-hour log, odometry {odometry_rate_hz} Hz: {} NMEA bytes, {} TRACKS.csv bytes, {} odometry rows: replayed in {:.3} s",
        nmea.len(),
        tracks.len(),
        scn.odometry().len(),
        t.elapsed().as_secs_f64()
    );
    let mut g = c.benchmark_group("replay");
    g.sample_size(10);
    g.throughput(Throughput::Bytes((nmea.len() + tracks.len()) as u64));
    g.bench_function(format!("one_hour_log_odometry{odometry_rate_hz}Hz"), |b| b.iter(replay));
    g.finish();
}

criterion_group!(benches, core_updates, filter_updates, replay_one_hour);
criterion_main!(benches);
