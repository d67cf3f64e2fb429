// Package kubesup runs the Kubernetes control plane of every aksnet
// cluster: one aksnet-kube process per cluster (kube/cmd/aksnet-kube, its
// own Go module), started lazily and stopped when idle.
//
// Each cluster has a directory under <state dir>/kube (its PKI, etcd data,
// nodes.json and the process's log) and a port on 127.0.0.1 that aksnetd
// itself listens on for as long as it runs. A connection to that port is
// forwarded, byte for byte, to the apiserver (TLS and client certificates
// end to end, nothing is terminated here); the first one starts the
// process and waits until it is ready. So a kubeconfig keeps working
// across idle stops and aksnetd restarts, and a cluster nobody uses costs
// no Kubernetes memory. A process that dies without being asked is started
// again (logged), with a growing delay; one that refuses its etcd data
// (ExitDataUnusable) is not, and the port then answers every request with
// an error saying why (see refuse).
//
// A stopped cluster (az aks stop, Cluster.Stopped) is different from an
// idle one: its process is stopped and its port closed, so a connection is
// refused at once (kubectl's "connection refused") instead of starting it;
// its directory, etcd data and port number are kept for when it starts.
package kubesup

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aksnet/aksnet/internal/kubenodes"
	"github.com/aksnet/aksnet/internal/loopback"
	"github.com/aksnet/aksnet/internal/pki"
)

// BinaryName is the control plane program's name.
const BinaryName = "aksnet-kube"

// Files in a cluster's directory. The data dir's nodes.json
// (kubenodes.FileName) and ready are aksnet-kube's contract; ready is
// kube/cmd/aksnet-kube's ReadyFile.
const (
	readyFile = "ready"
	portFile  = "port"
	logFile   = "aksnet-kube.log"
	pkiDir    = "pki"
	dataDir   = "data"
)

// ExitDataUnusable is aksnet-kube's exit status when it refuses to start
// because the cluster's etcd data is missing (the control plane ran
// before) or damaged; its last line on stderr says which path, what is
// wrong and how to recover. The supervisor does not restart it: it
// answers the cluster's port with that line (refusal) until a connection
// after refusalRetry finds the data repaired.
const ExitDataUnusable = 3

// ErrNoBinary is returned when aksnet-kube cannot be found.
var ErrNoBinary = errors.New("the Kubernetes control plane program aksnet-kube was not found; build it with 'make -C kube build' (it lands in bin/, next to aksnetd) or pass --kube-binary")

// Node is one desired Node, an entry of aksnet-kube's nodes.json. It is
// kubenodes.Node, the schema's one declaration, named here for the
// supervisor's callers.
type Node = kubenodes.Node

// Cluster is what the supervisor needs of a cluster.
type Cluster struct {
	// ID is the cluster's ARM id; Name its name.
	ID, Name string
	// FQDN is the apiserver certificate's extra name, and the kubeconfig's
	// tls-server-name.
	FQDN string
	// ServiceCIDR is the apiserver's service range (default/kubernetes
	// gets its .1); DNSServiceIP is kube-system/kube-dns's ClusterIP. The
	// zero values leave aksnet-kube's defaults: 10.0.0.0/16, no kube-dns.
	ServiceCIDR  netip.Prefix
	DNSServiceIP netip.Addr
	Nodes        []Node
	// Stopped: the cluster is stopped (az aks stop). Its port is closed
	// and nothing starts its control plane until a call without Stopped.
	Stopped bool
	// PowerSeq numbers the cluster's stops and starts in the order ARM
	// committed them; SetPower ignores one older than the last it applied
	// (two requests' after-commit calls can arrive in either order). 0 is
	// always applied.
	PowerSeq int64
}

// Access is how a kubeconfig reaches a cluster.
type Access struct {
	// Server is https://127.0.0.1:<port>.
	Server string
	// TLSServerName is the name the serving certificate is verified for.
	TLSServerName string
	// CA signs client certificates; CA.CertPEM is embedded in kubeconfigs.
	CA *pki.ClusterCA
}

// Process is a started aksnet-kube.
type Process interface {
	// Wait blocks until the process has exited.
	Wait() error
	// Stop asks the process to exit (SIGTERM), and kills it after grace.
	Stop(grace time.Duration)
}

// Launcher starts processes; tests use a fake.
type Launcher interface {
	Launch(path string, args []string, log io.Writer) (Process, error)
}

// Options configure a Supervisor.
type Options struct {
	// Dir holds one directory per cluster (<state dir>/kube).
	Dir string
	// Binary is aksnet-kube's path; "" means look it up (FindBinary) at
	// each start, so a binary built after aksnetd started is found.
	Binary string
	// Idle stops a control plane after this long without connections;
	// 0 never stops it.
	Idle time.Duration
	// ReadyTimeout bounds the wait for a starting process (default 3m: a
	// busy 2-core machine has been seen to need over a minute).
	ReadyTimeout time.Duration
	// Launcher starts processes (default: os/exec).
	Launcher Launcher
	Logger   *slog.Logger
}

