//! Coverage planning: a hazardous area and a machine profile in, a clearance plan that keeps the
//! footprint rule out.
//!
//! The stages, chained in [`plan`] and [`plan_strategy`]:
//! 1. [`site`]: the field in the local ENU frame (projected by [`crate::field`]), obstacles grown
//!    by the machine's clearance;
//! 2. [`headland`]: passes along the boundary and around obstacles, processed first;
//! 3. [`angle`]: lane directions ranked by estimated mission time;
//! 4. [`lanes`] and [`cells`]: bands, boustrophedon cells around obstacles, cell order;
//! 5. [`maneuver`], [`lattice`], [`execute`], [`access`]: turns and transits on allowed ground
//!    only, reversing along processed lanes where that is quicker, shunts of forward and reverse
//!    arcs for machines with a turn radius, access corridors to a detached safe area;
//! 6. [`check`]: the footprint rule replayed over the finished plan, kinematic limits, residual;
//! 7. [`gapfill`]: passes over a given unprocessed region ([`plan_gap_fill`]).
//!
//! Plans are compared by the [`objective::Objective`]: mission time plus a steep charge per square
//! metre left for manual clearance.

pub mod access;
pub mod angle;
pub mod cells;
pub mod check;
pub mod execute;
pub mod gapfill;
pub mod headland;
pub mod lanes;
pub mod lattice;
pub mod maneuver;
pub mod mask;
pub mod motion;
pub mod objective;
pub mod output;
pub mod picture;
pub mod pose;
pub mod progress;
pub mod reason;
pub mod rule;
pub mod scan;
pub mod site;
pub mod transit;

use crate::field::Field;
use crate::machine::MachineProfile;
use execute::{Executor, Pass};
use geo::{Area, BooleanOps, MultiPolygon, Polygon};
pub use motion::{Direction, Motion, PathKind};
use objective::{MissionTime, Objective};
pub use pose::Pose;
use serde::Serialize;
use site::Site;

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("{file}: the start point {x:.2},{y:.2} m (ENU) is not on safe ground: the machine's footprint there would stand on unprocessed hazard")]
    StartNotSafe { file: String, x: f64, y: f64 },
    #[error("internal check failed, plan refused: {0}")]
    CheckFailed(String),
    #[error("footprint margin {margin_m} m: must be within 0..={slack_m:.3} m, the room between the tracks and the edges of the processed strip")]
    BadMargin { margin_m: f64, slack_m: f64 },
}

/// How the passes are arranged (compared by the objective; the best valid one is kept).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Lanes across the field, turning wherever allowed ground permits (outside the hazard when
    /// safe ground surrounds it, else reversing to the baseline).
    Boustrophedon,
    /// A headland band first, then lanes turning on it.
    HeadlandFirst,
    /// A processed corridor from a detached safe area, a spine through the hazard, lanes off it.
    AccessSpine,
    /// Most of the ground is processed by gap passes (each piece along its own axis): the lanes of
    /// the strategy tried could not be driven. Reported so that the summary says what the plan does.
    GapFill,
}

/// Planner settings with their defaults.
#[derive(Clone, Debug)]
pub struct PlanConfig {
    /// Step of the lane-angle search, degrees.
    pub angle_step_deg: f64,
    /// How many of the best-estimated angles are planned in full.
    pub angles_planned: usize,
    pub objective: Objective,
    /// Smallest residual piece worth a gap-fill pass, m².
    pub gap_fill_min_m2: f64,
    /// Strategies to try (all by default).
    pub strategies: Vec<Strategy>,
    /// Margin kept between the footprint and unprocessed ground, metres (default 0.1): room for
    /// tracking error and pivot drift. At most the lateral slack between the tracks and the tool
    /// edges, or lanes could not be driven.
    pub footprint_margin_m: f64,
    /// Where to report progress (for a display; `None`: nobody watches).
    pub progress: Option<std::sync::Arc<progress::Progress>>,
}

