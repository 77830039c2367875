//! Reads a JSON report (`rampart scan --format json`) and renders it again in another format, to
//! measure reading (deserialisation interns results as they stream in) and as a format converter:
//! `cargo run --release -p rampart_report --example read_report -- report.json sarif out.sarif`.

use std::fs::File;
use std::io::{BufReader, BufWriter};

use rampart_report::{render, Format, Report};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let input = args.next().ok_or("usage: REPORT.json [FORMAT] [OUT]")?;
    let format: Format = args.next().map_or(Ok(Format::Json), |s| s.parse())?;
    let out = args.next().unwrap_or_else(|| "/dev/null".to_owned());
    let report: Report = serde_json::from_reader(BufReader::new(File::open(input)?))?;
    render(&report, format, &mut BufWriter::new(File::create(out)?))?;
    Ok(())
}