// Supervisor runs the clusters' control planes.
type Supervisor struct {
	opts     Options
	log      *slog.Logger
	mu       sync.Mutex
	clusters map[string]*cluster
	// exiting holds, per lower-cased id, a channel closed once a stopped
	// cluster's last process has exited: a start that comes sooner waits
	// for it (two processes must never share the etcd data).
	exiting map[string]chan struct{}
	// power serialises SetPower per lower-cased id and remembers the
	// newest PowerSeq applied.
	power  map[string]*powerLock
	closed bool
}

// powerLock is one cluster's SetPower lock and newest applied PowerSeq.
type powerLock struct {
	mu  sync.Mutex
	seq int64
}

// New returns a supervisor; Close stops everything it started.
func New(opts Options) *Supervisor {
	if opts.ReadyTimeout <= 0 {
		opts.ReadyTimeout = 3 * time.Minute
	}
	if opts.Launcher == nil {
		opts.Launcher = execLauncher{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Supervisor{opts: opts, log: opts.Logger, clusters: map[string]*cluster{}, exiting: map[string]chan struct{}{},
		power: map[string]*powerLock{}}
}

// FindBinary looks for aksnet-kube next to the running executable, then on
// PATH, then in ./bin (where 'make -C kube build' puts it, for 'go run').
func FindBinary() (string, error) {
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), BinaryName)
		if isExecutable(p) {
			return p, nil
		}
	}
	if p, err := exec.LookPath(BinaryName); err == nil {
		return p, nil
	}
	if p, err := filepath.Abs(filepath.Join("bin", BinaryName)); err == nil && isExecutable(p) {
		return p, nil
	}
	return "", ErrNoBinary
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0
}

func (s *Supervisor) binary() (string, error) {
	if s.opts.Binary != "" {
		if !isExecutable(s.opts.Binary) {
			return "", fmt.Errorf("%w (--kube-binary %s is not an executable file)", ErrNoBinary, s.opts.Binary)
		}
		return s.opts.Binary, nil
	}
	return FindBinary()
}

// DirOf is the directory of cluster id under dir: a readable prefix and a
// hash of the lower-cased id, so that two clusters of one name in two
// groups never share it.
func DirOf(dir, id, name string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(id)))
	return filepath.Join(dir, strings.ToLower(name)+"-"+hex.EncodeToString(sum[:6]))
}

// Access prepares cluster c (its PKI, its port and nodes.json), starts its
// control plane in the background when it is not running, and returns how
// to reach it. It does not wait for the control plane: the first
// connection to the port does. For a stopped cluster it prepares the same
// and starts nothing: the port stays closed until the cluster starts.
func (s *Supervisor) Access(c Cluster) (Access, error) {
	bin, err := s.binary()
	if err != nil {
		return Access{}, err
	}
	if c.Stopped {
		return s.accessStopped(c)
	}
	cl, err := s.openWithNodes(c)
	if err != nil {
		return Access{}, err
	}
	cl.touch()
	if _, refusal := cl.ensureStarted(bin); refusal != "" {
		// The credentials still work; what they reach answers with the refusal.
		s.log.Warn("kube: credentials for a cluster whose control plane refuses its etcd data", "cluster", c.ID, "reason", refusal)
	}
	return Access{Server: "https://127.0.0.1:" + strconv.Itoa(cl.port), TLSServerName: c.FQDN, CA: cl.ca}, nil
}

// Provision makes cluster c's Kubernetes API exist without starting it:
// its directory, PKI and nodes.json, and, for a running cluster, its port,
// whose first connection starts the process. AKS reports a cluster
// Succeeded once its API server answers; aksnet does once Provision has
// returned (Provisioned), and the process itself starts lazily. It is
// idempotent, and it needs no aksnet-kube binary: a missing one is
// reported when the port is first used.
func (s *Supervisor) Provision(c Cluster) error {
	if c.Stopped {
		_, err := s.accessStopped(c)
		return err
	}
	_, err := s.openWithNodes(c)
	return err
}

// openWithNodes opens running cluster c (open) and writes its nodes.json.
func (s *Supervisor) openWithNodes(c Cluster) (*cluster, error) {
	cl, err := s.open(c)
	if err != nil {
		return nil, err
	}
	return cl, cl.writeNodes(c.Nodes)
}

// Provisioned reports whether cluster id (named name) has been provisioned:
// its port file, which Provision and Access write last, exists.
func (s *Supervisor) Provisioned(id, name string) bool {
	_, err := os.Stat(filepath.Join(DirOf(s.opts.Dir, id, name), portFile))
	return err == nil
}

