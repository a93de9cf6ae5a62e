//! A safe area at any distance from the hazard: touching, 2 mm, 5 cm, 50 cm and 5 m away (the
//! ground between is bridged: processed from the safe area), and 40 m and 150 m away (an access
//! corridor). Each plans to at least 99 % with the footprint rule replayed by the planner's own
//! stage-6 check, obstacles never touched, and the processed area confirmed by an independent
//! raster.

mod common;
use common::*;
use demine::machine::MachineProfile;
use demine::plan::{plan, PathKind, PlanConfig};

/// The case: a 100 × 60 m hazard and an 8 m road along its south side, `gap_m` away;
/// the machine starts on the road.
fn road_field(gap_m: f64) -> demine::field::Field {
    let road = rect(-20.0, -8.0 - gap_m, 120.0, -gap_m);
    with_start(
        field(&rect(0.0, 0.0, 100.0, 60.0), &[], Some(vec![road])),
        50.0,
        -4.0 - gap_m,
    )
}

fn check(name: &str, f: &demine::field::Field, m: &MachineProfile) -> demine::plan::Plan {
    let p = plan(f, m, &PlanConfig::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
    eprintln!(
        "{name}: {:?} at {:.1}°, processed {:.4}, residual {:.2} m², unreachable {}, path {:.0} m",
        p.strategy,
        p.lane_angle_rad.to_degrees(),
        p.processed_fraction,
        p.residual_m2,
        p.unreachable_passes,
        p.path_length_m()
    );
    assert!(
        p.processed_fraction >= 0.99,
        "{name}: processed {}",
        p.processed_fraction
    );
    let raster = raster_processed_fraction(&p, f, m, 0.25);
    assert!(
        (raster - p.processed_fraction).abs() < 0.01,
        "{name}: raster {raster} vs claimed {}",
        p.processed_fraction
    );
    p
}

#[test]
fn road_touching() {
    check("touching", &road_field(0.0), &MachineProfile::default_profile());
}

#[test]
fn road_2_mm_away() {
    check("2 mm", &road_field(0.002), &MachineProfile::default_profile());
}

#[test]
fn road_5_cm_away() {
    check("5 cm", &road_field(0.05), &MachineProfile::default_profile());
}

#[test]
fn road_50_cm_away() {
    check("50 cm", &road_field(0.5), &MachineProfile::default_profile());
}

#[test]
fn road_5_m_away() {
    let p = check("5 m", &road_field(5.0), &MachineProfile::default_profile());
    // the 5 m of ground between road and hazard is processed before it is driven on
    let strips = geo::unary_union(p.strips(&MachineProfile::default_profile()).iter());
    use geo::{Area, BooleanOps};
    let between = geo::MultiPolygon::new(vec![geo::Rect::new((0.0, -5.0), (100.0, 0.0)).to_polygon()]);
    assert!(between.difference(&strips).unsigned_area() < 5.0);
}

/// A parking area 40 m south of the hazard, narrower than it: an access corridor.
#[test]
fn parking_40_m_away() {
    let parking = rect(30.0, -70.0, 70.0, -40.0);
    let f = with_start(
        field(&rect(0.0, 0.0, 100.0, 60.0), &[], Some(vec![parking])),
        50.0,
        -55.0,
    );
    let p = check("40 m", &f, &MachineProfile::default_profile());
    assert!(p.motions.iter().any(|m| m.kind() == PathKind::Access));
}

/// The same 150 m away.
#[test]
fn parking_150_m_away() {
    let parking = rect(30.0, -180.0, 70.0, -150.0);
    let f = with_start(
        field(&rect(0.0, 0.0, 100.0, 60.0), &[], Some(vec![parking])),
        50.0,
        -165.0,
    );
    let p = check("150 m", &f, &MachineProfile::default_profile());
    assert!(p.motions.iter().any(|m| m.kind() == PathKind::Access));
}
