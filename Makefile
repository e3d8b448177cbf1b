# send0 SDKs: the two commands of the README, and the per-language targets behind them.
#   make demo   the main job end to end, set-up included
#   make test   every suite in every language, set-up included (what CI runs)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO ?= cargo
FUZZ_SECONDS ?= 600

.PHONY: demo test setup-rust build-rust test-rust lint-rust demo-rust demo-server test-contract bench bench-rust bench-server fuzz fixtures

demo: demo-rust demo-server

test: test-rust test-contract

## Rust ---------------------------------------------------------------------------------------
# rustup's stable toolchain is on the machine; crates come from the registry through Cargo.lock.
setup-rust:
	@command -v $(CARGO) >/dev/null || { echo "cargo not found: install Rust with rustup" >&2; exit 1; }
	$(CARGO) fetch --locked

lint-rust: setup-rust
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps --locked -p send0

test-rust: lint-rust
	$(CARGO) test --workspace --locked

build-rust: setup-rust
	$(CARGO) build --locked -p send0-examples -p send0-server --bins

demo-rust: build-rust
	scripts/demo-rust.sh

## The local server --------------------------------------------------------------------------
demo-server: build-rust
	scripts/demo-server.sh

# schemathesis (from PyPI, in a virtualenv under target/) against the running server and openapi.yaml.
test-contract: build-rust
	scripts/schemathesis.sh

## Benchmarks and fuzzing (not part of `make test`) -------------------------------------------
bench: bench-rust bench-server

bench-rust: setup-rust
	$(CARGO) bench --locked -p send0 --bench verify

bench-server: setup-rust
	$(CARGO) build --release --locked -p send0-server -p send0-bench-server
	target/release/send0-bench-server --events 10000 --rounds 20

# libFuzzer through cargo-fuzz, on the nightly toolchain that rustup keeps beside stable.
fuzz:
	@command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked
	mkdir -p fuzz/corpus/verify
	cd fuzz && $(CARGO) +nightly fuzz run verify -- -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1

# Regenerates the shared webhook vectors (needs Python's `cryptography` for Ed25519).
fixtures:
	python3 tests/fixtures/webhooks/generate.py
