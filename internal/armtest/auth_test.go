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
	t.Parallel()
	h := newHarness(t)
	rg := h.newRG()
	rgPath := "/subscriptions/" + h.sub + "/resourceGroups/" + rg + "?api-version=2021-04-01"

	// A token for another resource, issued by the server's own token service.
	vault, err := h.cred.GetToken(h.ctx, policy.TokenRequestOptions{Scopes: []string{"https://vault.azure.net/.default"}})
	if err != nil {
		t.Fatal(err)
	}
	// A token signed by a key the server does not know.
	stranger, err := identity.NewIssuer(filepath.Join(t.TempDir(), "key.pem"), "https://localhost/adfs")
	if err != nil {
		t.Fatal(err)
	}
	foreign, _, err := stranger.Issue(&identity.Principal{ObjectID: h.e.Creds.ObjectID, AppID: h.e.Creds.AppID, TenantID: h.e.Creds.TenantID}, h.e.URL, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	claims := func(exp time.Time) jwt.MapClaims {
		return jwt.MapClaims{"aud": h.e.URL, "iss": "https://localhost/adfs", "sub": h.e.Creds.ObjectID, "oid": h.e.Creds.ObjectID,
			"appid": h.e.Creds.AppID, "tid": h.e.Creds.TenantID, "iat": now.Add(-2 * time.Hour).Unix(), "nbf": now.Add(-2 * time.Hour).Unix(), "exp": exp.Unix()}
	}
	expired := forgeToken(t, h.e, claims(now.Add(-time.Hour)))
	// The forged-token path is sound: the same claims, unexpired, are accepted.
	if r := doRaw(t, h.e, http.MethodGet, rgPath, nil, "Authorization", "Bearer "+forgeToken(t, h.e, claims(now.Add(time.Hour)))); r.Status != http.StatusOK {
		t.Fatalf("forged valid token refused: %d %s", r.Status, r.Body)
	}

	cases := []struct {
		name, header, code string
	}{
		{"no token", "", "AuthenticationFailed"},
		{"empty bearer", "Bearer ", "AuthenticationFailed"},
		{"basic auth", "Basic dXNlcjpwYXNz", "AuthenticationFailed"},
		{"garbage", "Bearer not-a-jwt", "InvalidAuthenticationToken"},
		{"tampered", "Bearer " + h.token() + "x", "InvalidAuthenticationToken"},
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
				{http.MethodPut, "/subscriptions/" + h.sub + "/resourceGroups/" + rg + "-new?api-version=2021-04-01"},
				{http.MethodDelete, rgPath},
			} {
				var body any
				if req.method == http.MethodPut {
					body = map[string]string{"location": "eastus"}
				}
				r := doRaw(t, h.e, req.method, req.path, body, hdr...)
				want{Status: http.StatusUnauthorized, Code: tc.code}.Check(t, r.apiErr(t))
				if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer ") {
					t.Errorf("%s %s: WWW-Authenticate %q", req.method, req.path, r.Header.Get("WWW-Authenticate"))
				}
			}
			// Graph refuses it too.
			if r := doRaw(t, h.e, http.MethodGet, "/v1.0/servicePrincipals", nil, hdr...); r.Status != http.StatusUnauthorized {
				t.Errorf("Graph answered %d", r.Status)
			}
		})
	}
	// None of the refused requests wrote anything.
	if !h.exists(h.rgID(rg)) || h.exists(h.rgID(rg+"-new")) {
		t.Error("an unauthenticated request changed the store")
	}
}

