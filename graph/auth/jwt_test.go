package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Test keys, generated once per test binary.
var (
	keysOnce sync.Once
	rsaKey1  *rsa.PrivateKey
	rsaKey2  *rsa.PrivateKey
	ecKey256 *ecdsa.PrivateKey
	ecKey384 *ecdsa.PrivateKey
	hmacKey  []byte
)

func testKeys(t testing.TB) {
	t.Helper()
	keysOnce.Do(func() {
		var err error
		if rsaKey1, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if rsaKey2, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if ecKey256, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
		if ecKey384, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader); err != nil {
			panic(err)
		}
		hmacKey = make([]byte, 32)
		rand.Read(hmacKey)
		// a printable secret, so that it survives being a text file
		hmacKey = []byte(base64.RawURLEncoding.EncodeToString(hmacKey))
	})
}

func pemPKIX(t testing.TB, pub any) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func pemCert(t testing.TB, key *rsa.PrivateKey) string {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "kgql test issuer"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func jwkRSA(kid string, k *rsa.PublicKey) map[string]any {
	return map[string]any{
		"kty": "RSA", "kid": kid, "use": "sig",
		"n": base64.RawURLEncoding.EncodeToString(k.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.E)).Bytes()),
	}
}

func jwkEC(t testing.TB, kid, crv string, k *ecdsa.PublicKey) map[string]any {
	b, err := k.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	size := (len(b) - 1) / 2
	return map[string]any{
		"kty": "EC", "kid": kid, "crv": crv,
		"x": base64.RawURLEncoding.EncodeToString(b[1 : 1+size]),
		"y": base64.RawURLEncoding.EncodeToString(b[1+size:]),
	}
}

