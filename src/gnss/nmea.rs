//! NMEA 0183 sentences the estimator uses: GGA, RMC, VTG, GST and HDT, from talkers GP, GN, GL, GA
//! and GB: the types and the decoder. Each decoder is paired with an encoder
//! ([`Sentence::encode`], in [`crate::gnss::nmea_encode`]) and a round-trip test.
//!
//! ```text
//! $GNGGA,hhmmss.ss,ddmm.mmmm,N,dddmm.mmmm,E,q,ss,hdop,alt,M,sep,M,age,stn*hh\r\n
//! ^ ^^^^ └──────────────── comma-separated fields ───────────────────┘ └┘ XOR of every byte
//! │ talker + sentence type                                                 between `$` and `*`
//! start
//! ```
//!
//! Parsing takes one sentence as `&str`, verifies the checksum first and never panics: everything
//! malformed is an [`NmeaError`] whose [`NmeaError::kind`] the reader counts.

use crate::gnss::fix::FixType;

/// Longest sentence accepted, characters (the standard says 82; high-precision receivers exceed it).
pub const MAX_SENTENCE_LEN: usize = 160;

/// The constellation talker of a sentence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Talker {
    /// GPS.
    Gp,
    /// Multi-constellation.
    Gn,
    /// GLONASS.
    Gl,
    /// Galileo.
    Ga,
    /// BeiDou.
    Gb,
}

impl Talker {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "GP" => Talker::Gp,
            "GN" => Talker::Gn,
            "GL" => Talker::Gl,
            "GA" => Talker::Ga,
            "GB" => Talker::Gb,
            _ => return None,
        })
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Talker::Gp => "GP",
            Talker::Gn => "GN",
            Talker::Gl => "GL",
            Talker::Ga => "GA",
            Talker::Gb => "GB",
        }
    }
}

/// A calendar date (UTC) from RMC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NmeaDate {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl NmeaDate {
    /// UNIX seconds at 00:00:00 UTC of this date.
    pub fn unix_midnight_s(&self) -> f64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        ((era * 146_097 + doe - 719_468) * 86_400) as f64
    }

    /// The date of a UNIX time (inverse of [`NmeaDate::unix_midnight_s`] for whole days).
    pub fn from_unix_s(unix_s: f64) -> Self {
        let z = (unix_s / 86_400.0).floor() as i64 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Self { year, month, day }
    }
}

/// GGA: time, position and fix quality.
#[derive(Clone, Debug, PartialEq)]
pub struct Gga {
    pub talker: Talker,
    /// UTC time of day, seconds since midnight.
    pub time_of_day_s: Option<f64>,
    /// Latitude and longitude, degrees (WGS84).
    pub lat_lon_deg: Option<(f64, f64)>,
    pub fix_type: FixType,
    pub satellites: Option<u8>,
    pub hdop: Option<f64>,
    /// Altitude above mean sea level, metres.
    pub altitude_msl_m: Option<f64>,
    /// Geoid separation (ellipsoid − geoid), metres.
    pub geoid_separation_m: Option<f64>,
    /// Age of differential corrections, seconds.
    pub correction_age_s: Option<f64>,
    pub station_id: Option<u16>,
}

/// RMC: recommended minimum data, carries the date.
#[derive(Clone, Debug, PartialEq)]
pub struct Rmc {
    pub talker: Talker,
    pub time_of_day_s: Option<f64>,
    /// `A` (valid) → true, `V` (warning) → false.
    pub valid: bool,
    pub lat_lon_deg: Option<(f64, f64)>,
    pub speed_knots: Option<f64>,
    /// Track made good, degrees true.
    pub course_true_deg: Option<f64>,
    pub date: Option<NmeaDate>,
    /// FAA mode indicator (NMEA ≥ 2.3).
    pub mode: Option<char>,
}

/// VTG: course and speed over ground.
#[derive(Clone, Debug, PartialEq)]
pub struct Vtg {
    pub talker: Talker,
    pub course_true_deg: Option<f64>,
    pub course_magnetic_deg: Option<f64>,
    pub speed_knots: Option<f64>,
    pub speed_kmh: Option<f64>,
    pub mode: Option<char>,
}

/// GST: pseudorange error statistics (1σ position errors, metres).
#[derive(Clone, Debug, PartialEq)]
pub struct Gst {
    pub talker: Talker,
    pub time_of_day_s: Option<f64>,
    pub rms_m: Option<f64>,
    pub semi_major_m: Option<f64>,
    pub semi_minor_m: Option<f64>,
    /// Orientation of the semi-major axis, degrees clockwise from true north.
    pub orientation_deg: Option<f64>,
    pub sigma_lat_m: Option<f64>,
    pub sigma_lon_m: Option<f64>,
    pub sigma_alt_m: Option<f64>,
}

