//! Adapter profiles: what differs between SLCAN adapters, as data.
//!
//! | Profile   | `S0`–`S8` (kbit/s)                        | listen-only      | `z`/`Z` ack | `F`/`N`/`Z` |
//! |-----------|-------------------------------------------|------------------|-------------|-------------|
//! | `lawicel` | 10 20 50 100 125 250 500 800 1000          | `L`              | yes         | yes         |
//! | `usbtin`  | 10 20 50 100 125 250 500 800 1000          | `L`              | yes         | yes         |
//! | `canable` | 10 20 50 100 125 250 500 **750** 1000      | `M1` then `O`    | **no**      | no          |
//!
//! USBtin uses `W`/`G` for MCP2515 register write/read: the codec has no variant for them, so
//! they can never be sent. CANable's `M`/`A` clash with Lawicel's acceptance code/mask and are
//! only sent to a CANable.

use super::slcan::{BitrateCode, SlcanCommand};

/// A known adapter family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum AdapterProfile {
    /// Original Lawicel CANUSB / CAN232 command set; also what the Linux slcan driver expects.
    #[default]
    Lawicel,
    /// USBtin (MCP2515): Lawicel-like, answers `z`/`Z`, `F`, `V`, `N`, supports `Z` timestamps.
    Usbtin,
    /// CANable / CANtact slcan firmware: `S7` is 750 kbit/s, no transmit acknowledgement,
    /// listen-only via `M1`, no status/serial/timestamp commands.
    Canable,
}

/// Errors choosing adapter settings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdapterError {
    /// The adapter cannot run the bus at this bit rate.
    #[error("{profile:?} adapters do not support {bitrate_bps} bit/s (supported: {supported:?})")]
    UnsupportedBitrate {
        /// The profile.
        profile: AdapterProfile,
        /// The requested rate in bit/s.
        bitrate_bps: u32,
        /// What the profile offers, bit/s.
        supported: [u32; 9],
    },
    /// Unknown profile name.
    #[error("unknown adapter profile {0:?} (expected lawicel, usbtin or canable)")]
    UnknownProfile(String),
}

const LAWICEL_RATES: [u32; 9] = [
    10_000, 20_000, 50_000, 100_000, 125_000, 250_000, 500_000, 800_000, 1_000_000,
];
const CANABLE_RATES: [u32; 9] = [
    10_000, 20_000, 50_000, 100_000, 125_000, 250_000, 500_000, 750_000, 1_000_000,
];

impl AdapterProfile {
    /// Bit rates selected by `S0`..`S8`, in bit/s.
    pub fn bitrates(self) -> [u32; 9] {
        match self {
            Self::Canable => CANABLE_RATES,
            Self::Lawicel | Self::Usbtin => LAWICEL_RATES,
        }
    }

    /// The `Sn` code for a bit rate.
    ///
    /// # Units
    /// `bitrate_bps` in bit/s.
    pub fn bitrate_code(self, bitrate_bps: u32) -> Result<BitrateCode, AdapterError> {
        self.bitrates()
            .iter()
            .position(|&r| r == bitrate_bps)
            .and_then(|i| BitrateCode::new(i as u8))
            .ok_or(AdapterError::UnsupportedBitrate {
                profile: self,
                bitrate_bps,
                supported: self.bitrates(),
            })
    }

    /// The bit rate (bit/s) a code selects on this adapter.
    pub fn bitrate_of(self, code: BitrateCode) -> u32 {
        self.bitrates()[usize::from(code.code())]
    }

    /// Whether the adapter answers `z`/`Z` after a transmit command.
    pub fn acks_transmit(self) -> bool {
        !matches!(self, Self::Canable)
    }

    /// Whether the adapter answers `F`, `N` and `Zn`.
    pub fn has_status_and_timestamps(self) -> bool {
        !matches!(self, Self::Canable)
    }

    /// Whether this adapter accepts a command (a simulated adapter refuses the rest with BEL;
    /// the host never sends them).
    pub fn accepts(self, cmd: &SlcanCommand) -> bool {
        match cmd {
            SlcanCommand::SilentMode(_) | SlcanCommand::AutoRetransmit(_) => self == Self::Canable,
            SlcanCommand::ListenOnly | SlcanCommand::ReadStatus | SlcanCommand::Timestamps(_) => self != Self::Canable,
            SlcanCommand::SerialNumber => self != Self::Canable,
            _ => true,
        }
    }

    /// Commands that bring a closed (or unknown-state) adapter onto the bus.
    ///
    /// # Units
    /// `bitrate_bps` in bit/s.
    pub fn open_sequence(self, bitrate_bps: u32, listen_only: bool) -> Result<Vec<SlcanCommand>, AdapterError> {
        let code = self.bitrate_code(bitrate_bps)?;
        let mut seq = vec![SlcanCommand::Close, SlcanCommand::SetBitrate(code)];
        match (self, listen_only) {
            (Self::Canable, silent) => {
                seq.push(SlcanCommand::SilentMode(silent));
                seq.push(SlcanCommand::Open);
            }
            (_, true) => seq.push(SlcanCommand::ListenOnly),
            (_, false) => seq.push(SlcanCommand::Open),
        }
        Ok(seq)
    }
}

impl std::str::FromStr for AdapterProfile {
    type Err = AdapterError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "lawicel" | "generic" => Ok(Self::Lawicel),
            "usbtin" => Ok(Self::Usbtin),
            "canable" | "cantact" => Ok(Self::Canable),
            _ => Err(AdapterError::UnknownProfile(s.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canable_s7_is_750k() {
        assert_eq!(AdapterProfile::Canable.bitrate_code(750_000).unwrap().code(), 7);
        assert!(AdapterProfile::Canable.bitrate_code(800_000).is_err());
        assert_eq!(AdapterProfile::Lawicel.bitrate_code(800_000).unwrap().code(), 7);
        assert_eq!(AdapterProfile::Usbtin.bitrate_code(500_000).unwrap().code(), 6);
        assert!(AdapterProfile::Lawicel.bitrate_code(83_333).is_err());
    }

    #[test]
    fn open_sequences() {
        let s = AdapterProfile::Canable.open_sequence(500_000, true).unwrap();
        assert_eq!(s.last(), Some(&SlcanCommand::Open));
        assert!(s.contains(&SlcanCommand::SilentMode(true)));
        let s = AdapterProfile::Usbtin.open_sequence(250_000, true).unwrap();
        assert_eq!(s.last(), Some(&SlcanCommand::ListenOnly));
        assert!(s.iter().all(|c| AdapterProfile::Usbtin.accepts(c)));
        assert!(!AdapterProfile::Lawicel.accepts(&SlcanCommand::SilentMode(true)));
    }
}
