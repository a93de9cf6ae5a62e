//! Incremental SLCAN decoding over an arbitrary byte stream.
//!
//! Bytes arrive in any chunking; [`LineFramer`] cuts them into lines and [`SlcanDecoder`] turns
//! the lines into [`AdapterReply`] values. Plain types, no I/O.
//!
//! # Resynchronisation
//! A line ends at CR (0x0D) or BEL (0x07). Whatever cannot be parsed is counted in
//! [`StreamStats`] and dropped **up to and including the next CR or BEL**; decoding resumes with
//! the byte after it. So garbage costs at most the line it sits in, and a valid frame line that
//! follows a terminator is always recovered. LF (0x0A) is ignored everywhere (some terminals add
//! it). A line longer than [`MAX_LINE_LEN`] bytes is dropped whole and counted once as over-long;
//! memory use stays bounded whatever the input.
//!
//! A bare BEL is the adapter's error reply ([`AdapterReply::Nack`]). A non-empty line ended by
//! BEL is parsed like one ended by CR, as the Linux driver does.

use super::slcan::{AdapterReply, SlcanCommand, SlcanError};

/// Longest line accepted, terminator excluded. The longest frame line is 30 bytes
/// (`T` + 8 id + DLC + 16 data + 4 timestamp); version strings from CANable firmware are longer.
pub const MAX_LINE_LEN: usize = 64;

/// Counters kept by a decoder.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StreamStats {
    /// Lines decoded successfully.
    pub lines: u64,
    /// Lines that did not parse (skipped).
    pub malformed: u64,
    /// Lines longer than [`MAX_LINE_LEN`] (skipped).
    pub overlong: u64,
}

/// How a line ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Terminator {
    /// CR, 0x0D.
    Cr,
    /// BEL, 0x07.
    Bel,
}

/// Cuts a byte stream into bounded lines.
#[derive(Debug, Default)]
pub struct LineFramer {
    buf: Vec<u8>,
    overlong: bool,
    overlong_count: u64,
}

impl LineFramer {
    /// An empty framer.
    pub fn new() -> Self {
        Self {
            buf: Vec::with_capacity(MAX_LINE_LEN),
            overlong: false,
            overlong_count: 0,
        }
    }

    /// Feeds bytes; calls `sink(line, terminator)` for every complete line that is not over-long.
    pub fn push(&mut self, bytes: &[u8], mut sink: impl FnMut(&[u8], Terminator)) {
        for &b in bytes {
            let term = match b {
                b'\r' => Terminator::Cr,
                0x07 => Terminator::Bel,
                b'\n' => continue,
                _ => {
                    if self.buf.len() >= MAX_LINE_LEN {
                        if !self.overlong {
                            self.overlong = true;
                            self.overlong_count += 1;
                        }
                        self.buf.clear();
                    }
                    if !self.overlong {
                        self.buf.push(b);
                    }
                    continue;
                }
            };
            if self.overlong {
                self.overlong = false;
            } else {
                sink(&self.buf, term);
            }
            self.buf.clear();
        }
    }

    /// Lines dropped as over-long so far.
    pub fn overlong(&self) -> u64 {
        self.overlong_count
    }

    /// Bytes of the unfinished line held so far.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }
}

/// Host-side decoder of adapter output.
#[derive(Debug, Default)]
pub struct SlcanDecoder {
    framer: LineFramer,
    lines: u64,
    malformed: u64,
    last_error: Option<SlcanError>,
}

impl SlcanDecoder {
    /// A fresh decoder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds bytes; calls `sink` for every reply decoded, in order.
    pub fn push(&mut self, bytes: &[u8], mut sink: impl FnMut(AdapterReply)) {
        let (lines, malformed, last_error) = (&mut self.lines, &mut self.malformed, &mut self.last_error);
        self.framer.push(bytes, |line, term| {
            let parsed = match (line.is_empty(), term) {
                (true, Terminator::Bel) => Ok(AdapterReply::Nack),
                _ => AdapterReply::parse(line),
            };
            match parsed {
                Ok(r) => {
                    *lines += 1;
                    sink(r);
                }
                Err(e) => {
                    *malformed += 1;
                    *last_error = Some(e);
                }
            }
        });
    }