func TestAuth_LeastPrivilegeServicePrincipal(t *testing.T) {
	t.Parallel()
	admin := newHarness(t)
	rgA, rgB, rgC := uniqueRG(t)+"-a", uniqueRG(t)+"-b", uniqueRG(t)+"-c"
	for _, rg := range []string{rgA, rgB, rgC} {
		admin.mkRG(rg)
	}
	existing := admin.vnet(rgB, "vnet1", "10.50.0.0/16", "s1=10.50.1.0/24")

	// az ad sp create-for-rbac, through Graph.
	app, spID, secret := admin.newServicePrincipal("pipeline-" + strings.ToLower(t.Name()))
	sp := admin.as(admin.e.CredentialFor(t, app.AppID, secret))

	// Signed in, but with no role: nothing.
	_, err := sp.rg.Get(sp.ctx, rgA, nil)
	wantSDKErr(t, err, want{Status: http.StatusForbidden, Code: "AuthorizationFailed",
		Mentions: []string{spID, "Microsoft.Resources/subscriptions/resourceGroups/read", Fold(admin.rgID(rgA))}})

	// Reader on the subscription: reads succeed, writes fail.
	admin.mustAssign("/subscriptions/"+admin.sub, readerRole, spID)
	if _, err := sp.rg.Get(sp.ctx, rgA, nil); err != nil {
		t.Fatalf("Reader can't read a group: %v", err)
	}
	if _, err := sp.net.NewVirtualNetworksClient().Get(sp.ctx, rgB, "vnet1", nil); err != nil {
		t.Errorf("Reader can't read a VNet: %v", err)
	}
	if _, err := sp.net.NewVirtualNetworksClient().NewListAllPager(nil).NextPage(sp.ctx); err != nil {
		t.Errorf("Reader can't list VNets: %v", err)
	}
	if _, err := sp.roleDefs("/subscriptions/"+sp.sub, "roleName eq 'Reader'"); err != nil {
		t.Errorf("Reader can't read role definitions: %v", err)
	}
	before := admin.snapshot(admin.rgID(rgB), *existing.ID)
	denied := []struct {
		name   string
		call   func() error
		action string
		scope  string
	}{
		{"create group", func() error {
			_, err := sp.rg.CreateOrUpdate(sp.ctx, rgA+"-x", armresources.ResourceGroup{Location: to.Ptr("eastus")}, nil)
			return err
		}, "Microsoft.Resources/subscriptions/resourceGroups/write", admin.rgID(rgA + "-x")},
		{"tag group", func() error {
			_, err := sp.rg.Update(sp.ctx, rgB, armresources.ResourceGroupPatchable{Tags: map[string]*string{"x": to.Ptr("y")}}, nil)
			return err
		}, "Microsoft.Resources/subscriptions/resourceGroups/write", admin.rgID(rgB)},
		{"update VNet", func() error {
			_, err := sp.putVNet(rgB, "vnet1", vnetBody("10.50.0.0/16"))
			return err
		}, "Microsoft.Network/virtualNetworks/write", *existing.ID},
		{"delete VNet", func() error {
			p, err := sp.net.NewVirtualNetworksClient().BeginDelete(sp.ctx, rgB, "vnet1", nil)
			return deleteLRO(sp.ctx, p, err)
		}, "Microsoft.Network/virtualNetworks/delete", *existing.ID},
		{"delete group", func() error {
			p, err := sp.rg.BeginDelete(sp.ctx, rgB, nil)
			return deleteLRO(sp.ctx, p, err)
		}, "Microsoft.Resources/subscriptions/resourceGroups/delete", admin.rgID(rgB)},
		{"grant itself Owner", func() error {
			_, err := sp.assign("/subscriptions/"+sp.sub, ownerRole, spID)
			return err
		}, "Microsoft.Authorization/roleAssignments/write", "/subscriptions/" + admin.sub},
	}
	for _, tc := range denied {
		t.Run("reader "+tc.name, func(t *testing.T) {
			wantSDKErr(t, tc.call(), want{Status: http.StatusForbidden, Code: "AuthorizationFailed", Mentions: []string{spID, tc.action, Fold(tc.scope)}})
		})
	}
	admin.unchanged(before)
	if admin.exists(admin.rgID(rgA + "-x")) {
		t.Error("a Reader created a resource group")
	}

	// Network Contributor on rgA: a VNet there, not elsewhere.
	admin.mustAssign(admin.rgID(rgA), networkContributorRole, spID)
	if _, err := sp.putVNet(rgA, "vnet1", vnetBody("10.51.0.0/16", "s1=10.51.1.0/24")); err != nil {
		t.Fatalf("Network Contributor can't write a VNet in its group: %v", err)
	}
	_, err = sp.putVNet(rgB, "vnet2", vnetBody("10.52.0.0/16"))
	wantSDKErr(t, err, want{Status: http.StatusForbidden, Code: "AuthorizationFailed", Mentions: []string{"Microsoft.Network/virtualNetworks/write", rgB}})
	if admin.exists(admin.rgID(rgB) + "/providers/Microsoft.Network/virtualNetworks/vnet2") {
		t.Error("VNet written outside the granted group")
	}
	// It is a network role, not a resource group one.
	_, err = sp.rg.Update(sp.ctx, rgA, armresources.ResourceGroupPatchable{Tags: map[string]*string{"x": to.Ptr("y")}}, nil)
	wantSDKErr(t, err, want{Status: http.StatusForbidden, Code: "AuthorizationFailed", Mentions: []string{"Microsoft.Resources/subscriptions/resourceGroups/write"}})

	// A custom role's NotActions really deny: all of Microsoft.Network but
	// route table deletes, on rgC.
	roleID := newGUID(t)
	role, err := admin.auth.NewRoleDefinitionsClient().CreateOrUpdate(admin.ctx, admin.rgID(rgC), roleID, armauthorization.RoleDefinition{
		Properties: &armauthorization.RoleDefinitionProperties{
			RoleName:         to.Ptr("Route table keeper " + roleID[:8]),
			Description:      to.Ptr("Network writes but no route table deletes"),
			AssignableScopes: []*string{to.Ptr(admin.rgID(rgC))},
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
	if defs, err := admin.roleDefs("/subscriptions/"+admin.sub, "roleName eq '"+*role.Properties.RoleName+"'"); err != nil || len(defs) != 1 {
		t.Errorf("custom role by name: %d, %v", len(defs), err)
	}
	admin.mustAssign(admin.rgID(rgC), roleID, spID)
	rt, err := sp.putRouteTable(rgC, "rt1", armnetwork.RouteTable{})
	if err != nil {
		t.Fatalf("custom role can't write a route table: %v", err)
	}
	if _, err := sp.putRoute(rgC, "rt1", "r1", armnetwork.Route{Properties: route("10.244.0.0/24", armnetwork.RouteNextHopTypeVirtualAppliance, "10.0.0.4")}); err != nil {
		t.Errorf("custom role can't write a route: %v", err)
	}
	p, err := sp.net.NewRouteTablesClient().BeginDelete(sp.ctx, rgC, "rt1", nil)
	wantSDKErr(t, deleteLRO(sp.ctx, p, err), want{Status: http.StatusForbidden, Code: "AuthorizationFailed", Mentions: []string{"Microsoft.Network/routeTables/delete", *rt.ID}})
	if !admin.exists(*rt.ID) {
		t.Error("route table deleted despite the NotAction")
	}
	// What the NotAction leaves out is still granted.
	dp, err := sp.net.NewRoutesClient().BeginDelete(sp.ctx, rgC, "rt1", "r1", nil)
	if err := deleteLRO(sp.ctx, dp, err); err != nil {
		t.Errorf("custom role can't delete a route: %v", err)
	}

	// Deleting a group deletes the assignments in it: a group recreated
	// under the same name grants nothing.
	gp, err := admin.rg.BeginDelete(admin.ctx, rgA, nil)
	if err := deleteLRO(admin.ctx, gp, err); err != nil {
		t.Fatal(err)
	}
	admin.mkRG(rgA)
	_, err = sp.putVNet(rgA, "vnet1", vnetBody("10.51.0.0/16"))
	wantSDKErr(t, err, want{Status: http.StatusForbidden, Code: "AuthorizationFailed", Mentions: []string{"Microsoft.Network/virtualNetworks/write"}})

	// Revoking the roles takes effect at once.
	list, err := admin.assignmentsAt("/subscriptions/"+admin.sub, "principalId eq '"+spID+"'")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Errorf("principal has %d assignments, want 2 (Reader and the custom role)", len(list))
	}
	for _, a := range list {
		if _, err := admin.auth.NewRoleAssignmentsClient().DeleteByID(admin.ctx, *a.ID, nil); err != nil {
			t.Fatal(err)
		}
	}
	_, err = sp.rg.Get(sp.ctx, rgA, nil)
	wantSDKErr(t, err, want{Status: http.StatusForbidden, Code: "AuthorizationFailed"})

	// A deleted principal's token stops working.
	if r := admin.do(http.MethodDelete, "/v1.0/applications/"+app.ID, nil); r.Status != http.StatusNoContent {
		t.Fatalf("delete application: %d %s", r.Status, r.Body)
	}
	_, err = sp.rg.Get(sp.ctx, rgA, nil)
	wantSDKErr(t, err, want{Status: http.StatusUnauthorized, Code: "InvalidAuthenticationToken", Mentions: []string{spID}})
}
