//! Property tests of the NMEA 0183 codec: random bytes and mutated valid sentences never panic and
//! are counted, valid sentences round-trip through the encoder, and a generated log decodes back to
//! the fixes it was made from.

use demine::gnss::nmea::{checksum, parse_sentence, Gga, Gst, Hdt, NmeaDate, Rmc, Sentence, Talker, Vtg};
use demine::gnss::reader::decode_line;
use demine::gnss::{read_nmea_log, FixType, GnssMeasurement, NmeaReader, NmeaStats};
use demine::localize::scenario::{ScenarioConfig, SensorReading};
use proptest::prelude::*;

fn talker() -> impl Strategy<Value = Talker> {
    prop_oneof![
        Just(Talker::Gp),
        Just(Talker::Gn),
        Just(Talker::Gl),
        Just(Talker::Ga),
        Just(Talker::Gb)
    ]
}

/// Values on the encoder's grid so that decode(encode(s)) == s exactly.
fn q(v: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (v * f).round() / f
}

fn tod() -> impl Strategy<Value = Option<f64>> {
    proptest::option::of((0u32..8_640_000).prop_map(|cs| f64::from(cs) / 100.0))
}

fn lat_lon() -> impl Strategy<Value = Option<(f64, f64)>> {
    // Whole degrees plus minutes on the encoder's 1e-8 grid, combined the way the decoder does, so
    // decode(encode(x)) == x exactly.
    let coord = |max_deg: i64| {
        (0..max_deg, 0i64..6_000_000_000, any::<bool>()).prop_map(|(d, m, neg)| {
            let v = d as f64 + (m as f64 / 1e8) / 60.0;
            if neg && v != 0.0 {
                -v
            } else {
                v
            }
        })
    };
    proptest::option::of((coord(90), coord(180)))
}

fn opt_f(lo: f64, hi: f64, decimals: i32) -> impl Strategy<Value = Option<f64>> {
    proptest::option::of((lo..hi).prop_map(move |v| q(v, decimals)))
}

fn gga() -> impl Strategy<Value = Sentence> {
    (
        talker(),
        tod(),
        lat_lon(),
        0u8..10,
        proptest::option::of(0u8..40),
        opt_f(0.0, 50.0, 2),
        (
            opt_f(-400.0, 9000.0, 3),
            opt_f(-100.0, 100.0, 3),
            opt_f(0.0, 999.0, 1),
            proptest::option::of(0u16..1024),
        ),
    )
        .prop_map(|(talker, t, ll, qual, sats, hdop, (alt, sep, age, stn))| {
            Sentence::Gga(Gga {
                talker,
                time_of_day_s: t,
                lat_lon_deg: ll,
                fix_type: FixType::from_gga_quality(qual),
                satellites: sats,
                hdop,
                altitude_msl_m: alt,
                geoid_separation_m: sep,
                correction_age_s: age,
                station_id: stn,
            })
        })
}

fn rmc() -> impl Strategy<Value = Sentence> {
    (
        talker(),
        tod(),
        any::<bool>(),
        lat_lon(),
        opt_f(0.0, 100.0, 3),
        opt_f(0.0, 359.99, 2),
        proptest::option::of((1u8..=28, 1u8..=12, 1980i32..2080)),
        proptest::option::of(prop_oneof![Just('A'), Just('D'), Just('R'), Just('F'), Just('N')]),
    )
        .prop_map(|(talker, t, valid, ll, sog, cog, date, mode)| {
            Sentence::Rmc(Rmc {
                talker,
                time_of_day_s: t,
                valid,
                lat_lon_deg: ll,
                speed_knots: sog,
                course_true_deg: cog,
                date: date.map(|(day, month, year)| NmeaDate { year, month, day }),
                mode,
            })
        })
}

fn vtg() -> impl Strategy<Value = Sentence> {
    (
        talker(),
        opt_f(0.0, 359.99, 2),
        opt_f(0.0, 359.99, 2),
        opt_f(0.0, 100.0, 3),
        opt_f(0.0, 200.0, 3),
    )
        .prop_map(|(talker, c, m, kn, kmh)| {
            Sentence::Vtg(Vtg {
                talker,
                course_true_deg: c,
                course_magnetic_deg: m,
                speed_knots: kn,
                speed_kmh: kmh,
                mode: Some('A'),
            })
        })
}

fn gst() -> impl Strategy<Value = Sentence> {
    (
        talker(),
        tod(),
        opt_f(0.0, 100.0, 4),
        opt_f(0.0, 100.0, 4),
        opt_f(0.0, 100.0, 4),
        opt_f(0.0, 180.0, 2),
        opt_f(0.0, 50.0, 4),
    )
        .prop_map(|(talker, t, rms, a, b, o, s)| {
            Sentence::Gst(Gst {
                talker,
                time_of_day_s: t,
                rms_m: rms,
                semi_major_m: a,
                semi_minor_m: b,
                orientation_deg: o,
                sigma_lat_m: s,
                sigma_lon_m: s.map(|x| q(x * 0.5, 4)),
                sigma_alt_m: s.map(|x| q(x * 2.0, 4)),
            })
        })
}

