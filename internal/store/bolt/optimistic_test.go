package bolt

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/aksnet/aksnet/internal/store"
	"github.com/google/go-cmp/cmp"
)

func put(t *testing.T, s *Store, kv ...string) {
	t.Helper()
	if err := s.Update(context.Background(), func(tx store.Tx) error {
		for i := 0; i < len(kv); i += 2 {
			tx.Put(kv[i], []byte(kv[i+1]))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// interleave runs fn with UpdateOptimistic and, while fn's first run is in
// its snapshot (after it read), commits between with Update. It returns how
// many times fn ran.
func interleave(t *testing.T, s *Store, fn func(tx store.Tx) error, between func(tx store.Tx)) int {
	t.Helper()
	started, proceed := make(chan struct{}), make(chan struct{})
	calls := 0
	done := make(chan error, 1)
	go func() {
		done <- s.UpdateOptimistic(context.Background(), func(tx store.Tx) error {
			calls++
			err := fn(tx)
			if calls == 1 {
				close(started)
				<-proceed
			}
			return err
		})
	}()
	<-started
	if err := s.Update(context.Background(), func(tx store.Tx) error { between(tx); return nil }); err != nil {
		t.Fatal(err)
	}
	close(proceed)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	return calls
}

func TestUpdateOptimistic_RunsAgainWhenWhatItReadChanged(t *testing.T) {
	count := func(tx store.Tx, prefix string) int {
		n := 0
		tx.Scan(prefix, func(string, []byte) bool { n++; return true })
		return n
	}
	// countP writes how many keys p/ holds, firstP the first of them (a
	// scan that stops early).
	countP := func(tx store.Tx) error { tx.Put("out", []byte(strconv.Itoa(count(tx, "p/")))); return nil }
	firstP := func(tx store.Tx) error {
		k := ""
		tx.Scan("p/", func(key string, _ []byte) bool { k = key; return false })
		tx.Put("out", []byte(k))
		return nil
	}
	tests := []struct {
		name      string
		fn        func(tx store.Tx) error
		between   func(tx store.Tx)
		wantCalls int
		want      map[string]string
	}{{
		name:      "get: value changed",
		fn:        func(tx store.Tx) error { v, _ := tx.Get("a"); tx.Put("out", v); return nil },
		between:   func(tx store.Tx) { tx.Put("a", []byte("2")) },
		wantCalls: 2, want: map[string]string{"a": "2", "p/b": "1", "p/d": "1", "out": "2"},
	}, {
		name: "get: key appeared",
		fn: func(tx store.Tx) error {
			_, ok := tx.Get("new")
			tx.Put("out", []byte(strconv.FormatBool(ok)))
			return nil
		},
		between:   func(tx store.Tx) { tx.Put("new", []byte("x")) },
		wantCalls: 2, want: map[string]string{"a": "1", "p/b": "1", "p/d": "1", "new": "x", "out": "true"},
	}, {
		name: "get: key deleted",
		fn: func(tx store.Tx) error {
			_, ok := tx.Get("a")
			tx.Put("out", []byte(strconv.FormatBool(ok)))
			return nil
		},
		between:   func(tx store.Tx) { tx.Delete("a") },
		wantCalls: 2, want: map[string]string{"out": "false", "p/b": "1", "p/d": "1"},
	}, {
		name:      "get: unrelated key changed",
		fn:        func(tx store.Tx) error { v, _ := tx.Get("a"); tx.Put("out", v); return nil },
		between:   func(tx store.Tx) { tx.Put("other", []byte("x")) },
		wantCalls: 1, want: map[string]string{"a": "1", "p/b": "1", "p/d": "1", "other": "x", "out": "1"},
	}, {
		name: "get shadowed by own write",
		fn: func(tx store.Tx) error {
			tx.Put("a", []byte("mine"))
			v, _ := tx.Get("a")
			tx.Put("out", v)
			return nil
		},
		between:   func(tx store.Tx) { tx.Put("a", []byte("theirs")) },
		wantCalls: 1, want: map[string]string{"a": "mine", "p/b": "1", "p/d": "1", "out": "mine"},
	}, {
		name:      "scan: key inserted in range",
		fn:        countP,
		between:   func(tx store.Tx) { tx.Put("p/c", []byte("1")) },
		wantCalls: 2, want: map[string]string{"a": "1", "p/b": "1", "p/c": "1", "p/d": "1", "out": "3"},
	}, {
		name:      "scan: value changed in range",
		fn:        countP,
		between:   func(tx store.Tx) { tx.Put("p/d", []byte("2")) },
		wantCalls: 2, want: map[string]string{"a": "1", "p/b": "1", "p/d": "2", "out": "2"},
	}, {
		name:      "scan: key inserted outside range",
		fn:        countP,
		between:   func(tx store.Tx) { tx.Put("q/a", []byte("1")) },
		wantCalls: 1, want: map[string]string{"a": "1", "p/b": "1", "p/d": "1", "q/a": "1", "out": "2"},
	}, {
		name:      "scan stopped early: insert after the stop",
		fn:        firstP,
		between:   func(tx store.Tx) { tx.Put("p/c", []byte("1")) },
		wantCalls: 1, want: map[string]string{"a": "1", "p/b": "1", "p/c": "1", "p/d": "1", "out": "p/b"},
	}, {
		name:      "scan stopped early: insert before the stop",
		fn:        firstP,
		between:   func(tx store.Tx) { tx.Put("p/a", []byte("1")) },
		wantCalls: 2, want: map[string]string{"a": "1", "p/a": "1", "p/b": "1", "p/d": "1", "out": "p/a"},
	}, {
		name: "scan stopped at an own write: insert before it",
		fn: func(tx store.Tx) error {
			tx.Put("p/c", []byte("mine"))
			k := ""
			tx.Scan("p/", func(key string, _ []byte) bool { k = key; return key < "p/c" })
			tx.Put("out", []byte(k+" "+strconv.Itoa(count(tx, "p/"))))
			return nil
		},
		between:   func(tx store.Tx) { tx.Put("p/bb", []byte("1")) },
		wantCalls: 2, want: map[string]string{"a": "1", "p/b": "1", "p/bb": "1", "p/c": "mine", "p/d": "1", "out": "p/c 4"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t, filepath.Join(t.TempDir(), "db"))
			defer s.Close()
			put(t, s, "a", "1", "p/b", "1", "p/d", "1")
			calls := interleave(t, s, tt.fn, tt.between)
			if calls != tt.wantCalls {
				t.Errorf("fn ran %d times, want %d", calls, tt.wantCalls)
			}
			if diff := cmp.Diff(tt.want, dump(t, s, "")); diff != "" {
				t.Errorf("state (-want +got):\n%s", diff)
			}
		})
	}
}

// A failed snapshot run is judged again in the committer, against what was
// committed before it, and its outcome is the committer's.
func TestUpdateOptimistic_FailureIsJudgedInTheCommitter(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "db"))
	defer s.Close()
	missing := errors.New("a is missing")
	calls := interleave(t, s, func(tx store.Tx) error {
		if _, ok := tx.Get("a"); !ok {
			return missing
		}
		tx.Put("out", []byte("ok"))
		return nil
	}, func(tx store.Tx) { tx.Put("a", []byte("1")) })
	if calls != 2 {
		t.Errorf("fn ran %d times, want 2", calls)
	}
	if diff := cmp.Diff(map[string]string{"a": "1", "out": "ok"}, dump(t, s, "")); diff != "" {
		t.Errorf("state (-want +got):\n%s", diff)
	}
	err := s.UpdateOptimistic(context.Background(), func(tx store.Tx) error { tx.Put("b", nil); return missing })
	if !errors.Is(err, missing) {
		t.Errorf("err = %v, want %v", err, missing)
	}
	if _, ok := dump(t, s, "")["b"]; ok {
		t.Error("a failed update's write was kept")
	}
}

// Concurrent read-modify-write updates of one counter lose no increment:
// the outcome is that of some serial order.
func TestUpdateOptimistic_ConcurrentIncrementsAreSerializable(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "db"))
	defer s.Close()
	const n = 64
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.UpdateOptimistic(context.Background(), func(tx store.Tx) error {
				v, _ := tx.Get("n")
				x, _ := strconv.Atoi(string(v))
				tx.Put("n", []byte(strconv.Itoa(x+1)))
				tx.Put(fmt.Sprintf("w/%02d", i), []byte("1"))
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got := dump(t, s, "")
	if got["n"] != strconv.Itoa(n) || len(got) != n+1 {
		t.Errorf("n = %s with %d keys, want %d with %d", got["n"], len(got), n, n+1)
	}
}