func jwks(t testing.TB, keys ...map[string]any) string {
	b, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func verifier(t testing.TB, keyFile string, cfg JWTConfig) *JWTVerifier {
	t.Helper()
	cfg.KeyFile = writeFile(t, "jwt-key", keyFile)
	v, err := NewJWTVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// claims returns valid claims for sub with the given role (omitted when "").
func claims(sub, role string) jwt.MapClaims {
	c := jwt.MapClaims{
		"sub": sub,
		"iat": time.Now().Unix(),
		"exp": time.Now().Add(time.Hour).Unix(),
	}
	if role != "" {
		c["role"] = role
	}
	return c
}

func sign(t testing.TB, m jwt.SigningMethod, key any, c jwt.MapClaims, kid string) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustVerify(t *testing.T, v *JWTVerifier, tok string, name string, role Role) {
	t.Helper()
	p, err := v.Verify(tok)
	if err != nil {
		t.Fatalf("Verify: %v (%s)", err, Reason(err))
	}
	if want := (Principal{Name: name, Role: role, Method: "jwt"}); p != want {
		t.Fatalf("Verify = %+v, want %+v", p, want)
	}
}

func mustRefuse(t *testing.T, v *JWTVerifier, tok, reason string) {
	t.Helper()
	p, err := v.Verify(tok)
	if err == nil {
		t.Fatalf("Verify accepted: %+v", p)
	}
	checkCredErr(t, err, tok)
	if reason != "" && Reason(err) != reason {
		t.Fatalf("reason %q, want %q", Reason(err), reason)
	}
}

// checkCredErr checks that err is a credential error that reveals nothing
// of cred.
func checkCredErr(t testing.TB, err error, cred string) {
	t.Helper()
	if !errors.Is(err, ErrInvalidCredential) {
		t.Fatalf("error %v is not ErrInvalidCredential", err)
	}
	if err.Error() != "invalid credential" {
		t.Fatalf("Error() = %q, want the fixed text", err.Error())
	}
	r := Reason(err)
	if !slices.Contains(allReasons, r) {
		t.Fatalf("reason %q is not one of the fixed reasons", r)
	}
	if len(cred) >= 4 && (strings.Contains(err.Error(), cred) || strings.Contains(r, cred)) {
		t.Fatalf("error %q / reason %q contains the credential", err, r)
	}
}

func TestJWTValid(t *testing.T) {
	testKeys(t)
	t.Run("HS256", func(t *testing.T) {
		v := verifier(t, string(hmacKey)+"\n", JWTConfig{})
		if v.Format() != "hmac" {
			t.Errorf("format %q", v.Format())
		}
		mustVerify(t, v, sign(t, jwt.SigningMethodHS256, hmacKey, claims("alice", "writer"), ""), "alice", Writer)
		mustVerify(t, v, sign(t, jwt.SigningMethodHS512, hmacKey, claims("bob", ""), ""), "bob", Reader)
	})
	t.Run("RS256 PKIX", func(t *testing.T) {
		v := verifier(t, pemPKIX(t, &rsaKey1.PublicKey), JWTConfig{})
		mustVerify(t, v, sign(t, jwt.SigningMethodRS256, rsaKey1, claims("alice", "admin"), ""), "alice", Admin)
		mustVerify(t, v, sign(t, jwt.SigningMethodPS384, rsaKey1, claims("alice", "reader"), ""), "alice", Reader)
	})
	t.Run("RS256 PKCS1", func(t *testing.T) {
		key := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&rsaKey1.PublicKey)}))
		v := verifier(t, key, JWTConfig{})
		mustVerify(t, v, sign(t, jwt.SigningMethodRS512, rsaKey1, claims("x", "writer"), ""), "x", Writer)
	})
	t.Run("RS256 certificate", func(t *testing.T) {
		// A chain: the leaf's key is used, the second certificate's is not.
		v := verifier(t, pemCert(t, rsaKey1)+pemCert(t, rsaKey2), JWTConfig{})
		mustVerify(t, v, sign(t, jwt.SigningMethodRS256, rsaKey1, claims("c", "writer"), ""), "c", Writer)
		mustRefuse(t, v, sign(t, jwt.SigningMethodRS256, rsaKey2, claims("c", "writer"), ""), reasonBadSignature)
	})
	t.Run("ES256", func(t *testing.T) {
		v := verifier(t, pemPKIX(t, &ecKey256.PublicKey), JWTConfig{})
		mustVerify(t, v, sign(t, jwt.SigningMethodES256, ecKey256, claims("e", "admin"), ""), "e", Admin)
		// ES384 does not fit a P-256 key.
		mustRefuse(t, v, sign(t, jwt.SigningMethodES384, ecKey384, claims("e", "admin"), ""), reasonAlgNotAllowed)
	})
	t.Run("JWKS kid", func(t *testing.T) {
		secret := make([]byte, 32)
		rand.Read(secret)
		oct := map[string]any{"kty": "oct", "kid": "h", "k": base64.RawURLEncoding.EncodeToString(secret)}
		enc := jwkRSA("enc", &rsaKey2.PublicKey)
		enc["use"] = "enc"
		okp := map[string]any{"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}
		v := verifier(t, jwks(t, jwkRSA("a", &rsaKey1.PublicKey), jwkRSA("b", &rsaKey2.PublicKey),
			jwkEC(t, "e", "P-384", &ecKey384.PublicKey), oct, enc, okp), JWTConfig{})
		if v.Format() != "jwks" {
			t.Errorf("format %q", v.Format())
		}
		mustVerify(t, v, sign(t, jwt.SigningMethodRS256, rsaKey1, claims("a", "writer"), "a"), "a", Writer)
		mustVerify(t, v, sign(t, jwt.SigningMethodRS256, rsaKey2, claims("b", "admin"), "b"), "b", Admin)
		mustVerify(t, v, sign(t, jwt.SigningMethodES384, ecKey384, claims("e", ""), "e"), "e", Reader)
		mustVerify(t, v, sign(t, jwt.SigningMethodHS256, secret, claims("h", "writer"), "h"), "h", Writer)
		// no kid: every key that fits the algorithm is tried
		mustVerify(t, v, sign(t, jwt.SigningMethodRS256, rsaKey2, claims("n", ""), ""), "n", Reader)
		// kid a, signed by b
		mustRefuse(t, v, sign(t, jwt.SigningMethodRS256, rsaKey2, claims("b", "admin"), "a"), reasonBadSignature)
		// unknown kid
		mustRefuse(t, v, sign(t, jwt.SigningMethodRS256, rsaKey1, claims("a", "admin"), "zz"), reasonUnknownKid)
		// kid of the RSA key, EC algorithm
		mustRefuse(t, v, sign(t, jwt.SigningMethodES384, ecKey384, claims("a", ""), "a"), reasonNoKey)
		// HS256 with kid "a" signed with the RSA key's n as the secret
		mustRefuse(t, v, sign(t, jwt.SigningMethodHS256, rsaKey1.PublicKey.N.Bytes(), claims("a", "admin"), "a"), reasonNoKey)
		// a key with "use": "enc" is not used
		mustRefuse(t, v, sign(t, jwt.SigningMethodRS256, rsaKey2, claims("a", "admin"), "enc"), reasonUnknownKid)
		// kid that is not a string
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims("a", ""))
		tok.Header["kid"] = 7
		s, _ := tok.SignedString(rsaKey1)
		mustRefuse(t, v, s, reasonBadKid)
	})
	t.Run("single JWK", func(t *testing.T) {
		b, _ := json.Marshal(jwkEC(t, "", "P-256", &ecKey256.PublicKey))
		v := verifier(t, string(b), JWTConfig{})
		mustVerify(t, v, sign(t, jwt.SigningMethodES256, ecKey256, claims("e", "writer"), ""), "e", Writer)
		// a kid selects keys with that kid; this key has none
		mustRefuse(t, v, sign(t, jwt.SigningMethodES256, ecKey256, claims("e", "writer"), "anything"), reasonUnknownKid)
	})
}

