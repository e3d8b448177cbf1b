//! The command line: every command, flag and help text (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use send0::client::{API_KEY_ENV, BASE_URL_ENV};
use send0_server::config::{DEFAULT_RETRY_SCHEDULE, Schedule, parse_schedule};

use crate::exit::EXIT_CODES_HELP;

/// The environment variable `sign` and `verify` read a secret from.
pub const WEBHOOK_SECRET_ENV: &str = "SEND0_WEBHOOK_SECRET";

const EXAMPLES: &str = "\
Examples:
  send0 listen --forward-to localhost:3000/webhooks   forward deliveries to your app
  send0 trigger email.bounced                          emit an event with sample data
  send0 webhooks list                                  your endpoints, as a table
  send0 webhooks list --json | jq -r '.[].id'          the same, for scripts
  send0 verify --secret whsec_… --header 'webhook-id: msg_1' … --body-file body.json

Without --base-url and --api-key (or SEND0_BASE_URL and SEND0_API_KEY), the CLI talks to the local
send0-server (`cargo run -p send0-server`) at http://127.0.0.1:8765 with its built-in key.";

/// send0: forward webhook deliveries to your machine, trigger events, manage endpoints, and sign
/// and verify Standard Webhooks signatures.
#[derive(Debug, Parser)]
#[command(
    name = "send0",
    version,
    propagate_version = true,
    after_help = EXAMPLES,
    after_long_help = format!("{EXAMPLES}\n\n{EXIT_CODES_HELP}"),
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

const GLOBAL: &str = "Global options";

/// Flags every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// API key (sk_test_… or sk_live_…) [default: send0-server's built-in key]
    #[arg(long, global = true, help_heading = GLOBAL, env = API_KEY_ENV, hide_env_values = true, value_name = "KEY")]
    pub api_key: Option<String>,

    /// API base URL [default: http://127.0.0.1:8765, the local send0-server]
    #[arg(long, global = true, help_heading = GLOBAL, env = BASE_URL_ENV, value_name = "URL")]
    pub base_url: Option<String>,

    /// Print JSON for scripts instead of tables (the API's objects as sent); errors too, on stderr
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub json: bool,

    /// When to use colours (auto: on a terminal, never with NO_COLOR set)
    #[arg(long, global = true, help_heading = GLOBAL, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Manage webhook endpoints: list, get, create, update, delete, test, rotate-secret, deliveries
    #[command(subcommand)]
    Webhooks(Webhooks),

    /// Emit an event of any type in the catalog through the local send0-server
    #[command(after_help = TRIGGER_EXAMPLES)]
    Trigger(TriggerArgs),

    /// Forward deliveries to a local URL through a temporary endpoint, verifying each first
    #[command(after_help = LISTEN_EXAMPLES, after_long_help = format!("{LISTEN_DETAILS}\n\n{LISTEN_EXAMPLES}"))]
    Listen(ListenArgs),

    /// Sign a message as send0 does: print its webhook-id, webhook-timestamp and webhook-signature
    #[command(after_help = SIGN_EXAMPLES)]
    Sign(SignArgs),

    /// Verify a delivery's signature: exit 0 when it is valid, 4 otherwise; --explain says why
    #[command(after_help = VERIFY_EXAMPLES)]
    Verify(VerifyArgs),

    /// Print a completion script for your shell
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::aot::Shell,
    },
}

const WEBHOOKS_EXAMPLES: &str = "\
Examples:
  send0 webhooks create --url https://example.com/webhooks --events 'email.*' --print-secret
  send0 webhooks list --limit 20
  send0 webhooks update wh_3mKpLvRw9nQx --disable
  send0 webhooks test wh_3mKpLvRw9nQx
  send0 webhooks deliveries wh_3mKpLvRw9nQx --json";

