//! A simulated USB-SLCAN adapter: host bytes in, replies and bus frames out. No I/O.
//!
//! Behaves like the selected [`AdapterProfile`]:
//! - `Sn` only while closed (else BEL); `O`/`L` need a bit rate and a closed channel;
//!   `C` always succeeds (hosts send it blindly at start).
//! - Transmit while closed or listen-only ⇒ BEL; otherwise the frame goes to the bus and the
//!   adapter answers `z`/`Z`, except the CANable, which answers nothing.
//! - Commands the profile does not have (e.g. `M1` on a USBtin, `F` on a CANable) and lines that
//!   do not parse (e.g. USBtin's `W`/`G` from a confused host) ⇒ BEL. Empty lines are ignored.
//! - Received bus frames reach the host only while open, with a 0–59 999 ms timestamp after `Z1`.

use std::time::Duration;

use super::adapter::AdapterProfile;
use super::frame::CanFrame;
use super::slcan::{AdapterReply, BitrateCode, SlcanCommand, StatusFlags};
use super::slcan_stream::{CommandDecoder, HostLine, StreamStats};

/// Channel state of the adapter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelState {
    /// Closed: configuration allowed, no traffic.
    Closed,
    /// Open, normal mode: receives and transmits.
    Open,
    /// Open, listen-only (or CANable silent): receives only.
    ListenOnly,
}

/// The simulated adapter.
#[derive(Debug)]
pub struct SimAdapter {
    profile: AdapterProfile,
    decoder: CommandDecoder,
    state: ChannelState,
    bitrate: Option<BitrateCode>,
    silent: bool,
    timestamps: bool,
    status: StatusFlags,
    refused: u64,
}

impl SimAdapter {
    /// A closed adapter of this profile.
    pub fn new(profile: AdapterProfile) -> Self {
        Self {
            profile,
            decoder: CommandDecoder::new(),
            state: ChannelState::Closed,
            bitrate: None,
            silent: false,
            timestamps: false,
            status: StatusFlags::default(),
            refused: 0,
        }
    }

    /// Channel state.
    pub fn state(&self) -> ChannelState {
        self.state
    }

    /// The configured bus bit rate in bit/s, if any.
    pub fn bitrate_bps(&self) -> Option<u32> {
        self.bitrate.map(|c| self.profile.bitrate_of(c))
    }

    /// Decoder counters for the host's lines.
    pub fn stats(&self) -> StreamStats {
        self.decoder.stats()
    }

    /// Commands answered with BEL.
    pub fn refused(&self) -> u64 {
        self.refused
    }

    /// Back to power-on state (the USB device was unplugged).
    pub fn reset(&mut self) {
        *self = Self::new(self.profile);
    }

    /// Marks a receive overrun in the status flags (the host read too slowly).
    pub fn note_overrun(&mut self) {
        self.status.0 |= 0x08;
    }

    /// Handles bytes from the host: replies are appended to `reply`, frames to put on the bus
    /// are passed to `to_bus`.
    pub fn on_host_bytes(&mut self, bytes: &[u8], reply: &mut Vec<u8>, mut to_bus: impl FnMut(CanFrame)) {
        let mut lines = Vec::new();
        self.decoder.push(bytes, |l| lines.push(l));
        for line in lines {
            let r = match line {
                HostLine::Empty => continue,
                HostLine::Invalid(_) => AdapterReply::Nack,
                HostLine::Command(c) if !self.profile.accepts(&c) => AdapterReply::Nack,
                HostLine::Command(c) => self.command(c, &mut to_bus),
            };
            if r == AdapterReply::Nack {
                self.refused += 1;
            }
            if let AdapterReply::TxAck { .. } = r {
                if !self.profile.acks_transmit() {
                    continue;
                }
            }
            r.encode(reply);
        }
    }

