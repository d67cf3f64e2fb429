package arm

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/aksnet/aksnet/internal/azerr"
)

// LocationRead is a read-only answer a provider gives per region, outside
// any resource group: GET
// /subscriptions/{sub}/providers/{Namespace}/locations/{location}/{Type},
// e.g. Microsoft.ContainerService's orchestrators and kubernetesVersions
// (az aks get-versions). There is no stored document: Read computes it.
type LocationRead struct {
	// Namespace and Type name the read, e.g. "Microsoft.ContainerService"
	// and "orchestrators". The caller needs the action
	// {Namespace}/locations/{Type}/read on the subscription.
	Namespace, Type string
	// Read answers a request that passed the checks; its value is written
	// as JSON with 200, its error as ARM's envelope.
	Read func(LocationCall) (any, error)
}

// LocationCall is one authorized request of a LocationRead.
type LocationCall struct {
	Ctx          context.Context
	Subscription string
	// Location is the region in ARM's normal form ("eastus").
	Location   string
	APIVersion string
	Query      url.Values
}

// RegisterLocationRead adds lr. It panics on a duplicate: a wiring bug.
func (g *Registry) RegisterLocationRead(lr *LocationRead) {
	key := strings.ToLower(lr.Namespace + "/" + lr.Type)
	if _, dup := g.locReads[key]; dup {
		panic("arm: location read registered twice: " + key)
	}
	if g.locReads == nil {
		g.locReads = map[string]*LocationRead{}
	}
	g.locReads[key] = lr
}

// locationRead finds the LocationRead that p, a parsed request path,
// names: exactly /subscriptions/{sub}/providers/{ns}/locations/{loc}/{type}.
func (g *Registry) locationRead(p ResourceID) (*LocationRead, bool) {
	if g == nil || p.Subscription == "" || p.ResourceGroup != "" || p.Namespace == "" || !strings.EqualFold(p.Scope, SubscriptionID(p.Subscription)) ||
		len(p.Types) != 2 || len(p.Names) != 1 || !strings.EqualFold(p.Types[0], "locations") {
		return nil, false
	}
	lr, ok := g.locReads[strings.ToLower(p.Namespace+"/"+p.Types[1])]
	return lr, ok
}

// serveLocationRead checks and answers a LocationRead request: GET only,
// an existing subscription, the read action on it, then a region the
// server offers. The location is checked after authorization so that a
// caller without access learns nothing about the provider.
//
// ARM answers a region the provider type does not serve with 400
// NoRegisteredProviderFound (seen from Azure for locations/orchestrators,
// Azure/azure-cli#10100; the message's shape, Azure/migAz#246).
func (s *Server) serveLocationRead(w http.ResponseWriter, r *http.Request, caller *Caller, p ResourceID, lr *LocationRead) {
	if _, ok := s.subscriptionRead(w, r, caller, p.Subscription, lr.Namespace+"/locations/"+lr.Type+"/read"); !ok {
		return
	}
	apiVersion := r.URL.Query().Get("api-version")
	loc := p.Names[0]
	if !KnownLocation(loc) {
		WriteError(w, r, azerr.BadRequest("NoRegisteredProviderFound", "location",
			"No registered resource provider found for location '%s' and API version '%s' for type 'locations/%s'. The supported locations are '%s'.",
			loc, apiVersion, lr.Type, regionNames()))
		return
	}
	v, err := lr.Read(LocationCall{Ctx: r.Context(), Subscription: p.Subscription, Location: NormalizeLocation(loc), APIVersion: apiVersion, Query: r.URL.Query()})
	if err != nil {
		WriteError(w, r, err)
		return
	}
	WriteJSON(w, r, http.StatusOK, v)
}
