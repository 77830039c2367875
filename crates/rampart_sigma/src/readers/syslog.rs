//! Linux host logs: RFC 3164 syslog text lines (`/var/log/auth.log`, `/var/log/secure`,
//! `/var/log/syslog`; the classic `Mmm dd hh:mm:ss` header or rsyslog's RFC 3339 one)
//! and `journalctl -o json` entries, both parsed into one [`HostRecord`]: header fields
//! plus the fields of sshd, sudo and su messages that detections read (user, source
//! address and port, authentication method, outcome, sudo command and target user).
//!
//! The classic header has no year and no zone: the year comes from a reference date
//! (the file's modification time; a month after the reference month is the year before,
//! as logs rotate yearly at most) and the time is taken as UTC.

use std::borrow::Cow;

use chrono::{Datelike, NaiveDate, TimeZone, Utc};

/// Why a line is not a syslog line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a syslog line: {0}")]
pub struct SyslogError(pub &'static str);

/// The year and month the classic header's dates are relative to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearHint {
    pub year: i32,
    pub month: u32,
}

impl YearHint {
    /// The hint for a reference time (Unix seconds), e.g. a file's modification time.
    pub fn from_unix(secs: i64) -> YearHint {
        let t = Utc.timestamp_opt(secs, 0).single().unwrap_or_default();
        YearHint {
            year: t.year(),
            month: t.month(),
        }
    }
}

/// One host log record, header and parsed message fields. Field names (as rules read
/// them) are in [`HOST_FIELDS`].
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct HostRecord<'a> {
    /// RFC 3339, UTC.
    pub timestamp: Option<String>,
    pub host: Option<Cow<'a, str>>,
    /// The syslog tag / identifier (`sshd`, `sudo`, `su`, `CRON`, ...).
    pub program: Option<Cow<'a, str>>,
    pub pid: Option<Cow<'a, str>>,
    pub message: Cow<'a, str>,
    /// What the message says happened (`ssh_login`, `ssh_invalid_user`, `sudo_command`, ...).
    pub action: Option<&'static str>,
    /// `success` or `failure` for authentication and privilege changes.
    pub outcome: Option<&'static str>,
    /// The account that logs in, runs sudo or su.
    pub user: Option<Cow<'a, str>>,
    /// sudo and su: the account switched to.
    pub target_user: Option<Cow<'a, str>>,
    pub src_ip: Option<Cow<'a, str>>,
    pub src_port: Option<Cow<'a, str>>,
    /// sshd: `password`, `publickey`, `keyboard-interactive/pam`, `none`, ...
    pub auth_method: Option<Cow<'a, str>>,
    /// sshd: the user name does not exist on the host.
    pub invalid_user: Option<bool>,
    pub command: Option<Cow<'a, str>>,
    pub tty: Option<Cow<'a, str>>,
    pub pwd: Option<Cow<'a, str>>,
}

/// The field names a host record exposes to rules.
pub const HOST_FIELDS: &[&str] = &[
    "timestamp",
    "host",
    "program",
    "pid",
    "message",
    "action",
    "outcome",
    "user",
    "target_user",
    "src_ip",
    "src_port",
    "auth_method",
    "invalid_user",
    "command",
    "tty",
    "pwd",
];

