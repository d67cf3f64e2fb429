// Command memload measures the aksnet server's resident memory: it starts
// aksnetd (`aksnet serve`) on a fresh state dir, creates kubenet clusters of 3 nodes
// (each on its own subnet, as kubenet requires) and reads the server's
// VmRSS, then again after a burst of GETs, and optionally after create/delete
// cycles. It prints one JSON object.
package main

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aksnet/aksnet/bench/cmd/internal/armconn"
	"github.com/aksnet/aksnet/internal/statedir"
)

type result struct {
	Clusters       int       `json:"clusters"`
	Resources      int       `json:"resources"`
	RSSIdleMiB     float64   `json:"rssIdleMiB"`
	RSSClustersMiB float64   `json:"rssAfterClustersMiB"`
	RSSGetsMiB     float64   `json:"rssAfterGetsMiB"`
	Gets           int       `json:"gets"`
	CycleRSSMiB    []float64 `json:"rssAfterCyclesMiB,omitempty"`
	CreateSeconds  float64   `json:"createSeconds"`
}

func main() {
	bin := flag.String("aksnetd", "aksnetd", "the aksnetd binary (the server aksnet serve runs)")
	clusters := flag.Int("clusters", 100, "kubenet clusters of 3 nodes to create")
	gets := flag.Int("gets", 10000, "GETs to send after creating the clusters")
	cycles := flag.Int("cycles", 0, "create/delete cycles of 10 clusters after the GETs")
	flag.Parse()
	if err := run(*bin, *clusters, *gets, *cycles); err != nil {
		fmt.Fprintln(os.Stderr, "memload:", err)
		os.Exit(1)
	}
}

type client struct {
	base, sub, token string
	http             *http.Client
}

func (c *client) do(method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, nil, fmt.Errorf("encode the body of %s %s: %w", method, path, err)
		}
		rd = bytes.NewReader(raw)
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	// Each provider checks the api-version against its own list: the identity RP has no 2024-05-01.
	version := "2024-05-01"
	if strings.Contains(path, "/Microsoft.ManagedIdentity/") {
		version = "2023-01-31"
	}
	req, err := http.NewRequest(method, c.base+path+sep+"api-version="+version, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func (c *client) must(method, path string, body any) []byte {
	st, b, err := c.do(method, path, body)
	if err != nil || st >= 300 {
		panic(fmt.Sprintf("%s %s: %d %v %s", method, path, st, err, b))
	}
	return b
}

// rssMiB is the resident set size of process pid in MiB, from
// /proc/pid/status, or -1 when it can't be read.
func rssMiB(pid int) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			if len(f) < 2 {
				return -1
			}
			kb, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				return -1
			}
			return kb / 1024
		}
	}
	return -1
}

func freePort() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	_, p, _ := net.SplitHostPort(ln.Addr().String())
	return p
}

func run(bin string, nClusters, nGets, cycles int) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%v", p)
		}
	}()
	dir, err := os.MkdirTemp("", "aksnet-memload-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	port := freePort()
	srv := exec.Command(bin, "--state-dir", dir, "--listen", "127.0.0.1:"+port, "--log-level", "error")
	srv.Stdout, srv.Stderr = io.Discard, os.Stderr
	srv.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() { _ = srv.Process.Kill(); _ = srv.Wait() }()
	c := &client{base: "https://localhost:" + port}
	creds, err := c.waitReady(dir, 20*time.Second)
	if err != nil {
		return err
	}
	c.sub = creds.SubscriptionID
	if c.token, err = creds.Token(c.http, c.base); err != nil {
		return err
	}
	res := result{Clusters: nClusters, Gets: nGets}
	res.RSSIdleMiB = rssMiB(srv.Process.Pid)

	f := newFixture(c)
	start := time.Now()
	for i := range nClusters {
		f.create(i)
	}
	res.CreateSeconds = time.Since(start).Seconds()
	_, body, _ := c.do("GET", "/subscriptions/"+c.sub+"/resources", nil)
	_ = body
	res.Resources = countResources(c, nClusters)
	res.RSSClustersMiB = rssMiB(srv.Process.Pid)

	f.getClusters(nClusters, nGets)
	res.RSSGetsMiB = rssMiB(srv.Process.Pid)
	for range cycles {
		f.cycle(nClusters)
		res.CycleRSSMiB = append(res.CycleRSSMiB, rssMiB(srv.Process.Pid))
	}
	out, _ := json.MarshalIndent(res, "", "  ")
	fmt.Println(string(out))
	return nil
}

