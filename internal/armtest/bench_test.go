package armtest

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"
)

// The ARM benchmarks drive an in-process server through the whole stack —
// TLS on loopback, bearer-token authentication, authorisation, the provider
// and the durable store — with the same http.Client (e.HTTP) a test uses.
// BenchmarkBareTLS_Get is their baseline: a bare net/http handler behind the
// same certificate and TLS settings, answering the very bytes of the VNet
// GET, so that GET throughput can be set against it from one run:
//
//	go test -run x -bench 'ARM|BareTLS' -benchmem ./internal/armtest
//
// The durable PUT benchmarks have theirs in BenchmarkBoltBatch_Put, bbolt's
// own batching tuned for 32 writers:
//
//	go test -run x -bench 'Put.*Parallel|BoltBatch' -benchmem ./internal/armtest
//
// Allocations are counted for the whole process, client and server alike;
// the difference between an ARM benchmark and the baseline is what aksnet
// itself adds per request.

const (
	benchNetAPIVersion = "2024-05-01"
	benchRGAPIVersion  = "2021-04-01"
	// benchClients is the number of concurrent clients of the "c32"
	// sub-benchmarks, the connection count of the design's wrk baseline.
	benchClients = 32
)

const benchVNetBody = `{"location":"eastus","properties":{"addressSpace":{"addressPrefixes":["192.168.0.0/16"]},` +
	`"subnets":[{"name":"s1","properties":{"addressPrefix":"192.168.1.0/24"}},{"name":"s2","properties":{"addressPrefix":"192.168.2.0/24"}}]}}`

const benchRouteTableBody = `{"location":"eastus","properties":{"routes":[{"name":"r1","properties":` +
	`{"addressPrefix":"10.244.0.0/24","nextHopType":"VirtualAppliance","nextHopIpAddress":"10.240.0.4"}}]}}`

// benchEnv is a running control plane with an admin token and a resource
// group "bench".
type benchEnv struct {
	*Env
	token string
	rg    string // request path of the resource group
}

func startBench(b *testing.B) *benchEnv {
	b.Helper()
	e := Start(b)
	tok, err := e.Creds.Token(e.HTTP, e.URL)
	if err != nil {
		b.Fatal(err)
	}
	be := &benchEnv{Env: e, token: tok, rg: "/subscriptions/" + e.Creds.SubscriptionID + "/resourceGroups/bench"}
	be.mustDo(b, http.MethodPut, be.rg+"?api-version="+benchRGAPIVersion, `{"location":"eastus"}`)
	b.Cleanup(e.HTTP.CloseIdleConnections)
	return be
}

func (e *benchEnv) vnetPath(name string) string {
	return e.rg + "/providers/Microsoft.Network/virtualNetworks/" + name + "?api-version=" + benchNetAPIVersion
}

func (e *benchEnv) routeTablePath(name string) string {
	return e.rg + "/providers/Microsoft.Network/routeTables/" + name + "?api-version=" + benchNetAPIVersion
}

// do sends one authenticated request, drains the answer and returns its
// status and body.
func (e *benchEnv) do(method, path, body string) (int, []byte, error) {
	return bearerDo(context.Background(), e.HTTP, method, e.URL+path, e.token, body)
}

// hit is the measured request of every benchmark, ARM and baseline alike:
// the same headers (bearer token included), the answer drained and
// discarded, an error unless the status is want.
func (e *benchEnv) hit(method, url, body string, want int) error {
	req, err := bearerRequest(context.Background(), method, url, e.token, body)
	if err != nil {
		return err
	}
	resp, err := e.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		out, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("%s %s: %d %s", method, url, resp.StatusCode, out)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// mustDo is do that fails the benchmark on a transport error or a status
// other than 200 or 201.
func (e *benchEnv) mustDo(b *testing.B, method, path, body string) []byte {
	code, out, err := e.do(method, path, body)
	if err != nil {
		b.Fatalf("%s %s: %v", method, path, err)
	}
	if code != http.StatusOK && code != http.StatusCreated {
		b.Fatalf("%s %s: %d %s", method, path, code, out)
	}
	return out
}

// reportRate reports n requests over the benchmark's elapsed time as req/s.
func reportRate(b *testing.B, n int) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(n)/s, "req/s")
	}
}

