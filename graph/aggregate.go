package graph

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kgql/kgql/graph/model"
	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/query"
)

// recordKinds maps the aggregate's RecordType to store kinds, and names its AggregateWhere field.
var recordKinds = map[model.RecordType]struct {
	kind  store.Kind
	where string
}{
	model.RecordTypePerson: {store.KindPerson, "person"}, model.RecordTypeOrganization: {store.KindOrganization, "organization"},
	model.RecordTypeRegion: {store.KindRegion, "region"}, model.RecordTypeEvent: {store.KindEvent, "event"},
	model.RecordTypeStatement: {store.KindStatement, "statement"}, model.RecordTypeSource: {store.KindSource, "source"},
	model.RecordTypePosition: {store.KindPosition, "position"}, model.RecordTypeParticipation: {store.KindParticipation, ""},
}

// maxBuckets caps the buckets an aggregate returns.
const maxBuckets = 1000

// aggregate is the aggregate root field.
func (r *Resolver) aggregate(ctx context.Context, kind model.RecordType, where map[string]any, groupBy []model.GroupBy, first *int) (*model.Aggregate, error) {
	rk := recordKinds[kind]
	n := 100
	if first != nil {
		n = *first
	}
	if n < 0 || n > maxBuckets {
		return nil, fmt.Errorf("%w: first must be between 0 and %d", store.ErrInvalid, maxBuckets)
	}
	var f *query.Filter
	for field, v := range where {
		if isNil(v) {
			continue
		}
		if rk.where == "" {
			return nil, fmt.Errorf("%w: %s records take no where", store.ErrInvalid, kind)
		}
		if field != rk.where {
			return nil, fmt.Errorf("%w: where.%s does not apply to %s (use where.%s)", store.ErrInvalid, field, kind, rk.where)
		}
		var err error
		if f, err = whereFilter(rk.kind, asMap(v), r.textSearchIn(ctx)); err != nil {
			return nil, err
		}
	}
	dims := make([]string, len(groupBy))
	for i, g := range groupBy {
		dims[i] = string(g)
	}
	var buckets []query.Bucket
	var total int
	err := r.Store.Read(func(tx *store.Tx) (err error) {
		buckets, total, err = query.AggregateContext(ctx, tx, rk.kind, f, dims)
		return err
	})
	if errors.Is(err, query.ErrTooMany) {
		return nil, &codedError{code: CodeQueryTooComplex, msg: err.Error()}
	}
	if err != nil {
		return nil, err
	}
	if len(buckets) > n {
		buckets = buckets[:n]
	}
	var ids []store.ID
	for _, b := range buckets {
		for i, k := range b.Keys {
			if b.IsID[i] {
				if id, err := store.ParseID(k); err == nil {
					ids = append(ids, id)
				}
			}
		}
	}
	nodes, err := r.Store.GetMany(ids)
	if err != nil {
		return nil, err
	}
	out := &model.Aggregate{Count: total, Buckets: make([]*model.AggregateBucket, len(buckets))}
	for bi, b := range buckets {
		ab := &model.AggregateBucket{Count: b.Count, Keys: make([]string, len(b.Keys)), Nodes: make([]model.Node, len(b.Keys))}
		for i, k := range b.Keys {
			ab.Keys[i] = k
			if b.IsID[i] {
				id, _ := store.ParseID(k)
				if nd := nodes[id]; nd != nil {
					if nd.Key != "" {
						ab.Keys[i] = nd.Key
					}
					ab.Nodes[i] = model.FromNode(nd)
				}
			}
		}
		ab.Key = strings.Join(ab.Keys, " / ")
		if len(ab.Nodes) > 0 {
			ab.Node = ab.Nodes[0]
		}
		out.Buckets[bi] = ab
	}
	return out, nil
}
