package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Walks: shortest paths and neighbourhoods over the path graph.
//
// The path graph is undirected. Its nodes are the records of the six node kinds (Person,
// Organization, Region, Event, Statement, Source); its edges are the relations between them, each
// with a Label. A Position or a Participation is not a node but an edge, between its person and
// its organization, region or event: the edge's Via. Every other edge is a relation held by one of
// its two ends (a statement's speaker, an event's organizer…) and has no Via.
//
// A walk reads one BFS level per read transaction, with one iterator: for every node of the level,
// a scan (no value prefetch) of the o or i adjacency prefix of each relation its labels allow (one
// seek per relation and direction, from the first neighbour kind wanted to the last: neighbours are
// in kind order). A reified edge is found in that same scan: the in-key of a Position's or
// Participation's link holds, as its value, the records that Position or Participation joins
// (endsValue, keys.go), so the other end is read there — one range scan per node, however many
// memberships a large organization has, instead of one seek per membership (which cost most of a
// 4-hop walk at 1M nodes, BENCHMARKS.md). An in-key written before ends values existed has an empty
// value; for it the walk falls back to a key-only scan of the Position's or Participation's own o
// keys. No record is decoded. The edges into each new level are kept in one list per level; only
// enumeratePaths indexes them, for the nodes on shortest paths. The level of a shortest-path walk
// that reaches maxDepth (often a hub's members, most of the walk) records only its edges into nodes
// the other side reached (lastStep), while the visited bound fails exactly as before. Walks are
// bounded in nodes visited and in time (WalkLimits); hitting a bound is a *LimitError, never a
// silently partial answer. Each level is its own snapshot: under concurrent writes a walk may
// combine edges read at different moments.

// Label names an edge of the path graph. Its values are those of the schema's PathLabel enum.
type Label byte

// The labels, in the order the schema lists them (the order used to break ties between parallel
// edges).
const (
	LabelPosition       Label = iota + 1 // Person — Organization, via the Position
	LabelPositionRegion                  // Person — Region, via a Position scoped to it
	LabelParticipation                   // Person — Event, via the Participation
	LabelSaid                            // Person or Organization — Statement it said
	LabelAtEvent                         // Statement — Event where it was said
	LabelAbout                           // Statement — Person, Organization, Region or Event
	LabelOrganizedBy                     // Event — Organization
	LabelHeldIn                          // Event — Region
	LabelUnitOf                          // Organization — Organization it is a unit of
	LabelInside                          // Region — Region it is inside
	LabelSeat                            // Organization — Region where it is based
	LabelPublishedBy                     // Source — Organization
	LabelCites                           // Person, Organization, Region, Event or Statement — Source
	labelEnd
)

var labelNames = [labelEnd]string{"", "POSITION", "POSITION_REGION", "PARTICIPATION", "SAID", "AT_EVENT",
	"ABOUT", "ORGANIZED_BY", "HELD_IN", "UNIT_OF", "INSIDE", "SEAT", "PUBLISHED_BY", "CITES"}

// String returns the label's schema name, e.g. "POSITION".
func (l Label) String() string {
	if l == 0 || l >= labelEnd {
		return fmt.Sprintf("Label(%d)", byte(l))
	}
	return labelNames[l]
}

// ParseLabel returns the label with that schema name.
func ParseLabel(name string) (Label, bool) {
	for l := Label(1); l < labelEnd; l++ {
		if labelNames[l] == name {
			return l, true
		}
	}
	return 0, false
}

// LabelSet is a set of labels.
type LabelSet uint32

// LabelsOf returns the set of the given labels.
func LabelsOf(ls ...Label) LabelSet {
	var s LabelSet
	for _, l := range ls {
		s |= 1 << l
	}
	return s
}

// Has reports whether l is in s.
func (s LabelSet) Has(l Label) bool { return s&(1<<l) != 0 }

// AllLabels holds every label.
const AllLabels = LabelSet(1<<labelEnd - 2)

// DefaultLabels is what a walk uses unless told otherwise: every label but CITES. Every record cites
// the article it was learned from, so CITES would put almost everything two steps apart.
const DefaultLabels = AllLabels &^ (1 << LabelCites)

