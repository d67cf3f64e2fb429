package dataplane

import (
	"testing"

	"github.com/aksnet/aksnet/internal/fabric"
)

// TestCompileMemo_MatchesFreshCompile: a fabric reused from the memo is
// exactly what a fresh compile builds, a change to anything the fabric
// reads rebuilds it, and a change elsewhere (a pod) reuses it.
func TestCompileMemo_MatchesFreshCompile(t *testing.T) {
	names := Names{Prefix: "aksnettest"}
	base := func() Desired {
		return fixture{nodes: 4, skipNode: -1, subnetNSG: &NSG{ID: "/x/nsg", Rules: []fabric.SecurityRule{{
			Name: "r", Priority: 100, Direction: fabric.Inbound, Access: fabric.Allow, Protocol: "*",
			SourcePrefixes: []string{"*"}, DestPrefixes: []string{"*"}, SourcePorts: []string{"*"}, DestPorts: []string{"*"}}}}}.desired()
	}
	fabricName := names.VNet(testVNet)
	for _, tc := range []struct {
		name    string
		change  func(d *Desired)
		rebuild bool
	}{
		{"nothing", func(*Desired) {}, false},
		{"a pod added", func(d *Desired) {
			d.Clusters[0].Pods = append(d.Clusters[0].Pods, Pod{Name: "web", Node: nodeName(1), IP: podIP(1, 9)})
		}, false},
		{"an NSG rule's access", func(d *Desired) { d.VNets[0].Subnets[0].NSG.Rules[0].Access = fabric.Deny }, true},
		{"an NSG rule's port", func(d *Desired) { d.VNets[0].Subnets[0].NSG.Rules[0].DestPorts[0] = "80" }, true},
		{"a route removed", func(d *Desired) {
			r := d.VNets[0].Subnets[0].Routes
			d.VNets[0].Subnets[0].Routes = r[:len(r)-1]
		}, true},
		{"a route's next hop", func(d *Desired) {
			r := d.VNets[0].Subnets[0].Routes
			r[len(r)-1].NextHopIP = nodeIP(0)
		}, true},
		{"IP forwarding", func(d *Desired) { d.VNets[0].NICs[2].IPForwarding = false }, true},
		{"a NIC's NSG", func(d *Desired) { d.VNets[0].NICs[2].NSG = nil }, true},
		{"a node removed", func(d *Desired) { d.Clusters[0].Nodes = d.Clusters[0].Nodes[:3] }, true},
		{"the public IP", func(d *Desired) { d.Clusters[0].PublicIP = ma("198.51.100.7") }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			memo := fabricMemo{}
			first, err := compileMemo(base(), names, memo)
			if err != nil {
				t.Fatal(err)
			}
			d := base()
			tc.change(&d)
			got, err := compileMemo(d, names, memo)
			if err != nil {
				t.Fatal(err)
			}
			fresh, err := compile(d, names)
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != fresh.String() {
				t.Fatalf("memoised compile differs from a fresh one:\n%s\nwant\n%s", got, fresh)
			}
			if reused := got[fabricName] == first[fabricName]; reused == tc.rebuild {
				t.Errorf("fabric reused = %v, want %v", reused, !tc.rebuild)
			}
		})
	}
}

// TestCompileMemo_ForgetsRemovedFabrics: a VNet without realised NICs
// leaves the memo.
func TestCompileMemo_ForgetsRemovedFabrics(t *testing.T) {
	names := Names{Prefix: "aksnettest"}
	memo := fabricMemo{}
	if _, err := compileMemo(fixture{nodes: 2, skipNode: -1}.desired(), names, memo); err != nil {
		t.Fatal(err)
	}
	if len(memo) != 1 {
		t.Fatalf("memo holds %d fabrics, want 1", len(memo))
	}
	if _, err := compileMemo(fixture{nodes: 0, skipNode: -1}.desired(), names, memo); err != nil {
		t.Fatal(err)
	}
	if len(memo) != 0 {
		t.Errorf("memo holds %d fabrics after the VNet emptied, want 0", len(memo))
	}
}
