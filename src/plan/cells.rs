//! Stage 4b: boustrophedon cell decomposition and cell ordering.
//!
//! Band pieces of consecutive bands belong to the same cell while the bands split the same way:
//! a piece continues a cell when it overlaps exactly one piece of the previous band and that piece
//! overlaps only it. Where an obstacle or a concave boundary splits or merges the pieces, cells
//! end and new ones begin, which is the classic boustrophedon decomposition. Cells are then ordered
//! greedily from the machine's position, and each is swept in serpentine order from the end nearer
//! to where the previous cell ended.

use super::execute::Pass;
use super::lanes::{BandPiece, LaneFrame};
use super::motion::PathKind;
use geo::Coord;

/// A cell: its pieces, one per band, in band order.
#[derive(Clone, Debug)]
pub struct Cell {
    pub pieces: Vec<BandPiece>,
}

fn overlaps(a: &BandPiece, b: &BandPiece) -> bool {
    a.x0_m < b.x1_m && b.x0_m < a.x1_m
}

/// Split band pieces (any order) into cells.
pub fn decompose(pieces: &[BandPiece]) -> Vec<Cell> {
    let nb = pieces.iter().map(|p| p.band + 1).max().unwrap_or(0);
    let mut by_band: Vec<Vec<BandPiece>> = vec![Vec::new(); nb];
    for p in pieces {
        by_band[p.band].push(*p);
    }
    let mut cells: Vec<Cell> = Vec::new();
    // open[i] = index into cells of the cell that piece i of the previous band belongs to
    let mut open: Vec<usize> = Vec::new();
    let mut prev: Vec<BandPiece> = Vec::new();
    for band in by_band {
        let mut next_open = Vec::with_capacity(band.len());
        for p in &band {
            let up: Vec<usize> = (0..prev.len()).filter(|&j| overlaps(&prev[j], p)).collect();
            let continues = up.len() == 1 && band.iter().filter(|q| overlaps(&prev[up[0]], q)).count() == 1;
            if continues {
                let c = open[up[0]];
                cells[c].pieces.push(*p);
                next_open.push(c);
            } else {
                cells.push(Cell { pieces: vec![*p] });
                next_open.push(cells.len() - 1);
            }
        }
        open = next_open;
        prev = band;
    }
    cells
}

/// Order cells and turn them into passes (ENU), starting near `from` (ENU) when given.
pub fn order(cells: &[Cell], frame: &LaneFrame, from: Option<Coord<f64>>, kind: PathKind, target: usize) -> Vec<Pass> {
    let mut left: Vec<usize> = (0..cells.len()).collect();
    let mut here = from.map(|c| frame.to_lane(c));
    let mut out = Vec::new();
    while !left.is_empty() {
        // pick the cell (and its starting end) nearest to where we are
        let (pos, reversed) = match here {
            None => (0, false),
            Some(h) => {
                let mut best = (0, false, f64::INFINITY);
                for (i, &c) in left.iter().enumerate() {
                    let ps = &cells[c].pieces;
                    for (rev, p) in [(false, &ps[0]), (true, &ps[ps.len() - 1])] {
                        let d = (p.y_m - h.y).abs() + (h.x - h.x.clamp(p.x0_m, p.x1_m)).abs();
                        if d < best.2 {
                            best = (i, rev, d);
                        }
                    }
                }
                (best.0, best.1)
            }
        };
        let c = left.remove(pos);
        let mut ps = cells[c].pieces.clone();
        if reversed {
            ps.reverse();
        }
        for (i, p) in ps.iter().enumerate() {
            let (x0, x1) = if i % 2 == 0 { (p.x0_m, p.x1_m) } else { (p.x1_m, p.x0_m) };
            out.push(Pass {
                a: frame.to_enu(Coord { x: x0, y: p.y_m }),
                b: frame.to_enu(Coord { x: x1, y: p.y_m }),
                kind,
                cell: c,
                band: p.band,
                target,
            });
        }
        let last = ps.last().expect("cells are never empty");
        here = Some(Coord {
            x: if ps.len() % 2 == 1 { last.x1_m } else { last.x0_m },
            y: last.y_m,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bp(band: usize, x0: f64, x1: f64) -> BandPiece {
        BandPiece {
            band,
            y_m: band as f64,
            x0_m: x0,
            x1_m: x1,
        }
    }

    #[test]
    fn obstacle_in_the_middle_makes_four_cells() {
        // bands 0-1 whole, 2-3 split by an obstacle, 4-5 whole again
        let p = vec![
            bp(0, 0.0, 10.0),
            bp(1, 0.0, 10.0),
            bp(2, 0.0, 4.0),
            bp(2, 6.0, 10.0),
            bp(3, 0.0, 4.0),
            bp(3, 6.0, 10.0),
            bp(4, 0.0, 10.0),
            bp(5, 0.0, 10.0),
        ];
        let cells = decompose(&p);
        assert_eq!(cells.len(), 4);
        assert_eq!(cells.iter().map(|c| c.pieces.len()).sum::<usize>(), 8);
        let order = order(&cells, &LaneFrame::new(0.0), None, PathKind::Lane, 0);
        assert_eq!(order.len(), 8);
    }
}