// IsPathKind reports whether records of kind k are nodes of the path graph (every kind but
// Position and Participation, which are its edges).
func IsPathKind(k Kind) bool { return k >= KindPerson && k <= KindSource }

// PathEdge is one edge of a walk, oriented the way the walk took it.
type PathEdge struct {
	From, To ID
	Label    Label
	// Via is the Position or Participation the edge goes through; zero for an edge that is a
	// relation held by From or To.
	Via ID
}

// Path is a walk from Nodes[0] to Nodes[len(Nodes)-1]; Edges[i] goes from Nodes[i] to Nodes[i+1].
type Path struct {
	Nodes []ID
	Edges []PathEdge
}

// Subgraph is a neighbourhood: nodes in BFS order (then ID order within a level) and the edges
// found between them, each oriented from the node that comes first in Nodes.
type Subgraph struct {
	Nodes     []ID
	Edges     []PathEdge
	Truncated bool // the node cap cut the neighbourhood
}

// Bounds of walks.
const (
	// MaxPathDepth bounds PathQuery.MaxDepth.
	MaxPathDepth = 6
	// MaxNeighborhoodDepth bounds NeighborhoodQuery.Depth.
	MaxNeighborhoodDepth = 3
	// DefaultWalkMaxVisited is WalkLimits.MaxVisited when unset.
	DefaultWalkMaxVisited = 100_000
	// DefaultWalkTimeout is WalkLimits.Timeout when unset.
	DefaultWalkTimeout = 2 * time.Second
)

// WalkLimits bound one walk. A walk that hits one fails with a *LimitError.
type WalkLimits struct {
	// MaxVisited bounds how many distinct nodes a walk may discover. Zero means
	// DefaultWalkMaxVisited.
	MaxVisited int
	// Timeout bounds how long a walk may run. Zero means DefaultWalkTimeout.
	Timeout time.Duration
}

func (l WalkLimits) withDefaults() WalkLimits {
	if l.MaxVisited <= 0 {
		l.MaxVisited = DefaultWalkMaxVisited
	}
	if l.Timeout <= 0 {
		l.Timeout = DefaultWalkTimeout
	}
	return l
}

// Bounds a LimitError may name.
const (
	BoundVisited = "visited"
	BoundTime    = "time"
)

// LimitError reports that a walk stopped at one of its bounds (WalkLimits) before it could
// answer. No partial answer is given: a path that was not found within the bound may exist.
type LimitError struct {
	Bound   string        // BoundVisited or BoundTime
	Visited int           // the MaxVisited in force, for BoundVisited
	Timeout time.Duration // the Timeout in force, for BoundTime
}

func (e *LimitError) Error() string {
	if e.Bound == BoundTime {
		return fmt.Sprintf("the walk ran into its time bound (%s) before it could answer; restrict its labels or its depth", e.Timeout)
	}
	return fmt.Sprintf("the walk ran into its bound of %d visited nodes before it could answer; restrict its labels or its depth", e.Visited)
}

// errWalkTimeout is the cancel cause of a walk's own deadline.
var errWalkTimeout = errors.New("walk timeout")

// ResolveRefs resolves references that are ids or external keys, in one read transaction (the
// rule of resolveRef). Unresolved references give the zero ID, aligned with refs.
func (s *Store) ResolveRefs(refs []string) ([]ID, error) {
	out := make([]ID, len(refs))
	err := s.view(func(txn *badger.Txn) error {
		for i, ref := range refs {
			id, isID, err := resolveRef(txn, ref)
			if err != nil {
				return err
			}
			if isID {
				if _, err := txn.Get(entityKey(id)); errors.Is(err, badger.ErrKeyNotFound) {
					id = ID{}
				} else if err != nil {
					return err
				}
			}
			out[i] = id
		}
		return nil
	})
	return out, err
}

// GetRefs returns the records named by references that are ids or external keys (the rule of
// resolveRef), aligned with refs, nil where a reference names nothing: ResolveRefs and GetMany in
// one read transaction.
func (s *Store) GetRefs(refs []string) ([]*Node, error) {
	out := make([]*Node, len(refs))
	err := s.read(func(r *reader) error {
		for i, ref := range refs {
			id, _, err := resolveRef(r.tx(), ref)
			if err != nil {
				return err
			}
			if id.IsZero() {
				continue
			}
			n, err := r.node(id)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			out[i] = n
		}
		return nil
	})
	return out, err
}

