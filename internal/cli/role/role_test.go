package role_test

import (
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/cli/clitest"
)

const networkContributorID = "4d97b98b-1d4f-4787-a291-c67834d212e7"

// rbacAssignmentKeys are the keys az prints for a role assignment
// (RoleAssignment of azure-mgmt-authorization), plus resourceGroup for
// assignments under a resource group.
var rbacAssignmentKeys = []string{"condition", "conditionVersion", "createdBy", "createdOn", "delegatedManagedIdentityResourceId",
	"description", "id", "name", "principalId", "principalType", "roleDefinitionId", "scope", "type", "updatedBy", "updatedOn"}

func TestRoleAssignmentCreateListDelete(t *testing.T) {
	c := clitest.StartRBAC(t, "myResourceGroup")
	rg := c.RGID("myResourceGroup")
	principalID := c.TSV("identity", "create", "-n", "myIdentity", "-g", "myResourceGroup", "--query", "principalId")
	clientID := c.TSV("identity", "show", "-n", "myIdentity", "-g", "myResourceGroup", "--query", "clientId")
	identityID := c.TSV("identity", "show", "-n", "myIdentity", "-g", "myResourceGroup", "--query", "id")

	// By name, with --assignee resolved through Graph (the article's step).
	out, errs, code := c.Run("role", "assignment", "create", "--assignee", principalID, "--scope", rg, "--role", "Network Contributor")
	if code != 0 {
		t.Fatalf("role assignment create: exit %d: %s", code, errs)
	}
	if errs != "" {
		t.Errorf("role assignment create with --scope warned: %q", errs)
	}
	first := rbacParseObject(t, out)
	clitest.WantExactKeys(t, "role assignment", first, append([]string{"resourceGroup"}, rbacAssignmentKeys...)...)
	if first["principalId"] != principalID || first["principalType"] != "ServicePrincipal" || first["scope"] != rg ||
		first["type"] != "Microsoft.Authorization/roleAssignments" || first["resourceGroup"] != "myResourceGroup" {
		t.Errorf("assignment = %v", first)
	}
	if want := "/subscriptions/" + c.Sub() + "/providers/Microsoft.Authorization/roleDefinitions/" + networkContributorID; first["roleDefinitionId"] != want {
		t.Errorf("roleDefinitionId = %v, want %s", first["roleDefinitionId"], want)
	}
	name, _ := first["name"].(string)
	if !clitest.GUID.MatchString(name) || first["id"] != rg+"/providers/Microsoft.Authorization/roleAssignments/"+name {
		t.Errorf("assignment name %q / id %v: want a new GUID under the scope", name, first["id"])
	}

	// A duplicate by --assignee-object-id succeeds with the existing
	// assignment, as az treats RoleAssignmentExists as success.
	dup := c.Obj("role", "assignment", "create", "--assignee-object-id", principalID, "--assignee-principal-type", "ServicePrincipal",
		"--scope", rg, "--role", "Network Contributor")
	if dup["id"] != first["id"] || dup["roleDefinitionName"] != "Network Contributor" || dup["principalName"] != clientID {
		t.Errorf("duplicate assignment = %v, want the existing %v", dup, first["id"])
	}

	// --assignee as an appId (servicePrincipalNames), role by GUID and
	// case-insensitive principal type.
	byApp := c.Obj("role", "assignment", "create", "--assignee", clientID, "--scope", identityID, "--role", "acdd72a7-3385-48ef-bd42-f606fba81ae7")
	if byApp["principalId"] != principalID || !strings.HasSuffix(byApp["roleDefinitionId"].(string), "/acdd72a7-3385-48ef-bd42-f606fba81ae7") {
		t.Errorf("assignment by appId = %v", byApp)
	}
	// --assignee-object-id without a type asks Graph for it, with az's warning.
	_, errs, code = c.Run("role", "assignment", "create", "--assignee-object-id", principalID, "--scope", identityID, "--role", "Network Contributor")
	if code != 0 || !strings.Contains(errs, "WARNING: RBAC service might reject creating role assignment without --assignee-principal-type") {
		t.Errorf("create by object id without type: exit %d, stderr %q", code, errs)
	}

	// list at the group: exact scope only, names filled in.
	l := c.List("role", "assignment", "list", "--scope", rg)
	if len(l) != 1 {
		t.Fatalf("list --scope rg: %d assignments, want 1: %v", len(l), l)
	}
	clitest.WantExactKeys(t, "listed assignment", l[0], append([]string{"resourceGroup", "principalName", "roleDefinitionName"}, rbacAssignmentKeys...)...)
	if l[0]["principalName"] != clientID || l[0]["roleDefinitionName"] != "Network Contributor" {
		t.Errorf("listed assignment names = %v / %v", l[0]["principalName"], l[0]["roleDefinitionName"])
	}
	if got := len(c.List("role", "assignment", "list", "--scope", identityID)); got != 2 {
		t.Errorf("list at the identity: %d, want 2", got)
	}
	// Inherited: the group's assignment and the admin's Owner on the
	// subscription.
	if got := c.TSV("role", "assignment", "list", "--scope", identityID, "--include-inherited", "--query", "length([?roleDefinitionName=='Owner' || scope=='"+rg+"'])"); got != "2" {
		t.Errorf("list --include-inherited at the identity: %s inherited assignments, want 2", got)
	}
	if got := c.TSV("role", "assignment", "list", "--scope", identityID, "--role", "Reader", "--query", "[].roleDefinitionName"); got != "Reader" {
		t.Errorf("list --role Reader = %q", got)
	}
	if got := len(c.List("role", "assignment", "list", "--all", "--assignee", principalID)); got != 3 {
		t.Errorf("list --all --assignee: %d, want 3", got)
	}
	if got := len(c.List("role", "assignment", "list", "-g", "myResourceGroup", "--assignee", clientID)); got != 1 {
		t.Errorf("list -g --assignee appId: %d, want 1", got)
	}
	table := c.OK("role", "assignment", "list", "--scope", rg, "-o", "table")
	if !strings.HasPrefix(table, "Principal") || !strings.Contains(table, "Network Contributor") || !strings.Contains(table, rg) {
		t.Errorf("list -o table:\n%s", table)
	}

	// delete by --ids, then by filters.
	c.OK("role", "assignment", "delete", "--ids", byApp["id"].(string))
	c.OK("role", "assignment", "delete", "--assignee", principalID, "--role", "Network Contributor", "--scope", identityID)
	if got := len(c.List("role", "assignment", "list", "--scope", identityID)); got != 0 {
		t.Errorf("after deletes: %d assignments at the identity", got)
	}
	if errs := c.Fails(1, "role", "assignment", "delete", "--assignee", principalID, "--role", "Reader", "--scope", identityID); !strings.Contains(errs, "ERROR: No matched assignments were found to delete") {
		t.Errorf("delete of nothing: %q", errs)
	}
}

