//! `send0`: the send0 command line, on the Rust core (crate `send0`).
//!
//! - `send0 listen --forward-to URL`: deliveries of a temporary endpoint, verified and forwarded
//!   to a local URL, failed forwards retried;
//! - `send0 trigger TYPE`: an event of any type, through the local server;
//! - `send0 webhooks list|get|create|update|delete|test|rotate-secret|deliveries`;
//! - `send0 sign` and `send0 verify` (with `--explain`, the core's report of why);
//! - `send0 completions SHELL`.
//!
//! Data on stdout (tables, or JSON with `--json`), progress and errors on stderr, and the exit
//! codes of [`exit`], which `send0 --help` lists.

// Input we don't control reaches the CLI from its command line, files, the API and the deliveries
// it forwards: outside tests, no unwrap, expect, panic or unchecked index.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)
)]

mod args;
mod connection;
mod exit;
mod explain;
mod listen;
mod output;
mod signing;
mod trigger;
mod webhooks;

use std::process::ExitCode;

use clap::{CommandFactory as _, Parser as _};

use args::{Cli, ColorWhen, Command};
use connection::Connection;
use exit::Failure;

fn main() -> ExitCode {
    // clap prints help and usage errors itself (exit 0 and 2).
    let cli = Cli::parse();
    match cli.global.color {
        ColorWhen::Auto => {}
        ColorWhen::Always => anstream::ColorChoice::Always.write_global(),
        ColorWhen::Never => anstream::ColorChoice::Never.write_global(),
    }
    let json = cli.global.json;
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(json),
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    let json = cli.global.json;
    // The commands that need no API and no runtime.
    match &cli.command {
        Command::Sign(args) => return signing::sign_command(args, json),
        Command::Verify(args) => return signing::verify_command(args, json),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::aot::generate(*shell, &mut Cli::command(), "send0", &mut script);
            return output::print(String::from_utf8_lossy(&script).trim_end());
        }
        Command::Webhooks(_) | Command::Trigger(_) | Command::Listen(_) => {}
    }
    let connection = Connection::new(cli.global.api_key.as_deref(), cli.global.base_url.as_deref())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::new(exit::API, format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        match &cli.command {
            Command::Webhooks(command) => webhooks::run(&connection, command, json).await,
            Command::Trigger(args) => trigger::run(&connection, args, json).await,
            Command::Listen(args) => listen::run(&connection, args, json).await,
            Command::Sign(_) | Command::Verify(_) | Command::Completions { .. } => Ok(()),
        }
    })
}
