//! NMEA 0183 sentences the simulated receiver emits: GGA, RMC, GST and HDT, each with its
//! checksum (XOR of the bytes between `$` and `*`, two upper-case hex digits).
//!
//! Latitude and longitude carry 7 decimals of minutes (0.2 mm), as high-precision RTK receivers
//! do; such GGA sentences run a few characters past NMEA's nominal 82.

use super::gnss::FixQuality;

/// Checksum of a sentence body (between `$` and `*`).
pub fn checksum(body: &str) -> u8 {
    body.bytes().fold(0, |a, b| a ^ b)
}

/// `$body*HH`.
pub fn sentence(body: &str) -> String {
    format!("${body}*{:02X}", checksum(body))
}

/// UTC time of day as `hhmmss.ss`.
pub fn time_field(unix_s: f64) -> String {
    let cs = (unix_s.rem_euclid(86_400.0) * 100.0).round() as i64 % 8_640_000;
    let (h, rem) = (cs / 360_000, cs % 360_000);
    let (m, s) = (rem / 6000, rem % 6000);
    format!("{h:02}{m:02}{:02}.{:02}", s / 100, s % 100)
}

/// UTC date as `ddmmyy` (proleptic Gregorian, from days since 1970-01-01).
pub fn date_field(unix_s: f64) -> String {
    let days = (unix_s / 86_400.0).floor() as i64;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{d:02}{m:02}{:02}", y.rem_euclid(100))
}

fn coord(v: f64, deg_digits: usize, pos: char, neg: char) -> String {
    let hemi = if v < 0.0 { neg } else { pos };
    let total = (v.abs() * 60.0 * 1e7).round() as i64;
    let deg = total / (60 * 10_000_000);
    let min = total % (60 * 10_000_000);
    format!(
        "{deg:0deg_digits$}{:02}.{:07},{hemi}",
        min / 10_000_000,
        min % 10_000_000
    )
}

/// The position fields `lat,N,lon,E` (empty fields without a position).
pub fn lat_lon_fields(ll: Option<(f64, f64)>) -> String {
    match ll {
        Some((lat, lon)) => format!("{},{}", coord(lat, 2, 'N', 'S'), coord(lon, 3, 'E', 'W')),
        None => ",,,".into(),
    }
}

/// What one receiver epoch reports.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochReport {
    pub unix_s: f64,
    pub quality: FixQuality,
    /// Latitude, longitude, degrees (WGS84); `None` without a fix.
    pub lat_lon_deg: Option<(f64, f64)>,
    pub altitude_m: f64,
    pub satellites: u8,
    pub hdop: f64,
    /// Age of differential corrections, s.
    pub correction_age_s: Option<f64>,
    pub speed_mps: f64,
    /// Course over ground, degrees true.
    pub course_deg: f64,
    /// 1σ horizontal error per axis the receiver states, m.
    pub sigma_h_m: f64,
    pub sigma_v_m: f64,
    /// Dual-antenna heading, degrees true.
    pub heading_deg: Option<f64>,
}

