package dataplane

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// kernel is the seam between the reconciler and a kernel: the real one
// (linux.go) or the in-memory fake (fake.go). Names passed in are full
// namespace names.
type kernel interface {
	// ListNS returns the namespaces whose name starts with prefix.
	ListNS(prefix string) ([]string, error)
	// CreateNS creates a namespace with lo up and the namespace-wide
	// sysctls set (links' sysctls are set once the links exist).
	CreateNS(name string, sysctls map[string]string) error
	// DeleteNS removes a namespace, its links (and their veth peers) and
	// the workloads running in it.
	DeleteNS(name string) error
	// Read returns what ns holds of the things want names: all links,
	// addresses, aksnet's routes and rules, the sysctls in want, the hash of
	// aksnet's nftables table ("" when absent) and the running workloads.
	// fresh says the namespace was created in this pass: it can hold no
	// routes, rules, nftables table or workloads yet, and its sysctls are
	// what CreateNS set, so a kernel may skip reading those.
	Read(ns string, want *NSState, fresh bool) (*observed, error)
	// Apply carries out ops in order, stopping at the first error.
	Apply(ns string, ops []nsOp) error
	// EnsureNeighbours makes the host's neighbour table hold at least n
	// entries without garbage collection pressure.
	EnsureNeighbours(n int) error
}

// observed is a namespace as read back.
type observed struct {
	NSState
	// LinkUp says which links are up.
	LinkUp map[string]bool
	// NFTHash is the hash of the aksnet table, "" when there is none.
	NFTHash string
}

// nsOpKind orders operations: deletions first, then creations, then
// settings that refer to what was created.
type nsOpKind int

// Operation kinds, in the order Apply runs them.
const (
	opStopWork nsOpKind = iota
	opDelRule
	opDelRoute
	opDelAddr
	opDelLink
	opSysctl
	opAddLink
	opSetLink
	opLinkSysctl
	opAddAddr
	opAddRoute
	opAddRule
	opNFT
	opResolvConf
	opStartWork
)

var opNames = map[nsOpKind]string{
	opStopWork: "stop", opDelRule: "del", opDelRoute: "del", opDelAddr: "del", opDelLink: "del",
	opSysctl: "set", opAddLink: "add", opSetLink: "set", opLinkSysctl: "set", opAddAddr: "add",
	opAddRoute: "replace", opAddRule: "add", opNFT: "load", opResolvConf: "write", opStartWork: "start",
}

// nsOp is one change to a namespace.
type nsOp struct {
	Kind  nsOpKind
	Link  Link
	Addr  Addr
	Route Route
	Rule  Rule
	Key   string
	Value string
	// NFT is the table to load; nil deletes the table.
	NFT  *Ruleset
	Work Workload
}

func (o nsOp) String() string {
	s := opNames[o.Kind] + " "
	switch o.Kind {
	case opDelRule, opAddRule:
		return s + o.Rule.String()
	case opDelRoute, opAddRoute:
		return s + o.Route.String()
	case opDelAddr, opAddAddr:
		return s + o.Addr.String()
	case opDelLink, opAddLink, opSetLink:
		return s + o.Link.String()
	case opSysctl, opLinkSysctl:
		return s + "sysctl " + o.Key + "=" + o.Value
	case opNFT:
		if o.NFT == nil {
			return "delete nft table"
		}
		return s + "nft table " + o.NFT.Hash()
	case opStopWork, opStartWork:
		return s + o.Work.String()
	case opResolvConf:
		if o.Value == "" {
			return "remove resolv.conf"
		}
		return s + "resolv.conf"
	}
	return s + "?"
}

func workKey(w Workload) string { return fmt.Sprintf("%s/%d", w.Kind, w.Port) }

