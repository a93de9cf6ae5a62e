//! The processed-area grid: which ground the implement has processed, to the standard the
//! clearance record needs, in cells of about 0.1 m over the hazard (and a margin around it).
//!
//! A cell is credited only when the processing line passed over its centre while moving
//! forward with the rotor speed in band, the depth at target, the speed within its limit and
//! the position σ small enough ([`CoverageConfig`], from the machine profile). Each
//! [`ProcessedGrid::update`] sweeps the line from the previous sample to the current one
//! ([`raster`]): the cost is the swept area, not the field. Ground swept without meeting the
//! conditions is marked as such, so missed strips can be told from ground not yet reached.
//!
//! [`export`] turns the grid into polygons (processed area for GeoJSON; the unprocessed
//! remainder and missed strips for `plan::plan_gap_fill`); [`footprint`] is the independent
//! run-time check `footprint ⊆ safe ∪ processed`. Discretisation: a cell counts by its centre,
//! so edges are exact to half a cell (0.05 m).

pub mod config;
pub mod export;
pub mod footprint;
pub mod raster;
pub mod reprocess;

use crate::machine::MachineProfile;
use crate::plan::pose::Body;
use crate::plan::Pose;
pub use config::CoverageConfig;
pub use footprint::{FootprintCheck, FootprintVerdict};
use geo::{BoundingRect, Coord, MultiPolygon, Rect};
use raster::GridFrame;

/// Errors of the coverage grid.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CoverageError {
    #[error("coverage config: `{field}` = {value}: must be within {lo}..={hi}")]
    InvalidConfig {
        field: &'static str,
        value: f64,
        lo: f64,
        hi: f64,
    },
    #[error("coverage: the hazard is empty")]
    EmptyHazard,
    #[error("coverage: a grid of {cells} cells is too large (limit {limit}); use larger cells or a smaller margin")]
    TooLarge { cells: usize, limit: usize },
}

/// One sample of the machine for crediting.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProcessingSample {
    /// Pose of base_link, ENU.
    pub pose: Pose,
    /// Rotor speed, rpm.
    pub rotor_rpm: f64,
    /// Working depth, m.
    pub depth_m: f64,
    /// Forward ground speed, m/s (negative reversing).
    pub speed_mps: f64,
    /// 1σ horizontal position error of `pose`, m.
    pub position_sigma_m: f64,
}

/// Why a sweep was not credited (first failing condition), or that it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Credit {
    Credited,
    NotMovingForward,
    RotorOutOfBand,
    TooShallow,
    TooFast,
    PositionUncertain,
    PoseJump,
    /// First sample: nothing swept yet.
    Start,
}

/// What one update did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UpdateReport {
    pub credit: Credit,
    /// Cells newly credited by this update.
    pub new_cells: usize,
    /// Cells swept without credit by this update (not already processed).
    pub uncredited_cells: usize,
}

pub(crate) const HAZARD: u8 = 1;
pub(crate) const SAFE: u8 = 2;
pub(crate) const PROCESSED: u8 = 4;
pub(crate) const SWEPT_UNCREDITED: u8 = 8;
/// Processed once, to be processed again (a detonation's block): the machine may stand on it,
/// but it does not count as processed until a pass credits it again.
pub(crate) const REPROCESS: u8 = 16;

/// Largest grid accepted (a 1 GB-class allocation is refused).
pub const MAX_CELLS: usize = 200_000_000;

/// The processed-area grid.
#[derive(Clone, Debug)]
pub struct ProcessedGrid {
    cfg: CoverageConfig,
    frame: GridFrame,
    cells: Vec<u8>,
    body: Body,
    safe: MultiPolygon<f64>,
    hazard_cells: usize,
    processed_hazard_cells: usize,
    last_line: Option<[Coord<f64>; 2]>,
    /// The previous update was credited (the pass is under way).
    last_credited: bool,
}

