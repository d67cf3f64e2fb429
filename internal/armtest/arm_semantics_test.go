package armtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
)

func TestARM_APIVersion(t *testing.T) {
	h, rg := parallelRG(t)
	path := h.RGID(rg)

	r := h.Do(http.MethodGet, path, nil)
	want{Status: http.StatusBadRequest, Code: "MissingApiVersionParameter", Target: "api-version", Mentions: []string{"api-version"}}.Check(t, r.APIErr(t))
	r = h.Do(http.MethodPut, path+"/providers/Microsoft.Network/virtualNetworks/vnet1", VNetBody("10.0.0.0/16"))
	want{Status: http.StatusBadRequest, Code: "MissingApiVersionParameter"}.Check(t, r.APIErr(t))
	if h.Exists(path + "/providers/Microsoft.Network/virtualNetworks/vnet1") {
		t.Error("a PUT without api-version created the VNet")
	}
	for _, v := range []string{"banana", "2021-13-01", "1999-01-01", "2021-04-01-nightly", "3021-01-01"} {
		r = h.Do(http.MethodGet, path+"?api-version="+v, nil)
		want{Status: http.StatusBadRequest, Code: "InvalidApiVersionParameter", Target: "api-version", Mentions: []string{v}}.Check(t, r.APIErr(t))
	}
	// Every plausible version of a family is served: clients pick them by
	// profile and SDK release.
	for _, v := range []string{"2014-04-01", "2019-11-01", "2020-04-01-preview", "2021-04-01", "2022-01-31-preview", "2024-05-01", "2025-01-01"} {
		if r := h.Do(http.MethodGet, path+"?api-version="+v, nil); r.Status != http.StatusOK {
			t.Errorf("api-version %s: %d %s", v, r.Status, r.Body)
		}
	}
}

