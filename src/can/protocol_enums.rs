//! The named values of the vehicle protocol (modes, stop reasons, e-stop reasons) and the
//! heartbeat counter rules. Each enum keeps a catch-all `Other(u8)` so an unknown value from a
//! newer vehicle decodes instead of failing. Re-exported by [`crate::can::protocol`].

macro_rules! wire_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $n:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
        pub enum $name {
            $($(#[$vm])* $v,)*
            /// A value this build does not know.
            Other(u8),
        }
        impl $name {
            /// The wire value.
            pub fn to_raw(self) -> u8 {
                match self { $(Self::$v => $n,)* Self::Other(n) => n }
            }
            /// From the wire value.
            pub fn from_raw(n: u8) -> Self {
                match n { $($n => Self::$v,)* n => Self::Other(n) }
            }
        }
    };
}

wire_enum!(
    /// What the host is doing (HostHeartbeat.HostMode).
    HostMode { /** No mission. */ Idle = 0, /** Operator drives. */ Manual = 1, /** Autonomous clearance. */ Auto = 2, /** Mission paused. */ Paused = 3 }
);
wire_enum!(
    /// The vehicle's mode (VehicleHeartbeat.VehicleMode).
    VehicleMode {
        /** Starting up. */ Init = 0, /** Ready, not moving. */ Standby = 1, /** Following host commands, manual. */ Manual = 2,
        /** Following host commands, autonomous. */ Auto = 3, /** Stopped by a watchdog or fault (category 1). */ SafeStop = 4,
        /** Emergency stop latched (category 0). */ EStop = 5,
    }
);
wire_enum!(
    /// Why the vehicle stopped (VehicleHeartbeat.StopReason).
    StopReason {
        /** Not stopped. */ None = 0, /** No valid host heartbeat within the timeout. */ HeartbeatTimeout = 1,
        /** Emergency stop. */ EStop = 2, /** A vehicle fault. */ Fault = 3, /** The host said goodbye (counter 255). */ HostShutdown = 4,
        /** The host reported an error (counter 254). */ HostError = 5,
    }
);
wire_enum!(
    /// Who asked for an emergency stop (EStop.EStopReason).
    EStopReason {
        /** The operator. */ Operator = 0, /** The safety supervisor. */ Supervisor = 1, /** Geofence breach. */ Geofence = 2,
        /** A detonation. */ Detonation = 3, /** Link loss. */ LinkLoss = 4, /** A fault. */ Fault = 5,
    }
);

/// Heartbeat counter values with a meaning (ISO 11783-7 practice).
pub mod counter {
    /// First heartbeat after start-up.
    pub const INIT: u8 = 251;
    /// Sender is in error.
    pub const ERROR: u8 = 254;
    /// Sender is shutting down gracefully.
    pub const SHUTDOWN: u8 = 255;
    /// Highest rolling value; the counter wraps from 250 to 0.
    pub const MAX_ROLLING: u8 = 250;

    /// The value after `c`: INIT → 0, 0 → 1 … 250 → 0.
    pub fn next(c: u8) -> u8 {
        if c >= MAX_ROLLING {
            0
        } else {
            c + 1
        }
    }
}
