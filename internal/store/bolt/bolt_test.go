package bolt

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/aksnet/aksnet/internal/store"
	"github.com/google/go-cmp/cmp"
)

func open(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func dump(t testing.TB, s store.Store, prefix string) map[string]string {
	t.Helper()
	got := map[string]string{}
	if err := s.View(func(r store.Reader) error {
		r.Scan(prefix, func(k string, v []byte) bool { got[k] = string(v); return true })
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestStore_Update_FailedUpdateKeepsNothing(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "db"))
	defer s.Close()
	ctx := context.Background()
	if err := s.Update(ctx, func(tx store.Tx) error { tx.Put("a", []byte("1")); return nil }); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := s.Update(ctx, func(tx store.Tx) error {
		tx.Put("b", []byte("2"))
		tx.Delete("a")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if diff := cmp.Diff(map[string]string{"a": "1"}, dump(t, s, "")); diff != "" {
		t.Errorf("state (-want +got):\n%s", diff)
	}
}

func TestStore_Update_PanicIsAnError(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "db"))
	defer s.Close()
	err := s.Update(context.Background(), func(tx store.Tx) error { tx.Put("x", nil); panic("bad") })
	if err == nil {
		t.Fatal("want error from panicking update")
	}
	if got := dump(t, s, ""); len(got) != 0 {
		t.Errorf("state = %v, want empty", got)
	}
}

func TestOverlay_Scan_MergesPendingWrites(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "db"))
	defer s.Close()
	ctx := context.Background()
	if err := s.Update(ctx, func(tx store.Tx) error {
		for _, k := range []string{"p/a", "p/c", "p/e", "q/z"} {
			tx.Put(k, []byte("old"))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var seen []string
	if err := s.Update(ctx, func(tx store.Tx) error {
		tx.Put("p/b", []byte("new"))
		tx.Put("p/c", []byte("new"))
		tx.Delete("p/e")
		tx.Put("p/f", []byte("new"))
		tx.Scan("p/", func(k string, v []byte) bool { seen = append(seen, k+"="+string(v)); return true })
		if v, ok := tx.Get("p/e"); ok {
			t.Errorf("deleted key visible: %q", v)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{"p/a=old", "p/b=new", "p/c=new", "p/f=new"}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("scan (-want +got):\n%s", diff)
	}
}

func TestStore_Update_SurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	s := open(t, path)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Update(ctx, func(tx store.Tx) error {
				tx.Put(fmt.Sprintf("k/%03d", i), []byte("v"))
				return nil
			}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(store.Tx) error { return nil }); !errors.Is(err, store.ErrClosed) {
		t.Errorf("update after close: %v, want ErrClosed", err)
	}
	s2 := open(t, path)
	defer s2.Close()
	if got := len(dump(t, s2, "k/")); got != 50 {
		t.Errorf("keys after reopen = %d, want 50", got)
	}
}

// BenchmarkStore_Update_Concurrent measures durable puts from 32 concurrent
// writers: the group commit shares one fsync among all of them.
func BenchmarkStore_Update_Concurrent(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "db"))
	defer s.Close()
	val := make([]byte, 1500)
	b.SetParallelism(16)
	var n sync.Mutex
	i := 0
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n.Lock()
			i++
			k := fmt.Sprintf("k/%09d", i)
			n.Unlock()
			if err := s.Update(context.Background(), func(tx store.Tx) error { tx.Put(k, val); return nil }); err != nil {
				b.Error(err)
			}
		}
	})
}

// BenchmarkStore_Update_Sequential is the one-writer baseline: one fsync per put.
func BenchmarkStore_Update_Sequential(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "db"))
	defer s.Close()
	val := make([]byte, 1500)
	for i := 0; b.Loop(); i++ {
		k := fmt.Sprintf("k/%09d", i)
		if err := s.Update(context.Background(), func(tx store.Tx) error { tx.Put(k, val); return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
