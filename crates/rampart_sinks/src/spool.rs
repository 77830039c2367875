//! The per-sink disk spool: alerts a sink could not take yet, kept in
//! `<state_dir>/<sink>.spool.jsonl` (one alert per line, appended and fsynced) with the
//! byte offset of the first undelivered line in `<sink>.spool.offset`.
//!
//! Invariants: every line before `offset` was delivered; every line from `offset` on was
//! not, or was delivered but the offset update did not reach the disk (a crash between
//! delivery and the offset write re-sends that alert: at-least-once). When the offset
//! reaches the end, both files are truncated/removed. A line that does not parse (torn
//! write at a crash) is moved to `<sink>.spool.bad` with a warning, never dropped silently.

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use rampart_alerts::Alert;

use crate::error::SinkError;

#[derive(Debug)]
pub(crate) struct Spool {
    path: PathBuf,
    offset_path: PathBuf,
    bad_path: PathBuf,
    /// Start of the first undelivered line.
    offset: u64,
    /// Length of the spool file as this process knows it.
    len: u64,
}

impl Spool {
    pub(crate) fn open(state_dir: &Path, sink: &str) -> Result<Self, SinkError> {
        let path = state_dir.join(format!("{sink}.spool.jsonl"));
        let offset_path = state_dir.join(format!("{sink}.spool.offset"));
        let bad_path = state_dir.join(format!("{sink}.spool.bad"));
        let len = match fs::metadata(&path) {
            Ok(m) => m.len(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
            Err(e) => return Err(SinkError::io(path.display().to_string(), e)),
        };
        let offset = match fs::read_to_string(&offset_path) {
            Ok(s) => s.trim().parse::<u64>().unwrap_or_else(|_| {
                tracing::warn!(file = %offset_path.display(), "unreadable spool offset; resending the whole spool");
                0
            }),
            Err(_) => 0,
        }
        .min(len);
        let mut len = len;
        if len > 0
            && last_byte(&path).map_err(|e| SinkError::io(path.display().to_string(), e))? != b'\n'
        {
            // A torn last line from a crash: end it so the next append starts a fresh line
            // (the torn line then fails to parse and is quarantined).
            let mut f = OpenOptions::new()
                .append(true)
                .open(&path)
                .map_err(|e| SinkError::io(path.display().to_string(), e))?;
            f.write_all(b"\n")
                .map_err(|e| SinkError::io(path.display().to_string(), e))?;
            len += 1;
        }
        Ok(Self {
            path,
            offset_path,
            bad_path,
            offset,
            len,
        })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.offset >= self.len
    }

    /// Appends one alert and fsyncs, so that a spooled alert survives a crash.
    pub(crate) fn append(&mut self, alert: &Alert) -> Result<(), SinkError> {
        let mut line = serde_json::to_vec(alert).map_err(|e| SinkError::Encode(e.to_string()))?;
        line.push(b'\n');
        let ctx = || self.path.display().to_string();
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| SinkError::io(ctx(), e))?;
        f.write_all(&line).map_err(|e| SinkError::io(ctx(), e))?;
        f.sync_data().map_err(|e| SinkError::io(ctx(), e))?;
        self.len = f.metadata().map_err(|e| SinkError::io(ctx(), e))?.len();
        Ok(())
    }

