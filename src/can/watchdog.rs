//! The vehicle-side heartbeat watchdog (ISO 11783-7 practice). Plain type, time passed in.
//!
//! A heartbeat is **valid** when its counter is 251 (first after start) or a rolling value
//! 0–250 different from the previous valid one; a repeat of the same counter is **stale** (a
//! stuck sender) and does not feed the watchdog; 254 and 255 mean the host is in error or
//! shutting down; 252 and 253 are reserved and ignored. The watchdog is **fresh** while the last
//! valid heartbeat is no older than the timeout.

use std::time::Duration;

use super::protocol::counter;

/// What a received heartbeat means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeartbeatVerdict {
    /// Feeds the watchdog.
    Valid,
    /// Same counter as the previous one: ignored.
    Stale,
    /// Counter 254: the host reports an error.
    HostError,
    /// Counter 255: the host is shutting down.
    HostShutdown,
    /// Counter 252 or 253: ignored.
    Reserved,
}

/// Tracks the host heartbeat.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HeartbeatWatchdog {
    timeout: Duration,
    last: Option<(u8, Duration)>,
}

impl HeartbeatWatchdog {
    /// A watchdog that has seen nothing yet.
    ///
    /// # Units
    /// `timeout`: longest gap between valid heartbeats.
    pub fn new(timeout: Duration) -> Self {
        Self { timeout, last: None }
    }

    /// Judges a heartbeat received at `now`; a valid one feeds the watchdog.
    pub fn on_heartbeat(&mut self, c: u8, now: Duration) -> HeartbeatVerdict {
        let verdict = match c {
            counter::ERROR => HeartbeatVerdict::HostError,
            counter::SHUTDOWN => HeartbeatVerdict::HostShutdown,
            counter::INIT => HeartbeatVerdict::Valid,
            c if c <= counter::MAX_ROLLING => {
                if self.last.is_some_and(|(prev, _)| prev == c) {
                    HeartbeatVerdict::Stale
                } else {
                    HeartbeatVerdict::Valid
                }
            }
            _ => HeartbeatVerdict::Reserved,
        };
        if verdict == HeartbeatVerdict::Valid {
            self.last = Some((c, now));
        }
        verdict
    }

    /// True while the last valid heartbeat is no older than the timeout.
    pub fn fresh(&self, now: Duration) -> bool {
        self.last.is_some_and(|(_, t)| now.saturating_sub(t) <= self.timeout)
    }

    /// The last valid counter, if any.
    pub fn last_counter(&self) -> Option<u8> {
        self.last.map(|(c, _)| c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use HeartbeatVerdict::*;

    #[test]
    fn verdict_table() {
        let ms = Duration::from_millis;
        let mut w = HeartbeatWatchdog::new(ms(300));
        assert!(!w.fresh(ms(0)), "nothing seen: not fresh");
        let table = [
            (251, 0, Valid, true),
            (0, 100, Valid, true),
            (0, 200, Stale, true),
            (0, 450, Stale, false),
            (252, 460, Reserved, false),
            (1, 500, Valid, true),
            (250, 600, Valid, true),
            (0, 700, Valid, true),
            (254, 710, HostError, true),
            (255, 720, HostShutdown, true),
        ];
        for (c, t, verdict, fresh) in table {
            assert_eq!(w.on_heartbeat(c, ms(t)), verdict, "counter {c} at {t} ms");
            assert_eq!(w.fresh(ms(t)), fresh, "fresh after counter {c} at {t} ms");
        }
        assert_eq!(w.last_counter(), Some(0));
        assert!(w.fresh(ms(1000)) && !w.fresh(ms(1001)));
    }
}