func TestJWTRefused(t *testing.T) {
	testKeys(t)
	hs := verifier(t, string(hmacKey), JWTConfig{Issuer: "https://issuer.example", Audience: "kgql"})
	good := func() jwt.MapClaims {
		c := claims("alice", "admin")
		c["iss"] = "https://issuer.example"
		c["aud"] = []string{"other", "kgql"}
		return c
	}
	hsTok := func(c jwt.MapClaims) string { return sign(t, jwt.SigningMethodHS256, hmacKey, c, "") }
	mustVerify(t, hs, hsTok(good()), "alice", Admin)

	now := time.Now()
	with := func(k string, v any) jwt.MapClaims {
		c := good()
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	cases := []struct {
		name, tok, reason string
	}{
		{"bad signature", sign(t, jwt.SigningMethodHS256, []byte(strings.Repeat("k", 40)), good(), ""), reasonBadSignature},
		{"wrong audience", hsTok(with("aud", "someone-else")), reasonWrongAudience},
		{"no audience", hsTok(with("aud", nil)), ""},
		{"wrong issuer", hsTok(with("iss", "https://evil.example")), reasonWrongIssuer},
		{"no issuer", hsTok(with("iss", nil)), ""},
		{"expired", hsTok(with("exp", now.Add(-2*time.Minute).Unix())), reasonExpired},
		{"no exp", hsTok(with("exp", nil)), reasonMissingClaim},
		{"exp not a number", hsTok(with("exp", "tomorrow")), ""},
		{"nbf in the future", hsTok(with("nbf", now.Add(5*time.Minute).Unix())), reasonNotYetValid},
		{"iat in the future", hsTok(with("iat", now.Add(5*time.Minute).Unix())), reasonIssuedFuture},
		{"garbage", "not a jwt at all", reasonMalformedJWT},
		{"garbage parts", "aaaa.bbbb.cccc", reasonMalformedJWT},
		{"empty", "", reasonMalformedJWT},
		{"too long", strings.Repeat("a", MaxCredentialLen+1), reasonTooLong},
		{"unknown alg", noneToken(`{"alg":"XX999","typ":"JWT"}`, good()), reasonAlgUnsupported},
		{"RS256 against HMAC", sign(t, jwt.SigningMethodRS256, rsaKey1, good(), ""), reasonAlgNotAllowed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { mustRefuse(t, hs, c.tok, c.reason) })
	}
	t.Run("alg none", func(t *testing.T) {
		for _, h := range []string{`{"alg":"none"}`, `{"alg":"none","typ":"JWT"}`} {
			tok := noneToken(h, good())
			if !strings.HasSuffix(tok, ".") {
				t.Fatal("bad none token")
			}
			mustRefuse(t, hs, tok, reasonAlgNone)
			mustRefuse(t, verifier(t, pemPKIX(t, &rsaKey1.PublicKey), JWTConfig{}), tok, reasonAlgNone)
		}
	})
	t.Run("exp within leeway", func(t *testing.T) {
		mustVerify(t, hs, hsTok(with("exp", now.Add(-10*time.Second).Unix())), "alice", Admin)
		mustVerify(t, hs, hsTok(with("nbf", now.Add(10*time.Second).Unix())), "alice", Admin)
		mustVerify(t, hs, hsTok(with("iat", now.Add(10*time.Second).Unix())), "alice", Admin)
		strict := verifier(t, string(hmacKey), JWTConfig{Leeway: time.Millisecond})
		mustRefuse(t, strict, hsTok(with("exp", now.Add(-10*time.Second).Unix())), reasonExpired)
	})
	t.Run("algorithm confusion", func(t *testing.T) {
		pub := pemPKIX(t, &rsaKey1.PublicKey)
		v := verifier(t, pub, JWTConfig{})
		// HS256 signed with the public key file's bytes, as an attacker
		// who knows the public key would.
		for _, secret := range []string{pub, strings.TrimRight(pub, "\n")} {
			mustRefuse(t, v, sign(t, jwt.SigningMethodHS256, []byte(secret), claims("mallory", "admin"), ""), reasonAlgNotAllowed)
		}
		der, _ := x509.MarshalPKIXPublicKey(&rsaKey1.PublicKey)
		mustRefuse(t, v, sign(t, jwt.SigningMethodHS256, der, claims("mallory", "admin"), ""), reasonAlgNotAllowed)
		ec := verifier(t, pemPKIX(t, &ecKey256.PublicKey), JWTConfig{})
		mustRefuse(t, ec, sign(t, jwt.SigningMethodHS256, []byte(pemPKIX(t, &ecKey256.PublicKey)), claims("m", "admin"), ""), reasonAlgNotAllowed)
		mustRefuse(t, ec, sign(t, jwt.SigningMethodRS256, rsaKey1, claims("m", "admin"), ""), reasonAlgNotAllowed)
	})
	t.Run("crit header", func(t *testing.T) {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, good())
		tok.Header["crit"] = []string{"exp"}
		s, _ := tok.SignedString(hmacKey)
		mustRefuse(t, hs, s, reasonCrit)
	})
	t.Run("non-canonical base64 signature", func(t *testing.T) {
		// HS256 signatures are 32 bytes: 43 chars whose last holds 2 spare
		// bits. Flipping them must not give a second valid encoding.
		tok := hsTok(good())
		last := tok[len(tok)-1]
		alphabet := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		i := strings.IndexByte(alphabet, last)
		alt := tok[:len(tok)-1] + string(alphabet[i^1])
		mustRefuse(t, hs, alt, "")
	})
}

