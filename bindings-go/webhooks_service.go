package send0

import (
	"context"
	"iter"
	"time"
)

// WebhookEndpoint is a webhook endpoint.
type WebhookEndpoint struct {
	ID                  string     `json:"id"`
	Object              string     `json:"object"`
	URL                 string     `json:"url"`
	Description         *string    `json:"description"`
	Events              []string   `json:"events"`
	Active              bool       `json:"active"`
	Status              string     `json:"status"` // active, disabled or paused
	ConsecutiveFailures int        `json:"consecutive_failures"`
	LastDeliveryAt      *time.Time `json:"last_delivery_at"`
	LastDeliveryStatus  *int       `json:"last_delivery_status"`
	CreatedAt           time.Time  `json:"created_at"`
	UpdatedAt           time.Time  `json:"updated_at"`
}

// WebhookEndpointWithSecret is the response to a create: the endpoint and, this once, its secret.
type WebhookEndpointWithSecret struct {
	WebhookEndpoint
	Secret string `json:"secret"`
}

// String never shows the secret.
func (e WebhookEndpointWithSecret) String() string {
	return "WebhookEndpoint{ID: " + e.ID + ", URL: " + e.URL + ", Secret: whsec_…}"
}

// GoString never shows the secret either (fmt's %#v).
func (e WebhookEndpointWithSecret) GoString() string { return e.String() }

// DeletedWebhookEndpoint is the response to a delete.
type DeletedWebhookEndpoint struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Deleted bool   `json:"deleted"`
}

// TestResult is the outcome of sending a platform.test event.
type TestResult struct {
	Success        bool    `json:"success"`
	EventID        string  `json:"event_id"`
	StatusCode     *int    `json:"status_code"`
	ResponseTimeMS int64   `json:"response_time_ms"`
	Error          *string `json:"error"`
}

// RotatedSecret is the response to a secret rotation.
type RotatedSecret struct {
	Secret                  string     `json:"secret"`
	PreviousSecretExpiresAt *time.Time `json:"previous_secret_expires_at"`
}

// String never shows the secret.
func (r RotatedSecret) String() string { return "RotatedSecret{Secret: whsec_…}" }

// GoString never shows the secret either (fmt's %#v).
func (r RotatedSecret) GoString() string { return r.String() }

// DeliveryAttempt is one delivery attempt of one event to one endpoint.
type DeliveryAttempt struct {
	EventID        string     `json:"event_id"`
	EventType      string     `json:"event_type"`
	Attempt        int        `json:"attempt"`
	StatusCode     *int       `json:"status_code"`
	ResponseTimeMS int64      `json:"response_time_ms"`
	Error          *string    `json:"error"`
	AttemptedAt    time.Time  `json:"attempted_at"`
	NextAttemptAt  *time.Time `json:"next_attempt_at"`
}

// Page is one page of a list.
type Page[T any] struct {
	Data    []T     `json:"data"`
	HasMore bool    `json:"has_more"`
	Cursor  *string `json:"cursor"`
}

// ListParams pages a list: Limit 1..100 (0: the API's default of 20), Cursor from the previous page.
type ListParams struct {
	Limit  int    `json:"limit,omitempty"`
	Cursor string `json:"cursor,omitempty"`
}

// WebhookCreateParams is the body of a create. Events nil means every event (["*"]); Active nil
// means true.
type WebhookCreateParams struct {
	URL            string   `json:"url"`
	Events         []string `json:"events,omitempty"`
	Description    *string  `json:"description,omitempty"`
	Active         *bool    `json:"active,omitempty"`
	IdempotencyKey string   `json:"-"` // sent as Idempotency-Key (one is generated when empty)
}

// WebhookUpdateParams changes only the fields that are set. ClearDescription sends
// "description": null; Paused can only be false (unpause).
type WebhookUpdateParams struct {
	URL              *string
	Events           []string
	Description      *string
	ClearDescription bool
	Active           *bool
	Paused           *bool
}

// RotateSecretParams: ExpirePreviousIn is how long the previous secret keeps signing
// (nil: the API's default of 24 h; 0: not at all).
type RotateSecretParams struct {
	ExpirePreviousIn *time.Duration
}

// Ptr returns a pointer to v, for the optional fields of the params.
func Ptr[T any](v T) *T { return &v }

