//! Syslog sink: RFC 5424 messages whose MSG is the alert in CEF
//! ([`rampart_alerts::cef::format`]), over UDP (RFC 5426, one datagram per alert), TCP
//! (RFC 6587 octet-counting framing: `<length> SP <message>`) or TLS (RFC 5425, same
//! framing, rustls).
//!
//! ```text
//! <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID alert - CEF:0|...
//! ```
//!
//! PRI = facility × 8 + severity (High 2 critical, Medium 4 warning, Low 5 notice,
//! Informational 6 informational); TIMESTAMP is the alert's `time_generated`
//! (RFC 3339, milliseconds, UTC). TCP and TLS keep one connection open and reconnect when
//! the peer closed it (checked before each write). A successful write means the kernel
//! took the bytes: a receiver that dies right after may lose what was in flight, a limit
//! of plain syslog (RFC 5425 has no acknowledgements).

use std::io::{ErrorKind, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs, UdpSocket};
use std::sync::Arc;
use std::time::Duration;

use chrono::SecondsFormat;
use rampart_alerts::{Alert, AlertSeverity};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

use super::Sink;
use crate::config::{SyslogConfig, SyslogTransport};
use crate::error::SinkError;

/// Largest UDP payload sent; longer messages are cut at a character boundary (RFC 5426
/// allows truncation; IPv4 UDP cannot carry more than 65,507 bytes).
const MAX_UDP: usize = 65_000;

pub(crate) fn facility_code(name: &str) -> Option<u8> {
    const NAMES: [&str; 24] = [
        "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
        "authpriv", "ftp", "ntp", "audit", "alert", "clock", "local0", "local1", "local2",
        "local3", "local4", "local5", "local6", "local7",
    ];
    let name = name.to_ascii_lowercase();
    NAMES
        .iter()
        .position(|n| *n == name)
        .and_then(|i| u8::try_from(i).ok())
}

fn syslog_severity(sev: AlertSeverity) -> u8 {
    match sev {
        AlertSeverity::High => 2,
        AlertSeverity::Medium => 4,
        AlertSeverity::Low => 5,
        AlertSeverity::Informational => 6,
    }
}

/// An RFC 5424 header field: printable US-ASCII without spaces, at most `max` bytes, `-` if empty.
fn header_field(s: &str, max: usize) -> String {
    let mut out: String = s
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(max)
        .collect();
    if out.is_empty() {
        out.push('-');
    }
    out
}

/// The RFC 5424 message (without framing) for one alert.
pub fn format_message(
    alert: &Alert,
    facility: u8,
    hostname: &str,
    app_name: &str,
    procid: u32,
) -> String {
    let pri = u16::from(facility) * 8 + u16::from(syslog_severity(alert.severity));
    format!(
        "<{pri}>1 {} {} {} {procid} alert - {}",
        alert
            .time_generated
            .to_rfc3339_opts(SecondsFormat::Millis, true),
        header_field(hostname, 255),
        header_field(app_name, 48),
        rampart_alerts::cef::format(alert)
    )
}

enum Conn {
    Udp(UdpSocket),
    Tcp(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

pub(crate) struct SyslogSink {
    transport: SyslogTransport,
    address: String,
    server_name: Option<ServerName<'static>>,
    tls: Option<Arc<rustls::ClientConfig>>,
    facility: u8,
    hostname: String,
    app_name: String,
    timeout: Duration,
    conn: Option<Conn>,
}

impl SyslogSink {
    pub(crate) fn new(c: &SyslogConfig) -> Result<Self, String> {
        let facility = facility_code(&c.facility)
            .ok_or_else(|| format!("unknown facility {:?}", c.facility))?;
        let (tls, server_name) = if c.transport == SyslogTransport::Tls {
            let mut roots = rustls::RootCertStore::empty();
            match &c.ca_file {
                Some(path) => {
                    let certs = CertificateDer::pem_file_iter(path)
                        .map_err(|e| format!("ca_file {}: {e}", path.display()))?
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|e| format!("ca_file {}: {e}", path.display()))?;
                    if certs.is_empty() {
                        return Err(format!("ca_file {}: no certificate", path.display()));
                    }
                    for cert in certs {
                        roots
                            .add(cert)
                            .map_err(|e| format!("ca_file {}: {e}", path.display()))?;
                    }
                }
                None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
            }
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| format!("TLS: {e}"))?
                .with_root_certificates(roots)
                .with_no_client_auth();
            let name = match &c.server_name {
                Some(n) => n.clone(),
                None => host_of(&c.address).to_owned(),
            };
            let name = ServerName::try_from(name.clone())
                .map_err(|e| format!("server_name {name:?}: {e}"))?;
            (Some(Arc::new(config)), Some(name))
        } else {
            (None, None)
        };
        Ok(Self {
            transport: c.transport,
            address: c.address.clone(),
            server_name,
            tls,
            facility,
            hostname: c.hostname.clone().unwrap_or_else(super::local_hostname),
            app_name: c.app_name.clone(),
            timeout: Duration::from_millis(c.timeout_ms),
            conn: None,
        })
    }

