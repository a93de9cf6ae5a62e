//! The progress watchdog: a mission clearing without getting anywhere is held with the reason,
//! and aborted if nobody resolves the hold.
//!
//! While the mission is `clearing`, the host reports the machine's pose every tick
//! ([`super::Input::Pose`]). Progress is a segment finished, or the machine at least
//! `progress_min_m` from (or `PROGRESS_MIN_YAW_RAD` turned from) where it last made progress.
//! With none for `progress_timeout_s` the mission holds (`paused`, reason `no-progress` with the
//! figures); held that way for `progress_abort_s` without an operator resume it aborts.
//! Time spent paused for any other reason does not count.

use crate::plan::pose::angle_diff;

/// A turn this large counts as progress (pivots move the machine very little), rad.
pub const PROGRESS_MIN_YAW_RAD: f64 = 0.5;

/// Where and when the machine last made progress.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Mark {
    x_m: f64,
    y_m: f64,
    yaw_rad: f64,
    t_s: f64,
    segment: usize,
}

/// The watchdog's state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProgressWatchdog {
    mark: Option<Mark>,
    /// Largest distance from the mark seen since it was set, m (for the reason).
    farthest_m: f64,
    /// The hold started at this time, s.
    held_since_s: Option<f64>,
}

/// What the watchdog decided at one pose.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    Fine,
    /// No progress for the timeout: hold, with this reason.
    Hold(String),
}

impl ProgressWatchdog {
    /// Forget the mark (the mission left `clearing`; time paused does not count).
    pub fn rearm(&mut self) {
        self.mark = None;
        self.farthest_m = 0.0;
    }

    /// One pose while clearing segment `segment`.
    ///
    /// # Units
    /// ENU metres, radians, seconds; `min_m` metres, `timeout_s` seconds.
    pub fn observe(
        &mut self,
        (x_m, y_m, yaw_rad): (f64, f64, f64),
        segment: usize,
        now_s: f64,
        min_m: f64,
        timeout_s: f64,
    ) -> Verdict {
        let here = Mark {
            x_m,
            y_m,
            yaw_rad,
            t_s: now_s,
            segment,
        };
        let Some(m) = self.mark else {
            self.mark = Some(here);
            self.farthest_m = 0.0;
            return Verdict::Fine;
        };
        let d = (x_m - m.x_m).hypot(y_m - m.y_m);
        self.farthest_m = self.farthest_m.max(d);
        if segment != m.segment || d >= min_m || angle_diff(yaw_rad, m.yaw_rad).abs() >= PROGRESS_MIN_YAW_RAD {
            self.rearm();
            self.mark = Some(here);
            return Verdict::Fine;
        }
        if now_s - m.t_s >= timeout_s {
            let reason = format!(
                "no progress on segment {segment} for {:.0} s: the machine stayed within {:.2} m of ({:.1} m E, {:.1} m N) \
                 (progress is {min_m} m of travel or a finished segment)",
                now_s - m.t_s,
                self.farthest_m,
                m.x_m,
                m.y_m
            );
            self.rearm();
            self.held_since_s = Some(now_s);
            return Verdict::Hold(reason);
        }
        Verdict::Fine
    }

    /// The hold is over (an operator resumed).
    pub fn release(&mut self) {
        self.held_since_s = None;
        self.rearm();
    }

    /// Seconds held so far, if holding.
    pub fn held_for_s(&self, now_s: f64) -> Option<f64> {
        self.held_since_s.map(|s| now_s - s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wiggling_in_place_holds_after_the_timeout_and_travel_does_not() {
        let mut w = ProgressWatchdog::default();
        // 0.28 m of wiggle for 400 s: held at 300 s
        let mut held_at = None;
        for i in 0..4000 {
            let t = i as f64 * 0.1;
            let x = 0.14 * (t * 0.7).sin();
            if let Verdict::Hold(r) = w.observe((x, 0.0, 0.0), 3, t, 1.0, 300.0) {
                assert!(r.contains("segment 3") && r.contains("300 s"), "{r}");
                held_at.get_or_insert(t);
            }
        }
        assert!(held_at.is_some_and(|t| (299.9..=300.1).contains(&t)), "{held_at:?}");
        assert_eq!(w.held_for_s(350.0).map(|s| s.round()), Some(50.0));
        // steady travel at 0.2 m/s never holds
        let mut w = ProgressWatchdog::default();
        for i in 0..40000 {
            let t = i as f64 * 0.1;
            assert_eq!(w.observe((0.2 * t, 0.0, 0.0), 0, t, 1.0, 300.0), Verdict::Fine);
        }
        // a pivot on the spot, or a new segment, is progress
        let mut w = ProgressWatchdog::default();
        for i in 0..4000 {
            let t = i as f64 * 0.1;
            let yaw = if i % 2000 == 1999 { 1.0 } else { 0.0 };
            let seg = i / 2500;
            assert_eq!(w.observe((0.0, 0.0, yaw), seg, t, 1.0, 300.0), Verdict::Fine, "{t}");
        }
    }
}
