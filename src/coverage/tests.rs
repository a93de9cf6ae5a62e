//! Tests of the processed grid: crediting conditions, sweep geometry (property tests against the
//! strip polygon), polygons out, the footprint check.

use super::*;
use geo::{Area, Contains, Point};
use proptest::prelude::*;

fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
    MultiPolygon::new(vec![Rect::new((x0, y0), (x1, y1)).to_polygon()])
}

fn grid() -> ProcessedGrid {
    let m = MachineProfile::default_profile();
    ProcessedGrid::new(
        CoverageConfig::for_machine(&m),
        &m,
        &square(0.0, 0.0, 30.0, 20.0),
        &square(-20.0, 0.0, 0.0, 20.0),
    )
    .unwrap()
}

fn sample(x: f64, y: f64, yaw: f64) -> ProcessingSample {
    ProcessingSample {
        pose: Pose::new(x, y, yaw),
        rotor_rpm: 600.0,
        depth_m: 0.25,
        speed_mps: 0.14,
        position_sigma_m: 0.02,
    }
}

/// Drive straight from x0 to x1 at y, in steps of `step` m.
fn sweep(g: &mut ProcessedGrid, x0: f64, x1: f64, y: f64, step: f64, f: impl Fn(&mut ProcessingSample)) {
    let n = ((x1 - x0) / step).ceil() as usize;
    g.break_sweep();
    for i in 0..=n {
        let mut s = sample(x0 + (x1 - x0) * i as f64 / n as f64, y, 0.0);
        f(&mut s);
        g.update(&s);
    }
}

#[test]
fn straight_pass_credits_the_strip() {
    let mut g = grid();
    assert_eq!(g.hazard_m2().round(), 600.0);
    // the line is 2.9 m ahead: base_link from -2.9 to 7.1 sweeps the line over x 0..10
    sweep(&mut g, -2.9, 7.1, 10.0, 0.007, |_| {});
    let want = 10.0 * 1.9;
    assert!(
        (g.processed_hazard_m2() - want).abs() < 0.3,
        "{}",
        g.processed_hazard_m2()
    );
    assert!((g.progress() - want / 600.0).abs() < 1e-3);
    assert!(g.is_processed(Coord { x: 5.0, y: 10.9 }));
    assert!(!g.is_processed(Coord { x: 5.0, y: 11.0 }));
    // processed polygons also hold the run-in band credited on the safe side of x = 0
    let p = g.processed_polygons();
    let run_in = g.config().strike_reach_m * 1.9;
    assert!((p.unsigned_area() - g.processed_hazard_m2() - run_in).abs() < 0.05);
    let rest = g.unprocessed_hazard(0.0);
    assert!((rest.unsigned_area() - (600.0 - g.processed_hazard_m2())).abs() < 1e-6);
    assert!(g.missed_strips(0.0).0.is_empty());
}

#[test]
fn each_condition_refuses_credit() {
    type Case = (fn(&mut ProcessingSample), Credit);
    let cases: [Case; 5] = [
        (|s| s.rotor_rpm = 350.0, Credit::RotorOutOfBand),
        (|s| s.depth_m = 0.2, Credit::TooShallow),
        (|s| s.speed_mps = 0.5, Credit::TooFast),
        (|s| s.position_sigma_m = 0.3, Credit::PositionUncertain),
        (|s| s.speed_mps = -0.1, Credit::NotMovingForward),
    ];
    for (f, want) in cases {
        let mut g = grid();
        let mut a = sample(0.0, 10.0, 0.0);
        f(&mut a);
        g.update(&a);
        let mut b = sample(0.05, 10.0, 0.0);
        f(&mut b);
        assert_eq!(g.update(&b).credit, want);
        assert_eq!(g.processed_hazard_m2(), 0.0);
    }
    // a pose jump is not a sweep
    let mut g = grid();
    g.update(&sample(0.0, 10.0, 0.0));
    assert_eq!(g.update(&sample(3.0, 10.0, 0.0)).credit, Credit::PoseJump);
    assert_eq!(g.processed_hazard_m2(), 0.0);
}

#[test]
fn shallow_pass_leaves_a_missed_strip_that_a_good_pass_clears() {
    let mut g = grid();
    sweep(&mut g, 0.0, 10.0, 10.0, 0.01, |s| s.depth_m = 0.1);
    let missed = g.missed_strips(0.5);
    assert!(
        (missed.unsigned_area() - 19.0).abs() < 0.3,
        "{}",
        missed.unsigned_area()
    );
    sweep(&mut g, 0.0, 10.0, 10.0, 0.01, |_| {});
    assert!(g.missed_strips(0.0).0.is_empty());
}