impl Default for PlanConfig {
    fn default() -> Self {
        PlanConfig {
            angle_step_deg: 5.0,
            angles_planned: 2,
            objective: Objective::default(),
            gap_fill_min_m2: 0.2,
            strategies: vec![Strategy::Boustrophedon, Strategy::HeadlandFirst, Strategy::AccessSpine],
            footprint_margin_m: 0.1,
            progress: None,
        }
    }
}

/// A clearance plan in the local ENU frame.
#[derive(Clone, Debug)]
pub struct Plan {
    pub motions: Vec<Motion>,
    /// Hazard ground no pass processes, for manual clearance.
    pub residual: MultiPolygon<f64>,
    pub residual_m2: f64,
    pub hazard_m2: f64,
    pub processed_fraction: f64,
    pub strategy: Strategy,
    pub lane_angle_rad: f64,
    pub time: MissionTime,
    pub cost: f64,
    /// Passes that could not be reached (their ground is in the residual).
    pub unreachable_passes: usize,
    /// Why each piece of [`Plan::residual`] is left (same order).
    pub residual_reasons: Vec<reason::Reason>,
    /// The passes that could not be driven and whose ground is (partly) in the residual.
    pub unreached: Vec<reason::Unreached>,
    /// Footprint-rule containment checks made while planning.
    pub rule_checks: u64,
    /// Of which the checker's raster answered alone.
    pub rule_fast_answers: u64,
}

impl Plan {
    pub fn path_length_m(&self) -> f64 {
        self.motions.iter().map(|m| m.length_m()).sum()
    }

    pub fn implement_on_length_m(&self) -> f64 {
        self.motions
            .iter()
            .filter(|m| matches!(m, Motion::Straight { implement: true, .. }))
            .map(|m| m.length_m())
            .sum()
    }

    /// Pivots and curves.
    pub fn turn_count(&self) -> usize {
        self.motions
            .iter()
            .filter(|m| matches!(m, Motion::Pivot { .. } | Motion::Curve { .. }))
            .count()
    }

    /// The strips the plan processes, in order.
    pub fn strips(&self, m: &MachineProfile) -> Vec<Polygon<f64>> {
        strips_of(&self.motions, m)
    }
}

/// The strips processed by the implement-on motions of `motions`, in order.
pub fn strips_of(motions: &[Motion], m: &MachineProfile) -> Vec<Polygon<f64>> {
    let body = pose::Body::new(m);
    motions
        .iter()
        .filter_map(|mo| match mo {
            Motion::Straight {
                from,
                to,
                implement: true,
                ..
            } => Some(body.strip(from, to)),
            _ => None,
        })
        .collect()
}

