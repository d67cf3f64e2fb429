// Command armload is a small HTTPS load generator for aksnet's ARM front
// door, and the bare TLS server that is its baseline.
//
// Load mode sends one request over and over from -c concurrent clients for
// -d (after a -warmup that is not counted), then prints the request rate and
// the p50 and p99 latency:
//
//	armload -state-dir D -method GET -url 'https://localhost:8443/subscriptions/…?api-version=2024-05-01'
//
// With -state-dir it trusts the state dir's CA and signs in as its admin
// principal (client credentials against /adfs/oauth2/token), sending the
// bearer token with every request (-token-url signs in against another
// server than -url's, so that the baseline gets the same token). "{n}" in -url is replaced by a number
// unique to the request, for PUTs that create. -n stops after that many
// requests instead (with -wait to retry until the server is up), which is
// how bench/arm.sh makes its fixtures.
//
// Serve mode (-serve-bare) is the baseline: a bare net/http handler with the
// certificate and TLS settings of the state dir, answering every request
// with the bytes of -body-file:
//
//	armload -serve-bare -state-dir D -body-file vnet.json -addr-file addr
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aksnet/aksnet/bench/cmd/internal/armconn"
	"github.com/aksnet/aksnet/internal/pki"
)

type options struct {
	serveBare bool
	listen    string
	addrFile  string
	stateDir  string
	noAuth    bool
	tokenURL  string

	url      string
	method   string
	body     string
	bodyFile string
	conc     int
	dur      time.Duration
	warmup   time.Duration
	n        int
	wait     time.Duration
	expect   string
	saveBody string
	label    string
	jsonOut  bool
	jsonFile string
	srvPID   int
}

func main() {
	var o options
	flag.BoolVar(&o.serveBare, "serve-bare", false, "run the bare TLS baseline server instead of generating load")
	flag.StringVar(&o.listen, "listen", "127.0.0.1:0", "serve mode: address to listen on")
	flag.StringVar(&o.addrFile, "addr-file", "", "serve mode: write the server's base URL to this file once listening")
	flag.StringVar(&o.stateDir, "state-dir", "", "aksnet state dir: CA to trust, admin credentials, and (serve mode) the server certificate")
	flag.BoolVar(&o.noAuth, "no-auth", false, "load mode: send no bearer token")
	flag.StringVar(&o.tokenURL, "token-url", "", "load mode: aksnet base URL to sign in against (default: the scheme and host of -url)")
	flag.StringVar(&o.url, "url", "", "load mode: URL to request; {n} is replaced by a unique number")
	flag.StringVar(&o.method, "method", http.MethodGet, "load mode: HTTP method")
	flag.StringVar(&o.body, "body", "", "load mode: request body")
	flag.StringVar(&o.bodyFile, "body-file", "", "request body (load mode) or answer body (serve mode) read from a file")
	flag.IntVar(&o.conc, "c", 32, "load mode: concurrent clients (one connection each)")
	flag.DurationVar(&o.dur, "d", 3*time.Second, "load mode: measured duration")
	flag.DurationVar(&o.warmup, "warmup", 500*time.Millisecond, "load mode: unmeasured warm-up before -d")
	flag.IntVar(&o.n, "n", 0, "load mode: send exactly this many requests (no warm-up) and fail on any unexpected status")
	flag.DurationVar(&o.wait, "wait", 0, "load mode with -n: retry connection errors for this long (server starting)")
	flag.StringVar(&o.expect, "expect", "200,201", "load mode: statuses that count as success")
	flag.StringVar(&o.saveBody, "save-body", "", "load mode: write the last successful answer's body to this file")
	flag.StringVar(&o.label, "label", "", "load mode: label for the result line")
	flag.BoolVar(&o.jsonOut, "json", false, "load mode: print the result as one JSON object")
	flag.IntVar(&o.srvPID, "server-pid", 0, "load mode: also report the CPU time this server process spends per request (Linux /proc)")
	flag.StringVar(&o.jsonFile, "json-file", "", "load mode: also append the result as one JSON line to this file")
	flag.Parse()

	var err error
	if o.serveBare {
		err = serveBare(o)
	} else {
		err = load(o)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "armload:", err)
		os.Exit(1)
	}
}

// serveBare runs the baseline server until SIGINT or SIGTERM.
func serveBare(o options) error {
	if o.stateDir == "" || o.bodyFile == "" {
		return errors.New("-serve-bare needs -state-dir and -body-file")
	}
	body, err := os.ReadFile(o.bodyFile)
	if err != nil {
		return err
	}
	// The same certificate and TLS settings aksnet serves with.
	bundle, err := pki.Ensure(o.stateDir)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			_, _ = w.Write(body)
		}),
		TLSConfig:         bundle.TLSConfig(),
		ReadHeaderTimeout: 10 * time.Second,
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	base := "https://localhost:" + port
	if o.addrFile != "" {
		if err := os.WriteFile(o.addrFile, []byte(base+"\n"), 0o644); err != nil {
			return err
		}
	}
	fmt.Println("bare TLS baseline serving", base)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(tls.NewListener(ln, hs.TLSConfig)) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return hs.Close()
	}
}

