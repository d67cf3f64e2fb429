package rbac

import (
	"math/rand"
	"regexp"
	"strings"
	"testing"
)

func TestMatchAction(t *testing.T) {
	tests := []struct {
		pattern, action string
		want            bool
	}{
		// Exact and case-insensitive.
		{"Microsoft.Network/virtualNetworks/subnets/join/action", "Microsoft.Network/virtualNetworks/subnets/join/action", true},
		{"Microsoft.Network/virtualNetworks/subnets/join/action", "microsoft.network/VIRTUALNETWORKS/subnets/join/Action", true},
		{"Microsoft.Network/virtualNetworks/subnets/join/action", "Microsoft.Network/virtualNetworks/join/action", false},
		{"Microsoft.Network/virtualNetworks/subnets/join/action", "Microsoft.Network/virtualNetworks/subnets/join/actions", false},
		{"Microsoft.Network/virtualNetworks/subnets/read", "Microsoft.Network/virtualNetworks/subnets/read/x", false},
		{"", "", true},
		{"", "x", false},

		// "*" alone.
		{"*", "Microsoft.Network/virtualNetworks/write", true},
		{"*", "x", true},
		{"**", "x", true},

		// "*/read".
		{"*/read", "Microsoft.Network/virtualNetworks/subnets/read", true},
		{"*/read", "Microsoft.Resources/subscriptions/resourceGroups/READ", true},
		{"*/read", "Microsoft.Network/virtualNetworks/subnets/write", false},
		{"*/read", "Microsoft.Network/virtualNetworks/subnets/xread", false},
		{"*/read", "read", false},
		{"*/read", "/read", true},

		// Trailing "*".
		{"Microsoft.Network/*", "Microsoft.Network/virtualNetworks/subnets/join/action", true},
		{"Microsoft.Network/*", "microsoft.network/routeTables/write", true},
		{"Microsoft.Network/*", "Microsoft.NetworkFunction/trafficCollectors/read", false},
		{"Microsoft.Network/*", "Microsoft.Network", false},
		{"Microsoft.Network/*", "Microsoft.ContainerService/managedClusters/write", false},
		{"Microsoft.Support/*", "Microsoft.Support/supportTickets/write", true},

		// "*" as a middle segment, standing for one or more segments.
		{"Microsoft.Authorization/*/read", "Microsoft.Authorization/roleAssignments/read", true},
		{"Microsoft.Authorization/*/read", "Microsoft.Authorization/policyAssignments/exemptions/read", true},
		{"Microsoft.Authorization/*/read", "Microsoft.Authorization/roleAssignments/write", false},
		{"Microsoft.Authorization/*/read", "Microsoft.Network/roleAssignments/read", false},
		{"Microsoft.Authorization/*/Write", "microsoft.authorization/roleassignments/write", true},
		{"Microsoft.Authorization/*/Delete", "Microsoft.Authorization/roleAssignments/delete", true},
		{"Microsoft.Authorization/*/Delete", "Microsoft.Authorization/roleAssignments/deleted", false},

		// ... or for no segment at all ("/*/" collapses to "/").
		{"Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action", "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action", true},
		{"Microsoft.ManagedIdentity/userAssignedIdentities/*/read", "Microsoft.ManagedIdentity/userAssignedIdentities/read", true},
		{"Microsoft.ManagedIdentity/userAssignedIdentities/*/read", "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/read", true},
		{"Microsoft.ManagedIdentity/userAssignedIdentities/*/read", "Microsoft.ManagedIdentity/userAssignedIdentitiesread", false},
		{"Microsoft.ManagedIdentity/userAssignedIdentities/*/read", "Microsoft.ManagedIdentity/userAssignedIdentities/write", false},
		{"Microsoft.Authorization/*/read", "Microsoft.Authorization/read", true},
		{"a/*/*/b", "a/b", true},
		{"a/**/b", "a/b", true},
		{"a/*/b/*/c", "a/b/c", true},
		{"a/*/b/*/c", "a/x/b/y/z/c", true},
		{"a/*/b/*/c", "a/x/c", false},
		{"a/*b", "a/b", true},
		{"a*/b", "a/b", true},
		{"a/*/b", "ab", false},

		// "*" inside a segment.
		{"Microsoft.Cdn/profiles/*Usages/action", "Microsoft.Cdn/profiles/origingroups/Usages/action", true},
		{"Microsoft.Cdn/profiles/*Usages/action", "Microsoft.Cdn/profiles/Usages/action", true},
		{"Microsoft.Cdn/profiles/*Usages/action", "Microsoft.Cdn/profiles/Usage/action", false},
		{"Microsoft.Network/virtual*/read", "Microsoft.Network/virtualNetworks/read", true},
		{"Microsoft.Network/virtual*/read", "Microsoft.Network/publicIPAddresses/read", false},

		// Pieces that repeat, where the leftmost placement must not be too greedy.
		{"*/read/*/read", "a/read/read/b/read", true},
		{"*ab*ab", "xabyab", true},
		{"*ab*ab", "xab", false},
		{"*aa", "aaa", true},
	}
	for _, tt := range tests {
		if got := MatchAction(tt.pattern, tt.action); got != tt.want {
			t.Errorf("MatchAction(%q, %q) = %v, want %v", tt.pattern, tt.action, got, tt.want)
		}
		if got, want := MatchAction(tt.pattern, tt.action), referenceMatch(tt.pattern, tt.action); got != want {
			t.Errorf("MatchAction(%q, %q) = %v, reference regexp says %v", tt.pattern, tt.action, got, want)
		}
	}
}

