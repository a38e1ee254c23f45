package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
)

// verification is what `soak verify` found in the export.
type verification struct {
	Records      int      `json:"records"`      // lines of the export
	Acked        int      `json:"acked"`        // acknowledged writes expected
	Checked      int      `json:"checked"`      // acknowledged writes whose every witness was looked up
	Lost         int      `json:"lost"`         // acknowledged writes with a witness missing or different
	Witnesses    int      `json:"witnesses"`    // facts looked up
	LastChecked  int      `json:"lastChecked"`  // people whose final description was checked
	LastWrong    int      `json:"lastWrong"`    // … that do not hold the last acknowledged value
	RefusedSeen  int      `json:"refusedSeen"`  // refused writes whose witness is present nonetheless
	RefusedCheck int      `json:"refusedCheck"` // refused writes looked up
	Samples      []string `json:"samples,omitempty"`
}

func (v *verification) sample(s string) {
	if len(v.Samples) < 20 {
		v.Samples = append(v.Samples, s)
	}
}

// holds reports whether the export's record rec has the witnessed fact, and what it has instead.
func holds(rec map[string]any, w witness) (bool, string) {
	if rec == nil {
		return false, "no " + w.Type + " with key " + w.Key
	}
	switch w.Check {
	case "field":
		got, _ := rec[w.Field].(string)
		return got == w.Value, fmt.Sprintf("%s = %q", w.Field, got)
	case "alias":
		al, _ := rec["aliases"].([]any)
		for _, a := range al {
			if a == w.Value {
				return true, ""
			}
		}
		return false, fmt.Sprintf("%d aliases, not %q", len(al), w.Value)
	case "citation":
		cs, _ := rec["citations"].([]any)
		for _, c := range cs {
			if m, ok := c.(map[string]any); ok && m["excerpt"] == w.Value {
				return true, ""
			}
		}
		return false, fmt.Sprintf("%d citations, none with excerpt %q", len(cs), w.Value)
	}
	return false, "unknown check " + w.Check
}

func verifyCmd(args []string) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	expFile := fs.String("expect", "", "expect.json written by soak run")
	export := fs.String("export", "", "the store's export (kgql export -o FILE)")
	out := fs.String("o", "", "where to write the verification (JSON)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *expFile == "" || *export == "" || *out == "" {
		return errors.New("verify: -expect, -export and -o are required")
	}
	var exp expectations
	b, err := os.ReadFile(*expFile)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &exp); err != nil {
		return fmt.Errorf("verify: %s: %w", *expFile, err)
	}
	f, err := os.Open(*export)
	if err != nil {
		return err
	}
	defer f.Close()
	recs := map[string]map[string]any{}
	v := &verification{Acked: exp.Acked}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			return fmt.Errorf("verify: %s:%d: %w", *export, v.Records+1, err)
		}
		v.Records++
		t, _ := m["type"].(string)
		k, _ := m["key"].(string)
		if k != "" {
			recs[t+"\x00"+k] = m
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}

	// Every witness of an acknowledged write; a write is lost when any of its facts is missing.
	lost := map[string]bool{}
	writes := map[string]bool{}
	for _, w := range exp.Witnesses {
		writes[w.Write] = true
		v.Witnesses++
		if ok, got := holds(recs[w.Type+"\x00"+w.Key], w); !ok {
			if !lost[w.Write] {
				v.sample(fmt.Sprintf("LOST %s (%s): %s %s: want %s %q, found %s", w.Write, w.Kind, w.Type, w.Key, w.Check, w.Value, got))
			}
			lost[w.Write] = true
		}
	}
	v.Checked, v.Lost = len(writes), len(lost)
	for _, lv := range exp.Last {
		rec := recs[lv.Type+"\x00"+lv.Key]
		if rec == nil && lv.Writes == 0 {
			continue // only creations of unknown outcome
		}
		v.LastChecked++
		got, _ := rec["description"].(string)
		if got != lv.Want && !slices.Contains(lv.Also, got) {
			v.LastWrong++
			v.sample(fmt.Sprintf("LAST VALUE %s %s: description %q, last acknowledged %q (after %d acknowledged writes; unknown outcomes %q)",
				lv.Type, lv.Key, got, lv.Want, lv.Writes, lv.Also))
		}
	}
	// Refused writes must have written nothing. Their facts are unique to them (a tag each), so
	// a fact present means a refused write was applied (in part or whole).
	seen := map[string]bool{}
	refused := map[string]bool{}
	for _, w := range exp.Refused {
		refused[w.Write] = true
		if ok, _ := holds(recs[w.Type+"\x00"+w.Key], w); ok {
			if !seen[w.Write] {
				v.sample(fmt.Sprintf("REFUSED BUT PRESENT %s (%s): %s %s %s %q", w.Write, w.Kind, w.Type, w.Key, w.Check, w.Value))
			}
			seen[w.Write] = true
		}
	}
	v.RefusedCheck, v.RefusedSeen = len(refused), len(seen)
	if err := writeJSON(*out, v); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "verify: %d records exported; %d acknowledged writes checked (%d facts), %d lost; %d final descriptions checked, %d wrong; %d refused writes, %d present\n",
		v.Records, v.Checked, v.Witnesses, v.Lost, v.LastChecked, v.LastWrong, v.RefusedCheck, v.RefusedSeen)
	for _, s := range v.Samples {
		fmt.Fprintln(os.Stderr, "  "+strings.TrimSpace(s))
	}
	return nil
}
