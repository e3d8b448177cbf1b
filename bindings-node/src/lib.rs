//! The native module of the send0 Node SDK. Private: the public API is the TypeScript wrapper
//! (`send0`), which turns what this module returns into typed objects and classes.
//!
//! Errors cross as a JS `Error` whose message is the core's JSON error description
//! (`{"kind", "message", "api"?}`); the wrapper rebuilds `Send0Error` subclasses from it, because a
//! rejected promise cannot carry custom fields from here.
//!
//! Every export's body runs inside [`shielded`]: a panic unwinding out of a napi callback aborts
//! the whole Node process, so it becomes an `api` error instead. (Async bodies are already caught
//! by napi, which rejects the promise.)

use napi::bindgen_prelude::*;
use napi_derive::napi;
use send0_bridge::webhooks::{event_record, explain_json, unpack_headers, unpack_verifier};
use tokio_util::sync::CancellationToken;

fn js_error(error: send0::Error) -> Error {
    Error::new(Status::GenericFailure, error.to_json())
}

/// Runs an export's body so that a panic comes back as the core's `api` error for panics.
fn shielded<T>(body: impl FnOnce() -> Result<T>) -> Result<T> {
    send0::catch_panic(body).unwrap_or_else(|panic| Err(js_error(panic)))
}

/// Verifies a delivery and returns the event as its record (`send0_bridge::webhooks::event_record`,
/// the encoding the WebAssembly build returns too: `data` as its span of the body, which the
/// wrapper parses when it is read).
///
/// `headers` is `name\0value\0…` and `secrets` is `secret\0secret\0…`: one string each crosses the
/// boundary much faster than arrays of strings. The record comes back copied into a new Buffer:
/// for some 80 bytes that is faster than handing V8 the Rust allocation with a finalizer.
#[napi]
pub fn verify<'env>(
    env: &'env Env,
    body: &[u8],
    headers: String,
    secrets: String,
    tolerance: u32,
    now: Option<i64>,
) -> Result<BufferSlice<'env>> {
    shielded(|| {
        let headers = unpack_headers(&headers);
        let record = unpack_verifier(&secrets, tolerance.into(), now)
            .and_then(|v| event_record(&v.verify(body, &headers)?))
            .map_err(js_error)?;
        BufferSlice::copy_from(env, record)
    })
}

/// Verifies a delivery's signature only.
#[napi]
pub fn verify_raw(
    body: &[u8],
    headers: String,
    secrets: String,
    tolerance: u32,
    now: Option<i64>,
) -> Result<()> {
    shielded(|| {
        let headers = unpack_headers(&headers);
        unpack_verifier(&secrets, tolerance.into(), now)
            .and_then(|v| v.verify_raw(body, &headers))
            .map_err(js_error)
    })
}

/// Why a delivery verifies or not: `send0::webhooks::explain`'s report as JSON. `headers` packs
/// every header of the request (explain also looks under `svix-*` and `HTTP_WEBHOOK_*` names).
#[napi]
pub fn explain(
    body: &[u8],
    headers: String,
    secrets: String,
    tolerance: u32,
    now: Option<i64>,
) -> Result<String> {
    shielded(|| Ok(explain_json(body, &headers, &secrets, tolerance.into(), now)))
}

/// The `webhook-signature` value for a message.
#[napi]
pub fn sign(secret: String, msg_id: String, timestamp: i64, body: &[u8]) -> Result<String> {
    shielded(|| send0::webhooks::sign(&secret, &msg_id, timestamp, body).map_err(js_error))
}

/// The core's version.
#[napi]
pub fn core_version() -> Result<&'static str> {
    shielded(|| Ok(send0::VERSION))
}

/// Panics inside [`shielded`], for the test that proves a panic reaches JS as an error and the
/// process lives on. Test-only: the TypeScript API does not expose it.
#[napi(js_name = "__panicForTest")]
#[allow(clippy::panic)]
pub fn panic_for_test(message: String) -> Result<()> {
    shielded(|| panic!("{message}"))
}

/// Cancels the calls it is given to (the wrapper links it to an `AbortSignal`).
#[napi]
pub struct CancelToken {
    token: CancellationToken,
}

#[napi]
impl CancelToken {
    #[napi(constructor)]
    pub fn new() -> Result<Self> {
        shielded(|| Ok(CancelToken { token: CancellationToken::new() }))
    }

    /// Stops every call made with this token, in flight or between retries.
    #[napi]
    pub fn cancel(&self) -> Result<()> {
        shielded(|| {
            self.token.cancel();
            Ok(())
        })
    }
}

/// The API client over the core's.
#[napi]
pub struct NativeClient {
    client: send0::Client,
}

#[napi]
impl NativeClient {
    #[napi(constructor)]
    pub fn new(
        api_key: Option<String>,
        base_url: Option<String>,
        timeout_ms: f64,
        max_retries: u32,
        user_agent: String,
    ) -> Result<Self> {
        shielded(|| {
            if !(timeout_ms.is_finite() && timeout_ms > 0.0) {
                return Err(js_error(send0::Error::new(
                    send0::ErrorKind::InvalidArgument,
                    "timeout must be a positive number of milliseconds",
                )));
            }
            let config = send0_bridge::ClientConfig {
                api_key: api_key.map(Into::into),
                base_url,
                // Saturates: a timeout beyond u64 milliseconds is as good as none.
                timeout_ms: Some(timeout_ms.ceil() as u64),
                max_retries: Some(max_retries),
                user_agent: Some(user_agent),
                user_agent_suffix: None,
            };
            Ok(NativeClient { client: config.into_builder().build().map_err(js_error)? })
        })
    }

    /// Runs one operation (JSON in, JSON out) on napi's tokio runtime; the promise rejects with a
    /// `cancelled` error when `cancel` fires first.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn call<'env>(
        &self,
        env: &'env Env,
        request: String,
        cancel: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'env, String>> {
        shielded(|| {
            let client = self.client.clone();
            let token = cancel.map(|c| c.token.clone()).unwrap_or_default();
            env.spawn_future(async move {
                // Cancelling drops the request future: the connection closes and no retry follows.
                match token.run_until_cancelled(send0_bridge::call_json(&client, request.as_bytes())).await {
                    Some(result) => result.map_err(js_error),
                    None => Err(js_error(send0::Error::new(
                        send0::ErrorKind::Cancelled,
                        "the request was aborted",
                    ))),
                }
            })
        })
    }

    #[napi(getter)]
    pub fn base_url(&self) -> Result<String> {
        shielded(|| Ok(self.client.base_url().to_owned()))
    }

    #[napi(getter)]
    pub fn api_key_hint(&self) -> Result<String> {
        shielded(|| Ok(self.client.api_key_hint()))
    }
}