    /// Feeds bytes and collects the replies.
    pub fn push_collect(&mut self, bytes: &[u8]) -> Vec<AdapterReply> {
        let mut v = Vec::new();
        self.push(bytes, |r| v.push(r));
        v
    }

    /// The counters.
    pub fn stats(&self) -> StreamStats {
        StreamStats {
            lines: self.lines,
            malformed: self.malformed,
            overlong: self.framer.overlong(),
        }
    }

    /// The last parse error, for diagnostics.
    pub fn last_error(&self) -> Option<&SlcanError> {
        self.last_error.as_ref()
    }
}

/// Adapter-side decoder of host commands (used by the simulated adapter).
#[derive(Debug, Default)]
pub struct CommandDecoder {
    framer: LineFramer,
    lines: u64,
    malformed: u64,
}

/// One decoded host line: a command, or a line the adapter must refuse with BEL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostLine {
    /// A well-formed command.
    Command(SlcanCommand),
    /// An empty line (hosts send a few CRs to flush the adapter's buffer).
    Empty,
    /// A line that did not parse.
    Invalid(SlcanError),
}

impl CommandDecoder {
    /// A fresh decoder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds bytes; calls `sink` for every line.
    pub fn push(&mut self, bytes: &[u8], mut sink: impl FnMut(HostLine)) {
        let (lines, malformed) = (&mut self.lines, &mut self.malformed);
        self.framer.push(bytes, |line, _| {
            *lines += 1;
            if line.is_empty() {
                return sink(HostLine::Empty);
            }
            match SlcanCommand::parse(line) {
                Ok(c) => sink(HostLine::Command(c)),
                Err(e) => {
                    *malformed += 1;
                    sink(HostLine::Invalid(e))
                }
            }
        });
    }

    /// The counters.
    pub fn stats(&self) -> StreamStats {
        StreamStats {
            lines: self.lines,
            malformed: self.malformed,
            overlong: self.framer.overlong(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::can::frame::CanFrame;

    #[test]
    fn chunking_does_not_matter() {
        let stream = b"\rz\rT0CFF2510400112233\rF00\r\x07V1013\r";
        let whole = SlcanDecoder::new().push_collect(stream);
        assert_eq!(whole.len(), 6);
        let mut d = SlcanDecoder::new();
        let mut bytewise = Vec::new();
        for b in stream {
            bytewise.extend(d.push_collect(std::slice::from_ref(b)));
        }
        assert_eq!(whole, bytewise);
        assert_eq!(
            whole[5],
            AdapterReply::Version {
                hardware: 0x10,
                software: 0x13
            }
        );
    }

    #[test]
    fn garbage_is_counted_and_skipped_up_to_the_next_terminator() {
        let mut d = SlcanDecoder::new();
        let out = d.push_collect(b"\x00\xffjunk t12\rt1230\r");
        let f = CanFrame::standard(0x123, &[]).unwrap();
        assert_eq!(
            out,
            vec![AdapterReply::Frame {
                frame: f,
                timestamp_ms: None
            }]
        );
        assert_eq!(d.stats().malformed, 1);
    }

    #[test]
    fn overlong_line_is_dropped_and_counted_once() {
        let mut d = SlcanDecoder::new();
        let mut input = vec![b'T'; 10_000];
        input.extend_from_slice(b"\rt1230\r");
        let out = d.push_collect(&input);
        assert_eq!(out.len(), 1);
        assert_eq!(
            d.stats(),
            StreamStats {
                lines: 1,
                malformed: 0,
                overlong: 1
            }
        );
    }

    #[test]
    fn command_decoder_sees_invalid_and_empty_lines() {
        let mut d = CommandDecoder::new();
        let mut got = Vec::new();
        d.push(b"\r\rS6\rO\rG21\r", |l| got.push(l));
        assert_eq!(got.len(), 5);
        assert_eq!(got[0], HostLine::Empty);
        assert!(matches!(got[4], HostLine::Invalid(SlcanError::Unknown(_))));
    }
}
