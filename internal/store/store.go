// Package store defines the small key-value contract the control plane keeps
// its state in.
//
// Keys are strings and values are opaque bytes; the ARM layer decides what
// goes in them. Implementations live in sub-packages (bolt is the embedded
// default). Every implementation must give:
//
//   - serializable read-write transactions: each Update function sees the
//     writes of every Update acknowledged before it started;
//   - all-or-nothing updates: when the function returns an error none of its
//     writes are kept;
//   - durability: Update returns nil only once the writes are on stable storage.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// ErrClosed is returned by Update and View once the store has been closed.
var ErrClosed = errors.New("store closed")

// Reader reads a consistent snapshot.
//
// Byte slices handed out by a Reader are valid only until the surrounding View
// or Update function returns; callers that keep them must copy.
type Reader interface {
	// Get returns the value stored at key, and whether it exists.
	Get(key string) ([]byte, bool)
	// Scan calls fn for every key that starts with prefix, in ascending byte
	// order, until fn returns false.
	Scan(prefix string, fn func(key string, value []byte) bool)
}

// Tx is a read-write transaction. Reads see the transaction's own writes.
type Tx interface {
	Reader
	// Put stores a copy of value at key.
	Put(key string, value []byte)
	// Delete removes key; deleting an absent key is not an error.
	Delete(key string)
}

// Store is a durable, transactional key-value store.
type Store interface {
	// View runs fn against a read-only snapshot.
	View(fn func(Reader) error) error
	// Update runs fn in a read-write transaction and returns after the
	// transaction is durable, or with fn's error and no writes kept. fn may be
	// called at most once.
	Update(ctx context.Context, fn func(Tx) error) error
	// Close waits for pending updates and releases the store.
	Close() error
}

// Optimistic is implemented by stores that can run most of an update outside
// their serial commit section.
//
// UpdateOptimistic gives the same guarantees as Update, but fn may be called
// twice: first against a snapshot, concurrently with other updates; then, if
// that run failed or anything it read has changed by the time its writes
// would commit, once more in the store's serial section, as Update calls it.
// Only the writes of the run whose outcome is returned are kept. fn must
// therefore start from the same state each time it is called, and have no
// effect outside the transaction.
type Optimistic interface {
	UpdateOptimistic(ctx context.Context, fn func(Tx) error) error
}

// LoadJSON decodes the JSON value stored at key into a new T. It reports
// false, and no error, when key is absent; a value that does not decode as
// a T is an error naming key.
func LoadJSON[T any](r Reader, key string) (*T, bool, error) {
	raw, ok := r.Get(key)
	if !ok {
		return nil, false, nil
	}
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, false, fmt.Errorf("decode %s: %w", key, err)
	}
	return &v, true, nil
}

// ScanJSON decodes, in key order, the JSON value of every key that starts
// with prefix into a new T and calls fn with it, until fn returns false. A
// value that does not decode as a T stops the scan with an error naming its
// key.
func ScanJSON[T any](r Reader, prefix string, fn func(*T) bool) error {
	var err error
	r.Scan(prefix, func(k string, raw []byte) bool {
		var v T
		if e := json.Unmarshal(raw, &v); e != nil {
			err = fmt.Errorf("decode %s: %w", k, e)
			return false
		}
		return fn(&v)
	})
	return err
}

// PutJSON stores v, encoded as JSON, at key.
func PutJSON(tx Tx, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	tx.Put(key, raw)
	return nil
}
