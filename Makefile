# send0 SDKs: the two commands of the README, and the per-language targets behind them.
#   make demo   the main job end to end, set-up included
#   make test   every suite in every language, set-up included (what CI runs)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO ?= cargo
FUZZ_SECONDS ?= 600

.PHONY: build-wasm build-go test-go demo-go bench-go release-server
.PHONY: setup-python test-python demo-python bench-python setup-node build-node test-node demo-node bench-node
.PHONY: demo test setup-rust build-rust test-rust lint-rust demo-rust demo-cli demo-server test-contract generate check-generated bench bench-rust bench-server fuzz fixtures

# One driver runs every demo (examples/rust/src/bin/demo, built by build-rust): its table says what
# each language runs; `make demo` runs them all and ends with a pass/fail line per language.
DEMO := target/debug/demo
demo: build-rust setup-python build-node build-go
	$(DEMO)

test: check-generated test-rust test-contract test-python test-node test-go test-dist

## Rust ---------------------------------------------------------------------------------------
# rustup's stable toolchain is on the machine; crates come from the registry through Cargo.lock.
setup-rust:
	@command -v $(CARGO) >/dev/null || { echo "cargo not found: install Rust with rustup" >&2; exit 1; }
	$(CARGO) fetch --locked

# The core without its `client` feature is the verifier alone, which must build for WebAssembly.
WASM_TARGET := wasm32-unknown-unknown
lint-rust: setup-rust
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	rustup target list --installed | grep -qx $(WASM_TARGET) || rustup target add $(WASM_TARGET)
	$(CARGO) clippy -p send0 -p send0-ffi --no-default-features --target $(WASM_TARGET) --locked -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps --locked -p send0

test-rust: lint-rust
	$(CARGO) test --workspace --locked
	$(CARGO) test -p send0 --no-default-features --locked --lib --test fixtures

build-rust: setup-rust
	$(CARGO) build --locked -p send0-examples -p send0-server -p send0-cli --bins

demo-rust: build-rust
	$(DEMO) rust

# send0 listen forwarding to the Rust receiver example, send0 trigger emitting every event type.
demo-cli: build-rust
	$(DEMO) cli

## The local server --------------------------------------------------------------------------
demo-server: build-rust
	$(DEMO) server

# schemathesis (from PyPI, in a virtualenv under target/) against the running server and openapi.yaml.
test-contract: build-rust
	scripts/schemathesis.sh

## Generated code --------------------------------------------------------------------------------
# Every binding's typed models come from openapi.yaml (scripts/generate/generate.py); make test
# fails when a generated file differs from what openapi.yaml generates.
generate: setup-python
	$(VENV)/bin/python scripts/generate/generate.py

check-generated: setup-python
	$(VENV)/bin/python scripts/generate/generate.py --check

## Python ------------------------------------------------------------------------------------
# A virtualenv under target/ with the pinned tools, and the SDK installed the way users install it
# (pip builds the abi3 wheel with maturin, in the release profile the other bindings share).
PYTHON ?= python3
VENV := target/venv-python
setup-python:
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.9 or newer" >&2; exit 1; }
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r bindings-python/requirements-dev.txt
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --force-reinstall --no-deps ./bindings-python

test-python: setup-python build-rust
	cd bindings-python && ../$(VENV)/bin/mypy --strict python/send0 tests ../examples/python
	cd bindings-python && ../$(VENV)/bin/python -m mypy.stubtest send0._native
	$(VENV)/bin/pytest bindings-python/tests -q

demo-python: setup-python build-rust
	$(DEMO) python

## Node ----------------------------------------------------------------------------------------
# npm ci from package-lock.json, the native module by the napi CLI (release profile, shared with the
# other bindings), then the TypeScript wrapper.
setup-node:
	@command -v npm >/dev/null || { echo "npm not found: install Node.js 18 or newer" >&2; exit 1; }
	cd bindings-node && npm ci --no-audit --no-fund

# The WebAssembly build of the core (target/wasm/send0.wasm) and its Go translation: the edge build
# of the npm package and the Go package without cgo run it.
build-wasm: setup-rust
	scripts/build-wasm.sh

build-node: setup-node build-wasm
	cd bindings-node && npm run build

# node:test (both builds: Node-API and, for the edge conditions, WebAssembly), then the edge build
# on workerd, the Vercel Edge VM, Deno and Chromium (tests/edge/run.sh).
test-node: build-node build-rust
	cd bindings-node && npm test
	tests/edge/run.sh

demo-node: build-node build-rust
	$(DEMO) node

