package controlplane

import (
	"net"
	"sync"
	"time"
)

// HTTPLimits bound what clients can hold of the HTTPS server, so that slow
// or idle connections (slowloris) can't starve other clients.
type HTTPLimits struct {
	// ReadHeaderTimeout bounds the TLS handshake and the request headers
	// (the handshake runs inside the first read of the headers).
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included.
	ReadTimeout time.Duration
	// WriteTimeout bounds a request from the end of its headers to the end
	// of its answer, so a client that doesn't read can't pin a handler.
	WriteTimeout time.Duration
	// IdleTimeout closes a kept-alive connection with no request in flight.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds the request line and headers.
	MaxHeaderBytes int
	// MaxConns caps concurrent connections; beyond it, new connections wait
	// in the listen backlog until one closes (which the timeouts above
	// guarantee).
	MaxConns int
}

// DefaultHTTPLimits are aksnetd's limits. No answer takes long (provisioning
// is asynchronous), bodies are at most 4 MiB (arm.MaxBodyBytes), and bearer
// tokens are a few KiB, so these leave every honest client room.
var DefaultHTTPLimits = HTTPLimits{
	ReadHeaderTimeout: 10 * time.Second,
	ReadTimeout:       60 * time.Second,
	WriteTimeout:      2 * time.Minute,
	IdleTimeout:       2 * time.Minute,
	MaxHeaderBytes:    64 << 10,
	MaxConns:          4096,
}

func (l HTTPLimits) withDefaults() HTTPLimits {
	d := DefaultHTTPLimits
	return HTTPLimits{
		ReadHeaderTimeout: positiveOr(l.ReadHeaderTimeout, d.ReadHeaderTimeout),
		ReadTimeout:       positiveOr(l.ReadTimeout, d.ReadTimeout),
		WriteTimeout:      positiveOr(l.WriteTimeout, d.WriteTimeout),
		IdleTimeout:       positiveOr(l.IdleTimeout, d.IdleTimeout),
		MaxHeaderBytes:    positiveOr(l.MaxHeaderBytes, d.MaxHeaderBytes),
		MaxConns:          positiveOr(l.MaxConns, d.MaxConns),
	}
}

// positiveOr is v when it is set (positive), else def.
func positiveOr[T time.Duration | int](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

// limitListener accepts at most n connections at a time.
type limitListener struct {
	net.Listener
	sem chan struct{}
}

func newLimitListener(ln net.Listener, n int) net.Listener {
	return &limitListener{Listener: ln, sem: make(chan struct{}, n)}
}

// Accept waits for a free slot, then for a connection. Waiting before
// accepting leaves excess clients in the kernel's backlog, where they cost
// nothing, rather than accepting and dropping them.
func (l *limitListener) Accept() (net.Conn, error) {
	l.sem <- struct{}{}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &limitedConn{Conn: c, release: func() { <-l.sem }}, nil
}

// limitedConn frees its slot once, on the first Close.
type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