impl<'a> HostRecord<'a> {
    /// `(field name, value)` of every field present, in [`HOST_FIELDS`] order.
    pub fn fields(&self) -> Vec<(&'static str, &str)> {
        let mut out: Vec<(&'static str, &str)> = Vec::with_capacity(HOST_FIELDS.len());
        let opt = [
            ("timestamp", self.timestamp.as_deref()),
            ("host", self.host.as_deref()),
            ("program", self.program.as_deref()),
            ("pid", self.pid.as_deref()),
            ("message", Some(&*self.message)),
            ("action", self.action),
            ("outcome", self.outcome),
            ("user", self.user.as_deref()),
            ("target_user", self.target_user.as_deref()),
            ("src_ip", self.src_ip.as_deref()),
            ("src_port", self.src_port.as_deref()),
            ("auth_method", self.auth_method.as_deref()),
            (
                "invalid_user",
                self.invalid_user.map(|v| if v { "true" } else { "false" }),
            ),
            ("command", self.command.as_deref()),
            ("tty", self.tty.as_deref()),
            ("pwd", self.pwd.as_deref()),
        ];
        for (k, v) in opt {
            if let Some(v) = v {
                out.push((k, v));
            }
        }
        out
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Parses one syslog line (RFC 3164 with an optional `<PRI>`, or rsyslog's RFC 3339
/// header) and its sshd / sudo / su message.
pub fn parse_syslog_line<'a>(line: &'a str, hint: YearHint) -> Result<HostRecord<'a>, SyslogError> {
    let mut rest = line.trim_end_matches(['\r', '\n']);
    // Optional <PRI>.
    if let Some(r) = rest.strip_prefix('<') {
        let end = r.find('>').ok_or(SyslogError("unterminated <PRI>"))?;
        if end == 0 || end > 3 || !r[..end].bytes().all(|c| c.is_ascii_digit()) {
            return Err(SyslogError("invalid <PRI>"));
        }
        rest = &r[end + 1..];
    }
    let (timestamp, rest) = header_time(rest, hint)?;
    let rest = rest.trim_start_matches(' ');
    let (host, rest) = rest
        .split_once(' ')
        .ok_or(SyslogError("no host after the timestamp"))?;
    if host.is_empty() {
        return Err(SyslogError("empty host"));
    }
    let mut rec = HostRecord {
        timestamp: Some(timestamp),
        host: Some(Cow::Borrowed(host)),
        ..HostRecord::default()
    };
    // TAG[PID]: MSG — the tag ends at `[`, `:` or a space (a line without tag, such as
    // "last message repeated", keeps all of it as the message).
    let tag_end = rest.find(['[', ':', ' ']).unwrap_or(rest.len());
    let tag = &rest[..tag_end];
    let after = &rest[tag_end..];
    let (pid, msg) = if let Some(p) = after.strip_prefix('[') {
        let close = p.find(']').ok_or(SyslogError("unterminated [pid]"))?;
        let after = p[close + 1..].strip_prefix(':').unwrap_or(&p[close + 1..]);
        (Some(&p[..close]), after)
    } else if let Some(m) = after.strip_prefix(':') {
        (None, m)
    } else {
        rec.message = Cow::Borrowed(rest.trim());
        return Ok(rec);
    };
    if !tag.is_empty() {
        rec.program = Some(Cow::Borrowed(tag));
    }
    rec.pid = pid.map(Cow::Borrowed);
    rec.message = Cow::Borrowed(msg.strip_prefix(' ').unwrap_or(msg));
    parse_message(&mut rec);
    Ok(rec)
}

/// The header timestamp as RFC 3339 (UTC) and the rest of the line.
fn header_time(s: &str, hint: YearHint) -> Result<(String, &str), SyslogError> {
    let b = s.as_bytes();
    // RFC 3339 (rsyslog's high-precision format): 2026-11-30T00:59:26.123456+01:00
    if b.len() > 10 && b[..4].iter().all(u8::is_ascii_digit) && b.get(4) == Some(&b'-') {
        let end = s
            .find(' ')
            .ok_or(SyslogError("no space after the timestamp"))?;
        let t = chrono::DateTime::parse_from_rfc3339(&s[..end])
            .map_err(|_| SyslogError("invalid RFC 3339 timestamp"))?;
        return Ok((
            t.with_timezone(&Utc)
                .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            &s[end..],
        ));
    }
    // Mmm dd hh:mm:ss (day space-padded)
    // The classic header is ASCII: checking that makes every slice below fall on
    // character boundaries.
    if s.len() < 16 || !s.as_bytes()[..16].is_ascii() {
        return Err(SyslogError("no `Mmm dd hh:mm:ss` timestamp at the start"));
    }
    let month = MONTHS
        .iter()
        .position(|m| *m == &s[..3])
        .ok_or(SyslogError("no month name at the start"))? as u32
        + 1;
    let day: u32 = s[4..6]
        .trim_start()
        .parse()
        .map_err(|_| SyslogError("invalid day"))?;
    let time = &s[7..15];
    let tb = time.as_bytes();
    if s.as_bytes()[3] != b' ' || s.as_bytes()[6] != b' ' || tb[2] != b':' || tb[5] != b':' {
        return Err(SyslogError("invalid timestamp"));
    }
    let num = |r: std::ops::Range<usize>| -> Result<u32, SyslogError> {
        time[r]
            .parse()
            .map_err(|_| SyslogError("invalid time of day"))
    };
    let (h, m, sec) = (num(0..2)?, num(3..5)?, num(6..8)?);
    let year = if month > hint.month {
        hint.year - 1
    } else {
        hint.year
    };
    let t = NaiveDate::from_ymd_opt(year, month, day)
        .and_then(|d| d.and_hms_opt(h, m, sec))
        .ok_or(SyslogError("invalid date"))?;
    Ok((
        Utc.from_utc_datetime(&t)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        &s[15..],
    ))
}

/// Fills the parsed fields of sshd, sudo and su messages (by program, or by the
/// `pam_unix(<service>:...)` prefix).
pub(crate) fn parse_message(rec: &mut HostRecord<'_>) {
    let msg = match &rec.message {
        Cow::Borrowed(m) => *m,
        // Owned messages (journald) are parsed through a copy-free re-borrow below.
        Cow::Owned(_) => return parse_owned(rec),
    };
    let prog = rec.program.as_deref().unwrap_or("");
    let mut out = Parsed::default();
    parse_into(prog, msg, &mut out);
    out.apply(rec, Cow::Borrowed);
}

fn parse_owned(rec: &mut HostRecord<'_>) {
    let msg = rec.message.to_string();
    let prog = rec.program.as_deref().unwrap_or("").to_string();
    let mut out = Parsed::default();
    parse_into(&prog, &msg, &mut out);
    out.apply(rec, |s| Cow::Owned(s.to_string()));
}

#[derive(Default)]
struct Parsed<'m> {
    action: Option<&'static str>,
    outcome: Option<&'static str>,
    user: Option<&'m str>,
    target_user: Option<&'m str>,
    src_ip: Option<&'m str>,
    src_port: Option<&'m str>,
    auth_method: Option<&'m str>,
    invalid_user: Option<bool>,
    command: Option<&'m str>,
    tty: Option<&'m str>,
    pwd: Option<&'m str>,
}

impl<'m> Parsed<'m> {
    fn apply<'a>(self, rec: &mut HostRecord<'a>, conv: impl Fn(&'m str) -> Cow<'a, str>) {
        rec.action = self.action;
        rec.outcome = self.outcome;
        rec.user = self.user.map(&conv);
        rec.target_user = self.target_user.map(&conv);
        rec.src_ip = self.src_ip.map(&conv);
        rec.src_port = self.src_port.map(&conv);
        rec.auth_method = self.auth_method.map(&conv);
        rec.invalid_user = self.invalid_user;
        rec.command = self.command.map(&conv);
        rec.tty = self.tty.map(&conv);
        rec.pwd = self.pwd.map(&conv);
    }
}

fn parse_into<'m>(prog: &str, msg: &'m str, out: &mut Parsed<'m>) {
    if let Some(rest) = msg.strip_prefix("pam_unix(") {
        return pam_unix(rest, out);
    }
    if prog.eq_ignore_ascii_case("sshd") || prog.starts_with("sshd-") {
        sshd(msg, out);
    } else if prog.eq_ignore_ascii_case("sudo") {
        sudo(msg, out);
    } else if prog.eq_ignore_ascii_case("su") {
        su(msg, out);
    }
}

