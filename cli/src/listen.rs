//! `send0 listen --forward-to URL`: a temporary endpoint pointing at a listener on a free loopback
//! port, every delivery verified before it is forwarded, failed forwards retried on the delivery
//! schedule, and the endpoint deleted when listen stops (Ctrl-C or SIGTERM).
//!
//! What the server is answered: 400 for a delivery that does not verify (it is not forwarded); the
//! target's status when the forward is final; 202 when listen takes a failed forward over to retry
//! it, so that the server does not retry it as well (the target would get it twice). With
//! `--no-retry` the server gets the target's answer, or 502 (no answer) or 504 (a timeout).

use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use bytes::Bytes;
use reqwest::Url;
use send0::client::CreateWebhookParams;
use send0::webhooks::{Verifier, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP, WebhookHeaders, sign};
use send0::{RequestOptions, SecretString};
use send0_server::delivery::{honoured_retry_after, innermost_cause, retry_wait};
use serde::{Deserialize, Serialize};

use crate::args::ListenArgs;
use crate::connection::Connection;
use crate::exit::{self, Failure};
use crate::output::{self, Styled};
use crate::webhooks::checked_patterns;

/// How long the target has to answer a forward: less than the 15 s the server gives listen to
/// answer a delivery, so that the server hears the target's status, not a timeout of its own.
pub const FORWARD_TIMEOUT: Duration = Duration::from_secs(10);
/// How long deleting the temporary endpoint may take, per attempt, once listen is stopping.
const DELETE_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest delivery listen accepts (the API takes 1 MiB of event data; the envelope adds little).
const MAX_DELIVERY: usize = 4 * 1024 * 1024;
/// The API's limit on an endpoint's description.
const MAX_DESCRIPTION_CHARS: usize = 500;
/// What the temporary endpoint's description starts with.
pub const DESCRIPTION_PREFIX: &str = "send0 listen: temporary endpoint";
/// The `User-Agent` of forwards.
const USER_AGENT: &str = concat!("send0-cli/", env!("CARGO_PKG_VERSION"), " (send0 listen)");

/// `send0 listen`.
pub async fn run(connection: &Connection, args: &ListenArgs, json: bool) -> Result<(), Failure> {
    // Handlers first: a Ctrl-C from here on stops listen the clean way, deleting its endpoint.
    let stop = send0_server::stop_signal("send0 listen");
    let target = forward_target(&args.forward_to)?;
    let events = checked_patterns(&args.events)?.unwrap_or_else(|| vec!["*".to_owned()]);
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .map_err(|e| Failure::new(exit::API, format!("cannot listen on a loopback port: {e}")))?;
    let address = listener
        .local_addr()
        .map_err(|e| Failure::new(exit::API, format!("cannot read the listener's address: {e}")))?;
    if is_own_address(&target, address) {
        return Err(Failure::usage(format!(
            "--forward-to {target} is listen's own address: it would forward to itself"
        )));
    }
    if !is_local(connection.base_url()) {
        output::warn(&format!(
            "listen's endpoint is on this machine's loopback ({address}); the API at {} must be able to reach it, \
             as a local send0-server does",
            connection.base_url()
        ));
    }
    let params = CreateWebhookParams {
        url: format!("http://{address}/"),
        events: Some(events.clone()),
        description: Some(description(&target)),
        active: None,
    };
    let created = connection.client.webhooks().create(&params).await.map_err(|e| connection.failure(e))?;
    let endpoint_id = created.id.clone();
    let served = serve(
        listener,
        Setup {
            secret: created.secret.clone(),
            endpoint_id: &endpoint_id,
            events,
            target,
            address,
            args,
            json,
        },
        stop,
    )
    .await;
    // A second Ctrl-C while the endpoint is being deleted stops at once, saying what is left.
    let again = send0_server::stop_signal("send0 listen");
    let deleted = tokio::select! {
        deleted = delete(connection, &endpoint_id) => deleted,
        () = again => Err(Failure::new(exit::API, "stopped before the temporary endpoint was deleted")
            .hint(format!("delete it with `send0 webhooks delete {endpoint_id}`"))),
    };
    served.and(deleted)
}