// reportCPU reports the process's CPU time per request (client and server
// together) as cpu-µs/op. It holds steady when other processes share the
// machine: GOMAXPROCS·10⁶ / cpu-µs/op is the rate the machine would reach
// with its cores to itself, if CPU is the bottleneck.
func reportCPU(b *testing.B, n int, cpu time.Duration) {
	if n > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/float64(n), "cpu-µs/op")
	}
}

// processCPU returns the user and system CPU time the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// runClients runs op b.N times in total, from one client or from
// benchClients concurrent ones, and reports req/s.
func runClients(b *testing.B, clients int, op func() error) {
	b.ReportAllocs()
	if clients == 1 {
		n := 0
		var cpu0 time.Duration
		for b.Loop() {
			if n == 0 {
				cpu0 = processCPU()
			}
			if err := op(); err != nil {
				b.Fatal(err)
			}
			n++
		}
		reportRate(b, n)
		reportCPU(b, n, processCPU()-cpu0)
		return
	}
	b.SetParallelism(max(1, clients/runtime.GOMAXPROCS(0)))
	cpu0 := processCPU()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := op(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	reportRate(b, b.N)
	reportCPU(b, b.N, processCPU()-cpu0)
}

// clientCounts are the concurrency levels of the GET benchmarks.
var clientCounts = []int{1, benchClients}

// BenchmarkARM_GetVNet reads one VNet with two subnets.
func BenchmarkARM_GetVNet(b *testing.B) {
	e := startBench(b)
	e.mustDo(b, http.MethodPut, e.vnetPath("vnet1"), benchVNetBody)
	url := e.URL + e.vnetPath("vnet1")
	get := func() error { return e.hit(http.MethodGet, url, "", http.StatusOK) }
	for _, c := range clientCounts {
		b.Run(fmt.Sprintf("c%d", c), func(b *testing.B) { runClients(b, c, get) })
	}
}

// BenchmarkBareTLS_Get is the baseline of BenchmarkARM_GetVNet: a bare
// net/http handler, behind the same certificate and TLS settings, answering
// the stored VNet's JSON to the same client.
func BenchmarkBareTLS_Get(b *testing.B) {
	e := startBench(b)
	e.mustDo(b, http.MethodPut, e.vnetPath("vnet1"), benchVNetBody)
	body := e.mustDo(b, http.MethodGet, e.vnetPath("vnet1"), "")
	url := startBareTLS(b, e.Env, body) + e.vnetPath("vnet1")
	get := func() error { return e.hit(http.MethodGet, url, "", http.StatusOK) }
	for _, c := range clientCounts {
		b.Run(fmt.Sprintf("c%d", c), func(b *testing.B) { runClients(b, c, get) })
	}
}

// startBareTLS serves body, whatever the path, on loopback with e's TLS
// configuration and returns its base URL.
func startBareTLS(b *testing.B, e *Env, body []byte) string {
	return serveBareTLS(b, e, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(body)
	}))
}

// serveBareTLS serves h on loopback with e's TLS configuration and returns
// its base URL.
func serveBareTLS(b *testing.B, e *Env, h http.Handler) string {
	return serveBare(b, e.Plane.TLSConfig(), nil, h)
}

// serveBare serves h on loopback with cfg and the server's protocols
// (net/http's default when nil) and returns its base URL.
func serveBare(b *testing.B, cfg *tls.Config, protos *http.Protocols, h http.Handler) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	hs := &http.Server{Handler: h, TLSConfig: cfg, Protocols: protos, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(tls.NewListener(ln, cfg)) }()
	b.Cleanup(func() { _ = hs.Close() })
	return "https://localhost:" + portOf(ln.Addr())
}

