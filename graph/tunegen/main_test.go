package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
)

// The committed executor is gqlgen's output rewritten once: rewriting it again changes nothing,
// every rule's target is gone from it, and an input without a rule's pattern (gqlgen's output
// changed) is refused instead of passing through untuned.
func TestRewrite(t *testing.T) {
	src, err := os.ReadFile("../generated.go")
	if err != nil {
		t.Fatal(err)
	}
	again, err := rewrite(src)
	if err != nil || !bytes.Equal(again, src) {
		t.Fatalf("rewriting the committed file again: changed %v, err %v", !bytes.Equal(again, src), err)
	}
	for _, r := range rules {
		if bytes.Contains(src, []byte(r.from)) {
			t.Errorf("generated.go still holds %q", r.from)
		}
		if !bytes.Contains(src, []byte(r.to)) {
			t.Errorf("generated.go lacks %q", r.to)
		}
	}
	// gqlgen's output, recovered from the committed file, rewrites to the committed file.
	plain := strings.Replace(string(src), marker, "", 1)
	for _, r := range rules {
		plain = strings.ReplaceAll(plain, r.to, r.from)
	}
	plain = regexp.MustCompile(`\tif tuned\(ctx\) \{\n\t\treturn ec\.[\p{L}\p{N}_]+\(ctx, field\.Selections, obj\.[\w()]+\)\n\t\}\n`).ReplaceAllString(plain, "")
	out, err := rewrite([]byte(plain))
	if err != nil || !bytes.Equal(out, src) {
		t.Fatalf("rewriting gqlgen's output: err %v, same as committed %v", err, bytes.Equal(out, src))
	}
	if _, err := rewrite([]byte(strings.Replace(plain, rules[1].from, "", -1))); err == nil {
		t.Error("a file without a rule's pattern was accepted")
	}
}
