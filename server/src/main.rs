//! `send0-server [--host 127.0.0.1] [--port 8765] [--db PATH] [--api-key KEY] [--keys FILE]
//! [--retry-schedule 5s,5m,30m,2h,5h,10h,10h] [--delivery-timeout 15s] [--ready-file PATH]`

use clap::Parser;
use send0_server::Config;

#[tokio::main]
async fn main() {
    let config = Config::parse();
    if let Err(message) = send0_server::run(config, stop_signal()).await {
        eprintln!("send0-server: {message}");
        std::process::exit(1);
    }
}

/// Completes at SIGINT or SIGTERM.
async fn stop_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate()).expect("SIGTERM can be handled");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
}
