package terraform

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// configs are the five configurations, each a directory under
// testdata/ with its resource group and cluster.
var configs = []struct {
	dir, rg, cluster string
	// extra is the node count of pools other than the default one.
	extra int
}{
	{dir: "system-assigned", rg: "tf-system-rg", cluster: "myAKSCluster"},
	{dir: "user-assigned", rg: "tf-user-rg", cluster: "myAKSCluster"},
	{dir: "byo-route-table", rg: "tf-byort-rg", cluster: "myManagedCluster"},
	{dir: "node-pool", rg: "tf-pool-rg", cluster: "myAKSCluster", extra: 2},
	{dir: "maintenance-window", rg: "tf-maint-rg", cluster: "myAKSCluster"},
}

// TestTerraformConfigurations runs each configuration's whole cycle against
// one aksnetd: init, plan, apply, an empty second plan, a scale from 3 to 5
// nodes (and its empty plan), destroy, and nothing left afterwards; the
// nodes, pod CIDRs and routes are checked in aksnet after each step.
func TestTerraformConfigurations(t *testing.T) {
	tl := needTools(t)
	s := startServer(t)
	t.Logf("azurerm %s against %s", tl.provider, s.endpoint)
	for _, c := range configs {
		t.Run(c.dir, func(t *testing.T) {
			w := newWorkdir(t, s, tl, c.dir)
			w.run(t, "init", "-no-color", "-input=false")
			w.run(t, "plan", "-no-color", "-input=false", "-var", "node_count=3", "-out=tfplan")
			start := time.Now()
			w.run(t, "apply", "-no-color", "-input=false", "tfplan")
			t.Logf("apply: %s", time.Since(start).Round(time.Millisecond))
			s.checkNodes(t, c.rg, c.cluster, 3+c.extra)
			w.emptyPlan(t, 3)
			s.checkNodes(t, c.rg, c.cluster, 3+c.extra)

			start = time.Now()
			w.run(t, "apply", "-no-color", "-input=false", "-auto-approve", "-var", "node_count=5")
			t.Logf("scale to 5: %s", time.Since(start).Round(time.Millisecond))
			s.checkNodes(t, c.rg, c.cluster, 5+c.extra)
			w.emptyPlan(t, 5)

			w.run(t, "destroy", "-no-color", "-input=false", "-auto-approve", "-var", "node_count=5")
			s.checkNothingLeft(t)
		})
	}
}

// workdir is a copy of one configuration that Terraform works in.
type workdir struct {
	dir string
	env []string
	tf  string
}

