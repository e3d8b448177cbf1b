//! A small C ABI over the send0 core, for the Go SDK.
//!
//! Rules of this boundary:
//! - Inputs are borrowed `(pointer, length)` pairs (for [`send0_verify`], gathered in a
//!   [`Send0VerifyOptions`]), read during the call only.
//! - Every output is a [`Send0Bytes`] allocated here and released with [`send0_bytes_free`]
//!   (never C's `free`); handles are released with their own `_free` function.
//! - Every export runs inside `shielded` (the core's `catch_panic`), so no panic unwinds across
//!   the boundary: where the export reports errors, a panic is an error of kind `api` whose
//!   message starts "internal error in the send0 core"; where it does not, a panic gives null
//!   ([`send0_alloc`], `send0_cancel_new`), the empty string ([`send0_version`]) or nothing.
//! - Errors are the core's JSON description (`{"kind", "message", "api"?}`) in `err_out`.
//!
//! The same exports, less the client's (the `client` feature), build for `wasm32-unknown-unknown`:
//! there a host places its inputs in the module's memory with [`send0_alloc`], must pass `now`
//! to [`send0_verify`] (the module has no clock), and sees a panic as a trap (WebAssembly has no
//! unwinding), after which it must not reuse the instance; the Go and JS hosts report the trap as
//! the same `api` error.
#![allow(clippy::missing_safety_doc)] // each export documents its contract in its doc comment

#[cfg(feature = "client")]
mod client;
mod webhooks;

#[cfg(feature = "client")]
pub use client::*;
pub use webhooks::*;

/// Success.
pub const SEND0_OK: i32 = 0;
/// Failure: `err_out` holds the error's JSON description, `{"kind", "message", "api"?}`. A panic
/// inside the library is an error of kind `api` whose message starts "internal error in the send0
/// core".
pub const SEND0_ERROR: i32 = 1;

/// Bytes owned by this library. Release with [`send0_bytes_free`].
#[repr(C)]
pub struct Send0Bytes {
    pub ptr: *mut u8,
    pub len: usize,
}

impl Send0Bytes {
    pub(crate) const EMPTY: Send0Bytes = Send0Bytes { ptr: std::ptr::null_mut(), len: 0 };

    fn from_vec(bytes: Vec<u8>) -> Send0Bytes {
        let boxed = bytes.into_boxed_slice();
        let len = boxed.len();
        Send0Bytes { ptr: Box::into_raw(boxed).cast::<u8>(), len }
    }
}

/// Reads a borrowed input. A null pointer is only valid with a zero length.
pub(crate) unsafe fn input<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if ptr.is_null() || len == 0 { &[] } else { unsafe { std::slice::from_raw_parts(ptr, len) } }
}

pub(crate) unsafe fn text<'a>(ptr: *const u8, len: usize, what: &str) -> send0::Result<&'a str> {
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
pub(crate) fn shielded<T>(f: impl FnOnce() -> T) -> send0::Result<T> {
    send0::catch_panic(f)
}

/// Runs `body` shielded from panics, writing its output or its error.
pub(crate) fn guarded(
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
    let _ = shielded(|| unsafe { send0_free(bytes.ptr, bytes.len) });
}

/// [`send0_bytes_free`] with the pointer and length apart, for hosts that pass only numbers (a
/// WebAssembly host). Null is ignored.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn send0_free(ptr: *mut u8, len: usize) {
    if ptr.is_null() {
        return;
    }
    let _ = shielded(|| {
        let slice = std::ptr::slice_from_raw_parts_mut(ptr, len);
        drop(unsafe { Box::from_raw(slice) });
    });
}

/// Allocates `len` bytes owned by this library, for a host that must place its inputs in the
/// library's memory (a WebAssembly host); release them with [`send0_free`].
/// Null when `len` is 0 or the memory cannot be had.
#[unsafe(no_mangle)]
pub extern "C" fn send0_alloc(len: usize) -> *mut u8 {
    shielded(|| {
        let mut bytes = Vec::new();
        if len == 0 || bytes.try_reserve_exact(len).is_err() {
            return std::ptr::null_mut();
        }
        bytes.resize(len, 0);
        Send0Bytes::from_vec(bytes).ptr
    })
    .unwrap_or(std::ptr::null_mut())
}

/// The core's version, a static NUL-terminated string (never freed).
#[unsafe(no_mangle)]
pub extern "C" fn send0_version() -> *const u8 {
    shielded(|| concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr()).unwrap_or(c"".as_ptr().cast())
}