/// What the listener needs to start.
struct Setup<'a> {
    secret: SecretString,
    endpoint_id: &'a str,
    events: Vec<String>,
    target: Url,
    address: SocketAddr,
    args: &'a ListenArgs,
    json: bool,
}

async fn serve(
    listener: tokio::net::TcpListener,
    setup: Setup<'_>,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), Failure> {
    let verifier = Verifier::new(setup.secret.expose()).map_err(Failure::from)?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(FORWARD_TIMEOUT)
        .user_agent(USER_AGENT)
        .build()
        .map_err(|e| Failure::new(exit::API, format!("cannot set up HTTP for forwarding: {e}")))?;
    let schedule = if setup.args.no_retry { Vec::new() } else { setup.args.retry_schedule.0.clone() };
    let app = Arc::new(App {
        verifier,
        secret: setup.secret,
        http,
        target: setup.target,
        schedule,
        no_retry: setup.args.no_retry,
        json: setup.json,
        retrying: AtomicUsize::new(0),
    });
    output::info(&format!(
        "Forwarding deliveries to {} (events: {})",
        output::printable(app.target.as_str()),
        output::printable(&setup.events.join(","))
    ));
    output::info(&format!(
        "Temporary endpoint {} at http://{}/ (deleted when listen stops)",
        output::printable(setup.endpoint_id),
        setup.address
    ));
    if setup.args.print_secret {
        output::info(&format!("Signing secret: {}", app.secret.expose()));
    }
    output::info(&format!("{} Stop with Ctrl-C.", output::style("Ready.", Styled::Good)));
    let router =
        Router::new().fallback(receive).with_state(app.clone()).layer(DefaultBodyLimit::max(MAX_DELIVERY));
    let served = axum::serve(listener, router).with_graceful_shutdown(stop).await;
    let dropped = app.retrying.load(Ordering::SeqCst);
    if dropped > 0 {
        output::warn(&format!("{dropped} forward(s) waiting for a retry were dropped"));
    }
    served.map_err(|e| Failure::new(exit::API, format!("the listener failed: {e}")))
}

async fn delete(connection: &Connection, id: &str) -> Result<(), Failure> {
    let options = RequestOptions { timeout: Some(DELETE_TIMEOUT), ..Default::default() };
    match connection.client.webhooks().with_options(options).delete(id).await {
        Ok(_) => {
            output::info(&format!("Deleted the temporary endpoint {}", output::printable(id)));
            Ok(())
        }
        Err(e) if e.kind() == send0::ErrorKind::NotFound => {
            output::info(&format!("The temporary endpoint {} was already deleted", output::printable(id)));
            Ok(())
        }
        Err(e) => Err(connection.failure(e).hint(format!(
            "the temporary endpoint is left behind: delete it with `send0 webhooks delete {id}`"
        ))),
    }
}

/// The listener's state.
struct App {
    verifier: Verifier,
    /// Signs each retry afresh, as the server signs each attempt.
    secret: SecretString,
    http: reqwest::Client,
    target: Url,
    /// The waits before each retry; empty with --no-retry.
    schedule: Vec<Duration>,
    no_retry: bool,
    json: bool,
    /// Forwards waiting for a retry.
    retrying: AtomicUsize,
}

/// A verified delivery, kept for its retries.
struct Delivery {
    body: Bytes,
    /// What is forwarded: content-type and the webhook-* headers, as received.
    headers: Vec<(HeaderName, HeaderValue)>,
    event_type: String,
    event_id: String,
    webhook_id: String,
}

impl Delivery {
    /// The headers with a fresh webhook-timestamp and its signature, as a new attempt has.
    fn signed_now(&self, secret: &SecretString) -> Vec<(HeaderName, HeaderValue)> {
        let now = crate::signing::unix_now();
        let Ok(signature) = sign(secret.expose(), &self.webhook_id, now, &self.body) else {
            // The secret signed the endpoint's deliveries already; keep what was received.
            return self.headers.clone();
        };
        let mut headers: Vec<_> = self
            .headers
            .iter()
            .filter(|(name, _)| name.as_str() != WEBHOOK_TIMESTAMP && name.as_str() != WEBHOOK_SIGNATURE)
            .cloned()
            .collect();
        for (name, value) in [(WEBHOOK_TIMESTAMP, now.to_string()), (WEBHOOK_SIGNATURE, signature)] {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.push((HeaderName::from_static(name), value));
            }
        }
        headers
    }
}

