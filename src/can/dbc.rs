//! The vehicle's DBC file, loaded into message and signal definitions that encode and decode.
//!
//! The shipped file `can/vehicle.dbc` is compiled in with `include_str!` and parsed once
//! ([`Dbc::vehicle`]); the typed protocol in [`crate::can::protocol`] encodes and decodes through
//! it, so the DBC is the single source of the byte layout.
//!
//! Signals are little-endian (Intel, `@1`) bit fields; bit `n` of the message is bit `n % 8` of
//! byte `n / 8`:
//!
//! ```text
//! byte     0                1                2
//! bit   7 6 5 4 3 2 1 0  15 ......... 8   23 ........ 16
//!       └─ start_bit = 0, length 16 ────┘  (LSB in byte 0)
//! physical = raw * factor + offset; raw is two's complement when the signal is signed
//! ```

use std::sync::OnceLock;

use super::frame::{CanFrame, Id};

/// The DBC text shipped in the repository.
pub const VEHICLE_DBC: &str = include_str!("../../can/vehicle.dbc");

/// Errors loading a DBC or encoding/decoding with it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DbcError {
    /// Syntax or unsupported construct.
    #[error("DBC line {line}: {msg}")]
    Parse {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        msg: String,
    },
    /// No message of that name.
    #[error("unknown message {0:?} (known: {1})")]
    UnknownMessage(String, String),
    /// No signal of that name in the message.
    #[error("message {message}: unknown signal {signal:?} (signals: {known})")]
    UnknownSignal {
        /// Message name.
        message: String,
        /// Signal asked for.
        signal: String,
        /// The message's signals.
        known: String,
    },
    /// A signal was not given a value.
    #[error("message {message}: no value for signal {signal}")]
    MissingSignal {
        /// Message name.
        message: String,
        /// Signal name.
        signal: String,
    },
    /// A value outside the signal's range.
    #[error("message {message}: {signal} = {value} {unit} is outside [{min}, {max}]")]
    OutOfRange {
        /// Message name.
        message: String,
        /// Signal name.
        signal: String,
        /// The value given.
        value: f64,
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
        /// Unit of the signal.
        unit: String,
    },
    /// The frame is shorter than the message.
    #[error("message {message}: {got} data bytes, expected {expected}")]
    WrongLength {
        /// Message name.
        message: String,
        /// DLC in the DBC.
        expected: usize,
        /// Bytes received.
        got: usize,
    },
}

/// One signal of a message.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalDef {
    /// Name.
    pub name: String,
    /// First (least significant) bit.
    pub start_bit: u8,
    /// Width in bits, 1–64.
    pub length: u8,
    /// Two's complement raw value.
    pub signed: bool,
    /// Physical units per raw step.
    pub factor: f64,
    /// Physical value at raw 0.
    pub offset: f64,
    /// Smallest physical value allowed.
    pub min: f64,
    /// Largest physical value allowed.
    pub max: f64,
    /// Unit text.
    pub unit: String,
    /// Receiving nodes.
    pub receivers: Vec<String>,
    /// Named raw values (`VAL_`).
    pub choices: Vec<(i64, String)>,
    /// `CM_` text.
    pub comment: Option<String>,
}

/// One message.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageDef {
    /// CAN identifier.
    pub id: Id,
    /// Name.
    pub name: String,
    /// Length in bytes.
    pub dlc: u8,
    /// Sending node.
    pub sender: String,
    /// Signals in file order.
    pub signals: Vec<SignalDef>,
    /// `GenMsgCycleTime` in ms; `None` for event messages.
    pub cycle_time_ms: Option<u32>,
    /// `CM_` text.
    pub comment: Option<String>,
}

/// A parsed DBC.
#[derive(Debug, Clone, PartialEq)]
pub struct Dbc {
    /// Messages in file order.
    pub messages: Vec<MessageDef>,
    /// Node names (`BU_`).
    pub nodes: Vec<String>,
}

impl Dbc {
    /// Parses DBC text.
    pub fn parse(text: &str) -> Result<Self, DbcError> {
        let (messages, nodes) = super::dbc_parse::parse(text)?;
        Ok(Self { messages, nodes })
    }

