//! The nodes' log on `/rosout` (rcl_interfaces/msg/Log), as rclcpp and rclpy nodes do: r2r 0.9
//! writes its `log_*!` macros to the console only and never creates the rosout publisher, so
//! `ros2 topic echo /rosout`, rqt_console and a bag of the run would show nothing.
//!
//! [`install`] creates the publisher with rcl's rosout QoS (reliable, transient local, keep last
//! 1000, lifespan 10 s) once per process; [`log`] (behind the crate's `ros_info!`, `ros_warn!`,
//! `ros_error!` macros) writes to the console through r2r and publishes the same line. Stamps are
//! the wall clock, as rcutils stamps log records.

use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use r2r::rcl_interfaces::msg::Log;

/// A log record's severity (the `level` values of rcl_interfaces/msg/Log).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    /// `rcl_interfaces/msg/Log.level`.
    pub fn code(self) -> u8 {
        match self {
            Level::Debug => 10,
            Level::Info => 20,
            Level::Warn => 30,
            Level::Error => 40,
        }
    }
}

static PUBLISHER: OnceLock<Mutex<r2r::Publisher<Log>>> = OnceLock::new();

/// The QoS rcl gives `/rosout`.
pub fn qos() -> r2r::QosProfile {
    r2r::QosProfile::default()
        .reliable()
        .transient_local()
        .keep_last(1000)
        .lifespan(Duration::from_secs(10))
}

/// Create the `/rosout` publisher on `node` (the first node of the process; later calls do nothing).
pub fn install(node: &mut r2r::Node) -> Result<(), r2r::Error> {
    if PUBLISHER.get().is_none() {
        let p = node.create_publisher::<Log>("/rosout", qos())?;
        let _ = PUBLISHER.set(Mutex::new(p));
    }
    Ok(())
}

/// The Log message of one record (pure: unit-tested).
pub fn record(level: Level, logger: &str, file: &str, line: u32, text: &str, wall: Duration) -> Log {
    Log {
        stamp: r2r::builtin_interfaces::msg::Time {
            sec: wall.as_secs() as i32,
            nanosec: wall.subsec_nanos(),
        },
        level: level.code(),
        name: logger.to_string(),
        msg: text.to_string(),
        file: file.to_string(),
        function: String::new(),
        line,
    }
}

/// Log `text` from `logger`: to the console (r2r / rcutils) and on `/rosout`.
pub fn log(level: Level, logger: impl AsRef<str>, file: &str, line: u32, text: &str) {
    let logger = logger.as_ref();
    // r2r's logging panics on an interior NUL
    let text = text.replace('\0', "\\0");
    let severity = match level {
        Level::Debug => r2r::LogSeverity::Debug,
        Level::Info => r2r::LogSeverity::Info,
        Level::Warn => r2r::LogSeverity::Warn,
        Level::Error => r2r::LogSeverity::Error,
    };
    r2r::log(&text, logger, file, line, severity);
    if let Some(p) = PUBLISHER.get() {
        let wall = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        if let Ok(p) = p.lock() {
            let _ = p.publish(&record(level, logger, file, line, &text, wall));
        }
    }
}

/// Info line on the console and `/rosout`.
#[macro_export]
macro_rules! ros_info {
    ($logger:expr, $($arg:tt)*) => {
        $crate::ros::rosout::log($crate::ros::rosout::Level::Info, $logger, file!(), line!(), &format!($($arg)*))
    };
}

/// Warning on the console and `/rosout`.
#[macro_export]
macro_rules! ros_warn {
    ($logger:expr, $($arg:tt)*) => {
        $crate::ros::rosout::log($crate::ros::rosout::Level::Warn, $logger, file!(), line!(), &format!($($arg)*))
    };
}

/// Error on the console and `/rosout`.
#[macro_export]
macro_rules! ros_error {
    ($logger:expr, $($arg:tt)*) => {
        $crate::ros::rosout::log($crate::ros::rosout::Level::Error, $logger, file!(), line!(), &format!($($arg)*))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_carry_rcl_levels_and_the_line() {
        let m = record(
            Level::Warn,
            "mission",
            "src/x.rs",
            12,
            "detonation 3",
            Duration::new(5, 7),
        );
        assert_eq!((m.level, m.stamp.sec, m.stamp.nanosec, m.line), (30, 5, 7, 12));
        assert_eq!((m.name.as_str(), m.msg.as_str()), ("mission", "detonation 3"));
        let codes: Vec<u8> = [Level::Debug, Level::Info, Level::Warn, Level::Error]
            .iter()
            .map(|l| l.code())
            .collect();
        assert_eq!(codes, [10, 20, 30, 40]);
    }
}
