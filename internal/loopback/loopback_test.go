package loopback

import (
	"net"
	"strconv"
	"testing"
)

// TestFreePort: the port is a real, free port on 127.0.0.1: it can be
// listened on at once, and two calls in a row give two ports while the
// first is held.
func TestFreePort(t *testing.T) {
	p, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	if p <= 0 || p > 65535 {
		t.Fatalf("FreePort = %d", p)
	}
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
	if err != nil {
		t.Fatalf("listen on the free port %d: %v", p, err)
	}
	defer l.Close()
	q, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	if q == p {
		t.Errorf("FreePort gave %d again while it is in use", p)
	}
}
