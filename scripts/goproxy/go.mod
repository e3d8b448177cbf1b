module github.com/send0/send0-sdk/scripts/goproxy

go 1.26.0

require golang.org/x/mod v0.43.0
