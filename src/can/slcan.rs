//! SLCAN (Lawicel ASCII) messages in both directions: host commands and adapter replies.
//!
//! Plain types with no I/O. Every line ends in CR (0x0D); an adapter answers CR for success and
//! BEL (0x07) for an error. Incremental decoding of a byte stream lives in
//! [`crate::can::slcan_stream`]; this module encodes and parses one line at a time (host commands
//! here, adapter replies in `slcan_reply`, re-exported here).
//!
//! Frame lines (both directions; hex digits upper case when encoded, either case accepted):
//!
//! ```text
//! t iii L dd..dd [tttt] CR     11-bit data frame: 3 hex id, DLC digit 0-8, 2 hex per byte
//! T iiiiiiii L dd..dd [tttt]   29-bit data frame: 8 hex id
//! r iii L [tttt]               11-bit remote frame (no data)
//! R iiiiiiii L [tttt]          29-bit remote frame
//!                              tttt: optional adapter timestamp, ms 0000-EA5F (wraps at 60 s),
//!                              only on received frames after `Z1`
//! ```
//!
//! Host → adapter: `Sn` bitrate, `O` open, `L` listen-only, `C` close, `F` status, `V` version,
//! `N` serial number, `Zn` timestamps, and the CANable-only `Mn` (silent) / `An` (retransmit).
//! USBtin's `W`/`G` (MCP2515 register write/read) have no variant, so they cannot be sent.
//!
//! Adapter → host: CR, BEL, `z`/`Z` transmit acknowledgement, frames, `Fxx` status flags,
//! `Vhhss` version, `Nxxxx` serial number, and from newer Linux-style firmware the error frame
//! `e<n><kinds>` (e.g. `e1a`: one ACK error) and state frame `s<state><rx:3><tx:3>`
//! (e.g. `sa057033`: error-active, rx counter 57, tx counter 33).

use super::frame::{CanFrame, ExtendedId, Id, StandardId};
pub use super::slcan_reply::{AdapterReply, BusErrorKind, BusState, StatusFlags};

/// Bitrate code of the `Sn` command, 0–8. What bit rate a code selects depends on the adapter
/// (see [`crate::can::adapter::AdapterProfile`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BitrateCode(u8);

impl BitrateCode {
    /// `None` unless `code <= 8`.
    pub fn new(code: u8) -> Option<Self> {
        (code <= 8).then_some(Self(code))
    }
    /// The digit after `S`.
    pub fn code(self) -> u8 {
        self.0
    }
}

/// A command from host to adapter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlcanCommand {
    /// `Sn`: select a standard bit rate (only while the channel is closed).
    SetBitrate(BitrateCode),
    /// `O`: open the channel in normal mode.
    Open,
    /// `L`: open the channel listen-only (no ACKs, no transmission).
    ListenOnly,
    /// `C`: close the channel.
    Close,
    /// `t`/`T`/`r`/`R`: transmit a frame.
    Transmit(CanFrame),
    /// `F`: read (and clear) the status flags.
    ReadStatus,
    /// `V`: read the hardware and software version.
    Version,
    /// `N`: read the serial number.
    SerialNumber,
    /// `Z0`/`Z1`: received frames without / with a millisecond timestamp.
    Timestamps(bool),
    /// `M0`/`M1` (CANable only): normal / silent mode. Clashes with Lawicel's `M` acceptance code.
    SilentMode(bool),
    /// `A0`/`A1` (CANable only): automatic retransmission off / on.
    AutoRetransmit(bool),
}

/// Why a line did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlcanError {
    /// The line is empty where something was expected.
    #[error("empty SLCAN line")]
    Empty,
    /// The first character is not a known command or reply.
    #[error("unknown SLCAN line {0:?}")]
    Unknown(String),
    /// A known line with the wrong length, a bad hex digit, a DLC above 8 or a data length that
    /// does not match the DLC.
    #[error("malformed SLCAN line {0:?}")]
    Malformed(String),
}

