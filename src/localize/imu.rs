//! The IMU.csv log of `demine localize --imu`: header `unix_time_s,yaw_rate_rps` and optionally
//! `yaw_rad` (columns in any order; an unknown or duplicate column is an error). `yaw_rate_rps` is
//! the rate about the vertical, rad/s CCW; `yaw_rad` the IMU's own orientation yaw (any constant
//! offset: only its changes are used, and only for rows whose `yaw_rate_rps` cell is empty).
//! Times must not decrease. Every bad value is an error naming the file, line, column and value.
//!
//! [`merge_imu`] puts the gyro on the odometry samples: each sample gets the mean yaw rate of the IMU
//! rows in the interval since the previous sample (or the nearest row within 0.2 s when the IMU is
//! slower than the odometry).

use std::io::BufRead;

use crate::localize::core::OdometrySample;
use crate::localize::tracks::check_unix_seconds;
use crate::localize::{wrap_angle_rad, LocalizeError};

/// One IMU row.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ImuSample {
    pub unix_time_s: f64,
    /// Yaw rate about the vertical, rad/s CCW; `None` for an empty cell.
    pub yaw_rate_rps: Option<f64>,
    /// Orientation yaw, radians (arbitrary offset); `None` without the column or for an empty cell.
    pub yaw_rad: Option<f64>,
}

/// Highest yaw rate taken as a real reading, rad/s.
const MAX_RATE_RPS: f64 = 10.0;
/// An IMU row this close to an odometry sample stands in for an empty interval, seconds.
const NEAREST_S: f64 = 0.2;

/// Read a whole IMU.csv. `file` names the source in errors.
pub fn read_imu_csv<R: BufRead>(input: R, file: &str) -> Result<Vec<ImuSample>, LocalizeError> {
    let err = |line: usize, column: &str, message: &str, value: &str| LocalizeError::Csv {
        file: file.to_string(),
        line,
        column: column.to_string(),
        message: message.to_string(),
        value: value.to_string(),
    };
    let io = |source| LocalizeError::Io {
        file: file.to_string(),
        source,
    };
    let mut lines = input.lines().enumerate();
    let (header_no, header) = loop {
        match lines.next() {
            None => return Err(err(1, "-", "empty file, expected a header", "")),
            Some((i, l)) => {
                let l = l.map_err(io)?;
                if !l.trim().is_empty() {
                    break (i + 1, l);
                }
            }
        }
    };
    let names: Vec<String> = header
        .trim()
        .trim_start_matches('\u{feff}')
        .split(',')
        .map(|s| s.trim().to_string())
        .collect();
    const KNOWN: [&str; 3] = ["unix_time_s", "yaw_rate_rps", "yaw_rad"];
    for (i, n) in names.iter().enumerate() {
        if !KNOWN.contains(&n.as_str()) {
            return Err(err(
                header_no,
                &format!("{} (column {})", n, i + 1),
                "unknown column",
                n,
            ));
        }
        if names[..i].contains(n) {
            return Err(err(header_no, n, "duplicate column", n));
        }
    }
    let find = |name: &str| names.iter().position(|n| n == name);
    let t_col = find("unix_time_s").ok_or_else(|| err(header_no, "unix_time_s", "missing column", &header))?;
    let rate_col = find("yaw_rate_rps").ok_or_else(|| err(header_no, "yaw_rate_rps", "missing column", &header))?;
    let yaw_col = find("yaw_rad");
    let mut out: Vec<ImuSample> = Vec::new();
    for (i, l) in lines {
        let line_no = i + 1;
        let l = l.map_err(io)?;
        if l.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = l.split(',').map(str::trim).collect();
        if fields.len() != names.len() {
            return Err(err(
                line_no,
                "-",
                &format!("expected {} fields, found {}", names.len(), fields.len()),
                &l,
            ));
        }
        let num = |col: usize, optional: bool| -> Result<Option<f64>, LocalizeError> {
            let v = fields[col];
            if optional && v.is_empty() {
                return Ok(None);
            }
            match v.parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(Some(x)),
                _ => Err(err(line_no, &names[col], "not a finite number", v)),
            }
        };
        let t = num(t_col, false)?.unwrap_or(f64::NAN);
        check_unix_seconds(t, file, line_no, "unix_time_s")?;
        if let Some(prev) = out.last() {
            if t < prev.unix_time_s {
                return Err(err(line_no, "unix_time_s", "time goes backwards", fields[t_col]));
            }
        }
        let yaw_rate_rps = num(rate_col, true)?;
        if let Some(w) = yaw_rate_rps {
            if w.abs() > MAX_RATE_RPS {
                return Err(err(
                    line_no,
                    "yaw_rate_rps",
                    "implausible yaw rate (rad/s expected; degrees?)",
                    fields[rate_col],
                ));
            }
        }
        let yaw_rad = match yaw_col {
            Some(c) => num(c, true)?,
            None => None,
        };
        out.push(ImuSample {
            unix_time_s: t,
            yaw_rate_rps,
            yaw_rad,
        });
    }
    // Rows with only an orientation: the rate from the orientation's change.
    for i in 0..out.len() {
        if out[i].yaw_rate_rps.is_some() {
            continue;
        }
        let (Some(prev), Some(yaw)) = (i.checked_sub(1).map(|j| out[j]), out[i].yaw_rad) else {
            continue;
        };
        let dt = out[i].unix_time_s - prev.unix_time_s;
        if let (Some(py), true) = (prev.yaw_rad, dt > 1e-6 && dt <= 1.0) {
            out[i].yaw_rate_rps = Some(wrap_angle_rad(yaw - py) / dt);
        }
    }
    Ok(out)
}

