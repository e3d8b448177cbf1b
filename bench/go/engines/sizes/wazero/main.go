// The baseline program plus wazero compiling and instantiating the module, embedded in the binary.
package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/tetratelabs/wazero"
)

//go:embed send0.wasm
var wasm []byte

func main() {
	out, _ := json.Marshal(http.Header{"webhook-id": {"msg_1"}})
	runtime := wazero.NewRuntime(context.Background())
	module, err := runtime.InstantiateWithConfig(context.Background(), wasm, wazero.NewModuleConfig())
	fmt.Println(string(out), module, err)
}
