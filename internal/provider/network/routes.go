package network

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/kubenet"
	"github.com/tidwall/gjson"
)

// RouteSpec is a validated route, its prefix and next-hop address typed;
// they become text only in the stored ARM document (SaveRoute).
type RouteSpec struct {
	Name          string
	AddressPrefix netip.Prefix
	NextHopType   string
	// NextHopIP is the zero Addr for every next-hop type but
	// VirtualAppliance.
	NextHopIP netip.Addr
}

var nextHopTypes = []string{
	string(armnetwork.RouteNextHopTypeVirtualAppliance),
	string(armnetwork.RouteNextHopTypeVnetLocal),
	string(armnetwork.RouteNextHopTypeInternet),
	string(armnetwork.RouteNextHopTypeVirtualNetworkGateway),
	string(armnetwork.RouteNextHopTypeNone),
}

// routeSpec validates a route body. Codes: InvalidAddressPrefixFormat and
// InvalidCIDRNotation from the prefix parser; InvalidRouteNextHopType for an
// unknown type; MissingNextHopIpAddress for a VirtualAppliance route without
// nextHopIpAddress (the network RP's code and wording, as quoted in
// hashicorp/terraform-provider-azurerm#20365) and NextHopIpAddressNotAllowed
// for an address on any other type (no public code was found, so it is named
// for what it means).
func routeSpec(name string, props *armnetwork.RoutePropertiesFormat, target string) (RouteSpec, error) {
	s := RouteSpec{Name: name}
	if props == nil || props.AddressPrefix == nil || *props.AddressPrefix == "" {
		return s, azerr.BadRequest("InvalidRequestFormat", joinTarget(target, "properties.addressPrefix"), "Route %s must have an addressPrefix.", name)
	}
	p, err := parsePrefix(*props.AddressPrefix, joinTarget(target, "properties.addressPrefix"))
	if err != nil {
		return s, err
	}
	s.AddressPrefix = p
	s.NextHopType, s.NextHopIP, err = routeNextHop(name, props, target)
	return s, err
}

// routeNextHop reads a route body's next-hop type, in Azure's spelling, and
// address, which only VirtualAppliance routes carry.
func routeNextHop(name string, props *armnetwork.RoutePropertiesFormat, target string) (string, netip.Addr, error) {
	nht, typ := "", ""
	if props.NextHopType != nil {
		nht = string(*props.NextHopType)
	}
	for _, t := range nextHopTypes {
		if strings.EqualFold(t, nht) {
			typ = t
		}
	}
	if typ == "" {
		return "", netip.Addr{}, azerr.BadRequest("InvalidRouteNextHopType", joinTarget(target, "properties.nextHopType"),
			"Route %s has next hop type '%s'; it must be one of %s.", name, nht, strings.Join(nextHopTypes, ", "))
	}
	ip := ""
	if props.NextHopIPAddress != nil {
		ip = strings.TrimSpace(*props.NextHopIPAddress)
	}
	ipTarget := joinTarget(target, "properties.nextHopIpAddress")
	switch {
	case typ == "VirtualAppliance" && ip == "":
		return typ, netip.Addr{}, azerr.BadRequest("MissingNextHopIpAddress", ipTarget,
			"NextHopIpAddress cannot be Null or Empty in route %s when NextHopType is VirtualAppliance.", name)
	case typ != "VirtualAppliance" && ip != "":
		return typ, netip.Addr{}, azerr.BadRequest("NextHopIpAddressNotAllowed", ipTarget,
			"Route %s has nextHopIpAddress %s, which is only allowed with next hop type VirtualAppliance, not %s.", name, ip, typ)
	case ip != "":
		a, err := kubenet.ParseAddr(ip, ipTarget)
		return typ, a, err
	}
	return typ, netip.Addr{}, nil
}

// checkRouteConflicts refuses two routes with one address prefix.
func checkRouteConflicts(table string, specs []RouteSpec) error {
	seen := map[netip.Prefix]string{}
	for i, s := range specs {
		if other, dup := seen[s.AddressPrefix]; dup {
			return azerr.BadRequest("RouteConflict", "properties.routes["+itoa(i)+"].properties.addressPrefix",
				"Routes %s and %s of route table %s have the same address prefix %s.", other, s.Name, table, s.AddressPrefix)
		}
		seen[s.AddressPrefix] = s.Name
	}
	return nil
}

// storedRoute is a stored route document as RouteSpec reads it: the
// prefix and next-hop address decode typed, so that nothing parses them
// again.
type storedRoute struct {
	Name       string `json:"name"`
	Properties struct {
		AddressPrefix    netip.Prefix `json:"addressPrefix"`
		NextHopType      string       `json:"nextHopType"`
		NextHopIPAddress netip.Addr   `json:"nextHopIpAddress"`
	} `json:"properties"`
}

func (r *storedRoute) spec() RouteSpec {
	return RouteSpec{Name: r.Name, AddressPrefix: r.Properties.AddressPrefix, NextHopType: r.Properties.NextHopType, NextHopIP: r.Properties.NextHopIPAddress}
}