// WebhooksService is client.Webhooks: endpoints, tests, secret rotation and delivery logs.
type WebhooksService struct {
	client *Client
}

// Create creates an endpoint; the response alone carries its signing secret.
func (s *WebhooksService) Create(ctx context.Context, params WebhookCreateParams) (*WebhookEndpointWithSecret, error) {
	var out WebhookEndpointWithSecret
	return &out, s.client.call(ctx, "create_webhook", "", params, params.IdempotencyKey, &out)
}

// Get gets an endpoint.
func (s *WebhooksService) Get(ctx context.Context, id string) (*WebhookEndpoint, error) {
	var out WebhookEndpoint
	return &out, s.client.call(ctx, "get_webhook", id, nil, "", &out)
}

// List gets one page of endpoints, newest first.
func (s *WebhooksService) List(ctx context.Context, params ListParams) (*Page[WebhookEndpoint], error) {
	var out Page[WebhookEndpoint]
	return &out, s.client.call(ctx, "list_webhooks", "", params, "", &out)
}

// All walks every endpoint, fetching pages as the loop asks for them.
func (s *WebhooksService) All(ctx context.Context, params ListParams) iter.Seq2[WebhookEndpoint, error] {
	return paginate(params, func(p ListParams) (*Page[WebhookEndpoint], error) { return s.List(ctx, p) })
}

// Update changes only the fields that are set.
func (s *WebhooksService) Update(ctx context.Context, id string, params WebhookUpdateParams) (*WebhookEndpoint, error) {
	body := map[string]any{}
	if params.URL != nil {
		body["url"] = *params.URL
	}
	if params.Events != nil {
		body["events"] = params.Events
	}
	if params.ClearDescription {
		body["description"] = nil
	} else if params.Description != nil {
		body["description"] = *params.Description
	}
	if params.Active != nil {
		body["active"] = *params.Active
	}
	if params.Paused != nil {
		body["paused"] = *params.Paused
	}
	var out WebhookEndpoint
	return &out, s.client.call(ctx, "update_webhook", id, body, "", &out)
}

// Delete deletes an endpoint.
func (s *WebhooksService) Delete(ctx context.Context, id string) (*DeletedWebhookEndpoint, error) {
	var out DeletedWebhookEndpoint
	return &out, s.client.call(ctx, "delete_webhook", id, nil, "", &out)
}

// Test delivers a platform.test event to the endpoint now and reports the outcome.
func (s *WebhooksService) Test(ctx context.Context, id string) (*TestResult, error) {
	var out TestResult
	return &out, s.client.call(ctx, "test_webhook", id, nil, "", &out)
}

// RotateSecret issues a new secret; the previous one keeps signing for ExpirePreviousIn.
func (s *WebhooksService) RotateSecret(ctx context.Context, id string, params RotateSecretParams) (*RotatedSecret, error) {
	body := map[string]any{}
	if params.ExpirePreviousIn != nil {
		body["expire_previous_in"] = int64(*params.ExpirePreviousIn / time.Second)
	}
	var out RotatedSecret
	return &out, s.client.call(ctx, "rotate_secret", id, body, "", &out)
}

// Deliveries gets one page of an endpoint's delivery attempts, newest first.
func (s *WebhooksService) Deliveries(ctx context.Context, id string, params ListParams) (*Page[DeliveryAttempt], error) {
	var out Page[DeliveryAttempt]
	return &out, s.client.call(ctx, "list_deliveries", id, params, "", &out)
}

// AllDeliveries walks every delivery attempt of an endpoint.
func (s *WebhooksService) AllDeliveries(ctx context.Context, id string, params ListParams) iter.Seq2[DeliveryAttempt, error] {
	return paginate(params, func(p ListParams) (*Page[DeliveryAttempt], error) { return s.Deliveries(ctx, id, p) })
}

func paginate[T any](params ListParams, fetch func(ListParams) (*Page[T], error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for {
			page, err := fetch(params)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, item := range page.Data {
				if !yield(item, nil) {
					return
				}
			}
			if !page.HasMore || page.Cursor == nil || *page.Cursor == params.Cursor {
				return
			}
			params.Cursor = *page.Cursor
		}
	}
}
