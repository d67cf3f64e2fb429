package containerservice_test

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/aksnet/aksnet/internal/armtest"
	"github.com/aksnet/aksnet/internal/kubesup"
	"go.yaml.in/yaml/v2"
)

// readerRole is the built-in Reader role (*/read only).
const readerRole = "acdd72a7-3385-48ef-bd42-f606fba81ae7"

// fakeLauncher stands for aksnet-kube: it records the launches and runs
// nothing (the credential actions never wait for the control plane).
type fakeLauncher struct {
	mu    sync.Mutex
	argv  [][]string
	procs []*fakeProc
}

type fakeProc struct {
	once sync.Once
	done chan struct{}
	args []string
}

func (p *fakeProc) Wait() error        { <-p.done; return nil }
func (p *fakeProc) Stop(time.Duration) { p.once.Do(func() { close(p.done) }) }

// runningIn counts the running control planes whose directory is under
// dir: a test's own cluster's, whatever other tests, or earlier runs of
// the same test (go test -count), left running on the shared planes.
func (l *fakeLauncher) runningIn(dir string) (n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.countRunning(dir)
}

func (l *fakeLauncher) countRunning(dir string) (n int) {
	for _, p := range l.procs {
		if dir != "" && !slices.ContainsFunc(p.args, func(a string) bool { return strings.HasPrefix(a, dir+string(filepath.Separator)) }) {
			continue
		}
		select {
		case <-p.done:
		default:
			n++
		}
	}
	return n
}

func (l *fakeLauncher) Launch(path string, args []string, _ io.Writer) (kubesup.Process, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := &fakeProc{done: make(chan struct{}), args: args}
	l.argv = append(l.argv, append([]string{path}, args...))
	l.procs = append(l.procs, p)
	return p, nil
}

var kubeFake = &fakeLauncher{}

// kubeHarness uses a plane whose control planes are kubeFake's.
func kubeHarness(t testing.TB) *harness {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return harnessOn(t, armtest.Plane(t, "kube", armtest.Options{Kube: kubesup.Options{Binary: self, Launcher: kubeFake}}))
}

// checkKubeNodes starts cluster id's control plane (a credentials request)
// and waits until the nodes.json it is given has count Nodes for which each
// says "".
func (h *harness) checkKubeNodes(rg, id, name string, count int, each func(kubesup.Node) string) {
	h.T.Helper()
	if r := h.credential(rg, name, "listClusterUserCredential"); r.Status != http.StatusOK {
		h.T.Fatalf("credentials: %d %s", r.Status, r.Body)
	}
	path := filepath.Join(kubesup.DirOf(filepath.Join(h.Env.StateDir, "kube"), id, name), "data", "nodes.json")
	armtest.Eventually(h.T, 10*time.Second, func() string {
		nodes, msg := readNodesFile(path, count)
		if msg != "" {
			return msg
		}
		for _, n := range nodes {
			if msg := each(n); msg != "" {
				return msg
			}
		}
		return ""
	})
}

// slowProvisioning is the slow plane's provisioning delay: long enough for
// a test to act while an operation is in flight.
const slowProvisioning = 3 * time.Second

// slowHarness uses a plane that holds AKS operations in flight for
// slowProvisioning, with kubeFake's control planes.
func slowHarness(t testing.TB) *harness {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return harnessOn(t, armtest.Plane(t, "slow", armtest.Options{ProvisioningDelay: slowProvisioning,
		Kube: kubesup.Options{Binary: self, Launcher: kubeFake}}))
}

// readNodesFile reads the nodes.json at path; msg says what is wrong with
// it, or that it has other than count Nodes.
func readNodesFile(path string, count int) (nodes []kubesup.Node, msg string) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err.Error()
	}
	var spec struct{ Nodes []kubesup.Node }
	if err := json.Unmarshal(raw, &spec); err != nil {
		return nil, err.Error()
	}
	if len(spec.Nodes) != count {
		return nil, fmt.Sprintf("nodes.json has %d Nodes, want %d: %s", len(spec.Nodes), count, raw)
	}
	return spec.Nodes, ""
}

