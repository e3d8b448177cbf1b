//! The Webhooks API client: configuration, the request path with its retries, and the resources.

mod events;
mod models;
mod pagination;
pub mod retry;
mod transport;
mod webhooks;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;

pub use events::Events;
pub use models::{
    CreateWebhookParams, DeletedWebhookEndpoint, DeliveryAttempt, EmitEventParams, EmittedEvent,
    EndpointStatus, Extra, ListParams, Page, RotateSecretParams, RotatedSecret, TestResult,
    UpdateWebhookParams, WebhookEndpoint, WebhookEndpointWithSecret,
};
pub use pagination::{MAX_PAGES, PageWalk, paginate};
pub use webhooks::Webhooks;

use crate::SecretString;
use crate::error::{Error, ErrorKind, Result};

/// The API's address when neither the builder nor `SEND0_BASE_URL` says otherwise.
pub const DEFAULT_BASE_URL: &str = "https://api.send0.dev";
/// Per-attempt timeout, connection included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Time allowed to open a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Retries after the first attempt, for connection errors, timeouts, 408, 409, 429 and 5xx.
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// The environment variable read when no API key is given.
pub const API_KEY_ENV: &str = "SEND0_API_KEY";
/// The environment variable read when no base URL is given.
pub const BASE_URL_ENV: &str = "SEND0_BASE_URL";

/// A client for the send0 API. Cheap to clone: clones share one connection pool.
///
/// ```no_run
/// # async fn run() -> send0::Result<()> {
/// let client = send0::Client::from_env()?; // SEND0_API_KEY
/// let endpoint = client
///     .webhooks()
///     .create(&send0::client::CreateWebhookParams::new("https://example.com/webhooks/send0"))
///     .await?;
/// println!("store this secret: {}", endpoint.secret.expose());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<ClientInner>,
}

struct ClientInner {
    http: reqwest::Client,
    api_key: SecretString,
    base_url: Url,
    max_retries: u32,
    timeout: Duration,
    user_agent: String,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("api_key", &self.inner.api_key)
            .field("base_url", &self.inner.base_url.as_str())
            .field("max_retries", &self.inner.max_retries)
            .field("timeout", &self.inner.timeout)
            .field("user_agent", &self.inner.user_agent)
            .finish()
    }
}

impl Client {
    /// A client with `api_key` and every other setting at its default (or from the environment).
    pub fn new(api_key: impl Into<String>) -> Result<Self> {
        Self::builder().api_key(api_key).build()
    }

    /// A client configured from `SEND0_API_KEY` and `SEND0_BASE_URL`.
    pub fn from_env() -> Result<Self> {
        Self::builder().build()
    }

    /// A builder for every setting.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The Webhooks API: endpoints, tests, secret rotation and delivery logs.
    pub fn webhooks(&self) -> Webhooks {
        Webhooks::new(self.clone(), RequestOptions::default())
    }

    /// Events: `emit` one through the local server (`send0-server`'s `POST /v1/events`), standing
    /// in for the platform's own activity. The send0 platform API has no such call.
    pub fn events(&self) -> Events {
        Events::new(self.clone(), RequestOptions::default())
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        self.inner.base_url.as_str()
    }

    /// The API key's public prefix (`sk_test_…`), for reprs and logs.
    pub fn api_key_hint(&self) -> String {
        self.inner.api_key.redacted()
    }

    /// The `User-Agent` this client sends.
    pub fn user_agent(&self) -> &str {
        &self.inner.user_agent
    }
}

/// Per-request settings that override the client's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestOptions {
    /// The `Idempotency-Key` of a POST; one is generated (and reused across retries) when absent.
    pub idempotency_key: Option<String>,
    /// Retries after the first attempt.
    pub max_retries: Option<u32>,
    /// Per-attempt timeout.
    pub timeout: Option<Duration>,
}