/// `send0 webhooks …`.
#[derive(Debug, Subcommand)]
#[command(after_help = WEBHOOKS_EXAMPLES)]
pub enum Webhooks {
    /// List endpoints, newest first (every page, or the first --limit)
    List {
        /// List at most this many
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
        limit: Option<u32>,
    },
    /// Show one endpoint
    Get {
        /// The endpoint's id (wh_…)
        id: String,
    },
    /// Create an endpoint; its signing secret is shown once, with --print-secret
    Create {
        /// Where deliveries are posted
        #[arg(long)]
        url: String,
        /// Event types and patterns, comma-separated (`*`, `email.*`, `email.bounced`) [default: *]
        #[arg(long, value_delimiter = ',', value_name = "PATTERNS")]
        events: Vec<String>,
        /// Free text (at most 500 characters)
        #[arg(long)]
        description: Option<String>,
        /// Create it disabled
        #[arg(long)]
        disabled: bool,
        /// Print the signing secret (shown only in this answer; without it, it is hidden)
        #[arg(long)]
        print_secret: bool,
    },
    /// Change an endpoint: only what is given changes
    Update {
        /// The endpoint's id (wh_…)
        id: String,
        /// A new URL
        #[arg(long)]
        url: Option<String>,
        /// New event types and patterns, comma-separated
        #[arg(long, value_delimiter = ',', value_name = "PATTERNS")]
        events: Option<Vec<String>>,
        /// A new description
        #[arg(long, conflicts_with = "clear_description")]
        description: Option<String>,
        /// Remove the description
        #[arg(long)]
        clear_description: bool,
        /// Enable it
        #[arg(long, conflicts_with = "disable")]
        enable: bool,
        /// Disable it: nothing is delivered or queued
        #[arg(long)]
        disable: bool,
        /// Unpause a paused endpoint: resets its failures and releases held events
        #[arg(long)]
        unpause: bool,
    },
    /// Delete an endpoint
    Delete {
        /// The endpoint's id (wh_…)
        id: String,
    },
    /// Send a platform.test event now and show the outcome (exit 4 when it failed)
    Test {
        /// The endpoint's id (wh_…)
        id: String,
    },
    /// Issue a new signing secret; the previous one keeps signing for a while
    RotateSecret {
        /// The endpoint's id (wh_…)
        id: String,
        /// Seconds during which deliveries are also signed with the previous secret (0 to 604800)
        /// [default: 86400]
        #[arg(long, value_name = "SECONDS")]
        expire_previous_in: Option<u64>,
        /// Print the new secret (without it, it is hidden)
        #[arg(long)]
        print_secret: bool,
    },
    /// List an endpoint's delivery attempts, newest first (every page, or the first --limit)
    Deliveries {
        /// The endpoint's id (wh_…)
        id: String,
        /// List at most this many
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
        limit: Option<u32>,
    },
}

const TRIGGER_EXAMPLES: &str = "\
Examples:
  send0 trigger email.bounced                                 sample data, as the server makes it
  send0 trigger email.bounced --set data.bounce_type=soft     the sample with one field changed
  send0 trigger email.delivered --data '{\"email_id\": \"em_1\", \"to\": [\"a@example.com\"]}'
  send0 trigger domain.health.degraded --set data.failing_checks='[\"spf\",\"dkim\"]'";

/// `send0 trigger`.
#[derive(Debug, Args)]
pub struct TriggerArgs {
    /// The event type: email.queued, email.delivered, email.opened, email.clicked, email.bounced,
    /// email.complained, email.failed, domain.health.degraded or platform.test
    #[arg(value_name = "TYPE")]
    pub event_type: String,

    /// The event's data, a JSON object [default: a realistic sample for the type]
    #[arg(long, value_name = "JSON")]
    pub data: Option<String>,

    /// Set one field: data.PATH=VALUE, PATH a dot-separated key path; VALUE is JSON when it
    /// parses as JSON, else a string. Applies to --data, or to the type's sample without it.
    #[arg(long = "set", value_name = "data.PATH=VALUE")]
    pub set: Vec<String>,
}

const LISTEN_DETAILS: &str = "\
How it works:
  listen creates a temporary endpoint (its description says `send0 listen`) pointing at a listener on
  a free loopback port, and deletes it when you stop it (Ctrl-C or SIGTERM). Each delivery is verified
  with the endpoint's secret before it is forwarded: its exact body and its content-type and webhook-*
  headers go to --forward-to, and the server gets the target's status. A delivery that does not verify
  is not forwarded (answered 400). A forward that fails (no answer, a timeout, 408, 429 or 5xx) is
  retried on the delivery schedule, signed afresh each time as the server signs each attempt, and the
  server is answered 202 so that it does not retry it too; with --no-retry the server gets the
  target's answer (502 or 504 when there was none) and listen forwards it once.

  One line per delivery on stdout (time in UTC, type, event id, verified or not, the target's status
  and latency), JSON lines with --json; progress on stderr.";

const LISTEN_EXAMPLES: &str = "\
Examples:
  send0 listen --forward-to localhost:3000/webhooks
  send0 listen --forward-to http://127.0.0.1:8000/hooks --events 'email.*' --print-secret
  send0 listen --forward-to localhost:3000/webhooks --no-retry --json";

