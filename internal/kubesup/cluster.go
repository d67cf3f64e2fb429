package kubesup

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/aksnet/aksnet/internal/loopback"
	"github.com/aksnet/aksnet/internal/pki"
)

// stopGrace is how long a stopping aksnet-kube gets before it is killed.
const stopGrace = 30 * time.Second

// cluster is one cluster's port, directory and process.
type cluster struct {
	s            *Supervisor
	id, name     string
	dir, fqdn    string
	serviceCIDR  netip.Prefix
	dnsServiceIP netip.Addr
	ca           *pki.ClusterCA
	ln           net.Listener
	port         int
	nodesMu      sync.Mutex

	mu       sync.Mutex
	cur      *run // the process wanted now; nil when stopped
	prev     *run // the last one, which must have exited before the next starts (etcd's data dir)
	active   int  // proxied connections open
	last     time.Time
	restarts int
	closed   bool
	// refusal is aksnet-kube's last refusal of the cluster's etcd data
	// (ExitDataUnusable), "" when none; refusedAt is when it came.
	refusal   string
	refusedAt time.Time
	done      chan struct{}
	// after, when not nil, is closed once the process of the cluster's
	// previous entry (before a stop) has exited; the first launch waits.
	after chan struct{}
}

// run is one start of aksnet-kube.
type run struct {
	port    int
	proc    Process
	stopped bool          // Stop was asked for (idle, delete, shutdown)
	ready   chan struct{} // closed once <data>/ready exists
	exited  chan struct{} // closed once the process is gone (or never started)
	err     error         // why it is gone, once exited is closed
	refusal string        // set before exited closes when the process refused its etcd data
}

func (cl *cluster) touch() {
	cl.mu.Lock()
	cl.last = time.Now()
	cl.mu.Unlock()
}

// ensureStarted starts the process unless one runs or is starting, and
// returns it. While the last start refused the cluster's etcd data, less
// than refusalRetry ago, it starts nothing and returns that refusal.
func (cl *cluster) ensureStarted(bin string) (*run, string) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if cl.closed {
		return nil, ""
	}
	if cl.cur == nil {
		if cl.refusal != "" && time.Since(cl.refusedAt) < refusalRetry {
			return nil, cl.refusal
		}
		cl.startLocked(bin)
	}
	return cl.cur, ""
}

// startLocked begins a new run; the launch happens in the background once
// the previous run has exited (two processes must never share the etcd data).
func (cl *cluster) startLocked(bin string) {
	r := &run{ready: make(chan struct{}), exited: make(chan struct{})}
	prev := cl.prev
	cl.cur, cl.prev = r, r
	go cl.launch(bin, r, prev)
}

func (cl *cluster) launch(bin string, r, prev *run) {
	if prev != nil {
		<-prev.exited
	}
	if cl.after != nil {
		<-cl.after
	}
	fail := func(err error) {
		r.err = err
		close(r.exited)
		cl.s.log.Error("kube: start aksnet-kube", "cluster", cl.id, "err", err)
		cl.exitedRun(r)
	}
	data := filepath.Join(cl.dir, dataDir)
	if err := os.Remove(filepath.Join(data, readyFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		fail(err)
		return
	}
	port, err := loopback.FreePort()
	if err != nil {
		fail(err)
		return
	}
	r.port = port
	logPath := filepath.Join(cl.dir, logFile)
	_ = os.Rename(logPath, logPath+".1") // the previous run's log, kept once; absent on first start
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		fail(err)
		return
	}
	args := []string{"--data-dir", data, "--pki-dir", filepath.Join(cl.dir, pkiDir), "--secure-port", strconv.Itoa(port),
		"--cluster-name", cl.name}
	if cl.serviceCIDR.IsValid() {
		args = append(args, "--service-cidr", cl.serviceCIDR.String())
	}
	if cl.dnsServiceIP.IsValid() {
		args = append(args, "--dns-service-ip", cl.dnsServiceIP.String())
	}
	if cl.fqdn != "" {
		args = append(args, "--extra-sans", cl.fqdn)
	}
	cl.mu.Lock()
	if r.stopped {
		cl.mu.Unlock()
		logf.Close()
		fail(errors.New("stopped before it started"))
		return
	}
	last := &lastLine{}
	proc, err := cl.s.opts.Launcher.Launch(bin, args, io.MultiWriter(logf, last))
	if err != nil {
		cl.mu.Unlock()
		logf.Close()
		fail(fmt.Errorf("launch %s: %w", bin, err))
		return
	}
	r.proc = proc
	cl.mu.Unlock()
	start := time.Now()
	cl.s.log.Info("kube: aksnet-kube started", "cluster", cl.id, "port", cl.port, "log", logPath)
	go cl.watchReady(r, data, start)
	r.err = proc.Wait()
	logf.Close()
	if exitCode(r.err) == ExitDataUnusable {
		r.refusal = refusalMessage(last.String())
	}
	close(r.exited)
	cl.exitedRun(r)
}