/// Put the IMU's yaw rate on the odometry samples (replacing any gyro column of TRACKS.csv). A sample
/// with no IMU row in its interval and none within 0.2 s gets no gyro reading. Returns how many
/// samples got one.
pub fn merge_imu(odometry: &mut [OdometrySample], imu: &[ImuSample]) -> usize {
    let rows: Vec<(f64, f64)> = imu
        .iter()
        .filter_map(|s| s.yaw_rate_rps.map(|w| (s.unix_time_s, w)))
        .collect();
    let mut merged = 0;
    let mut prev_t = f64::NEG_INFINITY;
    let mut j = 0;
    for o in odometry.iter_mut() {
        let t = o.unix_time_s;
        let lo = if prev_t.is_finite() { prev_t } else { t - NEAREST_S };
        while j < rows.len() && rows[j].0 <= lo {
            j += 1;
        }
        let (mut sum, mut n, mut k) = (0.0, 0u32, j);
        while k < rows.len() && rows[k].0 <= t {
            sum += rows[k].1;
            n += 1;
            k += 1;
        }
        o.yaw_rate_rps = if n > 0 {
            Some(sum / f64::from(n))
        } else {
            let i = rows.partition_point(|r| r.0 < t);
            [i.checked_sub(1), Some(i)]
                .into_iter()
                .flatten()
                .filter_map(|i| rows.get(i))
                .filter(|r| (r.0 - t).abs() <= NEAREST_S)
                .min_by(|a, b| (a.0 - t).abs().total_cmp(&(b.0 - t).abs()))
                .map(|r| r.1)
        };
        merged += usize::from(o.yaw_rate_rps.is_some());
        prev_t = t;
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn odo(t: f64) -> OdometrySample {
        OdometrySample {
            unix_time_s: t,
            left_track_mps: 0.1,
            right_track_mps: 0.1,
            yaw_rate_rps: Some(9.0),
        }
    }

    #[test]
    fn reads_rates_and_derives_them_from_orientation() {
        let text = "yaw_rad,unix_time_s,yaw_rate_rps\n0.0,1700000000.0,0.1\n3.1,1700000000.5,\n-3.1,1700000001.0,\n";
        let s = read_imu_csv(text.as_bytes(), "imu.csv").unwrap();
        assert_eq!(s[0].yaw_rate_rps, Some(0.1));
        assert!((s[1].yaw_rate_rps.unwrap() - 6.2).abs() < 1e-9);
        // Across ±π: +0.083 rad in 0.5 s, not −12.4 rad/s.
        let w = s[2].yaw_rate_rps.unwrap();
        assert!((w - (2.0 * std::f64::consts::PI - 6.2) / 0.5).abs() < 1e-9, "{w}");
    }

    #[test]
    fn bad_input_names_file_line_column() {
        for (text, needle) in [
            ("unix_time_s,yaw_rate_rps,extra\n", "unknown column"),
            ("unix_time_s\n", "missing column"),
            (
                "unix_time_s,yaw_rate_rps\n1700000000,abc\n",
                "line 2, column yaw_rate_rps",
            ),
            ("unix_time_s,yaw_rate_rps\n1700000000,45\n", "implausible yaw rate"),
            ("unix_time_s,yaw_rate_rps\n1700000001,0\n1700000000,0\n", "backwards"),
            ("unix_time_s,yaw_rate_rps\n1700000000000,0\n", "milliseconds"),
            ("", "empty file"),
        ] {
            let e = read_imu_csv(text.as_bytes(), "imu.csv").unwrap_err().to_string();
            assert!(e.contains(needle) && e.contains("imu.csv"), "{text:?}: {e}");
        }
    }

    #[test]
    fn merge_averages_the_interval_and_falls_back_to_the_nearest() {
        let imu: Vec<ImuSample> = (0..30)
            .map(|i| ImuSample {
                unix_time_s: 100.0 + f64::from(i) / 30.0,
                yaw_rate_rps: Some(f64::from(i)),
                yaw_rad: None,
            })
            .collect();
        let mut o = vec![odo(100.11), odo(100.21), odo(105.0), odo(110.0)];
        assert_eq!(merge_imu(&mut o, &imu), 3);
        // (100.11−0.2, 100.11] holds rows 0..=3 (mean 1.5); (100.11, 100.21] rows 4..=6 (mean 5);
        // (100.21, 105] rows 7..=29 (mean 18).
        assert!((o[0].yaw_rate_rps.unwrap() - 1.5).abs() < 1e-9, "{:?}", o[0]);
        assert!((o[1].yaw_rate_rps.unwrap() - 5.0).abs() < 1e-9, "{:?}", o[1]);
        assert!((o[2].yaw_rate_rps.unwrap() - 18.0).abs() < 1e-9, "{:?}", o[2]);
        assert_eq!(o[3].yaw_rate_rps, None, "no IMU row in (105, 110] nor within 0.2 s");
    }
}
