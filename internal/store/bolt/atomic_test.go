package bolt

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aksnet/aksnet/internal/store"
	bbolt "go.etcd.io/bbolt"
)

// failure is how one request in TestStore_Update_BatchIsAllOrNothingPerRequest
// goes wrong, if it does.
type failure int

const (
	succeed      failure = iota
	returnError          // fn returns an error after its writes
	panicInFn            // fn panics after its writes
	emptyKey             // one write has an empty key, which bbolt refuses
	hugeKey              // one write has a key over bbolt.MaxKeySize
	storageError         // bbolt fails on the request's third write, mid-apply
	storagePanic         // bbolt panics on the request's fourth write, mid-apply
	failureKinds
)

// TestStore_Update_BatchIsAllOrNothingPerRequest sends many concurrent
// updates, so that they share group commits, where some fail at every point an
// update can fail: in the caller's function, in checking its writes, and
// inside bbolt while its writes are being applied (an injected storage fault,
// after some of them are already in the shared transaction). Every update
// also increments a shared counter it read in the same transaction.
//
// It checks that a failed update left none of its writes, that every update
// that did not fail succeeded (its neighbours' failures did not harm it) and
// kept all of its writes, and that the counter equals the number of successes,
// which fails if a rolled-back write leaked into what a later update read.
func TestStore_Update_BatchIsAllOrNothingPerRequest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	s := open(t, path)
	ctx := context.Background()
	if err := s.Update(ctx, func(tx store.Tx) error { tx.Put("counter", []byte("0")); return nil }); err != nil {
		t.Fatal(err)
	}
	const writesPerRequest = 5
	key := func(i, j int) string { return fmt.Sprintf("req/%04d/%d", i, j) }
	kind := func(i int) failure { return failure(i % int(failureKinds)) }
	s.applyHook = func(k string) error {
		var i, j int
		if _, err := fmt.Sscanf(k, "req/%04d/%d", &i, &j); err != nil {
			return nil
		}
		switch {
		case kind(i) == storageError && j == 2:
			return errors.New("injected storage fault")
		case kind(i) == storagePanic && j == 3:
			panic("injected storage panic")
		}
		return nil
	}
	const rounds, perRound = 8, 64
	var (
		wg      sync.WaitGroup
		results = make([]error, rounds*perRound)
		batched sync.Map // requests that ran while another was queued
	)
	for round := range rounds {
		// The first update of a round holds the committer while the rest
		// queue, so they all share the next group commits.
		hold := make(chan struct{})
		first := round * perRound
		wg.Go(func() {
			results[first] = s.Update(ctx, func(tx store.Tx) error {
				<-hold
				return bump(tx, first, key, writesPerRequest)
			})
		})
		for i := first + 1; i < first+perRound; i++ {
			wg.Go(func() {
				results[i] = s.Update(ctx, func(tx store.Tx) error {
					batched.Store(i, true)
					if err := bump(tx, i, key, writesPerRequest); err != nil {
						return err
					}
					switch kind(i) {
					case returnError:
						return errors.New("caller error")
					case panicInFn:
						panic("caller panic")
					case emptyKey:
						tx.Put("", []byte("x"))
					case hugeKey:
						tx.Put(strings.Repeat("k", bbolt.MaxKeySize+1), []byte("x"))
					}
					return nil
				})
			})
		}
		time.Sleep(20 * time.Millisecond) // let the round queue up
		close(hold)
	}
	wg.Wait()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open(t, path) // what is checked below was committed
	defer s.Close()
	got := dump(t, s, "")
	successes := 0
	for i, err := range results {
		wantOK := kind(i) == succeed || i%perRound == 0 && kind(i) != storageError && kind(i) != storagePanic
		if (err == nil) != wantOK {
			t.Errorf("request %d (failure kind %d): err = %v, want success %v", i, kind(i), err, wantOK)
		}
		kept := 0
		for j := range writesPerRequest {
			if _, ok := got[key(i, j)]; ok {
				kept++
			}
		}
		switch {
		case err == nil && kept != writesPerRequest:
			t.Errorf("request %d succeeded but kept %d of its %d writes", i, kept, writesPerRequest)
		case err != nil && kept != 0:
			t.Errorf("request %d failed (%v) but %d of its writes were committed", i, err, kept)
		}
		if err == nil {
			successes++
		}
	}
	if got["counter"] != strconv.Itoa(successes) {
		t.Errorf("counter = %s, want %d (one per successful update)", got["counter"], successes)
	}
	n := 0
	batched.Range(func(any, any) bool { n++; return true })
	if n != rounds*(perRound-1) {
		t.Fatalf("%d queued updates ran, want %d", n, rounds*(perRound-1))
	}
}

// bump writes request i's keys and increments the shared counter.
func bump(tx store.Tx, i int, key func(i, j int) string, n int) error {
	raw, _ := tx.Get("counter")
	c, err := strconv.Atoi(string(raw))
	if err != nil {
		return err
	}
	for j := range n {
		tx.Put(key(i, j), []byte("v"))
		if j == 1 {
			tx.Put("counter", []byte(strconv.Itoa(c+1)))
		}
	}
	return nil
}

// TestStore_Update_StorageFaultRebuildsGroup checks the rebuild directly:
// three queued updates share one commit, the middle one fails inside bbolt
// after some of its writes were applied, and the first and last are
// committed while nothing of the middle one is.
func TestStore_Update_StorageFaultRebuildsGroup(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "db"))
	defer s.Close()
	s.applyHook = func(k string) error {
		if k == "b/3" {
			return errors.New("injected")
		}
		return nil
	}
	ctx := context.Background()
	hold := make(chan struct{})
	var calls sync.Map
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i, name := range []string{"a", "b", "c"} {
		if i > 0 {
			time.Sleep(10 * time.Millisecond) // queue in order
		}
		wg.Go(func() {
			errs[i] = s.Update(ctx, func(tx store.Tx) error {
				if i == 0 {
					<-hold
				}
				n, _ := calls.LoadOrStore(name, new(int))
				*n.(*int)++
				for j := range 5 {
					tx.Put(fmt.Sprintf("%s/%d", name, j), []byte("v"))
				}
				return nil
			})
		})
	}
	time.Sleep(20 * time.Millisecond)
	close(hold)
	wg.Wait()
	if errs[0] != nil || errs[2] != nil || errs[1] == nil || !strings.Contains(errs[1].Error(), "injected") {
		t.Fatalf("errs = %v, want only the middle update to fail with the injected fault", errs)
	}
	calls.Range(func(k, v any) bool {
		if *v.(*int) != 1 {
			t.Errorf("update %s ran %d times, want once", k, *v.(*int))
		}
		return true
	})
	got := dump(t, s, "")
	for _, name := range []string{"a", "c"} {
		for j := range 5 {
			if _, ok := got[fmt.Sprintf("%s/%d", name, j)]; !ok {
				t.Errorf("%s/%d missing", name, j)
			}
		}
	}
	if b := dump(t, s, "b/"); len(b) != 0 {
		t.Errorf("failed update left %v", b)
	}
}
