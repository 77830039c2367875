//! The command-line surface (clap derive). Parsing only; the commands live in their own modules.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Rampart: cloud security posture management, the open alternative to Defender for Cloud.
#[derive(Debug, Parser)]
#[command(name = "rampart", version, about, long_about = None)]
pub(crate) struct Cli {
    /// More log output on stderr (-v info, -vv debug); RAMPART_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub(crate) verbose: u8,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Assess an inventory: recommendations, secure score, compliance; or (`scan image|host|sbom`) scan a
    /// container image, a root file system or an SBOM for vulnerable packages.
    Scan(ScanCommand),
    /// The local vulnerability advisory database (OSV): import, update, status.
    #[command(subcommand)]
    Vulndb(crate::vulndb_cmd::VulndbCommand),
    /// Secure score tools.
    #[command(subcommand)]
    Score(ScoreCommand),
    /// The built-in benchmark's recommendations; `rules lint` checks Sigma detection rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Threat detection: run Sigma rules (SigmaHQ's and the built-in ones) over log files and raise alerts.
    Detect(DetectArgs),
    /// Alert suppression rules (docs/alerts.md).
    #[command(subcommand)]
    Suppress(SuppressCommand),
}

#[derive(Debug, Subcommand)]
pub(crate) enum SuppressCommand {
    /// How many past alerts each suppression rule would have dismissed (whatever its state and expiry).
    Simulate {
        /// Suppression rules (YAML).
        #[arg(value_name = "RULES")]
        rules: PathBuf,
        /// Past alerts: JSON Lines files as `rampart detect` writes them.
        #[arg(value_name = "ALERTS", required = true)]
        alerts: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum ScoreCommand {
    /// Print every intermediate of the secure score: per control H, U, NA, points per resource, current, max,
    /// potential increase; per scope, aggregated and per group.
    Explain(ScanArgs),
}

#[derive(Debug, Subcommand)]
pub(crate) enum RulesCommand {
    /// List every recommendation (or, with --coverage, how each initiative reference is evaluated).
    List {
        /// Show how each reference of the MCSB initiative is evaluated, with totals.
        #[arg(long)]
        coverage: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
        /// Also load custom policy definitions (file or directory of JSON).
        #[arg(long = "policy", value_name = "FILE|DIR")]
        policies: Vec<PathBuf>,
    },
    /// Show one recommendation (by id, or a unique prefix of it).
    Show {
        /// Recommendation id.
        id: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Check Sigma rule files: each rule loaded or refused with the specific reason, plus spec and style findings.
    /// Exit 1 when any error.
    Lint {
        /// Sigma rule files or directories (searched recursively for .yml/.yaml).
        #[arg(value_name = "FILE|DIR", required = true)]
        files: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum ListFormat {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum OutputFormat {
    Table,
    Json,
    Sarif,
    Ocsf,
    Csv,
    Html,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum SeverityArg {
    Low,
    Medium,
    High,
}

/// `rampart scan`: the inventory form (its arguments) unless a subcommand names an image, host or SBOM.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct ScanCommand {
    #[command(flatten)]
    pub(crate) inventory: ScanArgs,
    #[command(subcommand)]
    pub(crate) target: Option<crate::image_cmd::ScanTarget>,
}

#[derive(Debug, Args)]
pub(crate) struct ScanArgs {
    /// Inventory files: Rampart JSON Lines snapshots or Azure Resource Graph exports (`az graph query -o json`),
    /// optionally gzipped; several pages as several files.
    #[arg(value_name = "INPUT")]
    pub(crate) inputs: Vec<PathBuf>,
    /// Scan the demo estate bundled in the binary.
    #[arg(long)]
    pub(crate) demo: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub(crate) format: OutputFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Exemptions file (YAML).
    #[arg(long, value_name = "FILE")]
    pub(crate) exemptions: Option<PathBuf>,
    /// Custom Azure Policy definitions (file or directory of JSON): shown and gated on, never scored.
    #[arg(long = "policy", value_name = "FILE|DIR")]
    pub(crate) policies: Vec<PathBuf>,
    /// Also score by a grouping: `tag:KEY`, `resource-group` or `region` (repeatable).
    #[arg(long = "group-by", value_name = "GROUPING")]
    pub(crate) group_by: Vec<String>,
    /// Exit 1 if the secure score (percentage) is below SCORE.
    #[arg(long, value_name = "SCORE")]
    pub(crate) fail_under: Option<f64>,
    /// Exit 1 if any resource is unhealthy for a recommendation of this severity or higher.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub(crate) fail_on: Option<SeverityArg>,
    /// Skip malformed records (counted in the report) instead of stopping at the first.
    #[arg(long)]
    pub(crate) keep_going: bool,
    /// Never show a progress bar.
    #[arg(long)]
    pub(crate) no_progress: bool,
    /// JSON on one line instead of pretty-printed (about half the size on large estates).
    #[arg(long)]
    pub(crate) compact: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum AlertFormat {
    /// One alert per line, the alert record serialised (docs/alerts.md).
    Jsonl,
    /// A human summary, one row per alert.
    Table,
    /// ArcSight CEF:0, one alert per line.
    Cef,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum AlertSeverityArg {
    Informational,
    Low,
    Medium,
    High,
}

#[derive(Debug, Args)]
pub(crate) struct DetectArgs {
    /// Log files or directories (searched recursively), or `-` for standard input; gzip is read transparently.
    #[arg(value_name = "FILE|DIR", required = true)]
    pub(crate) inputs: Vec<PathBuf>,
    /// More Sigma rules (file or directory, recursive), loaded beside the bundled ones (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    pub(crate) rules: Vec<PathBuf>,
    /// Load only the --rules given, not the bundled SigmaHQ and built-in rules.
    #[arg(long)]
    pub(crate) no_bundled: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = AlertFormat::Jsonl)]
    pub(crate) format: AlertFormat,
    /// Write alerts to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Suppression rules (YAML, docs/alerts.md): matching alerts are output as Dismissed.
    #[arg(long, value_name = "FILE")]
    pub(crate) suppress: Option<PathBuf>,
    /// Also deliver every alert to the sinks this file configures (TOML, docs/sinks.md): syslog/CEF,
    /// webhook, Splunk HEC, email, JSON Lines. Undelivered alerts are spooled and retried, also by later runs.
    #[arg(long, value_name = "FILE")]
    pub(crate) sinks: Option<PathBuf>,
    /// Where the sinks keep their spools and email throttling state (default: $XDG_STATE_HOME/rampart/sinks when absolute,
    /// else ~/.local/state/rampart/sinks).
    #[arg(long, value_name = "DIR", requires = "sinks")]
    pub(crate) state_dir: Option<PathBuf>,
    /// At the end of a run, wait at most this many seconds for the sinks to deliver; what is left stays spooled.
    #[arg(long, value_name = "SECONDS", default_value_t = 30, requires = "sinks")]
    pub(crate) sinks_wait: u64,
    /// Keep reading the given files as they grow (poll, follows rotation and truncation); Ctrl-C stops.
    #[arg(long)]
    pub(crate) follow: bool,
    /// Matches of one rule on one entity within this many minutes make one alert.
    #[arg(long, value_name = "MINUTES", default_value_t = 60)]
    pub(crate) window: u32,
    /// Exit 1 when an active (not dismissed) alert has this severity or higher (default: any alert).
    #[arg(long, value_enum, value_name = "SEVERITY", default_value_t = AlertSeverityArg::Informational)]
    pub(crate) fail_on: AlertSeverityArg,
    /// Never show a progress bar.
    #[arg(long)]
    pub(crate) no_progress: bool,
    /// `--follow` poll interval in milliseconds.
    #[arg(long, hide = true, value_name = "MS", default_value_t = 1000)]
    pub(crate) poll_ms: u64,
}
