//! The command line, and the settings it produces.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

/// The delivery retry schedule of the send0 API: waits after each failed attempt.
pub const DEFAULT_RETRY_SCHEDULE: &str = "5s,5m,30m,2h,5h,10h,10h";

/// send0-server: the local send0 Webhooks API, with real signed, retried delivery.
#[derive(Debug, Clone, Parser)]
#[command(name = "send0-server", version, about)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,

    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 8765)]
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

fn parse_schedule(text: &str) -> Result<Schedule, String> {
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
    }

    #[test]
    fn short_schedules_and_bad_ones() {
        let config = Config::parse_from(["send0-server", "--retry-schedule", "100ms,1s", "--port", "0"]);
        assert_eq!(config.retry_schedule.0, vec![Duration::from_millis(100), Duration::from_secs(1)]);
        assert!(Config::try_parse_from(["send0-server", "--retry-schedule", "5s,soon"]).is_err());
        assert!(Config::try_parse_from(["send0-server", "--delivery-timeout", "0s"]).is_err());
    }
}
