//! A small C ABI over the send0 core, for the Go SDK.
//!
//! Rules of this boundary:
//! - Inputs are borrowed `(pointer, length)` pairs, read during the call only.
//! - Every output is a [`Send0Bytes`] allocated here and released with [`send0_bytes_free`]
//!   (never C's `free`); handles are released with their own `_free` function.
//! - Every export runs inside `shielded` (the core's `catch_panic`): a panic becomes an `api` error ("internal
//!   error in the send0 core"), or a null/no-op where the export returns no error; never an abort
//!   across the boundary.
//! - Errors are the core's JSON description (`{"kind", "message", "api"?}`) in `err_out`.

#![allow(clippy::missing_safety_doc)] // each export documents its contract in its doc comment

use std::time::Duration;

use send0::webhooks::{Verifier, WebhookHeaders};
use tokio_util::sync::CancellationToken;

/// Success.
pub const SEND0_OK: i32 = 0;
/// Failure: `err_out` holds the error's JSON description.
pub const SEND0_ERROR: i32 = 1;

/// Bytes owned by this library. Release with [`send0_bytes_free`].
#[repr(C)]
pub struct Send0Bytes {
    pub ptr: *mut u8,
    pub len: usize,
}

impl Send0Bytes {
    const EMPTY: Send0Bytes = Send0Bytes { ptr: std::ptr::null_mut(), len: 0 };

    fn from_vec(bytes: Vec<u8>) -> Send0Bytes {
        let boxed = bytes.into_boxed_slice();
        let len = boxed.len();
        Send0Bytes { ptr: Box::into_raw(boxed).cast::<u8>(), len }
    }
}

/// An API client. Create with [`send0_client_new`], release with [`send0_client_free`].
pub struct Send0Client {
    client: send0::Client,
}

/// A cancellation token: [`send0_cancel_cancel`] stops the calls it was given to.
pub struct Send0Cancel {
    token: CancellationToken,
}

/// Reads a borrowed input. A null pointer is only valid with a zero length.
unsafe fn input<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if ptr.is_null() || len == 0 { &[] } else { unsafe { std::slice::from_raw_parts(ptr, len) } }
}

unsafe fn text<'a>(ptr: *const u8, len: usize, what: &str) -> send0::Result<&'a str> {
    std::str::from_utf8(unsafe { input(ptr, len) }).map_err(|_| {
        send0::Error::new(send0::ErrorKind::InvalidArgument, format!("{what} is not valid UTF-8"))
    })
}

unsafe fn write(out: *mut Send0Bytes, bytes: Vec<u8>) {
    if !out.is_null() {
        unsafe { out.write(Send0Bytes::from_vec(bytes)) };
    }
}

/// Runs `f` so that a panic stops here: unwinding out of an `extern "C"` function aborts the
/// process. Every export goes through this (directly or through [`guarded`]); `Err` is the core's
/// `api` error for the panic.
fn shielded<T>(f: impl FnOnce() -> T) -> send0::Result<T> {
    send0::catch_panic(f)
}

/// Runs `body` shielded from panics, writing its output or its error.
fn guarded(
    out: *mut Send0Bytes,
    err_out: *mut Send0Bytes,
    body: impl FnOnce() -> send0::Result<Vec<u8>>,
) -> i32 {
    for slot in [out, err_out] {
        if !slot.is_null() {
            unsafe { slot.write(Send0Bytes::EMPTY) };
        }
    }
    let result = shielded(body).unwrap_or_else(Err);
    match result {
        Ok(bytes) => {
            unsafe { write(out, bytes) };
            SEND0_OK
        }
        Err(error) => {
            unsafe { write(err_out, error.to_json().into_bytes()) };
            SEND0_ERROR
        }
    }
}

/// Releases bytes returned by this library. Null is ignored.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn send0_bytes_free(bytes: Send0Bytes) {
    if bytes.ptr.is_null() {
        return;
    }
    let _ = shielded(|| {
        let slice = std::ptr::slice_from_raw_parts_mut(bytes.ptr, bytes.len);
        drop(unsafe { Box::from_raw(slice) });
    });
}