func TestARM_BadRequestsGetTheEnvelope(t *testing.T) {
	h, rg := parallelRG(t)
	sub := "/subscriptions/" + h.Sub
	vnet := h.RGID(rg) + "/providers/Microsoft.Network/virtualNetworks/vnet1"
	const av = "?api-version=2024-05-01"

	big := bytes.Repeat([]byte(" "), 4<<20)
	big = append(append([]byte(`{"location":"eastus",`), big...), []byte(`"properties":{}}`)...)
	cases := []struct {
		name   string
		method string
		path   string
		body   any
		want   want
	}{
		{"malformed JSON", http.MethodPut, vnet + av, `{"location": "eastus",`, want{Status: http.StatusBadRequest, Code: "InvalidRequestContent"}},
		{"wrong JSON type", http.MethodPut, vnet + av, `{"location": 5}`, want{Status: http.StatusBadRequest, Code: "InvalidRequestContent", Mentions: []string{Fold("location")}}},
		{"JSON array", http.MethodPut, vnet + av, `[1,2]`, want{Status: http.StatusBadRequest, Code: "InvalidRequestContent"}},
		{"empty body", http.MethodPut, vnet + av, "", want{Status: http.StatusBadRequest, Code: "InvalidRequestContent"}},
		{"oversized body", http.MethodPut, vnet + av, big, want{Status: http.StatusRequestEntityTooLarge, Code: "RequestEntityTooLarge", Mentions: []string{"4194304"}}},
		{"no location", http.MethodPut, vnet + av, `{"properties":{"addressSpace":{"addressPrefixes":["10.0.0.0/16"]}}}`, want{Status: http.StatusBadRequest, Code: "LocationRequired", Target: "location"}},
		{"no address space", http.MethodPut, vnet + av, `{"location":"eastus"}`, want{Status: http.StatusBadRequest, Code: "InvalidAddressSpace", Target: "properties.addressSpace.addressPrefixes", Mentions: []string{"vnet1"}}},
		{"bad VNet name", http.MethodPut, h.RGID(rg) + "/providers/Microsoft.Network/virtualNetworks/-bad-" + av, VNetBody("10.0.0.0/16"), want{Status: http.StatusBadRequest, Code: "InvalidResourceName", Target: "name", Mentions: []string{"-bad-"}}},
		{"unknown provider", http.MethodPut, h.RGID(rg) + "/providers/Microsoft.Nope/widgets/w1" + av, `{"location":"eastus"}`, want{Status: http.StatusBadRequest, Code: "InvalidResourceNamespace", Target: "namespace", Mentions: []string{"Microsoft.Nope"}}},
		{"unknown provider read", http.MethodGet, sub + "/providers/Microsoft.Nope/widgets" + av, nil, want{Status: http.StatusBadRequest, Code: "InvalidResourceNamespace", Mentions: []string{"Microsoft.Nope"}}},
		{"unknown type", http.MethodGet, h.RGID(rg) + "/providers/Microsoft.Network/widgets/w1" + av, nil, want{Status: http.StatusBadRequest, Code: "InvalidResourceType", Target: "type", Mentions: []string{"widgets"}}},
		{"unknown child type", http.MethodGet, vnet + "/widgets/w1" + av, nil, want{Status: http.StatusBadRequest, Code: "InvalidResourceType", Mentions: []string{"widgets"}}},
		{"bad id", http.MethodGet, sub + "/resourceGroups/" + rg + "/frobnicate/x" + av, nil, want{Status: http.StatusBadRequest, Code: "InvalidResourceId", Target: "id"}},
		{"bad root", http.MethodGet, "/frobnicate" + av, nil, want{Status: http.StatusBadRequest, Code: "InvalidResourceId"}},
		{"empty segment", http.MethodGet, sub + "/resourceGroups//providers" + av, nil, want{Status: http.StatusBadRequest, Code: "InvalidResourceId"}},
		{"providers without namespace", http.MethodGet, h.RGID(rg) + "/providers" + av, nil, want{Status: http.StatusBadRequest, Code: "InvalidResourceId"}},
		{"namespace without type", http.MethodGet, h.RGID(rg) + "/providers/Microsoft.Network" + av, nil, want{Status: http.StatusBadRequest, Code: "InvalidResourceId"}},
		{"group resource by subscription", http.MethodPut, sub + "/providers/Microsoft.Network/virtualNetworks/vnet1" + av, VNetBody("10.0.0.0/16"), want{Status: http.StatusBadRequest, Code: "InvalidResourceId"}},
		{"PUT on a collection", http.MethodPut, h.RGID(rg) + "/providers/Microsoft.Network/virtualNetworks" + av, VNetBody("10.0.0.0/16"), want{Status: http.StatusMethodNotAllowed, Code: "MethodNotAllowed"}},
		{"POST on a resource", http.MethodPost, vnet + av, `{}`, want{Status: http.StatusMethodNotAllowed, Code: "MethodNotAllowed"}},
		{"unknown action", http.MethodPost, vnet + "/frobnicate" + av, `{}`, want{Status: http.StatusBadRequest, Code: "InvalidResourceType"}},
		{"bad skip token", http.MethodGet, sub + "/resourcegroups" + av + "&$skiptoken=%25%25", nil, want{Status: http.StatusBadRequest, Code: "InvalidSkipToken", Target: "$skiptoken"}},
		{"unknown operation", http.MethodGet, sub + "/providers/Microsoft.Network/locations/eastus/operations/00000000-0000-0000-0000-000000000000" + av, nil, want{Status: http.StatusNotFound, Code: "OperationNotFound"}},
		{"subscription PUT", http.MethodPut, sub + "?api-version=2022-12-01", `{}`, want{Status: http.StatusMethodNotAllowed, Code: "MethodNotAllowed"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.Do(tc.method, tc.path, tc.body)
			if r.Status < 400 || r.Status >= 500 {
				t.Fatalf("%s %s answered %d, want a 4xx: %s", tc.method, tc.path, r.Status, r.Body)
			}
			tc.want.Check(t, r.APIErr(t))
		})
	}
	if h.Exists(vnet) {
		t.Error("a refused PUT created the VNet")
	}
	// The server still works after all that.
	if _, err := h.PutVNet(rg, "vnet1", VNetBody("10.0.0.0/16")); err != nil {
		t.Fatal(err)
	}
}