/// `<ip> port <port>` at the start of `s`.
fn ip_port(s: &str) -> Option<(&str, &str, &str)> {
    let (ip, rest) = s.split_once(" port ")?;
    if ip.is_empty() || ip.contains(' ') {
        return None;
    }
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    (end > 0).then(|| (ip, &rest[..end], &rest[end..]))
}

fn sshd<'m>(msg: &'m str, out: &mut Parsed<'m>) {
    // Accepted|Failed <method> for [invalid user ]<user> from <ip> port <port> ssh2[: ...]
    for (word, outcome) in [("Accepted ", "success"), ("Failed ", "failure")] {
        let Some(rest) = msg.strip_prefix(word) else {
            continue;
        };
        let Some((method, rest)) = rest.split_once(" for ") else {
            return;
        };
        let (invalid, rest) = match rest.strip_prefix("invalid user ") {
            Some(r) => (true, r),
            None => (false, rest),
        };
        // The user name may contain spaces: split at the last " from ".
        let Some((user, rest)) = rest.rsplit_once(" from ") else {
            return;
        };
        out.action = Some("ssh_login");
        out.outcome = Some(outcome);
        out.auth_method = Some(method);
        out.user = Some(user);
        out.invalid_user = Some(invalid);
        if let Some((ip, port, _)) = ip_port(rest) {
            out.src_ip = Some(ip);
            out.src_port = Some(port);
        }
        return;
    }
    // Invalid user <user> from <ip> port <port>
    if let Some(rest) = msg.strip_prefix("Invalid user ") {
        if let Some((user, rest)) = rest.rsplit_once(" from ") {
            out.action = Some("ssh_invalid_user");
            out.outcome = Some("failure");
            out.user = Some(user);
            out.invalid_user = Some(true);
            if let Some((ip, port, _)) = ip_port(rest) {
                out.src_ip = Some(ip);
                out.src_port = Some(port);
            }
        }
        return;
    }
    // Connection closed by|Disconnected from [authenticating|invalid] user <u> <ip> port <p>
    for prefix in [
        "Connection closed by ",
        "Disconnected from ",
        "Received disconnect from ",
        "Connection reset by ",
    ] {
        let Some(rest) = msg.strip_prefix(prefix) else {
            continue;
        };
        out.action = Some("ssh_disconnect");
        let rest = if let Some(r) = rest
            .strip_prefix("authenticating user ")
            .or_else(|| rest.strip_prefix("invalid user "))
            .or_else(|| rest.strip_prefix("user "))
        {
            if rest.starts_with("invalid ") {
                out.invalid_user = Some(true);
            }
            match r.split_once(' ') {
                Some((user, r)) => {
                    out.user = Some(user);
                    r
                }
                None => return,
            }
        } else {
            rest
        };
        if let Some((ip, port, _)) = ip_port(rest) {
            out.src_ip = Some(ip);
            out.src_port = Some(port);
        }
        return;
    }
    // error: maximum authentication attempts exceeded for [invalid user ]<u> from <ip> port <p> ssh2 [preauth]
    if let Some(rest) = msg
        .strip_prefix("error: maximum authentication attempts exceeded for ")
        .or_else(|| msg.strip_prefix("maximum authentication attempts exceeded for "))
    {
        let (invalid, rest) = match rest.strip_prefix("invalid user ") {
            Some(r) => (true, r),
            None => (false, rest),
        };
        if let Some((user, rest)) = rest.rsplit_once(" from ") {
            out.action = Some("ssh_max_auth_tries");
            out.outcome = Some("failure");
            out.user = Some(user);
            out.invalid_user = Some(invalid);
            if let Some((ip, port, _)) = ip_port(rest) {
                out.src_ip = Some(ip);
                out.src_port = Some(port);
            }
        }
    }
}

