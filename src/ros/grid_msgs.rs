//! The processed-area grid as `nav_msgs/OccupancyGrid` in `map`, and detonations as markers.
//!
//! [`GridSnapshot`] is the plain view of a processed-area grid this module needs
//! (`coverage::ProcessedGrid` gives one through `crate::ros::adapters::CoverageCore`; the mission
//! node reads a received grid back with [`grid_from_occupancy`]). Values follow the
//! RViz Map display's `map` colour scheme: processed ground is free (0, white), hazard still to
//! process is occupied (100, black), ground processed without meeting every condition is 50,
//! cells outside the hazard are unknown (−1).

use r2r::builtin_interfaces::msg::Time;
use r2r::geometry_msgs::msg::Point;
use r2r::nav_msgs::msg::{MapMetaData, OccupancyGrid};
use r2r::visualization_msgs::msg::{Marker, MarkerArray};

use super::msg::{color, header, planar_pose, point};
use super::plan_msgs::{delete_all, marker};
use crate::ros_interface::frame;

/// What one grid cell is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellState {
    /// Not hazard (safe ground, outside the field).
    Outside,
    /// Hazard not yet processed.
    Unprocessed,
    /// Processed with rotor speed, depth, speed and position quality in band.
    Processed,
    /// Passed over without meeting every condition: to re-process.
    Doubtful,
    /// Obstacle inside the hazard.
    Obstacle,
}

impl CellState {
    /// The OccupancyGrid value.
    pub fn occupancy(self) -> i8 {
        match self {
            CellState::Outside => -1,
            CellState::Unprocessed | CellState::Obstacle => 100,
            CellState::Processed => 0,
            CellState::Doubtful => 50,
        }
    }
}

/// A processed-area grid: row-major from the south-west corner, x (east) fastest.
#[derive(Clone, Debug, PartialEq)]
pub struct GridSnapshot {
    /// ENU position of the south-west corner of cell (0, 0), metres.
    pub origin_east_m: f64,
    pub origin_north_m: f64,
    /// Cell edge, metres.
    pub resolution_m: f64,
    pub width: u32,
    pub height: u32,
    /// `width × height` cells.
    pub cells: Vec<CellState>,
}

/// Why a snapshot cannot be published.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum GridError {
    #[error("grid has {cells} cells, {width}×{height} expected")]
    SizeMismatch { cells: usize, width: u32, height: u32 },
    #[error("resolution {0} m is not a positive finite number")]
    BadResolution(f64),
    #[error("grid in frame {0:?} or rotated: expected axis-aligned in map")]
    NotMapAligned(String),
}

/// The snapshot as an OccupancyGrid (`map_load_time` = `stamp`).
pub fn occupancy_grid(g: &GridSnapshot, stamp: Time) -> Result<OccupancyGrid, GridError> {
    if g.cells.len() != g.width as usize * g.height as usize {
        return Err(GridError::SizeMismatch {
            cells: g.cells.len(),
            width: g.width,
            height: g.height,
        });
    }
    if !(g.resolution_m.is_finite() && g.resolution_m > 0.0) {
        return Err(GridError::BadResolution(g.resolution_m));
    }
    Ok(OccupancyGrid {
        header: header(stamp.clone(), frame::MAP),
        info: MapMetaData {
            map_load_time: stamp,
            resolution: g.resolution_m as f32,
            width: g.width,
            height: g.height,
            origin: planar_pose(g.origin_east_m, g.origin_north_m, 0.0),
        },
        data: g.cells.iter().map(|c| c.occupancy()).collect(),
    })
}

