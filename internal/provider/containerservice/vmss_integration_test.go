package containerservice_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"

	"github.com/aksnet/aksnet/internal/armtest"
	netrp "github.com/aksnet/aksnet/internal/provider/network"
)

// Issue 17, point 2: a cluster's nodes are VM scale set instances, as on
// AKS, and their NICs are the scale set's, read through the network RP's
// VMSS network interface operations (api-version 2018-10-01 in the
// Microsoft.Network swagger; az 2.45's vmss nic list sends 2016-03-30) and
// the compute RP's scale set reads. The shapes follow the azure-rest-api-specs
// examples VmssNetworkInterfaceGet.json, VmssVmNetworkInterfaceList.json and
// VmssNetworkInterfaceList.json (Microsoft.Network stable 2024-05-01, as the
// SDK's armnetwork v6 example tests carry them) and
// VirtualMachineScaleSetVM_List_MinimumSet_Gen.json (Microsoft.Compute
// 2025-04-01, armcompute v7).
func TestVMSS_NodesAreScaleSetInstances(t *testing.T) {
	h := newHarness(t)
	n, l := h.articleCluster(t, 3)
	nodeRG := l.NodeRG
	vmss := l.Nodes[0].Name[:len(l.Nodes[0].Name)-6]
	rgPath := h.RGID(nodeRG)
	vmssID := rgPath + "/providers/Microsoft.Compute/virtualMachineScaleSets/" + vmss
	nicID := func(i int) string { return fmt.Sprintf("%s/virtualMachines/%d/networkInterfaces/%s", vmssID, i, vmss) }

	get := func(path, api string, wantStatus int) armtest.RawResp {
		t.Helper()
		r := h.Do(http.MethodGet, path+"?api-version="+api, nil)
		if r.Status != wantStatus {
			t.Fatalf("GET %s: %d %s, want %d", path, r.Status, r.Body, wantStatus)
		}
		if r.Header.Get("x-ms-request-id") == "" || r.Header.Get("x-ms-correlation-request-id") == "" {
			t.Errorf("GET %s: no x-ms-request-id / x-ms-correlation-request-id: %v", path, r.Header)
		}
		if wantStatus == http.StatusOK && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Errorf("GET %s: Content-Type %q", path, r.Header.Get("Content-Type"))
		}
		return r
	}
	type listOf struct {
		Value    []json.RawMessage `json:"value"`
		NextLink *string           `json:"nextLink"`
	}
	list := func(path, api string) []map[string]any {
		t.Helper()
		var page listOf
		get(path, api, http.StatusOK).Decode(t, &page)
		out := []map[string]any{}
		for _, raw := range page.Value {
			var m map[string]any
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatal(err)
			}
			out = append(out, m)
		}
		return out
	}
	ids := func(items []map[string]any) []string {
		var out []string
		for _, it := range items {
			s, _ := it["id"].(string)
			out = append(out, s)
		}
		return out
	}

	// The scale set, by resource group and by subscription (compute api-version as az 2.45 sends it).
	sets := list(rgPath+"/providers/Microsoft.Compute/virtualMachineScaleSets", "2022-11-01")
	if got := ids(sets); !slices.Equal(got, []string{vmssID}) {
		t.Fatalf("scale sets of %s: %v, want [%s]", nodeRG, got, vmssID)
	}
	if sku, _ := sets[0]["sku"].(map[string]any); sku["capacity"] != float64(3) {
		t.Errorf("scale set sku %v, want capacity 3", sku)
	}
	if !slices.Contains(ids(list("/subscriptions/"+h.Sub+"/providers/Microsoft.Compute/virtualMachineScaleSets", "2022-11-01")), vmssID) {
		t.Errorf("the subscription's scale sets lack %s", vmssID)
	}

	// Its instances: 0, 1, 2, each naming its NIC (VirtualMachineScaleSetVM_List examples:
	// id, instanceId, name {vmss}_{i}, properties.networkProfile.networkInterfaces[].id).
	vms := list(vmssID+"/virtualMachines", "2022-11-01")
	if len(vms) != 3 {
		t.Fatalf("instances: %d, want 3", len(vms))
	}
	for i, vm := range vms {
		if vm["instanceId"] != fmt.Sprint(i) || vm["name"] != fmt.Sprintf("%s_%d", vmss, i) || vm["type"] != "Microsoft.Compute/virtualMachineScaleSets/virtualMachines" {
			t.Errorf("instance %d: %v", i, vm)
		}
		var doc struct {
			Properties struct {
				OSProfile      struct{ ComputerName string }
				NetworkProfile struct{ NetworkInterfaces []struct{ ID string } }
			}
		}
		raw, _ := json.Marshal(vm)
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Properties.OSProfile.ComputerName != l.Nodes[i].Name {
			t.Errorf("instance %d computer name %q, want %q", i, doc.Properties.OSProfile.ComputerName, l.Nodes[i].Name)
		}
		if nics := doc.Properties.NetworkProfile.NetworkInterfaces; len(nics) != 1 || nics[0].ID != nicID(i) {
			t.Errorf("instance %d NICs %v, want [%s]", i, nics, nicID(i))
		}
	}

	// One NIC (VmssNetworkInterfaceGet.json): the example's keys, the
	// instance as its virtualMachine, AKS's names and casing, and the
	// network RP's ETag header.
	r := get(nicID(1), "2018-10-01", http.StatusOK)
	var nic map[string]any
	r.Decode(t, &nic)
	if nic["id"] != nicID(1) || nic["name"] != vmss || nic["type"] != "Microsoft.Network/networkInterfaces" {
		t.Errorf("NIC id %v name %v type %v", nic["id"], nic["name"], nic["type"])
	}
	if tag, _ := nic["etag"].(string); tag == "" || r.Header.Get("ETag") != tag {
		t.Errorf("NIC etag %q, ETag header %q", tag, r.Header.Get("ETag"))
	}
	props, _ := nic["properties"].(map[string]any)
	for _, k := range []string{"ipConfigurations", "macAddress", "enableAcceleratedNetworking", "enableIPForwarding", "networkSecurityGroup", "primary", "provisioningState", "virtualMachine"} {
		if _, ok := props[k]; !ok {
			t.Errorf("NIC properties lack %q (VmssNetworkInterfaceGet.json has it): %v", k, props)
		}
	}
	var typed armnetwork.Interface
	r.Decode(t, &typed)
	ipc := typed.Properties.IPConfigurations[0]
	if str(ipc.ID) != nicID(1)+"/ipConfigurations/ipconfig1" || str(ipc.Name) != "ipconfig1" || str(ipc.Properties.PrivateIPAddress) != "192.168.1.5" ||
		!strings.EqualFold(str(ipc.Properties.Subnet.ID), n.subnetID) || ipc.Properties.Primary == nil || !*ipc.Properties.Primary {
		t.Errorf("NIC ipConfiguration %s %s %s %s", str(ipc.ID), str(ipc.Name), str(ipc.Properties.PrivateIPAddress), str(ipc.Properties.Subnet.ID))
	}
	if str(typed.Properties.VirtualMachine.ID) != vmssID+"/virtualMachines/1" || !*typed.Properties.EnableIPForwarding {
		t.Errorf("NIC virtualMachine %s, enableIPForwarding %v", str(typed.Properties.VirtualMachine.ID), *typed.Properties.EnableIPForwarding)
	}
	// The swagger's path spells the namespace microsoft.Compute; any casing reads.
	get(strings.Replace(nicID(1), "Microsoft.Compute", "microsoft.Compute", 1), "2018-10-01", http.StatusOK)

	// An instance's NICs (VmssVmNetworkInterfaceList.json) and the scale set's (VmssNetworkInterfaceList.json), in instance order.
	if got := ids(list(vmssID+"/virtualMachines/2/networkInterfaces", "2018-10-01")); !slices.Equal(got, []string{nicID(2)}) {
		t.Errorf("instance 2's NICs %v", got)
	}
	if got := ids(list(vmssID+"/networkInterfaces", "2016-03-30")); !slices.Equal(got, []string{nicID(0), nicID(1), nicID(2)}) {
		t.Errorf("scale set NICs %v", got)
	}

	// Not there: a NIC, an instance's NICs, a scale set's NICs.
	armtest.WantError{Status: http.StatusNotFound, Code: "ResourceNotFound"}.Check(t, get(vmssID+"/virtualMachines/1/networkInterfaces/nope", "2018-10-01", http.StatusNotFound).APIErr(t))
	armtest.WantError{Status: http.StatusNotFound, Code: "ParentResourceNotFound"}.Check(t, get(vmssID+"/virtualMachines/9/networkInterfaces", "2018-10-01", http.StatusNotFound).APIErr(t))
	armtest.WantError{Status: http.StatusNotFound, Code: "ParentResourceNotFound"}.Check(t, get(rgPath+"/providers/Microsoft.Compute/virtualMachineScaleSets/nope/networkInterfaces", "2018-10-01", http.StatusNotFound).APIErr(t))
	// AKS owns them: a PUT is refused.
	if r := h.Do(http.MethodPut, nicID(0)+"?api-version=2018-10-01", map[string]any{"location": "eastus"}); r.Status != http.StatusConflict {
		t.Errorf("PUT of a scale set NIC: %d %s", r.Status, r.Body)
	}

	// network nic list -g MC_… returns no scale set NIC, nor does the group's resource list.
	if got := list(rgPath+"/providers/Microsoft.Network/networkInterfaces", "2022-01-01"); len(got) != 0 {
		t.Errorf("network interfaces of %s: %v, want none", nodeRG, ids(got))
	}
	for _, res := range h.ResourcesIn(nodeRG) {
		if strings.Contains(strings.ToLower(res), "networkinterfaces") {
			t.Errorf("resource list of %s has %s", nodeRG, res)
		}
	}

	// The subnet lists the instances' IP configurations as the network RP spells them.
	var want []string
	for i := range 3 {
		want = append(want, netrp.VMSSIPConfigRef(nicID(i)+"/ipConfigurations/ipconfig1"))
	}
	if got := subnetIPConfigs(h, n.subnetID); !slices.Equal(got, want) {
		t.Errorf("subnet ipConfigurations\n%v\nwant\n%v", got, want)
	}
	if want[0] != "/subscriptions/"+h.Sub+"/resourceGroups/"+strings.ToUpper(nodeRG)+"/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/"+
		strings.ToUpper(vmss)+"/VIRTUALMACHINES/0/NETWORKINTERFACES/"+strings.ToUpper(vmss)+"/ipConfigurations/IPCONFIG1" {
		t.Errorf("subnet ipConfiguration id %s", want[0])
	}

	// The effective routes of a scale set NIC (az network nic show-effective-route-table --ids).
	er := h.Do(http.MethodPost, nicID(0)+"/effectiveRouteTable?api-version=2018-10-01", nil)
	if er.Status != http.StatusOK || !strings.Contains(string(er.Body), `"10.244.1.0/24"`) {
		t.Errorf("effective routes of %s: %d %s", nicID(0), er.Status, er.Body)
	}

	// RBAC: the reads are Microsoft.Compute actions. A Reader reads them; Network
	// Contributor alone (Microsoft.Network/*) reads the standalone NIC list but not the
	// scale set's NICs, as on Azure.
	reader, _ := h.withRole(nodeRG, "reader", readerRole)
	netOnly, _ := h.withRole(nodeRG, "netcontrib", networkContributor)
	armtest.Eventually(t, 10*time.Second, func() string {
		if r := reader.Do(http.MethodGet, vmssID+"/networkInterfaces?api-version=2018-10-01", nil); r.Status != http.StatusOK {
			return fmt.Sprintf("Reader: scale set NICs %d %s", r.Status, r.Body)
		}
		if r := netOnly.Do(http.MethodGet, rgPath+"/providers/Microsoft.Network/networkInterfaces?api-version=2022-01-01", nil); r.Status != http.StatusOK {
			return fmt.Sprintf("Network Contributor: NIC list %d %s", r.Status, r.Body)
		}
		return ""
	})
	for path, action := range map[string]string{
		nicID(0): "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/networkInterfaces/read",
		vmssID + "/virtualMachines/0/networkInterfaces": "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/networkInterfaces/read",
		vmssID + "/networkInterfaces":                   "Microsoft.Compute/virtualMachineScaleSets/networkInterfaces/read",
		vmssID + "/virtualMachines":                     "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/read",
		vmssID:                                          "Microsoft.Compute/virtualMachineScaleSets/read",
	} {
		r := netOnly.Do(http.MethodGet, path+"?api-version=2018-10-01", nil)
		armtest.WantError{Status: http.StatusForbidden, Code: "AuthorizationFailed", Mentions: []string{armtest.Fold(action)}}.Check(t, r.APIErr(t))
	}
}