// watchReady closes r.ready once aksnet-kube has written its ready file.
func (cl *cluster) watchReady(r *run, data string, start time.Time) {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-r.exited:
			return
		case <-t.C:
			if _, err := os.Stat(filepath.Join(data, readyFile)); err == nil {
				close(r.ready)
				cl.mu.Lock()
				cl.restarts = 0
				recovered := cl.refusal != ""
				cl.refusal = ""
				cl.mu.Unlock()
				if recovered {
					cl.s.log.Info("kube: the control plane starts on its etcd data again", "cluster", cl.id)
				}
				cl.s.log.Info("kube: control plane ready", "cluster", cl.id, "after", time.Since(start).Round(time.Millisecond).String())
				return
			}
		}
	}
}

// exitedRun handles the end of run r: a process that was not asked to
// stop is started again after a delay that doubles up to 30 s, unless it
// refused the cluster's etcd data: that is logged (once while it stays the
// same) and left to the next connection (ensureStarted).
func (cl *cluster) exitedRun(r *run) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if cl.cur != r {
		return
	}
	cl.cur = nil
	if r.refusal != "" {
		if r.refusal != cl.refusal {
			cl.s.log.Error("kube: aksnet-kube refuses the cluster's etcd data; not restarting it", "cluster", cl.id,
				"reason", r.refusal, "log", filepath.Join(cl.dir, logFile))
		}
		cl.refusal, cl.refusedAt = r.refusal, time.Now()
		return
	}
	if r.stopped || cl.closed {
		return
	}
	cl.restarts++
	delay := min(time.Second<<min(cl.restarts-1, 5), 30*time.Second)
	cl.s.log.Warn("kube: aksnet-kube exited unexpectedly; restarting", "cluster", cl.id, "err", fmt.Sprint(r.err),
		"restart", cl.restarts, "in", delay.String(), "log", filepath.Join(cl.dir, logFile))
	time.AfterFunc(delay, func() {
		bin, err := cl.s.binary()
		if err != nil {
			cl.s.log.Error("kube: restart aksnet-kube", "cluster", cl.id, "err", err)
			return
		}
		cl.mu.Lock()
		defer cl.mu.Unlock()
		if cl.cur == nil && !cl.closed {
			cl.startLocked(bin)
		}
	})
}

// stopLocked asks the current run to stop; it returns the run, to wait on.
func (cl *cluster) stopLocked() *run {
	r := cl.cur
	if r == nil {
		return nil
	}
	cl.cur = nil
	r.stopped = true
	if r.proc != nil {
		go r.proc.Stop(stopGrace)
	}
	return r
}

// serve accepts connections on the cluster's port until close.
func (cl *cluster) serve() {
	for {
		c, err := cl.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
		go cl.proxy(c)
	}
}

// proxy forwards one connection to the apiserver, starting it first when
// it is not running.
func (cl *cluster) proxy(c net.Conn) {
	defer c.Close()
	cl.mu.Lock()
	cl.active++
	cl.last = time.Now()
	cl.mu.Unlock()
	defer func() {
		cl.mu.Lock()
		cl.active--
		cl.last = time.Now()
		cl.mu.Unlock()
	}()
	bin, err := cl.s.binary()
	if err != nil {
		cl.s.log.Error("kube: connection to a stopped control plane", "cluster", cl.id, "err", err)
		return
	}
	r, refusal := cl.ensureStarted(bin)
	if refusal != "" {
		cl.refuse(c, refusal)
		return
	}
	if r == nil {
		return
	}
	timeout := time.NewTimer(cl.s.opts.ReadyTimeout)
	defer timeout.Stop()
	select {
	case <-r.ready:
	case <-r.exited:
		if r.refusal != "" {
			cl.refuse(c, r.refusal)
		}
		return
	case <-cl.done:
		return
	case <-timeout.C:
		cl.s.log.Error("kube: control plane not ready in time", "cluster", cl.id, "timeout", cl.s.opts.ReadyTimeout.String())
		return
	}
	up, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(r.port), 10*time.Second)
	if err != nil {
		cl.s.log.Error("kube: dial apiserver", "cluster", cl.id, "err", err)
		return
	}
	defer up.Close()
	var wg sync.WaitGroup
	wg.Go(func() { splice(up, c) })
	splice(c, up)
	wg.Wait()
}

// splice copies src to dst, then half-closes dst so the other side sees EOF.
func splice(dst, src net.Conn) {
	_, _ = io.Copy(dst, src)
	if tc, ok := dst.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	} else {
		_ = dst.Close()
	}
}

// idleLoop stops the process once no connection has been open for idle.
func (cl *cluster) idleLoop(idle time.Duration) {
	t := time.NewTicker(min(max(idle/4, 50*time.Millisecond), 5*time.Second))
	defer t.Stop()
	for {
		select {
		case <-cl.done:
			return
		case <-t.C:
		}
		cl.mu.Lock()
		if cl.cur != nil && cl.active == 0 && time.Since(cl.last) >= idle {
			cl.stopLocked()
			cl.s.log.Info("kube: idle control plane stopped", "cluster", cl.id, "idle", idle.String())
		}
		cl.mu.Unlock()
	}
}

// close stops the process, waits for it and closes the port.
func (cl *cluster) close() {
	cl.mu.Lock()
	if cl.closed {
		cl.mu.Unlock()
		return
	}
	cl.closed = true
	close(cl.done)
	r := cl.stopLocked()
	prev := cl.prev
	cl.mu.Unlock()
	_ = cl.ln.Close()
	if r != nil {
		<-r.exited
	}
	if prev != nil {
		<-prev.exited
	}
}
