//! Opens a GNSS receiver's serial port (or a pseudo-terminal) as a byte stream for
//! [`crate::gnss::reader::NmeaReader`]. The only file in `gnss` that touches a device.

use std::io::BufReader;
use std::time::Duration;

use crate::gnss::GnssError;

/// Open `port` (e.g. `/dev/ttyACM0`) at `baud` with a read timeout.
///
/// # Units
/// `read_timeout_ms`: milliseconds a read waits for bytes before returning `TimedOut`.
pub fn open_serial(
    port: &str,
    baud: u32,
    read_timeout_ms: u64,
) -> Result<BufReader<Box<dyn serialport::SerialPort>>, GnssError> {
    let p = serialport::new(port, baud)
        .timeout(Duration::from_millis(read_timeout_ms))
        .open()
        .map_err(|source| GnssError::Serial {
            port: port.to_string(),
            source,
        })?;
    Ok(BufReader::new(p))
}
