package send0

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"time"
)

// Sentinels for every stable error kind, for errors.Is:
//
//	if errors.Is(err, send0.ErrNotFound) { ... }
//
// errors.As gets the details (*APIError, *WebhookVerificationError, *Error).
var (
	ErrAuthentication   = kindSentinel("authentication")
	ErrPermission       = kindSentinel("permission")
	ErrNotFound         = kindSentinel("not_found")
	ErrInvalidRequest   = kindSentinel("invalid_request")
	ErrConflict         = kindSentinel("conflict")
	ErrRateLimited      = kindSentinel("rate_limited")
	ErrAPI              = kindSentinel("api")
	ErrConnection       = kindSentinel("connection")
	ErrTimeout          = kindSentinel("timeout")
	ErrDecode           = kindSentinel("decode")
	ErrInvalidArgument  = kindSentinel("invalid_argument")
	ErrCancelled        = kindSentinel("cancelled")
	ErrMissingHeader    = kindSentinel("missing_header")
	ErrInvalidTimestamp = kindSentinel("invalid_timestamp")
	ErrTimestampTooOld  = kindSentinel("timestamp_too_old")
	ErrTimestampTooNew  = kindSentinel("timestamp_too_new")
	ErrInvalidSignature = kindSentinel("invalid_signature")
	ErrInvalidSecret    = kindSentinel("invalid_secret")
	ErrInvalidPayload   = kindSentinel("invalid_payload")
)

// kindSentinel is the type of the Err* sentinels: it matches every error of its kind.
type kindSentinel string

func (k kindSentinel) Error() string { return "send0: " + string(k) }

// APIError is a request the API refused.
type APIError struct {
	Kind          string // authentication, permission, not_found, invalid_request, conflict, rate_limited, api
	Status        int
	Code          string // the body's `error`, e.g. not_found
	Message       string
	Param         string // the field the error is about, if any
	RequestID     string // the x-request-id: quote it to send0 support
	RequiredScope string // for 403
	RetryAfter    time.Duration
	Headers       http.Header
	Body          string
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("send0: %s (HTTP %d", e.Message, e.Status)
	if e.Code != "" {
		msg += ", " + e.Code
	}
	if e.RequestID != "" {
		msg += ", request id " + e.RequestID
	}
	return msg + ")"
}

// Is reports whether target is the sentinel of this error's kind.
func (e *APIError) Is(target error) bool { return kindMatches(target, e.Kind) }

// WebhookVerificationError is a delivery that failed verification; Kind says what failed
// (missing_header, invalid_timestamp, timestamp_too_old, timestamp_too_new, invalid_signature,
// invalid_secret, invalid_payload). The message never contains the secret.
type WebhookVerificationError struct {
	Kind    string
	Message string
}

func (e *WebhookVerificationError) Error() string { return "send0: " + e.Kind + ": " + e.Message }

// Is reports whether target is the sentinel of this error's kind.
func (e *WebhookVerificationError) Is(target error) bool { return kindMatches(target, e.Kind) }

// Error is any other failure: connection, timeout, decode, invalid_argument, cancelled.
type Error struct {
	Kind    string
	Message string
	cause   error
}

func (e *Error) Error() string { return "send0: " + e.Kind + ": " + e.Message }

// Is reports whether target is the sentinel of this error's kind.
func (e *Error) Is(target error) bool { return kindMatches(target, e.Kind) }

// Unwrap returns the context's error for a cancelled call.
func (e *Error) Unwrap() error { return e.cause }

func kindMatches(target error, kind string) bool {
	k, ok := target.(kindSentinel)
	return ok && string(k) == kind
}

var webhookKinds = map[string]bool{
	"missing_header": true, "invalid_timestamp": true, "timestamp_too_old": true, "timestamp_too_new": true,
	"invalid_signature": true, "invalid_secret": true, "invalid_payload": true,
}

// fromNative rebuilds the error the core described as JSON.
func fromNative(description []byte) error {
	var d struct {
		Kind    string `json:"kind"`
		Message string `json:"message"`
		API     *struct {
			Status        int         `json:"status"`
			Code          *string     `json:"code"`
			Message       string      `json:"message"`
			Param         *string     `json:"param"`
			RequestID     *string     `json:"request_id"`
			RequiredScope *string     `json:"required_scope"`
			RetryAfter    *float64    `json:"retry_after"`
			Body          string      `json:"body"`
			Headers       [][2]string `json:"headers"`
		} `json:"api"`
	}
	if err := json.Unmarshal(description, &d); err != nil {
		return &Error{Kind: "api", Message: "unreadable error from the send0 core: " + string(description)}
	}
	if a := d.API; a != nil {
		e := &APIError{Kind: d.Kind, Status: a.Status, Message: a.Message, Body: a.Body, Headers: http.Header{}}
		e.Code, e.Param, e.RequestID, e.RequiredScope = deref(a.Code), deref(a.Param), deref(a.RequestID), deref(a.RequiredScope)
		if a.RetryAfter != nil {
			e.RetryAfter = durationOf(*a.RetryAfter)
		}
		for _, h := range a.Headers {
			e.Headers.Add(h[0], h[1])
		}
		return e
	}
	if webhookKinds[d.Kind] {
		return &WebhookVerificationError{Kind: d.Kind, Message: d.Message}
	}
	return &Error{Kind: d.Kind, Message: d.Message}
}

// durationOf converts seconds to a Duration, saturating: a Retry-After comes from a server, and a
// float beyond int64 would convert to an arbitrary (on amd64 negative) Duration.
func durationOf(secs float64) time.Duration {
	switch ns := secs * float64(time.Second); {
	case !(ns > 0): // also NaN
		return 0
	case ns >= math.MaxInt64:
		return math.MaxInt64
	default:
		return time.Duration(ns)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