/// HDT: true heading (dual antenna or gyro), degrees clockwise from true north.
#[derive(Clone, Debug, PartialEq)]
pub struct Hdt {
    pub talker: Talker,
    pub heading_true_deg: Option<f64>,
}

/// One decoded sentence.
#[derive(Clone, Debug, PartialEq)]
pub enum Sentence {
    Gga(Gga),
    Rmc(Rmc),
    Vtg(Vtg),
    Gst(Gst),
    Hdt(Hdt),
}

/// What made a sentence unusable. [`NmeaError::kind`] groups them for the reader's counters.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NmeaError {
    #[error("sentence does not start with '$'")]
    NoStart,
    #[error("sentence is {len} characters, longer than {MAX_SENTENCE_LEN}")]
    TooLong { len: usize },
    #[error("sentence contains non-printable or non-ASCII characters")]
    NotPrintableAscii,
    #[error("no '*hh' checksum (truncated sentence)")]
    MissingChecksum,
    #[error("checksum field {field:?} is not two hex digits")]
    MalformedChecksum { field: String },
    #[error("checksum mismatch: sentence says {stated:02X}, bytes give {computed:02X}")]
    BadChecksum { stated: u8, computed: u8 },
    #[error("address field {address:?} is not a talker + sentence type")]
    BadAddress { address: String },
    #[error("talker {talker:?} is not one of GP, GN, GL, GA, GB")]
    UnknownTalker { talker: String },
    #[error("sentence type {kind:?} is not used")]
    Unsupported { kind: String },
    #[error("{sentence}: {found} fields, at least {needed} needed")]
    TooFewFields {
        sentence: &'static str,
        found: usize,
        needed: usize,
    },
    #[error("{sentence} field {field}: invalid value {value:?}")]
    BadField {
        sentence: &'static str,
        field: usize,
        value: String,
    },
}

/// Counter groups for [`NmeaError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NmeaErrorKind {
    /// Not a sentence at all (no `$`, binary bytes, too long).
    Garbage,
    /// Cut short: no checksum.
    Truncated,
    /// Checksum wrong or malformed.
    BadChecksum,
    /// Valid sentence of a type or talker this stack does not use.
    Unsupported,
    /// Checksum right but fields invalid.
    Malformed,
}

impl NmeaError {
    pub fn kind(&self) -> NmeaErrorKind {
        match self {
            NmeaError::NoStart | NmeaError::TooLong { .. } | NmeaError::NotPrintableAscii => NmeaErrorKind::Garbage,
            NmeaError::MissingChecksum => NmeaErrorKind::Truncated,
            NmeaError::MalformedChecksum { .. } | NmeaError::BadChecksum { .. } => NmeaErrorKind::BadChecksum,
            NmeaError::UnknownTalker { .. } | NmeaError::Unsupported { .. } => NmeaErrorKind::Unsupported,
            NmeaError::BadAddress { .. } | NmeaError::TooFewFields { .. } | NmeaError::BadField { .. } => {
                NmeaErrorKind::Malformed
            }
        }
    }
}

/// XOR of all bytes (the NMEA checksum of the text between `$` and `*`).
pub fn checksum(body: &str) -> u8 {
    body.bytes().fold(0u8, |acc, b| acc ^ b)
}

/// Parse one sentence (`$...*hh`, optional trailing CR/LF and surrounding whitespace).
pub fn parse_sentence(line: &str) -> Result<Sentence, NmeaError> {
    let line = line.trim();
    if line.len() > MAX_SENTENCE_LEN {
        return Err(NmeaError::TooLong { len: line.len() });
    }
    if !line.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(NmeaError::NotPrintableAscii);
    }
    let rest = line.strip_prefix('$').ok_or(NmeaError::NoStart)?;
    let (body, cs) = rest.rsplit_once('*').ok_or(NmeaError::MissingChecksum)?;
    if cs.is_empty() || cs.len() == 1 {
        return Err(NmeaError::MissingChecksum);
    }
    if cs.len() != 2 || !cs.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(NmeaError::MalformedChecksum { field: cs.to_string() });
    }
    let stated = u8::from_str_radix(cs, 16).map_err(|_| NmeaError::MalformedChecksum { field: cs.to_string() })?;
    let computed = checksum(body);
    if stated != computed {
        return Err(NmeaError::BadChecksum { stated, computed });
    }
    let fields: Vec<&str> = body.split(',').collect();
    let address = fields[0];
    if address.len() != 5 || !address.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(NmeaError::BadAddress {
            address: address.to_string(),
        });
    }
    let talker = Talker::parse(&address[..2]).ok_or_else(|| NmeaError::UnknownTalker {
        talker: address[..2].to_string(),
    })?;
    let f = Fields {
        name: &address[2..],
        fields: &fields[1..],
    };
    match &address[2..] {
        "GGA" => parse_gga(talker, f).map(Sentence::Gga),
        "RMC" => parse_rmc(talker, f).map(Sentence::Rmc),
        "VTG" => parse_vtg(talker, f).map(Sentence::Vtg),
        "GST" => parse_gst(talker, f).map(Sentence::Gst),
        "HDT" => parse_hdt(talker, f).map(Sentence::Hdt),
        other => Err(NmeaError::Unsupported {
            kind: other.to_string(),
        }),
    }
}

