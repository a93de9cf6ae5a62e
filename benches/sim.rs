//! Simulator benchmark: raw simulation steps per second (vehicle, implement, mines, GNSS NMEA,
//! gyro) and the truth-pose closed loop (planner's plan → tracker → sim → processed grid →
//! footprint check) over the ~1 ha example field, as speed-up over real time. Prints figures;
//! `cargo bench --bench sim`.

use demine::can::vehicle_model::ActuatorDemand;
use demine::field::{load, FieldOptions};
use demine::machine::MachineProfile;
use demine::plan::{plan, PlanConfig, Pose};
use demine::sim::harness::run_truth_loop;
use demine::sim::{Scenario, SimConfig, SimVehicle};
use std::path::Path;
use std::time::Instant;

fn peak_rss_mb() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() {
    let m = MachineProfile::default_profile();
    let field = load(Path::new("examples/fields/rectangle.geojson"), &FieldOptions::default()).expect("example field");
    // 1. Raw steps with every sensor on, 10 ms steps.
    for sensors in [true, false] {
        let mut cfg = SimConfig::new(&m, Scenario::default());
        cfg.sensors = sensors;
        let start = Pose::new(0.0, 0.0, 0.0);
        let mut sim = SimVehicle::new(cfg, &m, &field, start).unwrap();
        let d = ActuatorDemand {
            left_mps: 0.14,
            right_mps: 0.15,
            rotor_enable: true,
            rotor_rpm: 600.0,
            depth_m: 0.25,
            brake: false,
        };
        let n = 1_000_000u64;
        let t0 = Instant::now();
        let mut nmea = 0usize;
        for _ in 0..n {
            sim.step(&d, 0.01);
            if sim.time_s() as u64 % 10 == 0 {
                nmea += sim.take_outputs().gnss.len();
            }
        }
        nmea += sim.take_outputs().gnss.len();
        let wall = t0.elapsed().as_secs_f64();
        println!(
            "sim steps (10 ms, sensors {}): {:.2} M steps/s, {:.0}× real time, {} GNSS epochs",
            if sensors { "on " } else { "off" },
            n as f64 / wall / 1e6,
            n as f64 * 0.01 / wall,
            nmea
        );
    }
    // 2. Closed loop over the ~1 ha field.
    let t0 = Instant::now();
    let p = plan(&field, &m, &PlanConfig::default()).expect("plan");
    let plan_s = t0.elapsed().as_secs_f64();
    let sc = Scenario {
        ap_mines_per_ha: 20.0,
        ..Scenario::default()
    };
    let t0 = Instant::now();
    let s = run_truth_loop(&field, &m, &p, sc, 0.05, 4.0 * p.time.total_s()).unwrap();
    let wall = t0.elapsed().as_secs_f64();
    println!(
        "closed loop, {:.2} ha ({:?}): planned in {:.1} s; {:.0} s simulated ({:.1} h, plan estimate {:.0} s) in {:.2} s wall: {:.0}× real time, {:.2} M control steps/s",
        p.hazard_m2 / 1e4,
        p.strategy,
        plan_s,
        s.sim_duration_s,
        s.sim_duration_s / 3600.0,
        p.time.total_s(),
        wall,
        s.sim_duration_s / wall,
        s.steps as f64 / wall / 1e6
    );
    println!(
        "  finished {}, credited {:.4} (plan {:.4}), footprint violations {} (strict {}, worst {:.3} m²), max cross-track {:.3} m, path {:.0} m, detonations {}",
        s.finished,
        s.processed_fraction,
        p.processed_fraction,
        s.footprint_violations,
        s.footprint_intrusions_strict,
        s.worst_violation_m2,
        s.max_cross_track_m,
        s.path_length_m,
        s.detonations.len()
    );
    if let Some(mb) = peak_rss_mb() {
        println!("peak memory (VmHWM): {mb:.0} MB");
    }
}