/// `sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id`,
/// with an optional reason (`3 incorrect password attempts ;`, `user NOT in sudoers ;`).
fn sudo<'m>(msg: &'m str, out: &mut Parsed<'m>) {
    let Some((user, rest)) = msg.trim_start().split_once(" : ") else {
        return;
    };
    if user.is_empty() || user.contains(' ') {
        return;
    }
    out.action = Some("sudo_command");
    out.user = Some(user);
    out.outcome = Some("success");
    for part in rest.split(" ; ") {
        let part = part.trim();
        if let Some(v) = part.strip_prefix("TTY=") {
            out.tty = Some(v);
        } else if let Some(v) = part.strip_prefix("PWD=") {
            out.pwd = Some(v);
        } else if let Some(v) = part.strip_prefix("USER=") {
            out.target_user = Some(v);
        } else if let Some(v) = part.strip_prefix("COMMAND=") {
            out.command = Some(v);
        } else if part.contains("incorrect password attempt")
            || part.contains("NOT in sudoers")
            || part.contains("command not allowed")
            || part.contains("authentication failure")
        {
            out.outcome = Some("failure");
        }
    }
}

/// `(to root) alice on pts/0` and `FAILED SU (to root) alice on pts/0`.
fn su<'m>(msg: &'m str, out: &mut Parsed<'m>) {
    let (failed, rest) = match msg.strip_prefix("FAILED SU ") {
        Some(r) => (true, r),
        None => (false, msg),
    };
    let Some(rest) = rest.strip_prefix("(to ") else {
        return;
    };
    let Some((target, rest)) = rest.split_once(") ") else {
        return;
    };
    let (user, tty) = match rest.split_once(" on ") {
        Some((u, t)) => (u, Some(t.trim())),
        None => (rest.trim(), None),
    };
    out.action = Some("su");
    out.outcome = Some(if failed { "failure" } else { "success" });
    out.target_user = Some(target);
    out.user = Some(user);
    out.tty = tty;
}