// BenchmarkARM_PutVNet creates VNets one after another: every PUT is
// acknowledged only once it is durable, so this is one fsync per request.
func BenchmarkARM_PutVNet(b *testing.B) {
	e := startBench(b)
	var i int
	runClients(b, 1, func() error {
		i++
		return e.hit(http.MethodPut, e.URL+e.vnetPath(fmt.Sprintf("vnet-%07d", i)), benchVNetBody, http.StatusCreated)
	})
}

// BenchmarkARM_PutRouteTableParallel creates route tables with unique names
// from benchClients concurrent clients: durable PUTs per second under
// concurrency, where the store's group commit shares fsyncs (target ≥ 2,000).
func BenchmarkARM_PutRouteTableParallel(b *testing.B) {
	putParallel(b, "rt-", (*benchEnv).routeTablePath, benchRouteTableBody)
}

// BenchmarkARM_PutVNetParallel is BenchmarkARM_PutRouteTableParallel for
// VNets with two inline subnets, the heavier document.
func BenchmarkARM_PutVNetParallel(b *testing.B) {
	putParallel(b, "vnet-", (*benchEnv).vnetPath, benchVNetBody)
}

// putParallel creates resources at path with unique names (prefix and a
// sequence number) and body from benchClients concurrent clients.
func putParallel(b *testing.B, prefix string, path func(*benchEnv, string) string, body string) {
	e := startBench(b)
	var seq atomic.Int64
	runClients(b, benchClients, func() error {
		name := fmt.Sprintf("%s%08d", prefix, seq.Add(1))
		return e.hit(http.MethodPut, e.URL+path(e, name), body, http.StatusCreated)
	})
}

// benchRouteTables and benchRoutesPerTable shape BenchmarkARM_PutRouteParallel:
// an AKS route controller keeps one route per node in its cluster's route
// table, so the benchmark spreads its routes over one table per client.
const (
	benchRouteTables    = benchClients
	benchRoutesPerTable = 100
)

// BenchmarkARM_PutRouteParallel PUTs routes, the child resource, from
// benchClients concurrent clients into benchRouteTables tables of up to
// benchRoutesPerTable routes: the first round creates them (201), later ones
// replace them (200). Every PUT checks the table's other routes and renders
// the table again with all of them.
func BenchmarkARM_PutRouteParallel(b *testing.B) {
	e := startBench(b)
	for t := range benchRouteTables {
		e.mustDo(b, http.MethodPut, e.routeTablePath(fmt.Sprintf("rt-%02d", t)), `{"location":"eastus"}`)
	}
	var seq atomic.Int64
	runClients(b, benchClients, func() error {
		n := seq.Add(1) - 1
		t, r := n%benchRouteTables, (n/benchRouteTables)%benchRoutesPerTable
		path := e.rg + fmt.Sprintf("/providers/Microsoft.Network/routeTables/rt-%02d/routes/node-%03d?api-version=%s", t, r, benchNetAPIVersion)
		body := fmt.Sprintf(`{"properties":{"addressPrefix":"10.244.%d.0/24","nextHopType":"VirtualAppliance","nextHopIpAddress":"10.240.0.%d"}}`, r, 4+r)
		code, out, err := e.do(http.MethodPut, path, body)
		if err == nil && code != http.StatusCreated && code != http.StatusOK {
			err = fmt.Errorf("PUT %s: %d %s", path, code, out)
		}
		return err
	})
}

// BenchmarkBareTLS_DurablePut is the floor of any durable PUT over HTTPS on
// this machine: a bare net/http handler, behind aksnet's certificate and
// TLS settings, that reads the VNet body and stores it as a stored VNet's
// bytes under a new key with bbolt's batching tuned as in
// BenchmarkBoltBatch_Put, answering 201 with the stored document once it is
// durable; the same 32 clients drive it. No authentication, validation or
// rendering: what aksnet's PUT adds is its rate against this one.
func BenchmarkBareTLS_DurablePut(b *testing.B) {
	e, doc, store := batchStore(b)
	putNewVNets(b, e, serveBareTLS(b, e.Env, durablePutHandler(doc, store)))
}

