//go:build linux

package dataplane

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// Workloads run as goroutines of this process. Their listening sockets are
// opened inside the namespace (on a locked thread, see inNS) and keep
// working from any thread afterwards.

// EchoReply is what the HTTP echo answers: the caller's source address as
// the pod sees it, and the pod's name.
type EchoReply struct {
	Client string `json:"client"`
	Pod    string `json:"pod"`
}

type running struct {
	ino     uint64
	w       atomic.Pointer[Workload]
	closers []io.Closer
}

func (r *running) close() {
	for _, c := range r.closers {
		_ = c.Close()
	}
}

type workloads struct {
	mu  sync.Mutex
	run map[string]*running // netns|kind/port
	log *slog.Logger
}

func newWorkloads(log *slog.Logger) *workloads {
	if log == nil {
		log = slog.Default()
	}
	return &workloads{run: map[string]*running{}, log: log}
}

func (ws *workloads) list(ns string, ino uint64) []Workload {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	var out []Workload
	for key, r := range ws.run {
		if strings.HasPrefix(key, ns+"|") && r.ino == ino {
			out = append(out, *r.w.Load())
		}
	}
	return out
}

// start runs w in namespace ns, or updates the running one in place (a new
// pod name, new DNS records).
func (ws *workloads) start(ns string, h *nsHandle, w Workload) error {
	key := ns + "|" + workKey(w)
	ws.mu.Lock()
	r := ws.run[key]
	if r != nil && r.ino == h.ino {
		r.w.Store(&w)
		ws.mu.Unlock()
		return nil
	}
	delete(ws.run, key)
	ws.mu.Unlock()
	if r != nil {
		r.close()
	}
	r = &running{ino: h.ino}
	r.w.Store(&w)
	var lns []net.Listener
	var pcs []net.PacketConn
	err := inNS(h.fd, func() error {
		ln, err := net.Listen("tcp4", fmt.Sprintf(":%d", w.Port))
		if err != nil {
			return err
		}
		lns = append(lns, ln)
		if w.Kind == WorkDNS {
			pc, err := net.ListenPacket("udp4", fmt.Sprintf(":%d", w.Port))
			if err != nil {
				return err
			}
			pcs = append(pcs, pc)
		}
		return nil
	})
	if err != nil {
		for _, ln := range lns {
			_ = ln.Close()
		}
		return fmt.Errorf("listen in %s: %w", ns, err)
	}
	switch w.Kind {
	case WorkEcho:
		srv := &http.Server{Handler: echoHandler(r), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(lns[0]) }()
		r.closers = append(r.closers, srv)
	case WorkDNS:
		h := dnsHandler(r)
		tcp := &dns.Server{Listener: lns[0], Handler: h}
		udp := &dns.Server{PacketConn: pcs[0], Handler: h}
		go func() { _ = tcp.ActivateAndServe() }()
		go func() { _ = udp.ActivateAndServe() }()
		r.closers = append(r.closers, closerFunc(func() error {
			return errors.Join(tcp.Shutdown(), udp.Shutdown(), lns[0].Close(), pcs[0].Close())
		}))
	default:
		for _, ln := range lns {
			_ = ln.Close()
		}
		return fmt.Errorf("unknown workload %q", w.Kind)
	}
	ws.mu.Lock()
	if old := ws.run[key]; old != nil {
		defer old.close()
	}
	ws.run[key] = r
	ws.mu.Unlock()
	return nil
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

func (ws *workloads) stop(ns string, w Workload) {
	key := ns + "|" + workKey(w)
	ws.mu.Lock()
	r := ws.run[key]
	delete(ws.run, key)
	ws.mu.Unlock()
	if r != nil {
		r.close()
	}
}

func (ws *workloads) stopNS(ns string) {
	ws.mu.Lock()
	var rs []*running
	for key, r := range ws.run {
		if strings.HasPrefix(key, ns+"|") {
			rs = append(rs, r)
			delete(ws.run, key)
		}
	}
	ws.mu.Unlock()
	for _, r := range rs {
		r.close()
	}
}

func (ws *workloads) stopAll() {
	ws.mu.Lock()
	rs := ws.run
	ws.run = map[string]*running{}
	ws.mu.Unlock()
	for _, r := range rs {
		r.close()
	}
}

// echoHandler answers every request with the caller's address and the pod
// name, as JSON.
func echoHandler(r *running) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		host, _, _ := net.SplitHostPort(req.RemoteAddr)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(EchoReply{Client: host, Pod: r.w.Load().Name})
	})
}