    /// The shipped vehicle DBC, parsed once.
    pub fn vehicle() -> &'static Dbc {
        static DBC: OnceLock<Dbc> = OnceLock::new();
        DBC.get_or_init(|| Dbc::parse(VEHICLE_DBC).expect("the shipped can/vehicle.dbc parses (tested)"))
    }

    /// The message called `name`.
    pub fn message(&self, name: &str) -> Result<&MessageDef, DbcError> {
        self.messages.iter().find(|m| m.name == name).ok_or_else(|| {
            let known: Vec<&str> = self.messages.iter().map(|m| m.name.as_str()).collect();
            DbcError::UnknownMessage(name.to_owned(), known.join(", "))
        })
    }

    /// The message with this identifier, if any.
    pub fn message_by_id(&self, id: Id) -> Option<&MessageDef> {
        self.messages.iter().find(|m| m.id == id)
    }
}

impl SignalDef {
    /// Raw value of this signal in a 64-bit little-endian payload.
    fn extract(&self, payload: u64) -> i64 {
        // Fields are public, so do not trust them to be in range (the parser checks them).
        let length = self.length.min(64);
        if length == 0 {
            return 0;
        }
        let mask = if length == 64 { u64::MAX } else { (1u64 << length) - 1 };
        let raw = payload.checked_shr(u32::from(self.start_bit)).unwrap_or(0) & mask;
        if self.signed && length < 64 && raw & (1u64 << (length - 1)) != 0 {
            (raw | !mask) as i64
        } else {
            raw as i64
        }
    }

    /// The physical value in a payload (little-endian, zero-padded to 8 bytes).
    pub fn decode(&self, data: &[u8]) -> f64 {
        let mut b = [0u8; 8];
        b[..data.len().min(8)].copy_from_slice(&data[..data.len().min(8)]);
        self.extract(u64::from_le_bytes(b)) as f64 * self.factor + self.offset
    }

    /// The raw value of a physical value, range-checked.
    fn raw_of(&self, message: &str, value: f64) -> Result<u64, DbcError> {
        let out_of_range = || DbcError::OutOfRange {
            message: message.to_owned(),
            signal: self.name.clone(),
            value,
            min: self.min,
            max: self.max,
            unit: self.unit.clone(),
        };
        let slack = self.factor.abs() * 1e-6;
        if !value.is_finite() || value < self.min - slack || value > self.max + slack {
            return Err(out_of_range());
        }
        let raw = ((value - self.offset) / self.factor).round();
        let (lo, hi) = if self.signed {
            (
                -(2f64.powi(i32::from(self.length) - 1)),
                2f64.powi(i32::from(self.length) - 1) - 1.0,
            )
        } else {
            (0.0, 2f64.powi(i32::from(self.length)) - 1.0)
        };
        if raw < lo || raw > hi {
            return Err(out_of_range());
        }
        let mask = 1u64.checked_shl(u32::from(self.length)).map_or(u64::MAX, |b| b - 1);
        Ok((raw as i64 as u64) & mask)
    }

    /// The name of a raw value, if the DBC gives one.
    pub fn label(&self, raw: i64) -> Option<&str> {
        self.choices.iter().find(|(v, _)| *v == raw).map(|(_, s)| s.as_str())
    }

    /// The raw value named `label`, if any.
    pub fn value_of_label(&self, label: &str) -> Option<i64> {
        self.choices.iter().find(|(_, s)| s == label).map(|(v, _)| *v)
    }
}