// nsSysctls are the namespace-wide sysctls of s (not those of a link), the
// creation-time ones included.
func nsSysctls(s *NSState) map[string]string {
	out := maps.Clone(s.InitSysctls)
	if out == nil {
		out = map[string]string{}
	}
	for k, v := range s.Sysctls {
		if _, perLink := sysctlLink(k, s.Links); !perLink {
			out[k] = v
		}
	}
	return out
}

// sysctlLink reports whether key is a per-link setting of one of links, and
// which.
func sysctlLink(key string, links []Link) (string, bool) {
	parts := strings.Split(key, "/")
	if len(parts) < 4 {
		return "", false
	}
	dev := parts[len(parts)-2]
	for _, l := range links {
		if l.Name == dev {
			return dev, true
		}
	}
	return "", false
}

// reconciler drives a kernel towards a World.
type reconciler struct {
	k       kernel
	names   Names
	log     *slog.Logger
	workers int

	mu      sync.Mutex   // serialises set and cleanup
	applied atomic.Int64 // operations applied since the start
	last    Stats

	// spread is Options.ResyncSpread. converged holds, for each namespace
	// that converged without error, the fingerprint of the state it
	// converged to; update skips a namespace whose wanted state still has
	// that fingerprint (but for its share of the resync). cursor is where
	// the next resync share starts, in name order.
	spread    int
	converged map[string]string
	cursor    int
	deferred  bool // the last pass skipped its resync share

	// memo keeps the fabric namespaces of the last compile, and fps the
	// fingerprints of the last pass's states: a reused state keeps its
	// fingerprint.
	memo fabricMemo
	fps  map[*NSState]string
}

// Stats describes the last Set: how many namespaces it deleted and
// created, and how long each phase took.
type Stats struct {
	Deleted, Created int
	Compile          time.Duration
	// List is the time spent listing the namespaces there are, Select
	// choosing (and fingerprinting) those the pass reads back.
	List, Select   time.Duration
	Delete, Create time.Duration
	// Levels is the time spent reading back and applying each level of
	// namespaces: internet; nodes; fabrics and pods.
	Levels [levelLast + 1]time.Duration
	Total  time.Duration
	// Read is how many namespaces the pass read back and converged.
	Read int
}

// LastStats returns the statistics of the last Set.
func (r *reconciler) LastStats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}

// set makes the kernel hold exactly what d describes, for the namespaces
// carrying the reconciler's prefix, reading back every one of them. It goes
// on past errors and reports all of them; what succeeded stays applied.
func (r *reconciler) set(ctx context.Context, d Desired) error { return r.pass(ctx, d, true) }

// update is set for the namespaces that need it (see Plane.Update).
func (r *reconciler) update(ctx context.Context, d Desired) error { return r.pass(ctx, d, false) }

// pass is set (full) or update.
func (r *reconciler) pass(ctx context.Context, d Desired, full bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	t0 := time.Now()
	st := Stats{}
	defer func() { st.Total = time.Since(t0); r.last = st }()
	if r.memo == nil {
		r.memo = fabricMemo{}
	}
	world, err := compileMemo(d, r.names, r.memo)
	if err != nil {
		return fmt.Errorf("dataplane: %w", err)
	}
	st.Compile = time.Since(t0)
	tp := time.Now()
	existing, err := r.k.ListNS(r.names.Prefix)
	if err != nil {
		return fmt.Errorf("dataplane: list namespaces: %w", err)
	}
	st.List = time.Since(tp)
	var errs errorList
	fail := errs.add
	var gone []string
	for _, name := range existing {
		if _, ok := world[name]; !ok {
			gone = append(gone, name)
		}
	}
	st.Deleted = len(gone)
	tp = time.Now()
	for _, name := range gone {
		delete(r.converged, name)
	}
	r.parallel(ctx, gone, func(name string) {
		if err := r.k.DeleteNS(name); err != nil {
			fail(fmt.Errorf("delete namespace %s: %w", name, err))
		}
		r.count(1)
	})
	st.Delete = time.Since(tp)
	there := make(map[string]bool, len(existing))
	for _, name := range existing {
		there[name] = true
	}
	var missing []string
	for name := range world {
		if !there[name] {
			missing = append(missing, name)
		}
	}
	slices.Sort(missing)
	recreated := map[string]bool{}
	for _, m := range missing {
		recreated[m] = true
	}
	if err := r.k.EnsureNeighbours(neighbourEstimate(world)); err != nil {
		fail(fmt.Errorf("neighbour table: %w", err))
	}
	st.Created = len(missing)
	tp = time.Now()
	r.parallel(ctx, missing, func(name string) {
		if err := r.k.CreateNS(name, nsSysctls(world[name])); err != nil {
			fail(fmt.Errorf("create namespace %s: %w", name, err))
		}
		r.count(1)
	})
	st.Create = time.Since(tp)
	tp = time.Now()
	todo := r.selectNS(ctx, world, recreated, full)
	st.Select = time.Since(tp)
	st.Read = len(todo)
	for level := levelInet; level <= levelLast; level++ {
		tp = time.Now()
		r.converge(ctx, world, level, todo, recreated, fail)
		st.Levels[level] = time.Since(tp)
	}
	if err := ctx.Err(); err != nil {
		fail(err)
	}
	return errs.join()
}

