//! Every example field in `examples/fields/` loads, with the expected area, obstacles and safe area.

use demine::field::{load, FieldOptions, SafeSource};
use geo::{Area, BooleanOps, Contains};
use std::path::Path;

/// name, hazard area (m², outer rings minus obstacles), obstacles, safe area given, start given.
const EXAMPLES: &[(&str, f64, usize, bool, bool)] = &[
    ("rectangle", 9600.0, 0, false, false),
    ("road_side", 6000.0, 0, true, true),
    ("obstacles", 11120.8, 3, false, false),
    ("u_shape", 6600.0, 0, false, false),
    ("strip", 3600.0, 0, false, false),
    ("access", 3600.0, 0, true, true),
    ("five_ha", 50877.0, 3, false, false),
];

#[test]
fn every_example_field_loads() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/fields");
    for &(name, area_m2, obstacles, safe_given, start) in EXAMPLES {
        let path = dir.join(format!("{name}.geojson"));
        let f = load(&path, &FieldOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        let got = f.hazard.unsigned_area();
        assert!((got - area_m2).abs() < 0.5, "{name}: area {got} m², want {area_m2}");
        assert_eq!(f.obstacles().0.len(), obstacles, "{name}");
        assert_eq!(f.safe_source == SafeSource::Given, safe_given, "{name}");
        if !safe_given {
            assert_eq!(f.safe_source, SafeSource::DefaultBand { margin_m: 20.0 }, "{name}");
        }
        assert_eq!(f.start.is_some(), start, "{name}");
        if let Some(s) = f.start {
            assert!(f.safe.contains(&s), "{name}: start not in the safe area");
        }
        assert!(f.safe.unsigned_area() > 100.0, "{name}");
        assert!(
            f.safe.intersection(&f.hazard).unsigned_area() < 0.01,
            "{name}: safe overlaps hazard"
        );
        assert!(
            f.safe.intersection(&f.obstacles()).unsigned_area() < 0.01,
            "{name}: obstacle counted safe"
        );
    }
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry
            .unwrap()
            .path()
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(EXAMPLES.iter().any(|e| e.0 == name), "{name} is not checked here");
    }
}

#[test]
fn five_hectares_is_about_five_hectares() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/fields/five_ha.geojson");
    let f = load(&path, &FieldOptions::default()).unwrap();
    assert!((4.9e4..5.2e4).contains(&f.hazard.unsigned_area()));
}