/// The core's version, a static NUL-terminated string (never freed).
#[unsafe(no_mangle)]
pub extern "C" fn send0_version() -> *const u8 {
    shielded(|| concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr()).unwrap_or(c"".as_ptr().cast())
}

/// Creates a client from a JSON config (`api_key`, `base_url`, `timeout_ms`, `max_retries`,
/// `user_agent`, `user_agent_suffix`). On success `*client_out` is a handle to release with
/// [`send0_client_free`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn send0_client_new(
    config: *const u8,
    config_len: usize,
    client_out: *mut *mut Send0Client,
    err_out: *mut Send0Bytes,
) -> i32 {
    if !client_out.is_null() {
        unsafe { client_out.write(std::ptr::null_mut()) };
    }
    guarded(std::ptr::null_mut(), err_out, || {
        let config: send0::client::ClientConfig =
            serde_json::from_slice(unsafe { input(config, config_len) }).map_err(|e| {
                send0::Error::new(send0::ErrorKind::InvalidArgument, format!("invalid client config: {e}"))
            })?;
        let builder = config.into_builder();
        let client = Box::new(Send0Client { client: builder.build()? });
        if !client_out.is_null() {
            unsafe { client_out.write(Box::into_raw(client)) };
        }
        Ok(Vec::new())
    })
}

/// Releases a client. Null is ignored.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn send0_client_free(client: *mut Send0Client) {
    if !client.is_null() {
        let _ = shielded(|| drop(unsafe { Box::from_raw(client) }));
    }
}

/// Runs one operation, blocking the calling thread: `request` is the core's operation JSON
/// (`{"op", "id"?, "params"?, "options"?}`); the response object's JSON goes to `out`. `cancel`
/// (nullable) stops the call, in flight or between retries, with a `cancelled` error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn send0_client_call(
    client: *const Send0Client,
    request: *const u8,
    request_len: usize,
    cancel: *const Send0Cancel,
    out: *mut Send0Bytes,
    err_out: *mut Send0Bytes,
) -> i32 {
    guarded(out, err_out, || {
        let Some(client) = (unsafe { client.as_ref() }) else {
            return Err(send0::Error::new(send0::ErrorKind::InvalidArgument, "the client is null"));
        };
        let token = unsafe { cancel.as_ref() }.map(|c| c.token.clone()).unwrap_or_default();
        let request = unsafe { input(request, request_len) };
        let call = client.client.call_json(request);
        match send0::runtime::handle().block_on(token.run_until_cancelled(call)) {
            Some(result) => result.map(String::into_bytes),
            None => Err(send0::Error::new(send0::ErrorKind::Cancelled, "the request was cancelled")),
        }
    })
}

/// A new cancellation token (null if it could not be made). Release with [`send0_cancel_free`].
#[unsafe(no_mangle)]
pub extern "C" fn send0_cancel_new() -> *mut Send0Cancel {
    shielded(|| Box::into_raw(Box::new(Send0Cancel { token: CancellationToken::new() })))
        .unwrap_or(std::ptr::null_mut())
}

/// Cancels every call made with `cancel`. Null is ignored.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn send0_cancel_cancel(cancel: *const Send0Cancel) {
    if let Some(cancel) = unsafe { cancel.as_ref() } {
        let _ = shielded(|| cancel.token.cancel());
    }
}

/// Releases a cancellation token. Null is ignored.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn send0_cancel_free(cancel: *mut Send0Cancel) {
    if !cancel.is_null() {
        let _ = shielded(|| drop(unsafe { Box::from_raw(cancel) }));
    }
}

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