// noneToken builds an unsigned token by hand: header.payload. with an
// empty signature.
func noneToken(header string, c jwt.MapClaims) string {
	payload, _ := json.Marshal(c)
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(header)) + "." + enc(payload) + "."
}

func TestJWTRoleClaim(t *testing.T) {
	testKeys(t)
	cases := []struct {
		claim string
		value any
		want  Role
	}{
		{"", "admin", Admin},
		{"", []any{"reader", "admin", "writer"}, Admin},
		{"", []any{"bogus", "writer", 7}, Writer},
		{"", []any{}, Reader},
		{"", "superuser", Reader},
		{"", "Admin", Reader},
		{"", 3, Reader},
		{"", nil, Reader},
		{"realm_access.roles", map[string]any{"roles": []any{"offline_access", "writer"}}, Writer},
		{"realm_access.roles", map[string]any{"other": "admin"}, Reader},
		{"realm_access.roles", "admin", Reader},
		{"https://kgql.example/role", "admin", Admin},
		{"groups", []any{"admin"}, Admin},
	}
	for _, c := range cases {
		name := c.claim
		if name == "" {
			name = "role"
		}
		v := verifier(t, string(hmacKey), JWTConfig{RoleClaim: c.claim})
		cl := claims("u", "")
		if c.value != nil {
			if first, _, nested := strings.Cut(name, "."); nested && !strings.Contains(name, "://") {
				cl[first] = c.value
			} else {
				cl[name] = c.value
			}
		}
		p, err := v.Verify(sign(t, jwt.SigningMethodHS256, hmacKey, cl, ""))
		if err != nil {
			t.Fatalf("%s=%v: %v", name, c.value, Reason(err))
		}
		if p.Role != c.want {
			t.Errorf("%s=%v: role %v, want %v", name, c.value, p.Role, c.want)
		}
	}
	// sub empty or absent: the principal is named "jwt"
	v := verifier(t, string(hmacKey), JWTConfig{})
	c := claims("", "writer")
	mustVerify(t, v, sign(t, jwt.SigningMethodHS256, hmacKey, c, ""), "jwt", Writer)
	delete(c, "sub")
	mustVerify(t, v, sign(t, jwt.SigningMethodHS256, hmacKey, c, ""), "jwt", Writer)
}

