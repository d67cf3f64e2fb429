package arm

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/store"
)

// Registration states of a provider in a subscription, as ARM names them.
const (
	Registered    = "Registered"
	NotRegistered = "NotRegistered"
)

// providerPath is a request to ARM's providers API (Microsoft.Resources
// Providers_*): the list or one namespace, at a subscription or at the
// tenant, or a subscription's register or unregister action.
type providerPath struct {
	sub       string // "" at the tenant
	namespace string // "" for the list
	action    string // "register", "unregister" or ""
}

// parseProviderPath recognises the providers API's paths:
//
//	/providers, /providers/{ns}
//	/subscriptions/{s}/providers, /subscriptions/{s}/providers/{ns}
//	/subscriptions/{s}/providers/{ns}/register|unregister
//
// Any other path (a provider's resources) is not one.
func parseProviderPath(path string) (providerPath, bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	var pp providerPath
	if len(segs) >= 2 && isKeyword(segs[0], "subscriptions") {
		pp.sub = segs[1]
		segs = segs[2:]
	}
	if len(segs) == 0 || !isKeyword(segs[0], "providers") || slices.Contains(segs, "") {
		return pp, false
	}
	switch len(segs) {
	case 1:
		return pp, true
	case 2:
		pp.namespace = segs[1]
		return pp, true
	case 3:
		if pp.sub != "" && (isKeyword(segs[2], "register") || isKeyword(segs[2], "unregister")) {
			pp.namespace, pp.action = segs[1], strings.ToLower(segs[2])
			return pp, true
		}
	}
	return pp, false
}

// providersType is the resource type the providers API is versioned as.
const providersType = "providers"

