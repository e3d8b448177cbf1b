module github.com/send0/send0-sdk/examples/go

go 1.23

require github.com/send0/send0-sdk/bindings-go v0.0.0

// The SDK from this repository (its static library is built by `make build-go`).
replace github.com/send0/send0-sdk/bindings-go => ../../bindings-go
