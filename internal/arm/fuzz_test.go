package arm

import (
	"slices"
	"strings"
	"testing"
)

// idSeeds are real ARM paths: the article's resources (az network vnet
// create -g myResourceGroup -n myAKSVnet …, az aks create -n myAKSCluster),
// ids from the azure-rest-api-specs examples (network
// VirtualNetworkCreate.json, SubnetCreate.json, RouteTableRouteCreate.json,
// NetworkSecurityGroupRuleCreate.json; authorization
// PutRoleAssignment.json, PutRoleDefinition.json; containerservice
// ManagedClustersCreate_Update.json, AgentPoolsCreate_Update.json), and
// near-valid ones (case changes, trailing slashes, missing names, empty
// segments).
var idSeeds = []string{
	"",
	"/",
	"/subscriptions",
	"/subscriptions/subid",
	"/subscriptions/subid/resourceGroups",
	"/subscriptions/subid/resourcegroups/rg1",
	"/subscriptions/subid/resourceGroups/rg1/resources",
	"/subscriptions/subid/locations",
	"/subscriptions/subid/providers/Microsoft.Network/virtualNetworks",
	"/subscriptions/subid/resourceGroups/myResourceGroup/providers/Microsoft.Network/virtualNetworks/myAKSVnet",
	"/subscriptions/subid/resourceGroups/myResourceGroup/providers/Microsoft.Network/virtualNetworks/myAKSVnet/subnets/myAKSSubnet",
	"/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/routeTables/testrt/routes/route1",
	"/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/networkSecurityGroups/testnsg/securityRules/rule1",
	"/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/networkInterfaces/test-nic/ipConfigurations/ipconfig1",
	"/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.ManagedIdentity/userAssignedIdentities/myIdentity",
	"/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/myAKSCluster",
	"/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/myAKSCluster/agentPools/nodepool1",
	"/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/myAKSCluster/listClusterUserCredential",
	"/subscriptions/a925f2f7-5c63-4b7b-8799-25a5f97bc3b2/providers/Microsoft.Authorization/roleAssignments/b0f43c54-e787-4862-89b1-a653fa9cf747",
	"/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/myAKSVnet/providers/Microsoft.Authorization/roleAssignments/05c5a614-a7d6-4502-b150-c2fb455033ff",
	"/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c",
	"/subscriptions/subid/providers/Microsoft.Authorization/roleDefinitions/a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb",
	"/subscriptions/subid/providers/Microsoft.Network/locations/eastus/operations/0c7f8d1e-1b7c-4f77-9e3f-4c4ab2f1d8b3",
	"/SUBSCRIPTIONS/SubId/RESOURCEGROUPS/RG1/PROVIDERS/microsoft.network/VIRTUALNETWORKS/v1",
	"/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/v1/",
	"//subscriptions//subid",
	"/subscriptions/subid/resourceGroups/rg1/providers",
	"/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network",
	"/providers",
	"/providers/Microsoft.Network",
	"/tenants/x",
	"/subscriptions/providers/providers/providers/providers",
	"/subscriptions/sub/resourceGroups/resourceGroups/providers/Microsoft.Network/virtualNetworks/providers",
}

// FuzzParseID checks ParseID and the id helpers on arbitrary paths: they
// never panic; a parsed id has well-formed parts; its canonical form parses
// back to the same id and names the same store key; and keywords match
// case-insensitively (the same path in other letter case parses to the
// same id, ignoring case).
func FuzzParseID(f *testing.F) {
	for _, s := range idSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		// The helpers take any string.
		_ = ParentOf(path)
		_ = LastName(path)
		_ = Key(path)
		_ = Within(path, ParentOf(path))

		p, err := ParseID(path)
		checkCaseFold(t, path, p, err)
		if err != nil {
			if !strings.Contains(err.Error(), "InvalidResourceId") && !strings.Contains(err.Error(), "not valid") {
				t.Fatalf("ParseID(%q): error %q does not say the id is invalid", path, err)
			}
			return
		}
		checkParts(t, path, p)
		_ = p.FullType()
		_ = p.IsCollection()

		checkCanonical(t, path, p)
	})
}

// checkParts checks the shape of a parsed id.
func checkParts(t *testing.T, path string, p ResourceID) {
	t.Helper()
	if n, m := len(p.Types), len(p.Names); m != n && m != n-1 {
		t.Fatalf("ParseID(%q): %d types but %d names", path, n, m)
	}
	if p.ResourceGroup != "" && p.Subscription == "" {
		t.Fatalf("ParseID(%q): resource group %q without a subscription", path, p.ResourceGroup)
	}
	for _, s := range slices.Concat([]string{p.Namespace}, p.Types, p.Names) {
		if strings.Contains(s, "/") {
			t.Fatalf("ParseID(%q): segment %q contains a slash", path, s)
		}
	}
	if p.Namespace == "" && p.Scope != "" {
		t.Fatalf("ParseID(%q): scope %q without a provider section", path, p.Scope)
	}
	if p.Namespace != "" && len(p.Types) == 0 {
		t.Fatalf("ParseID(%q): namespace %q without a type", path, p.Namespace)
	}
	if p.Scope != "" && !strings.HasPrefix(p.Scope, "/") {
		t.Fatalf("ParseID(%q): scope %q is not absolute", path, p.Scope)
	}
}

