// Command aksnet-kube is the Kubernetes control plane of ONE aksnet cluster, in one process: an
// embedded etcd, kube-apiserver, kube-controller-manager and kube-scheduler from k8s.io/kubernetes,
// plus the node mirror that keeps the Nodes in step with <data-dir>/nodes.json.
//
// aksnetd starts one per cluster. The process prints the line "ready" on stdout (and creates
// <data-dir>/ready) once the apiserver answers /readyz and the Nodes of the spec file exist and are
// schedulable (the not-ready taint every new Node gets has been lifted). SIGTERM
// or SIGINT stops every component; the process then exits 0. When the data dir's etcd data is
// missing (the control plane ran before) or damaged, it starts nothing, changes nothing, and exits
// with kubesup.ExitDataUnusable after one line on stderr naming the path, the problem and the way
// to recover.
//
// Usage:
//
//	aksnet-kube --data-dir DIR --secure-port PORT --service-cidr 10.0.0.0/16 --cluster-name NAME
//	            [--dns-service-ip 10.0.0.10] [--pki-dir DIR] [--extra-sans FQDN,…] [--bare]
//	            [--pprof-address 127.0.0.1:PORT]
//
// --bare runs etcd and kube-apiserver alone, with the same options: the benchmarks' baseline. Once
// ready, the process sets its GC goal by its Node count (steadyGCPercent) unless GOGC is set.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/component-base/version"
	"k8s.io/klog/v2"

	"github.com/aksnet/aksnet/internal/kubenodes"
	"github.com/aksnet/aksnet/internal/kubesup"
	"github.com/aksnet/aksnet/kube/controlplane"
	"github.com/aksnet/aksnet/kube/nodes"
)

// ReadyFile is created in the data dir once the control plane is ready, and removed on exit.
const ReadyFile = "ready"

func main() {
	if err := run(); err != nil {
		// The last line on stderr: the supervisor reports it as it is when the exit status is
		// kubesup.ExitDataUnusable, and does not restart the process.
		fmt.Fprintln(os.Stderr, "aksnet-kube:", err)
		if _, ok := errors.AsType[*controlplane.DataError](err); ok {
			os.Exit(kubesup.ExitDataUnusable)
		}
		os.Exit(1)
	}
}

func run() error {
	fset := flag.NewFlagSet("aksnet-kube", flag.ContinueOnError)
	dataDir := fset.String("data-dir", "", "directory for etcd data, internal kubeconfigs and nodes.json (required)")
	pkiDir := fset.String("pki-dir", "", "directory of the cluster's PEM files (ca.crt, ca.key, apiserver.crt, apiserver.key, sa.key, sa.pub); absent files are generated (default <data-dir>/pki)")
	port := fset.Int("secure-port", 0, "the apiserver's port on 127.0.0.1 (required)")
	serviceCIDR := fset.String("service-cidr", "10.0.0.0/16", "the cluster's service CIDR; default/kubernetes gets its .1")
	dnsServiceIP := fset.String("dns-service-ip", "", "the ClusterIP of kube-system/kube-dns (the cluster's dnsServiceIP), created at start when missing; empty: no kube-dns Service")
	clusterName := fset.String("cluster-name", "", "the cluster's name (required)")
	sans := fset.String("extra-sans", "", "comma-separated DNS names added to a generated serving certificate (e.g. the cluster's fqdn)")
	pprofAddr := fset.String("pprof-address", "", "serve Go's pprof profiles on this loopback host:port, to diagnose the control plane's CPU and memory; empty: off")
	bare := fset.Bool("bare", false, "run etcd and kube-apiserver only (no controller-manager, scheduler, kube-dns or node mirror): the benchmarks' baseline")
	klogFlags := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(klogFlags)
	fset.Var(klogValue{klogFlags.Lookup("v")}, "v", "log verbosity of the Kubernetes components")
	if err := fset.Parse(os.Args[1:]); err != nil {
		return err
	}
	cidr, err := netip.ParsePrefix(*serviceCIDR)
	if err != nil {
		return fmt.Errorf("--service-cidr: %w", err)
	}
	var dnsIP netip.Addr
	if *dnsServiceIP != "" {
		if dnsIP, err = netip.ParseAddr(*dnsServiceIP); err != nil {
			return fmt.Errorf("--dns-service-ip: %w", err)
		}
	}
	cfg := controlplane.Config{
		DataDir:      *dataDir,
		PKIDir:       *pkiDir,
		SecurePort:   *port,
		ServiceCIDR:  cidr,
		DNSServiceIP: dnsIP,
		ClusterName:  *clusterName,
		Bare:         *bare,
	}
	if *sans != "" {
		cfg.ExtraSANs = strings.Split(*sans, ",")
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	// The only signal handler in the process: every component stops with this one context.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if *pprofAddr != "" {
		if err := servePprof(ctx, *pprofAddr); err != nil {
			return fmt.Errorf("--pprof-address: %w", err)
		}
	}
	err = serve(ctx, cfg)
	klog.Flush()
	return err
}

