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
            "Polygon" => {
                let kind = p["kind"].as_str().unwrap();
                assert!(kind == "residual" || kind == "unreachable_pass", "{kind}");
                let reason = p["reason"]
                    .as_str()
                    .expect("every residual and unreachable pass has a reason");
                assert!(
                    [
                        "obstacle_clearance",
                        "acute_corner",
                        "no_turn_room",
                        "unreachable",
                        "sliver"
                    ]
                    .contains(&reason),
                    "{reason}"
                );
            }
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

/// The large tiller (6 m radius) on the simulator's road field: it shunts with reverse arcs,
/// which the plan marks `direction: "reverse"`, and processes it all (before: 29 %, exit 0).
#[test]
fn sim_road_with_the_large_tiller_shunts_in_reverse() {
    let (plan, summary) = plan_file("tests/data/sim_road.geojson", Some("machines/large_tiller.yaml"));
    check_contract(&plan, &summary);
    assert!(summary["processed_fraction"].as_f64().unwrap() >= 0.99, "{summary}");
    let reverse_curves = plan["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["properties"]["direction"] == "reverse" && f["geometry"]["coordinates"].as_array().unwrap().len() > 2
        })
        .count();
    assert!(reverse_curves > 0, "no reverse curves in the plan");
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

/// The summary says what the plan does: its lane angle is the dominant direction of the
/// processing passes written in the plan (length-weighted), and a plan processed mostly by gap
/// passes says `gap_fill`.
#[test]
fn summary_strategy_and_angle_match_the_passes() {
    for (field, machine) in [
        ("examples/fields/road_side.geojson", None),
        ("examples/fields/rectangle.geojson", None),
        ("examples/fields/strip.geojson", Some("machines/large_tiller.yaml")),
    ] {
        let (plan, summary) = plan_file(field, machine);
        let datum = &plan["datum"];
        let (lat0, lon0) = (datum["lat_deg"].as_f64().unwrap(), datum["lon_deg"].as_f64().unwrap());
        let mut bins = vec![0.0f64; 180];
        let (mut gap, mut other) = (0.0, 0.0);
        for f in plan["features"].as_array().unwrap() {
            let p = &f["properties"];
            if f["geometry"]["type"] != "LineString" || p["implement"] != true {
                continue;
            }
            let c = f["geometry"]["coordinates"].as_array().unwrap();
            let (a, b) = (&c[0], &c[c.len() - 1]);
            // small-field equirectangular metres are enough for a bearing
            let k = lat0.to_radians().cos();
            let dx = (b[0].as_f64().unwrap() - a[0].as_f64().unwrap()) * k * 111_320.0;
            let dy = (b[1].as_f64().unwrap() - a[1].as_f64().unwrap()) * 110_574.0;
            let _ = lon0;
            let len = dx.hypot(dy);
            let deg = dy.atan2(dx).to_degrees().rem_euclid(180.0);
            bins[(deg.round() as usize) % 180] += len;
            if p["kind"] == "gap" {
                gap += len;
            } else {
                other += len;
            }
        }
        let dominant = bins
            .iter()
            .enumerate()
            .fold((0, -1.0), |b, (i, &v)| if v > b.1 { (i, v) } else { b })
            .0 as f64;
        let said = summary["lane_angle_deg"].as_f64().unwrap();
        let diff = (said - dominant).rem_euclid(180.0);
        assert!(
            diff.min(180.0 - diff) <= 1.5,
            "{field}: summary {said}°, passes {dominant}°"
        );
        let strategy = summary["strategy"].as_str().unwrap();
        assert_eq!(
            strategy == "gap_fill",
            gap > other,
            "{field}: {strategy}, gap {gap:.0} m vs other {other:.0} m"
        );
        assert!(summary["residual_by_reason_m2"].is_object() && summary["processing_m_by_kind"].is_object());
    }
}

/// A plan leaving more than `--max-residual-pct` is refused: exit 1, no plan written, the
/// message says how much, why and where, and how to accept it; accepted with the flag it is
/// written with each residual piece's reason.
#[test]
fn residual_above_the_limit_is_refused_loudly() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plan.geojson");
    let svg = dir.path().join("plan.svg");
    let field = "examples/fields/obstacles.geojson";
    let o = demine(&[
        "plan",
        "--field",
        field,
        "--out",
        out.to_str().unwrap(),
        "--max-residual-pct",
        "0",
        "--svg",
        svg.to_str().unwrap(),
    ]);
    assert!(!o.status.success(), "a residual above 0 % must be refused");
    let err = String::from_utf8_lossy(&o.stderr);
    for want in [
        "obstacles.geojson",
        "unprocessed",
        "obstacle_clearance",
        "lat ",
        "lon ",
        "--max-residual-pct",
    ] {
        assert!(err.contains(want), "stderr lacks {want:?}: {err}");
    }
    assert!(!out.exists(), "a refused plan is not written");
    assert!(svg.exists(), "the picture is drawn so that the operator sees why");
    // accepted explicitly
    let o = demine(&[
        "plan",
        "--field",
        field,
        "--out",
        out.to_str().unwrap(),
        "--max-residual-pct",
        "100",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let plan: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let residual: Vec<&Value> = plan["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["kind"] == "residual")
        .collect();
    assert!(!residual.is_empty());
    assert!(residual.iter().all(|f| f["properties"]["reason"].is_string()));
}

#[test]
fn max_residual_out_of_range_is_refused() {
    for bad in ["-1", "101", "NaN"] {
        let o = demine(&[
            "plan",
            "--field",
            "examples/fields/rectangle.geojson",
            "--out",
            "/tmp/never-written.geojson",
            &format!("--max-residual-pct={bad}"),
        ]);
        assert!(!o.status.success(), "{bad}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("--max-residual-pct"),
            "{bad}"
        );
    }
}

/// `--svg` and `--png` draw the plan: the SVG names the figures of the summary, the PNG is a
/// PNG of the SVG's size.
#[test]
fn picture_of_the_plan() {
    let dir = tempfile::tempdir().unwrap();
    let (svg, png) = (dir.path().join("p.svg"), dir.path().join("p.png"));
    let o = demine(&[
        "plan",
        "--field",
        "examples/fields/obstacles.geojson",
        "--out",
        dir.path().join("p.geojson").to_str().unwrap(),
        "--svg",
        svg.to_str().unwrap(),
        "--png",
        png.to_str().unwrap(),
        "--max-residual-pct",
        "100",
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary: Value = serde_json::from_slice(&o.stdout).unwrap();
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg"));
    let processed = format!(
        "Processed: {:.2} %",
        100.0 * summary["processed_fraction"].as_f64().unwrap()
    );
    assert!(text.contains(&processed), "{processed}");
    assert!(text.contains("START") && text.contains("residual: obstacle_clearance"));
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    assert_eq!(w, 1280, "the picture's width");
}
