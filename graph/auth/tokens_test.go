package auth

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func writeFile(t testing.TB, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRoles(t *testing.T) {
	for _, c := range []struct {
		s string
		r Role
	}{{"reader", Reader}, {"writer", Writer}, {"admin", Admin}} {
		r, err := ParseRole(c.s)
		if err != nil || r != c.r {
			t.Errorf("ParseRole(%q) = %v, %v", c.s, r, err)
		}
		if r.String() != c.s {
			t.Errorf("%v.String() = %q", r, r.String())
		}
	}
	for _, bad := range []string{"", "anonymous", "Admin", " reader", "root"} {
		if _, err := ParseRole(bad); err == nil {
			t.Errorf("ParseRole(%q) succeeded", bad)
		}
	}
	if Anonymous.String() != "anonymous" {
		t.Errorf("Anonymous.String() = %q", Anonymous.String())
	}
	if !Admin.AtLeast(Writer) || !Writer.AtLeast(Reader) || Reader.AtLeast(Writer) || Anonymous.AtLeast(Reader) {
		t.Error("role order wrong")
	}
}

func TestContext(t *testing.T) {
	ctx := context.Background()
	if p := FromContext(ctx); p.Role != Anonymous || p.Method != "" || p.Authenticated() {
		t.Errorf("empty context: %+v", p)
	}
	want := Principal{Name: "alice", Role: Writer, Method: MethodToken}
	if p := FromContext(WithPrincipal(ctx, want)); p != want || !p.Authenticated() {
		t.Errorf("got %+v, want %+v", p, want)
	}
}

func TestLoadTokensGood(t *testing.T) {
	ta, tb, tc := "kgql_alpha", "kgql_beta", "a.b.c"
	content := "# a comment\n\n   # indented comment\n" +
		"alice reader " + HashToken(ta) + "\n" +
		"\t bob.x_Y-1\twriter\t\t" + HashToken(tb) + "  \r\n" +
		"   \t\n" +
		"carol admin " + HashToken(tc) // no final newline
	p := writeFile(t, "tokens", content)
	ts, err := LoadTokens(p)
	if err != nil {
		t.Fatal(err)
	}
	if ts.Len() != 3 {
		t.Fatalf("Len = %d, want 3", ts.Len())
	}
	for tok, want := range map[string]Principal{
		ta: {Name: "alice", Role: Reader, Method: "token"},
		tb: {Name: "bob.x_Y-1", Role: Writer, Method: "token"},
		tc: {Name: "carol", Role: Admin, Method: "token"},
	} {
		if p, ok := ts.Check(tok); !ok || p != want {
			t.Errorf("Check(%q) = %+v, %v; want %+v", tok, p, ok, want)
		}
	}
	for _, bad := range []string{"", "kgql_gamma", "kgql_alph", "kgql_alpha ", strings.Repeat("x", MaxCredentialLen+1)} {
		if p, ok := ts.Check(bad); ok {
			t.Errorf("Check(%q) = %+v, want no match", bad, p)
		}
	}
	infos, err := ListTokens(p)
	if err != nil {
		t.Fatal(err)
	}
	want := []TokenInfo{{"alice", Reader, 4}, {"bob.x_Y-1", Writer, 5}, {"carol", Admin, 7}}
	if len(infos) != len(want) {
		t.Fatalf("ListTokens = %+v", infos)
	}
	for i := range want {
		if infos[i] != want[i] {
			t.Errorf("ListTokens[%d] = %+v, want %+v", i, infos[i], want[i])
		}
	}
	empty, err := LoadTokens(writeFile(t, "empty", "# nothing yet\n"))
	if err != nil || empty.Len() != 0 {
		t.Fatalf("empty file: %v, %v", empty, err)
	}
	if _, ok := empty.Check("kgql_alpha"); ok {
		t.Error("empty set matched a token")
	}
}

func TestLoadTokensMalformed(t *testing.T) {
	h1, h2 := HashToken("one"), HashToken("two")
	cases := []struct {
		name, content string
		line          int
		reason        string
	}{
		{"two fields", "# c\nalice reader\n", 2, "got 2 fields"},
		{"four fields", "alice reader " + h1 + " extra\n", 1, "got 4 fields"},
		{"one field", "\n\n" + h1 + "\n", 3, "got 1 fields"},
		{"bad name char", "a/b reader " + h1 + "\n", 1, "invalid name"},
		{"name too long", strings.Repeat("n", 65) + " reader " + h1 + "\n", 1, "invalid name"},
		{"bad role", "alice root " + h1 + "\n", 1, "invalid role"},
		{"anonymous role", "ok reader " + h1 + "\nalice anonymous " + h2 + "\n", 2, "invalid role"},
		{"role case", "alice Admin " + h1 + "\n", 1, "invalid role"},
		{"uppercase hash", "alice reader " + strings.ToUpper(h1) + "\n", 1, "invalid hash"},
		{"short hash", "alice reader " + h1[:63] + "\n", 1, "invalid hash"},
		{"long hash", "alice reader " + h1 + "0\n", 1, "invalid hash"},
		{"clear token", "alice reader kgql_secretsecret\n", 1, "invalid hash"},
		{"duplicate name", "alice reader " + h1 + "\n# x\nalice writer " + h2 + "\n", 3, `duplicate name "alice" (first on line 1)`},
		{"duplicate hash", "alice reader " + h1 + "\nbob writer " + h1 + "\n", 2, "duplicate hash (same as line 1)"},
		{"other whitespace", "alice\vreader " + h1 + "\n", 1, "got 2 fields"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writeFile(t, "tokens", c.content)
			_, err := LoadTokens(p)
			if err == nil {
				t.Fatal("loaded")
			}
			prefix := p + ":" + strconv.Itoa(c.line) + ": "
			if !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), c.reason) {
				t.Errorf("error %q, want prefix %q and %q", err, prefix, c.reason)
			}
			if strings.Contains(err.Error(), "kgql_secret") {
				t.Errorf("error quotes the clear token: %q", err)
			}
		})
	}
	if _, err := LoadTokens(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("missing file loaded")
	}
}

