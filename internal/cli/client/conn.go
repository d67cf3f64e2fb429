package client

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/aksnet/aksnet/internal/statedir"
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

// newOneConn returns the transport for a command that trusts the CAs in
// pool.
func newOneConn(pool *x509.CertPool, timeout time.Duration) *oneConn {
	return &oneConn{tls: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, timeout: timeout}
}

// stateDirConn returns the transport for the server whose CA is in
// stateDir: its requests time out after timeout.
func stateDirConn(stateDir string, timeout time.Duration) (*oneConn, error) {
	path := filepath.Join(stateDir, statedir.CAFile)
	ca, err := os.ReadFile(path)
	if err != nil {
		return nil, &output.Error{Code: 1, Message: fmt.Sprintf("no aksnet CA in %s: start a server with: aksnet serve --state-dir %s", stateDir, stateDir)}
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, &output.Error{Code: 1, Message: fmt.Sprintf("%s holds no PEM certificate: restart the server (aksnet serve --state-dir %s) to write it again", path, stateDir)}
	}
	return newOneConn(pool, timeout), nil
}

// loopbackCurves are the key exchanges offered to a server on this machine.
// Go offers the hybrid post-quantum X25519MLKEM768 first by default; it
// guards against traffic recorded today and decrypted by a future quantum
// computer, and loopback traffic can't be recorded off the machine. Its keys
// cost a command about 1.3 ms (6%) on this project's reference machine, so
// loopback connections use X25519; any other endpoint keeps Go's defaults.
var loopbackCurves = []tls.CurveID{tls.X25519, tls.CurveP256}

// isLoopback reports whether host (a name or an address) is this machine.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
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
	name := req.URL.Hostname()
	var raw net.Conn
	err := errors.New("not dialled")
	if strings.EqualFold(name, "localhost") {
		// localhost is loopback (RFC 6761) and aksnetd listens on
		// 127.0.0.1 by default: try it before the resolver, which reads
		// three files and starts a goroutine to say the same.
		raw, err = d.DialContext(req.Context(), "tcp", net.JoinHostPort("127.0.0.1", req.URL.Port()))
	}
	if err != nil {
		if raw, err = d.DialContext(req.Context(), "tcp", host); err != nil {
			return err
		}
	}
	cfg := o.tls.Clone()
	if cfg.ServerName == "" {
		cfg.ServerName = name
	}
	if isLoopback(name) {
		cfg.CurvePreferences = loopbackCurves
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
