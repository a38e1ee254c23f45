package auth

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
)

// MaxCredentialLen is the longest credential (and the longest
// Authorization header value) this package will look at; anything longer
// is refused before any parsing or hashing.
const MaxCredentialLen = 8 << 10

// TokenPrefix starts every token made by NewToken.
const TokenPrefix = "kgql_"

// tokenFileHeader is the comment AddToken writes when it creates a file.
const tokenFileHeader = "# kgql tokens: NAME ROLE SHA256(token) per line\n"

// tokenEntry is one loaded line of a token file.
type tokenEntry struct {
	name string
	role Role
	hash [sha256.Size]byte
	line int
}

// TokenInfo describes one token of a token file, without its hash.
type TokenInfo struct {
	// Name is the token's name (unique within the file).
	Name string
	// Role is the role the token grants.
	Role Role
	// Line is the token's line number in the file (1-based).
	Line int
}

// TokenSet is the set of static tokens loaded from a token file. Its
// methods are safe for concurrent use; Reload swaps the whole set at
// once.
type TokenSet struct {
	path    string
	entries atomic.Pointer[[]tokenEntry]
}

// LoadTokens reads a token file. The file holds one token per line,
// "NAME ROLE SHA256HEX" separated by spaces or tabs; blank lines and lines
// whose first non-blank character is '#' are ignored. NAME is 1 to 64 of
// [A-Za-z0-9._-], ROLE is reader, writer or admin, and SHA256HEX is the
// SHA-256 of the token as 64 lowercase hex digits. Duplicate names and
// duplicate hashes are errors. A malformed file gives an error
// "PATH:LINE: reason".
func LoadTokens(path string) (*TokenSet, error) {
	entries, err := readTokenFile(path)
	if err != nil {
		return nil, err
	}
	ts := &TokenSet{path: path}
	ts.entries.Store(&entries)
	return ts, nil
}

// Path returns the file the set was loaded from.
func (ts *TokenSet) Path() string { return ts.path }

// Reload re-reads the token file the set was loaded from. On any error
// the set keeps its current tokens and the error is returned.
func (ts *TokenSet) Reload() error {
	entries, err := readTokenFile(ts.path)
	if err != nil {
		return err
	}
	ts.entries.Store(&entries)
	return nil
}

// Len returns the number of tokens in the set.
func (ts *TokenSet) Len() int {
	return len(ts.list())
}

// list returns the current entries (none for a nil or zero TokenSet).
func (ts *TokenSet) list() []tokenEntry {
	if ts == nil {
		return nil
	}
	if p := ts.entries.Load(); p != nil {
		return *p
	}
	return nil
}

// Check reports whether token is one of the set's tokens and, if so,
// returns its principal (Method "token"). The SHA-256 of token is compared
// in constant time with every stored hash, with no early exit, so the
// time taken does not depend on which token (if any) matched.
func (ts *TokenSet) Check(token string) (Principal, bool) {
	if token == "" || len(token) > MaxCredentialLen {
		return Principal{}, false
	}
	entries := ts.list()
	h := sha256.Sum256([]byte(token))
	found, idx := 0, 0
	for i := range entries {
		eq := subtle.ConstantTimeCompare(h[:], entries[i].hash[:])
		idx = subtle.ConstantTimeSelect(eq, i, idx)
		found |= eq
	}
	if found != 1 {
		return Principal{}, false
	}
	e := entries[idx]
	return Principal{Name: e.name, Role: e.role, Method: MethodToken}, true
}

// NewToken returns a fresh random token: "kgql_" followed by 32 random
// bytes in unpadded base64url.
func NewToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("auth: random token: %w", err)
	}
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// HashToken returns the SHA-256 of token as 64 lowercase hex digits, the
// form stored in token files.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// fileMu serialises AddToken and RemoveToken within this process. (Two
// processes editing the same file at once are not protected against.)
var fileMu sync.Mutex

// AddToken creates a new token named name with the given role, stores its
// hash in the token file at path and returns the token. This is the only
// time the token exists in clear: the caller must show it to the user
// once. The file is created with mode 0600 (and a header comment) if it
// does not exist; an existing file must be well-formed and must not
// already hold a token with that name.
func AddToken(path, name string, role Role) (token string, err error) {
	if !validName(name) {
		return "", fmt.Errorf("auth: invalid token name %q (want 1-64 of A-Za-z0-9._-)", name)
	}
	if !role.valid() {
		return "", fmt.Errorf("auth: cannot grant role %s", role)
	}
	fileMu.Lock()
	defer fileMu.Unlock()

	token, err = NewToken()
	if err != nil {
		return "", err
	}
	line := name + " " + role.String() + " " + HashToken(token) + "\n"

	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return "", fmt.Errorf("auth: %w", err)
		}
		return token, writeAndClose(f, path, tokenFileHeader+line)
	case err != nil:
		return "", fmt.Errorf("auth: %w", err)
	}
	entries, err := parseTokens(path, data)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if e.name == name {
			return "", fmt.Errorf("auth: %s: a token named %q already exists (line %d)", path, name, e.line)
		}
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		line = "\n" + line
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return "", fmt.Errorf("auth: %w", err)
	}
	return token, writeAndClose(f, path, line)
}