type kubeconfigDoc struct {
	Clusters []struct {
		Name    string            `yaml:"name"`
		Cluster map[string]string `yaml:"cluster"`
	} `yaml:"clusters"`
	Contexts []struct {
		Name    string            `yaml:"name"`
		Context map[string]string `yaml:"context"`
	} `yaml:"contexts"`
	Users []struct {
		Name string            `yaml:"name"`
		User map[string]string `yaml:"user"`
	} `yaml:"users"`
	Current string `yaml:"current-context"`
}

func (h *harness) credential(rg, name, action string) armtest.RawResp {
	h.T.Helper()
	return h.Do(http.MethodPost, h.RGID(rg)+"/providers/Microsoft.ContainerService/managedClusters/"+name+"/"+action+"?api-version=2024-05-01", nil)
}

// TestCredentials checks the three credential actions against AKS's
// answer (azure-rest-api-specs, ManagedClusters_ListClusterUserCredentials
// and siblings: CredentialResults {"kubeconfigs":[{"name","value"}]}) and
// the kubeconfig az merges: context and cluster named as the cluster, user
// clusterUser_<rg>_<name> / clusterAdmin_<rg>_<name>, the cluster CA
// embedded and a client certificate it signed.
func TestCredentials(t *testing.T) {
	h := kubeHarness(t)
	rg := armtest.RGName(t)
	n := h.articleNetwork(rg)
	mc := h.mustPutCluster(rg, "myAKSCluster", kubenetCluster(n.subnetID, n.identityID, 3))
	fqdn := str(mc.Properties.Fqdn)

	cases := []struct {
		action, result, user, group string
	}{
		{"listClusterUserCredential", "clusterUser", "clusterUser_" + rg + "_myAKSCluster", "system:masters"},
		{"listClusterAdminCredential", "clusterAdmin", "clusterAdmin_" + rg + "_myAKSCluster", "system:masters"},
		{"listClusterMonitoringUserCredential", "clusterMonitoringUser", "clusterMonitoringUser_" + rg + "_myAKSCluster", "system:monitoring"},
	}
	var servers []string
	for _, tc := range cases {
		t.Run(tc.action, func(t *testing.T) {
			h := h.withT(t)
			r := h.credential(rg, "myAKSCluster", tc.action)
			if r.Status != http.StatusOK {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			var res struct {
				Kubeconfigs []struct{ Name, Value string } `json:"kubeconfigs"`
			}
			r.Decode(t, &res)
			if len(res.Kubeconfigs) != 1 || res.Kubeconfigs[0].Name != tc.result {
				t.Fatalf("kubeconfigs %+v, want one named %s", res.Kubeconfigs, tc.result)
			}
			raw, err := base64.StdEncoding.DecodeString(res.Kubeconfigs[0].Value)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(raw), "insecure-skip-tls-verify") {
				t.Errorf("kubeconfig skips TLS verification:\n%s", raw)
			}
			var kc kubeconfigDoc
			if err := yaml.Unmarshal(raw, &kc); err != nil {
				t.Fatal(err)
			}
			if len(kc.Clusters) != 1 || len(kc.Contexts) != 1 || len(kc.Users) != 1 {
				t.Fatalf("want one cluster, context and user:\n%s", raw)
			}
			cl, ctx, user := kc.Clusters[0], kc.Contexts[0], kc.Users[0]
			if cl.Name != "myAKSCluster" || ctx.Name != "myAKSCluster" || kc.Current != "myAKSCluster" ||
				ctx.Context["cluster"] != "myAKSCluster" || ctx.Context["user"] != tc.user || user.Name != tc.user {
				t.Errorf("names wrong, want cluster/context myAKSCluster and user %s:\n%s", tc.user, raw)
			}
			if !strings.HasPrefix(cl.Cluster["server"], "https://127.0.0.1:") || cl.Cluster["tls-server-name"] != fqdn {
				t.Errorf("server %q tls-server-name %q, want loopback and the fqdn %q", cl.Cluster["server"], cl.Cluster["tls-server-name"], fqdn)
			}
			servers = append(servers, cl.Cluster["server"])
			ca := decodeCert(t, cl.Cluster["certificate-authority-data"])
			cert := decodeCert(t, user.User["client-certificate-data"])
			pool := x509.NewCertPool()
			pool.AddCert(ca)
			if _, err := cert.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
				t.Errorf("client certificate not signed by the embedded CA: %v", err)
			}
			if !slices.Equal(cert.Subject.Organization, []string{tc.group}) {
				t.Errorf("client certificate groups %v, want [%s]", cert.Subject.Organization, tc.group)
			}
			if user.User["client-key-data"] == "" {
				t.Error("no client key")
			}
		})
	}
	if len(servers) == 3 && (servers[0] != servers[1] || servers[1] != servers[2]) {
		t.Errorf("the credentials name different servers: %v", servers)
	}
	// The same credential every time, as AKS's local accounts until a
	// certificate rotation: a second az aks get-credentials merges quietly.
	if a, b := h.credential(rg, "myAKSCluster", "listClusterUserCredential"), h.credential(rg, "myAKSCluster", "listClusterUserCredential"); string(a.Body) != string(b.Body) {
		t.Error("two user credential requests answered different kubeconfigs")
	}

	// The nodes.json aksnet-kube reads: one Node per instance, with the
	// route table's pod CIDRs and the NICs' addresses.
	dir := kubesup.DirOf(filepath.Join(h.Env.StateDir, "kube"), *mc.ID, "myAKSCluster")
	l := h.layoutOf(rg, "myAKSCluster")
	ips, cidrs := l.ipsAndCIDRs()
	checkSpec := func(count int) string {
		nodes, msg := readNodesFile(filepath.Join(dir, "data", "nodes.json"), count)
		if msg != "" {
			return msg
		}
		for _, n := range nodes {
			if !strings.HasPrefix(n.ProviderID, "azure:///subscriptions/"+h.Sub+"/resourceGroups/mc_"+strings.ToLower(rg)+"_myakscluster_eastus/providers/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-") ||
				n.MaxPods != 110 || n.Labels["kubernetes.azure.com/mode"] != "system" || n.Labels["topology.kubernetes.io/region"] != "eastus" {
				return fmt.Sprintf("node wrong: %+v", n)
			}
		}
		return ""
	}
	if msg := checkSpec(3); msg != "" {
		t.Fatal(msg)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "data", "nodes.json"))
	for i := range ips {
		if !strings.Contains(string(raw), `"`+ips[i]+`"`) || !strings.Contains(string(raw), `"`+cidrs[i]+`"`) {
			t.Errorf("nodes.json lacks %s / %s: %s", ips[i], cidrs[i], raw)
		}
	}
	// A scale rewrites it; a delete stops the control plane and removes
	// its data.
	if _, err := h.scaleCluster(rg, "myAKSCluster", 5); err != nil {
		t.Fatal(err)
	}
	armtest.Eventually(t, 5*time.Second, func() string { return checkSpec(5) })
	if kubeFake.runningIn(dir) == 0 {
		t.Error("no control plane runs after the credentials request")
	}
	h.deleteCluster(rg, "myAKSCluster")
	armtest.Eventually(t, 5*time.Second, func() string {
		if _, err := os.Stat(dir); err == nil {
			return "the cluster's kube directory is still there"
		}
		if n := kubeFake.runningIn(dir); n != 0 {
			return "a control plane still runs after the delete"
		}
		return ""
	})
}

