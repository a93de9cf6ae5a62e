//! Mission simulation benchmark: a 1 ha mission (100 m × 100 m, 20 m safe band) through the whole
//! stack — plan, simulated machine behind the pty (SLCAN), estimator, follower, grid, mission,
//! supervisor and the SQLite record — timed against simulated time. Prints the speed-up over real
//! time (target ≥ 500×) and the process's peak memory. `cargo bench --bench mission`; without
//! `--bench` (as under `cargo test --all-targets`) or with `--smoke` it runs a 480 m² field.
//! The run also writes the record's exports (`record.gpkg` and, here, `run.mcap`); their cost is
//! timed again on the finished record and printed as a share of the mission's wall time (limit 20 %).

use demine::runtime::{self, SimOptions};
use std::time::Instant;

fn field_1ha(path: &std::path::Path) {
    let (lat0, lon0) = (39.8f64, 46.75f64);
    let ll = |x: f64, y: f64| [lon0 + x / (111_320.0 * lat0.to_radians().cos()), lat0 + y / 110_574.0];
    let ring: Vec<[f64; 2]> = [(0.0, 0.0), (100.0, 0.0), (100.0, 100.0), (0.0, 100.0), (0.0, 0.0)]
        .iter()
        .map(|&(x, y)| ll(x, y))
        .collect();
    let fc = serde_json::json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"role": "hazard", "name": "bench 1 ha"},
         "geometry": {"type": "Polygon", "coordinates": [ring]}}]});
    std::fs::write(path, fc.to_string()).expect("write the bench field");
}

fn peak_rss_mib() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let smoke = std::env::args().any(|a| a == "--smoke") || !std::env::args().any(|a| a == "--bench");
    let dir = tempfile::tempdir().expect("temp dir");
    let field = if smoke {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sim_small.geojson")
    } else {
        let p = dir.path().join("one_ha.geojson");
        field_1ha(&p);
        p
    };
    let mut opts = SimOptions::new(field, dir.path().join("out"));
    opts.mcap = Some(dir.path().join("run.mcap"));
    let t0 = Instant::now();
    let s = runtime::run(&opts, &mut |_| {}).expect("mission runs");
    let wall = t0.elapsed().as_secs_f64();
    println!(
        "mission {}: {} · {:.2} % processed of {:.0} m² · {:.2} h simulated in {:.1} s wall · speed-up {:.0}× (target ≥ 500×) · peak memory {:.0} MiB · {} detonations · {} safety stops · {} footprint violations",
        if smoke { "smoke (480 m²)" } else { "1 ha" },
        s.state.as_str(),
        100.0 * s.processed_fraction,
        s.hazard_m2,
        s.sim_duration_s / 3600.0,
        wall,
        s.sim_duration_s / wall,
        peak_rss_mib().unwrap_or(f64::NAN),
        s.detonations,
        s.safety_stops,
        s.footprint_violations,
    );
    let record = dir.path().join("out/record.sqlite");
    let t1 = Instant::now();
    let g = demine::record::export::write_geopackage(&record, &dir.path().join("again.gpkg")).expect("gpkg");
    let gpkg_s = t1.elapsed().as_secs_f64();
    let t2 = Instant::now();
    let m = demine::record::export::write_mcap(&record, &dir.path().join("again.mcap")).expect("mcap");
    let mcap_s = t2.elapsed().as_secs_f64();
    let size = |p: &str| std::fs::metadata(dir.path().join(p)).map_or(0, |m| m.len()) as f64 / 1e6;
    let messages: u64 = m.topics.iter().map(|t| t.2).sum();
    println!(
        "record exports: GeoPackage {gpkg_s:.2} s ({} layers, {:.1} MB) · MCAP {mcap_s:.2} s ({messages} messages, {:.1} MB) · \
         {:.1} % of the mission's {wall:.1} s wall (limit 20 %)",
        g.layers.len(),
        size("again.gpkg"),
        size("again.mcap"),
        100.0 * (gpkg_s + mcap_s) / (wall - gpkg_s - mcap_s).max(1e-9),
    );
}
