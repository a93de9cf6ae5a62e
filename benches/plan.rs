//! Planning benchmark: time and path quality on the shipped example fields, on a 5 ha field with 3
//! obstacles (built here in ENU), and side by side with Fields2Cover 2.1.0 on its five anchor fields
//! with the anchor machine (`tests/data/f2c/`). Prints one line per field; `cargo bench --bench plan
//! [-- RUNS]`; `-- f2c` plans only the anchor fields.

use demine::field::{Field, FieldOptions, SafeSource};
use demine::geodesy::{Datum, LatLon};
use demine::machine::MachineProfile;
use demine::plan::{plan, PlanConfig};
use geo::{BooleanOps, Buffer, Coord, LineString, MultiPolygon, Polygon};
use std::time::Instant;

fn ring(pts: &[(f64, f64)]) -> LineString<f64> {
    let mut v: Vec<Coord<f64>> = pts.iter().map(|&(x, y)| Coord { x, y }).collect();
    v.push(v[0]);
    LineString::from(v)
}

/// 250 m × 200 m (5 ha) with a ruin, a tree clump and a crater.
fn five_ha() -> Field {
    let shell = [(0.0, 0.0), (250.0, 0.0), (250.0, 200.0), (0.0, 200.0)];
    let holes = [
        ring(&[(60.0, 50.0), (72.0, 50.0), (72.0, 60.0), (60.0, 60.0)]),
        ring(&[(150.0, 120.0), (156.0, 118.0), (158.0, 124.0), (152.0, 127.0)]),
        ring(&[(200.0, 40.0), (204.0, 40.0), (204.0, 44.0), (200.0, 44.0)]),
    ];
    let hazard = MultiPolygon::new(vec![Polygon::new(ring(&shell), holes.to_vec())]);
    let shells = MultiPolygon::new(vec![Polygon::new(ring(&shell), vec![])]);
    Field {
        source: "bench 5 ha".into(),
        datum: Datum::new(LatLon::new(39.8, 46.75)),
        hazard,
        safe: shells.buffer(20.0).difference(&shells),
        safe_source: SafeSource::DefaultBand { margin_m: 20.0 },
        start: None,
    }
}

/// 1 km × 1 km (1 km², 100 ha) with 10 obstacles of 4–30 m scattered over it: plan time must grow no
/// worse than linearly with area (target: under 10 s on 2 cores with the anchor machine).
fn square_km() -> Field {
    let shell = [(0.0, 0.0), (1000.0, 0.0), (1000.0, 1000.0), (0.0, 1000.0)];
    let holes: Vec<LineString<f64>> = (0..10)
        .map(|i| {
            // spread by a fixed low-discrepancy sequence (no randomness: every run plans the same field)
            let x = 60.0 + 880.0 * ((i as f64 * 0.618_034 + 0.13) % 1.0);
            let y = 60.0 + 880.0 * ((i as f64 * 0.414_214 + 0.57) % 1.0);
            let s = 4.0 + 26.0 * ((i as f64 * 0.302_776 + 0.2) % 1.0);
            ring(&[
                (x, y),
                (x + s, y + 0.2 * s),
                (x + 0.8 * s, y + s),
                (x - 0.1 * s, y + 0.7 * s),
            ])
        })
        .collect();
    let hazard = MultiPolygon::new(vec![Polygon::new(ring(&shell), holes)]);
    let shells = MultiPolygon::new(vec![Polygon::new(ring(&shell), vec![])]);
    Field {
        source: "bench 1 km²".into(),
        datum: Datum::new(LatLon::new(39.8, 46.75)),
        hazard,
        safe: shells.buffer(20.0).difference(&shells),
        safe_source: SafeSource::DefaultBand { margin_m: 20.0 },
        start: None,
    }
}