/// What one forward got.
struct Forwarded {
    answer: Answer,
    latency: Duration,
}

enum Answer {
    Status { code: u16, retry_after: Option<Duration> },
    Nothing { error: String, timed_out: bool },
}

impl Forwarded {
    /// No answer, a timeout, 408, 429 or 5xx: worth another try.
    fn failed(&self) -> bool {
        match self.answer {
            Answer::Status { code, .. } => matches!(code, 408 | 429 | 500..=599),
            Answer::Nothing { .. } => true,
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self.answer {
            Answer::Status { retry_after, .. } => retry_after,
            Answer::Nothing { .. } => None,
        }
    }

    /// What the server is told when this forward is final.
    fn status_for_server(&self) -> StatusCode {
        match &self.answer {
            Answer::Status { code, .. } => StatusCode::from_u16(*code).unwrap_or(StatusCode::BAD_GATEWAY),
            Answer::Nothing { timed_out: true, .. } => StatusCode::GATEWAY_TIMEOUT,
            Answer::Nothing { .. } => StatusCode::BAD_GATEWAY,
        }
    }
}

/// What happens after a forward, for its line.
enum Next {
    /// Nothing: it was delivered, or refused for good.
    Done,
    /// Retry number `retry` of `of`, after `wait`.
    Retry { retry: u32, of: usize, wait: Duration },
    /// It failed and the schedule is used up.
    GaveUp { retries: u32 },
    /// It failed and --no-retry is set.
    NotRetried,
}

/// The handler of every request to the listener.
async fn receive(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    if method != Method::POST {
        return (StatusCode::METHOD_NOT_ALLOWED, "send0 listen takes webhook deliveries (POST) only".into());
    }
    let event = match app.verifier.verify(&body, &WebhookHeaders::from(&headers)) {
        Ok(event) => (event.event_type, event.id, event.webhook_id),
        Err(error) => {
            app.report_unverified(&headers, &body, &error);
            return (
                StatusCode::BAD_REQUEST,
                format!("send0 listen: not forwarded, the delivery did not verify: {error}"),
            );
        }
    };
    let (event_type, event_id, webhook_id) = event;
    let forwarded_headers = headers
        .iter()
        .filter(|(name, _)| *name == header::CONTENT_TYPE || name.as_str().starts_with("webhook-"))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    let delivery = Delivery { body, headers: forwarded_headers, event_type, event_id, webhook_id };
    let forwarded = app.forward(&delivery.body, &delivery.headers).await;
    let first_wait =
        if forwarded.failed() { retry_wait(&app.schedule, 1, forwarded.retry_after()) } else { None };
    let next = match first_wait {
        Some(wait) => Next::Retry { retry: 1, of: app.schedule.len(), wait },
        None if !forwarded.failed() => Next::Done,
        None if app.no_retry => Next::NotRetried,
        None => Next::GaveUp { retries: 0 },
    };
    app.report(&delivery, Some(&forwarded), 1, &next);
    match first_wait {
        Some(wait) => {
            app.retrying.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(retry(app.clone(), delivery, wait));
            (StatusCode::ACCEPTED, "send0 listen: the forward failed; listen retries it".into())
        }
        None => {
            let status = forwarded.status_for_server();
            (status, format!("send0 listen: forwarded to {}: {}", app.target, answer_text(&forwarded.answer)))
        }
    }
}

/// Retries a failed forward on the schedule until it is delivered, refused for good, or the
/// schedule is used up.
async fn retry(app: Arc<App>, delivery: Delivery, mut wait: Duration) {
    let mut retry: u32 = 1;
    loop {
        tokio::time::sleep(wait).await;
        let forwarded = app.forward(&delivery.body, &delivery.signed_now(&app.secret)).await;
        let next_wait = if forwarded.failed() {
            retry_wait(&app.schedule, retry.saturating_add(1), forwarded.retry_after())
        } else {
            None
        };
        let next = match next_wait {
            Some(wait) => Next::Retry { retry: retry.saturating_add(1), of: app.schedule.len(), wait },
            None if forwarded.failed() => Next::GaveUp { retries: retry },
            None => Next::Done,
        };
        app.report(&delivery, Some(&forwarded), retry.saturating_add(1), &next);
        match next_wait {
            Some(next) => {
                wait = next;
                retry = retry.saturating_add(1);
            }
            None => break,
        }
    }
    app.retrying.fetch_sub(1, Ordering::SeqCst);
}

impl App {
    async fn forward(&self, body: &Bytes, headers: &[(HeaderName, HeaderValue)]) -> Forwarded {
        let started = Instant::now();
        let mut request = self.http.post(self.target.clone()).body(body.clone());
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let answer = match request.send().await {
            Ok(response) => {
                let code = response.status().as_u16();
                Answer::Status { code, retry_after: honoured_retry_after(code, response.headers()) }
            }
            Err(e) => Answer::Nothing { error: innermost_cause(&e), timed_out: e.is_timeout() },
        };
        Forwarded { answer, latency: started.elapsed() }
    }

