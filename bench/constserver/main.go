// Command constserver is the load harness's plain net/http reference: it answers every POST with
// the same small JSON body (what `{ __typename }` returns), after reading the request body, so a
// run can compare kgql with the cheapest HTTP server Go offers on the same core.
//
//	constserver [-addr 127.0.0.1:0]     prints url=http://HOST:PORT/ on stdout once listening
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
)

var body = []byte(`{"data":{"__typename":"Query"}}`)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stdout, "url=http://%s/\n", ln.Addr())
	length := strconv.Itoa(len(body))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", length)
		_, _ = w.Write(body)
	})
	log.Fatal(http.Serve(ln, h))
}
