//! A blocking SLCAN port: a serial device (`serialport`, no libudev) plus the codec.
//!
//! Opens the device raw, brings the adapter onto the bus with its profile's sequence
//! (`C`, `Sn`, [`Z1`], `O`/`L`/`M1`+`O`), and then reads replies and writes frames. Command
//! replies are matched in order; frames and bus events that arrive while waiting for a reply
//! are kept and returned by [`SlcanPort::read`] later.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serialport::{SerialPort, TTYPort};

use super::adapter::{AdapterError, AdapterProfile};
use super::frame::CanFrame;
use super::slcan::{AdapterReply, SlcanCommand};
use super::slcan_stream::{SlcanDecoder, StreamStats};

/// How to open an adapter.
#[derive(Clone, Debug)]
pub struct PortConfig {
    /// Serial device, e.g. `/dev/ttyACM0`.
    pub path: PathBuf,
    /// Adapter family.
    pub profile: AdapterProfile,
    /// CAN bit rate, bit/s. Default 500 000.
    pub bitrate_bps: u32,
    /// Open listen-only (no transmission, no ACKs on the bus).
    pub listen_only: bool,
    /// Ask for adapter timestamps (`Z1`) where the profile has them.
    pub timestamps: bool,
    /// UART speed, baud (ignored by USB-CDC adapters). Default 115 200.
    pub serial_baud: u32,
    /// How long to wait for a command reply. Default 1 s (as the Linux driver).
    pub reply_timeout: Duration,
    /// Lock the device against other openers (TIOCEXCL + flock). Default true.
    pub exclusive: bool,
}

impl PortConfig {
    /// Defaults for a device path.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            profile: AdapterProfile::Lawicel,
            bitrate_bps: 500_000,
            listen_only: false,
            timestamps: false,
            serial_baud: 115_200,
            reply_timeout: Duration::from_secs(1),
            exclusive: true,
        }
    }
}