// resolveRef is the one rule for every argument that names a node: a reference that parses as an
// id (ParseID) is that id (isID; whether a record has it is the caller's to check), anything else
// is looked up as an external key, case folded (lookupFolded). An unknown key is the zero ID.
func resolveRef(txn *badger.Txn, ref string) (id ID, isID bool, err error) {
	if id, err := ParseID(ref); err == nil {
		return id, true, nil
	}
	id, err = lookupFolded(txn, ref)
	if errors.Is(err, ErrNotFound) {
		return ID{}, false, nil
	}
	return id, false, err
}

// PathQuery asks for shortest paths between two nodes.
type PathQuery struct {
	From, To ID
	// MaxDepth is the longest path looked for, 0 … MaxPathDepth.
	MaxDepth int
	// Labels are the edges the walk may use.
	Labels LabelSet
	// First is how many paths to return at most (at least 1).
	First  int
	Limits WalkLimits
}

// ShortestPaths returns up to q.First shortest paths from q.From to q.To using only q.Labels, in a
// deterministic order: by the sequence of their node IDs (compared in ID order, i.e. kind then
// creation order), then by the sequence of their edges (label in Label order, then Via). The first
// one is "the" shortest path. It returns no path (and no error) when there is none of length at
// most q.MaxDepth, or when an end is not a node of the path graph.
//
// The walk is a bidirectional breadth-first search: each step expands the side with the smaller
// frontier by one level (one read transaction), recording every edge into the new level, until
// the two sides meet; all shortest paths then go through the meeting level, and are enumerated
// from the recorded edges. It costs at most q.MaxDepth read transactions.
func (s *Store) ShortestPaths(ctx context.Context, q PathQuery) ([]Path, error) {
	if q.MaxDepth < 0 || q.MaxDepth > MaxPathDepth {
		return nil, fmt.Errorf("%w: maxDepth must be between 0 and %d", ErrInvalid, MaxPathDepth)
	}
	if !IsPathKind(q.From.Kind) || !IsPathKind(q.To.Kind) || q.From.IsZero() || q.To.IsZero() {
		return nil, nil
	}
	if q.From == q.To {
		return []Path{{Nodes: []ID{q.From}, Edges: []PathEdge{}}}, nil
	}
	w, cancel := s.newWalk(ctx, q.Labels, q.Limits)
	defer cancel()
	w.visited = 2
	fwd := newBFSSide(q.From)
	bwd := newBFSSide(q.To)
	for fwd.depth+bwd.depth < q.MaxDepth {
		side, other := fwd, bwd
		if len(bwd.frontier) < len(fwd.frontier) {
			side, other = bwd, fwd
		}
		if len(side.frontier) == 0 {
			return nil, nil // that side's component is exhausted: no path at all
		}
		var meet []ID
		done := false
		last := fwd.depth+bwd.depth+1 == q.MaxDepth
		if last && lastStepShortcut {
			var err error
			if meet, done, err = w.lastStep(side, other); err != nil {
				return nil, err
			}
		}
		if !done {
			// The level that reaches MaxDepth is never expanded: it need not be sorted.
			next, err := w.step(side, !last)
			if err != nil {
				return nil, err
			}
			for _, v := range next {
				if _, ok := other.dist[v]; ok {
					meet = append(meet, v)
				}
			}
		}
		if len(meet) > 0 {
			slices.SortFunc(meet, ID.Compare)
			return enumeratePaths(q.From, q.To, fwd, bwd, meet, max(q.First, 1)), nil
		}
	}
	return nil, nil
}

// NeighborhoodQuery asks for the nodes around one node.
type NeighborhoodQuery struct {
	Center ID
	// Depth is how many edges away from Center nodes may be, 0 … MaxNeighborhoodDepth.
	Depth int
	// Labels are the edges the walk may use.
	Labels LabelSet
	// First caps the number of nodes (at least 1).
	First  int
	Limits WalkLimits
}

