//! The command line, and the settings it produces.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use ipnet::IpNet;

/// The delivery retry schedule of the send0 API: waits after each failed attempt.
pub const DEFAULT_RETRY_SCHEDULE: &str = "5s,5m,30m,2h,5h,10h,10h";
/// The address the server listens on by default: loopback only.
pub const DEFAULT_HOST: &str = "127.0.0.1";
/// The port the server listens on by default.
pub const DEFAULT_PORT: u16 = 8765;

/// send0-server: the local send0 Webhooks API, with real signed, retried delivery.
#[derive(Debug, Clone, Parser)]
#[command(name = "send0-server", version, about)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, default_value = DEFAULT_HOST)]
    pub host: String,

    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = DEFAULT_PORT)]
    pub port: u16,

    /// Keep everything in this SQLite file (WAL); without it the database is in memory.
    #[arg(long)]
    pub db: Option<PathBuf>,

    /// One API key with platform:webhooks:manage in workspace ws_local.
    #[arg(long = "api-key")]
    pub api_key: Option<String>,

    /// A JSON file of keys: [{"key": "...", "workspace": "...", "scopes": ["platform:webhooks:read"]}].
    #[arg(long)]
    pub keys: Option<PathBuf>,

    /// Waits before each retry of a failed delivery, comma-separated (e.g. 1s,2s,5s).
    #[arg(long = "retry-schedule", default_value = DEFAULT_RETRY_SCHEDULE, value_parser = parse_schedule)]
    pub retry_schedule: Schedule,

    /// How long an endpoint has to answer a delivery.
    #[arg(long = "delivery-timeout", default_value = "15s", value_parser = parse_duration)]
    pub delivery_timeout: Duration,

    /// Write the base URL (http://host:port) to this file once the server accepts connections.
    #[arg(long = "ready-file")]
    pub ready_file: Option<PathBuf>,

    /// The most webhook endpoints one workspace may have; creating another is a 400.
    #[arg(long = "max-endpoints-per-workspace", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_endpoints_per_workspace: u32,

    /// Delivery attempts (and tests) in flight at once, across all workspaces.
    #[arg(long = "max-in-flight", default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub max_in_flight: u32,

    /// Delivery attempts (and tests) in flight at once for one workspace, so that one workspace's
    /// slow endpoints cannot hold every slot.
    #[arg(long = "max-in-flight-per-workspace", default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub max_in_flight_per_workspace: u32,

    /// Let deliveries reach this range (CIDR, repeatable) although it is private, link-local or
    /// special; by default only loopback and public addresses are reached.
    #[arg(long = "allow-egress", value_name = "CIDR")]
    pub allow_egress: Vec<IpNet>,

    /// Never let deliveries reach this range (CIDR, repeatable), loopback included; wins over
    /// --allow-egress.
    #[arg(long = "deny-egress", value_name = "CIDR")]
    pub deny_egress: Vec<IpNet>,
}

impl Config {
    /// True when `--host` names a loopback address (or `localhost`).
    pub fn listens_on_loopback_only(&self) -> bool {
        crate::delivery::egress::is_loopback_host(&self.host)
    }
}

/// The waits between delivery attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule(pub Vec<Duration>);

fn parse_duration(text: &str) -> Result<Duration, String> {
    let duration =
        humantime::parse_duration(text.trim()).map_err(|e| format!("`{text}` is not a duration: {e}"))?;
    if duration.is_zero() {
        return Err(format!("`{text}` must be longer than zero"));
    }
    Ok(duration)
}

/// Parses a retry schedule: durations separated by commas (`5s,5m,30m`); empty means no retry.
pub fn parse_schedule(text: &str) -> Result<Schedule, String> {
    if text.trim().is_empty() {
        return Ok(Schedule(Vec::new()));
    }
    text.split(',').map(parse_duration).collect::<Result<_, _>>().map(Schedule)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_schedule_is_the_apis() {
        let config = Config::parse_from(["send0-server"]);
        let hours = |h: u64| Duration::from_secs(h * 3600);
        assert_eq!(
            config.retry_schedule.0,
            vec![
                Duration::from_secs(5),
                Duration::from_secs(300),
                Duration::from_secs(1800),
                hours(2),
                hours(5),
                hours(10),
                hours(10)
            ]
        );
        assert_eq!(config.delivery_timeout, Duration::from_secs(15));
        assert_eq!(config.port, 8765);
        assert_eq!(config.max_endpoints_per_workspace, 1000);
        assert_eq!((config.max_in_flight, config.max_in_flight_per_workspace), (64, 16));
        assert!(config.listens_on_loopback_only());
    }

    #[test]
    fn limits_egress_ranges_and_hosts() {
        let config = Config::parse_from([
            "send0-server",
            "--allow-egress",
            "10.0.0.0/8",
            "--deny-egress",
            "127.0.0.0/8",
            "--deny-egress",
            "::1/128",
            "--host",
            "0.0.0.0",
        ]);
        assert_eq!(config.allow_egress, vec!["10.0.0.0/8".parse::<IpNet>().unwrap()]);
        assert_eq!(config.deny_egress.len(), 2);
        assert!(!config.listens_on_loopback_only());
        for host in ["127.0.0.1", "::1", "[::1]", "localhost", "127.1.2.3"] {
            assert!(
                Config::parse_from(["send0-server", "--host", host]).listens_on_loopback_only(),
                "{host}"
            );
        }
        assert!(Config::try_parse_from(["send0-server", "--allow-egress", "10.0.0.0/33"]).is_err());
        assert!(Config::try_parse_from(["send0-server", "--max-in-flight", "0"]).is_err());
        assert!(Config::try_parse_from(["send0-server", "--max-endpoints-per-workspace", "0"]).is_err());
    }

    #[test]
    fn short_schedules_and_bad_ones() {
        let config = Config::parse_from(["send0-server", "--retry-schedule", "100ms,1s", "--port", "0"]);
        assert_eq!(config.retry_schedule.0, vec![Duration::from_millis(100), Duration::from_secs(1)]);
        assert!(Config::try_parse_from(["send0-server", "--retry-schedule", "5s,soon"]).is_err());
        assert!(Config::try_parse_from(["send0-server", "--delivery-timeout", "0s"]).is_err());
    }
}
