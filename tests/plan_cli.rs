//! `demine plan` end to end: the output contract of PLAN.geojson and `--json`, and clear errors
//! with a non-zero exit for bad inputs.

use serde_json::Value;
use std::process::Command;

fn demine(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_demine"))
        .args(args)
        .output()
        .expect("run demine")
}

fn plan_file(field: &str, machine: Option<&str>) -> (Value, Value) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plan.geojson");
    let mut args = vec!["plan", "--field", field, "--out", out.to_str().unwrap(), "--json"];
    if let Some(m) = machine {
        args.extend(["--machine", m]);
    }
    let o = demine(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let plan: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let summary: Value = serde_json::from_slice(&o.stdout).expect("--json prints JSON");
    (plan, summary)
}

fn check_contract(plan: &Value, summary: &Value) {
    assert_eq!(plan["type"], "FeatureCollection");
    let fp = plan["machine"]["footprint_m"].as_array().expect("machine.footprint_m");
    assert!(fp.len() >= 3);
    assert_eq!(plan["machine"]["implement_m"].as_array().unwrap().len(), 2);
    assert!(plan["datum"]["lat_deg"].is_f64() && plan["datum"]["lon_deg"].is_f64());
    let mut seq = 0;
    let mut processing_m = 0.0;
    for f in plan["features"].as_array().unwrap() {
        let p = &f["properties"];
        match f["geometry"]["type"].as_str().unwrap() {
            "LineString" => {
                assert_eq!(p["seq"].as_i64().unwrap(), seq, "seq in driving order");
                seq += 1;
                let kind = p["kind"].as_str().unwrap();
                assert!(
                    ["headland", "lane", "turn", "transit", "access", "gap"].contains(&kind),
                    "{kind}"
                );
                let dir = p["direction"].as_str().unwrap();
                assert!(dir == "forward" || dir == "reverse");
                let on = p["implement"].as_bool().unwrap();
                assert!(!(on && dir == "reverse"), "never processes while reversing");
                assert!(p["speed_mps"].as_f64().unwrap() > 0.0);
                let c = f["geometry"]["coordinates"].as_array().unwrap();
                assert!(c.len() >= 2);
                for xy in c {
                    let (lon, lat) = (xy[0].as_f64().unwrap(), xy[1].as_f64().unwrap());
                    assert!(lon.abs() <= 180.0 && lat.abs() <= 90.0);
                }
                if on {
                    processing_m += 1.0;
                }
            }
            "Polygon" => assert_eq!(p["kind"], "residual"),
            other => panic!("unexpected geometry {other}"),
        }
    }
    assert!(seq > 0 && processing_m > 0.0);
    for key in [
        "processed_fraction",
        "residual_m2",
        "path_length_m",
        "implement_on_length_m",
        "turn_count",
        "estimated_duration_s",
        "lane_angle_deg",
        "planning_time_ms",
    ] {
        assert!(summary[key].is_number(), "summary lacks {key}: {summary}");
    }
    assert!(summary["processed_fraction"].as_f64().unwrap() >= 0.99);
}

#[test]
fn road_side_field_with_default_machine() {
    let (plan, summary) = plan_file("examples/fields/road_side.geojson", None);
    check_contract(&plan, &summary);
    assert_eq!(plan["machine"]["working_width_m"], 1.9);
}

#[test]
fn strip_with_the_large_dubins_machine() {
    let (plan, summary) = plan_file("examples/fields/strip.geojson", Some("machines/large_tiller.yaml"));
    check_contract(&plan, &summary);
    assert_eq!(plan["machine"]["working_width_m"], 3.0);
}

#[test]
fn bad_field_fails_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p.geojson");
    let o = demine(&[
        "plan",
        "--field",
        "tests/data/bad_fields/bow_tie.geojson",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("bow_tie.geojson") && err.contains("self-intersect"),
        "{err}"
    );
    assert!(!out.exists(), "no plan is written for a bad field");
}

#[test]
fn bad_machine_fails_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("m.yaml");
    let text = std::fs::read_to_string("machines/medium_flail.yaml")
        .unwrap()
        .replace("working_width_m: 1.9", "working_width_m: 1.5");
    std::fs::write(&m, text).unwrap();
    let o = demine(&[
        "plan",
        "--field",
        "examples/fields/rectangle.geojson",
        "--machine",
        m.to_str().unwrap(),
        "--out",
        dir.path().join("p.geojson").to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("m.yaml") && err.contains("working_width_m"), "{err}");
}

#[test]
fn missing_field_file_is_named() {
    let o = demine(&[
        "plan",
        "--field",
        "no/such/field.geojson",
        "--out",
        "/tmp/never.geojson",
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("no/such/field.geojson"));
}
