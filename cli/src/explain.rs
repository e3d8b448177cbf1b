//! `send0 verify --explain`: the core's explain report on the delivery the command line gives,
//! as JSON for scripts or as text for people; exit 0 when it verifies, 4 otherwise.

use std::time::Duration;

use send0::webhooks::{ExplainOptions, Explanation, explain};

use crate::args::VerifyArgs;
use crate::exit::{self, Failure};
use crate::output::{self, Shown, Styled};
use crate::signing::Delivery;

pub fn run(args: &VerifyArgs, delivery: &Delivery, json: bool) -> Result<(), Failure> {
    let options = ExplainOptions { tolerance: Duration::from_secs(args.tolerance), now: args.now };
    let pairs = delivery.pairs.iter().map(|(name, value)| (name, value));
    let report = explain(&delivery.body, pairs, &args.secrets, &options);
    if json {
        output::print_json(&report)?;
    } else {
        output::print(&render(&report))?;
    }
    if report.verified {
        return Ok(());
    }
    Err(Failure::new(exit::CHECK_FAILED, "the delivery does not verify: the report above says why"))
}

/// The report for people: the verdict and every diagnosis with its fix, then what was found.
fn render(report: &Explanation) -> String {
    let verdict = if report.verified {
        output::style("verified", Styled::Good)
    } else {
        output::style("not verified", Styled::Bad)
    };
    let mut lines = vec![verdict, String::new()];
    for (n, diagnosis) in report.diagnoses.iter().enumerate() {
        let code = output::style(&format!("[{}]", diagnosis.code.as_str()), Styled::Dim);
        lines.push(format!("{}. {} {code}", n + 1, output::printable(&diagnosis.message)));
        if let Some(fix) = &diagnosis.fix {
            lines.push(format!("   {} {}", output::style("fix:", Styled::Hint), output::printable(fix)));
        }
    }
    lines.push(String::new());
    lines.push(output::details(found(report)));
    lines.join("\n")
}

/// What explain found, one aligned line per part of the delivery.
fn found(report: &Explanation) -> Vec<(String, Shown)> {
    let headers = &report.headers;
    let mut pairs = vec![(
        "headers".to_owned(),
        Shown::from(if headers.names.is_empty() {
            "none of the signature headers".to_owned()
        } else {
            format!("{} ({} names)", headers.names.join(", "), headers.source)
        }),
    )];
    if let Some(timestamp) = &report.timestamp {
        let text = match (timestamp.unix_seconds, timestamp.skew_seconds) {
            (Some(ts), Some(skew)) => format!(
                "{ts}: {} (tolerance {} s){}",
                match skew {
                    0 => "now".to_owned(),
                    s if s > 0 => format!("{s} s before now"),
                    s => format!("{} s after now", s.unsigned_abs()),
                },
                timestamp.tolerance_seconds,
                if timestamp.looks_like_milliseconds { ", in milliseconds" } else { "" }
            ),
            _ => "not whole Unix seconds".to_owned(),
        };
        let styled = if timestamp.within_tolerance { Styled::Good } else { Styled::Bad };
        pairs.push(("timestamp".to_owned(), Shown::styled(text, styled)));
    }
    for (n, secret) in report.secrets.iter().enumerate() {
        let mut text = secret.kind.to_owned();
        if let Some(length) = secret.key_length {
            text.push_str(&format!(", {length} bytes"));
        }
        if let Some(repaired) = secret.repaired {
            text.push_str(&format!(", read once its {} was undone", repaired.replace('_', " ")));
        } else if !secret.usable {
            text.push_str(", unusable");
        }
        pairs.push((format!("secret {n}"), Shown::from(text)));
    }
    for (n, entry) in report.entries.iter().enumerate() {
        let version = if entry.version.is_empty() { "no version" } else { &entry.version };
        let shown = match (&entry.problem, entry.matched_secret) {
            (Some(problem), _) => Shown::styled(format!("{version}: {problem}"), Styled::Warn),
            (None, Some(secret)) => {
                Shown::styled(format!("{version}, matches secret {secret}"), Styled::Good)
            }
            (None, None) => Shown::styled(format!("{version}, matches no secret"), Styled::Bad),
        };
        pairs.push((format!("entry {n}"), shown));
    }
    let body = &report.body;
    let mut text = format!("{} bytes{}", body.length, if body.json { ", JSON" } else { "" });
    if let Some(altered) = body.altered {
        text.push_str(&format!(", altered: {}", altered.replace('_', " ")));
    }
    pairs.push(("body".to_owned(), Shown::from(text)));
    pairs
}
