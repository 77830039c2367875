//! Log readers beyond CloudTrail's own entry point, the format sniffer and the one entry
//! point that reads any supported log file (gzipped or not) and calls back per event with
//! the log source it belongs to.
//!
//! Formats ([`LogFormat`]) and the catalog readers that serve them:
//! - `cloudtrail`: AWS CloudTrail (`{"Records":[...]}`, array, JSON Lines);
//! - `azure_diagnostics`: Azure Activity Log and Entra ID sign-in / audit logs as
//!   diagnostic settings export them (storage account: JSON Lines of records; Event Hub:
//!   `{"records":[...]}`); each record goes to the source whose `kinds` lists its
//!   `category`; AKS `kube-audit` records go to the Kubernetes audit sources (their
//!   `properties.log` string is the audit Event);
//! - `gcp_audit`: GCP Cloud Audit Logs `LogEntry` JSON (JSON Lines as a GCS sink writes,
//!   or an array as `gcloud logging read --format=json` prints);
//! - `k8s_audit`: Kubernetes audit `Event` objects (audit.k8s.io/v1), JSON Lines;
//! - `linux_syslog`: syslog text lines and `journalctl -o json` entries, parsed into
//!   [`HostRecord`] fields; each line goes to every source whose `kinds` lists its
//!   program (or that lists none).
//!
//! JSON records are projected onto the fields the loaded rules read ([`Projection`]);
//! host records fill the same fields by name. Bad records are skipped and counted in
//! [`ReadStats`] with an error naming `file:line`; nothing here panics on input.

mod journald;
mod lines;
mod syslog;

pub(crate) use lines::for_each_line;

use std::io::{BufReader, Cursor, Read};
use std::ops::ControlFlow;
use std::path::Path;

use crate::cloudtrail::ReadStats;
use crate::engine::Engine;
use crate::error::ReadError;
use crate::event::{FieldTable, Slot, SlotEvent, Val};
use crate::json::Projection;

pub use journald::parse_journald_line;
pub use syslog::{parse_syslog_line, HostRecord, SyslogError, YearHint, HOST_FIELDS};

/// A log format a reader understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    CloudTrail,
    /// Azure Activity Log, Entra ID sign-in and audit logs (diagnostic settings export).
    AzureDiagnostics,
    GcpAudit,
    KubernetesAudit,
    Syslog,
    Journald,
}

impl LogFormat {
    /// The catalog `reader` whose sources receive this format's events.
    pub fn reader(self) -> &'static str {
        match self {
            LogFormat::CloudTrail => "cloudtrail",
            LogFormat::AzureDiagnostics => "azure_diagnostics",
            LogFormat::GcpAudit => "gcp_audit",
            LogFormat::KubernetesAudit => "k8s_audit",
            LogFormat::Syslog | LogFormat::Journald => "linux_syslog",
        }
    }

    /// A short display name.
    pub fn name(self) -> &'static str {
        match self {
            LogFormat::CloudTrail => "AWS CloudTrail",
            LogFormat::AzureDiagnostics => "Azure diagnostic logs",
            LogFormat::GcpAudit => "GCP Cloud Audit Logs",
            LogFormat::KubernetesAudit => "Kubernetes audit",
            LogFormat::Syslog => "syslog",
            LogFormat::Journald => "journald JSON",
        }
    }
}

/// How many bytes of a file [`sniff`] looks at (more is ignored).
pub const SNIFF_BYTES: usize = 64 * 1024;

/// Keys (quoted, as they appear in the JSON text) that identify each JSON format. The
/// format with the most distinct keys in the first bytes wins.
const MARKERS: &[(LogFormat, &[&str])] = &[
    (
        LogFormat::Journald,
        &[
            "\"__REALTIME_TIMESTAMP\"",
            "\"__CURSOR\"",
            "\"_BOOT_ID\"",
            "\"__MONOTONIC_TIMESTAMP\"",
        ],
    ),
    (
        LogFormat::CloudTrail,
        &[
            "\"Records\"",
            "\"eventVersion\"",
            "\"eventSource\"",
            "\"awsRegion\"",
            "\"userIdentity\"",
        ],
    ),
    (
        LogFormat::KubernetesAudit,
        &[
            "\"auditID\"",
            "\"requestURI\"",
            "\"objectRef\"",
            "\"requestReceivedTimestamp\"",
            "\"stageTimestamp\"",
        ],
    ),
    (
        LogFormat::GcpAudit,
        &[
            "\"protoPayload\"",
            "\"insertId\"",
            "\"logName\"",
            "\"receiveTimestamp\"",
        ],
    ),
    (
        LogFormat::AzureDiagnostics,
        &[
            "\"records\"",
            "\"operationName\"",
            "\"resourceId\"",
            "\"callerIpAddress\"",
            "\"resultType\"",
            "\"category\"",
        ],
    ),
];