/// A received `coverage/grid` back as a snapshot (the mission node's footprint check): 0
/// processed, 50 doubtful, 100 unprocessed, anything else outside. Refused unless in `map`,
/// axis-aligned, with a positive resolution and `width × height` cells.
pub fn grid_from_occupancy(msg: &OccupancyGrid) -> Result<GridSnapshot, GridError> {
    let i = &msg.info;
    let q = &i.origin.orientation;
    if msg.header.frame_id != frame::MAP || q.z.abs() > 1e-9 || q.x.abs() > 1e-9 || q.y.abs() > 1e-9 {
        return Err(GridError::NotMapAligned(msg.header.frame_id.clone()));
    }
    let resolution_m = f64::from(i.resolution);
    if !(resolution_m.is_finite() && resolution_m > 0.0) {
        return Err(GridError::BadResolution(resolution_m));
    }
    if msg.data.len() != i.width as usize * i.height as usize {
        return Err(GridError::SizeMismatch {
            cells: msg.data.len(),
            width: i.width,
            height: i.height,
        });
    }
    let cells = msg
        .data
        .iter()
        .map(|&v| match v {
            0 => CellState::Processed,
            50 => CellState::Doubtful,
            100 => CellState::Unprocessed,
            _ => CellState::Outside,
        })
        .collect();
    Ok(GridSnapshot {
        origin_east_m: i.origin.position.x,
        origin_north_m: i.origin.position.y,
        resolution_m,
        width: i.width,
        height: i.height,
        cells,
    })
}

/// Detonation positions (ENU metres) as one SPHERE_LIST, after a DELETEALL.
pub fn detonation_markers(positions: &[(f64, f64)], stamp: Time) -> MarkerArray {
    let points: Vec<Point> = positions.iter().map(|&(x, y)| point(x, y, 0.3)).collect();
    MarkerArray {
        markers: vec![
            delete_all(stamp.clone()),
            marker(
                "detonations",
                0,
                Marker::SPHERE_LIST as i32,
                stamp,
                0.8,
                color(1.0, 0.0, 1.0, 0.9),
                points,
            ),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ros::msg::time;

    #[test]
    fn grid_keeps_layout_and_values() {
        let g = GridSnapshot {
            origin_east_m: -5.0,
            origin_north_m: 2.0,
            resolution_m: 0.1,
            width: 3,
            height: 2,
            cells: vec![
                CellState::Outside,
                CellState::Unprocessed,
                CellState::Processed,
                CellState::Doubtful,
                CellState::Obstacle,
                CellState::Processed,
            ],
        };
        let m = occupancy_grid(&g, time(7.0)).unwrap();
        assert_eq!(m.header.frame_id, "map");
        assert_eq!((m.info.width, m.info.height), (3, 2));
        assert!((m.info.resolution - 0.1).abs() < 1e-7);
        assert_eq!(m.info.origin.position.x, -5.0);
        assert_eq!(m.info.origin.orientation.w, 1.0);
        assert_eq!(m.data, vec![-1, 100, 0, 50, 100, 0]);
    }

    #[test]
    fn received_grid_reads_back_as_the_snapshot() {
        let g = GridSnapshot {
            origin_east_m: -5.0,
            origin_north_m: 2.0,
            resolution_m: 0.25,
            width: 2,
            height: 2,
            cells: vec![
                CellState::Outside,
                CellState::Unprocessed,
                CellState::Processed,
                CellState::Doubtful,
            ],
        };
        let m = occupancy_grid(&g, time(1.0)).unwrap();
        assert_eq!(grid_from_occupancy(&m), Ok(g));
        let mut odd = m.clone();
        odd.header.frame_id = "odom".into();
        assert!(matches!(grid_from_occupancy(&odd), Err(GridError::NotMapAligned(_))));
        let mut short = m;
        short.data.pop();
        assert!(matches!(
            grid_from_occupancy(&short),
            Err(GridError::SizeMismatch { .. })
        ));
    }

    #[test]
    fn bad_grids_are_refused() {
        let mut g = GridSnapshot {
            origin_east_m: 0.0,
            origin_north_m: 0.0,
            resolution_m: 0.1,
            width: 2,
            height: 2,
            cells: vec![CellState::Outside; 3],
        };
        assert!(matches!(
            occupancy_grid(&g, time(0.0)),
            Err(GridError::SizeMismatch { .. })
        ));
        g.cells.push(CellState::Outside);
        g.resolution_m = 0.0;
        assert_eq!(occupancy_grid(&g, time(0.0)), Err(GridError::BadResolution(0.0)));
    }

    #[test]
    fn detonations_are_one_sphere_list() {
        let a = detonation_markers(&[(1.0, 2.0), (3.0, 4.0)], time(1.0));
        assert_eq!(a.markers[0].action, Marker::DELETEALL as i32);
        assert_eq!(a.markers[1].type_, Marker::SPHERE_LIST as i32);
        assert_eq!(a.markers[1].points.len(), 2);
        assert_eq!(a.markers[1].header.frame_id, "map");
    }
}
