package nodes

import (
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/aksnet/aksnet/internal/kubenodes"
)

const sub = "00000000-0000-0000-0000-000000000001"

func specNode(i int) kubenodes.Node {
	return kubenodes.Node{
		Name:       "aks-nodepool1-12345678-vmss00000" + string(rune('0'+i)),
		Pool:       "nodepool1",
		InternalIP: netip.AddrFrom4([4]byte{10, 240, 0, byte(4 + i)}),
		PodCIDR:    netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 244, byte(i), 0}), 24),
		ProviderID: kubenodes.ProviderID(sub, "MC_myResourceGroup_myAKSCluster_eastus", "aks-nodepool1-12345678-vmss", i),
		MaxPods:    110,
		Labels: map[string]string{
			"kubernetes.azure.com/cluster":     "MC_myResourceGroup_myAKSCluster_eastus",
			"kubernetes.azure.com/mode":        "system",
			"node.kubernetes.io/instance-type": "Standard_DS2_v2",
			"topology.kubernetes.io/region":    "eastus",
			"topology.kubernetes.io/zone":      "0",
		},
	}
}

func TestDesired(t *testing.T) {
	n := specNode(1)
	n.Labels["agentpool"] = "override-wins"
	now := time.Date(2026, 12, 3, 7, 0, 0, 0, time.UTC)
	got := Desired(n, "v1.37.2", now)

	if got.Spec.PodCIDR != "10.244.1.0/24" || len(got.Spec.PodCIDRs) != 1 || got.Spec.PodCIDRs[0] != "10.244.1.0/24" {
		t.Errorf("podCIDR %q podCIDRs %v, want 10.244.1.0/24 in both", got.Spec.PodCIDR, got.Spec.PodCIDRs)
	}
	if got.Spec.ProviderID != n.ProviderID {
		t.Errorf("providerID %q, want %q", got.Spec.ProviderID, n.ProviderID)
	}
	wantLabels := map[string]string{
		"kubernetes.io/hostname":           n.Name,
		"agentpool":                        "override-wins",
		"kubernetes.azure.com/agentpool":   "nodepool1",
		"kubernetes.io/os":                 "linux",
		"kubernetes.io/arch":               "amd64",
		"kubernetes.azure.com/cluster":     "MC_myResourceGroup_myAKSCluster_eastus",
		"kubernetes.azure.com/mode":        "system",
		"node.kubernetes.io/instance-type": "Standard_DS2_v2",
		"topology.kubernetes.io/region":    "eastus",
		"topology.kubernetes.io/zone":      "0",
		// The beta twins, with the stable labels' values, and the role labels.
		"beta.kubernetes.io/os":                    "linux",
		"beta.kubernetes.io/arch":                  "amd64",
		"beta.kubernetes.io/instance-type":         "Standard_DS2_v2",
		"failure-domain.beta.kubernetes.io/region": "eastus",
		"failure-domain.beta.kubernetes.io/zone":   "0",
		"kubernetes.azure.com/role":                "agent",
		"kubernetes.io/role":                       "agent",
		"node-role.kubernetes.io/agent":            "",
	}
	for k, v := range wantLabels {
		if got.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, got.Labels[k], v)
		}
	}
	if len(got.Labels) != len(wantLabels) {
		t.Errorf("labels %v, want exactly %v", got.Labels, wantLabels)
	}
	if a := got.Annotations[AnnotationLabels]; !strings.Contains(a, "kubernetes.azure.com/mode") || got.Annotations[AnnotationManaged] != "true" {
		t.Errorf("annotations %v", got.Annotations)
	}
	wantAddr := []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "10.240.0.5"}, {Type: corev1.NodeHostName, Address: n.Name}}
	if len(got.Status.Addresses) != 2 || got.Status.Addresses[0] != wantAddr[0] || got.Status.Addresses[1] != wantAddr[1] {
		t.Errorf("addresses %v, want %v", got.Status.Addresses, wantAddr)
	}
	for name, rl := range map[string]corev1.ResourceList{"capacity": got.Status.Capacity, "allocatable": got.Status.Allocatable} {
		if p := rl[corev1.ResourcePods]; p.Value() != 110 {
			t.Errorf("%s pods = %s, want 110", name, p.String())
		}
		if c := rl[corev1.ResourceCPU]; c.Cmp(resource.MustParse("2")) != 0 {
			t.Errorf("%s cpu = %s, want default 2", name, c.String())
		}
	}
	conds := map[corev1.NodeConditionType]corev1.ConditionStatus{}
	for _, c := range got.Status.Conditions {
		conds[c.Type] = c.Status
		if !c.LastHeartbeatTime.Time.Equal(now) {
			t.Errorf("condition %s heartbeat %v, want %v", c.Type, c.LastHeartbeatTime, now)
		}
	}
	if conds[corev1.NodeReady] != corev1.ConditionTrue || conds[corev1.NodeNetworkUnavailable] != corev1.ConditionFalse {
		t.Errorf("conditions %v, want Ready=True NetworkUnavailable=False", conds)
	}
	if got.Status.NodeInfo.KubeletVersion != "v1.37.2" {
		t.Errorf("kubeletVersion %q", got.Status.NodeInfo.KubeletVersion)
	}
}

