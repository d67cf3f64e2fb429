// Package bolt is the embedded Store implementation, on go.etcd.io/bbolt.
//
// Writes are group-committed: a single committer goroutine takes every Update
// that is waiting, runs them one after another inside one bbolt transaction and
// fsyncs once, then acknowledges them all. Unlike bbolt's own Batch, it never
// waits for a timer, so a lone writer pays one fsync and many concurrent
// writers share one. Each Update function writes into its own overlay that is
// checked and then applied to the bbolt transaction only when the function
// succeeds; if applying still fails part-way, the whole bbolt transaction is
// rolled back and rebuilt without that update, so a request's writes are kept
// entirely or not at all and never harm its neighbours. An optimistic update
// (UpdateOptimistic, optimistic.go) runs its function before it joins the
// group, against a snapshot; the committer then only checks what it read.
//
// Values are stored as records carrying the schema version and a checksum
// (record.go). Open refuses a database that is damaged or from a newer schema
// (verify.go) and migrates an older one forward (schema.go).
package bolt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/aksnet/aksnet/internal/store"
	bbolt "go.etcd.io/bbolt"
)

var bucket = []byte("aksnet")

// initialMmapSize is the size bbolt maps the file at when it opens it.
const initialMmapSize = 1 << 30

// maxGroup bounds how many updates share one commit, so one commit never
// grows without limit under a flood of writers.
const maxGroup = 256

// Store is a bbolt-backed store.Store.
type Store struct {
	db     *bbolt.DB
	reqs   chan *request
	mu     sync.RWMutex // guards closed against sends on reqs
	closed bool
	done   chan struct{}

	// applyHook, when set (by tests only), runs before every bbolt write
	// the committer makes and may fail or panic to inject a storage fault.
	applyHook func(key string) error
}

type request struct {
	fn  func(store.Tx) error
	err chan error
	// prep, when not nil, is fn's checked optimistic run (UpdateOptimistic).
	prep *overlay

	// Committer state for the group being committed.
	ran bool     // fn has run
	ov  *overlay // fn's checked writes; nil once the request has failed
	res error    // the request's own outcome when it failed
}

// Options configures Open.
type Options struct {
	// CheckRecord, when set, is called by Open for every stored key and
	// value (the value as the store's users wrote it) and returns an error
	// for a value that its kind cannot read.
	CheckRecord func(key string, value []byte) error
}

// Open opens the database file at path, creating it when it does not exist.
//
// An existing file is first verified without being modified (see Verify): a
// file that is empty, truncated, damaged or from a newer schema is refused
// with an error wrapping ErrDamaged or ErrNewerSchema. A file from an older
// schema is then migrated forward in one transaction.
func Open(path string, opts Options) (*Store, error) {
	from := uint64(SchemaVersion)
	_, err := os.Stat(path)
	fresh := errors.Is(err, fs.ErrNotExist)
	switch {
	case fresh:
	case err != nil:
		return nil, fmt.Errorf("open database: %w", err)
	default:
		if from, err = Verify(path, opts.CheckRecord); err != nil {
			return nil, err
		}
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{
		// Callers hold the state directory's lock (statedir.Lock), so
		// waiting for bbolt's own file lock would only hide a bug.
		Timeout:      time.Second,
		FreelistType: bbolt.FreelistMapType,
		// The mapping covers the file up to this size from the start: bbolt
		// grows it only when the file outgrows it, and that remap waits for
		// every open read transaction. An optimistic update runs inside one
		// (UpdateOptimistic), so a remap would stall the committer on it.
		// Only address space is reserved; the file grows as data is written.
		InitialMmapSize: initialMmapSize,
	})
	if err != nil {
		return nil, fmt.Errorf("open bolt %s: %w", path, err)
	}
	if fresh || from < SchemaVersion {
		if err := db.Update(func(tx *bbolt.Tx) error { return migrate(tx, from) }); err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	s := &Store{db: db, reqs: make(chan *request, maxGroup), done: make(chan struct{})}
	go s.commitLoop()
	return s, nil
}

// Backup writes a consistent copy of the whole database to w with bbolt's
// Tx.WriteTo, in one read transaction while writers carry on, and returns
// the bytes written. When size is set it is told the copy's size before the
// first byte is written. The copy is a database file that Open and Verify
// accept.
func (s *Store) Backup(w io.Writer, size func(int64)) (int64, error) {
	var n int64
	err := s.db.View(func(tx *bbolt.Tx) error {
		if size != nil {
			size(tx.Size())
		}
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// View implements store.Store.
func (s *Store) View(fn func(store.Reader) error) error {
	return s.db.View(func(tx *bbolt.Tx) error {
		return fn(reader{b: tx.Bucket(bucket)})
	})
}

// Update implements store.Store. It blocks until the group commit holding fn
// is durable, or until ctx is done before fn was started.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	return s.enqueue(ctx, &request{fn: fn, err: make(chan error, 1)})
}

// enqueue hands r to the committer and waits for its outcome.
func (s *Store) enqueue(ctx context.Context, r *request) error {
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return store.ErrClosed
	}
	select {
	case s.reqs <- r:
	case <-ctx.Done():
		s.mu.RUnlock()
		return ctx.Err()
	}
	s.mu.RUnlock()
	// Once queued the update will run; wait for its outcome even if ctx ends,
	// so a caller never reports failure for a write that became durable.
	return <-r.err
}

// Close implements store.Store.
func (s *Store) Close() error {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.reqs)
	}
	s.mu.Unlock()
	<-s.done
	return s.db.Close()
}