    /// Up to `max` undelivered alerts from the offset on, each with the offset just past it.
    pub(crate) fn peek(&mut self, max: usize) -> Result<Vec<(Alert, u64)>, SinkError> {
        let mut out = Vec::new();
        if self.is_empty() {
            return Ok(out);
        }
        let path = self.path.display().to_string();
        let ctx = || path.clone();
        let mut f = File::open(&self.path).map_err(|e| SinkError::io(ctx(), e))?;
        f.seek(SeekFrom::Start(self.offset))
            .map_err(|e| SinkError::io(ctx(), e))?;
        let mut reader = BufReader::new(f);
        let mut pos = self.offset;
        let mut line = Vec::new();
        while out.len() < max && pos < self.len {
            line.clear();
            let n = reader
                .read_until(b'\n', &mut line)
                .map_err(|e| SinkError::io(ctx(), e))? as u64;
            if n == 0 {
                break;
            }
            pos += n;
            let body = line.strip_suffix(b"\n").unwrap_or(&line);
            if body.iter().all(u8::is_ascii_whitespace) {
                if out.is_empty() {
                    self.commit(pos)?;
                }
                continue;
            }
            match serde_json::from_slice::<Alert>(body) {
                Ok(a) => out.push((a, pos)),
                // Handled when it is first in line, after the alerts before it are delivered.
                Err(_) if !out.is_empty() => break,
                Err(e) => {
                    tracing::warn!(file = %self.path.display(), offset = pos - n, error = %e,
                        "unreadable spool line moved to {}", self.bad_path.display());
                    self.quarantine(&line)?;
                    self.commit(pos)?;
                }
            }
        }
        Ok(out)
    }

    fn quarantine(&self, line: &[u8]) -> Result<(), SinkError> {
        let ctx = || self.bad_path.display().to_string();
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.bad_path)
            .map_err(|e| SinkError::io(ctx(), e))?;
        f.write_all(line).map_err(|e| SinkError::io(ctx(), e))?;
        if !line.ends_with(b"\n") {
            f.write_all(b"\n").map_err(|e| SinkError::io(ctx(), e))?;
        }
        Ok(())
    }

    /// Marks everything before `offset` delivered; empties the files once all is.
    pub(crate) fn commit(&mut self, offset: u64) -> Result<(), SinkError> {
        self.offset = offset.min(self.len);
        if self.is_empty() {
            // New appends may race in only through `append` on this same (locked) value.
            File::create(&self.path)
                .map_err(|e| SinkError::io(self.path.display().to_string(), e))?;
            self.len = 0;
            self.offset = 0;
            match fs::remove_file(&self.offset_path) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(SinkError::io(self.offset_path.display().to_string(), e)),
            }
        } else {
            let tmp = self.offset_path.with_extension("offset.tmp");
            fs::write(&tmp, self.offset.to_string())
                .and_then(|()| fs::rename(&tmp, &self.offset_path))
                .map_err(|e| SinkError::io(self.offset_path.display().to_string(), e))
        }
    }

    /// Undelivered alerts left (counts lines; used for reports).
    pub(crate) fn pending(&self) -> u64 {
        if self.is_empty() {
            return 0;
        }
        let Ok(mut f) = File::open(&self.path) else {
            return 0;
        };
        if f.seek(SeekFrom::Start(self.offset)).is_err() {
            return 0;
        }
        BufReader::new(f)
            .split(b'\n')
            .filter(|l| {
                l.as_ref()
                    .is_ok_and(|l| !l.iter().all(u8::is_ascii_whitespace))
            })
            .count() as u64
    }
}

