//! The webhook exports: verify a delivery, sign a message.

use send0_bridge::webhooks::{EVENT_RECORD_FIXED, event_record, unpack_headers, unpack_verifier};

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
        let headers = unpack_headers(unsafe { text(headers, headers_len, "the headers") }?);
        let secrets = unsafe { text(secrets, secrets_len, "the secrets") }?;
        let verifier = unpack_verifier(secrets, tolerance_secs, (has_now != 0).then_some(now))?;
        if parse == 0 {
            return verifier.verify_raw(body, &headers).map(|()| Vec::new());
        }
        event_record(&verifier.verify(body, &headers)?)
    })
}

/// Size of the fixed part of an [`event_record`].
pub const SEND0_EVENT_RECORD_FIXED: usize = 33;
const _: () = assert!(SEND0_EVENT_RECORD_FIXED == EVENT_RECORD_FIXED);

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