/// Which format `head` (a file's first bytes, decompressed) is in; `file_name` breaks
/// ties for text (`auth.log`, `secure`, `syslog`, `messages`). `None`: not recognised.
pub fn sniff(head: &[u8], file_name: &str) -> Option<LogFormat> {
    let head = &head[..head.len().min(SNIFF_BYTES)];
    // Lossy: a character cut at the end of the head, or one bad byte in a record, must
    // not hide the format.
    let text = String::from_utf8_lossy(head);
    let body = text.trim_start_matches('\u{feff}').trim_start();
    if body.starts_with('{') || body.starts_with('[') {
        let mut best: Option<(usize, LogFormat)> = None;
        for (format, keys) in MARKERS {
            let n = keys.iter().filter(|k| contains_key(body, k)).count();
            if n > 0 && best.is_none_or(|(b, _)| n > b) {
                best = Some((n, *format));
            }
        }
        return best.map(|(_, f)| f);
    }
    // Syslog: the first line, or for files named like syslog files any of the first
    // five (a rotated file may start with a continuation or a `last message` line).
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let named = ["auth.log", "secure", "syslog", "messages"]
        .iter()
        .any(|n| base.starts_with(n));
    let hint = YearHint {
        year: 2000,
        month: 12,
    };
    let tried = if named { 5 } else { 1 };
    body.lines()
        .filter(|l| !l.trim().is_empty())
        .take(tried)
        .any(|l| parse_syslog_line(l, hint).is_ok())
        .then_some(LogFormat::Syslog)
}

/// `key` followed (after optional whitespace) by `:`, i.e. used as an object key.
fn contains_key(text: &str, key: &str) -> bool {
    text.match_indices(key).any(|(i, _)| {
        text[i + key.len()..]
            .trim_start_matches([' ', '\t', '\r', '\n'])
            .starts_with(':')
    })
}

/// One event handed to the caller of [`read_log`].
#[derive(Debug)]
pub struct LogEvent<'e, 'a> {
    /// Position of the source in [`Engine::sources`] (what [`Engine::matches`] takes).
    pub source: usize,
    /// The source's catalog name (`aws_cloudtrail`, `azure_signinlogs`, `linux_sshd`, ...).
    pub source_name: &'e str,
    /// Line of the record in the (decompressed) input.
    pub line: u64,
    pub event: &'e SlotEvent<'a>,
}

/// Options of [`read_log`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOptions {
    /// The reference date of classic syslog timestamps (which have no year); default:
    /// now. [`read_log_file`] uses the file's modification time.
    pub year_hint: Option<YearHint>,
}

/// What [`read_log`] read.
#[derive(Debug)]
pub struct LogRead {
    pub format: LogFormat,
    pub stats: ReadStats,
}

/// Reads the log file at `path` (gzip transparent) with the reader its content calls for
/// (see [`sniff`]); syslog years are relative to the file's modification time.
pub fn read_log_file(
    path: &Path,
    engine: &Engine,
    on_event: impl FnMut(&LogEvent<'_, '_>) -> ControlFlow<()>,
) -> Result<LogRead, ReadError> {
    let origin = path.display().to_string();
    let file = std::fs::File::open(path).map_err(lines::io_err(&origin))?;
    let mtime = file
        .metadata()
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .and_then(|d| i64::try_from(d.as_secs()).ok());
    let opts = ReadOptions {
        year_hint: mtime.map(YearHint::from_unix),
    };
    read_log(file, &origin, None, engine, &opts, on_event)
}

