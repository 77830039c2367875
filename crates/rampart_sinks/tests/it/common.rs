//! Fixtures and real receivers on 127.0.0.1 (random ports): HTTP (webhook, HEC),
//! syslog UDP/TCP/TLS listeners, and aiosmtpd as a subprocess.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use rampart_alerts::{Alert, AlertSeverity, AlertStatus, Entity, Evidence, Intent};

pub(crate) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 1, 0, 0).unwrap()
}

/// Alert number `n` (distinct id and times) with a severity and scope.
pub(crate) fn alert(n: u32, severity: AlertSeverity, scope: Option<&str>) -> Alert {
    let t = |s: i64| t0() + chrono::Duration::seconds(s + i64::from(n) * 100);
    Alert {
        alert_type: "Rampart_Sigma_4d6fbb7e".into(),
        system_alert_id: format!("alert-{n:04}"),
        rule_id: "4d6fbb7e-8d43-4b3b-9a8e-0000000000aa".into(),
        display_name: "AWS CloudTrail logging stopped".into(),
        description: "A trail's logging was stopped (StopLogging), which hides later activity."
            .into(),
        severity,
        tactics: vec![Intent::DefenseEvasion],
        techniques: vec!["T1562".into()],
        sub_techniques: vec!["T1562.008".into()],
        start_time: t(0),
        end_time: t(30),
        time_generated: t(60),
        count: 2,
        entities: vec![
            Entity::Account {
                name: "arn:aws:iam::123456789012:user/alice".into(),
                domain: None,
            },
            Entity::Ip {
                address: "198.51.100.23".into(),
            },
            Entity::Resource {
                id: "arn:aws:cloudtrail:us-east-1:123456789012:trail/org".into(),
                provider: Some("aws".into()),
            },
        ],
        compromised_entity: Some("arn:aws:iam::123456789012:user/alice".into()),
        remediation_steps: vec!["Restart logging on the trail.".into()],
        status: AlertStatus::Active,
        status_reason: None,
        evidence: vec![Evidence {
            source: "trail.json:1".into(),
            time: Some(t(0)),
            event: r#"{"eventName":"StopLogging"}"#.into(),
        }],
        correlation_key: "4d6fbb7e|alice".into(),
        scope: scope.map(str::to_owned),
        log_source: "aws_cloudtrail".into(),
        product_name: "Rampart".into(),
        vendor_name: "Rampart".into(),
        extended_properties: BTreeMap::from([(
            "rule_file".into(),
            "aws_cloudtrail_disable_logging.yml".into(),
        )]),
    }
}

/// An alert whose text fields carry CEF/syslog/JSON/email metacharacters.
pub(crate) fn hostile_alert() -> Alert {
    let mut a = alert(99, AlertSeverity::Medium, Some("acct|1=2"));
    a.display_name = "pipe|back\\slash\nnew line=eq".into();
    a.description = "a=b c\\d\r\ne|f \u{1b}[2J <script>\"quoted\"</script> é".into();
    a.entities.push(Entity::Host {
        hostname: "web 01|x".into(),
    });
    a
}

/// Polls `cond` until true or `timeout`; returns whether it became true.
pub(crate) fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + timeout;
    while Instant::now() < end {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    cond()
}

/// A free port on 127.0.0.1 (bound, then released).
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

// ---------------------------------------------------------------- HTTP receiver

#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) path: String,
    pub(crate) headers: BTreeMap<String, String>,
    pub(crate) body: String,
}

/// What the HTTP receiver checks before accepting.
#[derive(Clone)]
pub(crate) enum Auth {
    /// Webhook: verify `X-Rampart-Signature` with this key (401 otherwise).
    Hmac(Vec<u8>),
    /// HEC: require `Authorization: Splunk <token>` (403 otherwise, as HEC does).
    Hec(String),
}

pub(crate) struct HttpReceiver {
    pub(crate) port: u16,
    pub(crate) accepted: Arc<Mutex<Vec<Request>>>,
    pub(crate) rejected: Arc<Mutex<Vec<Request>>>,
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
}

