//! `report.svg`: a map a supervisor reads without anything else — hazard, safe ground,
//! obstacles, planned lanes, the path driven, processed area, missed/residual area,
//! detonations with their re-processing blocks — with a legend, a scale bar and the figures.

use super::run::SimSummary;
use super::tick::Host;
use crate::plan::Motion;
use crate::record::TrackPoint;
use geo::{BoundingRect, LineString, MultiPolygon};
use std::fmt::Write;

pub(crate) const MAP_W: f64 = 900.0;
pub(crate) const MAP_H: f64 = 760.0;
pub(crate) const PANEL_W: f64 = 340.0;
pub(crate) const PAD: f64 = 20.0;

/// ENU metres to map pixels (shared with the plan's picture, [`crate::plan::picture`]).
pub(crate) struct View {
    pub(crate) x0: f64,
    pub(crate) y1: f64,
    pub(crate) k: f64,
}

impl View {
    pub(crate) fn p(&self, x: f64, y: f64) -> (f64, f64) {
        (PAD + (x - self.x0) * self.k, PAD + (self.y1 - y) * self.k)
    }

    pub(crate) fn ring(&self, r: &LineString<f64>, d: &mut String) {
        for (i, c) in r.0.iter().enumerate() {
            let (x, y) = self.p(c.x, c.y);
            let _ = write!(d, "{}{x:.1},{y:.1}", if i == 0 { "M" } else { "L" });
        }
        d.push('Z');
    }

    pub(crate) fn polys(&self, mp: &MultiPolygon<f64>) -> String {
        let mut d = String::new();
        for p in &mp.0 {
            self.ring(p.exterior(), &mut d);
            for h in p.interiors() {
                self.ring(h, &mut d);
            }
        }
        d
    }
}

pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The map frame fitting `all` in the map area, and the SVG opened on a white page with the
/// field's safe ground, hazard and obstacles drawn: the common ground of the sim's report and the
/// plan's picture.
pub(crate) fn field_map(field: &crate::field::Field, all: &MultiPolygon<f64>) -> (View, String) {
    let r = all.bounding_rect().unwrap_or(geo::Rect::new((0.0, 0.0), (1.0, 1.0)));
    let (w, hgt) = (r.width().max(1.0), r.height().max(1.0));
    let k = (MAP_W / w).min(MAP_H / hgt);
    let v = View {
        x0: r.min().x,
        y1: r.max().y,
        k,
    };
    let (tw, th) = (2.0 * PAD + MAP_W + PANEL_W, 2.0 * PAD + MAP_H);
    let mut o = String::new();
    let _ = write!(
        o,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{tw}" height="{th}" viewBox="0 0 {tw} {th}" font-family="DejaVu Sans, Arial, sans-serif">
<rect width="100%" height="100%" fill="white"/>
"##
    );
    let _ = writeln!(
        o,
        r##"<path d="{}" fill="#d6ecd2" stroke="#4c9a4c" stroke-width="1"/>"##,
        v.polys(&field.safe)
    );
    let _ = writeln!(
        o,
        r##"<path d="{}" fill="#f6d3cf" fill-rule="evenodd" stroke="#c0392b" stroke-width="2"/>"##,
        v.polys(&field.hazard)
    );
    let _ = writeln!(
        o,
        r##"<path d="{}" fill="#7f7f7f" stroke="#404040"/>"##,
        v.polys(&field.obstacles())
    );
    (v, o)
}