// accessStopped is Access for a stopped cluster: directory, PKI, port
// number and nodes.json, and no listener.
func (s *Supervisor) accessStopped(c Cluster) (Access, error) {
	dir, ca, err := s.prepare(c)
	if err != nil {
		return Access{}, err
	}
	port, err := keptPort(filepath.Join(dir, portFile))
	if err != nil {
		return Access{}, err
	}
	if err := writeNodesFile(dir, c.Nodes); err != nil {
		return Access{}, err
	}
	return Access{Server: "https://127.0.0.1:" + strconv.Itoa(port), TLSServerName: c.FQDN, CA: ca}, nil
}

// SetNodes rewrites the desired Nodes of cluster c, if it has a control
// plane (it was asked for credentials once); aksnet-kube picks the file up
// within half a second. It starts nothing and leaves the port as it is:
// only Access, SetPower and Resume open or close it, so a caller that read
// c a moment ago (ARM's watch) cannot undo a stop or a start.
func (s *Supervisor) SetNodes(c Cluster) error {
	s.mu.Lock()
	cl := s.clusters[strings.ToLower(c.ID)]
	s.mu.Unlock()
	if cl != nil {
		return cl.writeNodes(c.Nodes)
	}
	dir := DirOf(s.opts.Dir, c.ID, c.Name)
	if _, err := os.Stat(dir); err != nil {
		return nil
	}
	return writeNodesFile(dir, c.Nodes)
}

// SetPower brings cluster c's control plane to its power state, if it has
// one: for a stopped cluster (az aks stop) the process is stopped (SetPower
// returns once it has exited) and the port closed; for a running one (az
// aks start) the port is open again and the next connection starts the
// process on the same data. The Nodes are rewritten either way.
func (s *Supervisor) SetPower(c Cluster) error {
	key := strings.ToLower(c.ID)
	s.mu.Lock()
	pl := s.power[key]
	if pl == nil {
		pl = &powerLock{}
		s.power[key] = pl
	}
	s.mu.Unlock()
	pl.mu.Lock()
	defer pl.mu.Unlock()
	if c.PowerSeq != 0 && c.PowerSeq < pl.seq {
		return s.SetNodes(c) // a later stop or start was applied already
	}
	pl.seq = max(pl.seq, c.PowerSeq)
	if c.Stopped {
		s.stop(c.ID)
		return s.SetNodes(c)
	}
	if _, err := os.Stat(DirOf(s.opts.Dir, c.ID, c.Name)); err != nil {
		return nil
	}
	cl, err := s.open(c)
	if err != nil {
		return err
	}
	return cl.writeNodes(c.Nodes)
}

// Resume opens the port of every running cluster that has a directory, so
// that kubeconfigs handed out before aksnetd restarted work again
// (processes start on the first connection); a stopped cluster's stays
// closed.
func (s *Supervisor) Resume(clusters []Cluster) {
	for _, c := range clusters {
		if _, err := os.Stat(DirOf(s.opts.Dir, c.ID, c.Name)); err != nil {
			continue
		}
		if err := s.SetPower(c); err != nil {
			s.log.Error("kube: resume cluster", "cluster", c.ID, "err", err)
		}
	}
}

// stop stops cluster id's control plane and closes its port, keeping its
// directory; it returns once the process has exited.
func (s *Supervisor) stop(id string) {
	key := strings.ToLower(id)
	s.mu.Lock()
	cl := s.clusters[key]
	if cl == nil {
		s.mu.Unlock()
		return
	}
	delete(s.clusters, key)
	gone := make(chan struct{})
	s.exiting[key] = gone
	s.mu.Unlock()
	cl.close()
	close(gone)
	s.mu.Lock()
	if s.exiting[key] == gone {
		delete(s.exiting, key)
	}
	s.mu.Unlock()
	s.log.Info("kube: control plane stopped, port closed (cluster stopped)", "cluster", id, "port", cl.port)
}

// Remove stops cluster id's control plane, closes its port and deletes its
// directory (its etcd data included).
func (s *Supervisor) Remove(id, name string) error {
	s.mu.Lock()
	cl := s.clusters[strings.ToLower(id)]
	delete(s.clusters, strings.ToLower(id))
	s.mu.Unlock()
	if cl != nil {
		cl.close()
	}
	dir := DirOf(s.opts.Dir, id, name)
	if _, err := os.Stat(dir); err != nil {
		return nil // the cluster never had a control plane
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("kube: remove cluster data: %w", err)
	}
	s.log.Info("kube: control plane and its data removed", "cluster", id)
	return nil
}

// Running reports whether cluster id's control plane is running or starting.
func (s *Supervisor) Running(id string) bool {
	s.mu.Lock()
	cl := s.clusters[strings.ToLower(id)]
	s.mu.Unlock()
	if cl == nil {
		return false
	}
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return cl.cur != nil
}

