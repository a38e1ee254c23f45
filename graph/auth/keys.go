package auth

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// keyKind is the family of a verification key; it decides which JWT
// algorithms may be verified with it.
type keyKind int

const (
	kindHMAC keyKind = iota
	kindRSA
	kindEC
)

// minHMACLen is the shortest HMAC secret accepted (256 bits).
const minHMACLen = 32

// minRSABits is the smallest RSA modulus accepted.
const minRSABits = 2048

// vkey is one verification key.
type vkey struct {
	kind keyKind
	kid  string // JWKS "kid"; "" for other sources
	alg  string // JWKS "alg" when given: the only algorithm this key verifies
	key  any    // []byte, *rsa.PublicKey or *ecdsa.PublicKey
	ec   string // for EC keys: the algorithm that fits the curve (ES256, ES384, ES512)
}

// fits reports whether k may verify a token signed with alg.
func (k *vkey) fits(alg string) bool {
	if k.alg != "" && k.alg != alg {
		return false
	}
	switch k.kind {
	case kindHMAC:
		return alg == "HS256" || alg == "HS384" || alg == "HS512"
	case kindRSA:
		switch alg {
		case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
			return true
		}
	case kindEC:
		return alg == k.ec
	}
	return false
}

// algsFor lists the algorithms keys of these kinds may verify.
func algsFor(keys []vkey) []string {
	all := []string{"HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}
	var out []string
	for _, alg := range all {
		for i := range keys {
			if keys[i].fits(alg) {
				out = append(out, alg)
				break
			}
		}
	}
	return out
}

// parseKeyFile detects the format of a -jwt-key file and returns its
// keys and a short description of the format ("jwks", "pem", "hmac").
//
//   - a JSON object with "keys" is a JWKS (a single JWK object with "kty"
//     is accepted too);
//   - PEM data holds "PUBLIC KEY", "RSA PUBLIC KEY" and "CERTIFICATE"
//     blocks; of certificates only the first (the leaf) is used;
//   - anything else is an HMAC secret: the file's bytes with trailing
//     newlines removed, at least 32 bytes long.
//
// Data that starts with '{' or holds a PEM block is never taken as an
// HMAC secret, so a broken JWKS or PEM file is an error rather than a
// secret nobody meant.
func parseKeyFile(data []byte) ([]vkey, string, error) {
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) > 0 && trimmed[0] == '{':
		keys, err := parseJWKSFile(trimmed)
		return keys, "jwks", err
	case bytes.Contains(data, []byte("-----BEGIN ")):
		keys, err := parsePEMFile(data)
		return keys, "pem", err
	}
	secret := bytes.TrimRight(data, "\r\n")
	if len(secret) < minHMACLen {
		return nil, "hmac", fmt.Errorf("HMAC secret is %d bytes, want at least %d", len(secret), minHMACLen)
	}
	return []vkey{{kind: kindHMAC, key: bytes.Clone(secret)}}, "hmac", nil
}

func parsePEMFile(data []byte) ([]vkey, error) {
	var keys []vkey
	sawCert := false
	for n := 1; ; n++ {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		var pub any
		var err error
		switch block.Type {
		case "PUBLIC KEY":
			pub, err = x509.ParsePKIXPublicKey(block.Bytes)
		case "RSA PUBLIC KEY":
			pub, err = x509.ParsePKCS1PublicKey(block.Bytes)
		case "CERTIFICATE":
			if sawCert {
				continue // CA certificates of a chain do not sign tokens
			}
			sawCert = true
			var cert *x509.Certificate
			cert, err = x509.ParseCertificate(block.Bytes)
			if err == nil {
				pub = cert.PublicKey
			}
		default:
			return nil, fmt.Errorf("PEM block %d is %q, want PUBLIC KEY, RSA PUBLIC KEY or CERTIFICATE (never a private key)", n, block.Type)
		}
		if err != nil {
			return nil, fmt.Errorf("PEM block %d (%s): %w", n, block.Type, err)
		}
		k, err := publicKey(pub)
		if err != nil {
			return nil, fmt.Errorf("PEM block %d (%s): %w", n, block.Type, err)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, errors.New("no PEM public key or certificate found")
	}
	return keys, nil
}

// publicKey wraps an RSA or ECDSA public key, checking its size/curve.
func publicKey(pub any) (vkey, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < minRSABits {
			return vkey{}, fmt.Errorf("RSA key is %d bits, want at least %d", k.N.BitLen(), minRSABits)
		}
		return vkey{kind: kindRSA, key: k}, nil
	case *ecdsa.PublicKey:
		alg := ecAlg(k.Curve)
		if alg == "" {
			return vkey{}, errors.New("EC key curve is not P-256, P-384 or P-521")
		}
		return vkey{kind: kindEC, key: k, ec: alg}, nil
	}
	return vkey{}, fmt.Errorf("unsupported public key type %T (want RSA or ECDSA)", pub)
}