// serveProviders answers the providers API. A subscription's providers are
// read with Microsoft.Resources/subscriptions/providers/read (Reader has
// it); registering needs {namespace}/register/action and unregistering
// {namespace}/unregister/action on the subscription, as ARM checks them
// (Contributor and Owner have them, Reader does not). The tenant's list
// needs only a signed-in caller. The namespaces are the ones aksnet serves;
// any other answers InvalidResourceNamespace.
func (s *Server) serveProviders(w http.ResponseWriter, r *http.Request, pp providerPath) {
	caller, err := s.authn.Authenticate(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	if err := checkAPIVersion(r); err != nil {
		WriteError(w, r, err)
		return
	}
	if err := s.checkVersion(r, ResourceID{Subscription: pp.sub}, "Microsoft.Resources", providersType, armVersions); err != nil {
		WriteError(w, r, err)
		return
	}
	wantMethod := http.MethodGet
	if pp.action != "" {
		wantMethod = http.MethodPost
	}
	if r.Method != wantMethod {
		WriteError(w, r, methodNotAllowed(r))
		return
	}
	ns := ""
	if pp.namespace != "" {
		canon, ok := s.reg.namespaces[strings.ToLower(pp.namespace)]
		if !ok {
			WriteError(w, r, azerr.BadRequest("InvalidResourceNamespace", "resourceProviderNamespace", "The resource namespace '%s' is invalid.", pp.namespace))
			return
		}
		ns = canon
	}
	if pp.sub == "" {
		s.writeProviders(w, r, "", ns, nil)
		return
	}
	if err := s.requireSubscription(pp.sub); err != nil {
		WriteError(w, r, err)
		return
	}
	scope := SubscriptionID(pp.sub)
	action := "Microsoft.Resources/subscriptions/providers/read"
	if pp.action != "" {
		action = ns + "/" + pp.action + "/action"
	}
	if err := s.authz.Authorize(caller, action, scope); err != nil {
		WriteError(w, r, err)
		return
	}
	if pp.action != "" {
		state := Registered
		if pp.action == "unregister" {
			state = NotRegistered
		}
		err := s.store.Update(r.Context(), func(tx store.Tx) error {
			tx.Put(registrationKey(pp.sub, ns), []byte(state))
			return nil
		})
		if err != nil {
			WriteError(w, r, err)
			return
		}
	}
	states := map[string]string{}
	err = s.store.View(func(rd store.Reader) error {
		prefix := registrationKey(pp.sub, "")
		rd.Scan(prefix, func(k string, v []byte) bool {
			states[k[len(prefix):]] = string(v)
			return true
		})
		return nil
	})
	if err != nil {
		WriteError(w, r, err)
		return
	}
	s.writeProviders(w, r, pp.sub, ns, states)
}

// registrationKey is the store key of namespace ns's registration state in
// subscription sub. A namespace without one is Registered: aksnet serves
// every namespace it knows from the start.
func registrationKey(sub, ns string) string {
	return "rp/" + strings.ToLower(sub) + "/" + strings.ToLower(ns)
}

// writeProviders answers one namespace's provider document, or the list
// of them all when ns is empty. states holds the subscription's
// registration states by lowercased namespace; nil is the tenant's view,
// which has no registration state.
func (s *Server) writeProviders(w http.ResponseWriter, r *http.Request, sub, ns string, states map[string]string) {
	if ns != "" {
		WriteJSON(w, r, http.StatusOK, s.ProviderDoc(sub, ns, states))
		return
	}
	var items [][]byte
	for _, n := range s.reg.NamespaceNames() {
		raw, err := json.Marshal(s.ProviderDoc(sub, n, states))
		if err != nil {
			WriteError(w, r, err)
			return
		}
		items = append(items, raw)
	}
	s.writePage(w, r, items)
}

// ProviderDoc is namespace ns as the providers API shows it, in the shape
// of azure-rest-api-specs' Microsoft.Resources examples GetProvider.json
// (a subscription's view: id, namespace, registrationState,
// registrationPolicy, resourceTypes) and GetNamedProviderAtTenant.json (the
// tenant's: no registration). Its resource types and their api-versions
// are the registry's, so what is listed is what is served.
func (s *Server) ProviderDoc(sub, ns string, states map[string]string) armresources.Provider {
	p := armresources.Provider{ID: to.Ptr("/providers/" + ns), Namespace: to.Ptr(ns), ResourceTypes: s.reg.ResourceTypes(ns)}
	if sub != "" {
		state := states[strings.ToLower(ns)]
		if state == "" {
			state = Registered
		}
		p.ID = to.Ptr(SubscriptionID(sub) + "/providers/" + ns)
		p.RegistrationState = to.Ptr(state)
		p.RegistrationPolicy = to.Ptr("RegistrationRequired")
	}
	return p
}

// NamespaceNames returns the registered namespaces, sorted.
func (g *Registry) NamespaceNames() []string {
	out := make([]string, 0, len(g.namespaces))
	for _, ns := range g.namespaces {
		out = append(out, ns)
	}
	slices.SortFunc(out, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return out
}

// ResourceTypes lists the types of namespace ns that aksnet serves, sorted
// by name: every registered kind, every location read
// (locations/orchestrators…), the operation status types every namespace
// has (locations/operations, locations/operationresults), and for
// Microsoft.Resources the types the front door serves itself (locations,
// providers). Each carries the versions it is served at. Regional types
// list every region aksnet offers, by display name as ARM does; types
// outside regions (extension resources, ARM's own) list none. Tracked
// types have the capabilities SupportsTags and SupportsLocation; aksnet
// does not move resources, so it lists no move capability.
func (g *Registry) ResourceTypes(ns string) []*armresources.ProviderResourceType {
	versions := NamespaceVersions(ns)
	arm := strings.EqualFold(ns, "Microsoft.Resources")
	var out []*armresources.ProviderResourceType
	add := func(name string, vs []string, regional bool, capabilities string) {
		t := &armresources.ProviderResourceType{
			ResourceType: to.Ptr(name), APIVersions: to.SliceOfPtrs(descending(vs)...),
			Locations: []*string{}, Capabilities: to.Ptr(capabilities),
		}
		if regional {
			for _, r := range Regions {
				t.Locations = append(t.Locations, to.Ptr(r.DisplayName))
			}
		}
		out = append(out, t)
	}
	for _, k := range g.kinds {
		if !strings.EqualFold(k.ns, ns) {
			continue
		}
		capabilities := "None"
		if k.Tracked {
			capabilities = "SupportsTags, SupportsLocation"
		}
		add(k.ShortType(), k.APIVersionList(), k.Placement != Extension && !arm, capabilities)
	}
	for _, lr := range g.locReads {
		if strings.EqualFold(lr.Namespace, ns) {
			add("locations/"+lr.Type, versions, true, "None")
		}
	}
	if arm {
		add("locations", versions, false, "None")
		add("subscriptions/locations", versions, false, "None")
		add("providers", versions, false, "None")
		add("subscriptions/providers", versions, false, "None")
	} else {
		add("locations/operations", versions, true, "None")
		add("locations/operationresults", versions, true, "None")
	}
	slices.SortFunc(out, func(a, b *armresources.ProviderResourceType) int {
		return strings.Compare(strings.ToLower(*a.ResourceType), strings.ToLower(*b.ResourceType))
	})
	return out
}

// requireRegistered answers MissingSubscriptionRegistration (409) when the
// subscription has unregistered namespace ns, as ARM does for a write to
// a namespace the subscription is not registered for (its message points
// to https://aka.ms/rps-not-found). Reads are not checked: they would cost
// every GET a store read.
func (s *Server) requireRegistered(r *http.Request, sub, ns string) error {
	if sub == "" || ns == "" || r.Method == http.MethodGet || r.Method == http.MethodHead {
		return nil
	}
	state := ""
	err := s.store.View(func(rd store.Reader) error {
		if v, ok := rd.Get(registrationKey(sub, ns)); ok {
			state = string(v)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if state == NotRegistered {
		return azerr.Conflict("MissingSubscriptionRegistration", "namespace",
			"The subscription is not registered to use namespace '%s'. See https://aka.ms/rps-not-found for how to register subscriptions.", ns)
	}
	return nil
}