// Close stops every control plane and closes every port.
func (s *Supervisor) Close() {
	s.mu.Lock()
	s.closed = true
	all := s.clusters
	s.clusters = map[string]*cluster{}
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, cl := range all {
		wg.Go(cl.close)
	}
	wg.Wait()
}

// open returns the cluster's entry, creating its directory, PKI and
// listener on first use.
func (s *Supervisor) open(c Cluster) (*cluster, error) {
	key := strings.ToLower(c.ID)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errors.New("kube: supervisor closed")
	}
	if cl := s.clusters[key]; cl != nil {
		return cl, nil
	}
	dir, ca, err := s.prepare(c)
	if err != nil {
		return nil, err
	}
	ln, port, err := listenKept(filepath.Join(dir, portFile))
	if err != nil {
		return nil, err
	}
	cl := &cluster{s: s, id: c.ID, name: c.Name, dir: dir, serviceCIDR: c.ServiceCIDR, dnsServiceIP: c.DNSServiceIP, fqdn: c.FQDN, ca: ca, ln: ln, port: port,
		done: make(chan struct{}), after: s.exiting[key]}
	s.clusters[key] = cl
	go cl.serve()
	if s.opts.Idle > 0 {
		go cl.idleLoop(s.opts.Idle)
	}
	return cl, nil
}

// prepare creates cluster c's directory and PKI.
func (s *Supervisor) prepare(c Cluster) (string, *pki.ClusterCA, error) {
	dir := DirOf(s.opts.Dir, c.ID, c.Name)
	if err := os.MkdirAll(filepath.Join(dir, dataDir), 0o700); err != nil {
		return "", nil, fmt.Errorf("kube: %w", err)
	}
	names := pki.ClusterNames{ClusterName: c.Name}
	if c.FQDN != "" {
		names.DNSNames = []string{c.FQDN}
	}
	if c.ServiceCIDR.IsValid() {
		names.ServiceIP = c.ServiceCIDR.Addr().Next()
	}
	ca, err := pki.EnsureCluster(filepath.Join(dir, pkiDir), names)
	if err != nil {
		return "", nil, fmt.Errorf("kube: cluster PKI: %w", err)
	}
	return dir, ca, nil
}

// keptPort is the port recorded in path, or a free one it records, for a
// stopped cluster's kubeconfig: the port it will listen on once started.
func keptPort(path string) (int, error) {
	if b, err := os.ReadFile(path); err == nil {
		if port, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && port > 0 && port < 65536 {
			return port, nil
		}
	}
	port, err := loopback.FreePort()
	if err != nil {
		return 0, fmt.Errorf("kube: %w", err)
	}
	if err := pki.WriteFileAtomic(path, []byte(strconv.Itoa(port)+"\n"), 0o600); err != nil {
		return 0, err
	}
	return port, nil
}

// listenKept listens on the port recorded in path, or on a new one that
// it records: kubeconfigs name the port, so it stays the cluster's.
func listenKept(path string) (net.Listener, int, error) {
	if b, err := os.ReadFile(path); err == nil {
		if port, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && port > 0 && port < 65536 {
			if ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port)); err == nil {
				return ln, port, nil
			}
			// Taken by someone else meanwhile: a new port; kubeconfigs
			// fetched before must be fetched again.
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, 0, fmt.Errorf("kube: listen: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := pki.WriteFileAtomic(path, []byte(strconv.Itoa(port)+"\n"), 0o600); err != nil {
		ln.Close()
		return nil, 0, err
	}
	return ln, port, nil
}

// writeNodes writes nodes.json atomically (aksnet-kube polls it).
func (cl *cluster) writeNodes(nodes []Node) error {
	cl.nodesMu.Lock()
	defer cl.nodesMu.Unlock()
	return writeNodesFile(cl.dir, nodes)
}

// writeNodesFile writes the nodes.json of cluster directory dir, unless it
// already says the same.
func writeNodesFile(dir string, nodes []Node) error {
	b, err := kubenodes.Marshal(kubenodes.File{Nodes: nodes})
	if err != nil {
		return fmt.Errorf("kube: %w", err)
	}
	path := filepath.Join(dir, dataDir, kubenodes.FileName)
	if old, err := os.ReadFile(path); err == nil && string(old) == string(b) {
		return nil
	}
	return pki.WriteFileAtomic(path, b, 0o600)
}

// execLauncher starts real processes.
type execLauncher struct{}

func (execLauncher) Launch(path string, args []string, log io.Writer) (Process, error) {
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &execProcess{cmd: cmd, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	return p, nil
}

type execProcess struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

func (p *execProcess) Wait() error { <-p.done; return p.err }

func (p *execProcess) Stop(grace time.Duration) {
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}
