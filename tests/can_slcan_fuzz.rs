//! Property tests of the SLCAN codec: any byte stream decodes without panic and with bounded
//! memory; every valid frame embedded in garbage is recovered after the next terminator;
//! chunking does not change the result; every frame round-trips. Also: any payload under a vehicle
//! identifier and any damaged DBC text are handled without panic.

use demine::can::frame::{CanFrame, ExtendedId, Id, StandardId};
use demine::can::slcan::{encode_frame, AdapterReply, SlcanCommand};
use demine::can::slcan_stream::{CommandDecoder, SlcanDecoder, MAX_LINE_LEN};
use proptest::prelude::*;

fn any_frame() -> impl Strategy<Value = CanFrame> {
    let id = prop_oneof![
        (0u16..=0x7FF).prop_map(|i| Id::Standard(StandardId::new(i).unwrap())),
        (0u32..=0x1FFF_FFFF).prop_map(|i| Id::Extended(ExtendedId::new(i).unwrap())),
    ];
    (
        id,
        proptest::collection::vec(any::<u8>(), 0..=8),
        any::<bool>(),
        0usize..=8,
    )
        .prop_map(|(id, data, remote, dlc)| {
            if remote {
                CanFrame::remote_frame(id, dlc).unwrap()
            } else {
                CanFrame::data_frame(id, &data).unwrap()
            }
        })
}

fn frames_of(replies: &[AdapterReply]) -> Vec<CanFrame> {
    replies
        .iter()
        .filter_map(|r| match r {
            AdapterReply::Frame { frame, .. } => Some(*frame),
            _ => None,
        })
        .collect()
}

fn is_subsequence(needle: &[CanFrame], hay: &[CanFrame]) -> bool {
    let mut it = hay.iter();
    needle.iter().all(|n| it.any(|h| h == n))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_decode_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let mut d = SlcanDecoder::new();
        let out = d.push_collect(&bytes);
        let terminators = bytes.iter().filter(|&&b| b == b'\r' || b == 0x07).count() as u64;
        let st = d.stats();
        prop_assert!(st.lines + st.malformed + st.overlong <= terminators + 1);
        prop_assert_eq!(out.len() as u64, st.lines);
        let mut c = CommandDecoder::new();
        c.push(&bytes, |_| {});
        let _ = AdapterReply::parse(&bytes);
        let _ = SlcanCommand::parse(&bytes);
    }

    #[test]
    fn frames_embedded_in_garbage_are_recovered(
        parts in proptest::collection::vec((proptest::collection::vec(any::<u8>(), 0..200), any_frame(), any::<bool>(), any::<u16>()), 1..20)
    ) {
        let mut stream = Vec::new();
        let mut want = Vec::new();
        for (garbage, frame, ts, t) in &parts {
            stream.extend_from_slice(garbage);
            stream.push(b'\r'); // the resynchronisation point
            encode_frame(frame, ts.then_some(*t), &mut stream);
            stream.push(b'\r');
            want.push(*frame);
        }
        let got = frames_of(&SlcanDecoder::new().push_collect(&stream));
        prop_assert!(is_subsequence(&want, &got), "want {:?}\ngot {:?}", want, got);
    }

    #[test]
    fn chunking_does_not_change_the_result(
        bytes in proptest::collection::vec(prop_oneof![Just(b'\r'), Just(b'T'), Just(b't'), Just(b'0'), Just(b'8'), any::<u8>()], 0..2000),
        cuts in proptest::collection::vec(0usize..2000, 0..20),
    ) {
        let whole = SlcanDecoder::new().push_collect(&bytes);
        let mut cuts: Vec<usize> = cuts.into_iter().filter(|&c| c <= bytes.len()).collect();
        cuts.sort_unstable();
        let mut d = SlcanDecoder::new();
        let (mut pieces, mut last) = (Vec::new(), 0);
        for c in cuts.into_iter().chain([bytes.len()]) {
            pieces.extend(d.push_collect(&bytes[last..c]));
            last = c;
        }
        prop_assert_eq!(whole, pieces);
    }

    #[test]
    fn every_frame_round_trips(frame in any_frame(), ts in proptest::option::of(0u16..60_000)) {
        let mut line = Vec::new();
        AdapterReply::Frame { frame, timestamp_ms: ts }.encode(&mut line);
        prop_assert!(line.len() <= 31);
        prop_assert_eq!(SlcanDecoder::new().push_collect(&line), vec![AdapterReply::Frame { frame, timestamp_ms: ts }]);
        let mut cmd = Vec::new();
        SlcanCommand::Transmit(frame).encode(&mut cmd);
        prop_assert_eq!(SlcanCommand::parse(&cmd[..cmd.len() - 1]), Ok(SlcanCommand::Transmit(frame)));
    }
}

#[test]
fn megabytes_without_a_terminator_stay_bounded() {
    let mut d = SlcanDecoder::new();
    let chunk = vec![b'A'; 1 << 16];
    for _ in 0..64 {
        d.push(&chunk, |_| panic!("no line can end without a terminator"));
    }
    assert_eq!(d.stats().overlong, 1);
    let out = d.push_collect(b"\rt1230\r");
    assert_eq!(frames_of(&out).len(), 1);
    const { assert!(MAX_LINE_LEN >= 31) };
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Any payload under any vehicle identifier decodes or is refused; nothing panics.
    #[test]
    fn any_payload_under_a_vehicle_id_is_handled(which in 0usize..10, data in proptest::collection::vec(any::<u8>(), 0..=8)) {
        use demine::can::protocol::{VehicleCommand, VehicleFeedback};
        let m = &demine::can::dbc::Dbc::vehicle().messages[which];
        let f = CanFrame::data_frame(m.id, &data).unwrap();
        let _ = VehicleCommand::decode(&f);
        let _ = VehicleFeedback::decode(&f);
    }

    /// The DBC parser refuses or accepts any text without panicking, including damaged copies
    /// of the shipped file.
    #[test]
    fn dbc_parser_survives_damaged_text(cut in 0usize..6000, junk in "[ -~\n]{0,40}") {
        let text = demine::can::dbc::VEHICLE_DBC;
        let cut = cut.min(text.len());
        let cut = (0..=cut).rev().find(|&c| text.is_char_boundary(c)).unwrap_or(0);
        let damaged = format!("{}{}{}", &text[..cut], junk, &text[cut..]);
        let _ = demine::can::dbc::Dbc::parse(&damaged);
        let _ = demine::can::dbc::Dbc::parse(&junk);
    }
}
