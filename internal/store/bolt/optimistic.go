package bolt

import (
	"bytes"
	"context"

	"github.com/aksnet/aksnet/internal/store"
	bbolt "go.etcd.io/bbolt"
)

// UpdateOptimistic implements store.Optimistic.
//
// fn first runs concurrently with other updates, against a read snapshot,
// and its writes are buffered in an overlay that records every key and range
// fn read. The request then joins the group commit like any Update; in its
// turn the committer only checks that each recorded read still gives the
// same bytes in the write transaction (earlier requests of the same group
// included) and applies the buffered writes. The expensive part of an
// update — decoding, validating and rendering — thus leaves the serial
// section and runs on every core, while the result is the same as if fn had
// run in its turn: when a read changed, or when the snapshot run failed, fn
// runs again in the committer exactly as Update runs it.
func (s *Store) UpdateOptimistic(ctx context.Context, fn func(store.Tx) error) error {
	var prep *overlay
	_ = s.db.View(func(tx *bbolt.Tx) error {
		ov := &overlay{b: tx.Bucket(bucket), reads: &readSet{}}
		if runSafely(fn, ov) == nil && ov.check() == nil {
			ov.b = nil // the snapshot ends with View
			prep = ov
		}
		return nil
	})
	// A failed snapshot run is not answered from the snapshot: fn runs again
	// in the committer, so that a failure, too, is judged against every
	// write committed before it.
	return s.enqueue(ctx, &request{fn: fn, prep: prep, err: make(chan error, 1)})
}

// readSet is what an optimistic run read from its snapshot: the record of
// each key it got that its own writes did not shadow, and each range it
// scanned, up to where it stopped. Records are compared whole, header
// included.
type readSet struct {
	gets  map[string]readValue
	scans []*scanRead
}

type readValue struct {
	v  []byte // a copy; the snapshot's bytes die with it
	ok bool
}

// scanRead is one Scan: the snapshot's items under prefix that the scan
// went past, in order, and, when fn stopped it early, the last key fn saw
// (only items up to it could have changed what fn did).
type scanRead struct {
	prefix  string
	keys    []string
	vals    [][]byte
	stopped bool
	until   string
}

func (r *readSet) get(key string, v []byte) {
	if _, seen := r.gets[key]; seen {
		return
	}
	if r.gets == nil {
		r.gets = make(map[string]readValue)
	}
	r.gets[key] = readValue{v: bytes.Clone(v), ok: v != nil}
}

// valid reports whether every read gives the same result in b as it gave
// in the snapshot.
func (r *readSet) valid(b *bbolt.Bucket) bool {
	for k, rv := range r.gets {
		v := b.Get([]byte(k))
		if (v != nil) != rv.ok || !bytes.Equal(v, rv.v) {
			return false
		}
	}
	for _, sr := range r.scans {
		if !sr.valid(b) {
			return false
		}
	}
	return true
}

func (sr *scanRead) valid(b *bbolt.Bucket) bool {
	c := b.Cursor()
	p := []byte(sr.prefix)
	i := 0
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		if sr.stopped && string(k) > sr.until {
			break
		}
		if i >= len(sr.keys) || string(k) != sr.keys[i] || !bytes.Equal(v, sr.vals[i]) {
			return false
		}
		i++
	}
	return i == len(sr.keys)
}

var _ store.Optimistic = (*Store)(nil)
