//! What `make demo` runs for each language: the one table the driver (`main.rs`) walks.
//!
//! In a command, `{bin}` is the cargo target directory the driver was built into (where
//! `send0-server` and the Rust examples are) and `{python}` the Python of the virtualenv
//! (`$PYTHON_VENV`, by default `target/venv-python`). Paths are relative to the repository root.
//! Every receiver is started with `--port 0 --ready-file PATH --expect N`, N being the number of
//! event types in the core's catalog, and `SEND0_WEBHOOK_SECRET` set to its endpoint's secret.

/// The management examples' endpoint URL: nothing listens there, so test and delivery attempts
/// fail the way an unreachable endpoint does.
const UNREACHABLE: &str = "http://127.0.0.1:9/unreachable";

/// One language's demo.
pub struct Demo {
    /// The name on the command line (`demo NAME`) and in the Makefile (`make demo-NAME`).
    pub name: &'static str,
    /// What it shows, for its heading.
    pub about: &'static str,
    /// What must be on the machine before it starts, beyond what `make build-rust` builds.
    pub needs: &'static [Need],
    /// Run once first, in the foreground: compiling the examples.
    pub build: Option<Step>,
    /// Where the signed deliveries come from.
    pub sender: Sender,
    /// The receiver examples; each gets its own endpoint and every delivery.
    pub receivers: &'static [Receiver],
    /// The management example, run last against the same server.
    pub manage: Option<Step>,
}

/// Something a demo needs, and how to get it.
pub enum Need {
    /// A program on `PATH`.
    Command { name: &'static str, hint: &'static str },
    /// A file that a make target builds.
    File { path: &'static str, hint: &'static str },
}

/// Where the deliveries come from.
pub enum Sender {
    /// `send0-server` on a free port: the driver creates an endpoint per receiver, sends each
    /// receiver a forged delivery, then emits one event of each type through `POST /v1/events`.
    Server,
    /// No server: the `send_signed` example signs one delivery of each type itself, after a
    /// forged one, and posts them to each receiver.
    SendSigned,
    /// `send0-server` delivers to `send0 listen`, which verifies each delivery and forwards it to
    /// the receiver (one) on a free port at `path`; `send0 trigger` emits one event of each type.
    /// listen prints the secret of its temporary endpoint (`--print-secret`), which the receiver
    /// is started with, and is stopped with SIGTERM, deleting the endpoint.
    Listen { path: &'static str },
}

/// A command run in the foreground.
pub struct Step {
    /// Its heading.
    pub title: &'static str,
    /// The directory it runs in.
    pub dir: &'static str,
    pub argv: &'static [&'static str],
}

/// A receiver example.
pub struct Receiver {
    /// What the output calls it.
    pub label: &'static str,
    /// Its source file.
    pub source: &'static str,
    pub argv: &'static [&'static str],
}

const RUST_RECEIVER: Receiver = Receiver {
    label: "Rust receiver",
    source: "examples/rust/src/bin/receiver.rs",
    argv: &["{bin}/receiver"],
};

/// Every demo, in the order `make demo` runs them.
pub const DEMOS: &[Demo] = &[
    Demo {
        name: "rust",
        about: "the axum receiver example verifies signed deliveries sent by the send_signed example, no server",
        needs: &[],
        build: None,
        sender: Sender::SendSigned,
        receivers: &[RUST_RECEIVER],
        manage: None,
    },
    Demo {
        name: "server",
        about: "send0-server delivers to the axum receiver example; then the Rust management example",
        needs: &[],
        build: None,
        sender: Sender::Server,
        receivers: &[RUST_RECEIVER],
        manage: Some(Step {
            title: "Rust management example against the local server",
            dir: ".",
            argv: &["{bin}/manage", UNREACHABLE],
        }),
    },
    Demo {
        name: "cli",
        about: "send0 listen forwards the deliveries of a temporary endpoint to the axum receiver example, \
                verifying each first; send0 trigger emits one event of each type",
        needs: &[Need::File { path: "{bin}/send0", hint: "run make build-rust" }],
        build: None,
        sender: Sender::Listen { path: "/webhooks/send0" },
        receivers: &[RUST_RECEIVER],
        manage: None,
    },
    Demo {
        name: "python",
        about: "send0-server delivers to the Flask and http.server receiver examples; then manage.py",
        needs: &[Need::File { path: "{python}", hint: "run make setup-python" }],
        build: None,
        sender: Sender::Server,
        receivers: &[
            Receiver {
                label: "Flask receiver",
                source: "examples/python/receiver_flask.py",
                argv: &["{python}", "examples/python/receiver_flask.py"],
            },
            Receiver {
                label: "stdlib receiver",
                source: "examples/python/receiver_stdlib.py",
                argv: &["{python}", "examples/python/receiver_stdlib.py"],
            },
        ],
        manage: Some(Step {
            title: "Python management example (sync and asyncio) against the local server",
            dir: ".",
            argv: &["{python}", "examples/python/manage.py", UNREACHABLE, "--emit", "2"],
        }),
    },
    Demo {
        name: "node",
        about: "send0-server delivers to the Express and fetch-style (Next.js route handler) receiver \
                examples; then the TypeScript management example",
        needs: &[
            Need::Command { name: "node", hint: "install Node.js 18 or newer" },
            Need::File { path: "bindings-node/dist/index.js", hint: "run make build-node" },
        ],
        build: Some(Step {
            title: "compiling the Node examples (examples/node -> bindings-node/build/examples/node)",
            dir: "bindings-node",
            argv: &["node_modules/.bin/tsc", "-p", "tsconfig.test.json"],
        }),
        sender: Sender::Server,
        receivers: &[
            Receiver {
                label: "Express receiver",
                source: "examples/node/express-receiver.ts",
                argv: &["node", "bindings-node/build/examples/node/express-receiver.js"],
            },
            Receiver {
                label: "fetch-style (Next.js route) receiver",
                source: "examples/node/next-route.ts",
                argv: &["node", "bindings-node/build/examples/node/next-route.js"],
            },
        ],
        manage: Some(Step {
            title: "Node management example against the local server",
            dir: ".",
            argv: &["node", "bindings-node/build/examples/node/manage.js", UNREACHABLE, "--emit", "2"],
        }),
    },
    Demo {
        name: "go",
        about: "send0-server delivers to the net/http receiver example built on send0.WebhookHandler; \
                then the Go management program",
        needs: &[
            Need::Command { name: "go", hint: "install Go 1.23 or newer" },
            Need::File { path: "target/release/libsend0_ffi.a", hint: "run make build-go" },
        ],
        build: Some(Step {
            title: "building the Go examples (examples/go, linking the SDK from bindings-go)",
            dir: "examples/go",
            argv: &["go", "build", "-o", "../../target/go-examples/", "./receiver", "./manage"],
        }),
        sender: Sender::Server,
        receivers: &[Receiver {
            label: "Go receiver",
            source: "examples/go/receiver",
            argv: &["target/go-examples/receiver"],
        }],
        manage: Some(Step {
            title: "Go management example against the local server",
            dir: ".",
            // Go's flag package stops at the first argument that is not a flag: flags first.
            argv: &["target/go-examples/manage", "-emit", "2", UNREACHABLE],
        }),
    },
];
