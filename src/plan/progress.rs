//! Planning progress for a display: each candidate plan (strategy × angle, planned in parallel)
//! reports the share of its ground processed so far; the display shows the least advanced one,
//! since the plan is ready only when all are.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

/// Shared between the planner's threads and whoever draws the progress.
#[derive(Debug, Default)]
pub struct Progress {
    /// One share per candidate, in millionths.
    parts: Mutex<Vec<std::sync::Arc<AtomicU32>>>,
}

/// One candidate's handle.
#[derive(Clone, Debug)]
pub struct Part(std::sync::Arc<AtomicU32>);

impl Part {
    /// Report the share processed, 0..=1 (clamped; kept below 1 until the candidate is finished).
    pub fn set(&self, share: f64) {
        let v = (share.clamp(0.0, 0.999) * 1e6) as u32;
        self.0.fetch_max(v, Ordering::Relaxed);
    }

    pub fn finish(&self) {
        self.0.store(1_000_000, Ordering::Relaxed);
    }
}

impl Progress {
    /// A new candidate.
    pub fn part(&self) -> Part {
        let p = std::sync::Arc::new(AtomicU32::new(0));
        self.parts.lock().expect("progress lock").push(p.clone());
        Part(p)
    }

    /// The least advanced candidate's share, 0..=1 (0 before any has started).
    pub fn fraction(&self) -> f64 {
        let parts = self.parts.lock().expect("progress lock");
        parts
            .iter()
            .map(|p| p.load(Ordering::Relaxed) as f64 / 1e6)
            .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.min(v))))
            .unwrap_or(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_the_least_advanced_candidate() {
        let p = Progress::default();
        assert_eq!(p.fraction(), 0.0);
        let (a, b) = (p.part(), p.part());
        a.set(0.5);
        b.set(0.2);
        assert!((p.fraction() - 0.2).abs() < 1e-6);
        b.set(0.1); // never goes back
        assert!((p.fraction() - 0.2).abs() < 1e-6);
        b.set(7.0);
        a.finish();
        assert!(p.fraction() < 1.0, "not finished until every candidate is");
        b.finish();
        assert_eq!(p.fraction(), 1.0);
    }
}