/// For the Go and JS tests only: panics inside the library, to prove a panic comes back as the
/// `api` error (a trap in the WebAssembly build). Not in the shipped header (cbindgen.toml excludes
/// it); bindings-go/ffi.go declares it for its tests.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn send0_test_only_panic(err_out: *mut Send0Bytes) -> i32 {
    guarded(std::ptr::null_mut(), err_out, || panic!("a panic provoked by send0_test_only_panic"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take_bytes(bytes: Send0Bytes) -> Vec<u8> {
        let owned = unsafe { std::slice::from_raw_parts(bytes.ptr, bytes.len) }.to_vec();
        unsafe { send0_bytes_free(bytes) };
        owned
    }

    fn take(bytes: Send0Bytes) -> String {
        String::from_utf8(take_bytes(bytes)).unwrap()
    }

    /// Every `extern "C"` function's body goes through `shielded` (or `guarded`, which uses it), so
    /// that no export added later lets a panic cross the boundary.
    #[test]
    fn every_export_is_shielded_from_panics() {
        let lib = include_str!("lib.rs");
        let sources = [
            &lib[..lib.find("#[cfg(test)]").unwrap()],
            include_str!("webhooks.rs"),
            include_str!("client.rs"),
        ];
        let exports: Vec<&str> =
            sources.iter().flat_map(|source| source.split("extern \"C\" fn ").skip(1)).collect();
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
    fn alloc_gives_zeroed_bytes_to_free_and_refuses_the_impossible() {
        let ptr = send0_alloc(16);
        assert!(!ptr.is_null());
        assert!(unsafe { std::slice::from_raw_parts(ptr, 16) }.iter().all(|b| *b == 0));
        unsafe { send0_free(ptr, 16) };
        assert!(send0_alloc(0).is_null());
        assert!(send0_alloc(usize::MAX).is_null());
    }

    #[test]
    fn a_panic_comes_back_as_an_api_error() {
        let mut err = Send0Bytes::EMPTY;
        assert_eq!(unsafe { send0_test_only_panic(&mut err) }, SEND0_ERROR);
        let error: serde_json::Value = serde_json::from_str(&take(err)).unwrap();
        assert_eq!(error["kind"], "api");
        let message = error["message"].as_str().unwrap();
        assert!(message.starts_with("internal error in the send0 core: a panic provoked"), "{message}");
    }

    /// The shipped header declares the verify options, and not the export that exists for tests.
    #[test]
    fn the_header_leaves_out_the_test_only_export() {
        let header = include_str!("../../include/send0.h");
        assert!(header.contains("typedef struct Send0VerifyOptions {"));
        assert!(header.contains("int32_t send0_verify(const struct Send0VerifyOptions *options,"));
        assert!(!header.contains("test_only"), "the header declares a test-only export");
    }

    const SECRET: &[u8] = b"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    fn options(body: &[u8], headers: &str, secrets: &[u8], parse: bool) -> Send0VerifyOptions {
        Send0VerifyOptions {
            body: body.as_ptr(),
            body_len: body.len(),
            headers: headers.as_ptr(),
            headers_len: headers.len(),
            secrets: secrets.as_ptr(),
            secrets_len: secrets.len(),
            tolerance_secs: 300,
            now: 1_700_000_000,
            has_now: 1,
            parse: i32::from(parse),
        }
    }

    /// `send0_verify`'s status and its two outputs.
    fn verify(options: *const Send0VerifyOptions) -> (i32, Vec<u8>, String) {
        let (mut out, mut err) = (Send0Bytes::EMPTY, Send0Bytes::EMPTY);
        let status = unsafe { send0_verify(options, &mut out, &mut err) };
        let out = if out.ptr.is_null() { Vec::new() } else { take_bytes(out) };
        let err = if err.ptr.is_null() { String::new() } else { take(err) };
        (status, out, err)
    }

    #[test]
    fn sign_then_verify_to_the_event_record() {
        let body = br#"{"type":"email.bounced","data":{"bounce_type":"hard"}}"#;
        let (mut out, mut err) = (Send0Bytes::EMPTY, Send0Bytes::EMPTY);
        let status = unsafe {
            send0_sign(
                SECRET.as_ptr(),
                SECRET.len(),
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
        let signature = take(out);
        let headers =
            format!("webhook-id\0msg_1\0webhook-timestamp\01700000000\0webhook-signature\0{signature}");
        let (status, record, error) = verify(&options(body, &headers, SECRET, true));
        assert_eq!((status, error.as_str()), (SEND0_OK, ""));
        let expected = send0_bridge::webhooks::unpack_verifier(
            std::str::from_utf8(SECRET).unwrap(),
            300,
            Some(1_700_000_000),
        )
        .and_then(|verifier| verifier.verify(body, &send0_bridge::webhooks::unpack_headers(&headers)))
        .and_then(|event| send0_bridge::webhooks::event_record(&event))
        .unwrap();
        assert_eq!(record, expected);
        // The signature only: nothing in `out`.
        assert_eq!(verify(&options(body, &headers, SECRET, false)), (SEND0_OK, Vec::new(), String::new()));
    }

    #[test]
    fn errors_are_json_descriptions() {
        let (status, out, error) = verify(&options(b"{}", "", b"whsec_", true));
        assert_eq!(status, SEND0_ERROR);
        assert!(out.is_empty());
        let error: serde_json::Value = serde_json::from_str(&error).unwrap();
        assert_eq!(error["kind"], "invalid_secret");
        let (status, _, error) = verify(std::ptr::null());
        assert_eq!(status, SEND0_ERROR);
        assert!(error.contains(r#""kind":"invalid_argument""#), "{error}");
    }

    #[cfg(feature = "client")]
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
