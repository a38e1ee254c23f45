package auth

import "strings"

// Authenticator turns Authorization header values into principals, using
// a token set, a JWT verifier, both, or neither. It is safe for
// concurrent use (reload the sources through their own Reload methods).
type Authenticator struct {
	tokens *TokenSet
	jwt    *JWTVerifier
}

// NewAuthenticator returns an Authenticator over the given sources;
// either or both may be nil.
func NewAuthenticator(tokens *TokenSet, jwt *JWTVerifier) *Authenticator {
	return &Authenticator{tokens: tokens, jwt: jwt}
}

// Configured reports whether any credential source is configured (a
// token file, even an empty one, or a JWT key). The server uses it to
// decide its open/closed policy.
func (a *Authenticator) Configured() bool {
	return a != nil && (a.tokens != nil || a.jwt != nil)
}

// Tokens returns the token set (nil when none is configured).
func (a *Authenticator) Tokens() *TokenSet {
	if a == nil {
		return nil
	}
	return a.tokens
}

// JWT returns the JWT verifier (nil when none is configured).
func (a *Authenticator) JWT() *JWTVerifier {
	if a == nil {
		return nil
	}
	return a.jwt
}

// Authenticate checks the value of an Authorization header (or the
// "Authorization" value of a websocket connection_init payload).
//
// An empty value gives the anonymous principal and a nil error; whether
// anonymous callers may do anything is the server's policy. Otherwise the
// value must be "Bearer" (any case), one space, and a non-empty
// credential of printable ASCII without spaces, at most MaxCredentialLen
// bytes in all. A credential made of three dot-separated base64url parts
// is verified as a JWT when a JWT verifier is configured; any other
// credential is checked against the token set.
//
// Every failure returns an error matching ErrInvalidCredential whose
// Error() is the fixed text "invalid credential"; Reason(err) gives the
// internal reason for the log. Neither ever contains the credential or
// any part of it.
func (a *Authenticator) Authenticate(authorization string) (Principal, error) {
	if authorization == "" {
		return Principal{}, nil
	}
	if !a.Configured() {
		return Principal{}, fail(reasonNotConfigured)
	}
	if len(authorization) > MaxCredentialLen {
		return Principal{}, fail(reasonTooLong)
	}
	const scheme = "Bearer "
	if len(authorization) < len(scheme) || !strings.EqualFold(authorization[:len(scheme)], scheme) {
		return Principal{}, fail(reasonNotBearer)
	}
	cred := authorization[len(scheme):]
	if cred == "" {
		return Principal{}, fail(reasonEmpty)
	}
	for i := 0; i < len(cred); i++ {
		if c := cred[i]; c <= ' ' || c > '~' {
			return Principal{}, fail(reasonBadChars)
		}
	}
	if a.jwt != nil && looksLikeJWT(cred) {
		return a.jwt.Verify(cred)
	}
	if a.tokens == nil {
		return Principal{}, fail(reasonNotJWT)
	}
	if p, ok := a.tokens.Check(cred); ok {
		return p, nil
	}
	return Principal{}, fail(reasonUnknownToken)
}

// looksLikeJWT reports whether s is three dot-separated parts of
// base64url characters, the first two non-empty (the signature may be
// empty, as in an "alg": "none" token, which the verifier then refuses).
func looksLikeJWT(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return false
	}
	for _, p := range parts {
		for i := 0; i < len(p); i++ {
			c := p[i]
			if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}
