package terraform

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aksnet/aksnet/internal/armtest"
	"github.com/aksnet/aksnet/internal/statedir"
)

// tools are the Terraform CLI and the CLI config that install.sh built.
type tools struct {
	terraform string // bin/terraform (1.5.7)
	rc        string // the CLI config naming the azurerm mirror (TF_CLI_CONFIG_FILE)
	provider  string // the version the mirror offers
}

// cacheDir is install.sh's cache directory.
func cacheDir() string {
	if d := os.Getenv("AKSNET_TF_CACHE"); d != "" {
		return d
	}
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		home, _ := os.UserHomeDir()
		base = filepath.Join(home, ".cache")
	}
	return filepath.Join(base, "aksnet", "terraform")
}

// needTools returns install.sh's tools, skipping t where they are absent
// (or under -short) unless AKSNET_TERRAFORM=1 demands them.
func needTools(t testing.TB) tools {
	t.Helper()
	demanded := os.Getenv("AKSNET_TERRAFORM") == "1"
	if testing.Short() && !demanded {
		t.Skip("Terraform end-to-end test: skipped with -short")
	}
	dir := cacheDir()
	tl := tools{terraform: filepath.Join(dir, "bin", "terraform"), rc: filepath.Join(dir, "terraformrc")}
	pv, err := os.ReadFile(filepath.Join(dir, "provider.version"))
	for _, p := range []string{tl.terraform, tl.rc} {
		if _, serr := os.Stat(p); serr != nil && err == nil {
			err = serr
		}
	}
	if err != nil {
		msg := fmt.Sprintf("Terraform 1.5.7 and azurerm are not built in %s (%v): run e2e/terraform/install.sh or make terraform-e2e (the first build takes about 12 minutes)", dir, err)
		if demanded {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	tl.provider = strings.TrimSpace(string(pv))
	return tl
}

// server is a running aksnetd with the aksnet CLI beside it.
type server struct {
	bin      string // the directory holding aksnet and aksnetd
	state    string
	endpoint string // https://127.0.0.1:PORT
	host     string // 127.0.0.1:PORT, azurerm's metadata_host
	creds    *statedir.Credentials
	out      *armtest.SyncBuffer
	http     *http.Client // trusts aksnet's CA
}

// startServer builds aksnet and aksnetd, finds aksnet-kube (every cluster
// read of azurerm lists the user credential, which needs the cluster's
// Kubernetes control plane) and runs aksnetd on a free loopback port until
// the test ends.
func startServer(t testing.TB) *server {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	s := &server{bin: t.TempDir(), state: filepath.Join(t.TempDir(), "state"), out: &armtest.SyncBuffer{}}
	if err := armtest.DependOnSources(); err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-o", s.bin+"/", "./cmd/aksnet", "./cmd/aksnetd")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build aksnet: %v\n%s", err, out)
	}
	kube := kubeBinary(t, root)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	s.host = "127.0.0.1:" + strconv.Itoa(port)
	s.endpoint = "https://" + s.host
	cmd := exec.Command(filepath.Join(s.bin, "aksnetd"), "--state-dir", s.state, "--listen", s.host, "--kube-binary", kube)
	cmd.Stdout, cmd.Stderr = s.out, s.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(60 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(s.out.String(), "aksnet is serving") {
		select {
		case err := <-exited:
			t.Fatalf("aksnetd exited: %v\n%s", err, s.out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("aksnetd did not start\n%s", s.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if s.creds, err = statedir.LoadCredentials(s.state); err != nil {
		t.Fatal(err)
	}
	pem, err := os.ReadFile(filepath.Join(s.state, statedir.CAFile))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("no certificate in %s", statedir.CAFile)
	}
	s.http = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	return s
}

// kubeBinary is aksnet-kube: $AKSNET_KUBE_BINARY, else the repository's
// bin/aksnet-kube, built with make -C kube build when missing (the first
// build compiles Kubernetes: 7-10 minutes on 2 cores).
func kubeBinary(t testing.TB, root string) string {
	t.Helper()
	if b := os.Getenv("AKSNET_KUBE_BINARY"); b != "" {
		return b
	}
	b := filepath.Join(root, "bin", "aksnet-kube")
	if _, err := os.Stat(b); err == nil {
		return b
	}
	t.Log("building aksnet-kube with make -C kube build (the first build compiles Kubernetes: 7-10 minutes on 2 cores)")
	cmd := exec.Command("make", "-s", "-C", filepath.Join(root, "kube"), "build")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build aksnet-kube: %v\n%s", err, out)
	}
	return b
}

// aksnet runs the aksnet CLI against s and returns its standard output.
func (s *server) aksnet(t *testing.T, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, "aksnet"), args...)
	cmd.Env = append(os.Environ(), "AKSNET_ENDPOINT="+s.endpoint, "AKSNET_STATE_DIR="+s.state, "HOME="+filepath.Join(s.state, "clihome"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("aksnet %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// json runs the aksnet CLI with -o json and decodes its answer into v.
func (s *server) json(t *testing.T, v any, args ...string) {
	t.Helper()
	out := s.aksnet(t, append(args, "-o", "json")...)
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("aksnet %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// tfEnv is the environment Terraform runs in: the provider reaches aksnet
// through metadata_host (ARM_METADATA_HOSTNAME), signs in as the admin
// principal of admin.json and trusts aksnet's CA (SSL_CERT_FILE, which Go's
// crypto/x509 reads on Linux), with the azurerm mirror of install.sh.
func (s *server) tfEnv(tl tools, home string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "ARM_") || strings.HasPrefix(kv, "TF_") || strings.HasPrefix(kv, "HOME=") || strings.HasPrefix(kv, "SSL_CERT_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"HOME="+home,
		"TF_CLI_CONFIG_FILE="+tl.rc,
		"TF_IN_AUTOMATION=1",
		"TF_INPUT=0",
		"CHECKPOINT_DISABLE=1",
		"SSL_CERT_FILE="+filepath.Join(s.state, statedir.CAFile),
		"ARM_METADATA_HOSTNAME="+s.host,
		"ARM_TENANT_ID="+s.creds.TenantID,
		"ARM_SUBSCRIPTION_ID="+s.creds.SubscriptionID,
		"ARM_CLIENT_ID="+s.creds.AppID,
		"ARM_CLIENT_SECRET="+s.creds.Password,
	)
}