/// `send0 listen`.
#[derive(Debug, Args)]
pub struct ListenArgs {
    /// Where to forward each verified delivery (http://host:port/path; `localhost:3000/x` works)
    #[arg(long, value_name = "URL")]
    pub forward_to: String,

    /// Event types and patterns to receive, comma-separated [default: *]
    #[arg(long, value_delimiter = ',', value_name = "PATTERNS")]
    pub events: Vec<String>,

    /// Print the temporary endpoint's signing secret on stderr, once, so that your receiver can
    /// verify what is forwarded (otherwise it is never printed)
    #[arg(long)]
    pub print_secret: bool,

    /// Do not retry a failed forward
    #[arg(long)]
    pub no_retry: bool,

    /// Waits before each retry of a failed forward, comma-separated [default: the API's delivery
    /// schedule, 5s,5m,30m,2h,5h,10h,10h]
    #[arg(long, value_name = "WAITS", default_value = DEFAULT_RETRY_SCHEDULE, value_parser = parse_schedule,
          hide_default_value = true)]
    pub retry_schedule: Schedule,
}

const SIGN_EXAMPLES: &str = "\
Examples:
  send0 sign --secret whsec_… --id msg_1 --body-file body.json
  echo -n '{\"type\":\"email.sent\"}' | send0 sign --secret whsec_… --id msg_1 --timestamp 1700000000";

/// `send0 sign`.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// The signing secret (whsec_…)
    #[arg(long, env = WEBHOOK_SECRET_ENV, hide_env_values = true)]
    pub secret: String,

    /// The message id (webhook-id)
    #[arg(long)]
    pub id: String,

    /// Unix seconds (webhook-timestamp) [default: now]
    #[arg(long, allow_negative_numbers = true)]
    pub timestamp: Option<i64>,

    #[command(flatten)]
    pub body: BodyArgs,
}

const VERIFY_EXAMPLES: &str = "\
Examples:
  send0 verify --secret whsec_… --body-file body.json \\
    --header 'webhook-id: msg_1' --header 'webhook-timestamp: 1700000000' \\
    --header 'webhook-signature: v1,…'
  send0 sign --secret whsec_… --id msg_1 --body-file body.json   (prints headers verify takes)
  send0 verify --explain --secret whsec_… --body-file body.json --header …   (why it fails)";

/// `send0 verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A secret to verify with (whsec_…, bare base64 or a whpk_ public key); repeat it to accept
    /// any of several (a rotation)
    #[arg(long = "secret", env = WEBHOOK_SECRET_ENV, hide_env_values = true, required = true)]
    pub secrets: Vec<String>,

    /// A header of the delivery, `name: value`; repeat for each (verify reads webhook-id,
    /// webhook-timestamp and webhook-signature; --explain looks at every one)
    #[arg(long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,

    /// How far webhook-timestamp may be from now, either way
    #[arg(long, value_name = "SECONDS", default_value_t = send0::webhooks::DEFAULT_TOLERANCE.as_secs())]
    pub tolerance: u64,

    /// Verify as of this time, in Unix seconds, instead of the clock (to check a saved delivery)
    #[arg(long, value_name = "UNIX_SECONDS", allow_negative_numbers = true)]
    pub now: Option<i64>,

    /// Print a report of why the delivery verifies or not: the headers found, the timestamp
    /// against the clock, each secret and signature entry, and whether the body as a framework
    /// may have changed it (a newline, line endings, re-serialized JSON) would match
    #[arg(long)]
    pub explain: bool,

    /// Check the signature only: the body need not be a send0 event
    #[arg(long)]
    pub raw: bool,

    #[command(flatten)]
    pub body: BodyArgs,
}

/// Where a body comes from.
#[derive(Debug, Args)]
pub struct BodyArgs {
    /// Read the body from this file (`-`: standard input) [default: standard input]
    #[arg(long, value_name = "FILE")]
    pub body_file: Option<PathBuf>,
}

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  send0 completions bash > ~/.local/share/bash-completion/completions/send0
  send0 completions zsh > \"${fpath[1]}/_send0\"
  send0 completions fish > ~/.config/fish/completions/send0.fish";

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn the_default_retry_schedule_is_the_servers() {
        let cli = Cli::try_parse_from(["send0", "listen", "--forward-to", "localhost:1"]).unwrap();
        let Command::Listen(args) = cli.command else { panic!("not listen") };
        assert_eq!(args.retry_schedule, parse_schedule(DEFAULT_RETRY_SCHEDULE).unwrap());
        assert_eq!(args.retry_schedule.0.len(), 7);
    }
}