func TestRoleAssignmentDefaultScopeAndErrors(t *testing.T) {
	c := clitest.StartRBAC(t, "rg")
	principalID := c.TSV("identity", "create", "-n", "id1", "-g", "rg", "--query", "principalId")

	// Without --scope: the subscription, with az's warning.
	out, errs, code := c.Run("role", "assignment", "create", "--assignee-object-id", principalID, "--assignee-principal-type", "serviceprincipal", "--role", "Reader")
	if code != 0 || !strings.Contains(errs, "WARNING: --scope argument will become required for creating a role assignment") {
		t.Fatalf("create without --scope: exit %d, stderr %q", code, errs)
	}
	a := rbacParseObject(t, out)
	if a["scope"] != "/subscriptions/"+c.Sub() || a["principalType"] != "ServicePrincipal" {
		t.Errorf("default-scope assignment = %v", a)
	}
	if _, ok := a["resourceGroup"]; ok {
		t.Errorf("subscription-scope assignment has a resourceGroup: %v", a)
	}

	// argparse errors: exit 2.
	if errs := c.Fails(2, "role", "assignment", "create", "--assignee", principalID); !strings.Contains(errs, "the following arguments are required: --role") {
		t.Errorf("missing --role: %q", errs)
	}
	if errs := c.Fails(2, "role", "assignment", "create", "--assignee-object-id", principalID, "--assignee-principal-type", "Robot", "--role", "Reader"); !strings.Contains(errs, "'Robot' is not a valid value for '--assignee-principal-type'. Allowed values: User, Group, ServicePrincipal, ForeignGroup.") {
		t.Errorf("bad principal type: %q", errs)
	}
	// az's CLIErrors raised by the command: exit 1.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--assignee", principalID, "--assignee-object-id", principalID, "--role", "Reader"}, "ERROR: usage error: --assignee STRING | --assignee-object-id GUID"},
		{[]string{"--role", "Reader", "--scope", "/subscriptions/" + c.Sub()}, "ERROR: usage error: --assignee STRING | --assignee-object-id GUID"},
		{[]string{"--assignee", principalID, "--assignee-principal-type", "User", "--role", "Reader", "--scope", "/subscriptions/" + c.Sub()}, "ERROR: usage error: --assignee-object-id GUID --assignee-principal-type TYPE"},
		{[]string{"--assignee", principalID, "--role", "No Such Role", "-g", "rg"}, "ERROR: Role 'No Such Role' doesn't exist."},
		{[]string{"--assignee", principalID, "--role", "Reader", "-g", "rg", "--scope", c.RGID("rg")}, `ERROR: Resource group "rg" is redundant because scope is supplied`},
		{[]string{"--assignee", principalID, "--role", "Reader", "--scope", c.RGID("rg") + "/"}, "ERROR: Invalid scope. Please use --help to view the valid format."},
		{[]string{"--assignee", "no-such-sp", "--role", "Reader", "-g", "rg"}, "ERROR: Cannot find user or service principal in graph database for 'no-such-sp'."},
	} {
		if errs := c.Fails(1, append([]string{"role", "assignment", "create"}, tc.args...)...); !strings.Contains(errs, tc.want) {
			t.Errorf("create %v: stderr %q, want %q", tc.args, errs, tc.want)
		}
	}
	if errs := c.Fails(1, "role", "assignment", "list", "--all", "-g", "rg"); !strings.Contains(errs, "ERROR: group or scope are not required when --all is used") {
		t.Errorf("list --all -g: %q", errs)
	}
	// No filter at all asks first; without a terminal that fails.
	if errs := c.Fails(1, "role", "assignment", "delete"); !strings.Contains(errs, "Use --yes") {
		t.Errorf("delete without filters: %q", errs)
	}
}