impl HttpReceiver {
    pub(crate) fn start(port: u16, auth: Auth) -> Self {
        let server = Arc::new(tiny_http::Server::http(("127.0.0.1", port)).unwrap());
        let port = server.server_addr().to_ip().unwrap().port();
        let accepted = Arc::new(Mutex::new(Vec::new()));
        let rejected = Arc::new(Mutex::new(Vec::new()));
        let (s, acc, rej) = (server.clone(), accepted.clone(), rejected.clone());
        let thread = std::thread::spawn(move || {
            for mut req in s.incoming_requests() {
                let mut body = String::new();
                req.as_reader().read_to_string(&mut body).unwrap();
                let headers: BTreeMap<String, String> = req
                    .headers()
                    .iter()
                    .map(|h| {
                        (
                            h.field.as_str().as_str().to_ascii_lowercase(),
                            h.value.to_string(),
                        )
                    })
                    .collect();
                let r = Request {
                    path: req.url().to_owned(),
                    headers,
                    body,
                };
                let (ok, status, reply) = match &auth {
                    Auth::Hmac(key) => {
                        let ts: i64 = r.headers["x-rampart-timestamp"].parse().unwrap();
                        let want = rampart_sinks::webhook_signature(key, ts, r.body.as_bytes());
                        let ok = r.headers.get("x-rampart-signature") == Some(&want);
                        (ok, if ok { 204 } else { 401 }, String::new())
                    }
                    Auth::Hec(token) => {
                        let ok = r.headers.get("authorization") == Some(&format!("Splunk {token}"))
                            && r.path == "/services/collector/event";
                        if ok {
                            (true, 200, r#"{"text":"Success","code":0}"#.to_owned())
                        } else {
                            (
                                false,
                                403,
                                r#"{"text":"Invalid token","code":4}"#.to_owned(),
                            )
                        }
                    }
                };
                if ok { &acc } else { &rej }.lock().unwrap().push(r);
                let _ =
                    req.respond(tiny_http::Response::from_string(reply).with_status_code(status));
            }
        });
        Self {
            port,
            accepted,
            rejected,
            server,
            thread: Some(thread),
        }
    }

    pub(crate) fn accepted(&self) -> Vec<Request> {
        self.accepted.lock().unwrap().clone()
    }
}

impl Drop for HttpReceiver {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

// ---------------------------------------------------------------- syslog receivers

pub(crate) struct SyslogReceiver {
    pub(crate) addr: SocketAddr,
    pub(crate) messages: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    /// Accepted connections, shut down on drop (as a receiver that restarts).
    conns: Arc<Mutex<Vec<TcpStream>>>,
    accept_thread: Option<JoinHandle<()>>,
}

impl SyslogReceiver {
    pub(crate) fn udp() -> Self {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        sock.set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        let addr = sock.local_addr().unwrap();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (m, st) = (messages.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 70_000];
            while !st.load(Ordering::Relaxed) {
                if let Ok(n) = sock.recv(&mut buf) {
                    m.lock()
                        .unwrap()
                        .push(String::from_utf8(buf[..n].to_vec()).unwrap());
                }
            }
        });
        Self {
            addr,
            messages,
            stop,
            conns: Arc::default(),
            accept_thread: None,
        }
    }

    /// TCP, or TLS when `tls` holds a server config. Reads RFC 6587 octet-counted frames.
    pub(crate) fn stream(tls: Option<Arc<rustls::ServerConfig>>) -> Self {
        Self::stream_on(tls, 0)
    }