/// Errors of the serial port.
#[derive(Debug, thiserror::Error)]
pub enum PortError {
    /// The device could not be opened.
    #[error("cannot open {path}: {source}")]
    Open {
        /// Device path.
        path: PathBuf,
        /// Why.
        source: serialport::Error,
    },
    /// Read or write failed (device gone).
    #[error("serial I/O on {path}: {source}")]
    Io {
        /// Device path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The device reported end of file (hung up).
    #[error("{0}: device hung up")]
    HungUp(PathBuf),
    /// No reply to a command in time.
    #[error("{path}: no reply to {command:?} within {timeout:?}")]
    Timeout {
        /// Device path.
        path: PathBuf,
        /// The command.
        command: SlcanCommand,
        /// The wait.
        timeout: Duration,
    },
    /// The adapter answered BEL.
    #[error("{path}: adapter refused {command:?}")]
    Refused {
        /// Device path.
        path: PathBuf,
        /// The command.
        command: SlcanCommand,
    },
    /// The profile cannot do what was asked.
    #[error(transparent)]
    Adapter(#[from] AdapterError),
}

/// An open, configured adapter.
pub struct SlcanPort {
    port: TTYPort,
    config: PortConfig,
    decoder: SlcanDecoder,
    pending: VecDeque<AdapterReply>,
    out: Vec<u8>,
}

fn is_command_reply(r: &AdapterReply) -> bool {
    matches!(
        r,
        AdapterReply::Ok
            | AdapterReply::Nack
            | AdapterReply::Status(_)
            | AdapterReply::Version { .. }
            | AdapterReply::VersionText(_)
            | AdapterReply::SerialNumber(_)
    )
}

impl SlcanPort {
    /// Opens the device and brings the adapter onto the bus.
    pub fn open(config: PortConfig) -> Result<Self, PortError> {
        let builder = serialport::new(config.path.to_string_lossy(), config.serial_baud)
            .timeout(Duration::from_millis(20))
            .exclusive(config.exclusive);
        let port = TTYPort::open(&builder).map_err(|source| PortError::Open {
            path: config.path.clone(),
            source,
        })?;
        let _ = port.clear(serialport::ClearBuffer::All);
        let mut p = Self {
            port,
            config,
            decoder: SlcanDecoder::new(),
            pending: VecDeque::new(),
            out: Vec::new(),
        };
        let mut seq = p
            .config
            .profile
            .open_sequence(p.config.bitrate_bps, p.config.listen_only)?;
        if p.config.timestamps && p.config.profile.has_status_and_timestamps() {
            let at = seq.len() - 1;
            seq.insert(at, SlcanCommand::Timestamps(true));
        }
        for cmd in seq {
            match p.command(cmd) {
                // Closing an adapter that is already closed may be refused; that is fine.
                Err(PortError::Refused { .. }) if cmd == SlcanCommand::Close => {}
                Err(e) => return Err(e),
                Ok(_) => {}
            }
        }
        Ok(p)
    }

    /// The settings it was opened with.
    pub fn config(&self) -> &PortConfig {
        &self.config
    }

    /// The file descriptor, for `poll`.
    pub fn raw_fd(&self) -> RawFd {
        self.port.as_raw_fd()
    }

    /// Decoder counters (malformed and over-long lines skipped).
    pub fn stats(&self) -> StreamStats {
        self.decoder.stats()
    }

    fn io_err(&self, source: std::io::Error) -> PortError {
        PortError::Io {
            path: self.config.path.clone(),
            source,
        }
    }

    fn write_cmd(&mut self, cmd: &SlcanCommand) -> Result<(), PortError> {
        self.out.clear();
        cmd.encode(&mut self.out);
        let out = std::mem::take(&mut self.out);
        let r = self.port.write_all(&out).map_err(|e| self.io_err(e));
        self.out = out;
        r
    }

    /// Reads what is available (waiting up to the port's 20 ms timeout) into the queue.
    /// Returns the number of bytes read.
    pub fn fill(&mut self) -> Result<usize, PortError> {
        let mut buf = [0u8; 1024];
        match self.port.read(&mut buf) {
            Ok(0) => Err(PortError::HungUp(self.config.path.clone())),
            Ok(n) => {
                let pending = &mut self.pending;
                self.decoder.push(&buf[..n], |r| pending.push_back(r));
                Ok(n)
            }
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut || e.kind() == std::io::ErrorKind::WouldBlock => Ok(0),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => Ok(0),
            Err(e) => Err(self.io_err(e)),
        }
    }

    /// Sends a command and waits for its reply.
    pub fn command(&mut self, cmd: SlcanCommand) -> Result<AdapterReply, PortError> {
        self.write_cmd(&cmd)?;
        let deadline = Instant::now() + self.config.reply_timeout;
        loop {
            if let Some(i) = self.pending.iter().position(is_command_reply) {
                let r = self.pending.remove(i).expect("index found");
                return match r {
                    AdapterReply::Nack => Err(PortError::Refused {
                        path: self.config.path.clone(),
                        command: cmd,
                    }),
                    r => Ok(r),
                };
            }
            if Instant::now() >= deadline {
                return Err(PortError::Timeout {
                    path: self.config.path.clone(),
                    command: cmd,
                    timeout: self.config.reply_timeout,
                });
            }
            self.fill()?;
        }
    }

    /// Queues a frame for transmission without waiting for the acknowledgement.
    pub fn send_frame(&mut self, frame: &CanFrame) -> Result<(), PortError> {
        self.write_cmd(&SlcanCommand::Transmit(*frame))
    }

    /// Sends a frame and, on adapters that acknowledge, waits for `z`/`Z` (BEL ⇒ refused).
    pub fn send_frame_confirmed(&mut self, frame: &CanFrame) -> Result<(), PortError> {
        self.send_frame(frame)?;
        if !self.config.profile.acks_transmit() {
            return Ok(());
        }
        let deadline = Instant::now() + self.config.reply_timeout;
        loop {
            if let Some(i) = self
                .pending
                .iter()
                .position(|r| matches!(r, AdapterReply::TxAck { .. } | AdapterReply::Nack))
            {
                return match self.pending.remove(i) {
                    Some(AdapterReply::Nack) => Err(PortError::Refused {
                        path: self.config.path.clone(),
                        command: SlcanCommand::Transmit(*frame),
                    }),
                    _ => Ok(()),
                };
            }
            if Instant::now() >= deadline {
                return Err(PortError::Timeout {
                    path: self.config.path.clone(),
                    command: SlcanCommand::Transmit(*frame),
                    timeout: self.config.reply_timeout,
                });
            }
            self.fill()?;
        }
    }

    /// The next reply or frame, waiting up to about `timeout`.
    pub fn read(&mut self, timeout: Duration) -> Result<Option<AdapterReply>, PortError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(r) = self.pending.pop_front() {
                return Ok(Some(r));
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            self.fill()?;
        }
    }

    /// Takes whatever has been decoded, without reading.
    pub fn take_pending(&mut self) -> Option<AdapterReply> {
        self.pending.pop_front()
    }

    /// Closes the channel (`C`), best effort.
    pub fn close(&mut self) {
        let _ = self.write_cmd(&SlcanCommand::Close);
        let _ = self.port.flush();
    }
}