// Neighborhood returns the nodes at most q.Depth edges away from q.Center, in BFS order and by ID
// within a level, cut at q.First nodes (Truncated then says so), and the edges found between
// them: every edge of an allowed label from a node of levels 0 … Depth-1 to a kept node (edges
// between two nodes of the last level are not looked for), each oriented from the node that
// comes first in Nodes. A center that is not a node of the path graph gives an empty subgraph.
// It costs at most q.Depth read transactions (one per level).
func (s *Store) Neighborhood(ctx context.Context, q NeighborhoodQuery) (*Subgraph, error) {
	if q.Depth < 0 || q.Depth > MaxNeighborhoodDepth {
		return nil, fmt.Errorf("%w: depth must be between 0 and %d", ErrInvalid, MaxNeighborhoodDepth)
	}
	q.First = max(q.First, 1)
	if q.Center.IsZero() || !IsPathKind(q.Center.Kind) {
		return &Subgraph{Nodes: []ID{}, Edges: []PathEdge{}}, nil
	}
	w, cancel := s.newWalk(ctx, q.Labels, q.Limits)
	defer cancel()
	w.visited = 1
	level := map[ID]int{q.Center: 0}
	order := []ID{q.Center}
	frontier := order
	var edges []PathEdge
	type edgeKey struct {
		a, b  ID
		label Label
		via   ID
	}
	seen := map[edgeKey]bool{}
	truncated := false
	for d := 0; d < q.Depth && len(frontier) > 0; d++ {
		if len(order) >= q.First {
			// The cap is reached: one more node is enough to know that it cut something.
			errFull := errors.New("full")
			err := w.expand(frontier, func(e PathEdge) error {
				if _, ok := level[e.To]; !ok {
					return errFull
				}
				return nil
			})
			if errors.Is(err, errFull) {
				truncated = true
			} else if err != nil {
				return nil, err
			}
			break
		}
		var next []ID
		err := w.expand(frontier, func(e PathEdge) error {
			if _, ok := level[e.To]; !ok {
				if err := w.discover(); err != nil {
					return err
				}
				level[e.To] = d + 1
				next = append(next, e.To)
			}
			k := edgeKey{e.From, e.To, e.Label, e.Via}
			if k.a.Compare(k.b) > 0 {
				k.a, k.b = k.b, k.a
			}
			if !seen[k] {
				seen[k] = true
				edges = append(edges, e)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		slices.SortFunc(next, ID.Compare)
		order = append(order, next...)
		frontier = next
	}
	if len(order) > q.First {
		order, truncated = order[:q.First], true
	}
	index := make(map[ID]int, len(order))
	for i, id := range order {
		index[id] = i
	}
	kept := make([]PathEdge, 0, len(edges))
	for _, e := range edges {
		i, okFrom := index[e.From]
		j, okTo := index[e.To]
		if !okFrom || !okTo {
			continue
		}
		if i > j {
			e.From, e.To = e.To, e.From
		}
		kept = append(kept, e)
	}
	slices.SortFunc(kept, func(a, b PathEdge) int {
		if c := index[a.From] - index[b.From]; c != 0 {
			return c
		}
		if c := index[a.To] - index[b.To]; c != 0 {
			return c
		}
		if a.Label != b.Label {
			return int(a.Label) - int(b.Label)
		}
		return a.Via.Compare(b.Via)
	})
	return &Subgraph{Nodes: order, Edges: kept, Truncated: truncated}, nil
}

// walk is the state one walk shares across its levels: labels, limits and the visited count.
type walk struct {
	s       *Store
	ctx     context.Context
	labels  LabelSet
	limits  WalkLimits
	visited int
	keys    int // adjacency keys read, to check the deadline every so often
}

func (s *Store) newWalk(ctx context.Context, labels LabelSet, limits WalkLimits) (*walk, context.CancelFunc) {
	limits = limits.withDefaults()
	ctx, cancel := context.WithTimeoutCause(ctx, limits.Timeout, errWalkTimeout)
	return &walk{s: s, ctx: ctx, labels: labels, limits: limits}, cancel
}

// discover counts one more node discovered, or fails at the visited bound.
func (w *walk) discover() error {
	if w.visited >= w.limits.MaxVisited {
		return &LimitError{Bound: BoundVisited, Visited: w.limits.MaxVisited}
	}
	w.visited++
	return nil
}

// tick counts one key read and checks the deadline every 256 keys.
func (w *walk) tick() error {
	w.keys++
	if w.keys&255 != 0 {
		return nil
	}
	return w.ctxErr()
}

// ctxErr reports the end of the walk's context: its own time bound as a *LimitError, the end of
// the caller's context (the operation's deadline, a client gone) as that context's cause.
func (w *walk) ctxErr() error {
	if w.ctx.Err() == nil {
		return nil
	}
	if cause := context.Cause(w.ctx); cause != errWalkTimeout {
		return cause
	}
	return &LimitError{Bound: BoundTime, Timeout: w.limits.Timeout}
}

// bfsSide is one side of a bidirectional search: the distance of every node it discovered from
// its root, and per level d the edges that reached a node of level d from level d-1 (oriented
// away from the root; in[0] is empty), in one list per level rather than per node: most nodes
// are on no shortest path, and enumeratePaths indexes only those that are.
type bfsSide struct {
	depth    int
	dist     map[ID]int
	in       [][]PathEdge
	frontier []ID
}

func newBFSSide(root ID) *bfsSide {
	return &bfsSide{dist: map[ID]int{root: 0}, in: [][]PathEdge{nil}, frontier: []ID{root}}
}

// step expands side by one level and returns the new level, sorted if sorted says so (the
// frontier's order changes no answer, but a sorted one is scanned in key order).
func (w *walk) step(side *bfsSide, sorted bool) ([]ID, error) {
	d := side.depth + 1
	var next []ID
	var in []PathEdge
	err := w.expand(side.frontier, func(e PathEdge) error {
		got, ok := side.dist[e.To]
		if !ok {
			if err := w.discover(); err != nil {
				return err
			}
			side.dist[e.To] = d
			next = append(next, e.To)
			got = d
		}
		if got == d {
			in = append(in, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if sorted {
		slices.SortFunc(next, ID.Compare)
	}
	side.depth, side.frontier = d, next
	side.in = append(side.in, in)
	return next, nil
}

// lastStepShortcut lets a test compare lastStep with step.
var lastStepShortcut = true

// errMayExceed stops lastStep.
var errMayExceed = errors.New("the level may exceed the visited bound")

// lastStep expands side by the level that reaches MaxDepth. That level is never expanded
// further, and only its edges into nodes the other side reached (the meeting nodes) are on
// shortest paths: it records only those and returns the meeting nodes, without recording the
// level's other nodes in the side's maps — the bulk of a walk's memory and of its CPU besides
// Badger when that level is large (a hub's members). The visited bound must still fail as step
// fails: lastStep counts every edge to a node the side had not reached, at least the number of
// nodes step would discover, and gives up (done false, the side unchanged) as soon as that count
// could pass the bound; the caller then runs step, which counts exactly.
func (w *walk) lastStep(side, other *bfsSide) (meet []ID, done bool, err error) {
	var in []PathEdge
	met := map[ID]bool{}
	edges := 0
	err = w.expand(side.frontier, func(e PathEdge) error {
		if _, reached := side.dist[e.To]; reached {
			return nil
		}
		if edges++; w.visited+edges > w.limits.MaxVisited {
			return errMayExceed
		}
		if _, ok := other.dist[e.To]; !ok {
			return nil
		}
		if !met[e.To] {
			met[e.To] = true
			meet = append(meet, e.To)
		}
		in = append(in, e)
		return nil
	})
	if errors.Is(err, errMayExceed) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	side.depth++
	side.in = append(side.in, in)
	return meet, true, nil
}

// rule is one kind of edge at a node of some kind: the relation, its direction (out: the node
// holds it, in: the neighbour does), the neighbour's kind, and either the label of a direct edge
// or, when the neighbour is a Position or Participation (a reified edge), the relations of that
// record that lead to the other end, with their labels.
type rule struct {
	out   bool
	rel   Rel
	nb    Kind
	label Label
	far   []farEnd
}

type farEnd struct {
	rel   Rel
	label Label
}

// rules lists, per node kind, every edge of the path graph at such a node.
var rules = map[Kind][]rule{
	KindPerson: {
		{rel: RelPerson, nb: KindPosition, far: []farEnd{{RelOrganization, LabelPosition}, {RelRegion, LabelPositionRegion}}},
		{rel: RelPerson, nb: KindParticipation, far: []farEnd{{RelEvent, LabelParticipation}}},
		{rel: RelSpeaker, nb: KindStatement, label: LabelSaid},
		{rel: RelAbout, nb: KindStatement, label: LabelAbout},
		{out: true, rel: RelCites, nb: KindSource, label: LabelCites},
	},
	KindOrganization: {
		{out: true, rel: RelParent, nb: KindOrganization, label: LabelUnitOf},
		{rel: RelParent, nb: KindOrganization, label: LabelUnitOf},
		{out: true, rel: RelSeat, nb: KindRegion, label: LabelSeat},
		{rel: RelOrganization, nb: KindPosition, far: []farEnd{{RelPerson, LabelPosition}}},
		{rel: RelOrganizer, nb: KindEvent, label: LabelOrganizedBy},
		{rel: RelSpeaker, nb: KindStatement, label: LabelSaid},
		{rel: RelAbout, nb: KindStatement, label: LabelAbout},
		{rel: RelPublisher, nb: KindSource, label: LabelPublishedBy},
		{out: true, rel: RelCites, nb: KindSource, label: LabelCites},
	},
	KindRegion: {
		{out: true, rel: RelParent, nb: KindRegion, label: LabelInside},
		{rel: RelParent, nb: KindRegion, label: LabelInside},
		{rel: RelSeat, nb: KindOrganization, label: LabelSeat},
		{rel: RelRegion, nb: KindPosition, far: []farEnd{{RelPerson, LabelPositionRegion}}},
		{rel: RelLocation, nb: KindEvent, label: LabelHeldIn},
		{rel: RelAbout, nb: KindStatement, label: LabelAbout},
		{out: true, rel: RelCites, nb: KindSource, label: LabelCites},
	},
	KindEvent: {
		{out: true, rel: RelOrganizer, nb: KindOrganization, label: LabelOrganizedBy},
		{out: true, rel: RelLocation, nb: KindRegion, label: LabelHeldIn},
		{rel: RelEvent, nb: KindStatement, label: LabelAtEvent},
		{rel: RelEvent, nb: KindParticipation, far: []farEnd{{RelPerson, LabelParticipation}}},
		{rel: RelAbout, nb: KindStatement, label: LabelAbout},
		{out: true, rel: RelCites, nb: KindSource, label: LabelCites},
	},
	KindStatement: {
		{out: true, rel: RelSpeaker, nb: KindPerson, label: LabelSaid},
		{out: true, rel: RelSpeaker, nb: KindOrganization, label: LabelSaid},
		{out: true, rel: RelEvent, nb: KindEvent, label: LabelAtEvent},
		{out: true, rel: RelAbout, nb: KindPerson, label: LabelAbout},
		{out: true, rel: RelAbout, nb: KindOrganization, label: LabelAbout},
		{out: true, rel: RelAbout, nb: KindRegion, label: LabelAbout},
		{out: true, rel: RelAbout, nb: KindEvent, label: LabelAbout},
		{out: true, rel: RelCites, nb: KindSource, label: LabelCites},
	},
	KindSource: {
		{out: true, rel: RelPublisher, nb: KindOrganization, label: LabelPublishedBy},
		// Citations by positions and participations are not edges: those records are edges.
		{rel: RelCites, nb: KindPerson, label: LabelCites},
		{rel: RelCites, nb: KindOrganization, label: LabelCites},
		{rel: RelCites, nb: KindRegion, label: LabelCites},
		{rel: RelCites, nb: KindEvent, label: LabelCites},
		{rel: RelCites, nb: KindStatement, label: LabelCites},
	},
}

// hop is one adjacency scan at a node: the rules of one relation and direction, merged, so that
// one seek serves every neighbour kind (neighbours are in kind order under the prefix).
type hop struct {
	out bool
	rel Rel
	to  [KindParticipation + 1]*rule // the rule for a neighbour of each kind, nil: not an edge
}

// scan returns the neighbour kinds a hop must read under labels: the first and the last, and
// false when it need not be scanned at all.
func (h *hop) scan(labels LabelSet) (lo, hi Kind, ok bool) {
	for k := Kind(1); k < Kind(len(h.to)); k++ {
		if r := h.to[k]; r != nil && r.labels()&labels != 0 {
			if !ok {
				lo, ok = k, true
			}
			hi = k
		}
	}
	return lo, hi, ok
}

// labels returns the labels a rule can produce.
func (r *rule) labels() LabelSet {
	if r.far == nil {
		return LabelsOf(r.label)
	}
	var s LabelSet
	for _, f := range r.far {
		s |= LabelsOf(f.label)
	}
	return s
}

// hops are the rules merged per node kind, relation and direction, in the order rules lists them.
var hops = func() map[Kind][]*hop {
	out := map[Kind][]*hop{}
	for k, rs := range rules {
		for i := range rs {
			r := &rs[i]
			var h *hop
			for _, x := range out[k] {
				if x.out == r.out && x.rel == r.rel {
					h = x
				}
			}
			if h == nil {
				h = &hop{out: r.out, rel: r.rel}
				out[k] = append(out[k], h)
			}
			h.to[r.nb] = r
		}
	}
	return out
}()

// expand reads, in one read transaction, every edge with an allowed label at each node of level
// and calls visit with it (From is the node of level). visit may stop the walk with an error.
func (w *walk) expand(level []ID, visit func(PathEdge) error) error {
	if err := w.ctxErr(); err != nil {
		return err
	}
	return w.s.view(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: false})
		defer it.Close()
		type reified struct {
			via ID
			r   *rule
		}
		var vias []reified
		for _, u := range level {
			for _, h := range hops[u.Kind] {
				lo, hi, ok := h.scan(w.labels)
				if !ok {
					continue
				}
				prefix := adjPrefix(h.out, u, h.rel, 0)
				vias = vias[:0]
				for it.Seek(adjPrefix(h.out, u, h.rel, lo)); it.ValidForPrefix(prefix); it.Next() {
					if err := w.tick(); err != nil {
						return err
					}
					v := adjNeighbour(it.Item().Key())
					if v.Kind > hi {
						break
					}
					r := h.to[v.Kind]
					switch {
					case r == nil || r.labels()&w.labels == 0:
					case r.far != nil:
						// A reified edge: its other ends are in the in-key's value (endsValue)…
						ok, err := w.visitEnds(u, v, r, it.Item(), visit)
						if err != nil {
							return err
						}
						if !ok { // …unless the key was written before ends values existed
							vias = append(vias, reified{v, r})
						}
					default:
						if err := visit(PathEdge{From: u, To: v, Label: r.label}); err != nil {
							return err
						}
					}
				}
				// A reified edge without ends in its in-key: the other end is what the Position or
				// Participation points at, read from its out-keys.
				for _, x := range vias {
					for _, f := range x.r.far {
						if !w.labels.Has(f.label) {
							continue
						}
						p := adjPrefix(true, x.via, f.rel, 0)
						for it.Seek(p); it.ValidForPrefix(p); it.Next() {
							if err := w.tick(); err != nil {
								return err
							}
							e := PathEdge{From: u, To: adjNeighbour(it.Item().Key()), Label: f.label, Via: x.via}
							if err := visit(e); err != nil {
								return err
							}
						}
					}
				}
			}
		}
		return nil
	})
}

// visitEnds visits the edges from u through the Position or Participation via (reached by an
// in-key of rule r, the item) to its other ends, read from the item's value (endsValue). It
// reports false, visiting nothing, when the value holds no ends.
func (w *walk) visitEnds(u, via ID, r *rule, item *badger.Item, visit func(PathEdge) error) (bool, error) {
	found := false
	err := item.Value(func(ends []byte) error {
		if found = validEnds(ends); !found {
			return nil
		}
		for _, f := range r.far {
			if !w.labels.Has(f.label) {
				continue
			}
			for e := ends; len(e) > 0; e = e[endLen:] {
				if Rel(e[0]) != f.rel {
					continue
				}
				if err := visit(PathEdge{From: u, To: idFrom(e[1:endLen]), Label: f.label, Via: via}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return found, err
}

// enumeratePaths lists up to first shortest paths from `from` to `to`, in order, once the two
// sides of the search met at the nodes of meet (sorted). Every shortest path goes through exactly
// one meeting node: its first part is a chain of fwd's recorded edges, its second part a chain of
// bwd's, reversed.
func enumeratePaths(from, to ID, fwd, bwd *bfsSide, meet []ID, first int) []Path {
	// succ holds, for every node on a shortest path, the edges to the next node, sorted by that
	// node, then label, then via.
	succ := map[ID][]PathEdge{}
	// walkBack keeps every recorded edge into a node on a shortest path, from the meeting nodes
	// back to the side's root, a level at a time (an edge into level d comes from level d-1).
	walkBack := func(side *bfsSide, reverse bool) {
		on := make(map[ID]bool, len(meet))
		for _, m := range meet {
			on[m] = true
		}
		for d := side.depth; d > 0; d-- {
			for _, e := range side.in[d] {
				if !on[e.To] {
					continue
				}
				if reverse {
					succ[e.To] = append(succ[e.To], PathEdge{From: e.To, To: e.From, Label: e.Label, Via: e.Via})
				} else {
					succ[e.From] = append(succ[e.From], e)
				}
				on[e.From] = true
			}
		}
	}
	walkBack(fwd, false)
	walkBack(bwd, true)
	for _, es := range succ {
		slices.SortFunc(es, compareEdgeStep)
	}

	length := fwd.depth + bwd.depth
	var out []Path
	nodes := make([]ID, 1, length+1)
	nodes[0] = from
	// dfs lists node sequences in ID order; each sequence gives one path per choice of parallel
	// edges, in edge order. It returns true once first paths are listed.
	var dfs func(u ID) bool
	dfs = func(u ID) bool {
		if u == to {
			out = appendEdgeChoices(out, nodes, succ, first)
			return len(out) >= first
		}
		es := succ[u]
		for i := 0; i < len(es); i++ {
			if i > 0 && es[i].To == es[i-1].To {
				continue
			}
			nodes = append(nodes, es[i].To)
			if dfs(es[i].To) {
				return true
			}
			nodes = nodes[:len(nodes)-1]
		}
		return false
	}
	dfs(from)
	return out
}

// appendEdgeChoices appends the paths along the node sequence nodes, one per choice of parallel
// edges between consecutive nodes, in lexicographic order of edges, until out holds first paths.
func appendEdgeChoices(out []Path, nodes []ID, succ map[ID][]PathEdge, first int) []Path {
	n := len(nodes) - 1
	choices := make([][]PathEdge, n)
	for i := range n {
		es := succ[nodes[i]]
		lo := slices.IndexFunc(es, func(e PathEdge) bool { return e.To == nodes[i+1] })
		hi := lo
		for hi < len(es) && es[hi].To == nodes[i+1] {
			hi++
		}
		choices[i] = es[lo:hi]
	}
	pick := make([]int, n)
	for len(out) < first {
		p := Path{Nodes: slices.Clone(nodes), Edges: make([]PathEdge, n)}
		for i := range n {
			p.Edges[i] = choices[i][pick[i]]
		}
		out = append(out, p)
		// Next choice: the last edge varies fastest.
		i := n - 1
		for ; i >= 0; i-- {
			if pick[i]++; pick[i] < len(choices[i]) {
				break
			}
			pick[i] = 0
		}
		if i < 0 {
			break
		}
	}
	return out
}

// compareEdgeStep orders the edges out of one node: by the node they lead to, then label, then via.
func compareEdgeStep(a, b PathEdge) int {
	if c := a.To.Compare(b.To); c != 0 {
		return c
	}
	if a.Label != b.Label {
		return int(a.Label) - int(b.Label)
	}
	return a.Via.Compare(b.Via)
}