func TestARM_ETags(t *testing.T) {
	h, rg := parallelRG(t)
	v := h.VNet(rg, "vnet1", "10.60.0.0/16", "s1=10.60.1.0/24")
	id := *v.ID
	const av = "?api-version=2024-05-01"
	body := VNetBody("10.60.0.0/16", "s1=10.60.1.0/24")
	etag := *v.Etag
	if !strings.HasPrefix(etag, `W/"`) {
		t.Errorf("ETag %q is not a weak quoted ETag", etag)
	}

	before := h.Snapshot(id)
	stale := `W/"00000000-0000-0000-0000-000000000000"`
	for _, tc := range []struct {
		name, method string
		headers      []string
	}{
		{"PUT If-Match mismatch", http.MethodPut, []string{"If-Match", stale}},
		{"PUT If-None-Match * on existing", http.MethodPut, []string{"If-None-Match", "*"}},
		{"PUT If-None-Match current", http.MethodPut, []string{"If-None-Match", etag}},
		{"PATCH If-Match mismatch", http.MethodPatch, []string{"If-Match", stale}},
		{"DELETE If-Match mismatch", http.MethodDelete, []string{"If-Match", stale}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b any = body
			if tc.method == http.MethodPatch {
				b = map[string]any{"tags": map[string]string{"x": "y"}}
			}
			if tc.method == http.MethodDelete {
				b = nil
			}
			r := h.Do(tc.method, id+av, b, tc.headers...)
			want{Status: http.StatusPreconditionFailed, Code: "PreconditionFailed"}.Check(t, r.APIErr(t))
			h.Unchanged(before)
		})
	}

	// The current ETag (or *) matches; the write changes the ETag.
	r := h.Do(http.MethodPut, id+av, body, "If-Match", etag)
	if r.Status != http.StatusOK {
		t.Fatalf("PUT with the current ETag: %d %s", r.Status, r.Body)
	}
	var after armnetwork.VirtualNetwork
	r.Decode(t, &after)
	if *after.Etag == etag {
		t.Error("a write kept the ETag")
	}
	if r.Header.Get("ETag") != "" && r.Header.Get("ETag") != *after.Etag {
		t.Errorf("ETag header %q differs from the body's %q", r.Header.Get("ETag"), *after.Etag)
	}
	// The old ETag no longer matches.
	r = h.Do(http.MethodPut, id+av, body, "If-Match", etag)
	want{Status: http.StatusPreconditionFailed, Code: "PreconditionFailed"}.Check(t, r.APIErr(t))
	if r := h.Do(http.MethodPatch, id+av, map[string]any{"tags": map[string]string{"x": "y"}}, "If-Match", *after.Etag); r.Status != http.StatusOK {
		t.Errorf("PATCH with the current ETag: %d %s", r.Status, r.Body)
	}
	// A conditional GET answers 304 while the ETag holds.
	cur := h.Snapshot(id)[id]
	var curDoc armnetwork.VirtualNetwork
	_ = json.Unmarshal([]byte(cur), &curDoc)
	if r := h.Do(http.MethodGet, id+av, nil, "If-None-Match", *curDoc.Etag); r.Status != http.StatusNotModified {
		t.Errorf("GET If-None-Match current: %d", r.Status)
	}
	if r := h.Do(http.MethodGet, id+av, nil, "If-None-Match", stale); r.Status != http.StatusOK {
		t.Errorf("GET If-None-Match stale: %d", r.Status)
	}
	// Create-only: If-None-Match * creates once; If-Match on a missing resource fails.
	newID := h.RGID(rg) + "/providers/Microsoft.Network/virtualNetworks/vnet2"
	if r := h.Do(http.MethodPut, newID+av, VNetBody("10.61.0.0/16"), "If-None-Match", "*"); r.Status != http.StatusCreated {
		t.Errorf("create with If-None-Match *: %d %s", r.Status, r.Body)
	}
	r = h.Do(http.MethodPut, h.RGID(rg)+"/providers/Microsoft.Network/virtualNetworks/vnet3"+av, VNetBody("10.62.0.0/16"), "If-Match", "*")
	want{Status: http.StatusPreconditionFailed, Code: "PreconditionFailed"}.Check(t, r.APIErr(t))
	// Child resources carry ETags too.
	s, err := h.Net.NewSubnetsClient().Get(h.Ctx, rg, "vnet1", "s1", nil)
	if err != nil {
		t.Fatal(err)
	}
	r = h.Do(http.MethodPut, *s.ID+av, map[string]any{"properties": map[string]string{"addressPrefix": "10.60.1.0/24"}}, "If-Match", stale)
	want{Status: http.StatusPreconditionFailed, Code: "PreconditionFailed"}.Check(t, r.APIErr(t))
	if r := h.Do(http.MethodPut, *s.ID+av, map[string]any{"properties": map[string]string{"addressPrefix": "10.60.1.0/24"}}, "If-Match", *s.Etag); r.Status != http.StatusOK {
		t.Errorf("subnet PUT with its ETag: %d %s", r.Status, r.Body)
	}
}

