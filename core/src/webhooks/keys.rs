//! Webhook secrets: `whsec_` HMAC keys and `whpk_` Ed25519 public keys, parsed strictly.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::alphabet::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use ed25519_dalek::VerifyingKey;
use hmac::{Hmac, KeyInit};
use sha2::Sha256;

use crate::error::{Error, ErrorKind, Result};

/// The prefix of an HMAC signing secret.
pub const SECRET_PREFIX: &str = "whsec_";
/// The prefix of an Ed25519 public key for `v1a` signatures.
pub const PUBLIC_KEY_PREFIX: &str = "whpk_";

/// Standard base64, padded or not, lenient only about unused trailing bits (as every peer
/// library's decoder is): any character outside the alphabet is an error, never dropped.
pub(crate) const BASE64: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

pub(crate) type HmacSha256 = Hmac<Sha256>;

/// A key that verifies webhook signatures: an HMAC secret (`whsec_…` or bare base64) checks `v1`
/// entries; an Ed25519 public key (`whpk_…`) checks `v1a` entries.
///
/// `Debug` shows only the kind of key, never its bytes.
#[derive(Clone)]
pub struct WebhookSecret {
    key: Key,
}

#[derive(Clone)]
pub(crate) enum Key {
    /// The HMAC state already keyed with the secret, cloned for each message.
    Hmac(Box<HmacSha256>),
    Ed25519(VerifyingKey),
}

impl WebhookSecret {
    /// Parses `whsec_<base64>`, bare `<base64>` (an HMAC key), or `whpk_<base64 of 32 bytes>`
    /// (an Ed25519 public key). Errors are `invalid_secret` and never repeat the secret.
    pub fn parse(secret: &str) -> Result<Self> {
        if let Some(encoded) = secret.strip_prefix(PUBLIC_KEY_PREFIX) {
            let bytes = decode(encoded, "public key")?;
            let bytes: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
                invalid(format!(
                    "the whpk_ public key decodes to {} bytes; an Ed25519 public key is 32 bytes",
                    bytes.len()
                ))
            })?;
            let key = VerifyingKey::from_bytes(&bytes)
                .map_err(|_| invalid("the whpk_ public key is not a valid Ed25519 point"))?;
            return Ok(WebhookSecret { key: Key::Ed25519(key) });
        }
        let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
        let bytes = decode(encoded, "secret")?;
        Ok(Self::from_hmac_key(&bytes))
    }

    /// An HMAC secret from its raw key bytes (what `whsec_` encodes).
    pub fn from_hmac_key(key: &[u8]) -> Self {
        // HMAC takes keys of any length (long ones are hashed first), so this cannot fail.
        #[allow(clippy::expect_used)]
        let mac = <HmacSha256 as KeyInit>::new_from_slice(key).expect("HMAC accepts any key length");
        WebhookSecret { key: Key::Hmac(Box::new(mac)) }
    }

    /// True for an Ed25519 public key (`whpk_`), false for an HMAC secret.
    pub fn is_public_key(&self) -> bool {
        matches!(self.key, Key::Ed25519(_))
    }

    pub(crate) fn key(&self) -> &Key {
        &self.key
    }
}

impl FromStr for WebhookSecret {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        WebhookSecret::parse(s)
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.key {
            Key::Hmac(_) => f.write_str("WebhookSecret(whsec_…)"),
            Key::Ed25519(_) => f.write_str("WebhookSecret(whpk_…)"),
        }
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidSecret, message)
}

/// Decodes the base64 part of a secret, saying what is wrong without repeating it.
fn decode(encoded: &str, what: &str) -> Result<Vec<u8>> {
    if encoded.is_empty() {
        return Err(invalid(format!("the webhook {what} is empty")));
    }
    if let Some(position) =
        encoded.bytes().position(|b| !(b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'='))
    {
        return Err(invalid(format!(
            "the webhook {what} has a character outside standard base64 at position {position} \
             (expected A-Z, a-z, 0-9, '+', '/' and '=' padding)"
        )));
    }
    BASE64
        .decode(encoded)
        .map_err(|_| invalid(format!("the webhook {what} is not valid standard base64 (check its padding)")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_prefixed_bare_padded_and_unpadded() {
        for s in [
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
        ] {
            assert!(!WebhookSecret::parse(s).unwrap().is_public_key(), "{s}");
        }
    }

    #[test]
    fn refuses_bad_secrets_without_echoing_them() {
        for s in
            ["", "whsec_", "whsec_abc$def", "whsec_ab cd", "whsec_ab-_cd", "whsec_a=bc", "whpk_", "whpk_AAAA"]
        {
            let err = WebhookSecret::parse(s).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidSecret, "{s}");
            let tail = s.trim_start_matches("whsec_").trim_start_matches("whpk_");
            if tail.len() > 3 {
                assert!(!err.message().contains(tail), "{s}: {}", err.message());
            }
        }
    }

    #[test]
    fn debug_is_redacted() {
        let s = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(format!("{s:?}"), "WebhookSecret(whsec_…)");
    }
}
