//! The API the CLI talks to: `--api-key`/`SEND0_API_KEY` and `--base-url`/`SEND0_BASE_URL`, and
//! with neither the local `send0-server` with its built-in key, so it works out of the box.

use send0::{Client, ErrorKind};
use send0_server::config::{DEFAULT_HOST, DEFAULT_PORT};
use send0_server::keys::DEFAULT_KEY;

use crate::exit::Failure;

/// The `User-Agent` product of the CLI's requests.
const USER_AGENT: &str = concat!("send0-cli/", env!("CARGO_PKG_VERSION"));

/// The local server's address when it runs with its defaults (`cargo run -p send0-server`).
pub fn local_base_url() -> String {
    format!("http://{DEFAULT_HOST}:{DEFAULT_PORT}")
}

/// A connection: the core client and where it points, for error messages.
pub struct Connection {
    pub client: Client,
    base_url: String,
}

impl Connection {
    /// The client for `api_key` and `base_url` (each from its flag or environment variable), the
    /// local server's defaults standing in for whichever is missing.
    pub fn new(api_key: Option<&str>, base_url: Option<&str>) -> Result<Self, Failure> {
        let given = |v: Option<&str>| v.map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        let base_url = given(base_url).unwrap_or_else(local_base_url);
        let client = Client::builder()
            .api_key(given(api_key).unwrap_or_else(|| DEFAULT_KEY.to_owned()))
            .base_url(&base_url)
            .user_agent(USER_AGENT)
            .build()
            .map_err(|e| {
                Failure::from(e).hint("check --api-key (SEND0_API_KEY) and --base-url (SEND0_BASE_URL)")
            })?;
        Ok(Connection { base_url: client.base_url().trim_end_matches('/').to_owned(), client })
    }

    /// The base URL requests go to, without its final slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// A core error as a failure, with a hint saying how to fix what usually causes it.
    pub fn failure(&self, error: send0::Error) -> Failure {
        let kind = error.kind();
        let failure = Failure::from(error);
        match kind {
            ErrorKind::Connection | ErrorKind::Timeout => {
                let local = self.base_url == local_base_url();
                let what = if kind == ErrorKind::Timeout {
                    "did not answer in time"
                } else {
                    "could not be reached"
                };
                let failure = failure.hint(format!("the send0 API at {} {what}", self.base_url));
                if local {
                    failure.hint(format!(
                        "is send0-server running at {}? Start it with `cargo run -p send0-server`, or point \
                         --base-url (SEND0_BASE_URL) at your API",
                        self.base_url
                    ))
                } else {
                    failure.hint(format!(
                        "check --base-url (SEND0_BASE_URL); without it the CLI uses the local send0-server at {}",
                        local_base_url()
                    ))
                }
            }
            ErrorKind::Authentication => failure.hint(
                "pass an API key with --api-key or SEND0_API_KEY (send0-server accepts its built-in key \
                 when started without --api-key or --keys)",
            ),
            ErrorKind::Permission => failure.hint("use a key with the scope the message names"),
            ErrorKind::RateLimited => failure.hint("wait a moment and try again"),
            _ => failure,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_local_servers() {
        let connection = Connection::new(None, Some("  ")).unwrap();
        assert_eq!(connection.base_url(), "http://127.0.0.1:8765");
        assert_eq!(connection.client.api_key_hint(), "sk_test_…");
        assert!(connection.client.user_agent().starts_with("send0-cli/"));
        let other = Connection::new(Some("sk_test_x"), Some("https://api.example.test/")).unwrap();
        assert_eq!(other.base_url(), "https://api.example.test");
    }

    #[test]
    fn unreachable_apis_say_how_to_start_the_local_server() {
        let connection = Connection::new(None, None).unwrap();
        let failure = connection.failure(send0::Error::new(ErrorKind::Connection, "connection refused"));
        assert_eq!(failure.code(), crate::exit::UNREACHABLE);
        let shown = format!("{failure:?}");
        assert!(shown.contains("cargo run -p send0-server"), "{shown}");
        let bad = Connection::new(None, Some("ftp://x")).err().unwrap();
        assert_eq!(bad.code(), crate::exit::USAGE);
    }
}