fn last_byte(path: &Path) -> std::io::Result<u8> {
    let mut f = File::open(path)?;
    f.seek(SeekFrom::End(-1))?;
    let mut b = [0u8; 1];
    std::io::Read::read_exact(&mut f, &mut b)?;
    Ok(b[0])
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, VecDeque};

    use chrono::{TimeZone, Utc};
    use proptest::prelude::*;
    use rampart_alerts::{AlertSeverity, AlertStatus};

    use super::*;

    fn alert(n: u32) -> Alert {
        let t = Utc
            .timestamp_opt(1_800_000_000, 0)
            .single()
            .unwrap_or_default();
        Alert {
            alert_type: "t".into(),
            system_alert_id: format!("a{n}"),
            rule_id: "r".into(),
            display_name: "line\nbreak \"quoted\"".into(),
            description: String::new(),
            severity: AlertSeverity::High,
            tactics: vec![],
            techniques: vec![],
            sub_techniques: vec![],
            start_time: t,
            end_time: t,
            time_generated: t,
            count: 1,
            entities: vec![],
            compromised_entity: None,
            remediation_steps: vec![],
            status: AlertStatus::Active,
            status_reason: None,
            evidence: vec![],
            correlation_key: "k".into(),
            scope: None,
            log_source: "s".into(),
            product_name: "p".into(),
            vendor_name: "v".into(),
            extended_properties: BTreeMap::new(),
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        Append(u8),
        /// Deliver up to n from the front (peek, then commit each).
        Deliver(u8),
        /// Peek n and deliver none (a failed attempt).
        Fail(u8),
        /// Process restart.
        Reopen,
        /// A crash mid-append: a partial line, then restart.
        Torn,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (1u8..5).prop_map(Op::Append),
            3 => (1u8..6).prop_map(Op::Deliver),
            1 => (1u8..4).prop_map(Op::Fail),
            2 => Just(Op::Reopen),
            1 => Just(Op::Torn),
        ]
    }

    proptest! {
        // Each append fsyncs: keep the case count modest.
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Whatever the interleaving of appends, deliveries, failures, restarts and torn
        /// writes, the spool holds exactly the undelivered alerts, in order; torn lines are
        /// quarantined, never delivered.
        #[test]
        fn spool_matches_a_queue(ops in proptest::collection::vec(op(), 1..40)) {
            let dir = tempfile::tempdir().unwrap();
            let mut spool = Spool::open(dir.path(), "s").unwrap();
            let mut model: VecDeque<String> = VecDeque::new();
            let mut next = 0u32;
            for op in ops {
                match op {
                    Op::Append(n) => for _ in 0..n {
                        spool.append(&alert(next)).unwrap();
                        model.push_back(format!("a{next}"));
                        next += 1;
                    },
                    Op::Deliver(n) => {
                        for (a, end) in spool.peek(usize::from(n)).unwrap() {
                            prop_assert_eq!(Some(a.system_alert_id), model.pop_front());
                            spool.commit(end).unwrap();
                        }
                    }
                    Op::Fail(n) => {
                        let got: Vec<String> = spool.peek(usize::from(n)).unwrap()
                            .into_iter().map(|(a, _)| a.system_alert_id).collect();
                        let want: Vec<String> = model.iter().take(got.len()).cloned().collect();
                        prop_assert_eq!(got, want);
                    }
                    Op::Reopen => spool = Spool::open(dir.path(), "s").unwrap(),
                    Op::Torn => {
                        let mut f = OpenOptions::new().create(true).append(true)
                            .open(dir.path().join("s.spool.jsonl")).unwrap();
                        f.write_all(b"{\"alert_type\":\"tor").unwrap();
                        spool = Spool::open(dir.path(), "s").unwrap();
                    }
                }
                prop_assert_eq!(spool.pending() as usize, model.len() + pending_torn(&spool));
            }
            // Drain as the dispatcher does: peek stops before a bad line that is not first,
            // so keep peeking until nothing is left.
            let mut rest = Vec::new();
            loop {
                let batch = spool.peek(7).unwrap();
                if batch.is_empty() {
                    break;
                }
                for (a, end) in batch {
                    rest.push(a.system_alert_id);
                    spool.commit(end).unwrap();
                }
            }
            prop_assert_eq!(rest, Vec::from(model));
            prop_assert!(spool.is_empty());
            prop_assert_eq!(fs::metadata(&spool.path).map(|m| m.len()).unwrap_or(0), 0);
        }
    }

    /// Torn lines still ahead of the offset (counted by `pending`, which counts lines).
    fn pending_torn(spool: &Spool) -> usize {
        if spool.is_empty() {
            return 0;
        }
        let text = fs::read_to_string(&spool.path).unwrap_or_default();
        text.get(usize::try_from(spool.offset).unwrap_or(0)..)
            .unwrap_or("")
            .lines()
            .filter(|l| serde_json::from_str::<Alert>(l).is_err() && !l.trim().is_empty())
            .count()
    }
}