// serve runs the control plane of cfg and the node mirror of <data-dir>/nodes.json until ctx is
// done (nil) or a component fails (its error). Once the Nodes of the spec file exist it creates
// <data-dir>/ready and prints "ready"; the ready file is removed when serve returns.
func serve(ctx context.Context, cfg controlplane.Config) error {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return err
	}
	readyPath := filepath.Join(cfg.DataDir, ReadyFile)
	if err := os.Remove(readyPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	defer os.Remove(readyPath)

	var heap heapPolicy
	return controlplane.Run(ctx, cfg, func(ctx context.Context, r controlplane.Running) error {
		if cfg.Bare {
			return announceReady(readyPath, &heap)
		}
		client, err := kubernetes.NewForConfig(r.Admin)
		if err != nil {
			return err
		}
		mirror := nodes.NewMirror(client, filepath.Join(cfg.DataDir, kubenodes.FileName), version.Get().GitVersion)
		mirror.Sized = heap.sized
		synced := make(chan struct{})
		mirrorErr := make(chan error, 1)
		go func() { mirrorErr <- mirror.Run(ctx, func() { close(synced) }) }()
		select {
		case <-synced:
		case err := <-mirrorErr:
			if err == nil {
				err = ctx.Err()
			}
			return fmt.Errorf("node mirror: %w", err)
		}
		return announceReady(readyPath, &heap)
	})
}

// announceReady creates the ready file, prints "ready" and settles the heap.
func announceReady(path string, heap *heapPolicy) error {
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		return err
	}
	fmt.Println("ready")
	heap.settle()
	return nil
}

// steadyGCPercent returns the GOGC the process runs with once it is ready, for a cluster of nodes
// Nodes, unless the environment sets GOGC. Start-up keeps Go's default (100): building the
// apiserver's handlers and OpenAPI specs allocates several times the live heap, and fewer
// collections start the cluster sooner.
//
// Once ready, a small cluster's live heap is about 110 MB (mostly what the apiserver built: OpenAPI
// specs and definitions, REST handlers; then the controllers and their informers) and it allocates
// little, so a heap goal of 1.25× the live heap instead of 2× costs little CPU and keeps about 50 MB
// less resident. Each Node adds allocation, though: its Lease is rewritten every 10 s, and every
// write goes through the apiserver, etcd and the controller-manager's watches. The GC's CPU grows
// with the allocation rate over the heap goal's headroom, so the headroom grows with the Nodes:
// a quarter of a percent of GOGC per Node, up to 125 at the article's largest cluster, 400 Nodes
// (docs/performance-notes.md has the measurements).
func steadyGCPercent(nodes int) int {
	return min(25+max(nodes, 0)/4, 125)
}

// heapPolicy applies steadyGCPercent once the process is ready and whenever the Node count
// changes, unless GOGC is set in the environment.
type heapPolicy struct {
	mu    sync.Mutex
	ready bool
	nodes int
}

// sized records the desired Node count (nodes.Mirror.Sized).
func (h *heapPolicy) sized(nodes int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.nodes = nodes
	if h.ready {
		h.apply()
	}
}

// settle applies the steady GC goal and returns the garbage of start-up to the OS.
func (h *heapPolicy) settle() {
	h.mu.Lock()
	h.ready = true
	h.apply()
	h.mu.Unlock()
	debug.FreeOSMemory()
}

func (h *heapPolicy) apply() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(steadyGCPercent(h.nodes))
	}
}

// servePprof serves net/http/pprof's handlers on addr, which must be a loopback address, until ctx
// is done. The handlers are mounted on their own mux: the apiserver's --profiling stays off.
func servePprof(ctx context.Context, addr string) error {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return err
	}
	if !ap.Addr().IsLoopback() {
		return fmt.Errorf("%s is not a loopback address", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			klog.ErrorS(err, "pprof server stopped", "address", addr)
		}
	}()
	return nil
}

// klogValue exposes klog's -v in our flag set.
type klogValue struct{ f *flag.Flag }

func (v klogValue) String() string {
	if v.f == nil {
		return "0"
	}
	return v.f.Value.String()
}
func (v klogValue) Set(s string) error { return v.f.Value.Set(s) }