func decodeCert(t *testing.T, b64 string) *x509.Certificate {
	t.Helper()
	der, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(der)
	if block == nil {
		t.Fatalf("no PEM in %q", b64)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCredentialsBadInput: a missing cluster is ARM's 404, a Reader is
// refused the credential actions (they need the listCluster…Credential
// actions, which */read does not hold), and a server without aksnet-kube
// says how to build it instead of failing with a 500.
func TestCredentialsBadInput(t *testing.T) {
	h := kubeHarness(t)
	rg := armtest.RGName(t)
	n := h.articleNetwork(rg)
	h.mustPutCluster(rg, "c1", kubenetCluster(n.subnetID, n.identityID, 1))

	r := h.credential(rg, "nope", "listClusterUserCredential")
	armtest.WantError{Status: http.StatusNotFound, Code: "ResourceNotFound", Mentions: []string{"nope"}}.Check(t, r.APIErr(t))

	// A cluster created with disableLocalAccounts: AKS refuses every static credential, the user one
	// too on a cluster without Entra integration (see checkLocalAccounts for the sources).
	noLocal := kubenetCluster("", "", 1)
	noLocal.Properties.DisableLocalAccounts = to.Ptr(true)
	h.mustPutCluster(rg, "nolocal", noLocal)
	for _, action := range []string{"listClusterUserCredential", "listClusterAdminCredential", "listClusterMonitoringUserCredential"} {
		r := h.credential(rg, "nolocal", action)
		armtest.WantError{Status: http.StatusBadRequest, Code: "BadRequest",
			Mentions: []string{"Getting static credential is not allowed because this cluster is set to disable local accounts."}}.Check(t, r.APIErr(t))
	}
	// An update turns local accounts back on (az aks update --enable-local-accounts) and off again.
	for _, disable := range []bool{false, true} {
		mc := h.cluster(rg, "nolocal")
		mc.Properties.DisableLocalAccounts = to.Ptr(disable)
		if got := h.mustPutCluster(rg, "nolocal", mc); got.Properties.DisableLocalAccounts == nil || *got.Properties.DisableLocalAccounts != disable {
			t.Fatalf("after a PUT with disableLocalAccounts %v the cluster has %v", disable, got.Properties.DisableLocalAccounts)
		}
		if r := h.credential(rg, "nolocal", "listClusterAdminCredential"); (r.Status == http.StatusOK) == disable {
			t.Errorf("disableLocalAccounts %v: the admin credential answers %d %s", disable, r.Status, r.Body)
		}
	}

	reader, spID := h.reader(rg)
	armtest.Eventually(t, 10*time.Second, func() string {
		if reader.clusterStatus(rg, "c1") != http.StatusOK {
			return "the Reader cannot read the cluster yet"
		}
		return ""
	})
	for _, action := range []string{"listClusterUserCredential", "listClusterAdminCredential", "listClusterMonitoringUserCredential"} {
		r := reader.credential(rg, "c1", action)
		armtest.WantError{Status: http.StatusForbidden, Code: "AuthorizationFailed",
			Mentions: []string{armtest.Fold("Microsoft.ContainerService/managedClusters/" + action + "/action")}}.Check(t, r.APIErr(t))
	}

	// With Azure Kubernetes Service Cluster User Role on the cluster the same principal gets the user
	// credential, and still not the admin one.
	h.Grant(h.RGID(rg)+"/providers/Microsoft.ContainerService/managedClusters/c1", spID, "4abbcc35-e782-43d8-92c5-2d3f1bd2253f")
	armtest.Eventually(t, 10*time.Second, func() string {
		if r := reader.credential(rg, "c1", "listClusterUserCredential"); r.Status != http.StatusOK {
			return fmt.Sprintf("Cluster User Role: user credential %d %s", r.Status, r.Body)
		}
		return ""
	})
	r = reader.credential(rg, "c1", "listClusterAdminCredential")
	armtest.WantError{Status: http.StatusForbidden, Code: "AuthorizationFailed"}.Check(t, r.APIErr(t))

	// No aksnet-kube: a clear error, 409 not 500.
	e := armtest.Plane(t, "kube-missing", armtest.Options{Kube: kubesup.Options{Binary: filepath.Join(t.TempDir(), "aksnet-kube")}})
	h2 := harnessOn(t, e)
	n2 := h2.articleNetwork(rg)
	h2.mustPutCluster(rg, "c1", kubenetCluster(n2.subnetID, n2.identityID, 1))
	r = h2.credential(rg, "c1", "listClusterAdminCredential")
	armtest.WantError{Status: http.StatusConflict, Code: "KubernetesControlPlaneUnavailable", Mentions: []string{"make -C kube build", "aksnet-kube"}}.Check(t, r.APIErr(t))
}

// reader creates a service principal with the Reader role on group rg and
// returns a harness acting as it, and its object id.
func (h *harness) reader(rg string) (*harness, string) {
	h.T.Helper()
	return h.withRole(rg, "reader", readerRole)
}

// withRole creates a service principal (its application named after name
// and rg) with role on resource group rg, and returns a harness signed in
// as it and its object id.
func (h *harness) withRole(rg, name, role string) (*harness, string) {
	t := h.T
	t.Helper()
	app := h.Do(http.MethodPost, "/v1.0/applications", map[string]string{"displayName": name + "-" + strings.ToLower(rg)})
	var a struct{ ID, AppID string }
	app.Decode(t, &a)
	spr := h.Do(http.MethodPost, "/v1.0/servicePrincipals", map[string]string{"appId": a.AppID})
	var sp struct{ ID string }
	spr.Decode(t, &sp)
	pw := h.Do(http.MethodPost, "/v1.0/applications/"+a.ID+"/addPassword", map[string]any{"passwordCredential": map[string]string{"displayName": "t"}})
	var secret struct{ SecretText string }
	pw.Decode(t, &secret)
	if a.AppID == "" || sp.ID == "" || secret.SecretText == "" {
		t.Fatalf("service principal not created: %s %s %s", app.Body, spr.Body, pw.Body)
	}
	h.Grant(h.RGID(rg), sp.ID, role)
	return &harness{h.As(h.Env.CredentialFor(t, a.AppID, secret.SecretText))}, sp.ID
}

// TestCredentialsDuringScale: a credentials request while a scale is in
// flight. AKS answers it (the credential actions are not operations, and no
// operation in flight refuses them: az aks get-credentials works while a
// cluster is Scaling), so aksnet does too, with the same kubeconfig as
// before; the scale is not disturbed and ends with its nodes.
func TestCredentialsDuringScale(t *testing.T) {
	h := slowHarness(t)
	rg := armtest.RGName(t)
	n := h.articleNetwork(rg)
	h.mustPutCluster(rg, "c", kubenetCluster(n.subnetID, n.identityID, 3))
	before := h.credential(rg, "c", "listClusterUserCredential")
	if before.Status != http.StatusOK {
		t.Fatalf("credentials: %d %s", before.Status, before.Body)
	}
	mc := h.cluster(rg, "c")
	mc.Properties.AgentPoolProfiles[0].Count = to.Ptr(int32(5))
	poller, err := h.AKS.BeginCreateOrUpdate(h.Ctx, rg, "c", mc, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := str(h.cluster(rg, "c").Properties.ProvisioningState); got != "Scaling" {
		t.Fatalf("provisioningState %q while the scale runs, want Scaling (the scale ended too early to test)", got)
	}
	during := h.credential(rg, "c", "listClusterUserCredential")
	if during.Status != http.StatusOK {
		t.Fatalf("credentials during a scale: %d %s", during.Status, during.Body)
	}
	var a, b struct {
		Kubeconfigs []struct{ Name, Value string } `json:"kubeconfigs"`
	}
	before.Decode(t, &a)
	during.Decode(t, &b)
	if len(a.Kubeconfigs) != 1 || len(b.Kubeconfigs) != 1 || kubeServer(t, a.Kubeconfigs[0].Value) != kubeServer(t, b.Kubeconfigs[0].Value) {
		t.Errorf("the kubeconfig during the scale names another server: %+v, before %+v", b.Kubeconfigs, a.Kubeconfigs)
	}
	if got := str(h.cluster(rg, "c").Properties.ProvisioningState); got != "Scaling" {
		t.Errorf("provisioningState %q after the credentials request, want Scaling still", got)
	}
	if _, err := armtest.PollDone(h.Ctx, poller); err != nil {
		t.Fatalf("scale: %v", err)
	}
	h.layoutOf(rg, "c").check(t, 5)
}

// kubeServer returns the server of the one cluster in the base64
// kubeconfig value.
func kubeServer(t *testing.T, value string) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(value)
	if err != nil {
		t.Fatalf("kubeconfig is not base64: %v", err)
	}
	var cfg struct {
		Clusters []struct {
			Cluster struct {
				Server string `yaml:"server"`
			} `yaml:"cluster"`
		} `yaml:"clusters"`
	}
	if err := yaml.Unmarshal(raw, &cfg); err != nil || len(cfg.Clusters) != 1 || cfg.Clusters[0].Cluster.Server == "" {
		t.Fatalf("kubeconfig without one cluster's server (%v): %s", err, raw)
	}
	return cfg.Clusters[0].Cluster.Server
}
