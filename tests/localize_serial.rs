//! The real byte path: NMEA written to a pseudo-terminal, read through `serialport` and
//! `NmeaReader`, the way a receiver on /dev/ttyACM0 is read.

use std::io::Write;

use demine::gnss::serial::open_serial;
use demine::gnss::{EpochAssembler, GnssMeasurement, NmeaReader};
use demine::localize::scenario::ScenarioConfig;

#[test]
fn nmea_over_a_pty_reaches_the_assembler() {
    let pty = nix::pty::openpty(None, None).expect("openpty");
    let path = nix::unistd::ttyname(&pty.slave).expect("ttyname");
    let port = open_serial(path.to_str().unwrap(), 115_200, 200).expect("open pty as serial port");
    let mut master = std::fs::File::from(pty.master);
    let log = ScenarioConfig {
        duration_s: 5.0,
        ..Default::default()
    }
    .generate()
    .to_nmea_log();
    let writer = std::thread::spawn(move || {
        // Garbage and a cut sentence first, then the log in odd-sized chunks.
        master.write_all(b"\x00\xffnoise\r\n$GNGGA,10\r\n").unwrap();
        for chunk in log.as_bytes().chunks(37) {
            master.write_all(chunk).unwrap();
        }
        master.flush().unwrap();
        master
    });
    let mut reader = NmeaReader::new(port);
    let mut asm = EpochAssembler::new();
    let mut out = Vec::new();
    let mut timeouts = 0;
    while asm.stats().fixes < 50 && timeouts < 20 {
        match reader.next_sentence() {
            Ok(Some(s)) => asm.push(s, &mut out),
            Ok(None) => break,
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => timeouts += 1,
            Err(e) => panic!("read: {e}"),
        }
    }
    let _master = writer.join().unwrap();
    let fixes = out.iter().filter(|m| matches!(m, GnssMeasurement::Fix(_))).count();
    assert_eq!(fixes, 50);
    let st = reader.stats();
    assert_eq!(st.garbage, 1, "{st:?}");
    assert_eq!(st.truncated, 1, "{st:?}");
}
