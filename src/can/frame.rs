//! Classic CAN 2.0 frames, valid by construction.
//!
//! A [`CanFrame`] holds an identifier (11-bit [`StandardId`] or 29-bit [`ExtendedId`], the
//! `embedded-can` types, which cannot hold an out-of-range value), a data length code 0–8 and,
//! for data frames, exactly that many data bytes. Remote frames carry a DLC but no data.
//! The type implements [`embedded_can::Frame`], so drivers written against that trait accept it.
//!
//! J1939 helpers split a 29-bit identifier into its fields:
//!
//! ```text
//!  28 27 26 | 25  | 24 | 23 ........ 16 | 15 ......... 8 | 7 .......... 0
//!  priority | EDP | DP | PDU format (PF) | PDU specific (PS) | source address (SA)
//!  PGN = EDP|DP|PF|PS, with PS forced to 0 when PF < 240 (PDU1: PS is a destination address)
//! ```

pub use embedded_can::{ExtendedId, Frame, Id, StandardId};

/// Largest classic CAN payload, in bytes.
pub const MAX_DATA_LEN: usize = 8;

/// A classic CAN data or remote frame.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CanFrame {
    id: Id,
    dlc: u8,
    remote: bool,
    data: [u8; MAX_DATA_LEN],
}

impl CanFrame {
    /// A data frame; `None` when `data` is longer than 8 bytes.
    pub fn data_frame(id: impl Into<Id>, data: &[u8]) -> Option<Self> {
        if data.len() > MAX_DATA_LEN {
            return None;
        }
        let mut buf = [0u8; MAX_DATA_LEN];
        buf[..data.len()].copy_from_slice(data);
        Some(Self {
            id: id.into(),
            dlc: data.len() as u8,
            remote: false,
            data: buf,
        })
    }

    /// A remote (RTR) frame requesting `dlc` bytes; `None` when `dlc > 8`.
    pub fn remote_frame(id: impl Into<Id>, dlc: usize) -> Option<Self> {
        if dlc > MAX_DATA_LEN {
            return None;
        }
        Some(Self {
            id: id.into(),
            dlc: dlc as u8,
            remote: true,
            data: [0; MAX_DATA_LEN],
        })
    }

    /// A data frame with a 29-bit identifier given as a raw number; `None` when the identifier
    /// does not fit 29 bits or the data is longer than 8 bytes.
    pub fn extended(raw_id: u32, data: &[u8]) -> Option<Self> {
        Self::data_frame(ExtendedId::new(raw_id)?, data)
    }

    /// A data frame with an 11-bit identifier given as a raw number.
    pub fn standard(raw_id: u16, data: &[u8]) -> Option<Self> {
        Self::data_frame(StandardId::new(raw_id)?, data)
    }

    /// The identifier.
    pub fn id(&self) -> Id {
        self.id
    }

    /// The identifier as a number (11 or 29 significant bits).
    pub fn raw_id(&self) -> u32 {
        match self.id {
            Id::Standard(s) => u32::from(s.as_raw()),
            Id::Extended(e) => e.as_raw(),
        }
    }

    /// True for a 29-bit identifier.
    pub fn is_extended(&self) -> bool {
        matches!(self.id, Id::Extended(_))
    }

    /// True for a remote (RTR) frame.
    pub fn is_remote(&self) -> bool {
        self.remote
    }

    /// The data length code, 0–8.
    pub fn dlc(&self) -> usize {
        usize::from(self.dlc)
    }

    /// The payload: `dlc` bytes for a data frame, empty for a remote frame.
    pub fn data(&self) -> &[u8] {
        if self.remote {
            &[]
        } else {
            &self.data[..self.dlc()]
        }
    }

    /// Number of bits this frame occupies on the wire, worst case with bit stuffing,
    /// including the 3-bit interframe space. Used to model bus load.
    pub fn wire_bits(&self) -> u32 {
        let payload = if self.remote { 0 } else { 8 * u32::from(self.dlc) };
        // SOF..CRC delimiter: standard 34 bits + data, extended 54 bits + data; stuffing adds
        // at most one bit per four after the first; then ACK (2), EOF (7) and IFS (3).
        let stuffed = if self.is_extended() { 54 } else { 34 } + payload;
        stuffed + (stuffed - 1) / 4 + 12
    }
}

