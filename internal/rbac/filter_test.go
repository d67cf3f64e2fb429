package rbac

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/google/go-cmp/cmp"
)

const filterGUID = "b39f8f85-4b70-4a83-87c3-41b02f3a86eb"

func TestParseAssignmentFilter(t *testing.T) {
	tests := []struct {
		in   string
		want AssignmentFilter
	}{
		{"", AssignmentFilter{}},
		{"   ", AssignmentFilter{}},
		{"atScope()", AssignmentFilter{AtScope: true}},
		{"atscope()", AssignmentFilter{AtScope: true}},
		{" atScope( ) ", AssignmentFilter{AtScope: true}},
		{"principalId eq '" + filterGUID + "'", AssignmentFilter{PrincipalID: filterGUID}},
		{"PRINCIPALID  EQ  '" + filterGUID + "'", AssignmentFilter{PrincipalID: filterGUID}},
		{"assignedTo('" + filterGUID + "')", AssignmentFilter{AssignedTo: filterGUID}},
		{"assignedTo( '" + filterGUID + "' )", AssignmentFilter{AssignedTo: filterGUID}},
		{"atScope() and assignedTo('" + filterGUID + "')", AssignmentFilter{AtScope: true, AssignedTo: filterGUID}},
		{"assignedTo('" + filterGUID + "') AND atScope()", AssignmentFilter{AtScope: true, AssignedTo: filterGUID}},
		{"atScope() and principalId eq '" + filterGUID + "'", AssignmentFilter{AtScope: true, PrincipalID: filterGUID}},
		{"principalId eq 'it''s' and atScope()", AssignmentFilter{AtScope: true, PrincipalID: "it's"}},
		{"principalId eq 'a and b'", AssignmentFilter{PrincipalID: "a and b"}},
	}
	checkParses(t, "ParseAssignmentFilter", ParseAssignmentFilter, tests)
}

func TestParseAssignmentFilter_Unsupported(t *testing.T) {
	bad := []string{
		"atScope",
		"atScope(",
		"atScope('x')",
		"atScope() and",
		"and atScope()",
		"atScope() atScope()",
		"atScope() and atScope()",
		"atScope()and principalId eq 'x'",
		"atScope() or principalId eq 'x'",
		"principalId",
		"principalId eq",
		"principalId eq x",
		"principalId eq 'x",
		"principalId eq ''",
		"principalId eq 'x' and principalId eq 'y'",
		"principalId ne 'x'",
		"principalId eq'x'",
		"principalId eq 'x' extra",
		"assignedTo()",
		"assignedTo('')",
		"assignedTo('x'",
		"assignedTo 'x'",
		"roleDefinitionId eq 'x'",
		"roleName eq 'Network Contributor'",
		"scope eq '/'",
		"'x'",
		"()",
		"(",
		"'",
		"\x00",
		"atScope() and \xff",
	}
	checkUnsupported(t, "ParseAssignmentFilter", ParseAssignmentFilter,
		"'atScope()' or 'principalId eq '{value}' or assignedTo('{value}')'", bad)
}

