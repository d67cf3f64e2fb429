package arm

import (
	"net/http"
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/azerr"
)

// mapReader is a store.Reader over a map, enough for the lookups
// AuthorizeLinked makes.
type mapReader map[string][]byte

func (m mapReader) Get(key string) ([]byte, bool) { v, ok := m[key]; return v, ok }

func (m mapReader) Scan(string, func(string, []byte) bool) {}

// scopeAuthz allows every action below the scopes it holds and records what
// it was asked.
type scopeAuthz struct {
	allowed []string
	asked   []string
}

func (a *scopeAuthz) Authorize(_ *Caller, action, scope string) error {
	a.asked = append(a.asked, action+" "+scope)
	for _, s := range a.allowed {
		if strings.EqualFold(scope, s) || strings.HasPrefix(strings.ToLower(scope), strings.ToLower(s)+"/") {
			return nil
		}
	}
	return azerr.New(http.StatusForbidden, "AuthorizationFailed", "", "no")
}

func TestCall_AuthorizeLinked(t *testing.T) {
	const (
		rgA    = "/subscriptions/s1/resourceGroups/A"
		rgB    = "/subscriptions/s1/resourceGroups/B"
		rt     = rgB + "/providers/Microsoft.Network/routeTables/rt"
		nsg    = rgB + "/providers/Microsoft.Network/networkSecurityGroups/nsg"
		target = rgA + "/providers/Microsoft.Network/virtualNetworks/v/subnets/s"
		join   = "Microsoft.Network/routeTables/join/action"
		nsgJ   = "Microsoft.Network/networkSecurityGroups/join/action"
	)
	stored := mapReader{
		KeyOf(rt):  []byte(`{"id":"` + rt + `"}`),
		KeyOf(nsg): []byte(`{"id":"` + nsg + `"}`),
	}
	for _, tc := range []struct {
		name    string
		caller  *Caller
		allowed []string
		links   []Link
		// wantAsked lists the checks made; wantScopes the refused linked
		// scopes, nil for success.
		wantAsked  []string
		wantScopes []string
	}{
		{name: "new link, allowed", allowed: []string{rgB}, links: []Link{{Action: join, ID: rt}},
			wantAsked: []string{join + " " + rt}},
		{name: "new link, refused", allowed: []string{rgA}, links: []Link{{Action: join, ID: rt, Target: "properties.routeTable.id"}},
			wantAsked: []string{join + " " + rt}, wantScopes: []string{rt}},
		{name: "unchanged link is not checked again", allowed: []string{rgA}, links: []Link{{Action: join, ID: strings.ToUpper(rt), Was: rt}}},
		{name: "changed link is checked", allowed: []string{rgA}, links: []Link{{Action: join, ID: rt, Was: rgA + "/providers/Microsoft.Network/routeTables/old"}},
			wantAsked: []string{join + " " + rt}, wantScopes: []string{rt}},
		{name: "no link", allowed: nil, links: []Link{{Action: join}}},
		{name: "the stored id is checked, not the request's spelling", allowed: []string{rgB},
			links:     []Link{{Action: join, ID: strings.ToLower(rt) + "/"}},
			wantAsked: []string{join + " " + rt}},
		{name: "a missing resource is checked as named", allowed: []string{rgA},
			links:     []Link{{Action: join, ID: rgB + "/providers/Microsoft.Network/routeTables/none"}},
			wantAsked: []string{join + " " + rgB + "/providers/Microsoft.Network/routeTables/none"}, wantScopes: []string{rgB + "/providers/Microsoft.Network/routeTables/none"}},
		{name: "a malformed id is left to the provider", allowed: nil, links: []Link{{Action: join, ID: "not-an-id"}, {Action: join, ID: rgB}}},
		{name: "every refusal is named", allowed: []string{rgA}, links: []Link{{Action: join, ID: rt}, {Action: nsgJ, ID: nsg}, {Action: join, ID: rt}},
			wantAsked: []string{join + " " + rt, nsgJ + " " + nsg}, wantScopes: []string{rt, nsg}},
		{name: "internal calls are not checked", caller: &Caller{}, allowed: nil, links: []Link{{Action: join, ID: rt}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			authz := &scopeAuthz{allowed: tc.allowed}
			caller := tc.caller
			if caller == nil {
				caller = &Caller{ObjectID: "oid-1"}
			}
			c := &Call{Server: &Server{authz: authz}, R: stored, Caller: caller, ID: target,
				Kind: &Kind{Type: "Microsoft.Network/virtualNetworks/subnets"}}
			err := c.AuthorizeLinked(tc.links...)
			if strings.Join(authz.asked, "|") != strings.Join(tc.wantAsked, "|") {
				t.Errorf("asked %q, want %q", authz.asked, tc.wantAsked)
			}
			if tc.wantScopes == nil {
				if err != nil {
					t.Fatalf("AuthorizeLinked: %v", err)
				}
				return
			}
			e, ok := azerr.As(err)
			if !ok || e.Status != http.StatusForbidden || e.Code != "LinkedAuthorizationFailed" {
				t.Fatalf("error %v, want 403 LinkedAuthorizationFailed", err)
			}
			want := "The client 'oid-1' with object id 'oid-1' has permission to perform action 'Microsoft.Network/virtualNetworks/subnets/write' on scope '" + target +
				"'; however, it does not have permission to perform action(s) '"
			if !strings.HasPrefix(e.Message, want) {
				t.Errorf("message %q\nwant prefix %q", e.Message, want)
			}
			if !strings.Contains(e.Message, "on the linked scope(s) '"+strings.Join(tc.wantScopes, ",")+"' (respectively)") {
				t.Errorf("message %q does not name linked scopes %q", e.Message, tc.wantScopes)
			}
		})
	}
}
