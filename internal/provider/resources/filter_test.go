package resources

import (
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/google/go-cmp/cmp"
)

// The filters armresources.ClientListOptions.Filter documents (the
// Resources_List swagger) and the ones az resource list builds
// (--resource-type, --name, --location, --tag).
func TestParseFilter(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Filter
	}{
		{"", Filter{}},
		{"resourceType eq 'Microsoft.Network/virtualNetworks'", Filter{Any: [][]Cond{{{PropResourceType, OpEq, "Microsoft.Network/virtualNetworks"}}}}},
		{"substringof('demo', name)", Filter{Any: [][]Cond{{{PropName, OpSubstringOf, "demo"}}}}},
		{"resourceType eq 'a' and name eq 'b' and location eq 'eastus'", Filter{Any: [][]Cond{{{PropResourceType, OpEq, "a"}, {PropName, OpEq, "b"}, {PropLocation, OpEq, "eastus"}}}}},
		{"substringof('x', name) or substringof('y', resourceGroup)", Filter{Any: [][]Cond{{{PropName, OpSubstringOf, "x"}}, {{PropResourceGroup, OpSubstringOf, "y"}}}}},
		{"(name eq 'a' or name eq 'b') and RESOURCETYPE NE 't'", Filter{Any: [][]Cond{{{PropName, OpEq, "a"}, {PropResourceType, OpNe, "t"}}, {{PropName, OpEq, "b"}, {PropResourceType, OpNe, "t"}}}}},
		{"name eq 'it''s'", Filter{Any: [][]Cond{{{PropName, OpEq, "it's"}}}}},
		{"tagName eq 'env'", Filter{TagName: "env"}},
		{"tagName eq 'env' and tagValue eq 'prod'", Filter{TagName: "env", TagValue: "prod", HasTagValue: true}},
		{"tagvalue eq '' and tagname eq 'env'", Filter{TagName: "env", TagValue: "", HasTagValue: true}},
		{"startswith(tagName, 'depart')", Filter{TagName: "depart", TagPrefix: true}},
	} {
		got, err := ParseFilter(tc.in)
		if err != nil {
			t.Errorf("ParseFilter(%q): %v", tc.in, err)
			continue
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("ParseFilter(%q) (-want +got):\n%s", tc.in, d)
		}
	}
}

// A filter ARM can't apply answers InvalidFilterInQueryString with ARM's
// message ("Invalid $filter '…' specified in the query string.",
// Azure/azure-sdk-for-go#2480) and a detail naming the offending part.
func TestParseFilter_Invalid(t *testing.T) {
	for _, tc := range []struct{ in, detail string }{
		{"$filter=resourceType eq 'x'", "$filter"},
		{"color eq 'red'", "'color'"},
		{"name eq red", "quoted value"},
		{"name eq 'open", "not closed"},
		{"name gt 'a'", "eq or ne"},
		{"tagName eq 'a' and name eq 'b'", "tag filter"},
		{"tagName eq 'a' or tagName eq 'b'", "tag filter"},
		{"tagValue eq 'v'", "tagName"},
		{"substringof('x', location)", "location"},
		{"(name eq 'a'", "')'"},
		{"name eq 'a' name eq 'b'", "unexpected"},
		{"startswith(name, 'x')", "startswith"},
		{strings.Repeat("(", 40) + "name eq 'a'" + strings.Repeat(")", 40), "deeply"},
	} {
		_, err := ParseFilter(tc.in)
		e, ok := azerr.As(err)
		if !ok || e.Code != CodeInvalidFilter || e.Target != "$filter" || e.Status != 400 {
			t.Errorf("ParseFilter(%q) = %v, want 400 %s", tc.in, err, CodeInvalidFilter)
			continue
		}
		if e.Message != "Invalid $filter '"+tc.in+"' specified in the query string." {
			t.Errorf("ParseFilter(%q) message %q", tc.in, e.Message)
		}
		if len(e.Details) != 1 || !strings.Contains(e.Details[0].Message, tc.detail) {
			t.Errorf("ParseFilter(%q) details %+v, want one naming %q", tc.in, e.Details, tc.detail)
		}
	}
}

// A group list filters only by tag (Azure/azure-sdk-for-go#2480: name eq is
// refused).
func TestParseGroupFilter(t *testing.T) {
	if _, err := ParseGroupFilter("tagName eq 'env' and tagValue eq 'prod'"); err != nil {
		t.Errorf("tag filter refused: %v", err)
	}
	if _, err := ParseGroupFilter("name eq 'foo'"); azerr.CodeOf(err) != CodeInvalidFilter {
		t.Errorf("name eq on groups: %v, want %s", err, CodeInvalidFilter)
	}
}

func TestFilter_Matches(t *testing.T) {
	vnet := Item{ID: "/subscriptions/s/resourceGroups/RG1/providers/Microsoft.Network/virtualNetworks/vnet1", Name: "vnet1",
		Type: "Microsoft.Network/virtualNetworks", Location: "eastus", ResourceGroup: "RG1", Tags: map[string]string{"Env": "Prod", "department": "x"}}
	for _, tc := range []struct {
		filter string
		want   bool
	}{
		{"", true},
		{"resourceType eq 'microsoft.network/virtualnetworks'", true},
		{"resourceType ne 'Microsoft.Network/virtualNetworks'", false},
		{"name eq 'VNET1'", true},
		{"location eq 'East US'", true},
		{"resourceGroup eq 'rg1'", true},
		{"substringof('NET', name)", true},
		{"substringof('zzz', name) or location eq 'eastus'", true},
		{"substringof('zzz', name) and location eq 'eastus'", false},
		{"tagName eq 'env'", true},
		{"tagName eq 'env' and tagValue eq 'Prod'", true},
		{"tagName eq 'env' and tagValue eq 'prod'", false}, // tag values keep their case
		{"tagName eq 'owner'", false},
		{"startswith(tagName, 'DEPART')", true},
	} {
		f, err := ParseFilter(tc.filter)
		if err != nil {
			t.Fatalf("ParseFilter(%q): %v", tc.filter, err)
		}
		if got := f.Matches(vnet); got != tc.want {
			t.Errorf("%q matches = %v, want %v", tc.filter, got, tc.want)
		}
	}
}

// FuzzParseFilter: the parser never panics, answers either a filter or
// InvalidFilterInQueryString, and a filter it accepts matches without
// panicking.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{
		"resourceType eq 'Microsoft.Network/virtualNetworks'", "substringof('demo', name) or substringof('x', resourceGroup)",
		"tagName eq 'a' and tagValue eq 'b'", "startswith(tagName, 'dep')", "((name eq 'a' or name eq 'b') and (location eq 'c' or location ne 'd'))",
		"name eq 'it''s'", "(", "'", "tagValue eq 'x' and tagName eq 'y'",
	} {
		f.Add(s)
	}
	it := Item{Name: "n", Type: "t", Location: "eastus", ResourceGroup: "rg", Tags: map[string]string{"a": "b"}}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseFilter(s)
		if err != nil {
			if azerr.CodeOf(err) != CodeInvalidFilter {
				t.Fatalf("ParseFilter(%q): %v", s, err)
			}
			return
		}
		if len(got.Any) > maxTerms {
			t.Fatalf("ParseFilter(%q) has %d alternatives", s, len(got.Any))
		}
		got.Matches(it)
	})
}

func BenchmarkParseFilter(b *testing.B) {
	for b.Loop() {
		if _, err := ParseFilter("resourceType eq 'Microsoft.Network/virtualNetworks' and substringof('aks', name)"); err != nil {
			b.Fatal(err)
		}
	}
}
