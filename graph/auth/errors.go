package auth

import "errors"

// ErrInvalidCredential is the error every authentication failure matches
// (errors.Is). Its text is the only thing a client should ever be shown.
var ErrInvalidCredential = errors.New("invalid credential")

// credentialError is an authentication failure. Error() is always the
// fixed text of ErrInvalidCredential, so a server that shows err.Error()
// to a client reveals nothing about why the credential failed; the reason
// is for the server's log and is read with Reason.
//
// reason is always one of the constants below: it never holds any part
// of the credential, decoded or not.
type credentialError struct {
	reason string
}

func (e *credentialError) Error() string { return ErrInvalidCredential.Error() }
func (e *credentialError) Unwrap() error { return ErrInvalidCredential }

func fail(reason string) error { return &credentialError{reason: reason} }

// Reasons carried by credential errors. They are fixed strings so that no
// part of a credential can reach a log through them.
const (
	reasonNotConfigured   = "no credential source configured"
	reasonTooLong         = "credential too long"
	reasonNotBearer       = "not a Bearer credential"
	reasonEmpty           = "empty credential"
	reasonBadChars        = "credential has invalid characters"
	reasonUnknownToken    = "unknown token"
	reasonNotJWT          = "credential is not a JWT and no token file is configured"
	reasonMalformedJWT    = "malformed jwt"
	reasonAlgNone         = "alg none refused"
	reasonAlgUnsupported  = "unsupported algorithm"
	reasonAlgNotAllowed   = "algorithm not allowed for the configured key"
	reasonCrit            = "unsupported crit header"
	reasonBadKid          = "kid header is not a string"
	reasonUnknownKid      = "unknown key id"
	reasonNoKey           = "no key for the token's algorithm"
	reasonBadSignature    = "bad signature"
	reasonExpired         = "token expired"
	reasonNotYetValid     = "token not valid yet"
	reasonIssuedFuture    = "token issued in the future"
	reasonWrongAudience   = "wrong audience"
	reasonWrongIssuer     = "wrong issuer"
	reasonMissingClaim    = "missing required claim"
	reasonBadClaims       = "invalid claims"
	reasonUnverifiable    = "unverifiable token"
	reasonVerifierMissing = "jwt verifier not configured"
)

// allReasons lists every reason a credential error can carry (tests and
// fuzz targets check that nothing else ever appears).
var allReasons = []string{
	reasonNotConfigured, reasonTooLong, reasonNotBearer, reasonEmpty,
	reasonBadChars, reasonUnknownToken, reasonNotJWT, reasonMalformedJWT,
	reasonAlgNone, reasonAlgUnsupported, reasonAlgNotAllowed, reasonCrit,
	reasonBadKid, reasonUnknownKid, reasonNoKey, reasonBadSignature,
	reasonExpired, reasonNotYetValid, reasonIssuedFuture, reasonWrongAudience,
	reasonWrongIssuer, reasonMissingClaim, reasonBadClaims, reasonUnverifiable,
	reasonVerifierMissing,
}

// Reason returns the internal reason of an authentication failure, for
// the server's log only (for example "token expired", "unknown token",
// "bad signature"). It never contains any part of the credential. Never
// show it to the client: it distinguishes failures (an unknown token from
// an expired JWT, say) that a client must not be able to tell apart.
//
// Reason returns "" for a nil error and err.Error() for an error that did
// not come from this package.
func Reason(err error) string {
	if err == nil {
		return ""
	}
	var ce *credentialError
	if errors.As(err, &ce) {
		return ce.reason
	}
	return err.Error()
}
