package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// GraphQL over HTTP (https://graphql.github.io/graphql-over-http/), as kgql answers it:
//
//   - POST with Content-Type application/json: one request {query, operationName, variables,
//     extensions}, or a batch (a JSON array of them, as Apollo's BatchHttpLink sends);
//     GET with the same parameters in the query string, for queries only (405 otherwise).
//   - The response is application/graphql-response+json when the client's Accept prefers it
//     (or names it as much as application/json), else application/json (also when Accept is
//     missing, */* or names neither).
//   - A request that is not a GraphQL request (a body that is not JSON, parameters of the wrong
//     type, no query) is refused with 400 before anything runs, whatever the media type.
//   - A request error (the document does not parse or validate, the variables do not coerce, a
//     limit of graph/limits.go, an unknown persisted query) is answered without a data entry:
//     200 for application/json (older clients read the errors only on a 2xx), 400 for
//     application/graphql-response+json, as the specification asks for each. Authorization
//     refusals keep their 401 and 403 (graph/policy.go), rate refusals 429 (graph/guard.go).
//   - An operation that ran answers 200 with data, even when some fields failed.
//   - Every response carries Vary: Accept, Origin. A GET query answered without errors carries
//     the configured Cache-Control (Options.CacheControl, default no-store); everything else
//     carries no-store.
//
// Batches: at most Limits.MaxBatch operations (default 20; more is a 400 QUERY_TOO_COMPLEX with
// limit "batch"); each operation beyond the first takes its own token of the caller's rate limit;
// their costs are added and held to the one-operation cost limit (limit "batchComplexity"); they
// share one time limit, which runs from the start of the request. The operations are checked
// first and run in order, one after the other; each has its own entry in the answer (an array in
// the same order). If a batch holds a mutation and any of its operations is refused by those
// checks, none of them runs: a script's batch of writes is applied whole or not at all as far as
// validation goes (it is not a transaction: a mutation that fails while running does not undo the
// ones before it, as with separate requests). A batch of queries runs the operations that passed.

const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// DefaultCacheControl is the Cache-Control of a GET query answered without errors.
const DefaultCacheControl = "no-store"

// httpTransport is kgql's GraphQL-over-HTTP transport (POST, batches and GET); see above.
type httpTransport struct {
	// cacheControl is the Cache-Control of GET queries answered without errors.
	cacheControl string
	// maxBatch bounds a batch's operations (<= 0: no bound).
	maxBatch int
	// maxCost bounds the summed cost of a batch's operations (<= 0: no bound).
	maxCost int
	// timeout and cause are the time limit a batch's operations share (0: none).
	timeout time.Duration
	cause   *timeoutError
	// charge takes n more tokens of the caller's rate for a batch's further operations; it
	// returns false and the wait when there are not enough (nil: no rate limit).
	charge func(r *http.Request, n int) (bool, time.Duration)
	// refused counts a refusal by kind (metrics).
	refused func(kind string)
}

var _ graphql.Transport = httpTransport{}

func (t httpTransport) Supports(r *http.Request) bool {
	if r.Header.Get("Upgrade") != "" {
		return false
	}
	switch r.Method {
	case http.MethodGet:
		return true
	case http.MethodPost:
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		return err == nil && mt == mediaJSON
	}
	return false
}