// BenchmarkBareH2_DurablePut is BenchmarkBareTLS_DurablePut over HTTP/2,
// which the Azure SDK's transport asks for (ForceAttemptHTTP2) wherever a
// server offers it: the server offers h2 beside http/1.1 and the 32 clients
// share the client's HTTP/2 connection. It shows whether serving h2 would
// raise the floor (aksnetd serves HTTP/1.1 only).
func BenchmarkBareH2_DurablePut(b *testing.B) {
	e, doc, store := batchStore(b)
	cfg := e.Plane.TLSConfig().Clone()
	cfg.NextProtos = []string{"h2", "http/1.1"}
	var protos http.Protocols
	protos.SetHTTP1(true)
	protos.SetHTTP2(true)
	base := serveBare(b, cfg, &protos, durablePutHandler(doc, store))
	tr := e.HTTP.Transport.(*http.Transport).Clone() // the other benchmarks' client, asking for h2
	tr.ForceAttemptHTTP2 = true
	b.Cleanup(tr.CloseIdleConnections)
	e.HTTP = &http.Client{Transport: tr, Timeout: time.Minute}
	resp, err := e.HTTP.Get(base + "/")
	if err != nil {
		b.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.ProtoMajor != 2 {
		b.Fatalf("the client spoke %s, not HTTP/2", resp.Proto)
	}
	putNewVNets(b, e, base)
}

// putNewVNets is the floors' measured load: benchClients clients PUT VNets
// with new names to base, each expecting 201.
func putNewVNets(b *testing.B, e *benchEnv, base string) {
	var n atomic.Int64
	runClients(b, benchClients, func() error {
		return e.hit(http.MethodPut, base+e.vnetPath(fmt.Sprintf("vnet-%08d", n.Add(1))), benchVNetBody, http.StatusCreated)
	})
}

// durablePutHandler is the floor's handler: it reads the body, stores doc
// durably with store and answers 201 with doc.
func durablePutHandler(doc []byte, store func() error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := store(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(doc)
	})
}

// batchStore starts a bench environment holding one stored VNet with two
// subnets, doc, and returns store, which puts doc under a new key of a
// bbolt database in a temporary directory with bbolt's batching tuned for
// benchClients writers (MaxBatchSize the number of writers, a 1 ms
// MaxBatchDelay): each put is durable when store returns, and concurrent
// puts share an fsync.
func batchStore(b *testing.B) (e *benchEnv, doc []byte, store func() error) {
	b.Helper()
	e = startBench(b)
	e.mustDo(b, http.MethodPut, e.vnetPath("vnet1"), benchVNetBody)
	doc = e.mustDo(b, http.MethodGet, e.vnetPath("vnet1"), "")
	db, err := bbolt.Open(filepath.Join(b.TempDir(), "batch.db"), 0o600, &bbolt.Options{FreelistType: bbolt.FreelistMapType})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	db.MaxBatchSize, db.MaxBatchDelay = benchClients, time.Millisecond
	bucket := []byte("bench")
	if err := db.Update(func(tx *bbolt.Tx) error { _, err := tx.CreateBucketIfNotExists(bucket); return err }); err != nil {
		b.Fatal(err)
	}
	var seq atomic.Int64
	return e, doc, func() error {
		key := fmt.Appendf(nil, "vnet-%08d", seq.Add(1))
		return db.Batch(func(tx *bbolt.Tx) error { return tx.Bucket(bucket).Put(key, doc) })
	}
}

// BenchmarkBoltBatch_Put is the same-run baseline of the durable PUT
// benchmarks: bbolt alone, tuned for this load, with nothing of aksnet. Its
// benchClients writers each put one new key whose value is as large as a
// stored VNet with two subnets, through db.Batch with MaxBatchSize set to
// the number of writers and a 1 ms MaxBatchDelay: every put is durable when
// Batch returns, and concurrent puts share an fsync.
func BenchmarkBoltBatch_Put(b *testing.B) {
	_, _, store := batchStore(b)
	runClients(b, benchClients, store)
}
