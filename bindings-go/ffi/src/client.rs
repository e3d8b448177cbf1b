//! The API client's exports (the `client` feature): a client handle, blocking calls driven on the
//! calling thread (send0_bridge::local), and cancellation tokens.

use tokio_util::sync::CancellationToken;

use crate::{Send0Bytes, guarded, input, shielded};

/// An API client. Create with [`send0_client_new`], release with [`send0_client_free`].
pub struct Send0Client {
    client: send0_bridge::ThreadLocalClient,
}

/// A cancellation token: [`send0_cancel_cancel`] stops the calls it was given to.
pub struct Send0Cancel {
    token: CancellationToken,
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
        let config: send0_bridge::ClientConfig = serde_json::from_slice(unsafe { input(config, config_len) })
            .map_err(|e| {
                send0::Error::new(send0::ErrorKind::InvalidArgument, format!("invalid client config: {e}"))
            })?;
        let builder = config.into_builder();
        let client = Box::new(Send0Client { client: send0_bridge::ThreadLocalClient::new(builder)? });
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
        let answer = client.client.block_on(|client| async move {
            match token.run_until_cancelled(send0_bridge::call_json(&client, request)).await {
                Some(result) => result,
                None => Err(send0::Error::new(send0::ErrorKind::Cancelled, "the request was cancelled")),
            }
        });
        answer.map(String::into_bytes)
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
