// The baseline program plus an instance of the module translated by wasm2go.
package main

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/send0/send0-sdk/bench/go/engines/wasm2go"
)

func main() {
	out, _ := json.Marshal(http.Header{"webhook-id": {"msg_1"}})
	fmt.Println(string(out), wasm2go.New().Xsend0_version())
}
