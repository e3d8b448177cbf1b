module github.com/send0/send0-sdk/bindings-go

go 1.23

require github.com/standard-webhooks/standard-webhooks/libraries v0.0.1
