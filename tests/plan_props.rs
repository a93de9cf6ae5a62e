//! Property tests of the planner over random polygons: whatever the shape, a plan that is emitted
//! keeps the footprint rule (the planner's stage-6 replay refuses any plan that does not), never
//! enters an obstacle, accounts for every square metre as processed or residual, and its claimed
//! processed fraction agrees with an independent raster.

mod common;
use common::*;
use demine::machine::MachineProfile;
use demine::plan::{plan, PlanConfig};
use proptest::prelude::*;

/// A star-shaped polygon: radii at sorted angles around the origin (always simple).
fn star() -> impl Strategy<Value = Vec<(f64, f64)>> {
    (5usize..10, prop::collection::vec((0.0f64..1.0, 25.0f64..60.0), 10)).prop_map(|(n, pts)| {
        let mut v: Vec<(f64, f64)> = pts
            .iter()
            .take(n)
            .enumerate()
            .map(|(i, &(jit, r))| {
                let a = (i as f64 + 0.8 * jit) / n as f64 * std::f64::consts::TAU;
                (r * a.cos(), r * a.sin())
            })
            .collect();
        v.dedup();
        v
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]
    #[test]
    fn random_fields_keep_the_rule_and_account_for_all_ground(shell in star(), hole in prop::option::of((-8.0f64..8.0, -8.0f64..8.0, 2.0f64..5.0))) {
        let holes: Vec<Vec<(f64, f64)>> = hole.iter().map(|&(x, y, s)| rect(x - s, y - s, x + s, y + s)).collect();
        let f = field(&shell, &holes, None);
        let m = MachineProfile::default_profile();
        let cfg = PlanConfig { angle_step_deg: 15.0, ..PlanConfig::default() };
        let p = plan(&f, &m, &cfg).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!((p.residual_m2 - (1.0 - p.processed_fraction) * p.hazard_m2).abs() < 1e-6);
        prop_assert!(p.processed_fraction > 0.95, "processed {}", p.processed_fraction);
        let raster = raster_processed_fraction(&p, &f, &m, 0.3);
        prop_assert!((raster - p.processed_fraction).abs() < 0.015, "raster {} vs {}", raster, p.processed_fraction);
    }
}
