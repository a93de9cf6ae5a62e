//! SLCAN replies: every line an adapter sends to the host, encoded and parsed one at a time.
//!
//! ```text
//! CR            success                     BEL          error
//! z / Z         frame queued (11 / 29-bit)  t/T/r/R…     received frame (see crate::can::slcan)
//! Fxx           status flags (hex byte)     Vhhss        hardware and software version
//! Nxxxx         serial number               e<n><kinds>  bus errors, e.g. e1a = one ACK error
//! s<st><rx><tx> controller state and error counters, e.g. sa057033 = active, rx 57, tx 33
//! ```

use super::frame::CanFrame;
use super::slcan::{encode_frame, malformed, parse_frame, parse_hex, push_hex, SlcanError};

/// Error frame kinds (`e` lines), as the Linux slcan driver writes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BusErrorKind {
    /// `a`: no acknowledgement.
    Ack,
    /// `b`: bit 0 error.
    Bit0,
    /// `B`: bit 1 error.
    Bit1,
    /// `c`: CRC error.
    Crc,
    /// `f`: form error.
    Form,
    /// `o`: receive overrun.
    RxOverrun,
    /// `O`: transmit overrun.
    TxOverrun,
    /// `s`: stuff error.
    Stuff,
    /// Any other letter.
    Other(u8),
}

/// Controller state of a state frame (`s` lines).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BusState {
    /// `a`: error active.
    Active,
    /// `w`: error warning.
    Warning,
    /// `p`: error passive.
    Passive,
    /// `b`: bus off.
    BusOff,
    /// Any other letter.
    Other(u8),
}

/// Status flags of the `F` reply (one byte, two hex digits).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct StatusFlags(pub u8);

impl StatusFlags {
    /// Bit 0: receive FIFO full.
    pub fn rx_fifo_full(self) -> bool {
        self.0 & 0x01 != 0
    }
    /// Bit 1: transmit FIFO full.
    pub fn tx_fifo_full(self) -> bool {
        self.0 & 0x02 != 0
    }
    /// Bit 2: error warning.
    pub fn error_warning(self) -> bool {
        self.0 & 0x04 != 0
    }
    /// Bit 3: data overrun.
    pub fn data_overrun(self) -> bool {
        self.0 & 0x08 != 0
    }
    /// Bit 5: error passive.
    pub fn error_passive(self) -> bool {
        self.0 & 0x20 != 0
    }
    /// Bit 6: arbitration lost.
    pub fn arbitration_lost(self) -> bool {
        self.0 & 0x40 != 0
    }
    /// Bit 7: bus error.
    pub fn bus_error(self) -> bool {
        self.0 & 0x80 != 0
    }
}

/// One line from adapter to host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AdapterReply {
    /// Empty line (CR): the last command succeeded.
    Ok,
    /// BEL: the last command failed.
    Nack,
    /// `z` / `Z`: a standard / extended frame was queued for transmission.
    TxAck {
        /// True for `Z`.
        extended: bool,
    },
    /// A received frame, with the adapter's millisecond timestamp when enabled.
    Frame {
        /// The frame.
        frame: CanFrame,
        /// Adapter time in ms, 0–59 999, if timestamps are on.
        timestamp_ms: Option<u16>,
    },
    /// `Fxx`: status flags.
    Status(StatusFlags),
    /// `Vhhss`: hardware and software version.
    Version {
        /// Hardware version byte.
        hardware: u8,
        /// Software version byte.
        software: u8,
    },
    /// A version reply in another format (CANable answers with a git string).
    VersionText(String),
    /// `N...`: serial number, as sent.
    SerialNumber(String),
    /// `e<n>...`: bus errors seen by the controller.
    BusError(Vec<BusErrorKind>),
    /// `s<state><rx><tx>`: controller state and error counters.
    State {
        /// The state.
        state: BusState,
        /// Receive error counter.
        rx_errors: u16,
        /// Transmit error counter.
        tx_errors: u16,
    },
}

fn parse_dec(digits: &[u8]) -> Option<u16> {
    if digits.is_empty() || digits.len() > 4 {
        return None;
    }
    digits.iter().try_fold(0u16, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u16::from(c - b'0'))
    })
}

impl BusErrorKind {
    fn letter(self) -> u8 {
        match self {
            Self::Ack => b'a',
            Self::Bit0 => b'b',
            Self::Bit1 => b'B',
            Self::Crc => b'c',
            Self::Form => b'f',
            Self::RxOverrun => b'o',
            Self::TxOverrun => b'O',
            Self::Stuff => b's',
            Self::Other(c) => c,
        }
    }
    fn from_letter(c: u8) -> Self {
        match c {
            b'a' => Self::Ack,
            b'b' => Self::Bit0,
            b'B' => Self::Bit1,
            b'c' => Self::Crc,
            b'f' => Self::Form,
            b'o' => Self::RxOverrun,
            b'O' => Self::TxOverrun,
            b's' => Self::Stuff,
            c => Self::Other(c),
        }
    }
}

impl BusState {
    fn letter(self) -> u8 {
        match self {
            Self::Active => b'a',
            Self::Warning => b'w',
            Self::Passive => b'p',
            Self::BusOff => b'b',
            Self::Other(c) => c,
        }
    }
    fn from_letter(c: u8) -> Self {
        match c {
            b'a' => Self::Active,
            b'w' => Self::Warning,
            b'p' => Self::Passive,
            b'b' => Self::BusOff,
            c => Self::Other(c),
        }
    }
}