func ecAlg(c elliptic.Curve) string {
	switch c {
	case elliptic.P256():
		return "ES256"
	case elliptic.P384():
		return "ES384"
	case elliptic.P521():
		return "ES512"
	}
	return ""
}

// jwk is the subset of RFC 7517/7518 key members used here.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
	N   string `json:"n"`
	E   string `json:"e"`
	K   string `json:"k"`
}

func parseJWKSFile(data []byte) ([]vkey, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("JSON key file: %w", err)
	}
	var raw []json.RawMessage
	switch {
	case top["keys"] != nil:
		if err := json.Unmarshal(top["keys"], &raw); err != nil {
			return nil, fmt.Errorf("JWKS: \"keys\" is not an array: %w", err)
		}
	case top["kty"] != nil:
		raw = []json.RawMessage{data}
	default:
		return nil, errors.New(`JSON key file has neither "keys" (JWKS) nor "kty" (JWK)`)
	}
	var keys []vkey
	for i, r := range raw {
		var j jwk
		if err := json.Unmarshal(r, &j); err != nil {
			return nil, fmt.Errorf("JWKS key %d: %w", i, err)
		}
		if j.Use != "" && j.Use != "sig" {
			continue // an encryption key
		}
		k, ok, err := j.key()
		if err != nil {
			return nil, fmt.Errorf("JWKS key %d (kid %q): %w", i, j.Kid, err)
		}
		if !ok {
			continue // a key type this server does not use (e.g. OKP)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, errors.New("JWKS has no usable signing key (RSA, EC P-256/384/521 or oct)")
	}
	return keys, nil
}

// key converts a JWK; ok is false for a key type that is skipped.
func (j *jwk) key() (k vkey, ok bool, err error) {
	switch j.Kty {
	case "oct":
		secret, err := b64(j.K)
		if err != nil {
			return vkey{}, false, fmt.Errorf("k: %w", err)
		}
		if len(secret) < minHMACLen {
			return vkey{}, false, fmt.Errorf("oct key is %d bytes, want at least %d", len(secret), minHMACLen)
		}
		k = vkey{kind: kindHMAC, key: secret}
	case "RSA":
		n, err := b64(j.N)
		if err != nil || len(n) == 0 {
			return vkey{}, false, errors.New("bad n")
		}
		e, err := b64(j.E)
		if err != nil || len(e) == 0 || len(e) > 4 {
			return vkey{}, false, errors.New("bad e")
		}
		exp := new(big.Int).SetBytes(e)
		if exp.Int64() < 3 || exp.Bit(0) == 0 || exp.Int64() > 1<<31-1 {
			return vkey{}, false, errors.New("bad e")
		}
		k, err = publicKey(&rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(exp.Int64())})
		if err != nil {
			return vkey{}, false, err
		}
	case "EC":
		var curve elliptic.Curve
		switch j.Crv {
		case "P-256":
			curve = elliptic.P256()
		case "P-384":
			curve = elliptic.P384()
		case "P-521":
			curve = elliptic.P521()
		default:
			return vkey{}, false, fmt.Errorf("unsupported curve %q", j.Crv)
		}
		size := (curve.Params().BitSize + 7) / 8
		x, err1 := b64(j.X)
		y, err2 := b64(j.Y)
		if err1 != nil || err2 != nil || len(x) > size || len(y) > size {
			return vkey{}, false, errors.New("bad x or y")
		}
		pt := make([]byte, 1+2*size)
		pt[0] = 4
		copy(pt[1+size-len(x):1+size], x)
		copy(pt[1+2*size-len(y):], y)
		pub, err := ecdsa.ParseUncompressedPublicKey(curve, pt)
		if err != nil {
			return vkey{}, false, fmt.Errorf("bad EC point: %w", err)
		}
		k, err = publicKey(pub)
		if err != nil {
			return vkey{}, false, err
		}
	default:
		return vkey{}, false, nil
	}
	k.kid = j.Kid
	k.alg = j.Alg
	if k.alg != "" && len(algsFor([]vkey{k})) == 0 {
		return vkey{}, false, fmt.Errorf("alg %q does not fit a %s key", j.Alg, j.Kty)
	}
	return k, true, nil
}

// b64 decodes base64url, with or without padding.
func b64(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}