// deref is *s as a string, "" when s is nil.
func deref[T ~string](s *T) string {
	if s == nil {
		return ""
	}
	return string(*s)
}

// SaveRoute stores route s in table rtID without re-rendering the table;
// callers writing many routes render once at the end.
func SaveRoute(c *arm.Call, rtID string, s RouteSpec) error {
	id := rtID + "/routes/" + s.Name
	var old armnetwork.Route
	if ok, _ := c.Load(id, &old); ok && old.ID != nil {
		id = *old.ID
	}
	r := armnetwork.Route{
		ID:   to.Ptr(id),
		Name: to.Ptr(arm.LastName(id)),
		Type: to.Ptr(TypeRoute),
		Etag: to.Ptr(arm.NewETag()),
		Properties: &armnetwork.RoutePropertiesFormat{
			AddressPrefix:     to.Ptr(s.AddressPrefix.String()),
			NextHopType:       to.Ptr(armnetwork.RouteNextHopType(s.NextHopType)),
			HasBgpOverride:    to.Ptr(false),
			ProvisioningState: succeeded(),
		},
	}
	if s.NextHopIP.IsValid() {
		r.Properties.NextHopIPAddress = to.Ptr(s.NextHopIP.String())
	}
	return c.Save(id, r)
}

func (p *Provider) routeKind() *arm.Kind {
	return &arm.Kind{
		Type:         TypeRoute,
		Model:        armnetwork.Route{},
		ValidName:    routeNameRule.Check,
		NotFoundCode: "NotFound",
		Put:          p.putRoute,
		AfterPut: func(c *arm.Call) error {
			if err := renewETag(c, c.Parent); err != nil {
				return err
			}
			return RenderRouteTable(c, c.Parent)
		},
		AfterDelete: func(c *arm.Call) error { return RenderRouteTable(c, c.Parent) },
	}
}

// routeBrief is what a route PUT reads of its stored siblings: the SDK's
// Route decoder would cost more than the rest of the PUT in a table of many
// routes.
type routeBrief struct {
	Name          string
	AddressPrefix netip.Prefix
}

// readRouteBrief reads a stored route's name and address prefix, and no
// more of it: gjson finds the two members where encoding/json would decode
// the whole document, a hundred times for a PUT into a table of a hundred
// routes. A document that is not valid JSON, or whose members have the
// wrong type or an unparsable prefix, is an error; an absent member is its
// zero value, as encoding/json leaves it.
func readRouteBrief(raw []byte) (routeBrief, error) {
	var b routeBrief
	if !gjson.ValidBytes(raw) {
		return b, errors.New("not valid JSON")
	}
	res := gjson.GetManyBytes(raw, "name", "properties.addressPrefix")
	if n := res[0]; n.Exists() && n.Type != gjson.String {
		return b, fmt.Errorf("name is %s, not a string", n.Raw)
	}
	b.Name = res[0].Str
	switch p := res[1]; {
	case !p.Exists() || p.Str == "" && p.Type == gjson.String:
	case p.Type != gjson.String:
		return b, fmt.Errorf("properties.addressPrefix is %s, not a string", p.Raw)
	default:
		pref, err := netip.ParsePrefix(p.Str)
		if err != nil {
			return b, err
		}
		b.AddressPrefix = pref
	}
	return b, nil
}

func (p *Provider) putRoute(c *arm.Call) ([]byte, error) {
	var r armnetwork.Route
	if err := c.Decode(&r); err != nil {
		return nil, err
	}
	s, err := routeSpec(c.Name, r.Properties, "")
	if err != nil {
		return nil, err
	}
	table := arm.LastName(c.Parent)
	specs := []RouteSpec{}
	var scanErr error
	c.ScanChildren(c.Parent, "routes", func(raw []byte) bool {
		o, err := readRouteBrief(raw)
		if err != nil {
			// A sibling left out would escape the limit and overlap checks.
			scanErr = fmt.Errorf("decode a stored route of %s: %w", c.Parent, err)
			return false
		}
		if !strings.EqualFold(o.Name, c.Name) {
			specs = append(specs, RouteSpec{Name: o.Name, AddressPrefix: o.AddressPrefix})
		}
		return true
	})
	if scanErr != nil {
		return nil, scanErr
	}
	if n := len(specs) + 1; n > p.opts.MaxRoutesPerTable {
		return nil, routeLimitError(table, n, p.opts.MaxRoutesPerTable, "name")
	}
	for _, o := range specs {
		if o.AddressPrefix == s.AddressPrefix {
			return nil, azerr.BadRequest("RouteConflict", "properties.addressPrefix",
				"Routes %s and %s of route table %s have the same address prefix %s.", o.Name, s.Name, table, s.AddressPrefix)
		}
	}
	if err := SaveRoute(c, c.Parent, s); err != nil {
		return nil, err
	}
	return c.StoredDoc(c.ID), nil
}