impl MessageDef {
    /// The signal called `name`.
    pub fn signal(&self, name: &str) -> Result<&SignalDef, DbcError> {
        self.signals
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| DbcError::UnknownSignal {
                message: self.name.clone(),
                signal: name.to_owned(),
                known: self
                    .signals
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// Encodes a frame; `value_of(signal)` gives each signal's physical value. Every signal must
    /// have a value within its range.
    pub fn encode_with(&self, mut value_of: impl FnMut(&SignalDef) -> Option<f64>) -> Result<CanFrame, DbcError> {
        let mut payload = 0u64;
        for s in &self.signals {
            let v = value_of(s).ok_or_else(|| DbcError::MissingSignal {
                message: self.name.clone(),
                signal: s.name.clone(),
            })?;
            payload |= s
                .raw_of(&self.name, v)?
                .checked_shl(u32::from(s.start_bit))
                .unwrap_or(0);
        }
        let bytes = payload.to_le_bytes();
        Ok(CanFrame::data_frame(self.id, &bytes[..usize::from(self.dlc)]).expect("DLC checked <= 8 when parsed"))
    }

    /// Encodes a frame from `(signal, physical value)` pairs; unknown names are errors.
    pub fn encode(&self, values: &[(&str, f64)]) -> Result<CanFrame, DbcError> {
        for (n, _) in values {
            self.signal(n)?;
        }
        self.encode_with(|s| values.iter().find(|(n, _)| *n == s.name).map(|(_, v)| *v))
    }

    /// Decodes every signal: `(signal, physical value)`. A frame shorter than the DBC's DLC is
    /// an error (a longer one is accepted; the extra bytes are ignored).
    pub fn decode<'a>(&'a self, data: &[u8]) -> Result<Vec<(&'a SignalDef, f64)>, DbcError> {
        if data.len() < usize::from(self.dlc) {
            return Err(DbcError::WrongLength {
                message: self.name.clone(),
                expected: usize::from(self.dlc),
                got: data.len(),
            });
        }
        Ok(self.signals.iter().map(|s| (s, s.decode(data))).collect())
    }

    /// The J1939 priority, PGN and source address of an extended identifier.
    pub fn j1939(&self) -> Option<super::frame::J1939Id> {
        match self.id {
            Id::Extended(e) => Some(super::frame::J1939Id::from_raw(e.as_raw())),
            Id::Standard(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_dbc_parses_with_every_signal_described() {
        let dbc = Dbc::vehicle();
        assert_eq!(dbc.messages.len(), 10);
        assert_eq!(dbc.nodes, vec!["HOST", "VCU"]);
        for m in &dbc.messages {
            let j = m.j1939().expect("29-bit ids");
            assert!(
                (0xFF00..=0xFFFF).contains(&j.pgn),
                "{} PGN {:X} proprietary B",
                m.name,
                j.pgn
            );
            assert!(j.source == 0x2A || j.source == 0x10);
            assert!(m.comment.is_some(), "{} has a comment", m.name);
            for s in &m.signals {
                assert!(s.min < s.max, "{}.{}", m.name, s.name);
            }
        }
        assert_eq!(dbc.message("DriveCommand").unwrap().cycle_time_ms, Some(20));
        assert_eq!(dbc.message("Detonation").unwrap().cycle_time_ms, None);
    }

    #[test]
    fn signed_round_trip_and_golden() {
        let m = Dbc::vehicle().message("DriveCommand").unwrap();
        let f = m
            .encode(&[("LeftTrackSpeedCmd", -1.5), ("RightTrackSpeedCmd", 2.0)])
            .unwrap();
        assert_eq!(f.data(), &[0x24, 0xFA, 0xD0, 0x07]);
        let d = m.decode(f.data()).unwrap();
        assert!((d[0].1 + 1.5).abs() < 1e-9 && (d[1].1 - 2.0).abs() < 1e-9);
    }

    #[test]
    fn errors_name_what_and_where() {
        let m = Dbc::vehicle().message("ImplementCommand").unwrap();
        let e = m.encode(&[
            ("RotorEnableCmd", 1.0),
            ("RotorSpeedSetpoint", 5000.0),
            ("DepthSetpoint", 0.2),
        ]);
        assert!(matches!(e, Err(DbcError::OutOfRange { ref signal, .. }) if signal == "RotorSpeedSetpoint"));
        assert!(matches!(
            m.encode(&[("Nope", 1.0)]),
            Err(DbcError::UnknownSignal { .. })
        ));
        assert!(matches!(
            m.encode(&[("RotorEnableCmd", 1.0)]),
            Err(DbcError::MissingSignal { .. })
        ));
        assert!(matches!(
            Dbc::vehicle().message("Nope"),
            Err(DbcError::UnknownMessage(..))
        ));
        assert!(matches!(m.decode(&[0; 2]), Err(DbcError::WrongLength { .. })));
        assert!(m
            .encode(&[
                ("RotorEnableCmd", f64::NAN),
                ("RotorSpeedSetpoint", 0.0),
                ("DepthSetpoint", 0.0)
            ])
            .is_err());
    }

    #[test]
    fn refuses_what_it_does_not_understand() {
        let big_endian = "BU_: A\nBO_ 100 M: 8 A\n SG_ S : 7|8@0+ (1,0) [0|255] \"\" A\n";
        assert!(matches!(Dbc::parse(big_endian), Err(DbcError::Parse { line: 3, .. })));
        let mux = "BU_: A\nBO_ 100 M: 8 A\n SG_ S M : 0|8@1+ (1,0) [0|255] \"\" A\n";
        assert!(Dbc::parse(mux).is_err());
        let too_long = "BU_: A\nBO_ 100 M: 1 A\n SG_ S : 4|8@1+ (1,0) [0|255] \"\" A\n";
        assert!(Dbc::parse(too_long).is_err());
    }
}