// selectNS returns the namespaces of world a pass reads back and
// converges, with the fingerprint each should converge to: all of them for
// a full pass; otherwise those created in this pass, those whose wanted
// state differs from the one they last converged to, the owners of veths
// towards a re-created namespace and the far ends of the veths a
// re-created namespace owns (both ends go with either), and the next
// 1/spread of the others in name order, the resync that repairs drift
// (deferred by one pass when there is a change to apply).
func (r *reconciler) selectNS(ctx context.Context, world World, recreated map[string]bool, full bool) map[string]string {
	if r.converged == nil {
		r.converged = map[string]string{}
	}
	names := slices.Sorted(maps.Keys(world))
	fps := r.fingerprints(ctx, world, names)
	// The far ends of the veths a re-created namespace owns went with it
	// (the pods of a node, the fabric's end of its NIC): they are made
	// again, so the namespaces holding them configure them again.
	peers := map[string]bool{}
	for name := range recreated {
		if ns := world[name]; ns != nil {
			for _, l := range ns.Links {
				if l.Owner {
					peers[l.PeerNS] = true
				}
			}
		}
	}
	todo := map[string]string{}
	var rest []string
	for i, name := range names {
		ns := world[name]
		fp := fps[i]
		dirty := full || recreated[name] || peers[name] || r.converged[name] != fp
		for _, l := range ns.Links {
			dirty = dirty || (l.Owner && recreated[l.PeerNS])
		}
		if dirty {
			todo[name] = fp
		} else {
			rest = append(rest, name)
		}
	}
	// A pass that carries a change leaves the resync share to the next
	// pass, so a change is applied as fast at 400 nodes as at 3; under
	// constant change the share still runs every other pass.
	if len(rest) == 0 || (len(todo) > 0 && !full && !r.deferred) {
		r.deferred = len(rest) > 0
		return todo
	}
	r.deferred = false
	share := (len(rest) + r.spread - 1) / max(r.spread, 1)
	start := r.cursor % len(rest)
	for i := range share {
		name := rest[(start+i)%len(rest)]
		todo[name] = r.converged[name]
	}
	r.cursor = (start + share) % len(rest)
	return todo
}