    pub(crate) fn stream_on(tls: Option<Arc<rustls::ServerConfig>>, port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let conns: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (m, st, cs) = (messages.clone(), stop.clone(), conns.clone());
        let accept_thread = std::thread::spawn(move || {
            while !st.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((sock, _)) => {
                        sock.set_nonblocking(false).unwrap();
                        cs.lock().unwrap().push(sock.try_clone().unwrap());
                        let m = m.clone();
                        let tls = tls.clone();
                        std::thread::spawn(move || match tls {
                            Some(cfg) => {
                                let conn = rustls::ServerConnection::new(cfg).unwrap();
                                read_frames(rustls::StreamOwned::new(conn, sock), &m);
                            }
                            None => read_frames(sock, &m),
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Self {
            addr,
            messages,
            stop,
            conns,
            accept_thread: Some(accept_thread),
        }
    }

    pub(crate) fn messages(&self) -> Vec<String> {
        self.messages.lock().unwrap().clone()
    }
}

impl Drop for SyslogReceiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // The listener closes with its thread; then the open connections.
        if let Some(t) = self.accept_thread.take() {
            let _ = t.join();
        }
        for c in self.conns.lock().unwrap().drain(..) {
            let _ = c.shutdown(std::net::Shutdown::Both);
        }
    }
}

/// Reads `LEN SP MSG` frames until EOF; a malformed frame fails the test loudly.
fn read_frames(stream: impl Read, out: &Mutex<Vec<String>>) {
    let mut r = BufReader::new(stream);
    loop {
        let mut len = Vec::new();
        match r.read_until(b' ', &mut len) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let digits = std::str::from_utf8(&len[..len.len() - 1]).unwrap();
        let n: usize = digits
            .parse()
            .unwrap_or_else(|_| panic!("bad octet count {digits:?}"));
        let mut msg = vec![0u8; n];
        if r.read_exact(&mut msg).is_err() {
            return;
        }
        out.lock().unwrap().push(String::from_utf8(msg).unwrap());
    }
}

/// A self-signed certificate for `localhost` (rcgen) as a rustls server config, and
/// the PEM of the certificate (the client's CA file).
pub(crate) fn tls_server() -> (Arc<rustls::ServerConfig>, String) {
    tls_server_for("localhost")
}

fn tls_server_for(name: &str) -> (Arc<rustls::ServerConfig>, String) {
    let ck = rcgen::generate_simple_self_signed(vec![name.to_owned()]).unwrap();
    let cert_pem = ck.cert.pem();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(
        ck.signing_key.serialize_der(),
    ));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![ck.cert.der().clone()], key)
        .unwrap();
    (Arc::new(cfg), cert_pem)
}

// ---------------------------------------------------------------- SMTP receiver

/// aiosmtpd (`python -m aiosmtpd ... -c aiosmtpd.handlers.Mailbox DIR`) writing each
/// received message into a Maildir.
pub(crate) struct SmtpReceiver {
    pub(crate) port: u16,
    maildir: PathBuf,
    child: Child,
}

/// aiosmtpd's Controller with a Maildir handler; argv: port maildir cert key user password
/// (`-` for none) mode (`starttls`, or `smtps` for TLS from the first byte).
const SMTP_SERVER: &str = r#"
import sys, ssl, time
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult
port, maildir, cert, key, user, pw, mode = sys.argv[1:8]
kw = {}
if cert != "-":
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    if mode == "smtps":
        kw.update(ssl_context=ctx)
    else:
        kw.update(tls_context=ctx, require_starttls=True)
if user != "-":
    def check(server, session, envelope, mechanism, data):
        return AuthResult(success=(data.login == user.encode() and data.password == pw.encode()))
    kw.update(authenticator=check, auth_required=True, auth_require_tls=(cert != "-"))
c = Controller(Mailbox(maildir), hostname="127.0.0.1", port=int(port), **kw)
c.start()
while True:
    time.sleep(3600)
"#;

fn venv_python() -> PathBuf {
    let venv = std::env::var_os("RAMPART_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/rampart-venv")
        });
    venv.join("bin/python")
}

impl SmtpReceiver {
    /// Whether aiosmtpd is installed; prints why not. Under CI=true its absence fails the test.
    #[allow(clippy::print_stderr)]
    pub(crate) fn available() -> bool {
        let python = venv_python();
        let have = Command::new(&python)
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !have {
            let why = format!(
                "aiosmtpd not importable with {} (.ci/run installs it)",
                python.display()
            );
            assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
            eprintln!("skipping: {why}");
        }
        have
    }

    /// Starts aiosmtpd (plain, no auth) on a free port, or `None` when it is not
    /// installed (see [`Self::available`]).
    pub(crate) fn start(dir: &Path) -> Option<Self> {
        Self::start_with(dir, free_port(), None, None)
    }

    pub(crate) fn start_on(dir: &Path, port: u16) -> Option<Self> {
        Self::start_with(dir, port, None, None)
    }

