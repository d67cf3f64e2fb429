package armtest

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
	"github.com/aksnet/aksnet/internal/identity"
	"github.com/golang-jwt/jwt/v5"
)

// forgeToken signs claims with the server's own token key, for tokens the
// token service would never issue (expired ones).
func forgeToken(t *testing.T, e *Env, claims jwt.MapClaims) string {
	t.Helper()
	iss, err := identity.NewIssuer(filepath.Join(e.StateDir, "token-key.pem"), "https://localhost/adfs")
	if err != nil {
		t.Fatal(err)
	}
	key, err := jwt.ParseRSAPrivateKeyFromPEM(mustRead(t, filepath.Join(e.StateDir, "token-key.pem")))
	if err != nil {
		t.Fatal(err)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = iss.KeyID()
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAuth_RequestsWithoutAValidTokenFail(t *testing.T) {
	h, rg := parallelRG(t)
	rgPath := "/subscriptions/" + h.Sub + "/resourceGroups/" + rg + "?api-version=2021-04-01"

	// A token for another resource, issued by the server's own token service.
	vault, err := h.Cred.GetToken(h.Ctx, policy.TokenRequestOptions{Scopes: []string{"https://vault.azure.net/.default"}})
	if err != nil {
		t.Fatal(err)
	}
	// A token signed by a key the server does not know.
	stranger, err := identity.NewIssuer(filepath.Join(t.TempDir(), "key.pem"), "https://localhost/adfs")
	if err != nil {
		t.Fatal(err)
	}
	foreign, _, err := stranger.Issue(&identity.Principal{ObjectID: h.Env.Creds.ObjectID, AppID: h.Env.Creds.AppID, TenantID: h.Env.Creds.TenantID}, h.Env.URL, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	claims := func(exp time.Time) jwt.MapClaims {
		return jwt.MapClaims{"aud": h.Env.URL, "iss": "https://localhost/adfs", "sub": h.Env.Creds.ObjectID, "oid": h.Env.Creds.ObjectID,
			"appid": h.Env.Creds.AppID, "tid": h.Env.Creds.TenantID, "iat": now.Add(-2 * time.Hour).Unix(), "nbf": now.Add(-2 * time.Hour).Unix(), "exp": exp.Unix()}
	}
	expired := forgeToken(t, h.Env, claims(now.Add(-time.Hour)))
	// The forged-token path is sound: the same claims, unexpired, are accepted.
	if r := DoRaw(t, h.Env, http.MethodGet, rgPath, nil, "Authorization", "Bearer "+forgeToken(t, h.Env, claims(now.Add(time.Hour)))); r.Status != http.StatusOK {
		t.Fatalf("forged valid token refused: %d %s", r.Status, r.Body)
	}

	cases := []struct {
		name, header, code string
	}{
		{"no token", "", "AuthenticationFailed"},
		{"empty bearer", "Bearer ", "AuthenticationFailed"},
		{"basic auth", "Basic dXNlcjpwYXNz", "AuthenticationFailed"},
		{"garbage", "Bearer not-a-jwt", "InvalidAuthenticationToken"},
		{"tampered", "Bearer " + h.Token() + "x", "InvalidAuthenticationToken"},
		{"unknown signing key", "Bearer " + foreign, "InvalidAuthenticationToken"},
		{"wrong audience", "Bearer " + vault.Token, "InvalidAuthenticationTokenAudience"},
		{"expired", "Bearer " + expired, "ExpiredAuthenticationToken"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var hdr []string
			if tc.header != "" {
				hdr = []string{"Authorization", tc.header}
			}
			for _, req := range []struct{ method, path string }{
				{http.MethodGet, rgPath},
				{http.MethodGet, "/subscriptions?api-version=2019-11-01"},
				{http.MethodPut, "/subscriptions/" + h.Sub + "/resourceGroups/" + rg + "-new?api-version=2021-04-01"},
				{http.MethodDelete, rgPath},
			} {
				var body any
				if req.method == http.MethodPut {
					body = map[string]string{"location": "eastus"}
				}
				r := DoRaw(t, h.Env, req.method, req.path, body, hdr...)
				want{Status: http.StatusUnauthorized, Code: tc.code}.Check(t, r.APIErr(t))
				if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer ") {
					t.Errorf("%s %s: WWW-Authenticate %q", req.method, req.path, r.Header.Get("WWW-Authenticate"))
				}
			}
			// Graph refuses it too.
			if r := DoRaw(t, h.Env, http.MethodGet, "/v1.0/servicePrincipals", nil, hdr...); r.Status != http.StatusUnauthorized {
				t.Errorf("Graph answered %d", r.Status)
			}
		})
	}
	// None of the refused requests wrote anything.
	if !h.Exists(h.RGID(rg)) || h.Exists(h.RGID(rg+"-new")) {
		t.Error("an unauthenticated request changed the store")
	}
}

func TestAuth_LeastPrivilegeServicePrincipal(t *testing.T) {
	t.Parallel()
	admin := newHarness(t)
	rgA, rgB, rgC := uniqueRG(t)+"-a", uniqueRG(t)+"-b", uniqueRG(t)+"-c"
	for _, rg := range []string{rgA, rgB, rgC} {
		admin.MkRG(rg)
	}
	existing := admin.VNet(rgB, "vnet1", "10.50.0.0/16", "s1=10.50.1.0/24")

	// az ad sp create-for-rbac, through Graph.
	app, spID, secret := admin.newServicePrincipal("pipeline-" + strings.ToLower(t.Name()))
	sp := admin.As(admin.Env.CredentialFor(t, app.AppID, secret))

	// Signed in, but with no role: nothing.
	_, err := sp.RG.Get(sp.Ctx, rgA, nil)
	wantSDKErr(t, err, want{Status: http.StatusForbidden, Code: "AuthorizationFailed",
		Mentions: []string{spID, "Microsoft.Resources/subscriptions/resourceGroups/read", Fold(admin.RGID(rgA))}})

	// Reader on the subscription: reads succeed, writes fail.
	admin.mustAssign("/subscriptions/"+admin.Sub, readerRole, spID)
	if _, err := sp.RG.Get(sp.Ctx, rgA, nil); err != nil {
		t.Fatalf("Reader can't read a group: %v", err)
	}
	if _, err := sp.Net.NewVirtualNetworksClient().Get(sp.Ctx, rgB, "vnet1", nil); err != nil {
		t.Errorf("Reader can't read a VNet: %v", err)
	}
	if _, err := sp.Net.NewVirtualNetworksClient().NewListAllPager(nil).NextPage(sp.Ctx); err != nil {
		t.Errorf("Reader can't list VNets: %v", err)
	}
	if _, err := sp.roleDefs("/subscriptions/"+sp.Sub, "roleName eq 'Reader'"); err != nil {
		t.Errorf("Reader can't read role definitions: %v", err)
	}
	before := admin.Snapshot(admin.RGID(rgB), *existing.ID)
	denied := []struct {
		name   string
		call   func() error
		action string
		scope  string
	}{
		{"create group", func() error {
			_, err := sp.RG.CreateOrUpdate(sp.Ctx, rgA+"-x", armresources.ResourceGroup{Location: to.Ptr("eastus")}, nil)
			return err
		}, "Microsoft.Resources/subscriptions/resourceGroups/write", admin.RGID(rgA + "-x")},
		{"tag group", func() error {
			_, err := sp.RG.Update(sp.Ctx, rgB, armresources.ResourceGroupPatchable{Tags: map[string]*string{"x": to.Ptr("y")}}, nil)
			return err
		}, "Microsoft.Resources/subscriptions/resourceGroups/write", admin.RGID(rgB)},
		{"update VNet", func() error {
			_, err := sp.PutVNet(rgB, "vnet1", VNetBody("10.50.0.0/16"))
			return err
		}, "Microsoft.Network/virtualNetworks/write", *existing.ID},
		{"delete VNet", func() error {
			p, err := sp.Net.NewVirtualNetworksClient().BeginDelete(sp.Ctx, rgB, "vnet1", nil)
			return DeleteLRO(sp.Ctx, p, err)
		}, "Microsoft.Network/virtualNetworks/delete", *existing.ID},
		{"delete group", func() error {
			p, err := sp.RG.BeginDelete(sp.Ctx, rgB, nil)
			return DeleteLRO(sp.Ctx, p, err)
		}, "Microsoft.Resources/subscriptions/resourceGroups/delete", admin.RGID(rgB)},
		{"grant itself Owner", func() error {
			_, err := sp.assign("/subscriptions/"+sp.Sub, ownerRole, spID)
			return err
		}, "Microsoft.Authorization/roleAssignments/write", "/subscriptions/" + admin.Sub},
	}
	for _, tc := range denied {
		t.Run("reader "+tc.name, func(t *testing.T) {
			wantSDKErr(t, tc.call(), want{Status: http.StatusForbidden, Code: "AuthorizationFailed", Mentions: []string{spID, tc.action, Fold(tc.scope)}})
		})
	}
	admin.Unchanged(before)
	if admin.Exists(admin.RGID(rgA + "-x")) {
		t.Error("a Reader created a resource group")
	}

	// Network Contributor on rgA: a VNet there, not elsewhere.
	admin.mustAssign(admin.RGID(rgA), networkContributorRole, spID)
	if _, err := sp.PutVNet(rgA, "vnet1", VNetBody("10.51.0.0/16", "s1=10.51.1.0/24")); err != nil {
		t.Fatalf("Network Contributor can't write a VNet in its group: %v", err)
	}
	_, err = sp.PutVNet(rgB, "vnet2", VNetBody("10.52.0.0/16"))
	wantSDKErr(t, err, want{Status: http.StatusForbidden, Code: "AuthorizationFailed", Mentions: []string{"Microsoft.Network/virtualNetworks/write", rgB}})
	if admin.Exists(admin.RGID(rgB) + "/providers/Microsoft.Network/virtualNetworks/vnet2") {
		t.Error("VNet written outside the granted group")
	}
	// It is a network role, not a resource group one.
	_, err = sp.RG.Update(sp.Ctx, rgA, armresources.ResourceGroupPatchable{Tags: map[string]*string{"x": to.Ptr("y")}}, nil)
	wantSDKErr(t, err, want{Status: http.StatusForbidden, Code: "AuthorizationFailed", Mentions: []string{"Microsoft.Resources/subscriptions/resourceGroups/write"}})

	// A custom role's NotActions really deny: all of Microsoft.Network but
	// route table deletes, on rgC.
	roleID := newGUID(t)
	role, err := admin.Auth.NewRoleDefinitionsClient().CreateOrUpdate(admin.Ctx, admin.RGID(rgC), roleID, armauthorization.RoleDefinition{
		Properties: &armauthorization.RoleDefinitionProperties{
			RoleName:         to.Ptr("Route table keeper " + roleID[:8]),
			Description:      to.Ptr("Network writes but no route table deletes"),
			AssignableScopes: []*string{to.Ptr(admin.RGID(rgC))},
			Permissions: []*armauthorization.Permission{{
				Actions:    []*string{to.Ptr("Microsoft.Network/*")},
				NotActions: []*string{to.Ptr("Microsoft.Network/routeTables/delete")},
			}},
		},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if *role.Properties.RoleType != "CustomRole" || *role.Name != roleID {
		t.Errorf("custom role %s type %s", *role.Name, *role.Properties.RoleType)
	}
	if defs, err := admin.roleDefs("/subscriptions/"+admin.Sub, "roleName eq '"+*role.Properties.RoleName+"'"); err != nil || len(defs) != 1 {
		t.Errorf("custom role by name: %d, %v", len(defs), err)
	}
	admin.mustAssign(admin.RGID(rgC), roleID, spID)
	rt, err := sp.PutRouteTable(rgC, "rt1", armnetwork.RouteTable{})
	if err != nil {
		t.Fatalf("custom role can't write a route table: %v", err)
	}
	if _, err := sp.PutRoute(rgC, "rt1", "r1", armnetwork.Route{Properties: route("10.244.0.0/24", armnetwork.RouteNextHopTypeVirtualAppliance, "10.0.0.4")}); err != nil {
		t.Errorf("custom role can't write a route: %v", err)
	}
	p, err := sp.Net.NewRouteTablesClient().BeginDelete(sp.Ctx, rgC, "rt1", nil)
	wantSDKErr(t, DeleteLRO(sp.Ctx, p, err), want{Status: http.StatusForbidden, Code: "AuthorizationFailed", Mentions: []string{"Microsoft.Network/routeTables/delete", *rt.ID}})
	if !admin.Exists(*rt.ID) {
		t.Error("route table deleted despite the NotAction")
	}
	// What the NotAction leaves out is still granted.
	dp, err := sp.Net.NewRoutesClient().BeginDelete(sp.Ctx, rgC, "rt1", "r1", nil)
	if err := DeleteLRO(sp.Ctx, dp, err); err != nil {
		t.Errorf("custom role can't delete a route: %v", err)
	}

	// Deleting a group deletes the assignments in it: a group recreated
	// under the same name grants nothing.
	gp, err := admin.RG.BeginDelete(admin.Ctx, rgA, nil)
	if err := DeleteLRO(admin.Ctx, gp, err); err != nil {
		t.Fatal(err)
	}
	admin.MkRG(rgA)
	_, err = sp.PutVNet(rgA, "vnet1", VNetBody("10.51.0.0/16"))
	wantSDKErr(t, err, want{Status: http.StatusForbidden, Code: "AuthorizationFailed", Mentions: []string{"Microsoft.Network/virtualNetworks/write"}})

	// Revoking the roles takes effect at once.
	list, err := admin.assignmentsAt("/subscriptions/"+admin.Sub, "principalId eq '"+spID+"'")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Errorf("principal has %d assignments, want 2 (Reader and the custom role)", len(list))
	}
	for _, a := range list {
		if _, err := admin.Auth.NewRoleAssignmentsClient().DeleteByID(admin.Ctx, *a.ID, nil); err != nil {
			t.Fatal(err)
		}
	}
	_, err = sp.RG.Get(sp.Ctx, rgA, nil)
	wantSDKErr(t, err, want{Status: http.StatusForbidden, Code: "AuthorizationFailed"})

	// A deleted principal's token stops working.
	if r := admin.Do(http.MethodDelete, "/v1.0/applications/"+app.ID, nil); r.Status != http.StatusNoContent {
		t.Fatalf("delete application: %d %s", r.Status, r.Body)
	}
	_, err = sp.RG.Get(sp.Ctx, rgA, nil)
	wantSDKErr(t, err, want{Status: http.StatusUnauthorized, Code: "InvalidAuthenticationToken", Mentions: []string{spID}})
}
