package kubenodes

import (
	"net/netip"
	"strings"
	"testing"
)

func TestProviderID(t *testing.T) {
	// cloud-provider-azure writes the resource group in lower case in a VMSS node's providerID
	// (e.g. azure:///subscriptions/.../resourceGroups/mc_rg_cluster_eastus/providers/Microsoft.Compute/
	// virtualMachineScaleSets/aks-nodepool1-...-vmss/virtualMachines/0), and issue 16 asks for exactly that.
	const sub = "00000000-0000-0000-0000-000000000001"
	got := ProviderID(sub, "MC_myResourceGroup_myAKSCluster_eastus", "aks-nodepool1-12345678-vmss", 3)
	want := "azure:///subscriptions/" + sub + "/resourceGroups/mc_myresourcegroup_myakscluster_eastus/providers/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-12345678-vmss/virtualMachines/3"
	if got != want {
		t.Fatalf("ProviderID = %s\nwant %s", got, want)
	}
}

func TestParse(t *testing.T) {
	valid := `{"nodes":[{"name":"aks-nodepool1-1-vmss000000","pool":"nodepool1","internalIP":"10.240.0.4","podCIDR":"10.244.0.0/24","providerID":"azure:///x","maxPods":110}]}`
	one := valid[10 : len(valid)-2]
	tests := []struct {
		name, in, wantErr string
	}{
		{"valid", valid, ""},
		{"empty list", `{"nodes":[]}`, ""},
		{"not json", `{`, "unexpected end"},
		{"no name", strings.Replace(valid, `"aks-nodepool1-1-vmss000000"`, `""`, 1), "no name"},
		{"no pool", strings.Replace(valid, `"nodepool1"`, `""`, 1), "no pool"},
		{"bad ip", strings.Replace(valid, "10.240.0.4", "10.240.0", 1), "10.240.0"},
		{"ipv6 ip", strings.Replace(valid, "10.240.0.4", "fd00::4", 1), "not an IPv4 address"},
		{"host bits", strings.Replace(valid, "10.244.0.0/24", "10.244.0.1/24", 1), "not an IPv4 network prefix"},
		{"no pod CIDR", strings.Replace(valid, `"podCIDR":"10.244.0.0/24",`, "", 1), "not an IPv4 network prefix"},
		{"max pods 0", strings.Replace(valid, "110", "0", 1), "maxPods 0"},
		{"max pods 251", strings.Replace(valid, "110", "251", 1), "maxPods 251"},
		{"provider id", strings.Replace(valid, "azure:///x", "aws:///x", 1), "aws:///x"},
		{"duplicate", `{"nodes":[` + one + `,` + one + `]}`, "used twice"},
		{"shared IP", `{"nodes":[` + one + `,` + strings.NewReplacer("vmss000000", "vmss000001", "10.244.0.0", "10.244.1.0").Replace(one) + `]}`,
			"internalIP 10.240.0.4 is also aks-nodepool1-1-vmss000000's"},
		{"overlapping pod CIDRs", `{"nodes":[` + one + `,` +
			strings.NewReplacer("vmss000000", "vmss000001", "10.240.0.4", "10.240.0.5", "10.244.0.0/24", "10.244.0.0/16").Replace(one) + `]}`, "overlaps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestMarshalRoundTrip checks that what aksnetd writes is what aksnet-kube reads, typed values
// included, and that no Nodes is written as an empty list: an instruction to remove every Node.
func TestMarshalRoundTrip(t *testing.T) {
	empty, err := Marshal(File{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(strings.Fields(string(empty)), ""); got != `{"nodes":[]}` {
		t.Errorf("no Nodes marshal to %s, want {\"nodes\":[]}", empty)
	}
	n := Node{Name: "aks-nodepool1-1-vmss000000", Pool: "nodepool1", InternalIP: netip.MustParseAddr("10.240.0.4"),
		PodCIDR: netip.MustParsePrefix("10.244.0.0/24"), ProviderID: "azure:///x", MaxPods: 110,
		Labels: map[string]string{"kubernetes.azure.com/mode": "system"}}
	b, err := Marshal(File{Nodes: []Node{n}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Nodes) != 1 || f.Nodes[0].PodCIDR != n.PodCIDR || f.Nodes[0].InternalIP != n.InternalIP ||
		f.Nodes[0].Labels["kubernetes.azure.com/mode"] != "system" || f.Nodes[0].Name != n.Name {
		t.Errorf("round trip gave %+v, want %+v", f.Nodes, n)
	}
	if strings.Contains(string(b), `"cpu"`) {
		t.Errorf("an unset cpu is written: %s", b)
	}
}