    /// aiosmtpd's Controller: with `tls` (cert and key PEM files) it offers and requires
    /// STARTTLS; with `auth` (user, password) it requires AUTH (after STARTTLS when TLS is on).
    pub(crate) fn start_with(
        dir: &Path,
        port: u16,
        tls: Option<(&Path, &Path)>,
        auth: Option<(&str, &str)>,
    ) -> Option<Self> {
        Self::start_mode(dir, port, tls, auth, "starttls")
    }

    /// As [`Self::start_with`]; `mode` `smtps` serves TLS from the first byte.
    pub(crate) fn start_mode(
        dir: &Path,
        port: u16,
        tls: Option<(&Path, &Path)>,
        auth: Option<(&str, &str)>,
        mode: &str,
    ) -> Option<Self> {
        if !Self::available() {
            return None;
        }
        let maildir = dir.join("maildir");
        let dash = Path::new("-");
        let (cert, key) = tls.unwrap_or((dash, dash));
        let (user, pass) = auth.unwrap_or(("-", "-"));
        let child = Command::new(venv_python())
            .args(["-c", SMTP_SERVER])
            .arg(port.to_string())
            .arg(&maildir)
            .args([cert, key])
            .args([user, pass, mode])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let me = Self {
            port,
            maildir,
            child,
        };
        assert!(
            wait_until(Duration::from_secs(15), || TcpStream::connect((
                "127.0.0.1",
                port
            ))
            .is_ok()),
            "aiosmtpd did not listen on {port}"
        );
        Some(me)
    }

    /// Received messages, oldest first (by file modification time, then name).
    pub(crate) fn messages(&self) -> Vec<String> {
        let Ok(rd) = std::fs::read_dir(self.maildir.join("new")) else {
            return Vec::new();
        };
        let mut files: Vec<_> = rd
            .filter_map(Result::ok)
            .map(|e| (e.metadata().and_then(|m| m.modified()).ok(), e.path()))
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|(_, p)| std::fs::read_to_string(p).unwrap())
            .collect()
    }
}

impl Drop for SmtpReceiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------- HTTPS receiver

/// A minimal HTTP/1.1 server over rustls (one request per connection) that acts as
/// Splunk HEC: checks `Authorization: Splunk <token>` and records accepted bodies.
pub(crate) struct HttpsHec {
    pub(crate) port: u16,
    pub(crate) bodies: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl HttpsHec {
    pub(crate) fn start(tls: Arc<rustls::ServerConfig>, token: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (b, st, want) = (bodies.clone(), stop.clone(), format!("splunk {token}"));
        std::thread::spawn(move || {
            while !st.load(Ordering::Relaxed) {
                let Ok((sock, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                sock.set_nonblocking(false).unwrap();
                let conn = rustls::ServerConnection::new(tls.clone()).unwrap();
                let mut s = rustls::StreamOwned::new(conn, sock);
                let Some((head, body)) = read_http_request(&mut s) else {
                    continue;
                };
                let authorized = head
                    .lines()
                    .any(|l| l.to_ascii_lowercase() == format!("authorization: {want}"));
                let (status, reply) =
                    if authorized && head.starts_with("POST /services/collector/event ") {
                        b.lock().unwrap().push(body);
                        ("200 OK", r#"{"text":"Success","code":0}"#)
                    } else {
                        ("403 Forbidden", r#"{"text":"Invalid token","code":4}"#)
                    };
                let resp = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                    reply.len()
                );
                let _ = std::io::Write::write_all(&mut s, resp.as_bytes());
                let _ = std::io::Write::flush(&mut s);
                s.conn.send_close_notify();
                let _ = std::io::Write::flush(&mut s);
            }
        });
        Self { port, bodies, stop }
    }
}

impl Drop for HttpsHec {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Head (lower-cased header names kept as sent) and body of one request, by Content-Length.
fn read_http_request(s: &mut impl Read) -> Option<(String, String)> {
    let mut r = BufReader::new(s);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if line == "\r\n" {
            break;
        }
        head.push_str(line.trim_end_matches(['\r', '\n']));
        head.push('\n');
    }
    let len: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    r.read_exact(&mut body).ok()?;
    Some((head, String::from_utf8(body).ok()?))
}

/// A self-signed certificate for the IP 127.0.0.1: the server config and the PEM of the
/// certificate (the client's CA file).
pub(crate) fn tls_server_ip() -> (Arc<rustls::ServerConfig>, String) {
    tls_server_for("127.0.0.1")
}
