package auth

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// JWTConfig configures a JWTVerifier.
type JWTConfig struct {
	// KeyFile is the key file (-jwt-key): a JWKS, a PEM public key or
	// certificate, or an HMAC secret (see NewJWTVerifier).
	KeyFile string
	// Issuer, when set, must equal the token's "iss" claim.
	Issuer string
	// Audience, when set, must be one of the token's "aud" values.
	Audience string
	// RoleClaim names the claim holding the caller's role ("role" when
	// empty). A name with dots that is not itself a top-level claim is a
	// path through nested objects, e.g. "realm_access.roles".
	RoleClaim string
	// Leeway is the clock skew allowed when checking exp, nbf and iat
	// (30s when zero; negative is an error).
	Leeway time.Duration
}

// Defaults for JWTConfig.
const (
	DefaultRoleClaim = "role"
	DefaultLeeway    = 30 * time.Second
)

// JWTVerifier verifies JSON Web Tokens against the keys of a key file.
// It is safe for concurrent use; Reload swaps the keys at once.
type JWTVerifier struct {
	cfg  JWTConfig
	keys atomic.Pointer[keySet]
}

// keySet is the state loaded from one reading of the key file.
type keySet struct {
	keys    []vkey
	methods []string // the algorithms the keys may verify
	format  string
	parser  *jwt.Parser
	// jwks is true for a JWKS: only then does the kid header select keys.
	jwks bool
}

// NewJWTVerifier reads cfg.KeyFile and returns a verifier. The file's
// format is detected:
//
//   - a JSON object with "keys": a JWKS with "RSA", "EC" (P-256, P-384,
//     P-521) and "oct" keys; keys with "use" other than "sig" and of
//     other types are skipped. A token's "kid" header, when present,
//     selects the keys with that kid; otherwise every key that fits the
//     token's algorithm is tried;
//   - PEM: "PUBLIC KEY" (PKIX, RSA or ECDSA), "RSA PUBLIC KEY" (PKCS #1)
//     or "CERTIFICATE" (its public key; of a chain only the first
//     certificate is used);
//   - anything else: the file's bytes, trailing newlines removed, are an
//     HMAC secret, which must be at least 32 bytes.
//
// The algorithms accepted follow from the key type: HS256/384/512 for
// HMAC keys, RS256/384/512 and PS256/384/512 for RSA keys, and the ES
// algorithm matching the curve for EC keys. "alg": "none" is never
// accepted, and an HMAC-signed token is never checked against an RSA or
// EC key. RSA keys must have at least 2048 bits.
func NewJWTVerifier(cfg JWTConfig) (*JWTVerifier, error) {
	if cfg.KeyFile == "" {
		return nil, errors.New("auth: JWT key file not set")
	}
	if cfg.RoleClaim == "" {
		cfg.RoleClaim = DefaultRoleClaim
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = DefaultLeeway
	}
	if cfg.Leeway < 0 {
		return nil, fmt.Errorf("auth: negative JWT leeway %v", cfg.Leeway)
	}
	v := &JWTVerifier{cfg: cfg}
	if err := v.Reload(); err != nil {
		return nil, err
	}
	return v, nil
}

// Config returns the verifier's configuration, with defaults filled in.
func (v *JWTVerifier) Config() JWTConfig { return v.cfg }

// Format returns the detected format of the key file: "jwks", "pem" or
// "hmac".
func (v *JWTVerifier) Format() string {
	if ks := v.keys.Load(); ks != nil {
		return ks.format
	}
	return ""
}

// Reload re-reads the key file (on SIGHUP, say). On any error the
// verifier keeps its current keys and the error is returned.
func (v *JWTVerifier) Reload() error {
	data, err := os.ReadFile(v.cfg.KeyFile)
	if err != nil {
		return fmt.Errorf("auth: JWT key: %w", err)
	}
	keys, format, err := parseKeyFile(data)
	if err != nil {
		return fmt.Errorf("auth: JWT key %s: %w", v.cfg.KeyFile, err)
	}
	methods := algsFor(keys)
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(methods),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(v.cfg.Leeway),
		jwt.WithStrictDecoding(),
	}
	if v.cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(v.cfg.Issuer))
	}
	if v.cfg.Audience != "" {
		opts = append(opts, jwt.WithAudience(v.cfg.Audience))
	}
	v.keys.Store(&keySet{keys: keys, methods: methods, format: format, parser: jwt.NewParser(opts...), jwks: format == "jwks"})
	return nil
}

// keyfunc errors, mapped to reasons by Verify.
var (
	errCrit       = errors.New("crit")
	errBadKid     = errors.New("bad kid")
	errUnknownKid = errors.New("unknown kid")
	errNoKey      = errors.New("no key")
)

