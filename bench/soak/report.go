package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
)

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func statusClass(m map[int]int) (ok, c4, c5, other int) {
	for k, v := range m {
		switch {
		case k == 200:
			ok += v
		case k >= 400 && k < 500:
			c4 += v
		case k >= 500:
			c5 += v
		default:
			other += v
		}
	}
	return
}

func ms(x float64) string {
	switch {
	case x == 0:
		return "–"
	case x < 10:
		return fmt.Sprintf("%.2f", x)
	case x < 100:
		return fmt.Sprintf("%.1f", x)
	}
	return fmt.Sprintf("%.0f", x)
}

func mib(kib int) string { return fmt.Sprintf("%.0f MiB", float64(kib)/1024) }

func sortedCodes(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func sortedStatus(m map[int]int) string {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d: %d", k, m[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func reportCmd(args []string) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	resFile := fs.String("results", "", "results.json of soak run")
	verFile := fs.String("verify", "", "verify.json of soak verify (missing: verification not done)")
	out := fs.String("o", "", "markdown report to write")
	checkFile := fs.String("check-output", "", "output of kgql check")
	checkRC := fs.Int("check-rc", -1, "exit status of kgql check")
	serverRC := fs.Int("server-rc", -1, "exit status of kgql serve after SIGTERM")
	stopSecs := fs.Float64("stop-seconds", 0, "time from SIGTERM to the server's exit")
	command := fs.String("command", "bench/soak.sh", "the command line")
	commit := fs.String("commit", "", "commit of the tree")
	goVersion := fs.String("go", "", "go version")
	date := fs.String("date", "", "date of the run")
	setup := fs.String("setup", "", "lines of setup (store, tokens, limits, pinning), separated by newlines")
	machine := fs.String("machine", "", "the machine")
	elapsed := fs.Float64("elapsed", 0, "seconds the whole script took")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *resFile == "" || *out == "" {
		return errors.New("report: -results and -o are required")
	}
	var r results
	if err := readJSON(*resFile, &r); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	var v *verification
	if *verFile != "" {
		v = &verification{}
		if err := readJSON(*verFile, v); err != nil {
			v = nil
		}
	}
	checkOut := ""
	if *checkFile != "" {
		b, _ := os.ReadFile(*checkFile)
		checkOut = strings.TrimSpace(string(b))
	}

	// Verdict.
	_, _, c5, _ := statusClass(r.Status)
	var fails []string
	if c5 > 0 {
		fails = append(fails, fmt.Sprintf("%d responses 5xx", c5))
	}
	if r.Transport > 0 {
		fails = append(fails, fmt.Sprintf("%d requests without an HTTP response", r.Transport))
	}
	switch {
	case v == nil:
		fails = append(fails, "acknowledged writes not verified")
	default:
		if v.Lost > 0 {
			fails = append(fails, fmt.Sprintf("%d acknowledged writes lost", v.Lost))
		}
		if v.LastWrong > 0 {
			fails = append(fails, fmt.Sprintf("%d people without their last acknowledged description", v.LastWrong))
		}
		if v.RefusedSeen > 0 {
			fails = append(fails, fmt.Sprintf("%d refused writes applied", v.RefusedSeen))
		}
		if v.Checked == 0 {
			fails = append(fails, "no acknowledged write to check")
		}
	}
	if r.RYWMismatch > 0 {
		fails = append(fails, fmt.Sprintf("%d reads of a client's own write saw another value", r.RYWMismatch))
	}
	if *checkRC != 0 || !strings.Contains(checkOut, "check: ok") {
		fails = append(fails, "kgql check did not print check: ok")
	}
	if *serverRC != 0 {
		fails = append(fails, fmt.Sprintf("kgql serve exited %d after SIGTERM", *serverRC))
	}

	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	verdict := "PASS"
	if len(fails) > 0 {
		verdict = "FAIL: " + strings.Join(fails, "; ")
	}
	if n := r.Status[429] + r.Status[503]; n > 0 {
		// Not a failure of kgql (the limits did their job), but the run was not sized for them.
		verdict += fmt.Sprintf(" (note: %d responses 429 or 503: the limits throttled or shed this load)", n)
	}
	total := r.ReadCount + r.WriteCount
	p("# kgql load and soak run, %s", *date)
	p("")
	p("`%s` — commit %s, %s, %d s in all.", *command, *commit, *goVersion, int(*elapsed+0.5))
	p("")
	p("**Result: %s**", verdict)
	p("")
	p("## Setup")
	p("")
	p("- machine: %s; load average at the start of the load %s, at its end %s", *machine, r.LoadStart, r.LoadEnd)
	for _, l := range strings.Split(strings.TrimSpace(*setup), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			p("- %s", l)
		}
	}
	p("- load: %d clients for %.0f s (closed loop, no think time, one keep-alive connection each, %d tokens: client i uses token i mod %d), %.0f %% writes",
		r.Clients, r.Duration, r.Tokens, r.Tokens, r.WriteFraction*100)
	p("- reads (weights of 90): point lookup of a random generated person 30 (one in four of them, once the client has written, reads back a person it wrote and compares its description), 1-hop (organization + 10 members) 20, ASMEX connected query 10, folded name search 10, full-text search 10, filtered ordered page (events within a random region, newest first) 10")
	p("- writes (weights of 100): `upsertPerson` creating a person 25, `upsertPerson` patching one (description replaced, one alias merged; the client's own new people or 10 generated people only this client patches) 30, `upsertSource` creating a source 15, `addStatement` creating a statement (its speaker one of the client's new people or a generated one, its citation one of the client's new sources or a generated one) 20, `addStatement` of one of the client's statements again with one more citation 10; every key, alias, excerpt and text carries the write's unique tag")
	p("- preflight (not measured; its writes are checked with the others): %s", strings.Join(r.Preflight, "; "))
	p("")
	p("## Throughput and latency")
	p("")
	p("%d responses in %.1f s: **%.0f req/s** (reads %.0f/s, writes %.0f/s). Latency in ms, client side (request sent to body read).",
		total, r.Elapsed, float64(total)/r.Elapsed, float64(r.ReadCount)/r.Elapsed, float64(r.WriteCount)/r.Elapsed)
	p("")
	p("| requests | n | req/s | p50 | p90 | p99 | p99.9 | max | 200 | 4xx | 5xx | error bodies | no response |")
	p("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
	row := func(name string, s *kindStats) {
		ok, c4, c5, _ := statusClass(s.Status)
		p("| %s | %d | %.0f | %s | %s | %s | %s | %s | %d | %d | %d | %d | %d |", name, s.Count, float64(s.Count)/r.Elapsed,
			ms(s.Lat.P50), ms(s.Lat.P90), ms(s.Lat.P99), ms(s.Lat.P999), ms(s.Lat.Max), ok, c4, c5, s.ErrBodies, s.Transport)
	}
	agg := func(write bool) *kindStats {
		a := &kindStats{Status: map[int]int{}}
		for _, s := range r.Kinds {
			if s.Write != write {
				continue
			}
			a.Count += s.Count
			a.ErrBodies += s.ErrBodies
			a.Transport += s.Transport
			for k, n := range s.Status {
				a.Status[k] += n
			}
		}
		if write {
			a.Lat = r.Writes
		} else {
			a.Lat = r.Reads
		}
		return a
	}
	for _, k := range readKinds {
		if s := r.Kinds[k.name]; s != nil {
			row(k.name, s)
		}
	}
	row("**all reads**", agg(false))
	for _, k := range writeKinds {
		if s := r.Kinds[k.name]; s != nil {
			row(k.name, s)
		}
	}
	row("**all writes**", agg(true))
	p("")
	p("Status codes: %s. Error codes in bodies: %s.", sortedStatus(r.Status), sortedCodes(r.Codes))
	var samples []string
	for _, k := range append(slices.Clone(readKinds), writeKinds...) {
		if s := r.Kinds[k.name]; s != nil {
			for _, x := range s.Samples {
				samples = append(samples, k.name+": "+x)
			}
		}
	}
	if len(samples) > 0 {
		p("")
		p("First bad responses:")
		p("")
		for _, s := range samples {
			p("    %s", strings.ReplaceAll(s, "\n", " "))
		}
	}
	// Per 10 s window: responses, the server's CPU (cores used, µs per response), its RSS.
	if len(r.PerSecond) > 0 {
		at := func(t float64) *rssSample { // the first sample at or after t
			for i := range r.RSS {
				if r.RSS[i].T >= t-0.01 {
					return &r.RSS[i]
				}
			}
			if len(r.RSS) > 0 {
				return &r.RSS[len(r.RSS)-1]
			}
			return nil
		}
		p("")
		p("Over the run, by 10 s window. Server CPU from /proc/PID/stat (cores used, µs per response); from the")
		p("server's threads' schedstat, the cores' worth of time its threads were runnable but waiting for a CPU")
		p("(high: the server was starved by other processes); system-wide pressure (/proc/pressure, some avg10 at")
		p("the window's end: share of time some task waited for a CPU, for I/O).")
		p("")
		p("| window | responses/s | server CPU (cores) | CPU-µs/response | waiting for a CPU (cores) | CPU pressure | I/O pressure | RSS at its end |")
		p("| --- | --- | --- | --- | --- | --- | --- | --- |")
		for i := 0; i < len(r.PerSecond); i += 10 {
			j := min(i+10, len(r.PerSecond))
			n := 0
			for _, x := range r.PerSecond[i:j] {
				n += x
			}
			a, z := at(float64(i)), at(float64(j))
			cores, per, rss, wait, pc, pio := "–", "–", "–", "–", "–", "–"
			if a != nil && z != nil && z.T > a.T {
				cores = fmt.Sprintf("%.2f", (z.CPU-a.CPU)/(z.T-a.T))
				wait = fmt.Sprintf("%.2f", (z.Wait-a.Wait)/(z.T-a.T))
				pc, pio = fmt.Sprintf("%.0f %%", z.PSICPU), fmt.Sprintf("%.0f %%", z.PSIIO)
				if n > 0 {
					per = fmt.Sprintf("%.0f", (z.CPU-a.CPU)*1e6/float64(n))
				}
				rss = mib(z.RSS)
			}
			label := fmt.Sprintf("%d–%d s", i, j)
			if j-i < 10 {
				label += " (tail: requests in flight at the end)"
			}
			p("| %s | %.0f | %s | %s | %s | %s | %s | %s |", label, float64(n)/float64(j-i), cores, per, wait, pc, pio, rss)
		}
	}
	p("")
	p("## Acknowledged writes")
	p("")
	p("A write is acknowledged when it is answered 200 with no `errors` and its root field not null (and, for upserts, the key asked for). During the load: %d acknowledged, %d refused (4xx or errors in the body), %d of unknown outcome (no answer or 5xx).", r.Acked, r.Refused, r.Unknown)
	if v != nil {
		p("")
		p("After the server stopped, `kgql export` (%d records) was searched for every fact each acknowledged write must have left (the new record with its name, title or text, speaker and event; the alias or citation a patch merged):", v.Records)
		p("")
		p("- acknowledged writes checked: **%d** (%d facts, preflight included), **lost: %d**", v.Checked, v.Witnesses, v.Lost)
		p("- people patched: %d final descriptions checked against the last acknowledged value (each person has one writer), %d wrong", v.LastChecked, v.LastWrong)
		p("- refused writes: %d looked up, %d applied anyway", v.RefusedCheck, v.RefusedSeen)
		for _, s := range v.Samples {
			p("    - %s", s)
		}
	}
	p("- read-your-writes during the load: %d reads of a person the client had written, %d saw another value", r.RYWChecked, r.RYWMismatch)
	for _, s := range r.RYWSamples {
		p("    - %s", s)
	}

	p("")
	p("## Server")
	p("")
	if total > 0 {
		p("- CPU: %.1f s (utime + stime) during the load, %.0f µs per response; the load generator used %.1f s", r.ServerCPU, r.ServerCPU*1e6/float64(total), r.GenCPU)
	}
	if len(r.RSS) > 0 {
		half := r.RSS[len(r.RSS)/2:]
		var rs, an, fi []int
		for _, s := range half {
			rs, an, fi = append(rs, s.RSS), append(an, s.Anon), append(fi, s.File)
		}
		med := func(xs []int) int { slices.Sort(xs); return xs[len(xs)/2] }
		minr, maxr := r.RSS[0].RSS, r.RSS[0].RSS
		for _, s := range r.RSS {
			minr, maxr = min(minr, s.RSS), max(maxr, s.RSS)
		}
		p("- RSS (VmRSS every 0.5 s, %d samples): steady (median of the second half) **%s** (anonymous %s, mapped files %s), range %s – %s; peak VmHWM at the end **%s**",
			len(r.RSS), mib(med(rs)), mib(med(an)), mib(med(fi)), mib(minr), mib(maxr), mib(r.HWM))
	}
	p("- stop: SIGTERM → exit %d in %.1f s", *serverRC, *stopSecs)
	p("- `kgql check` (exit %d):", *checkRC)
	p("")
	for _, l := range strings.Split(checkOut, "\n") {
		p("      %s", l)
	}
	if err := os.WriteFile(*out, []byte(b.String()), 0o644); err != nil {
		return err
	}

	// Summary on stdout.
	fmt.Printf("soak: %s\n", verdict)
	fmt.Printf("  %d clients, %.0f s: %.0f req/s; reads p50 %s ms p99 %s ms; writes p50 %s ms p99 %s ms\n", r.Clients, r.Elapsed,
		float64(total)/r.Elapsed, ms(r.Reads.P50), ms(r.Reads.P99), ms(r.Writes.P50), ms(r.Writes.P99))
	fmt.Printf("  status %s; error codes %s; no response %d\n", sortedStatus(r.Status), sortedCodes(r.Codes), r.Transport)
	if v != nil {
		fmt.Printf("  acknowledged writes checked %d, lost %d; last descriptions %d, wrong %d; refused applied %d\n", v.Checked, v.Lost, v.LastChecked, v.LastWrong, v.RefusedSeen)
	}
	fmt.Printf("  RSS peak %s; kgql check: %s; server exit %d\n", mib(r.HWM), firstLine(checkOut), *serverRC)
	fmt.Printf("  report: %s\n", *out)
	if len(fails) > 0 {
		return errors.New(verdict)
	}
	return nil
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	if strings.Contains(s, "check: ok") {
		return "ok"
	}
	return l
}
