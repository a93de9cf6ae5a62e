//! `demine plan … --svg PLAN.svg --png PLAN.png`: the plan as a map a supervisor checks before the
//! machine moves — hazard, safe ground, obstacles, the processing passes in driving order (their
//! colour runs from the first pass to the last, numbered), turns and transits (reversing dashed),
//! the residual coloured by its reason, passes that could not be driven, the start — with the
//! summary's figures beside it. Drawn with the simulator report's map frame and PNG renderer
//! ([`crate::runtime::report`]).

use super::motion::{Direction, Motion};
use super::output::Summary;
use super::reason::Reason;
use super::Plan;
use crate::field::Field;
use crate::machine::MachineProfile;
use crate::runtime::report::{esc, field_map, scale_and_north, MAP_W, PAD};
use geo::MultiPolygon;
use std::fmt::Write;

/// Colour of a residual piece by reason.
fn reason_colour(r: Reason) -> &'static str {
    match r {
        Reason::ObstacleClearance => "#9b59b6",
        Reason::AcuteCorner => "#e67e22",
        Reason::NoTurnRoom => "#e6007e",
        Reason::Unreachable => "#c0392b",
        Reason::Sliver => "#f1c40f",
    }
}

/// Colour of the `i`-th of `n` passes: blue (first) to green to orange (last).
fn order_colour(i: usize, n: usize) -> String {
    let t = if n > 1 { i as f64 / (n - 1) as f64 } else { 0.0 };
    let hue = 220.0 - 190.0 * t;
    format!("hsl({hue:.0},80%,40%)")
}

