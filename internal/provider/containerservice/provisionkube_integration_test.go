package containerservice_test

import (
	"encoding/base64"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/armtest"
	"github.com/aksnet/aksnet/internal/kubesup"
)

// A create reaches Succeeded only once the cluster's Kubernetes API exists
// (issue 17 point 7; AKS reports Succeeded when its API server answers):
// when the SDK's poller returns, the cluster's PKI and port are in place,
// without a control plane process, which starts lazily on the first
// connection (issue 16 point 6); and the credentials handed out afterwards
// name that very port.
func TestCreateSucceedsOnceKubernetesAPIExists(t *testing.T) {
	h := kubeHarness(t)
	rg := armtest.RGName(t)
	n := h.articleNetwork(rg)
	mc := h.mustPutCluster(rg, "myAKSCluster", kubenetCluster(n.subnetID, n.identityID, 3))
	if got := str(mc.Properties.ProvisioningState); got != "Succeeded" {
		t.Fatalf("provisioningState %q", got)
	}
	dir := kubesup.DirOf(filepath.Join(h.Env.StateDir, "kube"), *mc.ID, "myAKSCluster")
	port, err := os.ReadFile(filepath.Join(dir, "port"))
	if err != nil {
		t.Fatalf("the cluster is Succeeded but its Kubernetes API has no port: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "pki")); err != nil {
		t.Fatalf("the cluster is Succeeded but has no PKI: %v", err)
	}
	kubeFake.mu.Lock()
	for _, argv := range kubeFake.argv {
		if strings.Contains(strings.Join(argv, " "), dir) {
			t.Errorf("a control plane was started for a cluster nobody used: %q", argv)
		}
	}
	kubeFake.mu.Unlock()

	r := h.credential(rg, "myAKSCluster", "listClusterUserCredential")
	if r.Status != http.StatusOK {
		t.Fatalf("credentials: %d %s", r.Status, r.Body)
	}
	var res struct {
		Kubeconfigs []struct{ Value string } `json:"kubeconfigs"`
	}
	r.Decode(t, &res)
	raw, err := base64.StdEncoding.DecodeString(res.Kubeconfigs[0].Value)
	if err != nil {
		t.Fatal(err)
	}
	p, err := strconv.Atoi(strings.TrimSpace(string(port)))
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://127.0.0.1:" + strconv.Itoa(p); !strings.Contains(string(raw), want) {
		t.Errorf("the kubeconfig does not name the provisioned port %s:\n%s", want, raw)
	}
}

// A create whose Kubernetes API cannot be provisioned (here: a file stands
// where the cluster's directory goes, which fails even as root) ends as
// Failed with the cause, instead of staying Creating forever; once the cause
// is gone, the next operation on the cluster provisions it and succeeds.
func TestCreateFailsWhenKubernetesAPICannotBeProvisioned(t *testing.T) {
	h := kubeHarness(t)
	rg := armtest.RGName(t)
	n := h.articleNetwork(rg)
	id := "/subscriptions/" + h.Sub + "/resourceGroups/" + rg + "/providers/Microsoft.ContainerService/managedClusters/myAKSCluster"
	dir := kubesup.DirOf(filepath.Join(h.Env.StateDir, "kube"), id, "myAKSCluster")
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, []byte("in the way"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := h.putCluster(rg, "myAKSCluster", kubenetCluster(n.subnetID, n.identityID, 3))
	if err == nil {
		t.Fatal("the create succeeded although its Kubernetes API could not be provisioned")
	}
	for _, want := range []string{"InternalOperationError", "could not be provisioned", "myAKSCluster"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the create's error does not say %q:\n%v", want, err)
		}
	}
	if got := str(h.cluster(rg, "myAKSCluster").Properties.ProvisioningState); got != "Failed" {
		t.Errorf("provisioningState %q after the failed create, want Failed", got)
	}

	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	mc := h.mustPutCluster(rg, "myAKSCluster", kubenetCluster(n.subnetID, n.identityID, 3))
	if _, err := os.Stat(filepath.Join(kubesup.DirOf(filepath.Join(h.Env.StateDir, "kube"), *mc.ID, "myAKSCluster"), "port")); err != nil {
		t.Errorf("the retried create succeeded without a Kubernetes API: %v", err)
	}
}
