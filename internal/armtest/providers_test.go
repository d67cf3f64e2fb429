package armtest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/msi/armmsi"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
)

// TestProviders_SDK walks the providers API with the Go SDK's
// ProvidersClient through the HTTPS server: the pager, Get, Register and
// Unregister, in the shape of azure-rest-api-specs' Microsoft.Resources
// 2021-04-01 examples GetProvider.json (id, namespace, registrationState,
// registrationPolicy, resourceTypes with resourceType, locations,
// apiVersions, capabilities) and RegisterProviders.json. The types and
// versions listed are the ones served: each listed version reads.
func TestProviders_SDK(t *testing.T) {
	h, rg := parallelRG(t)
	pc, err := armresources.NewProvidersClient(h.Sub, h.Cred, h.Env.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	byName := map[string]*armresources.Provider{}
	for _, page := range AllPages(h, pc.NewListPager(nil)) {
		for _, p := range page.Value {
			names = append(names, *p.Namespace)
			byName[*p.Namespace] = p
		}
	}
	for _, ns := range []string{"Microsoft.Authorization", "Microsoft.Compute", "Microsoft.ContainerService", "Microsoft.ManagedIdentity", "Microsoft.Network", "Microsoft.Resources"} {
		if byName[ns] == nil {
			t.Errorf("providers list lacks %s: %v", ns, names)
		}
	}
	netp, err := pc.Get(h.Ctx, "microsoft.network", nil)
	if err != nil {
		t.Fatal(err)
	}
	if *netp.ID != "/subscriptions/"+h.Sub+"/providers/Microsoft.Network" || *netp.Namespace != "Microsoft.Network" ||
		*netp.RegistrationState != "Registered" || *netp.RegistrationPolicy != "RegistrationRequired" {
		t.Errorf("Microsoft.Network = id %s namespace %s state %s policy %s", *netp.ID, *netp.Namespace, *netp.RegistrationState, *netp.RegistrationPolicy)
	}
	types := map[string]*armresources.ProviderResourceType{}
	for _, rt := range netp.ResourceTypes {
		types[*rt.ResourceType] = rt
	}
	vnets := types["virtualNetworks"]
	if vnets == nil || types["virtualNetworks/subnets"] == nil || types["routeTables/routes"] == nil || types["locations/operations"] == nil {
		t.Fatalf("Microsoft.Network's types lack virtualNetworks, virtualNetworks/subnets, routeTables/routes or locations/operations: %v", slices.Collect(func(yield func(string) bool) {
			for k := range types {
				if !yield(k) {
					return
				}
			}
		}))
	}
	if *vnets.Capabilities != "SupportsTags, SupportsLocation" || !slices.ContainsFunc(vnets.Locations, func(l *string) bool { return *l == "East US" }) {
		t.Errorf("virtualNetworks: capabilities %q, locations %d", *vnets.Capabilities, len(vnets.Locations))
	}
	var vs []string
	for _, v := range vnets.APIVersions {
		vs = append(vs, *v)
	}
	// az 2.45 (reference capture), armnetwork/v6 and terraform azurerm.
	for _, v := range []string{"2022-01-01", "2021-08-01", "2024-05-01"} {
		if !slices.Contains(vs, v) {
			t.Errorf("virtualNetworks' api-versions lack %s: %v", v, vs)
		}
	}
	if !slices.IsSortedFunc(vs, func(a, b string) int { return strings.Compare(b, a) }) {
		t.Errorf("api-versions not newest first: %v", vs)
	}
	// Each listed version serves the type.
	h.VNet(rg, "vnet1", "10.70.0.0/16")
	for _, v := range vs[:5] {
		if r := h.Do(http.MethodGet, h.RGID(rg)+"/providers/Microsoft.Network/virtualNetworks/vnet1?api-version="+v, nil); r.Status != http.StatusOK {
			t.Errorf("listed version %s: %d %s", v, r.Status, r.Body)
		}
	}
	aks, err := pc.Get(h.Ctx, "Microsoft.ContainerService", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(aks.ResourceTypes, func(rt *armresources.ProviderResourceType) bool {
		return *rt.ResourceType == "managedClusters/agentPools" && slices.ContainsFunc(rt.APIVersions, func(v *string) bool { return *v == "2022-11-01" })
	}) || !slices.ContainsFunc(aks.ResourceTypes, func(rt *armresources.ProviderResourceType) bool { return *rt.ResourceType == "locations/orchestrators" }) {
		t.Errorf("Microsoft.ContainerService lacks managedClusters/agentPools at 2022-11-01 or locations/orchestrators")
	}

	// Register answers the provider; unregister makes writes to it answer
	// MissingSubscriptionRegistration (409) until it is registered again.
	// On a plane of its own: the shared one's other tests write identities.
	own := ownHarness(t, Options{})
	own.MkRG(rg)
	pc, err = armresources.NewProvidersClient(own.Sub, own.Cred, own.Env.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	reg, err := pc.Register(own.Ctx, "Microsoft.ManagedIdentity", nil)
	if err != nil || *reg.RegistrationState != "Registered" || *reg.Namespace != "Microsoft.ManagedIdentity" {
		t.Fatalf("register: %+v %v", reg.Provider, err)
	}
	un, err := pc.Unregister(own.Ctx, "Microsoft.ManagedIdentity", nil)
	if err != nil || *un.RegistrationState != "NotRegistered" {
		t.Fatalf("unregister: %+v %v", un.Provider, err)
	}
	if p, err := pc.Get(own.Ctx, "Microsoft.ManagedIdentity", nil); err != nil || *p.RegistrationState != "NotRegistered" {
		t.Errorf("after unregister: %v %v", p.RegistrationState, err)
	}
	identity := armmsi.Identity{Location: to.Ptr("eastus")}
	_, err = own.MSI.CreateOrUpdate(own.Ctx, rg, "id1", identity, nil)
	wantSDKErr(t, err, want{Status: http.StatusConflict, Code: "MissingSubscriptionRegistration", Mentions: []string{"Microsoft.ManagedIdentity"}})
	if _, err := pc.Register(own.Ctx, "Microsoft.ManagedIdentity", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := own.MSI.CreateOrUpdate(own.Ctx, rg, "id1", identity, nil); err != nil {
		t.Errorf("create after re-registering: %v", err)
	}
	pc, _ = armresources.NewProvidersClient(h.Sub, h.Cred, h.Env.ClientOptions())

	_, err = pc.Get(h.Ctx, "Microsoft.Storage", nil)
	wantSDKErr(t, err, want{Status: http.StatusBadRequest, Code: "InvalidResourceNamespace", Mentions: []string{"Microsoft.Storage"}})

	// The tenant's view (GetNamedProviderAtTenant.json): no registration.
	tp, err := pc.GetAtTenantScope(h.Ctx, "Microsoft.Network", nil)
	if err != nil || *tp.ID != "/providers/Microsoft.Network" || tp.RegistrationState != nil || len(tp.ResourceTypes) != len(netp.ResourceTypes) {
		t.Errorf("tenant Microsoft.Network: %+v %v", tp.Provider, err)
	}
	n := 0
	for _, page := range AllPages(h, pc.NewListAtTenantScopePager(nil)) {
		n += len(page.Value)
	}
	if n != len(names) {
		t.Errorf("tenant lists %d providers, the subscription %d", n, len(names))
	}
}

// A Reader lists and reads providers but can't register one: registering
// is {namespace}/register/action, which Reader's */read lacks.
func TestProviders_ReaderCannotRegister(t *testing.T) {
	h, _ := parallelRG(t)
	app, spID, secret := h.newServicePrincipal("providers-reader-" + strings.ToLower(t.Name()))
	h.mustAssign("/subscriptions/"+h.Sub, readerRole, spID)
	reader := h.As(h.Env.CredentialFor(t, app.AppID, secret))
	pc, err := armresources.NewProvidersClient(reader.Sub, reader.Cred, reader.Env.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pc.Get(reader.Ctx, "Microsoft.Network", nil); err != nil {
		t.Errorf("Reader can't read a provider: %v", err)
	}
	if pages := AllPages(reader, pc.NewListPager(nil)); len(pages) == 0 || len(pages[0].Value) == 0 {
		t.Error("Reader lists no providers")
	}
	_, err = pc.Register(reader.Ctx, "Microsoft.Network", nil)
	wantSDKErr(t, err, want{Status: http.StatusForbidden, Code: "AuthorizationFailed", Mentions: []string{"Microsoft.Network/register/action"}})
}

// An api-version the type does not serve answers as ARM does:
// NoRegisteredProviderFound for a provider's type (Azure/azure-cli#28496),
// InvalidApiVersionParameter for ARM's own (Azure/azure-cli#28038), each
// listing the supported versions.
func TestProviders_APIVersionPerType(t *testing.T) {
	h, rg := parallelRG(t)
	h.VNet(rg, "vnet1", "10.71.0.0/16")
	r := h.Do(http.MethodGet, h.RGID(rg)+"/providers/Microsoft.Network/virtualNetworks/vnet1?api-version=2019-05-05", nil)
	want{Status: http.StatusBadRequest, Code: "NoRegisteredProviderFound", Target: "api-version",
		Mentions: []string{"location 'eastus'", "API version '2019-05-05'", "type 'virtualNetworks'", "2022-01-01, ", "The supported locations are 'eastus, "}}.Check(t, r.APIErr(t))
	r = h.Do(http.MethodGet, h.RGID(rg)+"/providers/Microsoft.ManagedIdentity/userAssignedIdentities/x?api-version=2024-05-01", nil)
	want{Status: http.StatusBadRequest, Code: "NoRegisteredProviderFound", Mentions: []string{"2022-01-31-preview, 2023-01-31"}}.Check(t, r.APIErr(t))
	r = h.Do(http.MethodGet, h.RGID(rg)+"?api-version=2016-03-31", nil)
	want{Status: http.StatusBadRequest, Code: "InvalidApiVersionParameter", Target: "api-version", Mentions: []string{"'2016-03-31'", "2021-04-01,"}}.Check(t, r.APIErr(t))
	r = h.Do(http.MethodGet, "/subscriptions/"+h.Sub+"/providers?api-version=2016-03-31", nil)
	want{Status: http.StatusBadRequest, Code: "InvalidApiVersionParameter"}.Check(t, r.APIErr(t))
	// What real clients send is served: az 2.45's AKS operation polls
	// (2016-03-30) and get-versions (2019-04-01) are checked by the e2e
	// tests; here the SDK-pinned and az 2.45 versions of each namespace.
	for _, path := range []string{
		h.RGID(rg) + "/providers/Microsoft.Network/virtualNetworks/vnet1?api-version=2022-01-01",
		h.RGID(rg) + "/providers/Microsoft.Network/virtualNetworks/vnet1?api-version=2021-08-01",
		h.RGID(rg) + "?api-version=2021-04-01",
		h.RGID(rg) + "?api-version=2022-09-01",
		"/subscriptions/" + h.Sub + "?api-version=2019-11-01",
		"/subscriptions/" + h.Sub + "/providers/Microsoft.ContainerService/locations/eastus/orchestrators?api-version=2019-04-01",
		h.RGID(rg) + "/providers/Microsoft.Authorization/roleAssignments?api-version=2020-04-01-preview",
		h.RGID(rg) + "/providers/Microsoft.Authorization/roleDefinitions?api-version=2018-01-01-preview",
		h.RGID(rg) + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities?api-version=2022-01-31-preview",
		h.RGID(rg) + "/providers/Microsoft.ContainerService/managedClusters?api-version=2022-11-01",
		h.RGID(rg) + "/providers/Microsoft.ContainerService/managedClusters?api-version=2025-02-01",
	} {
		if r := h.Do(http.MethodGet, path, nil); r.Status != http.StatusOK {
			t.Errorf("GET %s: %d %s", path, r.Status, r.Body)
		}
	}
}

// TestResources_FilterTopExpand drives the generic resource list with the
// SDK's pager (armresources.Client.NewListPager and
// NewListByResourceGroupPager) through the HTTPS server: $filter,
// $top with nextLink pages, and $expand, as the Resources_List swagger
// documents them (armresources.ClientListOptions).
func TestResources_FilterTopExpand(t *testing.T) {
	h, rg := parallelRG(t)
	start := time.Now().UTC().Add(-time.Second)
	for _, n := range []string{"alpha", "beta", "gamma"} {
		v := VNetBody("10.72.0.0/16")
		v.Tags = map[string]*string{"team": to.Ptr(n)}
		if _, err := h.PutVNet(rg, "vnet-"+n, v); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.PutRouteTable(rg, "rt-alpha", armnetwork.RouteTable{Location: to.Ptr("eastus")}); err != nil {
		t.Fatal(err)
	}
	list := func(filter string, top int32, expand string) (names []string, pages int, items []*armresources.GenericResourceExpanded) {
		t.Helper()
		opts := &armresources.ClientListOptions{}
		if filter != "" {
			opts.Filter = to.Ptr(filter)
		}
		if top > 0 {
			opts.Top = to.Ptr(top)
		}
		if expand != "" {
			opts.Expand = to.Ptr(expand)
		}
		for _, page := range AllPages(h, h.Res.NewListPager(opts)) {
			pages++
			for _, it := range page.Value {
				if strings.EqualFold(groupOfID(*it.ID), rg) {
					names = append(names, *it.Name)
					items = append(items, it)
				}
			}
		}
		slices.Sort(names)
		return names, pages, items
	}
	got, _, items := list("resourceType eq 'Microsoft.Network/virtualNetworks' and resourceGroup eq '"+rg+"'", 0, "")
	if !slices.Equal(got, []string{"vnet-alpha", "vnet-beta", "vnet-gamma"}) {
		t.Errorf("resourceType filter: %v", got)
	}
	if len(items) > 0 && items[0].Properties != nil {
		t.Errorf("a generic list item carries properties: %v", items[0].Properties)
	}
	if got, _, _ := list("substringof('alpha', name)", 0, ""); !slices.Equal(got, []string{"rt-alpha", "vnet-alpha"}) {
		t.Errorf("substringof: %v", got)
	}
	got, _, items = list("tagName eq 'team' and tagValue eq 'beta'", 0, "")
	if !slices.Equal(got, []string{"vnet-beta"}) || items[0].Tags != nil {
		t.Errorf("tag filter: %v (tags %v: ARM leaves them out)", got, items)
	}
	// $top is the page size; the pager follows nextLink.
	got, pages, _ := list("resourceGroup eq '"+rg+"'", 2, "")
	if len(got) != 4 || pages != 2 {
		t.Errorf("$top=2 over 4 resources: %v in %d pages, want 4 in 2", got, pages)
	}
	_, _, items = list("name eq 'vnet-alpha' and resourceGroup eq '"+rg+"'", 0, "createdTime,changedTime,provisioningState")
	if len(items) != 1 || items[0].CreatedTime == nil || items[0].CreatedTime.Before(start) || items[0].ChangedTime == nil ||
		items[0].ChangedTime.Before(*items[0].CreatedTime) || items[0].ProvisioningState == nil || *items[0].ProvisioningState != "Succeeded" {
		t.Errorf("$expand: %+v", items)
	}
	// The group's own list takes the same query.
	n := 0
	for _, page := range AllPages(h, h.Res.NewListByResourceGroupPager(rg, &armresources.ClientListByResourceGroupOptions{Filter: to.Ptr("location eq 'East US'"), Top: to.Ptr[int32](3)})) {
		n += len(page.Value)
		if len(page.Value) > 3 {
			t.Errorf("page of %d items with $top=3", len(page.Value))
		}
	}
	if n != 4 {
		t.Errorf("group list with location filter: %d items, want 4", n)
	}

	r := h.Do(http.MethodGet, "/subscriptions/"+h.Sub+"/resources?api-version=2021-04-01&$filter=color%20eq%20'red'", nil)
	want{Status: http.StatusBadRequest, Code: "InvalidFilterInQueryString", Target: "$filter", Mentions: []string{"Invalid $filter 'color eq 'red'' specified in the query string."}}.Check(t, r.APIErr(t))
	var env struct {
		Error struct{ Details []struct{ Message string } }
	}
	if json.Unmarshal(r.Body, &env) != nil || len(env.Error.Details) != 1 || !strings.Contains(env.Error.Details[0].Message, "'color'") {
		t.Errorf("the refusal does not name the property: %s", r.Body)
	}
	r = h.Do(http.MethodGet, "/subscriptions/"+h.Sub+"/resources?api-version=2021-04-01&$top=1001", nil)
	want{Status: http.StatusBadRequest, Code: "InvalidTopInQueryString", Target: "$top", Mentions: []string{"1001"}}.Check(t, r.APIErr(t))

	// Groups filter by tag only (Azure/azure-sdk-for-go#2480).
	if _, err := h.RG.Update(h.Ctx, rg, armresources.ResourceGroupPatchable{Tags: map[string]*string{"filtered": to.Ptr(rg)}}, nil); err != nil {
		t.Fatal(err)
	}
	var groups []string
	for _, page := range AllPages(h, h.RG.NewListPager(&armresources.ResourceGroupsClientListOptions{Filter: to.Ptr("tagName eq 'filtered' and tagValue eq '" + rg + "'")})) {
		for _, g := range page.Value {
			groups = append(groups, *g.Name)
		}
	}
	if !slices.Equal(groups, []string{rg}) {
		t.Errorf("groups tagged filtered=%s: %v", rg, groups)
	}
	_, err := h.RG.NewListPager(&armresources.ResourceGroupsClientListOptions{Filter: to.Ptr("name eq 'foo'")}).NextPage(h.Ctx)
	wantSDKErr(t, err, want{Status: http.StatusBadRequest, Code: "InvalidFilterInQueryString"})
}

// groupOfID returns the resource group named in a resource id.
func groupOfID(id string) string {
	segs := strings.Split(id, "/")
	for i := 0; i+1 < len(segs); i++ {
		if strings.EqualFold(segs[i], "resourceGroups") {
			return segs[i+1]
		}
	}
	return ""
}