impl ProcessedGrid {
    /// A grid over `hazard` (holes are not hazard) and its margin; `safe` marks ground the machine
    /// may stand on from the start.
    pub fn new(
        cfg: CoverageConfig,
        m: &MachineProfile,
        hazard: &MultiPolygon<f64>,
        safe: &MultiPolygon<f64>,
    ) -> Result<Self, CoverageError> {
        cfg.validate()?;
        let r = hazard.bounding_rect().ok_or(CoverageError::EmptyHazard)?;
        let g = cfg.margin_m;
        let frame = GridFrame::covering(
            Rect::new((r.min().x - g, r.min().y - g), (r.max().x + g, r.max().y + g)),
            cfg.cell_m,
        );
        if frame.len() > MAX_CELLS {
            return Err(CoverageError::TooLarge {
                cells: frame.len(),
                limit: MAX_CELLS,
            });
        }
        let mut cells = vec![0u8; frame.len()];
        let mut mark = |mp: &MultiPolygon<f64>, flag: u8| {
            let rings = GridFrame::rings_of(mp);
            let refs: Vec<&[Coord<f64>]> = rings.iter().map(|r| r.as_slice()).collect();
            let mut n = 0;
            frame.spans(&refs, |row, a, b| {
                for c in &mut cells[row * frame.nx + a..row * frame.nx + b] {
                    *c |= flag;
                }
                n += b - a;
            });
            n
        };
        let hazard_cells = mark(hazard, HAZARD);
        if hazard_cells == 0 {
            return Err(CoverageError::EmptyHazard);
        }
        mark(safe, SAFE);
        Ok(Self {
            cfg,
            frame,
            cells,
            body: Body::new(m),
            safe: safe.clone(),
            hazard_cells,
            processed_hazard_cells: 0,
            last_line: None,
            last_credited: false,
        })
    }

    pub fn config(&self) -> &CoverageConfig {
        &self.cfg
    }

    pub fn frame(&self) -> &GridFrame {
        &self.frame
    }

    pub(crate) fn cells(&self) -> &[u8] {
        &self.cells
    }

    pub(crate) fn safe(&self) -> &MultiPolygon<f64> {
        &self.safe
    }

    /// Hazard area (at cell resolution), m².
    pub fn hazard_m2(&self) -> f64 {
        self.hazard_cells as f64 * self.frame.cell_area_m2()
    }

    /// Processed hazard area, m².
    pub fn processed_hazard_m2(&self) -> f64 {
        self.processed_hazard_cells as f64 * self.frame.cell_area_m2()
    }

    /// Fraction of the hazard processed, 0–1.
    pub fn progress(&self) -> f64 {
        self.processed_hazard_cells as f64 / self.hazard_cells as f64
    }

    /// Whether the cell at `p` is processed (false outside the grid).
    pub fn is_processed(&self, p: Coord<f64>) -> bool {
        self.frame
            .cell_of(p)
            .is_some_and(|(c, r)| self.cells[r * self.frame.nx + c] & PROCESSED != 0)
    }

    /// Forget the previous sample (after a pause, a relocalisation or a resume): the next update
    /// starts a new sweep.
    pub fn break_sweep(&mut self) {
        self.last_line = None;
        self.last_credited = false;
    }

    fn verdict(&self, s: &ProcessingSample, from: &[Coord<f64>; 2], to: &[Coord<f64>; 2]) -> Credit {
        let c = &self.cfg;
        let mid = |l: &[Coord<f64>; 2]| Coord {
            x: 0.5 * (l[0].x + l[1].x),
            y: 0.5 * (l[0].y + l[1].y),
        };
        let (a, b) = (mid(from), mid(to));
        let d = Coord {
            x: b.x - a.x,
            y: b.y - a.y,
        };
        let fwd = d.x * s.pose.yaw_rad.cos() + d.y * s.pose.yaw_rad.sin();
        if d.x.hypot(d.y) > c.max_step_m {
            Credit::PoseJump
        } else if !(fwd > 0.0 && s.speed_mps > 0.0) {
            Credit::NotMovingForward
        } else if !(s.rotor_rpm >= c.rotor_rpm_min && s.rotor_rpm <= c.rotor_rpm_max) {
            Credit::RotorOutOfBand
        } else if s.depth_m.is_nan() || s.depth_m < c.depth_min_m {
            Credit::TooShallow
        } else if s.speed_mps.is_nan() || s.speed_mps > c.speed_max_mps {
            Credit::TooFast
        } else if s.position_sigma_m.is_nan() || s.position_sigma_m > c.sigma_max_m {
            Credit::PositionUncertain
        } else {
            Credit::Credited
        }
    }

    /// Sweep the processing line from the previous sample to `s`, crediting the cells it passes
    /// when the conditions hold.
    pub fn update(&mut self, s: &ProcessingSample) -> UpdateReport {
        self.update_collect(s, None)
    }

