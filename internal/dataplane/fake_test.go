package dataplane

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/aksnet/aksnet/internal/fabric"
	"github.com/aksnet/aksnet/internal/kubenet"
	"github.com/google/go-cmp/cmp"
)

func newFake(t *testing.T) *Fake {
	t.Helper()
	f, err := NewFake(Options{Prefix: "aksnet-"})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// states is a table of data planes the replay test moves between.
func states() map[string]Desired {
	podA := Pod{Name: "pod-a", Node: nodeName(0), IP: podIP(0, 2)}
	podB := Pod{Name: "pod-b", Node: nodeName(1), IP: podIP(1, 2)}
	hostPod := Pod{Name: "konnectivity", Node: nodeName(2), IP: nodeIP(2), HostNetwork: true}
	web := kubenet.Service{Name: "web", ClusterIP: ma("10.0.0.2"), Port: 80, TargetPort: 8080, Selector: "pod-"}
	denyPods := &NSG{ID: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/deny", Rules: []fabric.SecurityRule{{
		Name: "deny-pods", Priority: 100, Direction: fabric.Inbound, Access: fabric.Deny, Protocol: "*",
		SourcePrefixes: []string{"10.244.0.0/16"}, DestPrefixes: []string{"*"}, SourcePorts: []string{"*"}, DestPorts: []string{"*"}}}}
	return map[string]Desired{
		"empty":      {},
		"three":      fixture{nodes: 3, skipNode: -1}.desired(),
		"pods":       fixture{nodes: 3, skipNode: -1, pods: []Pod{podA, podB, hostPod}, services: []kubenet.Service{web}}.desired(),
		"route-gone": fixture{nodes: 3, skipNode: 1, pods: []Pod{podA, podB}}.desired(),
		"byo-none":   fixture{nodes: 3, skipNode: -1, udrs: []fabric.Route{{Name: "default", Prefix: mp("0.0.0.0/0"), NextHopType: fabric.None}}}.desired(),
		"nsg":        fixture{nodes: 3, skipNode: -1, subnetNSG: denyPods, pods: []Pod{podA, podB}}.desired(),
		"two-nodes":  fixture{nodes: 2, skipNode: -1, pods: []Pod{podA}}.desired(),
	}
}

func TestFake_Set_Idempotent(t *testing.T) {
	ctx := context.Background()
	for name, d := range states() {
		t.Run(name, func(t *testing.T) {
			f := newFake(t)
			if err := f.Set(ctx, d); err != nil {
				t.Fatal(err)
			}
			before, state := f.Applied(), f.String()
			if err := f.Set(ctx, d); err != nil {
				t.Fatal(err)
			}
			if f.Applied() != before {
				t.Errorf("second Set applied %d operations, want 0", f.Applied()-before)
			}
			if diff := cmp.Diff(state, f.String()); diff != "" {
				t.Errorf("second Set changed the state (-first +second):\n%s", diff)
			}
		})
	}
}

// TestFake_Set_ReplayRandomOrder moves one fake through every state in a
// random order and checks after each Set that it holds exactly what a
// fresh fake set to that state holds.
func TestFake_Set_ReplayRandomOrder(t *testing.T) {
	ctx := context.Background()
	all := states()
	want := map[string]string{}
	var names []string
	for name, d := range all {
		f := newFake(t)
		if err := f.Set(ctx, d); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want[name] = f.String()
		names = append(names, name)
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	f := newFake(t)
	for round := range 4 {
		rng.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
		for _, name := range names {
			if err := f.Set(ctx, all[name]); err != nil {
				t.Fatalf("round %d %s: %v", round, name, err)
			}
			if diff := cmp.Diff(want[name], f.String()); diff != "" {
				t.Fatalf("round %d, after %s (seed %d) (-fresh +replayed):\n%s", round, name, seed, diff)
			}
		}
	}
}

func TestFake_Set_RepairsDrift(t *testing.T) {
	ctx := context.Background()
	d := states()["pods"]
	f := newFake(t)
	if err := f.Set(ctx, d); err != nil {
		t.Fatal(err)
	}
	want := f.String()
	fabricNS := Names{Prefix: "aksnet-"}.VNet(testVNet)
	f.Mutate(fabricNS, func(s *NSState) {
		s.Routes = s.Routes[1:]
		s.NFT = &Ruleset{}
	})
	f.DeleteNamespace(Names{Prefix: "aksnet-"}.Node(nodeName(1)))
	f.Mutate(Names{Prefix: "aksnet-"}.Pod(testCluster, "pod-a"), func(s *NSState) { s.Workloads = nil })
	if f.String() == want {
		t.Fatal("mutations changed nothing")
	}
	if err := f.Set(ctx, d); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, f.String()); diff != "" {
		t.Fatalf("drift not repaired (-want +got):\n%s", diff)
	}
}