func TestARM_Paging(t *testing.T) {
	t.Parallel()
	h := ownHarness(t, Options{PageSize: 2})
	var rgs []string
	for i := range 5 {
		rgs = append(rgs, fmt.Sprintf("page-rg-%d", i))
		h.MkRG(rgs[i])
	}

	// Raw: two per page, an absolute https nextLink, none on the last page.
	var seen []string
	next := "/subscriptions/" + h.Sub + "/resourcegroups?api-version=2021-04-01"
	pages := 0
	for next != "" && pages < 10 {
		r := h.Do(http.MethodGet, next, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", next, r.Status, r.Body)
		}
		var page struct {
			Value []struct {
				Name string `json:"name"`
			} `json:"value"`
			NextLink string `json:"nextLink"`
		}
		r.Decode(t, &page)
		pages++
		if len(page.Value) > 2 || (page.NextLink != "" && len(page.Value) != 2) {
			t.Errorf("page %d has %d items", pages, len(page.Value))
		}
		for _, v := range page.Value {
			seen = append(seen, v.Name)
		}
		next = ""
		if page.NextLink != "" {
			u, err := url.Parse(page.NextLink)
			if err != nil || u.Scheme != "https" || "https://"+u.Host != h.Env.URL || u.Query().Get("api-version") != "2021-04-01" {
				t.Fatalf("nextLink %q is not an absolute https URL on the server keeping the api-version", page.NextLink)
			}
			next = u.RequestURI()
		}
	}
	if pages != 3 || !slices.Equal(seen, rgs) {
		t.Errorf("walked %d pages: %v, want 3 pages of %v", pages, seen, rgs)
	}

	// The SDK pagers walk every page.
	var names []string
	sdkPages := AllPages(h, h.RG.NewListPager(nil))
	for _, page := range sdkPages {
		for _, g := range page.Value {
			names = append(names, *g.Name)
		}
	}
	if len(sdkPages) != 3 || !slices.Equal(names, rgs) {
		t.Errorf("SDK pager: %d pages %v", len(sdkPages), names)
	}

	subnets := []string{"s0=10.70.0.0/24", "s1=10.70.1.0/24", "s2=10.70.2.0/24", "s3=10.70.3.0/24", "s4=10.70.4.0/24"}
	h.VNet(rgs[0], "vnet1", "10.70.0.0/16", subnets...)
	for i := 2; i <= 5; i++ {
		h.VNet(rgs[0], fmt.Sprintf("vnet%d", i), fmt.Sprintf("10.7%d.0.0/16", i))
	}
	count := func(name string, pager interface {
		More() bool
	}, next func() (int, error)) {
		t.Helper()
		n, pages := 0, 0
		for pager.More() {
			k, err := next()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			n += k
			pages++
		}
		if n != 5 || pages != 3 {
			t.Errorf("%s: %d items in %d pages, want 5 in 3", name, n, pages)
		}
	}
	vp := h.Net.NewVirtualNetworksClient().NewListPager(rgs[0], nil)
	count("VNets of a group", vp, func() (int, error) { p, err := vp.NextPage(h.Ctx); return len(p.Value), err })
	ap := h.Net.NewVirtualNetworksClient().NewListAllPager(nil)
	count("VNets of the subscription", ap, func() (int, error) { p, err := ap.NextPage(h.Ctx); return len(p.Value), err })
	sp := h.Net.NewSubnetsClient().NewListPager(rgs[0], "vnet1", nil)
	count("subnets", sp, func() (int, error) { p, err := sp.NextPage(h.Ctx); return len(p.Value), err })
	gp := h.Res.NewListByResourceGroupPager(rgs[0], nil)
	count("resources of a group", gp, func() (int, error) { p, err := gp.NextPage(h.Ctx); return len(p.Value), err })

	// nextLink keeps the $filter.
	var builtins []string
	dp := h.Auth.NewRoleDefinitionsClient().NewListPager("/subscriptions/"+h.Sub, &armauthorization.RoleDefinitionsClientListOptions{Filter: to.Ptr("type eq 'BuiltInRole'")})
	for _, page := range AllPages(h, dp) {
		for _, d := range page.Value {
			if *d.Properties.RoleType != "BuiltInRole" {
				t.Errorf("filtered page holds %s (%s)", *d.Properties.RoleName, *d.Properties.RoleType)
			}
			builtins = append(builtins, *d.Properties.RoleName)
		}
	}
	for _, n := range []string{"Owner", "Contributor", "Reader", "User Access Administrator", "Network Contributor"} {
		if !slices.Contains(builtins, n) {
			t.Errorf("paged role definitions miss %s: %v", n, builtins)
		}
	}
	// Names outside ASCII survive the nextLink.
	h.MkRG("grüße")
	up := h.Net.NewVirtualNetworksClient()
	for i := range 3 {
		if _, err := h.PutVNet("grüße", fmt.Sprintf("v%d", i), VNetBody("10.80.0.0/16")); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for _, page := range AllPages(h, up.NewListPager("grüße", nil)) {
		n += len(page.Value)
	}
	if n != 3 {
		t.Errorf("VNets of grüße: %d, want 3", n)
	}
}

func TestARM_AsyncDelete(t *testing.T) {
	h, rg := parallelRG(t)
	v := h.VNet(rg, "vnet1", "10.90.0.0/16", "s1=10.90.1.0/24")
	const av = "?api-version=2024-05-01"

	checkAccepted := func(what string, r RawResp) {
		t.Helper()
		if r.Status != http.StatusAccepted {
			t.Fatalf("DELETE %s: %d %s, want 202", what, r.Status, r.Body)
		}
		if what == "group" {
			// ARM answers a group's delete with Location only
			// (azure-rest-api-specs, ResourceGroups_Delete).
			if a := r.Header.Get("Azure-AsyncOperation"); a != "" {
				t.Errorf("DELETE group: Azure-AsyncOperation %q, want none", a)
			}
			if loc := h.Do(http.MethodGet, mustRequestURI(t, r.Header.Get("Location")), nil); loc.Status != http.StatusNoContent && loc.Status != http.StatusOK {
				t.Errorf("DELETE group: Location answered %d %s", loc.Status, loc.Body)
			}
			return
		}
		for _, hname := range []string{"Azure-AsyncOperation", "Location"} {
			u, err := url.Parse(r.Header.Get(hname))
			if err != nil || !u.IsAbs() || u.Scheme != "https" || "https://"+u.Host != h.Env.URL || u.Query().Get("api-version") == "" {
				t.Fatalf("DELETE %s: %s %q is not an absolute https URL on the server with an api-version", what, hname, r.Header.Get(hname))
			}
		}
		op := h.Do(http.MethodGet, mustRequestURI(t, r.Header.Get("Azure-AsyncOperation")), nil)
		var st struct {
			Status string         `json:"status"`
			Error  map[string]any `json:"error"`
		}
		op.Decode(t, &st)
		if op.Status != http.StatusOK || st.Status != "Succeeded" || st.Error != nil {
			t.Errorf("DELETE %s: operation status %d %s", what, op.Status, op.Body)
		}
		if loc := h.Do(http.MethodGet, mustRequestURI(t, r.Header.Get("Location")), nil); loc.Status != http.StatusNoContent && loc.Status != http.StatusOK {
			t.Errorf("DELETE %s: Location answered %d %s", what, loc.Status, loc.Body)
		}
	}

	// A child resource without a location of its own.
	checkAccepted("subnet", h.Do(http.MethodDelete, *v.ID+"/subnets/s1"+av, nil))
	if r := h.Do(http.MethodDelete, *v.ID+"/subnets/s1"+av, nil); r.Status != http.StatusNoContent {
		t.Errorf("second subnet DELETE: %d, want 204", r.Status)
	}
	checkAccepted("VNet", h.Do(http.MethodDelete, *v.ID+av, nil))
	if h.Exists(*v.ID) {
		t.Error("VNet exists after its delete succeeded")
	}
	if r := h.Do(http.MethodDelete, *v.ID+av, nil); r.Status != http.StatusNoContent || len(r.Body) != 0 {
		t.Errorf("second VNet DELETE: %d %s, want 204", r.Status, r.Body)
	}
	// A resource group is a long-running delete of its contents.
	h.VNet(rg, "vnet2", "10.91.0.0/16")
	checkAccepted("group", h.Do(http.MethodDelete, h.RGID(rg)+"?api-version=2021-04-01", nil))
	ex, err := h.RG.CheckExistence(h.Ctx, rg, nil)
	if err != nil || ex.Success {
		t.Errorf("group exists after its delete: %v %v", ex.Success, err)
	}
	if r := h.Do(http.MethodDelete, h.RGID(rg)+"?api-version=2021-04-01", nil); r.Status != http.StatusNoContent {
		t.Errorf("second group DELETE: %d %s, want 204", r.Status, r.Body)
	}

	// The SDK's pollers reach the end (smoke_test.go runs PollUntilDone).
	h.MkRG(rg)
	h.VNet(rg, "vnet3", "10.92.0.0/16")
	p, err := h.Net.NewVirtualNetworksClient().BeginDelete(h.Ctx, rg, "vnet3", nil)
	if err := DeleteLRO(h.Ctx, p, err); err != nil {
		t.Fatal(err)
	}
	gp, err := h.RG.BeginDelete(h.Ctx, rg, nil)
	if err := DeleteLRO(h.Ctx, gp, err); err != nil {
		t.Fatal(err)
	}
}

func mustRequestURI(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.RequestURI()
}

func TestARM_SubscriptionCannotBeDeletedThroughARM(t *testing.T) {
	t.Parallel()
	h := ownHarness(t, Options{})
	rg := h.NewRG()
	sub := "/subscriptions/" + h.Sub
	before := h.Snapshot(sub, h.RGID(rg))
	for _, m := range []string{http.MethodDelete, http.MethodPut, http.MethodPatch} {
		r := h.Do(m, sub+"?api-version=2022-12-01", `{}`)
		want{Status: http.StatusMethodNotAllowed, Code: "MethodNotAllowed"}.Check(t, r.APIErr(t))
	}
	h.Unchanged(before)
	// The admin's Owner assignment survived too.
	if _, err := h.RG.Get(h.Ctx, rg, nil); err != nil {
		t.Errorf("after the refused subscription writes: %v", err)
	}
}