/// `pam_unix(<svc>:<type>): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4  user=root`
/// and `pam_unix(<svc>:session): session opened for user root(uid=0) by alice(uid=1000)`.
fn pam_unix<'m>(rest: &'m str, out: &mut Parsed<'m>) {
    let Some((_, msg)) = rest.split_once("): ") else {
        return;
    };
    if let Some(kv) = msg.strip_prefix("authentication failure;") {
        out.action = Some("pam_auth_failure");
        out.outcome = Some("failure");
        for pair in kv.split_whitespace() {
            match pair.split_once('=') {
                Some(("rhost", v)) if !v.is_empty() => out.src_ip = Some(v),
                Some(("user", v)) if !v.is_empty() => out.target_user = Some(v),
                Some(("ruser", v)) if !v.is_empty() => out.user = Some(v),
                Some(("tty", v)) if !v.is_empty() => out.tty = Some(v),
                _ => {}
            }
        }
        // Without a requesting user (sshd), the target is the account logging in.
        if out.user.is_none() {
            out.user = out.target_user.take();
        }
    } else if let Some(r) = msg.strip_prefix("session opened for user ") {
        out.action = Some("session_opened");
        let (target, by) = match r.split_once(" by ") {
            Some((t, b)) => (t, Some(b)),
            None => (r, None),
        };
        let name = |s: &'m str| s.split('(').next().unwrap_or(s).trim();
        out.target_user = Some(name(target));
        match by.map(name) {
            Some(b) if !b.is_empty() => out.user = Some(b),
            _ => out.user = out.target_user,
        }
    } else if let Some(r) = msg.strip_prefix("session closed for user ") {
        out.action = Some("session_closed");
        out.target_user = Some(r.trim());
        out.user = out.target_user;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HINT: YearHint = YearHint {
        year: 2026,
        month: 11,
    };

    #[test]
    fn december_lines_in_a_january_file_are_last_year() {
        let r = parse_syslog_line(
            "Dec 31 23:59:59 h sshd[1]: x",
            YearHint {
                year: 2027,
                month: 1,
            },
        )
        .unwrap_or_default();
        assert_eq!(r.timestamp.as_deref(), Some("2026-12-31T23:59:59Z"));
        let r = parse_syslog_line("Nov  3 01:02:03 h su: (to root) bob on pts/1", HINT)
            .unwrap_or_default();
        assert_eq!(r.timestamp.as_deref(), Some("2026-11-03T01:02:03Z"));
    }
}