    /// One line for a verified delivery's forward.
    fn report(&self, delivery: &Delivery, forwarded: Option<&Forwarded>, attempt: u32, next: &Next) {
        let line = Line {
            time: now_rfc3339(),
            event_type: Some(delivery.event_type.clone()),
            event_id: Some(delivery.event_id.clone()),
            webhook_id: Some(delivery.webhook_id.clone()),
            verified: true,
            error: None,
            forwarded: forwarded.is_some(),
            attempt,
            status: forwarded.and_then(|f| match f.answer {
                Answer::Status { code, .. } => Some(code),
                Answer::Nothing { .. } => None,
            }),
            latency_ms: forwarded.map(|f| u64::try_from(f.latency.as_millis()).unwrap_or(u64::MAX)),
            forward_error: forwarded.and_then(|f| match &f.answer {
                Answer::Nothing { error, .. } => Some(error.clone()),
                Answer::Status { .. } => None,
            }),
            retry_in_ms: match next {
                Next::Retry { wait, .. } => Some(u64::try_from(wait.as_millis()).unwrap_or(u64::MAX)),
                _ => None,
            },
            note: note(next),
        };
        self.print(&line, forwarded);
    }

    /// One line for a delivery that did not verify: what it claims to be, and why.
    fn report_unverified(&self, headers: &HeaderMap, body: &[u8], error: &send0::Error) {
        #[derive(Deserialize)]
        struct Claimed {
            #[serde(rename = "type")]
            event_type: Option<String>,
            #[serde(rename = "eventId")]
            event_id: Option<String>,
        }
        let claimed = serde_json::from_slice::<Claimed>(body).ok();
        let line = Line {
            time: now_rfc3339(),
            event_type: claimed.as_ref().and_then(|c| c.event_type.clone()),
            event_id: claimed.and_then(|c| c.event_id),
            webhook_id: WebhookHeaders::from(headers).id().map(str::to_owned),
            verified: false,
            error: Some(error.to_string()),
            forwarded: false,
            attempt: 1,
            status: None,
            latency_ms: None,
            forward_error: None,
            retry_in_ms: None,
            note: "not forwarded; answered 400".to_owned(),
        };
        self.print(&line, None);
    }

