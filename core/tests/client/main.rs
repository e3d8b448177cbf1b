//! `send0::Client` against scripted loopback servers: retries, idempotency, error mapping,
//! timeouts, cancellation and the wire shape of every Webhooks API operation.
//!
//! Each test starts its own server (`harness`), scripts the replies it needs and inspects the
//! requests the server recorded.

mod errors;
mod faults;
mod harness;
mod operations;
mod retries;
mod timeouts;
mod vectors;