func TestJWTKeyFileErrors(t *testing.T) {
	testKeys(t)
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	ec224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	privDER, _ := x509.MarshalPKCS8PrivateKey(rsaKey1)
	cases := map[string]string{
		"empty":            "",
		"short secret":     "too-short-secret\n",
		"31 bytes":         strings.Repeat("s", 31) + "\n\n",
		"private key":      string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER})),
		"broken PEM":       "-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n",
		"bad PKIX":         string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte("xx")})),
		"small RSA":        pemPKIX(t, &small.PublicKey),
		"P-224":            string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: mustPKIX(t, &ec224.PublicKey)})),
		"JSON no keys":     `{"foo": 1}`,
		"broken JSON":      `{"keys": [`,
		"keys not array":   `{"keys": {}}`,
		"no usable keys":   `{"keys": [{"kty": "OKP"}]}`,
		"short oct":        `{"keys": [{"kty": "oct", "k": "c2hvcnQ"}]}`,
		"bad RSA n":        `{"keys": [{"kty": "RSA", "n": "!!", "e": "AQAB"}]}`,
		"bad RSA e":        jwks(t, map[string]any{"kty": "RSA", "n": jwkRSA("", &rsaKey1.PublicKey)["n"], "e": "AA"}),
		"bad EC curve":     `{"keys": [{"kty": "EC", "crv": "P-192", "x": "AA", "y": "AA"}]}`,
		"EC off curve":     jwks(t, map[string]any{"kty": "EC", "crv": "P-256", "x": base64.RawURLEncoding.EncodeToString(make([]byte, 32)), "y": base64.RawURLEncoding.EncodeToString(make([]byte, 32))}),
		"alg mismatch":     jwks(t, map[string]any{"kty": "oct", "k": base64.RawURLEncoding.EncodeToString(make([]byte, 32)), "alg": "RS256"}),
		"RSA key 1024 JWK": jwks(t, jwkRSA("s", &small.PublicKey)),
	}
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := NewJWTVerifier(JWTConfig{KeyFile: writeFile(t, "key", content)}); err == nil {
				t.Error("accepted")
			}
		})
	}
	if _, err := NewJWTVerifier(JWTConfig{}); err == nil {
		t.Error("accepted no key file")
	}
	if _, err := NewJWTVerifier(JWTConfig{KeyFile: writeFile(t, "key", string(hmacKey)), Leeway: -time.Second}); err == nil {
		t.Error("accepted a negative leeway")
	}
	v := verifier(t, strings.Repeat("s", 32)+"\r\n", JWTConfig{})
	if cfg := v.Config(); cfg.RoleClaim != "role" || cfg.Leeway != 30*time.Second {
		t.Errorf("defaults: %+v", cfg)
	}
	mustVerify(t, v, sign(t, jwt.SigningMethodHS256, []byte(strings.Repeat("s", 32)), claims("a", ""), ""), "a", Reader)
}

func mustPKIX(t testing.TB, pub any) []byte {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestJWTReload(t *testing.T) {
	testKeys(t)
	v := verifier(t, string(hmacKey), JWTConfig{})
	old := sign(t, jwt.SigningMethodHS256, hmacKey, claims("a", "writer"), "")
	mustVerify(t, v, old, "a", Writer)

	// Rotate to an RSA key.
	if err := os.WriteFile(v.Config().KeyFile, []byte(pemPKIX(t, &rsaKey1.PublicKey)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := v.Reload(); err != nil {
		t.Fatal(err)
	}
	mustRefuse(t, v, old, reasonAlgNotAllowed)
	mustVerify(t, v, sign(t, jwt.SigningMethodRS256, rsaKey1, claims("b", "admin"), ""), "b", Admin)

	// A broken key file: Reload fails, the RSA key stays.
	if err := os.WriteFile(v.Config().KeyFile, []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := v.Reload(); err == nil {
		t.Fatal("Reload accepted a broken key file")
	}
	mustVerify(t, v, sign(t, jwt.SigningMethodRS256, rsaKey1, claims("b", "admin"), ""), "b", Admin)
	os.Remove(v.Config().KeyFile)
	if err := v.Reload(); err == nil {
		t.Fatal("Reload accepted a missing key file")
	}
	mustVerify(t, v, sign(t, jwt.SigningMethodRS256, rsaKey1, claims("b", "admin"), ""), "b", Admin)
}