func (t httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	media := negotiateMedia(r.Header.Get("Accept"))
	h := w.Header()
	h.Set("Content-Type", media)
	addVary(h, "Accept", "Origin")
	h.Set("Cache-Control", "no-store")
	start := graphql.Now()

	if r.Method == http.MethodGet {
		t.serveGET(w, r, exec, media, start)
		return
	}
	body, err := io.ReadAll(r.Body) // bounded by limitBody
	if err != nil {
		writeInvalid(w, media, "could not read the request body")
		return
	}
	if trimmed := bytes.TrimLeft(body, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '[' {
		t.serveBatch(w, r, exec, media, trimmed, start)
		return
	}
	p, msg := decodeParams(body)
	if msg != "" {
		writeInvalid(w, media, msg)
		return
	}
	p.Headers = r.Header
	p.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	resp, requestError := runOne(r.Context(), exec, p)
	status := http.StatusOK
	if requestError && media == mediaGraphQLResponse {
		status = http.StatusBadRequest
	}
	writeJSONBody(w, status, resp)
}

// serveGET answers a GET request: a query (only) in the query string.
func (t httpTransport) serveGET(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor, media string, start time.Time) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		writeInvalid(w, media, "the query string is not valid URL encoding")
		return
	}
	p := &graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName"), Headers: r.Header}
	for _, f := range []struct {
		name string
		dst  *map[string]any
	}{{"variables", &p.Variables}, {"extensions", &p.Extensions}} {
		if v := q.Get(f.name); v != "" {
			if msg := decodeObject(f.name, []byte(v), f.dst); msg != "" {
				writeInvalid(w, media, msg)
				return
			}
		}
	}
	if msg := needQuery(p); msg != "" {
		writeInvalid(w, media, msg)
		return
	}
	// A mutation or subscription is refused before anything else looks at it (the operation's
	// own checks, authorization among them, come after).
	if p.Query != "" {
		if doc, err := parser.ParseQuery(&ast.Source{Input: p.Query}); err == nil {
			if op := doc.Operations.ForName(p.OperationName); op != nil && op.Operation != ast.Query {
				w.Header().Set("Allow", "POST")
				writeHTTPErrorAs(w, media, http.StatusMethodNotAllowed, CodeBadUserInput,
					"GET may only run queries; send "+string(op.Operation)+"s with POST", nil)
				return
			}
		}
	}
	p.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	resp, requestError := runOne(r.Context(), exec, p)
	status := http.StatusOK
	if requestError && media == mediaGraphQLResponse {
		status = http.StatusBadRequest
	}
	if !requestError && resp != nil && len(resp.Errors) == 0 && t.cacheControl != "" {
		w.Header().Set("Cache-Control", t.cacheControl)
	}
	writeJSONBody(w, status, resp)
}

// serveBatch answers a JSON array of requests with an array of responses (see the comment at the
// top of the file).
func (t httpTransport) serveBatch(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor, media string, body []byte, start time.Time) {
	var raws []json.RawMessage
	if err := json.Unmarshal(body, &raws); err != nil {
		writeInvalid(w, media, "the request body is not valid JSON")
		return
	}
	n := len(raws)
	if n == 0 {
		writeInvalid(w, media, "the batch is empty: send at least one request {query, variables, operationName}")
		return
	}
	if t.maxBatch > 0 && n > t.maxBatch {
		t.refuseLimit(w, media, "batch", n, t.maxBatch,
			fmt.Sprintf("the batch holds %d operations; at most %d are allowed in one request", n, t.maxBatch))
		return
	}
	params := make([]*graphql.RawParams, n)
	for i, raw := range raws {
		p, msg := decodeParams(raw)
		if msg != "" {
			writeHTTPErrorAs(w, media, http.StatusBadRequest, CodeBadUserInput,
				fmt.Sprintf("operation %d of the batch: %s", i+1, msg), map[string]any{"index": i})
			return
		}
		p.Headers = r.Header
		p.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
		params[i] = p
	}
	if t.charge != nil && n > 1 {
		if ok, wait := t.charge(r, n-1); !ok {
			t.refuse("rate")
			refuseRate(w, wait)
			return
		}
	}
	ctx := r.Context()
	if t.timeout > 0 && t.cause != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, t.timeout, t.cause)
		defer cancel()
	}

	// Check every operation first.
	ops := make([]*graphql.OperationContext, n)
	errs := make([]gqlerror.List, n)
	refused, mutation, cost := false, false, 0
	for i, p := range params {
		ops[i], errs[i] = exec.CreateOperationContext(ctx, p)
		if errs[i] == nil {
			errs[i] = noSubscription(ops[i])
		}
		if errs[i] != nil {
			refused = true
			continue
		}
		if ops[i].Operation != nil && ops[i].Operation.Operation == ast.Mutation {
			mutation = true
		}
		if st := extension.GetComplexityStats(graphql.WithOperationContext(ctx, ops[i])); st != nil {
			cost += st.Complexity
		}
	}
	if t.maxCost > 0 && cost > t.maxCost {
		t.refuseLimit(w, media, "batchComplexity", cost, t.maxCost,
			fmt.Sprintf("the batch's operations cost %d together; at most %d is allowed for one request (send them in several requests, or ask for smaller pages)", cost, t.maxCost))
		return
	}
	var notRun *gqlerror.Error
	if refused && mutation {
		notRun = gqlerror.Wrap(&codedError{code: CodeBadUserInput,
			msg: "not run: another operation of this batch was refused, and a batch that holds a mutation runs all of its operations or none"})
	}

	out := make([]*wireResponse, n)
	for i := range params {
		var resp *graphql.Response
		switch {
		case errs[i] != nil:
			resp = exec.DispatchError(graphql.WithOperationContext(ctx, ops[i]), errs[i])
		case notRun != nil:
			resp = exec.DispatchError(graphql.WithOperationContext(ctx, ops[i]), gqlerror.List{notRun})
		default:
			var handler graphql.ResponseHandler
			var octx context.Context
			handler, octx = exec.DispatchOperation(ctx, ops[i])
			resp = handler(octx)
		}
		out[i] = wire(resp)
	}
	writeJSONBody(w, http.StatusOK, out)
}

