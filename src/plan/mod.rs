//! Coverage planning (being written).
