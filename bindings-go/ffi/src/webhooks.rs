//! The webhook exports: verify a delivery, sign a message.

use std::time::Duration;

use send0::webhooks::{Verifier, WebhookEvent, WebhookHeaders};

use crate::{Send0Bytes, guarded, input, text};

/// Verifies a delivery.
///
/// `headers` is `name\0value\0name\0value\0…` (repeated names are joined by the core);
/// `secrets` is `secret\0secret\0…`; `now` is used when `has_now` is non-zero. With `parse`
/// non-zero the event goes to `out` as an [`event_record`]; with `parse` zero only the signature
/// is checked and `out` stays empty.
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
        event_record(&verifier.verify(body, &headers)?)
    })
}

/// Size of the fixed part of an [`event_record`].
pub const SEND0_EVENT_RECORD_FIXED: usize = 33;

/// A verified event as `send0_verify` hands it over: a flat little-endian record that a host
/// reads with a few loads (no JSON to parse on its side). In order, with no padding:
/// `created_at` i64 (Unix ms), `timestamp` i64, `data_offset` u64, `data_len` u64 (`data` is
/// `body[data_offset..][..data_len]`; `data_len` 0: the envelope has no `data`), `livemode` u8,
/// then `id`, `type`, `service` and `webhook_id`, each a u32 byte length and its UTF-8 text.
pub fn event_record(event: &WebhookEvent<'_>) -> send0::Result<Vec<u8>> {
    let span = event.data_span().unwrap_or(0..0);
    let texts = [&event.id, &event.event_type, &event.service, &event.webhook_id];
    let mut record =
        Vec::with_capacity(SEND0_EVENT_RECORD_FIXED + texts.iter().map(|t| 4 + t.len()).sum::<usize>());
    record.extend_from_slice(&event.created_at.to_le_bytes());
    record.extend_from_slice(&event.timestamp.to_le_bytes());
    record.extend_from_slice(&(span.start as u64).to_le_bytes());
    record.extend_from_slice(&(span.len() as u64).to_le_bytes());
    record.push(u8::from(event.livemode));
    for text in texts {
        let len = u32::try_from(text.len()).map_err(|_| {
            send0::Error::new(send0::ErrorKind::InvalidPayload, "an envelope field is over 4 GiB")
        })?;
        record.extend_from_slice(&len.to_le_bytes());
        record.extend_from_slice(text.as_bytes());
    }
    Ok(record)
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