// result is one load run's outcome.
type result struct {
	Label       string  `json:"label,omitempty"`
	Method      string  `json:"method"`
	URL         string  `json:"url"`
	Concurrency int     `json:"concurrency"`
	Seconds     float64 `json:"seconds"`
	Requests    int     `json:"requests"`
	Errors      int     `json:"errors"`
	ReqPerSec   float64 `json:"req_per_s"`
	P50Ms       float64 `json:"p50_ms"`
	P99Ms       float64 `json:"p99_ms"`
	// CPU time per request, in µs, of the server (with -server-pid) and
	// of armload itself, over the measured window. They stay meaningful
	// when other processes share the machine.
	ServerCPUUs float64 `json:"server_cpu_us,omitempty"`
	ClientCPUUs float64 `json:"client_cpu_us"`
}

// parseExpect parses -expect, a comma-separated list of HTTP status codes.
func parseExpect(list string) (map[int]bool, error) {
	expect := map[int]bool{}
	for s := range strings.SplitSeq(list, ",") {
		code, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("-expect: %w", err)
		}
		expect[code] = true
	}
	return expect, nil
}

// appendLine appends line and a newline to the file at path, creating it.
func appendLine(path string, line []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(append(line, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func load(o options) error {
	if o.url == "" {
		return errors.New("-url is required (or -serve-bare)")
	}
	if o.conc < 1 {
		return errors.New("-c must be at least 1")
	}
	body := []byte(o.body)
	if o.bodyFile != "" {
		b, err := os.ReadFile(o.bodyFile)
		if err != nil {
			return err
		}
		body = b
	}
	expect, err := parseExpect(o.expect)
	if err != nil {
		return err
	}
	// One idle connection per worker, twice over.
	hc, err := armconn.Client(o.stateDir, o.conc*2, 30*time.Second)
	if err != nil {
		return err
	}
	auth, err := authorization(hc, o)
	if err != nil {
		return err
	}
	l := &loader{hc: hc, url: o.url, method: o.method, body: body, auth: auth, expect: expect, run: strconv.Itoa(os.Getpid())}
	if o.n > 0 {
		return l.exactly(o)
	}
	res := l.measure(o)
	res.Label = o.label
	js, _ := json.Marshal(res)
	if o.jsonFile != "" {
		if err := appendLine(o.jsonFile, js); err != nil {
			return err
		}
	}
	printResult(res, js, o.jsonOut)
	if l.firstErr.Load() != nil {
		fmt.Fprintln(os.Stderr, "armload: first error:", *l.firstErr.Load())
	}
	if res.Requests == 0 {
		return errors.New("no request succeeded")
	}
	return nil
}

// authorization is the Authorization header for the load: a bearer token
// for the admin of the state directory, from the token endpoint of the
// server at -token-url or -url; none without a state directory or with
// -no-auth.
func authorization(hc *http.Client, o options) (string, error) {
	if o.stateDir == "" || o.noAuth {
		return "", nil
	}
	server := o.url
	if o.tokenURL != "" {
		server = o.tokenURL
	}
	tok, err := armconn.AdminToken(hc, server, o.stateDir, o.wait)
	if err != nil {
		return "", err
	}
	return "Bearer " + tok, nil
}

// printResult prints the result as JSON (js) or as one key=value line.
func printResult(res result, js []byte, jsonOut bool) {
	if jsonOut {
		fmt.Println(string(js))
	} else {
		fmt.Printf("label=%s method=%s c=%d seconds=%.2f requests=%d errors=%d req_per_s=%.0f p50_ms=%.3f p99_ms=%.3f server_cpu_us=%.1f client_cpu_us=%.1f\n",
			orDash(res.Label), res.Method, res.Concurrency, res.Seconds, res.Requests, res.Errors, res.ReqPerSec, res.P50Ms, res.P99Ms, res.ServerCPUUs, res.ClientCPUUs)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

type loader struct {
	hc       *http.Client
	url      string
	method   string
	body     []byte
	auth     string
	expect   map[int]bool
	run      string // makes {n} unique across runs too
	seq      atomic.Int64
	firstErr atomic.Pointer[string]
	saveMu   sync.Mutex
	saved    []byte
}

// one sends a request and reports whether it succeeded.
func (l *loader) one(keep bool) (bool, error) {
	u := l.url
	if strings.Contains(u, "{n}") {
		u = strings.ReplaceAll(u, "{n}", l.run+"x"+strconv.FormatInt(l.seq.Add(1), 10))
	}
	var rd io.Reader
	if len(l.body) > 0 {
		rd = bytes.NewReader(l.body)
	}
	req, err := http.NewRequest(l.method, u, rd)
	if err != nil {
		return false, err
	}
	if l.auth != "" {
		req.Header.Set("Authorization", l.auth)
	}
	if len(l.body) > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := l.hc.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	if !l.expect[resp.StatusCode] || keep {
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return false, err
		}
		if !l.expect[resp.StatusCode] {
			return false, fmt.Errorf("%s %s: %s: %s", l.method, u, resp.Status, b)
		}
		l.saveMu.Lock()
		l.saved = b
		l.saveMu.Unlock()
		return true, nil
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err == nil, err
}

func (l *loader) noteErr(err error) {
	s := err.Error()
	l.firstErr.CompareAndSwap(nil, &s)
}

// exactly sends o.n requests from o.c clients; any failure fails the run.
func (l *loader) exactly(o options) error {
	var left atomic.Int64
	left.Store(int64(o.n))
	deadline := time.Now().Add(o.wait)
	var wg sync.WaitGroup
	for range min(o.conc, o.n) {
		wg.Go(func() {
			for left.Add(-1) >= 0 {
				for {
					_, err := l.one(o.saveBody != "")
					if err == nil {
						break
					}
					var ne net.Error
					var oe *net.OpError
					if (errors.As(err, &oe) || errors.As(err, &ne)) && time.Now().Before(deadline) {
						time.Sleep(50 * time.Millisecond)
						continue
					}
					l.noteErr(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if p := l.firstErr.Load(); p != nil {
		return errors.New(*p)
	}
	if o.saveBody != "" {
		if err := os.WriteFile(o.saveBody, l.saved, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// measure runs o.c clients for o.warmup+o.dur and summarises the requests
// that completed inside the measured window.
func (l *loader) measure(o options) result {
	start := time.Now()
	from, until := start.Add(o.warmup), start.Add(o.warmup+o.dur)
	lat := make([][]time.Duration, o.conc)
	errs := make([]int, o.conc)
	// CPU snapshots at the edges of the measured window.
	var srv0, srv1, cli0, cli1 time.Duration
	var snaps sync.WaitGroup
	snaps.Go(func() {
		time.Sleep(time.Until(from))
		srv0, cli0 = procCPU(o.srvPID), selfCPU()
		time.Sleep(time.Until(until))
		srv1, cli1 = procCPU(o.srvPID), selfCPU()
	})
	var wg sync.WaitGroup
	for w := range o.conc {
		wg.Go(func() {
			mine := make([]time.Duration, 0, 4096)
			for {
				t0 := time.Now()
				if !t0.Before(until) {
					break
				}
				ok, err := l.one(false)
				t1 := time.Now()
				if t0.Before(from) || t1.After(until) {
					continue // warm-up, or finished after the window closed
				}
				if !ok {
					errs[w]++
					if err != nil {
						l.noteErr(err)
					}
					continue
				}
				mine = append(mine, t1.Sub(t0))
			}
			lat[w] = mine
		})
	}
	wg.Wait()
	snaps.Wait()
	if o.saveBody != "" {
		_, _ = l.one(true)
		_ = os.WriteFile(o.saveBody, l.saved, 0o644)
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	res := result{Method: l.method, URL: l.url, Concurrency: o.conc, Seconds: o.dur.Seconds(), Requests: len(all)}
	for _, e := range errs {
		res.Errors += e
	}
	res.ReqPerSec = float64(len(all)) / o.dur.Seconds()
	res.P50Ms = ms(percentile(all, 0.50))
	res.P99Ms = ms(percentile(all, 0.99))
	if n := len(all); n > 0 {
		if o.srvPID > 0 {
			res.ServerCPUUs = float64((srv1 - srv0).Microseconds()) / float64(n)
		}
		res.ClientCPUUs = float64((cli1 - cli0).Microseconds()) / float64(n)
	}
	return res
}

// selfCPU is the user and system CPU time armload has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU is the user and system CPU time of process pid, from
// /proc/pid/stat (fields 14 and 15, in clock ticks of 1/100 s), or 0.
func procCPU(pid int) time.Duration {
	if pid <= 0 {
		return 0
	}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name, field 2, is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(raw, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(raw[i+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, uerr := strconv.ParseInt(f[11], 10, 64)
	st, serr := strconv.ParseInt(f[12], 10, 64)
	if uerr != nil || serr != nil {
		return 0
	}
	const userHZ = 100
	return time.Duration(ut+st) * time.Second / userHZ
}

func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
