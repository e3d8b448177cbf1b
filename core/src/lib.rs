//! # send0
//!
//! The send0 SDK for Rust, and the engine under the Python, Node and Go SDKs.
//!
//! - [`webhooks`]: verify the signed deliveries send0 posts to your endpoints, and sign messages.
//! - [`events`]: the event catalog, the delivery envelope and event patterns.
//! - [`Client`]: the Webhooks API (create, list, update, delete, test, rotate endpoints), with the
//!   default `client` feature. Without it (`default-features = false`) the crate is the verifier
//!   and signer alone, with no I/O, threads or randomness, and builds for `wasm32-unknown-unknown`.
//!
//! Every error is an [`Error`] with a stable [`ErrorKind`], the same in every language.
#![warn(missing_docs)]
// Input we don't control reaches this crate from API callers, webhook senders and the API
// itself: outside tests, no unwrap, expect, panic or unchecked index (each remaining use says why
// it cannot fail).
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)
)]

#[cfg(feature = "client")]
pub mod client;
mod error;
mod redacted;
pub mod webhooks;

#[cfg(feature = "client")]
pub use client::{Client, ClientBuilder, RequestOptions};
pub use error::{ApiErrorDetails, Error, ErrorKind, Result, catch_panic};
pub use redacted::{SecretString, redact};
pub use webhooks::events;

/// This crate's version, reported in `User-Agent`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