// refuseLimit refuses a whole batch over one of its limits: 400 QUERY_TOO_COMPLEX with the
// limit's name, its maximum and the value found, counted under that kind.
func (t httpTransport) refuseLimit(w http.ResponseWriter, media, limit string, value, maxv int, msg string) {
	t.refuse(limit)
	writeHTTPErrorAs(w, media, http.StatusBadRequest, CodeQueryTooComplex, msg,
		map[string]any{"limit": limit, "max": maxv, "value": value})
}

func (t httpTransport) refuse(kind string) {
	if t.refused != nil {
		t.refused(kind)
	}
}

// runOne checks and runs one operation. requestError says the operation was refused before it
// ran (its response then has no data entry).
func runOne(ctx context.Context, exec graphql.GraphExecutor, p *graphql.RawParams) (resp *wireResponse, requestError bool) {
	rc, errs := exec.CreateOperationContext(ctx, p)
	if errs == nil {
		errs = noSubscription(rc)
	}
	if errs != nil {
		return wire(exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)), true
	}
	handler, ctx := exec.DispatchOperation(ctx, rc)
	return wire(handler(ctx)), false
}

// noSubscription refuses a subscription sent over plain HTTP: it would hold the request open
// until the first event. Subscriptions are served over the websocket (graphql-transport-ws).
func noSubscription(rc *graphql.OperationContext) gqlerror.List {
	if rc == nil || rc.Operation == nil || rc.Operation.Operation != ast.Subscription {
		return nil
	}
	return gqlerror.List{gqlerror.Wrap(&codedError{code: CodeBadUserInput,
		msg: "subscriptions are served over a websocket (graphql-transport-ws on /graphql), not over plain HTTP"})}
}

