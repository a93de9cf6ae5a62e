//! Stage 5b: execute passes in simulation. Each pass is trimmed to the ground still unprocessed,
//! tried in both directions, connected from the machine's pose by the cheapest valid manoeuvre, and
//! committed: its strip becomes allowed ground. A pass that cannot be reached now is deferred and
//! retried after the others; what still cannot be reached stays unprocessed (residual).

use super::maneuver::{connect, motion_allowed, From};
use super::motion::{Direction, Motion, PathKind};
use super::pose::{hull, Body, Pose};
use super::reason::{Reason, Unreached};
use super::rule::FootprintRule;
use crate::machine::MachineProfile;
use geo::{Area, BooleanOps, Coord, MultiPolygon, Polygon};

/// A processing pass: the processing line sweeps from `a` to `b` (or `b` to `a`), ENU metres.
#[derive(Clone, Debug, PartialEq)]
pub struct Pass {
    pub a: Coord<f64>,
    pub b: Coord<f64>,
    pub kind: PathKind,
    /// Cell (or group) the pass belongs to; consecutive passes of a cell are joined by turns.
    pub cell: usize,
    /// Band index inside the cell.
    pub band: usize,
    /// Index of the region this pass is meant to process (see [`Executor::add_target`]).
    pub target: usize,
}

/// What became of a pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Done,
    AlreadyProcessed,
    Unreachable(Reason),
}

/// The planning state: the machine, the allowed ground and the motions so far.
pub struct Executor<'a> {
    pub m: &'a MachineProfile,
    pub body: Body,
    /// safe ∪ processed.
    pub rule: FootprintRule,
    /// processed only.
    pub processed: FootprintRule,
    /// Obstacles (holes of the hazard): no strip may touch them.
    obstacles: MultiPolygon<f64>,
    targets: Vec<MultiPolygon<f64>>,
    pub pose: Option<Pose>,
    retreat_m: f64,
    last: Option<(usize, usize)>,
    pub motions: Vec<Motion>,
    /// Strips processed, in order.
    pub strips: Vec<Polygon<f64>>,
    pub deferred_passes: usize,
    /// Passes that could not be driven when last tried, with why (some are covered later by
    /// other passes: compare with the residual).
    pub unreached: Vec<Unreached>,
    overrun: Option<Overrun>,
    /// Where to report the share processed (of the given area, m²).
    pub progress: Option<(super::progress::Part, f64)>,
    processed_m2: f64,
}

/// Cell size of the checker's raster, metres.
const MASK_CELL_M: f64 = 0.25;

/// How far passes run on past the hazard's boundary onto safe ground, metres.
pub const OVERRUN_M: f64 = 0.5;

/// How far the outermost lanes reach beyond the hazard's edges along them, metres (see
/// [`super::lanes::band_pieces_edged`]).
pub const EDGE_M: f64 = 0.1;

/// What [`Executor::set_overrun`] needs.
struct Overrun {
    safe: FootprintRule,
    hazard: MultiPolygon<f64>,
    forbidden: MultiPolygon<f64>,
}

/// Area of a pass's strip that must remain for it to be worth driving, m².
const MIN_REMAINING_M2: f64 = 0.01;

impl<'a> Executor<'a> {
    /// `extent` bounds where the machine will work (the checker's raster covers it).
    pub fn new(
        m: &'a MachineProfile,
        safe: &MultiPolygon<f64>,
        obstacles: MultiPolygon<f64>,
        start: Option<Pose>,
        extent: geo::Rect<f64>,
    ) -> Self {
        Executor {
            m,
            body: Body::new(m),
            rule: FootprintRule::new(safe).with_mask(extent, MASK_CELL_M),
            processed: FootprintRule::default(),
            obstacles,
            targets: Vec::new(),
            pose: start,
            retreat_m: 0.0,
            last: None,
            motions: Vec::new(),
            strips: Vec::new(),
            deferred_passes: 0,
            unreached: Vec::new(),
            overrun: None,
            progress: None,
            processed_m2: 0.0,
        }
    }

    /// Register a region to process; returns its index for [`Pass::target`].
    pub fn add_target(&mut self, region: MultiPolygon<f64>) -> usize {
        self.targets.push(region);
        self.targets.len() - 1
    }

