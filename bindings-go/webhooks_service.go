package send0

import (
	"context"
	"encoding/json"
	"iter"
	"time"
)

// The models (WebhookEndpoint, DeliveryAttempt, ...) are generated from openapi.yaml into
// models_gen.go; what they share is here.

// asSent keeps an API object's JSON exactly as the API sent it, so that fields added to the API
// after this SDK reach the user through RawJSON. A pointer, so that fmt's %v of a model shows an
// address rather than every byte of the JSON.
type asSent struct{ json *json.RawMessage }

// RawJSON is the object as the API sent it, fields this SDK does not know yet included (nil for
// an object that did not come from the API).
func (a asSent) RawJSON() json.RawMessage {
	if a.json == nil {
		return nil
	}
	return *a.json
}

func (a *asSent) keep(wire json.RawMessage) { a.json = &wire }

// String never shows the secret.
func (e WebhookEndpointWithSecret) String() string {
	return "WebhookEndpoint{ID: " + e.ID + ", URL: " + e.URL + ", Secret: whsec_…}"
}

// GoString never shows the secret either (fmt's %#v).
func (e WebhookEndpointWithSecret) GoString() string { return e.String() }

// String never shows the secret.
func (r RotatedSecret) String() string { return "RotatedSecret{Secret: whsec_…}" }

// GoString never shows the secret either (fmt's %#v).
func (r RotatedSecret) GoString() string { return r.String() }

// Page is one page of a list.
type Page[T any] struct {
	Data    []T     `json:"data"`
	HasMore bool    `json:"has_more"`
	Cursor  *string `json:"cursor"`
	// next is the request for the following page, made by the core after checking the API's
	// cursor (nil after the last page).
	next json.RawMessage
}

// HasNextPage reports whether another page follows.
func (p *Page[T]) HasNextPage() bool { return p.next != nil }

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
	return call[WebhookEndpointWithSecret](ctx, s.client, operation{Op: "create_webhook", Params: params, Options: keyed(params.IdempotencyKey)})
}

// Get gets an endpoint.
func (s *WebhooksService) Get(ctx context.Context, id string) (*WebhookEndpoint, error) {
	return call[WebhookEndpoint](ctx, s.client, operation{Op: "get_webhook", ID: &id})
}

// List gets one page of endpoints, newest first.
func (s *WebhooksService) List(ctx context.Context, params ListParams) (*Page[WebhookEndpoint], error) {
	return listPage[WebhookEndpoint](ctx, s.client, operation{Op: "list_webhooks", Params: params})
}

// All walks every endpoint, fetching pages as the loop asks for them. An API that repeats a
// cursor ends the walk with an error matching ErrDecode.
func (s *WebhooksService) All(ctx context.Context, params ListParams) iter.Seq2[WebhookEndpoint, error] {
	return walk[WebhookEndpoint](ctx, s.client, operation{Op: "list_webhooks", Params: params})
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
	return call[WebhookEndpoint](ctx, s.client, operation{Op: "update_webhook", ID: &id, Params: body})
}

// Delete deletes an endpoint.
func (s *WebhooksService) Delete(ctx context.Context, id string) (*DeletedWebhookEndpoint, error) {
	return call[DeletedWebhookEndpoint](ctx, s.client, operation{Op: "delete_webhook", ID: &id})
}

// Test delivers a platform.test event to the endpoint now and reports the outcome.
func (s *WebhooksService) Test(ctx context.Context, id string) (*TestResult, error) {
	return call[TestResult](ctx, s.client, operation{Op: "test_webhook", ID: &id})
}

// RotateSecret issues a new secret; the previous one keeps signing for ExpirePreviousIn.
func (s *WebhooksService) RotateSecret(ctx context.Context, id string, params RotateSecretParams) (*RotatedSecret, error) {
	body := map[string]any{}
	if params.ExpirePreviousIn != nil {
		body["expire_previous_in"] = int64(*params.ExpirePreviousIn / time.Second)
	}
	return call[RotatedSecret](ctx, s.client, operation{Op: "rotate_secret", ID: &id, Params: body})
}

