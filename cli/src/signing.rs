//! `send0 sign` and `send0 verify`: the core's `sign` and `Verifier` on a body from a file or
//! standard input and headers from the command line.

use std::io::{IsTerminal as _, Read};
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use send0::webhooks::{Verifier, WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP, WebhookHeaders, sign};
use serde_json::json;

use crate::args::{BodyArgs, SignArgs, VerifyArgs};
use crate::exit::{self, Failure};
use crate::explain;
use crate::output::{self, Styled};

/// The largest body read: far above any delivery (the API takes 1 MiB of event data), low enough
/// that a wrong file fails at once instead of filling memory.
pub const MAX_BODY: u64 = 16 * 1024 * 1024;

/// `send0 sign`: prints the three headers, one `name: value` a line (what `verify --header` takes).
pub fn sign_command(args: &SignArgs, json: bool) -> Result<(), Failure> {
    let body = read_body(&args.body)?;
    let timestamp = args.timestamp.unwrap_or_else(unix_now);
    // Every error of sign (a bad secret, an empty id) is the caller's input.
    let signature = sign(&args.secret, &args.id, timestamp, &body)
        .map_err(|e| Failure::new(exit::USAGE, e.to_string()))?;
    let headers = [
        (WEBHOOK_ID, args.id.clone()),
        (WEBHOOK_TIMESTAMP, timestamp.to_string()),
        (WEBHOOK_SIGNATURE, signature),
    ];
    if json {
        let object: serde_json::Map<String, serde_json::Value> =
            headers.into_iter().map(|(name, value)| (name.to_owned(), value.into())).collect();
        return output::print_json(&object);
    }
    let lines: Vec<String> =
        headers.iter().map(|(name, value)| format!("{name}: {}", output::printable(value))).collect();
    output::print(&lines.join("\n"))
}

/// What `verify` checks: the delivery as the command line gives it.
pub struct Delivery {
    pub body: Vec<u8>,
    pub headers: WebhookHeaders,
    /// Every `--header`, as given: explain looks at all of them.
    pub pairs: Vec<(String, String)>,
}

impl Delivery {
    /// The body and the `--header` values of `args`.
    pub fn from_args(args: &VerifyArgs) -> Result<Self, Failure> {
        let mut headers = WebhookHeaders::new();
        let mut pairs = Vec::with_capacity(args.headers.len());
        for header in &args.headers {
            let (name, value) = parse_header(header)?;
            headers.append(name, value);
            pairs.push((name.to_owned(), value.to_owned()));
        }
        Ok(Delivery { body: read_body(&args.body)?, headers, pairs })
    }
}

/// `send0 verify`: exit 0 and the event's type and id when the delivery verifies, else the core's
/// error (exit 4 for every verification failure).
pub fn verify_command(args: &VerifyArgs, json: bool) -> Result<(), Failure> {
    let delivery = Delivery::from_args(args)?;
    if args.explain {
        return explain::run(args, &delivery, json);
    }
    let verifier = Verifier::from_secrets(&args.secrets)
        .map_err(|e| not_verified(e, args, &delivery))?
        .with_tolerance(Duration::from_secs(args.tolerance));
    let verifier = match args.now {
        Some(now) => verifier.with_now(now),
        None => verifier,
    };
    if args.raw {
        verifier
            .verify_raw(&delivery.body, &delivery.headers)
            .map_err(|e| not_verified(e, args, &delivery))?;
        let id = delivery.headers.id().unwrap_or_default();
        if json {
            return output::print_json(&json!({ "verified": true, "webhook_id": id }));
        }
        return output::print(&format!(
            "{} signature of {}",
            output::style("verified", Styled::Good),
            output::printable(id)
        ));
    }
    let event =
        verifier.verify(&delivery.body, &delivery.headers).map_err(|e| not_verified(e, args, &delivery))?;
    if json {
        return output::print_json(&json!({
            "verified": true,
            "type": event.event_type,
            "id": event.id,
            "webhook_id": event.webhook_id,
            "timestamp": event.timestamp,
            "livemode": event.livemode,
        }));
    }
    output::print(&format!(
        "{} {} {} (webhook-id {}, timestamp {})",
        output::style("verified", Styled::Good),
        output::printable(&event.event_type),
        output::printable(&event.id),
        output::printable(&event.webhook_id),
        event.timestamp
    ))
}

/// The failure of a delivery that did not verify: the core's error (exit 4), its hint, and where
/// to look next.
fn not_verified(error: send0::Error, _args: &VerifyArgs, _delivery: &Delivery) -> Failure {
    let hint = error.hint().map(str::to_owned);
    let failure = Failure::from(error);
    let failure = match hint {
        Some(hint) => failure.hint(hint),
        None => failure,
    };
    failure.hint("run it again with --explain for the whole report")
}

/// `name: value` as one header; the value's surrounding whitespace is dropped, as HTTP does.
pub fn parse_header(text: &str) -> Result<(&str, &str), Failure> {
    let Some((name, value)) = text.split_once(':') else {
        return Err(Failure::usage(format!(
            "`{}` is not a header: write it as `name: value`",
            output::printable(text)
        ))
        .hint("for example --header 'webhook-id: msg_1'"));
    };
    let name = name.trim();
    if name.is_empty() || name.contains(char::is_whitespace) {
        return Err(Failure::usage(format!(
            "`{}` has no header name before its colon: write it as `name: value`",
            output::printable(text)
        )));
    }
    Ok((name, value.trim()))
}

/// The body from `--body-file` (`-` or none: standard input), at most [`MAX_BODY`] bytes.
pub fn read_body(args: &BodyArgs) -> Result<Vec<u8>, Failure> {
    match args.body_file.as_deref() {
        Some(path) if path != Path::new("-") => {
            let file = std::fs::File::open(path)
                .map_err(|e| Failure::usage(format!("cannot read the body file {}: {e}", path.display())))?;
            read_limited(file, &path.display().to_string())
        }
        _ => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                return Err(Failure::usage("no body: pass --body-file FILE, or the body on standard input"));
            }
            read_limited(stdin.lock(), "standard input")
        }
    }
}

fn read_limited(reader: impl Read, what: &str) -> Result<Vec<u8>, Failure> {
    let mut body = Vec::new();
    reader
        .take(MAX_BODY + 1)
        .read_to_end(&mut body)
        .map_err(|e| Failure::usage(format!("cannot read the body from {what}: {e}")))?;
    if body.len() as u64 > MAX_BODY {
        return Err(Failure::usage(format!(
            "the body in {what} is larger than {} MiB, far more than any delivery",
            MAX_BODY / 1024 / 1024
        )));
    }
    Ok(body)
}

/// Now, in Unix seconds (a webhook-timestamp).
pub fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_need_a_name_and_a_colon() {
        assert_eq!(parse_header("webhook-id: msg_1").unwrap(), ("webhook-id", "msg_1"));
        assert_eq!(parse_header("Webhook-Signature:v1,a b ").unwrap(), ("Webhook-Signature", "v1,a b"));
        assert_eq!(parse_header("x:").unwrap(), ("x", ""));
        for bad in ["no colon", ": value", "two words: x", ""] {
            assert_eq!(parse_header(bad).unwrap_err().code(), exit::USAGE, "{bad:?}");
        }
    }

    #[test]
    fn bodies_are_read_up_to_the_limit() {
        let small = read_limited(&b"{}"[..], "test").unwrap();
        assert_eq!(small, b"{}");
        let huge = std::io::repeat(b'x').take(MAX_BODY + 10);
        assert_eq!(read_limited(huge, "test").unwrap_err().code(), exit::USAGE);
    }
}