// fingerprints returns the fingerprint of world[names[i]] at i, reusing
// those of states the last pass had (a fabric compile reused), and keeps
// them for the next pass. The rest are spread over the processors in
// contiguous chunks: on a quiet pass this is most of the CPU.
func (r *reconciler) fingerprints(ctx context.Context, world World, names []string) []string {
	fps := make([]string, len(names))
	n := min(max(r.workers, 1), runtime.GOMAXPROCS(0), len(names))
	var wg sync.WaitGroup
	for c := range n {
		lo, hi := c*len(names)/n, (c+1)*len(names)/n
		wg.Go(func() {
			for i := lo; i < hi && ctx.Err() == nil; i++ {
				ns := world[names[i]]
				if fp, ok := r.fps[ns]; ok {
					fps[i] = fp
				} else {
					fps[i] = ns.fingerprint()
				}
			}
		})
	}
	wg.Wait()
	// A namespace left unfingerprinted by a cancelled pass has fingerprint
	// "", so it counts as changed next time; it is not kept.
	next := make(map[*NSState]string, len(names))
	for i, name := range names {
		if fps[i] != "" {
			next[world[name]] = fps[i]
		}
	}
	r.fps = next
	return fps
}

// converge reads back the namespaces of todo on level, in parallel, and
// applies the diff to what world wants; a namespace that converged without
// error records its fingerprint from todo. Levels run in order because a
// veth is made by its owner, on a lower level, before the other end
// configures it.
func (r *reconciler) converge(ctx context.Context, world World, level int, todo map[string]string, recreated map[string]bool, fail func(error)) {
	var names []string
	for name, ns := range world {
		if _, ok := todo[name]; ok && ns.Level == level {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	var cmu sync.Mutex
	done := func(name string, ok bool) {
		cmu.Lock()
		defer cmu.Unlock()
		if ok {
			r.converged[name] = todo[name]
		} else {
			delete(r.converged, name)
		}
	}
	r.parallel(ctx, names, func(name string) {
		want := world[name]
		have, err := r.k.Read(name, want, recreated[name])
		if err != nil {
			done(name, false)
			fail(fmt.Errorf("read namespace %s: %w", name, err))
			return
		}
		ops := diff(want, have, recreated)
		if len(ops) == 0 {
			done(name, true)
			return
		}
		if r.log != nil {
			r.log.Debug("dataplane apply", "netns", name, "ops", len(ops))
		}
		if err := r.k.Apply(name, ops); err != nil {
			done(name, false)
			fail(fmt.Errorf("namespace %s: %w", name, err))
			return
		}
		done(name, true)
		r.count(len(ops))
	})
}

func (r *reconciler) count(n int) { r.applied.Add(int64(n)) }

// Applied returns how many operations Set has applied since the start. Two
// Sets with the same Desired leave it unchanged the second time.
func (r *reconciler) Applied() int { return int(r.applied.Load()) }

// parallel runs fn for every item on r.workers goroutines.
func (r *reconciler) parallel(ctx context.Context, items []string, fn func(string)) {
	n := r.workers
	if n <= 0 {
		n = 1
	}
	ch := make(chan string)
	var wg sync.WaitGroup
	for range min(n, len(items)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range ch {
				fn(it)
			}
		}()
	}
	for _, it := range items {
		if ctx.Err() != nil {
			break
		}
		ch <- it
	}
	close(ch)
	wg.Wait()
}

// neighbourEstimate is how many neighbour entries the world can need: two
// per link (a veth end learns its peer and, through proxy ARP or a
// bridge, a few more).
func neighbourEstimate(w World) int {
	n := 0
	for _, ns := range w {
		n += 2 * len(ns.Links)
	}
	return n
}

// cleanup deletes every namespace with the reconciler's prefix.
func (r *reconciler) cleanup(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	existing, err := r.k.ListNS(r.names.Prefix)
	if err != nil {
		return err
	}
	var errs errorList
	r.parallel(ctx, existing, func(name string) {
		if err := r.k.DeleteNS(name); err != nil {
			errs.add(fmt.Errorf("delete namespace %s: %w", name, err))
		}
	})
	return errs.join()
}

// errorList collects the errors of parallel work.
type errorList struct {
	mu   sync.Mutex
	errs []error
}

func (l *errorList) add(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, err)
}

// join returns the errors added, joined; nil when there were none.
func (l *errorList) join() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return errors.Join(l.errs...)
}
