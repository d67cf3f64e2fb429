package armtest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
)

func TestSubscriptions_ListAndGet(t *testing.T) {
	t.Parallel()
	h := newHarness(t)

	// az login lists subscriptions with this api-version and needs id,
	// displayName, state and tenantId on each.
	r := h.Do(http.MethodGet, "/subscriptions?api-version=2019-11-01", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("list subscriptions: %d %s", r.Status, r.Body)
	}
	var list struct {
		Value []struct {
			ID, SubscriptionID, DisplayName, State, TenantID string
		} `json:"value"`
	}
	r.Decode(t, &list)
	if len(list.Value) != 1 {
		t.Fatalf("got %d subscriptions, want 1: %s", len(list.Value), r.Body)
	}
	s := list.Value[0]
	if s.ID != "/subscriptions/"+h.Sub || s.SubscriptionID != h.Sub || s.DisplayName == "" || s.State != "Enabled" || s.TenantID != h.Env.Creds.TenantID {
		t.Errorf("subscription %+v: want id /subscriptions/%s, state Enabled, tenant %s and a display name", s, h.Sub, h.Env.Creds.TenantID)
	}

	r = h.Do(http.MethodGet, "/subscriptions/"+h.Sub+"?api-version=2022-12-01", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("get subscription: %d %s", r.Status, r.Body)
	}
	var got struct{ ID, SubscriptionID, State, TenantID string }
	r.Decode(t, &got)
	if got.ID != "/subscriptions/"+h.Sub || got.TenantID != h.Env.Creds.TenantID || got.State != "Enabled" {
		t.Errorf("get subscription = %+v", got)
	}

	const missing = "00000000-0000-0000-0000-000000000001"
	r = h.Do(http.MethodGet, "/subscriptions/"+missing+"?api-version=2022-12-01", nil)
	want{Status: http.StatusNotFound, Code: "SubscriptionNotFound", Mentions: []string{missing}}.Check(t, r.APIErr(t))
	r = h.Do(http.MethodGet, "/subscriptions/"+missing+"/resourcegroups?api-version=2021-04-01", nil)
	want{Status: http.StatusNotFound, Code: "SubscriptionNotFound", Mentions: []string{missing}}.Check(t, r.APIErr(t))
}

