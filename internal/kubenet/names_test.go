package kubenet

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

func TestNodeResourceGroup(t *testing.T) {
	if got, want := NodeResourceGroup("myResourceGroup", "myAKSCluster", "eastus"), "MC_myResourceGroup_myAKSCluster_eastus"; got != want {
		t.Errorf("NodeResourceGroup = %q, want %q", got, want)
	}
}

func TestClusterID8(t *testing.T) {
	const id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/myResourceGroup/providers/Microsoft.ContainerService/managedClusters/myAKSCluster"
	got := ClusterID8(id)
	if !regexp.MustCompile(`^[0-9]{8}$`).MatchString(got) {
		t.Fatalf("ClusterID8 = %q, want 8 digits", got)
	}
	if ClusterID8(id) != got {
		t.Error("ClusterID8 is not stable")
	}
	if upper := ClusterID8("/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/resourcegroups/MYRESOURCEGROUP/providers/microsoft.containerservice/managedclusters/myaksCLUSTER"); upper != got {
		t.Errorf("ClusterID8 differs by case: %q vs %q", upper, got)
	}
	// Every id is 8 digits, including those below 10^7 (zero-padded).
	padded := 0
	for i := range 1000 {
		v := ClusterID8(fmt.Sprintf("cluster-%d", i))
		if !regexp.MustCompile(`^[0-9]{8}$`).MatchString(v) {
			t.Fatalf("ClusterID8(cluster-%d) = %q, want 8 digits", i, v)
		}
		if v[0] == '0' {
			padded++
		}
	}
	if padded == 0 {
		t.Error("no id below 10^7 among 1000 clusters: the hash is not spread over 0..10^8")
	}
	seen := map[string]string{}
	for _, s := range []string{id, id + "2", "a", "b", "", "cluster-1", "cluster-2"} {
		v := ClusterID8(s)
		if len(v) != 8 {
			t.Errorf("ClusterID8(%q) = %q, not 8 characters", s, v)
		}
		if other, dup := seen[v]; dup {
			t.Errorf("ClusterID8(%q) = ClusterID8(%q) = %q", s, other, v)
		}
		seen[v] = s
	}
}

func TestRouteTableName(t *testing.T) {
	if got, want := RouteTableName("12345678"), "aks-agentpool-12345678-routetable"; got != want {
		t.Errorf("RouteTableName = %q, want %q", got, want)
	}
}

func TestVMSSName(t *testing.T) {
	if got, want := VMSSName("nodepool1", "12345678"), "aks-nodepool1-12345678-vmss"; got != want {
		t.Errorf("VMSSName = %q, want %q", got, want)
	}
}

func TestInstanceName(t *testing.T) {
	const vmss = "aks-nodepool1-12345678-vmss"
	tests := []struct {
		n    int
		want string
	}{
		{0, vmss + "000000"},
		{1, vmss + "000001"},
		{35, vmss + "00000z"},
		{36, vmss + "000010"},
		{36*36 + 10, vmss + "00010a"},
		{2176782335, vmss + "zzzzzz"},
		{2176782336, vmss + "1000000"},
	}
	for _, tt := range tests {
		if got := InstanceName(vmss, tt.n); got != tt.want {
			t.Errorf("InstanceName(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
	// The instance name round-trips through the route helpers.
	name := RouteName(InstanceName(VMSSName("nodepool1", "12345678"), 5), mp("10.244.5.0/24"))
	if !BelongsToCluster(name, "12345678") {
		t.Errorf("route %q of a generated node does not belong to its cluster", name)
	}
}

func TestInstanceName_NegativePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("InstanceName(-1) did not panic")
		}
	}()
	InstanceName("vmss", -1)
}

func TestInstanceNameOf(t *testing.T) {
	const vmss = "/subscriptions/s/resourceGroups/MC_rg_c_eastus/providers/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-12345678-vmss"
	tests := []struct {
		id, want string
		ok       bool
	}{
		{vmss + "/virtualMachines/0", "aks-nodepool1-12345678-vmss000000", true},
		{vmss + "/virtualMachines/36/", "aks-nodepool1-12345678-vmss000010", true},
		{strings.ToUpper(vmss) + "/VIRTUALMACHINES/2", "AKS-NODEPOOL1-12345678-VMSS000002", true},
		{vmss, "", false},
		{vmss + "/virtualMachines/x", "", false},
		{vmss + "/virtualMachines/-1", "", false},
		{"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		if got, ok := InstanceNameOf(tt.id); got != tt.want || ok != tt.ok {
			t.Errorf("InstanceNameOf(%q) = %q, %v; want %q, %v", tt.id, got, ok, tt.want, tt.ok)
		}
	}
}