func (ks *keySet) keyfunc(t *jwt.Token) (any, error) {
	if _, ok := t.Header["crit"]; ok {
		// RFC 7515 4.1.11: extensions we do not understand must be refused.
		return nil, errCrit
	}
	alg := t.Method.Alg()
	kid, hasKid := "", false
	if ks.jwks {
		if raw, ok := t.Header["kid"]; ok {
			s, ok := raw.(string)
			if !ok {
				return nil, errBadKid
			}
			kid, hasKid = s, true
		}
	}
	var set jwt.VerificationKeySet
	kidSeen := false
	for i := range ks.keys {
		k := &ks.keys[i]
		if hasKid && k.kid != kid {
			continue
		}
		kidSeen = true
		if k.fits(alg) {
			set.Keys = append(set.Keys, k.key)
		}
	}
	switch {
	case hasKid && !kidSeen:
		return nil, errUnknownKid
	case len(set.Keys) == 0:
		return nil, errNoKey
	case len(set.Keys) == 1:
		return set.Keys[0], nil
	}
	return set, nil
}

// Verify checks a JWT: its signature, its algorithm against the key type,
// exp (required), nbf and iat (with the leeway), and iss and aud when
// configured. It returns the caller's principal: Name from "sub" ("jwt"
// when empty), Method "jwt", and Role from the role claim (the highest
// known role of a string or an array of strings; Reader when the claim is
// missing or names no known role).
//
// Every failure matches ErrInvalidCredential; Reason(err) says why, and
// never contains any part of the token.
func (v *JWTVerifier) Verify(token string) (Principal, error) {
	if v == nil {
		return Principal{}, fail(reasonVerifierMissing)
	}
	if len(token) > MaxCredentialLen {
		return Principal{}, fail(reasonTooLong)
	}
	ks := v.keys.Load()
	if ks == nil {
		return Principal{}, fail(reasonVerifierMissing)
	}
	claims := jwt.MapClaims{}
	t, err := ks.parser.ParseWithClaims(token, claims, ks.keyfunc)
	if err != nil {
		return Principal{}, fail(ks.reason(t, err))
	}
	if !t.Valid {
		return Principal{}, fail(reasonUnverifiable)
	}
	name, _ := claims["sub"].(string)
	if name == "" {
		name = "jwt"
	}
	return Principal{Name: name, Role: roleFromClaims(claims, v.cfg.RoleClaim), Method: MethodJWT}, nil
}

// reason maps a jwt-go error to one of the fixed reasons. The library's
// own messages are never used: some quote decoded parts of the token.
func (ks *keySet) reason(t *jwt.Token, err error) string {
	switch {
	case errors.Is(err, errCrit):
		return reasonCrit
	case errors.Is(err, errBadKid):
		return reasonBadKid
	case errors.Is(err, errUnknownKid):
		return reasonUnknownKid
	case errors.Is(err, errNoKey):
		return reasonNoKey
	case errors.Is(err, jwt.ErrTokenMalformed):
		return reasonMalformedJWT
	}
	if t != nil {
		if alg, _ := t.Header["alg"].(string); alg == "none" {
			return reasonAlgNone
		}
		if t.Method == nil {
			return reasonAlgUnsupported
		}
	}
	switch {
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		if t != nil && t.Method != nil && !slices.Contains(ks.methods, t.Method.Alg()) {
			return reasonAlgNotAllowed
		}
		return reasonBadSignature
	case errors.Is(err, jwt.ErrTokenExpired):
		return reasonExpired
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return reasonNotYetValid
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return reasonIssuedFuture
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return reasonWrongAudience
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return reasonWrongIssuer
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return reasonMissingClaim
	case errors.Is(err, jwt.ErrTokenInvalidClaims):
		return reasonBadClaims
	}
	return reasonUnverifiable
}

// roleFromClaims reads the role claim: a string or an array of strings,
// the highest known role winning; Reader when none is known.
func roleFromClaims(claims jwt.MapClaims, name string) Role {
	val, ok := claims[name]
	if !ok && strings.Contains(name, ".") {
		val = walkClaim(claims, strings.Split(name, "."))
	}
	best := Reader
	consider := func(x any) {
		if s, ok := x.(string); ok {
			if r, err := ParseRole(s); err == nil && r > best {
				best = r
			}
		}
	}
	switch x := val.(type) {
	case string:
		consider(x)
	case []any:
		for _, e := range x {
			consider(e)
		}
	}
	return best
}

// walkClaim follows path through nested JSON objects; nil when a step
// is missing or not an object.
func walkClaim(m map[string]any, path []string) any {
	var cur any = m
	for _, p := range path {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = obj[p]
	}
	return cur
}
