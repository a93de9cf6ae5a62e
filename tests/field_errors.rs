//! Broken field files in `tests/data/bad_fields/`: each is refused by `demine::field::load` with a
//! message that names the file, the feature and the problem.

use demine::field::{load, FieldError, FieldOptions};
use std::path::{Path, PathBuf};

fn bad(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/bad_fields")
        .join(name)
}

fn message(name: &str) -> (String, FieldError) {
    let path = bad(name);
    let err = match load(&path, &FieldOptions::default()) {
        Ok(_) => panic!("{name} was accepted"),
        Err(e) => e,
    };
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!("{}: ", path.display())),
        "{name}: message does not start with the file: {msg}"
    );
    (msg, err)
}

#[test]
fn every_bad_field_is_refused_with_a_clear_message() {
    let cases: &[(&str, &[&str])] = &[
        (
            "bow_tie.geojson",
            &["feature 0 (hazard): ring 0 self-intersects near 39.80"],
        ),
        (
            "swapped_latlon.geojson",
            &[
                "feature 0 (hazard): ring 0 vertex 0",
                "out of range",
                "lat/lon swapped?",
            ],
        ),
        (
            "swapped_vertex.geojson",
            &[
                "feature 0 (hazard): ring 0 vertex 2 at 46.750934,39.800450",
                "km from the middle",
            ],
        ),
        ("unclosed_ring.geojson", &["feature 0 (hazard): ring 0 is not closed"]),
        (
            "hole_outside.geojson",
            &["feature 0 (hazard): hole (ring 1) lies outside the outer ring near 39.80"],
        ),
        (
            "hazard_overlaps_safe.geojson",
            &["feature 1 (safe) overlaps feature 0 (hazard)", "by 240.00 m²"],
        ),
        (
            "unknown_role.geojson",
            &[
                "feature 1: unknown role \"minefield\"",
                "expected \"hazard\", \"safe\" or \"start\"",
            ],
        ),
        ("empty.geojson", &["no hazard feature (0 features in the collection)"]),
        ("nan_coordinate.geojson", &["line 4, column", "non-finite number"]),
        (
            "truncated.geojson",
            &["line 4, column", "not valid JSON: EOF while parsing"],
        ),
    ];
    for (name, wants) in cases {
        let (msg, _) = message(name);
        for want in *wants {
            assert!(msg.contains(want), "{name}: want {want:?} in: {msg}");
        }
    }
    let listed: Vec<&str> = cases.iter().map(|(n, _)| *n).collect();
    for entry in std::fs::read_dir(bad("")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(listed.contains(&name.as_str()), "{name} has no case here");
    }
}

#[test]
fn errors_are_distinct_variants() {
    assert!(matches!(
        message("bow_tie.geojson").1,
        FieldError::SelfIntersection { .. }
    ));
    assert!(matches!(
        message("swapped_latlon.geojson").1,
        FieldError::OutOfRange { .. }
    ));
    assert!(matches!(
        message("unclosed_ring.geojson").1,
        FieldError::UnclosedRing { .. }
    ));
    assert!(matches!(
        message("hole_outside.geojson").1,
        FieldError::HoleOutsideShell { .. }
    ));
    assert!(matches!(
        message("hazard_overlaps_safe.geojson").1,
        FieldError::SafeOverlapsHazard { .. }
    ));
    assert!(matches!(
        message("unknown_role.geojson").1,
        FieldError::UnknownRole { .. }
    ));
    assert!(matches!(message("empty.geojson").1, FieldError::NoHazard { .. }));
    assert!(matches!(
        message("nan_coordinate.geojson").1,
        FieldError::NonFiniteNumber { .. }
    ));
    assert!(matches!(message("truncated.geojson").1, FieldError::Json { .. }));
}
