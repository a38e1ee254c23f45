package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/kgql/kgql/graph/loaders"
	"github.com/kgql/kgql/graph/model"
	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/importer"
)

// Action names what a caller asks to do, for the authorization point.
type Action string

// The actions (graph/policy.go says who may do each).
const (
	ActionRead    Action = "read"    // any query
	ActionWrite   Action = "write"   // any mutation
	ActionCascade Action = "cascade" // deleteNode(cascade: true)
	ActionBackup  Action = "backup"  // GET /admin/backup (and every /admin route)
)

// AllowAll is the open policy's Authorize: every caller may do everything (see PolicyAuthorize).
func AllowAll(context.Context, Action) error { return nil }

// authorize is the single authorization point of writes and admin endpoints.
func (r *Resolver) authorize(ctx context.Context, a Action) error {
	return askAuthorize(ctx, r.Authorize, a)
}

// askAuthorize asks an Authorize function about an action. A refusal is always a codedError
// (FORBIDDEN unless the function chose UNAUTHENTICATED), and it sets the HTTP status of the
// response (401 or 403) when the request came over HTTP.
func askAuthorize(ctx context.Context, authorize func(context.Context, Action) error, a Action) error {
	if err := authorize(ctx, a); err != nil {
		var ce *codedError
		if !errors.As(err, &ce) {
			ce = &codedError{code: CodeForbidden, msg: "not allowed: " + string(a)}
		}
		setStatus(ctx, statusFor(ce))
		return ce
	}
	return nil
}

// upsert writes one record given as a mutation input, through the importer (the same
// validation and merge rules as `kgql import`), and returns the stored record.
func (r *Resolver) upsert(ctx context.Context, kind store.Kind, input map[string]any) (*store.Node, error) {
	if err := r.authorize(ctx, ActionWrite); err != nil {
		return nil, err
	}
	rec := make(map[string]any, len(input)+1)
	for k, v := range input {
		rec[k] = v
	}
	rec["type"] = kind.String()
	line, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	res, err := importer.ImportBytes(r.Store, line, "input")
	if err != nil {
		return nil, inputError(err, "input")
	}
	n, err := r.Store.Get(res.IDs[0])
	if err != nil {
		return nil, err
	}
	loaders.For(ctx).Prime(n)
	return n, nil
}

// inputError turns importer errors about a mutation input into BAD_USER_INPUT naming the field.
func inputError(err error, arg string) error {
	var les importer.Errors
	if !errors.As(err, &les) || len(les) == 0 {
		return err
	}
	e := les[0]
	field := arg
	if e.Field != "" {
		field += "." + e.Field
	}
	return &codedError{code: CodeBadUserInput, msg: field + ": " + e.Reason, ext: map[string]any{"field": field}}
}

// importErrors turns importer errors about an NDJSON argument into one BAD_USER_INPUT listing them.
func importErrors(err error) error {
	var les importer.Errors
	if !errors.As(err, &les) || len(les) == 0 {
		return err
	}
	list := make([]map[string]any, 0, len(les))
	msgs := make([]string, 0, len(les))
	more := 0
	for _, e := range les {
		if e.More > 0 { // the list was cut at importer.MaxErrors
			more = e.More
			continue
		}
		list = append(list, map[string]any{"line": e.Line, "field": e.Field, "message": e.Reason})
		msgs = append(msgs, strings.TrimPrefix(e.Error(), "ndjson:"))
	}
	msg := fmt.Sprintf("%d problem(s), nothing was written: line %s", les.Total(), strings.Join(msgs, "; line "))
	ext := map[string]any{"errors": list, "total": les.Total()}
	if more > 0 {
		msg += fmt.Sprintf("; and %d more", more)
		ext["more"] = more
	}
	return &codedError{code: CodeBadUserInput, msg: msg, ext: ext}
}

// importNDJSON is the importRecords mutation.
func (r *Resolver) importNDJSON(ctx context.Context, ndjson string) (*model.ImportResult, error) {
	if err := r.authorize(ctx, ActionWrite); err != nil {
		return nil, err
	}
	res, err := importer.ImportBytes(r.Store, []byte(ndjson), "ndjson")
	if err != nil {
		return nil, importErrors(err)
	}
	out := &model.ImportResult{Records: res.Records, Created: res.Created, Updated: res.Updated, Unchanged: res.Unchanged}
	for _, k := range store.Kinds {
		if c := res.ByType[k.String()]; c > 0 {
			out.ByType = append(out.ByType, &model.TypeCount{Type: k.String(), Count: c})
		}
	}
	if out.ByType == nil {
		out.ByType = []*model.TypeCount{}
	}
	return out, nil
}

// resolveRef finds a record by id or key; NOT_FOUND if there is none.
func (r *Resolver) resolveRef(ref string) (store.ID, error) {
	if id, err := store.ParseID(ref); err == nil {
		if _, err := r.Store.Get(id); err != nil {
			return store.ID{}, err
		}
		return id, nil
	}
	return r.Store.Lookup(ref)
}

// deleteRecord deletes by id or key. only, if not 0, is the kind the record must have.
func (r *Resolver) deleteRecord(ctx context.Context, ref string, only store.Kind, cascade bool) (*model.DeletePayload, error) {
	if err := r.authorize(ctx, ActionWrite); err != nil {
		return nil, err
	}
	if cascade {
		if err := r.authorize(ctx, ActionCascade); err != nil {
			return nil, err
		}
	}
	id, err := r.resolveRef(ref)
	if err != nil {
		return nil, err
	}
	if only != 0 && id.Kind != only {
		return nil, fmt.Errorf("%w: id: %q is a %s, not a %s", store.ErrInvalid, ref, id.Kind, only)
	}
	var rep *store.DeleteReport
	err = r.Store.Update(func(tx *store.Tx) (err error) {
		rep, err = tx.DeleteNode(id, cascade)
		return err
	})
	var de *store.DependentsError
	if errors.As(err, &de) {
		return nil, r.dependentsError(de)
	}
	if err != nil {
		return nil, err
	}
	out := &model.DeletePayload{Deleted: make([]*model.DeletedRecord, len(rep.Deleted)), UpdatedIds: make([]string, len(rep.Updated))}
	for i, n := range rep.Deleted {
		d := &model.DeletedRecord{ID: n.ID.String(), Type: n.Kind.String(), Label: n.Label()}
		if n.Key != "" {
			k := n.Key
			d.Key = &k
		}
		out.Deleted[i] = d
	}
	for i, id := range rep.Updated {
		out.UpdatedIds[i] = id.String()
	}
	return out, nil
}

// dependentsError is CONFLICT with the list of records that point at the node.
func (r *Resolver) dependentsError(de *store.DependentsError) error {
	found, err := r.Store.GetMany(de.Dependents)
	if err != nil {
		return err
	}
	deps := make([]map[string]any, 0, len(de.Dependents))
	for _, id := range de.Dependents {
		d := map[string]any{"id": id.String(), "type": id.Kind.String()}
		if n := found[id]; n != nil {
			d["label"] = n.Label()
			if n.Key != "" {
				d["key"] = n.Key
			}
		}
		deps = append(deps, d)
	}
	msg := fmt.Sprintf("%d record(s) point at this node; delete them first, or use cascade: true", len(deps))
	if de.More {
		msg = fmt.Sprintf("more than %d records point at this node; delete them first, or use cascade: true", len(deps))
	}
	return &codedError{code: CodeConflict, msg: msg, ext: map[string]any{"dependents": deps}}
}