/// Field access with errors that name the sentence and the 1-based field number.
struct Fields<'a> {
    name: &'a str,
    fields: &'a [&'a str],
}

impl Fields<'_> {
    fn sentence(&self) -> &'static str {
        match self.name {
            "GGA" => "GGA",
            "RMC" => "RMC",
            "VTG" => "VTG",
            "GST" => "GST",
            _ => "HDT",
        }
    }

    fn need(&self, n: usize) -> Result<(), NmeaError> {
        if self.fields.len() < n {
            return Err(NmeaError::TooFewFields {
                sentence: self.sentence(),
                found: self.fields.len(),
                needed: n,
            });
        }
        Ok(())
    }

    fn raw(&self, i: usize) -> &str {
        self.fields.get(i).copied().unwrap_or("")
    }

    fn bad(&self, i: usize) -> NmeaError {
        NmeaError::BadField {
            sentence: self.sentence(),
            field: i + 1,
            value: self.raw(i).to_string(),
        }
    }

    fn f64(&self, i: usize) -> Result<Option<f64>, NmeaError> {
        let s = self.raw(i);
        if s.is_empty() {
            return Ok(None);
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'+')
        {
            return Err(self.bad(i));
        }
        match s.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Some(v)),
            _ => Err(self.bad(i)),
        }
    }

    fn nonneg(&self, i: usize) -> Result<Option<f64>, NmeaError> {
        match self.f64(i)? {
            Some(v) if v < 0.0 => Err(self.bad(i)),
            v => Ok(v),
        }
    }

    fn angle_deg(&self, i: usize) -> Result<Option<f64>, NmeaError> {
        match self.f64(i)? {
            Some(v) if !(0.0..=360.0).contains(&v) => Err(self.bad(i)),
            v => Ok(v),
        }
    }

    fn uint<T: std::str::FromStr>(&self, i: usize) -> Result<Option<T>, NmeaError> {
        let s = self.raw(i);
        if s.is_empty() {
            return Ok(None);
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.bad(i));
        }
        s.parse::<T>().map(Some).map_err(|_| self.bad(i))
    }

    fn char(&self, i: usize) -> Result<Option<char>, NmeaError> {
        let s = self.raw(i);
        let mut c = s.chars();
        match (c.next(), c.next()) {
            (None, _) => Ok(None),
            (Some(ch), None) if ch.is_ascii_alphabetic() => Ok(Some(ch)),
            _ => Err(self.bad(i)),
        }
    }

    /// `hhmmss.ss` → seconds of day.
    fn time_of_day(&self, i: usize) -> Result<Option<f64>, NmeaError> {
        let s = self.raw(i);
        if s.is_empty() {
            return Ok(None);
        }
        let ok = s.len() >= 6 && s.is_char_boundary(6) && s[..6].bytes().all(|b| b.is_ascii_digit());
        if !ok {
            return Err(self.bad(i));
        }
        let hh: u32 = s[0..2].parse().map_err(|_| self.bad(i))?;
        let mm: u32 = s[2..4].parse().map_err(|_| self.bad(i))?;
        let ss: f64 = s[4..].parse().map_err(|_| self.bad(i))?;
        if hh > 23 || mm > 59 || !(0.0..61.0).contains(&ss) || !s[4..].bytes().all(|b| b.is_ascii_digit() || b == b'.')
        {
            return Err(self.bad(i));
        }
        // seconds of the day written out and parsed once: the nearest double to the decimal
        // the receiver sent (adding the fraction to the whole seconds would round twice)
        let frac = s[4..].find('.').map_or("", |k| &s[4 + k..]);
        let whole = hh * 3600 + mm * 60 + ss.trunc() as u32;
        let t: f64 = format!("{whole}{frac}").parse().map_err(|_| self.bad(i))?;
        Ok(Some(t))
    }

    /// `ddmmyy` → date.
    fn date(&self, i: usize) -> Result<Option<NmeaDate>, NmeaError> {
        let s = self.raw(i);
        if s.is_empty() {
            return Ok(None);
        }
        if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.bad(i));
        }
        let dd: u8 = s[0..2].parse().map_err(|_| self.bad(i))?;
        let mo: u8 = s[2..4].parse().map_err(|_| self.bad(i))?;
        let yy: i32 = s[4..6].parse().map_err(|_| self.bad(i))?;
        if !(1..=31).contains(&dd) || !(1..=12).contains(&mo) {
            return Err(self.bad(i));
        }
        let year = if yy < 80 { 2000 + yy } else { 1900 + yy };
        Ok(Some(NmeaDate {
            year,
            month: mo,
            day: dd,
        }))
    }

    /// `(d)ddmm.mmmm` + hemisphere → signed degrees. Both empty → `None`.
    fn coordinate(
        &self,
        i: usize,
        deg_digits: usize,
        pos: char,
        neg: char,
        max: f64,
    ) -> Result<Option<f64>, NmeaError> {
        let v = self.raw(i);
        let h = self.raw(i + 1);
        if v.is_empty() && h.is_empty() {
            return Ok(None);
        }
        let numeric = v.len() > deg_digits + 1
            && v.is_char_boundary(deg_digits)
            && v.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        if !numeric {
            return Err(self.bad(i));
        }
        let deg: f64 = v[..deg_digits].parse().map_err(|_| self.bad(i))?;
        let min: f64 = v[deg_digits..].parse().map_err(|_| self.bad(i))?;
        if min >= 60.0 {
            return Err(self.bad(i));
        }
        let value = deg + min / 60.0;
        if value > max {
            return Err(self.bad(i));
        }
        let sign = match h.chars().next() {
            Some(c) if c == pos && h.len() == 1 => 1.0,
            Some(c) if c == neg && h.len() == 1 => -1.0,
            _ => return Err(self.bad(i + 1)),
        };
        Ok(Some(sign * value))
    }

    fn lat_lon(&self, i: usize) -> Result<Option<(f64, f64)>, NmeaError> {
        let lat = self.coordinate(i, 2, 'N', 'S', 90.0)?;
        let lon = self.coordinate(i + 2, 3, 'E', 'W', 180.0)?;
        match (lat, lon) {
            (Some(a), Some(b)) => Ok(Some((a, b))),
            (None, None) => Ok(None),
            (None, Some(_)) => Err(self.bad(i)),
            (Some(_), None) => Err(self.bad(i + 2)),
        }
    }
}