/// Plan the clearance of `field` with machine `m`: every strategy at the best-ranked lane angles,
/// the cheapest valid plan by the objective.
pub fn plan(field: &Field, m: &MachineProfile, cfg: &PlanConfig) -> Result<Plan, PlanError> {
    check_margin(m, cfg)?;
    // Stage 1: the site.
    let site = Site::new(field, m);
    if let Some(s) = site.start {
        let mut rule = rule::FootprintRule::new(&site.safe);
        if !rule.covers(&pose::Body::new(m).footprint_polygon(&s)) {
            return Err(PlanError::StartNotSafe {
                file: field.source.clone(),
                x: s.x_m,
                y: s.y_m,
            });
        }
    }
    let detached = site.safe_gap_m() > 0.05;
    let access = if detached { access::plan(&site, m) } else { None };
    let jobs = jobs(&site, m, cfg, access.as_ref());
    // Plan the candidates on all cores; keep the cheapest.
    let plans: Vec<Plan> = std::thread::scope(|sc| {
        let handles: Vec<_> = jobs
            .iter()
            .map(|&(s, a)| {
                let (site, access) = (&site, access.as_ref());
                sc.spawn(move || plan_strategy(site, m, cfg, s, a, access))
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("planner thread")).collect()
    });
    let best = plans
        .into_iter()
        .min_by(|a, b| a.cost.total_cmp(&b.cost))
        .expect("at least one strategy runs");
    let best = explain(best, &site, m, cfg);
    // Stage 6: independent replay of the rule before anything is emitted.
    check::verify(&best, &site, m, cfg.footprint_margin_m).map_err(PlanError::CheckFailed)?;
    Ok(best)
}

/// Stage 3 and the candidates: the strategies to plan in full, each at its lane angle (the
/// best-ranked angles; the access spine across its corridor). `access` is the corridor to a
/// detached safe area, if there is one.
pub fn jobs(
    site: &Site,
    m: &MachineProfile,
    cfg: &PlanConfig,
    access: Option<&access::Access>,
) -> Vec<(Strategy, f64)> {
    let extra: Vec<f64> = access
        .iter()
        .map(|a| a.axis_rad + std::f64::consts::FRAC_PI_2)
        .collect();
    let ranked = angle::rank(site, m, cfg.angle_step_deg, &extra);
    // With safe ground all around, lanes turn outside and a headland only costs time.
    let surrounded = site.safe_border_fraction() >= 0.98;
    let mut jobs: Vec<(Strategy, f64)> = Vec::new();
    for &s in &cfg.strategies {
        match s {
            Strategy::HeadlandFirst if surrounded => {}
            Strategy::AccessSpine => {
                if let Some(a) = access {
                    jobs.push((s, a.axis_rad + std::f64::consts::FRAC_PI_2));
                }
            }
            _ => jobs.extend(ranked.iter().take(cfg.angles_planned).map(|a| (s, a.angle_rad))),
        }
    }
    jobs
}

/// The margin must fit between the footprint and the strip edges.
pub fn check_margin(m: &MachineProfile, cfg: &PlanConfig) -> Result<(), PlanError> {
    let (lo, hi) = m.implement_y_m();
    let span = m.footprint_m.iter().map(|p| p[1]);
    let (fmin, fmax) = span.fold((f64::INFINITY, f64::NEG_INFINITY), |a, y| (a.0.min(y), a.1.max(y)));
    let slack_m = (fmin - lo).min(hi - fmax);
    let margin_m = cfg.footprint_margin_m;
    if !(margin_m.is_finite() && margin_m >= 0.0 && margin_m <= slack_m + 1e-9) {
        return Err(PlanError::BadMargin { margin_m, slack_m });
    }
    Ok(())
}

/// Plan one strategy at one lane angle.
pub fn plan_strategy(
    site: &Site,
    m: &MachineProfile,
    cfg: &PlanConfig,
    strategy: Strategy,
    angle_rad: f64,
    access: Option<&access::Access>,
) -> Plan {
    let mut ex = Executor::new(m, &site.safe, site.obstacles.clone(), site.start, site.extent());
    ex.body = pose::Body::with_margin(m, cfg.footprint_margin_m);
    ex.progress = cfg.progress.as_ref().map(|p| (p.part(), site.hazard_m2.max(1e-9)));
    ex.set_overrun(&site.safe, site.target.clone(), site.forbidden.clone());
    let workable = site.workable();
    let hazard_t = ex.add_target(workable.clone());
    let mut cell_base = 0;
    let mut main_region = workable.clone();
    // Stage 5c: access corridor and spine.
    if let (Strategy::AccessSpine, Some(a)) = (strategy, access) {
        let ct = ex.add_target(a.corridor.clone());
        ex.run_all(access::passes(a, &a.corridor, site, m, PathKind::Access, ct, cell_base));
        cell_base += 1;
        ex.run_all(access::passes(
            a,
            &a.spine,
            site,
            m,
            PathKind::Lane,
            hazard_t,
            cell_base,
        ));
        cell_base += 1;
        main_region = main_region.difference(&a.spine);
    }
    // Stage 2: headland.
    if strategy == Strategy::HeadlandFirst {
        let hp = headland::passes(site, m, hazard_t, cell_base);
        cell_base += hp.iter().map(|p| p.cell + 1).max().unwrap_or(0);
        ex.run_all(hp);
    }
    // Stage 4: lanes and cells.
    let f = lanes::LaneFrame::new(angle_rad);
    let pieces = lanes::band_pieces_edged(
        &f.polygons_to_lane(&main_region),
        &f.polygons_to_lane(&site.forbidden),
        m.working_width_m,
        m.lane_spacing_m(),
        execute::EDGE_M,
    );
    let cells = cells::decompose(&pieces);
    let main_t = ex.add_target(main_region);
    let mut passes: Vec<Pass> = cells::order(&cells, &f, ex.pose.map(|p| p.xy()), PathKind::Lane, main_t);
    for p in &mut passes {
        p.cell += cell_base;
    }
    cell_base += cells.len();
    ex.run_all(passes);
    // Stage 7: gap fill over what is left, along and then across each piece.
    for across in [false, true] {
        let rest = residual(site, &ex.strips);
        let gt = ex.add_target(rest.clone());
        let gp = gapfill::passes(&rest, &site.forbidden, m, cfg.gap_fill_min_m2, across, gt, cell_base);
        cell_base += rest.0.len();
        ex.run_all(gp);
    }
    finish(site, m, cfg, ex, strategy, angle_rad)
}

fn finish(site: &Site, m: &MachineProfile, cfg: &PlanConfig, ex: Executor, strategy: Strategy, angle_rad: f64) -> Plan {
    if let Some((part, _)) = &ex.progress {
        part.finish();
    }
    let residual = residual(site, &ex.strips);
    let residual_m2 = residual.unsigned_area();
    let time = MissionTime::of(&ex.motions, m);
    Plan {
        cost: cfg.objective.cost(&time, residual_m2),
        processed_fraction: if site.hazard_m2 > 0.0 {
            1.0 - residual_m2 / site.hazard_m2
        } else {
            1.0
        },
        hazard_m2: site.hazard_m2,
        residual,
        residual_m2,
        strategy,
        lane_angle_rad: angle_rad,
        time,
        unreachable_passes: 0,
        residual_reasons: Vec::new(),
        unreached: ex.unreached,
        rule_checks: ex.rule.checks,
        rule_fast_answers: ex.rule.fast_answers,
        motions: ex.motions,
    }
}

/// Pieces of the hazard smaller than this are numerical noise of the polygon operations, m².
pub const RESIDUAL_NOISE_M2: f64 = 1e-4;

/// Hazard ground not covered by `strips` (obstacles excluded).
pub fn residual(site: &Site, strips: &[Polygon<f64>]) -> MultiPolygon<f64> {
    let processed = geo::unary_union(strips.iter());
    let rest = site.hazard.difference(&processed);
    MultiPolygon::new(
        rest.0
            .into_iter()
            .filter(|p| p.unsigned_area() >= RESIDUAL_NOISE_M2)
            .collect(),
    )
}

/// Stage 7 as an entry point: plan passes over `region` (ENU) for a machine at `pose` on a field
/// whose ground `processed` is already processed. The mission re-plans missed strips with it.
pub fn plan_gap_fill(
    field: &Field,
    m: &MachineProfile,
    cfg: &PlanConfig,
    processed: &MultiPolygon<f64>,
    region: &MultiPolygon<f64>,
    pose: Pose,
) -> Plan {
    let mut site = Site::new(field, m);
    site.start = Some(pose);
    let allowed = site.safe.union(processed);
    let mut ex = Executor::new(m, &allowed, site.obstacles.clone(), Some(pose), site.extent());
    ex.body = pose::Body::with_margin(m, cfg.footprint_margin_m);
    for p in &processed.0 {
        ex.processed.allow(p.clone());
    }
    let region = region.intersection(&site.workable());
    let t = ex.add_target(region.clone());
    for across in [false, true] {
        let rest = ex.processed.remove_from(region.clone());
        ex.run_all(gapfill::passes(
            &rest,
            &site.forbidden,
            m,
            cfg.gap_fill_min_m2,
            across,
            t,
            0,
        ));
    }
    // the residual of a gap fill is what is left of the region
    let rest = ex.processed.remove_from(region);
    let time = MissionTime::of(&ex.motions, m);
    let residual_m2 = rest.unsigned_area();
    let plan = Plan {
        cost: cfg.objective.cost(&time, residual_m2),
        processed_fraction: 1.0 - residual_m2 / site.hazard_m2.max(1e-9),
        hazard_m2: site.hazard_m2,
        residual: rest,
        residual_m2,
        strategy: Strategy::Boustrophedon,
        lane_angle_rad: 0.0,
        time,
        unreachable_passes: 0,
        residual_reasons: Vec::new(),
        unreached: ex.unreached,
        rule_checks: ex.rule.checks,
        rule_fast_answers: ex.rule.fast_answers,
        motions: ex.motions,
    };
    let mut plan = explain(plan, &site, m, cfg);
    plan.strategy = Strategy::GapFill;
    plan
}

/// Say what the plan does and what it leaves: the residual pieces' reasons, the unreachable passes
/// whose ground is still unprocessed, and the strategy and lane angle of the passes actually
/// driven (the length-weighted dominant direction of the processing passes; `GapFill` when gap
/// passes process most of the ground).
pub fn explain(mut plan: Plan, site: &Site, m: &MachineProfile, cfg: &PlanConfig) -> Plan {
    use geo::{BoundingRect, Intersects};
    let boxes: Vec<_> = plan.residual.0.iter().filter_map(|p| p.bounding_rect()).collect();
    let unreached: Vec<reason::Unreached> = std::mem::take(&mut plan.unreached)
        .into_iter()
        .filter(|u| {
            let Some(b) = u.strip.bounding_rect() else { return false };
            boxes.iter().any(|r| r.intersects(&b))
                && MultiPolygon::new(vec![u.strip.clone()])
                    .intersection(&plan.residual)
                    .unsigned_area()
                    > MIN_UNREACHED_M2
        })
        .collect();
    plan.residual_reasons = plan
        .residual
        .0
        .iter()
        .map(|p| reason::classify(p, site, &unreached, m.working_width_m, cfg.gap_fill_min_m2))
        .collect();
    plan.unreachable_passes = unreached.len();
    plan.unreached = unreached;
    let (mut gap_m, mut other_m) = (0.0, 0.0);
    let mut bins = [0.0f64; 180];
    for mo in &plan.motions {
        if let Motion::Straight {
            from,
            to,
            implement: true,
            kind,
            ..
        } = mo
        {
            let len = from.distance_m(to);
            if *kind == PathKind::Gap {
                gap_m += len;
            } else {
                other_m += len;
            }
            let deg = from.yaw_rad.to_degrees().rem_euclid(180.0);
            bins[(deg.round() as usize) % 180] += len;
        }
    }
    if gap_m + other_m > 0.0 {
        let (i, _) = bins
            .iter()
            .enumerate()
            .fold((0, -1.0), |b, (i, &v)| if v > b.1 { (i, v) } else { b });
        // the mean yaw of the passes in the winning degree (keeps sub-degree angles exact)
        let (mut sum, mut w) = (0.0, 0.0);
        for mo in &plan.motions {
            if let Motion::Straight {
                from,
                to,
                implement: true,
                ..
            } = mo
            {
                let deg = from.yaw_rad.to_degrees().rem_euclid(180.0);
                if (deg.round() as usize) % 180 == i {
                    let mut d = deg;
                    if d - i as f64 > 90.0 {
                        d -= 180.0;
                    } else if i as f64 - d > 90.0 {
                        d += 180.0;
                    }
                    let len = from.distance_m(to);
                    sum += d * len;
                    w += len;
                }
            }
        }
        plan.lane_angle_rad = (sum / w).rem_euclid(180.0).to_radians();
        if gap_m > other_m {
            plan.strategy = Strategy::GapFill;
        }
    }
    plan
}

/// Overlap with the residual below which an unreachable pass is not reported (its ground was
/// processed by other passes), m².
const MIN_UNREACHED_M2: f64 = 0.01;
