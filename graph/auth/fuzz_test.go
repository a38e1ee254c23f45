package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// FuzzLoadTokens: any file content either loads or fails with
// "PATH:LINE: reason"; what loads is exactly the file's non-comment
// lines, each with a valid name, role and hash.
func FuzzLoadTokens(f *testing.F) {
	h := HashToken("x")
	f.Add("alice reader " + h + "\n")
	f.Add("# kgql tokens: NAME ROLE SHA256(token) per line\nalice reader " + h + "\n\tbob\twriter\t" + HashToken("y") + "\r\n\n")
	f.Add("alice reader " + h + "\nalice writer " + HashToken("y") + "\n")
	f.Add("a admin " + h + "\nb admin " + h)
	f.Add("a Admin " + strings.ToUpper(h) + "\n")
	f.Add("   #\n" + strings.Repeat("n", 64) + " writer " + h)
	f.Add("x\x00 reader " + h + "\n")
	path := filepath.Join(f.TempDir(), "tokens")
	f.Fuzz(func(t *testing.T, content string) {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		ts, err := LoadTokens(path)
		lines := strings.Split(content, "\n")
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, path+":") {
				t.Fatalf("error without PATH:LINE: %q", msg)
			}
			return
		}
		entries := *ts.entries.Load()
		want := 0
		for _, l := range lines {
			l = strings.TrimLeft(strings.TrimSuffix(l, "\r"), " \t")
			if l != "" && l[0] != '#' {
				want++
			}
		}
		if len(entries) != want || ts.Len() != want {
			t.Fatalf("loaded %d tokens from %d token lines", len(entries), want)
		}
		names := map[string]bool{}
		for _, e := range entries {
			if !validName(e.name) || names[e.name] {
				t.Fatalf("bad or duplicate name %q loaded", e.name)
			}
			names[e.name] = true
			if !e.role.valid() {
				t.Fatalf("role %v loaded", e.role)
			}
			if e.line < 1 || e.line > len(lines) {
				t.Fatalf("line %d out of range", e.line)
			}
			fields := strings.FieldsFunc(strings.TrimSuffix(lines[e.line-1], "\r"), func(r rune) bool { return r == ' ' || r == '\t' })
			if len(fields) != 3 || fields[0] != e.name || fields[1] != e.role.String() || fields[2] != hex.EncodeToString(e.hash[:]) {
				t.Fatalf("line %d %q loaded as %+v", e.line, lines[e.line-1], e)
			}
		}
	})
}

// Fixed credentials of FuzzAuthenticate (the fuzzer may find them in
// the seeds; it must find nothing else).
const (
	fuzzTokenA = "kgql_fuzz-known-token-A_0123456789abcdefghijklm"
	fuzzTokenB = "short"
	fuzzSecret = "fuzz-hmac-secret-0123456789-abcdefghijklmnop"
)