/// Reads `input` (gzip transparent) in `format`, or the sniffed format when `None`,
/// calling `on_event` for every event of every source that takes it; stops early on
/// `Break`. `origin` names the input in errors.
pub fn read_log<R: Read>(
    input: R,
    origin: &str,
    format: Option<LogFormat>,
    engine: &Engine,
    opts: &ReadOptions,
    on_event: impl FnMut(&LogEvent<'_, '_>) -> ControlFlow<()>,
) -> Result<LogRead, ReadError> {
    let mut plain = lines::maybe_gunzip(input, origin)?;
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    (&mut plain)
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(lines::io_err(origin))?;
    let format = match format {
        Some(f) => f,
        None => sniff(&head, origin).ok_or_else(|| ReadError::UnknownFormat {
            origin: origin.to_string(),
            why: if head.iter().all(u8::is_ascii_whitespace) {
                "empty input".into()
            } else {
                "not CloudTrail, Azure diagnostic, GCP audit or Kubernetes audit JSON, \
                 journald JSON, nor syslog text"
                    .into()
            },
        })?,
    };
    let mut input = BufReader::with_capacity(1 << 16, Cursor::new(head).chain(plain));
    let mut stats = ReadStats::default();
    let sources: Vec<usize> = engine
        .sources()
        .iter()
        .enumerate()
        .filter(|(_, s)| s.spec.reader == format.reader())
        .map(|(i, _)| i)
        .collect();
    let mut ctx = Ctx {
        engine,
        storage: Vec::new(),
        sources,
        origin,
        on_event,
    };
    match format {
        LogFormat::Syslog => {
            let hint = opts
                .year_hint
                .unwrap_or_else(|| YearHint::from_unix(chrono::Utc::now().timestamp()));
            lines::for_each_line(&mut input, Vec::new(), origin, |bytes, line| {
                let text = String::from_utf8_lossy(bytes);
                if text.trim().is_empty() {
                    return ControlFlow::Continue(());
                }
                stats.records += 1;
                match parse_syslog_line(&text, hint) {
                    Ok(rec) => ctx.host(&rec, line, &mut stats),
                    Err(e) => {
                        stats.push_bad(ReadError::Record {
                            origin: origin.to_string(),
                            line,
                            why: e.to_string(),
                        });
                        ControlFlow::Continue(())
                    }
                }
            })?;
        }
        LogFormat::Journald => {
            lines::for_each_line(&mut input, Vec::new(), origin, |bytes, line| {
                let Ok(text) = std::str::from_utf8(bytes) else {
                    stats.records += 1;
                    stats.push_bad(ReadError::Record {
                        origin: origin.to_string(),
                        line,
                        why: "invalid UTF-8".into(),
                    });
                    return ControlFlow::Continue(());
                };
                if text.trim().is_empty() {
                    return ControlFlow::Continue(());
                }
                stats.records += 1;
                match parse_journald_line(text) {
                    Ok(rec) => ctx.host(&rec, line, &mut stats),
                    Err(why) => {
                        stats.push_bad(ReadError::Record {
                            origin: origin.to_string(),
                            line,
                            why,
                        });
                        ControlFlow::Continue(())
                    }
                }
            })?;
        }
        LogFormat::AzureDiagnostics => {
            let mut t = FieldTable::new();
            let (cat_id, log_id) = (t.intern("category"), t.intern("properties.log"));
            let kind = Projection::new(&t);
            // AKS `kube-audit` / `kube-audit-admin` records carry a Kubernetes audit
            // Event as a JSON string in `properties.log`: it goes to the Kubernetes
            // audit sources.
            let mut k8s: Vec<usize> = engine
                .sources()
                .iter()
                .enumerate()
                .filter(|(_, s)| s.spec.reader == LogFormat::KubernetesAudit.reader())
                .map(|(i, _)| i)
                .collect();
            lines::for_each_json_record(
                &mut input,
                origin,
                format.name(),
                &mut stats,
                |text, line, stats| {
                    use crate::event::Event;
                    let ev = match kind.project(text) {
                        Ok(ev) => ev,
                        Err(e) => {
                            stats.push_bad(json_err(origin, stats.records, line, e));
                            return ControlFlow::Continue(());
                        }
                    };
                    let text_of = |id| ev.values(id).first().and_then(|v| v.as_text());
                    let category = text_of(cat_id).unwrap_or("");
                    if category.eq_ignore_ascii_case("kube-audit")
                        || category.eq_ignore_ascii_case("kube-audit-admin")
                    {
                        let Some(log) = text_of(log_id) else {
                            stats.unrouted += 1;
                            return ControlFlow::Continue(());
                        };
                        std::mem::swap(&mut ctx.sources, &mut k8s);
                        let flow = ctx.json(log, line, None, stats);
                        std::mem::swap(&mut ctx.sources, &mut k8s);
                        return flow;
                    }
                    ctx.json(text, line, Some(category), stats)
                },
            )?;
        }
        LogFormat::CloudTrail | LogFormat::GcpAudit | LogFormat::KubernetesAudit => {
            lines::for_each_json_record(
                &mut input,
                origin,
                format.name(),
                &mut stats,
                |text, line, stats| ctx.json(text, line, None, stats),
            )?;
        }
    }
    Ok(LogRead { format, stats })
}