// dnsHandler answers A queries from the workload's zone, authoritatively
// for cluster.local.
func dnsHandler(r *running) dns.Handler {
	return dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		m.Authoritative = true
		zone := r.w.Load().Zone
		for _, question := range q.Question {
			name := strings.ToLower(question.Name)
			a, ok := zone[name]
			switch {
			case ok && (question.Qtype == dns.TypeA || question.Qtype == dns.TypeANY):
				m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: question.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 5}, A: a.AsSlice()})
			case ok:
				// The name exists without records of this type.
			case strings.HasSuffix(name, "."+ClusterDomain+"."):
				m.Rcode = dns.RcodeNameError
			default:
				m.Rcode = dns.RcodeRefused
			}
		}
		_ = w.WriteMsg(m)
	})
}

// Echo asks the HTTP echo at addr (host:port) who it is and who it sees,
// dialling from inside namespace netnsPath. It is what tests and
// `aksnet aks pod exec` users do with curl.
func Echo(ctx context.Context, netnsPath string, addr string) (EchoReply, error) {
	var reply EchoReply
	conn, err := DialIn(ctx, netnsPath, "tcp4", addr)
	if err != nil {
		return reply, err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	host, _, _ := net.SplitHostPort(addr)
	if _, err := fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", host); err != nil {
		return reply, err
	}
	body, err := io.ReadAll(conn)
	if err != nil {
		return reply, err
	}
	_, payload, ok := strings.Cut(string(body), "\r\n\r\n")
	if !ok {
		return reply, fmt.Errorf("echo %s: malformed reply %q", addr, body)
	}
	if err := json.Unmarshal([]byte(payload), &reply); err != nil {
		return reply, fmt.Errorf("echo %s: %w (reply %q)", addr, err, payload)
	}
	return reply, nil
}

// DialIn connects to addr from inside the namespace bound at netnsPath. The
// socket is created on a thread inside the namespace; once connected it can
// be used from any goroutine.
func DialIn(ctx context.Context, netnsPath, network, addr string) (net.Conn, error) {
	fd, err := openNS(netnsPath)
	if err != nil {
		return nil, err
	}
	defer fd.Close()
	var conn net.Conn
	err = inNS(fd, func() error {
		d := net.Dialer{Timeout: 2 * time.Second}
		c, err := d.DialContext(ctx, network, addr)
		conn = c
		return err
	})
	return conn, err
}

// LookupIn asks the DNS server at server (ip:53) for the A record of name,
// from inside the namespace bound at netnsPath.
func LookupIn(ctx context.Context, netnsPath, server, name string) ([]netip.Addr, error) {
	conn, err := DialIn(ctx, netnsPath, "udp4", server)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	} else {
		_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	}
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), dns.TypeA)
	dc := &dns.Conn{Conn: conn}
	if err := dc.WriteMsg(m); err != nil {
		return nil, err
	}
	resp, err := dc.ReadMsg()
	if err != nil {
		return nil, err
	}
	if resp.Rcode != dns.RcodeSuccess {
		return nil, fmt.Errorf("dns %s: %s", name, dns.RcodeToString[resp.Rcode])
	}
	var out []netip.Addr
	for _, rr := range resp.Answer {
		if a, ok := rr.(*dns.A); ok {
			if ip, ok := netip.AddrFromSlice(a.A.To4()); ok {
				out = append(out, ip)
			}
		}
	}
	return out, nil
}

// ListenIn opens a listening socket inside the namespace bound at
// netnsPath; it keeps working from any goroutine.
func ListenIn(netnsPath, network, addr string) (net.Listener, error) {
	fd, err := openNS(netnsPath)
	if err != nil {
		return nil, err
	}
	defer fd.Close()
	var ln net.Listener
	err = inNS(fd, func() error {
		l, err := net.Listen(network, addr)
		ln = l
		return err
	})
	return ln, err
}