func (s *Store) commitLoop() {
	defer close(s.done)
	group := make([]*request, 0, maxGroup)
	for first := range s.reqs {
		group = append(group[:0], first)
	drain:
		for len(group) < maxGroup {
			select {
			case r, ok := <-s.reqs:
				if !ok {
					break drain
				}
				group = append(group, r)
			default:
				break drain
			}
		}
		s.commitGroup(group)
	}
}

// errApplyFailed aborts a bbolt transaction in which a checked write still
// failed to apply, so that nothing of the failing request is committed.
var errApplyFailed = errors.New("apply failed")

// commitGroup runs every request of group in one bbolt transaction and
// answers each of them.
//
// A request's function runs once, into its overlay, whose writes are checked
// (overlay.check) before any is applied; a function that fails, panics or
// wrote something bbolt would refuse leaves nothing behind. If a checked
// write still fails while being applied (a storage fault), part of the
// request is already in the transaction and cannot be taken out, so the
// whole transaction is rolled back and rebuilt: the requests before the
// failed one are re-applied from their overlays (their functions saw only
// those writes, so their results still hold), the failed one is answered
// with its error, and the rest run as usual. Each rebuild drops one request,
// so the loop ends.
func (s *Store) commitGroup(group []*request) {
	for _, r := range group {
		r.ran, r.ov, r.res = false, nil, nil
	}
	var err error
	for {
		err = s.db.Update(func(tx *bbolt.Tx) error {
			b := tx.Bucket(bucket)
			for _, r := range group {
				if err := s.applyRequest(r, b); err != nil {
					return err
				}
			}
			return nil
		})
		if !errors.Is(err, errApplyFailed) {
			break
		}
	}
	for _, r := range group {
		r.answer(err)
	}
}

// applyRequest brings request r into the transaction whose bucket is b: its
// snapshot run when nothing that run read has changed, else a checked run
// of its function into a new overlay. A request runs once per group: one
// that ran before a rebuild brings its overlay again, or nothing when it
// failed. It returns errApplyFailed, and r fails, when one of r's checked
// writes still fails to apply.
func (s *Store) applyRequest(r *request, b *bbolt.Bucket) error {
	if !r.ran && r.prep != nil && r.prep.reads.valid(b) {
		// Its snapshot run stands: nothing it read has changed.
		r.ran, r.ov = true, r.prep
	}
	if !r.ran {
		r.ran = true
		r.ov, r.res = runChecked(r.fn, b)
	}
	if r.ov == nil {
		return nil
	}
	r.ov.b = b
	if aerr := r.ov.apply(s.applyHook); aerr != nil {
		r.ov, r.res = nil, aerr
		return errApplyFailed
	}
	return nil
}

// runChecked runs fn into a new overlay over b and checks its writes. It
// returns the overlay, or, when fn fails or panics or wrote something bbolt
// would refuse, the error and no overlay.
func runChecked(fn func(store.Tx) error, b *bbolt.Bucket) (*overlay, error) {
	ov := &overlay{b: b}
	if err := runSafely(fn, ov); err != nil {
		return nil, err
	}
	if err := ov.check(); err != nil {
		return nil, err
	}
	return ov, nil
}

// answer tells r's caller the outcome of its group's commit, which ended
// with err: a commit error for every request whose writes were in it, or
// that never ran; else r's own outcome.
func (r *request) answer(err error) {
	switch {
	case err != nil && (r.ov != nil || !r.ran):
		r.err <- fmt.Errorf("commit: %w", err)
	case r.ov != nil:
		r.err <- nil
	default:
		r.err <- r.res
	}
}

// runSafely turns a panic in fn into an error so that one bad update cannot
// take the committer, and every other writer, down with it.
func runSafely(fn func(store.Tx) error, tx store.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("update panicked: %v", p)
		}
	}()
	return fn(tx)
}

type reader struct{ b *bbolt.Bucket }

func (r reader) Get(key string) ([]byte, bool) {
	v := r.b.Get([]byte(key))
	return recordValue(v), v != nil
}

func (r reader) Scan(prefix string, fn func(string, []byte) bool) {
	c := r.b.Cursor()
	p := []byte(prefix)
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		if !fn(string(k), recordValue(v)) {
			return
		}
	}
}

// overlay buffers one update's writes over the shared bbolt transaction, as
// encoded records. A nil record in writes marks a deletion. In an optimistic
// run, b is a read snapshot and reads records what the update read from it.
type overlay struct {
	b      *bbolt.Bucket
	writes map[string][]byte
	reads  *readSet
}

