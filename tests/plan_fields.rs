//! Planner scenarios on fields of our own making: the footprint rule holds (replayed by the
//! planner's own stage-6 check and by an independent raster), obstacles are never entered, and at
//! least 99 % of the hazard is processed with the rest returned as residual.

mod common;
use common::*;
use demine::machine::MachineProfile;
use demine::plan::{plan, PlanConfig};

fn medium() -> MachineProfile {
    MachineProfile::default_profile()
}

fn large() -> MachineProfile {
    MachineProfile::load(std::path::Path::new("machines/large_tiller.yaml")).unwrap()
}

fn assert_good(name: &str, f: &demine::field::Field, m: &MachineProfile, min_fraction: f64) -> demine::plan::Plan {
    let p = plan(f, m, &PlanConfig::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
    eprintln!(
        "{name}: strategy {:?} angle {:.1}° processed {:.4} residual {:.1} m² path {:.0} m time {:.0} s unreachable {}",
        p.strategy,
        p.lane_angle_rad.to_degrees(),
        p.processed_fraction,
        p.residual_m2,
        p.path_length_m(),
        p.time.total_s(),
        p.unreachable_passes
    );
    assert!(
        p.processed_fraction >= min_fraction,
        "{name}: processed {}",
        p.processed_fraction
    );
    // residual + processed = hazard
    assert!((p.residual_m2 - (1.0 - p.processed_fraction) * p.hazard_m2).abs() < 1e-6);
    let raster = raster_processed_fraction(&p, f, m, 0.25);
    assert!(
        (raster - p.processed_fraction).abs() < 0.01,
        "{name}: raster {raster} vs claimed {}",
        p.processed_fraction
    );
    p
}

#[test]
fn rotated_rectangle_default_band() {
    let f = field(&rotated(&rect(0.0, 0.0, 80.0, 50.0), 17.0), &[], None);
    assert_good("rectangle", &f, &medium(), 0.99);
}

#[test]
fn road_on_one_side_only() {
    let road = vec![(-20.0, -8.0), (120.0, -8.0), (120.0, 0.0), (-20.0, 0.0)];
    let f = with_start(field(&rect(0.0, 0.0, 100.0, 60.0), &[], Some(vec![road])), 50.0, -4.0);
    assert_good("road", &f, &medium(), 0.99);
}

#[test]
fn obstacles_are_worked_around() {
    let holes = vec![
        rect(20.0, 20.0, 30.0, 28.0),
        rect(60.0, 40.0, 66.0, 46.0),
        rotated(&rect(-2.5, -2.5, 2.5, 2.5), 30.0)
            .iter()
            .map(|&(x, y)| (x + 80.0, y + 15.0))
            .collect(),
    ];
    let f = field(&rect(0.0, 0.0, 100.0, 70.0), &holes, None);
    assert_good("obstacles", &f, &medium(), 0.99);
}

#[test]
fn u_shape() {
    let shell = vec![
        (0.0, 0.0),
        (100.0, 0.0),
        (100.0, 80.0),
        (70.0, 80.0),
        (70.0, 30.0),
        (30.0, 30.0),
        (30.0, 80.0),
        (0.0, 80.0),
    ];
    let f = field(&shell, &[], None);
    assert_good("u", &f, &medium(), 0.99);
}

#[test]
fn long_narrow_strip() {
    let f = field(&rotated(&rect(0.0, 0.0, 300.0, 12.0), 33.0), &[], None);
    assert_good("strip", &f, &medium(), 0.99);
}

#[test]
fn acute_corner() {
    let f = field(&[(0.0, 0.0), (120.0, 0.0), (10.0, 45.0)], &[], None);
    assert_good("acute", &f, &medium(), 0.97);
}

#[test]
fn detached_safe_area_needs_access() {
    let parking = rect(10.0, -40.0, 40.0, -15.0);
    let f = with_start(
        field(&rect(0.0, 0.0, 60.0, 60.0), &[], Some(vec![parking])),
        25.0,
        -28.0,
    );
    let p = assert_good("access", &f, &medium(), 0.99);
    assert!(p.motions.iter().any(|m| m.kind() == demine::plan::PathKind::Access));
}

#[test]
fn large_dubins_machine() {
    let f = field(
        &rotated(&rect(0.0, 0.0, 90.0, 60.0), 8.0),
        &[rect(40.0, 25.0, 48.0, 33.0)],
        None,
    );
    assert_good("dubins", &f, &large(), 0.99);
}

/// The mission's re-planning entry point: a strip missed while driving is planned from the
/// machine's pose over processed ground only, and covered.
#[test]
fn gap_fill_covers_a_missed_strip() {
    use demine::plan::{plan_gap_fill, Pose};
    use geo::{Area, BooleanOps, MultiPolygon, Polygon, Rect};
    let f = field(&rect(0.0, 0.0, 60.0, 40.0), &[], None);
    let m = medium();
    // everything processed except a 1.2 m strip across the middle
    let hazard = f.hazard.clone();
    let missed = MultiPolygon::new(vec![Rect::new((0.0, 19.4), (60.0, 20.6)).to_polygon()]);
    let processed = hazard.difference(&missed);
    let pose = Pose::new(-5.0, 10.0, 0.0); // on the safe band, west of the field
    let p = plan_gap_fill(&f, &m, &PlanConfig::default(), &processed, &missed, pose);
    assert!(!p.motions.is_empty());
    assert!(
        p.residual.unsigned_area() < 0.5,
        "left {:.2} m² of the missed strip",
        p.residual.unsigned_area()
    );
    assert!(p.motions.iter().any(|mo| mo.kind() == demine::plan::PathKind::Gap));
    // the strip is covered by what the gap plan processes
    let strips: Vec<Polygon<f64>> = p.strips(&m);
    let done = geo::unary_union(strips.iter());
    assert!(missed.difference(&done).unsigned_area() < 0.5);
}

#[test]
fn margin_wider_than_the_slack_is_refused() {
    let f = field(&rect(0.0, 0.0, 40.0, 30.0), &[], None);
    let cfg = PlanConfig {
        footprint_margin_m: 0.2,
        ..PlanConfig::default()
    };
    let e = plan(&f, &medium(), &cfg).unwrap_err().to_string();
    assert!(e.contains("0.2") && e.contains("0.100"), "{e}");
    // no margin at all is allowed (and plans at least as much)
    let p0 = plan(
        &f,
        &medium(),
        &PlanConfig {
            footprint_margin_m: 0.0,
            ..PlanConfig::default()
        },
    )
    .unwrap();
    assert!(p0.processed_fraction >= 0.99);
}

/// The large tiller (6 m turn radius, no pivots) on a hazard with an 8 m road along one side only:
/// it cannot turn on the road in one arc, so it processes each lane from the road, reverses out
/// along it and shunts sideways with forward and reverse arcs (before: 0 % on road_side).
#[test]
fn tiller_shunts_on_a_road_on_one_side_only() {
    let road = vec![(-25.0, -8.0), (55.0, -8.0), (55.0, 0.0), (-25.0, 0.0)];
    let f = with_start(field(&rect(0.0, 0.0, 30.0, 24.0), &[], Some(vec![road])), -15.0, -4.0);
    let p = assert_good("tiller road", &f, &large(), 0.99);
    let reverse_curves = p
        .motions
        .iter()
        .filter(|m| {
            matches!(
                m,
                demine::plan::Motion::Curve {
                    direction: demine::plan::Direction::Reverse,
                    ..
                }
            )
        })
        .count();
    assert!(reverse_curves > 0, "no reverse arcs: {:?}", p.motions.len());
    assert!(!p
        .motions
        .iter()
        .any(|m| matches!(m, demine::plan::Motion::Pivot { .. })));
}
