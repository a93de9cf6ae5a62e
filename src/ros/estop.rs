//! The e-stop latch of the `mission` node: any `true` on `estop` latches it; it stays latched
//! until a reset (`true` on `estop/reset`) arrives while the e-stop input itself is released
//! (the last `estop` message was `false`). A reset while the button is still pressed is refused.
//! A `false` on `estop` never releases the latch by itself.

/// Why a reset was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ResetRefused {
    #[error("e-stop input still active: release it before resetting")]
    InputActive,
}

/// The latch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EStopLatch {
    latched: bool,
    input_active: bool,
}

impl EStopLatch {
    pub fn new() -> Self {
        Self::default()
    }

    /// A message on `estop`. Returns true when this latched it (it was not latched before).
    pub fn on_input(&mut self, pressed: bool) -> bool {
        self.input_active = pressed;
        let newly = pressed && !self.latched;
        self.latched |= pressed;
        newly
    }

    /// A reset request. `Ok(true)` when it released the latch, `Ok(false)` when nothing was latched.
    pub fn reset(&mut self) -> Result<bool, ResetRefused> {
        if self.input_active {
            return Err(ResetRefused::InputActive);
        }
        let was = self.latched;
        self.latched = false;
        Ok(was)
    }

    pub fn latched(&self) -> bool {
        self.latched
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latch_table() {
        // (input sequence, reset attempts after it) -> latched
        let mut l = EStopLatch::new();
        assert!(!l.latched());
        assert!(l.on_input(true));
        assert!(!l.on_input(true), "already latched");
        assert_eq!(l.reset(), Err(ResetRefused::InputActive));
        assert!(l.latched());
        l.on_input(false);
        assert!(l.latched(), "releasing the button does not release the latch");
        assert_eq!(l.reset(), Ok(true));
        assert!(!l.latched());
        assert_eq!(l.reset(), Ok(false));
        // a press between release and reset latches again
        l.on_input(true);
        l.on_input(false);
        l.on_input(true);
        assert_eq!(l.reset(), Err(ResetRefused::InputActive));
        assert!(l.latched());
    }
}
