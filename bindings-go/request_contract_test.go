package send0_test

// The client's request parameters against openapi.yaml. They are hand-written structs, and
// scripts/generate/generate.py writes each operation's body fields and query parameters into
// ../tests/fixtures/contract.json (`requests`): a field added to or removed from a request in
// openapi.yaml fails this test until the structs follow. Only types are read (no call is made), so
// the test runs in the build without cgo as well.

import (
	"encoding/json"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"
	"unicode"

	send0 "github.com/send0/send0-sdk/bindings-go"
)

// The method of each operation of openapi.yaml (contract.json names them by operationId).
var requestMethods = map[string]string{
	"listWebhooks":          "List",
	"createWebhook":         "Create",
	"getWebhook":            "Get",
	"updateWebhook":         "Update",
	"deleteWebhook":         "Delete",
	"testWebhook":           "Test",
	"rotateWebhookSecret":   "RotateSecret",
	"listWebhookDeliveries": "Deliveries",
}

type requestField struct {
	Kind     string `json:"kind"`
	Required bool   `json:"required"`
}

// wireName is a field's name on the wire: its json tag where it has one ("-": none, as
// IdempotencyKey, which is sent as the Idempotency-Key header), else its Go name in snake_case.
// The structs without tags (WebhookUpdateParams, RotateSecretParams) are turned into a body field
// by field in webhooks_service.go, which is how they tell a field left out from a zero value; there
// ClearDescription is the second half of Description: it sends "description": null, which a
// *string cannot say apart from leaving it out.
func wireName(f reflect.StructField) (name string, tagged bool) {
	if tag, ok := f.Tag.Lookup("json"); ok {
		return strings.Split(tag, ",")[0], true
	}
	if f.Name == "ClearDescription" {
		return "description", false
	}
	var b strings.Builder
	for i, r := range f.Name {
		if i > 0 && unicode.IsUpper(r) && unicode.IsLower(rune(f.Name[i-1])) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String(), false
}

// kindOf is contract.json's kind of a Go type (an ExpirePreviousIn time.Duration is sent in seconds).
func kindOf(t reflect.Type) string {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t.Kind() == reflect.String:
		return "string"
	case t.Kind() == reflect.Bool:
		return "boolean"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return "integer"
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String:
		return "strings"
	}
	return "no kind for " + t.String()
}

// paramsFields are the fields a params struct sends. A field is required when its json tag has no
// omitempty; a struct without tags sends only the fields that are set, so none of it is required.
func paramsFields(t reflect.Type) map[string]requestField {
	fields := map[string]requestField{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, tagged := wireName(f)
		if name == "-" {
			continue
		}
		if _, seen := fields[name]; seen && f.Name == "ClearDescription" {
			continue
		}
		required := tagged && !strings.Contains(f.Tag.Get("json"), ",omitempty")
		fields[name] = requestField{Kind: kindOf(f.Type), Required: required}
	}
	return fields
}

func TestRequestParamsAreTheFieldsOfOpenAPI(t *testing.T) {
	data, err := os.ReadFile("../tests/fixtures/contract.json")
	if err != nil {
		t.Fatal(err)
	}
	var contract struct {
		Requests map[string]map[string]requestField `json:"requests"`
	}
	if err := json.Unmarshal(data, &contract); err != nil {
		t.Fatal(err)
	}
	var ops []string
	for op := range contract.Requests {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	service := reflect.TypeOf(&send0.WebhooksService{})
	for _, op := range ops {
		name, ok := requestMethods[op]
		if !ok {
			t.Errorf("%s is an operation of openapi.yaml with no method checked here", op)
			continue
		}
		method, ok := service.MethodByName(name)
		if !ok {
			t.Fatalf("WebhooksService has no method %s", name)
		}
		// The params are the method's last argument, a struct; the others end with the endpoint's id.
		got := map[string]requestField{}
		if last := method.Type.In(method.Type.NumIn() - 1); last.Kind() == reflect.Struct {
			got = paramsFields(last)
		}
		want := contract.Requests[op]
		if want == nil {
			want = map[string]requestField{}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: WebhooksService.%s's params send %v, openapi.yaml has %v", op, name, got, want)
		}
	}
	if len(ops) != len(requestMethods) {
		t.Errorf("contract.json has %d operations, this test knows %d", len(ops), len(requestMethods))
	}
}