// subnetIPConfigs returns the ids of a subnet's ipConfigurations, in order.
func subnetIPConfigs(h *harness, subnetID string) []string {
	h.T.Helper()
	var out []string
	for _, c := range h.subnet(subnetID).Properties.IPConfigurations {
		out = append(out, str(c.ID))
	}
	return out
}

// The Go SDK's pagers walk a cluster's scale set through a scale 3 → 5 → 2:
// armcompute's VirtualMachineScaleSetVMsClient.NewListPager and
// armnetwork's InterfacesClient.NewListVirtualMachineScaleSetNetworkInterfacesPager
// and NewListVirtualMachineScaleSetVMNetworkInterfacesPager see the
// instances and NICs the cluster has, the subnet's ipConfigurations follow,
// and a removed instance's NIC is gone and its address free again.
func TestVMSS_SDKPagersFollowScale(t *testing.T) {
	h := newHarness(t)
	n, l := h.articleCluster(t, 3)
	nodeRG := l.NodeRG
	vmss := l.Nodes[0].Name[:len(l.Nodes[0].Name)-6]
	vmClient, err := armcompute.NewVirtualMachineScaleSetVMsClient(h.Sub, h.Cred, h.Env.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	ssClient, err := armcompute.NewVirtualMachineScaleSetsClient(h.Sub, h.Cred, h.Env.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	nics := h.Net.NewInterfacesClient()
	check := func(count int) {
		t.Helper()
		ss, err := ssClient.Get(h.Ctx, nodeRG, vmss, nil)
		if err != nil {
			t.Fatalf("get scale set: %v", err)
		}
		if ss.SKU == nil || ss.SKU.Capacity == nil || *ss.SKU.Capacity != int64(count) {
			t.Errorf("%d nodes: scale set capacity %v", count, ss.SKU)
		}
		pages, err := armtest.Pages(h.Ctx, vmClient.NewListPager(nodeRG, vmss, nil))
		if err != nil {
			t.Fatalf("list instances: %v", err)
		}
		var instances []string
		for _, p := range pages {
			for _, vm := range p.Value {
				instances = append(instances, str(vm.InstanceID))
				if vm.Properties == nil || vm.Properties.NetworkProfile == nil || len(vm.Properties.NetworkProfile.NetworkInterfaces) != 1 {
					t.Errorf("instance %s has no one NIC", str(vm.ID))
					continue
				}
				ref := str(vm.Properties.NetworkProfile.NetworkInterfaces[0].ID)
				vmNICs, err := armtest.Pages(h.Ctx, nics.NewListVirtualMachineScaleSetVMNetworkInterfacesPager(nodeRG, vmss, str(vm.InstanceID), nil))
				if err != nil {
					t.Fatalf("list the NICs of instance %s: %v", str(vm.InstanceID), err)
				}
				if len(vmNICs) != 1 || len(vmNICs[0].Value) != 1 || str(vmNICs[0].Value[0].ID) != ref {
					t.Errorf("instance %s: NIC pager %v, network profile %s", str(vm.InstanceID), vmNICs, ref)
				}
			}
		}
		slices.Sort(instances)
		if len(instances) != count {
			t.Errorf("%d nodes: instances %v", count, instances)
		}
		all, err := armtest.Pages(h.Ctx, nics.NewListVirtualMachineScaleSetNetworkInterfacesPager(nodeRG, vmss, nil))
		if err != nil {
			t.Fatalf("list the scale set's NICs: %v", err)
		}
		var ips, refs []string
		for _, p := range all {
			for _, nic := range p.Value {
				ips = append(ips, str(nic.Properties.IPConfigurations[0].Properties.PrivateIPAddress))
				refs = append(refs, netrp.VMSSIPConfigRef(str(nic.Properties.IPConfigurations[0].ID)))
			}
		}
		slices.Sort(refs)
		if want := seqIPs("192.168.1.4", count); !sameSet(ips, want) {
			t.Errorf("%d nodes: NIC addresses %v, want %v", count, ips, want)
		}
		if got := subnetIPConfigs(h, n.subnetID); !slices.Equal(got, refs) {
			t.Errorf("%d nodes: subnet ipConfigurations %v, want %v", count, got, refs)
		}
		h.layoutOf(n.rg, "c").check(t, count)
	}
	check(3)
	for _, count := range []int32{5, 2} {
		if _, err := h.scaleCluster(n.rg, "c", count); err != nil {
			t.Fatalf("scale to %d: %v", count, err)
		}
		check(int(count))
	}
	// A removed instance is gone with its NIC.
	if _, err := nics.GetVirtualMachineScaleSetNetworkInterface(h.Ctx, nodeRG, vmss, "4", vmss, nil); err == nil {
		t.Error("instance 4's NIC is still there after the scale to 2")
	}
	// The cluster's delete removes the node resource group, scale set and NICs, and frees
	// the addresses: the subnet lists no IP configuration.
	h.deleteCluster(n.rg, "c")
	if got := subnetIPConfigs(h, n.subnetID); len(got) != 0 {
		t.Errorf("subnet ipConfigurations after the cluster's delete: %v", got)
	}
}
