package graph_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golang-jwt/jwt/v5"

	"github.com/kgql/kgql/graph"
	"github.com/kgql/kgql/graph/auth"
	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/importer"
	"github.com/kgql/kgql/store/seed"
	"github.com/kgql/kgql/store/storetest"
)

// Tests of the policy: every role × every kind of operation, over HTTP and the websocket, with
// static tokens and JWTs, and the refusals of bad credentials.

const (
	polSecret   = "a-test-hmac-secret-of-more-than-32-bytes"
	polIssuer   = "https://issuer.test"
	polAudience = "kgql-test"
)

// polCreds are the credentials of a test server: one static token and one JWT per role.
type polCreds struct {
	tokens map[auth.Role]string
	jwts   map[auth.Role]string
	authn  *auth.Authenticator
}

func polSign(t *testing.T, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(polSecret))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func polClaims(role string) jwt.MapClaims {
	return jwt.MapClaims{"sub": "user-" + role, "role": role, "iss": polIssuer, "aud": polAudience,
		"exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix()}
}

func polNewCreds(t *testing.T) polCreds {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "tokens")
	c := polCreds{tokens: map[auth.Role]string{}, jwts: map[auth.Role]string{}}
	for _, r := range []auth.Role{auth.Reader, auth.Writer, auth.Admin} {
		tok, err := auth.AddToken(file, "script-"+r.String(), r)
		if err != nil {
			t.Fatal(err)
		}
		c.tokens[r] = tok
		c.jwts[r] = polSign(t, polClaims(r.String()))
	}
	ts, err := auth.LoadTokens(file)
	if err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(dir, "jwt.key")
	if err := os.WriteFile(key, []byte(polSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	v, err := auth.NewJWTVerifier(auth.JWTConfig{KeyFile: key, Issuer: polIssuer, Audience: polAudience})
	if err != nil {
		t.Fatal(err)
	}
	c.authn = auth.NewAuthenticator(ts, v)
	return c
}

// polServer serves a fresh seeded store under the policy.
func polServer(t *testing.T, p graph.Policy) (*httptest.Server, *store.Store) {
	t.Helper()
	s := storetest.Open(t)
	if _, err := importer.ImportBytes(s, seed.NDJSON, "seed"); err != nil {
		t.Fatalf("import seed: %v", err)
	}
	srv := httptest.NewServer(graph.NewHandler(graph.Options{Store: s, Policy: p}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { mutCheck(t, s) })
	return srv, s
}

// polOp is one operation and the role it needs.
type polOp struct {
	name  string
	query string
	vars  map[string]any
	need  auth.Role
}

// polOps are one of every kind of operation, in an order in which each succeeds on the seeded
// store when allowed (later ones do not depend on earlier ones, except the delete of the source
// that upsertSource created).
func polOps() []polOp {
	cites := []any{mutCite("policy")}
	return []polOp{
		{"read", `{ organization(key: "asmex") { name members(first: 3) { nodes { person { name } } } } }`, nil, auth.Anonymous},
		{"upsertPerson", mutUpsertPerson, mutI(map[string]any{"key": "pol-person", "name": "Pol Person", "citations": cites}), auth.Writer},
		{"upsertOrganization", mutUpsertOrganization, mutI(map[string]any{"key": "pol-org", "name": "Pol Org", "kind": "OTHER", "citations": cites}), auth.Writer},
		{"upsertRegion", mutUpsertRegion, mutI(map[string]any{"key": "pol-city", "name": "Pol City", "kind": "CITY", "citations": cites}), auth.Writer},
		{"upsertEvent", mutUpsertEvent, mutI(map[string]any{"key": "pol-event", "name": "Pol Event", "citations": cites}), auth.Writer},
		{"upsertSource", mutUpsertSource, mutI(map[string]any{"key": "pol-source", "title": "Pol Source"}), auth.Writer},
		{"addStatement", mutAddStatement, mutI(map[string]any{"speaker": "adil-zaidi", "text": "Policy.", "language": "fr", "citations": cites}), auth.Writer},
		{"addPosition", mutAddPosition, mutI(map[string]any{"person": "adil-zaidi", "organization": "asmex", "title": "policy", "citations": cites}), auth.Writer},
		{"addParticipation", mutAddParticipation, mutI(map[string]any{"person": "adil-zaidi", "event": mutEventKey, "role": "policy", "citations": cites}), auth.Writer},
		{"removePosition", mutRemovePosition, map[string]any{"id": "pos-badia-bitar-asmex-delegue-regional"}, auth.Writer},
		{"removeParticipation", mutRemoveParticipation, map[string]any{"id": "part-adil-zaidi-presenter"}, auth.Writer},
		{"importRecords", mutImportRecords, map[string]any{"n": `{"type":"Source","key":"pol-import","title":"Imported"}`}, auth.Writer},
		{"deleteNode", mutDeleteNode, map[string]any{"id": "pol-import"}, auth.Writer},
		{"deleteNode cascade", mutDeleteNode, map[string]any{"id": "hassan-yanja", "cascade": true}, auth.Admin},
		{"deleteNode cascade literal", `mutation { deleteNode(id: "najat-toulba", cascade: true) { deleted { id } } }`, nil, auth.Admin},
	}
}

// polPost sends a GraphQL request with an Authorization header (none when cred is "").
func polPost(t *testing.T, srv *httptest.Server, cred, query string, vars map[string]any) httpResponse {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	hdr := []string{"Content-Type", "application/json"}
	if cred != "" {
		hdr = append(hdr, "Authorization", cred)
	}
	return httpDo(t, httpRequest(t, http.MethodPost, srv.URL+"/graphql", bytes.NewReader(b), hdr...))
}

// polRefused checks a refusal: its status, WWW-Authenticate on a 401, the code, no leak.
func polRefused(t *testing.T, r httpResponse, status int, code string) {
	t.Helper()
	if r.Status != status {
		t.Errorf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if status == http.StatusUnauthorized && !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("401 without WWW-Authenticate: Bearer (%q)", r.Header.Get("WWW-Authenticate"))
	}
	g := httpDecode(t, r)
	if len(g.Errors) == 0 || g.Errors[0].Extensions["code"] != code {
		t.Errorf("errors %+v, want code %s", g.Errors, code)
	}
	if len(g.Data) > 0 && string(g.Data) != "null" {
		t.Errorf("a refused operation returned data %s", g.Data)
	}
	assertNoLeak(t, r.Body)
}

// polWho is a caller of the matrix.
type polWho struct {
	name string
	role auth.Role
	cred func(polCreds) string
}

func polCallers() []polWho {
	out := []polWho{{"anonymous", auth.Anonymous, func(polCreds) string { return "" }}}
	for _, r := range []auth.Role{auth.Reader, auth.Writer, auth.Admin} {
		out = append(out,
			polWho{"token " + r.String(), r, func(c polCreds) string { return "Bearer " + c.tokens[r] }},
			polWho{"jwt " + r.String(), r, func(c polCreds) string { return "Bearer " + c.jwts[r] }})
	}
	return out
}

func TestPolicyRolesOverHTTP(t *testing.T) {
	creds := polNewCreds(t)
	for _, who := range polCallers() {
		t.Run(who.name, func(t *testing.T) {
			srv, s := polServer(t, graph.Policy{Auth: creds.authn})
			cred := who.cred(creds)
			for _, op := range polOps() {
				before := mutExport(t, s)
				r := polPost(t, srv, cred, op.query, op.vars)
				switch {
				case who.role >= op.need:
					g := httpDecode(t, r)
					if r.Status != http.StatusOK || len(g.Errors) > 0 {
						t.Errorf("%s as %s: %d %s, want it done", op.name, who.name, r.Status, r.Body)
					}
				case who.role == auth.Anonymous:
					polRefused(t, r, http.StatusUnauthorized, "UNAUTHENTICATED")
					mutSameExport(t, s, before, op.name+" refused")
				default:
					polRefused(t, r, http.StatusForbidden, "FORBIDDEN")
					mutSameExport(t, s, before, op.name+" refused")
				}
			}
			// The backup needs admin.
			r := httpDo(t, httpRequest(t, http.MethodGet, srv.URL+"/admin/backup", nil, polAuthHeader(cred)...))
			switch {
			case who.role >= auth.Admin:
				if r.Status != http.StatusOK || len(r.Body) == 0 {
					t.Errorf("backup as %s: %d (%d bytes), want 200 and a backup", who.name, r.Status, len(r.Body))
				}
			case who.role == auth.Anonymous:
				polRefused(t, r, http.StatusUnauthorized, "UNAUTHENTICATED")
			default:
				polRefused(t, r, http.StatusForbidden, "FORBIDDEN")
			}
			// Other /admin routes need admin too, before saying they do not exist.
			r = httpDo(t, httpRequest(t, http.MethodGet, srv.URL+"/admin/restore", nil, polAuthHeader(cred)...))
			if want := map[bool]int{true: http.StatusNotFound, false: http.StatusForbidden}[who.role >= auth.Admin]; who.role != auth.Anonymous && r.Status != want {
				t.Errorf("/admin/restore as %s: %d, want %d", who.name, r.Status, want)
			}
		})
	}
}

func polAuthHeader(cred string) []string {
	if cred == "" {
		return nil
	}
	return []string{"Authorization", cred}
}

// A refused mutation in a document with several is refused whole: nothing runs.
func TestPolicyRefusedOperationRunsNothing(t *testing.T) {
	creds := polNewCreds(t)
	srv, s := polServer(t, graph.Policy{Auth: creds.authn})
	before := mutExport(t, s)
	q := `mutation { a: upsertSource(input: {key: "pol-a", title: "A"}) { id } b: deleteNode(id: "adil-zaidi", cascade: true) { updatedIds } }`
	polRefused(t, polPost(t, srv, "Bearer "+creds.tokens[auth.Writer], q, nil), http.StatusForbidden, "FORBIDDEN")
	mutSameExport(t, s, before, "a writer's mutation with a cascade")
	// The cascade flag given through a variable is seen too.
	q = `mutation($c: Boolean) { deleteNode(id: "adil-zaidi", cascade: $c) { updatedIds } }`
	polRefused(t, polPost(t, srv, "Bearer "+creds.jwts[auth.Writer], q, map[string]any{"c": true}), http.StatusForbidden, "FORBIDDEN")
	mutSameExport(t, s, before, "a writer's cascade through a variable")
}

func TestPolicyBadCredentials(t *testing.T) {
	creds := polNewCreds(t)
	srv, s := polServer(t, graph.Policy{Auth: creds.authn})
	expired := polClaims("admin")
	expired["exp"] = time.Now().Add(-time.Hour).Unix()
	wrongAud := polClaims("admin")
	wrongAud["aud"] = "another-service"
	wrongIss := polClaims("admin")
	wrongIss["iss"] = "https://evil.test"
	notYet := polClaims("admin")
	notYet["nbf"] = time.Now().Add(time.Hour).Unix()
	good := creds.jwts[auth.Admin]
	parts := strings.Split(good, ".")
	b64 := base64.RawURLEncoding
	none := b64.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
	forged := parts[0] + "." + parts[1] + "." + b64.EncodeToString([]byte("not the signature of this token at all"))
	otherKey, err := jwt.NewWithClaims(jwt.SigningMethodHS256, polClaims("admin")).SignedString([]byte("another-secret-that-is-also-long-enough"))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"unknown token":        "Bearer kgql_" + strings.Repeat("A", 43),
		"a token's prefix":     "Bearer " + creds.tokens[auth.Admin][:20],
		"bad signature":        "Bearer " + forged,
		"signed with another":  "Bearer " + otherKey,
		"wrong audience":       "Bearer " + polSign(t, wrongAud),
		"wrong issuer":         "Bearer " + polSign(t, wrongIss),
		"expired":              "Bearer " + polSign(t, expired),
		"not yet valid":        "Bearer " + polSign(t, notYet),
		"alg none":             "Bearer " + none,
		"basic scheme":         "Basic YWRtaW46YWRtaW4=",
		"bearer without token": "Bearer ",
		"garbage":              "Bearer ~~%%!!",
	}
	var msgs []string
	for name, cred := range cases {
		t.Run(name, func(t *testing.T) {
			before := mutExport(t, s)
			for _, op := range []polOp{polOps()[0], polOps()[1]} { // a read and a write
				r := polPost(t, srv, cred, op.query, op.vars)
				polRefused(t, r, http.StatusUnauthorized, "UNAUTHENTICATED")
				if tok := strings.TrimPrefix(cred, "Bearer "); len(tok) > 8 && bytes.Contains(r.Body, []byte(tok)) {
					t.Errorf("the response repeats the credential")
				}
				msgs = append(msgs, httpDecode(t, r).Errors[0].Message)
			}
			mutSameExport(t, s, before, name)
		})
	}
	// No refusal says whether a token exists: they all read the same.
	for _, m := range msgs {
		if m != msgs[0] {
			t.Errorf("refusals differ: %q and %q", m, msgs[0])
		}
	}
}

func TestPolicyRequireAuth(t *testing.T) {
	creds := polNewCreds(t)
	srv, _ := polServer(t, graph.Policy{Auth: creds.authn, RequireAuth: true})
	read := polOps()[0]
	polRefused(t, polPost(t, srv, "", read.query, nil), http.StatusUnauthorized, "UNAUTHENTICATED")
	for _, cred := range []string{"Bearer " + creds.tokens[auth.Reader], "Bearer " + creds.jwts[auth.Reader]} {
		if r := polPost(t, srv, cred, read.query, nil); r.Status != http.StatusOK || len(httpDecode(t, r).Errors) > 0 {
			t.Errorf("a reader's read with -require-auth: %d %s", r.Status, r.Body)
		}
	}
	// A CORS preflight still passes (a browser sends no credential on it).
	if r := httpPreflight(t, srv, "http://localhost:5173"); r.Status != http.StatusNoContent && r.Status != http.StatusOK {
		t.Errorf("preflight with -require-auth: %d", r.Status)
	}
}

// A JWT whose role claim is missing or unknown reads, and cannot write.
func TestPolicyJWTWithoutRole(t *testing.T) {
	creds := polNewCreds(t)
	srv, _ := polServer(t, graph.Policy{Auth: creds.authn})
	c := polClaims("admin")
	delete(c, "role")
	cred := "Bearer " + polSign(t, c)
	if r := polPost(t, srv, cred, polOps()[0].query, nil); r.Status != http.StatusOK {
		t.Errorf("read with a role-less JWT: %d %s", r.Status, r.Body)
	}
	polRefused(t, polPost(t, srv, cred, polOps()[1].query, polOps()[1].vars), http.StatusForbidden, "FORBIDDEN")
}

// --- the websocket: the credential comes in connection_init, once per connection -------------

// polWS opens a graphql-transport-ws socket and sends connection_init with payload.
func polWS(t *testing.T, srv *httptest.Server, payload map[string]any) *websocket.Conn {
	t.Helper()
	c, _, err := httpWSDial(t, srv, "")
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	init, _ := json.Marshal(map[string]any{"type": "connection_init", "payload": payload})
	httpWSWrite(t, c, string(init))
	return c
}

// polWSOp runs one operation over the socket and returns its errors' codes ("" when it succeeded).
func polWSOp(t *testing.T, c *websocket.Conn, id string, op polOp) string {
	t.Helper()
	msg, _ := json.Marshal(map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{"query": op.query, "variables": op.vars}})
	httpWSWrite(t, c, string(msg))
	m := httpWSRead(t, c)
	if m.ID != id || (m.Type != "next" && m.Type != "error") {
		t.Fatalf("%s: got %s %s %s, want next or error", op.name, m.Type, m.ID, m.Payload)
	}
	var errs []gqlErr
	if m.Type == "next" {
		var p struct{ Errors []gqlErr }
		if err := json.Unmarshal(m.Payload, &p); err != nil {
			t.Fatal(err)
		}
		errs = p.Errors
		if done := httpWSRead(t, c); done.Type != "complete" {
			t.Fatalf("%s: after next got %+v, want complete", op.name, done)
		}
	} else if err := json.Unmarshal(m.Payload, &errs); err != nil {
		t.Fatal(err)
	}
	body := []byte(m.Payload)
	if m.Type == "error" { // the payload of an error message is the list of errors
		body = append(append([]byte(`{"errors":`), m.Payload...), '}')
	}
	assertNoLeak(t, body)
	if len(errs) == 0 {
		return ""
	}
	return errs[0].code()
}

func TestPolicyRolesOverWebsocket(t *testing.T) {
	creds := polNewCreds(t)
	for _, who := range polCallers() {
		t.Run(who.name, func(t *testing.T) {
			srv, s := polServer(t, graph.Policy{Auth: creds.authn})
			payload := map[string]any{}
			if cred := who.cred(creds); cred != "" {
				payload["Authorization"] = cred
			}
			c := polWS(t, srv, payload)
			if m := httpWSRead(t, c); m.Type != "connection_ack" {
				t.Fatalf("connection_init as %s: %+v, want connection_ack", who.name, m)
			}
			for i, op := range polOps() {
				before := mutExport(t, s)
				code := polWSOp(t, c, string(rune('a'+i)), op)
				want := ""
				switch {
				case who.role >= op.need:
				case who.role == auth.Anonymous:
					want = "UNAUTHENTICATED"
				default:
					want = "FORBIDDEN"
				}
				if code != want {
					t.Errorf("%s as %s over the websocket: code %q, want %q", op.name, who.name, code, want)
				}
				if want != "" {
					mutSameExport(t, s, before, op.name+" refused over the websocket")
				}
			}
			_ = c.Close(websocket.StatusNormalClosure, "")
		})
	}
}

// A bad credential in connection_init closes the socket with 4403; so does none when reads
// need one.
func TestPolicyWebsocketRefusals(t *testing.T) {
	creds := polNewCreds(t)
	expired := polClaims("admin")
	expired["exp"] = time.Now().Add(-time.Hour).Unix()
	for name, tc := range map[string]struct {
		policy  graph.Policy
		payload map[string]any
	}{
		"unknown token":              {graph.Policy{Auth: creds.authn}, map[string]any{"Authorization": "Bearer kgql_nope"}},
		"expired jwt":                {graph.Policy{Auth: creds.authn}, map[string]any{"Authorization": "Bearer " + polSign(t, expired)}},
		"not a string":               {graph.Policy{Auth: creds.authn}, map[string]any{"Authorization": 42}},
		"anonymous with requireAuth": {graph.Policy{Auth: creds.authn, RequireAuth: true}, map[string]any{}},
	} {
		t.Run(name, func(t *testing.T) {
			srv, _ := polServer(t, tc.policy)
			c := polWS(t, srv, tc.payload)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for {
				_, b, err := c.Read(ctx)
				if err != nil {
					if got := websocket.CloseStatus(err); got != 4403 {
						t.Errorf("closed with %d (%v), want 4403", got, err)
					}
					return
				}
				var m httpWSMessage
				_ = json.Unmarshal(b, &m)
				if m.Type == "connection_ack" {
					t.Fatalf("connection acknowledged")
				}
				assertNoLeak(t, b)
			}
		})
	}
	// With requireAuth, a reader's token in connection_init is enough.
	srv, _ := polServer(t, graph.Policy{Auth: creds.authn, RequireAuth: true})
	c := polWS(t, srv, map[string]any{"Authorization": "Bearer " + creds.tokens[auth.Reader]})
	if m := httpWSRead(t, c); m.Type != "connection_ack" {
		t.Fatalf("reader with requireAuth: %+v", m)
	}
	if code := polWSOp(t, c, "1", polOps()[0]); code != "" {
		t.Errorf("a reader's read over the websocket with requireAuth: %s", code)
	}
}

// The open policy (no credential configured): everyone may do everything, as before.
func TestPolicyOpen(t *testing.T) {
	srv, _ := polServer(t, graph.Policy{})
	for _, op := range polOps() {
		r := polPost(t, srv, "", op.query, op.vars)
		if g := httpDecode(t, r); r.Status != http.StatusOK || len(g.Errors) > 0 {
			t.Errorf("%s under the open policy: %d %s", op.name, r.Status, r.Body)
		}
	}
}

// No credential, good or bad, reaches the server's log (the log says why a credential was
// refused, never what it was).
func TestPolicyLogsNoCredential(t *testing.T) {
	creds := polNewCreds(t)
	var logs httpSyncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := httpServer(t, graph.Options{Policy: graph.Policy{Auth: creds.authn}, Logger: log})
	wrongAud := polClaims("admin")
	wrongAud["aud"] = "another"
	almost := creds.tokens[auth.Admin][:len(creds.tokens[auth.Admin])-1] + "x"
	secrets := []string{creds.tokens[auth.Writer], creds.jwts[auth.Admin], polSign(t, wrongAud), almost, "kgql_guess-" + strings.Repeat("z", 30)}
	for _, cred := range secrets {
		polPost(t, srv, "Bearer "+cred, polOps()[1].query, polOps()[1].vars)
		c := polWS(t, srv, map[string]any{"Authorization": "Bearer " + cred})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, _, _ = c.Read(ctx) // an ack or the close
		cancel()
		_ = c.CloseNow()
	}
	if !strings.Contains(logs.String(), "invalid credential") {
		t.Fatalf("the refusals were not logged:\n%s", logs.String())
	}
	for _, sec := range secrets {
		for _, part := range []string{sec, sec[len(sec)-16:]} {
			if strings.Contains(logs.String(), part) {
				t.Errorf("the log holds a credential (or its end): %q\n%s", part, logs.String())
			}
		}
	}
}