// waitReady waits until the server in dir has written its admin
// credentials and CA and answers /healthz over TLS, then sets c's HTTP
// client to trust that CA.
func (c *client) waitReady(dir string, timeout time.Duration) (*statedir.Credentials, error) {
	deadline := time.Now().Add(timeout)
	for {
		creds, rerr := statedir.LoadCredentials(dir)
		hc, cerr := armconn.Client(dir, 32, 0)
		if rerr == nil && cerr == nil {
			c.http = hc
			if resp, herr := c.http.Get(c.base + "/healthz"); herr == nil {
				resp.Body.Close()
				return creds, nil
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("server did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// fixture is the resource group, VNet and kubelet identity the load's
// clusters share.
type fixture struct {
	c          *client
	rg, vnet   string
	identityID string
}

// newFixture creates the shared resources and lets the identity join the
// VNet's subnets (Network Contributor on the VNet).
func newFixture(c *client) *fixture {
	f := &fixture{c: c, rg: "/subscriptions/" + c.sub + "/resourceGroups/mem"}
	f.vnet = f.rg + "/providers/Microsoft.Network/virtualNetworks/vnet"
	c.must("PUT", f.rg, map[string]any{"location": "eastus"})
	c.must("PUT", f.vnet, map[string]any{"location": "eastus", "properties": map[string]any{"addressSpace": map[string]any{"addressPrefixes": []string{"172.16.0.0/13"}}}})
	idDoc := c.must("PUT", f.rg+"/providers/Microsoft.ManagedIdentity/userAssignedIdentities/memload-id", map[string]any{"location": "eastus"})
	var ident struct {
		ID         string `json:"id"`
		Properties struct {
			PrincipalID string `json:"principalId"`
		} `json:"properties"`
	}
	_ = json.Unmarshal(idDoc, &ident)
	f.identityID = ident.ID
	c.must("PUT", f.vnet+"/providers/Microsoft.Authorization/roleAssignments/"+uuid(), map[string]any{"properties": map[string]any{
		"roleDefinitionId": "/subscriptions/" + c.sub + "/providers/Microsoft.Authorization/roleDefinitions/4d97b98b-1d4f-4787-a291-c67834d212e7",
		"principalId":      ident.Properties.PrincipalID}})
	return f
}

func (f *fixture) cluster(i int) string {
	return fmt.Sprintf("%s/providers/Microsoft.ContainerService/managedClusters/c%d", f.rg, i)
}

func (f *fixture) subnet(i int) string { return fmt.Sprintf("%s/subnets/s%d", f.vnet, i) }

// create creates subnet i and kubenet cluster i of three nodes in it.
func (f *fixture) create(i int) {
	subnet := f.subnet(i)
	f.c.must("PUT", subnet, map[string]any{"properties": map[string]any{"addressPrefix": fmt.Sprintf("172.%d.%d.0/24", 16+i/256, i%256)}})
	f.c.must("PUT", f.cluster(i), map[string]any{
		"location": "eastus",
		"identity": map[string]any{"type": "UserAssigned", "userAssignedIdentities": map[string]any{f.identityID: map[string]any{}}},
		"properties": map[string]any{
			"agentPoolProfiles": []any{map[string]any{"name": "nodepool1", "count": 3, "vnetSubnetID": subnet, "mode": "System"}},
			"networkProfile":    map[string]any{"networkPlugin": "kubenet"},
		}})
}

// getClusters GETs the first nClusters clusters round robin, nGets in all,
// from 8 workers at once.
func (f *fixture) getClusters(nClusters, nGets int) {
	var wg sync.WaitGroup
	per := nGets / 8
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				f.c.must("GET", f.cluster((w*per+i)%max(nClusters, 1)), nil)
			}
		}()
	}
	wg.Wait()
}

// cycle creates ten more clusters after the first n, then deletes them
// and their subnets.
func (f *fixture) cycle(n int) {
	for i := range 10 {
		f.create(n + i)
	}
	for i := range 10 {
		f.c.must("DELETE", f.cluster(n+i), nil)
		f.c.must("DELETE", f.subnet(n+i), nil)
	}
}

// countResources counts the ARM resources in the subscription: the user's
// group plus each cluster's node resource group.
func countResources(c *client, n int) int {
	total := 0
	groups := []string{"mem"}
	for i := range n {
		groups = append(groups, fmt.Sprintf("MC_mem_c%d_eastus", i))
	}
	for _, g := range groups {
		_, b, _ := c.do("GET", "/subscriptions/"+c.sub+"/resourceGroups/"+g+"/resources", nil)
		var page struct {
			Value []json.RawMessage `json:"value"`
		}
		_ = json.Unmarshal(b, &page)
		total += len(page.Value) + 1
	}
	return total
}

func uuid() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
