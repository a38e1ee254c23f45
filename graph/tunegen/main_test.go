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

// The committed plan table is the one the committed executor gives, and it has the fields the
// compiled read path needs: plain reads, resolvers, batch resolvers.
func TestPlanTable(t *testing.T) {
	src, err := os.ReadFile("../generated.go")
	if err != nil {
		t.Fatal(err)
	}
	table, err := planTable(src)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile("../plan_gen.go")
	if err != nil || !bytes.Equal(table, committed) {
		t.Fatalf("plan_gen.go is not what generated.go gives (err %v): run go generate ./...", err)
	}
	for _, want := range []string{
		`{context: (*executionContext).fieldContext_Person_name, leaf: (*executionContext).planLeaf_Person_name, text: (*executionContext).planText_Person_name, value: (*executionContext).planValue_Person_name}`,
		"func (ec *executionContext) planText_Source_url(o any) (string, bool) {\n\tobj := o.(*model.Source)\n\tv := obj.URL()\n\tif v == nil {\n\t\treturn \"\", false\n\t}\n\treturn *v, true\n}",
		`{context: (*executionContext).fieldContext_Organization_members, leaf: (*executionContext).planLeaf_Organization_members, batch: (*executionContext).planBatch_Organization_members}`,
		"results, err := resolver.Members(ctx, parents, fc.Args[\"where\"].(map[string]any)",
		"return ec.Resolvers.Position().Person(ctx, obj)",
	} {
		if !bytes.Contains(table, []byte(want)) {
			t.Errorf("plan_gen.go lacks %s", want)
		}
	}
	if bytes.Contains(table, []byte(`"Mutation.`)) || bytes.Contains(table, []byte(`"Subscription.`)) || bytes.Contains(table, []byte("introspection.")) {
		t.Error("plan_gen.go holds fields a query does not read")
	}
}
