//! NMEA 0183 encoder: the pair of the decoder in [`crate::gnss::nmea`], used by the scenario
//! generator (to write receiver logs) and by the round-trip property tests. Numbers are written with
//! fixed decimals (latitude/longitude minutes to 1e-8, ≈ 0.02 mm) and a correct checksum.

use crate::gnss::nmea::{checksum, Sentence};

fn opt(v: Option<f64>, decimals: usize) -> String {
    v.map(|x| format!("{x:.decimals$}")).unwrap_or_default()
}

fn opt_u<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn time_field(t: Option<f64>) -> String {
    let Some(t) = t else { return String::new() };
    // Round to centiseconds first so that 59.999 s does not print as "60.00".
    let cs = (t * 100.0).round() as i64;
    let (h, rem) = (cs / 360_000, cs % 360_000);
    let (m, s_cs) = (rem / 6000, rem % 6000);
    format!("{h:02}{m:02}{:02}.{:02}", s_cs / 100, s_cs % 100)
}

fn coord_fields(v: f64, deg_digits: usize, pos: char, neg: char) -> String {
    let hemi = if v < 0.0 { neg } else { pos };
    let a = v.abs();
    // Minutes with 8 decimals (≈ 0.02 mm); carry into degrees when rounding reaches 60.
    let total = (a * 60.0 * 1e8).round() as i64;
    let deg = total / (60 * 100_000_000);
    let min_e8 = total % (60 * 100_000_000);
    format!(
        "{deg:0deg_digits$}{:02}.{:08},{hemi}",
        min_e8 / 100_000_000,
        min_e8 % 100_000_000
    )
}

fn lat_lon_fields(ll: Option<(f64, f64)>) -> String {
    match ll {
        Some((lat, lon)) => format!("{},{}", coord_fields(lat, 2, 'N', 'S'), coord_fields(lon, 3, 'E', 'W')),
        None => ",,,".to_string(),
    }
}

impl Sentence {
    /// Encode as a complete sentence with checksum (no line terminator).
    pub fn encode(&self) -> String {
        let body = match self {
            Sentence::Gga(g) => format!(
                "{}GGA,{},{},{},{},{},{},M,{},M,{},{}",
                g.talker.as_str(),
                time_field(g.time_of_day_s),
                lat_lon_fields(g.lat_lon_deg),
                g.fix_type.to_gga_quality(),
                opt_u(g.satellites),
                opt(g.hdop, 2),
                opt(g.altitude_msl_m, 3),
                opt(g.geoid_separation_m, 3),
                opt(g.correction_age_s, 1),
                opt_u(g.station_id),
            ),
            Sentence::Rmc(r) => format!(
                "{}RMC,{},{},{},{},{},{},,,{}",
                r.talker.as_str(),
                time_field(r.time_of_day_s),
                if r.valid { 'A' } else { 'V' },
                lat_lon_fields(r.lat_lon_deg),
                opt(r.speed_knots, 3),
                opt(r.course_true_deg, 2),
                r.date
                    .map(|d| format!("{:02}{:02}{:02}", d.day, d.month, d.year.rem_euclid(100)))
                    .unwrap_or_default(),
                r.mode.map(String::from).unwrap_or_default(),
            ),
            Sentence::Vtg(v) => format!(
                "{}VTG,{},T,{},M,{},N,{},K,{}",
                v.talker.as_str(),
                opt(v.course_true_deg, 2),
                opt(v.course_magnetic_deg, 2),
                opt(v.speed_knots, 3),
                opt(v.speed_kmh, 3),
                v.mode.map(String::from).unwrap_or_default(),
            ),
            Sentence::Gst(g) => format!(
                "{}GST,{},{},{},{},{},{},{},{}",
                g.talker.as_str(),
                time_field(g.time_of_day_s),
                opt(g.rms_m, 4),
                opt(g.semi_major_m, 4),
                opt(g.semi_minor_m, 4),
                opt(g.orientation_deg, 2),
                opt(g.sigma_lat_m, 4),
                opt(g.sigma_lon_m, 4),
                opt(g.sigma_alt_m, 4),
            ),
            Sentence::Hdt(h) => format!("{}HDT,{},T", h.talker.as_str(), opt(h.heading_true_deg, 3)),
        };
        format!("${body}*{:02X}", checksum(&body))
    }
}
