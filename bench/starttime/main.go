// Command starttime measures start-to-healthy: the time from exec of a server command to the
// first 200 from its /healthz, polled every 5 ms. It then stops the server with SIGTERM and waits
// for it to exit (a clean stop),.
//
//	starttime -url http://127.0.0.1:PORT/healthz -- taskset -c 0 kgql serve -addr 127.0.0.1:PORT ...
//
// Prints the elapsed time in milliseconds on stdout; exits 1 if the server exits or is not healthy
// within -timeout. The command's stderr goes to -log (default: discarded).
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"time"
)

func main() {
	url := flag.String("url", "", "health URL to poll")
	every := flag.Duration("every", 5*time.Millisecond, "poll interval")
	timeout := flag.Duration("timeout", 10*time.Minute, "give up after")
	logPath := flag.String("log", "", "file for the command's stderr")
	flag.Parse()
	args := flag.Args()
	if *url == "" || len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: starttime -url URL [-log FILE] -- COMMAND ARGS...")
		os.Exit(2)
	}
	cmd := exec.Command(args[0], args[1:]...)
	if *logPath != "" {
		f, err := os.Create(*logPath)
		if err != nil {
			fail(err)
		}
		defer f.Close()
		cmd.Stderr = f
	}
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	exited := make(chan error, 1)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		fail(err)
	}
	go func() { exited <- cmd.Wait() }()
	tick := time.NewTicker(*every)
	defer tick.Stop()
	for {
		if resp, err := client.Get(*url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-exited:
			fail(fmt.Errorf("server exited before it was healthy: %v", err))
		case <-tick.C:
		}
		if time.Since(start) > *timeout {
			_ = cmd.Process.Kill()
			fail(fmt.Errorf("not healthy after %s", *timeout))
		}
	}
	elapsed := time.Since(start)
	fmt.Printf("%.1f\n", float64(elapsed.Microseconds())/1000)
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			fail(fmt.Errorf("server did not stop cleanly: %v", err))
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		fail(fmt.Errorf("server did not stop within 30 s of SIGTERM"))
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "starttime:", err)
	os.Exit(1)
}