/// GGA, RMC, GST and (with a heading) HDT, talker `GN`.
pub fn encode_epoch(r: &EpochReport) -> Vec<String> {
    let t = time_field(r.unix_s);
    let ll = if r.quality == FixQuality::NoFix {
        None
    } else {
        r.lat_lon_deg
    };
    let fix = ll.is_some();
    let mut out = Vec::with_capacity(4);
    out.push(sentence(&format!(
        "GNGGA,{t},{},{},{:02},{:.1},{},M,0.000,M,{},{}",
        lat_lon_fields(ll),
        if fix { r.quality.gga_quality() } else { 0 },
        if fix { r.satellites } else { 0 },
        r.hdop,
        if fix {
            format!("{:.3}", r.altitude_m)
        } else {
            String::new()
        },
        r.correction_age_s
            .filter(|_| fix)
            .map(|a| format!("{a:.1}"))
            .unwrap_or_default(),
        if fix && r.correction_age_s.is_some() {
            "0000"
        } else {
            ""
        },
    )));
    let knots = r.speed_mps * 3600.0 / 1852.0;
    out.push(sentence(&format!(
        "GNRMC,{t},{},{},{},{},{},,,{}",
        if fix { 'A' } else { 'V' },
        lat_lon_fields(ll),
        if fix { format!("{knots:.3}") } else { String::new() },
        if fix {
            format!("{:.2}", r.course_deg.rem_euclid(360.0))
        } else {
            String::new()
        },
        date_field(r.unix_s),
        if fix { r.quality.faa_mode() } else { 'N' },
    )));
    if fix {
        let s = r.sigma_h_m;
        out.push(sentence(&format!(
            "GNGST,{t},{:.4},{s:.4},{s:.4},0.00,{s:.4},{s:.4},{:.4}",
            s * std::f64::consts::SQRT_2,
            r.sigma_v_m
        )));
    }
    if let Some(h) = r.heading_deg {
        out.push(sentence(&format!("GNHDT,{:.3},T", h.rem_euclid(360.0))));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verify(s: &str) -> Vec<String> {
        let (body, cs) = s[1..].rsplit_once('*').unwrap();
        assert_eq!(u8::from_str_radix(cs, 16).unwrap(), checksum(body), "{s}");
        assert!(s.len() <= 100, "{s}");
        body.split(',').map(String::from).collect()
    }

    #[test]
    fn known_checksum() {
        // A widely quoted example sentence.
        let s = "GPGGA,092750.000,5321.6802,N,00630.3372,W,1,8,1.03,61.7,M,55.2,M,,";
        assert_eq!(checksum(s), 0x76);
    }

    #[test]
    fn time_and_date_fields() {
        // 2026-06-01T06:00:00Z
        assert_eq!(time_field(1_780_293_600.0), "060000.00");
        assert_eq!(date_field(1_780_293_600.0), "010626");
        assert_eq!(time_field(1_780_293_600.0 + 59.999), "060100.00");
        assert_eq!(date_field(951_782_400.0), "290200"); // 2000-02-29
    }

    #[test]
    fn epoch_sentences_carry_the_fix() {
        let r = EpochReport {
            unix_s: 1_780_293_600.25,
            quality: FixQuality::RtkFixed,
            lat_lon_deg: Some((46.930_123_456, -39.987_654_321)),
            altitude_m: 101.5,
            satellites: 18,
            hdop: 0.7,
            correction_age_s: Some(1.0),
            speed_mps: 0.14,
            course_deg: 271.0,
            sigma_h_m: 0.015,
            sigma_v_m: 0.02,
            heading_deg: Some(271.5),
        };
        let s = encode_epoch(&r);
        assert_eq!(s.len(), 4);
        let gga = verify(&s[0]);
        assert_eq!(gga[0], "GNGGA");
        assert_eq!(gga[1], "060000.25");
        assert_eq!(gga[2], "4655.8074074");
        assert_eq!(gga[3], "N");
        assert_eq!(gga[4], "03959.2592593");
        assert_eq!(gga[5], "W");
        assert_eq!(gga[6], "4");
        let rmc = verify(&s[1]);
        assert_eq!(
            (rmc[2].as_str(), rmc[9].as_str(), rmc[12].as_str()),
            ("A", "010626", "R")
        );
        let gst = verify(&s[2]);
        assert_eq!(gst[6], "0.0150");
        assert_eq!(verify(&s[3])[1], "271.500");
    }

    #[test]
    fn no_fix_has_empty_position() {
        let r = EpochReport {
            unix_s: 0.0,
            quality: FixQuality::NoFix,
            lat_lon_deg: Some((1.0, 1.0)),
            altitude_m: 0.0,
            satellites: 0,
            hdop: 99.9,
            correction_age_s: None,
            speed_mps: 0.0,
            course_deg: 0.0,
            sigma_h_m: 0.0,
            sigma_v_m: 0.0,
            heading_deg: None,
        };
        let s = encode_epoch(&r);
        assert_eq!(s.len(), 2);
        let gga = verify(&s[0]);
        assert_eq!((gga[2].as_str(), gga[6].as_str()), ("", "0"));
        assert_eq!(verify(&s[1])[2], "V");
    }
}
