// Package bolt is the embedded Store implementation, on go.etcd.io/bbolt.
//
// Writes are group-committed: a single committer goroutine takes every Update
// that is waiting, runs them one after another inside one bbolt transaction and
// fsyncs once, then acknowledges them all. Unlike bbolt's own Batch, it never
// waits for a timer, so a lone writer pays one fsync and many concurrent
// writers share one. Each Update function writes into its own overlay that is
// applied to the bbolt transaction only when the function succeeds, so one
// failing function never leaks writes into its neighbours.
package bolt

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/aksnet/aksnet/internal/store"
	bbolt "go.etcd.io/bbolt"
)

var bucket = []byte("aksnet")

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
}

type request struct {
	fn  func(store.Tx) error
	err chan error
}

// Open opens (creating if needed) the database file at path.
func Open(path string) (*Store, error) {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{
		Timeout:      5 * time.Second,
		FreelistType: bbolt.FreelistMapType,
	})
	if err != nil {
		return nil, fmt.Errorf("open bolt %s: %w", path, err)
	}
	if err := db.Update(func(tx *bbolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucket)
		return err
	}); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("create bucket: %w", err)
	}
	s := &Store{db: db, reqs: make(chan *request, maxGroup), done: make(chan struct{})}
	go s.commitLoop()
	return s, nil
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
	r := &request{fn: fn, err: make(chan error, 1)}
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
	errs := make([]error, 0, maxGroup)
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
		errs = errs[:0]
		err := s.db.Update(func(tx *bbolt.Tx) error {
			b := tx.Bucket(bucket)
			for _, r := range group {
				ov := &overlay{b: b}
				ferr := runSafely(r.fn, ov)
				if ferr == nil {
					ferr = ov.apply()
				}
				errs = append(errs, ferr)
			}
			return nil
		})
		for i, r := range group {
			if err != nil {
				r.err <- fmt.Errorf("commit: %w", err)
				continue
			}
			r.err <- errs[i]
		}
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
	return v, v != nil
}

func (r reader) Scan(prefix string, fn func(string, []byte) bool) {
	c := r.b.Cursor()
	p := []byte(prefix)
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		if !fn(string(k), v) {
			return
		}
	}
}

// overlay buffers one update's writes over the shared bbolt transaction.
// A nil value in writes marks a deletion.
type overlay struct {
	b      *bbolt.Bucket
	writes map[string][]byte
}

func (o *overlay) Get(key string) ([]byte, bool) {
	if v, ok := o.writes[key]; ok {
		return v, v != nil
	}
	v := o.b.Get([]byte(key))
	return v, v != nil
}

func (o *overlay) Put(key string, value []byte) {
	if o.writes == nil {
		o.writes = make(map[string][]byte)
	}
	v := make([]byte, len(value), len(value)+1)
	copy(v, value)
	o.writes[key] = v
}

func (o *overlay) Delete(key string) {
	if o.writes == nil {
		o.writes = make(map[string][]byte)
	}
	o.writes[key] = nil
}

// Scan merges the bucket's keys with the overlay's pending writes.
func (o *overlay) Scan(prefix string, fn func(string, []byte) bool) {
	var pending []string
	for k := range o.writes {
		if len(k) >= len(prefix) && k[:len(prefix)] == prefix {
			pending = append(pending, k)
		}
	}
	sort.Strings(pending)
	c := o.b.Cursor()
	p := []byte(prefix)
	k, v := c.Seek(p)
	i := 0
	for {
		haveBolt := k != nil && bytes.HasPrefix(k, p)
		if !haveBolt && i >= len(pending) {
			return
		}
		var key string
		var val []byte
		switch {
		case haveBolt && (i >= len(pending) || string(k) < pending[i]):
			key, val = string(k), v
			k, v = c.Next()
		case haveBolt && string(k) == pending[i]:
			key, val = pending[i], o.writes[pending[i]]
			i++
			k, v = c.Next()
		default:
			key, val = pending[i], o.writes[pending[i]]
			i++
		}
		if _, written := o.writes[key]; written && val == nil {
			continue // deleted in this update
		}
		if !fn(key, val) {
			return
		}
	}
}

func (o *overlay) apply() error {
	for k, v := range o.writes {
		var err error
		if v == nil {
			err = o.b.Delete([]byte(k))
		} else {
			err = o.b.Put([]byte(k), v)
		}
		if err != nil {
			return fmt.Errorf("apply %q: %w", k, err)
		}
	}
	return nil
}

var _ store.Store = (*Store)(nil)