impl embedded_can::Frame for CanFrame {
    fn new(id: impl Into<Id>, data: &[u8]) -> Option<Self> {
        Self::data_frame(id, data)
    }
    fn new_remote(id: impl Into<Id>, dlc: usize) -> Option<Self> {
        Self::remote_frame(id, dlc)
    }
    fn is_extended(&self) -> bool {
        CanFrame::is_extended(self)
    }
    fn is_remote_frame(&self) -> bool {
        self.remote
    }
    fn id(&self) -> Id {
        self.id
    }
    fn dlc(&self) -> usize {
        CanFrame::dlc(self)
    }
    fn data(&self) -> &[u8] {
        CanFrame::data(self)
    }
}

impl std::fmt::Debug for CanFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.id {
            Id::Standard(_) => write!(f, "{:03X}", self.raw_id())?,
            Id::Extended(_) => write!(f, "{:08X}", self.raw_id())?,
        }
        if self.remote {
            write!(f, " R{}", self.dlc)
        } else {
            write!(f, " [{}]", self.dlc)?;
            for b in self.data() {
                write!(f, " {b:02X}")?;
            }
            Ok(())
        }
    }
}

/// The fields of a J1939 29-bit identifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct J1939Id {
    /// 0 (highest) ..= 7.
    pub priority: u8,
    /// Parameter group number (18 bits; PS is zero for PDU1 groups).
    pub pgn: u32,
    /// Destination address for PDU1 groups (PF < 240), `None` for broadcast PDU2 groups.
    pub destination: Option<u8>,
    /// Source address.
    pub source: u8,
}

impl J1939Id {
    /// Splits a 29-bit identifier.
    pub fn from_raw(raw: u32) -> Self {
        let pf = (raw >> 16) & 0xFF;
        let ps = ((raw >> 8) & 0xFF) as u8;
        let dp_edp = (raw >> 24) & 0x03;
        let (pgn, destination) = if pf < 240 {
            ((dp_edp << 16) | (pf << 8), Some(ps))
        } else {
            ((dp_edp << 16) | (pf << 8) | u32::from(ps), None)
        };
        Self {
            priority: ((raw >> 26) & 0x07) as u8,
            pgn,
            destination,
            source: (raw & 0xFF) as u8,
        }
    }

    /// Joins the fields into a 29-bit identifier. The priority is masked to 3 bits, the PGN to 18.
    pub fn to_raw(&self) -> u32 {
        let mut pgn = self.pgn & 0x3_FFFF;
        if ((pgn >> 8) & 0xFF) < 240 {
            pgn = (pgn & 0x3_FF00) | u32::from(self.destination.unwrap_or(0xFF));
        }
        (u32::from(self.priority & 0x07) << 26) | (pgn << 8) | u32::from(self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn construction_rejects_invalid() {
        assert!(CanFrame::extended(0x2000_0000, &[]).is_none());
        assert!(CanFrame::standard(0x800, &[]).is_none());
        assert!(CanFrame::extended(0x1FFF_FFFF, &[0; 9]).is_none());
        assert!(CanFrame::remote_frame(StandardId::ZERO, 9).is_none());
        let f = CanFrame::standard(0x7FF, &[1, 2, 3]).unwrap();
        assert_eq!((f.raw_id(), f.dlc(), f.data()), (0x7FF, 3, &[1u8, 2, 3][..]));
        let r = CanFrame::remote_frame(StandardId::MAX, 4).unwrap();
        assert!(r.is_remote() && r.data().is_empty() && r.dlc() == 4);
    }

    #[test]
    fn embedded_can_trait_round_trip() {
        fn via_trait<F: embedded_can::Frame>(id: Id, data: &[u8]) -> (bool, usize, Vec<u8>) {
            let f = F::new(id, data).unwrap();
            (f.is_extended(), f.dlc(), f.data().to_vec())
        }
        let id = Id::Extended(ExtendedId::new(0x0CFF_102A).unwrap());
        assert_eq!(via_trait::<CanFrame>(id, &[9, 8]), (true, 2, vec![9, 8]));
    }

    #[test]
    fn j1939_fields() {
        let j = J1939Id::from_raw(0x0CFF_102A);
        assert_eq!(
            j,
            J1939Id {
                priority: 3,
                pgn: 0xFF10,
                destination: None,
                source: 0x2A
            }
        );
        assert_eq!(j.to_raw(), 0x0CFF_102A);
        let tsc1 = J1939Id::from_raw(0x0C00_0003);
        assert_eq!((tsc1.pgn, tsc1.destination, tsc1.source), (0, Some(0), 3));
        assert_eq!(tsc1.to_raw(), 0x0C00_0003);
    }

    #[test]
    fn wire_bits_bounds() {
        let f = CanFrame::extended(1, &[0; 8]).unwrap();
        assert_eq!(f.wire_bits(), 54 + 64 + (54 + 64 - 1) / 4 + 12);
    }
}