func TestFake_Set_ClusterDeletedLeavesNothing(t *testing.T) {
	ctx := context.Background()
	f := newFake(t)
	if err := f.Set(ctx, states()["pods"]); err != nil {
		t.Fatal(err)
	}
	if err := f.Set(ctx, Desired{VNets: states()["pods"].VNets}); err != nil {
		t.Fatal(err)
	}
	if ns := f.Namespaces(); len(ns) != 0 {
		t.Fatalf("namespaces left after the cluster went: %v", ns)
	}
}

// TestCompile_FabricRoutes checks the fabric's subnet table for the
// article's cluster: exactly the LPM result, VNet delivery by /32 per NIC.
func TestCompile_FabricRoutes(t *testing.T) {
	w, err := compile(fixture{nodes: 3, skipNode: -1}.desired(), Names{Prefix: "aksnet-"})
	if err != nil {
		t.Fatal(err)
	}
	f := w[Names{Prefix: "aksnet-"}.VNet(testVNet)]
	got := strings.Join(f.Lines(), "\n")
	tid := subnetTables([]string{testSubnet}, func(s string) string { return s })[strings.ToLower(testSubnet)]
	for _, want := range []string{
		"route 192.168.1.4/32 dev aksnetc0a80104",
		routeLine(tid, "blackhole 10.0.0.0/8"),
		routeLine(tid, "10.244.1.0/24 via 192.168.1.5 dev aksnetc0a80105 onlink"),
		routeLine(tid, "default via 169.254.0.1 dev aksnetinet onlink"),
		routeLine(tid, "blackhole 192.168.0.0/16"),
		routeLine(tid, "192.168.1.6/32 dev aksnetc0a80106"),
		"rule 1001: iif aksnetc0a80105 lookup " + itoa(tid),
		"addr 192.168.1.1/32 dev aksnetc0a80104",
		"sysctl net/ipv4/neigh/aksnetc0a80104/proxy_delay=0",
		"sysctl net/ipv4/conf/all/rp_filter=0",
		`nft     oifname "aksnetinet" ip saddr 192.168.1.5 snat to 198.51.100.1`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("fabric lacks %q; it holds:\n%s", want, got)
		}
	}
}

// TestCompile_UDRDefaultNoneKeepsVNet: a custom 0.0.0.0/0 → None must not
// override VnetLocal, and a more specific UDR must still override a NIC.
func TestCompile_UDRDefaultNoneKeepsVNet(t *testing.T) {
	d := fixture{nodes: 3, skipNode: -1, udrs: []fabric.Route{
		{Name: "default", Prefix: mp("0.0.0.0/0"), NextHopType: fabric.None},
		{Name: "isolate-6", Prefix: mp("192.168.1.6/32"), NextHopType: fabric.None},
	}}.desired()
	w, err := compile(d, Names{Prefix: "aksnet-"})
	if err != nil {
		t.Fatal(err)
	}
	tid := subnetTables([]string{testSubnet}, func(s string) string { return s })[strings.ToLower(testSubnet)]
	got := strings.Join(w[Names{Prefix: "aksnet-"}.VNet(testVNet)].Lines(), "\n")
	for _, want := range []string{
		routeLine(tid, "blackhole 0.0.0.0/0"),
		routeLine(tid, "192.168.1.4/32 dev aksnetc0a80104"),
		routeLine(tid, "blackhole 192.168.1.6/32"),
		routeLine(tid, "10.244.2.0/24 via 192.168.1.6 dev aksnetc0a80106 onlink"),
	} {
		if !strings.Contains(got, want) {
			t.Errorf("fabric lacks %q; it holds:\n%s", want, got)
		}
	}
	if strings.Contains(got, routeLine(tid, "default via")) {
		t.Errorf("internet route survived a 0.0.0.0/0 None UDR:\n%s", got)
	}
}

func routeLine(tid int, rest string) string { return "route table " + itoa(tid) + " " + rest }

func itoa(n int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + fmtInt(n)) }

func fmtInt(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