fn parse_gga(talker: Talker, f: Fields) -> Result<Gga, NmeaError> {
    f.need(14)?;
    let quality: u8 = f.uint(5)?.ok_or_else(|| f.bad(5))?;
    Ok(Gga {
        talker,
        time_of_day_s: f.time_of_day(0)?,
        lat_lon_deg: f.lat_lon(1)?,
        fix_type: FixType::from_gga_quality(quality),
        satellites: f.uint(6)?,
        hdop: f.nonneg(7)?,
        altitude_msl_m: f.f64(8)?,
        geoid_separation_m: f.f64(10)?,
        correction_age_s: f.nonneg(12)?,
        station_id: f.uint(13)?,
    })
}

fn parse_rmc(talker: Talker, f: Fields) -> Result<Rmc, NmeaError> {
    f.need(9)?;
    let valid = match f.raw(1) {
        "A" => true,
        "V" => false,
        _ => return Err(f.bad(1)),
    };
    Ok(Rmc {
        talker,
        time_of_day_s: f.time_of_day(0)?,
        valid,
        lat_lon_deg: f.lat_lon(2)?,
        speed_knots: f.nonneg(6)?,
        course_true_deg: f.angle_deg(7)?,
        date: f.date(8)?,
        mode: f.char(11)?,
    })
}

fn parse_vtg(talker: Talker, f: Fields) -> Result<Vtg, NmeaError> {
    f.need(8)?;
    Ok(Vtg {
        talker,
        course_true_deg: f.angle_deg(0)?,
        course_magnetic_deg: f.angle_deg(2)?,
        speed_knots: f.nonneg(4)?,
        speed_kmh: f.nonneg(6)?,
        mode: f.char(8)?,
    })
}

fn parse_gst(talker: Talker, f: Fields) -> Result<Gst, NmeaError> {
    f.need(8)?;
    Ok(Gst {
        talker,
        time_of_day_s: f.time_of_day(0)?,
        rms_m: f.nonneg(1)?,
        semi_major_m: f.nonneg(2)?,
        semi_minor_m: f.nonneg(3)?,
        orientation_deg: f.angle_deg(4)?,
        sigma_lat_m: f.nonneg(5)?,
        sigma_lon_m: f.nonneg(6)?,
        sigma_alt_m: f.nonneg(7)?,
    })
}

