package graph_test

import (
	"fmt"
	"strings"
	"testing"
)

// importRecords with more problems than the importer lists: the first 50 by line in
// extensions.errors, the total and how many more in extensions.total and extensions.more, and
// nothing written.
func TestImportRecordsManyProblems(t *testing.T) {
	c, s := mutServer(t)
	before := mutExport(t, s)
	var b strings.Builder
	for i := range 70 {
		fmt.Fprintf(&b, `{"type":"Person","key":"many-%d","name":"P","citations":[{"source":"no-such-source-%d"}]}`+"\n", i, i)
	}
	e := mutRefused(t, c, s, "BAD_USER_INPUT", "", mutImportRecords, map[string]any{"n": b.String()})
	list, _ := e.Extensions["errors"].([]any)
	if len(list) != 50 || e.Extensions["total"] != float64(70) || e.Extensions["more"] != float64(20) {
		t.Errorf("errors %d, total %v, more %v; want 50, 70, 20", len(list), e.Extensions["total"], e.Extensions["more"])
	}
	for i, x := range list {
		if m, _ := x.(map[string]any); m["line"] != float64(i+1) {
			t.Errorf("errors[%d] = %v, want line %d", i, x, i+1)
		}
	}
	if !strings.HasPrefix(e.Message, "70 problem(s), nothing was written") || !strings.HasSuffix(e.Message, "and 20 more") {
		t.Errorf("message %q", e.Message)
	}
	mutSameExport(t, s, before, "a refused import of 70 bad lines")
}