impl AdapterReply {
    /// Appends the reply with its terminator (CR, or BEL for [`AdapterReply::Nack`]).
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Self::Ok => {}
            Self::Nack => {
                out.push(0x07);
                return;
            }
            Self::TxAck { extended } => out.push(if *extended { b'Z' } else { b'z' }),
            Self::Frame { frame, timestamp_ms } => encode_frame(frame, *timestamp_ms, out),
            Self::Status(s) => {
                out.push(b'F');
                push_hex(out, u32::from(s.0), 2);
            }
            Self::Version { hardware, software } => {
                out.push(b'V');
                push_hex(out, u32::from(*hardware), 2);
                push_hex(out, u32::from(*software), 2);
            }
            Self::VersionText(s) => {
                out.push(b'V');
                out.extend(s.bytes().filter(|b| !matches!(b, b'\r' | 0x07)));
            }
            Self::SerialNumber(s) => {
                out.push(b'N');
                out.extend(s.bytes().filter(|b| !matches!(b, b'\r' | 0x07)));
            }
            Self::BusError(kinds) => {
                let kinds = &kinds[..kinds.len().min(9)];
                out.push(b'e');
                out.push(b'0' + kinds.len() as u8);
                out.extend(kinds.iter().map(|k| k.letter()));
            }
            Self::State {
                state,
                rx_errors,
                tx_errors,
            } => {
                out.push(b's');
                out.push(state.letter());
                out.extend_from_slice(format!("{:03}{:03}", rx_errors.min(&999), tx_errors.min(&999)).as_bytes());
            }
        }
        out.push(b'\r');
    }

    /// Parses one CR-terminated line (without the CR) from the adapter.
    pub fn parse(line: &[u8]) -> Result<Self, SlcanError> {
        match line.first() {
            None => Ok(Self::Ok),
            Some(b't' | b'T' | b'r' | b'R') if line.len() > 1 => {
                parse_frame(line, true).map(|(frame, timestamp_ms)| Self::Frame { frame, timestamp_ms })
            }
            Some(b'z') if line.len() == 1 => Ok(Self::TxAck { extended: false }),
            Some(b'Z') if line.len() == 1 => Ok(Self::TxAck { extended: true }),
            Some(b'F') => match line {
                [_, a, b] => Ok(Self::Status(StatusFlags(
                    parse_hex(&[*a, *b]).ok_or_else(|| malformed(line))? as u8,
                ))),
                _ => Err(malformed(line)),
            },
            Some(b'V') => match line {
                [_, rest @ ..] if rest.len() == 4 && parse_hex(rest).is_some() => Ok(Self::Version {
                    hardware: parse_hex(&rest[..2]).unwrap_or(0) as u8,
                    software: parse_hex(&rest[2..]).unwrap_or(0) as u8,
                }),
                [_, rest @ ..] if !rest.is_empty() && rest.iter().all(|c| c.is_ascii_graphic() || *c == b' ') => {
                    Ok(Self::VersionText(String::from_utf8_lossy(rest).into_owned()))
                }
                _ => Err(malformed(line)),
            },
            Some(b'N') => match line {
                [_, rest @ ..] if !rest.is_empty() && rest.iter().all(|c| c.is_ascii_alphanumeric()) => {
                    Ok(Self::SerialNumber(String::from_utf8_lossy(rest).into_owned()))
                }
                _ => Err(malformed(line)),
            },
            Some(b'e') => {
                let n = line
                    .get(1)
                    .filter(|c| c.is_ascii_digit())
                    .ok_or_else(|| malformed(line))?;
                let kinds = &line[2..];
                if kinds.len() != usize::from(n - b'0') || !kinds.iter().all(u8::is_ascii_alphabetic) {
                    return Err(malformed(line));
                }
                Ok(Self::BusError(
                    kinds.iter().map(|&c| BusErrorKind::from_letter(c)).collect(),
                ))
            }
            Some(b's') if line.len() == 8 && line[1].is_ascii_alphabetic() => Ok(Self::State {
                state: BusState::from_letter(line[1]),
                rx_errors: parse_dec(&line[2..5]).ok_or_else(|| malformed(line))?,
                tx_errors: parse_dec(&line[5..8]).ok_or_else(|| malformed(line))?,
            }),
            Some(_) => Err(SlcanError::Unknown(String::from_utf8_lossy(line).into_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_round_trip() {
        let f = CanFrame::extended(0x18FF_2010, &[0xDE, 0xAD]).unwrap();
        for r in [
            AdapterReply::TxAck { extended: true },
            AdapterReply::Frame {
                frame: f,
                timestamp_ms: Some(0xEA5F),
            },
            AdapterReply::Frame {
                frame: f,
                timestamp_ms: None,
            },
            AdapterReply::Status(StatusFlags(0xA5)),
            AdapterReply::Version {
                hardware: 0x10,
                software: 0x13,
            },
            AdapterReply::VersionText("canable-fw 1a2b3c".into()),
            AdapterReply::SerialNumber("A7C1".into()),
            AdapterReply::BusError(vec![BusErrorKind::Ack, BusErrorKind::Stuff]),
            AdapterReply::State {
                state: BusState::Passive,
                rx_errors: 57,
                tx_errors: 133,
            },
        ] {
            let mut v = Vec::new();
            r.encode(&mut v);
            assert_eq!(v.last(), Some(&b'\r'));
            assert_eq!(AdapterReply::parse(&v[..v.len() - 1]), Ok(r));
        }
        assert_eq!(
            AdapterReply::parse(b"sa057033").unwrap(),
            AdapterReply::State {
                state: BusState::Active,
                rx_errors: 57,
                tx_errors: 33
            }
        );
        assert_eq!(
            AdapterReply::parse(b"e1a").unwrap(),
            AdapterReply::BusError(vec![BusErrorKind::Ack])
        );
    }
}
