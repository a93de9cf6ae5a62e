//! Subcommands of the `demine` binary: each file parses its arguments and calls the library.

pub mod can;
pub mod localize;
pub mod plan;
pub mod record;
pub mod sim;

/// Exit codes of `demine` besides 0 (success), 1 (an input refused or an I/O error) and 2 (clap:
/// the command line does not parse). The table is in the README and `demine sim --help`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitCode {
    /// The mission ended `aborted` (a safety trip that ends the mission, no progress, operator abort).
    Aborted = 3,
    /// The pre-flight checks failed: the mission never started clearing.
    PreflightFailed = 4,
    /// The run stopped before the mission ended (simulated time limit): resumable; or every segment
    /// was driven but a detonation block is left unprocessed.
    Incomplete = 5,
}

/// An outcome that is not success, said on stderr and turned into its exit code by `main`.
#[derive(Debug)]
pub struct Outcome {
    pub code: ExitCode,
    pub message: String,
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Outcome {}

/// Colour in the log only on a terminal, and never with `NO_COLOR` set (no-color.org).
pub fn colour_wanted() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}