func (o *overlay) Get(key string) ([]byte, bool) {
	if rec, ok := o.writes[key]; ok {
		return recordValue(rec), rec != nil
	}
	if o.reads != nil {
		// The snapshot does not change: a key read before is not looked up
		// again.
		if rv, seen := o.reads.gets[key]; seen {
			return recordValue(rv.v), rv.ok
		}
	}
	v := o.b.Get([]byte(key))
	if o.reads != nil {
		o.reads.get(key, v)
	}
	return recordValue(v), v != nil
}

func (o *overlay) Put(key string, value []byte) {
	if o.writes == nil {
		o.writes = make(map[string][]byte)
	}
	o.writes[key] = encodeRecord(key, value)
}

func (o *overlay) Delete(key string) {
	if o.writes == nil {
		o.writes = make(map[string][]byte)
	}
	o.writes[key] = nil
}

// Scan merges the bucket's keys with the overlay's pending writes.
func (o *overlay) Scan(prefix string, fn func(string, []byte) bool) {
	var seen *scanRead
	if o.reads != nil {
		// A pointer, not an index into scans: fn may scan again meanwhile.
		seen = &scanRead{prefix: prefix}
		o.reads.scans = append(o.reads.scans, seen)
	}
	m := o.merge(prefix, seen)
	for {
		key, rec, ok := m.next()
		if !ok {
			return
		}
		if _, written := o.writes[key]; written && rec == nil {
			continue // deleted in this update
		}
		if !fn(key, recordValue(rec)) {
			if seen != nil {
				seen.stopped, seen.until = true, key
			}
			return
		}
	}
}

// overlayMerge walks, in key order, the records under a prefix of the
// bucket and of the overlay's pending writes; a pending write (nil for a
// deletion) stands in for the bucket's record of the same key. In an
// optimistic run it records in seen every snapshot record it passes,
// delivered or shadowed.
type overlayMerge struct {
	writes  map[string][]byte
	pending []string // the written keys under the prefix, sorted
	i       int      // the next pending key
	c       *bbolt.Cursor
	prefix  []byte
	k, v    []byte // the cursor's record
	seen    *scanRead
}

func (o *overlay) merge(prefix string, seen *scanRead) *overlayMerge {
	m := &overlayMerge{writes: o.writes, c: o.b.Cursor(), prefix: []byte(prefix), seen: seen}
	for k := range o.writes {
		if len(k) >= len(prefix) && k[:len(prefix)] == prefix {
			m.pending = append(m.pending, k)
		}
	}
	sort.Strings(m.pending)
	m.k, m.v = m.c.Seek(m.prefix)
	return m
}

// next returns the next key and its record, or false at the end.
func (m *overlayMerge) next() (string, []byte, bool) {
	haveBolt := m.k != nil && bytes.HasPrefix(m.k, m.prefix)
	havePending := m.i < len(m.pending)
	if !haveBolt && !havePending {
		return "", nil, false
	}
	if m.seen != nil && haveBolt && (!havePending || string(m.k) <= m.pending[m.i]) {
		// The snapshot's record is passed now, delivered or shadowed.
		m.seen.keys = append(m.seen.keys, string(m.k))
		m.seen.vals = append(m.seen.vals, bytes.Clone(m.v))
	}
	switch {
	case haveBolt && (!havePending || string(m.k) < m.pending[m.i]):
		key, rec := string(m.k), m.v
		m.k, m.v = m.c.Next()
		return key, rec, true
	case haveBolt && string(m.k) == m.pending[m.i]:
		m.k, m.v = m.c.Next() // shadowed by the pending write
	}
	key := m.pending[m.i]
	m.i++
	return key, m.writes[key], true
}

// check refuses, before anything is applied, every write that bbolt would
// refuse, so that a bad key or value fails its own request alone.
func (o *overlay) check() error {
	for k, rec := range o.writes {
		switch {
		case k == "":
			return errors.New("invalid write: empty key")
		case len(k) > bbolt.MaxKeySize:
			return fmt.Errorf("invalid write: key %.64q... is %d bytes, over bbolt's limit of %d", k, len(k), bbolt.MaxKeySize)
		case len(rec) > bbolt.MaxValueSize:
			return fmt.Errorf("invalid write: value of %q is %d bytes, over bbolt's limit of %d", k, len(rec), bbolt.MaxValueSize)
		}
	}
	return nil
}

// apply writes the overlay into the bbolt transaction. On error some writes
// may already be applied: the caller must roll the transaction back. A panic
// inside bbolt is returned as an error for the same treatment.
func (o *overlay) apply(hook func(string) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("apply panicked: %v", p)
		}
	}()
	for k, rec := range o.writes {
		if hook != nil {
			if err := hook(k); err != nil {
				return fmt.Errorf("apply %q: %w", k, err)
			}
		}
		if rec == nil {
			err = o.b.Delete([]byte(k))
		} else {
			err = o.b.Put([]byte(k), rec)
		}
		if err != nil {
			return fmt.Errorf("apply %q: %w", k, err)
		}
	}
	return nil
}

var _ store.Store = (*Store)(nil)