func TestAssignmentFilter_Matches(t *testing.T) {
	// The scopes and principals are authorize_test.go's; p1 and p2 are two
	// principals, and the vnet's assignment is stored in another case with a
	// trailing slash.
	sub, rg, vnet, subnet, p1, p2 := testSub, testRG, testVNet, testSubnet, admin, cluster
	all := []Assignment{
		{Name: "root", Scope: "/", PrincipalID: p1},
		{Name: "sub", Scope: sub, PrincipalID: p1},
		{Name: "rg", Scope: rg, PrincipalID: p2},
		{Name: "vnet", Scope: strings.ToUpper(vnet) + "/", PrincipalID: p1},
		{Name: "subnet", Scope: subnet, PrincipalID: p2},
		{Name: "other", Scope: sub + "/resourceGroups/rg2", PrincipalID: p1},
	}
	tests := []struct {
		name   string
		filter AssignmentFilter
		scope  string
		want   []string
	}{
		{"no filter: at, above and below", AssignmentFilter{}, vnet, []string{"root", "sub", "rg", "vnet", "subnet"}},
		{"no filter at the subscription", AssignmentFilter{}, sub, []string{"root", "sub", "rg", "vnet", "subnet", "other"}},
		{"atScope: at and above only", AssignmentFilter{AtScope: true}, vnet, []string{"root", "sub", "rg", "vnet"}},
		{"atScope on the subnet (az aks create)", AssignmentFilter{AtScope: true}, subnet, []string{"root", "sub", "rg", "vnet", "subnet"}},
		{"atScope at the root", AssignmentFilter{AtScope: true}, "/", []string{"root"}},
		{"principalId", AssignmentFilter{PrincipalID: p2}, sub, []string{"rg", "subnet"}},
		{"principalId ignores case", AssignmentFilter{PrincipalID: strings.ToUpper(p2)}, sub, []string{"rg", "subnet"}},
		{"assignedTo with atScope", AssignmentFilter{AtScope: true, AssignedTo: p1}, subnet, []string{"root", "sub", "vnet"}},
		{"unknown principal", AssignmentFilter{PrincipalID: "nobody"}, sub, nil},
	}
	for _, tt := range tests {
		var got []string
		for _, a := range all {
			if tt.filter.Matches(a, tt.scope) {
				got = append(got, a.Name)
			}
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestParseRoleDefinitionFilter(t *testing.T) {
	tests := []struct {
		in   string
		want RoleDefinitionFilter
	}{
		{"", RoleDefinitionFilter{}},
		{"roleName eq 'Network Contributor'", RoleDefinitionFilter{RoleName: "Network Contributor"}},
		{"rolename eq 'Azure Kubernetes Service Contributor Role'", RoleDefinitionFilter{RoleName: "Azure Kubernetes Service Contributor Role"}},
		{"type eq 'BuiltInRole'", RoleDefinitionFilter{Type: "BuiltInRole"}},
		{"type eq 'CustomRole' and roleName eq 'Joiner''s role'", RoleDefinitionFilter{Type: "CustomRole", RoleName: "Joiner's role"}},
	}
	checkParses(t, "ParseRoleDefinitionFilter", ParseRoleDefinitionFilter, tests)
}

func TestParseRoleDefinitionFilter_Unsupported(t *testing.T) {
	bad := []string{
		"roleName eq Network Contributor",
		"roleName eq 'Network Contributor",
		"roleName eq ''",
		"roleName eq 'a' and roleName eq 'b'",
		"roleName ne 'a'",
		"atScope()",
		"principalId eq 'x'",
		"type eq 'BuiltInRole' or type eq 'CustomRole'",
		"contains(roleName, 'Network')",
	}
	checkUnsupported(t, "ParseRoleDefinitionFilter", ParseRoleDefinitionFilter,
		"'roleName eq '{value}'' or 'type eq '{value}''", bad)
}

func TestRoleDefinitionFilter_Matches(t *testing.T) {
	roles := append(BuiltIns(), customJoinRole)
	tests := []struct {
		filter string
		want   []string
	}{
		{"roleName eq 'Network Contributor'", []string{"Network Contributor"}},
		{"roleName eq 'network contributor'", []string{"Network Contributor"}},
		{"roleName eq 'Network'", nil},
		{"type eq 'CustomRole'", []string{"Subnet joiner"}},
		{"type eq 'builtinrole' and roleName eq 'Reader'", []string{"Reader"}},
		{"type eq 'CustomRole' and roleName eq 'Reader'", nil},
		{"", []string{"Owner", "Contributor", "Reader", "User Access Administrator", "Network Contributor", "Managed Identity Operator", "Azure Kubernetes Service Contributor Role",
			"Azure Kubernetes Service Cluster Admin Role", "Azure Kubernetes Service Cluster User Role", "Azure Kubernetes Service Cluster Monitoring User", "Subnet joiner"}},
	}
	for _, tt := range tests {
		f, err := ParseRoleDefinitionFilter(tt.filter)
		if err != nil {
			t.Fatalf("ParseRoleDefinitionFilter(%q): %v", tt.filter, err)
		}
		var got []string
		for _, d := range roles {
			if f.Matches(d) {
				got = append(got, d.RoleName)
			}
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("filter %q (-want +got):\n%s", tt.filter, diff)
		}
	}
}

// FuzzParseFilters checks that no input makes the parsers panic, and that a
// successful parse never yields an empty value for a clause that was present.
func FuzzParseFilters(f *testing.F) {
	for _, s := range []string{
		"", "atScope()", "principalId eq 'x'", "assignedTo('x')", "atScope() and assignedTo('x')",
		"roleName eq 'Network Contributor'", "type eq 'BuiltInRole'", "principalId eq 'it''s'",
		"principalId eq '", "assignedTo(", "atScope() and ", "(')", "''''",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if af, err := ParseAssignmentFilter(s); err != nil {
			if azerr.CodeOf(err) != "UnsupportedQuery" {
				t.Errorf("ParseAssignmentFilter(%q): unexpected error %v", s, err)
			}
		} else {
			_ = af.Matches(Assignment{Scope: "/subscriptions/s"}, "/")
		}
		if _, err := ParseRoleDefinitionFilter(s); err != nil && azerr.CodeOf(err) != "UnsupportedQuery" {
			t.Errorf("ParseRoleDefinitionFilter(%q): unexpected error %v", s, err)
		}
	})
}

// checkParses checks that parse, named name, reads each case's in as its
// want.
func checkParses[F any](t *testing.T, name string, parse func(string) (F, error), tests []struct {
	in   string
	want F
}) {
	t.Helper()
	for _, tt := range tests {
		got, err := parse(tt.in)
		if err != nil {
			t.Errorf("%s(%q): %v", name, tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s(%q) (-want +got):\n%s", name, tt.in, diff)
		}
	}
}

// checkUnsupported checks that parse, named name, refuses each of bad with
// ARM's 400 UnsupportedQuery on $filter, whose message names the filter and
// the supported ones, and returns the zero filter with its error.
func checkUnsupported[F comparable](t *testing.T, name string, parse func(string) (F, error), supported string, bad []string) {
	t.Helper()
	for _, in := range bad {
		f, err := parse(in)
		checkError(t, fmt.Sprintf("%s(%q)", name, in), err, &azerr.Error{
			Status:  http.StatusBadRequest,
			Code:    "UnsupportedQuery",
			Target:  "$filter",
			Message: "The filter '" + in + "' is not supported. Supported filters are either " + supported + ".",
		})
		var zero F
		if f != zero {
			t.Errorf("%s(%q) returned %+v with its error; want the zero filter", name, in, f)
		}
	}
}
