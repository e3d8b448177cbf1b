// The baseline for the sizes in run.sh: what the other two programs do, without an engine.
package main

import (
	"encoding/json"
	"fmt"
	"net/http"
)

func main() {
	out, _ := json.Marshal(http.Header{"webhook-id": {"msg_1"}})
	fmt.Println(string(out))
}
