// Package auth authenticates callers of the kgql server.
//
// It knows two credential sources, both optional:
//
//   - static bearer tokens, kept as SHA-256 hashes in a token file
//     (see [LoadTokens], [AddToken]);
//   - JSON Web Tokens verified against a key file that holds an HMAC
//     secret, a PEM public key or certificate, or a JWKS
//     (see [NewJWTVerifier]).
//
// An [Authenticator] combines them and turns the value of an
// Authorization header into a [Principal]. Authorization policy (which
// role an operation needs, HTTP status codes) belongs to the server; this
// package only says who the caller is and what role they hold.
package auth

import (
	"context"
	"fmt"
)

// Role is the level of access a caller holds. Roles are ordered:
// Admin includes everything Writer may do, and Writer everything Reader
// may do.
type Role int

const (
	// Anonymous is the role of a caller that presented no credential.
	Anonymous Role = iota
	// Reader may run queries.
	Reader
	// Writer may also run mutations.
	Writer
	// Admin may also use the /admin endpoints and cascade deletes.
	Admin
)

// ParseRole parses a role name as written in token files, JWT role claims
// and command-line flags: exactly "reader", "writer" or "admin".
// "anonymous" is not a role that can be granted and is refused.
func ParseRole(s string) (Role, error) {
	switch s {
	case "reader":
		return Reader, nil
	case "writer":
		return Writer, nil
	case "admin":
		return Admin, nil
	}
	return Anonymous, fmt.Errorf("unknown role %q (want reader, writer or admin)", s)
}

// String returns the role's name: "anonymous", "reader", "writer" or
// "admin" ("role(N)" for a value outside the defined range).
func (r Role) String() string {
	switch r {
	case Anonymous:
		return "anonymous"
	case Reader:
		return "reader"
	case Writer:
		return "writer"
	case Admin:
		return "admin"
	}
	return fmt.Sprintf("role(%d)", int(r))
}

// AtLeast reports whether r includes the permissions of need
// (for example Admin.AtLeast(Writer) is true).
func (r Role) AtLeast(need Role) bool { return r >= need }

// valid reports whether r is one of the grantable roles.
func (r Role) valid() bool { return r >= Reader && r <= Admin }

// Principal is an authenticated (or anonymous) caller.
type Principal struct {
	// Name identifies the caller in logs: the token's name from the token
	// file, the JWT "sub" claim ("jwt" when it is empty), or "" for an
	// anonymous caller.
	Name string
	// Role is the caller's level of access.
	Role Role
	// Method is how the caller authenticated: "token", "jwt", or "" for
	// an anonymous caller.
	Method string
}

// Authenticated reports whether the principal presented a valid
// credential.
func (p Principal) Authenticated() bool { return p.Method != "" }

// Method values of a Principal.
const (
	MethodToken = "token"
	MethodJWT   = "jwt"
)

type principalKey struct{}

// WithPrincipal returns a copy of ctx that carries p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal stored by WithPrincipal, or the
// anonymous principal (zero value: Role Anonymous, Method "") when there
// is none.
func FromContext(ctx context.Context) Principal {
	if ctx == nil {
		return Principal{}
	}
	p, _ := ctx.Value(principalKey{}).(Principal)
	return p
}