/// The report as SVG text.
pub fn svg(h: &Host, s: &SimSummary, track: &[TrackPoint]) -> String {
    let f = h.p.field;
    let all = MultiPolygon(f.hazard.0.iter().chain(f.safe.0.iter()).cloned().collect());
    let (v, mut o) = field_map(f, &all);
    let k = v.k;
    let _ = writeln!(
        o,
        r##"<path d="{}" fill="#5dade2" fill-opacity="0.75"/>"##,
        v.polys(&h.p.grid.processed_polygons())
    );
    let _ = writeln!(
        o,
        r##"<path d="{}" fill="#ff8c00" fill-rule="evenodd"/>"##,
        v.polys(&h.p.grid.unprocessed_hazard(0.0))
    );
    let _ = writeln!(
        o,
        r##"<path d="{}" fill="#e6007e" fill-rule="evenodd"/>"##,
        v.polys(&h.p.grid.missed_strips(0.0))
    );
    // planned processing passes
    let mut lanes = String::new();
    for mo in &h.p.motions {
        if let Motion::Straight {
            from,
            to,
            implement: true,
            ..
        } = mo
        {
            let (a, b) = v.p(from.x_m, from.y_m);
            let (c, d) = v.p(to.x_m, to.y_m);
            let _ = write!(lanes, "M{a:.1},{b:.1}L{c:.1},{d:.1}");
        }
    }
    let _ = writeln!(
        o,
        r##"<path d="{lanes}" stroke="#1b4f72" stroke-width="0.8" stroke-dasharray="4,3" fill="none"/>"##
    );
    let mut path = String::new();
    for (i, q) in track.iter().enumerate() {
        let (x, y) = v.p(q.x_m, q.y_m);
        let _ = write!(path, "{}{x:.1},{y:.1}", if i == 0 { "M" } else { "L" });
    }
    let _ = writeln!(
        o,
        r##"<path d="{path}" stroke="#111" stroke-width="0.7" fill="none"/>"##
    );
    let detonations = h.p.record.detonations().unwrap_or_default();
    for b in &detonations {
        let (c, sn) = (b.heading_rad.cos(), b.heading_rad.sin());
        let corner = |dx: f64, dy: f64| v.p(b.x_m + c * dx - sn * dy, b.y_m + sn * dx + c * dy);
        let (l, wd) = (b.block_length_m / 2.0, b.block_width_m / 2.0);
        let pts: Vec<String> = [(-l, -wd), (l, -wd), (l, wd), (-l, wd)]
            .iter()
            .map(|&(dx, dy)| {
                let (x, y) = corner(dx, dy);
                format!("{x:.1},{y:.1}")
            })
            .collect();
        let _ = writeln!(
            o,
            r##"<polygon points="{}" fill="#8e44ad" fill-opacity="0.35" stroke="#8e44ad" stroke-width="2"/>"##,
            pts.join(" ")
        );
    }
    for d in detonations {
        let (x, y) = v.p(d.x_m, d.y_m);
        let _ = writeln!(
            o,
            r##"<circle cx="{x:.1}" cy="{y:.1}" r="4" fill="#e74c3c" stroke="black" stroke-width="1.5"/><text x="{:.1}" y="{:.1}" font-size="12" font-weight="bold">D{}</text>"##,
            x + 8.0,
            y - 8.0,
            d.id
        );
    }
    scale_and_north(&mut o, k);
    // legend and figures
    let px = 2.0 * PAD + MAP_W;
    let mut y = PAD + 10.0;
    let _ = writeln!(
        o,
        r##"<text x="{px}" y="{y}" font-size="17" font-weight="bold">Clearance report</text>"##
    );
    y += 20.0;
    let _ = writeln!(
        o,
        r##"<text x="{px}" y="{y}" font-size="12">{}</text>"##,
        esc(&h.p.opts.field_path.display().to_string())
    );
    y += 16.0;
    let _ = writeln!(
        o,
        r##"<text x="{px}" y="{y}" font-size="12">{}</text>"##,
        esc(&h.p.m.name)
    );
    y += 22.0;
    let legend: [(&str, &str); 10] = [
        ("#f6d3cf", "hazardous area (to process)"),
        ("#d6ecd2", "safe ground"),
        ("#7f7f7f", "obstacle / no-go"),
        ("#5dade2", "processed (credited cells)"),
        ("#ff8c00", "residual (not processed): manual teams"),
        ("#e6007e", "missed: passed over below standard"),
        ("#1b4f72", "planned processing passes"),
        ("#111111", "path driven"),
        ("#e74c3c", "detonation"),
        ("#8e44ad", "block to re-process + follow-on search"),
    ];
    for (c, label) in legend {
        let _ = writeln!(
            o,
            r##"<rect x="{px}" y="{:.1}" width="16" height="12" fill="{c}" stroke="#333"/><text x="{:.1}" y="{y:.1}" font-size="12">{label}</text>"##,
            y - 10.0,
            px + 22.0
        );
        y += 18.0;
    }
    y += 10.0;
    let figures = [
        format!("Mission state: {}", s.state.as_str()),
        format!(
            "Processed: {:.2} % of {:.0} m²",
            100.0 * s.processed_fraction,
            s.hazard_m2
        ),
        format!("Residual (not processed): {:.1} m²", s.residual_m2),
        format!("Detonations: {}", s.detonations),
        format!("Safety stops: {}", s.safety_stops),
        format!("Footprint violations: {}", s.footprint_violations),
        format!(
            "Max cross-track: {:.3} m (overlap {:.2} m)",
            s.max_cross_track_m, h.p.m.lane_overlap_m
        ),
        format!("Path driven: {:.0} m", s.path_length_m),
        format!(
            "Segments: {} done of {} ({} gap fill)",
            s.segments_done, s.segments, s.gap_fill_segments
        ),
        format!("Simulated time: {:.2} h", s.sim_duration_s / 3600.0),
        format!("Seed: {}{}", s.seed, if s.resumed { " (resumed)" } else { "" }),
    ];
    for line in figures {
        let _ = writeln!(o, r##"<text x="{px}" y="{y:.1}" font-size="13">{}</text>"##, esc(&line));
        y += 19.0;
    }
    o.push_str("</svg>\n");
    o
}

/// The report rendered to PNG with resvg (pure Rust). Text needs a sans-serif font on the
/// system (DejaVu, Liberation, …); without one the map and the legend swatches are still drawn.
pub fn png(svg: &str) -> Option<Vec<u8>> {
    let mut opt = resvg::usvg::Options::default();
    opt.fontdb_mut().load_system_fonts();
    let tree = resvg::usvg::Tree::from_str(svg, &opt).ok()?;
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height())?;
    resvg::render(&tree, resvg::tiny_skia::Transform::identity(), &mut pixmap.as_mut());
    pixmap.encode_png().ok()
}

/// The scale bar (the first round length of at least 80 px) and the north arrow of a map drawn at
/// `k` pixels per metre.
pub(crate) fn scale_and_north(o: &mut String, k: f64) {
    let bar_m = [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0]
        .into_iter()
        .find(|m| m * k >= 80.0)
        .unwrap_or(1000.0);
    let (bx, by) = (PAD + 10.0, PAD + MAP_H - 14.0);
    let _ = writeln!(
        o,
        r##"<rect x="{bx}" y="{by}" width="{:.1}" height="6" fill="black"/><text x="{bx}" y="{:.1}" font-size="12">{bar_m} m</text>"##,
        bar_m * k,
        by - 4.0
    );
    let _ = writeln!(
        o,
        r##"<text x="{:.1}" y="{:.1}" font-size="14" font-weight="bold">N ↑</text>"##,
        PAD + MAP_W - 40.0,
        PAD + 20.0
    );
}
