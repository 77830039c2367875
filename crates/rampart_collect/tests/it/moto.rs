//! Starts moto's standalone server on a free 127.0.0.1 port and points the AWS SDK at it.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The SDK reads its endpoint and credentials from the environment, which is per process: tests
/// that set it hold this lock (nextest runs a process per test; `cargo test` shares one).
static ENV: Mutex<()> = Mutex::new(());

pub(crate) const ACCOUNT: &str = "123456789012";
pub(crate) const REGION: &str = "us-east-1";

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn moto_bin() -> Option<PathBuf> {
    let venv = std::env::var_os("HOME")
        .map(|h| PathBuf::from(h).join(".cache/rampart-venv/bin/moto_server"));
    if let Some(p) = venv.filter(|p| p.is_file()) {
        return Some(p);
    }
    let found = Command::new("sh")
        .args(["-c", "command -v moto_server"])
        .output()
        .ok()?;
    let path = String::from_utf8(found.stdout).ok()?;
    let path = path.trim();
    (found.status.success() && !path.is_empty()).then(|| PathBuf::from(path))
}

/// The moto server of one test; killed when dropped.
pub(crate) struct Moto {
    child: Child,
    _env: MutexGuard<'static, ()>,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sets the SDK's environment: test keys, the region, no shared config files, one attempt.
pub(crate) fn sdk_env(endpoint: &str) {
    std::env::set_var("AWS_ENDPOINT_URL", endpoint);
    std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
    std::env::set_var("AWS_REGION", REGION);
    std::env::set_var("AWS_MAX_ATTEMPTS", "1");
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    std::env::set_var("AWS_CONFIG_FILE", "/nonexistent/rampart-test/config");
    std::env::set_var(
        "AWS_SHARED_CREDENTIALS_FILE",
        "/nonexistent/rampart-test/credentials",
    );
    std::env::remove_var("AWS_PROFILE");
    std::env::remove_var("AWS_SESSION_TOKEN");
}

pub(crate) fn env_lock() -> MutexGuard<'static, ()> {
    ENV.lock().unwrap_or_else(|e| e.into_inner())
}

/// Starts moto (`extra_env` for its own settings) or returns `None` with a printed reason when it
/// is not installed, which fails under CI=true.
#[allow(clippy::print_stderr)] // the reason a test is skipped
pub(crate) fn start(extra_env: &[(&str, &str)]) -> Option<Moto> {
    let Some(bin) = moto_bin() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "moto_server is required under CI (.ci/run installs moto[server] into $HOME/.cache/rampart-venv)"
        );
        eprintln!("skipped: moto_server not installed (pip install 'moto[server]')");
        return None;
    };
    let guard = env_lock();
    let port = free_port();
    let child = Command::new(bin)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .envs(extra_env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let moto = Moto { child, _env: guard };
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "moto_server did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    sdk_env(&format!("http://127.0.0.1:{port}"));
    Some(moto)
}