/// The picture as SVG text.
pub fn svg(plan: &Plan, field: &Field, m: &MachineProfile, s: &Summary, field_name: &str) -> String {
    let mut all: Vec<geo::Polygon<f64>> = field.hazard.0.iter().chain(field.safe.0.iter()).cloned().collect();
    all.extend(plan.strips(m));
    let (v, mut o) = field_map(field, &MultiPolygon(all));
    let k = v.k;
    // processed strips, faint, then residual by reason on top
    let strips = plan.strips(m);
    let _ = writeln!(
        o,
        r##"<path d="{}" fill="#5dade2" fill-opacity="0.35"/>"##,
        v.polys(&MultiPolygon(strips.clone()))
    );
    for (p, rsn) in plan.residual.0.iter().zip(&plan.residual_reasons) {
        let _ = writeln!(
            o,
            r##"<path d="{}" fill="{}" fill-rule="evenodd" stroke="black" stroke-width="0.5"/>"##,
            v.polys(&MultiPolygon(vec![p.clone()])),
            reason_colour(*rsn)
        );
    }
    for u in &plan.unreached {
        let _ = writeln!(
            o,
            r##"<path d="{}" fill="none" stroke="{}" stroke-width="1.2" stroke-dasharray="2,2"/>"##,
            v.polys(&MultiPolygon(vec![u.strip.clone()])),
            reason_colour(u.reason)
        );
    }
    // turns and transits: thin, reversing dashed
    let (mut fwd, mut rev) = (String::new(), String::new());
    for mo in &plan.motions {
        let (pts, reverse): (Vec<(f64, f64)>, bool) = match mo {
            Motion::Straight { implement: true, .. } | Motion::Pivot { .. } => continue,
            Motion::Straight {
                from, to, direction, ..
            } => (
                vec![v.p(from.x_m, from.y_m), v.p(to.x_m, to.y_m)],
                *direction == Direction::Reverse,
            ),
            Motion::Curve { poses, direction, .. } => (
                poses.iter().map(|q| v.p(q.x_m, q.y_m)).collect(),
                *direction == Direction::Reverse,
            ),
        };
        let d = if reverse { &mut rev } else { &mut fwd };
        for (i, (x, y)) in pts.iter().enumerate() {
            let _ = write!(d, "{}{x:.1},{y:.1}", if i == 0 { "M" } else { "L" });
        }
    }
    let _ = writeln!(o, r##"<path d="{fwd}" stroke="#333" stroke-width="0.6" fill="none"/>"##);
    let _ = writeln!(
        o,
        r##"<path d="{rev}" stroke="#333" stroke-width="0.6" stroke-dasharray="3,2" fill="none"/>"##
    );
    // processing passes in order
    let passes: Vec<(f64, f64, f64, f64)> = plan
        .motions
        .iter()
        .filter_map(|mo| match mo {
            Motion::Straight {
                from,
                to,
                implement: true,
                ..
            } => Some((from.x_m, from.y_m, to.x_m, to.y_m)),
            _ => None,
        })
        .collect();
    let n = passes.len();
    let label_every = (n / 40).max(1);
    for (i, &(x0, y0, x1, y1)) in passes.iter().enumerate() {
        let (a, b) = v.p(x0, y0);
        let (c, d) = v.p(x1, y1);
        let _ = writeln!(
            o,
            r##"<path d="M{a:.1},{b:.1}L{c:.1},{d:.1}" stroke="{}" stroke-width="1.6" fill="none"/>"##,
            order_colour(i, n)
        );
        if i % label_every == 0 || i + 1 == n {
            let _ = writeln!(
                o,
                r##"<text x="{:.1}" y="{:.1}" font-size="9" fill="{}">{}</text>"##,
                a + 2.0,
                b - 2.0,
                order_colour(i, n),
                i + 1
            );
        }
    }
    // start
    let start = plan.motions.first().map(|mo| match mo {
        Motion::Straight { from, .. } => *from,
        Motion::Pivot { at, .. } => *at,
        Motion::Curve { poses, .. } => poses[0],
    });
    if let Some(p) = start {
        let (x, y) = v.p(p.x_m, p.y_m);
        let h = p.heading();
        let _ = writeln!(
            o,
            r##"<circle cx="{x:.1}" cy="{y:.1}" r="6" fill="#27ae60" stroke="black" stroke-width="1.5"/><path d="M{x:.1},{y:.1}L{:.1},{:.1}" stroke="black" stroke-width="2"/><text x="{:.1}" y="{:.1}" font-size="12" font-weight="bold">START</text>"##,
            x + 14.0 * h.x,
            y - 14.0 * h.y,
            x + 9.0,
            y + 16.0
        );
    }
    scale_and_north(&mut o, k);
    // legend and figures
    let px = 2.0 * PAD + MAP_W;
    let mut y = PAD + 10.0;
    let _ = writeln!(
        o,
        r##"<text x="{px}" y="{y}" font-size="17" font-weight="bold">Clearance plan</text>"##
    );
    y += 20.0;
    for line in [field_name, m.name.as_str()] {
        let _ = writeln!(o, r##"<text x="{px}" y="{y}" font-size="12">{}</text>"##, esc(line));
        y += 16.0;
    }
    y += 6.0;
    let mut legend: Vec<(String, String)> = vec![
        ("#f6d3cf".into(), "hazardous area (to process)".into()),
        ("#d6ecd2".into(), "safe ground".into()),
        ("#7f7f7f".into(), "obstacle / no-go".into()),
        ("#5dade2".into(), "processed by the plan".into()),
        (order_colour(0, 2), "first processing pass (numbered)".into()),
        (order_colour(1, 2), "last processing pass".into()),
        ("#333333".into(), "turn / transit (reversing dashed)".into()),
        ("#27ae60".into(), "start, heading".into()),
    ];
    let mut seen: Vec<Reason> = plan.residual_reasons.clone();
    seen.extend(plan.unreached.iter().map(|u| u.reason));
    seen.sort();
    seen.dedup();
    for r in seen {
        legend.push((reason_colour(r).into(), format!("residual: {}", r.as_str())));
    }
    for (c, label) in &legend {
        let _ = writeln!(
            o,
            r##"<rect x="{px}" y="{:.1}" width="16" height="12" fill="{c}" stroke="#333"/><text x="{:.1}" y="{y:.1}" font-size="12">{}</text>"##,
            y - 10.0,
            px + 22.0,
            esc(label)
        );
        y += 18.0;
    }
    y += 10.0;
    let path_cost = if s.hazard_m2 * s.processed_fraction > 0.0 {
        s.path_length_m * m.lane_spacing_m() / (s.hazard_m2 * s.processed_fraction)
    } else {
        0.0
    };
    let mut figures = vec![
        format!("Strategy: {:?} at {:.1}°", s.strategy, s.lane_angle_deg),
        format!(
            "Processed: {:.2} % of {:.0} m²",
            100.0 * s.processed_fraction,
            s.hazard_m2
        ),
        format!("Residual: {:.1} m² in {} pieces", s.residual_m2, s.residual_pieces),
    ];
    for (r, a) in &s.residual_by_reason_m2 {
        figures.push(format!("  {r}: {a:.1} m²"));
    }
    figures.extend([
        format!("Unreachable passes: {}", s.unreachable_passes),
        format!(
            "Path: {:.0} m, implement on {:.0} m",
            s.path_length_m, s.implement_on_length_m
        ),
        format!(
            "Implement-on ratio: {:.1} %",
            100.0 * s.implement_on_length_m / s.path_length_m.max(1e-9)
        ),
        format!("Path cost: {path_cost:.2}"),
        format!("Turns: {}", s.turn_count),
        format!("Estimated mission: {:.2} h", s.estimated_duration_s / 3600.0),
        format!("Planned in {:.1} s", s.planning_time_ms / 1e3),
    ]);
    for line in figures {
        let _ = writeln!(o, r##"<text x="{px}" y="{y:.1}" font-size="13">{}</text>"##, esc(&line));
        y += 19.0;
    }
    o.push_str("</svg>\n");
    o
}

/// The picture as PNG (see [`crate::runtime::report::png`]).
pub fn png(svg: &str) -> Option<Vec<u8>> {
    crate::runtime::report::png(svg)
}