func writeAndClose(f *os.File, path, s string) error {
	_, err := f.WriteString(s)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("auth: writing %s: %w", path, err)
	}
	return nil
}

// RemoveToken removes the token named name from the token file at path
// (to revoke or rotate it). The file is rewritten atomically: a temporary
// file in the same directory, with the same mode, is renamed over it.
// Comments and other lines are kept as they were.
func RemoveToken(path, name string) error {
	fileMu.Lock()
	defer fileMu.Unlock()

	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	entries, err := parseTokens(path, data)
	if err != nil {
		return err
	}
	drop := 0
	for _, e := range entries {
		if e.name == name {
			drop = e.line
		}
	}
	if drop == 0 {
		return fmt.Errorf("auth: %s: no token named %q", path, name)
	}
	var out bytes.Buffer
	for i, l := range splitLines(data) {
		if i+1 != drop {
			out.Write(l)
		}
	}
	return replaceFile(path, out.Bytes(), st.Mode().Perm())
}

// replaceFile atomically replaces path with data (temp file + rename).
func replaceFile(path string, data []byte, perm fs.FileMode) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return fmt.Errorf("auth: %w", err)
	}
	if err := writeAndClose(f, tmp, string(data)); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// ListTokens returns the names and roles of the tokens in the token file
// at path, in file order.
func ListTokens(path string) ([]TokenInfo, error) {
	entries, err := readTokenFile(path)
	if err != nil {
		return nil, err
	}
	out := make([]TokenInfo, len(entries))
	for i, e := range entries {
		out[i] = TokenInfo{Name: e.name, Role: e.role, Line: e.line}
	}
	return out, nil
}

func readTokenFile(path string) ([]tokenEntry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	return parseTokens(path, data)
}

// splitLines splits data after each '\n', keeping the newlines.
func splitLines(data []byte) [][]byte {
	var lines [][]byte
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			lines = append(lines, data)
			break
		}
		lines = append(lines, data[:i+1])
		data = data[i+1:]
	}
	return lines
}

// parseTokens parses the contents of a token file; path is used only in
// error messages. Errors never quote a line's role or hash field (a
// token pasted in clear by mistake must not end up in a log).
func parseTokens(path string, data []byte) ([]tokenEntry, error) {
	entries := []tokenEntry{}
	names := map[string]int{}
	hashes := map[[sha256.Size]byte]int{}
	for i, raw := range splitLines(data) {
		n := i + 1
		bad := func(format string, args ...any) error {
			return fmt.Errorf("%s:%d: %s", path, n, fmt.Sprintf(format, args...))
		}
		line := strings.TrimSuffix(strings.TrimSuffix(string(raw), "\n"), "\r")
		trimmed := strings.TrimLeft(line, " \t")
		if trimmed == "" || trimmed[0] == '#' {
			continue
		}
		fields := strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '\t' })
		if len(fields) != 3 {
			return nil, bad("want NAME ROLE SHA256HEX, got %d fields", len(fields))
		}
		name, roleName, hashHex := fields[0], fields[1], fields[2]
		if !validName(name) {
			return nil, bad("invalid name (want 1-64 of A-Za-z0-9._-)")
		}
		role, err := ParseRole(roleName)
		if err != nil {
			return nil, bad("invalid role (want reader, writer or admin)")
		}
		if !validHashHex(hashHex) {
			return nil, bad("invalid hash (want the SHA-256 of the token as 64 lowercase hex digits)")
		}
		var h [sha256.Size]byte
		hex.Decode(h[:], []byte(hashHex))
		if prev, dup := names[name]; dup {
			return nil, bad("duplicate name %q (first on line %d)", name, prev)
		}
		if prev, dup := hashes[h]; dup {
			return nil, bad("duplicate hash (same as line %d)", prev)
		}
		names[name] = n
		hashes[h] = n
		entries = append(entries, tokenEntry{name: name, role: role, hash: h, line: n})
	}
	return entries, nil
}

func validName(s string) bool {
	if len(s) < 1 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

func validHashHex(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
