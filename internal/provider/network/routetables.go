package network

import (
	"encoding/json"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/kubenet"
)

func (p *Provider) routeTableKind() *arm.Kind {
	k := trackedKind(TypeRouteTable, rtNameRule, p.putRouteTable)
	k.Display, k.InUseCode = "Route table", "InUseRouteTableCannotBeDeleted"
	k.Model = armnetwork.RouteTable{}
	return k
}

// tableRoutesInline are a route table body's inline routes.
var tableRoutesInline = &inlineChildren[armnetwork.Route, RouteSpec]{
	inlineList: inlineList{
		path:    "properties.routes",
		rule:    routeNameRule,
		missing: "The route at %s has no name.",
		twice:   "Route name %s appears more than once in route table %s.",
	},
	childType: "routes",
	name:      func(r *armnetwork.Route) *string { return r.Name },
	check: func(t, name string, r *armnetwork.Route) (RouteSpec, error) {
		return routeSpec(name, r.Properties, t)
	},
	conflicts: checkRouteConflicts,
	save:      func(c *arm.Call, s RouteSpec) error { return SaveRoute(c, c.ID, s) },
}

// putRouteTable creates or replaces a route table. As with a VNet's subnets,
// the body's routes are the complete set.
func (p *Provider) putRouteTable(c *arm.Call) ([]byte, error) {
	var rt armnetwork.RouteTable
	if err := c.Decode(&rt); err != nil {
		return nil, err
	}
	loc, err := trackedEnvelope(c, rt.Location)
	if err != nil {
		return nil, err
	}
	props := orDefault(rt.Properties, armnetwork.RouteTablePropertiesFormat{})
	if len(props.Routes) > p.opts.MaxRoutesPerTable {
		return nil, routeLimitError(c.Name, len(props.Routes), p.opts.MaxRoutesPerTable, tableRoutesInline.path)
	}
	if err := tableRoutesInline.replace(c, props.Routes); err != nil {
		return nil, err
	}
	out := armnetwork.RouteTable{
		ID:       to.Ptr(c.ID),
		Name:     to.Ptr(arm.LastName(c.ID)),
		Type:     to.Ptr(TypeRouteTable),
		Location: to.Ptr(loc),
		Tags:     rt.Tags,
		Etag:     to.Ptr(arm.NewETag()),
		Properties: &armnetwork.RouteTablePropertiesFormat{
			DisableBgpRoutePropagation: orDefault(props.DisableBgpRoutePropagation, false),
			ProvisioningState:          succeeded(),
			ResourceGUID:               to.Ptr(resourceGUID(c)),
		},
	}
	return renderRouteTable(c, &out)
}

func routeLimitError(table string, n, limit int, target string) error {
	return azerr.BadRequest(kubenet.CodeRoutesPerRouteTableLimitExceeded, target,
		"Route table %s would have %d routes; a route table can have at most %d routes.", table, n, limit)
}

// renderRouteTable stores rt with its routes and subnets inline.
func renderRouteTable(c *arm.Call, rt *armnetwork.RouteTable) ([]byte, error) {
	if rt.Properties == nil {
		rt.Properties = &armnetwork.RouteTablePropertiesFormat{}
	}
	rt.Properties.Routes = []*armnetwork.Route{}
	rt.Properties.Subnets = subnetRefs(c, *rt.ID)
	return saveWithChildren(c, *rt.ID, rt, "routes", "routes")
}

// RenderRouteTable re-renders the stored route table id.
func RenderRouteTable(c *arm.Call, id string) error {
	return rerender(c, id, renderRouteTable, "routes", "subnets")
}

// RouteTableInfo is what other providers need to know of a route table.
type RouteTableInfo struct {
	ID       string
	Location string
	Routes   []RouteSpec
	Subnets  []string
}

// LookupRouteTable reads a stored route table, reporting whether it exists.
func LookupRouteTable(c *arm.Call, id string) (RouteTableInfo, bool) {
	var rt armnetwork.RouteTable
	ok, err := c.Load(id, &rt)
	if err != nil || !ok {
		return RouteTableInfo{}, false
	}
	info := RouteTableInfo{ID: *rt.ID}
	if rt.Location != nil {
		info.Location = *rt.Location
	}
	c.ScanChildren(*rt.ID, "routes", func(raw []byte) bool {
		var r storedRoute
		if json.Unmarshal(raw, &r) == nil {
			info.Routes = append(info.Routes, r.spec())
		}
		return true
	})
	info.Subnets = refsOfType(c, *rt.ID, TypeSubnet)
	return info, true
}
