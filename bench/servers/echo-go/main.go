// The alternative a user might pick: Go's net/http and encoding/json doing
// what bench/servers/echo.ts does — parse the POST /enrich body and answer
// {"results": <its events>}. Prints the service's ready line (no admin port)
// so bench/service-capacity.ts --against go-echo starts it like the others.
// Standard library only: `go run bench/servers/echo-go/main.go`.
package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
)

type request struct {
	Events []json.RawMessage `json:"events"`
}

type response struct {
	Results []json.RawMessage `json:"results"`
}

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "echo-go:", err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/enrich", func(w http.ResponseWriter, r *http.Request) {
		var req request
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, `{"error":"malformed JSON","path":""}`, http.StatusBadRequest)
			return
		}
		if req.Events == nil {
			req.Events = []json.RawMessage{}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(response{Results: req.Events})
	})
	fmt.Fprintf(os.Stderr, "echo-go[0]: serving http://127.0.0.1:%d (Go net/http + encoding/json, parse and echo)\n", ln.Addr().(*net.TCPAddr).Port)
	_ = http.Serve(ln, mux)
}
