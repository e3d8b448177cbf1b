//! The request path: one attempt, the retry loop around it, and the mapping of failures to errors.

use std::time::Duration;

use http::{HeaderMap, Method};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Client, RequestOptions, retry};
use crate::error::{ApiErrorDetails, Error, ErrorKind, Result};

/// A request described independently of any attempt, so the retry loop can resend it as is.
pub(crate) struct ApiRequest<'a> {
    pub method: Method,
    /// Path segments after the base URL, e.g. `["v1", "webhooks", id]`; each is percent-encoded.
    pub path: &'a [&'a str],
    pub query: Vec<(&'static str, String)>,
    pub body: Option<Vec<u8>>,
}

impl<'a> ApiRequest<'a> {
    pub fn new(method: Method, path: &'a [&'a str]) -> Self {
        ApiRequest { method, path, query: Vec::new(), body: None }
    }

    pub fn json(mut self, body: &impl Serialize) -> Result<Self> {
        let bytes = serde_json::to_vec(body).map_err(|e| {
            Error::new(ErrorKind::InvalidArgument, format!("could not encode the request body: {e}"))
        })?;
        self.body = Some(bytes);
        Ok(self)
    }
}

struct RawResponse {
    status: u16,
    headers: HeaderMap,
    body: bytes::Bytes,
}

/// Why one attempt failed, with what the retry decision needs.
enum Failure {
    Response(RawResponse),
    Transport(Error),
}

impl Client {
    /// Sends `request` (retrying as the policy allows) and decodes a 2xx body as `T`.
    pub(crate) async fn send<T: DeserializeOwned>(
        &self,
        request: ApiRequest<'_>,
        options: &RequestOptions,
    ) -> Result<T> {
        let response = self.execute(&request, options).await?;
        serde_json::from_slice(&response.body).map_err(|e| {
            let request_id = request_id(&response.headers).unwrap_or("none");
            Error::new(
                ErrorKind::Decode,
                format!(
                    "the API answered {} {} with a body this SDK cannot read ({}); request id {request_id}",
                    request.method,
                    request.path.join("/"),
                    // serde quotes the offending value, which can be the whole body (or an echoed key).
                    shortened(&redact_key(e.to_string(), self.inner.api_key.expose()), MAX_QUOTED_CHARS),
                ),
            )
        })
    }

