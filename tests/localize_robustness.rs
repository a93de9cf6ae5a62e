//! Robustness: arbitrary measurement streams never panic the estimator and never leave it with a
//! non-finite or non-positive covariance; arbitrary TRACKS.csv text is an error, not a panic; and the
//! estimator and GNSS parsing code stay free of clocks and runtimes (time is an argument).

use demine::geodesy::{Datum, LatLon};
use demine::gnss::{FixType, GnssFix, GnssHeading, HorizontalCovariance};
use demine::localize::tracks::read_tracks_csv;
use demine::localize::{Localizer, LocalizerConfig, OdometrySample};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Input {
    Odo(f64, f64, f64, Option<f64>),
    Fix(f64, f64, f64, u8, Option<f64>),
    Heading(f64, f64),
}

fn input() -> impl Strategy<Value = Input> {
    let t = -5.0f64..400.0;
    let wild = prop_oneof![
        4 => -1.0f64..1.0,
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => -1e6f64..1e6,
    ];
    prop_oneof![
        (
            t.clone(),
            wild.clone(),
            wild.clone(),
            proptest::option::of(wild.clone())
        )
            .prop_map(|(t, l, r, g)| Input::Odo(t, l, r, g)),
        (
            t.clone(),
            -50.0f64..50.0,
            -50.0f64..50.0,
            0u8..10,
            proptest::option::of(prop_oneof![0.0f64..2.0, Just(-1.0), Just(f64::NAN)])
        )
            .prop_map(|(t, e, n, q, s)| Input::Fix(t, e, n, q, s)),
        (t, prop_oneof![0.0f64..360.0, Just(f64::NAN), Just(1e9)]).prop_map(|(t, h)| Input::Heading(t, h)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_streams_keep_the_covariance_finite_and_positive(inputs in proptest::collection::vec(input(), 0..300)) {
        let datum = Datum::new(LatLon::new(39.8, 46.7));
        let mut loc = Localizer::new(LocalizerConfig::default(), Some(datum)).unwrap();
        for i in inputs {
            let out = match i {
                Input::Odo(t, l, r, g) => loc.push_odometry(OdometrySample { unix_time_s: t, left_track_mps: l, right_track_mps: r, yaw_rate_rps: g }),
                Input::Fix(t, e, n, q, s) => {
                    let mut f = GnssFix::new(t, datum.to_latlon_2d(e, n), FixType::from_gga_quality(q));
                    f.covariance = s.map(|s| HorizontalCovariance::from_sigmas(s, s));
                    loc.push_fix(&f)
                }
                Input::Heading(t, h) => loc.push_heading(GnssHeading { unix_time_s: t, heading_true_deg: h, sigma_rad: None }),
            };
            if let Some(e) = out.estimate {
                prop_assert!(e.east_m.is_finite() && e.north_m.is_finite() && e.yaw_rad.is_finite(), "{e:?}");
                prop_assert!(e.sigma_h_m.is_finite() && e.sigma_h_m > 0.0, "{e:?}");
                prop_assert!(e.sigma_yaw_rad.is_finite() && e.sigma_yaw_rad > 0.0, "{e:?}");
                let [[a, b], [_, d]] = e.position_cov_m2;
                prop_assert!(a * d - b * b > 0.0, "{e:?}");
            }
        }
    }

    #[test]
    fn arbitrary_tracks_csv_is_an_error_or_samples_never_a_panic(text in "[-0-9a-z_.,\n ]{0,400}") {
        let _ = read_tracks_csv(format!("unix_time_s,left_track_mps,right_track_mps\n{text}").as_bytes(), "T.csv");
        let _ = read_tracks_csv(text.as_bytes(), "T.csv");
    }
}

#[test]
fn estimator_and_gnss_code_read_no_clock_and_use_no_runtime() {
    let mut files = Vec::new();
    for dir in ["src/localize", "src/gnss"] {
        for e in std::fs::read_dir(dir).unwrap() {
            files.push(e.unwrap().path());
        }
    }
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(text.starts_with("//!"), "{} starts with a //! doc", f.display());
        for banned in ["SystemTime", "Instant::now", "tokio", "r2r"] {
            assert!(!text.contains(banned), "{} uses {banned}", f.display());
        }
        // The serial reader and the module's error type (which wraps serialport's) only.
        if !(f.ends_with("gnss/serial.rs") || f.ends_with("gnss/mod.rs")) {
            assert!(!text.contains("serialport"), "{} uses serialport", f.display());
        }
    }
}
