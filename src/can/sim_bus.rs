//! A simulated CAN bus: arbitration by identifier, frame times at the bit rate, optional
//! filler traffic up to a target load. Plain type, time passed in.
//!
//! Frames wait in a queue from the time they are ready; whenever the bus is free the ready frame
//! with the lowest identifier (CAN arbitration: lower wins; 11-bit before 29-bit of the same base)
//! goes next and occupies the bus for [`CanFrame::wire_bits`] / bit rate; receivers have it when
//! its last bit is sent. Filler frames (identifier
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
    queue: BTreeMap<(u32, u64), (Origin, CanFrame, Duration)>,
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

    /// Queues a frame that became ready for transmission at `at`.
    pub fn enqueue(&mut self, origin: Origin, frame: CanFrame, at: Duration) {
        self.seq += 1;
        self.queue
            .insert((arbitration_key(&frame), self.seq), (origin, frame, at));
    }

    /// Frames waiting.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    /// Runs the bus up to `now`, calling `deliver(origin, frame, end)` for each frame in the
    /// order it was sent; `end` is when its last bit is on the bus (receivers have it then).
    pub fn advance(&mut self, now: Duration, mut deliver: impl FnMut(Origin, &CanFrame, Duration)) {
        let dt = self.last.map_or(Duration::ZERO, |l| now.saturating_sub(l));
        self.last = Some(now);
        let filler = CanFrame::extended(FILLER_ID, &[0x55; 8]).expect("valid id");
        if self.load > 0.0 {
            self.filler_credit_bits += self.load * f64::from(self.bitrate_bps) * dt.as_secs_f64();
            let bits = f64::from(filler.wire_bits());
            while self.filler_credit_bits >= bits {
                self.filler_credit_bits -= bits;
                if self.queue.len() < 8 {
                    self.enqueue(Origin::Filler, filler, now);
                }
            }
        }
        // The next slot starts when the bus is free and some frame is ready; among the ready
        // frames the lowest identifier wins arbitration.
        while let Some(first_ready) = self.queue.values().map(|e| e.2).min() {
            let start = self.busy_until.max(first_ready);
            if start > now {
                break;
            }
            let key = *self
                .queue
                .iter()
                .find(|(_, e)| e.2 <= start)
                .map(|(k, _)| k)
                .expect("a frame is ready at start");
            let (origin, frame, _) = self.queue.remove(&key).expect("key just found");
            self.busy_until =
                start + Duration::from_secs_f64(f64::from(frame.wire_bits()) / f64::from(self.bitrate_bps));
            deliver(origin, &frame, self.busy_until);
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
                bus.enqueue(
                    Origin::Host,
                    CanFrame::extended(0x0CFF_102A, &[0; 4]).unwrap(),
                    Duration::from_millis(ms),
                );
            }
            bus.advance(Duration::from_millis(ms), |o, f, end| {
                sent.push((ms, o, f.raw_id(), end))
            });
        }
        let fillers = sent.iter().filter(|s| s.1 == Origin::Filler).count();
        assert!(
            (3000..=3200).contains(&fillers),
            "500 kbit/s / 159 bits ≈ 3 144 frames/s: {fillers}"
        );
        let host = sent.iter().find(|s| s.1 == Origin::Host).unwrap();
        let waited = host.3 - Duration::from_millis(500);
        let slot = Duration::from_secs_f64(159.0 / 500_000.0);
        assert!(
            waited <= 2 * slot,
            "waits at most for the frame on the bus, then its own: {waited:?}"
        );
        assert!(arbitration_key(&CanFrame::standard(0x7FF, &[]).unwrap()) > arbitration_key(&filler_lo()));
    }

    fn filler_lo() -> CanFrame {
        CanFrame::extended(0x0000_0001, &[]).unwrap()
    }
}
