module github.com/send0/send0-sdk/bindings-go

go 1.23
