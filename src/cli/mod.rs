//! Subcommands of the `demine` binary: each file parses its arguments and calls the library.

pub mod can;
pub mod localize;
pub mod plan;
pub mod record;
pub mod sim;