// FuzzAuthenticate: no header authenticates unless it is "Bearer " (any
// case) plus a known token or a validly signed JWT; every other non-empty
// header fails with ErrInvalidCredential and a fixed reason.
func FuzzAuthenticate(f *testing.F) {
	dir := f.TempDir()
	tokPath := filepath.Join(dir, "tokens")
	os.WriteFile(tokPath, []byte("a writer "+HashToken(fuzzTokenA)+"\nb reader "+HashToken(fuzzTokenB)+"\n"), 0o600)
	ts, err := LoadTokens(tokPath)
	if err != nil {
		f.Fatal(err)
	}
	keyPath := filepath.Join(dir, "key")
	os.WriteFile(keyPath, []byte(fuzzSecret+"\n"), 0o600)
	v, err := NewJWTVerifier(JWTConfig{KeyFile: keyPath, Audience: "kgql"})
	if err != nil {
		f.Fatal(err)
	}
	a := NewAuthenticator(ts, v)

	// Deterministic valid JWTs (exp in 2100).
	mk := func(m jwt.SigningMethod, c jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(m, c).SignedString([]byte(fuzzSecret))
		if err != nil {
			f.Fatal(err)
		}
		return s
	}
	exp := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	valid := map[string]Principal{
		mk(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "j1", "aud": "kgql", "exp": exp, "role": "admin"}):                           {Name: "j1", Role: Admin, Method: "jwt"},
		mk(jwt.SigningMethodHS512, jwt.MapClaims{"sub": "j2", "aud": []string{"x", "kgql"}, "exp": exp, "role": []string{"writer"}}): {Name: "j2", Role: Writer, Method: "jwt"},
	}
	known := map[string]Principal{
		fuzzTokenA: {Name: "a", Role: Writer, Method: "token"},
		fuzzTokenB: {Name: "b", Role: Reader, Method: "token"},
	}
	for tok, p := range valid {
		known[tok] = p
		f.Add("Bearer " + tok)
	}
	expired := mk(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "old", "aud": "kgql", "exp": 1000, "role": "admin"})
	wrongAud := mk(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "x", "aud": "other", "exp": exp})
	for _, s := range []string{
		"", "Bearer " + fuzzTokenA, "bearer " + fuzzTokenB, "BEARER " + fuzzTokenA + " ", "Bearer  " + fuzzTokenB,
		"Basic YTpi", "Bearer", "Bearer ", "Bearer " + expired, "Bearer " + wrongAud,
		"Bearer " + noneToken(`{"alg":"none"}`, jwt.MapClaims{"sub": "x", "aud": "kgql", "exp": exp, "role": "admin"}),
		"Bearer a.b.c", "Bearer ...", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.", "Bearer " + fuzzTokenA[:10],
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		p, err := a.Authenticate(header)
		if header == "" {
			if err != nil || p != (Principal{}) {
				t.Fatalf("empty header: %+v, %v", p, err)
			}
			return
		}
		if err != nil {
			if p != (Principal{}) {
				t.Fatalf("principal %+v returned with an error", p)
			}
			checkCredErr(t, err, "")
			return
		}
		if len(header) < 7 || !strings.EqualFold(header[:7], "Bearer ") {
			t.Fatalf("%q authenticated as %+v without the Bearer scheme", header, p)
		}
		want, ok := known[header[7:]]
		if !ok {
			t.Fatalf("%q authenticated as %+v", header, p)
		}
		if p != want {
			t.Fatalf("%q authenticated as %+v, want %+v", header, p, want)
		}
	})
}

// FuzzVerifyJWT: no string verifies against keys whose private halves
// the fuzzer never sees, and every failure has a fixed reason.
func FuzzVerifyJWT(f *testing.F) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		f.Fatal(err)
	}
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	secret := make([]byte, 32)
	rand.Read(secret)
	keyFile := jwks(f,
		jwkRSA("r", &rsaKey.PublicKey),
		jwkEC(f, "e", "P-256", &ecKey.PublicKey),
		map[string]any{"kty": "oct", "kid": "h", "k": base64.RawURLEncoding.EncodeToString(secret)},
	)
	path := filepath.Join(f.TempDir(), "jwks.json")
	os.WriteFile(path, []byte(keyFile), 0o600)
	v, err := NewJWTVerifier(JWTConfig{KeyFile: path, Issuer: "iss", RoleClaim: "realm.roles"})
	if err != nil {
		f.Fatal(err)
	}

	// Seeds: well-formed tokens signed with other keys, for every
	// algorithm family and kid.
	otherRSA, _ := rsa.GenerateKey(rand.Reader, 2048)
	otherEC, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	c := jwt.MapClaims{"sub": "s", "iss": "iss", "exp": time.Now().Add(time.Hour).Unix(), "realm": map[string]any{"roles": []string{"admin"}}}
	for _, s := range []struct {
		m   jwt.SigningMethod
		key any
		kid string
	}{
		{jwt.SigningMethodRS256, otherRSA, "r"}, {jwt.SigningMethodPS256, otherRSA, ""},
		{jwt.SigningMethodES256, otherEC, "e"}, {jwt.SigningMethodHS256, []byte("not the secret, not the secret!!"), "h"},
		{jwt.SigningMethodHS384, []byte(keyFile), ""}, {jwt.SigningMethodRS256, otherRSA, "nope"},
	} {
		tok := jwt.NewWithClaims(s.m, c)
		if s.kid != "" {
			tok.Header["kid"] = s.kid
		}
		str, err := tok.SignedString(s.key)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(str)
	}
	f.Add(noneToken(`{"alg":"none"}`, c))
	f.Add(noneToken(`{"alg":"HS256","crit":["x"]}`, c))
	f.Add("")
	f.Add("a.b.c")
	f.Add("eyJhbGciOiJIUzI1NiJ9.e30.AAAA")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := v.Verify(s)
		if err == nil {
			t.Fatalf("%q verified as %+v", s, p)
		}
		if p != (Principal{}) {
			t.Fatalf("principal %+v returned with an error", p)
		}
		checkCredErr(t, err, "")
	})
}