// checkCaseFold fails t unless path in upper and in lower ASCII case parses
// as path did (p, err), ignoring case.
func checkCaseFold(t *testing.T, path string, p ResourceID, err error) {
	t.Helper()
	for _, other := range []string{asciiUpper(path), asciiLower(path)} {
		q, qerr := ParseID(other)
		if (err == nil) != (qerr == nil) {
			t.Fatalf("ParseID(%q) err %v but ParseID(%q) err %v: keywords must match case-insensitively", path, err, other, qerr)
		}
		if err == nil && !sameFold(p, q) {
			t.Fatalf("ParseID(%q) = %+v but ParseID(%q) = %+v", path, p, other, q)
		}
	}
}

// checkCanonical fails t unless the canonical form of p, parsed from path,
// parses back to p, is stable, names the same store key, lies within p's
// scope and ends in p's last name.
func checkCanonical(t *testing.T, path string, p ResourceID) {
	t.Helper()
	canon := format(p)
	q, err := ParseID(canon)
	if err != nil {
		t.Fatalf("canonical form %q of %q does not parse: %v", canon, path, err)
	}
	if !same(p, q) {
		t.Fatalf("ParseID(%q) = %+v, but its canonical form %q parses to %+v", path, p, canon, q)
	}
	if format(q) != canon {
		t.Fatalf("canonical form is not stable: %q, then %q", canon, format(q))
	}
	if Key(canon) != Key(path) {
		t.Fatalf("%q and its canonical form %q have different store keys %q and %q", path, canon, Key(path), Key(canon))
	}
	if p.Namespace != "" && !Within(canon, p.Scope) && p.Scope != "" {
		t.Fatalf("%q does not lie within its own scope %q", canon, p.Scope)
	}
	if len(p.Names) > 0 && LastName(canon) != p.Names[len(p.Names)-1] && !p.IsCollection() {
		t.Fatalf("LastName(%q) = %q, want the last name %q", canon, LastName(canon), p.Names[len(p.Names)-1])
	}
}

// format writes a parsed id in canonical form: keywords in ARM's casing,
// names as given, one slash between segments.
func format(p ResourceID) string {
	var b strings.Builder
	if p.Namespace != "" {
		b.WriteString(p.Scope)
		b.WriteString("/providers/")
		b.WriteString(p.Namespace)
		for i, t := range p.Types {
			b.WriteString("/" + t)
			if i < len(p.Names) {
				b.WriteString("/" + p.Names[i])
			}
		}
		return b.String()
	}
	if p.Subscription != "" {
		b.WriteString("/subscriptions/" + p.Subscription)
		if p.ResourceGroup != "" {
			b.WriteString("/resourceGroups/" + p.ResourceGroup)
		}
	}
	for _, t := range p.Types {
		b.WriteString("/" + t)
	}
	return b.String()
}

func same(a, b ResourceID) bool {
	return a.Subscription == b.Subscription && a.ResourceGroup == b.ResourceGroup && a.Scope == b.Scope &&
		a.Namespace == b.Namespace && slices.Equal(a.Types, b.Types) && slices.Equal(a.Names, b.Names)
}

func sameFold(a, b ResourceID) bool {
	fold := func(x, y []string) bool {
		return slices.EqualFunc(x, y, strings.EqualFold)
	}
	return strings.EqualFold(a.Subscription, b.Subscription) && strings.EqualFold(a.ResourceGroup, b.ResourceGroup) &&
		strings.EqualFold(a.Scope, b.Scope) && strings.EqualFold(a.Namespace, b.Namespace) &&
		fold(a.Types, b.Types) && fold(a.Names, b.Names)
}

// asciiUpper and asciiLower change the case of ASCII letters only: ARM ids
// are case-insensitive in ASCII, and Unicode case mapping can change a
// string's length.
func asciiUpper(s string) string { return asciiMap(s, 'a', 'z', 'A'-'a') }
func asciiLower(s string) string { return asciiMap(s, 'A', 'Z', 'a'-'A') }

func asciiMap(s string, lo, hi byte, delta int) string {
	b := []byte(s)
	for i, c := range b {
		if c >= lo && c <= hi {
			b[i] = byte(int(c) + delta)
		}
	}
	return string(b)
}
