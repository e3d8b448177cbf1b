//! The webhook exports: verify a delivery, explain why one does not verify, sign a message.

use send0_bridge::webhooks::{
    EVENT_RECORD_FIXED, event_record, explain_json, unpack_headers, unpack_verifier,
};

use crate::{Send0Bytes, guarded, input, text};

/// What [`send0_verify`] checks, and how. Every pointer is borrowed for the call only, and may be
/// null with a zero length.
///
/// The layout is C's for the target, fields in this order: on 64-bit targets 72 bytes, on
/// `wasm32` (4-byte pointers and `size_t`) 48 bytes at offsets 0, 4, 8, 12, 16, 20, 24, 32, 40,
/// 44, which a WebAssembly host writes itself (little-endian).
#[repr(C)]
pub struct Send0VerifyOptions {
    /// The raw request body, exactly as received.
    pub body: *const u8,
    pub body_len: usize,
    /// The webhook headers, `name\0value\0name\0value…` (repeated names are joined by the core).
    pub headers: *const u8,
    pub headers_len: usize,
    /// The secrets, `secret\0secret…`: a signature by any of them is accepted.
    pub secrets: *const u8,
    pub secrets_len: usize,
    /// How far `webhook-timestamp` may be from now, either side, in seconds.
    pub tolerance_secs: u64,
    /// Now, in Unix seconds, used when `has_now` is non-zero (the system clock otherwise).
    pub now: i64,
    pub has_now: i32,
    /// Non-zero: parse the body as a send0 event, which goes to `out` as an event record.
    /// Zero: check the signature only; `out` stays empty.
    pub parse: i32,
}

// The layout WebAssembly hosts write (bindings-go/wasm.go, bindings-node/lib/wasm-core.ts), checked
// for every target this crate builds for.
const _: () = {
    use std::mem::{offset_of, size_of};
    let word = size_of::<usize>();
    assert!(size_of::<*const u8>() == word);
    assert!(offset_of!(Send0VerifyOptions, body_len) == word);
    assert!(offset_of!(Send0VerifyOptions, headers) == 2 * word);
    assert!(offset_of!(Send0VerifyOptions, secrets_len) == 5 * word);
    assert!(offset_of!(Send0VerifyOptions, tolerance_secs) == 6 * word);
    assert!(offset_of!(Send0VerifyOptions, now) == 6 * word + 8);
    assert!(offset_of!(Send0VerifyOptions, has_now) == 6 * word + 16);
    assert!(offset_of!(Send0VerifyOptions, parse) == 6 * word + 20);
    assert!(size_of::<Send0VerifyOptions>() == 6 * word + 24);
};

/// Size of the fixed part of the event record [`send0_verify`] writes. In order, little-endian,
/// with no padding: `created_at` i64 (Unix ms), `timestamp` i64, `data_offset` u64, `data_len`
/// u64 (`data` is `body[data_offset..][..data_len]`; `data_len` 0: the envelope has no `data`),
/// `livemode` u8; then `id`, `type`, `service` and `webhook_id`, each a u32 byte length and its
/// UTF-8 text.
pub const SEND0_EVENT_RECORD_FIXED: usize = 33;
const _: () = assert!(SEND0_EVENT_RECORD_FIXED == EVENT_RECORD_FIXED);

/// Verifies a delivery as `options` says. With `options->parse` non-zero the event goes to `out`
/// as an event record (see [`SEND0_EVENT_RECORD_FIXED`]). A null `options` is an
/// `invalid_argument` error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn send0_verify(
    options: *const Send0VerifyOptions,
    out: *mut Send0Bytes,
    err_out: *mut Send0Bytes,
) -> i32 {
    guarded(out, err_out, || {
        let delivery = unsafe { Delivery::read(options) }?;
        let headers = unpack_headers(delivery.headers);
        let verifier = unpack_verifier(delivery.secrets, delivery.tolerance_secs, delivery.now)?;
        if delivery.parse {
            return event_record(&verifier.verify(delivery.body, &headers)?);
        }
        verifier.verify_raw(delivery.body, &headers).map(|()| Vec::new())
    })
}

/// Explains why a delivery verifies or not: the report of `send0::webhooks::explain`, as JSON, to
/// `out`. Takes the same options as [`send0_verify`] (`parse` is ignored) with `headers` holding
/// every header of the request, not only the three webhook ones. Fails only on a null `options`
/// or text that is not UTF-8; a report never holds a secret.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn send0_explain(
    options: *const Send0VerifyOptions,
    out: *mut Send0Bytes,
    err_out: *mut Send0Bytes,
) -> i32 {
    guarded(out, err_out, || {
        let d = unsafe { Delivery::read(options) }?;
        Ok(explain_json(d.body, d.headers, d.secrets, d.tolerance_secs, d.now).into_bytes())
    })
}

/// What [`Send0VerifyOptions`] points at, borrowed and checked.
struct Delivery<'a> {
    body: &'a [u8],
    headers: &'a str,
    secrets: &'a str,
    tolerance_secs: u64,
    now: Option<i64>,
    parse: bool,
}

impl Delivery<'_> {
    /// # Safety
    /// `options` is null or points at options whose pointers are valid for their lengths for the
    /// call.
    unsafe fn read<'a>(options: *const Send0VerifyOptions) -> send0::Result<Delivery<'a>> {
        let Some(options) = (unsafe { options.as_ref() }) else {
            return Err(send0::Error::new(send0::ErrorKind::InvalidArgument, "the verify options are null"));
        };
        Ok(Delivery {
            body: unsafe { input(options.body, options.body_len) },
            headers: unsafe { text(options.headers, options.headers_len, "the headers") }?,
            secrets: unsafe { text(options.secrets, options.secrets_len, "the secrets") }?,
            tolerance_secs: options.tolerance_secs,
            now: (options.has_now != 0).then_some(options.now),
            parse: options.parse != 0,
        })
    }
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