func TestDiff(t *testing.T) {
	now := time.Now()
	existing := func(n kubenodes.Node, edit func(*corev1.Node)) *corev1.Node {
		node := Desired(n, "v1.37.2", now.Add(-time.Hour))
		node.ResourceVersion = "7"
		if edit != nil {
			edit(node)
		}
		return node
	}
	n0, n1, n2 := specNode(0), specNode(1), specNode(2)
	moved := n1
	moved.PodCIDR = netip.MustParsePrefix("10.244.9.0/24")
	relabelled := n1
	relabelled.Labels = map[string]string{"kubernetes.azure.com/mode": "user"}
	bigger := n1
	bigger.MaxPods = 30

	tests := []struct {
		name                                     string
		desired                                  []kubenodes.Node
		actual                                   []*corev1.Node
		create, update, status, recreate, remove []string
	}{
		{name: "all new", desired: []kubenodes.Node{n0, n1}, create: []string{n0.Name, n1.Name}},
		{name: "in step (old heartbeats do not count)", desired: []kubenodes.Node{n0, n1},
			actual: []*corev1.Node{existing(n0, nil), existing(n1, nil)}},
		{name: "scale down removes only managed Nodes", desired: []kubenodes.Node{n0},
			actual: []*corev1.Node{existing(n0, nil), existing(n1, nil), existing(n2, func(n *corev1.Node) { delete(n.Annotations, AnnotationManaged) })},
			remove: []string{n1.Name}},
		{name: "pod CIDR changed means recreate", desired: []kubenodes.Node{moved}, actual: []*corev1.Node{existing(n1, nil)},
			recreate: []string{n1.Name}},
		{name: "labels changed", desired: []kubenodes.Node{relabelled}, actual: []*corev1.Node{existing(n1, nil)},
			update: []string{n1.Name}},
		{name: "maxPods changed", desired: []kubenodes.Node{bigger}, actual: []*corev1.Node{existing(n1, nil)},
			status: []string{n1.Name}},
		{name: "NotReady is put back", desired: []kubenodes.Node{n1}, actual: []*corev1.Node{existing(n1, func(n *corev1.Node) {
			for i := range n.Status.Conditions {
				if n.Status.Conditions[i].Type == corev1.NodeReady {
					n.Status.Conditions[i].Status = corev1.ConditionUnknown
				}
			}
		})}, status: []string{n1.Name}},
		{name: "a Node without podCIDR is taken over", desired: []kubenodes.Node{n1}, actual: []*corev1.Node{existing(n1, func(n *corev1.Node) {
			n.Spec.PodCIDR, n.Spec.PodCIDRs, n.Annotations = "", nil, nil
		})}, update: []string{n1.Name}},
	}
	names := func(ns []*corev1.Node) []string {
		var out []string
		for _, n := range ns {
			out = append(out, n.Name)
		}
		return out
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Diff(tt.desired, tt.actual, "v1.37.2", now)
			check := func(what string, got, want []string) {
				t.Helper()
				if strings.Join(got, ",") != strings.Join(want, ",") {
					t.Errorf("%s = %v, want %v", what, got, want)
				}
			}
			check("create", names(p.Create), tt.create)
			check("update", names(p.Update), tt.update)
			check("updateStatus", names(p.UpdateStatus), tt.status)
			check("recreate", p.Recreate, tt.recreate)
			check("remove", p.Remove, tt.remove)
		})
	}
}

