//! The TRACKS.csv odometry log: header `unix_time_s,left_track_mps,right_track_mps` and optionally
//! `yaw_rate_rps` (columns in any order; extra columns are an error so that a typo is not silently
//! ignored). Every bad value is an error naming the file, line, column and value.

use std::io::BufRead;

use crate::localize::core::OdometrySample;
use crate::localize::LocalizeError;

const REQUIRED: [&str; 3] = ["unix_time_s", "left_track_mps", "right_track_mps"];
const OPTIONAL: &str = "yaw_rate_rps";

/// Read a whole TRACKS.csv. `file` names the source in errors. Times must not decrease.
pub fn read_tracks_csv<R: BufRead>(input: R, file: &str) -> Result<Vec<OdometrySample>, LocalizeError> {
    let err = |line: usize, column: &str, message: &str, value: &str| LocalizeError::Csv {
        file: file.to_string(),
        line,
        column: column.to_string(),
        message: message.to_string(),
        value: value.to_string(),
    };
    let mut lines = input.lines().enumerate();
    let header = loop {
        match lines.next() {
            None => return Err(err(1, "-", "empty file, expected a header", "")),
            Some((i, l)) => {
                let l = l.map_err(|source| LocalizeError::Io {
                    file: file.to_string(),
                    source,
                })?;
                if !l.trim().is_empty() {
                    break (i + 1, l);
                }
            }
        }
    };
    let names: Vec<String> = header
        .1
        .trim()
        .trim_start_matches('\u{feff}')
        .split(',')
        .map(|s| s.trim().to_string())
        .collect();
    let find = |name: &str| names.iter().position(|n| n == name);
    for (i, n) in names.iter().enumerate() {
        if !REQUIRED.contains(&n.as_str()) && n != OPTIONAL {
            return Err(err(header.0, &format!("{} (column {})", n, i + 1), "unknown column", n));
        }
        if names[..i].contains(n) {
            return Err(err(header.0, n, "duplicate column", n));
        }
    }
    let mut cols = [0usize; 3];
    for (c, name) in cols.iter_mut().zip(REQUIRED) {
        *c = find(name).ok_or_else(|| err(header.0, name, "missing column", &header.1))?;
    }
    let yaw_col = find(OPTIONAL);
    let mut out = Vec::new();
    let mut last_t = f64::NEG_INFINITY;
    for (i, l) in lines {
        let line_no = i + 1;
        let l = l.map_err(|source| LocalizeError::Io {
            file: file.to_string(),
            source,
        })?;
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
        let num = |col: usize| -> Result<f64, LocalizeError> {
            let v = fields[col];
            match v.parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(x),
                _ => Err(err(line_no, &names[col], "not a finite number", v)),
            }
        };
        let t = num(cols[0])?;
        check_unix_seconds(t, file, line_no, REQUIRED[0])?;
        if t < last_t {
            return Err(err(line_no, REQUIRED[0], "time goes backwards", fields[cols[0]]));
        }
        last_t = t;
        let yaw_rate_rps = match yaw_col {
            Some(c) if fields[c].is_empty() => None,
            Some(c) => Some(num(c)?),
            None => None,
        };
        out.push(OdometrySample {
            unix_time_s: t,
            left_track_mps: num(cols[1])?,
            right_track_mps: num(cols[2])?,
            yaw_rate_rps,
        });
    }
    Ok(out)
}

/// Refuse a time stamp that is not UNIX seconds: beyond 1e10 s (the year 2286) it is milliseconds,
/// microseconds or nanoseconds, which would otherwise turn a 10 Hz log into hours between samples.
pub fn check_unix_seconds(t: f64, file: &str, line: usize, column: &str) -> Result<(), LocalizeError> {
    if t.abs() < 1e10 {
        return Ok(());
    }
    let unit = if t.abs() < 1e14 {
        "milliseconds"
    } else if t.abs() < 1e17 {
        "microseconds"
    } else {
        "nanoseconds"
    };
    Err(LocalizeError::Csv {
        file: file.to_string(),
        line,
        column: column.to_string(),
        message: format!("time stamp looks like {unit}, UNIX seconds expected (convert the column)"),
        value: format!("{t}"),
    })
}

/// Write samples as TRACKS.csv (with the yaw-rate column when any sample has one).
pub fn write_tracks_csv<W: std::io::Write>(mut out: W, samples: &[OdometrySample]) -> std::io::Result<()> {
    let gyro = samples.iter().any(|s| s.yaw_rate_rps.is_some());
    if gyro {
        writeln!(out, "unix_time_s,left_track_mps,right_track_mps,yaw_rate_rps")?;
    } else {
        writeln!(out, "unix_time_s,left_track_mps,right_track_mps")?;
    }
    for s in samples {
        write!(
            out,
            "{:.3},{:.5},{:.5}",
            s.unix_time_s, s.left_track_mps, s.right_track_mps
        )?;
        if gyro {
            match s.yaw_rate_rps {
                Some(w) => write!(out, ",{w:.7}")?,
                None => write!(out, ",")?,
            }
        }
        writeln!(out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_with_and_without_gyro() {
        let s = read_tracks_csv(
            "unix_time_s,left_track_mps,right_track_mps\n1.0,0.1,0.2\n\n1.1,0.1,0.2\n".as_bytes(),
            "T",
        )
        .unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].yaw_rate_rps, None);
        let s = read_tracks_csv(
            "right_track_mps,unix_time_s,yaw_rate_rps,left_track_mps\n0.2,1.0,0.01,0.1\n0.2,1.1,,0.1\n".as_bytes(),
            "T",
        )
        .unwrap();
        assert_eq!(s[0].right_track_mps, 0.2);
        assert_eq!(s[0].yaw_rate_rps, Some(0.01));
        assert_eq!(s[1].yaw_rate_rps, None);
    }

    #[test]
    fn errors_name_file_line_column_value() {
        let e = read_tracks_csv(
            "unix_time_s,left_track_mps,right_track_mps\n1.0,0.1,0.2\n1.1,abc,0.2\n".as_bytes(),
            "TRACKS.csv",
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "TRACKS.csv: line 3, column left_track_mps: not a finite number: \"abc\""
        );
        let e = read_tracks_csv("unix_time_s,left_mps,right_track_mps\n".as_bytes(), "T")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 1") && e.contains("left_mps") && e.contains("unknown column"),
            "{e}"
        );
        let e = read_tracks_csv(
            "unix_time_s,left_track_mps,right_track_mps\n2,0,0\n1,0,0\n".as_bytes(),
            "T",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("line 3") && e.contains("backwards"), "{e}");
        let e = read_tracks_csv("unix_time_s,left_track_mps,right_track_mps\n2,0\n".as_bytes(), "T")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("expected 3 fields"), "{e}");
        let e = read_tracks_csv("unix_time_s,left_track_mps,right_track_mps\n2,NaN,0\n".as_bytes(), "T")
            .unwrap_err()
            .to_string();
        assert!(e.contains("NaN"), "{e}");
    }

    #[test]
    fn write_then_read() {
        let s = vec![
            OdometrySample {
                unix_time_s: 1.0,
                left_track_mps: 0.1,
                right_track_mps: 0.2,
                yaw_rate_rps: Some(0.01),
            },
            OdometrySample {
                unix_time_s: 1.1,
                left_track_mps: -0.1,
                right_track_mps: 0.0,
                yaw_rate_rps: None,
            },
        ];
        let mut buf = Vec::new();
        write_tracks_csv(&mut buf, &s).unwrap();
        assert_eq!(read_tracks_csv(&buf[..], "T").unwrap(), s);
    }
}
