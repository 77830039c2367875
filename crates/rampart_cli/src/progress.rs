//! The progress bar for long scans: shown on a terminal only, counting resources as they stream past.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A spinner with a resource counter and rate; hidden when stderr is not a terminal or when disabled.
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    pub(crate) fn new(enabled: bool) -> Self {
        Self::with_template(
            enabled,
            "{spinner} {elapsed_precise} {human_pos} resources assessed ({per_sec}) {msg}",
        )
    }

    /// The same for `rampart detect`, counting log events.
    pub(crate) fn events(enabled: bool) -> Self {
        Self::with_template(
            enabled,
            "{spinner} {elapsed_precise} {human_pos} events read ({per_sec}) {msg}",
        )
    }

    /// A spinner with the current step only (`rampart scan image|host|sbom`).
    pub(crate) fn steps(enabled: bool) -> Self {
        Self::with_template(enabled, "{spinner} {elapsed_precise} {msg}")
    }

    fn with_template(enabled: bool, template: &str) -> Self {
        if !enabled || !std::io::stderr().is_terminal() {
            return Self { bar: None };
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(8));
        bar.set_style(
            ProgressStyle::with_template(template)
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        Self { bar: Some(bar) }
    }

    /// Called by the façade every few thousand resources with the running total.
    pub(crate) fn set(&self, n_resources: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(n_resources);
        }
    }

    pub(crate) fn message(&self, msg: &'static str) {
        if let Some(bar) = &self.bar {
            bar.set_message(msg);
        }
    }

    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