func TestDiffUpdateKeepsUserLabelsAndDropsStaleOnes(t *testing.T) {
	n := specNode(1)
	actual := Desired(n, "v1.37.2", time.Now())
	actual.Labels["team"] = "blue" // added by a user with kubectl label
	n.Labels = map[string]string{} // aksnetd dropped every extra label
	p := Diff([]kubenodes.Node{n}, []*corev1.Node{actual}, "v1.37.2", time.Now())
	if len(p.Update) != 1 {
		t.Fatalf("update = %d Nodes, want 1", len(p.Update))
	}
	got := p.Update[0].Labels
	if got["team"] != "blue" {
		t.Errorf("user label lost: %v", got)
	}
	if _, ok := got["kubernetes.azure.com/mode"]; ok {
		t.Errorf("label dropped from the spec is still there: %v", got)
	}
	if got["agentpool"] != "nodepool1" {
		t.Errorf("derived label lost: %v", got)
	}
}

// TestParse checks the rules of Kubernetes that Parse adds to the schema's own (internal/kubenodes,
// tested there): each refused input here is one the schema alone accepts, so the rule is this
// package's. The schema's rules are applied too.
func TestParse(t *testing.T) {
	valid := `{"nodes":[{"name":"aks-nodepool1-1-vmss000000","pool":"nodepool1","internalIP":"10.240.0.4","podCIDR":"10.244.0.0/24","providerID":"azure:///x","maxPods":110}]}`
	tests := []struct {
		name, in, wantErr string
		schemaRule        bool // the schema refuses it already
	}{
		{name: "valid", in: valid},
		{name: "empty list", in: `{"nodes":[]}`},
		{name: "schema rule", in: strings.Replace(valid, "10.244.0.0/24", "10.244.0.1/24", 1), wantErr: "not an IPv4 network prefix", schemaRule: true},
		{name: "bad name", in: strings.Replace(valid, "aks-nodepool1-1-vmss000000", "Bad_Name", 1), wantErr: "Bad_Name"},
		{name: "bad pool", in: strings.Replace(valid, `"nodepool1"`, `"Pool_1"`, 1), wantErr: `pool "Pool_1"`},
		{name: "bad label", in: strings.Replace(valid, `"maxPods"`, `"labels":{"a b":"c"},"maxPods"`, 1), wantErr: `"a b"`},
		{name: "bad label value", in: strings.Replace(valid, `"maxPods"`, `"labels":{"a":"c d"},"maxPods"`, 1), wantErr: `"c d"`},
		{name: "bad cpu", in: strings.Replace(valid, `"maxPods"`, `"cpu":"two","maxPods"`, 1), wantErr: `"two"`},
		{name: "bad memory", in: strings.Replace(valid, `"maxPods"`, `"memory":"7 GB","maxPods"`, 1), wantErr: `"7 GB"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := kubenodes.Parse([]byte(tt.in)); (err != nil) != tt.schemaRule {
				t.Fatalf("the schema alone: error %v, want one: %v", err, tt.schemaRule)
			}
			_, err := Parse([]byte(tt.in))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// A node without its route (the cluster identity can't write it yet) is NetworkUnavailable with the
// route controller's reason, gets one FailedToCreateRoute event when it becomes so, and is available
// again once the route exists.
func TestDiff_NoRoute(t *testing.T) {
	now := time.Date(2026, 12, 3, 7, 0, 0, 0, time.UTC)
	network := func(n *corev1.Node) corev1.NodeCondition {
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeNetworkUnavailable {
				return c
			}
		}
		t.Fatalf("Node %s has no NetworkUnavailable condition", n.Name)
		return corev1.NodeCondition{}
	}
	n := specNode(0)
	n.NoRoute = "the cluster identity lacks Microsoft.Network/virtualNetworks/subnets/join/action"
	p := Diff([]kubenodes.Node{n}, nil, "v1.37.2", now)
	if len(p.Create) != 1 || network(p.Create[0]).Status != corev1.ConditionTrue || network(p.Create[0]).Reason != "NoRouteCreated" {
		t.Fatalf("create: %+v", p.Create)
	}
	if p.RouteFailures[n.Name] != n.NoRoute {
		t.Errorf("route failures %v, want the node's reason", p.RouteFailures)
	}
	created := p.Create[0]
	if p := Diff([]kubenodes.Node{n}, []*corev1.Node{created}, "v1.37.2", now); !p.Empty() || len(p.RouteFailures) != 0 {
		t.Errorf("an unchanged NetworkUnavailable Node: %+v, want nothing to do and no second event", p)
	}
	n.NoRoute = ""
	p = Diff([]kubenodes.Node{n}, []*corev1.Node{created}, "v1.37.2", now.Add(time.Minute))
	if len(p.UpdateStatus) != 1 || network(p.UpdateStatus[0]).Status != corev1.ConditionFalse || network(p.UpdateStatus[0]).Reason != "RouteCreated" {
		t.Fatalf("once routed: %+v", p.UpdateStatus)
	}
	if len(p.RouteFailures) != 0 {
		t.Errorf("route failures %v once routed", p.RouteFailures)
	}
}

func TestLiftNotReady(t *testing.T) {
	notReady := corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoSchedule}
	notReadyExec := corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoExecute}
	netUnavailable := corev1.Taint{Key: corev1.TaintNodeNetworkUnavailable, Effect: corev1.TaintEffectNoSchedule}
	node := func(ready corev1.ConditionStatus, taints ...corev1.Taint) *corev1.Node {
		n := Desired(specNode(0), "v1.37.2", time.Unix(0, 0))
		for i, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady {
				n.Status.Conditions[i].Status = ready
			}
		}
		n.Spec.Taints = taints
		return n
	}
	for _, tc := range []struct {
		name string
		in   *corev1.Node
		want []corev1.Taint // nil with lifted false: nothing to do
		lift bool
	}{
		{"ready with the taint", node(corev1.ConditionTrue, notReady), nil, true},
		{"ready, other taints kept", node(corev1.ConditionTrue, netUnavailable, notReady), []corev1.Taint{netUnavailable}, true},
		{"ready without the taint", node(corev1.ConditionTrue, netUnavailable), nil, false},
		{"not ready keeps the taint", node(corev1.ConditionFalse, notReady), nil, false},
		{"unknown keeps the taint", node(corev1.ConditionUnknown, notReady), nil, false},
		{"the NoExecute taint is not ours", node(corev1.ConditionTrue, notReadyExec), nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := tc.in.DeepCopy()
			got, lifted := LiftNotReady(tc.in)
			if lifted != tc.lift {
				t.Fatalf("lifted = %v, want %v", lifted, tc.lift)
			}
			if !equality.Semantic.DeepEqual(tc.in, before) {
				t.Fatal("LiftNotReady changed its argument")
			}
			if !lifted {
				if got != nil {
					t.Fatalf("got %v with lifted false", got)
				}
				return
			}
			if !equality.Semantic.DeepEqual(got.Spec.Taints, tc.want) {
				t.Fatalf("taints = %v, want %v", got.Spec.Taints, tc.want)
			}
		})
	}
}

func TestFileStatSame(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "nodes.json")
	write := func(body string, mod time.Time) fs.FileInfo {
		t.Helper()
		// As aksnetd writes it: a new file renamed over the old one.
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(tmp, mod, mod); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return info
	}
	now := time.Now()
	old := now.Add(-time.Minute)
	read := statOf(write(`{"a":1}`, old))
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !read.same(info, now) {
		t.Error("an unchanged file, last modified a minute ago, is not the same")
	}
	if recent := statOf(info); recent.same(info, old.Add(statSettle/2)) {
		t.Error("a file modified within statSettle is trusted unread")
	}
	// Same size and modification time, new inode: a rewrite.
	if read.same(write(`{"a":2}`, old), now) {
		t.Error("a replaced file of the same size and time is the same")
	}
	read = statOf(write(`{"a":2}`, old))
	if read.same(write(`{"a":22}`, old), now) {
		t.Error("a file of another size is the same")
	}
}
