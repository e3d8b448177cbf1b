//! The webhook exports: verify a delivery, sign a message.

use std::time::Duration;

use send0::webhooks::{Verifier, WebhookHeaders};

use crate::{Send0Bytes, guarded, input, text};

/// Verifies a delivery.
///
/// `headers` is `name\0value\0name\0value\0…` (repeated names are joined by the core);
/// `secrets` is `secret\0secret\0…`; `now` is used when `has_now` is non-zero. With `parse`
/// non-zero the event goes to `out` as JSON: `{"id","type","service","livemode","created_at",
/// "webhook_id","timestamp","data_offset","data_len"}`, where `data` is `body[data_offset..][..data_len]`
/// (`data_len` 0: absent). With `parse` zero only the signature is checked and `out` stays empty.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn send0_verify(
    body: *const u8,
    body_len: usize,
    headers: *const u8,
    headers_len: usize,
    secrets: *const u8,
    secrets_len: usize,
    tolerance_secs: u64,
    has_now: i32,
    now: i64,
    parse: i32,
    out: *mut Send0Bytes,
    err_out: *mut Send0Bytes,
) -> i32 {
    guarded(out, err_out, || {
        let body = unsafe { input(body, body_len) };
        let headers =
            WebhookHeaders::from_nul_separated(unsafe { text(headers, headers_len, "the headers") }?);
        let secrets = unsafe { text(secrets, secrets_len, "the secrets") }?;
        let mut verifier = Verifier::from_secrets(send0::webhooks::split_nul(secrets))?
            .with_tolerance(Duration::from_secs(tolerance_secs));
        if has_now != 0 {
            verifier = verifier.with_now(now);
        }
        if parse == 0 {
            return verifier.verify_raw(body, &headers).map(|()| Vec::new());
        }
        Ok(verifier.verify(body, &headers)?.summary_json().into_bytes())
    })
}

/// The `webhook-signature` value for a message, to `out`.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn send0_sign(
    secret: *const u8,
    secret_len: usize,
    msg_id: *const u8,
    msg_id_len: usize,
    timestamp: i64,
    body: *const u8,
    body_len: usize,
    out: *mut Send0Bytes,
    err_out: *mut Send0Bytes,
) -> i32 {
    guarded(out, err_out, || {
        let secret = unsafe { text(secret, secret_len, "the secret") }?;
        let msg_id = unsafe { text(msg_id, msg_id_len, "the message id") }?;
        send0::webhooks::sign(secret, msg_id, timestamp, unsafe { input(body, body_len) })
            .map(String::into_bytes)
    })
}