// Deliveries gets one page of an endpoint's delivery attempts, newest first.
func (s *WebhooksService) Deliveries(ctx context.Context, id string, params ListParams) (*Page[DeliveryAttempt], error) {
	return listPage[DeliveryAttempt](ctx, s.client, operation{Op: "list_deliveries", ID: &id, Params: params})
}

// AllDeliveries walks every delivery attempt of an endpoint; like All, a repeated cursor ends it
// with an error matching ErrDecode.
func (s *WebhooksService) AllDeliveries(ctx context.Context, id string, params ListParams) iter.Seq2[DeliveryAttempt, error] {
	return walk[DeliveryAttempt](ctx, s.client, operation{Op: "list_deliveries", ID: &id, Params: params})
}

// operation is the core's JSON form of one call.
type operation struct {
	Op      string          `json:"op"`
	ID      *string         `json:"id,omitempty"`
	Params  any             `json:"params,omitempty"`
	Options *requestOptions `json:"options,omitempty"`
}

type requestOptions struct {
	IdempotencyKey string `json:"idempotency_key,omitempty"`
}

// encode is the operation as the core reads it.
func (op operation) encode() ([]byte, error) {
	request, err := json.Marshal(op)
	if err != nil {
		return nil, &Error{Kind: "invalid_argument", Message: err.Error()}
	}
	return request, nil
}

func keyed(idempotencyKey string) *requestOptions {
	if idempotencyKey == "" {
		return nil
	}
	return &requestOptions{IdempotencyKey: idempotencyKey}
}

// model is an API object that keeps its JSON as sent.
type model[T any] interface {
	*T
	keep(json.RawMessage)
}

// decode reads one API object, keeping its JSON for RawJSON.
func decode[T any, P model[T]](wire json.RawMessage) (*T, error) {
	out := new(T)
	if err := json.Unmarshal(wire, out); err != nil {
		return nil, &Error{Kind: "decode", Message: "unreadable response: " + err.Error()}
	}
	P(out).keep(wire)
	return out, nil
}

func call[T any, P model[T]](ctx context.Context, c *Client, op operation) (*T, error) {
	request, err := op.encode()
	if err != nil {
		return nil, err
	}
	answer, err := c.send(ctx, request)
	if err != nil {
		return nil, err
	}
	return decode[T, P](answer)
}

func listPage[T any, P model[T]](ctx context.Context, c *Client, op operation) (*Page[T], error) {
	request, err := op.encode()
	if err != nil {
		return nil, err
	}
	return fetchPage[T, P](ctx, c, request)
}

// fetchPage sends one list request and reads the core's answer: the page as the API sent it and
// the request for the next one.
func fetchPage[T any, P model[T]](ctx context.Context, c *Client, request []byte) (*Page[T], error) {
	answer, err := c.send(ctx, request)
	if err != nil {
		return nil, err
	}
	var wire struct {
		Page struct {
			Data    []json.RawMessage `json:"data"`
			HasMore bool              `json:"has_more"`
			Cursor  *string           `json:"cursor"`
		} `json:"page"`
		Next json.RawMessage `json:"next"`
	}
	if err := json.Unmarshal(answer, &wire); err != nil {
		return nil, &Error{Kind: "decode", Message: "unreadable response: " + err.Error()}
	}
	page := &Page[T]{Data: make([]T, 0, len(wire.Page.Data)), HasMore: wire.Page.HasMore, Cursor: wire.Page.Cursor}
	for _, item := range wire.Page.Data {
		decoded, err := decode[T, P](item)
		if err != nil {
			return nil, err
		}
		page.Data = append(page.Data, *decoded)
	}
	if string(wire.Next) != "null" && len(wire.Next) > 0 {
		page.next = wire.Next
	}
	return page, nil
}

// walk yields every item of every page, sending back each page's request for the next.
func walk[T any, P model[T]](ctx context.Context, c *Client, first operation) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		request, err := first.encode()
		for err == nil && request != nil {
			var page *Page[T]
			if page, err = fetchPage[T, P](ctx, c, request); err != nil {
				break
			}
			for _, item := range page.Data {
				if !yield(item, nil) {
					return
				}
			}
			request = page.next
		}
		if err != nil {
			var zero T
			yield(zero, err)
		}
	}
}