    async fn execute(&self, request: &ApiRequest<'_>, options: &RequestOptions) -> Result<RawResponse> {
        let inner = &self.inner;
        let mut url = inner.base_url.clone();
        {
            let mut segments = url
                .path_segments_mut()
                .map_err(|_| Error::new(ErrorKind::InvalidArgument, "the base URL cannot take a path"))?;
            segments.pop_if_empty();
            segments.extend(request.path);
        }
        if !request.query.is_empty() {
            url.query_pairs_mut().extend_pairs(request.query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        // One key per logical POST, reused by every retry so the server can replay instead of redo.
        let idempotency_key = (request.method == Method::POST).then(|| {
            options.idempotency_key.clone().unwrap_or_else(|| format!("send0-retry-{}", uuid::Uuid::new_v4()))
        });
        let max_retries = options.max_retries.unwrap_or(inner.max_retries);
        let timeout = options.timeout.unwrap_or(inner.timeout);

        let mut retries_done = 0;
        loop {
            let failure =
                match self.attempt(request, &url, idempotency_key.as_deref(), timeout, retries_done).await {
                    Ok(response) if (200..300).contains(&response.status) => return Ok(response),
                    Ok(response) => Failure::Response(response),
                    Err(error) => Failure::Transport(error),
                };
            let retryable = match &failure {
                Failure::Response(r) => retry::should_retry_status(r.status, &r.headers),
                Failure::Transport(e) => matches!(e.kind(), ErrorKind::Connection | ErrorKind::Timeout),
            };
            if !retryable || retries_done >= max_retries {
                return Err(match failure {
                    Failure::Response(r) => api_error(r, inner.api_key.expose()),
                    Failure::Transport(e) => e,
                });
            }
            let headers = match &failure {
                Failure::Response(r) => Some(&r.headers),
                Failure::Transport(_) => None,
            };
            // Dropping the request future cancels this sleep like any in-flight attempt.
            tokio::time::sleep(retry::delay(retries_done, headers)).await;
            retries_done += 1;
        }
    }

    async fn attempt(
        &self,
        request: &ApiRequest<'_>,
        url: &reqwest::Url,
        idempotency_key: Option<&str>,
        timeout: Duration,
        retry_count: u32,
    ) -> Result<RawResponse> {
        let inner = &self.inner;
        let mut builder = inner
            .http
            .request(request.method.clone(), url.clone())
            .timeout(timeout)
            .bearer_auth(inner.api_key.expose())
            .header(http::header::USER_AGENT, &inner.user_agent)
            .header(http::header::ACCEPT, "application/json")
            .header("x-send0-retry-count", retry_count);
        if let Some(key) = idempotency_key {
            builder = builder.header("idempotency-key", key);
        }
        if let Some(body) = &request.body {
            builder = builder.header(http::header::CONTENT_TYPE, "application/json").body(body.clone());
        }
        let what = format!("{} {}", request.method, url.path());
        let response = builder.send().await.map_err(|e| transport_error(e, &what, timeout))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = read_capped(response, &what, timeout).await?;
        Ok(RawResponse { status, headers, body })
    }
}

/// The largest response body read; this API's answers are a few KiB (a page of 100 endpoints).
pub const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;
/// How much of a server-provided text an error message quotes.
const MAX_QUOTED_CHARS: usize = 300;

/// The body, refused past [`MAX_RESPONSE_BYTES`] (announced or streamed) so a hostile or broken
/// server cannot grow the client's memory without bound.
async fn read_capped(mut response: reqwest::Response, what: &str, timeout: Duration) -> Result<bytes::Bytes> {
    let too_large = || {
        Error::new(
            ErrorKind::Decode,
            format!("{what}: the API answered with a body over {} MiB; refused", MAX_RESPONSE_BYTES >> 20),
        )
    };
    if response.content_length().is_some_and(|n| n > MAX_RESPONSE_BYTES as u64) {
        return Err(too_large());
    }
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| transport_error(e, what, timeout))? {
        if body.len().saturating_add(chunk.len()) > MAX_RESPONSE_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// `text` with every occurrence of the API key redacted.
fn redact_key(text: String, api_key: &str) -> String {
    if !api_key.is_empty() && text.contains(api_key) {
        text.replace(api_key, &crate::redact(api_key))
    } else {
        text
    }
}

/// `text` cut to at most `max` characters, with an ellipsis when cut.
fn shortened(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or_default()),
        None => text.to_owned(),
    }
}

fn transport_error(error: reqwest::Error, what: &str, timeout: Duration) -> Error {
    // reqwest's Display names the URL, which never carries a secret (the key is in a header).
    let cause = std::error::Error::source(&error).map(|s| format!(": {s}")).unwrap_or_default();
    if error.is_timeout() {
        Error::new(ErrorKind::Timeout, format!("{what} timed out after {:.1} s", timeout.as_secs_f64()))
            .with_source(error)
    } else if error.is_builder() {
        Error::new(ErrorKind::InvalidArgument, format!("{what} could not be built{cause}")).with_source(error)
    } else {
        Error::new(ErrorKind::Connection, format!("{what} failed to reach the API{cause}")).with_source(error)
    }
}

fn request_id(headers: &HeaderMap) -> Option<&str> {
    headers.get("x-request-id").and_then(|v| v.to_str().ok())
}

/// An API error from a non-2xx response and its `{"error", "message", "param"}` body. Should a
/// server echo the API key back, it is redacted before it can reach a message or a log.
fn api_error(response: RawResponse, api_key: &str) -> Error {
    let scrub = |text: String| redact_key(text, api_key);
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        error: Option<String>,
        message: Option<String>,
        param: Option<String>,
        required_scope: Option<String>,
    }
    let parsed: Option<ErrorBody> = serde_json::from_slice(&response.body).ok();
    let body = scrub(String::from_utf8_lossy(&response.body).into_owned());
    let (code, message, param, scope) = match parsed {
        Some(b) => (
            b.error.map(|c| shortened(&c, MAX_QUOTED_CHARS)),
            b.message.map(|m| shortened(&scrub(m), MAX_QUOTED_CHARS)),
            b.param.map(|p| shortened(&scrub(p), MAX_QUOTED_CHARS)),
            b.required_scope.map(|r| shortened(&r, MAX_QUOTED_CHARS)),
        ),
        None => (None, None, None, None),
    };
    let message = message.or_else(|| code.clone().filter(|c| c.contains(' '))).unwrap_or_else(|| {
        let reason = http::StatusCode::from_u16(response.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("error");
        format!("the API answered {} {reason}", response.status)
    });
    let required_scope = scope.or_else(|| {
        (response.status == 403)
            .then(|| message.split_once("Required:").map(|(_, s)| s.trim().trim_end_matches('.').to_owned()))
            .flatten()
    });
    let retry_after =
        matches!(response.status, 429 | 503).then(|| retry::retry_after(&response.headers)).flatten();
    let headers = response
        .headers
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    Error::from_api(ApiErrorDetails {
        status: response.status,
        code,
        message,
        param,
        request_id: request_id(&response.headers).map(str::to_owned),
        required_scope,
        retry_after,
        body,
        headers,
    })
}