func TestRoleDefinitionList(t *testing.T) {
	c := clitest.StartRBAC(t)
	l := c.List("role", "definition", "list", "--name", "Network Contributor")
	if len(l) != 1 {
		t.Fatalf("definition list --name: %d, want 1", len(l))
	}
	d := l[0]
	clitest.WantExactKeys(t, "role definition", d, "assignableScopes", "createdBy", "createdOn", "description", "id", "name", "permissions",
		"roleName", "roleType", "type", "updatedBy", "updatedOn")
	if d["name"] != networkContributorID || d["roleType"] != "BuiltInRole" || d["type"] != "Microsoft.Authorization/roleDefinitions" {
		t.Errorf("Network Contributor = %v", d)
	}
	if got := c.TSV("role", "definition", "list", "-n", networkContributorID, "--query", "[0].roleName"); got != "Network Contributor" {
		t.Errorf("definition list -n GUID = %q", got)
	}
	if got := c.List("role", "definition", "list", "--custom-role-only"); len(got) != 0 {
		t.Errorf("--custom-role-only: %d built-in roles listed", len(got))
	}
	// A three-state flag takes an explicit value as the next word.
	if got := c.List("role", "definition", "list", "--custom-role-only", "false", "--name", "Reader"); len(got) != 1 {
		t.Errorf("--custom-role-only false --name Reader: %d", len(got))
	}
	if all := c.List("role", "definition", "list"); len(all) < 3 {
		t.Errorf("definition list: %d roles", len(all))
	}
	if table := c.OK("role", "definition", "list", "-n", "Reader", "-o", "table"); !strings.HasPrefix(table, "Name") || !strings.Contains(table, "Reader") {
		t.Errorf("definition list -o table:\n%s", table)
	}
}

func rbacParseObject(t *testing.T, out string) map[string]any {
	t.Helper()
	l := clitest.DecodeJSON(t, out)
	m, ok := l.(map[string]any)
	if !ok {
		t.Fatalf("output is not an object: %s", out)
	}
	return m
}
