//go:build linux

package dataplane

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aksnet/aksnet/internal/dataplane/nsprobe"
	"github.com/miekg/dns"
)

// Workloads run as goroutines of this process. Their listening sockets are
// opened inside the namespace (on a locked thread, see inNS) and keep
// working from any thread afterwards.

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
	closeKey(&ws.mu, ws.run, ns+"|"+workKey(w))
}

func (ws *workloads) stopNS(ns string) {
	closeRemoved(&ws.mu, ws.run, func(key string) bool { return strings.HasPrefix(key, ns+"|") })
}

func (ws *workloads) stopAll() {
	closeRemoved(&ws.mu, ws.run, func(string) bool { return true })
}

// echoHandler answers every request with the caller's address and the pod
// name, as JSON.
func echoHandler(r *running) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		host, _, _ := net.SplitHostPort(req.RemoteAddr)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(nsprobe.EchoReply{Client: host, Pod: r.w.Load().Name})
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

// listenIn opens a listening socket inside the namespace bound at
// netnsPath; it keeps working from any goroutine.
func listenIn(netnsPath, network, addr string) (net.Listener, error) {
	return nsprobe.In(netnsPath, func() (net.Listener, error) { return net.Listen(network, addr) })
}
