// Command soak is the load generator and checker of bench/soak.sh (issue 9, part 6): many
// concurrent clients, each with its own bearer token and its own keep-alive connection, send a
// mix of reads and writes to a running kgql; every write that was acknowledged (HTTP 200, no
// errors, data present) is remembered with what it wrote, so that after the server has stopped
// the store's export can be checked for every one of them.
//
//	soak run    -url URL -tokens FILE -pid PID -asmex FILE -out DIR [-clients 200 -duration 60s …]
//	soak verify -expect DIR/expect.json -export graph.ndjson -o DIR/verify.json
//	soak report -results DIR/results.json -verify DIR/verify.json [-check-rc N …] > report.md
//
// The generator only talks to the URL it is given (the script passes a loopback address), with a
// fixed number of clients for a fixed time: it is bounded in count and time.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: soak run|verify|report [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "run":
		err = runCmd(os.Args[2:])
	case "verify":
		err = verifyCmd(os.Args[2:])
	case "report":
		err = reportCmd(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q (run, verify or report)", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}