// wireResponse is graphql.Response as kgql writes it over HTTP: without a data entry when there
// is no data (a request error), as GraphQL over HTTP asks.
type wireResponse struct {
	Errors     gqlerror.List   `json:"errors,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
	Label      string          `json:"label,omitempty"`
	Path       ast.Path        `json:"path,omitempty"`
	HasNext    *bool           `json:"hasNext,omitempty"`
	Extensions map[string]any  `json:"extensions,omitempty"`
}

func wire(r *graphql.Response) *wireResponse {
	if r == nil {
		// gqlgen answers nothing for an operation whose context ended before it started
		// (the time limit answers that case itself, graph/limits.go).
		return &wireResponse{Errors: gqlerror.List{presentCoded(&codedError{code: CodeBadUserInput,
			msg: "the request was canceled before it could be answered"})}}
	}
	w := wireResponse(*r)
	return &w
}

// encode is json.Marshal(r) — the same keys in the same order, the same HTML escaping — without
// decoding and compacting Data again: gqlgen wrote it, valid and compact (json.Marshal spent a
// tenth of a nested query's CPU re-checking it).
func (r *wireResponse) encode() ([]byte, error) {
	b := make([]byte, 0, len(r.Data)+96)
	b = append(b, '{')
	add := func(key string, v any) error {
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, key...)
		if raw, ok := v.(json.RawMessage); ok {
			b = appendHTMLEscaped(b, raw)
			return nil
		}
		e, err := json.Marshal(v)
		b = append(b, e...)
		return err
	}
	var err error
	if len(r.Errors) > 0 {
		err = errors.Join(err, add(`"errors":`, r.Errors))
	}
	if len(r.Data) > 0 {
		err = errors.Join(err, add(`"data":`, r.Data))
	}
	if r.Label != "" {
		err = errors.Join(err, add(`"label":`, r.Label))
	}
	if len(r.Path) > 0 {
		err = errors.Join(err, add(`"path":`, r.Path))
	}
	if r.HasNext != nil {
		err = errors.Join(err, add(`"hasNext":`, *r.HasNext))
	}
	if len(r.Extensions) > 0 {
		err = errors.Join(err, add(`"extensions":`, r.Extensions))
	}
	return append(b, '}'), err
}

// appendHTMLEscaped appends JSON src with <, >, & and U+2028/U+2029 in its strings escaped, as
// json.Marshal escapes them.
func appendHTMLEscaped(b, src []byte) []byte {
	const hex = "0123456789abcdef"
	start := 0
	for i := 0; i < len(src); i++ {
		c := src[i]
		if !htmlSpecial[c] {
			continue
		}
		if c == 0xE2 { // U+2028 and U+2029 are E2 80 A8 and E2 80 A9; other E2 runes stay
			if i+2 >= len(src) || src[i+1] != 0x80 || src[i+2]&^1 != 0xA8 {
				continue
			}
			b = append(b, src[start:i]...)
			b = append(b, `\u202`...)
			b = append(b, hex[src[i+2]&0xF])
			i += 2
			start = i + 1
			continue
		}
		b = append(b, src[start:i]...)
		b = append(b, `\u00`...)
		b = append(b, hex[c>>4], hex[c&0xF])
		start = i + 1
	}
	return append(b, src[start:]...)
}

// htmlSpecial marks the bytes appendHTMLEscaped looks at: <, >, & and 0xE2, the first byte of
// U+2028 and U+2029 (and of other runes, such as ’, which stay). A byte table: bytes.ContainsAny
// with a set that is not ASCII decodes its input rune by rune (a tenth of a nested query's CPU).
var htmlSpecial = [256]bool{'<': true, '>': true, '&': true, 0xE2: true}

// encodeResponses is json.Marshal of a batch's answers, each encoded as encode does.
func encodeResponses(rs []*wireResponse) ([]byte, error) {
	b := []byte{'['}
	for i, r := range rs {
		if i > 0 {
			b = append(b, ',')
		}
		e, err := r.encode()
		if err != nil {
			return nil, err
		}
		b = append(b, e...)
	}
	return append(b, ']'), nil
}

func writeJSONBody(w http.ResponseWriter, status int, v any) {
	var b []byte
	var err error
	switch v := v.(type) {
	case *wireResponse:
		b, err = v.encode()
	case []*wireResponse:
		b, err = encodeResponses(v)
	default:
		b, err = json.Marshal(v)
	}
	if err != nil { // only values gqlgen already marshalled: cannot happen
		b = []byte(`{"errors":[{"message":"` + internalErrorMessage + `","extensions":{"code":"` + CodeInternal + `"}}]}`)
		status = http.StatusInternalServerError
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeInvalid refuses a request that is not a GraphQL request: 400 BAD_USER_INPUT.
func writeInvalid(w http.ResponseWriter, media, msg string) {
	writeHTTPErrorAs(w, media, http.StatusBadRequest, CodeBadUserInput, msg, nil)
}

// writeHTTPErrorAs writes one GraphQL-shaped error in the negotiated media type, without a data
// entry.
func writeHTTPErrorAs(w http.ResponseWriter, media string, status int, code, msg string, more map[string]any) {
	writeErrorAs(w, media, status, msg, extensionsOf(code, more))
}

// decodeParams reads one request object {query, operationName, variables, extensions}; msg
// says what is wrong with it. Other members are ignored. The common shape — those members only,
// once each, strings with plain escapes — is read in one pass (fastParams); anything else, and
// every error, goes through encoding/json (slowParams), so both give the same answers
// (FuzzDecodeParams compares them).
func decodeParams(b []byte) (p *graphql.RawParams, msg string) {
	if p, ok := fastParams(b); ok {
		return p, needQuery(p)
	}
	return slowParams(b)
}

// fastParams reads a request object in one pass, or reports false for slowParams to read it:
// any member but the four, a member twice, null, a string with a \u escape, a control
// character or bytes that are not UTF-8, or anything that is not valid JSON.
func fastParams(b []byte) (*graphql.RawParams, bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, false
	}
	p := &graphql.RawParams{}
	var seen [4]bool
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return p, skipSpace(b, i+1) == len(b)
	}
	for {
		name, j, ok := fastString(b, i)
		if !ok {
			return nil, false
		}
		i = skipSpace(b, j)
		if i >= len(b) || b[i] != ':' {
			return nil, false
		}
		i = skipSpace(b, i+1)
		k := slices.Index([]string{"query", "operationName", "variables", "extensions"}, name)
		if k < 0 || seen[k] {
			return nil, false
		}
		seen[k] = true
		switch k {
		case 0, 1:
			v, j, ok := fastString(b, i)
			if !ok {
				return nil, false
			}
			if k == 0 {
				p.Query = v
			} else {
				p.OperationName = v
			}
			i = j
		default:
			j := objectEnd(b, i)
			if j < 0 {
				return nil, false
			}
			dst := &p.Variables
			if k == 3 {
				dst = &p.Extensions
			}
			if decodeObject("", b[i:j], dst) != "" {
				return nil, false
			}
			i = j
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return nil, false
		}
		if b[i] == '}' {
			return p, skipSpace(b, i+1) == len(b)
		}
		if b[i] != ',' {
			return nil, false
		}
		i = skipSpace(b, i+1)
	}
}

// skipSpace returns the index of the first byte at or after i that is not JSON whitespace.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// fastString decodes the JSON string at b[i], and the index after it; false for one fastParams
// leaves to encoding/json.
func fastString(b []byte, i int) (string, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return "", 0, false
	}
	i++
	start, plain := i, true
	for ; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			raw := b[start:i]
			if plain {
				return string(raw), i + 1, true
			}
			return unescapePlain(raw), i + 1, true
		case c == '\\':
			if i+1 >= len(b) || !strings.ContainsRune(`"\\/bfnrt`, rune(b[i+1])) {
				return "", 0, false // \u escapes (and invalid ones) are left to encoding/json
			}
			plain = false
			i++
		case c < 0x20:
			return "", 0, false
		case c >= 0x80:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size <= 1 {
				return "", 0, false
			}
			i += size - 1
		}
	}
	return "", 0, false
}

