//! GNSS inputs: the plain [`GnssFix`] / [`GnssHeading`] types, the NMEA 0183 codec, the epoch
//! assembler that turns sentences into fixes, and a reader for files and serial ports.
//!
//! Nothing here reads a clock: fix times come from the receiver's own GGA/RMC time stamps.
//! Only [`serial`] touches a device (through `serialport`).

pub mod epoch;
pub mod fix;
pub mod nmea;
pub mod nmea_encode;
pub mod reader;
pub mod serial;

pub use epoch::{EpochAssembler, EpochStats, GnssMeasurement};
pub use fix::{FixType, GnssFix, GnssHeading, HorizontalCovariance};
pub use nmea::{parse_sentence, NmeaError, Sentence};
pub use reader::{NmeaReader, NmeaStats};

/// Failures of the GNSS input paths (a single bad sentence is not one: it is counted and skipped).
#[derive(Debug, thiserror::Error)]
pub enum GnssError {
    #[error("{path}: cannot open: {source}")]
    Open { path: String, source: std::io::Error },
    #[error("{path}: read failed: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("serial port {port}: {source}")]
    Serial { port: String, source: serialport::Error },
}

/// Read a whole NMEA log (any `BufRead`) into time-ordered measurements plus the counters.
pub fn read_nmea_log<R: std::io::BufRead>(
    input: R,
    source_name: &str,
) -> Result<(Vec<GnssMeasurement>, NmeaStats, EpochStats), GnssError> {
    read_nmea_log_dated(input, source_name, None)
}

/// [`read_nmea_log`] for a log that may lack RMC: GGA epochs before any RMC are dated with `date`
/// (when given) instead of being dropped as undated.
pub fn read_nmea_log_dated<R: std::io::BufRead>(
    input: R,
    source_name: &str,
    date: Option<nmea::NmeaDate>,
) -> Result<(Vec<GnssMeasurement>, NmeaStats, EpochStats), GnssError> {
    let mut reader = NmeaReader::new(input);
    let mut assembler = date.map_or_else(EpochAssembler::new, EpochAssembler::with_date);
    let mut out = Vec::new();
    while let Some(s) = reader.next_sentence().map_err(|source| GnssError::Read {
        path: source_name.to_string(),
        source,
    })? {
        assembler.push(s, &mut out);
    }
    assembler.flush(&mut out);
    Ok((out, reader.stats(), assembler.stats()))
}