fn parse_hdt(talker: Talker, f: Fields) -> Result<Hdt, NmeaError> {
    f.need(2)?;
    if !matches!(f.raw(1), "T" | "") {
        return Err(f.bad(1));
    }
    Ok(Hdt {
        talker,
        heading_true_deg: f.angle_deg(0)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_real_ublox_gga() {
        let s = "$GNGGA,092725.00,4717.11399,N,00833.91590,E,1,08,1.01,499.6,M,48.0,M,,*45";
        let Sentence::Gga(g) = parse_sentence(s).unwrap() else {
            panic!("not GGA")
        };
        assert_eq!(g.talker, Talker::Gn);
        assert!((g.time_of_day_s.unwrap() - (9.0 * 3600.0 + 27.0 * 60.0 + 25.0)).abs() < 1e-9);
        let (lat, lon) = g.lat_lon_deg.unwrap();
        assert!((lat - (47.0 + 17.11399 / 60.0)).abs() < 1e-12);
        assert!((lon - (8.0 + 33.91590 / 60.0)).abs() < 1e-12);
        assert_eq!(g.fix_type, FixType::Single);
        assert_eq!(g.satellites, Some(8));
        assert_eq!(g.correction_age_s, None);
    }

    #[test]
    fn checksum_mismatch_is_reported() {
        let s = "$GNGGA,092725.00,4717.11399,N,00833.91590,E,1,08,1.01,499.6,M,48.0,M,,*46";
        assert_eq!(
            parse_sentence(s),
            Err(NmeaError::BadChecksum {
                stated: 0x46,
                computed: 0x45
            })
        );
        assert_eq!(parse_sentence(s).unwrap_err().kind(), NmeaErrorKind::BadChecksum);
    }

    #[test]
    fn truncated_and_garbage_are_classified() {
        let kinds = |s: &str| parse_sentence(s).unwrap_err().kind();
        assert_eq!(kinds("$GNGGA,092725.00,4717.1"), NmeaErrorKind::Truncated);
        assert_eq!(kinds("$GNGGA,092725.00,4717.1*4"), NmeaErrorKind::Truncated);
        assert_eq!(kinds("GNGGA,092725.00*45"), NmeaErrorKind::Garbage);
        assert_eq!(kinds("$GN\u{1}GA*45"), NmeaErrorKind::Garbage);
        let gsv = Sentence::Hdt(Hdt {
            talker: Talker::Gp,
            heading_true_deg: Some(1.0),
        })
        .encode();
        let body = gsv[1..gsv.len() - 3].replace("HDT", "GSV");
        assert_eq!(
            kinds(&format!("${body}*{:02X}", checksum(&body))),
            NmeaErrorKind::Unsupported
        );
        let body = "PUBX,00";
        assert_eq!(
            kinds(&format!("${body}*{:02X}", checksum(body))),
            NmeaErrorKind::Malformed
        );
    }

    #[test]
    fn rmc_date_and_hdt() {
        let r = Sentence::Rmc(Rmc {
            talker: Talker::Gp,
            time_of_day_s: Some(86_399.99),
            valid: true,
            lat_lon_deg: Some((-33.5, -70.25)),
            speed_knots: Some(0.272),
            course_true_deg: Some(359.5),
            date: Some(NmeaDate {
                year: 2026,
                month: 11,
                day: 26,
            }),
            mode: Some('R'),
        });
        let text = r.encode();
        assert_eq!(parse_sentence(&text).unwrap(), r, "{text}");
        let h = Sentence::Hdt(Hdt {
            talker: Talker::Gb,
            heading_true_deg: Some(274.125),
        });
        assert_eq!(parse_sentence(&h.encode()).unwrap(), h);
    }

    #[test]
    fn unix_dates() {
        let d = NmeaDate {
            year: 2026,
            month: 11,
            day: 26,
        };
        assert_eq!(d.unix_midnight_s(), 1_795_651_200.0);
        assert_eq!(NmeaDate::from_unix_s(1_795_651_200.0 + 3600.0), d);
        assert_eq!(
            NmeaDate {
                year: 1970,
                month: 1,
                day: 1
            }
            .unix_midnight_s(),
            0.0
        );
        assert_eq!(
            NmeaDate::from_unix_s(951_782_400.0),
            NmeaDate {
                year: 2000,
                month: 2,
                day: 29
            }
        );
    }
}
