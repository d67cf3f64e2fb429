package identity

import (
	"testing"
	"time"
)

func TestRateLimiter(t *testing.T) {
	now := time.Unix(1000, 0)
	l := NewRateLimiter(2, 3)
	l.now = func() time.Time { return now }
	for i := range 3 {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("request %d within the burst refused", i)
		}
	}
	ok, wait := l.Allow("a")
	if ok || wait <= 0 || wait > 500*time.Millisecond {
		t.Fatalf("over the burst: ok=%v wait=%v, want refused with wait ≤ 500ms", ok, wait)
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Fatal("another client refused: one client's budget starved another's")
	}
	now = now.Add(500 * time.Millisecond)
	if ok, _ := l.Allow("a"); !ok {
		t.Fatal("not refilled after 500ms at 2/s")
	}
	if ok, _ := l.Allow("a"); ok {
		t.Fatal("refilled more than the rate allows")
	}
	if got := retryAfterSeconds(10 * time.Millisecond); got != 1 {
		t.Errorf("Retry-After for 10ms = %d, want 1", got)
	}
	if got := retryAfterSeconds(2100 * time.Millisecond); got != 3 {
		t.Errorf("Retry-After for 2.1s = %d, want 3", got)
	}
}

func TestRateLimiterBoundedMemory(t *testing.T) {
	l := NewRateLimiter(1, 1)
	for i := range maxBuckets + 10 {
		l.Allow(string(rune(i)) + "-client")
	}
	if n := len(l.buckets); n > maxBuckets {
		t.Errorf("%d buckets, want at most %d", n, maxBuckets)
	}
}