/// For the Go tests only: panics inside the library, to prove a panic comes back as an error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn send0_test_only_panic(err_out: *mut Send0Bytes) -> i32 {
    guarded(std::ptr::null_mut(), err_out, || panic!("a panic provoked by send0_test_only_panic"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take(bytes: Send0Bytes) -> String {
        let text =
            String::from_utf8(unsafe { std::slice::from_raw_parts(bytes.ptr, bytes.len) }.to_vec()).unwrap();
        unsafe { send0_bytes_free(bytes) };
        text
    }

    /// Every `extern "C"` function's body goes through `shielded` (or `guarded`, which uses it), so
    /// that no export added later lets a panic cross the boundary.
    #[test]
    fn every_export_is_shielded_from_panics() {
        let source = include_str!("lib.rs");
        let source = &source[..source.find("#[cfg(test)]").unwrap()];
        let exports: Vec<&str> = source.split("extern \"C\" fn ").skip(1).collect();
        assert!(exports.len() >= 9, "found only {} exports", exports.len());
        for export in exports {
            let body = export.split("\n}\n").next().unwrap();
            let name = body.split('(').next().unwrap();
            assert!(
                body.contains("shielded(") || body.contains("guarded("),
                "{name} is not shielded from panics"
            );
        }
    }

    #[test]
    fn a_panic_comes_back_as_an_error() {
        let mut err = Send0Bytes::EMPTY;
        assert_eq!(unsafe { send0_test_only_panic(&mut err) }, SEND0_ERROR);
        assert!(take(err).contains("a panic provoked"));
    }

    #[test]
    fn sign_then_verify_with_the_data_span() {
        let secret = b"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"type":"email.bounced","data":{"bounce_type":"hard"}}"#;
        let (mut out, mut err) = (Send0Bytes::EMPTY, Send0Bytes::EMPTY);
        let status = unsafe {
            send0_sign(
                secret.as_ptr(),
                secret.len(),
                b"msg_1".as_ptr(),
                5,
                1_700_000_000,
                body.as_ptr(),
                body.len(),
                &mut out,
                &mut err,
            )
        };
        assert_eq!(status, SEND0_OK);
        let signature = take(std::mem::replace(&mut out, Send0Bytes::EMPTY));
        let headers =
            format!("webhook-id\0msg_1\0webhook-timestamp\01700000000\0webhook-signature\0{signature}\0");
        let status = unsafe {
            send0_verify(
                body.as_ptr(),
                body.len(),
                headers.as_ptr(),
                headers.len(),
                secret.as_ptr(),
                secret.len(),
                300,
                1,
                1_700_000_000,
                1,
                &mut out,
                &mut err,
            )
        };
        assert_eq!(status, SEND0_OK);
        let event: serde_json::Value = serde_json::from_str(&take(out)).unwrap();
        let (offset, len) =
            (event["data_offset"].as_u64().unwrap() as usize, event["data_len"].as_u64().unwrap() as usize);
        assert_eq!(&body[offset..offset + len], br#"{"bounce_type":"hard"}"#);
        assert_eq!(event["type"], "email.bounced");
    }

    #[test]
    fn errors_are_json_descriptions() {
        let (mut out, mut err) = (Send0Bytes::EMPTY, Send0Bytes::EMPTY);
        let status = unsafe {
            send0_verify(
                b"{}".as_ptr(),
                2,
                std::ptr::null(),
                0,
                b"whsec_".as_ptr(),
                6,
                300,
                0,
                0,
                1,
                &mut out,
                &mut err,
            )
        };
        assert_eq!(status, SEND0_ERROR);
        let error: serde_json::Value = serde_json::from_str(&take(err)).unwrap();
        assert_eq!(error["kind"], "invalid_secret");
        assert!(out.ptr.is_null());
    }

    #[test]
    fn a_cancelled_call_returns_cancelled() {
        let config =
            br#"{"api_key":"sk_test_x","base_url":"http://127.0.0.1:1","user_agent":"send0-go/test"}"#;
        let mut client = std::ptr::null_mut();
        let mut err = Send0Bytes::EMPTY;
        assert_eq!(
            unsafe { send0_client_new(config.as_ptr(), config.len(), &mut client, &mut err) },
            SEND0_OK
        );
        let cancel = send0_cancel_new();
        unsafe { send0_cancel_cancel(cancel) };
        let request = br#"{"op":"get_webhook","id":"wh_1"}"#;
        let mut out = Send0Bytes::EMPTY;
        let status =
            unsafe { send0_client_call(client, request.as_ptr(), request.len(), cancel, &mut out, &mut err) };
        assert_eq!(status, SEND0_ERROR);
        assert!(take(err).contains(r#""kind":"cancelled""#));
        unsafe {
            send0_cancel_free(cancel);
            send0_client_free(client);
        }
    }
}
