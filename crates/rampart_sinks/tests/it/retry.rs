//! Retry with backoff and the disk spool: receivers that come up late, restarts, a full
//! queue. Nothing is lost; in these runs (no crash) nothing is duplicated either.

use std::collections::BTreeMap;
use std::time::Duration;

use rampart_alerts::AlertSeverity;
use rampart_sinks::ManualClock;

use crate::common::{alert, free_port, t0, wait_until, Auth, HttpReceiver};
use crate::{in_secs, start};

fn webhook_toml(port: u16, queue: usize) -> String {
    format!(
        "queue_capacity = {queue}\n[retry]\ninitial_backoff_ms = 50\nmax_backoff_ms = 200\n\
         [[sink]]\nkind = \"webhook\"\nname = \"hook\"\nurl = \"http://127.0.0.1:{port}/\"\nsecret = \"k\"\n"
    )
}

/// Delivered alert ids in arrival order.
fn ids(rx: &HttpReceiver) -> Vec<String> {
    rx.accepted()
        .iter()
        .map(|r| r.headers["x-rampart-alert-id"].clone())
        .collect()
}

#[test]
fn alerts_spooled_while_receiver_down_are_delivered_when_it_comes_up() {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(t0());
    let d = start(&webhook_toml(port, 1024), dir.path(), &clock, &[]);
    let want: Vec<String> = (0..5).map(|n| format!("alert-{n:04}")).collect();
    for n in 0..5 {
        d.send(&alert(n, AlertSeverity::High, None));
    }
    let spool = dir.path().join("hook.spool.jsonl");
    assert!(wait_until(Duration::from_secs(10), || {
        std::fs::read_to_string(&spool).is_ok_and(|s| s.lines().count() == 5)
    }));
    std::thread::sleep(Duration::from_millis(300)); // a few failed retries
    let rx = HttpReceiver::start(port, Auth::Hmac(b"k".to_vec()));
    assert!(wait_until(Duration::from_secs(10), || rx.accepted().len() >= 5));
    let report = d.close(in_secs(10));
    assert!(report.all_delivered(), "{report:?}");
    assert_eq!(report.sinks[0].delivered, 5);
    assert_eq!(report.sinks[0].spooled, 5);
    assert!(report.sinks[0].failed_attempts >= 2, "{report:?}");
    assert_eq!(ids(&rx), want, "in order, each once");
    assert_eq!(std::fs::read_to_string(&spool).unwrap(), "");
}

#[test]
fn spool_survives_restart() {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(t0());
    let d = start(&webhook_toml(port, 1024), dir.path(), &clock, &[]);
    for n in 0..3 {
        d.send(&alert(n, AlertSeverity::High, None));
    }
    let report = d.close(in_secs(1));
    assert_eq!(report.sinks[0].delivered, 0);
    assert_eq!(report.sinks[0].left_in_spool, 3, "{report:?}");

    let rx = HttpReceiver::start(port, Auth::Hmac(b"k".to_vec()));
    let d = start(&webhook_toml(port, 1024), dir.path(), &clock, &[]);
    d.send(&alert(3, AlertSeverity::High, None));
    let report = d.close(in_secs(10));
    assert!(report.all_delivered(), "{report:?}");
    assert_eq!(report.sinks[0].delivered, 4);
    let want: Vec<String> = (0..4).map(|n| format!("alert-{n:04}")).collect();
    assert_eq!(ids(&rx), want);
}

/// A crash after delivery but before the spool offset is written re-sends (at-least-once);
/// a torn last line is quarantined, not delivered and not silently dropped.
#[test]
fn stale_offset_resends_and_torn_line_is_quarantined() {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let a0 = serde_json::to_string(&alert(0, AlertSeverity::High, None)).unwrap();
    let a1 = serde_json::to_string(&alert(1, AlertSeverity::High, None)).unwrap();
    // As a crashed run leaves it: alert 0 delivered (offset past it), alert 1 not, and a
    // torn write of a third.
    std::fs::write(
        dir.path().join("hook.spool.jsonl"),
        format!("{a0}\n{a1}\n{}", &a1[..40]),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("hook.spool.offset"),
        (a0.len() + 1).to_string(),
    )
    .unwrap();
    let rx = HttpReceiver::start(port, Auth::Hmac(b"k".to_vec()));
    let clock = ManualClock::new(t0());
    let d = start(&webhook_toml(port, 1024), dir.path(), &clock, &[]);
    let report = d.close(in_secs(10));
    assert!(report.all_delivered(), "{report:?}");
    assert_eq!(ids(&rx), ["alert-0001"]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("hook.spool.bad")).unwrap(),
        format!("{}\n", &a1[..40])
    );
}

/// With a queue of one and the receiver down, `send` spools instead of blocking; every
/// alert arrives once the receiver is up.
#[test]
fn full_queue_spools_instead_of_blocking() {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(t0());
    let d = start(&webhook_toml(port, 1), dir.path(), &clock, &[]);
    // The receiver is not up yet: a blocking send would never return.
    for n in 0..200 {
        d.send(&alert(n, AlertSeverity::High, None));
    }
    let rx = HttpReceiver::start(port, Auth::Hmac(b"k".to_vec()));
    assert!(wait_until(Duration::from_secs(30), || rx.accepted().len() >= 200));
    let report = d.close(in_secs(10));
    assert!(report.all_delivered(), "{report:?}");
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for id in ids(&rx) {
        *counts.entry(id).or_default() += 1;
    }
    assert_eq!(counts.len(), 200, "every alert delivered");
    assert!(counts.values().all(|&c| c == 1), "none duplicated");
    assert_eq!(report.sinks[0].lost, 0);
}

/// Two dispatchers on one state directory would corrupt each other's spools: the second
/// is refused while the first runs, and allowed once it has closed.
#[test]
fn one_dispatcher_per_state_directory() {
    let dir = tempfile::tempdir().unwrap();
    let toml = webhook_toml(free_port(), 8);
    let mut c = rampart_sinks::Config::from_toml_str(&toml, "t").unwrap();
    c.resolve_secrets("t", |_| None).unwrap();
    let clock = std::sync::Arc::new(ManualClock::new(t0()));
    let first =
        rampart_sinks::Dispatcher::start(c.clone(), dir.path(), clock.clone(), "t").unwrap();
    let err =
        rampart_sinks::Dispatcher::start(c.clone(), dir.path(), clock.clone(), "t").unwrap_err();
    assert!(
        err.to_string()
            .contains("held by another running dispatcher"),
        "{err}"
    );
    first.close(in_secs(1));
    rampart_sinks::Dispatcher::start(c, dir.path(), clock, "t")
        .unwrap()
        .close(in_secs(1));
}