// referenceMatch is the matching rule of MatchAction written as a regular
// expression: the "/*" of a "/*/" is optional "/" plus anything, any other
// "*" is ".*", the rest is literal, ASCII case ignored, anchored at both ends.
func referenceMatch(pattern, action string) bool {
	var b strings.Builder
	b.WriteString("(?is)^")
	for i := 0; i < len(pattern); {
		switch {
		case strings.HasPrefix(pattern[i:], "/*"):
			// A run of stars between two slashes may also stand for nothing.
			j := i + 1
			for j < len(pattern) && pattern[j] == '*' {
				j++
			}
			if j < len(pattern) && pattern[j] == '/' {
				// The closing slash is left for the next step, so that
				// "a/*/*/b" can collapse twice.
				b.WriteString("(?:/.*)?")
				i = j
				continue
			}
			b.WriteString("/.*")
			i = j
		case pattern[i] == '*':
			b.WriteString(".*")
			i++
		default:
			b.WriteString(regexp.QuoteMeta(pattern[i : i+1]))
			i++
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String()).MatchString(action)
}

// TestMatchAction_AgreesWithReference checks MatchAction against the regular
// expression on many random patterns and actions over a small alphabet, where
// repeated pieces and adjacent stars are common.
func TestMatchAction_AgreesWithReference(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	randString := func(alphabet string, max int) string {
		n := rng.Intn(max + 1)
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[rng.Intn(len(alphabet))]
		}
		return string(b)
	}
	for i := 0; i < 20000; i++ {
		pattern := randString("aB/*", 8)
		action := randString("abAB/", 10)
		if got, want := MatchAction(pattern, action), referenceMatch(pattern, action); got != want {
			t.Fatalf("MatchAction(%q, %q) = %v, reference regexp says %v", pattern, action, got, want)
		}
	}
}

func TestPermission_Allows(t *testing.T) {
	contributor := Permission{
		Actions:    []string{"*"},
		NotActions: []string{"Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write", "Microsoft.Authorization/elevateAccess/Action"},
	}
	tests := []struct {
		name   string
		p      Permission
		action string
		want   bool
	}{
		{"granted by star", contributor, "Microsoft.Network/virtualNetworks/write", true},
		{"read not excluded", contributor, "Microsoft.Authorization/roleAssignments/read", true},
		{"write excluded", contributor, "Microsoft.Authorization/roleAssignments/write", false},
		{"delete excluded, other case", contributor, "microsoft.authorization/ROLEASSIGNMENTS/delete", false},
		{"exact not-action", contributor, "Microsoft.Authorization/elevateAccess/action", false},
		{"empty action", contributor, "", false},
		{"no actions", Permission{}, "Microsoft.Network/virtualNetworks/read", false},
		{"not-actions alone grant nothing", Permission{NotActions: []string{"x"}}, "y", false},
		{"one of several actions", Permission{Actions: []string{"a/read", "b/read"}}, "B/READ", true},
	}
	for _, tt := range tests {
		if got := tt.p.Allows(tt.action); got != tt.want {
			t.Errorf("%s: Allows(%q) = %v, want %v", tt.name, tt.action, got, tt.want)
		}
	}
}

func BenchmarkMatchAction(b *testing.B) {
	cases := []struct{ name, pattern, action string }{
		{"exact", "Microsoft.Network/virtualNetworks/subnets/join/action", "Microsoft.Network/virtualNetworks/subnets/join/action"},
		{"prefix", "Microsoft.Network/*", "Microsoft.Network/virtualNetworks/subnets/join/action"},
		{"middle", "Microsoft.Authorization/*/read", "Microsoft.Authorization/roleAssignments/read"},
		{"miss", "Microsoft.Authorization/*/read", "Microsoft.Network/virtualNetworks/subnets/join/action"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				MatchAction(c.pattern, c.action)
			}
		})
	}
}
