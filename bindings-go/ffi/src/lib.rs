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
//!
//! The same exports, less the client's (the `client` feature), build for `wasm32-unknown-unknown`:
//! there a host places its inputs in the module's memory with [`send0_alloc`], must pass `now`
//! to [`send0_verify`] (the module has no clock), and sees a panic as a trap (WebAssembly has no
//! unwinding), after which it must not reuse the instance.

#![allow(clippy::missing_safety_doc)] // each export documents its contract in its doc comment

#[cfg(feature = "client")]
mod client;
mod webhooks;

#[cfg(feature = "client")]
pub use client::*;
pub use webhooks::*;

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

/// For the Go tests only: panics inside the library, to prove a panic comes back as an error.
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
        let record = take_bytes(out);
        let u64_at = |at: usize| u64::from_le_bytes(record[at..at + 8].try_into().unwrap());
        assert_eq!(
            u64_at(0),
            1_700_000_000_000,
            "created_at: the header timestamp when the envelope has none"
        );
        assert_eq!(u64_at(8), 1_700_000_000);
        let (offset, len) = (u64_at(16) as usize, u64_at(24) as usize);
        assert_eq!(&body[offset..offset + len], br#"{"bounce_type":"hard"}"#);
        assert_eq!(record[32], 0, "livemode");
        let mut texts = Vec::new();
        let mut at = webhooks::SEND0_EVENT_RECORD_FIXED;
        while at < record.len() {
            let n = u32::from_le_bytes(record[at..at + 4].try_into().unwrap()) as usize;
            texts.push(std::str::from_utf8(&record[at + 4..at + 4 + n]).unwrap());
            at += 4 + n;
        }
        assert_eq!(texts, ["msg_1", "email.bounced", "email", "msg_1"]);
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