fn hdt() -> impl Strategy<Value = Sentence> {
    (talker(), opt_f(0.0, 359.999, 3)).prop_map(|(talker, h)| {
        Sentence::Hdt(Hdt {
            talker,
            heading_true_deg: h,
        })
    })
}

fn sentence() -> impl Strategy<Value = Sentence> {
    prop_oneof![gga(), rmc(), vtg(), gst(), hdt()]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn valid_sentences_round_trip(s in sentence()) {
        let text = s.encode();
        let back = parse_sentence(&text);
        prop_assert_eq!(back.as_ref(), Ok(&s), "{}", text);
        prop_assert_eq!(back.unwrap().encode(), text);
    }

    #[test]
    fn random_bytes_never_panic_and_are_counted(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let mut reader = NmeaReader::new(&bytes[..]);
        let decoded = reader.by_ref().filter_map(Result::ok).count() as u64;
        let st = reader.stats();
        prop_assert_eq!(st.sentences, decoded);
    }

    #[test]
    fn random_text_after_dollar_never_panics(body in "[ -~]{0,120}") {
        let _ = parse_sentence(&format!("${body}"));
        let _ = parse_sentence(&format!("${body}*{:02X}", checksum(&body)));
    }

    #[test]
    fn mutated_sentences_never_panic_and_are_never_silently_wrong(
        s in sentence(),
        pos in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        op in 0u8..3,
    ) {
        let text = s.encode();
        let mut b = text.clone().into_bytes();
        let i = pos.index(b.len());
        match op {
            0 => b[i] = byte,
            1 => { b.remove(i); }
            _ => b.truncate(i),
        }
        let mut stats = NmeaStats::default();
        let mut out = Vec::new();
        decode_line(&b, &mut stats, &mut out);
        let changed = b != text.as_bytes();
        // A single-byte change of the body is caught by the XOR checksum; a decoded sentence after a
        // change must therefore be the original (e.g. a change of the hex digits' case).
        if changed {
            for d in &out {
                prop_assert_eq!(d, &s, "mutated {:?} decoded as {:?}", String::from_utf8_lossy(&b), d);
            }
        }
        prop_assert_eq!(stats.sentences, out.len() as u64);
    }
}

#[test]
fn generated_log_decodes_back_to_the_fixes() {
    let scn = ScenarioConfig {
        duration_s: 30.0,
        dual_antenna_sigma_rad: Some(0.002),
        ..Default::default()
    }
    .generate();
    let mut log = scn.to_nmea_log();
    // Corrupt the log: a garbage line, a truncated sentence and a flipped checksum.
    log.insert_str(0, "\u{1}\u{2}garbage\r\n$GNGGA,1000\r\n");
    let pos = log.find("*").unwrap();
    let wrong = if &log[pos + 1..pos + 2] == "0" { "1" } else { "0" };
    log.replace_range(pos + 1..pos + 2, wrong);
    let (ms, nmea, epochs) = read_nmea_log(log.as_bytes(), "sim.nmea").unwrap();
    assert_eq!(nmea.garbage, 1);
    assert_eq!(nmea.truncated, 1);
    assert_eq!(nmea.bad_checksum, 1);
    let fixes: Vec<_> = ms
        .iter()
        .filter_map(|m| if let GnssMeasurement::Fix(f) = m { Some(f) } else { None })
        .collect();
    let truth: Vec<_> = scn
        .arrivals
        .iter()
        .filter_map(|a| {
            if let SensorReading::Fix(f) = a.reading {
                Some(f)
            } else {
                None
            }
        })
        .collect();
    // The corrupted first GGA loses its epoch; everything else comes back.
    assert_eq!(fixes.len(), truth.len() - 1, "{epochs:?}");
    for f in &fixes {
        let t = truth
            .iter()
            .find(|x| (x.unix_time_s - f.unix_time_s).abs() < 1e-3)
            .expect("same epoch");
        assert_eq!(t.fix_type, f.fix_type);
        assert!((t.position.lat_deg - f.position.lat_deg).abs() < 1e-9);
        assert!((t.position.lon_deg - f.position.lon_deg).abs() < 1e-9);
        let (a, b) = (t.covariance.unwrap(), f.covariance.unwrap());
        assert!((a.east_east_m2.sqrt() - b.east_east_m2.sqrt()).abs() < 1e-4);
    }
    assert_eq!(epochs.headings, fixes.len() as u64);
}
