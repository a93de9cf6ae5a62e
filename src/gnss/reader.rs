//! Reads NMEA sentences from any byte stream (`Read`): a log file, a serial port, a pseudo-terminal.
//!
//! Lines are split on `\n`; several `$` in one line (a sentence cut short and followed by the next)
//! are treated as separate candidates. Bytes that are not a usable sentence are counted in
//! [`NmeaStats`] and skipped; nothing here panics on input.

use std::io::{BufRead, ErrorKind};

use crate::gnss::nmea::{parse_sentence, NmeaError, NmeaErrorKind, Sentence};

/// A line longer than this (bytes) is garbage: the rest up to the next newline is discarded.
pub const MAX_LINE_BYTES: usize = 4096;

/// Counters over everything the reader has seen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NmeaStats {
    /// Sentences decoded.
    pub sentences: u64,
    /// Valid sentences of types or talkers not used (GSV, GSA, PUBX, ...).
    pub unsupported: u64,
    /// Sentences with a wrong or malformed checksum.
    pub bad_checksum: u64,
    /// Sentences without a checksum (cut short).
    pub truncated: u64,
    /// Pieces of input that are not sentences (binary, no `$`, over-long lines).
    pub garbage: u64,
    /// Sentences with a good checksum but invalid fields.
    pub malformed: u64,
}

impl NmeaStats {
    /// Count one failed candidate.
    pub fn count(&mut self, e: &NmeaError) {
        match e.kind() {
            NmeaErrorKind::Garbage => self.garbage += 1,
            NmeaErrorKind::Truncated => self.truncated += 1,
            NmeaErrorKind::BadChecksum => self.bad_checksum += 1,
            NmeaErrorKind::Unsupported => self.unsupported += 1,
            NmeaErrorKind::Malformed => self.malformed += 1,
        }
    }

    /// Everything skipped that is not merely an unused sentence type.
    pub fn rejected(&self) -> u64 {
        self.bad_checksum + self.truncated + self.garbage + self.malformed
    }
}

/// Split one line into sentence candidates and decode them, counting failures.
pub fn decode_line(line: &[u8], stats: &mut NmeaStats, out: &mut Vec<Sentence>) {
    let mut starts = line
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'$')
        .map(|(i, _)| i)
        .peekable();
    let first = starts.peek().copied().unwrap_or(line.len());
    if line[..first].iter().any(|b| !b.is_ascii_whitespace()) {
        stats.garbage += 1;
    }
    while let Some(s) = starts.next() {
        let end = starts.peek().copied().unwrap_or(line.len());
        let candidate = &line[s..end];
        let result = match std::str::from_utf8(candidate) {
            Ok(text) => parse_sentence(text),
            Err(_) => Err(NmeaError::NotPrintableAscii),
        };
        match result {
            Ok(sentence) => {
                stats.sentences += 1;
                out.push(sentence);
            }
            Err(e) => stats.count(&e),
        }
    }
}

/// Pulls sentences out of a byte stream.
pub struct NmeaReader<R> {
    inner: R,
    line: Vec<u8>,
    discarding: bool,
    pending: std::collections::VecDeque<Sentence>,
    scratch: Vec<Sentence>,
    stats: NmeaStats,
}

impl<R: BufRead> NmeaReader<R> {
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            line: Vec::with_capacity(128),
            discarding: false,
            pending: std::collections::VecDeque::new(),
            scratch: Vec::new(),
            stats: NmeaStats::default(),
        }
    }

    pub fn stats(&self) -> NmeaStats {
        self.stats
    }

    /// The next decoded sentence; `Ok(None)` at end of stream. A read timeout (serial ports) is
    /// returned as the `io::Error` it is, and the partial line is kept for the next call.
    pub fn next_sentence(&mut self) -> std::io::Result<Option<Sentence>> {
        loop {
            if let Some(s) = self.pending.pop_front() {
                return Ok(Some(s));
            }
            let room = (MAX_LINE_BYTES + 1).saturating_sub(self.line.len()) as u64;
            let read = {
                let mut limited = std::io::Read::take(&mut self.inner, room.max(1));
                limited.read_until(b'\n', &mut self.line)
            };
            match read {
                Ok(0) => {
                    if self.line.is_empty() {
                        return Ok(None);
                    }
                    self.finish_line();
                }
                Ok(_) => {
                    if self.line.last() == Some(&b'\n') {
                        self.finish_line();
                    } else if self.line.len() > MAX_LINE_BYTES {
                        if !self.discarding {
                            self.stats.garbage += 1;
                        }
                        self.discarding = true;
                        self.line.clear();
                    }
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    fn finish_line(&mut self) {
        if self.discarding {
            self.discarding = false;
        } else {
            self.scratch.clear();
            decode_line(&self.line, &mut self.stats, &mut self.scratch);
            self.pending.extend(self.scratch.drain(..));
        }
        self.line.clear();
    }
}

impl<R: BufRead> Iterator for NmeaReader<R> {
    type Item = std::io::Result<Sentence>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_sentence().transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_skips_bad_input() {
        let good = "$GNGGA,092725.00,4717.11399,N,00833.91590,E,1,08,1.01,499.6,M,48.0,M,,*45";
        let mut input = Vec::new();
        input.extend_from_slice(format!("{good}\r\n").as_bytes());
        input.extend_from_slice(b"\xff\xfe binary junk\n");
        input.extend_from_slice(
            b"$GNGGA,092725.00,4717.1$GNGGA,092725.00,4717.11399,N,00833.91590,E,1,08,1.01,499.6,M,48.0,M,,*45\n",
        );
        input.extend_from_slice(b"$GNGGA,092725.00,4717.11399,N,00833.91590,E,1,08,1.01,499.6,M,48.0,M,,*46\n");
        input.extend(std::iter::repeat_n(b'x', 10_000));
        input.extend_from_slice(format!("\n{good}").as_bytes());
        let mut r = NmeaReader::new(&input[..]);
        let n = r.by_ref().filter(|s| s.is_ok()).count();
        assert_eq!(n, 3);
        let st = r.stats();
        assert_eq!(st.sentences, 3);
        assert_eq!(st.truncated, 1);
        assert_eq!(st.bad_checksum, 1);
        assert_eq!(st.garbage, 2);
    }
}