fn json_err(origin: &str, record: u64, line: u64, source: crate::json::JsonError) -> ReadError {
    ReadError::Json {
        origin: origin.to_string(),
        record,
        line,
        source,
    }
}

struct Ctx<'x, F> {
    engine: &'x Engine,
    storage: Vec<Slot<'static>>,
    sources: Vec<usize>,
    origin: &'x str,
    on_event: F,
}

impl<F: FnMut(&LogEvent<'_, '_>) -> ControlFlow<()>> Ctx<'_, F> {
    /// Projects one JSON record for each source that takes it (`kind`: its category).
    fn json(
        &mut self,
        text: &str,
        line: u64,
        kind: Option<&str>,
        stats: &mut ReadStats,
    ) -> ControlFlow<()> {
        let mut routed = false;
        for &s in &self.sources {
            let src = &self.engine.sources()[s];
            if let Some(k) = kind {
                if !src.spec.takes_kind(k) {
                    continue;
                }
            }
            routed = true;
            // One slot allocation serves every record.
            let mut ev = SlotEvent::from_storage(std::mem::take(&mut self.storage));
            let flow = match src.projection().project_into(text, &mut ev) {
                Ok(()) => (self.on_event)(&LogEvent {
                    source: s,
                    source_name: &src.spec.name,
                    line,
                    event: &ev,
                }),
                Err(e) => {
                    stats.push_bad(json_err(self.origin, stats.records, line, e));
                    self.storage = ev.into_storage();
                    return ControlFlow::Continue(());
                }
            };
            self.storage = ev.into_storage();
            flow?;
        }
        if !routed {
            stats.unrouted += 1;
        }
        ControlFlow::Continue(())
    }

    /// Hands one host record to each source that takes its program.
    fn host(&mut self, rec: &HostRecord<'_>, line: u64, stats: &mut ReadStats) -> ControlFlow<()> {
        let program = rec.program.as_deref().unwrap_or("");
        let fields = rec.fields();
        let mut routed = false;
        for &s in &self.sources {
            let src = &self.engine.sources()[s];
            if !src.spec.takes_kind(program) {
                continue;
            }
            routed = true;
            let proj = src.projection();
            let mut ev = SlotEvent::with_fields(proj.fields());
            for (name, value) in &fields {
                let Some(id) = proj.field_id(name) else {
                    continue;
                };
                let v = if *name == "invalid_user" {
                    Val::Bool(*value == "true")
                } else {
                    Val::Str(std::borrow::Cow::Borrowed(value))
                };
                ev.push(id, v);
            }
            ev.set_raw(rec.message.as_ref());
            let le = LogEvent {
                source: s,
                source_name: &src.spec.name,
                line,
                event: &ev,
            };
            (self.on_event)(&le)?;
        }
        if !routed {
            stats.unrouted += 1;
        }
        ControlFlow::Continue(())
    }
}

/// Reads `input` as `format` from a path, for tests and tools that know the format.
pub fn read_log_path_as(
    path: &Path,
    format: LogFormat,
    engine: &Engine,
    opts: &ReadOptions,
    on_event: impl FnMut(&LogEvent<'_, '_>) -> ControlFlow<()>,
) -> Result<LogRead, ReadError> {
    let origin = path.display().to_string();
    let file = std::fs::File::open(path).map_err(lines::io_err(&origin))?;
    read_log(file, &origin, Some(format), engine, opts, on_event)
}
