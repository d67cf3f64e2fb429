package kube_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io/fs"
	"log/slog"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aksnet/aksnet/internal/armtest"
	"github.com/aksnet/aksnet/internal/kubeconfig"
	"github.com/aksnet/aksnet/internal/kubesup"
)

// TestDamagedOrMissingEtcdData runs aksnetd's supervisor (internal/kubesup) with the real
// aksnet-kube and kubectl on a cluster with a ConfigMap, then damages its etcd data as a disk or
// a careless hand would: the database truncated, then the etcd directory deleted. Each time
// kubectl gets the control plane's refusal as an error from the server, naming the path, what is
// wrong and how to recover; the supervisor logs it once and does not restart the process; and
// the damaged files are left exactly as they were. Restoring the database (a backup) brings the
// cluster back with its ConfigMap.
func TestDamagedOrMissingEtcdData(t *testing.T) {
	kubectl := needKubectl(t)
	bin := buildKube(t)
	dir := t.TempDir()
	logs := &armtest.SyncBuffer{}
	opts := kubesup.Options{Dir: filepath.Join(dir, "kube"), Binary: bin, Logger: slog.New(slog.NewTextHandler(logs, nil))}
	c := kubesup.Cluster{ID: "/subscriptions/" + sub + "/resourceGroups/myResourceGroup/providers/Microsoft.ContainerService/managedClusters/myAKSCluster",
		Name: "myAKSCluster", FQDN: "myakscluster-myresourcegroup-000000-abcd1234.hcp.eastus.azmk8s.io",
		ServiceCIDR: netip.MustParsePrefix(serviceCIDR), DNSServiceIP: netip.MustParseAddr(dnsServiceIP)}
	for i := range 3 {
		c.Nodes = append(c.Nodes, specNode(i))
	}
	s := kubesup.New(opts)
	acc, err := s.Access(c)
	if err != nil {
		s.Close()
		t.Fatal(err)
	}
	certPEM, keyPEM, err := acc.CA.ClientCert("masterclient", "system:masters")
	if err != nil {
		t.Fatal(err)
	}
	kcBytes, err := kubeconfig.Build(kubeconfig.Params{Name: c.Name, User: "clusterAdmin_myResourceGroup_myAKSCluster", Server: acc.Server,
		TLSServerName: acc.TLSServerName, CAPEM: acc.CA.CertPEM, CertPEM: certPEM, KeyPEM: keyPEM})
	if err != nil {
		t.Fatal(err)
	}
	kc := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kc, kcBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	// k may start the control plane (the supervisor waits for it): runEnv allows 2 minutes.
	k := func(args ...string) []byte {
		return runEnv(t, os.Environ(), kubectl, append([]string{"--kubeconfig", kc}, args...)...)
	}
	kFails := func(args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, kubectl, append([]string{"--kubeconfig", kc}, args...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if out, err := cmd.Output(); err == nil {
			t.Fatalf("kubectl %s succeeded: %s", strings.Join(args, " "), out)
		}
		return stderr.String()
	}
	k("create", "configmap", "survivor", "-n", "default", "--from-literal=k=v")
	s.Close() // aksnetd stops

	clusterDir := kubesup.DirOf(opts.Dir, c.ID, c.Name)
	etcd := filepath.Join(clusterDir, "data", "etcd")
	marker := filepath.Join(clusterDir, "data", "etcd.initialized")
	db := filepath.Join(etcd, "member", "snap", "db")
	backup, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Fatalf("no marker once the control plane ran: %v", err)
	}

	// 1. The database truncated.
	if err := os.Truncate(db, 3*4096); err != nil {
		t.Fatal(err)
	}
	before := fileSums(t, etcd)
	s = kubesup.New(opts) // aksnetd starts again: the port is open before any request
	s.Resume([]kubesup.Cluster{c})
	t0 := time.Now()
	stderr := kFails("get", "configmap", "survivor", "-n", "default")
	t.Logf("measured: connection → kubectl shows the refusal %s; kubectl's last line: %s", time.Since(t0).Round(time.Millisecond), lastLineOf(stderr))
	want := "the etcd data " + etcd + " of this cluster's Kubernetes control plane is damaged ("
	if !strings.Contains(stderr, "Error from server (InternalError): ") || !strings.Contains(stderr, want) || !strings.Contains(stderr, "truncated") || !strings.Contains(stderr, "restore "+etcd+" from a backup") {
		t.Errorf("kubectl on a truncated etcd database printed:\n%s\nwant %q…, naming the truncation and how to recover", stderr, want)
	}
	kFails("get", "nodes") // a second command within the retry window: answered without a new start
	time.Sleep(2 * time.Second)
	if n := strings.Count(logs.String(), "refuses the cluster's etcd data"); n != 1 {
		t.Errorf("the refusal is logged %d times, want once:\n%s", n, logs.String())
	}
	if n := strings.Count(logs.String(), "aksnet-kube started"); n != 2 || strings.Contains(logs.String(), "exited unexpectedly") {
		t.Errorf("aksnet-kube started %d times (want 2: before the damage and once on it), or restarted:\n%s", n, logs.String())
	}
	if after := fileSums(t, etcd); !sameSums(before, after) {
		t.Errorf("the damaged etcd data changed: %d files before, %d after", len(before), len(after))
	}

	// 2. The database restored from the backup: a connection after the retry window finds it and
	// the cluster serves again, with its ConfigMap.
	if err := os.WriteFile(db, backup, 0o600); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Second) // kubesup's refusalRetry
	if got := strings.TrimSpace(string(k("get", "configmap", "survivor", "-n", "default", "-o", "jsonpath={.data.k}"))); got != "v" {
		t.Errorf("ConfigMap survivor after the restore: k=%q, want v", got)
	}
	s.Close()

	// 3. The etcd directory deleted: refused as missing, and not created again.
	if err := os.RemoveAll(etcd); err != nil {
		t.Fatal(err)
	}
	s = kubesup.New(opts)
	defer s.Close()
	s.Resume([]kubesup.Cluster{c})
	stderr = kFails("get", "configmap", "survivor", "-n", "default")
	want = "the etcd data " + etcd + " of this cluster's Kubernetes control plane is missing"
	if !strings.Contains(stderr, "Error from server (InternalError): ") || !strings.Contains(stderr, want) || !strings.Contains(stderr, "remove "+marker+" to start an empty control plane") {
		t.Errorf("kubectl on a deleted etcd directory printed:\n%s\nwant %q…, naming the marker to remove", stderr, want)
	}
	if _, err := os.Stat(etcd); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s after the refusal: %v; want it still absent", etcd, err)
	}
}

// fileSums maps every file under dir to its content's hash.
func fileSums(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	sums := map[string][32]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		sums[p] = sha256.Sum256(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return sums
}

func sameSums(a, b map[string][32]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for p, s := range a {
		if b[p] != s {
			return false
		}
	}
	return true
}

func lastLineOf(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
