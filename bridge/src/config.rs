//! A client's settings as data, the form in which every binding passes them.

use std::time::Duration;

use send0::{Client, ClientBuilder, SecretString};

/// A client's settings as data, the form in which every binding passes them (Go as JSON).
/// Unset fields take the defaults of [`ClientBuilder`].
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientConfig {
    /// The API key; `SEND0_API_KEY` when absent or empty.
    pub api_key: Option<SecretString>,
    /// The base URL; `SEND0_BASE_URL`, else the API's, when absent or empty.
    pub base_url: Option<String>,
    /// Per-attempt timeout in milliseconds.
    pub timeout_ms: Option<u64>,
    /// Retries after the first attempt.
    pub max_retries: Option<u32>,
    /// The `User-Agent` product of the binding (`send0-go/0.1.0`).
    pub user_agent: Option<String>,
    /// Text appended to `User-Agent`.
    pub user_agent_suffix: Option<String>,
}

impl ClientConfig {
    /// The builder these settings describe.
    pub fn into_builder(self) -> ClientBuilder {
        let mut builder = Client::builder();
        if let Some(key) = self.api_key.filter(|k| !k.expose().is_empty()) {
            builder = builder.api_key(key.expose());
        }
        if let Some(url) = self.base_url.filter(|u| !u.is_empty()) {
            builder = builder.base_url(url);
        }
        if let Some(ms) = self.timeout_ms {
            builder = builder.timeout(Duration::from_millis(ms));
        }
        if let Some(retries) = self.max_retries {
            builder = builder.max_retries(retries);
        }
        if let Some(product) = self.user_agent {
            builder = builder.user_agent(product);
        }
        if let Some(suffix) = self.user_agent_suffix {
            builder = builder.user_agent_suffix(suffix);
        }
        builder
    }
}
