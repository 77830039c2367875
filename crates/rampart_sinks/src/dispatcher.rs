//! The dispatcher: fans alerts out to the sinks without ever blocking detection.
//!
//! Each sink has a worker thread fed by a bounded channel. [`Dispatcher::send`] only
//! enqueues (`try_send`); when a sink's queue is full the alert is appended to that
//! sink's disk spool instead. A worker delivers queued alerts while its spool is empty;
//! once a delivery fails, the alert and everything after it go to the spool, and the
//! worker retries the spool in order with exponential backoff (initial × 2ⁿ, capped),
//! advancing the spool offset after each delivered alert. Spools survive restarts: a new
//! dispatcher on the same state directory first retries what the last one left.
//! Delivery is at-least-once: an alert is removed from the spool only after its delivery
//! succeeded, so a crash in between re-sends it.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rampart_alerts::{Alert, AlertSeverity};

use crate::clock::{Clock, SystemClock};
use crate::config::{Config, RetryConfig};
use crate::error::{ConfigError, SinkError};
use crate::sinks::{self, Sink};
use crate::spool::Spool;

/// How often a worker wakes without alerts (email throttle summaries, retries).
const TICK: Duration = Duration::from_millis(250);
/// Spooled alerts read per batch.
const BATCH: usize = 64;

enum Msg {
    Alert(Arc<Alert>),
    Close(Instant),
}

#[derive(Debug, Default)]
struct Counters {
    delivered: AtomicU64,
    failed_attempts: AtomicU64,
    spooled: AtomicU64,
    lost: AtomicU64,
}

struct Worker {
    name: String,
    min_severity: AlertSeverity,
    tx: SyncSender<Msg>,
    spool: Arc<Mutex<Spool>>,
    counters: Arc<Counters>,
    handle: Option<JoinHandle<()>>,
}

/// Sends alerts to the configured sinks. Dropping it without [`Dispatcher::close`]
/// leaves queued alerts undelivered (in memory only): always close.
pub struct Dispatcher {
    workers: Vec<Worker>,
    /// Exclusive lock on `<state_dir>/sinks.lock`: one dispatcher per state directory,
    /// since two would append to and truncate the same spools. Released on drop.
    _lock: std::fs::File,
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatcher")
            .field(
                "sinks",
                &self.workers.iter().map(|w| &w.name).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// What happened to each sink's alerts, at close.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SinkReport {
    pub name: String,
    /// Alerts the sink accepted (spooled ones included once delivered).
    pub delivered: u64,
    /// Failed delivery attempts (each followed by a backoff).
    pub failed_attempts: u64,
    /// Alerts that went through the spool during this run.
    pub spooled: u64,
    /// Alerts left in the spool for the next run (not lost: retried then).
    pub left_in_spool: u64,
    /// Alerts that could be neither delivered nor spooled (spool write failed); logged.
    pub lost: u64,
}

/// The outcome of [`Dispatcher::close`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    pub sinks: Vec<SinkReport>,
}

impl Report {
    /// Whether every alert was delivered (nothing left in a spool, nothing lost).
    pub fn all_delivered(&self) -> bool {
        self.sinks
            .iter()
            .all(|s| s.left_in_spool == 0 && s.lost == 0)
    }
}

/// One line per sink, e.g. `siem: 12 delivered, 1 failed attempt(s), 1 spooled, 0 left in spool, 0 lost`.
impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for s in &self.sinks {
            writeln!(
                f,
                "{}: {} delivered, {} failed attempt(s), {} spooled, {} left in spool, {} lost",
                s.name, s.delivered, s.failed_attempts, s.spooled, s.left_in_spool, s.lost
            )?;
        }
        Ok(())
    }
}

impl Dispatcher {
    /// Reads the TOML configuration, resolves `*_env` secrets from the environment and
    /// starts one worker per sink; spools and throttle state live in `state_dir`.
    pub fn from_config_file(path: &Path, state_dir: &Path) -> Result<Self, ConfigError> {
        let mut config = Config::load(path)?;
        let origin = path.display().to_string();
        config.resolve_secrets(&origin, |v| std::env::var(v).ok())?;
        Self::start(config, state_dir, Arc::new(SystemClock), &origin)
    }

