//! A string that never shows itself in `Debug` or `Display` output: API keys and webhook secrets.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A secret string (`sk_…` API key, `whsec_…` signing secret). Its `Debug` output shows only the
/// prefix before the first `_`-separated part that carries key material, so logs stay useful and
/// never leak it. Serializing it writes the real value: only do that where the secret is meant to go.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        SecretString(value.into())
    }

    /// The secret itself. Call this only where the secret is used, never to log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The redacted form, e.g. `whsec_…` or `sk_test_…`.
    pub fn redacted(&self) -> String {
        redact(&self.0)
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        SecretString(value)
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        SecretString(value.to_owned())
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", self.redacted())
    }
}

/// The known public prefix of a secret (`whsec_`, `whpk_`, `sk_test_`, `sk_live_`) followed by `…`;
/// `…` alone for anything else.
pub fn redact(secret: &str) -> String {
    const PREFIXES: [&str; 4] = ["sk_live_", "sk_test_", "whsec_", "whpk_"];
    let prefix = PREFIXES.iter().find(|p| secret.starts_with(**p)).copied().unwrap_or("");
    format!("{prefix}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let s = SecretString::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let shown = format!("{s:?}");
        assert_eq!(shown, "\"whsec_…\"");
        assert!(!shown.contains("MfKQ"));
        assert_eq!(SecretString::new("sk_test_abc123").redacted(), "sk_test_…");
        assert_eq!(SecretString::new("plain").redacted(), "…");
        assert_eq!(s.expose(), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    }
}