    /// Run passes in order, deferring the unreachable ones and retrying them until no progress.
    /// Returns the passes that could not be processed.
    pub fn run_all(&mut self, passes: Vec<Pass>) -> Vec<Pass> {
        let mut deferred = Vec::new();
        for p in passes {
            if let Outcome::Unreachable(r) = self.run(&p) {
                deferred.push((p, r));
            }
        }
        loop {
            let mut still = Vec::new();
            let mut progressed = false;
            for (p, _) in deferred {
                match self.run(&p) {
                    Outcome::Unreachable(r) => still.push((p, r)),
                    Outcome::Done => progressed = true,
                    Outcome::AlreadyProcessed => {}
                }
            }
            deferred = still;
            if !progressed || deferred.is_empty() {
                break;
            }
        }
        self.deferred_passes += deferred.len();
        for (p, reason) in &deferred {
            self.unreached.push(Unreached {
                strip: self.pass_strip(p),
                reason: *reason,
            });
        }
        deferred.into_iter().map(|(p, _)| p).collect()
    }

    /// The strip a pass would process, full length.
    pub fn pass_strip(&self, p: &Pass) -> Polygon<f64> {
        let (a, b) = (p.a, p.b);
        let len = (b.x - a.x).hypot(b.y - a.y).max(1e-9);
        let n = Coord {
            x: -(b.y - a.y) / len,
            y: (b.x - a.x) / len,
        };
        let hw = self.m.working_width_m / 2.0;
        hull(vec![a + n * hw, a - n * hw, b + n * hw, b - n * hw])
    }

    /// Trim, connect and commit one pass.
    pub fn run(&mut self, pass: &Pass) -> Outcome {
        let Some((a, b)) = self.trim(pass) else {
            return Outcome::AlreadyProcessed;
        };
        let kind = match self.last {
            Some((cell, band)) if cell == pass.cell && band.abs_diff(pass.band) <= 1 => PathKind::Turn,
            _ => PathKind::Transit,
        };
        let mut best: Option<(f64, Vec<Motion>, Polygon<f64>)> = None;
        // The nearer end first: its cost then bounds the search from the other end.
        let near_a = self.pose.is_none_or(|p| {
            let c = p.xy();
            (c.x - a.x).hypot(c.y - a.y) <= (c.x - b.x).hypot(c.y - b.y)
        });
        let ends = if near_a { [(a, b), (b, a)] } else { [(b, a), (a, b)] };
        // why the pass cannot be driven, if it cannot: the most telling of both directions
        let mut why = Reason::ObstacleClearance;
        // each direction with its ends run on past the boundary first, then as trimmed
        let mut tries: Vec<(usize, Coord<f64>, Coord<f64>)> = Vec::with_capacity(4);
        for (i, (p, q)) in ends.into_iter().enumerate() {
            let (p2, q2) = self.overrun(p, q);
            if p2 != p || q2 != q {
                tries.push((i, p2, q2));
            }
            tries.push((i, p, q));
        }
        let mut found = [false; 2];
        for (dir, p, q) in tries {
            if found[dir] {
                continue;
            }
            let len = ((q.x - p.x).powi(2) + (q.y - p.y).powi(2)).sqrt();
            let u = Coord {
                x: (q.x - p.x) / len,
                y: (q.y - p.y) / len,
            };
            let yaw = u.y.atan2(u.x);
            let xi = self.body.implement_x();
            let s = Pose::new(p.x - u.x * xi, p.y - u.y * xi, yaw);
            let e = Pose::new(q.x - u.x * xi, q.y - u.y * xi, yaw);
            let lane = Motion::Straight {
                from: s,
                to: e,
                direction: Direction::Forward,
                implement: true,
                kind: pass.kind,
            };
            let strip = self.body.strip(&s, &e);
            if strip.intersection(&self.obstacles).unsigned_area() > 1e-6 {
                continue;
            }
            if !motion_allowed(&mut self.rule, &self.body, &lane) {
                if why != Reason::NoTurnRoom {
                    why = Reason::Unreachable;
                }
                continue;
            }
            let lane_s = lane.duration_s(self.m);
            let budget = best.as_ref().map_or(f64::INFINITY, |(c, _, _)| c - lane_s);
            let approach = match self.pose {
                None => self.rule.covers(&self.body.footprint_polygon(&s)).then(Vec::new),
                Some(pose) => connect(
                    &mut self.rule,
                    &self.body,
                    self.m,
                    From {
                        pose,
                        retreat_m: self.retreat_m,
                    },
                    s,
                    kind,
                    budget,
                ),
            };
            let Some(mut mv) = approach else {
                why = Reason::NoTurnRoom;
                continue;
            };
            mv.push(lane);
            let cost: f64 = mv.iter().map(|x| x.duration_s(self.m)).sum();
            found[dir] = true;
            if best.as_ref().is_none_or(|(c, _, _)| cost < *c) {
                best = Some((cost, mv, strip));
            }
        }
        let Some((_, mv, strip)) = best else {
            return Outcome::Unreachable(why);
        };
        let lane_len = mv.last().map(|x| x.length_m()).unwrap_or(0.0);
        self.pose = mv.last().map(|x| x.end());
        self.retreat_m = lane_len;
        self.motions.extend(mv);
        if let Some((part, area)) = &self.progress {
            self.processed_m2 += strip.unsigned_area();
            part.set(self.processed_m2 / area);
        }
        self.rule.allow(strip.clone());
        self.processed.allow(strip.clone());
        self.strips.push(strip);
        self.last = Some((pass.cell, pass.band));
        Outcome::Done
    }

