//! How a command fails: the message and hint it prints, and the exit code scripts rely on.
//!
//! The codes are a public contract (`send0 --help`, README.md): they never change meaning.

use std::fmt;
use std::io::Write as _;
use std::process::ExitCode;

use send0::ErrorKind;

use crate::output::{self, Styled};

/// The command did what was asked.
pub const OK: u8 = 0;
/// The API refused the request or failed (any HTTP error, or an answer that could not be read).
pub const API: u8 = 1;
/// Bad usage: arguments or input that cannot be used. clap's own usage errors exit 2 as well.
pub const USAGE: u8 = 2;
/// The API could not be reached: connection refused or reset, DNS, TLS, or no answer in time.
pub const UNREACHABLE: u8 = 3;
/// A check said no: `verify` found no valid signature (or the headers, timestamp or secret were
/// wrong), or the test delivery of `webhooks test` failed.
pub const CHECK_FAILED: u8 = 4;

/// The table `send0 --help` prints; a test holds it to the constants above.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  the API refused the request or failed (authentication, permission, not_found,
     invalid_request, conflict, rate_limited, api, decode)
  2  bad usage: an argument or input that cannot be used (invalid_argument)
  3  the API could not be reached (connection, timeout)
  4  a check said no: verify found no valid signature (missing_header, invalid_timestamp,
     timestamp_too_old, timestamp_too_new, invalid_signature, invalid_secret,
     invalid_payload), or the test delivery of `webhooks test` failed";

/// The exit code of a core error of `kind`.
pub fn code_of(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::InvalidArgument => USAGE,
        ErrorKind::Connection | ErrorKind::Timeout => UNREACHABLE,
        kind if kind.is_webhook_verification() => CHECK_FAILED,
        // authentication, permission, not_found, invalid_request, conflict, rate_limited, api,
        // decode, cancelled, and any kind a newer core adds.
        _ => API,
    }
}

/// Why a command stopped: what to print and which code to exit with. Boxed: it travels in every
/// `Result` of the CLI.
#[derive(Debug)]
pub struct Failure(Box<Inner>);

#[derive(Debug)]
struct Inner {
    code: u8,
    message: String,
    hints: Vec<String>,
    /// The core error behind it, printed as JSON under `--json`.
    error: Option<send0::Error>,
    /// Stdout was closed under us (`send0 … | head`): stop quietly.
    quiet: bool,
}

impl Failure {
    /// A failure with this exit code and message.
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        Failure(Box::new(Inner {
            code,
            message: message.into(),
            hints: Vec::new(),
            error: None,
            quiet: false,
        }))
    }

    /// Bad usage (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(USAGE, message)
    }

    /// Adds a line that says how to fix it.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.0.hints.push(hint.into());
        self
    }

    /// The exit code.
    #[cfg(test)]
    pub fn code(&self) -> u8 {
        self.0.code
    }

    /// Writing our output failed: a closed pipe ends the command quietly, anything else is an error.
    pub fn output(error: std::io::Error) -> Self {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            let mut quiet = Failure::new(OK, String::new());
            quiet.0.quiet = true;
            return quiet;
        }
        Failure::new(API, format!("could not write the output: {error}"))
    }

    /// Prints the failure on stderr (as JSON under `--json`, for scripts) and gives the exit code.
    pub fn report(&self, json: bool) -> ExitCode {
        if !self.0.quiet {
            let mut err = anstream::stderr().lock();
            // Nothing sensible is left to do when stderr itself cannot be written.
            let _ = if json { writeln!(err, "{}", self.to_json()) } else { self.write_human(&mut err) };
        }
        ExitCode::from(self.0.code)
    }

    fn write_human(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        writeln!(out, "{} {}", output::style("error:", Styled::Error), output::printable(&self.0.message))?;
        for hint in &self.0.hints {
            writeln!(out, "{} {}", output::style("hint:", Styled::Hint), output::printable(hint))?;
        }
        Ok(())
    }

    /// `{"error": {"kind", "message", "exit_code", "hints", "api"?}}`: the core error's JSON
    /// description (`send0::Error::to_json`) with what the CLI adds.
    fn to_json(&self) -> String {
        let Inner { code, message, hints, error, .. } = &*self.0;
        let mut description = match error.as_ref().map(|e| serde_json::from_str(&e.to_json())) {
            Some(Ok(serde_json::Value::Object(map))) => map,
            _ => serde_json::Map::new(),
        };
        // A failure of the CLI's own (no core error) is named by its exit code.
        let kind = match *code {
            USAGE => "usage",
            CHECK_FAILED => "check_failed",
            UNREACHABLE => "connection",
            _ => "error",
        };
        description.entry("kind").or_insert_with(|| kind.into());
        description.insert("message".into(), message.clone().into());
        description.insert("exit_code".into(), (*code).into());
        description.insert("hints".into(), hints.clone().into());
        serde_json::json!({ "error": description }).to_string()
    }
}

impl From<send0::Error> for Failure {
    fn from(error: send0::Error) -> Self {
        Failure(Box::new(Inner {
            code: code_of(error.kind()),
            message: error.to_string(),
            hints: Vec::new(),
            error: Some(error),
            quiet: false,
        }))
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The help's table as (code, text), continuation lines joined.
    fn documented() -> Vec<(u8, String)> {
        let mut entries: Vec<(u8, String)> = Vec::new();
        for line in EXIT_CODES_HELP.lines().skip(1) {
            let entry = line.strip_prefix("  ").filter(|l| !l.starts_with(' '));
            match entry.and_then(|l| l.split_once("  ")).and_then(|(n, text)| Some((n.parse().ok()?, text))) {
                Some((code, text)) => entries.push((code, text.to_owned())),
                None => entries.last_mut().unwrap().1.push_str(line),
            }
        }
        entries
    }

    #[test]
    fn every_code_and_kind_is_documented() {
        let entries = documented();
        let codes: Vec<u8> = entries.iter().map(|(code, _)| *code).collect();
        assert_eq!(codes, [OK, API, USAGE, UNREACHABLE, CHECK_FAILED]);
        for kind in ErrorKind::ALL.into_iter().filter(|k| *k != ErrorKind::Cancelled) {
            let code = code_of(kind);
            let (_, text) = entries.iter().find(|(c, _)| *c == code).unwrap();
            assert!(text.contains(kind.as_str()), "{kind} is not listed under exit code {code}: {text}");
        }
    }

    #[test]
    fn json_failures_carry_the_core_error_and_the_exit_code() {
        let failure = Failure::from(send0::Error::new(ErrorKind::Connection, "refused"))
            .hint("is send0-server running?");
        let value: serde_json::Value = serde_json::from_str(&failure.to_json()).unwrap();
        assert_eq!(value["error"]["kind"], "connection");
        assert_eq!(value["error"]["exit_code"], 3);
        assert_eq!(value["error"]["hints"][0], "is send0-server running?");
        let usage: serde_json::Value = serde_json::from_str(&Failure::usage("bad").to_json()).unwrap();
        assert_eq!(
            (usage["error"]["kind"].as_str(), usage["error"]["exit_code"].as_u64()),
            (Some("usage"), Some(2))
        );
    }
}