pub(super) fn malformed(line: &[u8]) -> SlcanError {
    SlcanError::Malformed(String::from_utf8_lossy(line).into_owned())
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'A'..=b'F' => Some(c - b'A' + 10),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

pub(super) fn parse_hex(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || digits.len() > 8 {
        return None;
    }
    digits
        .iter()
        .try_fold(0u32, |acc, &c| Some((acc << 4) | u32::from(hex_val(c)?)))
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

pub(super) fn push_hex(out: &mut Vec<u8>, value: u32, digits: usize) {
    for i in (0..digits).rev() {
        out.push(HEX[((value >> (4 * i)) & 0xF) as usize]);
    }
}

/// Appends a frame line without the terminator (`t…`, `T…`, `r…`, `R…`).
pub fn encode_frame(frame: &CanFrame, timestamp_ms: Option<u16>, out: &mut Vec<u8>) {
    let (letter, digits) = match (frame.is_extended(), frame.is_remote()) {
        (false, false) => (b't', 3),
        (true, false) => (b'T', 8),
        (false, true) => (b'r', 3),
        (true, true) => (b'R', 8),
    };
    out.push(letter);
    push_hex(out, frame.raw_id(), digits);
    out.push(b'0' + frame.dlc() as u8);
    for &b in frame.data() {
        push_hex(out, u32::from(b), 2);
    }
    if let Some(t) = timestamp_ms {
        push_hex(out, u32::from(t), 4);
    }
}

/// Parses a frame line (without its terminator). A trailing 4-digit timestamp is accepted when
/// `allow_timestamp` is set.
pub fn parse_frame(line: &[u8], allow_timestamp: bool) -> Result<(CanFrame, Option<u16>), SlcanError> {
    let (extended, remote) = match line.first() {
        Some(b't') => (false, false),
        Some(b'T') => (true, false),
        Some(b'r') => (false, true),
        Some(b'R') => (true, true),
        _ => return Err(malformed(line)),
    };
    let id_len = if extended { 8 } else { 3 };
    if line.len() < 2 + id_len {
        return Err(malformed(line));
    }
    let raw_id = parse_hex(&line[1..1 + id_len]).ok_or_else(|| malformed(line))?;
    let dlc_char = line[1 + id_len];
    if !(b'0'..=b'8').contains(&dlc_char) {
        return Err(malformed(line));
    }
    let dlc = usize::from(dlc_char - b'0');
    let body = &line[2 + id_len..];
    let data_len = if remote { 0 } else { 2 * dlc };
    let timestamp_ms = match body.len() {
        n if n == data_len => None,
        n if allow_timestamp && n == data_len + 4 => {
            let t = parse_hex(&body[data_len..]).ok_or_else(|| malformed(line))?;
            Some(u16::try_from(t).map_err(|_| malformed(line))?)
        }
        _ => return Err(malformed(line)),
    };
    let id: Id = if extended {
        ExtendedId::new(raw_id).ok_or_else(|| malformed(line))?.into()
    } else {
        StandardId::new(raw_id as u16)
            .filter(|_| raw_id <= 0x7FF)
            .ok_or_else(|| malformed(line))?
            .into()
    };
    let frame = if remote {
        CanFrame::remote_frame(id, dlc)
    } else {
        let mut data = [0u8; 8];
        for (i, d) in data.iter_mut().enumerate().take(dlc) {
            *d = parse_hex(&body[2 * i..2 * i + 2]).ok_or_else(|| malformed(line))? as u8;
        }
        CanFrame::data_frame(id, &data[..dlc])
    }
    .ok_or_else(|| malformed(line))?;
    Ok((frame, timestamp_ms))
}

impl SlcanCommand {
    /// Appends the command and its CR terminator.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let flag = |b: bool| if b { b'1' } else { b'0' };
        match self {
            Self::SetBitrate(c) => out.extend_from_slice(&[b'S', b'0' + c.code()]),
            Self::Open => out.push(b'O'),
            Self::ListenOnly => out.push(b'L'),
            Self::Close => out.push(b'C'),
            Self::Transmit(f) => encode_frame(f, None, out),
            Self::ReadStatus => out.push(b'F'),
            Self::Version => out.push(b'V'),
            Self::SerialNumber => out.push(b'N'),
            Self::Timestamps(on) => out.extend_from_slice(&[b'Z', flag(*on)]),
            Self::SilentMode(on) => out.extend_from_slice(&[b'M', flag(*on)]),
            Self::AutoRetransmit(on) => out.extend_from_slice(&[b'A', flag(*on)]),
        }
        out.push(b'\r');
    }

    /// Parses one command line (adapter side; used by the simulated adapter).
    pub fn parse(line: &[u8]) -> Result<Self, SlcanError> {
        let flag = |line: &[u8]| match line {
            [_, b'0'] => Ok(false),
            [_, b'1'] => Ok(true),
            _ => Err(malformed(line)),
        };
        match line.first() {
            None => Err(SlcanError::Empty),
            Some(b't' | b'T' | b'r' | b'R') => parse_frame(line, false).map(|(f, _)| Self::Transmit(f)),
            Some(b'S') => match line {
                [_, d @ b'0'..=b'8'] => Ok(Self::SetBitrate(BitrateCode(d - b'0'))),
                _ => Err(malformed(line)),
            },
            Some(b'O') if line.len() == 1 => Ok(Self::Open),
            Some(b'L') if line.len() == 1 => Ok(Self::ListenOnly),
            Some(b'C') if line.len() == 1 => Ok(Self::Close),
            Some(b'F') if line.len() == 1 => Ok(Self::ReadStatus),
            Some(b'V') if line.len() == 1 => Ok(Self::Version),
            Some(b'N') if line.len() == 1 => Ok(Self::SerialNumber),
            Some(b'Z') => flag(line).map(Self::Timestamps),
            Some(b'M') => flag(line).map(Self::SilentMode),
            Some(b'A') => flag(line).map(Self::AutoRetransmit),
            Some(_) => Err(SlcanError::Unknown(String::from_utf8_lossy(line).into_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc_cmd(c: SlcanCommand) -> Vec<u8> {
        let mut v = Vec::new();
        c.encode(&mut v);
        v
    }

    #[test]
    fn command_golden_bytes() {
        let f = CanFrame::extended(0x0CFF_102A, &[0x01, 0xAB]).unwrap();
        assert_eq!(enc_cmd(SlcanCommand::Transmit(f)), b"T0CFF102A201AB\r");
        let s = CanFrame::standard(0x123, &[]).unwrap();
        assert_eq!(enc_cmd(SlcanCommand::Transmit(s)), b"t1230\r");
        let r = CanFrame::remote_frame(StandardId::new(0x7FF).unwrap(), 8).unwrap();
        assert_eq!(enc_cmd(SlcanCommand::Transmit(r)), b"r7FF8\r");
        assert_eq!(enc_cmd(SlcanCommand::SetBitrate(BitrateCode::new(6).unwrap())), b"S6\r");
        assert_eq!(enc_cmd(SlcanCommand::Timestamps(true)), b"Z1\r");
    }

    #[test]
    fn commands_round_trip() {
        let f = CanFrame::extended(0x1FFF_FFFF, &[1, 2, 3, 4, 5, 6, 7, 8]).unwrap();
        for c in [
            SlcanCommand::SetBitrate(BitrateCode::new(8).unwrap()),
            SlcanCommand::Open,
            SlcanCommand::ListenOnly,
            SlcanCommand::Close,
            SlcanCommand::Transmit(f),
            SlcanCommand::ReadStatus,
            SlcanCommand::Version,
            SlcanCommand::SerialNumber,
            SlcanCommand::Timestamps(false),
            SlcanCommand::SilentMode(true),
            SlcanCommand::AutoRetransmit(false),
        ] {
            let bytes = enc_cmd(c);
            assert_eq!(SlcanCommand::parse(&bytes[..bytes.len() - 1]), Ok(c));
        }
        assert!(matches!(SlcanCommand::parse(b"W2a00"), Err(SlcanError::Unknown(_))));
        assert!(matches!(SlcanCommand::parse(b"S9"), Err(SlcanError::Malformed(_))));
    }

    #[test]
    fn wrong_dlc_and_lengths_are_malformed() {
        for bad in [
            &b"t1239"[..],
            b"t1232001",
            b"t123200112",
            b"T0CFF102A1",
            b"t12G0",
            b"T3FFFFFFF0",
            b"t8000",
            b"r12",
        ] {
            assert!(AdapterReply::parse(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        let (f, t) = parse_frame(b"t12320011ea5f", true).unwrap();
        assert_eq!((f.data(), t), (&[0x00u8, 0x11][..], Some(0xEA5F)));
    }
}