    fn print(&self, line: &Line, forwarded: Option<&Forwarded>) {
        let text =
            if self.json { serde_json::to_string(line).unwrap_or_default() } else { human(line, forwarded) };
        // A closed stdout (`listen | head`) must not stop the forwarding.
        let _ = writeln!(anstream::stdout().lock(), "{text}");
    }
}

/// One delivery's line: the JSON line of `--json`, and the fields of the human one.
#[derive(Debug, Serialize)]
struct Line {
    /// RFC 3339, UTC.
    time: String,
    #[serde(rename = "type")]
    event_type: Option<String>,
    event_id: Option<String>,
    webhook_id: Option<String>,
    verified: bool,
    /// Why it did not verify.
    error: Option<String>,
    forwarded: bool,
    /// 1 for the first forward, then one more for each retry.
    attempt: u32,
    /// The target's status.
    status: Option<u16>,
    latency_ms: Option<u64>,
    /// Why the target gave no answer.
    forward_error: Option<String>,
    /// When the next retry is due.
    retry_in_ms: Option<u64>,
    note: String,
}

fn note(next: &Next) -> String {
    match next {
        Next::Done => String::new(),
        Next::Retry { retry, of, wait } => {
            format!("retry {retry}/{of} in {}", humantime::format_duration(round(*wait)))
        }
        Next::GaveUp { retries: 0 } => "not retried (the retry schedule is empty)".to_owned(),
        Next::GaveUp { retries } => format!("gave up after {retries} retries"),
        Next::NotRetried => "not retried (--no-retry)".to_owned(),
    }
}

/// `10:30:05  email.bounced           evt_…  verified  → 200 in 12 ms`
fn human(line: &Line, forwarded: Option<&Forwarded>) -> String {
    let time = line.time.get(11..19).unwrap_or(&line.time);
    let event_type = output::printable(line.event_type.as_deref().unwrap_or("?"));
    let id = output::printable(line.event_id.as_deref().or(line.webhook_id.as_deref()).unwrap_or("?"));
    let mut text = format!("{}  {event_type:<22}  {id}  ", output::style(time, Styled::Dim));
    if !line.verified {
        let why = line.error.as_deref().unwrap_or("");
        let kind = why.split(':').next().unwrap_or(why);
        text.push_str(&output::style(&format!("NOT VERIFIED ({kind})"), Styled::Bad));
        text.push_str(&format!("  {}", line.note));
        return text;
    }
    text.push_str(&output::style("verified", Styled::Good));
    if let Some(forwarded) = forwarded {
        let answer = answer_text(&forwarded.answer);
        let styled = if forwarded.failed() {
            Styled::Bad
        } else if matches!(forwarded.answer, Answer::Status { code: 200..=299, .. }) {
            Styled::Good
        } else {
            Styled::Warn
        };
        text.push_str(&format!(
            "  → {} in {} ms",
            output::style(&answer, styled),
            forwarded.latency.as_millis()
        ));
    }
    if line.attempt > 1 {
        text.push_str(&format!(" (retry {})", line.attempt - 1));
    }
    if !line.note.is_empty() {
        text.push_str(&format!(", {}", line.note));
    }
    text
}

fn answer_text(answer: &Answer) -> String {
    match answer {
        Answer::Status { code, .. } => code.to_string(),
        Answer::Nothing { timed_out: true, .. } => {
            format!("no answer within {} s", FORWARD_TIMEOUT.as_secs())
        }
        Answer::Nothing { error, .. } => format!("no answer ({})", output::printable(error)),
    }
}

/// `--forward-to`: an http(s) URL; `localhost:3000/x` is taken as `http://localhost:3000/x`.
pub fn forward_target(text: &str) -> Result<Url, Failure> {
    let text = text.trim();
    let full = if text.contains("://") { text.to_owned() } else { format!("http://{text}") };
    let bad = |why: String| {
        Failure::usage(format!("--forward-to `{}`: {why}", output::printable(text))).hint(
            "for example --forward-to localhost:3000/webhooks or --forward-to http://127.0.0.1:8000/hooks",
        )
    };
    let url = Url::parse(&full).map_err(|e| bad(format!("not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("forwards go over http or https".into()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("the URL has no host".into()));
    }
    Ok(url)
}

/// True when `target` is the listener itself (a forward loop).
fn is_own_address(target: &Url, own: SocketAddr) -> bool {
    target.port_or_known_default() == Some(own.port()) && target.host_str().is_some_and(is_loopback_host)
}

fn is_local(base_url: &str) -> bool {
    Url::parse(base_url).ok().and_then(|u| u.host_str().map(is_loopback_host)).unwrap_or(false)
}

fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The temporary endpoint's description: what it is and where it forwards, within the API's limit.
fn description(target: &Url) -> String {
    let text = format!("{DESCRIPTION_PREFIX} forwarding to {target} (deleted when listen stops)");
    text.chars().take(MAX_DESCRIPTION_CHARS).collect()
}

fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// A wait shown to the millisecond below a second, to the second above.
fn round(wait: Duration) -> Duration {
    if wait < Duration::from_secs(1) {
        Duration::from_millis(u64::try_from(wait.as_millis()).unwrap_or(u64::MAX))
    } else {
        Duration::from_secs(wait.as_secs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_targets_take_a_bare_host_and_port() {
        assert_eq!(
            forward_target("localhost:3000/webhooks").unwrap().as_str(),
            "http://localhost:3000/webhooks"
        );
        assert_eq!(forward_target(" https://a.example/x ").unwrap().as_str(), "https://a.example/x");
        for bad in ["ftp://a.example/", "http://", "http://[::1", ""] {
            assert_eq!(forward_target(bad).unwrap_err().code(), exit::USAGE, "{bad:?}");
        }
    }

    #[test]
    fn a_forward_to_the_listener_itself_is_caught() {
        let own: SocketAddr = "127.0.0.1:4567".parse().unwrap();
        for url in ["http://127.0.0.1:4567/", "http://localhost:4567/x", "http://[::1]:4567"] {
            assert!(is_own_address(&forward_target(url).unwrap(), own), "{url}");
        }
        assert!(!is_own_address(&forward_target("http://127.0.0.1:4568/").unwrap(), own));
        assert!(!is_own_address(&forward_target("http://example.com:4567/").unwrap(), own));
    }

    #[test]
    fn descriptions_say_what_the_endpoint_is_within_the_limit() {
        let short = description(&forward_target("localhost:3000/webhooks").unwrap());
        assert!(short.starts_with(DESCRIPTION_PREFIX), "{short}");
        let long = description(&forward_target(&format!("localhost:3000/{}", "é".repeat(600))).unwrap());
        assert_eq!(long.chars().count(), MAX_DESCRIPTION_CHARS);
    }

    #[test]
    fn failed_forwards_are_the_retryable_ones() {
        let with =
            |code| Forwarded { answer: Answer::Status { code, retry_after: None }, latency: Duration::ZERO };
        for code in [408, 429, 500, 503, 599] {
            assert!(with(code).failed(), "{code}");
        }
        for code in [200, 204, 301, 400, 404, 410] {
            assert!(!with(code).failed(), "{code}");
        }
        let refused = Forwarded {
            answer: Answer::Nothing { error: "Connection refused".into(), timed_out: false },
            latency: Duration::ZERO,
        };
        assert!(refused.failed());
        assert_eq!(refused.status_for_server(), StatusCode::BAD_GATEWAY);
        assert_eq!(with(503).status_for_server(), StatusCode::SERVICE_UNAVAILABLE);
    }

    #[test]
    fn retries_are_signed_afresh_for_the_same_message() {
        let secret = SecretString::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let delivery = Delivery {
            body: Bytes::from_static(br#"{"type":"email.sent"}"#),
            headers: vec![
                (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
                (HeaderName::from_static("webhook-id"), HeaderValue::from_static("evt_1")),
                (HeaderName::from_static("webhook-timestamp"), HeaderValue::from_static("1")),
                (HeaderName::from_static("webhook-signature"), HeaderValue::from_static("v1,old")),
            ],
            event_type: "email.sent".into(),
            event_id: "evt_1".into(),
            webhook_id: "evt_1".into(),
        };
        let headers = delivery.signed_now(&secret);
        assert_eq!(headers.len(), 4);
        let map: HeaderMap = headers.into_iter().collect();
        Verifier::new(secret.expose())
            .unwrap()
            .verify_raw(&delivery.body, &WebhookHeaders::from(&map))
            .unwrap();
        assert_eq!(map["content-type"], "application/json");
    }
}
