package cli

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"time"
)

// oneConn is the http.RoundTripper of a command: one TLS connection to the
// server, reused for every request the command sends (a create and its
// polls, a list and its pages) and used only from the caller's goroutine.
//
// net/http's Transport runs a dialler, a reader and a writer goroutine per
// connection. A long-running server doesn't notice; for a process that lives
// 20 ms, their stacks and the threads that run them cost about as much as
// the request itself. Requests are written and responses read with
// net/http's own Request.Write and ReadResponse.
type oneConn struct {
	tls     *tls.Config
	timeout time.Duration // per request: dial, write and read

	host string // host:port of the open connection
	conn *tls.Conn
	r    *bufio.Reader
	w    *bufio.Writer
}

func newOneConn(cfg *tls.Config, timeout time.Duration) *oneConn {
	return &oneConn{tls: cfg, timeout: timeout}
}

// RoundTrip sends req and returns the response with its body already read,
// so the connection is free for the next request. A request that fails on
// a reused connection before any response arrived (the server closed it
// while idle) is sent once more on a new one, as net/http does.
func (o *oneConn) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "https" {
		return nil, fmt.Errorf("unsupported scheme %q (aksnet speaks https only)", req.URL.Scheme)
	}
	host := req.URL.Host
	if req.URL.Port() == "" {
		host = net.JoinHostPort(req.URL.Hostname(), "443")
	}
	for attempt := 0; ; attempt++ {
		reused := o.conn != nil && o.host == host
		if !reused {
			if err := o.dial(req, host); err != nil {
				return nil, err
			}
		}
		resp, err := o.send(req)
		if err == nil {
			return resp, nil
		}
		o.Close()
		if !reused || attempt > 0 || !retryable(err) {
			return nil, err
		}
		if req.Body != nil {
			if req.GetBody == nil {
				return nil, err
			}
			body, gerr := req.GetBody()
			if gerr != nil {
				return nil, err
			}
			req = req.Clone(req.Context())
			req.Body = body
		}
	}
}

func (o *oneConn) dial(req *http.Request, host string) error {
	o.Close()
	d := net.Dialer{Timeout: o.timeout}
	raw, err := d.DialContext(req.Context(), "tcp", host)
	if err != nil {
		return err
	}
	cfg := o.tls.Clone()
	if cfg.ServerName == "" {
		cfg.ServerName = req.URL.Hostname()
	}
	c := tls.Client(raw, cfg)
	_ = c.SetDeadline(time.Now().Add(o.timeout))
	if err := c.HandshakeContext(req.Context()); err != nil {
		_ = raw.Close()
		return err
	}
	o.host, o.conn = host, c
	o.r, o.w = bufio.NewReader(c), bufio.NewWriter(c)
	return nil
}

func (o *oneConn) send(req *http.Request) (*http.Response, error) {
	_ = o.conn.SetDeadline(time.Now().Add(o.timeout))
	if err := req.Write(o.w); err != nil {
		return nil, err
	}
	if err := o.w.Flush(); err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(o.r, req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if resp.Close || req.Close {
		o.Close()
	}
	return resp, nil
}

// Close closes the connection, if one is open.
func (o *oneConn) Close() {
	if o.conn != nil {
		_ = o.conn.Close()
		o.conn, o.r, o.w, o.host = nil, nil, nil, ""
	}
}

// retryable reports whether err is a connection the server closed while
// it was idle: nothing of a response arrived.
func retryable(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
