//! A simulated CAN bus: arbitration by identifier, frame times at the bit rate, optional
//! filler traffic up to a target load. Plain type, time passed in.
//!
//! Pending frames wait in a queue; whenever the bus is idle the frame with the lowest
//! identifier (CAN arbitration: lower wins; 11-bit before 29-bit of the same base) goes next
//! and occupies the bus for [`CanFrame::wire_bits`] / bit rate. Filler frames (identifier
//! 0x1CFFAA99, priority 7, 8 bytes) are added to keep the offered load at `load` of capacity;
//! at `load = 1.0` the bus is saturated and every other frame has to win arbitration.

use std::collections::BTreeMap;
use std::time::Duration;

use super::frame::CanFrame;

/// Who put a frame on the bus.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The host, through the adapter.
    Host,
    /// The vehicle ECU.
    Ecu,
    /// Background traffic of other nodes.
    Filler,
}

/// Identifier of the filler traffic.
pub const FILLER_ID: u32 = 0x1CFF_AA99;

/// The bus.
#[derive(Debug)]
pub struct SimBus {
    bitrate_bps: u32,
    load: f64,
    busy_until: Duration,
    last: Option<Duration>,
    filler_credit_bits: f64,
    seq: u64,
    queue: BTreeMap<(u32, u64), (Origin, CanFrame)>,
}

fn arbitration_key(f: &CanFrame) -> u32 {
    // Compare as on the wire: the 11 base bits first, then standard before extended.
    if f.is_extended() {
        ((f.raw_id() >> 18) << 19) | (1 << 18) | (f.raw_id() & 0x3_FFFF)
    } else {
        f.raw_id() << 19
    }
}

impl SimBus {
    /// A bus at `bitrate_bps` with filler traffic at `load` (0–1) of its capacity.
    pub fn new(bitrate_bps: u32, load: f64) -> Self {
        Self {
            bitrate_bps: bitrate_bps.max(1),
            load: load.clamp(0.0, 1.0),
            busy_until: Duration::ZERO,
            last: None,
            filler_credit_bits: 0.0,
            seq: 0,
            queue: BTreeMap::new(),
        }
    }

    /// Changes the bit rate (the adapter was reconfigured).
    pub fn set_bitrate(&mut self, bitrate_bps: u32) {
        self.bitrate_bps = bitrate_bps.max(1);
    }

    /// Queues a frame for transmission.
    pub fn enqueue(&mut self, origin: Origin, frame: CanFrame) {
        self.seq += 1;
        self.queue.insert((arbitration_key(&frame), self.seq), (origin, frame));
    }

    /// Frames waiting.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    /// Runs the bus up to `now`, calling `deliver` for each frame in the order it was sent.
    pub fn advance(&mut self, now: Duration, mut deliver: impl FnMut(Origin, &CanFrame)) {
        let dt = self.last.map_or(Duration::ZERO, |l| now.saturating_sub(l));
        self.last = Some(now);
        let filler = CanFrame::extended(FILLER_ID, &[0x55; 8]).expect("valid id");
        if self.load > 0.0 {
            self.filler_credit_bits += self.load * f64::from(self.bitrate_bps) * dt.as_secs_f64();
            let bits = f64::from(filler.wire_bits());
            while self.filler_credit_bits >= bits {
                self.filler_credit_bits -= bits;
                if self.queue.len() < 8 {
                    self.enqueue(Origin::Filler, filler);
                }
            }
        }
        if self.busy_until < now.saturating_sub(Duration::from_millis(5)) {
            self.busy_until = now.saturating_sub(Duration::from_millis(5));
        }
        while self.busy_until <= now {
            let Some((_, (origin, frame))) = self.queue.pop_first() else {
                break;
            };
            self.busy_until += Duration::from_secs_f64(f64::from(frame.wire_bits()) / f64::from(self.bitrate_bps));
            deliver(origin, &frame);
        }
        if self.queue.is_empty() && self.busy_until < now {
            self.busy_until = now;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_id_wins_and_load_is_bounded() {
        let mut bus = SimBus::new(500_000, 1.0);
        let mut sent = Vec::new();
        for ms in 0..=1000u64 {
            if ms == 500 {
                bus.enqueue(Origin::Host, CanFrame::extended(0x0CFF_102A, &[0; 4]).unwrap());
            }
            bus.advance(Duration::from_millis(ms), |o, f| sent.push((ms, o, f.raw_id())));
        }
        let fillers = sent.iter().filter(|s| s.1 == Origin::Filler).count();
        assert!(
            (3000..=4000).contains(&fillers),
            "about 3 800 8-byte frames/s at 500 kbit/s: {fillers}"
        );
        let host = sent.iter().find(|s| s.1 == Origin::Host).unwrap();
        assert_eq!(host.0, 500, "won arbitration in the same millisecond");
        assert!(arbitration_key(&CanFrame::standard(0x7FF, &[]).unwrap()) > arbitration_key(&filler_lo()));
    }

    fn filler_lo() -> CanFrame {
        CanFrame::extended(0x0000_0001, &[]).unwrap()
    }
}