/// Settings for a [`Client`].
#[derive(Clone, Default)]
pub struct ClientBuilder {
    api_key: Option<String>,
    base_url: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    max_retries: Option<u32>,
    user_agent: Option<String>,
    user_agent_suffix: Option<String>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &self.api_key.as_deref().map(crate::redact))
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The API key (`sk_live_…`, `sk_test_…`). Default: `SEND0_API_KEY`.
    pub fn api_key(mut self, api_key: impl Into<String>) -> Self {
        self.api_key = Some(api_key.into());
        self
    }

    /// The API's base URL. Default: `SEND0_BASE_URL`, else `https://api.send0.dev`.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// Per-attempt timeout. Default 60 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Connection timeout. Default 10 s (never more than the timeout).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Retries after the first attempt. Default 2.
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = Some(max_retries);
        self
    }

    /// The product token of `User-Agent`, set by each language's SDK (`send0-python/0.1.0`).
    /// Default `send0-rust/<version>`.
    pub fn user_agent(mut self, product: impl Into<String>) -> Self {
        self.user_agent = Some(product.into());
        self
    }

    /// Text appended to `User-Agent` after a space, for an application to name itself.
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Builds the client. Fails with `invalid_argument` when there is no API key or the base URL
    /// or a setting is unusable.
    pub fn build(self) -> Result<Client> {
        let invalid = |m: String| Error::new(ErrorKind::InvalidArgument, m);
        let api_key = match self.api_key {
            Some(key) => key,
            None => std::env::var(API_KEY_ENV).unwrap_or_default(),
        };
        let api_key = api_key.trim().to_owned();
        if api_key.is_empty() {
            return Err(invalid(format!(
                "no send0 API key: pass one to the client or set {API_KEY_ENV} (keys look like sk_test_…)"
            )));
        }
        if !api_key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(invalid("the API key has characters that cannot go in an HTTP header".into()));
        }
        let base_url = match self.base_url {
            Some(url) => url,
            None => std::env::var(BASE_URL_ENV)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned()),
        };
        let mut base_url = Url::parse(base_url.trim())
            .map_err(|e| invalid(format!("the base URL `{base_url}` is not a valid URL: {e}")))?;
        if !matches!(base_url.scheme(), "http" | "https") || base_url.cannot_be_a_base() {
            return Err(invalid(format!("the base URL `{base_url}` must be an http or https URL")));
        }
        if !base_url.path().ends_with('/') {
            let path = format!("{}/", base_url.path());
            base_url.set_path(&path);
        }
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        if timeout.is_zero() {
            return Err(invalid("the timeout must be greater than zero".into()));
        }
        let connect_timeout = self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT).min(timeout);
        let mut user_agent = self.user_agent.unwrap_or_else(|| format!("send0-rust/{}", crate::VERSION));
        if let Some(suffix) = self.user_agent_suffix.filter(|s| !s.is_empty()) {
            user_agent.push(' ');
            user_agent.push_str(&suffix);
        }
        if http::HeaderValue::from_str(&user_agent).is_err() {
            return Err(invalid("the user agent has characters that cannot go in an HTTP header".into()));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::new(ErrorKind::Connection, format!("could not set up HTTP: {e}")))?;
        Ok(Client {
            inner: Arc::new(ClientInner {
                http,
                api_key: SecretString::new(api_key),
                base_url,
                max_retries: self.max_retries.unwrap_or(DEFAULT_MAX_RETRIES),
                timeout,
                user_agent,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_key_is_a_clear_error() {
        let err = Client::builder().api_key("  ").build().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
        assert!(err.message().contains(API_KEY_ENV));
    }

    #[test]
    fn debug_hides_the_api_key() {
        let client = Client::builder()
            .api_key("sk_test_supersecretvalue")
            .base_url("http://127.0.0.1:1")
            .build()
            .unwrap();
        let shown = format!("{client:?}");
        assert!(shown.contains("sk_test_…"), "{shown}");
        assert!(!shown.contains("supersecret"), "{shown}");
        let builder = format!("{:?}", Client::builder().api_key("sk_test_supersecretvalue"));
        assert!(!builder.contains("supersecret"), "{builder}");
    }

    #[test]
    fn base_url_and_user_agent() {
        let client = Client::builder()
            .api_key("sk_test_x")
            .base_url("http://127.0.0.1:8765/api")
            .user_agent("send0-python/0.1.0")
            .user_agent_suffix("myapp/2")
            .build()
            .unwrap();
        assert_eq!(client.base_url(), "http://127.0.0.1:8765/api/");
        assert_eq!(client.user_agent(), "send0-python/0.1.0 myapp/2");
        for bad in ["not a url", "ftp://x", "mailto:a@b"] {
            let err = Client::builder().api_key("sk_test_x").base_url(bad).build().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{bad}");
        }
    }
}