func TestResourceGroups_Lifecycle(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	name := uniqueRG(t)

	ctx, resp := captured(h.Ctx)
	created, err := h.RG.CreateOrUpdate(ctx, name, armresources.ResourceGroup{Location: to.Ptr("East US"), Tags: map[string]*string{"env": to.Ptr("test")}}, nil)
	answered(t, "first PUT", resp, err, http.StatusCreated)
	if *created.ID != h.RGID(name) || *created.Name != name || *created.Location != "eastus" || *created.Type != "Microsoft.Resources/resourceGroups" {
		t.Errorf("created %+v", created.ResourceGroup)
	}
	if created.Properties == nil || *created.Properties.ProvisioningState != "Succeeded" {
		t.Errorf("provisioningState not Succeeded: %+v", created.Properties)
	}

	ctx, resp = captured(h.Ctx)
	_, err = h.RG.CreateOrUpdate(ctx, name, armresources.ResourceGroup{Location: to.Ptr("eastus")}, nil)
	answered(t, "second PUT", resp, err, http.StatusOK)

	// A group can't move.
	_, err = h.RG.CreateOrUpdate(h.Ctx, name, armresources.ResourceGroup{Location: to.Ptr("westeurope")}, nil)
	wantSDKErr(t, err, want{Status: http.StatusConflict, Code: "InvalidResourceGroupLocation", Target: "location", Mentions: []string{"westeurope", "eastus"}})

	got, err := h.RG.Get(h.Ctx, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	if *got.ID != h.RGID(name) || *got.Location != "eastus" {
		t.Errorf("get %+v", got.ResourceGroup)
	}

	ex, err := h.RG.CheckExistence(h.Ctx, name, nil)
	if err != nil || !ex.Success {
		t.Errorf("CheckExistence(%s) = %v, %v; want true", name, ex.Success, err)
	}
	ex, err = h.RG.CheckExistence(h.Ctx, name+"-nope", nil)
	if err != nil || ex.Success {
		t.Errorf("CheckExistence(missing) = %v, %v; want false", ex.Success, err)
	}

	upd, err := h.RG.Update(h.Ctx, name, armresources.ResourceGroupPatchable{Tags: map[string]*string{"team": to.Ptr("net")}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(upd.Tags) != 1 || upd.Tags["team"] == nil || *upd.Tags["team"] != "net" || *upd.Location != "eastus" {
		t.Errorf("after PATCH: tags %v location %v", upd.Tags, *upd.Location)
	}
	got, _ = h.RG.Get(h.Ctx, name, nil)
	if got.Tags["team"] == nil || *got.Tags["team"] != "net" {
		t.Errorf("PATCHed tags not stored: %v", got.Tags)
	}

	var listed []string
	for _, page := range AllPages(h, h.RG.NewListPager(nil)) {
		listed = append(listed, names(page.Value, func(g *armresources.ResourceGroup) *string { return g.Name })...)
	}
	if !slices.Contains(listed, name) {
		t.Errorf("list does not contain %s: %v", name, listed)
	}
}

func TestResourceGroups_DeleteRemovesContents(t *testing.T) {
	h, rg := parallelRG(t)
	other := uniqueRG(t) + "-other"
	h.MkRG(other)

	v := h.VNet(rg, "vnet1", "10.10.0.0/16", "s1=10.10.1.0/24")
	rt, nsg := h.tableAndNSG(rg, "rt1", "nsg1")
	// In-use links inside the group do not block deleting the group.
	if _, err := h.PutSubnet(rg, "vnet1", "s1", armnetwork.Subnet{Properties: &armnetwork.SubnetPropertiesFormat{
		AddressPrefix:        to.Ptr("10.10.1.0/24"),
		RouteTable:           &armnetwork.RouteTable{ID: rt.ID},
		NetworkSecurityGroup: &armnetwork.SecurityGroup{ID: nsg.ID},
	}}); err != nil {
		t.Fatal(err)
	}
	nic, err := h.PutNIC(rg, "nic1", *v.Properties.Subnets[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	otherVNet := h.VNet(other, "vnet1", "10.10.0.0/16")

	var inRG []string
	for _, page := range AllPages(h, h.Res.NewListByResourceGroupPager(rg, nil)) {
		inRG = append(inRG, names(page.Value, func(r *armresources.GenericResourceExpanded) *string { return r.ID })...)
	}
	for _, id := range []string{*v.ID, *rt.ID, *nsg.ID, *nic.ID} {
		if !slices.Contains(inRG, id) {
			t.Errorf("resources of %s do not list %s: %v", rg, id, inRG)
		}
	}

	p, err := h.RG.BeginDelete(h.Ctx, rg, nil)
	if err := DeleteLRO(h.Ctx, p, err); err != nil {
		t.Fatalf("delete group: %v", err)
	}

	_, err = h.RG.Get(h.Ctx, rg, nil)
	wantSDKErr(t, err, want{Status: http.StatusNotFound, Code: "ResourceGroupNotFound", Target: "resourceGroupName", Mentions: []string{rg}})
	_, err = h.Net.NewVirtualNetworksClient().Get(h.Ctx, rg, "vnet1", nil)
	wantSDKErr(t, err, want{Status: http.StatusNotFound, Code: "ResourceGroupNotFound", Mentions: []string{rg}})

	// Subscription-wide lists no longer show the group's contents.
	var vnets []string
	for _, page := range AllPages(h, h.Net.NewVirtualNetworksClient().NewListAllPager(nil)) {
		vnets = append(vnets, names(page.Value, func(v *armnetwork.VirtualNetwork) *string { return v.ID })...)
	}
	if slices.Contains(vnets, *v.ID) {
		t.Errorf("deleted VNet %s still listed in the subscription", *v.ID)
	}
	if !slices.Contains(vnets, *otherVNet.ID) {
		t.Errorf("VNet %s of another group is gone: %v", *otherVNet.ID, vnets)
	}

	// Recreating the group starts empty, and the subnet's addresses are free.
	h.MkRG(rg)
	for _, id := range []string{*v.ID, *rt.ID, *nsg.ID, *nic.ID} {
		if h.Exists(id) {
			t.Errorf("%s survived its group's deletion", id)
		}
	}
	v = h.VNet(rg, "vnet1", "10.10.0.0/16", "s1=10.10.1.0/24")
	nic, err = h.PutNIC(rg, "nic1", *v.Properties.Subnets[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if ip := *nic.Properties.IPConfigurations[0].Properties.PrivateIPAddress; ip != "10.10.1.4" {
		t.Errorf("first NIC after recreation got %s, want 10.10.1.4", ip)
	}
}

func TestResourceGroups_InvalidNames(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, name := range []string{
		"ends-with-dot.",
		"bad!name",
		"has space",
		"slash\\back",
		strings.Repeat("a", 91),
	} {
		t.Run(name[:min(len(name), 20)], func(t *testing.T) {
			_, err := h.RG.CreateOrUpdate(h.Ctx, name, armresources.ResourceGroup{Location: to.Ptr("eastus")}, nil)
			wantSDKErr(t, err, want{Status: http.StatusBadRequest, Code: "InvalidResourceGroup", Target: "resourceGroupName", Mentions: []string{name}})
			ex, err := h.RG.CheckExistence(h.Ctx, name, nil)
			if err != nil || ex.Success {
				t.Errorf("refused group %q exists (%v, %v)", name, ex.Success, err)
			}
		})
	}
	// The longest name and every allowed character are accepted.
	for _, name := range []string{strings.Repeat("b", 90), "Ok_name-(1).x", "grüße"} {
		if _, err := h.RG.CreateOrUpdate(h.Ctx, name, armresources.ResourceGroup{Location: to.Ptr("eastus")}, nil); err != nil {
			t.Errorf("valid name %q refused: %v", name, err)
		}
	}
}

func TestResourceGroups_NotFound(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	const rg = "rg-does-not-exist"
	_, err := h.RG.Get(h.Ctx, rg, nil)
	wantSDKErr(t, err, want{Status: http.StatusNotFound, Code: "ResourceGroupNotFound", Target: "resourceGroupName", Mentions: []string{rg}})
	_, err = h.RG.Update(h.Ctx, rg, armresources.ResourceGroupPatchable{Tags: map[string]*string{}}, nil)
	wantSDKErr(t, err, want{Status: http.StatusNotFound, Code: "ResourceGroupNotFound", Mentions: []string{rg}})
	// Writing into, reading from and listing a missing group all name it.
	_, err = h.PutVNet(rg, "vnet1", VNetBody("10.0.0.0/16"))
	wantSDKErr(t, err, want{Status: http.StatusNotFound, Code: "ResourceGroupNotFound", Target: "resourceGroupName", Mentions: []string{rg}})
	_, err = h.Net.NewVirtualNetworksClient().Get(h.Ctx, rg, "vnet1", nil)
	wantSDKErr(t, err, want{Status: http.StatusNotFound, Code: "ResourceGroupNotFound", Mentions: []string{rg}})
	_, err = h.Net.NewVirtualNetworksClient().NewListPager(rg, nil).NextPage(h.Ctx)
	wantSDKErr(t, err, want{Status: http.StatusNotFound, Code: "ResourceGroupNotFound", Mentions: []string{rg}})
	_, err = h.Res.NewListByResourceGroupPager(rg, nil).NextPage(h.Ctx)
	wantSDKErr(t, err, want{Status: http.StatusNotFound, Code: "ResourceGroupNotFound", Mentions: []string{rg}})
	// A missing resource in an existing group is ResourceNotFound.
	h.NewRG()
	_, err = h.Net.NewVirtualNetworksClient().Get(h.Ctx, uniqueRG(t), "nope", nil)
	wantSDKErr(t, err, want{Status: http.StatusNotFound, Code: "ResourceNotFound", Mentions: []string{"nope", "Microsoft.Network/virtualNetworks"}})
}

func TestResourceIDs_CaseInsensitive(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	rg := uniqueRG(t) // mixed case
	canonRG := "/subscriptions/" + h.Sub + "/resourceGroups/" + rg

	// az lowercases resourcegroups.
	r := h.Do(http.MethodPut, "/subscriptions/"+h.Sub+"/resourcegroups/"+rg+"?api-version=2021-04-01", map[string]any{"location": "eastus"})
	if r.Status != http.StatusCreated {
		t.Fatalf("PUT …/resourcegroups/%s: %d %s", rg, r.Status, r.Body)
	}
	var doc struct{ ID, Name string }
	r.Decode(t, &doc)
	if doc.ID != canonRG || doc.Name != rg {
		t.Errorf("id %q name %q, want %q %q", doc.ID, doc.Name, canonRG, rg)
	}
	r = h.Do(http.MethodGet, "/SUBSCRIPTIONS/"+strings.ToUpper(h.Sub)+"/RESOURCEGROUPS/"+strings.ToLower(rg)+"?api-version=2021-04-01", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET upper-cased path: %d %s", r.Status, r.Body)
	}
	r.Decode(t, &doc)
	if doc.ID != canonRG || doc.Name != rg {
		t.Errorf("GET with other casing: id %q name %q, want %q %q", doc.ID, doc.Name, canonRG, rg)
	}

	// Lower-cased provider and type names, and a lower-cased group.
	lower := "/subscriptions/" + h.Sub + "/resourcegroups/" + strings.ToLower(rg) + "/providers/microsoft.network/virtualnetworks/MyVnet"
	r = h.Do(http.MethodPut, lower+"?api-version=2022-01-01", VNetBody("192.168.0.0/16", "mySubnet=192.168.1.0/24"))
	if r.Status != http.StatusCreated {
		t.Fatalf("PUT %s: %d %s", lower, r.Status, r.Body)
	}
	canonVNet := canonRG + "/providers/Microsoft.Network/virtualNetworks/MyVnet"
	var v armnetwork.VirtualNetwork
	r.Decode(t, &v)
	if *v.ID != canonVNet || *v.Type != "Microsoft.Network/virtualNetworks" || *v.Name != "MyVnet" {
		t.Errorf("VNet id %q type %q name %q, want %q", *v.ID, *v.Type, *v.Name, canonVNet)
	}
	if len(v.Properties.Subnets) != 1 || *v.Properties.Subnets[0].ID != canonVNet+"/subnets/mySubnet" {
		t.Errorf("inline subnet ids %v, want %s/subnets/mySubnet", names(v.Properties.Subnets, func(s *armnetwork.Subnet) *string { return s.ID }), canonVNet)
	}

	// The SDK reaches it by any casing and sees canonical ids.
	got, err := h.Net.NewVirtualNetworksClient().Get(h.Ctx, strings.ToUpper(rg), "myvnet", nil)
	if err != nil {
		t.Fatal(err)
	}
	if *got.ID != canonVNet || *got.Name != "MyVnet" {
		t.Errorf("GET myvnet: id %q name %q", *got.ID, *got.Name)
	}
	sn, err := h.Net.NewSubnetsClient().Get(h.Ctx, rg, "MYVNET", "MYSUBNET", nil)
	if err != nil {
		t.Fatal(err)
	}
	if *sn.ID != canonVNet+"/subnets/mySubnet" || *sn.Type != "Microsoft.Network/virtualNetworks/subnets" {
		t.Errorf("subnet id %q type %q", *sn.ID, *sn.Type)
	}

	// Writing through another casing updates the same resource (200, not a
	// second VNet) and keeps the original name.
	ctx, resp := captured(h.Ctx)
	upd, err := h.Net.NewVirtualNetworksClient().BeginCreateOrUpdate(ctx, strings.ToLower(rg), "MYVNET", VNetBody("192.168.0.0/16", "MYSUBNET=192.168.1.0/24"), nil)
	answered(t, "PUT with other casing", resp, err, http.StatusOK)
	res := untilDone(t, h.Ctx, upd)
	if *res.ID != canonVNet || len(res.Properties.Subnets) != 1 || *res.Properties.Subnets[0].ID != canonVNet+"/subnets/mySubnet" {
		t.Errorf("after update: id %q subnets %v", *res.ID, names(res.Properties.Subnets, func(s *armnetwork.Subnet) *string { return s.ID }))
	}
	var all []string
	for _, page := range AllPages(h, h.Net.NewVirtualNetworksClient().NewListPager(rg, nil)) {
		all = append(all, names(page.Value, func(v *armnetwork.VirtualNetwork) *string { return v.ID })...)
	}
	if len(all) != 1 || all[0] != canonVNet {
		t.Errorf("group lists %v, want only %s", all, canonVNet)
	}
}

// A group delete that a resource outside the group blocks (a NIC of
// another group on the group's subnet) is accepted as ARM accepts it, 202
// with a Location header only, and its failure is the operation's result:
// ResourceGroupDeletionBlocked naming the VNet, with the network RP's own
// error as the detail (the shape of MicrosoftDocs/azure-docs#52282 and
// Azure/bicep-registry-modules#1607). Nothing is lost: the group and its
// resources stay, and the delete retried once the NIC is gone finishes.
func TestResourceGroups_DeleteBlockedIsReportedAndRetried(t *testing.T) {
	h, rg := parallelRG(t)
	other := uniqueRG(t) + "-nics"
	h.MkRG(other)
	v := h.VNet(rg, "vnet1", "10.20.0.0/16", "s1=10.20.1.0/24")
	nic, err := h.PutNIC(other, "nic1", *v.Properties.Subnets[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	before := h.Snapshot(*v.ID, *v.Properties.Subnets[0].ID)

	resp := h.Do(http.MethodDelete, h.RGID(rg)+"?api-version=2021-04-01", nil)
	if resp.Status != http.StatusAccepted {
		t.Fatalf("DELETE group: %d %s, want 202", resp.Status, resp.Body)
	}
	loc := resp.Header.Get("Location")
	if loc == "" || resp.Header.Get("Azure-AsyncOperation") != "" {
		t.Fatalf("DELETE group headers: Location %q, Azure-AsyncOperation %q; want Location only", loc, resp.Header.Get("Azure-AsyncOperation"))
	}
	poll := h.Do(http.MethodGet, strings.TrimPrefix(loc, h.Env.URL), nil)
	got := poll.APIErr(t)
	WantError{Status: http.StatusConflict, Code: "ResourceGroupDeletionBlocked",
		Mentions: []string{rg, "Microsoft.Network/virtualNetworks/vnet1"}}.Check(t, got)
	var env struct {
		Error struct {
			Details []struct {
				Target  string `json:"target"`
				Message string `json:"message"`
			} `json:"details"`
		} `json:"error"`
	}
	if err := json.Unmarshal(poll.Body, &env); err != nil || len(env.Error.Details) != 1 {
		t.Fatalf("poll body %s: want one detail (%v)", poll.Body, err)
	}
	d := env.Error.Details[0]
	if !strings.EqualFold(d.Target, *v.ID) || !strings.Contains(d.Message, "InUseSubnetCannotBeDeleted") || !strings.Contains(d.Message, *nic.ID) {
		t.Errorf("detail %+v: want the VNet as target and the subnet's in-use error naming %s", d, *nic.ID)
	}

	// The SDK's poller reports the same failure.
	p, err := h.RG.BeginDelete(h.Ctx, rg, nil)
	wantSDKErr(t, DeleteLRO(h.Ctx, p, err), want{Status: http.StatusConflict, Code: "ResourceGroupDeletionBlocked"})

	// Rolled back: the group, its VNet and subnet are as they were.
	if !h.RGExists(rg) {
		t.Fatalf("group %s is gone after a blocked delete", rg)
	}
	h.Unchanged(before)

	// Retried once the blocker is gone, the delete finishes.
	np, err := h.Net.NewInterfacesClient().BeginDelete(h.Ctx, other, "nic1", nil)
	if err := DeleteLRO(h.Ctx, np, err); err != nil {
		t.Fatal(err)
	}
	p, err = h.RG.BeginDelete(h.Ctx, rg, nil)
	if err := DeleteLRO(h.Ctx, p, err); err != nil {
		t.Fatalf("retried group delete: %v", err)
	}
	if h.RGExists(rg) || h.Exists(*v.ID) {
		t.Errorf("group %s or its VNet is left after the retried delete", rg)
	}
}