// unescapePlain decodes a string body whose escapes are all one of \" \\ \/ \b \f \n \r \t.
func unescapePlain(raw []byte) string {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		switch raw[i] {
		case 'b':
			c = '\b'
		case 'f':
			c = '\f'
		case 'n':
			c = '\n'
		case 'r':
			c = '\r'
		case 't':
			c = '\t'
		default:
			c = raw[i]
		}
		out = append(out, c)
	}
	return string(out)
}

// objectEnd returns the index after the JSON object starting at b[i] (matching braces outside
// strings; its contents are validated by the decoder that reads it), or -1 if there is none.
func objectEnd(b []byte, i int) int {
	if i >= len(b) || b[i] != '{' {
		return -1
	}
	depth, inString := 0, false
	for ; i < len(b); i++ {
		c := b[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				if c != '}' {
					return -1
				}
				return i + 1
			}
		}
	}
	return -1
}

// slowParams is decodeParams through encoding/json.
func slowParams(b []byte) (p *graphql.RawParams, msg string) {
	var raw map[string]json.RawMessage // one pass: it validates as it decodes
	if err := json.Unmarshal(b, &raw); err != nil || raw == nil {
		if _, syntax := err.(*json.SyntaxError); syntax {
			return nil, "the request body is not valid JSON"
		}
		return nil, "the request body must be a JSON object {query, variables, operationName, extensions}"
	}
	p = &graphql.RawParams{}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"query", &p.Query}, {"operationName", &p.OperationName}} {
		if v, ok := raw[f.name]; ok && !isNull(v) {
			if err := json.Unmarshal(v, f.dst); err != nil {
				return nil, f.name + " must be a string"
			}
		}
	}
	if v, ok := raw["variables"]; ok {
		if msg := decodeObject("variables", v, &p.Variables); msg != "" {
			return nil, msg
		}
	}
	if v, ok := raw["extensions"]; ok {
		if msg := decodeObject("extensions", v, &p.Extensions); msg != "" {
			return nil, msg
		}
	}
	return p, needQuery(p)
}

