//! `send0-server [--host 127.0.0.1] [--port 8765] [--db PATH] [--api-key KEY] [--keys FILE]
//! [--retry-schedule 5s,5m,30m,2h,5h,10h,10h] [--delivery-timeout 15s] [--ready-file PATH]
//! [--max-endpoints-per-workspace 1000] [--max-in-flight 64] [--max-in-flight-per-workspace 16]
//! [--allow-egress CIDR]... [--deny-egress CIDR]...` (`--help` says what each does; see server/README.md)

// Input we don't control reaches this crate from API callers, webhook senders and the API
// itself: outside tests, no unwrap, expect, panic or unchecked index (each remaining use says why
// it cannot fail).
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)
)]
use clap::Parser;
use send0_server::Config;

#[tokio::main]
async fn main() {
    let config = Config::parse();
    if let Err(message) = send0_server::run(config, send0_server::stop_signal("send0-server")).await {
        eprintln!("send0-server: {message}");
        std::process::exit(1);
    }
}