    fn command(&mut self, c: SlcanCommand, to_bus: &mut impl FnMut(CanFrame)) -> AdapterReply {
        let closed = self.state == ChannelState::Closed;
        match c {
            SlcanCommand::SetBitrate(code) if closed => {
                self.bitrate = Some(code);
                AdapterReply::Ok
            }
            SlcanCommand::Open | SlcanCommand::ListenOnly if closed && self.bitrate.is_some() => {
                let listen = c == SlcanCommand::ListenOnly || self.silent;
                self.state = if listen {
                    ChannelState::ListenOnly
                } else {
                    ChannelState::Open
                };
                AdapterReply::Ok
            }
            SlcanCommand::Close => {
                self.state = ChannelState::Closed;
                AdapterReply::Ok
            }
            SlcanCommand::Transmit(f) if self.state == ChannelState::Open => {
                to_bus(f);
                AdapterReply::TxAck {
                    extended: f.is_extended(),
                }
            }
            SlcanCommand::ReadStatus => {
                let s = std::mem::take(&mut self.status);
                AdapterReply::Status(s)
            }
            SlcanCommand::Version => match self.profile {
                AdapterProfile::Canable => AdapterReply::VersionText("demine-sim canable".into()),
                _ => AdapterReply::Version {
                    hardware: 0x10,
                    software: 0x13,
                },
            },
            SlcanCommand::SerialNumber => AdapterReply::SerialNumber("SIM0".into()),
            SlcanCommand::Timestamps(on) if closed => {
                self.timestamps = on;
                AdapterReply::Ok
            }
            SlcanCommand::SilentMode(on) if closed => {
                self.silent = on;
                AdapterReply::Ok
            }
            SlcanCommand::AutoRetransmit(_) if closed => AdapterReply::Ok,
            _ => AdapterReply::Nack,
        }
    }

    /// Passes a frame seen on the bus to the host (if the channel is open), appending its line.
    ///
    /// # Units
    /// `now` is time since the adapter's power-on; the timestamp is its milliseconds mod 60 000.
    pub fn frame_to_host(&self, frame: &CanFrame, now: Duration, out: &mut Vec<u8>) {
        if self.state == ChannelState::Closed {
            return;
        }
        let timestamp_ms = self.timestamps.then_some((now.as_millis() % 60_000) as u16);
        AdapterReply::Frame {
            frame: *frame,
            timestamp_ms,
        }
        .encode(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(a: &mut SimAdapter, input: &[u8]) -> (Vec<u8>, Vec<CanFrame>) {
        let (mut out, mut bus) = (Vec::new(), Vec::new());
        a.on_host_bytes(input, &mut out, |f| bus.push(f));
        (out, bus)
    }

    #[test]
    fn lawicel_session() {
        let mut a = SimAdapter::new(AdapterProfile::Lawicel);
        assert_eq!(run(&mut a, b"O\r").0, b"\x07", "no bit rate yet");
        assert_eq!(run(&mut a, b"C\rS6\rO\rS4\r").0, b"\r\r\r\x07", "S refused while open");
        let (out, bus) = run(&mut a, b"T0CFF102A401020304\rW2a00\r");
        assert_eq!(out, b"Z\r\x07");
        assert_eq!(bus.len(), 1);
        assert_eq!(a.bitrate_bps(), Some(500_000));
        let mut host = Vec::new();
        a.frame_to_host(&bus[0], Duration::from_millis(61_234), &mut host);
        assert_eq!(host, b"T0CFF102A401020304\r");
    }

    #[test]
    fn canable_quirks() {
        let mut a = SimAdapter::new(AdapterProfile::Canable);
        assert_eq!(run(&mut a, b"C\rS7\rM1\rO\r").0, b"\r\r\r\r");
        assert_eq!(a.bitrate_bps(), Some(750_000));
        assert_eq!(a.state(), ChannelState::ListenOnly);
        assert_eq!(run(&mut a, b"C\rM0\rO\rt1230\rF\r").0, b"\r\r\r\x07", "no tx ack, no F");
    }

    #[test]
    fn timestamps_and_listen_only() {
        let mut a = SimAdapter::new(AdapterProfile::Usbtin);
        assert_eq!(run(&mut a, b"S5\rZ1\rL\rt1230\r").0, b"\r\r\r\x07");
        let mut host = Vec::new();
        a.frame_to_host(
            &CanFrame::standard(0x10, &[0xAA]).unwrap(),
            Duration::from_millis(61_234),
            &mut host,
        );
        assert_eq!(host, b"t0101AA04D2\r");
    }
}