#[test]
fn footprint_check_counts_standing_on_unprocessed_hazard() {
    let m = MachineProfile::default_profile();
    let mut g = grid();
    let mut fc = FootprintCheck::with_tolerance(&m, 0.0);
    // on the safe area
    assert!(fc.count(&g, &Pose::new(-3.0, 10.0, 0.0)).ok);
    // rear of the tracks in the hazard, nothing processed
    let v = fc.count(&g, &Pose::new(1.5, 10.0, 0.0));
    assert!(!v.ok && v.bad_cells > 100, "{v:?}");
    assert_eq!(fc.violations, 1);
    fc.count(&g, &Pose::new(1.6, 10.0, 0.0));
    assert_eq!(fc.violations, 1, "one violation while it lasts");
    // processed ahead of the tracks: driving in is fine
    sweep(&mut g, -2.9, 10.0, 10.0, 0.01, |_| {});
    assert!(fc.count(&g, &Pose::new(5.0, 10.0, 0.0)).ok);
    // sideways by 0.2 m the tracks leave the 1.9 m strip (1.7 m footprint)
    assert!(!fc.count(&g, &Pose::new(5.0, 10.2, 0.0)).ok);
    assert_eq!(fc.violations, 2);
    // outside the grid: only the safe polygons count
    assert!(fc.check(&g, &Pose::new(-18.0, 10.0, 0.0)).ok);
    assert!(!fc.check(&g, &Pose::new(-30.0, 10.0, 0.0)).ok);
    // the default tolerance forgives half a cell, not more
    let lenient = FootprintCheck::new(&m);
    assert!(!fc.check(&g, &Pose::new(5.0, 10.13, 0.0)).ok);
    assert!(lenient.check(&g, &Pose::new(5.0, 10.13, 0.0)).ok);
    assert!(!lenient.check(&g, &Pose::new(5.0, 10.2, 0.0)).ok);
}