func TestTokenReload(t *testing.T) {
	p := writeFile(t, "tokens", "old reader "+HashToken("kgql_old")+"\n")
	ts, err := LoadTokens(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ts.Check("kgql_old"); !ok {
		t.Fatal("old token refused")
	}
	if err := os.WriteFile(p, []byte("new admin "+HashToken("kgql_new")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := ts.Reload(); err != nil {
		t.Fatal(err)
	}
	if _, ok := ts.Check("kgql_old"); ok {
		t.Error("old token still accepted after reload")
	}
	if pr, ok := ts.Check("kgql_new"); !ok || pr.Name != "new" || pr.Role != Admin {
		t.Errorf("new token: %+v, %v", pr, ok)
	}
	// A broken file: Reload fails and the set is kept.
	if err := os.WriteFile(p, []byte("new admin "+HashToken("kgql_new")+"\nbroken\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := ts.Reload(); err == nil || !strings.HasPrefix(err.Error(), p+":2: ") {
		t.Errorf("Reload of a broken file: %v", err)
	}
	if _, ok := ts.Check("kgql_new"); !ok || ts.Len() != 1 {
		t.Error("set not kept after a failed reload")
	}
	os.Remove(p)
	if err := ts.Reload(); err == nil {
		t.Error("Reload of a missing file succeeded")
	}
	if _, ok := ts.Check("kgql_new"); !ok {
		t.Error("set not kept after a failed reload")
	}
}

func TestTokenConcurrentReload(t *testing.T) {
	p := writeFile(t, "tokens", "a reader "+HashToken("kgql_a")+"\n")
	ts, err := LoadTokens(p)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				if _, ok := ts.Check("kgql_a"); !ok {
					t.Error("token refused during reloads")
					return
				}
			}
		}()
	}
	for j := 0; j < 50; j++ {
		if err := ts.Reload(); err != nil {
			t.Error(err)
		}
	}
	wg.Wait()
}

func TestNewToken(t *testing.T) {
	a, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewToken()
	if a == b {
		t.Error("two equal tokens")
	}
	if !strings.HasPrefix(a, "kgql_") || len(a) != len("kgql_")+43 || strings.ContainsAny(a, "=+/") {
		t.Errorf("bad token shape %q", a)
	}
}

func TestAddRemoveListTokens(t *testing.T) {
	p := filepath.Join(t.TempDir(), "tokens")
	tokA, err := AddToken(p, "alice", Reader)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	data, _ := os.ReadFile(p)
	if !strings.HasPrefix(string(data), "# kgql tokens: NAME ROLE SHA256(token) per line\n") {
		t.Errorf("no header comment: %q", data)
	}
	if strings.Contains(string(data), tokA) {
		t.Error("the file holds the token in clear")
	}
	tokB, err := AddToken(p, "bob", Admin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := AddToken(p, "alice", Writer); err == nil || strings.Contains(err.Error(), tokA) {
		t.Errorf("duplicate name: %v", err)
	}
	for _, bad := range []string{"", "a b", strings.Repeat("x", 65), "é"} {
		if _, err := AddToken(p, bad, Reader); err == nil {
			t.Errorf("AddToken(%q) succeeded", bad)
		}
	}
	if _, err := AddToken(p, "anon", Anonymous); err == nil {
		t.Error("AddToken granted Anonymous")
	}
	infos, err := ListTokens(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 2 || infos[0].Name != "alice" || infos[0].Role != Reader || infos[1].Name != "bob" || infos[1].Role != Admin {
		t.Fatalf("ListTokens = %+v", infos)
	}
	ts, err := LoadTokens(p)
	if err != nil {
		t.Fatal(err)
	}
	if pr, ok := ts.Check(tokA); !ok || pr.Name != "alice" {
		t.Errorf("alice: %+v %v", pr, ok)
	}
	if pr, ok := ts.Check(tokB); !ok || pr.Name != "bob" || pr.Role != Admin {
		t.Errorf("bob: %+v %v", pr, ok)
	}

	// Rotation: remove alice, add her again; the old token stops working.
	if err := os.Chmod(p, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := RemoveToken(p, "alice"); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o640 {
		t.Errorf("RemoveToken changed the mode to %v", st.Mode().Perm())
	}
	if err := RemoveToken(p, "alice"); err == nil {
		t.Error("removed alice twice")
	}
	tokA2, err := AddToken(p, "alice", Writer)
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.Reload(); err != nil {
		t.Fatal(err)
	}
	if _, ok := ts.Check(tokA); ok {
		t.Error("old alice token still works")
	}
	if pr, ok := ts.Check(tokA2); !ok || pr.Role != Writer {
		t.Errorf("new alice: %+v %v", pr, ok)
	}
	data, _ = os.ReadFile(p)
	if !strings.HasPrefix(string(data), "# kgql tokens:") {
		t.Errorf("RemoveToken dropped the header: %q", data)
	}
	entries, _ := os.ReadDir(filepath.Dir(p))
	if len(entries) != 1 {
		t.Errorf("temp files left: %v", entries)
	}
}

func TestAddTokenExistingFile(t *testing.T) {
	// A hand-written file without a final newline, with a loose mode.
	p := writeFile(t, "tokens", "old reader "+HashToken("x"))
	os.Chmod(p, 0o644)
	tok, err := AddToken(p, "new", Writer)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := LoadTokens(p)
	if err != nil {
		t.Fatal(err)
	}
	if ts.Len() != 2 {
		t.Fatalf("Len = %d", ts.Len())
	}
	if _, ok := ts.Check(tok); !ok {
		t.Error("new token refused")
	}
	// A malformed file is not appended to.
	bad := writeFile(t, "bad", "garbage\n")
	if _, err := AddToken(bad, "x", Reader); err == nil || !strings.HasPrefix(err.Error(), bad+":1: ") {
		t.Errorf("AddToken on a malformed file: %v", err)
	}
	if err := RemoveToken(bad, "x"); err == nil {
		t.Error("RemoveToken on a malformed file succeeded")
	}
	if _, err := ListTokens(bad); err == nil {
		t.Error("ListTokens on a malformed file succeeded")
	}
}