    /// As [`ProcessedGrid::update`], appending the `(col, row)` of every newly credited cell to
    /// `new` (what a clearance record stores, so that a resume can credit them again).
    pub fn update_collect(&mut self, s: &ProcessingSample, mut new: Option<&mut Vec<(i64, i64)>>) -> UpdateReport {
        let line = self.body.implement_at(&s.pose);
        let Some(prev) = self.last_line.replace(line) else {
            return UpdateReport {
                credit: Credit::Start,
                new_cells: 0,
                uncredited_cells: 0,
            };
        };
        let credit = self.verdict(s, &prev, &line);
        let was_credited = std::mem::replace(&mut self.last_credited, credit == Credit::Credited);
        let reach = self.cfg.strike_reach_m;
        let (c, sn) = (s.pose.yaw_rad.cos(), s.pose.yaw_rad.sin());
        let shift = |l: [Coord<f64>; 2], d: f64| {
            l.map(|p| Coord {
                x: p.x + d * c,
                y: p.y + d * sn,
            })
        };
        let mut report = UpdateReport {
            credit,
            new_cells: 0,
            uncredited_cells: 0,
        };
        if was_credited && credit != Credit::Credited {
            // the pass ended at the previous line: the band ahead of it was struck too
            let ahead = shift(prev, reach);
            report.new_cells += self.mark_quad(&[prev[0], prev[1], ahead[1], ahead[0]], PROCESSED, new.as_deref_mut());
        }
        match credit {
            Credit::PoseJump | Credit::NotMovingForward | Credit::Start => {}
            Credit::Credited => {
                // a standing start: the band behind the line too
                let from = if was_credited { prev } else { shift(prev, -reach) };
                report.new_cells += self.mark_quad(&[from[0], from[1], line[1], line[0]], PROCESSED, new);
            }
            _ => {
                report.uncredited_cells +=
                    self.mark_quad(&[prev[0], prev[1], line[1], line[0]], SWEPT_UNCREDITED, None);
            }
        }
        report
    }

    /// Mark the cells whose centres lie in `quad` with `flag` (cells processed already are left
    /// alone); newly processed cells go to `new`. Returns how many cells changed.
    fn mark_quad(&mut self, quad: &[Coord<f64>; 4], flag: u8, mut new: Option<&mut Vec<(i64, i64)>>) -> usize {
        let (nx, cells) = (self.frame.nx, &mut self.cells);
        let (mut changed, mut hazard_changed) = (0, 0);
        self.frame.spans(&[quad], |row, a, b| {
            for (col, c) in cells[row * nx + a..row * nx + b].iter_mut().enumerate() {
                if *c & PROCESSED == 0 && *c & flag == 0 {
                    *c |= flag;
                    if flag == PROCESSED {
                        *c &= !REPROCESS;
                    }
                    changed += 1;
                    if flag == PROCESSED {
                        if *c & HAZARD != 0 {
                            hazard_changed += 1;
                        }
                        if let Some(v) = new.as_deref_mut() {
                            v.push(((a + col) as i64, row as i64));
                        }
                    }
                }
            }
        });
        self.processed_hazard_cells += hazard_changed;
        changed
    }

    /// Credit one cell `(col, row)` as processed (a resume from the record); false when it is
    /// outside the grid or was processed already.
    pub fn credit_cell(&mut self, col: i64, row: i64) -> bool {
        let f = &self.frame;
        if col < 0 || row < 0 || col as usize >= f.nx || row as usize >= f.ny {
            return false;
        }
        let c = &mut self.cells[row as usize * f.nx + col as usize];
        if *c & PROCESSED != 0 {
            return false;
        }
        *c = (*c | PROCESSED) & !REPROCESS;
        if *c & HAZARD != 0 {
            self.processed_hazard_cells += 1;
        }
        true
    }

    /// Ground the machine may stand on at `p` (ENU): a safe or processed cell, or, where the
    /// cell's centre is not, the safe polygons themselves (cells cut by the safe area's edge
    /// and ground outside the grid).
    pub fn covered(&self, p: Coord<f64>) -> bool {
        self.frame
            .cell_of(p)
            .is_some_and(|(c, r)| self.cells[r * self.frame.nx + c] & (SAFE | PROCESSED | REPROCESS) != 0)
            || geo::Contains::contains(&self.safe, &geo::Point::from(p))
    }

    /// Hazard not processed, m² (at cell resolution).
    pub fn residual_m2(&self) -> f64 {
        (self.hazard_cells - self.processed_hazard_cells) as f64 * self.frame.cell_area_m2()
    }

    /// Credit a polygon as processed (a resume from the record, or ground processed by hand).
    pub fn credit_polygon(&mut self, mp: &MultiPolygon<f64>) {
        let rings = GridFrame::rings_of(mp);
        let refs: Vec<&[Coord<f64>]> = rings.iter().map(|r| r.as_slice()).collect();
        let (nx, cells) = (self.frame.nx, &mut self.cells);
        let mut n = 0;
        self.frame.spans(&refs, |row, a, b| {
            for c in &mut cells[row * nx + a..row * nx + b] {
                if *c & PROCESSED == 0 {
                    *c = (*c | PROCESSED) & !REPROCESS;
                    if *c & HAZARD != 0 {
                        n += 1;
                    }
                }
            }
        });
        self.processed_hazard_cells += n;
    }
}

#[cfg(test)]
mod tests;