/// Fields2Cover 2.1.0's default pipeline on the anchor fields (plan time s, path cost), measured on a
/// 2-core machine like ours, interleaved with demine (tests/data/f2c/NOTE.md, README).
const F2C: [(&str, f64, f64); 5] = [
    ("a_ee_field_130", 4.58, 1.56),
    ("b_square_100m", 0.48, 1.27),
    ("c_L_shape_1ha", 0.61, 1.39),
    ("d_two_holes_2ha", 3.20, 1.37),
    ("e_irregular_12v_5ha", 1.82, 1.15),
];

/// Path length × lane spacing / processed area (1.0: lanes only, no turns or transits).
fn path_cost(p: &demine::plan::Plan, m: &MachineProfile) -> f64 {
    p.path_length_m() * m.lane_spacing_m() / (p.hazard_m2 * p.processed_fraction).max(1e-9)
}

fn bench(name: &str, f: &Field, m: &MachineProfile, runs: usize) {
    bench_vs(name, f, m, runs, None);
}

fn bench_vs(name: &str, f: &Field, m: &MachineProfile, runs: usize, f2c: Option<(f64, f64)>) {
    let cfg = PlanConfig::default();
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        let p = plan(f, m, &cfg).expect("bench fields plan");
        times.push(t.elapsed().as_secs_f64() * 1e3);
        last = Some(p);
    }
    times.sort_by(f64::total_cmp);
    let p = last.expect("at least one run");
    println!(
        "{name:<28} {:>8.0} m²  median {:>7.1} ms  min {:>7.1} ms  {:?} {:>5.1}°  processed {:.4}  residual {:>6.1} m²  path {:>6.0} m  implement-on {:>4.1} %  turns {:>4}  est. {:>5.2} h",
        p.hazard_m2,
        times[times.len() / 2],
        times[0],
        p.strategy,
        p.lane_angle_rad.to_degrees().rem_euclid(180.0),
        p.processed_fraction,
        p.residual_m2,
        p.path_length_m(),
        100.0 * p.implement_on_length_m() / p.path_length_m(),
        p.turn_count(),
        p.time.total_s() / 3600.0
    );
    let cost = path_cost(&p, m);
    match f2c {
        Some((t, c)) => println!(
            "    path cost {cost:.2} (Fields2Cover {c:.2}, ratio {:.2}); time vs Fields2Cover {t:.2} s: {:.2}× faster",
            cost / c,
            t / (times[times.len() / 2] / 1e3)
        ),
        None => println!("    path cost {cost:.2}"),
    }
}

fn main() {
    let medium = MachineProfile::default_profile();
    let large = MachineProfile::load(std::path::Path::new("machines/large_tiller.yaml")).expect("shipped profile");
    let runs = std::env::args().filter_map(|a| a.parse().ok()).next().unwrap_or(5);
    let anchor =
        MachineProfile::load(std::path::Path::new("tests/data/f2c/machine_2p5m_r4.yaml")).expect("anchor profile");
    for (name, t, c) in F2C {
        let path = format!("tests/data/f2c/{name}.geojson");
        match demine::field::load(std::path::Path::new(&path), &FieldOptions::default()) {
            Ok(f) => bench_vs(name, &f, &anchor, runs.min(3), Some((t, c))),
            Err(e) => println!("{path}: {e}"),
        }
    }
    if std::env::args().any(|a| a == "f2c") {
        return;
    }
    bench("1 km² + 10 obstacles (anchor)", &square_km(), &anchor, 1);
    if std::env::args().any(|a| a == "km") {
        return;
    }
    bench("5 ha + 3 obstacles (medium)", &five_ha(), &medium, runs);
    bench("5 ha + 3 obstacles (large)", &five_ha(), &large, runs.min(3));
    if let Ok(dir) = std::fs::read_dir("examples/fields") {
        let mut paths: Vec<_> = dir.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        paths.sort();
        for path in paths
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "geojson"))
        {
            match demine::field::load(&path, &FieldOptions::default()) {
                Ok(f) => bench(&path.file_name().unwrap().to_string_lossy(), &f, &medium, runs),
                Err(e) => println!("{}: {e}", path.display()),
            }
        }
    }
}
