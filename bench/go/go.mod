module github.com/send0/send0-sdk/bench/go

go 1.23

require (
	github.com/send0/send0-sdk/bindings-go v0.0.0
	github.com/standard-webhooks/standard-webhooks/libraries v0.0.1
)

// The SDK from this repository (its static library is built by `make build-go`).
replace github.com/send0/send0-sdk/bindings-go => ../../bindings-go
