package integration

import (
	"encoding/json"
	"strings"
	"testing"
)

// azErr runs a command that must fail and returns its stderr.
func (e *env) azErr(args ...string) string {
	e.t.Helper()
	out, errOut, code := e.try(args...)
	if code == 0 {
		e.t.Fatalf("aksnet %s succeeded, want an error: %s", strings.Join(args, " "), out)
	}
	return errOut
}

func wantCode(t *testing.T, stderr, code string) {
	t.Helper()
	if !strings.Contains(stderr, code) {
		t.Fatalf("error %q does not name %s", stderr, code)
	}
}

// TestAPIPods_HostLocalAllocation: pods get addresses from their node's
// pod CIDR as host-local hands them out: .2 first, round robin, released
// on delete; a host-network pod has its node's IP.
func TestAPIPods_HostLocalAllocation(t *testing.T) {
	e := startAPI(t)
	c := e.articleCluster("rg-ipam", e.articleNetwork("rg-ipam"))
	var ips []string
	for _, name := range []string{"p1", "p2", "p3"} {
		ips = append(ips, c.run(name, 0, false).PodIP)
	}
	if strings.Join(ips, ",") != "10.244.0.2,10.244.0.3,10.244.0.4" {
		t.Fatalf("first pods got %v", ips)
	}
	e.az("aks", "pod", "delete", "-g", c.rg, "-n", c.name, "--name", "p2")
	if ip := c.run("p4", 0, false).PodIP; ip != "10.244.0.5" {
		t.Fatalf("after deleting p2 the next pod got %s, want 10.244.0.5 (round robin, not the freed .3)", ip)
	}
	if ip := c.run("p2", 0, false).PodIP; ip != "10.244.0.6" {
		t.Fatalf("re-created p2 got %s, want 10.244.0.6", ip)
	}
	// Without --node, the node with the fewest pods.
	if p := c.run("free", -1, false); p.Node != c.nodes[1].name || p.PodIP != "10.244.1.2" {
		t.Fatalf("unplaced pod went to %+v, want node 1 at 10.244.1.2", p)
	}
	h := c.run("konnectivity", 2, true)
	if h.PodIP != c.nodes[2].ip || !h.HostNetwork {
		t.Fatalf("host-network pod %+v, want node 2's IP %s", h, c.nodes[2].ip)
	}
	var list []pod
	must(t, json.Unmarshal([]byte(e.az("aks", "pod", "list", "-g", c.rg, "-n", c.name)), &list))
	if len(list) != 6 {
		t.Fatalf("pod list has %d pods, want 6: %+v", len(list), list)
	}
	for _, p := range list {
		if p.Name == "" || p.Node == "" || p.PodIP == "" {
			t.Fatalf("pod list entry lacks name, node or podIP: %+v", p)
		}
		if p.Netns != "" {
			t.Fatalf("pod %s has netns %q on a server without a data plane", p.Name, p.Netns)
		}
	}
	raw := e.az("aks", "pod", "list", "-g", c.rg, "-n", c.name, "--query", "[?name=='konnectivity'].hostNetwork | [0]")
	if strings.TrimSpace(raw) != "true" {
		t.Fatalf("pod list hostNetwork for konnectivity = %q", raw)
	}
}

func TestAPIPods_Validation(t *testing.T) {
	e := startAPI(t)
	c := e.articleCluster("rg-podval", e.articleNetwork("rg-podval"))
	c.run("konnectivity", 0, true)
	cases := []struct {
		args []string
		code string
	}{
		{[]string{"--name", "konnectivity-2", "--node", c.nodes[0].name, "--host-network"}, "HostPortConflict"},
		{[]string{"--name", "lost", "--node", "aks-nodepool1-00000000-vmss000009"}, "NodeNotFound"},
		{[]string{"--name", "coredns"}, "ReservedResourceName"},
		{[]string{"--name", "Upper"}, "InvalidResourceName"},
		{[]string{"--name", "bad_name"}, "InvalidResourceName"},
	}
	for _, tc := range cases {
		stderr := e.azErr(append([]string{"aks", "pod", "run", "-g", c.rg, "-n", c.name}, tc.args...)...)
		wantCode(t, stderr, tc.code)
	}
	// Pods are immutable.
	c.run("web", 1, false)
	wantCode(t, e.azErr("aks", "pod", "run", "-g", c.rg, "-n", c.name, "--name", "web", "--node", c.nodes[2].name), "PropertyChangeNotAllowed")
	// A cluster that doesn't exist.
	e.azErr("aks", "pod", "run", "-g", c.rg, "-n", "nope", "--name", "x")
}

func TestAPIServices_ClusterIPs(t *testing.T) {
	e := startAPI(t)
	c := e.articleCluster("rg-svcapi", e.articleNetwork("rg-svcapi"))
	create := func(name string) string {
		var s struct {
			ClusterIP  string `json:"clusterIP"`
			TargetPort int    `json:"targetPort"`
		}
		must(t, json.Unmarshal([]byte(e.az("aks", "service", "create", "-g", c.rg, "-n", c.name, "--name", name,
			"--selector", "web-", "--port", "80", "--target-port", "8080")), &s))
		if s.TargetPort != 8080 {
			t.Fatalf("service %s target port %d", name, s.TargetPort)
		}
		return s.ClusterIP
	}
	var got []string
	for i := range 9 {
		got = append(got, create("s"+string(rune('a'+i))))
	}
	// .0 network, .1 kubernetes, .10 the DNS service: skipped.
	want := "10.0.0.2,10.0.0.3,10.0.0.4,10.0.0.5,10.0.0.6,10.0.0.7,10.0.0.8,10.0.0.9,10.0.0.11"
	if strings.Join(got, ",") != want {
		t.Fatalf("ClusterIPs %v, want %s", got, want)
	}
	e.az("aks", "service", "delete", "-g", c.rg, "-n", c.name, "--name", "sb")
	if ip := create("again"); ip != "10.0.0.3" {
		t.Fatalf("after deleting sb, a new service got %s, want the freed 10.0.0.3", ip)
	}
	if ip := create("sa"); ip != "10.0.0.2" {
		t.Fatalf("updating sa moved its ClusterIP to %s", ip)
	}
	var list []map[string]any
	must(t, json.Unmarshal([]byte(e.az("aks", "service", "list", "-g", c.rg, "-n", c.name)), &list))
	if len(list) != 9 {
		t.Fatalf("service list has %d services, want 9", len(list))
	}
	for _, args := range [][]string{
		{"--name", "kubernetes", "--selector", "x", "--port", "443"},
		{"--name", "bad-port", "--selector", "x", "--port", "70000"},
		{"--name", "no-selector", "--port", "80"},
	} {
		e.azErr(append([]string{"aks", "service", "create", "-g", c.rg, "-n", c.name}, args...)...)
	}
	// Deleting the cluster takes its pods and services with it.
	c.run("web-1", 0, false)
	e.az("aks", "delete", "-g", c.rg, "-n", c.name, "--yes")
	e.azErr("aks", "pod", "list", "-g", c.rg, "-n", c.name)
}
