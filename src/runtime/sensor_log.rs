//! `demine sim --log-sensors`: the receiver's NMEA and the track odometry, in exactly the formats
//! `demine localize` reads (docs/localize.md), so the replay tool can be tried on a run at once.
//!
//! `gnss.nmea`: every sentence the simulated receiver sent, one per line (CRLF), as it went to
//! the host. `odometry.csv`: `unix_time_s,left_track_mps,right_track_mps,yaw_rate_rps`, one row
//! per vehicle feedback the host received, at the time the feedback describes, with the gyro
//! sample nearest to it. A resumed run's simulator starts its clock again, so each run gets its
//! own pair of files: `gnss.nmea`/`odometry.csv` first, then `gnss.2.nmea`/`odometry.2.csv` …

use super::RuntimeError;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// The two open logs.
pub struct SensorLog {
    nmea: BufWriter<File>,
    odometry: BufWriter<File>,
    pub paths: (PathBuf, PathBuf),
}

impl SensorLog {
    /// Create this run's pair of files in `dir` (the first free number).
    pub fn create(dir: &Path) -> Result<Self, RuntimeError> {
        let name = |k: u32, stem: &str, ext: &str| {
            if k == 1 {
                dir.join(format!("{stem}.{ext}"))
            } else {
                dir.join(format!("{stem}.{k}.{ext}"))
            }
        };
        let mut k = 1;
        while name(k, "gnss", "nmea").exists() || name(k, "odometry", "csv").exists() {
            k += 1;
        }
        let (n, o) = (name(k, "gnss", "nmea"), name(k, "odometry", "csv"));
        let open = |p: &Path| {
            File::create(p)
                .map(BufWriter::new)
                .map_err(RuntimeError::io(p.display().to_string()))
        };
        let mut log = Self {
            nmea: open(&n)?,
            odometry: open(&o)?,
            paths: (n, o),
        };
        writeln!(log.odometry, "unix_time_s,left_track_mps,right_track_mps,yaw_rate_rps")
            .map_err(RuntimeError::io(log.paths.1.display().to_string()))?;
        Ok(log)
    }

    /// The sentences of one receiver epoch.
    pub fn sentences(&mut self, lines: &[String]) -> Result<(), RuntimeError> {
        for l in lines {
            write!(self.nmea, "{l}\r\n").map_err(RuntimeError::io(self.paths.0.display().to_string()))?;
        }
        Ok(())
    }

    /// One odometry row. # Units: UNIX seconds, m/s, rad/s.
    pub fn odometry(
        &mut self,
        unix_s: f64,
        left_mps: f64,
        right_mps: f64,
        yaw_rate_rps: Option<f64>,
    ) -> Result<(), RuntimeError> {
        let gyro = yaw_rate_rps.map(|w| format!("{w:.6}")).unwrap_or_default();
        writeln!(self.odometry, "{unix_s:.3},{left_mps:.4},{right_mps:.4},{gyro}")
            .map_err(RuntimeError::io(self.paths.1.display().to_string()))
    }

    /// Everything written so far onto the disk's way (before a kill, and at the end).
    pub fn flush(&mut self) -> Result<(), RuntimeError> {
        self.nmea
            .flush()
            .map_err(RuntimeError::io(self.paths.0.display().to_string()))?;
        self.odometry
            .flush()
            .map_err(RuntimeError::io(self.paths.1.display().to_string()))
    }
}