#[test]
fn invalid_config_and_empty_hazard_are_errors() {
    let m = MachineProfile::default_profile();
    let mut c = CoverageConfig::for_machine(&m);
    c.cell_m = 0.0;
    assert!(ProcessedGrid::new(c, &m, &square(0.0, 0.0, 1.0, 1.0), &square(0.0, 0.0, 0.0, 0.0)).is_err());
    let c = CoverageConfig::for_machine(&m);
    assert_eq!(
        ProcessedGrid::new(c, &m, &MultiPolygon::new(vec![]), &MultiPolygon::new(vec![])).unwrap_err(),
        CoverageError::EmptyHazard
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// A straight sweep at any heading credits exactly the cells whose centres lie in the strip
    /// (up to centres within a micrometre of its edges).
    #[test]
    fn sweep_credits_cells_whose_centres_are_in_the_strip(
        x in 5.0f64..25.0, y in 5.0f64..15.0, yaw in -3.2f64..3.2, len in 0.5f64..6.0, step in 0.005f64..0.3
    ) {
        let m = MachineProfile::default_profile();
        let mut g = grid();
        let n = (len / step).ceil() as usize;
        let (c, s) = (yaw.cos(), yaw.sin());
        let pose = |i: usize| {
            let d = len * i as f64 / n as f64;
            Pose::new(x + c * d, y + s * d, yaw)
        };
        for i in 0..=n {
            let mut smp = sample(0.0, 0.0, yaw);
            smp.pose = pose(i);
            g.update(&smp);
        }
        // a standing start credits the strike band behind the first line too
        let reach = CoverageConfig::for_machine(&m).strike_reach_m;
        let back = Pose::new(x - c * reach, y - s * reach, yaw);
        let strip = crate::plan::pose::Body::new(&m).strip(&back, &pose(n));
        let f = *g.frame();
        let (mut wrong, mut credited) = (0, 0);
        for row in 0..f.ny {
            for col in 0..f.nx {
                let p = f.centre(col, row);
                let inside = strip.contains(&Point::from(p));
                let got = g.is_processed(p);
                credited += usize::from(got);
                if inside != got {
                    use geo::{Distance, Euclidean};
                    let d = Euclidean.distance(&Point::from(p), strip.exterior());
                    if d > 1e-6 { wrong += 1; }
                }
            }
        }
        prop_assert_eq!(wrong, 0);
        let area = strip.unsigned_area();
        prop_assert!((credited as f64 * 0.01 - area).abs() <= 0.1 * (2.0 * (len + 1.9)) + 0.05);
    }
}

/// A standing start credits the strike band behind the line, a pass that stops the band ahead
/// of the last credited line, and a pass broken by the rotor the band ahead of where it broke;
/// the ground swept after that is a missed strip, not processed.
#[test]
fn strike_band_at_starts_and_stops_and_missed_ground_after_a_rotor_loss() {
    let m = MachineProfile::default_profile();
    let reach = CoverageConfig::for_machine(&m).strike_reach_m;
    let x_line = m.implement_x_m();
    let mut g = grid();
    // line from x = 5 to x = 8, then the machine stops
    sweep(&mut g, 5.0 - x_line, 8.0 - x_line, 10.0, 0.01, |_| {});
    let mut stop = sample(8.0 - x_line, 10.0, 0.0);
    stop.speed_mps = 0.0;
    g.update(&stop);
    let at = |x: f64| g.is_processed(Coord { x, y: 10.0 });
    assert!(at(5.0 - reach + 0.02) && !at(5.0 - reach - 0.06), "run-in band");
    assert!(at(8.0 + reach - 0.02) && !at(8.0 + reach + 0.06), "run-out band");
    let mut new = Vec::new();
    // a second pass on y = 14: the rotor drops out of band at x = 12
    g.break_sweep();
    let mut x = 10.0 - x_line;
    while x < 14.0 - x_line {
        let mut smp = sample(x, 14.0, 0.0);
        if x + x_line > 12.0 {
            smp.rotor_rpm = 100.0;
        }
        g.update_collect(&smp, Some(&mut new));
        x += 0.01;
    }
    let at = |x: f64| g.is_processed(Coord { x, y: 14.0 });
    assert!(at(11.9) && at(12.0 + reach - 0.02) && !at(12.0 + reach + 0.06));
    let missed = g.missed_strips(0.0);
    assert!(missed.contains(&Point::new(13.0, 14.0)), "{missed:?}");
    // every newly credited cell was reported once, and they are all processed
    let f = *g.frame();
    let uniq: std::collections::HashSet<_> = new.iter().collect();
    assert_eq!(uniq.len(), new.len());
    assert!(new
        .iter()
        .all(|&(c, r)| g.is_processed(f.centre(c as usize, r as usize))));
    // a resume credits the same cells again from the record
    let mut again = grid();
    for &(c, r) in &new {
        assert!(again.credit_cell(c, r));
        assert!(!again.credit_cell(c, r), "already processed");
    }
    assert!(!again.credit_cell(-1, 0) && !again.credit_cell(0, i64::MAX));
    assert!(again.processed_hazard_m2() > 0.0 && again.residual_m2() < again.hazard_m2());
}

/// A detonation block loses its credit but stays ground to stand on; a new pass credits it
/// again and the progress comes back.
#[test]
fn reprocess_block_is_unprocessed_but_standable_until_credited_again() {
    let m = MachineProfile::default_profile();
    let mut g = grid();
    let x_line = m.implement_x_m();
    sweep(&mut g, 2.0 - x_line, 20.0 - x_line, 10.0, 0.01, |_| {});
    let before = g.processed_hazard_m2();
    let area = reprocess::block(12.0, 10.0, 0.0, 5.0, 1.9);
    let (c0, r0, c1, r1) = g.cell_range(&area);
    assert!(c1 - c0 >= 49 && r1 - r0 >= 18, "{c0} {r0} {c1} {r1}");
    // only cells chosen by the predicate: here the western half
    let f = *g.frame();
    let n = g.mark_reprocess(&area, |c, r| f.centre(c as usize, r as usize).x < 12.0);
    assert!((n as f64 * 0.01 - 2.5 * 1.9).abs() < 0.3, "{n}");
    let n2 = g.mark_reprocess(&area, |_, _| true);
    assert!((g.reprocess_m2() - 5.0 * 1.9).abs() < 0.4, "{} {n2}", g.reprocess_m2());
    assert!((before - g.processed_hazard_m2() - g.reprocess_m2()).abs() < 1e-9);
    assert!(!g.is_processed(Coord { x: 12.0, y: 10.0 }));
    assert!(g.covered(Coord { x: 12.0, y: 10.0 }), "still ground to stand on");
    // the footprint over the block is allowed
    let fc = FootprintCheck::new(&m);
    assert!(fc.check(&g, &Pose::new(12.0, 10.0, 0.0)).ok);
    assert!(g.unprocessed_hazard(0.0).contains(&Point::new(12.0, 10.0)));
    // a second pass over it credits it again
    let mut new = Vec::new();
    g.break_sweep();
    let mut x = 8.0 - x_line;
    while x <= 16.0 - x_line {
        g.update_collect(&sample(x, 10.0, 0.0), Some(&mut new));
        x += 0.01;
    }
    assert!(g.reprocess_m2() < 1e-9 && (g.processed_hazard_m2() - before).abs() < 0.05);
    assert!(new.len() as f64 * 0.01 >= 5.0 * 1.9 - 0.3, "{}", new.len());
}