    /// Starts workers for a configuration whose secrets are resolved
    /// ([`Config::resolve_secrets`]); `clock` is the wall clock of throttling and
    /// signatures (tests inject a [`crate::ManualClock`]).
    pub fn start(
        config: Config,
        state_dir: &Path,
        clock: Arc<dyn Clock>,
        origin: &str,
    ) -> Result<Self, ConfigError> {
        std::fs::create_dir_all(state_dir).map_err(|source| ConfigError::StateDir {
            path: state_dir.to_owned(),
            source,
        })?;
        let lock_path = state_dir.join("sinks.lock");
        let state_err = |source| ConfigError::StateDir {
            path: state_dir.to_owned(),
            source,
        };
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(state_err)?;
        lock.try_lock().map_err(|e| {
            state_err(std::io::Error::other(format!(
                "{} is held by another running dispatcher ({e})",
                lock_path.display()
            )))
        })?;
        // Build every sink before starting any thread, so a bad config starts nothing.
        let mut built = Vec::new();
        for sc in &config.sinks {
            let sink = sinks::build(sc, state_dir, clock.clone(), origin)?;
            let spool = Spool::open(state_dir, sc.name()).map_err(|e| ConfigError::Invalid {
                origin: origin.to_owned(),
                sink: sc.name().to_owned(),
                message: e.to_string(),
            })?;
            built.push((sc.name().to_owned(), sc.min_severity(), sink, spool));
        }
        let mut workers = Vec::new();
        for (name, min_severity, sink, spool) in built {
            let (tx, rx) = mpsc::sync_channel(config.queue_capacity);
            let spool = Arc::new(Mutex::new(spool));
            let counters = Arc::new(Counters::default());
            let mut run = WorkerLoop {
                name: name.clone(),
                sink,
                spool: spool.clone(),
                counters: counters.clone(),
                retry: config.retry.clone(),
                backoff: Duration::from_millis(config.retry.initial_backoff_ms),
                next_retry: Instant::now(),
            };
            let handle = std::thread::Builder::new()
                .name(format!("sink-{name}"))
                .spawn(move || run.run(rx))
                .map_err(|e| ConfigError::Invalid {
                    origin: origin.to_owned(),
                    sink: name.clone(),
                    message: format!("starting the worker thread: {e}"),
                })?;
            workers.push(Worker {
                name,
                min_severity,
                tx,
                spool,
                counters,
                handle: Some(handle),
            });
        }
        Ok(Self {
            workers,
            _lock: lock,
        })
    }

    /// The configured sink names.
    pub fn sink_names(&self) -> Vec<&str> {
        self.workers.iter().map(|w| w.name.as_str()).collect()
    }

    /// Queues the alert for every sink whose minimum severity it meets. Never blocks on
    /// the network: a full queue spools the alert to disk.
    pub fn send(&self, alert: &Alert) {
        let shared = Arc::new(alert.clone());
        for w in &self.workers {
            if alert.severity < w.min_severity {
                continue;
            }
            match w.tx.try_send(Msg::Alert(shared.clone())) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                    spool_or_count_lost(&w.name, &w.spool, &w.counters, alert);
                }
            }
        }
    }

    /// Stops the workers: each delivers what is queued and retries its spool until
    /// `deadline`, then leaves the rest in the spool for the next run.
    pub fn close(mut self, deadline: Instant) -> Report {
        for w in &self.workers {
            // Blocks only while the worker's queue is full, which it drains.
            let _ = w.tx.send(Msg::Close(deadline));
        }
        let mut report = Report::default();
        for w in &mut self.workers {
            if let Some(h) = w.handle.take() {
                if h.join().is_err() {
                    tracing::error!(sink = %w.name, "sink worker panicked");
                }
            }
            let left = lock(&w.spool).pending();
            report.sinks.push(SinkReport {
                name: w.name.clone(),
                delivered: w.counters.delivered.load(Ordering::Relaxed),
                failed_attempts: w.counters.failed_attempts.load(Ordering::Relaxed),
                spooled: w.counters.spooled.load(Ordering::Relaxed),
                left_in_spool: left,
                lost: w.counters.lost.load(Ordering::Relaxed),
            });
        }
        report
    }
}

fn lock(spool: &Mutex<Spool>) -> MutexGuard<'_, Spool> {
    spool.lock().unwrap_or_else(|e| e.into_inner())
}

