//! `sign`: the `webhook-signature` value for a message, as send0 (and any Standard Webhooks sender)
//! produces it.

use base64::Engine as _;

use super::keys::{Key, WebhookSecret};
use super::verify::hmac_tag;
use crate::error::{Error, ErrorKind, Result};

/// Signs `body` as message `msg_id` at `timestamp` (Unix seconds) with an HMAC secret and returns
/// the header value `v1,<base64>`.
///
/// ```
/// let header = send0::webhooks::sign(
///     "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
///     "msg_p5jXN8AQM9LWM0D4loKWxJek",
///     1614265330,
///     br#"{"test": 2432232314}"#,
/// ).unwrap();
/// assert_eq!(header, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
/// ```
pub fn sign(secret: &str, msg_id: &str, timestamp: i64, body: &[u8]) -> Result<String> {
    sign_with(&WebhookSecret::parse(secret)?, msg_id, timestamp, body)
}

/// [`sign`] with a secret that is already parsed (the server signs every attempt this way).
pub fn sign_with(secret: &WebhookSecret, msg_id: &str, timestamp: i64, body: &[u8]) -> Result<String> {
    let Key::Hmac(mac) = secret.key() else {
        return Err(Error::new(
            ErrorKind::InvalidSecret,
            "a whpk_ public key can only verify; signing needs the whsec_ secret",
        ));
    };
    if msg_id.is_empty() {
        return Err(Error::new(ErrorKind::InvalidArgument, "the message id to sign is empty"));
    }
    let tag = hmac_tag(mac, msg_id, &timestamp.to_string(), body);
    Ok(format!("v1,{}", base64::engine::general_purpose::STANDARD.encode(tag)))
}
