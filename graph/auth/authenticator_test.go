package auth

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

func TestAuthenticate(t *testing.T) {
	testKeys(t)
	tok, dotted := "kgql_statictoken", "aaa.bbb.ccc"
	ts, err := LoadTokens(writeFile(t, "tokens", "svc writer "+HashToken(tok)+"\ndots reader "+HashToken(dotted)+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	v := verifier(t, string(hmacKey), JWTConfig{})
	jwtTok := sign(t, jwt.SigningMethodHS256, hmacKey, claims("alice", "admin"), "")

	both := NewAuthenticator(ts, v)
	tokensOnly := NewAuthenticator(ts, nil)
	jwtOnly := NewAuthenticator(nil, v)
	none := NewAuthenticator(nil, nil)
	if !both.Configured() || !tokensOnly.Configured() || !jwtOnly.Configured() || none.Configured() {
		t.Error("Configured wrong")
	}
	var nilAuth *Authenticator
	if nilAuth.Configured() {
		t.Error("nil authenticator configured")
	}

	svc := Principal{Name: "svc", Role: Writer, Method: "token"}
	alice := Principal{Name: "alice", Role: Admin, Method: "jwt"}
	ok := []struct {
		a    *Authenticator
		h    string
		want Principal
	}{
		{both, "", Principal{}},
		{none, "", Principal{}},
		{nilAuth, "", Principal{}},
		{both, "Bearer " + tok, svc},
		{both, "bearer " + tok, svc},
		{both, "BEARER " + tok, svc},
		{both, "bEaReR " + tok, svc},
		{tokensOnly, "Bearer " + tok, svc},
		{both, "Bearer " + jwtTok, alice},
		{jwtOnly, "Bearer " + jwtTok, alice},
		// JWT-shaped, but no verifier: a static token
		{tokensOnly, "Bearer " + dotted, Principal{Name: "dots", Role: Reader, Method: "token"}},
	}
	for _, c := range ok {
		p, err := c.a.Authenticate(c.h)
		if err != nil || p != c.want {
			t.Errorf("Authenticate(%q) = %+v, %v (%s); want %+v", c.h, p, err, Reason(err), c.want)
		}
	}
	if p, _ := both.Authenticate(""); p.Role != Anonymous || p.Authenticated() {
		t.Errorf("anonymous principal %+v", p)
	}

	bad := []struct {
		a      *Authenticator
		h      string
		reason string
	}{
		{both, "Basic " + base64.StdEncoding.EncodeToString([]byte("u:"+tok)), reasonNotBearer},
		{both, tok, reasonNotBearer},
		{both, "Bearer", reasonNotBearer},
		{both, "Bearer" + tok, reasonNotBearer},
		{both, "Bearer\t" + tok, reasonNotBearer},
		{both, " Bearer " + tok, reasonNotBearer},
		{both, "Token " + tok, reasonNotBearer},
		{both, "Bearer ", reasonEmpty},
		{both, "Bearer  " + tok, reasonBadChars},
		{both, "Bearer " + tok + " ", reasonBadChars},
		{both, "Bearer " + tok + "\n", reasonBadChars},
		{both, "Bearer " + tok + "é", reasonBadChars},
		{both, "Bearer " + tok + " extra", reasonBadChars},
		{both, "Bearer kgql_unknown_token", reasonUnknownToken},
		{both, "Bearer " + tok[:len(tok)-1], reasonUnknownToken},
		{both, "Bearer " + tok + "x", reasonUnknownToken},
		// JWT-shaped with a verifier: verified as a JWT, never as a token
		{both, "Bearer " + dotted, reasonMalformedJWT},
		{both, "Bearer " + flipSigChar(jwtTok), reasonBadSignature},
		{jwtOnly, "Bearer " + tok, reasonNotJWT},
		{none, "Bearer " + tok, reasonNotConfigured},
		{nilAuth, "Bearer " + tok, reasonNotConfigured},
		{both, "Bearer " + strings.Repeat("a", MaxCredentialLen), reasonTooLong},
		{both, "Bearer " + noneToken(`{"alg":"none"}`, claims("root", "admin")), reasonAlgNone},
	}
	for _, c := range bad {
		p, err := c.a.Authenticate(c.h)
		if err == nil {
			t.Errorf("Authenticate(%q) = %+v, want an error", c.h, p)
			continue
		}
		if p != (Principal{}) {
			t.Errorf("Authenticate(%q) returned principal %+v with an error", c.h, p)
		}
		cred, _ := strings.CutPrefix(c.h, "Bearer ")
		if strings.EqualFold(cred, "bearer") {
			cred = "" // the scheme itself is not a credential (and the reason names it)
		}
		checkCredErr(t, err, cred)
		for _, part := range []string{tok, tok[:8], "statictoken", "unknown_token", jwtTok[:20]} {
			if strings.Contains(err.Error(), part) || strings.Contains(Reason(err), part) {
				t.Errorf("Authenticate(%q): error %q / %q contains %q", c.h, err, Reason(err), part)
			}
		}
		if Reason(err) != c.reason {
			t.Errorf("Authenticate(%q): reason %q, want %q", c.h, Reason(err), c.reason)
		}
	}
}

func TestAuthenticateNeverLeaks(t *testing.T) {
	testKeys(t)
	ts, _ := LoadTokens(writeFile(t, "tokens", "a reader "+HashToken("kgql_x")+"\n"))
	a := NewAuthenticator(ts, verifier(t, string(hmacKey), JWTConfig{}))
	for i := 0; i < 200; i++ {
		b := make([]byte, 8+i)
		rand.Read(b)
		cred := "kgql_" + base64.RawURLEncoding.EncodeToString(b)
		if i%2 == 1 {
			// JWT-shaped random credentials
			cred = base64.RawURLEncoding.EncodeToString(b[:4]) + "." + base64.RawURLEncoding.EncodeToString(b[4:]) + "." + base64.RawURLEncoding.EncodeToString(b)
		}
		_, err := a.Authenticate("Bearer " + cred)
		if err == nil {
			t.Fatalf("random credential %q accepted", cred)
		}
		checkCredErr(t, err, cred)
	}
}

func TestReason(t *testing.T) {
	if Reason(nil) != "" {
		t.Error("Reason(nil)")
	}
	if Reason(ErrInvalidCredential) != "invalid credential" {
		t.Error("Reason of a foreign error")
	}
	if r := Reason(fail(reasonExpired)); r != "token expired" {
		t.Errorf("Reason = %q", r)
	}
}

// flipSigChar changes the first character of a JWT's signature.
func flipSigChar(tok string) string {
	i := strings.LastIndexByte(tok, '.') + 1
	c := byte('A')
	if tok[i] == 'A' {
		c = 'B'
	}
	return tok[:i] + string(c) + tok[i+1:]
}

func TestZeroValues(t *testing.T) {
	var ts TokenSet
	if _, ok := ts.Check("x"); ok || ts.Len() != 0 {
		t.Error("zero TokenSet matched")
	}
	var nilTS *TokenSet
	if _, ok := nilTS.Check("x"); ok || nilTS.Len() != 0 {
		t.Error("nil TokenSet matched")
	}
	var v JWTVerifier
	if _, err := v.Verify("a.b.c"); !errors.Is(err, ErrInvalidCredential) {
		t.Errorf("zero JWTVerifier: %v", err)
	}
	var nilV *JWTVerifier
	if _, err := nilV.Verify("a.b.c"); !errors.Is(err, ErrInvalidCredential) {
		t.Errorf("nil JWTVerifier: %v", err)
	}
}