## Go ------------------------------------------------------------------------------------------
# The static library (release profile, shared with the other bindings) that cgo links from
# ${SRCDIR}/../target/release; its build regenerates bindings-go/include/send0.h. And the core's
# WebAssembly build translated to Go (bindings-go/internal/wasmcore), for builds without cgo.
build-go: setup-rust build-wasm
	@command -v go >/dev/null || { echo "go not found: install Go 1.23 or newer" >&2; exit 1; }
	$(CARGO) build --release --locked -p send0-ffi

test-go: build-go build-rust
	@git diff --quiet -- bindings-go/include/send0.h || { git diff -- bindings-go/include/send0.h; \
	  echo "bindings-go/include/send0.h differs from what the build generated: commit the new header" >&2; exit 1; }
	cd bindings-go && go vet $$(go list ./... | grep -v /internal/wasmcore) && go test -race -count=1 ./...
	scripts/test-go-nocgo.sh

demo-go: build-go build-rust
	$(DEMO) go

## Release artifacts ----------------------------------------------------------------------------
# `make dist` builds what the registries would serve, into dist/ (the dist profile: fat LTO, one
# codegen unit, stripped); `make test-dist` installs each in a clean room with no Rust toolchain
# and runs it as a user would: the crate; Python (wheels for x86_64 and aarch64, the sdist); npm (the
# send0 package and one package per platform); Go (the module with libraries for linux/amd64 and
# linux/arm64, through a file-based proxy); the send0 CLI (a linux x64 binary).
.PHONY: dist dist-crate dist-python dist-node dist-go dist-cli test-dist test-dist-python test-dist-node test-dist-go test-dist-cli
dist: dist-crate dist-python dist-node dist-go dist-cli

# The crate as crates.io would take it (cargo builds the packed crate on its own to verify it).
dist-crate: setup-rust
	$(CARGO) package -p send0 --locked --allow-dirty
	mkdir -p dist/crates && cp target/package/send0-*.crate dist/crates/

dist-python: setup-rust
	scripts/dist-python.sh

# The npm packages in napi-rs's layout: send0 and send0-<platform> for linux (x64 and arm64 with
# glibc, x64 with musl) and macOS (arm64, x64), as `npm pack` tarballs.
dist-node: build-node
	scripts/dist-node.sh

# The Go module (github.com/send0/send0-go) with its prebuilt libraries, and a file-based module
# proxy that serves it (dist/goproxy).
dist-go: setup-rust
	scripts/dist-go.sh

# The send0 CLI binary for linux x64 (glibc 2.17), dist/cli/send0-x86_64-unknown-linux-gnu.
dist-cli: setup-rust
	scripts/dist-cli.sh

test-dist: dist-crate test-dist-python test-dist-node test-dist-go test-dist-cli

test-dist-python: dist-python build-rust
	scripts/clean-room-python.sh

test-dist-node: dist-node build-rust
	scripts/clean-room-node.sh

test-dist-go: dist-go build-rust
	scripts/clean-room-go.sh

test-dist-cli: dist-cli build-rust
	scripts/clean-room-cli.sh

## Benchmarks and fuzzing (not part of `make test`) -------------------------------------------
release-server: setup-rust
	$(CARGO) build --release --locked -p send0-server

bench-python: setup-python release-server
	$(VENV)/bin/python bench/python/bench.py

bench-node: build-node release-server
	node bench/node/bench.mjs

bench-go: build-go release-server
	bench/go/run.sh

bench: bench-rust bench-server bench-python bench-node bench-go

bench-rust: setup-rust
	$(CARGO) bench --locked -p send0 --bench verify

bench-server: setup-rust
	$(CARGO) build --release --locked -p send0-server -p send0-bench-server
	target/release/send0-bench-server --events 10000 --rounds 20
	target/release/send0-bench-bounds

# libFuzzer through cargo-fuzz, on the nightly toolchain that rustup keeps beside stable: each
# target for FUZZ_SECONDS (verify; explain; inputs = Retry-After parsing and NUL-packed headers).
FUZZ_TARGETS ?= verify explain inputs
fuzz:
	@command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked
	for target in $(FUZZ_TARGETS); do \
	  mkdir -p fuzz/corpus/$$target; \
	  (cd fuzz && $(CARGO) +nightly fuzz run $$target -- -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1); \
	done

# Regenerates the shared webhook vectors (needs Python's `cryptography` for Ed25519).
fixtures:
	python3 tests/fixtures/webhooks/generate.py
	python3 tests/fixtures/explain/generate.py
