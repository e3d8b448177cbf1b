package send0

import (
	"context"
	"encoding/json"
	"os"
	"time"
)

// Version is the version of this SDK (and of the core it links).
var Version = coreVersion()

// Client talks to the send0 API. It is safe for concurrent use; Close releases it.
type Client struct {
	native   transport
	Webhooks *WebhooksService
}

// transport runs the client's operations in the core (ffi.go); a build without the native core
// has none, and NewClient says so (wasm.go).
type transport interface {
	call(ctx context.Context, request []byte) ([]byte, error)
	close()
}

type clientConfig struct {
	APIKey          string `json:"api_key,omitempty"`
	BaseURL         string `json:"base_url,omitempty"`
	TimeoutMS       *int64 `json:"timeout_ms,omitempty"`
	MaxRetries      *int   `json:"max_retries,omitempty"`
	UserAgent       string `json:"user_agent"`
	UserAgentSuffix string `json:"user_agent_suffix,omitempty"`
}

// Option configures a Client.
type Option func(*clientConfig)

// WithBaseURL sets the API's address (default SEND0_BASE_URL, else https://api.send0.dev).
func WithBaseURL(url string) Option { return func(c *clientConfig) { c.BaseURL = url } }

// WithTimeout sets the per-attempt timeout (default 60 s).
func WithTimeout(d time.Duration) Option {
	return func(c *clientConfig) { ms := d.Milliseconds(); c.TimeoutMS = &ms }
}

// WithMaxRetries sets the retries of connection errors, timeouts, 408, 409, 429 and 5xx (default 2).
func WithMaxRetries(n int) Option { return func(c *clientConfig) { c.MaxRetries = &n } }

// WithHTTPUserAgent appends text to the User-Agent (to name your application).
func WithHTTPUserAgent(suffix string) Option {
	return func(c *clientConfig) { c.UserAgentSuffix = suffix }
}

// NewClient creates a client; apiKey "" reads SEND0_API_KEY.
func NewClient(apiKey string, opts ...Option) (*Client, error) {
	cfg := clientConfig{APIKey: apiKey, UserAgent: "send0-go/" + Version}
	if cfg.APIKey == "" {
		cfg.APIKey = os.Getenv("SEND0_API_KEY")
	}
	for _, opt := range opts {
		opt(&cfg)
	}
	if cfg.TimeoutMS != nil && *cfg.TimeoutMS <= 0 {
		return nil, &Error{Kind: "invalid_argument", Message: "the timeout must be positive"}
	}
	if cfg.MaxRetries != nil && *cfg.MaxRetries < 0 {
		return nil, &Error{Kind: "invalid_argument", Message: "max retries must not be negative"}
	}
	config, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	native, err := newTransport(config)
	if err != nil {
		return nil, err
	}
	c := &Client{native: native}
	c.Webhooks = &WebhooksService{client: c}
	return c, nil
}

// Close releases the client; it waits for calls in flight to end. Calls made after Close fail.
func (c *Client) Close() error {
	c.native.close()
	return nil
}

// send runs one operation, given in the core's JSON form, and answers the core's JSON. A cancelled
// or expired ctx stops it in Rust, in flight or between retries, and the error wraps ctx.Err().
func (c *Client) send(ctx context.Context, request []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, &Error{Kind: "cancelled", Message: "the context ended before the request started", cause: err}
	}
	return c.native.call(ctx, request)
}