fn spool_or_count_lost(name: &str, spool: &Mutex<Spool>, counters: &Counters, alert: &Alert) {
    let mut s = lock(spool);
    match s.append(alert) {
        Ok(()) => {
            counters.spooled.fetch_add(1, Ordering::Relaxed);
        }
        Err(e) => {
            counters.lost.fetch_add(1, Ordering::Relaxed);
            tracing::error!(sink = %name, alert = %alert.system_alert_id, spool = %s.path().display(),
                error = %e, "alert could not be spooled and is lost");
        }
    }
}

struct WorkerLoop {
    name: String,
    sink: Box<dyn Sink>,
    spool: Arc<Mutex<Spool>>,
    counters: Arc<Counters>,
    retry: RetryConfig,
    backoff: Duration,
    next_retry: Instant,
}

impl WorkerLoop {
    fn run(&mut self, rx: Receiver<Msg>) {
        let deadline = loop {
            let wait = if lock(&self.spool).is_empty() {
                TICK
            } else {
                self.next_retry
                    .saturating_duration_since(Instant::now())
                    .min(TICK)
            };
            match rx.recv_timeout(wait) {
                Ok(Msg::Alert(a)) => self.handle(&a),
                Ok(Msg::Close(d)) => break d,
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break Instant::now(),
            }
            self.retry_spool_if_due();
            self.tick();
        };
        // Alerts still queued behind the close (sent concurrently) go through as usual.
        while let Ok(msg) = rx.try_recv() {
            if let Msg::Alert(a) = msg {
                self.handle(&a);
            }
        }
        while !lock(&self.spool).is_empty() {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            if now >= self.next_retry {
                self.retry_spool_if_due();
            } else {
                std::thread::sleep(self.next_retry.min(deadline) - now);
            }
        }
        self.tick();
        if let Err(e) = self.sink.close() {
            tracing::warn!(sink = %self.name, error = %e, "closing the sink");
        }
        let left = lock(&self.spool).pending();
        if left > 0 {
            tracing::warn!(sink = %self.name, left, "undelivered alerts left in the spool for the next run");
        }
    }

    fn handle(&mut self, alert: &Alert) {
        let direct = lock(&self.spool).is_empty() && Instant::now() >= self.next_retry;
        if direct {
            match self.sink.deliver(alert) {
                Ok(()) => {
                    self.counters.delivered.fetch_add(1, Ordering::Relaxed);
                    self.backoff = Duration::from_millis(self.retry.initial_backoff_ms);
                    return;
                }
                Err(e) => self.failed(&e),
            }
        }
        spool_or_count_lost(&self.name, &self.spool, &self.counters, alert);
    }

    fn failed(&mut self, e: &SinkError) {
        self.counters
            .failed_attempts
            .fetch_add(1, Ordering::Relaxed);
        tracing::warn!(sink = %self.name, error = %e, retry_in_ms = self.backoff.as_millis() as u64,
            "delivery failed; retrying with backoff");
        self.next_retry = Instant::now() + self.backoff;
        self.backoff = (self.backoff * 2).min(Duration::from_millis(self.retry.max_backoff_ms));
    }

    /// Delivers the spool in order until it is empty or a delivery fails.
    fn retry_spool_if_due(&mut self) {
        if Instant::now() < self.next_retry {
            return;
        }
        loop {
            let peeked = lock(&self.spool).peek(BATCH);
            let batch = match peeked {
                Ok(b) => b,
                Err(e) => {
                    tracing::error!(sink = %self.name, error = %e, "reading the spool");
                    self.failed(&e);
                    return;
                }
            };
            if batch.is_empty() {
                return;
            }
            for (alert, end) in batch {
                if let Err(e) = self.sink.deliver(&alert) {
                    self.failed(&e);
                    return;
                }
                self.counters.delivered.fetch_add(1, Ordering::Relaxed);
                self.backoff = Duration::from_millis(self.retry.initial_backoff_ms);
                if let Err(e) = lock(&self.spool).commit(end) {
                    // The alert was delivered; a stale offset only re-sends it (at-least-once).
                    tracing::warn!(sink = %self.name, error = %e, "recording spool progress");
                }
            }
        }
    }

    fn tick(&mut self) {
        if Instant::now() < self.next_retry {
            return;
        }
        if let Err(e) = self.sink.tick() {
            self.failed(&e);
        }
    }
}
