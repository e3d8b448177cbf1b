//! `send0-bridge`: what the send0 language bindings (Python, Node, the C ABI) share on top of the
//! core, so that none of it is part of the Rust SDK's public API and none of it is written twice.
//!
//! - [`operation`]: API operations as data (JSON in, JSON out), pages walked through the core's
//!   guard, every field the API sent kept.
//! - [`config`]: a client's settings as data.
//! - [`runtime`]: the one process-wide tokio runtime, rebuilt after `fork()`.
//! - [`webhooks`]: the NUL-packed headers and secrets, and the verified event's record: the one
//!   encoding of an event for every binding that crosses a byte boundary. It needs no `client`
//!   feature (the WebAssembly build uses it).
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)
)]

#[cfg(feature = "client")]
pub mod config;
#[cfg(feature = "client")]
pub mod local;
#[cfg(feature = "client")]
pub mod operation;
#[cfg(feature = "client")]
pub mod runtime;
pub mod webhooks;

#[cfg(feature = "client")]
pub use config::ClientConfig;
#[cfg(feature = "client")]
pub use local::ThreadLocalClient;
#[cfg(feature = "client")]
pub use operation::{Operation, call_json};