// decodeObject decodes a JSON object (or null) into dst, keeping numbers as json.Number as
// gqlgen's transports do (variable coercion reads them).
func decodeObject(name string, b []byte, dst *map[string]any) string {
	if isNull(b) {
		return ""
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return name + " must be a JSON object"
	}
	*dst = m
	return ""
}

// needQuery says what is missing when a request has no query text and no persisted query hash.
func needQuery(p *graphql.RawParams) string {
	if p.Query != "" {
		return ""
	}
	if pq, ok := p.Extensions["persistedQuery"]; ok && pq != nil {
		return "" // automatic persisted queries: the hash alone, gqlgen's APQ extension answers
	}
	return "the request has no query: send {\"query\": \"…\"} (and optionally variables, operationName)"
}

func isNull(b []byte) bool { return string(bytes.TrimSpace(b)) == "null" }

// negotiateMedia picks the response's media type from an Accept header.
func negotiateMedia(accept string) string {
	if accept == "" {
		return mediaJSON
	}
	qGR, qJSON := -1.0, -1.0 // the best q of each, -1 when the header does not name it
	wild := -1.0
	for part := range strings.SplitSeq(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && f <= 1 {
				q = f
			}
		}
		switch mt {
		case mediaGraphQLResponse:
			qGR = max(qGR, q)
		case mediaJSON:
			qJSON = max(qJSON, q)
		case "application/*", "*/*":
			wild = max(wild, q)
		}
	}
	if qJSON < 0 {
		qJSON = wild // */* and application/* mean application/json, the long-standing default
	}
	if qGR > 0 && qGR >= qJSON {
		return mediaGraphQLResponse
	}
	return mediaJSON
}

// addVary adds names to the Vary header unless it already lists them.
func addVary(h http.Header, names ...string) {
	for _, n := range names {
		if !varies(h["Vary"], n) {
			h["Vary"] = append(h["Vary"], n)
		}
	}
}

// varies reports whether the Vary values list name.
func varies(values []string, name string) bool {
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), name) {
				return true
			}
		}
	}
	return false
}