func newWorkdir(t testing.TB, s *server, tl tools, config string) *workdir {
	t.Helper()
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("testdata", config, "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(dir, ".home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	return &workdir{dir: dir, env: s.tfEnv(tl, home), tf: tl.terraform}
}

// exec runs terraform with args and returns its combined output and error.
func (w *workdir) exec(extraEnv []string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, w.tf, args...)
	cmd.Dir = w.dir
	cmd.Env = append(slices.Clone(w.env), extraEnv...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// run runs terraform with args and fails t if it fails.
func (w *workdir) run(t testing.TB, args ...string) string {
	t.Helper()
	out, err := w.exec(nil, args...)
	if err != nil {
		t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// emptyPlan fails t unless a plan with node_count=n (and vars) reports no
// changes (terraform plan -detailed-exitcode exits 0; 2 means changes).
func (w *workdir) emptyPlan(t *testing.T, n int, vars ...string) {
	t.Helper()
	args := append([]string{"plan", "-no-color", "-input=false", "-detailed-exitcode", "-var", "node_count=" + strconv.Itoa(n)}, vars...)
	out, err := w.exec(nil, args...)
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.ExitCode() == 2:
		t.Fatalf("the plan after apply is not empty (drift):\n%s", out)
	default:
		t.Fatalf("terraform plan: %v\n%s", err, out)
	}
}

// cluster is what the checks read of a managed cluster.
type cluster struct {
	ProvisioningState string `json:"provisioningState"`
	NodeResourceGroup string `json:"nodeResourceGroup"`
	NetworkProfile    struct {
		PodCIDR string `json:"podCidr"`
	} `json:"networkProfile"`
	AgentPoolProfiles []struct {
		Name         string `json:"name"`
		Count        int    `json:"count"`
		VnetSubnetID string `json:"vnetSubnetId"`
	} `json:"agentPoolProfiles"`
}

// checkNodes checks the cluster in aksnet: n nodes over its pools, each NIC
// with its own IP of the subnet (never one of Azure's five reserved
// addresses), and, within a bounded wait (a system-assigned cluster's
// routes follow its role grant), one route per node in the subnet's route
// table to a distinct /24 of the pod CIDR with the node's IP as next hop.
func (s *server) checkNodes(t *testing.T, rg, name string, n int) {
	t.Helper()
	var mc cluster
	s.json(t, &mc, "aks", "show", "-g", rg, "-n", name)
	if mc.ProvisioningState != "Succeeded" {
		t.Fatalf("cluster %s is %s", name, mc.ProvisioningState)
	}
	total := 0
	for _, p := range mc.AgentPoolProfiles {
		total += p.Count
	}
	if total != n {
		t.Fatalf("cluster %s has %d nodes in its pools, want %d", name, total, n)
	}
	subnetID := mc.AgentPoolProfiles[0].VnetSubnetID
	var subnet struct {
		AddressPrefix string `json:"addressPrefix"`
		RouteTable    *struct {
			ID string `json:"id"`
		} `json:"routeTable"`
	}
	s.json(t, &subnet, "network", "vnet", "subnet", "show", "--ids", subnetID)
	if subnet.RouteTable == nil {
		t.Fatalf("subnet %s has no route table", subnetID)
	}
	prefix := netip.MustParsePrefix(subnet.AddressPrefix)
	pods := netip.MustParsePrefix(mc.NetworkProfile.PodCIDR)

	// Nodes are scale set instances: their NICs are listed per scale set
	// (network nic list -g MC_… returns none, as on Azure).
	var sets []struct {
		Name string `json:"name"`
	}
	s.json(t, &sets, "vmss", "list", "-g", mc.NodeResourceGroup)
	type nicView struct {
		Name             string `json:"name"`
		IPConfigurations []struct {
			PrivateIPAddress string `json:"privateIPAddress"`
		} `json:"ipConfigurations"`
	}
	var nics []nicView
	for _, set := range sets {
		var some []nicView
		s.json(t, &some, "vmss", "nic", "list", "-g", mc.NodeResourceGroup, "--vmss-name", set.Name)
		nics = append(nics, some...)
	}
	if len(nics) != n {
		t.Fatalf("node resource group %s has %d scale set NICs over %d scale sets, want %d", mc.NodeResourceGroup, len(nics), len(sets), n)
	}
	ips := map[string]string{}
	for _, nic := range nics {
		if len(nic.IPConfigurations) == 0 {
			t.Fatalf("NIC %s has no IP configuration", nic.Name)
		}
		ip, err := netip.ParseAddr(nic.IPConfigurations[0].PrivateIPAddress)
		if err != nil || !prefix.Contains(ip) || ip.As4()[3] < 4 {
			t.Fatalf("NIC %s has IP %q, not a usable address of %s", nic.Name, nic.IPConfigurations[0].PrivateIPAddress, prefix)
		}
		if other, dup := ips[ip.String()]; dup {
			t.Fatalf("NICs %s and %s share %s", other, nic.Name, ip)
		}
		ips[ip.String()] = nic.Name
	}

	rtID := subnet.RouteTable.ID
	parts := strings.Split(rtID, "/")
	if len(parts) < 9 {
		t.Fatalf("route table id %q", rtID)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		msg := s.routesMatch(t, parts[4], parts[8], ips, pods)
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("routes of %s: %s", rtID, msg)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// routesMatch says how the route table's routes differ from one route per
// node IP to a distinct /24 of pods ("" when they match).
func (s *server) routesMatch(t *testing.T, rg, table string, ips map[string]string, pods netip.Prefix) string {
	t.Helper()
	var routes []struct {
		Name             string `json:"name"`
		AddressPrefix    string `json:"addressPrefix"`
		NextHopType      string `json:"nextHopType"`
		NextHopIPAddress string `json:"nextHopIpAddress"`
	}
	s.json(t, &routes, "network", "route-table", "route", "list", "-g", rg, "--route-table-name", table)
	byHop := map[string]string{}
	cidrs := map[string]bool{}
	for _, r := range routes {
		if r.NextHopType != "VirtualAppliance" {
			continue
		}
		p, err := netip.ParsePrefix(r.AddressPrefix)
		if err != nil || p.Bits() != 24 || !pods.Contains(p.Addr()) {
			return fmt.Sprintf("route %s to %s is not a /24 of the pod CIDR %s", r.Name, r.AddressPrefix, pods)
		}
		if cidrs[r.AddressPrefix] {
			return fmt.Sprintf("two routes to %s", r.AddressPrefix)
		}
		cidrs[r.AddressPrefix] = true
		byHop[r.NextHopIPAddress] = r.AddressPrefix
	}
	if len(byHop) != len(ips) || len(cidrs) != len(ips) {
		return fmt.Sprintf("%d node routes for %d nodes", len(cidrs), len(ips))
	}
	for ip, nic := range ips {
		if byHop[ip] == "" {
			return fmt.Sprintf("no route to node %s (%s)", nic, ip)
		}
	}
	return ""
}

// checkNothingLeft fails t if any resource group or resource remains, or
// any role assignment besides the admin's own.
func (s *server) checkNothingLeft(t *testing.T) {
	t.Helper()
	var groups []struct {
		Name string `json:"name"`
	}
	s.json(t, &groups, "group", "list")
	if len(groups) != 0 {
		t.Fatalf("resource groups left after destroy: %v", groups)
	}
	var assignments []struct {
		PrincipalID string `json:"principalId"`
		Scope       string `json:"scope"`
	}
	s.json(t, &assignments, "role", "assignment", "list", "--all")
	for _, a := range assignments {
		if a.PrincipalID != s.creds.ObjectID {
			t.Errorf("role assignment left after destroy: %s at %s", a.PrincipalID, a.Scope)
		}
	}
}