    fn resolve(&self) -> Result<SocketAddr, SinkError> {
        self.address
            .to_socket_addrs()
            .map_err(|e| SinkError::io(format!("resolving {}", self.address), e))?
            .next()
            .ok_or_else(|| {
                SinkError::io(
                    format!("resolving {}", self.address),
                    std::io::Error::new(ErrorKind::NotFound, "no address"),
                )
            })
    }

    fn connect(&self) -> Result<Conn, SinkError> {
        let addr = self.resolve()?;
        let ctx = || format!("connecting to {}", self.address);
        if self.transport == SyslogTransport::Udp {
            let bind: SocketAddr = if addr.is_ipv4() {
                ([0, 0, 0, 0], 0).into()
            } else {
                ([0u16; 8], 0).into()
            };
            let s = UdpSocket::bind(bind).map_err(|e| SinkError::io(ctx(), e))?;
            s.connect(addr).map_err(|e| SinkError::io(ctx(), e))?;
            return Ok(Conn::Udp(s));
        }
        let tcp =
            TcpStream::connect_timeout(&addr, self.timeout).map_err(|e| SinkError::io(ctx(), e))?;
        tcp.set_write_timeout(Some(self.timeout))
            .and_then(|()| tcp.set_read_timeout(Some(self.timeout)))
            .and_then(|()| tcp.set_nodelay(true))
            .map_err(|e| SinkError::io(ctx(), e))?;
        match (&self.tls, &self.server_name) {
            (Some(cfg), Some(name)) => {
                let conn = rustls::ClientConnection::new(cfg.clone(), name.clone())
                    .map_err(|e| SinkError::Tls(e.to_string()))?;
                let mut stream = rustls::StreamOwned::new(conn, tcp);
                // Handshake now, so certificate errors show as such and not as a write error.
                while stream.conn.is_handshaking() {
                    stream.conn.complete_io(&mut stream.sock).map_err(|e| {
                        SinkError::Tls(format!("handshake with {}: {e}", self.address))
                    })?;
                }
                Ok(Conn::Tls(Box::new(stream)))
            }
            _ => Ok(Conn::Tcp(tcp)),
        }
    }
}

/// Whether the peer closed a stream connection (a read would return EOF or an error now).
fn peer_closed(sock: &TcpStream) -> bool {
    if sock.set_nonblocking(true).is_err() {
        return true;
    }
    let mut b = [0u8; 1];
    let closed = match sock.peek(&mut b) {
        Ok(0) => true,
        Ok(_) => false, // the receiver sent something; syslog receivers do not, but it is alive
        Err(e) => e.kind() != ErrorKind::WouldBlock,
    };
    closed || sock.set_nonblocking(false).is_err()
}

fn host_of(address: &str) -> &str {
    let host = match address.rsplit_once(':') {
        Some((h, _)) => h,
        None => address,
    };
    host.trim_start_matches('[').trim_end_matches(']')
}

impl Sink for SyslogSink {
    fn deliver(&mut self, alert: &Alert) -> Result<(), SinkError> {
        let msg = format_message(
            alert,
            self.facility,
            &self.hostname,
            &self.app_name,
            std::process::id(),
        );
        let stale = match &self.conn {
            Some(Conn::Tcp(s)) => peer_closed(s),
            Some(Conn::Tls(s)) => peer_closed(&s.sock),
            _ => false,
        };
        if stale {
            self.conn = None;
        }
        if self.conn.is_none() {
            self.conn = Some(self.connect()?);
        }
        let ctx = || format!("sending to {}", self.address);
        let res = match self.conn.as_mut() {
            Some(Conn::Udp(s)) => {
                let mut end = msg.len().min(MAX_UDP);
                while !msg.is_char_boundary(end) {
                    end -= 1;
                }
                s.send(msg.as_bytes().get(..end).unwrap_or_default())
                    .map(|_| ())
            }
            Some(Conn::Tcp(s)) => write_framed(s, &msg),
            Some(Conn::Tls(s)) => write_framed(s.as_mut(), &msg),
            None => Err(std::io::Error::other("not connected")),
        };
        res.map_err(|e| {
            self.conn = None;
            SinkError::io(ctx(), e)
        })
    }

    fn close(&mut self) -> Result<(), SinkError> {
        if let Some(Conn::Tls(mut s)) = self.conn.take() {
            s.conn.send_close_notify();
            let _ = s.flush();
        }
        Ok(())
    }
}

/// RFC 6587 octet counting: `MSG-LEN SP SYSLOG-MSG`.
fn write_framed(w: &mut impl Write, msg: &str) -> std::io::Result<()> {
    let mut frame = Vec::with_capacity(msg.len() + 8);
    frame.extend_from_slice(msg.len().to_string().as_bytes());
    frame.push(b' ');
    frame.extend_from_slice(msg.as_bytes());
    w.write_all(&frame)?;
    w.flush()
}
