//! Webhook signatures (Standard Webhooks v1, plus Ed25519 `v1a`): verify deliveries, sign messages.
//!
//! The rules are those of `docs/verify.md`; the shared vectors in
//! `tests/fixtures/webhooks` pin them for every language.

pub mod events;
mod explain;
mod headers;
mod keys;
mod sign;
mod verify;

pub use explain::{
    BodyReport, Diagnosis, DiagnosisCode, EntryReport, ExplainOptions, Explanation, HeadersReport,
    MAX_ALTERED_BODY, MAX_EXPLAINED_SECRETS, SecretReport, TimestampReport, explain,
};
pub use headers::{WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP, WebhookHeaders};
pub use keys::{PUBLIC_KEY_PREFIX, SECRET_PREFIX, WebhookSecret};
pub use sign::{sign, sign_with};
pub use verify::{DEFAULT_TOLERANCE, MAX_ENTRIES, MAX_V1A_ENTRIES, Verifier, WebhookEvent};