    /// Run passes on past the hazard's boundary where safe ground allows: each end that lies on
    /// the boundary is moved [`OVERRUN_M`] further out when the strip added lies on safe ground
    /// (or inside the hazard) and clear of every obstacle zone, so that the edge is processed for
    /// certain, not only to the last centimetre a perfectly tracked machine would reach.
    pub fn set_overrun(&mut self, safe: &MultiPolygon<f64>, hazard: MultiPolygon<f64>, forbidden: MultiPolygon<f64>) {
        self.overrun = Some(Overrun {
            safe: FootprintRule::new(safe),
            hazard,
            forbidden,
        });
    }

    fn overrun(&mut self, p: Coord<f64>, q: Coord<f64>) -> (Coord<f64>, Coord<f64>) {
        let Some(o) = self.overrun.as_mut() else { return (p, q) };
        let len = (q.x - p.x).hypot(q.y - p.y);
        if len < 1e-6 {
            return (p, q);
        }
        let u = Coord {
            x: (q.x - p.x) / len,
            y: (q.y - p.y) / len,
        };
        let n = Coord { x: -u.y, y: u.x };
        let hw = self.m.working_width_m / 2.0;
        let mut ok = |e: Coord<f64>, out: Coord<f64>| -> bool {
            let f = e + out * OVERRUN_M;
            let ext = MultiPolygon::new(vec![hull(vec![e + n * hw, e - n * hw, f + n * hw, f - n * hw])]);
            let beyond = ext.difference(&o.hazard);
            if beyond.unsigned_area() < 1e-3 {
                return false; // not at the boundary
            }
            ext.intersection(&o.forbidden).unsigned_area() < 1e-9 && beyond.0.iter().all(|b| o.safe.covers(b))
        };
        let p2 = if ok(p, -u) { p - u * OVERRUN_M } else { p };
        let q2 = if ok(q, u) { q + u * OVERRUN_M } else { q };
        (p2, q2)
    }

    /// The part of the pass still worth processing: its strip within its target minus what is
    /// processed, projected on the pass axis. `None` when nothing (or only noise) is left.
    fn trim(&self, pass: &Pass) -> Option<(Coord<f64>, Coord<f64>)> {
        let (a, b) = (pass.a, pass.b);
        let len = ((b.x - a.x).powi(2) + (b.y - a.y).powi(2)).sqrt();
        if len < 1e-3 {
            return None;
        }
        let u = Coord {
            x: (b.x - a.x) / len,
            y: (b.y - a.y) / len,
        };
        let n = Coord { x: -u.y, y: u.x };
        let hw = self.m.working_width_m / 2.0;
        let strip = hull(vec![a + n * hw, a - n * hw, b + n * hw, b - n * hw]);
        let region = MultiPolygon::new(vec![strip]).intersection(&self.targets[pass.target]);
        let rest = self.processed.remove_from(region);
        if rest.unsigned_area() < MIN_REMAINING_M2 {
            return None;
        }
        let (mut s0, mut s1) = (f64::INFINITY, f64::NEG_INFINITY);
        for p in &rest.0 {
            for c in p.exterior().coords() {
                let s = (c.x - a.x) * u.x + (c.y - a.y) * u.y;
                s0 = s0.min(s);
                s1 = s1.max(s);
            }
        }
        let (s0, s1) = (s0.max(0.0), s1.min(len));
        (s1 - s0 > 0.01).then(|| (a + u * s0, a + u * s1))
    }
}
